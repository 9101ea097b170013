//! Private details (mobile and landline numbers, e-mail addresses, resident ID
//! numbers): finding them in a text, and masking them (`138****5678`). The
//! `pii` rule reports them; everything crmsheet shows or writes about a value
//! (reports, pages, error messages) masks them.

use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

/// What kind of private detail a text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Mobile,
    Landline,
    Email,
    IdNumber,
}

/// One private detail found in a text: its kind and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiMatch {
    pub kind: PiiKind,
    pub range: Range<usize>,
}

// Mainland mobile: optional +86/0086/86, then 1[3-9] and 9 digits, either in one
// run or grouped 3-4-4 by spaces or hyphens.
static MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:\+86|0086|86)[ -]?)?1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4})")
        .expect("static regex")
});
// Landline: 0 + 2–3-digit area code, a hyphen or space, 7–8 digits.
static LANDLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"0[0-9]{2,3}[- ][0-9]{7,8}").expect("static regex"));
// Resident ID number: 17 digits and a digit or X (checksum verified separately).
static ID_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{17}[0-9Xx]").expect("static regex"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("static regex")
});

/// Fewest digits any phone or ID number pattern needs (0 + 2-digit area code + 7).
const MIN_DIGITS: usize = 10;

/// Finds every private detail in a text, in order, without overlaps.
///
/// Numbers count anywhere, also directly between other characters
/// (`电话13812345678联系`), but not inside a longer run of digits (an order number
/// is no phone number). The regexes only run on text with enough digits or an `@`.
///
/// ```
/// use crmsheet::privacy::{find_pii, PiiKind};
/// let found = find_pii("电话13812345678联系");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind, PiiKind::Mobile);
/// assert!(find_pii("订单 12345678901234567890").is_empty());
/// ```
pub fn find_pii(text: &str) -> Vec<PiiMatch> {
    let mut found = Vec::new();
    // Two quick scans of the bytes decide which patterns can match at all.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let at_sign = text.as_bytes().contains(&b'@');
    if digits < MIN_DIGITS && !at_sign {
        return found;
    }
    if digits >= MIN_DIGITS {
        collect(text, &ID_NUMBER, PiiKind::IdNumber, &mut found, |m| {
            id_checksum_ok(m)
        });
        collect(text, &MOBILE, PiiKind::Mobile, &mut found, |_| true);
        collect(text, &LANDLINE, PiiKind::Landline, &mut found, |_| true);
    }
    if at_sign {
        collect(text, &EMAIL, PiiKind::Email, &mut found, |_| true);
    }
    found.sort_by_key(|m| (m.range.start, std::cmp::Reverse(m.range.end)));
    // Keep the first (longest) of overlapping matches.
    let mut kept: Vec<PiiMatch> = Vec::with_capacity(found.len());
    for m in found {
        if kept.last().is_none_or(|k| m.range.start >= k.range.end) {
            kept.push(m);
        }
    }
    kept
}

/// Adds the matches of one pattern that stand alone: not preceded or followed by
/// another digit (the regex crate has no look-around, so the neighbours are
/// checked here, and a rejected match retries one character further on).
fn collect(
    text: &str,
    re: &Regex,
    kind: PiiKind,
    found: &mut Vec<PiiMatch>,
    accept: impl Fn(&str) -> bool,
) {
    let mut start = 0;
    while start <= text.len() {
        let Some(m) = re.find_at(text, start) else {
            break;
        };
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let alone = !before.is_some_and(|c| c.is_ascii_digit())
            && !after.is_some_and(|c| c.is_ascii_digit());
        if alone && accept(m.as_str()) {
            found.push(PiiMatch {
                kind,
                range: m.range(),
            });
            start = m.end();
        } else {
            start = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
    }
}

/// ISO 7064 MOD 11-2 check of an 18-character resident ID number.
///
/// ```
/// use crmsheet::privacy::id_checksum_ok;
/// assert!(id_checksum_ok("11010519491231002X"));
/// assert!(!id_checksum_ok("110105194912310021"));
/// ```
pub fn id_checksum_ok(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        if !b.is_ascii_digit() {
            return false;
        }
        sum += u32::from(b - b'0') * w;
    }
    bytes[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize]
}

