//! Bounds on what a file can make crmsheet do, checked before any library
//! allocates by what the file claims.
//!
//! Staff send back whatever their program saved, and sometimes something worse:
//! a half-downloaded attachment, a zip bomb, a sheet claiming every cell of
//! Excel's grid. calamine trusts a file's declared sizes in places (it reserves
//! room for a declared number of texts, loads the shared-string table whole,
//! builds whole xls sheets), so the declared sizes are checked here first, and
//! the message says which limit was hit.
//!
//! Every limit leaves a wide margin above the biggest genuine register: an
//! Excel sheet of 1,048,575 rows × 15 columns holds about 500 MiB of sheet XML
//! (compressed about 8:1) and about 100 MiB of shared strings.

use super::ReadError;
use quick_xml::events::Event;
use std::io::{BufReader, Read, Seek};

pub(crate) const MIB: u64 = 1024 * 1024;
pub(crate) const GIB: u64 = 1024 * MIB;

/// Largest worksheet part (xlsx/xlsb sheet) once inflated:
/// four times the biggest genuine register. Sheets are streamed, so this bounds
/// time rather than memory.
pub(crate) const MAX_SHEET_PART_BYTES: u64 = 2 * GIB;

/// Largest ods `content.xml` once inflated. It holds every sheet, in XML about
/// four times as verbose as xlsx: a full register would be about 2 GiB. It is
/// streamed, so this bounds time rather than memory.
pub(crate) const MAX_ODS_CONTENT_BYTES: u64 = 4 * GIB;

/// Largest shared-string table once inflated. The reader (crmsheet's for xlsx,
/// calamine's for xlsb) holds it whole in memory; the biggest genuine register
/// needs about 100 MiB.
pub(crate) const MAX_SHARED_STRINGS_BYTES: u64 = 512 * MIB;

/// Largest other part a library reads whole (workbook, styles, relationships,
/// properties, manifest). Even a workbook of thousands of sheets and styles
/// stays below a few MiB.
pub(crate) const MAX_OTHER_PART_BYTES: u64 = 64 * MIB;

/// A part inflating to more than [`ZIP_BOMB_MIN_BYTES`] at a ratio above this is
/// a zip bomb: genuine sheet XML compresses 5–20:1 (a sheet of empty formatted
/// rows perhaps 100:1), while a bomb runs to thousands.
pub(crate) const ZIP_BOMB_RATIO: u64 = 200;

/// Below this inflated size a high ratio is harmless (a small part of repeated
/// bytes), so only larger parts are held to [`ZIP_BOMB_RATIO`].
pub(crate) const ZIP_BOMB_MIN_BYTES: u64 = 64 * MIB;

/// Most parts a zip container may hold: a workbook of [`MAX_SHEETS`] sheets
/// needs about two per sheet.
pub(crate) const MAX_ZIP_ENTRIES: usize = 100_000;

/// Most sheets a workbook may have. A register has five; thousands still read
/// in seconds.
pub(crate) const MAX_SHEETS: usize = 10_000;

/// Most distinct texts an xlsx may declare, and hold. calamine reserved room
/// for the declared number before reading any, so a forged count could
/// exhaust memory; a full customer register (1,048,575 rows × 15 columns)
/// stays well below.
pub(crate) const MAX_SHARED_STRINGS: u64 = 50_000_000;

