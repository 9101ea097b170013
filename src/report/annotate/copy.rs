//! Copying a file's data sheets into the annotated copy, each cell with a
//! finding filled and noted.

use super::Written;
use crate::lang::Lang;
use crate::read::{Row, RowSink, SheetLayout, Value};
use crate::rules::{Finding, Severity};
use crate::template::SheetKind;
use crate::write::{CellMark, CellOut, Mark, TemplateBook};
use anyhow::Result;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// `f` with the references to other rows (`path!cell`, `path:row`) in its
/// message and hint rewritten as `local` names them: the entry sheet for the
/// annotated file itself, the bare file name for another file. Borrowed when
/// there is nothing to rewrite (most findings).
pub(super) fn local_references<'f>(
    f: &'f Finding,
    local: &[(&str, Cow<'_, str>)],
) -> Cow<'f, Finding> {
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
pub(super) fn replace_reference(text: &str, path: &str, name: &str) -> String {
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
pub(super) fn note_text(findings: &[&Finding], lang: Lang) -> String {
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
pub(super) fn cell_marks(
    findings: &[&Finding],
    lang: Lang,
    notes_left: &mut usize,
) -> Vec<CellMark> {
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
pub(super) struct Copier<'b, 'f> {
    pub(super) book: &'b mut TemplateBook,
    /// Per sheet: findings on data rows, in row order.
    pub(super) rows: [Vec<&'f Finding>; 2],
    pub(super) cursor: [usize; 2],
    pub(super) header_row: [u32; 2],
    /// Cells outside the schema columns of a row whose schema cells may follow.
    pub(super) pending: Option<(SheetKind, u32, RowCells)>,
    pub(super) lang: Lang,
    pub(super) notes_left: usize,
    pub(super) written: &'b mut Written,
    pub(super) error: Option<anyhow::Error>,
}

impl Copier<'_, '_> {
    pub(super) fn flush(&mut self) {
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