/// The text with every private detail masked: mobile `138****5678` (a country
/// code kept), landline `010-****5678`, e-mail `z***@example.com`, ID number
/// first 3 and last 4 characters kept. Borrows when there is nothing to mask.
///
/// ```
/// use crmsheet::privacy::mask;
/// assert_eq!(mask("电话13812345678联系"), "电话138****5678联系");
/// assert_eq!(mask("zhang.wei@example.com"), "z***@example.com");
/// ```
pub fn mask(text: &str) -> Cow<'_, str> {
    let found = find_pii(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in found {
        out.push_str(&text[last..m.range.start]);
        mask_item(m.kind, &text[m.range.clone()], &mut out);
        last = m.range.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

fn mask_item(kind: PiiKind, item: &str, out: &mut String) {
    match kind {
        PiiKind::Mobile => {
            let positions: Vec<usize> = item
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            let number_start = positions.len().saturating_sub(11);
            let digits: String = item.chars().filter(char::is_ascii_digit).collect();
            let number = &digits[number_start..];
            if let Some(&start) = positions.get(number_start) {
                out.push_str(&item[..start]);
            }
            out.push_str(&number[..3]);
            out.push_str("****");
            out.push_str(&number[number.len() - 4..]);
        }
        PiiKind::Landline => {
            let sep = item.find(['-', ' ']).unwrap_or(0);
            let (area, local) = item.split_at(sep);
            let local = local.get(1..).unwrap_or("");
            out.push_str(area);
            out.push_str(&item[sep..sep + 1]);
            let keep = local.len().saturating_sub(4);
            out.extend(std::iter::repeat_n('*', keep));
            out.push_str(&local[keep..]);
        }
        PiiKind::Email => {
            let at = item.find('@').unwrap_or(0);
            let first = item[..at].chars().next();
            if let Some(c) = first {
                out.push(c);
            }
            out.push_str("***");
            out.push_str(&item[at..]);
        }
        PiiKind::IdNumber => {
            out.push_str(&item[..3]);
            out.push_str("***********");
            out.push_str(&item[14..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<PiiKind> {
        find_pii(text).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn finds_mobiles_in_any_position_and_form() {
        assert_eq!(kinds("13812345678"), [PiiKind::Mobile]);
        assert_eq!(kinds("电话13812345678联系"), [PiiKind::Mobile]);
        assert_eq!(kinds("call 138 1234 5678 today"), [PiiKind::Mobile]);
        assert_eq!(kinds("138-1234-5678"), [PiiKind::Mobile]);
        assert_eq!(kinds("+86 13812345678"), [PiiKind::Mobile]);
        assert_eq!(kinds("+8613812345678"), [PiiKind::Mobile]);
        assert_eq!(kinds("手机：+86-138-1234-5678。"), [PiiKind::Mobile]);
    }

    #[test]
    fn ignores_numbers_that_are_not_phones() {
        assert!(kinds("订单号12345678901234567890").is_empty());
        assert!(kinds("12345678901").is_empty(), "no mobile starts with 12");
        assert!(kinds("138123456789").is_empty(), "12 digits");
        assert!(kinds("9138123456780").is_empty());
        assert!(kinds("2026-11-30 拜访，报价 1500000 元").is_empty());
        assert!(kinds("张江路 100 号").is_empty());
    }

    #[test]
    fn finds_landlines_emails_and_id_numbers() {
        assert_eq!(kinds("总机 010-12345678"), [PiiKind::Landline]);
        assert_eq!(kinds("0571 8888888转"), [PiiKind::Landline]);
        assert!(kinds("010-123456").is_empty(), "6 digits");
        assert_eq!(
            kinds("邮箱zhang.wei@example.com.cn请回复"),
            [PiiKind::Email]
        );
        assert_eq!(kinds("身份证11010519491231002X"), [PiiKind::IdNumber]);
        assert_eq!(kinds("id 11010519491231002x."), [PiiKind::IdNumber]);
        assert!(kinds("110105194912310021").is_empty(), "bad checksum");
        assert_eq!(
            kinds("13812345678, a@b.cn, 010-12345678"),
            [PiiKind::Mobile, PiiKind::Email, PiiKind::Landline]
        );
    }

    #[test]
    fn checksum() {
        assert!(id_checksum_ok("11010519491231002X"));
        let first17 = "44030819990101001";
        let check = compute(first17);
        assert!(id_checksum_ok(&format!("{first17}{check}")));
        let wrong = if check == '0' { '1' } else { '0' };
        assert!(!id_checksum_ok(&format!("{first17}{wrong}")));
        assert!(!id_checksum_ok("1101051949123100"));
        assert!(!id_checksum_ok("11010519491231002A"));
    }

    /// Independent check-digit computation for the test above.
    fn compute(first17: &str) -> char {
        let sum: u32 = first17
            .chars()
            .zip([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
    }

    #[test]
    fn masks_every_item() {
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("电话13812345678联系"), "电话138****5678联系");
        assert_eq!(mask("138 1234 5678"), "138****5678");
        assert_eq!(mask("+86 13812345678"), "+86 138****5678");
        assert_eq!(mask("总机 010-12345678"), "总机 010-****5678");
        assert_eq!(mask("0571 8888888"), "0571 ***8888");
        assert_eq!(mask("mail zhang@example.com"), "mail z***@example.com");
        assert_eq!(mask("11010519491231002X"), "110***********002X");
        assert_eq!(
            mask("王经理 13812345678 / wang@corp.cn"),
            "王经理 138****5678 / w***@corp.cn"
        );
        assert!(matches!(mask("王经理"), Cow::Borrowed(_)));
        // Masked output holds nothing detectable any more.
        assert!(find_pii(&mask("13812345678 a@b.cn 11010519491231002X")).is_empty());
    }
}
