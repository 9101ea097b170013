//! The rows that have findings, as the self-check page shows them (at most
//! [`MAX_ROWS`] a file), their values masked and shortened. Which rows have
//! findings is known only once the whole run is checked (a duplicate names an
//! earlier row), so the rows are recorded as the validation reads them
//! ([`Recorder`]) and picked afterwards; a file longer than
//! [`RECORDED_ROWS`] is read a second time for its grid instead.

use crate::check::RowWatcher;
use crate::lang::Lang;
use crate::privacy::mask;
use crate::read::{FieldCell, Row, RowSink, SheetLayout};
use crate::rules::{Finding, Severity};
use crate::template::{SheetKind, Template};
use crate::value::cell_text;
use std::collections::{BTreeMap, BTreeSet};

/// Rows shown per file; the rest are counted ("12 more rows").
pub const MAX_ROWS: usize = 200;
/// Rows of a file kept while it is validated, to pick the grid's rows from
/// afterwards without reading the upload again (a 2,000-row workbook takes a
/// few MiB); past it the file is read again for its grid.
pub const RECORDED_ROWS: usize = 20_000;
/// Characters of a value shown in the grid (the list above has the message).
const MAX_CHARS: usize = 80;

/// One data sheet's rows with findings.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetGrid {
    pub kind: SheetKind,
    pub name: String,
    /// (0-based column, header) in column order.
    pub columns: Vec<(u32, String)>,
    /// (row number, value per column of `columns`), in row order.
    pub rows: Vec<(u32, Vec<String>)>,
}

/// The grids of one file and how many rows with findings were left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileGrid {
    pub sheets: Vec<SheetGrid>,
    pub more: usize,
}

/// Collects the wanted rows as the reader hands them over.
pub struct GridSink<'t> {
    template: &'t Template,
    wanted: [BTreeSet<u32>; 2],
    grid: FileGrid,
}

impl<'t> GridSink<'t> {
    /// A sink keeping the rows of `findings` (one file's) that name a row.
    pub fn new(template: &'t Template, findings: &[&Finding]) -> GridSink<'t> {
        let mut wanted: [BTreeSet<u32>; 2] = [BTreeSet::new(), BTreeSet::new()];
        for f in findings {
            if let (Some(kind), Some(row)) = (f.sheet_kind, f.row) {
                wanted[kind as usize].insert(row);
            }
        }
        let total = wanted[0].len() + wanted[1].len();
        // The first rows of the entry sheet, then of the update sheet.
        let mut room = MAX_ROWS;
        for rows in &mut wanted {
            let keep = rows.len().min(room);
            room -= keep;
            *rows = rows.iter().copied().take(keep).collect();
        }
        let kept = wanted[0].len() + wanted[1].len();
        GridSink {
            template,
            wanted,
            grid: FileGrid {
                sheets: Vec::new(),
                more: total - kept,
            },
        }
    }

    pub fn finish(self) -> FileGrid {
        let mut grid = self.grid;
        grid.sheets.retain(|s| !s.rows.is_empty());
        grid
    }
}

impl RowSink for GridSink<'_> {
    fn sheet(&mut self, layout: &SheetLayout) {
        let def = self.template.sheet(layout.kind);
        let mut columns: Vec<(u32, String)> = layout
            .columns
            .iter()
            .zip(&def.fields)
            .filter_map(|(col, field)| Some(((*col)?, field.display_header(layout.lang))))
            .collect();
        columns.sort_by_key(|(col, _)| *col);
        self.grid.sheets.push(SheetGrid {
            kind: layout.kind,
            name: layout.name.clone(),
            columns,
            rows: Vec::new(),
        });
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        if !self.wanted[layout.kind as usize].contains(&row.row) {
            return;
        }
        let Some(sheet) = self.grid.sheets.last_mut() else {
            return;
        };
        let by_col: BTreeMap<u32, String> = row
            .cells
            .iter()
            .flatten()
            .map(|FieldCell { col, value }| (*col, shown(&cell_text(value))))
            .collect();
        let values = sheet
            .columns
            .iter()
            .map(|(col, _)| by_col.get(col).cloned().unwrap_or_default())
            .collect();
        sheet.rows.push((row.row, values));
    }
}

