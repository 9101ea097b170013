//! CSV files: one sheet, recognised by its headers.
//!
//! Excel on Chinese Windows saves CSV in GBK, elsewhere in UTF-8 (often with a
//! byte-order mark); "Unicode text" is UTF-16 with tabs. The encoding is taken
//! from the byte-order mark, else from the first bytes that are not ASCII,
//! wherever they are (ASCII reads the same in both): UTF-8 when they are valid
//! UTF-8, else GB18030 (a superset of GBK), else the file is not text we can
//! read. The file is decoded as it streams; only a window after the first
//! non-ASCII byte is looked at ahead.
//! Row N of the sheet is record N, the N-th line a spreadsheet shows: a blank
//! line is a row, a quoted value spanning lines is one row. (The csv crate skips
//! blank lines, so the decoded stream gives each blank line an empty field
//! before the csv reader sees it.)

use super::guard::one_line;
use super::layout::{self, RawRow, HEADER_SEARCH_ROWS};
use super::limits::{human_size, MIB};
use super::rows::{LazyValue, SheetAssembler};
use super::source::Source;
use super::{FileRead, Format, ReadError, RowSink, Stamp, Value};
use crate::template::{SheetKind, Template};
use encoding_rs::{CoderResult, Decoder, Encoding};
use std::io::{self, Read};

/// How much of the file decides the delimiter, and how much from the first
/// non-ASCII byte on decides the encoding.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Reads a CSV `source` into `sink`.
///
/// # Errors
/// The file cannot be opened or read.
pub(crate) fn read_csv(
    source: &Source,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    let mut head = Vec::new();
    source.open()?.take(SNIFF_BYTES).read_to_end(&mut head)?;
    let bom = Encoding::for_bom(&head).map(|(encoding, _)| encoding);
    // Delimiters and quotes are ASCII, which reads the same in UTF-8 and GBK.
    let delimiter = sniff_delimiter(&bom.unwrap_or(encoding_rs::UTF_8).decode(&head).0);
    let decoder = bom.map(|encoding| encoding.new_decoder());
    let decoded = DecodingReader::new(source.open()?, decoder, delimiter);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(decoded);

    let mut record = ::csv::StringRecord::new();
    let mut prefix: Vec<RawRow> = Vec::new();
    let mut assembler: Option<SheetAssembler<'_>> = None;
    let mut row: u32 = 0;
    while reader.read_record(&mut record).map_err(csv_error)? {
        row = row.saturating_add(1);
        if assembler.is_none() && prefix.len() >= HEADER_SEARCH_ROWS {
            match recognise(template, std::mem::take(&mut prefix)) {
                Some(found) => assembler = Some(found),
                None => return Ok(unrecognised()),
            }
        }
        match assembler.as_mut() {
            Some(assembler) => {
                for (col, field) in record.iter().enumerate() {
                    let col = u32::try_from(col).unwrap_or(u32::MAX);
                    if let Some(slot) = assembler.slot(row, col, sink) {
                        assembler.put_value(slot, col, LazyValue::Text(field));
                    }
                }
            }
            None => {
                let cells: Vec<(u32, Value)> = record
                    .iter()
                    .enumerate()
                    .filter(|(_, field)| !field.trim().is_empty())
                    .map(|(col, field)| {
                        (
                            u32::try_from(col).unwrap_or(u32::MAX),
                            Value::Text(field.to_string()),
                        )
                    })
                    .collect();
                if !cells.is_empty() {
                    prefix.push(RawRow { row, cells });
                }
            }
        }
    }
    let assembler = match assembler {
        Some(assembler) => assembler,
        None => match recognise(template, prefix) {
            Some(found) => found,
            None => return Ok(unrecognised()),
        },
    };
    let summary = assembler.finish(sink);
    let kind = summary.kind;
    Ok(FileRead {
        format: Format::Csv,
        stamp: Stamp::NotApplicable,
        sheets: vec![summary],
        missing_sheets: SheetKind::ALL.into_iter().filter(|k| *k != kind).collect(),
        change_log: None,
        extra_sheets: Vec::new(),
    })
}

