//! ods, streamed from its `content.xml`.
//!
//! calamine builds every sheet of an ods whole when the file is opened, and
//! expands repeated rows and columns (`table:number-rows-repeated`,
//! `table:number-columns-repeated`) as it goes: a file of a few kilobytes can
//! claim a sheet of 1,048,576 × 16,384 cells, or one long text repeated on every
//! one of them. This reader streams the cells of one sheet at a time instead, in
//! row order like the xlsx reader. Repeats of empty cells and rows (how
//! LibreOffice writes the unused rest of a sheet) cost nothing; each repeat of a
//! filled cell counts against [`MAX_EXPANDED_CELLS`], and the sheet is refused,
//! saying so, once that is spent.
//!
//! Merged cells (`table:number-rows-spanned`, `table:number-columns-spanned`)
//! are collected on the way, for the rule that says a row lost its value to a
//! merge.

use super::guard::one_line;
use super::limits::{human_count, MAX_SHEETS, MIB};
use super::rows::LazyValue;
use super::source::{Input, Source};
use super::workbook::{CellVisitor, Workbook};
use super::{CellRange, ReadError};
use calamine::Data;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;

type Archive = zip::ZipArchive<BufReader<Input>>;
type XmlReader<'a> = quick_xml::Reader<BufReader<zip::read::ZipFile<'a, BufReader<Input>>>>;

/// Rows of a sheet in LibreOffice (and Excel): cells below are ignored.
const MAX_ROWS: u64 = 1_048_576;
/// Columns of a sheet in LibreOffice (and Excel): cells to the right are ignored.
const MAX_COLUMNS: u64 = 16_384;

/// Most filled cells one sheet may expand to, repeats included: more than three
/// times a full register (1,048,575 rows × 15 columns), and still read in
/// seconds.
pub(crate) const MAX_EXPANDED_CELLS: u64 = 50_000_000;

/// Most text kept from one cell; the rest is dropped. Excel's own limit is
/// 32,767 characters (under 128 KiB).
const MAX_CELL_TEXT_BYTES: usize = MIB as usize;

/// Most merged ranges kept per sheet; a register has none or a few.
const MAX_MERGED_RANGES: usize = 100_000;

/// An open ods workbook.
pub(crate) struct OdsBook {
    archive: Archive,
    sheets: Vec<String>,
    /// Where each table starts in the inflated `content.xml`, so that reading a
    /// sheet skips what comes before it without parsing it.
    offsets: Vec<u64>,
    /// Merged ranges per sheet, from the last complete pass over it.
    merged: HashMap<String, Vec<CellRange>>,
}

fn xml_error(error: quick_xml::Error) -> ReadError {
    match error {
        quick_xml::Error::Io(e) => match std::sync::Arc::try_unwrap(e) {
            Ok(e) if e.kind() == std::io::ErrorKind::InvalidData => ReadError::Corrupt(format!(
                "the sheet data is damaged ({})",
                one_line(&e.to_string())
            )),
            Ok(e) => ReadError::from(e),
            Err(e) => ReadError::Corrupt(one_line(&e.to_string())),
        },
        other => ReadError::Corrupt(format!(
            "the sheet data cannot be parsed ({})",
            one_line(&other.to_string())
        )),
    }
}

fn xml_reader<'a>(archive: &'a mut Archive, part: &str) -> Result<XmlReader<'a>, ReadError> {
    let entry = archive.by_name(part).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => {
            ReadError::Corrupt(format!("the part {part} is missing"))
        }
        other => other.into(),
    })?;
    Ok(quick_xml::Reader::from_reader(BufReader::new(entry)))
}

/// The value of attribute `name`, unescaped.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let attr = e.try_get_attribute(name).ok()??;
    attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .ok()
        .map(|v| v.into_owned())
}

