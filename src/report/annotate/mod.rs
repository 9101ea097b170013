//! The annotated copy (`validate FILE --annotate OUT.xlsx`): the file's data in
//! the current template, every cell with a finding filled red (error) or amber
//! (warning) with a note holding the messages, and a first sheet listing every
//! finding with a link to its cell and counts by rule and by salesperson.
//!
//! The copy keeps the file's own header row and column positions (unknown
//! columns too, with their headers and values), so the cell a report names is
//! the same cell in the original and in the copy; fields the file lacks are
//! added to the right. The salesperson fixes the copy and sends it back.
//!
//! The file is read twice: once to validate it (keeping only its layout and the
//! salesperson of each row), then once more to write each row with its marks,
//! looked up from the findings by row. So memory stays flat however long the
//! file is; only the findings, which the report holds anyway, are kept. (Bytes
//! in memory are simply read again from the same buffer.)
//!
//! The runs themselves are driven by [`crate::check`]; a copy goes to a file
//! ([`write()`], constant memory through temporary files) or into memory
//! ([`to_bytes`], no disk touched). Here: what the validation keeps and the
//! driver; `copy.rs` copies the data sheets with their marks, `sheet.rs`
//! writes the report sheet.

use crate::lang::Lang;
use crate::messages;
use crate::read::{a1, read_source, ReadError, Row, RowSink, SheetLayout, Source, Value};
use crate::report::Report;
use crate::rules::{Code, FileChecker, Finding, Validation};
use crate::template::{SheetKind, Template};
use crate::value::cell_text;
use crate::write::output::{
    ensure_folder, ensure_writable, ensure_xlsx_name, file_state, same_file, write_atomically,
};
use crate::write::{BookOptions, CellMark, Mark, Placement, SheetSetup, TemplateBook};
use anyhow::Result;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

mod copy;
mod sheet;

use copy::{cell_marks, local_references, note_text, Copier};
use sheet::write_report_sheet;

/// Cells that get a note; past this, cells still get their fill and the report
/// sheet lists every finding (notes are held in memory until the file is saved).
pub const MAX_NOTES: usize = 10_000;

/// Excel keeps at most this many links on a sheet; later findings name their
/// cell as plain text.
pub const MAX_LINKS: usize = 65_530;

/// Findings listed on the report sheet, leaving room for the counts below.
pub const MAX_LISTED: usize = 1_000_000;

/// What the validation read keeps for the copy.
#[derive(Debug)]
pub struct Kept {
    source: Source,
    file_index: usize,
    layouts: [Option<SheetLayout>; 2],
    /// Per sheet: one past the last column any cell uses.
    width: [u32; 2],
    /// Per sheet: (row, salesperson) of every data row, in row order.
    people: [Vec<(u32, u32)>; 2],
    names: Vec<String>,
    name_ids: HashMap<String, u32>,
    state: Option<(u64, SystemTime)>,
}

impl Kept {
    fn salesperson(&self, kind: SheetKind, row: u32) -> Option<&str> {
        let rows = &self.people[kind as usize];
        let i = rows.binary_search_by_key(&row, |&(r, _)| r).ok()?;
        self.names.get(rows[i].1 as usize).map(String::as_str)
    }
}

/// What [`write()`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Cells given a fill (data and header cells).
    pub marked: usize,
    /// Cells given a note.
    pub notes: usize,
    /// Findings listed on the report sheet.
    pub listed: usize,
}

/// Reads `source` as the next file of `run`, keeping what an annotated copy of
/// it needs besides the findings.
///
/// # Errors
/// The file could not be read; the run records it as unreadable.
pub(crate) fn check_keeping(run: &mut Validation<'_>, source: &Source) -> Result<Kept, ReadError> {
    let template = run.template();
    // A file on disk is read again for the copy: it must not change meanwhile.
    let state = source.as_path().and_then(file_state);
    let checker = run.begin_file(source);
    let mut observer = Observer {
        kept: Kept {
            source: source.clone(),
            file_index: checker.file_index(),
            layouts: [None, None],
            width: [0, 0],
            people: [Vec::new(), Vec::new()],
            names: Vec::new(),
            name_ids: HashMap::new(),
            state,
        },
        salesperson: [
            Some(template.entry().keys.salesperson),
            Some(template.update().keys.salesperson),
        ],
        checker,
    };
    let result = read_source(source, template, &mut observer);
    let Observer { checker, kept, .. } = observer;
    checker.end(result).map(|()| kept)
}

/// Fails before any work when OUT cannot be written: it exists without
/// `force`, or it is one of the files being checked.
///
/// # Errors
/// As described.
pub fn check_output(out: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    if inputs.iter().any(|input| same_file(input, out)) {
        return Err(messages::annotate_over_input(out));
    }
    ensure_xlsx_name(out)?;
    ensure_writable(out, force)?;
    ensure_folder(out)
}

