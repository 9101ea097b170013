//! Hostile and unusual files, built byte by byte: zip containers with parts of
//! any claimed size (a zip bomb is a small, highly compressible part), ods
//! content written by hand, and xls compound files with any BIFF records. Also
//! a runner for the CLI under a memory limit, so that a blow-up fails the test
//! rather than the machine.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- deflate ----

/// Writes the bits of a deflate stream, least significant first.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    used: u32,
}

impl Bits {
    fn new() -> Bits {
        Bits {
            out: Vec::new(),
            acc: 0,
            used: 0,
        }
    }

    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.used;
        self.used += count;
        while self.used >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.used -= 8;
        }
    }

    /// A Huffman code: written most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let mut reversed = 0;
        for i in 0..len {
            reversed |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(reversed, len);
    }

    fn align(&mut self) {
        if self.used > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.used = 0;
        }
    }

    /// A literal byte with the fixed Huffman code.
    fn literal(&mut self, byte: u8) {
        if byte < 144 {
            self.code(0x30 + u32::from(byte), 8);
        } else {
            self.code(0x190 + u32::from(byte) - 144, 9);
        }
    }

    /// A match of 258 bytes at `distance` (1..=32768) with the fixed codes.
    fn match_258(&mut self, distance: u32) {
        // Length 258 is code 285 (8 bits: 280..=287 are 11000000 + n).
        self.code(0xC0 + 5, 8);
        // Distance codes: 0..=3 for 1..=4, then two codes per doubling.
        let d = distance - 1;
        let (code, extra_bits, base) = if d < 4 {
            (d, 0, d)
        } else {
            let bits = 31 - d.leading_zeros(); // floor(log2 d)
            let extra = bits - 1;
            let half = (d >> extra) & 1;
            (2 * bits + half, extra, ((2 | half) << extra))
        };
        self.code(code, 5);
        if extra_bits > 0 {
            self.put(d - base, extra_bits);
        }
    }

    /// Ends a non-final fixed block and adds an empty stored block, which
    /// brings the stream to a byte boundary (what a sync flush does).
    fn end_fixed_block_aligned(&mut self) {
        self.code(0, 7); // end of block (256)
        self.put(0, 3); // not final, stored
        self.align();
        self.out.extend([0, 0, 0xFF, 0xFF]);
    }

    fn stored(&mut self, data: &[u8], last: bool) {
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![&[][..]]
        } else {
            data.chunks(65_535).collect()
        };
        let n = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            self.put(u32::from(last && i + 1 == n), 1);
            self.put(0, 2);
            self.align();
            let len = chunk.len() as u16;
            self.out.extend(len.to_le_bytes());
            self.out.extend((!len).to_le_bytes());
            self.out.extend(chunk);
        }
    }
}

/// Matches per repeated chunk: 4096 × 258 bytes, about 1 MiB inflated.
const MATCHES_PER_CHUNK: usize = 4096;

