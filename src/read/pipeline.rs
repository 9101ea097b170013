//! Reading a file on one thread while its rows are used on another.
//!
//! Unzipping and parsing a workbook is most of what validating it costs, and
//! checking the rows is most of the rest; on two cores the two overlap, so a
//! run takes about as long as the reading alone. xlsx, xlsm and xlsb do it
//! cell by cell (their reading thread only parses, see `xlsx`); for the other
//! formats, done here, the reader thread assembles rows as usual and passes them on in batches through a bounded channel (so
//! memory stays at a few batches however long the sheet is). The rows the sink
//! is done with ([`RowSink::spare_row`]) go back to the reader in the batch
//! vectors, to be filled again: no allocation per cell, and no memory freed on
//! another thread than the one that allocated it.
//!
//! A [`RowSink`] method added later that returns something to the reader must
//! be answered here too: the reader thread only sees the [`Pipe`].

use super::{
    contain_panics, read_guarded, read_unguarded, FileRead, MergedCells, ReadError, Row, RowSink,
    SheetLayout, Source, Threads, Value, INTERNAL_ERROR,
};
use crate::template::Template;
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

/// Rows per batch: large enough that handing a batch from one core to the
/// other costs nothing per row (smaller batches measured slower on two cores).
const BATCH: usize = 512;
/// Batches on their way at most; the reader waits when the checker lags.
const IN_FLIGHT: usize = 4;
/// A batch is sent early once its texts reach this many bytes, so that rows of
/// very long texts do not pile up.
const BATCH_TEXT_BYTES: usize = 1 << 20;

/// What the reader thread passes on, in reading order.
enum Event {
    Sheet(SheetLayout),
    Rows(Vec<Row>),
    /// "Does the sink want this sheet's merged cells?", asked after its last
    /// rows, answered through the answer channel once they are checked.
    AskMerged(SheetLayout),
    Merged(SheetLayout, MergedCells),
}

/// Like [`read_file`], with the reading on a thread of its own: `sink`
/// receives the same calls in the same order, on the calling thread, while the
/// reader goes on. xlsx, xlsm and xlsb pass cells from their reading thread
/// (see `xlsx`); the other formats pass rows ([`read_rows_on_thread`]). Falls
/// back to reading on the calling thread when no thread can be started.
///
/// # Errors
/// As [`read_file`]. A panic in `sink` is contained too, and reported as the
/// file's error (an internal error of crmsheet, not of the file).
pub fn read_file_pipelined(
    path: &Path,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    read_source_pipelined(&Source::path(path), template, sink)
}

/// [`read_file_pipelined`] of a [`Source`]: a file on disk or bytes in memory.
///
/// # Errors
/// As [`read_file_pipelined`].
pub fn read_source_pipelined(
    source: &Source,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    read_guarded(|| read_unguarded(source, template, sink, Threads::Two))
}

/// Runs `read` on a thread of its own, handing the rows it reads to `sink` on
/// this one.
pub(super) fn read_rows_on_thread(
    read: impl FnOnce(&mut dyn RowSink) -> Result<FileRead, ReadError> + Send,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    let mut read = Some(read);
    let piped = std::thread::scope(|scope| {
        let (events, received) = sync_channel::<Event>(IN_FLIGHT);
        let (return_batch, returned) = channel::<Vec<Row>>();
        let (answer, answers) = channel::<bool>();
        // Borrowed, so that it is still here when no thread can be started.
        let read = &mut read;
        let reader = std::thread::Builder::new()
            .name("crmsheet-read".into())
            .spawn_scoped(scope, move || {
                let mut pipe = Pipe {
                    events,
                    batch: Vec::with_capacity(BATCH),
                    batch_text: 0,
                    returned,
                    spare: Vec::new(),
                    answers,
                };
                let result = read.take().map(|read| read(&mut pipe));
                pipe.flush();
                result
            })
            .ok()?;
        let consumed = contain_panics(|| pass_on(received, &return_batch, &answer, sink));
        // The reader has finished (or, after a panic above, finds the channel
        // closed and finishes without waiting) by the time it is joined.
        let result = match reader.join() {
            Ok(Some(result)) => result,
            _ => Err(ReadError::Corrupt(
                "the reading thread stopped unexpectedly".to_string(),
            )),
        };
        Some(match consumed {
            Ok(()) => result,
            Err(message) => Err(ReadError::Corrupt(format!(
                "{INTERNAL_ERROR} ({message}); please report it with the file"
            ))),
        })
    });
    // No thread to be had: read here.
    piped.unwrap_or_else(|| match read.take() {
        Some(read) => read(sink),
        None => Err(ReadError::Corrupt(
            "the reading thread stopped unexpectedly".to_string(),
        )),
    })
}

