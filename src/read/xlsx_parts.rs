//! The parts of an xlsx (or xlsm) package besides its sheets: where each sheet
//! is, the shared-string table, which cell styles show dates, and the custom
//! properties.
//!
//! These are read the way calamine reads them (its behaviour is the reference
//! the tests compare against), so that a workbook means the same to crmsheet
//! whichever reads it. The small parts are parsed with quick-xml; the
//! shared-string table, as large as a tenth of the sheets, with
//! [`super::xml_scan`].

use super::limits::{MAX_OTHER_PART_BYTES, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES};
use super::xml_scan::{decode_text, unescape_excel, Kind, Scanner};
use super::ReadError;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Read, Seek};

const OFFICE_DOCUMENT: &str = "/relationships/officeDocument";

/// How a cell style shows a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberShown {
    Number,
    /// A date or a time of day.
    DateTime,
    /// Elapsed time (`[h]:mm`).
    Duration,
}

/// The shared-string table: every text in one buffer, so that a million texts
/// cost no allocation each.
#[derive(Debug, Default)]
pub(crate) struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    /// The text at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        self.text.get(start..end)
    }

    fn push_end(&mut self) -> Result<(), ReadError> {
        if self.ends.len() as u64 >= MAX_SHARED_STRINGS {
            return Err(ReadError::TooLarge(format!(
                "its table of texts holds more than {} texts",
                super::limits::human_count(MAX_SHARED_STRINGS)
            )));
        }
        let end = u32::try_from(self.text.len()).map_err(|_| {
            ReadError::TooLarge("its table of texts holds more than 4 GiB of text".to_string())
        })?;
        self.ends.push(end);
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// A worksheet of the package.
#[derive(Debug, Clone)]
pub(crate) struct SheetEntry {
    pub(crate) name: String,
    /// Its part's name in the zip.
    pub(crate) part: String,
}

/// What a package says about its workbook, read when it is opened.
#[derive(Debug, Default)]
pub(crate) struct Package {
    /// Worksheets (not chart or dialog sheets), in workbook order.
    pub(crate) sheets: Vec<SheetEntry>,
    pub(crate) strings: SharedStrings,
    /// Per cell style (`s="…"` of a cell), how it shows a number.
    pub(crate) styles: Vec<NumberShown>,
    /// Dates count from 1904 (old Mac workbooks).
    pub(crate) is_1904: bool,
}

impl Package {
    /// Reads the workbook, its relationships, styles and shared strings.
    ///
    /// # Errors
    /// A part is missing or cannot be parsed where calamine would also refuse
    /// the file (no workbook relationships, a sheet without its relationship),
    /// or the table of texts is past its bounds.
    pub(crate) fn read<R: Read + Seek>(
        archive: &mut zip::ZipArchive<R>,
    ) -> Result<Package, ReadError> {
        let Some(rels) = read_part(archive, "_rels/.rels")? else {
            return Err(missing("_rels/.rels"));
        };
        let Some(workbook) = relationships(&rels)?
            .into_iter()
            .find(|r| r.kind.ends_with(OFFICE_DOCUMENT))
            .map(|r| r.target)
        else {
            return Err(ReadError::Corrupt(
                "the package does not say where its workbook is".to_string(),
            ));
        };
        let (dir, file) = workbook.split_at(workbook.rfind('/').map_or(0, |i| i + 1));
        let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let file = if file.is_empty() {
            "workbook.xml"
        } else {
            file
        };
        let mut package = Package::default();
        if let Some(name) = entry_name(archive, &format!("{dir}sharedStrings.xml")) {
            let part = archive.by_name(&name)?;
            package.strings = read_shared_strings(part)?;
        }
        if let Some(xml) = read_part(archive, &format!("{dir}styles.xml"))? {
            package.styles = read_styles(&xml)?;
        }
        let rels_name = format!("{dir}_rels/{file}.rels");
        let Some(rels) = read_part(archive, &rels_name)? else {
            return Err(missing(&rels_name));
        };
        let rels = relationships(&rels)?;
        if let Some(xml) = read_part(archive, &format!("{dir}{file}"))? {
            package.read_workbook(&xml, &rels, &dir)?;
        }
        Ok(package)
    }

    fn read_workbook(
        &mut self,
        xml: &[u8],
        rels: &[Relationship],
        dir: &str,
    ) -> Result<(), ReadError> {
        let mut failed = None;
        for_each_element(xml, &["sheet", "workbookPr"], |local, attrs| {
            if failed.is_some() {
                return;
            }
            if local == "workbookPr" {
                if let Some(v) = attrs.raw("date1904") {
                    self.is_1904 = v == "1" || v == "true";
                }
                return;
            }
            let name = attrs.get("name").unwrap_or_default();
            let id = attrs.get_local("id").unwrap_or_default();
            let Some(rel) = rels.iter().find(|r| r.id == id) else {
                failed = Some(ReadError::Corrupt(format!(
                    "the workbook's sheet \"{name}\" has no relationship to its part"
                )));
                return;
            };
            // Chart and dialog sheets hold no cells to check.
            if rel.kind.rsplit('/').next() == Some("worksheet") {
                let part = match rel.target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("{dir}{}", rel.target),
                };
                self.sheets.push(SheetEntry { name, part });
            }
        })?;
        failed.map_or(Ok(()), Err)
    }
}

