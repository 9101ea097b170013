//! Typing cell values: what a date cell or a date text means (SPEC §4), and how a
//! number or date cell reads when a text field holds it.
//!
//! The rules, the reports and merge all see a value through here, so `2026/11/30`
//! is the same day everywhere and a phone number typed as a number is still text.

use crate::read::Value;
use crate::template::{Field, FieldType, Template};
use crate::text::normalize_value;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use std::borrow::Cow;

/// A date as read from a cell or given as `--as-of`, remembering whether it came
/// with a time of day: a date-only value stands for the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateValue {
    pub at: NaiveDateTime,
    pub has_time: bool,
}

impl DateValue {
    /// A date without time of day (midnight).
    pub fn day(date: NaiveDate) -> DateValue {
        DateValue {
            at: date.and_time(NaiveTime::MIN),
            has_time: false,
        }
    }

    /// A date with its time of day.
    pub fn with_time(at: NaiveDateTime) -> DateValue {
        DateValue { at, has_time: true }
    }

    /// A date-typed cell: midnight means the cell holds a date only.
    pub fn from_cell(at: NaiveDateTime) -> DateValue {
        DateValue {
            at,
            has_time: at.time() != NaiveTime::MIN,
        }
    }

    pub fn date(&self) -> NaiveDate {
        self.at.date()
    }

    /// Whether this value is later than `other`. When either side has no time of
    /// day, only the days are compared: a date is never "after" the same day.
    pub fn is_after(&self, other: &DateValue) -> bool {
        if self.has_time && other.has_time {
            self.at > other.at
        } else {
            self.date() > other.date()
        }
    }

    /// This value as precisely as `other` needs it to be compared with, for
    /// messages: the day when `other` has no time of day (only days are then
    /// compared), else to the minute, or the second when `other` shows seconds.
    /// The default `--as-of` is now to the second, which no one wants to read.
    pub fn display_against(&self, other: &DateValue) -> String {
        if !other.has_time || !self.has_time {
            self.at.format("%Y-%m-%d").to_string()
        } else if other.at.second() == 0 {
            self.at.format("%Y-%m-%d %H:%M").to_string()
        } else {
            self.display()
        }
    }

    /// `2026-11-30`, or `2026-11-30 10:05` / `2026-11-30 10:05:09` with a time.
    pub fn display(&self) -> String {
        if !self.has_time {
            self.at.format("%Y-%m-%d").to_string()
        } else if self.at.second() == 0 {
            self.at.format("%Y-%m-%d %H:%M").to_string()
        } else {
            self.at.format("%Y-%m-%d %H:%M:%S").to_string()
        }
    }
}

/// Parses a date typed as text: `2026-11-30`, `2026/11/30`, `2026.11.30` or
/// `2026年11月30日` (one- or two-digit month and day), optionally followed by a time
/// `HH:MM` or `HH:MM:SS` (after spaces or a `T`). Anything else is not a date,
/// including `11/30/2026` and bare numbers. Expects a normalised value
/// ([`normalize_value`]); returns `None` for an impossible day such as 2026-02-30.
///
/// ```
/// use crmsheet::value::parse_date_text;
/// assert_eq!(parse_date_text("2026年1月5日").unwrap().display(), "2026-01-05");
/// assert_eq!(parse_date_text("2026/11/30 9:30").unwrap().display(), "2026-11-30 09:30");
/// assert!(parse_date_text("11/30/2026").is_none());
/// ```
pub fn parse_date_text(text: &str) -> Option<DateValue> {
    let mut cur = Cursor(text);
    let year = cur.digits(4, 4)?;
    let (month_sep, day_sep): (&str, &str) = if cur.eat("年") {
        ("年", "月")
    } else {
        let sep = match cur.0.as_bytes().first()? {
            b'-' => "-",
            b'/' => "/",
            b'.' => ".",
            _ => return None,
        };
        cur.eat(sep);
        (sep, sep)
    };
    let month = cur.digits(1, 2)?;
    if !cur.eat(day_sep) {
        return None;
    }
    let day = cur.digits(1, 2)?;
    // SPEC §4 lists `2026年11月30日`: without its 日 the value is not a date.
    if month_sep == "年" && !cur.eat("日") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    if cur.0.is_empty() {
        return Some(DateValue::day(date));
    }
    let before_time = cur.0.len();
    cur.0 = cur.0.trim_start_matches([' ', '\t']);
    if cur.0.len() == before_time && !cur.eat("T") {
        return None;
    }
    let hour = cur.digits(1, 2)?;
    if !cur.eat(":") {
        return None;
    }
    let minute = cur.digits(2, 2)?;
    let second = if cur.eat(":") { cur.digits(2, 2)? } else { 0 };
    if !cur.0.is_empty() {
        return None;
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second)?;
    Some(DateValue::with_time(date.and_time(time)))
}

