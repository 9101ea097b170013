//! Which template version a workbook was made from.
//!
//! The generated workbook records it twice: on the hidden `_meta` sheet (column A
//! `version`, column B the value) and as the custom document property
//! `TemplateVersion`. The sheet wins; the property counts only where the sheet is
//! absent (an office suite may keep a stale property when a sheet is copied over).

use super::workbook::Workbook;
use super::{ReadError, Stamp, Value};
use crate::template::Template;
use crate::text::normalize_header;
use crate::value::{number_text, typed_text};
use std::ops::ControlFlow;

/// The custom document property holding the template version.
pub(crate) const VERSION_PROPERTY: &str = "TemplateVersion";

/// The key in column A of `_meta` whose column B is the version.
const VERSION_KEY: &str = "version";

/// The stamp of a workbook whose sheets are `names`.
///
/// # Errors
/// The `_meta` sheet's data is damaged.
pub(crate) fn workbook_stamp(
    book: &mut dyn Workbook,
    names: &[String],
    template: &Template,
) -> Result<Stamp, ReadError> {
    let meta = &template.workbook.meta;
    let meta_sheet = names.iter().find(|name| meta.names(name));
    if let Some(sheet) = meta_sheet {
        return Ok(match meta_version(book, sheet)? {
            Some(version) => Stamp::Meta(version),
            None => Stamp::Missing,
        });
    }
    Ok(book
        .custom_property(VERSION_PROPERTY)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map_or(Stamp::Missing, Stamp::Property))
}

/// Column B of the first `_meta` row whose column A is `version`.
fn meta_version(book: &mut dyn Workbook, sheet: &str) -> Result<Option<String>, ReadError> {
    let mut found = None;
    let mut row_now = None;
    let mut is_version_row = false;
    let mut value: Option<String> = None;
    book.for_each_cell(sheet, &mut |row, col, cell| {
        if row_now != Some(row) {
            if is_version_row && value.is_some() {
                found = value.take();
                return ControlFlow::Break(());
            }
            row_now = Some(row);
            is_version_row = false;
            value = None;
        }
        match col {
            0 => {
                is_version_row = cell
                    .into_value()
                    .is_some_and(|v| normalize_header(&typed_text(&v)) == VERSION_KEY);
            }
            1 => value = cell.into_value().map(|v| stamp_text(&v)),
            _ => {}
        }
        ControlFlow::Continue(())
    })?;
    if found.is_none() && is_version_row {
        found = value;
    }
    Ok(found.filter(|v| !v.is_empty()))
}

/// A version cell as text; a version typed as a number (`1`, `1.5`) keeps the
/// form a person sees.
fn stamp_text(value: &Value) -> String {
    match value {
        Value::Number(n) => number_text(*n),
        other => typed_text(other).trim().to_string(),
    }
}