fn missing(part: &str) -> ReadError {
    ReadError::Corrupt(format!("the package has no {part}"))
}

/// The zip entry named `part`, matched as calamine does: exactly, else ignoring
/// case and the direction of slashes.
pub(crate) fn entry_name<R: Read + Seek>(
    archive: &zip::ZipArchive<R>,
    part: &str,
) -> Option<String> {
    if archive.index_for_name(part).is_some() {
        return Some(part.to_string());
    }
    let wanted = part.replace('\\', "/").to_ascii_lowercase();
    archive
        .file_names()
        .flatten()
        .find(|name| name.replace('\\', "/").to_ascii_lowercase() == wanted)
        .map(|name| name.into_owned())
}

/// A small part, whole (at most [`MAX_OTHER_PART_BYTES`] of it).
fn read_part<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    part: &str,
) -> Result<Option<Vec<u8>>, ReadError> {
    let Some(name) = entry_name(archive, part) else {
        return Ok(None);
    };
    let entry = archive.by_name(&name)?;
    let mut bytes = Vec::new();
    entry.take(MAX_OTHER_PART_BYTES).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

struct Relationship {
    id: String,
    target: String,
    kind: String,
}

fn relationships(xml: &[u8]) -> Result<Vec<Relationship>, ReadError> {
    let mut found = Vec::new();
    for_each_element(xml, &["Relationship"], |_, attrs| {
        if let Some(id) = attrs.get("Id") {
            found.push(Relationship {
                id,
                target: attrs.get("Target").unwrap_or_default(),
                kind: attrs.get("Type").unwrap_or_default(),
            });
        }
    })?;
    Ok(found)
}

/// The attributes of one element.
struct Attributes<'e>(&'e BytesStart<'e>);

impl Attributes<'_> {
    /// The attribute named exactly `key`, unescaped.
    fn get(&self, key: &str) -> Option<String> {
        self.find(|k| k == key.as_bytes())
    }

    /// The attribute whose name without prefix is `local` (`r:id`), unescaped.
    fn get_local(&self, local: &str) -> Option<String> {
        self.find(|k| super::xml_scan::local_name(k) == local.as_bytes())
    }

    /// The attribute named exactly `key`, as written.
    fn raw(&self, key: &str) -> Option<String> {
        self.0
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(|a| a.value.into_owned())
    }

    fn find(&self, matches: impl Fn(&[u8]) -> bool) -> Option<String> {
        self.0
            .attributes()
            .flatten()
            .find(|a| matches(a.key.as_ref().as_bytes()))
            .and_then(|a| decode_text(a.value.as_bytes()).ok().map(|v| v.into_owned()))
    }
}

/// Calls `found` with the local name and attributes of every element named
/// (without prefix) one of `locals`.
fn for_each_element(
    xml: &[u8],
    locals: &[&str],
    mut found: impl FnMut(&str, &Attributes<'_>),
) -> Result<(), ReadError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.local_name();
                if let Some(local) = locals.iter().find(|l| **l == name.as_ref()) {
                    found(local, &Attributes(&e));
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(unparsable(&e)),
        }
    }
}

