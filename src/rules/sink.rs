//! The one sink that checks a file, whether it is checked alone or beside
//! others: the sheet checks and the per-row rules of [`super::engine`], with
//! each row's cross-row keys logged in chunks ([`Part`]s). The parts go
//! straight into the run ([`FoldNow`], one file at a time) or through a
//! bounded channel to the thread that folds the files in order
//! ([`super::parallel`]); either way [`Folding`] takes them in, so a file
//! gives the same findings however it is checked.

use super::engine::{
    check_row, explain_merges, sheet_checks, slot, Context, RowKeys, SheetInfo, Validation,
    PROGRESS_STEP,
};
use super::findings::{moved_to_row, Cap};
use super::repeat::{OwnedKeys, RowMemo};
use super::{Code, Finding};
use crate::read::{FileRead, MergedCells, ReadError, Row, RowSink, SheetLayout};
use crate::template::SheetKind;
use crate::value::DateValue;
use std::sync::mpsc::SyncSender;

/// Rows of keys per message from a worker.
const CHUNK: usize = 1024;

/// Messages a file's worker may send ahead of the folding.
pub(super) const PARTS_IN_FLIGHT: usize = 16;

/// What a worker sends about its file, in reading order.
pub(super) enum Part {
    Sheet(SheetKind, SheetInfo, Vec<Finding>),
    Rows(Chunk),
    /// The merged ranges of a sheet with an empty required cell, after its rows.
    Merged(SheetKind, MergedCells),
    /// The row-level findings the worker left out (past the cap), then the
    /// reader's result.
    Done(Box<Cap>, Result<FileRead, ReadError>),
}

/// The findings and cross-row keys of consecutive rows.
#[derive(Default)]
pub(super) struct Chunk {
    findings: Vec<Finding>,
    keys: Vec<LoggedKeys>,
    /// The texts the keys refer to.
    text: String,
}

/// [`RowKeys`] of one row, owned, its texts in [`Chunk::text`].
struct LoggedKeys {
    row: u32,
    kind: SheetKind,
    id: Option<(usize, usize)>,
    name: Option<(usize, usize)>,
    salesperson: Option<(usize, usize)>,
    date: Option<DateValue>,
    status: Option<usize>,
    approved: bool,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.keys.is_empty()
    }
}

fn log_keys(keys_of: &mut Vec<LoggedKeys>, text: &mut String, row: u32, keys: RowKeys<'_>) {
    let mut store = |s: &str| {
        let start = text.len();
        text.push_str(s);
        (start, text.len())
    };
    let id = keys.id.map(&mut store);
    let name = keys.name.map(&mut store);
    let salesperson = keys.salesperson.map(&mut store);
    keys_of.push(LoggedKeys {
        row,
        kind: keys.kind,
        id,
        name,
        salesperson,
        date: keys.date,
        status: keys.status,
        approved: keys.approved,
    });
}

/// A file's parts taken into the run as they come, in order.
pub(super) struct Folding {
    file: usize,
    findings_before: usize,
    updates_before: usize,
}

impl Folding {
    /// Starts folding `file` (its turn has come: the files before it are in).
    pub(super) fn new(run: &Validation<'_>, file: usize) -> Folding {
        Folding {
            file,
            findings_before: run.findings.len(),
            updates_before: run.cross.updates_len(),
        }
    }

    /// Takes one part into the run; the file's end once it is the last.
    pub(super) fn take(
        &self,
        run: &mut Validation<'_>,
        part: Part,
    ) -> Option<Result<(), ReadError>> {
        let file = self.file;
        match part {
            Part::Sheet(kind, info, findings) => {
                run.findings.extend(findings);
                run.add_sheet(file, kind, info);
            }
            Part::Rows(mut chunk) => {
                run.findings.extend(std::mem::take(&mut chunk.findings));
                for keys in &chunk.keys {
                    let text = |range: Option<(usize, usize)>| {
                        range.and_then(|(start, end)| chunk.text.get(start..end))
                    };
                    let row_keys = RowKeys {
                        kind: keys.kind,
                        id: text(keys.id),
                        name: text(keys.name),
                        salesperson: text(keys.salesperson),
                        date: keys.date,
                        status: keys.status,
                        approved: keys.approved,
                    };
                    run.keep(file, keys.row, row_keys);
                }
            }
            Part::Merged(kind, merged) => {
                let lang = run.options().lang;
                let findings = run.findings.since_mut(self.findings_before);
                explain_merges(findings, kind, &merged, lang);
            }
            Part::Done(omitted, done) => {
                run.findings.add_omitted(file, &omitted);
                return Some(self.end(run, done));
            }
        }
        None
    }

    /// Ends the file with the reader's result.
    pub(super) fn end(
        &self,
        run: &mut Validation<'_>,
        result: Result<FileRead, ReadError>,
    ) -> Result<(), ReadError> {
        let ended = run.end_file(self.file, self.findings_before, self.updates_before, result);
        run.ctx.progress.file_done();
        ended
    }
}

/// Where a file's sink sends its parts.
pub(super) trait PartOut {
    fn send(&mut self, part: Part);
}

/// To the thread that folds the files in order (several files at once).
impl PartOut for SyncSender<Part> {
    fn send(&mut self, part: Part) {
        // A closed channel: the run is over (a bug elsewhere); nothing to keep.
        let _ = SyncSender::send(self, part);
    }
}