/// A repeat or span count: at least 1, and 1 when unreadable.
fn count(e: &BytesStart<'_>, name: &str) -> u64 {
    attribute(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

impl OdsBook {
    /// Opens the ods `source`: refuses an encrypted one and lists its sheets.
    ///
    /// # Errors
    /// `Encrypted`, or `Corrupt` when the container or its content cannot be read.
    pub(crate) fn open(source: &Source) -> Result<OdsBook, ReadError> {
        let archive = zip::ZipArchive::new(BufReader::new(source.open()?))?;
        let mut book = OdsBook {
            archive,
            sheets: Vec::new(),
            offsets: Vec::new(),
            merged: HashMap::new(),
        };
        if book.is_encrypted()? {
            return Err(ReadError::Encrypted);
        }
        (book.sheets, book.offsets) = book.list_sheets()?;
        Ok(book)
    }

    /// Whether the manifest declares encrypted parts (a password-protected file).
    fn is_encrypted(&mut self) -> Result<bool, ReadError> {
        let mut xml = match xml_reader(&mut self.archive, "META-INF/manifest.xml") {
            Ok(xml) => xml,
            // Without a manifest nothing is declared encrypted; content.xml
            // then decides whether the file reads.
            Err(_) => return Ok(false),
        };
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e))
                    if e.local_name().as_ref() == "encryption-data" =>
                {
                    return Ok(true)
                }
                Ok(Event::Eof) => return Ok(false),
                Err(e) => return Err(xml_error(e)),
                Ok(_) => {}
            }
        }
    }

    /// The names of the tables in `content.xml`, in order, with where each
    /// starts, without reading their cells.
    fn list_sheets(&mut self) -> Result<(Vec<String>, Vec<u64>), ReadError> {
        let mut xml = xml_reader(&mut self.archive, "content.xml")?;
        let mut names = Vec::new();
        let mut offsets = Vec::new();
        let mut buf = Vec::new();
        let mut skip = Vec::new();
        loop {
            buf.clear();
            let at = xml.buffer_position();
            if names.len() > MAX_SHEETS {
                // The count is all the workbook reader needs to refuse it.
                return Ok((names, offsets));
            }
            match xml.read_event_into(&mut buf).map_err(xml_error)? {
                Event::Start(e) if e.name().as_ref() == "table:table" => {
                    names.push(attribute(&e, "table:name").unwrap_or_default());
                    offsets.push(at);
                    skip.clear();
                    xml.read_to_end_into(e.name(), &mut skip)
                        .map_err(xml_error)?;
                }
                Event::Empty(e) if e.name().as_ref() == "table:table" => {
                    names.push(attribute(&e, "table:name").unwrap_or_default());
                    offsets.push(at);
                }
                Event::Eof => return Ok((names, offsets)),
                _ => {}
            }
        }
    }
}

/// A non-empty cell of a row kept for its repeats: `count` cells from `col`.
struct Run {
    col: u64,
    count: u64,
    value: Data,
}

/// Where the streaming of a sheet stands.
struct Cursor<'v, 'f> {
    visit: &'v mut CellVisitor<'f>,
    sheet: String,
    /// 0-based index of the row being read.
    row: u64,
    /// Filled cells visited so far, repeats included.
    expanded: u64,
    merged: Vec<CellRange>,
    stopped: bool,
}

impl Cursor<'_, '_> {
    /// Visits `count` cells holding `value` from column `col` of row `row`.
    fn visit_run(&mut self, row: u64, col: u64, count: u64, value: &Data) -> Result<(), ReadError> {
        if row >= MAX_ROWS {
            return Ok(());
        }
        let end = col.saturating_add(count).min(MAX_COLUMNS);
        self.spend(end.saturating_sub(col))?;
        for c in col..end {
            // Both fit: row < MAX_ROWS, c < MAX_COLUMNS.
            let flow = (self.visit)(row as u32 + 1, c as u32, LazyValue::Owned(value));
            if flow == ControlFlow::Break(()) {
                self.stopped = true;
                return Ok(());
            }
        }
        Ok(())
    }
}