/// Parses `--as-of`: every form a date cell may hold as text
/// ([`parse_date_text`]: `2026-11-30`, `2026/11/30`, `2026.11.30`,
/// `2026年11月30日`, optionally with `HH:MM[:SS]` after a space or a `T`), so
/// the admin types the date as the sheets have it.
///
/// ```
/// use crmsheet::value::parse_as_of;
/// assert_eq!(parse_as_of("2026/12/03").unwrap().display(), "2026-12-03");
/// assert_eq!(parse_as_of("2026-12-03T09:30").unwrap().display(), "2026-12-03 09:30");
/// assert!(parse_as_of("12/03/2026").is_err());
/// ```
///
/// # Errors
/// A message (in both languages: clap prints it before any `--lang` is known)
/// saying which forms are accepted.
pub fn parse_as_of(text: &str) -> Result<DateValue, String> {
    parse_date_text(&normalize_value(text)).ok_or_else(|| {
        "not a date; use YYYY-MM-DD (or YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日), optionally with HH:MM[:SS] \
         不是日期：请写成 2026-11-30（或 2026/11/30、2026.11.30、2026年11月30日），可加 HH:MM[:SS]"
            .to_string()
    })
}

/// The current local time, to the second: the default as-of.
pub fn now() -> DateValue {
    let now = chrono::Local::now().naive_local();
    DateValue::with_time(now.with_nanosecond(0).unwrap_or(now))
}

/// A cell as text, the way the rules compare it: text normalised
/// ([`normalize_value`], borrowing when it can), whole numbers without `.0`, dates
/// as `yyyy-mm-dd`, booleans as Excel shows them, error values as their code.
///
/// ```
/// use crmsheet::read::Value;
/// use crmsheet::value::cell_text;
/// assert_eq!(cell_text(&Value::Number(13812345678.0)), "13812345678");
/// assert_eq!(cell_text(&Value::Text(" Ｃ００１ ".into())), "C001");
/// ```
pub fn cell_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Text(s) => normalize_value(s),
        Value::Number(n) => Cow::Owned(number_text(*n)),
        Value::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        Value::DateTime(at) => Cow::Owned(DateValue::from_cell(*at).display()),
        Value::Error(e) => Cow::Borrowed(e.as_str()),
    }
}

/// A cell's text as it was typed, not normalised: what headers, stamps and
/// unknown column names are read from (a header is matched normalised, but an
/// unknown one is reported as written). Date-time cells show their time.
pub fn typed_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Text(text) | Value::Error(text) => Cow::Borrowed(text),
        Value::Number(n) => Cow::Owned(number_text(*n)),
        Value::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        Value::DateTime(at) => Cow::Owned(at.format("%Y-%m-%d %H:%M:%S").to_string()),
    }
}

