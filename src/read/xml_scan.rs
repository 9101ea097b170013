//! A small pull tokenizer for the two large parts of an xlsx: its worksheets
//! and its shared-string table.
//!
//! A general XML parser copies every event into a buffer and walks every
//! attribute; for a sheet of a million rows that was most of the time a
//! validation took (`bench/PROFILE.md`, §6). These parts are machine-written
//! and regular, so a tag is found with `memchr`, its name and the few
//! attributes wanted are read in place, and the bytes are borrowed from one
//! window over the inflating part.
//!
//! What it does not do is validate: a part that is not well-formed is read as
//! far as its tags can be told apart, and the readers above decide what a
//! missing element means. Bounds: the part is read up to `limit` bytes, and one
//! tag with the text before it up to [`MAX_PENDING`]; past either, the part is
//! refused rather than held.

use super::limits::{human_size, MIB};
use super::ReadError;
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;

/// The most bytes one tag and the text before it may take. Excel's longest
/// cell text is 32,767 characters; this is far above any real one.
pub(crate) const MAX_PENDING: usize = 64 * MIB as usize;

/// The first read's size; the window doubles when a tag does not fit.
const WINDOW: usize = 256 * 1024;

/// What a tag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `<name …>`
    Start,
    /// `<name …/>`
    Empty,
    /// `</name>`
    End,
    /// `<![CDATA[…]]>`: its content is [`Tag::cdata`].
    CData,
    /// A comment, a processing instruction or a declaration.
    Other,
}

/// A tag found, with the text before it. Its ranges index the scanner's window
/// and hold until the next call of [`Scanner::next`].
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) kind: Kind,
    /// The raw text between the previous tag and this one.
    pub(crate) text: Range<usize>,
    name: Range<usize>,
    /// The attributes (for a start tag), or a CDATA section's content.
    rest: Range<usize>,
}

/// A tokenizer over one part.
pub(crate) struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    /// The first byte not yet handed out.
    pos: usize,
    /// The end of the bytes read.
    end: usize,
    eof: bool,
    read: u64,
    limit: u64,
    /// The most bytes one tag and the text before it may take.
    max_pending: usize,
    /// The part, as errors name it ("the sheet", "the shared strings").
    what: &'static str,
}

impl<R: Read> Scanner<R> {
    /// A scanner over `input`, which holds at most `limit` bytes.
    pub(crate) fn new(input: R, limit: u64, what: &'static str) -> Scanner<R> {
        Scanner {
            input,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            read: 0,
            limit,
            max_pending: MAX_PENDING,
            what,
        }
    }

    /// Reads more of the part, keeping the bytes from `self.pos` on; `false`
    /// at its end. Afterwards the pending bytes start at `self.pos`, which may
    /// have moved: offsets are kept relative to it.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        let pending = self.end - self.pos;
        if pending >= self.max_pending {
            return Err(ReadError::TooLarge(format!(
                "{} has one element larger than {}",
                self.what,
                human_size(self.max_pending as u64)
            )));
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.pos = 0;
            self.end = pending;
        }
        // Room for at least as much again as is pending: a tag that spans
        // many reads is scanned again only a logarithmic number of times.
        let wanted = (pending * 2).clamp(WINDOW, self.max_pending + WINDOW);
        if self.buf.len() < wanted {
            self.buf.resize(wanted, 0);
        }
        loop {
            let n = match self.input.read(&mut self.buf[self.end..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                self.eof = true;
                return Ok(false);
            }
            self.end += n;
            self.read += n as u64;
            if self.read > self.limit {
                return Err(ReadError::TooLarge(format!(
                    "{} is larger than {}",
                    self.what,
                    human_size(self.limit)
                )));
            }
            return Ok(true);
        }
    }

    /// The offset (from `self.pos`) of the first match `find` reports in the
    /// pending bytes from `from` on, reading more as needed; `None` at the end
    /// of the part. `find` sees the bytes from `from` and `back` bytes before,
    /// so a needle split between two reads is still found.
    fn find(
        &mut self,
        from: usize,
        back: usize,
        find: impl Fn(&[u8]) -> Option<usize>,
    ) -> Result<Option<usize>, ReadError> {
        let mut resume = from;
        loop {
            if let Some(i) = find(&self.buf[(self.pos + resume).min(self.end)..self.end]) {
                return Ok(Some(resume + i));
            }
            let searched = self.end - self.pos;
            if !self.fill()? {
                return Ok(None);
            }
            resume = searched.saturating_sub(back).max(from);
        }
    }