/// A deflate stream inflating to `prefix`, then spaces (whitespace between XML
/// elements, which a parser must still scan) to at least `body_bytes`, then
/// `suffix`: a zip bomb when it is a sheet's XML.
///
/// `dense` uses a dynamic Huffman code in which a 258-byte match costs 2 bits,
/// about 1,000:1 (a real bomb); otherwise fixed codes, 13 bits a match, about
/// 160:1 (a large but ordinarily compressed part). Built from one compressed
/// chunk repeated, so even gigabytes take a moment. Returns the stream and the
/// inflated size.
pub fn deflate_spaces(
    prefix: &[u8],
    body_bytes: u64,
    suffix: &[u8],
    dense: bool,
) -> (Vec<u8>, u64) {
    let mut bits = Bits::new();
    bits.stored(prefix, false);
    // One space as a literal, for the matches to copy.
    bits.put(0, 1);
    bits.put(1, 2);
    bits.literal(b' ');
    bits.end_fixed_block_aligned();
    let mut stream = bits.out;

    let mut chunk = Bits::new();
    if dense {
        dense_block_header(&mut chunk);
        for _ in 0..MATCHES_PER_CHUNK {
            chunk.put(1, 1); // length 258 (symbol 285: code 1)
            chunk.put(0, 1); // distance 1 (code 0)
        }
        chunk.put(0, 1); // end of block (symbol 256: code 0)
        chunk.put(0, 3);
        chunk.align();
        chunk.out.extend([0, 0, 0xFF, 0xFF]);
    } else {
        chunk.put(0, 1);
        chunk.put(1, 2);
        for _ in 0..MATCHES_PER_CHUNK {
            chunk.match_258(1);
        }
        chunk.end_fixed_block_aligned();
    }
    let chunk_inflated = (258 * MATCHES_PER_CHUNK) as u64;
    let chunks = body_bytes.div_ceil(chunk_inflated);
    stream.reserve((chunk.out.len() as u64 * chunks) as usize + suffix.len() + 16);
    for _ in 0..chunks {
        stream.extend_from_slice(&chunk.out);
    }
    let mut tail = Bits::new();
    tail.stored(suffix, true);
    stream.extend(tail.out);
    let inflated = prefix.len() as u64 + 1 + chunks * chunk_inflated + suffix.len() as u64;
    (stream, inflated)
}

/// The header of a non-final dynamic block whose literal/length code has two
/// 1-bit symbols, end of block (256) and length 258 (285), and whose distance
/// code has two 1-bit symbols, distances 1 and 2.
fn dense_block_header(bits: &mut Bits) {
    bits.put(0, 1); // not final
    bits.put(2, 2); // dynamic Huffman
    bits.put(29, 5); // HLIT: 286 literal/length lengths
    bits.put(1, 5); // HDIST: 2 distance lengths
    bits.put(14, 4); // HCLEN: 18 code-length code lengths
                     // Code-length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12
                     // 3 13 2 14 1: symbols 18 (a run of zeros) and 1 get 1-bit codes, 1 → 0
                     // and 18 → 1 (canonical order).
    for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        bits.put(u32::from(symbol == 18 || symbol == 1), 3);
    }
    let zeros = |bits: &mut Bits, n: u32| {
        bits.put(1, 1); // symbol 18
        bits.put(n - 11, 7);
    };
    let one = |bits: &mut Bits| bits.put(0, 1); // symbol 1
                                                // Literal/length lengths: 256 zeros, 256 → 1, 28 zeros, 285 → 1.
    zeros(bits, 138);
    zeros(bits, 118);
    one(bits);
    zeros(bits, 28);
    one(bits);
    // Distance lengths: codes 0 and 1 → 1.
    one(bits);
    one(bits);
}

// -------------------------------------------------------------------- zip ----

/// A part of a hand-written zip container.
pub struct Part {
    pub name: String,
    /// Deflated (method 8) or stored (method 0).
    pub deflated: bool,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u64,
}

impl Part {
    /// A stored part (its CRC computed).
    pub fn stored(name: &str, data: &[u8]) -> Part {
        Part {
            name: name.to_string(),
            deflated: false,
            data: data.to_vec(),
            crc: crc32(data),
            size: data.len() as u64,
        }
    }

    /// A deflated part from a stream made by [`deflate_spaces`]. Its CRC is
    /// not computed (that would take as long as inflating it): crmsheet must
    /// refuse a bomb from its declared sizes, before inflating a byte.
    pub fn bomb(name: &str, stream: Vec<u8>, size: u64) -> Part {
        Part {
            name: name.to_string(),
            deflated: true,
            data: stream,
            crc: 0,
            size,
        }
    }
}

/// CRC-32 (IEEE), as zip has it.
pub fn crc32(data: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 != 0 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !data.iter().fold(!0u32, |crc, &b| {
        table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8)
    })
}