/// A number as a person typed it: `13812345678`, `3.5`.
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// What a cell means for its field, typed once: the rules check it, merge and
/// the desk keep or show it (see `merge::value` for what merge keeps).
///
/// ```
/// use crmsheet::read::Value;
/// use crmsheet::template::Template;
/// use crmsheet::value::{type_cell, Bad, Typed};
/// let t = Template::builtin();
/// let field = |key: &str| t.entry().field(key).unwrap();
/// let (date, id, industry) = (
///     Value::Text("2026/11/3".into()),
///     Value::Text("Ｃ００１".into()),
///     Value::Text("制造".into()),
/// );
/// assert!(matches!(type_cell(&t, field("entry_date"), &date), Typed::Date(d) if d.display() == "2026-11-03"));
/// assert!(matches!(type_cell(&t, field("customer_id"), &id), Typed::Id(s) if s == "C001"));
/// assert!(matches!(type_cell(&t, field("industry"), &industry), Typed::Bad(Bad::NotListed(_))));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Typed<'r> {
    /// Nothing there (white space, or a formula error: no value).
    Empty,
    /// A text, normalised ([`normalize_value`]).
    Text(Cow<'r, str>),
    Date(DateValue),
    /// The index of an option of the field's list.
    Choice(usize),
    /// A customer ID of the template's pattern, normalised.
    Id(Cow<'r, str>),
    /// Not a value the field takes; the rules report it (`invalid-date`,
    /// `invalid-id`, `invalid-enum`, `future-date`) and it takes part in no
    /// other rule.
    Bad(Bad<'r>),
}

/// Why a cell is no value of its field.
#[derive(Debug, Clone, PartialEq)]
pub enum Bad<'r> {
    /// A date field holding no date of a documented form: the text it shows,
    /// and the number when it was one (an Excel serial, most likely).
    Date {
        text: Cow<'r, str>,
        number: Option<f64>,
    },
    /// An ID field holding something not of the ID pattern.
    Id(Cow<'r, str>),
    /// A list field (or a text field with a list, such as the team) holding
    /// something not on its list.
    NotListed(Cow<'r, str>),
    /// A date after the run's "now".
    Future(DateValue),
}

/// Types one cell for its field: the one place a cell becomes a date, an
/// option, an ID or a text.
pub fn type_cell<'r>(template: &Template, field: &Field, value: &'r Value) -> Typed<'r> {
    // A formula error (`#N/A`) is no value: a required field reports it as
    // missing, saying so; an optional one stays empty.
    if matches!(value, Value::Error(_)) {
        return Typed::Empty;
    }
    if field.ty == FieldType::Date {
        let (text, number) = match value {
            Value::DateTime(at) => {
                let date = DateValue::from_cell(*at);
                if is_plausible(&date) {
                    return Typed::Date(date);
                }
                (Cow::Owned(date.display()), None)
            }
            Value::Text(s) => {
                let text = normalize_value(s);
                if text.is_empty() {
                    return Typed::Empty;
                }
                match parse_date_text(&text) {
                    Some(date) if is_plausible(&date) => return Typed::Date(date),
                    _ => (text, None),
                }
            }
            Value::Number(n) => (cell_text(value), Some(*n)),
            other => (cell_text(other), None),
        };
        return Typed::Bad(Bad::Date { text, number });
    }
    let text = cell_text(value);
    if text.is_empty() {
        return Typed::Empty;
    }
    match (field.ty, template.active_list(field)) {
        (FieldType::Id, _) if template.params.id_pattern.is_match(&text) => Typed::Id(text),
        (FieldType::Id, _) => Typed::Bad(Bad::Id(text)),
        (_, Some(list)) => match list.find(&text) {
            Some(option) if field.ty == FieldType::List => Typed::Choice(option),
            Some(_) => Typed::Text(text),
            None => Typed::Bad(Bad::NotListed(text)),
        },
        (_, None) => Typed::Text(text),
    }
}

/// Whether a date fits the years a register can mean (guards against a number
/// read as a date in year 30000).
pub fn is_plausible(date: &DateValue) -> bool {
    (1900..=9999).contains(&date.at.year())
}

/// A tiny forward-only reader over the text of a date.
struct Cursor<'a>(&'a str);

