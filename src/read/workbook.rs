//! What every workbook format shares: finding the entry and update sheets (by
//! name, else by header) and reading them through one [`SheetAssembler`] each.
//! The formats differ only in how they hand out cells ([`Workbook`]).

use super::guard::contain_panics;
use super::layout::{self, RawRow};
use super::limits::{human_count, MAX_SHEETS};
use super::rows::{LazyValue, PrefixCollector, SheetAssembler};
use super::{stamp, CellRange, FileRead, Format, MergedCells, ReadError, RowSink, SheetLayout};
use crate::template::{SheetKind, Template};
use std::ops::ControlFlow;

/// Receives one cell: 1-based row, 0-based column, value. Returning `Break` stops
/// the reading of that sheet.
pub(crate) type CellVisitor<'f> = dyn FnMut(u32, u32, LazyValue<'_>) -> ControlFlow<()> + 'f;

/// A workbook that hands out the cells of a worksheet in row order.
pub(crate) trait Workbook {
    /// Names of the worksheets (not chart sheets), in workbook order.
    fn sheet_names(&self) -> Vec<String>;

    /// Calls `visit` for every cell of `sheet` holding something, row by row.
    ///
    /// # Errors
    /// The sheet's data is damaged.
    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError>;

    /// A custom document property, as text, when the file has it.
    fn custom_property(&mut self, name: &str) -> Option<String>;

    /// The merged ranges of `sheet` (none where the format or library does not
    /// say).
    ///
    /// # Errors
    /// The sheet's data is damaged.
    fn merged_cells(&mut self, _sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        Ok(Vec::new())
    }
}

/// A data sheet chosen for reading.
struct Chosen {
    name: String,
    by_name: bool,
}

/// Reads the data sheets of a workbook into `sink` and summarises the file.
///
/// # Errors
/// Damaged sheet data.
pub(crate) fn read_workbook(
    book: &mut dyn Workbook,
    format: Format,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    let names = book.sheet_names();
    if names.len() > MAX_SHEETS {
        return Err(ReadError::TooLarge(format!(
            "it has more than {} sheets (at most that many are read)",
            human_count(MAX_SHEETS as u64)
        )));
    }
    // The stamp first: a damaged `_meta` fails the file before any row is sent.
    let stamp = stamp::workbook_stamp(book, &names, template)?;
    let chosen = choose_sheets(book, &names, template);
    let mut sheets = Vec::new();
    let mut missing_sheets = Vec::new();
    for (kind, choice) in SheetKind::ALL.into_iter().zip(chosen) {
        let Some(choice) = choice else {
            missing_sheets.push(kind);
            continue;
        };
        let mut assembler =
            SheetAssembler::new(template.sheet(kind), choice.name.clone(), choice.by_name);
        book.for_each_cell(&choice.name, &mut |row, col, value| {
            if let Some(slot) = assembler.slot(row, col, sink) {
                assembler.put_value(slot, col, value);
            }
            ControlFlow::Continue(())
        })?;
        let (summary, layout) = assembler.finish_with_layout(sink);
        if let Some(layout) = layout {
            pass_merged_cells(book, &choice.name, &layout, sink);
        }
        sheets.push(summary);
    }
    let change_log = names
        .iter()
        .find(|name| template.workbook.change_log.names(name))
        .cloned();
    let read: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let extra_sheets = names
        .iter()
        .filter(|name| !read.contains(&name.as_str()))
        .filter_map(|name| {
            let kind = copy_of_data_sheet(template, name)?;
            Some((kind, name.clone()))
        })
        .collect();
    Ok(FileRead {
        format,
        stamp,
        sheets,
        missing_sheets,
        change_log,
        extra_sheets,
    })
}