/// The validation sink that also keeps layouts, widths and salespeople.
struct Observer<'v, 't> {
    checker: FileChecker<'v, 't>,
    kept: Kept,
    salesperson: [Option<usize>; 2],
}

impl RowSink for Observer<'_, '_> {
    fn sheet(&mut self, layout: &SheetLayout) {
        let k = layout.kind as usize;
        let widest = layout
            .columns
            .iter()
            .flatten()
            .copied()
            .chain(layout.unknown.iter().map(|(c, _)| *c))
            .chain(layout.duplicates.iter().map(|(c, _)| *c))
            .max();
        if let Some(c) = widest {
            self.kept.width[k] = self.kept.width[k].max(c + 1);
        }
        self.kept.layouts[k] = Some(layout.clone());
        self.checker.sheet(layout);
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        let k = layout.kind as usize;
        if let Some(c) = row.cells.iter().flatten().map(|c| c.col).max() {
            self.kept.width[k] = self.kept.width[k].max(c + 1);
        }
        let name = self.salesperson[k]
            .and_then(|i| row.cells.get(i))
            .and_then(Option::as_ref)
            .map(|c| cell_text(&c.value).into_owned())
            .filter(|n| !n.is_empty());
        if let Some(name) = name {
            let kept = &mut self.kept;
            let id = match kept.name_ids.get(&name) {
                Some(&id) => id,
                None => {
                    let id = kept.names.len() as u32;
                    kept.names.push(name.clone());
                    kept.name_ids.insert(name, id);
                    id
                }
            };
            kept.people[k].push((row.row, id));
        }
        self.checker.row(layout, row);
    }

    crate::read::forward_merged_cells!(checker);

    fn wants_other_cells(&self) -> bool {
        true
    }

    fn other_cells(&mut self, layout: &SheetLayout, _row: u32, cells: Vec<(u32, Value)>) {
        let k = layout.kind as usize;
        if let Some(c) = cells.iter().map(|(c, _)| *c).max() {
            self.kept.width[k] = self.kept.width[k].max(c + 1);
        }
    }
}

/// Writes the annotated copy of the file `kept` describes to `out`, through a
/// temporary file. Messages, the report sheet and notes are in `lang`; sheet
/// names and headers are in the language of the file's headers.
///
/// # Errors
/// The file changed or cannot be read again; OUT cannot be written (it exists
/// without `force`, the folder is read-only, …).
pub fn write(
    template: &Template,
    report: &Report,
    kept: &Kept,
    out: &Path,
    force: bool,
    lang: Lang,
) -> Result<Written> {
    let (book, written) = build(template, report, kept, lang, false)?;
    write_atomically(out, force, false, |temp| book.save(temp))?;
    Ok(written)
}

/// [`write()`] into memory: the annotated copy as the bytes of an xlsx file,
/// built without touching the disk (every sheet is held in memory, so this is
/// for uploads, not million-row registers).
///
/// # Errors
/// The file changed or cannot be read again; the workbook cannot be assembled.
pub fn to_bytes(
    template: &Template,
    report: &Report,
    kept: &Kept,
    lang: Lang,
) -> Result<(Vec<u8>, Written)> {
    let (book, written) = build(template, report, kept, lang, true)?;
    Ok((book.save_to_buffer()?, written))
}

