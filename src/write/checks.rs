//! The checks a data sheet carries inside Excel itself: data validation (dropdowns,
//! dates, the customer ID, input messages) and conditional formatting (overdue
//! pending reviews, duplicate IDs).
//!
//! Excel limits that would make a file need repair are kept here: input and
//! error titles ≤ 32 characters, messages ≤ 255, validation formulas ≤ 255.

use super::style::{fit, Formats};
use crate::lang::Lang;
use crate::template::{FieldType, OptionRole, SheetDef, SheetKind, Template};
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    utility::column_number_to_name, ConditionalFormatDuplicate, ConditionalFormatFormula,
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Formula,
    Worksheet,
};

const MAX_TITLE: usize = 32;
const MAX_MESSAGE: usize = 255;
const MAX_FORMULA: usize = 255;

/// The rows a sheet's checks cover: 0-based, inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub first: u32,
    pub last: u32,
}

fn pii_warning(lang: Lang) -> &'static str {
    lang.pick(
        "请勿填写手机号、电话、电子邮箱或身份证号。",
        "Do not enter phone numbers, e-mail addresses or ID numbers.",
    )
}

/// A string literal inside an Excel formula.
fn excel_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The custom validation for customer IDs: empty, or `id_prefix` followed by at
/// least `id_digits` digits. Excel has no regular expressions, so `id_pattern`
/// itself cannot be used; this is what merge produces, and `validate` still checks
/// the real pattern. `TEXT(--digits, "000…")` round-trips only a pure digit
/// string (signs, decimals, exponents, dates and spaces all come back different).
/// `None` when the formula would pass Excel's 255-character limit.
pub fn id_formula(cell: &str, prefix: &str, digits: usize) -> Option<String> {
    let n = prefix.chars().count();
    let rest = format!("MID({cell},{},999)", n + 1);
    let formula = format!(
        "OR({cell}=\"\",AND(EXACT(LEFT({cell},{n}),{p}),LEN({cell})>={min},IFERROR(TEXT(--{rest},REPT(\"0\",LEN({cell})-{n}))={rest},FALSE)))",
        p = excel_string(prefix),
        min = n + digits,
    );
    (formula.encode_utf16().count() <= MAX_FORMULA).then_some(formula)
}

