//! What kind of file this is, decided by its content rather than its name.
//!
//! Staff rename files, e-mail clients strip extensions, and "export to Excel"
//! buttons write CSV under an `.xls` name. So the first bytes decide: a zip
//! container (xlsx, xlsm, xlsb, ods, told apart by the parts inside), an OLE
//! compound file (xls, or an encrypted OOXML workbook), or plain text (CSV).

use super::source::Source;
use super::{limits, Format, ReadError};
use std::io::{BufReader, ErrorKind, Read};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// An empty zip archive starts with its end-of-central-directory record.
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// How much of a file the text check looks at.
const TEXT_SNIFF_BYTES: usize = 8192;

/// The format of `source`.
///
/// # Errors
/// `NotFound`, `Io` (a folder, no permission), `Corrupt` (an empty file, a zip
/// container cut short), `Encrypted` (a password-protected OOXML workbook) or
/// `NotSpreadsheet`.
pub(crate) fn detect(source: &Source) -> Result<Format, ReadError> {
    let mut file = source.open()?;
    let mut head = Vec::with_capacity(TEXT_SNIFF_BYTES);
    (&mut file)
        .take(TEXT_SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    if head.is_empty() {
        return Err(ReadError::Empty);
    }
    let extension = source.extension();
    if head.starts_with(ZIP_MAGIC) || head.starts_with(ZIP_EMPTY_MAGIC) {
        return zip_format(source, &extension);
    }
    if head.starts_with(CFB_MAGIC) {
        return match compound_content(source)? {
            CompoundContent::Workbook => Ok(Format::Xls),
            CompoundContent::EncryptedPackage => Err(ReadError::Encrypted),
            CompoundContent::Other => Err(ReadError::NotSpreadsheet),
        };
    }
    // A CSV export may carry any name ("export.xls"), but a web page saved
    // under a spreadsheet name is not one; whatever the name, binary data is
    // not a CSV.
    let named_as_text = matches!(extension.as_str(), "csv" | "txt" | "tsv");
    if looks_like_text(&head) && (named_as_text || !looks_like_markup(&head)) {
        return Ok(Format::Csv);
    }
    Err(ReadError::NotSpreadsheet)
}

/// Tells the zip-based formats apart by the parts they hold.
fn zip_format(source: &Source, extension: &str) -> Result<Format, ReadError> {
    let file = source.open()?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| match e {
        zip::result::ZipError::Io(io) if io.kind() != ErrorKind::UnexpectedEof => io.into(),
        _ => ReadError::Corrupt(
            "the file is cut short or damaged (its zip container cannot be opened)".to_string(),
        ),
    })?;
    let mut has_workbook_xml = false;
    let mut has_workbook_bin = false;
    let mut has_macros = false;
    let mut has_mimetype = false;
    for name in archive.file_names().flatten() {
        let lower = name.to_ascii_lowercase();
        // Some writers put the workbook part elsewhere than `xl/`; the relationship
        // file names it, but the file name itself is always `workbook.*`.
        if lower == "xl/workbook.xml" || lower.ends_with("/workbook.xml") {
            has_workbook_xml = true;
        } else if lower == "xl/workbook.bin" || lower.ends_with("/workbook.bin") {
            has_workbook_bin = true;
        } else if lower.ends_with("vbaproject.bin") {
            has_macros = true;
        } else if lower == "mimetype" {
            has_mimetype = true;
        }
    }
    if has_workbook_bin {
        limits::check_zip(&mut archive)?;
        limits::check_xlsb_records(&mut archive)?;
        return Ok(Format::Xlsb);
    }
    if has_workbook_xml {
        limits::check_zip(&mut archive)?;
        limits::check_shared_strings(&mut archive)?;
        return Ok(if has_macros || extension == "xlsm" {
            Format::Xlsm
        } else {
            Format::Xlsx
        });
    }
    if has_mimetype {
        let mut mimetype = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            // The part is one short line; read no more than that whatever it claims.
            let _ = entry.take(200).read_to_string(&mut mimetype);
        }
        if mimetype.trim() == ODS_MIMETYPE {
            limits::check_zip(&mut archive)?;
            return Ok(Format::Ods);
        }
    }
    Err(ReadError::NotSpreadsheet)
}

