//! Dates: is a date a date (SPEC §4), is it not in the future, and do the dates
//! of a row and of a customer come in the order things happen.

use super::cross::{Customer, UpdateKey};
use super::engine::RunView;
use super::row::{RowRule, RowView, Typed};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::template::SheetKind;
use crate::value::Bad;
use crate::value::DateValue;
use chrono::{Duration, NaiveDate};

/// The per-row rules of this family, in the order they run: a future date is
/// marked first, so that it takes part in no later rule (one problem, one
/// finding): no date-order, on this row or against the customer's updates.
pub(super) const ROW_RULES: &[RowRule] = &[no_future_dates, reviewed_after_written];

/// `future-date` on each date of a row; the date is then no date for the rules.
fn no_future_dates(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    for i in 0..row.typed.len() {
        let Some(date) = row.date(i) else { continue };
        if let Some(finding) = future_date(&row.place(i), &date, &row.as_of, row.lang) {
            out.push(finding);
            row.typed[i] = Typed::Bad(Bad::Future(date));
        }
    }
}

/// `date-order` on a row: its review date before the row's own date.
fn reviewed_after_written(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    let keys = &row.def.keys;
    let Some(at) = keys.review_date else { return };
    if let (Some(review), Some(written)) = (row.date(at), row.row_date()) {
        out.extend(review_before_row(
            &row.place(at),
            &review,
            row.header(keys.date),
            &written,
            row.kind,
            row.lang,
        ));
    }
}

/// `invalid-date`: the value is not a date cell and not a date text of a
/// documented form. `is_number` marks a bare number, hinted as the date its
/// Excel serial would be (the cell is most likely formatted as a number).
pub fn invalid_date(place: &Place, text: &str, number: Option<f64>, lang: Lang) -> Finding {
    let column = place.column;
    let hint = match number {
        Some(n) => serial_date(n),
        None => reorder_hint(text),
    };
    let mut message = match lang {
        Lang::Zh => format!(
            "「{column}」的值「{text}」不是有效日期。请按 yyyy-mm-dd 填写，例如 2026-11-30。"
        ),
        Lang::En => format!(
            "\"{text}\" in \"{column}\" is not a valid date. Enter it as yyyy-mm-dd, for example 2026-11-30."
        ),
    };
    if let (Some(h), Some(_)) = (&hint, number) {
        message.push_str(&match lang {
            Lang::Zh => format!("该数字像是日期 {h}：请把单元格格式设为日期。"),
            Lang::En => {
                format!(" The number looks like the date {h}: format the cell as a date.")
            }
        });
    }
    place.finding(Code::InvalidDate, Some(text), message, hint)
}

/// A day-month or month-day text such as `11/30/2026`, rewritten as
/// `2026-11-30` when only one reading is a real date.
fn reorder_hint(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || a.len() > 2 || b.len() > 2 {
        return None;
    }
    let (a, b, y): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, y.parse().ok()?);
    let month_first = NaiveDate::from_ymd_opt(y, a, b);
    let day_first = NaiveDate::from_ymd_opt(y, b, a);
    let date = match (month_first, day_first) {
        (Some(m), Some(d)) if m != d => return None,
        (Some(m), _) => m,
        (None, Some(d)) => d,
        (None, None) => return None,
    };
    Some(date.format("%Y-%m-%d").to_string())
}