/// Straight into the run: one file at a time, no thread between.
pub(super) struct FoldNow<'v, 't> {
    pub run: &'v mut Validation<'t>,
    folding: Folding,
    ended: Option<Result<(), ReadError>>,
}

impl<'v, 't> FoldNow<'v, 't> {
    pub(super) fn new(run: &'v mut Validation<'t>, file: usize) -> FoldNow<'v, 't> {
        FoldNow {
            folding: Folding::new(run, file),
            run,
            ended: None,
        }
    }
}

impl FoldNow<'_, '_> {
    /// The file's end, once its last part is in.
    pub(super) fn ended(&mut self) -> Option<Result<(), ReadError>> {
        self.ended.take()
    }
}

impl PartOut for FoldNow<'_, '_> {
    fn send(&mut self, part: Part) {
        if let Some(ended) = self.folding.take(self.run, part) {
            self.ended = Some(ended);
        }
    }
}

/// The sink that checks a file: sheet checks and the per-row rules, with the
/// cross-row keys logged in chunks for the run to fold in file order.
pub(super) struct PartSink<'t, O: PartOut> {
    ctx: Context<'t>,
    file: usize,
    path: String,
    sheets: [Option<SheetInfo>; 2],
    chunk: Chunk,
    pub parts: O,
    /// Rows not yet counted on the progress line.
    pub rows: u64,
    /// The row checked last, for the reader to fill again.
    spent: Option<Row>,
    /// Per sheet: whether it has an empty required cell (which merged cells
    /// may explain).
    missing_required: [bool; 2],
    /// The row-level findings of this file, capped here so that a file read
    /// ahead of its turn waits with a bounded number of findings.
    pub cap: Cap,
    /// The last row that had findings, for an identical next row.
    memo: Option<RowMemo>,
}

impl<'t, O: PartOut> PartSink<'t, O> {
    pub(super) fn new(ctx: Context<'t>, file: usize, path: &str, parts: O) -> PartSink<'t, O> {
        PartSink {
            ctx,
            file,
            path: path.to_string(),
            sheets: [None, None],
            chunk: Chunk::default(),
            parts,
            rows: 0,
            spent: None,
            missing_required: [false; 2],
            cap: Cap::default(),
            memo: None,
        }
    }

    /// The file's index in the run.
    pub(super) fn file_index(&self) -> usize {
        self.file
    }

    pub(super) fn flush(&mut self) {
        if !self.chunk.is_empty() {
            self.parts.send(Part::Rows(std::mem::take(&mut self.chunk)));
        }
    }

    /// Ends the file with the reader's result: what is left, then the end.
    pub(super) fn finish(&mut self, result: Result<FileRead, ReadError>) {
        self.flush();
        self.ctx.progress.add_rows(std::mem::take(&mut self.rows));
        let cap = std::mem::take(&mut self.cap);
        self.parts.send(Part::Done(Box::new(cap), result));
    }
}

impl<O: PartOut> RowSink for PartSink<'_, O> {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.flush();
        let (info, findings) = sheet_checks(&self.ctx, self.file, &self.path, layout);
        self.sheets[slot(layout.kind)] = Some(info.clone());
        self.memo = None;
        self.parts.send(Part::Sheet(layout.kind, info, findings));
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        let Some(info) = self.sheets[slot(layout.kind)].as_ref() else {
            return;
        };
        let chunk = &mut self.chunk;
        let findings_before = chunk.findings.len();
        let (keys_of, text) = (&mut chunk.keys, &mut chunk.text);
        let kind = layout.kind;
        if let Some(memo) = self.memo.as_ref().filter(|m| m.matches(kind, &row)) {
            for f in &memo.findings {
                if self.cap.admit(f.rule) {
                    chunk.findings.push(moved_to_row(f, row.row));
                }
            }
            if let Some(keys) = &memo.keys {
                log_keys(keys_of, text, row.row, keys.keys());
            }
        } else {
            let mut owned = None;
            check_row(
                &self.ctx,
                self.file,
                &self.path,
                info,
                kind,
                &row,
                &mut chunk.findings,
                |keys, findings| {
                    if findings.len() > findings_before {
                        owned = Some(OwnedKeys::new(&keys));
                    }
                    log_keys(keys_of, text, row.row, keys);
                },
            );
            self.memo = (chunk.findings.len() > findings_before).then(|| RowMemo {
                kind,
                cells: row.cells.clone(),
                findings: chunk.findings[findings_before..].to_vec(),
                keys: owned,
            });
            self.cap.keep_tail(&mut chunk.findings, findings_before);
        }
        self.missing_required[slot(layout.kind)] |= chunk.findings[findings_before..]
            .iter()
            .any(|f| f.rule == Code::MissingRequired);
        if chunk.keys.len() >= CHUNK || chunk.findings.len() >= CHUNK {
            self.flush();
        }
        self.spent = Some(row);
        self.rows += 1;
        if self.rows >= PROGRESS_STEP {
            self.ctx.progress.add_rows(std::mem::take(&mut self.rows));
        }
    }

    fn spare_row(&mut self) -> Option<Row> {
        self.spent.take()
    }

    /// Merged cells explain empty required cells, so they are passed on only
    /// when the sheet has one.
    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.missing_required[slot(layout.kind)]
    }

    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        self.flush();
        self.parts.send(Part::Merged(layout.kind, merged.clone()));
    }
}