/// A CSV whose headers match neither sheet.
fn unrecognised() -> FileRead {
    FileRead {
        format: Format::Csv,
        stamp: Stamp::NotApplicable,
        sheets: Vec::new(),
        missing_sheets: SheetKind::ALL.to_vec(),
        change_log: None,
        extra_sheets: Vec::new(),
    }
}

/// Which sheet the first rows of a CSV are: the one whose header they match
/// best (at least half of its fields), named in the language of the headers.
fn recognise(template: &Template, prefix: Vec<RawRow>) -> Option<SheetAssembler<'_>> {
    let mut best: Option<(f64, SheetKind, usize)> = None;
    for kind in SheetKind::ALL {
        if let Some((index, share)) = layout::find_header(template.sheet(kind), &prefix) {
            if best.is_none_or(|(top, _, _)| share > top) {
                best = Some((share, kind, index));
            }
        }
    }
    let (_, kind, index) = best?;
    let def = template.sheet(kind);
    let header = prefix.get(index)?;
    let lang = layout::build_layout(def, String::new(), header.row, &header.cells).lang;
    let name = def.name.get(lang).to_string();
    Some(SheetAssembler::with_prefix(def, name, false, prefix))
}

/// Longest CSV record (one row, quoted line breaks included) read. A row of
/// Excel's longest cells (32,767 characters) in every column of the template is
/// under 2 MiB.
const MAX_RECORD_BYTES: u64 = 16 * MIB;

/// A record longer than [`MAX_RECORD_BYTES`]: a binary file or a broken quote.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "one of its rows is longer than {} (an unclosed quote, or not a CSV file)",
            human_size(MAX_RECORD_BYTES)
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// Bytes that are neither UTF-8 nor GBK/GB18030 where the text first leaves
/// ASCII: the file's encoding cannot be known, so its values cannot be read.
#[derive(Debug)]
struct NotText {
    /// Offset of the first non-ASCII byte.
    offset: u64,
}

impl std::fmt::Display for NotText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "its text is neither UTF-8 nor GBK/GB18030 (from byte {}); save it as CSV UTF-8 and try again",
            self.offset
        )
    }
}

impl std::error::Error for NotText {}

fn csv_error(error: ::csv::Error) -> ReadError {
    let message = one_line(&error.to_string());
    match error.into_kind() {
        ::csv::ErrorKind::Io(e)
            if e.get_ref()
                .is_some_and(|inner| inner.downcast_ref::<NotText>().is_some()) =>
        {
            ReadError::Corrupt(e.get_ref().map(ToString::to_string).unwrap_or_default())
        }
        ::csv::ErrorKind::Io(e)
            if e.get_ref()
                .is_some_and(|inner| inner.downcast_ref::<RecordTooLong>().is_some()) =>
        {
            ReadError::TooLarge(RecordTooLong.to_string())
        }
        ::csv::ErrorKind::Io(e) => ReadError::from(e),
        _ => ReadError::Corrupt(format!("the CSV data cannot be parsed ({message})")),
    }
}

/// The encoding of text whose first non-ASCII byte starts `window`: UTF-8 when
/// the window is valid UTF-8, else GB18030 when it is valid there. `at_end`:
/// the window reaches the end of the file (otherwise it may end inside a
/// character).
fn decide_encoding(window: &[u8], at_end: bool) -> Option<&'static Encoding> {
    match std::str::from_utf8(window) {
        Ok(_) => return Some(encoding_rs::UTF_8),
        Err(e) if e.error_len().is_none() && !at_end => return Some(encoding_rs::UTF_8),
        Err(_) => {}
    }
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = vec![0u8; decoder.max_utf8_buffer_length_without_replacement(window.len())?];
    let (result, _, _) = decoder.decode_to_utf8_without_replacement(window, &mut out, at_end);
    match result {
        encoding_rs::DecoderResult::Malformed(..) => None,
        _ => Some(encoding_rs::GB18030),
    }
}

