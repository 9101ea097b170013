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
    let trimmed = trim(raw);
    if trimmed.is_ascii() {
        return Cow::Borrowed(trimmed);
    }
    // Register text is mostly CJK ideographs, ASCII and full-width punctuation:
    // settled by one pass over the characters, without the Unicode tables.
    let normalized = match simple_nfkc(trimmed) {
        Simple::Unchanged => return Cow::Borrowed(trimmed),
        Simple::Folded(folded) => folded,
        Simple::Other => {
            // Most other text is already NFKC too: the quick check settles it
            // without building a new string.
            if is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes
                && !trimmed.chars().any(is_invisible)
            {
                return Cow::Borrowed(trimmed);
            }
            trimmed.nfkc().filter(|c| !is_invisible(*c)).collect()
        }
    };
    // NFKC turns U+3000 and U+00A0 into ordinary spaces, which trim then removes.
    let again = normalized.trim();
    if again.len() == trimmed.len() && again == trimmed {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(again.to_string())
    }
}

/// Whether a UTF-8 lead byte starts a character of U+4000–U+9FFF: CJK
/// ideographs (and the Yijing hexagram symbols), each its own NFKC form.
fn is_cjk_lead(byte: u8) -> bool {
    (0xE4..=0xE9).contains(&byte)
}

/// `str::trim`, without decoding anything when the text visibly starts and
/// ends with a printable ASCII character or a CJK ideograph (most cells).
fn trim(raw: &str) -> &str {
    let bytes = raw.as_bytes();
    let plain_start = matches!(bytes.first(), Some(&b) if b.is_ascii_graphic() || is_cjk_lead(b));
    let plain_end = match bytes.len().checked_sub(3).and_then(|i| bytes.get(i..)) {
        // A valid text ending in a continuation byte whose third-last byte is a
        // three-byte lead ends in that three-byte character.
        Some(&[lead, _, last]) if last >= 0x80 => is_cjk_lead(lead),
        _ => bytes.last().is_some_and(u8::is_ascii_graphic),
    };
    if plain_start && plain_end {
        raw
    } else {
        raw.trim()
    }
}

/// What [`simple_nfkc`] found.
enum Simple {
    /// Every character is its own NFKC form (and none is invisible).
    Unchanged,
    /// The NFKC form, made by folding full-width characters to ASCII.
    Folded(String),
    /// A character the fast path does not know: use the full algorithm.
    Other,
}

/// Characters that are their own NFKC form, are starters (combining class 0),
/// have no decomposition and are not invisible: ASCII, the CJK ideographs and
/// the CJK punctuation register text uses. A test checks each against the
/// Unicode tables.
fn is_simple_stable(c: char) -> bool {
    c.is_ascii()
        || matches!(c,
            '\u{3400}'..='\u{9FFF}'
            | '\u{3001}'..='\u{3002}'
            | '\u{3008}'..='\u{3011}'
            | '\u{2018}'..='\u{2019}'
            | '\u{201C}'..='\u{201D}'
            | '\u{2014}'
            | '\u{00B7}')
}

