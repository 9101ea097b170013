//! One data row as the per-row rules see it: its cells typed once, its sheet,
//! and where a finding about one of its cells is.
//!
//! Each rule family owns its per-row rules ([`RowRule`]s in its `ROW_RULES`):
//! when a rule fires and what it says. The engine types the row, runs the
//! families' rules in [`super::engine`]'s family order, then keeps the row's
//! keys for the cross-row rules. Adding a per-row rule to a family touches that
//! family's file (and the rule's [`super::Code`] and fixtures), nothing else.

use super::engine::SheetInfo;
use super::{dates, fields, identity, Finding, Place};
use crate::lang::Lang;
use crate::read::{FieldCell, Row};
use crate::template::{FieldType, Review, SheetDef, SheetKind, Template};
pub(super) use crate::value::Typed;
use crate::value::{Bad, DateValue};

/// A per-row rule: adds its findings about one row.
pub(super) type RowRule = fn(&mut RowView<'_, '_>, &mut Vec<Finding>);

/// One row being checked.
pub(super) struct RowView<'a, 'r> {
    pub template: &'a Template,
    pub def: &'a SheetDef,
    pub kind: SheetKind,
    pub info: &'a SheetInfo,
    pub row: &'r Row,
    /// Per field of the sheet, its cell typed.
    pub typed: Vec<Typed<'r>>,
    pub file: usize,
    pub path: &'a str,
    /// "Now", for future dates and overdue reviews.
    pub as_of: DateValue,
    /// The language of the messages.
    pub lang: Lang,
}

impl<'r> RowView<'_, 'r> {
    pub fn cell(&self, field: usize) -> Option<&'r FieldCell> {
        self.row.cells.get(field).and_then(Option::as_ref)
    }

    /// Whether the sheet has the field's column at all.
    pub fn has_column(&self, field: usize) -> bool {
        self.info.columns.get(field).copied().flatten().is_some()
    }

    /// The field's header in the sheet's language.
    pub fn header(&self, field: usize) -> &str {
        &self.info.headers[field]
    }

    /// Where a finding about the field's cell on this row is.
    pub fn place(&self, field: usize) -> Place<'_> {
        Place {
            file_index: self.file,
            file: self.path,
            sheet_kind: Some(self.kind),
            sheet: Some(&self.info.name),
            row: Some(self.row.row),
            col: self
                .cell(field)
                .map(|c| c.col)
                .or_else(|| self.info.columns.get(field).copied().flatten()),
            field: Some((field, &self.def.fields[field].key)),
            column: &self.info.headers[field],
        }
    }

    /// The option a list field holds, if valid.
    pub fn choice(&self, field: usize) -> Option<usize> {
        match self.typed.get(field) {
            Some(Typed::Choice(o)) => Some(*o),
            _ => None,
        }
    }

    /// The date a date field holds, if valid (and not in the future).
    pub fn date(&self, field: usize) -> Option<DateValue> {
        match self.typed.get(field) {
            Some(Typed::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// The text a text field holds, normalised.
    pub fn text(&self, field: usize) -> Option<&str> {
        match self.typed.get(field) {
            Some(Typed::Text(t)) => Some(t.as_ref()),
            _ => None,
        }
    }

    /// The ID the ID field holds, if valid.
    pub fn id(&self) -> Option<&str> {
        match self.typed.get(self.def.keys.id) {
            Some(Typed::Id(id)) => Some(id.as_ref()),
            _ => None,
        }
    }

    /// The review status option, if valid.
    pub fn status(&self) -> Option<usize> {
        self.choice(self.def.keys.review_status)
    }

    /// What the review status means, if it has a review role.
    pub fn review(&self) -> Option<Review> {
        self.status().and_then(|o| self.def.review_of_option(o))
    }

    /// The date that dates the row (entry or update date), if valid.
    pub fn row_date(&self) -> Option<DateValue> {
        self.date(self.def.keys.date)
    }

    /// The finding of a cell that typing found to be no value of its field (a
    /// future date has its own rule, in the dates family).
    pub fn bad_value(&self, field: usize, bad: &Bad<'_>) -> Option<Finding> {
        let place = self.place(field);
        let lang = self.lang;
        Some(match bad {
            Bad::Date { text, number } => dates::invalid_date(&place, text, *number, lang),
            Bad::Id(text) => {
                let on_entry = self.kind == SheetKind::Entry;
                identity::invalid_id(&place, text, &self.template.params, on_entry, lang)
            }
            Bad::NotListed(text) => {
                let def = &self.def.fields[field];
                let list = self.template.active_list(def)?;
                let is_team = def.ty == FieldType::Text;
                fields::invalid_enum(&place, list, is_team, text, self.info.lang, lang)
            }
            Bad::Future(_) => return None,
        })
    }

    /// The label of an option of a list field, in the sheet's language.
    pub fn label(&self, field: usize, option: usize) -> &str {
        self.template
            .list_of(self.kind, field)
            .and_then(|l| l.options.get(option))
            .map_or("", |o| o.label.get(self.info.lang))
    }
}