/// The field delimiter: comma, unless the first line has more tabs (Excel's
/// "Unicode text") or semicolons (Excel in locales with a decimal comma).
fn sniff_delimiter(text: &str) -> u8 {
    let first_line = text.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b'\t', 0), (b';', 0)];
    let mut quoted = false;
    for c in first_line.chars() {
        if c == '"' {
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        for (delimiter, count) in counts.iter_mut() {
            if c == *delimiter as char {
                *count += 1;
            }
        }
    }
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Decodes a byte stream to UTF-8 as it is read. A byte-order mark is removed
/// (and chooses the encoding); without one, ASCII passes as it is and the
/// first non-ASCII byte decides the encoding ([`decide_encoding`]). Once
/// decided, malformed bytes become U+FFFD. Each blank line outside quotes gets
/// one delimiter, so that the csv reader, which skips blank lines, returns it as
/// an empty record and record N stays line N.
struct DecodingReader<R> {
    inner: R,
    /// `None` until the encoding is known.
    decoder: Option<Decoder>,
    delimiter: u8,
    input: Box<[u8]>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
    /// Bytes of `inner` passed on so far, for naming where the text went wrong.
    offset: u64,
    decoded: Box<[u8]>,
    ready: Vec<u8>,
    ready_start: usize,
    finished: bool,
    lines: LineState,
}

/// Where the decoded text stands, to recognise blank lines.
struct LineState {
    at_line_start: bool,
    at_field_start: bool,
    in_quotes: bool,
    after_cr: bool,
    /// Bytes since the last line break outside quotes: the record being read.
    record_bytes: u64,
}

const INPUT_BYTES: usize = 32 * 1024;

impl<R: Read> DecodingReader<R> {
    fn new(inner: R, decoder: Option<Decoder>, delimiter: u8) -> Self {
        DecodingReader {
            inner,
            decoder,
            delimiter,
            input: vec![0; INPUT_BYTES].into_boxed_slice(),
            input_start: 0,
            input_end: 0,
            input_done: false,
            offset: 0,
            decoded: vec![0; 64 * 1024].into_boxed_slice(),
            ready: Vec::with_capacity(64 * 1024),
            ready_start: 0,
            finished: false,
            lines: LineState {
                at_line_start: true,
                at_field_start: true,
                in_quotes: false,
                after_cr: false,
                record_bytes: 0,
            },
        }
    }

    /// With the first non-ASCII byte at `input_start`: reads up to
    /// [`SNIFF_BYTES`] from there and chooses the decoder, keeping what was
    /// read as the input still to decode.
    fn decide(&mut self) -> io::Result<()> {
        let mut window = self.input[self.input_start..self.input_end].to_vec();
        let mut chunk = vec![0; INPUT_BYTES];
        while (window.len() as u64) < SNIFF_BYTES && !self.input_done {
            let n = self.inner.read(&mut chunk)?;
            window.extend_from_slice(&chunk[..n]);
            self.input_done = n == 0;
        }
        let Some(encoding) = decide_encoding(&window, self.input_done) else {
            return Err(io::Error::other(NotText {
                offset: self.offset,
            }));
        };
        // Mid-file: a byte-order mark here would be a character, not a mark.
        self.decoder = Some(encoding.new_decoder_without_bom_handling());
        self.input_end = window.len();
        self.input_start = 0;
        window.resize(window.len().max(INPUT_BYTES), 0);
        self.input = window.into_boxed_slice();
        Ok(())
    }
}

/// Copies decoded bytes to `ready`, giving each blank line a delimiter.
/// Line breaks are `\n`, `\r\n` and a lone `\r`, as the csv reader has them;
/// a quote opens a quoted field only at the start of a field, as there.
fn mark_blank_lines(state: &mut LineState, ready: &mut Vec<u8>, delimiter: u8, decoded: &[u8]) {
    for &byte in decoded {
        state.record_bytes += 1;
        let after_cr = std::mem::replace(&mut state.after_cr, byte == b'\r');
        if state.in_quotes {
            if byte == b'"' {
                state.in_quotes = false;
            }
        } else if byte == b'\n' && after_cr {
            // The second half of `\r\n`: the line break is already counted.
            ready.push(byte);
            continue;
        } else if byte == b'\r' || byte == b'\n' {
            if state.at_line_start {
                ready.push(delimiter);
            }
            state.record_bytes = 0;
            state.at_line_start = true;
            state.at_field_start = true;
            ready.push(byte);
            continue;
        } else if byte == b'"' && state.at_field_start {
            state.in_quotes = true;
        }
        state.at_line_start = false;
        state.at_field_start = byte == delimiter;
        ready.push(byte);
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.ready_start < self.ready.len() {
                let available = &self.ready[self.ready_start..];
                let n = available.len().min(buf.len());
                buf[..n].copy_from_slice(&available[..n]);
                self.ready_start += n;
                return Ok(n);
            }
            self.ready.clear();
            self.ready_start = 0;
            if self.finished {
                return Ok(0);
            }
            if self.input_start == self.input_end && !self.input_done {
                let n = self.inner.read(&mut self.input)?;
                self.input_start = 0;
                self.input_end = n;
                self.input_done = n == 0;
            }
            let pending = &self.input[self.input_start..self.input_end];
            let Some(decoder) = self.decoder.as_mut() else {
                // Undecided: ASCII reads the same in every encoding we accept.
                let ascii = pending
                    .iter()
                    .position(|b| !b.is_ascii())
                    .unwrap_or(pending.len());
                if ascii > 0 {
                    mark_blank_lines(
                        &mut self.lines,
                        &mut self.ready,
                        self.delimiter,
                        &pending[..ascii],
                    );
                    self.input_start += ascii;
                    self.offset += ascii as u64;
                } else if pending.is_empty() {
                    self.finished = self.input_done;
                } else {
                    self.decide()?;
                }
                if self.lines.record_bytes > MAX_RECORD_BYTES {
                    return Err(io::Error::other(RecordTooLong));
                }
                continue;
            };
            let (result, read, written, _) =
                decoder.decode_to_utf8(pending, &mut self.decoded, self.input_done);
            self.input_start += read;
            self.offset += read as u64;
            mark_blank_lines(
                &mut self.lines,
                &mut self.ready,
                self.delimiter,
                &self.decoded[..written],
            );
            // The csv reader holds a whole record in memory.
            if self.lines.record_bytes > MAX_RECORD_BYTES {
                return Err(io::Error::other(RecordTooLong));
            }
            if self.input_done && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_follows_the_first_line() {
        assert_eq!(sniff_delimiter("a,b,c\n1\t2"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("a;b;\"x,y\""), b';');
        assert_eq!(sniff_delimiter("lonely"), b',');
    }

    #[test]
    fn gbk_is_decoded_while_streaming() {
        let (bytes, _, _) = encoding_rs::GBK.encode("客户名称,行业类别\n明远机械,制造业\n");
        let mut out = String::new();
        DecodingReader::new(&bytes[..], None, b',')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "客户名称,行业类别\n明远机械,制造业\n");
    }

    /// Reads `bytes` with the encoding decided as a CSV file's is.
    fn decode(bytes: &[u8]) -> io::Result<String> {
        let mut out = String::new();
        DecodingReader::new(bytes, None, b',').read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn the_first_non_ascii_bytes_decide_wherever_they_are() {
        let ascii = "Acme Ltd,Manufacturing\n".repeat(5000);
        let text = format!("{ascii}明远机械,制造业\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        assert!(gbk.len() > 100 * 1024);
        assert_eq!(decode(&gbk).unwrap(), text);
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        assert_eq!(decode(b"plain ascii\n").unwrap(), "plain ascii\n");
    }

    #[test]
    fn bytes_invalid_in_both_encodings_are_an_error() {
        let mut bytes = b"a,b\n".repeat(100);
        bytes.extend_from_slice(b"\x80\xFF\xFE,c\n");
        let error = decode(&bytes).unwrap_err();
        assert_eq!(
            error.get_ref().map(ToString::to_string).unwrap_or_default(),
            "its text is neither UTF-8 nor GBK/GB18030 (from byte 400); save it as CSV UTF-8 and try again"
        );
    }

    #[test]
    fn bom_is_removed() {
        let bytes = b"\xEF\xBB\xBFa,b\n";
        let mut out = String::new();
        let bom = Encoding::for_bom(bytes).map(|(e, _)| e.new_decoder());
        DecodingReader::new(&bytes[..], bom, b',')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a,b\n");
    }

    #[test]
    fn blank_lines_outside_quotes_get_a_delimiter() {
        let bytes = b"a\n\n\"x\n\ny\"\r\n\r\n\rb\"c\n\n";
        let mut out = String::new();
        DecodingReader::new(&bytes[..], None, b';')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a\n;\n\"x\n\ny\"\r\n;\r\n;\rb\"c\n;\n");
    }
}