/// Hands the reader's events to `sink` until the reader is done.
fn pass_on(
    received: Receiver<Event>,
    return_batch: &Sender<Vec<Row>>,
    answer: &Sender<bool>,
    sink: &mut dyn RowSink,
) {
    let mut layout: Option<SheetLayout> = None;
    for event in received {
        match event {
            Event::Sheet(sheet) => {
                sink.sheet(&sheet);
                layout = Some(sheet);
            }
            Event::Rows(mut rows) => {
                let mut spent = Vec::with_capacity(rows.len());
                if let Some(layout) = &layout {
                    for row in rows.drain(..) {
                        sink.row(layout, row);
                        spent.extend(sink.spare_row());
                    }
                }
                // The reader may be done already; then the rows are not needed.
                let _ = return_batch.send(spent);
            }
            Event::AskMerged(sheet) => {
                let _ = answer.send(sink.wants_merged_cells(&sheet));
            }
            Event::Merged(sheet, merged) => sink.merged_cells(&sheet, &merged),
        }
    }
}

/// The reader thread's sink: collects rows into batches and sends them on.
struct Pipe {
    events: SyncSender<Event>,
    batch: Vec<Row>,
    /// Bytes of text in `batch`.
    batch_text: usize,
    /// Rows the sink is done with, coming back.
    returned: Receiver<Vec<Row>>,
    /// Returned rows not yet handed to the reader.
    spare: Vec<Row>,
    /// Answers to [`Event::AskMerged`].
    answers: Receiver<bool>,
}

impl Pipe {
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let next = if self.spare.is_empty() && self.spare.capacity() >= BATCH {
            std::mem::take(&mut self.spare)
        } else {
            Vec::with_capacity(BATCH)
        };
        self.batch_text = 0;
        let full = std::mem::replace(&mut self.batch, next);
        // A closed channel means the checking side stopped (it failed); the
        // rest of the file is read for nothing, and its error says why.
        let _ = self.events.send(Event::Rows(full));
    }
}