/// A zip container holding `parts`, with ZIP64 sizes where a part needs them.
pub fn zip_bytes(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for part in parts {
        let offset = out.len() as u32;
        let big = part.size >= 0xFFFF_FFFF || part.data.len() as u64 >= 0xFFFF_FFFF;
        let method: u16 = if part.deflated { 8 } else { 0 };
        let (size32, csize32) = if big {
            (0xFFFF_FFFFu32, 0xFFFF_FFFFu32)
        } else {
            (part.size as u32, part.data.len() as u32)
        };
        let mut extra = Vec::new();
        if big {
            extra.extend(1u16.to_le_bytes());
            extra.extend(16u16.to_le_bytes());
            extra.extend(part.size.to_le_bytes());
            extra.extend((part.data.len() as u64).to_le_bytes());
        }
        let version: u16 = if big { 45 } else { 20 };
        let name = part.name.as_bytes();
        // Local header.
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(version.to_le_bytes());
        out.extend(0x0800u16.to_le_bytes()); // UTF-8 names
        out.extend(method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]); // time, date (1980-01-01)
        out.extend(part.crc.to_le_bytes());
        out.extend(csize32.to_le_bytes());
        out.extend(size32.to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend(name);
        out.extend(&extra);
        out.extend(&part.data);
        // Central directory entry.
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(version.to_le_bytes());
        central.extend(version.to_le_bytes());
        central.extend(0x0800u16.to_le_bytes());
        central.extend(method.to_le_bytes());
        central.extend([0, 0, 0x21, 0]);
        central.extend(part.crc.to_le_bytes());
        central.extend(csize32.to_le_bytes());
        central.extend(size32.to_le_bytes());
        central.extend((name.len() as u16).to_le_bytes());
        central.extend((extra.len() as u16).to_le_bytes());
        central.extend([0; 10]); // comment length, disk, internal and external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name);
        central.extend(&extra);
    }
    let central_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0, 0, 0, 0]);
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend([0, 0]);
    out
}

/// The parts of an existing zip file, raw (still compressed), with `name`
/// replaced by `replacement`.
pub fn replace_part(path: &Path, name: &str, replacement: Part) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut parts = Vec::new();
    let mut replacement = Some(replacement);
    for i in 0..archive.len() {
        let mut entry = archive.by_index_raw(i).unwrap();
        let entry_name = entry.name().unwrap().into_owned();
        if entry_name == name {
            parts.push(replacement.take().unwrap());
            continue;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        parts.push(Part {
            name: entry_name,
            deflated: entry.compression() == zip::CompressionMethod::Deflated,
            data,
            crc: entry.crc32(),
            size: entry.size(),
        });
    }
    assert!(replacement.is_none(), "{name} not found");
    zip_bytes(&parts)
}

// -------------------------------------------------------------------- ods ----

pub const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// An ods holding `body` (the tables) as the spreadsheet of its content.
pub fn ods_bytes(body: &str) -> Vec<u8> {
    ods_bytes_with(body, "")
}

/// Like [`ods_bytes`], with `file_entry_extra` inside the manifest's entry for
/// `content.xml` (such as the `manifest:encryption-data` of a
/// password-protected file).
pub fn ods_bytes_with(body: &str, file_entry_extra: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{file_entry_extra}</manifest:file-entry></manifest:manifest>"#
    );
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(ODS_MIMETYPE.as_bytes()).unwrap();
        zip.start_file("META-INF/manifest.xml", deflated).unwrap();
        zip.write_all(manifest.as_bytes()).unwrap();
        zip.start_file("content.xml", deflated).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    out.into_inner()
}

/// An ods table.
pub fn ods_table(name: &str, rows: &str) -> String {
    format!(r#"<table:table table:name="{name}">{rows}</table:table>"#)
}

/// An ods row of text cells.
pub fn ods_row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| {
            if c.is_empty() {
                "<table:table-cell/>".to_string()
            } else {
                format!(
                    r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                    escape(c)
                )
            }
        })
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// -------------------------------------------------------------------- xls ----

/// A BIFF record.
pub fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out
}

/// BOF of a BIFF8 substream: `0x0005` workbook globals, `0x0010` worksheet.
pub fn bof(kind: u16) -> Vec<u8> {
    let mut data = 0x0600u16.to_le_bytes().to_vec();
    data.extend(kind.to_le_bytes());
    data.extend([0; 12]);
    record(0x0809, &data)
}