fn unparsable(error: &impl std::fmt::Display) -> ReadError {
    ReadError::Corrupt(format!("the workbook's data cannot be parsed ({error})"))
}

/// The shared-string table, as calamine reads it: an `<si>`'s text is its
/// `<t>` elements' texts joined (runs of rich text included, phonetic
/// readings left out), trimmed of ASCII white space unless
/// `xml:space="preserve"`, with Excel's `_xHHHH_` escapes replaced.
fn read_shared_strings(part: impl Read) -> Result<SharedStrings, ReadError> {
    let mut xml = Scanner::new(part, MAX_SHARED_STRINGS_BYTES, "its table of texts");
    let mut strings = SharedStrings::default();
    loop {
        let Some(tag) = xml.next()? else {
            return Err(ends_early());
        };
        if xml.local(&tag) == b"sst" {
            match tag.kind {
                Kind::Start => break,
                Kind::Empty => return Ok(strings),
                _ => {}
            }
        }
    }
    let mut scratch = String::new();
    loop {
        let Some(tag) = xml.next()? else {
            return Err(ends_early());
        };
        match (tag.kind, xml.local(&tag)) {
            (Kind::Start, b"si") => {
                read_rich_text(&mut xml, b"si", &mut strings.text, &mut scratch)?;
                strings.push_end()?;
            }
            (Kind::Empty, b"si") => strings.push_end()?,
            (Kind::End, b"sst") => return Ok(strings),
            _ => {}
        }
    }
}

fn ends_early() -> ReadError {
    ReadError::Corrupt("its table of texts ends early".to_string())
}

/// The text of an `<si>` (or a cell's `<is>`) whose start tag was just read,
/// up to its end tag (`closing`, without prefix), appended to `out`.
/// `scratch` is a buffer to reuse.
///
/// # Errors
/// The part ends first, or a text cannot be decoded.
pub(crate) fn read_rich_text<R: Read>(
    xml: &mut Scanner<R>,
    closing: &[u8],
    out: &mut String,
    scratch: &mut String,
) -> Result<(), ReadError> {
    let mut phonetic = false;
    loop {
        let Some(tag) = xml.next()? else {
            return Err(text_ends_early());
        };
        let local = xml.local(&tag);
        match tag.kind {
            Kind::End if local == closing => return Ok(()),
            Kind::Start if local == b"rPh" => phonetic = true,
            Kind::End if local == b"rPh" => phonetic = false,
            Kind::Start if local == b"t" && !phonetic => {
                let preserve = xml.attr(&tag, b"xml:space") == Some(b"preserve");
                scratch.clear();
                loop {
                    let Some(inner) = xml.next()? else {
                        return Err(text_ends_early());
                    };
                    scratch.push_str(&decode_text(xml.text(&inner))?);
                    match inner.kind {
                        Kind::End if xml.local(&inner) == b"t" => break,
                        Kind::CData => {
                            let raw = std::str::from_utf8(xml.cdata(&inner)).map_err(|_| {
                                ReadError::Corrupt(
                                    "a text in the workbook is not UTF-8".to_string(),
                                )
                            })?;
                            scratch.push_str(&raw.replace("\r\n", "\n").replace('\r', "\n"));
                        }
                        _ => {}
                    }
                }
                let text = if preserve {
                    scratch.as_str()
                } else {
                    scratch.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.push_str(&unescape_excel(text));
            }
            _ => {}
        }
    }
}

fn text_ends_early() -> ReadError {
    ReadError::Corrupt("a text of the workbook ends early".to_string())
}

/// Per cell style of `cellXfs`, how it shows a number: by its custom format's
/// code, else by the built-in format's number.
fn read_styles(xml: &[u8]) -> Result<Vec<NumberShown>, ReadError> {
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut styles = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut in_cell_styles = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "numFmt" => {
                    let attrs = Attributes(&e);
                    if let (Some(id), Some(code)) = (attrs.raw("numFmtId"), attrs.get("formatCode"))
                    {
                        custom.insert(id, code);
                    }
                }
                "cellXfs" => in_cell_styles = true,
                "xf" if in_cell_styles => {
                    styles.push(match Attributes(&e).raw("numFmtId") {
                        None => NumberShown::Number,
                        Some(id) => match custom.get(&id) {
                            Some(code) => shown_by_code(code),
                            None => shown_by_builtin(&id),
                        },
                    });
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "cellXfs" => in_cell_styles = false,
            Ok(Event::Eof) => return Ok(styles),
            Ok(_) => {}
            Err(e) => return Err(unparsable(&e)),
        }
    }
}

