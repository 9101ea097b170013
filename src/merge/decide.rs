//! Review decisions applied to the master's rows as merge reads them (the
//! admin's approvals and rejections, from `crmsheet review` or the desk).

use crate::read::{FieldCell, Row, SheetLayout, Value as ReadValue};
use crate::template::{Review, SheetKind, Template};
use crate::value::DateValue;
use std::collections::HashMap;

/// Review decisions on rows of the master, by sheet and 1-based row number.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub rows: HashMap<(SheetKind, u32), RowDecision>,
}

/// One review decision: the review fields it fills in, and for a rejection the
/// reason the change log gives.
#[derive(Debug, Clone)]
pub struct RowDecision {
    pub approve: bool,
    pub reviewer: String,
    pub date: DateValue,
    /// The change log's reason for a rejection (merge's own words when `None`).
    pub reason: Option<String>,
}

impl Decisions {
    /// Fills the review fields of a decided row in, as an admin would have typed
    /// them; whether the row was decided, and whether it was rejected.
    pub(super) fn apply(
        &self,
        template: &Template,
        layout: &SheetLayout,
        row: &mut Row,
    ) -> Option<RowDecision> {
        let decision = self.rows.get(&(layout.kind, row.row))?;
        let def = template.sheet(layout.kind);
        let review = if decision.approve {
            Review::Approved
        } else {
            Review::Rejected
        };
        let keys = &def.keys;
        let status = template
            .list_of(layout.kind, keys.review_status)
            .and_then(|list| {
                let option = list.options.get(list.with_role(review.role())?)?;
                Some((
                    keys.review_status,
                    ReadValue::Text(option.label.get(layout.lang).to_string()),
                ))
            });
        let reviewer = keys
            .reviewer
            .map(|i| (i, ReadValue::Text(decision.reviewer.clone())));
        let date = keys
            .review_date
            .map(|i| (i, ReadValue::DateTime(decision.date.at)));
        for (i, value) in [status, reviewer, date].into_iter().flatten() {
            // A column the register lacks stays empty: validation refuses that.
            let Some(col) = layout.columns.get(i).copied().flatten() else {
                continue;
            };
            if row.cells.len() <= i {
                row.cells.resize(i + 1, None);
            }
            row.cells[i] = Some(FieldCell { col, value });
        }
        Some(decision.clone())
    }
}

/// What a merge with [`Decisions`] did to the master's decided rows.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Entry rows given an ID: (row, ID).
    pub assigned: Vec<(u32, String)>,
    /// Update rows applied: (row, customer ID, customer name, field changes
    /// logged).
    pub applied: Vec<(u32, String, String, usize)>,
}
