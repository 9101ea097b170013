//! The fixed sheets of the template: instructions, the hidden dropdown lists and
//! the hidden `_meta` stamp. Everything they say comes from the template
//! definition; only the captions of the instructions table are worded here.

use super::style::{display_width, Formats, DATE_FORMAT};
use crate::lang::Lang;
use crate::template::{Field, FieldType, SheetDef, Template};
use anyhow::Result;
use chrono::NaiveDateTime;
use rust_xlsxwriter::{utility::column_number_to_name, Worksheet};

/// Column widths of the instructions sheet (its field table).
const TABLE_WIDTHS: [f64; 7] = [16.0, 8.0, 18.0, 30.0, 48.0, 26.0, 40.0];

/// The `_meta` keys, in the order written (column A; values in column B).
pub const META_KEYS: [&str; 4] = ["template", "version", "language", "generated_at"];

/// `'Sheet name'` as a formula reference needs it.
pub fn quote_sheet(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// Per list (template order): the absolute range of its options on the list
/// sheet, such as `'下拉选项'!$A$2:$A$21`, or `None` for an empty list.
pub fn list_ranges(template: &Template, lang: Lang) -> Vec<Option<String>> {
    let sheet = quote_sheet(template.workbook.lists.get(lang));
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

/// The options a field offers in the workbook, joined for reading.
fn options_text(template: &Template, field: &Field, lang: Lang) -> String {
    match template.active_list(field) {
        Some(list) => list
            .options
            .iter()
            .map(|o| o.label.get(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", "; ")),
        None if field.ty == FieldType::Date => DATE_FORMAT.to_string(),
        None => String::new(),
    }
}

/// The instructions sheet: the guide's steps, a table of every field of both
/// data sheets, and the template version.
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

    let mut row = 3u32;
    ws.write_string_with_format(row, 0, lang.pick("填写步骤", "Steps"), &f.section)?;
    row += 1;
    for (i, step) in template.guide(lang).iter().enumerate() {
        ws.write_string(row, 0, format!("{}.", i + 1))?;
        ws.write_string(row, 1, step)?;
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
    row += 1;
    for sheet in template.sheets() {
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
            let mut lines = 1;
            for (c, text) in cells.iter().enumerate() {
                ws.write_string_with_format(row, c as u16, text, &f.wrap)?;
                let width = TABLE_WIDTHS.get(c).copied().unwrap_or(10.0);
                lines = lines.max(display_width(text).div_ceil(width as usize - 1));
            }
            // Wrapped cells do not grow their row by themselves everywhere.
            if lines > 1 {
                ws.set_row_height(row, 15.0 * lines as f64)?;
            }
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
                "'下拉选项'!${0}$2:${0}$21",
                column_number_to_name(industries as u16)
            ))
            .as_deref()
        );
        let team = t.lists.iter().position(|l| l.key == "team").unwrap();
        assert_eq!(ranges[team], None);
        assert_eq!(quote_sheet("it's"), "'it''s'");
    }

    #[test]
    fn conditional_requirement_names_the_field_and_options() {
        let t = Template::builtin();
        let reviewer = t.entry.field("reviewer").unwrap();
        assert_eq!(
            requirement(&t, &t.entry, reviewer, Lang::Zh),
            "当“审核状态”为 已通过 或 已驳回 时必填"
        );
        assert_eq!(
            requirement(&t, &t.entry, reviewer, Lang::En),
            "Required when Review status is Approved or Rejected"
        );
    }
}