impl Cursor<'_> {
    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let len = self
            .0
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if len < min {
            return None;
        }
        // The next byte must not be one more digit (`20261` is no year).
        if self.0.as_bytes().get(len).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (digits, rest) = self.0.split_at(len);
        self.0 = rest;
        digits.parse().ok()
    }

    fn eat(&mut self, token: &str) -> bool {
        match self.0.strip_prefix(token) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<String> {
        parse_date_text(text).map(|d| d.display())
    }

    #[test]
    fn accepts_the_documented_forms() {
        for text in ["2026-11-30", "2026/11/30", "2026.11.30", "2026年11月30日"] {
            assert_eq!(parsed(text).as_deref(), Some("2026-11-30"), "{text}");
        }
        assert_eq!(parsed("2026-1-5").as_deref(), Some("2026-01-05"));
        assert_eq!(parsed("2026/01/5").as_deref(), Some("2026-01-05"));
        assert_eq!(parsed("2026年1月5日").as_deref(), Some("2026-01-05"));
    }

    #[test]
    fn accepts_a_time_of_day() {
        assert_eq!(
            parsed("2026-11-30 10:00").as_deref(),
            Some("2026-11-30 10:00")
        );
        assert_eq!(
            parsed("2026-11-30T10:00:05").as_deref(),
            Some("2026-11-30 10:00:05")
        );
        assert_eq!(
            parsed("2026年11月30日 9:05").as_deref(),
            Some("2026-11-30 09:05")
        );
        assert_eq!(
            parsed("2026-11-30 00:00").as_deref(),
            Some("2026-11-30 00:00"),
            "an explicit midnight is a time"
        );
    }

    #[test]
    fn rejects_everything_else() {
        for text in [
            "11/30/2026",
            "30.11.2026",
            "46000",
            "2026",
            "2026-11",
            "2026-11-30-",
            "2026-11/30",
            "2026/11-30",
            "2026-13-01",
            "2026-02-30",
            "2026-11-030",
            "20261-11-30",
            "2026-11-30 25:00",
            "2026-11-30 10",
            "2026-11-30 10:5",
            "2026-11-30x",
            "2026年11月30",
            "2026年11月20 10:00",
            "2026-11-30 10:00 下午",
            "明天",
            "",
        ] {
            assert_eq!(parsed(text), None, "{text}");
        }
    }

    #[test]
    fn date_only_values_compare_by_day() {
        let day = DateValue::day(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        let evening = parse_date_text("2026-11-30 18:00").unwrap();
        let morning = parse_date_text("2026-11-30 08:00").unwrap();
        assert!(!evening.is_after(&day));
        assert!(!day.is_after(&evening));
        assert!(evening.is_after(&morning));
        assert!(parse_date_text("2026-12-01").unwrap().is_after(&evening));
    }

    #[test]
    fn as_of_forms() {
        assert_eq!(parse_as_of("2026-11-30").unwrap().display(), "2026-11-30");
        assert_eq!(
            parse_as_of("2026-11-30T10:00").unwrap().display(),
            "2026-11-30 10:00"
        );
        assert_eq!(
            parse_as_of("2026-11-30 10:00:30").unwrap().display(),
            "2026-11-30 10:00:30"
        );
        assert!(parse_as_of("30/11/2026").is_err());
        assert!(parse_as_of("tomorrow").is_err());
    }

    #[test]
    fn cells_read_as_text() {
        assert_eq!(cell_text(&Value::Number(3.5)), "3.5");
        assert_eq!(cell_text(&Value::Bool(true)), "TRUE");
        let at = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(cell_text(&Value::DateTime(at)), "2026-11-30");
        assert!(matches!(
            cell_text(&Value::Text("C001".into())),
            Cow::Borrowed(_)
        ));
    }
}
