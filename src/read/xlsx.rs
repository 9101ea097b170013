//! xlsx, xlsm and xlsb, streamed.
//!
//! calamine's cell readers hand out one cell at a time in row order, so a sheet
//! is never held whole: neither its 1,048,575 data rows nor the empty space a
//! stray value in `XFD1048576` would make a `Range` allocate.
//!
//! Read with [`Threads::Two`], the cell reader runs on a thread of its own and
//! does nothing but parse: it passes the cells on in batches, their texts still
//! borrowed from calamine's shared-string table, and the rows are made up on
//! the calling thread while it parses on. Unzipping and parsing the sheet is
//! what reading any workbook costs; with everything else on the other core, a
//! validation takes little longer than that.

use super::guard::{contain_panics, library_panic};
use super::rows::LazyValue;
use super::source::Source;
use super::workbook::{CellVisitor, MergedFinder, Workbook};
use super::{xlsx_merged, CellRange, Format, ReadError, Threads};
use calamine::{Cell, DataRef, Reader, SheetType, Xlsb, Xlsx};
use std::io::BufReader;
use std::sync::mpsc::{channel, sync_channel};

type Input = BufReader<super::source::Input>;

/// An open xlsx/xlsm or xlsb workbook.
pub(crate) struct StreamingBook {
    book: Book,
    source: Source,
    threads: Threads,
}

enum Book {
    Xlsx(Box<Xlsx<Input>>),
    Xlsb(Box<Xlsb<Input>>),
}

impl StreamingBook {
    /// Opens the workbook `source` (already detected as `format`).
    ///
    /// # Errors
    /// `Encrypted`, or `Corrupt` when the workbook parts cannot be parsed.
    pub(crate) fn open(
        source: &Source,
        format: Format,
        threads: Threads,
    ) -> Result<StreamingBook, ReadError> {
        let input = BufReader::new(source.open()?);
        let book = match format {
            Format::Xlsb => Book::Xlsb(Box::new(Xlsb::new(input)?)),
            _ => Book::Xlsx(Box::new(Xlsx::new(input)?)),
        };
        Ok(StreamingBook {
            book,
            source: source.clone(),
            threads,
        })
    }
}

/// Cells per batch passed from the reading thread: large enough that passing
/// costs nothing per cell, small enough to stay in the cores' caches.
const CELLS_PER_BATCH: usize = 4096;
/// Batches on their way at most; the reader waits when the rows lag behind.
const BATCHES_IN_FLIGHT: usize = 4;

/// Excel's last row, 1-based.
const EXCEL_ROWS: u32 = 1_048_576;

/// Cells of an xlsx sheet come in row order, within Excel's rows. A row number
/// past 2³² wraps in calamine's parsing (`r="4294967297"` reads as row 1, over
/// the header): it shows as a cell going back, or one past the limit, and is
/// refused rather than checked at the wrong row.
fn in_order(last: &mut Option<(u32, u32)>, (row, col): (u32, u32)) -> Result<(), ReadError> {
    if row >= EXCEL_ROWS {
        return Err(ReadError::Corrupt(format!(
            "a cell is on row {}, past Excel's limit of 1,048,576 rows",
            u64::from(row) + 1
        )));
    }
    if let Some((last_row, last_col)) = *last {
        if (row, col) <= (last_row, last_col) {
            return Err(ReadError::Corrupt(format!(
                "its cells are out of order (row {} after row {}): a row number past Excel's limit of 1,048,576 rows, or a damaged sheet",
                row + 1,
                last_row + 1
            )));
        }
    }
    *last = Some((row, col));
    Ok(())
}

/// One cell as the reading thread passes it on: 1-based row, column, value.
type RawCell<'a> = (u32, u32, DataRef<'a>);

/// Hands every cell `next` yields to `visit`, until `visit` breaks.
fn stream_cells<'a>(
    mut next: impl FnMut() -> Result<Option<Cell<DataRef<'a>>>, ReadError> + Send,
    threads: Threads,
    visit: &mut CellVisitor<'_>,
) -> Result<(), ReadError> {
    if threads == Threads::Two {
        if let Some(result) = stream_cells_on_thread(&mut next, visit) {
            return result;
        }
    }
    while let Some(cell) = next()? {
        let (row, col) = cell.get_position();
        if visit(row.saturating_add(1), col, LazyValue::Ref(cell.get_value())).is_break() {
            break;
        }
    }
    Ok(())
}

