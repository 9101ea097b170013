//! A row identical to the one before it has the same findings, moved to its
//! own row. An ods can repeat one bad row a million times in a few bytes
//! (`table:number-rows-repeated`); checking each copy again (masking, message
//! formatting, pattern searches) would cost minutes for findings that the cap
//! only counts. So the last row that had findings is remembered with them and
//! its cross-row keys, and an identical next row reuses them.

use super::engine::RowKeys;
use super::Finding;
use crate::read::{FieldCell, Row};
use crate::template::SheetKind;
use crate::value::DateValue;

/// [`RowKeys`], owned.
pub(super) struct OwnedKeys {
    kind: SheetKind,
    id: Option<String>,
    name: Option<String>,
    salesperson: Option<String>,
    date: Option<DateValue>,
    status: Option<usize>,
    approved: bool,
}

impl OwnedKeys {
    pub(super) fn new(keys: &RowKeys<'_>) -> OwnedKeys {
        OwnedKeys {
            kind: keys.kind,
            id: keys.id.map(str::to_string),
            name: keys.name.map(str::to_string),
            salesperson: keys.salesperson.map(str::to_string),
            date: keys.date,
            status: keys.status,
            approved: keys.approved,
        }
    }

    pub(super) fn keys(&self) -> RowKeys<'_> {
        RowKeys {
            kind: self.kind,
            id: self.id.as_deref(),
            name: self.name.as_deref(),
            salesperson: self.salesperson.as_deref(),
            date: self.date,
            status: self.status,
            approved: self.approved,
        }
    }
}

/// The last row checked that had findings.
pub(super) struct RowMemo {
    pub kind: SheetKind,
    pub cells: Vec<Option<FieldCell>>,
    /// Its row-level findings (not the cross-row ones, which depend on what
    /// came before).
    pub findings: Vec<Finding>,
    /// Its cross-row keys; `None` for a rejected row, which leaves none.
    pub keys: Option<OwnedKeys>,
}

impl RowMemo {
    /// Whether `row` of a sheet of `kind` is identical to the remembered one.
    pub(super) fn matches(&self, kind: SheetKind, row: &Row) -> bool {
        self.kind == kind && self.cells == row.cells
    }
}