/// The day an Excel serial number stands for, for plausible register dates only
/// (1950–2099).
fn serial_date(n: f64) -> Option<String> {
    if !(18264.0..73051.0).contains(&n) || n.fract() != 0.0 {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let date = base.checked_add_signed(Duration::days(n as i64))?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// `future-date`: a date after the as-of date, most likely a typing error (a date
/// on the as-of day itself is never in the future when either has no time).
pub fn future_date(
    place: &Place,
    date: &DateValue,
    as_of: &DateValue,
    lang: Lang,
) -> Option<Finding> {
    if !date.is_after(as_of) {
        return None;
    }
    let (column, shown, today) = (place.column, date.display(), as_of.display_against(date));
    let message = match lang {
        Lang::Zh => format!(
            "「{column}」{shown} 晚于检查日期 {today}。请填写实际发生的日期。"
        ),
        Lang::En => format!(
            "\"{column}\" {shown} is after the check date {today}. Enter the day it actually happened."
        ),
    };
    Some(place.finding(Code::FutureDate, Some(&shown), message, None))
}

/// `date-order` on one row: the review date (at `place`) is before the row's own
/// entry or update date (`kind` says which) — a row cannot be reviewed before it
/// was written.
pub fn review_before_row(
    place: &Place,
    review: &DateValue,
    row_column: &str,
    row_date: &DateValue,
    kind: SheetKind,
    lang: Lang,
) -> Option<Finding> {
    if !row_date.is_after(review) {
        return None;
    }
    let (column, shown, earlier) = (place.column, review.display(), row_date.display());
    let message = match (lang, kind) {
        (Lang::Zh, SheetKind::Entry) => format!(
            "「{column}」{shown} 早于「{row_column}」{earlier}：审核不能早于录入。请检查这两个日期。"
        ),
        (Lang::Zh, SheetKind::Update) => format!(
            "「{column}」{shown} 早于「{row_column}」{earlier}：审核不能早于更新。请检查这两个日期。"
        ),
        (Lang::En, SheetKind::Entry) => format!(
            "\"{column}\" {shown} is before \"{row_column}\" {earlier}: a customer cannot be reviewed before it is entered. Check both dates."
        ),
        (Lang::En, SheetKind::Update) => format!(
            "\"{column}\" {shown} is before \"{row_column}\" {earlier}: an update cannot be reviewed before it is made. Check both dates."
        ),
    };
    Some(place.finding(Code::DateOrder, Some(&shown), message, None))
}

/// `date-order` across sheets for update `u` of `customer`, when both dates
/// are known.
pub(super) fn update_after_entry(
    run: &RunView,
    u: &UpdateKey,
    customer: &Customer,
) -> Option<Finding> {
    let (date, entry_date) = (u.date?, customer.date?);
    let entry = run.keys(SheetKind::Entry);
    update_before_entry(
        &run.place(
            u.at,
            SheetKind::Update,
            Some(run.keys(SheetKind::Update).date),
        ),
        &date,
        &entry_date,
        &run.reference(customer.at, SheetKind::Entry, Some(entry.date)),
        run.lang(),
    )
}

/// `date-order` across sheets: an update (date at `place`) is dated before its
/// customer's entry (at `entry_ref`, `file!cell`) — the ID or a date is wrong.
pub fn update_before_entry(
    place: &Place,
    update: &DateValue,
    entry: &DateValue,
    entry_ref: &str,
    lang: Lang,
) -> Option<Finding> {
    if !entry.is_after(update) {
        return None;
    }
    let (column, shown, entered) = (place.column, update.display(), entry.display());
    let message = match lang {
        Lang::Zh => format!(
            "「{column}」{shown} 早于该客户的录入日期 {entered}（{entry_ref}）。请检查更新日期和客户ID。"
        ),
        Lang::En => format!(
            "\"{column}\" {shown} is before the customer's entry date {entered} ({entry_ref}). Check the update date and the customer ID."
        ),
    };
    Some(place.finding(Code::DateOrder, Some(&shown), message, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_for_reordered_dates() {
        assert_eq!(reorder_hint("11/30/2026").as_deref(), Some("2026-11-30"));
        assert_eq!(reorder_hint("30.11.2026").as_deref(), Some("2026-11-30"));
        assert_eq!(reorder_hint("5/5/2026").as_deref(), Some("2026-05-05"));
        assert_eq!(reorder_hint("3/4/2026"), None, "ambiguous");
        assert_eq!(reorder_hint("31/31/2026"), None);
        assert_eq!(reorder_hint("明天"), None);
    }

    #[test]
    fn hints_for_serial_numbers() {
        assert_eq!(serial_date(46356.0).as_deref(), Some("2026-11-30"));
        assert_eq!(serial_date(12.0), None);
        assert_eq!(serial_date(46356.5), None);
    }
}
