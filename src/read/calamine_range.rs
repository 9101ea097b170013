//! xls and ods, through calamine's whole-sheet `Range`.
//!
//! calamine has no cell-by-cell reader for these formats, so each sheet is built
//! whole once; its cells then go through the same row assembly as the streamed
//! formats.

use super::detect::{io_error, open};
use super::guard::one_line;
use super::rows::LazyValue;
use super::workbook::{CellVisitor, Workbook};
use super::{Format, ReadError};
use calamine::{Ods, OdsError, Reader, SheetType, Xls, XlsError};
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;

type Input = BufReader<File>;

/// An open xls or ods workbook.
pub(crate) enum RangeBook {
    Xls(Box<Xls<Input>>),
    Ods(Box<Ods<Input>>),
}

impl RangeBook {
    /// Opens the workbook at `path` (already detected as `format`).
    ///
    /// # Errors
    /// `Encrypted` (a password-protected file), or `Corrupt`.
    pub(crate) fn open(path: &Path, format: Format) -> Result<RangeBook, ReadError> {
        let input = BufReader::new(open(path)?);
        Ok(match format {
            Format::Ods => RangeBook::Ods(Box::new(Ods::new(input).map_err(ods_error)?)),
            _ => RangeBook::Xls(Box::new(Xls::new(input).map_err(xls_error)?)),
        })
    }
}

fn xls_error(error: XlsError) -> ReadError {
    match error {
        XlsError::Password => ReadError::Encrypted,
        XlsError::Io(e) => io_error(e),
        other => ReadError::Corrupt(format!(
            "the workbook's data cannot be parsed ({})",
            one_line(&other.to_string())
        )),
    }
}

fn ods_error(error: OdsError) -> ReadError {
    match error {
        OdsError::Password => ReadError::Encrypted,
        OdsError::Io(e) => io_error(e),
        other => ReadError::Corrupt(format!(
            "the workbook's data cannot be parsed ({})",
            one_line(&other.to_string())
        )),
    }
}

impl Workbook for RangeBook {
    fn sheet_names(&self) -> Vec<String> {
        let sheets = match self {
            RangeBook::Xls(wb) => wb.sheets_metadata(),
            RangeBook::Ods(wb) => wb.sheets_metadata(),
        };
        sheets
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        let range = match self {
            RangeBook::Xls(wb) => wb.worksheet_range(sheet).map_err(xls_error)?,
            RangeBook::Ods(wb) => wb.worksheet_range(sheet).map_err(ods_error)?,
        };
        let Some((top, left)) = range.start() else {
            return Ok(());
        };
        for (row, col, data) in range.used_cells() {
            let row = top.saturating_add(row as u32).saturating_add(1);
            let col = left.saturating_add(col as u32);
            if visit(row, col, LazyValue::Owned(data)) == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }

    fn custom_property(&mut self, name: &str) -> Option<String> {
        let properties = match self {
            RangeBook::Xls(wb) => wb.workbook_properties().ok()?,
            RangeBook::Ods(wb) => wb.workbook_properties().ok()?,
        };
        properties.custom_properties.get(name).cloned()
    }
}