/// Hands the sheet's merged cells to the sink when it wants them. They only
/// explain other findings, so a sheet whose merged cells cannot be read (or
/// whose library panics on them) is read all the same.
fn pass_merged_cells(
    book: &mut dyn Workbook,
    sheet: &str,
    layout: &SheetLayout,
    sink: &mut dyn RowSink,
) {
    if !sink.wants_merged_cells(layout) {
        return;
    }
    let Ok(Ok(ranges)) = contain_panics(|| book.merged_cells(sheet)) else {
        return;
    };
    let merged = MergedCells::new(&ranges, &layout.columns);
    if !merged.is_empty() {
        sink.merged_cells(layout, &merged);
    }
}

/// The first ten non-empty rows of a sheet.
fn read_prefix(book: &mut dyn Workbook, sheet: &str) -> Result<Vec<RawRow>, ReadError> {
    let mut prefix = PrefixCollector::default();
    book.for_each_cell(sheet, &mut |row, col, value| {
        if prefix.push(row, col, value) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })?;
    Ok(prefix.rows)
}

/// Whether a sheet name is one of the template's non-data sheets (instructions,
/// lists, `_meta`, …), which are never taken for a data sheet.
fn is_auxiliary(template: &Template, name: &str) -> bool {
    let w = &template.workbook;
    [
        &w.instructions,
        &w.lists,
        &w.meta,
        &w.change_log,
        &w.summary,
        &w.report,
    ]
    .iter()
    .any(|label| label.names(name))
}

/// The data sheet a sheet not read as one is named like: the sheet's own name
/// in either language, or with a copy's suffix (`客户信息录入表 (2)`, as Excel
/// and WPS name a copied sheet). Its rows would be silently left out.
fn copy_of_data_sheet(template: &Template, name: &str) -> Option<SheetKind> {
    let trimmed = name.trim_end();
    let base = match trimmed.strip_suffix(')').and_then(|s| s.rsplit_once('(')) {
        Some((base, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => base,
        _ => trimmed,
    };
    SheetKind::ALL
        .into_iter()
        .find(|&kind| template.sheet(kind).is_named(base.trim_end()))
}

/// The entry and update sheets: by name in either language; failing that, a
/// sheet whose header row (among its first ten non-empty rows) names at least
/// half of the sheet's fields.
///
/// The two sheets share most of their headers (an entry header row names 11 of
/// the 15 update fields), so a sheet is taken by header only for the kind it
/// matches best; where several sheets qualify, the best match wins, then the
/// first in workbook order.
fn choose_sheets(
    book: &mut dyn Workbook,
    names: &[String],
    template: &Template,
) -> [Option<Chosen>; 2] {
    let mut chosen: [Option<Chosen>; 2] = SheetKind::ALL.map(|kind| {
        names
            .iter()
            .find(|name| template.sheet(kind).is_named(name))
            .map(|name| Chosen {
                name: name.clone(),
                by_name: true,
            })
    });
    if chosen.iter().all(Option::is_some) {
        return chosen;
    }
    let taken: Vec<String> = chosen.iter().flatten().map(|c| c.name.clone()).collect();
    // (share of fields matched, sheet index, kind slot)
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if taken.contains(name) || is_auxiliary(template, name) {
            continue;
        }
        // A sheet that cannot even be read is no candidate; if it were the data
        // sheet, the missing-sheet finding says so.
        let Ok(prefix) = read_prefix(book, name) else {
            continue;
        };
        let shares = SheetKind::ALL
            .map(|kind| layout::find_header(template.sheet(kind), &prefix).map(|(_, share)| share));
        let best = shares
            .iter()
            .enumerate()
            .filter_map(|(slot, share)| share.map(|s| (slot, s)))
            .fold(None::<(usize, f64)>, |best, (slot, share)| match best {
                Some((_, top)) if top >= share => best,
                _ => Some((slot, share)),
            });
        if let Some((slot, share)) = best {
            if chosen[slot].is_none() {
                candidates.push((share, index, slot));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index, slot) in candidates {
        if chosen[slot].is_none() {
            chosen[slot] = Some(Chosen {
                name: names[index].clone(),
                by_name: false,
            });
        }
    }
    chosen
}