/// Adds validation to every template column of a data sheet and its conditional
/// formats. `columns` maps each field to its 0-based column.
#[allow(clippy::too_many_arguments)]
pub fn add_checks(
    ws: &mut Worksheet,
    template: &Template,
    sheet: &SheetDef,
    columns: &[Option<u32>],
    lang: Lang,
    span: Span,
    list_ranges: &[Option<String>],
    formats: &Formats,
) -> Result<()> {
    let column_of = |i: usize| columns.get(i).copied().flatten();
    for (i, field) in sheet.fields.iter().enumerate() {
        let Some(col) = columns.get(i).copied().flatten() else {
            continue;
        };
        let col = u16::try_from(col).context("column out of range")?;
        let list_range = template
            .active_list(field)
            .and(field.list)
            .and_then(|l| list_ranges.get(l).cloned().flatten());
        let mut message = field.prompt.get(lang).to_string();
        if field.ty == FieldType::Text {
            message.push('\n');
            message.push_str(pii_warning(lang));
        }
        let mut dv = match (field.ty, list_range) {
            (FieldType::Date, _) => DataValidation::new()
                .allow_date(DataValidationRule::Between(
                    ExcelDateTime::from_ymd(1900, 1, 1)?,
                    ExcelDateTime::from_ymd(9999, 12, 31)?,
                ))
                .set_error_title(fit(lang.pick("日期无效", "Not a date"), MAX_TITLE))?
                .set_error_message(fit(
                    lang.pick(
                        "请填写日期，格式 yyyy-mm-dd，例如 2026-11-30。",
                        "Enter a date as yyyy-mm-dd, for example 2026-11-30.",
                    ),
                    MAX_MESSAGE,
                ))?,
            (FieldType::List | FieldType::Text, Some(range)) => DataValidation::new()
                .allow_list_formula(Formula::new(range))
                .set_error_title(fit(lang.pick("不在列表中", "Not in the list"), MAX_TITLE))?
                .set_error_message(fit(
                    lang.pick(
                        "请从下拉列表中选择。",
                        "Pick a value from the dropdown list.",
                    ),
                    MAX_MESSAGE,
                ))?,
            (FieldType::Id, _) => {
                let cell = format!("{}{}", column_number_to_name(col), span.first + 1);
                match id_formula(
                    &cell,
                    &template.params.id_prefix,
                    template.params.id_digits,
                ) {
                    Some(formula) => DataValidation::new()
                        .allow_custom(Formula::new(formula))
                        .set_error_title(fit(lang.pick("客户ID无效", "Invalid customer ID"), MAX_TITLE))?
                        .set_error_message(fit(
                            &match lang {
                                Lang::Zh => format!(
                                    "客户ID为 {} 加至少 {} 位数字，例如 {}。",
                                    template.params.id_prefix,
                                    template.params.id_digits,
                                    sample_id(template)
                                ),
                                Lang::En => format!(
                                    "A customer ID is {} followed by at least {} digits, such as {}.",
                                    template.params.id_prefix,
                                    template.params.id_digits,
                                    sample_id(template)
                                ),
                            },
                            MAX_MESSAGE,
                        ))?,
                    None => DataValidation::new().allow_any_value(),
                }
            }
            _ => DataValidation::new().allow_any_value(),
        };
        dv = dv
            .set_input_title(fit(field.header.get(lang), MAX_TITLE))?
            .set_input_message(fit(&message, MAX_MESSAGE))?
            .set_error_style(DataValidationErrorStyle::Stop);
        ws.add_data_validation(span.first, col, span.last, col, &dv)
            .with_context(|| format!("data validation for column {}", field.key))?;
    }

    // Overdue pending reviews: pending for more than review_hours, counted from
    // the row's date at midnight (so with 24 h, from day D+2 for a row dated D).
    let keys = &sheet.keys;
    let pending = template
        .list_of(sheet.kind, keys.review_status)
        .and_then(|list| {
            let option = list.with_role(OptionRole::Pending)?;
            Some(&list.options[option])
        });
    if let (Some(pending), Some(status_col), Some(date_col)) =
        (pending, column_of(keys.review_status), column_of(keys.date))
    {
        let status_col = u16::try_from(status_col).context("column out of range")?;
        let date_col = u16::try_from(date_col).context("column out of range")?;
        let r = span.first + 1;
        let s = format!("${}{r}", column_number_to_name(status_col));
        let d = format!("${}{r}", column_number_to_name(date_col));
        let rule = format!(
            "AND({s}={},ISNUMBER({d}),(TODAY()-{d})*24>{})",
            excel_string(pending.label.get(lang)),
            template.params.review_hours
        );
        let cf = ConditionalFormatFormula::new()
            .set_rule(rule.as_str())
            .set_format(&formats.warning_cf);
        ws.add_conditional_format(span.first, status_col, span.last, status_col, &cf)?;
    }

    // Duplicate IDs on the entry sheet (blank cells are never duplicates).
    if sheet.kind == SheetKind::Entry {
        if let Some(id_col) = column_of(keys.id) {
            let id_col = u16::try_from(id_col).context("column out of range")?;
            let cf = ConditionalFormatDuplicate::new().set_format(&formats.error_cf);
            ws.add_conditional_format(span.first, id_col, span.last, id_col, &cf)?;
        }
    }
    Ok(())
}

/// The first ID merge would assign, such as `C001`.
fn sample_id(template: &Template) -> String {
    format!(
        "{}{:0width$}",
        template.params.id_prefix,
        1,
        width = template.params.id_digits
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_formula_is_short_enough_and_well_formed() {
        let f = id_formula("C2", "C", 3).unwrap();
        assert_eq!(
            f,
            "OR(C2=\"\",AND(EXACT(LEFT(C2,1),\"C\"),LEN(C2)>=4,IFERROR(TEXT(--MID(C2,2,999),REPT(\"0\",LEN(C2)-1))=MID(C2,2,999),FALSE)))"
        );
        assert_eq!(f.matches('(').count(), f.matches(')').count());
        assert!(id_formula("C2", "\"Q", 3).unwrap().contains("\"\"\"Q\""));
        assert!(id_formula("C2", &"P".repeat(200), 3).is_none());
    }
}
