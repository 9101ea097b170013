//! The fixed sheets of the template: instructions, the hidden dropdown lists and
//! the hidden `_meta` stamp. Everything they say comes from the template
//! definition; only the captions of the instructions table are worded here.

use super::style::{print_setup, wrapped_height, Formats, DATE_FORMAT};
use crate::lang::Lang;
use crate::template::{Field, FieldType, SheetDef, Template};
use anyhow::Result;
use chrono::NaiveDateTime;
use rust_xlsxwriter::utility::{column_number_to_name, quote_sheet_name};
use rust_xlsxwriter::Worksheet;

/// Column widths of the instructions sheet (its field table): about 165
/// characters, what a landscape page holds at a readable scale.
const TABLE_WIDTHS: [f64; 7] = [16.0, 7.0, 16.0, 22.0, 40.0, 28.0, 36.0];

/// The `_meta` keys, in the order written (column A; values in column B).
pub const META_KEYS: [&str; 4] = ["template", "version", "language", "generated_at"];

/// Per list (template order): the absolute range of its options on the list
/// sheet, such as `下拉选项!$A$2:$A$21` (quoted when the name needs it), or `None` for an empty list.
pub fn list_ranges(template: &Template, lang: Lang) -> Vec<Option<String>> {
    let sheet = quote_sheet_name(template.workbook.lists.get(lang));
    template
        .lists
        .iter()
        .enumerate()
        .map(|(i, list)| {
            if list.is_empty() {
                return None;
            }
            let col = column_number_to_name(i as u16);
            Some(format!(
                "{sheet}!${col}$2:${col}${}",
                list.options.len() + 1
            ))
        })
        .collect()
}

/// The hidden sheet the dropdowns read: one column per list, its name in row 1,
/// its options (in `lang`) from row 2.
pub fn write_lists(ws: &mut Worksheet, template: &Template, lang: Lang, f: &Formats) -> Result<()> {
    for (i, list) in template.lists.iter().enumerate() {
        let col = i as u16;
        let title = list.label.get(lang);
        ws.write_string_with_format(0, col, title, &f.header)?;
        let mut widest = title.to_string();
        for (r, option) in list.options.iter().enumerate() {
            let label = option.label.get(lang);
            ws.write_string(r as u32 + 1, col, label)?;
            if label.len() > widest.len() {
                widest = label.to_string();
            }
        }
        ws.set_column_width(col, super::style::column_width(&widest, "", 10, 60))?;
    }
    ws.set_hidden(true);
    Ok(())
}

/// The hidden stamp: keys in column A, values in column B.
pub fn write_meta(
    ws: &mut Worksheet,
    template: &Template,
    lang: Lang,
    generated_at: NaiveDateTime,
) -> Result<()> {
    let values = [
        template.name.clone(),
        template.version.clone(),
        lang.as_str().to_string(),
        generated_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
    ];
    for (r, (key, value)) in META_KEYS.iter().zip(values).enumerate() {
        ws.write_string(r as u32, 0, *key)?;
        ws.write_string(r as u32, 1, value)?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 22)?;
    ws.set_hidden(true);
    Ok(())
}

/// When a field must be filled, in words: required, optional, or the condition.
pub fn requirement(template: &Template, sheet: &SheetDef, field: &Field, lang: Lang) -> String {
    if field.required {
        return lang.pick("必填", "Required").to_string();
    }
    let Some(cond) = &field.required_when else {
        return lang.pick("选填", "Optional").to_string();
    };
    let Some(on) = sheet.fields.get(cond.field) else {
        return lang.pick("选填", "Optional").to_string();
    };
    let labels: Vec<&str> = on
        .list
        .and_then(|i| template.lists.get(i))
        .map(|list| {
            cond.options
                .iter()
                .filter_map(|&o| list.options.get(o))
                .map(|o| o.label.get(lang))
                .collect()
        })
        .unwrap_or_default();
    match lang {
        Lang::Zh => format!("当“{}”为 {} 时必填", on.header.zh, labels.join(" 或 ")),
        Lang::En => format!("Required when {} is {}", on.header.en, labels.join(" or ")),
    }
}

/// The options a field offers in the workbook, one per line: option names
/// may contain `、` or `;` themselves (`农、林、牧、渔业`), so no separator would
/// keep their boundaries.
fn options_text(template: &Template, field: &Field, lang: Lang) -> String {
    match template.active_list(field) {
        Some(list) => list
            .options
            .iter()
            .map(|o| o.label.get(lang))
            .collect::<Vec<_>>()
            .join("\n"),
        None if field.ty == FieldType::Date => DATE_FORMAT.to_string(),
        None => String::new(),
    }
}

