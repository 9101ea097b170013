//! xls, through calamine's whole-sheet `Range`.
//!
//! calamine has no cell-by-cell reader for xls, and builds every sheet whole
//! when the file is opened; [`super::xls_check`] has checked the file's declared
//! sizes before that. The cells then go through the same row assembly as the
//! streamed formats. (ods has its own streaming reader, [`super::ods`].)

use super::rows::LazyValue;
use super::source::Source;
use super::workbook::{CellVisitor, Workbook};
use super::{CellRange, ReadError};
use calamine::{Reader, SheetType, Xls};
use std::io::BufReader;
use std::ops::ControlFlow;

type Input = BufReader<super::source::Input>;

/// An open xls workbook.
pub(crate) struct RangeBook {
    book: Box<Xls<Input>>,
}

impl RangeBook {
    /// Opens the xls workbook `source`, once its declared sizes pass
    /// [`super::xls_check::check`].
    ///
    /// # Errors
    /// `TooLarge`, `Encrypted` (a password-protected file), or `Corrupt`.
    pub(crate) fn open(source: &Source) -> Result<RangeBook, ReadError> {
        super::xls_check::check(source)?;
        let input = BufReader::new(source.open()?);
        Ok(RangeBook {
            book: Box::new(Xls::new(input)?),
        })
    }
}

impl Workbook for RangeBook {
    fn sheet_names(&self) -> Vec<String> {
        self.book
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        let range = self.book.worksheet_range(sheet)?;
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
        let properties = self.book.workbook_properties().ok()?;
        properties.custom_properties.get(name).cloned()
    }

    fn merged_cells(&mut self, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        let ranges = self.book.merge_cells_by_sheet_name(sheet)?;
        Ok(ranges.iter().map(cell_range).collect())
    }
}

/// A calamine range (0-based rows) as a [`CellRange`] (1-based rows).
pub(crate) fn cell_range(dimensions: &calamine::Dimensions) -> CellRange {
    CellRange {
        first_row: dimensions.start.0.saturating_add(1),
        first_col: dimensions.start.1,
        last_row: dimensions.end.0.saturating_add(1),
        last_col: dimensions.end.1,
    }
}