    /// The next tag, or `None` at the end of the part (text after the last
    /// tag is dropped). A tag cut off by the end of the part is an error.
    pub(crate) fn next(&mut self) -> Result<Option<Tag>, ReadError> {
        let Some(lt) = self.find(0, 0, |b| find_byte(b, b'<'))? else {
            self.pos = self.end;
            return Ok(None);
        };
        // At least `<!--` or `<![CDATA[` of the tag, where the part has it.
        while self.end - self.pos < lt + 9 && self.fill()? {}
        let tag_bytes = &self.buf[self.pos + lt..self.end];
        let (kind, name_from, close) = match tag_bytes.get(1).copied() {
            Some(b'/') => (Kind::End, 2, Close::Gt),
            Some(b'?') => (Kind::Other, 2, Close::Needle(b"?>")),
            Some(b'!') if tag_bytes.starts_with(b"<!--") => (Kind::Other, 4, Close::Needle(b"-->")),
            Some(b'!') if tag_bytes.starts_with(b"<![CDATA[") => {
                (Kind::CData, 9, Close::Needle(b"]]>"))
            }
            Some(b'!') => (Kind::Other, 2, Close::Declaration),
            Some(_) => (Kind::Start, 1, Close::Quoted),
            None => return Err(self.cut_off()),
        };
        let body = lt + name_from;
        let found = match close {
            Close::Gt => self.find(body, 0, |b| find_byte(b, b'>'))?,
            Close::Needle(needle) => self
                .find(body, needle.len() - 1, |b| memchr::memmem::find(b, needle))?
                .map(|at| at + needle.len() - 1),
            Close::Quoted => self.find_quoted_end(body)?,
            Close::Declaration => self.find_declaration_end(body)?,
        };
        let Some(gt) = found else {
            return Err(self.cut_off());
        };
        let base = self.pos;
        let text = base..base + lt;
        let mut tag = Tag {
            kind,
            text,
            name: base + body..base + body,
            rest: base + body..base + body,
        };
        match kind {
            Kind::Start | Kind::End => {
                let inner = &self.buf[base + body..base + gt];
                let name_len = inner
                    .iter()
                    .position(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
                    .unwrap_or(inner.len());
                tag.name = base + body..base + body + name_len;
                let mut attrs_end = base + gt;
                if kind == Kind::Start && self.buf[base + gt - 1] == b'/' && gt > body {
                    tag.kind = Kind::Empty;
                    attrs_end -= 1;
                }
                tag.rest = (tag.name.end).min(attrs_end)..attrs_end;
            }
            Kind::CData => tag.rest = base + body..base + gt - 2,
            Kind::Empty | Kind::Other => {}
        }
        self.pos = base + gt + 1;
        Ok(Some(tag))
    }

    /// The `>` ending a start tag from `from` on, past quoted attribute values.
    fn find_quoted_end(&mut self, from: usize) -> Result<Option<usize>, ReadError> {
        // Scanned again from the tag's start after a read: a quote's state
        // cannot be carried across otherwise. `fill` doubles the window, so a
        // long tag is rescanned only a few times.
        self.find(from, usize::MAX, |b| {
            let mut quote = None;
            for (i, &c) in b.iter().enumerate() {
                match (quote, c) {
                    (None, b'>') => return Some(i),
                    (None, b'"' | b'\'') => quote = Some(c),
                    (Some(q), _) if q == c => quote = None,
                    _ => {}
                }
            }
            None
        })
    }

    /// The `>` ending a `<!DOCTYPE …>`, past an internal subset in brackets.
    fn find_declaration_end(&mut self, from: usize) -> Result<Option<usize>, ReadError> {
        self.find(from, usize::MAX, |b| {
            let mut depth = 0usize;
            for (i, &c) in b.iter().enumerate() {
                match c {
                    b'[' => depth += 1,
                    b']' => depth = depth.saturating_sub(1),
                    b'>' if depth == 0 => return Some(i),
                    _ => {}
                }
            }
            None
        })
    }

    fn cut_off(&self) -> ReadError {
        ReadError::Corrupt(format!("{} ends inside a tag", self.what))
    }

    /// The tag's name with its namespace prefix (`x:c`).
    pub(crate) fn qname(&self, tag: &Tag) -> &[u8] {
        &self.buf[tag.name.clone()]
    }

    /// The tag's name without its namespace prefix (`c` of `x:c`).
    pub(crate) fn local(&self, tag: &Tag) -> &[u8] {
        local_name(self.qname(tag))
    }

    /// The raw text before the tag.
    pub(crate) fn text(&self, tag: &Tag) -> &[u8] {
        &self.buf[tag.text.clone()]
    }

    /// A CDATA section's content.
    pub(crate) fn cdata(&self, tag: &Tag) -> &[u8] {
        &self.buf[tag.rest.clone()]
    }

    /// The tag's attributes, raw: (name with prefix, value not unescaped).
    pub(crate) fn attributes(&self, tag: &Tag) -> impl Iterator<Item = (&[u8], &[u8])> {
        attributes(&self.buf[tag.rest.clone()])
    }

    /// The raw value of the attribute named exactly `name` (prefix included,
    /// as `xml:space`), not unescaped.
    pub(crate) fn attr(&self, tag: &Tag, name: &[u8]) -> Option<&[u8]> {
        attributes(&self.buf[tag.rest.clone()])
            .find_map(|(key, value)| (key == name).then_some(value))
    }
}

enum Close {
    /// The next `>`.
    Gt,
    /// The end of this sequence.
    Needle(&'static [u8]),
    /// The next `>` outside quotes.
    Quoted,
    /// The next `>` outside brackets.
    Declaration,
}

/// The first `byte` in `bytes`. Tags and cell values are short, where a
/// plain loop beats `memchr`'s setup; longer runs go to `memchr`.
fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    const SHORT: usize = 32;
    let head = &bytes[..bytes.len().min(SHORT)];
    match head.iter().position(|&b| b == byte) {
        Some(i) => Some(i),
        None if bytes.len() > SHORT => memchr::memchr(byte, &bytes[SHORT..]).map(|i| i + SHORT),
        None => None,
    }
}

/// The name after a namespace prefix.
pub(crate) fn local_name(qname: &[u8]) -> &[u8] {
    match qname.iter().rposition(|&b| b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    }
}

/// The `name="value"` pairs of a start tag's attribute bytes, raw. Stops at
/// the first thing that is not one.
pub(crate) fn attributes(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        rest = &rest[start..];
        let eq = rest.iter().position(|&b| b == b'=')?;
        let key = rest[..eq].trim_ascii_end();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let len = after[1..].iter().position(|&b| b == quote)?;
        let value = &after[1..1 + len];
        rest = &after[len + 2..];
        Some((key, value))
    })
}

