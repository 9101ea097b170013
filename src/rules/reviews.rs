//! Reviews: the guide promises a review within `review_hours` and regular contact
//! with active customers; these rules show where that slipped.

use super::row::{RowRule, RowView};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::template::Review;
use crate::value::DateValue;
use chrono::{Duration, NaiveTime};

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
