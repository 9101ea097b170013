//! The header row and the column mapping of a data sheet, the same for every
//! format: which of the first rows is the header, which column holds which
//! field, and which header cells are unknown or repeated.

use super::{SheetLayout, Value};
use crate::lang::Lang;
use crate::template::SheetDef;
use crate::text::normalize_header;
use crate::value::typed_text;

/// How many non-empty rows at the top of a sheet may hold the header row.
pub(crate) const HEADER_SEARCH_ROWS: usize = 10;

/// A row kept whole while the header row is still being looked for.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    /// 1-based row number.
    pub row: u32,
    /// Non-empty cells: (0-based column, value), in column order as read.
    pub cells: Vec<(u32, Value)>,
}

/// How many distinct fields of `def` the cells of a row name.
pub(crate) fn matched_fields(def: &SheetDef, cells: &[(u32, Value)]) -> usize {
    let mut seen = vec![false; def.fields.len()];
    for (_, value) in cells {
        if let Some(field) = def.field_for_header(&typed_text(value)) {
            if let Some(slot) = seen.get_mut(field) {
                *slot = true;
            }
        }
    }
    seen.iter().filter(|&&s| s).count()
}

/// Whether a row naming `matched` fields is a header row of `def`: at least half
/// of the sheet's fields.
pub(crate) fn is_header(def: &SheetDef, matched: usize) -> bool {
    matched > 0 && matched * 2 >= def.fields.len()
}

/// Index (into `rows`) of the header row: the first whose cells name at least
/// half of the sheet's fields, with the share of fields it names.
pub(crate) fn find_header(def: &SheetDef, rows: &[RawRow]) -> Option<(usize, f64)> {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(i, row)| {
            let matched = matched_fields(def, &row.cells);
            is_header(def, matched).then(|| (i, share(def, matched)))
        })
}

/// Index of the row naming the most fields (the first such), when any row names
/// one at all: the header of a sheet found by name whose header is damaged.
pub(crate) fn best_partial_header(def: &SheetDef, rows: &[RawRow]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let matched = matched_fields(def, &row.cells);
        if matched > 0 && best.is_none_or(|(_, most)| matched > most) {
            best = Some((i, matched));
        }
    }
    best.map(|(i, _)| i)
}

fn share(def: &SheetDef, matched: usize) -> f64 {
    matched as f64 / def.fields.len().max(1) as f64
}

/// The layout of a sheet whose header row holds `header_cells`.
pub(crate) fn build_layout(
    def: &SheetDef,
    name: String,
    header_row: u32,
    header_cells: &[(u32, Value)],
) -> SheetLayout {
    let mut columns: Vec<Option<u32>> = vec![None; def.fields.len()];
    let mut unknown = Vec::new();
    let mut duplicates = Vec::new();
    let (mut zh, mut en) = (0usize, 0usize);
    let mut cells: Vec<&(u32, Value)> = header_cells.iter().collect();
    // Cells arrive in column order from every reader; sort anyway so that "first
    // occurrence" always means "leftmost".
    cells.sort_by_key(|(col, _)| *col);
    for (col, value) in cells {
        let text = typed_text(value);
        if text.trim().is_empty() {
            continue;
        }
        let Some(field) = def.field_for_header(&text) else {
            unknown.push((*col, text.into_owned()));
            continue;
        };
        let Some(slot) = columns.get_mut(field) else {
            continue;
        };
        if slot.is_some() {
            duplicates.push((*col, field));
            continue;
        }
        *slot = Some(*col);
        let normalized = normalize_header(&text);
        let header = &def.fields[field].header;
        if normalized == normalize_header(&header.zh) {
            zh += 1;
        } else if normalized == normalize_header(&header.en) {
            en += 1;
        }
    }
    SheetLayout {
        kind: def.kind,
        name,
        lang: if en > zh { Lang::En } else { Lang::Zh },
        header_row,
        columns,
        unknown,
        duplicates,
    }
}

/// The layout of a sheet found by name whose header cannot be found: header row
/// 1, every column missing, so validate reports the missing columns once each.
pub(crate) fn headerless_layout(def: &SheetDef, name: String, lang: Lang) -> SheetLayout {
    SheetLayout {
        kind: def.kind,
        name,
        lang,
        header_row: 1,
        columns: vec![None; def.fields.len()],
        unknown: Vec::new(),
        duplicates: Vec::new(),
    }
}

/// The language a sheet name is written in (for a sheet without headers).
pub(crate) fn name_lang(def: &SheetDef, name: &str) -> Lang {
    if normalize_header(name) == normalize_header(&def.name.en)
        && normalize_header(name) != normalize_header(&def.name.zh)
    {
        Lang::En
    } else {
        Lang::Zh
    }
}