impl Cursor<'_, '_> {
    /// Counts `cells` more filled cells against [`MAX_EXPANDED_CELLS`], before
    /// visiting them, so a sheet over the budget fails at once.
    fn spend(&mut self, cells: u64) -> Result<(), ReadError> {
        self.expanded = self.expanded.saturating_add(cells);
        if self.expanded > MAX_EXPANDED_CELLS {
            return Err(ReadError::TooLarge(format!(
                "the sheet '{}' repeats its filled cells to more than {} cells (at most {} are read)",
                self.sheet,
                human_count(MAX_EXPANDED_CELLS),
                human_count(MAX_EXPANDED_CELLS)
            )));
        }
        Ok(())
    }
}

/// The attributes of a cell element that matter, read in one pass.
#[derive(Default)]
struct CellAttrs<'a> {
    repeats: Option<Cow<'a, str>>,
    rows_spanned: Option<Cow<'a, str>>,
    columns_spanned: Option<Cow<'a, str>>,
    value_type: Option<Cow<'a, str>>,
    value: Option<Cow<'a, str>>,
    date_value: Option<Cow<'a, str>>,
    time_value: Option<Cow<'a, str>>,
    boolean_value: Option<Cow<'a, str>>,
    string_value: Option<Cow<'a, str>>,
    is_error: bool,
}

impl<'a> CellAttrs<'a> {
    fn read(e: &'a BytesStart<'a>) -> CellAttrs<'a> {
        let mut attrs = CellAttrs::default();
        for attr in e.attributes().with_checks(false).flatten() {
            let slot = match attr.key.as_ref() {
                "table:number-columns-repeated" => &mut attrs.repeats,
                "table:number-rows-spanned" => &mut attrs.rows_spanned,
                "table:number-columns-spanned" => &mut attrs.columns_spanned,
                "office:value-type" => &mut attrs.value_type,
                "office:value" => &mut attrs.value,
                "office:date-value" => &mut attrs.date_value,
                "office:time-value" => &mut attrs.time_value,
                "office:boolean-value" => &mut attrs.boolean_value,
                "office:string-value" => &mut attrs.string_value,
                "calcext:value-type" => {
                    attrs.is_error = attr.value.as_ref() == "error";
                    continue;
                }
                _ => continue,
            };
            // Only texts can hold entities; the rest are plain.
            let value = if attr.value.contains('&') {
                attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| Cow::Owned(v.into_owned()))
                    .unwrap_or(attr.value)
            } else {
                attr.value
            };
            *slot = Some(value);
        }
        attrs
    }

    /// What the cell holds, or where to find it.
    fn kind(&self) -> CellKind {
        if self.is_error {
            return CellKind::FromText(TextKind::Error);
        }
        let owned = |v: &Option<Cow<'_, str>>| v.as_deref().map(str::to_string);
        match self.value_type.as_deref() {
            Some("float" | "percentage" | "currency") => {
                match self
                    .value
                    .as_deref()
                    .and_then(|v| v.trim().parse::<f64>().ok())
                {
                    Some(n) => CellKind::Value(Data::Float(n)),
                    None => CellKind::FromText(TextKind::String),
                }
            }
            Some("date") => match owned(&self.date_value) {
                Some(v) => CellKind::Value(Data::DateTimeIso(v)),
                None => CellKind::FromText(TextKind::String),
            },
            Some("time") => match owned(&self.time_value) {
                Some(v) => CellKind::Value(Data::DurationIso(v)),
                None => CellKind::FromText(TextKind::String),
            },
            Some("boolean") => {
                let v = self.boolean_value.as_deref().unwrap_or_default();
                CellKind::Value(Data::Bool(matches!(v.trim(), "true" | "TRUE" | "1")))
            }
            Some("string") => match owned(&self.string_value) {
                Some(v) if !v.is_empty() => CellKind::Value(Data::String(v)),
                _ => CellKind::FromText(TextKind::String),
            },
            // A cell without a value type holds nothing, whatever text it shows.
            _ => CellKind::Value(Data::Empty),
        }
    }
}