pub fn eof() -> Vec<u8> {
    record(0x000A, &[])
}

/// DIMENSIONS: rows `first..last_plus_one` (32-bit, as BIFF8 has them), columns
/// `first_col..last_col_plus_one`.
pub fn dimensions(
    first: u32,
    last_plus_one: u32,
    first_col: u16,
    last_col_plus_one: u16,
) -> Vec<u8> {
    let mut data = first.to_le_bytes().to_vec();
    data.extend(last_plus_one.to_le_bytes());
    data.extend(first_col.to_le_bytes());
    data.extend(last_col_plus_one.to_le_bytes());
    data.extend([0, 0]);
    record(0x0200, &data)
}

/// LABEL: a text cell (BIFF8, UTF-16).
pub fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut data = row.to_le_bytes().to_vec();
    data.extend(col.to_le_bytes());
    data.extend(0u16.to_le_bytes());
    data.extend((units.len() as u16).to_le_bytes());
    data.push(1);
    for u in units {
        data.extend(u.to_le_bytes());
    }
    record(0x0204, &data)
}

/// NUMBER: a number cell.
pub fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
    let mut data = row.to_le_bytes().to_vec();
    data.extend(col.to_le_bytes());
    data.extend(0u16.to_le_bytes());
    data.extend(value.to_le_bytes());
    record(0x0203, &data)
}

/// A BIFF8 workbook stream: globals (with `globals` records and one
/// BoundSheet per sheet) and the sheets' substreams.
pub fn workbook_stream(globals: &[Vec<u8>], sheets: &[(String, Vec<Vec<u8>>)]) -> Vec<u8> {
    let boundsheet = |pos: u32, name: &str| {
        let units: Vec<u16> = name.encode_utf16().collect();
        let mut data = pos.to_le_bytes().to_vec();
        data.extend([0, 0, units.len() as u8, 1]);
        for u in units {
            data.extend(u.to_le_bytes());
        }
        record(0x0085, &data)
    };
    let mut head = bof(0x0005);
    for r in globals {
        head.extend(r);
    }
    let bound_len: usize = sheets.iter().map(|(n, _)| boundsheet(0, n).len()).sum();
    let mut pos = (head.len() + bound_len + eof().len()) as u32;
    let mut bodies = Vec::new();
    for (name, records) in sheets {
        head.extend(boundsheet(pos, name));
        let mut body = bof(0x0010);
        for r in records {
            body.extend(r);
        }
        body.extend(eof());
        pos += body.len() as u32;
        bodies.extend(body);
    }
    head.extend(eof());
    head.extend(bodies);
    head
}