/// The annotated copy, ready to save.
fn build(
    template: &Template,
    report: &Report,
    kept: &Kept,
    lang: Lang,
    in_memory: bool,
) -> Result<(TemplateBook, Written)> {
    let book_lang = kept
        .layouts
        .iter()
        .flatten()
        .map(|l| l.lang)
        .next()
        .unwrap_or(lang);
    // References to other rows say `file!cell` with the path as the admin gave
    // it; the copy goes to a salesperson, for whom the file is this one.
    let entry_in_copy = template.sheet(SheetKind::Entry).name.get(book_lang);
    let local: Vec<(&str, Cow<'_, str>)> = report
        .files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let name = if i == kept.file_index {
                Cow::Borrowed(entry_in_copy)
            } else {
                Path::new(&file.path)
                    .file_name()
                    .map_or(Cow::Borrowed(file.path.as_str()), |n| n.to_string_lossy())
            };
            (file.path.as_str(), name)
        })
        .collect();
    let localized: Vec<Cow<'_, Finding>> = report
        .findings_for(kept.file_index)
        .map(|f| local_references(f, &local))
        .collect();
    let findings: Vec<&Finding> = localized.iter().map(|f| f.as_ref()).collect();

    // Layouts mirroring the file; fields it lacks go after its last column.
    let mut next_free = kept.width;
    let mut added: [Vec<(usize, u32)>; 2] = [Vec::new(), Vec::new()];
    let mut setups: [Option<SheetSetup>; 2] = [None, None];
    for kind in SheetKind::ALL {
        let k = kind as usize;
        let Some(layout) = &kept.layouts[k] else {
            continue;
        };
        let def = template.sheet(kind);
        let mut columns = layout.columns.clone();
        columns.resize(def.fields.len(), None);
        for (field, col) in columns.iter_mut().enumerate() {
            if col.is_none() {
                *col = Some(next_free[k]);
                added[k].push((field, next_free[k]));
                next_free[k] += 1;
            }
        }
        let mut extra_headers = layout.unknown.clone();
        extra_headers.extend(layout.duplicates.iter().map(|&(c, field)| {
            let header = def
                .fields
                .get(field)
                .map_or_else(String::new, |f| f.display_header(layout.lang));
            (c, header)
        }));
        setups[k] = Some(SheetSetup {
            header_row: layout.header_row,
            columns,
            extra_headers,
        });
    }
    let mut options = BookOptions::new(book_lang);
    options.in_memory = in_memory;
    let [entry_setup, update_setup] = setups;
    options.entry_layout = entry_setup;
    options.update_layout = update_setup;
    let mut book = TemplateBook::new(template, &options)?;

    let header_row = |kind: SheetKind| {
        kept.layouts[kind as usize]
            .as_ref()
            .map_or(1, |l| l.header_row)
    };
    let mut written = Written {
        marked: 0,
        notes: 0,
        listed: 0,
    };
    let mut notes_left = MAX_NOTES;

    // Header cells: duplicate and unknown columns, and the columns added.
    for kind in SheetKind::ALL {
        let hr = header_row(kind);
        let on_header: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|f| f.sheet_kind == Some(kind) && f.row == Some(hr) && f.col.is_some())
            .collect();
        let mut marks = cell_marks(&on_header, lang, &mut notes_left);
        for &(field, col) in &added[kind as usize] {
            let missing: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| {
                    f.sheet_kind == Some(kind)
                        && f.rule == Code::MissingColumn
                        && f.field_index == Some(field)
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let mut note = note_text(&missing, lang);
            note.push('\n');
            note.push_str(lang.pick(
                "（这一列是补上的：原文件没有这一列。）",
                "(This column was added: the file does not have it.)",
            ));
            let mut mark = CellMark::new(col, Mark::Error);
            if notes_left > 0 {
                notes_left -= 1;
                mark = mark.with_note(note);
            }
            marks.push(mark);
        }
        written.marked += marks.len();
        written.notes += marks.iter().filter(|m| m.note.is_some()).count();
        for mark in marks {
            book.mark_header(kind, mark)?;
        }
    }

    // The report sheet, first in the book.
    let report_name = template.workbook.report.get(book_lang).to_string();
    let report_sheet = book.add_sheet(&report_name, Placement::First, true)?;
    let copy_sheet = |kind: SheetKind| template.sheet(kind).name.get(book_lang).to_string();
    let added_cell = |f: &Finding| -> Option<(SheetKind, String)> {
        let kind = f.sheet_kind?;
        if f.rule != Code::MissingColumn {
            return None;
        }
        let field = f.field_index?;
        let col = added[kind as usize]
            .iter()
            .find(|(i, _)| *i == field)
            .map(|(_, c)| *c)?;
        Some((kind, a1(header_row(kind), col)))
    };
    written.listed = write_report_sheet(
        book.worksheet_mut(report_sheet)?,
        &findings,
        kept,
        lang,
        &copy_sheet,
        &added_cell,
    )?;

    // The data, read again, with the marks of each row.
    let mut rows: [Vec<&Finding>; 2] = [Vec::new(), Vec::new()];
    for f in &findings {
        if let (Some(kind), Some(row), Some(_)) = (f.sheet_kind, f.row, f.col) {
            if row > header_row(kind) {
                rows[kind as usize].push(f);
            }
        }
    }
    let mut copier = Copier {
        book: &mut book,
        rows,
        cursor: [0, 0],
        header_row: [header_row(SheetKind::Entry), header_row(SheetKind::Update)],
        pending: None,
        lang,
        notes_left,
        written: &mut written,
        error: None,
    };
    let result = read_source(&kept.source, template, &mut copier);
    copier.flush();
    let error = copier.error.take();
    drop(copier);
    result.map_err(|e| messages::unreadable_again(&kept.source.name(), &e))?;
    if let Some(error) = error {
        return Err(error);
    }
    if kept.source.as_path().and_then(file_state) != kept.state {
        return Err(messages::changed_while_read(&kept.source.name(), false));
    }
    Ok((book, written))
}
