//! The merged ranges of an xlsx worksheet, found without parsing its cells.
//!
//! A worksheet lists its merged ranges (`<mergeCells>`) after all of its cells,
//! so asking calamine for them parses the whole sheet a second time, which costs
//! as much as reading it did. Here the sheet's part is only inflated and searched
//! for the element's bytes, and just that element is parsed; with a file handle
//! of its own this runs on another thread while the cells are read
//! ([`super::xlsx::StreamingBook`]).

use super::limits::MAX_OTHER_PART_BYTES;
use super::source::Source;
use super::{CellRange, ReadError};
use quick_xml::events::Event;
use std::io::{BufReader, Read, Seek};

const OFFICE_DOCUMENT: &str = "/relationships/officeDocument";
const READ_CHUNK: usize = 256 * 1024;
/// Bytes kept from the previous chunk, so that a start tag split between two
/// chunks is still found (its prefix, if any, included).
const CARRY: usize = 256;

/// The merged ranges of worksheet `sheet` of the xlsx `source`; none when the
/// sheet has none or cannot be found.
///
/// # Errors
/// The container or the parts leading to the sheet cannot be read.
pub(crate) fn merged_ranges(source: &Source, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
    let mut archive = zip::ZipArchive::new(BufReader::new(source.open()?))?;
    let Some(part) = sheet_part(&mut archive, sheet)? else {
        return Ok(Vec::new());
    };
    let Some(name) = entry_name(&archive, &part) else {
        return Ok(Vec::new());
    };
    let entry = archive.by_name(&name)?;
    let Some(element) = merge_cells_element(entry)? else {
        return Ok(Vec::new());
    };
    parse_merge_cells(&element)
}

/// The zip entry named `part`, matched as calamine does: exactly, else ignoring
/// case and the direction of slashes.
fn entry_name<R: Read + Seek>(archive: &zip::ZipArchive<R>, part: &str) -> Option<String> {
    let wanted = part.replace('\\', "/").to_ascii_lowercase();
    archive
        .file_names()
        .flatten()
        .find(|name| name.replace('\\', "/").to_ascii_lowercase() == wanted)
        .map(|name| name.into_owned())
}

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

/// `Id → (Target, Type)` of a relationships part.
fn relationships(xml: &[u8]) -> Result<Vec<(String, String, String)>, ReadError> {
    let mut found = Vec::new();
    for_each_element(xml, "Relationship", |attrs| {
        if let (Some(id), Some(target)) = (attrs.get("Id"), attrs.get("Target")) {
            let kind = attrs.get("Type").unwrap_or_default();
            found.push((id, target, kind));
        }
    })?;
    Ok(found)
}

/// The path of `sheet`'s part, following the package's relationships to the
/// workbook and from it to the sheet.
fn sheet_part<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    sheet: &str,
) -> Result<Option<String>, ReadError> {
    let workbook = match read_part(archive, "_rels/.rels")? {
        Some(xml) => relationships(&xml)?
            .into_iter()
            .find(|(_, _, kind)| kind.ends_with(OFFICE_DOCUMENT))
            .map(|(_, target, _)| target.trim_start_matches('/').to_string()),
        None => None,
    }
    .unwrap_or_else(|| "xl/workbook.xml".to_string());
    let (dir, file) = workbook.split_at(workbook.rfind('/').map_or(0, |i| i + 1));
    let Some(book_xml) = read_part(archive, &workbook)? else {
        return Ok(None);
    };
    let mut sheet_id = None;
    for_each_element(&book_xml, "sheet", |attrs| {
        if sheet_id.is_none() && attrs.get("name").as_deref() == Some(sheet) {
            sheet_id = attrs.get("id");
        }
    })?;
    let Some(sheet_id) = sheet_id else {
        return Ok(None);
    };
    let Some(rels_xml) = read_part(archive, &format!("{dir}_rels/{file}.rels"))? else {
        return Ok(None);
    };
    Ok(relationships(&rels_xml)?
        .into_iter()
        .find(|(id, _, _)| *id == sheet_id)
        .map(|(_, target, _)| match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{dir}{target}"),
        }))
}

/// The attributes of one element, by local name, unescaped.
struct Attributes<'e>(&'e quick_xml::events::BytesStart<'e>);

impl Attributes<'_> {
    fn get(&self, local: &str) -> Option<String> {
        self.0
            .attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == local)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
    }
}

/// Calls `found` with the attributes of every element named `local` (any
/// namespace prefix).
fn for_each_element(
    xml: &[u8],
    local: &str,
    mut found: impl FnMut(&Attributes<'_>),
) -> Result<(), ReadError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => {
                found(&Attributes(&e));
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(ReadError::Corrupt(format!(
                    "the workbook's data cannot be parsed ({e})"
                )))
            }
        }
    }
}