/// A value as the grid shows it: private details masked, long text cut.
fn shown(text: &str) -> String {
    cut(&mask(text))
}

/// `text` cut at [`MAX_CHARS`] characters, with `…` when it was longer.
fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CHARS).collect();
    cut.push('…');
    cut
}

/// The data rows of each file as the validation read them, up to
/// [`RECORDED_ROWS`] a file.
pub struct Recorder {
    files: Vec<Recorded>,
}

#[derive(Default)]
struct Recorded {
    sheets: Vec<(SheetLayout, Vec<Row>)>,
    rows: usize,
    /// More rows than were kept: the grid needs a second reading.
    overflow: bool,
}

impl Recorder {
    pub fn new(files: usize) -> Recorder {
        Recorder {
            files: (0..files).map(|_| Recorded::default()).collect(),
        }
    }

    /// File `file`'s rows replayed into `sink`; false when they were not all
    /// kept (the file must be read again).
    pub fn replay(&self, file: usize, sink: &mut dyn RowSink) -> bool {
        let Some(recorded) = self.files.get(file).filter(|r| !r.overflow) else {
            return false;
        };
        for (layout, rows) in &recorded.sheets {
            sink.sheet(layout);
            for row in rows {
                sink.row(layout, row.clone());
            }
        }
        true
    }
}

impl RowWatcher for Recorder {
    fn sheet(&mut self, file: usize, layout: &SheetLayout) {
        if let Some(recorded) = self.files.get_mut(file) {
            recorded.sheets.push((layout.clone(), Vec::new()));
        }
    }

    fn row(&mut self, file: usize, _layout: &SheetLayout, row: &Row) {
        let Some(recorded) = self.files.get_mut(file) else {
            return;
        };
        if recorded.rows >= RECORDED_ROWS {
            // Drop what was kept: the grid reads the file again.
            recorded.overflow = true;
            recorded.sheets.clear();
            return;
        }
        recorded.rows += 1;
        if let Some((_, rows)) = recorded.sheets.last_mut() {
            rows.push(row.clone());
        }
    }
}

/// The worse of the findings at one cell, and their messages for the tooltip.
pub fn cell_marks<'f>(
    findings: impl Iterator<Item = &'f Finding>,
    lang: Lang,
) -> Option<(Severity, String)> {
    let mut worst: Option<Severity> = None;
    let mut tips = Vec::new();
    for f in findings {
        worst = Some(worst.map_or(f.severity, |w| w.min(f.severity)));
        // Cut, so the tip fits below the rows: the list above has the whole
        // message, and the cell points to it (aria-describedby).
        tips.push(format!("{}: {}", f.severity.label(lang), cut(&f.message)));
    }
    worst.map(|w| (w, tips.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_masked_and_cut() {
        assert_eq!(shown("电话13812345678"), "电话138****5678");
        let long = "长".repeat(200);
        assert_eq!(shown(&long).chars().count(), MAX_CHARS + 1);
    }

    #[test]
    fn tips_cut_long_messages() {
        use crate::rules::Code;
        let place = crate::rules::Place::file(0, "a.xlsx");
        let long = place.finding(Code::InvalidEnum, None, "选".repeat(300), None);
        let short = place.finding(Code::Pii, None, "短".into(), None);
        let (severity, tip) = cell_marks([&long, &short].into_iter(), Lang::Zh).unwrap();
        assert_eq!(severity, Severity::Error);
        let lines: Vec<&str> = tip.lines().collect();
        assert_eq!(lines.len(), 2, "{tip}");
        assert!(
            lines[0].ends_with('…') && lines[0].chars().count() < 100,
            "{tip}"
        );
        assert!(lines[1].ends_with("短"), "{tip}");
    }
}
