//! CSV files: one sheet, recognised by its headers.
//!
//! Excel on Chinese Windows saves CSV in GBK, elsewhere in UTF-8 (often with a
//! byte-order mark); "Unicode text" is UTF-16 with tabs. The encoding is taken
//! from the byte-order mark, else UTF-8 when the start of the file is valid
//! UTF-8, else GB18030 (a superset of GBK); the file is decoded as it streams.
//! Row N of the sheet is record N, the N-th line a spreadsheet shows: a blank
//! line is a row, a quoted value spanning lines is one row. (The csv crate skips
//! blank lines, so the decoded stream gives each blank line an empty field
//! before the csv reader sees it.)

use super::detect::{io_error, open};
use super::guard::one_line;
use super::layout::{self, RawRow, HEADER_SEARCH_ROWS};
use super::limits::{human_size, MIB};
use super::rows::{LazyValue, SheetAssembler};
use super::{FileRead, Format, ReadError, RowSink, Stamp, Value};
use crate::template::{SheetKind, Template};
use encoding_rs::{CoderResult, Decoder, Encoding};
use std::io::{self, Read};
use std::path::Path;

/// How much of the file decides the encoding and the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Reads a CSV file into `sink`.
///
/// # Errors
/// The file cannot be opened or read.
pub(crate) fn read_csv(
    path: &Path,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    let mut head = Vec::new();
    open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let encoding = sniff_encoding(&head);
    let delimiter = sniff_delimiter(&encoding.decode(&head).0);
    let decoded = DecodingReader::new(open(path)?, encoding.new_decoder(), delimiter);
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

fn csv_error(error: ::csv::Error) -> ReadError {
    let message = one_line(&error.to_string());
    match error.into_kind() {
        ::csv::ErrorKind::Io(e)
            if e.get_ref()
                .is_some_and(|inner| inner.downcast_ref::<RecordTooLong>().is_some()) =>
        {
            ReadError::TooLarge(RecordTooLong.to_string())
        }
        ::csv::ErrorKind::Io(e) => io_error(e),
        _ => ReadError::Corrupt(format!("the CSV data cannot be parsed ({message})")),
    }
}

/// The encoding of a CSV file from its first bytes.
fn sniff_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return encoding;
    }
    match std::str::from_utf8(head) {
        Ok(_) => encoding_rs::UTF_8,
        // The sniffed part may end inside a character: still UTF-8.
        Err(e) if e.error_len().is_none() => encoding_rs::UTF_8,
        Err(_) => encoding_rs::GB18030,
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
/// (and chooses the encoding); malformed bytes become U+FFFD. Each blank line
/// outside quotes gets one delimiter, so that the csv reader, which skips blank
/// lines, returns it as an empty record and record N stays line N.
struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    delimiter: u8,
    input: Box<[u8]>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
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

impl<R: Read> DecodingReader<R> {
    fn new(inner: R, decoder: Decoder, delimiter: u8) -> Self {
        DecodingReader {
            inner,
            decoder,
            delimiter,
            input: vec![0; 32 * 1024].into_boxed_slice(),
            input_start: 0,
            input_end: 0,
            input_done: false,
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

    /// Copies decoded bytes to `ready`, giving each blank line a delimiter.
    /// Line breaks are `\n`, `\r\n` and a lone `\r`, as the csv reader has them;
    /// a quote opens a quoted field only at the start of a field, as there.
    fn mark_blank_lines(&mut self, written: usize) {
        let state = &mut self.lines;
        for &byte in &self.decoded[..written] {
            state.record_bytes += 1;
            let after_cr = std::mem::replace(&mut state.after_cr, byte == b'\r');
            if state.in_quotes {
                if byte == b'"' {
                    state.in_quotes = false;
                }
            } else if byte == b'\n' && after_cr {
                // The second half of `\r\n`: the line break is already counted.
                self.ready.push(byte);
                continue;
            } else if byte == b'\r' || byte == b'\n' {
                if state.at_line_start {
                    self.ready.push(self.delimiter);
                }
                state.record_bytes = 0;
                state.at_line_start = true;
                state.at_field_start = true;
                self.ready.push(byte);
                continue;
            } else if byte == b'"' && state.at_field_start {
                state.in_quotes = true;
            }
            state.at_line_start = false;
            state.at_field_start = byte == self.delimiter;
            self.ready.push(byte);
        }
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
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.input_start..self.input_end],
                &mut self.decoded,
                self.input_done,
            );
            self.input_start += read;
            self.mark_blank_lines(written);
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
        DecodingReader::new(&bytes[..], encoding_rs::GB18030.new_decoder(), b',')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "客户名称,行业类别\n明远机械,制造业\n");
        assert_eq!(sniff_encoding(&bytes), encoding_rs::GB18030);
    }

    #[test]
    fn bom_is_removed() {
        let bytes = b"\xEF\xBB\xBFa,b\n";
        let mut out = String::new();
        DecodingReader::new(&bytes[..], sniff_encoding(bytes).new_decoder(), b',')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a,b\n");
    }

    #[test]
    fn blank_lines_outside_quotes_get_a_delimiter() {
        let bytes = b"a\n\n\"x\n\ny\"\r\n\r\n\rb\"c\n\n";
        let mut out = String::new();
        DecodingReader::new(&bytes[..], encoding_rs::UTF_8.new_decoder(), b';')
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a\n;\n\"x\n\ny\"\r\n;\r\n;\rb\"c\n;\n");
    }
}
