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
//! ([`to_bytes`], no disk touched).

use crate::lang::Lang;
use crate::messages;
use crate::read::{
    a1, read_source, MergedCells, ReadError, Row, RowSink, SheetLayout, Source, Value,
};
use crate::report::Report;
use crate::rules::{Code, FileChecker, Finding, Severity, Validation};
use crate::template::{SheetKind, Template};
use crate::value::cell_text;
use crate::write::output::{
    ensure_folder, ensure_writable, ensure_xlsx_name, file_state, same_file, write_atomically,
};
use crate::write::{
    taller_than_default, wrapped_height, BookOptions, CellMark, CellOut, Mark, Placement,
    SheetSetup, TemplateBook,
};
use anyhow::Result;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline, Url, Worksheet};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::SystemTime;

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

    fn expects_merged_cells(&self, kind: SheetKind) -> bool {
        self.checker.expects_merged_cells(kind)
    }

    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.checker.wants_merged_cells(layout)
    }

    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        self.checker.merged_cells(layout, merged);
    }

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
            let key = template
                .sheet(kind)
                .fields
                .get(field)
                .map(|f| f.key.as_str());
            let missing: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| {
                    f.sheet_kind == Some(kind)
                        && f.rule == Code::MissingColumn
                        && f.field.as_deref() == key
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
        let field = template.sheet(kind).field_index(f.field.as_deref()?)?;
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

/// `f` with the references to other rows (`path!cell`, `path:row`) in its
/// message and hint rewritten as `local` names them: the entry sheet for the
/// annotated file itself, the bare file name for another file. Borrowed when
/// there is nothing to rewrite (most findings).
fn local_references<'f>(f: &'f Finding, local: &[(&str, Cow<'_, str>)]) -> Cow<'f, Finding> {
    let mentions = |text: &str| local.iter().any(|(path, _)| text.contains(path));
    if !mentions(&f.message) && !f.hint.as_deref().is_some_and(mentions) {
        return Cow::Borrowed(f);
    }
    let rewrite = |text: &str| {
        let mut text = text.to_string();
        // Longest paths first, so `a.xlsx` cannot rewrite part of `data.xlsx`.
        let mut by_length: Vec<&(&str, Cow<'_, str>)> = local.iter().collect();
        by_length.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        for (path, name) in by_length {
            text = replace_reference(&text, path, name);
        }
        text
    };
    let mut owned = f.clone();
    owned.message = rewrite(&f.message);
    owned.hint = f.hint.as_deref().map(rewrite);
    Cow::Owned(owned)
}

/// Replaces `path!` and `path:` by `name!` and `name:` where `path` starts a
/// reference (at the start, or after a space or an opening mark).
fn replace_reference(text: &str, path: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        let after = &rest[at + path.len()..];
        let starts = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "（(「“\"'：:，,、".contains(c));
        out.push_str(&rest[..at]);
        if starts && (after.starts_with('!') || after.starts_with(':')) {
            out.push_str(name);
        } else {
            out.push_str(path);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The note of a cell: one line per finding.
fn note_text(findings: &[&Finding], lang: Lang) -> String {
    findings
        .iter()
        .map(|f| {
            let mut line = format!(
                "{} {}{}{}",
                f.severity.label(lang),
                f.rule.as_str(),
                lang.pick("：", ": "),
                f.message
            );
            if let Some(hint) = &f.hint {
                line.push_str(&match lang {
                    Lang::Zh => format!("（提示：{hint}）"),
                    Lang::En => format!(" (hint: {hint})"),
                });
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One mark per cell of `findings` (which share a row): red when any finding
/// there is an error, amber otherwise, a note with all their messages while
/// notes are left.
fn cell_marks(findings: &[&Finding], lang: Lang, notes_left: &mut usize) -> Vec<CellMark> {
    let mut by_col: BTreeMap<u32, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if let Some(col) = f.col {
            by_col.entry(col).or_default().push(f);
        }
    }
    by_col
        .into_iter()
        .map(|(col, fs)| {
            let mark = if fs.iter().any(|f| f.severity == Severity::Error) {
                Mark::Error
            } else {
                Mark::Warning
            };
            let mut cell = CellMark::new(col, mark);
            if *notes_left > 0 {
                *notes_left -= 1;
                cell = cell.with_note(note_text(&fs, lang));
            }
            cell
        })
        .collect()
}

/// Non-empty cells of a row: (0-based column, value).
type RowCells = Vec<(u32, Value)>;

/// Writes the data rows of the file into the copy, as the reader sends them.
struct Copier<'b, 'f> {
    book: &'b mut TemplateBook,
    /// Per sheet: findings on data rows, in row order.
    rows: [Vec<&'f Finding>; 2],
    cursor: [usize; 2],
    header_row: [u32; 2],
    /// Cells outside the schema columns of a row whose schema cells may follow.
    pending: Option<(SheetKind, u32, RowCells)>,
    lang: Lang,
    notes_left: usize,
    written: &'b mut Written,
    error: Option<anyhow::Error>,
}

impl Copier<'_, '_> {
    fn flush(&mut self) {
        if let Some((kind, row, other)) = self.pending.take() {
            self.write(kind, row, Vec::new(), other);
        }
    }

    fn write(
        &mut self,
        kind: SheetKind,
        row: u32,
        fields: Vec<(u32, Value)>,
        other: Vec<(u32, Value)>,
    ) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.try_write(kind, row, fields, other) {
            self.error = Some(e);
        }
    }

    fn try_write(
        &mut self,
        kind: SheetKind,
        row: u32,
        fields: Vec<(u32, Value)>,
        other: Vec<(u32, Value)>,
    ) -> Result<()> {
        let k = kind as usize;
        let width = fields
            .iter()
            .chain(&other)
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut cells = vec![CellOut::Empty; width];
        for (col, value) in fields.into_iter().chain(other) {
            if let Some(slot) = cells.get_mut(col as usize) {
                *slot = CellOut::from(value);
            }
        }
        let sheet = self.book.data_sheet(kind);
        if row < self.header_row[k] {
            return self.book.write_row(sheet, row, &cells);
        }
        let list = &self.rows[k];
        let mut i = self.cursor[k];
        while list.get(i).is_some_and(|f| f.row < Some(row)) {
            i += 1;
        }
        let start = i;
        while list.get(i).is_some_and(|f| f.row == Some(row)) {
            i += 1;
        }
        self.cursor[k] = i;
        let marks = cell_marks(&list[start..i], self.lang, &mut self.notes_left);
        self.written.marked += marks.len();
        self.written.notes += marks.iter().filter(|m| m.note.is_some()).count();
        self.book.write_row_marked(sheet, row, &cells, &marks)
    }
}

impl RowSink for Copier<'_, '_> {
    fn sheet(&mut self, _layout: &SheetLayout) {
        self.flush();
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        let other = match self.pending.take() {
            Some((kind, r, cells)) if kind == layout.kind && r == row.row => cells,
            Some(pending) => {
                self.pending = Some(pending);
                self.flush();
                Vec::new()
            }
            None => Vec::new(),
        };
        let fields = row
            .cells
            .into_iter()
            .flatten()
            .map(|c| (c.col, c.value))
            .collect();
        self.write(layout.kind, row.row, fields, other);
    }

    fn wants_other_cells(&self) -> bool {
        true
    }

    fn other_cells(&mut self, layout: &SheetLayout, row: u32, cells: Vec<(u32, Value)>) {
        self.flush();
        self.pending = Some((layout.kind, row, cells));
    }
}

/// The report sheet's captions.
struct Words {
    headers: [&'static str; 10],
    by_rule: &'static str,
    rule_headers: [&'static str; 4],
    by_person: &'static str,
    person_headers: [&'static str; 3],
    none: &'static str,
    unfilled: &'static str,
    more: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Zh => Words {
            headers: [
                "工作表",
                "单元格",
                "行",
                "列",
                "规则",
                "严重程度",
                "值",
                "问题",
                "提示",
                "销售人员",
            ],
            by_rule: "按规则统计",
            rule_headers: ["规则", "严重程度", "数量", "说明"],
            by_person: "按销售人员统计",
            person_headers: ["销售人员", "错误", "警告"],
            none: "（文件或工作表）",
            unfilled: "（未填写）",
            more: "条问题未列出（超出工作表行数上限），请查看文本或 JSON 报告",
        },
        Lang::En => Words {
            headers: [
                "Sheet",
                "Cell",
                "Row",
                "Column",
                "Rule",
                "Severity",
                "Value",
                "Problem",
                "Hint",
                "Salesperson",
            ],
            by_rule: "By rule",
            rule_headers: ["Rule", "Severity", "Count", "What it checks"],
            by_person: "By salesperson",
            person_headers: ["Salesperson", "Errors", "Warnings"],
            none: "(file or sheet)",
            unfilled: "(not filled)",
            more:
                "more findings not listed (past the sheet's row limit); see the text or JSON report",
        },
    }
}

/// Writes the report sheet: a row per finding (its cell a link into the copy),
/// then counts by rule and by salesperson. Returns the findings listed.
fn write_report_sheet(
    ws: &mut Worksheet,
    findings: &[&Finding],
    kept: &Kept,
    lang: Lang,
    copy_sheet: &dyn Fn(SheetKind) -> String,
    added_cell: &dyn Fn(&Finding) -> Option<(SheetKind, String)>,
) -> Result<usize> {
    let w = words(lang);
    let header = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x1F3864))
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let caption = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x1F3864));
    let error = Format::new()
        .set_font_color(Color::RGB(0x9C0006))
        .set_background_color(Color::RGB(0xFFC7CE));
    let warning = Format::new()
        .set_font_color(Color::RGB(0x9C5700))
        .set_background_color(Color::RGB(0xFFEB9C));
    // Value, problem and hint wrap, so no message or masked value is cut off at
    // the column's edge (on screen or on paper); the row grows to fit them, and
    // every cell of a row sits at its top.
    let top = Format::new().set_align(FormatAlign::Top);
    let wrap = top.clone().set_text_wrap();
    let link = top
        .clone()
        .set_font_color(Color::RGB(0x0563C1))
        .set_underline(FormatUnderline::Single);
    let error = error.set_align(FormatAlign::Top);
    let warning = warning.set_align(FormatAlign::Top);
    let widths = [16.0, 10.0, 6.0, 14.0, 20.0, 9.0, 28.0, 60.0, 28.0, 12.0];
    for (c, (text, width)) in w.headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, c as u16, *text, &header)?;
        ws.set_column_width(c as u16, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_print_gridlines(true);

    let mut by_rule: BTreeMap<Code, usize> = BTreeMap::new();
    let mut by_person: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut r: u32 = 1;
    let mut links = 0usize;
    let listed = findings.len().min(MAX_LISTED);
    // The salesperson as typed, masked: the report sheet writes about the
    // value, and a salesperson cell may hold a phone number (SPEC §6).
    let person_of = |f: &Finding| match (f.sheet_kind, f.row) {
        (Some(kind), Some(row)) => {
            crate::privacy::mask(kept.salesperson(kind, row).unwrap_or(w.unfilled)).into_owned()
        }
        _ => w.none.to_string(),
    };
    for f in findings {
        *by_rule.entry(f.rule).or_default() += 1;
        let counts = by_person.entry(person_of(f)).or_default();
        match f.severity {
            Severity::Error => counts.0 += 1,
            Severity::Warning => counts.1 += 1,
        }
    }
    for f in findings.iter().take(listed) {
        let person = person_of(f);
        let target = match (f.sheet_kind, &f.cell) {
            (Some(kind), Some(cell)) => Some((kind, cell.clone())),
            _ => added_cell(f),
        };
        let sheet_text = f.sheet_kind.map(copy_sheet).unwrap_or_default();
        ws.write_string_with_format(r, 0, &sheet_text, &top)?;
        if let Some((kind, cell)) = target {
            if links < MAX_LINKS {
                let name = copy_sheet(kind).replace('\'', "''");
                let url = Url::new(format!("internal:'{name}'!{cell}")).set_text(&cell);
                ws.write_url_with_format(r, 1, url, &link)?;
                links += 1;
            } else {
                ws.write_string_with_format(r, 1, &cell, &top)?;
            }
        }
        if let Some(row) = f.row {
            ws.write_number_with_format(r, 2, f64::from(row), &top)?;
        }
        ws.write_string_with_format(r, 3, f.column.as_deref().unwrap_or(""), &top)?;
        ws.write_string_with_format(r, 4, f.rule.as_str(), &top)?;
        let severity_format = match f.severity {
            Severity::Error => &error,
            Severity::Warning => &warning,
        };
        ws.write_string_with_format(r, 5, f.severity.label(lang), severity_format)?;
        let wrapped = [
            (6, f.value.as_deref().unwrap_or("")),
            (7, f.message.as_str()),
            (8, f.hint.as_deref().unwrap_or("")),
        ];
        let mut height: f64 = 0.0;
        for (c, text) in wrapped {
            ws.write_string_with_format(r, c, text, &wrap)?;
            height = height.max(wrapped_height(text, widths[c as usize]));
        }
        if taller_than_default(height) {
            ws.set_row_height(r, height)?;
        }
        ws.write_string_with_format(r, 9, &person, &top)?;
        r += 1;
    }
    if listed > 0 {
        ws.autofilter(0, 0, r - 1, 9)?;
    }
    if findings.len() > listed {
        ws.write_string(r, 0, format!("{} {}", findings.len() - listed, w.more))?;
        r += 1;
    }

    r += 1;
    ws.write_string_with_format(r, 0, w.by_rule, &caption)?;
    r += 1;
    for (c, text) in w.rule_headers.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *text, &header)?;
    }
    r += 1;
    for (code, n) in &by_rule {
        ws.write_string(r, 0, code.as_str())?;
        ws.write_string(r, 1, code.severity().label(lang))?;
        ws.write_number(r, 2, *n as f64)?;
        ws.write_string(r, 3, code.description(lang))?;
        r += 1;
    }

    r += 1;
    ws.write_string_with_format(r, 0, w.by_person, &caption)?;
    r += 1;
    for (c, text) in w.person_headers.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *text, &header)?;
    }
    r += 1;
    let last_row = 1_048_575u32;
    for (person, (errors, warnings)) in &by_person {
        if r > last_row {
            break;
        }
        ws.write_string(r, 0, person)?;
        ws.write_number(r, 1, *errors as f64)?;
        ws.write_number(r, 2, *warnings as f64)?;
        r += 1;
    }
    Ok(listed)
}