impl RowSink for Pipe {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.flush();
        let _ = self.events.send(Event::Sheet(layout.clone()));
    }

    fn row(&mut self, _layout: &SheetLayout, row: Row) {
        self.batch_text += row
            .cells
            .iter()
            .flatten()
            .map(|cell| match &cell.value {
                Value::Text(text) | Value::Error(text) => text.len(),
                _ => 0,
            })
            .sum::<usize>();
        self.batch.push(row);
        if self.batch.len() >= BATCH || self.batch_text >= BATCH_TEXT_BYTES {
            self.flush();
        }
    }

    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.flush();
        if self.events.send(Event::AskMerged(layout.clone())).is_err() {
            return false;
        }
        self.answers.recv().unwrap_or(false)
    }

    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        let _ = self
            .events
            .send(Event::Merged(layout.clone(), merged.clone()));
    }

    fn spare_row(&mut self) -> Option<Row> {
        if self.spare.is_empty() {
            // Rows come back a batch at a time.
            if let Ok(rows) = self.returned.try_recv() {
                self.spare = rows;
            }
        }
        self.spare.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{read_file, FieldCell};
    use crate::template::Template;

    /// Records what a sink receives, to compare the pipelined reading with the
    /// plain one.
    #[derive(Default, PartialEq, Debug)]
    struct Record {
        calls: Vec<String>,
    }

    impl RowSink for Record {
        fn sheet(&mut self, layout: &SheetLayout) {
            self.calls
                .push(format!("sheet {:?} {}", layout.kind, layout.name));
        }

        fn row(&mut self, layout: &SheetLayout, row: Row) {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| match c {
                    Some(FieldCell { col, value }) => format!("{col}:{value:?}"),
                    None => "-".to_string(),
                })
                .collect();
            self.calls
                .push(format!("{:?} {} {}", layout.kind, row.row, cells.join("|")));
        }
    }

    /// [`Record`], handing every row back for reuse.
    #[derive(Default)]
    struct Recycling {
        record: Record,
        spent: Vec<Row>,
    }

    impl RowSink for Recycling {
        fn sheet(&mut self, layout: &SheetLayout) {
            self.record.sheet(layout);
        }

        fn row(&mut self, layout: &SheetLayout, row: Row) {
            self.record.row(layout, row.clone());
            self.spent.push(row);
        }

        fn spare_row(&mut self) -> Option<Row> {
            self.spent.pop()
        }
    }

    fn csv_with_rows(dir: &Path, rows: usize) -> std::path::PathBuf {
        let template = Template::builtin();
        let def = template.sheet(crate::template::SheetKind::Entry);
        let headers: Vec<&str> = def.fields.iter().map(|f| f.header.zh.as_str()).collect();
        let mut text = headers.join(",");
        text.push('\n');
        for i in 0..rows {
            // Rows of different shapes, so that a reused row keeping a value
            // of the row before would show.
            match i % 3 {
                0 => text.push_str(&format!(
                    "2026-11-{:02},张伟,C{i:04},公司{i},制造业\n",
                    i % 28 + 1
                )),
                1 => text.push_str(&format!(",,,公司{i}\n")),
                _ => text.push_str(&format!("{i},  ,C{i},,,,,,{}\n", "长".repeat(i % 300))),
            }
        }
        let path = dir.join("rows.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_sink_gets_what_a_plain_read_gives() {
        let dir = tempfile::tempdir().unwrap();
        let template = Template::builtin();
        // More than a few batches, and a last one that is not full.
        let path = csv_with_rows(dir.path(), BATCH * 5 + 7);
        let mut plain = Record::default();
        let plain_read = read_file(&path, &template, &mut plain);
        let mut piped = Record::default();
        let piped_read = read_file_pipelined(&path, &template, &mut piped);
        assert_eq!(piped_read, plain_read);
        assert_eq!(piped.calls.len(), BATCH * 5 + 8);
        assert_eq!(piped, plain);
    }

    /// An xlsx with the same rows as [`csv_with_rows`]: its cells pass from the
    /// reading thread in batches of cells, not rows.
    fn xlsx_with_rows(dir: &Path, rows: usize) -> std::path::PathBuf {
        let csv = csv_with_rows(dir, rows);
        let text = std::fs::read_to_string(csv).unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, line) in text.lines().enumerate() {
            for (c, value) in line.split(',').enumerate() {
                if !value.is_empty() {
                    sheet.write(r as u32, c as u16, value).unwrap();
                }
            }
        }
        let path = dir.join("rows.xlsx");
        book.save(&path).unwrap();
        path
    }

    #[test]
    fn xlsx_cells_read_on_a_thread_give_what_a_plain_read_gives() {
        let dir = tempfile::tempdir().unwrap();
        let template = Template::builtin();
        // Several batches of cells (4096 each), and a last one that is not full.
        let path = xlsx_with_rows(dir.path(), 5000);
        let mut plain = Record::default();
        let plain_read = read_file(&path, &template, &mut plain);
        let mut piped = Recycling::default();
        let piped_read = read_file_pipelined(&path, &template, &mut piped);
        assert_eq!(piped_read, plain_read);
        assert_eq!(piped.record.calls.len(), 5001);
        assert_eq!(piped.record, plain);
        // A panic while checking is crmsheet's own, told by where it happened.
        let Err(ReadError::Corrupt(message)) = read_file_pipelined(&path, &template, &mut Failing)
        else {
            panic!("expected an internal error");
        };
        assert!(
            message.starts_with(&format!("{INTERNAL_ERROR} at src/read/pipeline.rs:")),
            "{message}"
        );
    }

    #[test]
    fn rows_handed_back_are_filled_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let template = Template::builtin();
        let path = csv_with_rows(dir.path(), BATCH * 3 + 5);
        let mut plain = Record::default();
        read_file(&path, &template, &mut plain).unwrap();
        let mut reused = Recycling::default();
        read_file(&path, &template, &mut reused).unwrap();
        assert_eq!(reused.record, plain);
        let mut piped = Recycling::default();
        read_file_pipelined(&path, &template, &mut piped).unwrap();
        assert_eq!(piped.record, plain);
    }

    #[test]
    fn errors_are_the_reader_errors() {
        let dir = tempfile::tempdir().unwrap();
        let template = Template::builtin();
        let missing = dir.path().join("missing.xlsx");
        let mut sink = Record::default();
        assert_eq!(
            read_file_pipelined(&missing, &template, &mut sink),
            Err(ReadError::NotFound)
        );
        assert!(sink.calls.is_empty());
    }

    struct Failing;

    impl RowSink for Failing {
        fn sheet(&mut self, _layout: &SheetLayout) {}
        fn row(&mut self, _layout: &SheetLayout, row: Row) {
            if row.row == 700 {
                panic!("row {} broke the check", row.row);
            }
        }
    }

    #[test]
    fn a_panic_in_the_sink_becomes_the_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let template = Template::builtin();
        let path = csv_with_rows(dir.path(), BATCH * 8);
        let Err(ReadError::Corrupt(message)) = read_file_pipelined(&path, &template, &mut Failing)
        else {
            panic!("expected an internal error");
        };
        assert!(message.contains("row 700 broke the check"), "{message}");
    }
}