/// An OLE compound file (512-byte sectors) holding `stream` as `Workbook`.
pub fn xls_bytes(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut stream = stream.to_vec();
    // Small streams would go to the mini stream; keep it in regular sectors.
    if stream.len() < 4096 {
        stream.resize(4096, 0);
    }
    let stream_sectors = stream.len().div_ceil(512);
    let mut fat_sectors = 1;
    while fat_sectors * 128 < fat_sectors + 1 + stream_sectors {
        fat_sectors += 1;
    }
    assert!(fat_sectors <= 109, "no DIFAT sectors in this writer");
    let dir = fat_sectors as u32;
    let first = dir + 1;
    let mut fat = vec![FREE; fat_sectors * 128];
    for entry in fat.iter_mut().take(fat_sectors) {
        *entry = 0xFFFF_FFFD;
    }
    fat[dir as usize] = END;
    for i in 0..stream_sectors {
        let id = first as usize + i;
        fat[id] = if i + 1 == stream_sectors {
            END
        } else {
            id as u32 + 1
        };
    }
    let mut out = vec![0u8; 512];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    out[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    out[26..28].copy_from_slice(&3u16.to_le_bytes());
    out[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    out[30..32].copy_from_slice(&9u16.to_le_bytes());
    out[32..34].copy_from_slice(&6u16.to_le_bytes());
    out[44..48].copy_from_slice(&(fat_sectors as u32).to_le_bytes());
    out[48..52].copy_from_slice(&dir.to_le_bytes());
    out[56..60].copy_from_slice(&4096u32.to_le_bytes());
    out[60..64].copy_from_slice(&END.to_le_bytes());
    out[68..72].copy_from_slice(&END.to_le_bytes());
    for i in 0..109 {
        let id = if i < fat_sectors { i as u32 } else { FREE };
        out[76 + 4 * i..80 + 4 * i].copy_from_slice(&id.to_le_bytes());
    }
    for id in &fat {
        out.extend(id.to_le_bytes());
    }
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry("Workbook", 2, FREE, first, stream.len() as u32));
    out.extend(vec![0u8; 256]);
    stream.resize(stream_sectors * 512, 0);
    out.extend(&stream);
    out
}

// -------------------------------------------------------------------- run ----

/// What a CLI run left.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Most address space a hostile-file run may use: a few hundred MiB of data
/// over the binary's own mappings.
pub const MEMORY_LIMIT: &str = "1GiB";

/// Runs the crmsheet binary in `dir` with `args`, under `prlimit --as` when
/// prlimit is there (util-linux, on every Debian), so that a run that would
/// blow its memory fails instead of taking the machine with it.
pub fn run_limited(dir: &Path, args: &[&str]) -> Outcome {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_crmsheet"));
    let limited = std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut command = if limited {
        let mut c = std::process::Command::new("prlimit");
        c.arg(format!("--as={}", as_bytes(MEMORY_LIMIT)))
            .arg(&binary);
        c
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "prlimit (util-linux) is needed on CI"
        );
        eprintln!("notice: prlimit not found; running without a memory limit");
        std::process::Command::new(&binary)
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CRMSHEET_SCHEMA");
    let start = Instant::now();
    let output = command.output().expect("run crmsheet");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

fn as_bytes(limit: &str) -> u64 {
    let (n, unit) = limit.split_at(limit.find(|c: char| !c.is_ascii_digit()).unwrap());
    let n: u64 = n.parse().unwrap();
    n * match unit {
        "GiB" => 1 << 30,
        "MiB" => 1 << 20,
        _ => 1,
    }
}

/// Validates `file` (in `dir`) as JSON under the memory limit and returns the
/// run and its report.
pub fn validate_limited(dir: &Path, file: &str) -> (Outcome, serde_json::Value) {
    let outcome = run_limited(
        dir,
        &[
            "validate",
            file,
            "--format",
            "json",
            "--as-of",
            "2026-11-30",
            // The causes these tests read, on stderr and in the report, in the
            // words of docs/broken-files.md (every line follows --lang).
            "--lang",
            "en",
        ],
    );
    let json = serde_json::from_str(&outcome.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}), exit {}:\n{}\nstderr:\n{}",
            outcome.code, outcome.stdout, outcome.stderr
        )
    });
    (outcome, json)
}

/// The one `file-unreadable` message of a report, asserting the run failed
/// cleanly: exit 2, one line on stderr naming the file, no panic.
pub fn unreadable_message(outcome: &Outcome, json: &serde_json::Value, file: &str) -> String {
    assert_eq!(outcome.code, 2, "stderr: {}", outcome.stderr);
    assert_no_panic(outcome);
    let line = outcome.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    assert!(line.starts_with(&format!("crmsheet: {file}: ")), "{line}");
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "file-unreadable");
    line.to_string()
}

pub fn assert_no_panic(outcome: &Outcome) {
    for text in [&outcome.stdout, &outcome.stderr] {
        assert!(
            !text.contains("panicked"),
            "a panic message escaped: {text}"
        );
        assert!(!text.contains("RUST_BACKTRACE"), "{text}");
        assert!(!text.contains("memory allocation"), "{text}");
    }
}

/// Fails when a run did not end within `seconds`: a hang guard (the runs are
/// also bounded by memory limits); speed is measured by the benchmarks.
pub fn assert_finishes(outcome: &Outcome, seconds: u64) {
    assert!(
        outcome.elapsed <= Duration::from_secs(seconds),
        "took {:?} (limit {seconds} s)",
        outcome.elapsed
    );
}