/// Text as XML means it: line ends made `\n`, then the five predefined
/// entities and character references replaced.
///
/// # Errors
/// The text is not UTF-8, or names an entity XML does not define.
pub(crate) fn decode_text(raw: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| ReadError::Corrupt("a text in the workbook is not UTF-8".to_string()))?;
    let text: Cow<'_, str> = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    if !text.contains('&') {
        return Ok(text);
    }
    let unescaped = quick_xml::escape::unescape(&text)
        .map_err(|e| ReadError::Corrupt(format!("a text in the workbook cannot be read ({e})")))?;
    Ok(Cow::Owned(unescaped.into_owned()))
}

/// Excel's own escapes in text: a character as `_xHHHH_` (UTF-16 code unit;
/// a pair for characters past the BMP), as calamine reads them.
pub(crate) fn unescape_excel(text: &str) -> Cow<'_, str> {
    const LEN: usize = 7;
    let parse = |at: usize| -> Option<u16> {
        let b = text.as_bytes().get(at..at + LEN)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    };
    let find = |mut from: usize| -> Option<(usize, u16)> {
        while let Some(offset) = text[from..].find('_') {
            let at = from + offset;
            if let Some(unit) = parse(at) {
                return Some((at, unit));
            }
            from = at + 1;
        }
        None
    };
    let Some((mut at, mut unit)) = find(0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..at]);
        at += LEN;
        match unit {
            0xD800..=0xDBFF => match parse(at) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    at += LEN;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = at;
        match find(at) {
            Some(next) => (at, unit) = next,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tag of `xml` read `chunk` bytes at a time: (kind, name, text before).
    fn tags(xml: &str, chunk: usize) -> Vec<(Kind, String, String)> {
        struct Trickle<'b>(&'b [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut scanner = Scanner::new(Trickle(xml.as_bytes(), chunk), u64::MAX, "the test");
        let mut found = Vec::new();
        while let Some(tag) = scanner.next().unwrap() {
            let name = match tag.kind {
                Kind::CData => scanner.cdata(&tag),
                _ => scanner.qname(&tag),
            };
            found.push((
                tag.kind,
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(scanner.text(&tag)).into_owned(),
            ));
        }
        found
    }

    #[test]
    fn tags_are_told_apart_however_the_bytes_arrive() {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x:c r=\"A1\" t='a>b'>1<v/><!-- <c> --><![CDATA[<i>]]></x:c>tail";
        for chunk in [1, 2, 3, 7, 1000] {
            let found = tags(xml, chunk);
            let kinds: Vec<Kind> = found.iter().map(|t| t.0).collect();
            assert_eq!(
                kinds,
                [
                    Kind::Other,
                    Kind::Other,
                    Kind::Start,
                    Kind::Empty,
                    Kind::Other,
                    Kind::CData,
                    Kind::End
                ],
                "chunk {chunk}"
            );
            assert_eq!(found[2].1, "x:c");
            assert_eq!(found[3], (Kind::Empty, "v".into(), "1".into()));
            assert_eq!(found[5].1, "<i>");
            assert_eq!(found[6].1, "x:c");
        }
    }

    #[test]
    fn attributes_are_read_raw_and_texts_decoded_on_request() {
        let pairs: Vec<(String, String)> =
            attributes(b" r=\"A1\"  s = '3' xml:space=\"preserve\" bad")
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(k).into(),
                        String::from_utf8_lossy(v).into(),
                    )
                })
                .collect();
        assert_eq!(
            pairs,
            [
                ("r".into(), "A1".into()),
                ("s".into(), "3".into()),
                ("xml:space".into(), "preserve".into())
            ]
        );
        assert_eq!(decode_text(b"a&amp;b&#x4E2D;").unwrap(), "a&b中");
        assert_eq!(decode_text(b"a\r\nb\rc").unwrap(), "a\nb\nc");
        assert!(decode_text(b"&nope;").is_err());
        assert!(decode_text(&[0xff]).is_err());
    }

    #[test]
    fn excel_escapes_are_read_as_calamine_reads_them() {
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_xD83D__xDCF7_"), "📷");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(
            unescape_excel("_x005F_x000D_"),
            "__x000D_".replacen("__", "_", 1)
        );
        assert_eq!(unescape_excel("plain_x00G0_"), "plain_x00G0_");
    }

    #[test]
    fn a_tag_cut_off_or_too_long_is_refused() {
        let mut cut = Scanner::new(&b"<a><b r=\"1"[..], u64::MAX, "the test");
        assert!(cut.next().unwrap().is_some());
        assert!(matches!(cut.next(), Err(ReadError::Corrupt(_))));
        let long = vec![b'a'; 2000];
        let mut limited = Scanner::new(&long[..], 1000, "the test");
        assert!(matches!(limited.next(), Err(ReadError::TooLarge(_))));
        // One text or tag past the bound is refused, however the part goes on;
        // below it, the window grows to hold it.
        let text = format!("<t>{}</t>", "x".repeat(3 * WINDOW));
        let mut held = Scanner::new(text.as_bytes(), u64::MAX, "the test");
        held.max_pending = 4 * WINDOW;
        assert!(held.next().unwrap().is_some());
        assert_eq!(held.next().unwrap().map(|t| t.text.len()), Some(3 * WINDOW));
        let mut refused = Scanner::new(text.as_bytes(), u64::MAX, "the test");
        refused.max_pending = WINDOW;
        assert!(refused.next().unwrap().is_some());
        match refused.next() {
            Err(ReadError::TooLarge(message)) => {
                assert!(message.contains("one element larger than"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
