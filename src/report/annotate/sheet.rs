//! The report sheet of the annotated copy: every finding with a link to its
//! cell, then counts by rule and by salesperson, in the run's language.

use super::{Kept, MAX_LINKS, MAX_LISTED};
use crate::lang::Lang;
use crate::rules::{Code, Finding, Severity};
use crate::template::SheetKind;
use crate::write::{taller_than_default, wrapped_height};
use anyhow::Result;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline, Url, Worksheet};
use std::collections::BTreeMap;

/// The report sheet's captions.
pub(super) struct Words {
    headers: [&'static str; 10],
    by_rule: &'static str,
    rule_headers: [&'static str; 4],
    by_person: &'static str,
    person_headers: [&'static str; 3],
    none: &'static str,
    unfilled: &'static str,
    more: &'static str,
}

pub(super) fn words(lang: Lang) -> Words {
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
pub(super) fn write_report_sheet(
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