/// Writes a row of wrapped, top-aligned cells (`cells[c]` in column `c`) and
/// makes the row as tall as its longest cell needs. Excel grows a wrapped row
/// by itself only once someone edits it, LibreOffice and WPS each their own
/// way, so the height is set.
fn write_wrapped_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[String],
    widths: &[f64],
    f: &Formats,
) -> Result<()> {
    let mut height: f64 = 0.0;
    for (c, text) in cells.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, text, &f.wrap)?;
        let width = widths.get(c).copied().unwrap_or(10.0);
        height = height.max(wrapped_height(text, width));
    }
    ws.set_row_height(row, height)?;
    Ok(())
}

/// The instructions sheet: the guide's steps, a table of every field of both
/// data sheets, and the template version. It prints landscape, one page wide,
/// the table's caption row repeated on every page.
pub fn write_instructions(
    ws: &mut Worksheet,
    template: &Template,
    lang: Lang,
    generated_at: NaiveDateTime,
    f: &Formats,
) -> Result<()> {
    let version_line = match lang {
        Lang::Zh => format!(
            "模板：{}　版本：{}　生成时间：{}",
            template.name,
            template.version,
            generated_at.format("%Y-%m-%d %H:%M")
        ),
        Lang::En => format!(
            "Template: {}   Version: {}   Generated: {}",
            template.name,
            template.version,
            generated_at.format("%Y-%m-%d %H:%M")
        ),
    };
    ws.write_string_with_format(0, 0, template.workbook.instructions.get(lang), &f.title)?;
    ws.write_string(1, 0, &version_line)?;

    // A step's text spans columns B to the last one, wrapped there.
    let last_col = TABLE_WIDTHS.len() as u16 - 1;
    let step_width: f64 = TABLE_WIDTHS[1..].iter().sum();
    let mut row = 3u32;
    ws.write_string_with_format(row, 0, lang.pick("填写步骤", "Steps"), &f.section)?;
    row += 1;
    for (i, step) in template.guide(lang).iter().enumerate() {
        ws.write_string_with_format(row, 0, format!("{}.", i + 1), &f.wrap)?;
        ws.merge_range(row, 1, row, last_col, step, &f.wrap)?;
        ws.set_row_height(row, wrapped_height(step, step_width))?;
        row += 1;
    }

    row += 1;
    ws.write_string_with_format(row, 0, lang.pick("字段说明", "Fields"), &f.section)?;
    row += 1;
    let captions = [
        lang.pick("工作表", "Sheet"),
        lang.pick("列", "Column"),
        lang.pick("表头", "Header"),
        lang.pick("是否必填", "Required"),
        lang.pick("填写内容", "What to enter"),
        lang.pick("示例", "Example"),
        lang.pick("可选值 / 格式", "Options / format"),
    ];
    for (c, caption) in captions.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *caption, &f.header)?;
    }
    print_setup(ws, Some(row))?;
    row += 1;
    for (_, sheet) in template.sheets.iter() {
        for (i, field) in sheet.fields.iter().enumerate() {
            let cells = [
                sheet.name.get(lang).to_string(),
                column_number_to_name(i as u16),
                field.display_header(lang),
                requirement(template, sheet, field, lang),
                field.prompt.get(lang).to_string(),
                field.example.get(lang).to_string(),
                options_text(template, field, lang),
            ];
            write_wrapped_row(ws, row, &cells, &TABLE_WIDTHS, f)?;
            row += 1;
        }
    }

    row += 1;
    ws.write_string_with_format(
        row,
        0,
        lang.pick("模板版本", "Template version"),
        &f.section,
    )?;
    ws.write_string(row, 2, &template.version)?;

    for (col, width) in TABLE_WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ranges_are_absolute_and_skip_empty_lists() {
        let t = Template::builtin();
        let ranges = list_ranges(&t, Lang::Zh);
        let industries = t.lists.iter().position(|l| l.key == "industries").unwrap();
        assert_eq!(
            ranges[industries].as_deref(),
            Some(format!(
                "下拉选项!${0}$2:${0}$21",
                column_number_to_name(industries as u16)
            ))
            .as_deref()
        );
        let team = t.lists.iter().position(|l| l.key == "team").unwrap();
        assert_eq!(ranges[team], None);
        assert_eq!(quote_sheet_name("it's"), "'it''s'");
    }

    #[test]
    fn conditional_requirement_names_the_field_and_options() {
        let t = Template::builtin();
        let reviewer = t.entry().field("reviewer").unwrap();
        assert_eq!(
            requirement(&t, t.entry(), reviewer, Lang::Zh),
            "当“审核状态”为 已通过 或 已驳回 时必填"
        );
        assert_eq!(
            requirement(&t, t.entry(), reviewer, Lang::En),
            "Required when Review status is Approved or Rejected"
        );
    }
}
