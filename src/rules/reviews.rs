//! Reviews: the guide promises a review within `review_hours` and regular contact
//! with active customers; these rules show where that slipped.

use super::cross::{later, At, Contact, CrossRows};
use super::engine::{RowKeys, RunView};
use super::findings::Findings;
use super::row::{RowRule, RowView};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::template::{Review, SheetKind};
use crate::value::DateValue;
use chrono::{Duration, NaiveTime};
use std::collections::HashMap;

/// The per-row rules of this family (`stale-customer` needs every row: it is
/// resolved after the last file).
pub(super) const ROW_RULES: &[RowRule] = &[reviewed_in_time];

/// `overdue-review` on a pending row dated more than the review time ago.
fn reviewed_in_time(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    if row.review() != Some(Review::Pending) {
        return;
    }
    let (Some(status), Some(written)) = (row.status(), row.row_date()) else {
        return;
    };
    let si = row.def.keys.review_status;
    out.extend(overdue_review(
        &row.place(si),
        row.label(si, status),
        &written,
        &row.as_of,
        row.template.params.review_hours,
        row.lang,
    ));
}

/// Whether a row dated `row_date` and still pending is overdue at `as_of`.
///
/// A date-only row dated D counts from the end of day D, so with 24 hours it is
/// overdue from day D+2 on; a row with a time is overdue once more than
/// `review_hours` have passed.
pub fn is_overdue(row_date: &DateValue, as_of: &DateValue, review_hours: i64) -> bool {
    let hours = Duration::hours(review_hours);
    if row_date.has_time {
        as_of.at > row_date.at + hours
    } else {
        let end_of_day = (row_date.date() + Duration::days(1)).and_time(NaiveTime::MIN);
        as_of.at >= end_of_day + hours
    }
}

/// `overdue-review`: the row (dated `row_date`) has been pending for longer than
/// `review_hours`. No finding without a valid row date (that has its own).
pub fn overdue_review(
    place: &Place,
    status: &str,
    row_date: &DateValue,
    as_of: &DateValue,
    review_hours: i64,
    lang: Lang,
) -> Option<Finding> {
    if !is_overdue(row_date, as_of, review_hours) {
        return None;
    }
    let since = row_date.display();
    let message = match lang {
        Lang::Zh => format!(
            "该行自 {since} 起为「{status}」，已超过 {review_hours} 小时的审核时限。请管理员尽快审核，并填写审核人和审核日期。"
        ),
        Lang::En => format!(
            "This row has been \"{status}\" since {since}, longer than the {review_hours}-hour review limit. The admin should review it and fill in reviewer and review date."
        ),
    };
    Some(place.finding(Code::OverdueReview, Some(status), message, None))
}

/// `stale-customer` for an approved entry row without a (valid) ID: no update
/// can name it, so its last contact is its entry date, known at once.
pub(super) fn stale_without_id(run: &RunView, at: At, keys: RowKeys<'_>) -> Option<Finding> {
    if keys.id.is_some() || !keys.approved {
        return None;
    }
    stale(run, at, (SheetKind::Entry, keys.status?), keys.date?)
}

/// `stale-customer` for every approved customer with an ID, once every file is
/// read: its status is the latest approved update's (`latest_status`, an option
/// of the update sheet's list) or its entry's, its last contact the latest of
/// its entry date and `contacts`.
pub(super) fn stale_customers(
    run: &RunView,
    cross: &CrossRows,
    contacts: &HashMap<u32, Contact>,
    latest_status: &HashMap<u32, usize>,
    findings: &mut Findings,
) {
    for (n, c) in cross.customers() {
        if !c.approved {
            continue;
        }
        let status = match latest_status.get(&n) {
            Some(&option) => Some((SheetKind::Update, option)),
            None => c.status().map(|o| (SheetKind::Entry, o)),
        };
        let last = match contacts.get(&n) {
            // When the customer was last contacted is not known: never
            // called stale (one problem, one finding).
            Some(Contact::Unknown) => continue,
            Some(&Contact::Last(logged)) => Some(later(c.date, logged)),
            None => c.date,
        };
        if let (Some(status), Some(last)) = (status, last) {
            findings.extend(stale(run, c.at, status, last));
        }
    }
}

/// `stale-customer` for a customer (entry row `at`) whose current status and
/// last contact are known.
fn stale(
    run: &RunView,
    at: At,
    status: (SheetKind, usize),
    last_contact: DateValue,
) -> Option<Finding> {
    let (kind, option) = status;
    let template = run.template();
    if !template.sheet(kind).is_active_option(option) {
        return None;
    }
    let entry_lang = run.sheet_lang(at, SheetKind::Entry);
    let label = run
        .keys(kind)
        .customer_status
        .and_then(|i| template.list_of(kind, i))
        .and_then(|l| l.options.get(option))
        .map_or("", |o| o.label.get(entry_lang));
    stale_customer(
        &run.place(
            at,
            SheetKind::Entry,
            run.keys(SheetKind::Entry).customer_status,
        ),
        label,
        &last_contact,
        &run.options().as_of,
        template.params.stale_days,
        run.lang(),
    )
}

/// `stale-customer`: an approved, active customer whose last contact is more than
/// `stale_days` calendar days before the as-of date. The finding sits on the
/// entry's customer status cell.
pub fn stale_customer(
    place: &Place,
    status: &str,
    last_contact: &DateValue,
    as_of: &DateValue,
    stale_days: i64,
    lang: Lang,
) -> Option<Finding> {
    let days = (as_of.date() - last_contact.date()).num_days();
    if days <= stale_days {
        return None;
    }
    let last = last_contact.date().format("%Y-%m-%d");
    let message = match lang {
        Lang::Zh => format!(
            "客户状态为「{status}」，但最近一次联系是 {last}（已 {days} 天，超过 {stale_days} 天）。请跟进客户并在更新表中记录，或更新客户状态。"
        ),
        Lang::En => format!(
            "The customer is \"{status}\", but the last contact was on {last} ({days} days ago, more than {stale_days}). Follow up and record it on the update sheet, or update the customer status."
        ),
    };
    Some(place.finding(Code::StaleCustomer, Some(status), message, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{parse_as_of, parse_date_text};

    fn overdue(row: &str, as_of: &str) -> bool {
        is_overdue(
            &parse_date_text(row).unwrap(),
            &parse_as_of(as_of).unwrap(),
            24,
        )
    }

    #[test]
    fn date_only_rows_are_overdue_from_day_two() {
        assert!(!overdue("2026-11-28", "2026-11-28"));
        assert!(!overdue("2026-11-28", "2026-11-29"));
        assert!(!overdue("2026-11-28", "2026-11-29T23:59:59"));
        assert!(overdue("2026-11-28", "2026-11-30"));
        assert!(overdue("2026-11-28", "2026-11-30T00:00"));
    }

    #[test]
    fn rows_with_time_count_hours() {
        assert!(!overdue("2026-11-28 10:00", "2026-11-29T10:00"));
        assert!(overdue("2026-11-28 10:00", "2026-11-29T10:00:01"));
        assert!(!overdue("2026-11-28 10:00", "2026-11-29"));
    }
}