/// How a custom number format shows a number: a date or time when its first
/// section has a date or time letter outside quotes, escapes and brackets
/// (calamine's `detect_custom_number_format`, MIT).
fn shown_by_code(format: &str) -> NumberShown {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberShown::Number,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return NumberShown::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberShown::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberShown::DateTime
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberShown::Number
}

/// How a built-in number format shows a number (ECMA-376 18.8.30; the East
/// Asian formats 27–36 and 50–58 are dates and times).
fn shown_by_builtin(id: &str) -> NumberShown {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" | "27"
        | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52"
        | "53" | "54" | "55" | "56" | "57" | "58" => NumberShown::DateTime,
        "46" => NumberShown::Duration,
        _ => NumberShown::Number,
    }
}

/// The custom document property `name` (`docProps/custom.xml`), as text.
pub(crate) fn custom_property<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Option<String> {
    let xml = read_part(archive, "docProps/custom.xml").ok()??;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut current: Option<String> = None;
    let mut in_value = false;
    let mut value = String::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "property" => {
                current = Attributes(&e).get("name");
                value.clear();
            }
            // The value is the text of the `vt:*` element inside `<property>`.
            Event::Start(_) => in_value = current.is_some(),
            Event::Text(t) if in_value => value.push_str(&decode_text(t.as_ref().as_bytes()).ok()?),
            Event::GeneralRef(r) if in_value => {
                value.push_str(&decode_text(format!("&{};", r.as_ref() as &str).as_bytes()).ok()?);
            }
            Event::End(e) => {
                in_value = false;
                if e.local_name().as_ref() == "property" && current.take().as_deref() == Some(name)
                {
                    return Some(value);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(xml: &str) -> Vec<String> {
        let table = read_shared_strings(xml.as_bytes()).unwrap();
        (0..table.len())
            .map(|i| table.get(i).unwrap().to_string())
            .collect()
    }

    #[test]
    fn shared_strings_are_read_as_calamine_reads_them() {
        let xml = concat!(
            "<?xml version=\"1.0\"?><sst xmlns=\"x\" uniqueCount=\"6\">",
            "<si><t>  trimmed\r\n</t></si>",
            "<si><t xml:space=\"preserve\">  kept </t></si>",
            "<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space=\"preserve\">text</t></r>",
            "<rPh><t>ふりがな</t></rPh></si>",
            "<si/><si></si>",
            "<si><t>a &amp; b_x000D_&#20013;<![CDATA[<c>]]></t></si>",
            "</sst>"
        );
        assert_eq!(
            strings(xml),
            ["trimmed", "  kept ", "richtext", "", "", "a & b\r中<c>"]
        );
        assert!(strings("<sst/>").is_empty());
        assert!(read_shared_strings(&b"<sst><si><t>open"[..]).is_err());
    }

    #[test]
    fn number_formats_are_told_apart_as_calamine_tells_them() {
        assert_eq!(
            shown_by_code("yyyy\"年\"m\"月\"d\"日\""),
            NumberShown::DateTime
        );
        assert_eq!(shown_by_code("DD/MM/YY"), NumberShown::DateTime);
        assert_eq!(shown_by_code("[h]:mm:ss"), NumberShown::Duration);
        assert_eq!(
            shown_by_code("#,##0.00;[Red]-#,##0.00"),
            NumberShown::Number
        );
        assert_eq!(shown_by_code("\"days\" 0"), NumberShown::Number);
        assert_eq!(shown_by_builtin("14"), NumberShown::DateTime);
        assert_eq!(shown_by_builtin("0"), NumberShown::Number);
        let styles = read_styles(
            br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>
            <cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"></xf><xf/></cellXfs></styleSheet>"#,
        )
        .unwrap();
        assert_eq!(
            styles,
            [
                NumberShown::Number,
                NumberShown::DateTime,
                NumberShown::DateTime,
                NumberShown::Number
            ]
        );
    }
}