/// `6.0 GiB`, `512 MiB`, `1.5 KiB`, `20 bytes`: a size as a person reads it.
pub(crate) fn human_size(bytes: u64) -> String {
    let units = [(GIB, "GiB"), (MIB, "MiB"), (1024, "KiB")];
    for (unit, name) in units {
        if bytes >= unit {
            let value = bytes as f64 / unit as f64;
            return if value >= 100.0 || bytes.is_multiple_of(unit) {
                format!("{value:.0} {name}")
            } else {
                format!("{value:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// `1,048,576`: a count as a person reads it.
pub(crate) fn human_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a part of a zip container is, for its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Sheet,
    OdsContent,
    SharedStrings,
    Other,
    /// Images, macros, embedded objects: never read.
    Unread,
}

fn part_kind(name: &str) -> PartKind {
    let lower = name.to_ascii_lowercase();
    let read_whole = lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".bin");
    if !read_whole
        || lower.ends_with("vbaproject.bin")
        || lower.contains("media/")
        || lower.contains("embeddings/")
        || lower.contains("pictures/")
        || lower.contains("thumbnail")
    {
        PartKind::Unread
    } else if lower == "content.xml" {
        PartKind::OdsContent
    } else if lower.contains("worksheets/") {
        PartKind::Sheet
    } else if lower.ends_with("sharedstrings.xml") || lower.ends_with("sharedstrings.bin") {
        PartKind::SharedStrings
    } else {
        PartKind::Other
    }
}

/// Checks the declared sizes of every part a library may read: how many parts
/// there are, how large each inflates, and at what compression ratio.
///
/// The zip reader stops at a part's declared size, so a part cannot inflate to
/// more than is checked here.
///
/// # Errors
/// `TooLarge` naming the part and the limit, or `Corrupt` when the container's
/// directory cannot be read.
pub(crate) fn check_zip<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), ReadError> {
    let entries = archive.len();
    if entries > MAX_ZIP_ENTRIES {
        return Err(ReadError::TooLarge(format!(
            "its zip container holds {} parts (at most {} are read)",
            human_count(entries as u64),
            human_count(MAX_ZIP_ENTRIES as u64)
        )));
    }
    for index in 0..entries {
        let Ok(entry) = archive.by_index_raw(index) else {
            // A part that cannot even be located fails later, as damage.
            continue;
        };
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{index}"));
        let inflated = entry.size();
        let compressed = entry.compressed_size();
        let (limit, what) = match part_kind(&name) {
            PartKind::Unread => continue,
            PartKind::Sheet => (MAX_SHEET_PART_BYTES, "sheet"),
            PartKind::OdsContent => (MAX_ODS_CONTENT_BYTES, "sheets part"),
            PartKind::SharedStrings => (MAX_SHARED_STRINGS_BYTES, "table of texts"),
            PartKind::Other => (MAX_OTHER_PART_BYTES, "part"),
        };
        if inflated > ZIP_BOMB_MIN_BYTES && inflated / compressed.max(1) > ZIP_BOMB_RATIO {
            return Err(ReadError::TooLarge(format!(
                "the {what} {name} would inflate from {} to {}, {}:1 — a zip bomb, not a workbook \
                 (limit {ZIP_BOMB_RATIO}:1 for parts above {})",
                human_size(compressed),
                human_size(inflated),
                human_count(inflated / compressed.max(1)),
                human_size(ZIP_BOMB_MIN_BYTES)
            )));
        }
        if inflated > limit {
            return Err(ReadError::TooLarge(format!(
                "the {what} {name} would inflate to {} (limit {})",
                human_size(inflated),
                human_size(limit)
            )));
        }
    }
    Ok(())
}

/// Checks that no record of an xlsb's binary parts claims more bytes than its
/// part still holds. calamine makes room for a record's claimed length (up to
/// 256 MiB) before reading it, so a few forged bytes could otherwise cost that
/// much memory; after this check a record never claims more than is there.
/// A part that cannot be inflated is left to calamine, which reports it.
///
/// # Errors
/// `Corrupt`, naming the part and what the record claims.
pub(crate) fn check_xlsb_records<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), ReadError> {
    let parts: Vec<String> = archive
        .file_names()
        .flatten()
        .filter(|name| {
            name.to_ascii_lowercase().ends_with(".bin") && part_kind(name) != PartKind::Unread
        })
        .map(|name| name.into_owned())
        .collect();
    for name in parts {
        let Ok(part) = archive.by_name(&name) else {
            continue;
        };
        if let Some((claimed, left)) = first_overlong_record(BufReader::new(part)) {
            return Err(ReadError::Corrupt(format!(
                "a record in its part {name} claims {}, but only {} follow",
                human_size(claimed),
                human_size(left)
            )));
        }
    }
    Ok(())
}

/// Walks the BIFF12 records of a part (type: one or two bytes; length: one to
/// four bytes of 7 bits, as calamine reads them): the first record whose
/// length runs past the end of the part, as (claimed, bytes left).
fn first_overlong_record(mut part: impl Read) -> Option<(u64, u64)> {
    loop {
        // The end of the part, or a header cut short (which allocates nothing).
        let typ = read_byte(&mut part)?;
        if typ & 0x80 != 0 {
            read_byte(&mut part)?;
        }
        let mut claimed = 0u64;
        for i in 0..4 {
            let b = read_byte(&mut part)?;
            claimed |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        let left = std::io::copy(&mut (&mut part).take(claimed), &mut std::io::sink()).ok()?;
        if left < claimed {
            return Some((claimed, left));
        }
    }
}

fn read_byte(part: &mut impl Read) -> Option<u8> {
    let mut b = [0u8];
    part.read_exact(&mut b).ok().map(|()| b[0])
}

/// Refuses a shared-string table that declares more texts than it can hold or
/// than is safe to make room for (see [`MAX_SHARED_STRINGS`]).
///
/// The count is the `uniqueCount` of the `<sst>` element, found the way calamine
/// finds it (the first `sst` element, whatever comes before it).
///
/// # Errors
/// `TooLarge` or `Corrupt`, saying what the table declares.
pub(crate) fn check_shared_strings<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), ReadError> {
    let Some(name) = archive
        .file_names()
        .flatten()
        .find(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        .map(|name| name.into_owned())
    else {
        return Ok(());
    };
    let Ok(part) = archive.by_name(&name) else {
        return Ok(());
    };
    let part_size = part.size();
    let Some(declared) = declared_unique_count(part) else {
        return Ok(());
    };
    if declared > MAX_SHARED_STRINGS {
        return Err(ReadError::TooLarge(format!(
            "its table of texts declares {} different texts (at most {} are read)",
            human_count(declared),
            human_count(MAX_SHARED_STRINGS)
        )));
    }
    // Even an empty text takes `<si/>`, five bytes.
    if declared > part_size / 5 + 16 {
        return Err(ReadError::Corrupt(format!(
            "its table of texts declares {} entries but is only {} long",
            human_count(declared),
            human_size(part_size)
        )));
    }
    Ok(())
}

/// The `uniqueCount` of the first `sst` element, as calamine parses it (digits
/// only, leading zeros skipped); `None` when there is none or it is not a
/// number (calamine then reserves nothing). A count too long for `u64` is
/// `u64::MAX`.
fn declared_unique_count(part: impl Read) -> Option<u64> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let value = e.try_get_attribute("uniqueCount").ok()??.value;
                let digits = value.trim_start_matches('0');
                if !value.bytes().all(|b| b.is_ascii_digit()) || value.is_empty() {
                    return None;
                }
                return Some(digits.parse::<u64>().unwrap_or(if digits.is_empty() {
                    0
                } else {
                    u64::MAX
                }));
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(6 * GIB), "6 GiB");
        assert_eq!(human_size(512 * MIB), "512 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(20), "20 bytes");
        assert_eq!(human_count(1_048_576), "1,048,576");
        assert_eq!(human_count(999), "999");
        assert_eq!(human_count(1000), "1,000");
    }

    #[test]
    fn parts_are_told_apart() {
        assert_eq!(part_kind("xl/worksheets/sheet1.xml"), PartKind::Sheet);
        assert_eq!(part_kind("content.xml"), PartKind::OdsContent);
        assert_eq!(part_kind("xl/sharedStrings.xml"), PartKind::SharedStrings);
        assert_eq!(part_kind("xl/styles.xml"), PartKind::Other);
        assert_eq!(part_kind("xl/media/image1.png"), PartKind::Unread);
        assert_eq!(part_kind("xl/vbaProject.bin"), PartKind::Unread);
    }

    #[test]
    fn unique_count_is_found_after_anything() {
        let padded = format!(
            "<?xml?><!--{}--><sst uniqueCount=\"0007\">",
            "x".repeat(10_000)
        );
        assert_eq!(declared_unique_count(padded.as_bytes()), Some(7));
        let huge = "<sst uniqueCount=\"99999999999999999999999\"/>";
        assert_eq!(declared_unique_count(huge.as_bytes()), Some(u64::MAX));
        assert_eq!(
            declared_unique_count(&b"<sst uniqueCount=\"+5\">"[..]),
            None
        );
        assert_eq!(declared_unique_count(&b"<sst count=\"5\">"[..]), None);
    }
}