/// The `<mergeCells>` element of a worksheet part, from its start tag to the
/// end of the part (at most [`MAX_OTHER_PART_BYTES`] of it), or `None` when the
/// sheet has none.
fn merge_cells_element(part: impl Read) -> Result<Option<Vec<u8>>, ReadError> {
    let mut part = part;
    let mut window: Vec<u8> = Vec::with_capacity(READ_CHUNK + CARRY);
    let mut chunk = vec![0u8; READ_CHUNK];
    let finder = memchr::memmem::Finder::new(b"mergeCells");
    loop {
        let n = part.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        window.extend_from_slice(&chunk[..n]);
        if let Some(start) = finder
            .find_iter(&window)
            .find_map(|at| start_tag_at(&window, at))
        {
            let mut element = window.split_off(start);
            part.take(MAX_OTHER_PART_BYTES.saturating_sub(element.len() as u64))
                .read_to_end(&mut element)?;
            return Ok(Some(element));
        }
        let keep = window.len().saturating_sub(CARRY);
        window.drain(..keep);
    }
}

/// Where the start tag whose name ends at `name_at` begins (its `<`), when the
/// bytes there are a tag `<mergeCells` or `<prefix:mergeCells` rather than text
/// (where `<` is always escaped).
fn start_tag_at(bytes: &[u8], name_at: usize) -> Option<usize> {
    let before = name_at.checked_sub(1)?;
    match bytes[before] {
        b'<' => Some(before),
        b':' => {
            let prefix_start = bytes[..before].iter().rposition(|&b| {
                !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            })?;
            (bytes[prefix_start] == b'<' && prefix_start + 1 < before).then_some(prefix_start)
        }
        _ => None,
    }
}

fn parse_merge_cells(element: &[u8]) -> Result<Vec<CellRange>, ReadError> {
    let mut ranges = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(element);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(range) = Attributes(&e).get("ref").as_deref().and_then(parse_range) {
                    ranges.push(range);
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "mergeCells" => return Ok(ranges),
            // A `<mergeCells/>` without ranges, or the end of what was read.
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "mergeCells" => return Ok(ranges),
            Ok(Event::Eof) => return Ok(ranges),
            Ok(_) => {}
            // What comes after the ranges does not matter; the ranges found do.
            Err(_) => return Ok(ranges),
        }
    }
}

/// `B3:D4` (or a single `B3`) as a [`CellRange`].
fn parse_range(text: &str) -> Option<CellRange> {
    let (first, last) = text.split_once(':').unwrap_or((text, text));
    let (first_row, first_col) = parse_cell(first)?;
    let (last_row, last_col) = parse_cell(last)?;
    Some(CellRange {
        first_row,
        first_col,
        last_row,
        last_col,
    })
}

/// `B3` → (row 3, column 1); `$B$3` too.
fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = letters.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_alphabetic()
            .then(|| n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1))
    })?;
    let row: u32 = digits.parse().ok()?;
    (row >= 1 && col >= 1).then(|| (row, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_ranges_are_parsed() {
        assert_eq!(parse_cell("A1"), Some((1, 0)));
        assert_eq!(parse_cell("$XFD$1048576"), Some((1_048_576, 16_383)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("1A"), None);
        assert_eq!(parse_cell("ABCD1"), None);
        let range = parse_range("B3:D4").unwrap();
        assert_eq!(range.a1(), "B3:D4");
        assert_eq!(parse_range("C7").unwrap().first_cell(), "C7");
    }

    fn found_in(xml: &str, chunk: usize) -> Vec<String> {
        // A reader handing out a few bytes at a time puts tags across chunks.
        struct Trickle<'b>(&'b [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let element = merge_cells_element(Trickle(xml.as_bytes(), chunk)).unwrap();
        element
            .map(|e| parse_merge_cells(&e).unwrap())
            .unwrap_or_default()
            .iter()
            .map(CellRange::a1)
            .collect()
    }

    #[test]
    fn the_element_is_found_after_the_cells_however_the_bytes_arrive() {
        let cells = "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>&lt;mergeCells x:mergeCells</t></is></c></row>"
            .repeat(50);
        let xml = format!(
            "<worksheet><sheetData>{cells}</sheetData><mergeCells count=\"2\"><mergeCell ref=\"A3:A4\"/><mergeCell ref=\"B5:C5\"/></mergeCells><pageMargins/></worksheet>"
        );
        for chunk in [1, 7, 100, READ_CHUNK] {
            assert_eq!(found_in(&xml, chunk), ["A3:A4", "B5:C5"], "chunk {chunk}");
        }
        let prefixed = xml
            .replace("<mergeCells", "<x:mergeCells")
            .replace("</mergeCells", "</x:mergeCells")
            .replace("<mergeCell ", "<x:mergeCell ");
        assert_eq!(found_in(&prefixed, 13), ["A3:A4", "B5:C5"]);
    }

    #[test]
    fn a_sheet_without_merges_has_none() {
        let xml = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet>";
        assert!(found_in(xml, 5).is_empty());
        assert!(found_in("<worksheet><mergeCells/></worksheet>", 64).is_empty());
    }
}