/// A repeat or span count: at least 1, and 1 when unreadable.
fn count_of(value: &Option<Cow<'_, str>>) -> u64 {
    value
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

enum CellKind {
    Value(Data),
    FromText(TextKind),
}

#[derive(Clone, Copy)]
enum TextKind {
    String,
    Error,
}

/// Reads the content of a cell element up to its end: the text of its
/// paragraphs (`text:p`, joined by line breaks), without annotations.
fn cell_text(xml: &mut XmlReader<'_>, buf: &mut Vec<u8>) -> Result<String, ReadError> {
    let mut text = String::new();
    let mut paragraphs = 0usize;
    let mut depth = 0usize;
    let mut skip = Vec::new();
    let push = |text: &mut String, s: &str| {
        if text.len() + s.len() <= MAX_CELL_TEXT_BYTES {
            text.push_str(s);
        }
    };
    loop {
        buf.clear();
        match xml.read_event_into(buf).map_err(xml_error)? {
            Event::Start(e) => {
                let name = e.name();
                match name.as_ref() {
                    "office:annotation" | "draw:frame" | "draw:custom-shape" => {
                        let end = e.to_end().into_owned();
                        skip.clear();
                        xml.read_to_end_into(end.name(), &mut skip)
                            .map_err(xml_error)?;
                        continue;
                    }
                    "text:p" | "text:h" => {
                        if paragraphs > 0 {
                            push(&mut text, "\n");
                        }
                        paragraphs += 1;
                    }
                    _ => {}
                }
                depth += 1;
            }
            Event::Empty(e) => match e.name().as_ref() {
                "text:s" => {
                    // The count is the file's claim: never more than fits.
                    let room = MAX_CELL_TEXT_BYTES.saturating_sub(text.len()) as u64;
                    push(
                        &mut text,
                        &" ".repeat(count(&e, "text:c").min(room) as usize),
                    );
                }
                "text:tab" => push(&mut text, "\t"),
                "text:line-break" => push(&mut text, "\n"),
                "text:p" | "text:h" => {
                    if paragraphs > 0 {
                        push(&mut text, "\n");
                    }
                    paragraphs += 1;
                }
                _ => {}
            },
            Event::Text(t) => push(&mut text, &t.xml10_content()),
            Event::CData(t) => push(&mut text, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(resolved) = quick_xml::escape::resolve_xml_entity(&r) {
                    push(&mut text, resolved);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    push(&mut text, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::End(_) => {
                if depth == 0 {
                    return Ok(text);
                }
                depth -= 1;
            }
            Event::Eof => {
                return Err(ReadError::Corrupt(
                    "the sheet data ends inside a cell".to_string(),
                ))
            }
            _ => {}
        }
    }
}

/// Reads one cell element (`table:table-cell` or `table:covered-table-cell`):
/// its value, how many columns it repeats over, and the range it spans.
fn read_cell(
    xml: &mut XmlReader<'_>,
    e: &BytesStart<'_>,
    has_content: bool,
    buf: &mut Vec<u8>,
) -> Result<(Data, u64, (u64, u64)), ReadError> {
    let attrs = CellAttrs::read(e);
    let repeats = count_of(&attrs.repeats);
    let spans = if e.name().as_ref() == "table:table-cell" {
        (
            count_of(&attrs.rows_spanned),
            count_of(&attrs.columns_spanned),
        )
    } else {
        (1, 1)
    };
    let value = match (attrs.kind(), has_content) {
        (CellKind::Value(v), true) => {
            buf.clear();
            xml.read_to_end_into(e.name(), buf).map_err(xml_error)?;
            v
        }
        (CellKind::Value(v), false) => v,
        (CellKind::FromText(TextKind::String), true) => Data::String(cell_text(xml, buf)?),
        // The cell's text (`#N/A`, `Err:502`) is the error.
        (CellKind::FromText(TextKind::Error), true) => {
            Data::Error(error_type(&cell_text(xml, buf)?))
        }
        (CellKind::FromText(_), false) => Data::Empty,
    };
    Ok((value, repeats, spans))
}

/// The error type of an error cell's text; an error text calamine has no type
/// for (LibreOffice's `Err:502`) counts as `#VALUE!`.
fn error_type(text: &str) -> calamine::CellErrorType {
    use calamine::CellErrorType as E;
    match text.trim() {
        "#DIV/0!" => E::Div0,
        "#N/A" => E::NA,
        "#NAME?" => E::Name,
        "#NULL!" => E::Null,
        "#NUM!" => E::Num,
        "#REF!" => E::Ref,
        _ => E::Value,
    }
}

impl OdsBook {
    /// Streams the cells of `sheet` to the cursor's visitor.
    fn stream_sheet(&mut self, cursor: &mut Cursor<'_, '_>) -> Result<(), ReadError> {
        let Some(index) = self.sheets.iter().position(|name| *name == cursor.sheet) else {
            return Ok(());
        };
        let offset = self.offsets.get(index).copied().unwrap_or(0);
        let mut entry = self.archive.by_name("content.xml")?;
        // Inflate what comes before the table without parsing it.
        let skipped = std::io::copy(&mut (&mut entry).take(offset), &mut std::io::sink())?;
        if skipped < offset {
            return Err(ReadError::Corrupt("the sheet data ends early".to_string()));
        }
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(entry));
        let mut buf = Vec::new();
        let mut skip = Vec::new();
        // Find the table.
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(xml_error)? {
                Event::Start(e) if e.name().as_ref() == "table:table" => {
                    if attribute(&e, "table:name").as_deref() == Some(cursor.sheet.as_str()) {
                        break;
                    }
                    let end = e.to_end().into_owned();
                    skip.clear();
                    xml.read_to_end_into(end.name(), &mut skip)
                        .map_err(xml_error)?;
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
        let mut cell_buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(xml_error)? {
                Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                    let repeats = count(&e, "table:number-rows-repeated");
                    let runs = read_row(&mut xml, cursor, repeats, &mut cell_buf)?;
                    if cursor.stopped {
                        return Ok(());
                    }
                    // A repeated row holding values: the same cells on each
                    // of its rows (the first was visited while reading it).
                    if let Some(runs) = runs {
                        let last = cursor.row.saturating_add(repeats).min(MAX_ROWS);
                        let per_row: u64 = runs
                            .iter()
                            .map(|r| r.count.min(MAX_COLUMNS.saturating_sub(r.col)))
                            .sum();
                        let rows = last.saturating_sub(cursor.row + 1);
                        // Checked whole first: a row repeated a million times
                        // fails at once rather than after the budget is spent.
                        let before = cursor.expanded;
                        cursor.spend(per_row.saturating_mul(rows))?;
                        cursor.expanded = before;
                        for row in cursor.row + 1..last {
                            for run in &runs {
                                cursor.visit_run(row, run.col, run.count, &run.value)?;
                                if cursor.stopped {
                                    return Ok(());
                                }
                            }
                        }
                    }
                    cursor.row = cursor.row.saturating_add(repeats);
                }
                Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                    let repeats = count(&e, "table:number-rows-repeated");
                    cursor.row = cursor.row.saturating_add(repeats);
                }
                // Containers of rows: their rows are read as they come.
                Event::Start(e)
                    if matches!(
                        e.name().as_ref(),
                        "table:table-row-group" | "table:table-header-rows" | "table:table-rows"
                    ) => {}
                Event::End(e) if e.name().as_ref() == "table:table" => return Ok(()),
                Event::End(_) | Event::Empty(_) => {}
                // Column definitions, shapes, forms, …: nothing to read.
                Event::Start(e) => {
                    let end = e.to_end().into_owned();
                    skip.clear();
                    xml.read_to_end_into(end.name(), &mut skip)
                        .map_err(xml_error)?;
                }
                Event::Eof => {
                    return Err(ReadError::Corrupt(format!(
                        "the sheet '{}' ends before its last row",
                        cursor.sheet
                    )))
                }
                _ => {}
            }
            if cursor.row >= MAX_ROWS {
                return Ok(());
            }
        }
    }
}

/// Reads one `table:table-row`, visiting its filled cells for its first row.
/// When the row repeats, returns its filled cells so the caller can visit them
/// on the other rows (`None` when there is nothing to repeat).
fn read_row(
    xml: &mut XmlReader<'_>,
    cursor: &mut Cursor<'_, '_>,
    repeats: u64,
    buf: &mut Vec<u8>,
) -> Result<Option<Vec<Run>>, ReadError> {
    let row = cursor.row;
    let mut col: u64 = 0;
    let mut runs: Vec<Run> = Vec::new();
    let mut event_buf = Vec::new();
    loop {
        event_buf.clear();
        let (element, has_content) = match xml.read_event_into(&mut event_buf).map_err(xml_error)? {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) if e.name().as_ref() == "table:table-row" => break,
            Event::End(_) => continue,
            Event::Eof => {
                return Err(ReadError::Corrupt(format!(
                    "the sheet '{}' ends inside row {}",
                    cursor.sheet,
                    row + 1
                )))
            }
            _ => continue,
        };
        let name = element.name();
        if !matches!(
            name.as_ref(),
            "table:table-cell" | "table:covered-table-cell"
        ) {
            if has_content {
                buf.clear();
                xml.read_to_end_into(element.name(), buf)
                    .map_err(xml_error)?;
            }
            continue;
        }
        let (value, count, (row_span, col_span)) = read_cell(xml, &element, has_content, buf)?;
        if (row_span > 1 || col_span > 1)
            && cursor.merged.len() < MAX_MERGED_RANGES
            && row < MAX_ROWS
            && col < MAX_COLUMNS
        {
            let last_row = row.saturating_add(row_span).min(MAX_ROWS);
            let last_col = col.saturating_add(col_span - 1).min(MAX_COLUMNS - 1);
            cursor.merged.push(CellRange {
                first_row: row as u32 + 1,
                first_col: col as u32,
                last_row: last_row as u32,
                last_col: last_col as u32,
            });
        }
        if value != Data::Empty && !cursor.stopped && col < MAX_COLUMNS {
            cursor.visit_run(row, col, count, &value)?;
            if repeats > 1 && row + 1 < MAX_ROWS {
                runs.push(Run { col, count, value });
            }
        }
        col = col.saturating_add(count);
    }
    Ok((!runs.is_empty()).then_some(runs))
}

impl Workbook for OdsBook {
    fn sheet_names(&self) -> Vec<String> {
        self.sheets.clone()
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        let mut cursor = Cursor {
            visit,
            sheet: sheet.to_string(),
            row: 0,
            expanded: 0,
            merged: Vec::new(),
            stopped: false,
        };
        self.stream_sheet(&mut cursor)?;
        if !cursor.stopped {
            self.merged.insert(sheet.to_string(), cursor.merged);
        }
        Ok(())
    }

    fn custom_property(&mut self, name: &str) -> Option<String> {
        let mut xml = xml_reader(&mut self.archive, "meta.xml").ok()?;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).ok()? {
                Event::Start(e)
                    if e.name().as_ref() == "meta:user-defined"
                        && attribute(&e, "meta:name").as_deref() == Some(name) =>
                {
                    let mut text_buf = Vec::new();
                    let text = cell_text(&mut xml, &mut text_buf).ok()?;
                    return Some(text);
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    }

    fn merged_cells(&mut self, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        if !self.merged.contains_key(sheet) {
            self.for_each_cell(sheet, &mut |_, _, _| ControlFlow::Continue(()))?;
        }
        Ok(self.merged.get(sheet).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts_map_to_error_types() {
        assert_eq!(error_type("#N/A").to_string(), "#N/A");
        assert_eq!(error_type("Err:502").to_string(), "#VALUE!");
    }
}
