//! xlsx, xlsm and xlsb, streamed.
//!
//! calamine's cell readers hand out one cell at a time in row order, so a sheet
//! is never held whole: neither its 1,048,575 data rows nor the empty space a
//! stray value in `XFD1048576` would make a `Range` allocate.

use super::calamine_range::cell_range;
use super::detect::{io_error, open};
use super::guard::one_line;
use super::rows::LazyValue;
use super::workbook::{CellVisitor, Workbook};
use super::{CellRange, Format, ReadError};
use calamine::{Reader, SheetType, Xlsb, XlsbError, Xlsx, XlsxError};
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;

type Input = BufReader<File>;

/// An open xlsx/xlsm or xlsb workbook.
pub(crate) enum StreamingBook {
    Xlsx(Box<Xlsx<Input>>),
    Xlsb(Box<Xlsb<Input>>),
}

impl StreamingBook {
    /// Opens the workbook at `path` (already detected as `format`).
    ///
    /// # Errors
    /// `Encrypted`, or `Corrupt` when the workbook parts cannot be parsed.
    pub(crate) fn open(path: &Path, format: Format) -> Result<StreamingBook, ReadError> {
        let input = BufReader::new(open(path)?);
        Ok(match format {
            Format::Xlsb => StreamingBook::Xlsb(Box::new(Xlsb::new(input).map_err(xlsb_error)?)),
            _ => StreamingBook::Xlsx(Box::new(Xlsx::new(input).map_err(xlsx_error)?)),
        })
    }
}

fn xlsx_error(error: XlsxError) -> ReadError {
    match error {
        XlsxError::Password => ReadError::Encrypted,
        XlsxError::Io(e) => io_error(e),
        other => ReadError::Corrupt(format!(
            "the workbook's data cannot be parsed ({})",
            one_line(&other.to_string())
        )),
    }
}

fn xlsb_error(error: XlsbError) -> ReadError {
    match error {
        XlsbError::Password => ReadError::Encrypted,
        XlsbError::Io(e) => io_error(e),
        other => ReadError::Corrupt(format!(
            "the workbook's data cannot be parsed ({})",
            one_line(&other.to_string())
        )),
    }
}

fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

impl Workbook for StreamingBook {
    fn sheet_names(&self) -> Vec<String> {
        match self {
            StreamingBook::Xlsx(wb) => worksheet_names(wb.sheets_metadata()),
            StreamingBook::Xlsb(wb) => worksheet_names(wb.sheets_metadata()),
        }
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        // The two readers have the same shape but no common trait.
        macro_rules! stream {
            ($reader:expr, $error:expr) => {{
                let mut reader = $reader.map_err($error)?;
                while let Some(cell) = reader.next_cell().map_err($error)? {
                    let (row, col) = cell.get_position();
                    let flow = visit(row.saturating_add(1), col, LazyValue::Ref(cell.get_value()));
                    if flow == ControlFlow::Break(()) {
                        break;
                    }
                }
                Ok(())
            }};
        }
        match self {
            StreamingBook::Xlsx(wb) => stream!(wb.worksheet_cells_reader(sheet), xlsx_error),
            StreamingBook::Xlsb(wb) => stream!(wb.worksheet_cells_reader(sheet), xlsb_error),
        }
    }

    fn custom_property(&mut self, name: &str) -> Option<String> {
        let properties = match self {
            StreamingBook::Xlsx(wb) => wb.workbook_properties().ok()?,
            StreamingBook::Xlsb(wb) => wb.workbook_properties().ok()?,
        };
        properties.custom_properties.get(name).cloned()
    }

    fn merged_cells(&mut self, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        match self {
            StreamingBook::Xlsx(wb) => {
                let ranges = wb.merge_cells_by_sheet_name(sheet).map_err(xlsx_error)?;
                Ok(ranges.iter().map(cell_range).collect())
            }
            // calamine does not read the merged cells of an xlsb.
            StreamingBook::Xlsb(_) => Ok(Vec::new()),
        }
    }
}