/// The NFKC form of a full-width ASCII variant (U+FF01–U+FF5E) or the ideographic
/// space: its ASCII character. These decompose to one ASCII character each, and
/// ASCII never composes, so folding them one by one is NFKC.
fn simple_fold(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// NFKC of a text made only of [`is_simple_stable`] and [`simple_fold`]
/// characters, the common case, without the Unicode tables. Works on the bytes:
/// ASCII and CJK ideographs are recognised by their first byte alone.
fn simple_nfkc(text: &str) -> Simple {
    let bytes = text.as_bytes();
    let mut folded: Option<String> = None;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let len = if byte < 0x80 {
            1
        } else if is_cjk_lead(byte) {
            3
        } else {
            0
        };
        if len > 0 {
            if let (Some(out), Some(stable)) = (folded.as_mut(), text.get(i..i + len)) {
                out.push_str(stable);
            }
            i += len;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
            return Simple::Other;
        };
        if is_simple_stable(c) {
            if let Some(out) = folded.as_mut() {
                out.push(c);
            }
        } else if let Some(ascii) = simple_fold(c) {
            let out = folded.get_or_insert_with(|| {
                let mut out = String::with_capacity(text.len());
                out.push_str(text.get(..i).unwrap_or(""));
                out
            });
            out.push(ascii);
        } else {
            return Simple::Other;
        }
        i += c.len_utf8();
    }
    match folded {
        Some(out) => Simple::Folded(out),
        None => Simple::Unchanged,
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
    let mut name = String::new();
    normalize_name_into(raw, &mut name);
    name
}

/// [`normalize_name`] into a buffer the caller keeps (cleared first), so that
/// checking a million names does not allocate a million strings.
pub fn normalize_name_into(raw: &str, name: &mut String) {
    name.clear();
    let value = normalize_value(raw);
    let mut rest = value.as_ref();
    while !rest.is_empty() {
        // A run of CJK ideographs goes over as it is: no case, no punctuation.
        let ideographs = rest
            .as_bytes()
            .chunks(3)
            .take_while(|chunk| chunk.len() == 3 && is_cjk_lead(chunk[0]))
            .count()
            * 3;
        if ideographs > 0 {
            name.push_str(rest.get(..ideographs).unwrap_or(""));
            rest = rest.get(ideographs..).unwrap_or("");
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else {
            break;
        };
        rest = chars.as_str();
        if c.is_whitespace() || is_punctuation(c) {
            continue;
        }
        if c.is_ascii() {
            name.push(c.to_ascii_lowercase());
        } else if is_simple_stable(c) {
            // CJK ideographs and punctuation have no case.
            name.push(c);
        } else {
            name.extend(c.to_lowercase());
        }
    }
    if let Some(suffix) = LEGAL_SUFFIXES
        .iter()
        .find(|s| name.ends_with(*s) && name.len() > s.len())
    {
        name.truncate(name.len() - suffix.len());
    }
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
        assert_eq!(normalize_value("已报价，等待反馈"), "已报价,等待反馈");
        assert_eq!(normalize_value("\u{3000}Ａ公司\u{3000}"), "A公司");
    }

    /// The normalisation before the fast paths: NFKC by the Unicode tables.
    fn reference(raw: &str) -> String {
        let normalized: String = raw.trim().nfkc().filter(|c| !is_invisible(*c)).collect();
        normalized.trim().to_string()
    }

    #[test]
    fn the_fast_path_characters_are_their_own_nfkc_form() {
        let ranges = [
            ('\u{0}', '\u{7F}'),
            ('\u{3400}', '\u{9FFF}'),
            ('\u{2000}', '\u{3100}'),
            ('\u{B7}', '\u{B7}'),
        ];
        for c in ranges.iter().flat_map(|&(a, b)| a..=b) {
            if !is_simple_stable(c) {
                continue;
            }
            let alone = c.to_string();
            assert_eq!(
                is_nfkc_quick(alone.chars()),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
            assert_eq!(
                alone.nfkd().collect::<String>(),
                alone,
                "U+{:04X}",
                c as u32
            );
            assert!(!is_invisible(c));
        }
        for c in ('\u{3000}'..='\u{3000}').chain('\u{FF01}'..='\u{FF5E}') {
            let folded = simple_fold(c).map(String::from);
            assert_eq!(
                folded,
                Some(c.to_string().nfkc().collect()),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn the_fast_paths_agree_with_full_nfkc() {
        let samples = [
            "上海明远机械有限公司",
            "已发送报价，等待反馈",
            "联系方式：021-12345678",
            "（集团）“华东”·电气—分公司…",
            "\u{3000}全角　空格\u{3000}",
            "Ｃ００１",
            "ﾊﾝｶｸ half-width katakana",
            "e\u{301} combining",
            "①②③ ㈱ ㍿",
            "制造\u{200B}业\u{FEFF}",
            "\u{00A0}no-break\u{00A0}",
            "한국어 텍스트",
            "Ａ\u{0301}",
            "，",
            " 制造业",
            "制造业　",
            "\u{3000}",
            "䷀易经",
            "a\u{0085}",
            "\u{00A0}x",
        ];
        for raw in samples {
            assert_eq!(normalize_value(raw), reference(raw), "{raw:?}");
            let mut by_char = String::new();
            for c in raw.chars() {
                by_char.push(c);
                assert_eq!(
                    normalize_value(&by_char),
                    reference(&by_char),
                    "{by_char:?}"
                );
            }
        }
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
        let mut buffer = String::from("left over");
        normalize_name_into("ＡＣＭＥ Ｉｎｃ．", &mut buffer);
        assert_eq!(buffer, "acme");
        assert_eq!(normalize_name("İstanbul Ltd"), "i\u{307}stanbul");
        for c in ('\u{2000}'..='\u{3100}').chain('\u{3400}'..='\u{9FFF}') {
            if is_simple_stable(c) && !c.is_ascii() {
                assert_eq!(
                    c.to_lowercase().to_string(),
                    c.to_string(),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }
}
