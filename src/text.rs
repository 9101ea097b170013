//! Text normalisation shared by the reader, the rules and merge.
//!
//! Staff type on many keyboards and in many programs: full-width letters, stray
//! spaces, no-break and zero-width spaces. Every comparison goes through here so
//! that `Ｃ００１` and `C001` are the same value everywhere.

use std::borrow::Cow;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Invisible characters that NFKC keeps but a person never meant to type.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// A cell value as the rules compare it: NFKC-normalised, invisible characters
/// dropped, surrounding white space trimmed.
///
/// Borrows when the value is already plain ASCII without surrounding spaces, which
/// is most cells, so the hot path does not allocate.
///
/// ```
/// assert_eq!(crmsheet::text::normalize_value("  Ｃ００１\u{200B} "), "C001");
/// assert_eq!(crmsheet::text::normalize_value("制造业"), "制造业");
/// ```
pub fn normalize_value(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim();
    if trimmed.is_ascii() {
        return Cow::Borrowed(trimmed);
    }
    // Most Chinese text is already NFKC: the quick check settles it without
    // building a new string.
    if is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes && !trimmed.chars().any(is_invisible) {
        return Cow::Borrowed(trimmed);
    }
    let normalized: String = trimmed.nfkc().filter(|c| !is_invisible(*c)).collect();
    // NFKC turns U+3000 and U+00A0 into ordinary spaces, which trim then removes.
    let again = normalized.trim();
    if again.len() == trimmed.len() && again == trimmed {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(again.to_string())
    }
}

/// A header cell reduced to what identifies it: normalised like a value, a
/// trailing required marker `*` (with or without space before it) dropped, ASCII
/// letters lower-cased.
///
/// ```
/// use crmsheet::text::normalize_header;
/// assert_eq!(normalize_header(" 客户名称 * "), normalize_header("客户名称"));
/// assert_eq!(normalize_header("Customer ID*"), "customer id");
/// ```
pub fn normalize_header(raw: &str) -> String {
    let value = normalize_value(raw);
    let without_marker = value.trim_end_matches(['*', ' ']).trim();
    without_marker.to_lowercase()
}

/// Legal-form suffixes dropped from a company name before comparing, longest
/// first so `股份有限公司` wins over `有限公司`. Compared after lower-casing and
/// dropping spaces and punctuation, hence `coltd`.
const LEGAL_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "公司",
    "coltd",
    "limited",
    "corp",
    "ltd",
    "inc",
    "llc",
];

/// A company name as duplicate and mismatch checks compare it: NFKC, lower case,
/// no white space or punctuation (ASCII and CJK), no trailing legal suffix.
///
/// ```
/// use crmsheet::text::normalize_name;
/// assert_eq!(normalize_name("上海明远机械有限公司"), normalize_name(" 上海明远机械（有限公司）"));
/// assert_eq!(normalize_name("Acme Co., Ltd."), "acme");
/// ```
pub fn normalize_name(raw: &str) -> String {
    let mut name: String = normalize_value(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && !is_punctuation(*c))
        .flat_map(char::to_lowercase)
        .collect();
    if let Some(suffix) = LEGAL_SUFFIXES
        .iter()
        .find(|s| name.ends_with(*s) && name.len() > s.len())
    {
        name.truncate(name.len() - suffix.len());
    }
    name
}

/// ASCII punctuation and the CJK symbol and full-width punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}' | '\u{2010}'..='\u{2027}' | '\u{00B7}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_width_folded() {
        assert_eq!(normalize_value("\u{3000}活跃\u{00A0}"), "活跃");
        assert_eq!(normalize_value("Ｃ００１"), "C001");
        assert!(matches!(normalize_value("C001"), Cow::Borrowed(_)));
        assert!(matches!(
            normalize_value(" 制造业 "),
            Cow::Borrowed("制造业")
        ));
        assert_eq!(normalize_value("制造\u{200B}业"), "制造业");
    }

    #[test]
    fn headers_ignore_marker_and_width() {
        assert_eq!(normalize_header("客户名称*"), "客户名称");
        assert_eq!(normalize_header("客户名称 ＊"), "客户名称");
        assert_eq!(normalize_header("ＣＵＳＴＯＭＥＲ ID"), "customer id");
    }

    #[test]
    fn names_drop_suffix_and_punctuation() {
        assert_eq!(normalize_name("明远机械股份有限公司"), "明远机械");
        assert_eq!(normalize_name("明远·机械 集团"), "明远机械");
        assert_eq!(normalize_name("ACME Inc."), "acme");
        // A name that is only a suffix keeps it rather than becoming empty.
        assert_eq!(normalize_name("公司"), "公司");
        assert_ne!(normalize_name("明远机械"), normalize_name("明远电气"));
    }
}