/// [`stream_cells`] with `next` on a thread of its own, or `None` when no
/// thread can be started (nothing has been read then).
fn stream_cells_on_thread<'a>(
    next: &mut (impl FnMut() -> Result<Option<Cell<DataRef<'a>>>, ReadError> + Send),
    visit: &mut CellVisitor<'_>,
) -> Option<Result<(), ReadError>> {
    std::thread::scope(|scope| {
        let (send_full, full) = sync_channel::<Vec<RawCell<'a>>>(BATCHES_IN_FLIGHT);
        let (send_empty, empty) = channel::<Vec<RawCell<'a>>>();
        let reader = std::thread::Builder::new()
            .name("crmsheet-read".into())
            .spawn_scoped(scope, move || {
                contain_panics(move || -> Result<(), ReadError> {
                    loop {
                        let mut batch = empty
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(CELLS_PER_BATCH));
                        let mut done = false;
                        while batch.len() < CELLS_PER_BATCH {
                            let Some(cell) = next()? else {
                                done = true;
                                break;
                            };
                            let (row, col) = cell.get_position();
                            batch.push((row.saturating_add(1), col, cell.get_value().clone()));
                        }
                        // A closed channel: the cells are no longer wanted.
                        if send_full.send(batch).is_err() || done {
                            return Ok(());
                        }
                    }
                })
            })
            .ok()?;
        let mut stopped = false;
        for mut batch in full.iter() {
            for (row, col, value) in batch.drain(..) {
                if visit(row, col, LazyValue::Ref(&value)).is_break() {
                    stopped = true;
                    break;
                }
            }
            if stopped {
                break;
            }
            // The reader may be done already; then the batch is not needed.
            let _ = send_empty.send(batch);
        }
        // Stops a reader still parsing (after a break) before it is waited for.
        drop(full);
        Some(match reader.join() {
            Ok(Ok(result)) => result,
            Ok(Err(message)) => Err(library_panic(&message)),
            Err(_) => Err(library_panic("the reading thread stopped")),
        })
    })
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
        match &self.book {
            Book::Xlsx(wb) => worksheet_names(wb.sheets_metadata()),
            Book::Xlsb(wb) => worksheet_names(wb.sheets_metadata()),
        }
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        let threads = self.threads;
        match &mut self.book {
            Book::Xlsx(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet)?;
                let mut last = None;
                stream_cells(
                    move || {
                        let cell = reader.next_cell()?;
                        if let Some(cell) = &cell {
                            in_order(&mut last, cell.get_position())?;
                        }
                        Ok(cell)
                    },
                    threads,
                    visit,
                )
            }
            Book::Xlsb(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet)?;
                stream_cells(
                    move || reader.next_cell().map_err(ReadError::from),
                    threads,
                    visit,
                )
            }
        }
    }

    fn custom_property(&mut self, name: &str) -> Option<String> {
        let properties = match &mut self.book {
            Book::Xlsx(wb) => wb.workbook_properties().ok()?,
            Book::Xlsb(wb) => wb.workbook_properties().ok()?,
        };
        properties.custom_properties.get(name).cloned()
    }

    fn merged_cells_finder(&self, sheet: &str) -> Option<MergedFinder> {
        // Read on one thread, they are found when asked for: only a sheet
        // with an empty required cell asks.
        if !matches!(self.book, Book::Xlsx(_)) || self.threads == Threads::One {
            return None;
        }
        // A file of its own, or the same bytes: the cells are read on meanwhile.
        let source = self.source.clone();
        let name = sheet.to_string();
        Some(MergedFinder::new(move || {
            contain_panics(|| xlsx_merged::merged_ranges(&source, &name))
        }))
    }

    fn merged_cells(&mut self, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        match &self.book {
            Book::Xlsx(_) => {
                let found = contain_panics(|| xlsx_merged::merged_ranges(&self.source, sheet));
                // A panic while looking: the merged ranges only explain other
                // findings, so the sheet simply has none to tell of.
                found.unwrap_or_else(|_| Ok(Vec::new()))
            }
            // calamine does not read the merged cells of an xlsb.
            Book::Xlsb(_) => Ok(Vec::new()),
        }
    }
}