/// What an OLE compound file holds, by the names of its streams.
enum CompoundContent {
    /// A `Workbook` (BIFF8) or `Book` (BIFF5) stream: an xls workbook.
    Workbook,
    /// `EncryptionInfo` / `EncryptedPackage`: an encrypted OOXML workbook.
    EncryptedPackage,
    /// Something else (a Word or PowerPoint 97 file, an Outlook message, …).
    Other,
}

/// Tells an xls workbook from an encrypted OOXML package (and from other OLE
/// files) by the names of its streams.
///
/// Office encrypts an xlsx by wrapping it in a compound file with the streams
/// `EncryptionInfo` and `EncryptedPackage`. Directory entries are 128-byte
/// records aligned to 128 bytes (sectors are 512 or 4096 bytes, after a 512-byte
/// header), each starting with its UTF-16LE name, with the name's byte length
/// (terminator included) at offset 64 and the entry type at offset 66. Scanning
/// the records in order finds them without following the sector chains, so a
/// damaged chain cannot send the scan anywhere, and memory stays at one record.
fn compound_content(source: &Source) -> Result<CompoundContent, ReadError> {
    const STREAM: u8 = 2;
    let length = source.len().unwrap_or(0);
    let mut reader = BufReader::with_capacity(64 * 1024, source.open()?);
    let mut record = [0u8; 128];
    // Where the header says the directory's first sector ends.
    let mut directory_end = None;
    loop {
        match reader.read_exact(&mut record) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                // A half-downloaded file ends before its directory: damaged,
                // not some other kind of file.
                if directory_end.is_some_and(|end| length < end) {
                    return Err(ReadError::Corrupt(
                        "the file is cut short (it ends before the directory of its parts)"
                            .to_string(),
                    ));
                }
                return Ok(CompoundContent::Other);
            }
            Err(e) => return Err(ReadError::from(e)),
        }
        if directory_end.is_none() {
            let shift = u16::from_le_bytes([record[30], record[31]]).clamp(7, 16);
            let sector = 1u64 << shift;
            let first = u64::from(u32::from_le_bytes([
                record[48], record[49], record[50], record[51],
            ]));
            // Sector n starts at (n + 1) × sector size, after the header.
            directory_end = Some(first.saturating_add(2).saturating_mul(sector));
        }
        let name_len = usize::from(u16::from_le_bytes([record[64], record[65]]));
        if record[66] != STREAM || !(4..=64).contains(&name_len) || name_len % 2 != 0 {
            continue;
        }
        let units: Vec<u16> = record[..name_len - 2]
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        let name = String::from_utf16_lossy(&units);
        if name.eq_ignore_ascii_case("EncryptedPackage")
            || name.eq_ignore_ascii_case("EncryptionInfo")
        {
            return Ok(CompoundContent::EncryptedPackage);
        }
        if name.eq_ignore_ascii_case("Workbook") || name.eq_ignore_ascii_case("Book") {
            return Ok(CompoundContent::Workbook);
        }
    }
}

/// Whether the first bytes of a file are text a person could have typed: a
/// Unicode byte-order mark, or no control characters and valid UTF-8 or
/// GB18030 (a superset of GBK).
pub(crate) fn looks_like_text(head: &[u8]) -> bool {
    if head.starts_with(&[0xEF, 0xBB, 0xBF])
        || head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
    {
        return true;
    }
    let control = |b: &u8| matches!(b, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F);
    if head.iter().any(control) {
        return false;
    }
    // The sniffed prefix may end inside a multi-byte character.
    (0..4).any(|cut| {
        let Some(end) = head.len().checked_sub(cut) else {
            return false;
        };
        let part = &head[..end];
        std::str::from_utf8(part).is_ok()
            || encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(part)
                .is_some()
    })
}

/// An HTML or XML page (some "export to Excel" buttons write one under an `.xls`
/// name): not something crmsheet can read as rows.
fn looks_like_markup(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}
