//! Checking an xls file before calamine opens it.
//!
//! calamine reads an xls (an OLE compound file holding a BIFF `Workbook`
//! stream) whole when it opens it: it follows the file's sector chains as far as
//! they go, reserves room for the cells a sheet's DIMENSIONS record declares,
//! builds every sheet as a dense grid spanning its outermost cells, and copies a
//! shared text into every cell that uses it. A file of a few kilobytes can make
//! any of these run out of memory (which aborts the process: it cannot be
//! contained like a panic) or loop forever. So the same structure is walked here
//! first, without allocating by anything the file claims, and the file is
//! refused, saying which limit it hit, before calamine sees it.
//!
//! The walk mirrors calamine 0.38's reading (`cfb.rs`, `xls.rs`), so that what
//! is measured is what calamine would build.

use super::limits::{human_count, human_size, MAX_SHEETS, MIB};
use super::source::Source;
use super::ReadError;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

/// Largest xls file read. BIFF8 sheets stop at 65,536 rows × 256 columns; a full
/// register of 65,535 rows is about 20 MiB.
pub(crate) const MAX_XLS_BYTES: u64 = 256 * MIB;

/// Most cells the sheets of one xls may span in all (calamine builds each sheet
/// as a dense grid over its outermost cells, 32 bytes a cell, plus the grid of
/// its formulas): five full-height registers' worth.
pub(crate) const MAX_XLS_CELLS: u64 = 5_000_000;

/// Most text the cells of one xls may hold once decoded, shared texts counted
/// once per cell that shows them (calamine copies them into each).
pub(crate) const MAX_XLS_TEXT_BYTES: u64 = 128 * MIB;

const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

/// Checks the xls `source`.
///
/// # Errors
/// `TooLarge` naming the limit hit, `Corrupt` for a structure calamine would
/// loop on or could not read, or an I/O error.
pub(crate) fn check(source: &Source) -> Result<(), ReadError> {
    let size = source.len()?;
    if size > MAX_XLS_BYTES {
        return Err(ReadError::TooLarge(format!(
            "the xls file is {} (at most {} are read)",
            human_size(size),
            human_size(MAX_XLS_BYTES)
        )));
    }
    // Bytes in memory are walked where they are; a file is read in whole
    // (it is at most MAX_XLS_BYTES, and calamine reads it whole next).
    let file = match source.as_bytes() {
        Some(bytes) => Cow::Borrowed(bytes),
        None => {
            let mut file = Vec::new();
            source.open()?.take(MAX_XLS_BYTES).read_to_end(&mut file)?;
            Cow::Owned(file)
        }
    };
    let compound = Compound::parse(&file)?;
    let Some(stream) = compound.workbook_stream()? else {
        // calamine reports the missing stream itself.
        return Ok(());
    };
    check_workbook(&stream)
}

fn damaged(what: &str) -> ReadError {
    ReadError::Corrupt(format!("its {what} is damaged"))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

/// A directory entry: a stream's name, first sector and length.
struct Entry {
    name: String,
    start: u32,
    len: u64,
}

/// The parts of an OLE compound file that calamine follows.
struct Compound<'f> {
    file: &'f [u8],
    sector_size: usize,
    /// Highest sector id calamine accepts.
    max_id: u32,
    fat: Vec<u32>,
    entries: Vec<Entry>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
}

impl<'f> Compound<'f> {
    fn parse(file: &'f [u8]) -> Result<Compound<'f>, ReadError> {
        let header = file.get(..512).ok_or_else(|| damaged("file header"))?;
        let version = u16_at(header, 26).unwrap_or(0);
        let sector_size = match u16_at(header, 30) {
            Some(0x0009) => 512,
            Some(0x000C) => 4096,
            _ => return Err(damaged("file header")),
        };
        let max_id = u32::try_from(file.len() / sector_size).unwrap_or(u32::MAX);
        let mut compound = Compound {
            file,
            sector_size,
            max_id,
            fat: Vec::new(),
            entries: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
        };

        // The DIFAT: 109 ids in the header, then a chain of DIFAT sectors whose
        // last id points to the next.
        let mut difat: Vec<u32> = header[76..512]
            .chunks_exact(4)
            .filter_map(|c| u32_at(c, 0))
            .collect();
        let mut sector_id = u32_at(header, 68).unwrap_or(ENDOFCHAIN);
        let mut difat_sectors: u64 = 0;
        while sector_id < RESERVED_SECTORS {
            difat_sectors += 1;
            if difat_sectors > u64::from(max_id) + 1 {
                return Err(damaged("sector table (DIFAT)"));
            }
            let sector = compound.sector(sector_id)?;
            difat.extend(sector.chunks_exact(4).filter_map(|c| u32_at(c, 0)));
            sector_id = difat.pop().ok_or_else(|| damaged("sector table (DIFAT)"))?;
        }
        // Each listed FAT sector adds a sector of ids; calamine does not check
        // that they are distinct, so a list longer than the file has sectors
        // would make it build a table larger than the file.
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if fat_sectors.len() as u64 > u64::from(max_id) + 1 {
            return Err(ReadError::Corrupt(format!(
                "its sector table lists {} sectors but the file has {}",
                human_count(fat_sectors.len() as u64),
                human_count(u64::from(max_id) + 1)
            )));
        }
        let mut fat = Vec::new();
        for id in fat_sectors {
            let sector = compound.sector(id)?;
            fat.extend(sector.chunks_exact(4).filter_map(|c| u32_at(c, 0)));
        }
        compound.fat = fat;

        // The directory: calamine reads its chain to the end, however long.
        let directory =
            compound.chain(u32_at(header, 48).unwrap_or(ENDOFCHAIN), None, "directory")?;
        compound.entries = directory
            .chunks_exact(128)
            .map(|raw| {
                let units: Vec<u16> = raw[..64]
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(end) = name.find('\0') {
                    name.truncate(end);
                }
                let len = if sector_size == 512 {
                    u64::from(u32_at(raw, 120).unwrap_or(0))
                } else {
                    u64_at(raw, 120).unwrap_or(0)
                };
                Entry {
                    name,
                    start: u32_at(raw, 116).unwrap_or(ENDOFCHAIN),
                    len,
                }
            })
            .collect();
        let Some(root) = compound.entries.first() else {
            return Err(damaged("directory"));
        };
        if version != 3 && root.start == ENDOFCHAIN {
            return Err(damaged("directory"));
        }

        // The mini stream (small streams live in it) and its sector table.
        let mini_fat_len = u64::from(u32_at(header, 64).unwrap_or(0));
        if mini_fat_len > 0 {
            let (root_start, root_len) = (root.start, root.len);
            compound.mini_stream = compound.chain(root_start, Some(root_len), "mini stream")?;
            let mini_fat_bytes = mini_fat_len.saturating_mul(sector_size as u64);
            let mini_fat = compound.chain(
                u32_at(header, 60).unwrap_or(ENDOFCHAIN),
                Some(mini_fat_bytes),
                "mini sector table",
            )?;
            compound.mini_fat = mini_fat
                .chunks_exact(4)
                .filter_map(|c| u32_at(c, 0))
                .collect();
        }
        Ok(compound)
    }

    /// Sector `id` as calamine reads it: the file is a header sector followed
    /// by sectors 0, 1, …; the last may be short.
    fn sector(&self, id: u32) -> Result<&'f [u8], ReadError> {
        if id > self.max_id {
            return Err(damaged("sector chain"));
        }
        let start = (id as usize + 1) * self.sector_size;
        let end = (start + self.sector_size).min(self.file.len());
        self.file
            .get(start..end)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| damaged("sector chain"))
    }

    /// The bytes of the chain of sectors from `start`, up to `len` bytes when
    /// given. calamine follows a chain until it ends or `len` is reached, so a
    /// chain that loops back would make it read forever (or up to a `len` the
    /// file claims): such a chain is refused.
    fn chain(&self, start: u32, len: Option<u64>, what: &str) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.fat.len()];
        let mut id = start;
        while id != ENDOFCHAIN {
            let sector = self.sector(id)?;
            let remaining = len.map_or(usize::MAX, |l| {
                usize::try_from(l.saturating_sub(out.len() as u64)).unwrap_or(usize::MAX)
            });
            out.extend_from_slice(&sector[..sector.len().min(remaining)]);
            if len.is_some_and(|l| out.len() as u64 >= l) {
                break;
            }
            let visited = seen
                .get_mut(id as usize)
                .ok_or_else(|| damaged(&format!("{what} chain")))?;
            if *visited {
                return Err(ReadError::Corrupt(format!(
                    "its {what} chain loops back on itself"
                )));
            }
            *visited = true;
            id = *self
                .fat
                .get(id as usize)
                .ok_or_else(|| damaged(&format!("{what} chain")))?;
        }
        Ok(out)
    }

    /// The same over the mini stream's 64-byte sectors.
    fn mini_chain(&self, start: u32, len: u64) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.mini_fat.len()];
        let mut id = start;
        while id != ENDOFCHAIN && (out.len() as u64) < len {
            let begin = id as usize * 64;
            let sector = self
                .mini_stream
                .get(begin..(begin + 64).min(self.mini_stream.len()))
                .filter(|s| !s.is_empty())
                .ok_or_else(|| damaged("mini stream"))?;
            let remaining = (len - out.len() as u64) as usize;
            out.extend_from_slice(&sector[..sector.len().min(remaining)]);
            let visited = seen
                .get_mut(id as usize)
                .ok_or_else(|| damaged("mini stream"))?;
            if *visited {
                return Err(ReadError::Corrupt(
                    "its mini stream chain loops back on itself".to_string(),
                ));
            }
            *visited = true;
            id = *self
                .mini_fat
                .get(id as usize)
                .ok_or_else(|| damaged("mini stream"))?;
        }
        Ok(out)
    }

    /// The `Workbook` (BIFF8) or `Book` (BIFF5) stream, as calamine finds it.
    fn workbook_stream(&self) -> Result<Option<Vec<u8>>, ReadError> {
        let find = |wanted: &str| {
            self.entries
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(wanted))
        };
        let Some(entry) = find("Workbook").or_else(|| find("Book")) else {
            return Ok(None);
        };
        if entry.len < 4096 {
            return self.mini_chain(entry.start, entry.len).map(Some);
        }
        if entry.len > self.file.len() as u64 {
            return Err(ReadError::Corrupt(format!(
                "its workbook stream claims {} in a file of {}",
                human_size(entry.len),
                human_size(self.file.len() as u64)
            )));
        }
        self.chain(entry.start, Some(entry.len), "workbook stream")
            .map(Some)
    }
}

/// One BIFF record: its type and data, with the data of the CONTINUE records
/// that follow it.
struct Record<'s> {
    typ: u16,
    data: &'s [u8],
    continues: Vec<&'s [u8]>,
    /// Bytes the record and its continues take in the stream.
    span: usize,
}

/// The records of a stream from `at`, as calamine's record iterator reads them;
/// stops at the first record that does not fit (calamine fails there).
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = Record<'_>> {
    let mut rest = stream.get(at..).unwrap_or_default();
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = usize::from(u16_at(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        let mut span = 4 + len;
        rest = &rest[span..];
        let mut continues = Vec::new();
        while rest.len() > 4 && u16_at(rest, 0) == Some(0x003C) {
            let len = usize::from(u16_at(rest, 2)?);
            continues.push(rest.get(4..4 + len)?);
            span += 4 + len;
            rest = &rest[4 + len..];
        }
        Some(Record {
            typ,
            data,
            continues,
            span,
        })
    })
}

/// The character counts of the shared strings (SST), read the way calamine
/// reads them; as many as could be read.
fn shared_string_lengths(record: &Record<'_>) -> Vec<u32> {
    let mut lengths = Vec::new();
    let mut parts = record.continues.iter();
    let Some(mut data) = record.data.get(8..) else {
        return lengths;
    };
    loop {
        if data.is_empty() {
            match parts.next() {
                Some(next) => data = next,
                None => return lengths,
            }
            continue;
        }
        let (Some(cch), Some(&flags)) = (u16_at(data, 0), data.get(2)) else {
            return lengths;
        };
        data = &data[3..];
        let mut skip: usize = 0;
        if flags & 0x8 != 0 {
            let Some(runs) = u16_at(data, 0) else {
                return lengths;
            };
            skip += usize::from(runs) * 4;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let Some(ext) = u32_at(data, 0) else {
                return lengths;
            };
            skip += ext as usize;
            data = &data[4..];
        }
        // The characters, continuing in the next record with a new flags byte.
        let mut left = usize::from(cch);
        let mut wide = flags & 0x1 != 0;
        while left > 0 {
            let width = if wide { 2 } else { 1 };
            let here = (data.len() / width).min(left);
            data = &data[here * width..];
            left -= here;
            if left > 0 {
                match parts.next() {
                    Some(next) if !next.is_empty() => {
                        wide = next[0] & 0x1 != 0;
                        data = &next[1..];
                    }
                    _ => return lengths,
                }
            }
        }
        lengths.push(u32::from(cch));
        // Formatting runs and phonetic data, possibly across records.
        while skip > 0 {
            if data.is_empty() {
                match parts.next() {
                    Some(next) => data = next,
                    None => return lengths,
                }
                continue;
            }
            let step = skip.min(data.len());
            data = &data[step..];
            skip -= step;
        }
    }
}

/// The BoundSheet name, for messages.
fn sheet_name(data: &[u8]) -> String {
    let Some(&cch) = data.get(6) else {
        return String::new();
    };
    let wide = data.get(7).is_some_and(|f| f & 1 != 0);
    let chars = data.get(8..).unwrap_or_default();
    if wide {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(usize::from(cch))
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        chars
            .iter()
            .take(usize::from(cch))
            .map(|&b| char::from(b))
            .collect()
    }
}

/// The bounding box of some cells: rows and columns seen.
#[derive(Default)]
struct Extent {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        let widen = |range: Option<(u32, u32)>, v: u32| match range {
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            None => Some((v, v)),
        };
        self.rows = widen(self.rows, row);
        self.cols = widen(self.cols, col);
    }

    /// Cells of the dense grid calamine builds over them.
    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => {
                u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
            }
            _ => 0,
        }
    }
}

/// What one sheet makes calamine build.
#[derive(Default)]
struct SheetCost {
    /// The largest area a DIMENSIONS record declares (calamine reserves it).
    declared: u64,
    cells: Extent,
    formulas: Extent,
    text_bytes: u64,
    /// Bytes of the stream walked.
    scanned: u64,
}

/// Walks a sheet's substream from `at`, as calamine does, measuring what it
/// would build.
fn sheet_cost(stream: &[u8], at: usize, shared: &[u32]) -> SheetCost {
    let mut cost = SheetCost::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_at: Option<(u32, u32)> = None;
    for record in records(stream, at) {
        cost.scanned += record.span as u64;
        let data = record.data;
        if depth > 0 {
            match record.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let position = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match record.typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x000A => break,
            // DIMENSIONS: calamine reserves rows × columns cells, computed in
            // 32 bits as it does.
            0x0200 => {
                let fields = match data.len() {
                    10 => (|| {
                        Some((
                            u32::from(u16_at(data, 0)?),
                            u32::from(u16_at(data, 2)?),
                            u32::from(u16_at(data, 4)?),
                            u32::from(u16_at(data, 6)?),
                        ))
                    })(),
                    14 | 16 => (|| {
                        Some((
                            u32_at(data, 0)?,
                            u32_at(data, 4)?,
                            u32::from(u16_at(data, 8)?),
                            u32::from(u16_at(data, 10)?),
                        ))
                    })(),
                    _ => None,
                };
                let Some((first_row, last_row, mut first_col, last_col)) = fields else {
                    break;
                };
                if 0xFF < first_col || last_col < first_col {
                    first_col = 0;
                }
                let (start, end) = if last_row >= 1 && last_col >= 1 {
                    ((first_row, first_col), (last_row - 1, last_col - 1))
                } else {
                    ((first_row, first_col), (first_row, first_col))
                };
                let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
                let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
                let area = u64::from(rows).saturating_mul(u64::from(cols));
                cost.declared = cost.declared.max(area);
            }
            // NUMBER, BOOLERR, RK: one cell each.
            0x0203 | 0x0205 | 0x027E => {
                if let Some((r, c)) = position() {
                    cost.cells.add(r, c);
                }
            }
            // LABEL, RSTRING: a cell with its own text.
            0x0204 | 0x00D6 => {
                if let Some((r, c)) = position() {
                    cost.cells.add(r, c);
                    cost.text_bytes += 3 * data.len() as u64;
                }
            }
            // LABELSST: a cell with a copy of a shared text.
            0x00FD => {
                if let (Some((r, c)), Some(index)) = (position(), u32_at(data, 6)) {
                    if let Some(&cch) = shared.get(index as usize) {
                        cost.cells.add(r, c);
                        cost.text_bytes += 3 * u64::from(cch);
                    }
                }
            }
            // MULRK: a run of cells on one row.
            0x00BD => {
                if data.len() < 6 {
                    break;
                }
                let (Some(row), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    u16_at(data, data.len() - 2),
                ) else {
                    break;
                };
                if last >= first {
                    cost.cells.add(u32::from(row), u32::from(first));
                    cost.cells.add(u32::from(row), u32::from(last));
                }
            }
            // FORMULA: a cached value and a formula text.
            0x0006 => {
                if let Some((r, c)) = position() {
                    cost.cells.add(r, c);
                    cost.formulas.add(r, c);
                    cost.text_bytes += 3 * data.len() as u64;
                    formula_at = Some((r, c));
                }
            }
            // STRING: the text result of the formula before it.
            0x0207 => {
                let (r, c) = formula_at.unwrap_or((0, 0));
                cost.cells.add(r, c);
                cost.text_bytes += 3 * data.len() as u64;
            }
            _ => {}
        }
    }
    cost
}

/// Checks what the workbook stream would make calamine build.
fn check_workbook(stream: &[u8]) -> Result<(), ReadError> {
    let mut shared: Vec<u32> = Vec::new();
    let mut sheets: Vec<(usize, String)> = Vec::new();
    for record in records(stream, 0) {
        match record.typ {
            0x0085 => {
                if let Some(at) = u32_at(record.data, 0) {
                    sheets.push((at as usize, sheet_name(record.data)));
                }
                if sheets.len() > MAX_SHEETS {
                    return Err(ReadError::TooLarge(format!(
                        "it has more than {} sheets (at most that many are read)",
                        human_count(MAX_SHEETS as u64)
                    )));
                }
            }
            0x00FC => shared = shared_string_lengths(&record),
            0x000A => break,
            _ => {}
        }
    }
    let mut cells: u64 = 0;
    let mut text: u64 = 0;
    let mut scanned: u64 = 0;
    // Sheets may point at the same data; each is built again, but walked once.
    let mut walked: HashMap<usize, (u64, u64, u64)> = HashMap::new();
    for (at, name) in &sheets {
        let (declared, area, text_bytes) = match walked.get(at) {
            Some(known) => *known,
            None => {
                let cost = sheet_cost(stream, *at, &shared);
                let known = (
                    cost.declared,
                    cost.cells.area().saturating_add(cost.formulas.area()),
                    cost.text_bytes,
                );
                scanned = scanned.saturating_add(cost.scanned);
                walked.insert(*at, known);
                known
            }
        };
        // Sheets that overlap make every walk run to the end of the stream.
        if scanned > 2 * stream.len() as u64 + MIB {
            return Err(ReadError::Corrupt(
                "its sheets overlap each other in the workbook stream".to_string(),
            ));
        }
        if declared > MAX_XLS_CELLS {
            return Err(ReadError::TooLarge(format!(
                "the sheet '{name}' declares {} cells (at most {} are read from an xls file)",
                human_count(declared),
                human_count(MAX_XLS_CELLS)
            )));
        }
        cells = cells.saturating_add(area);
        if cells > MAX_XLS_CELLS {
            return Err(ReadError::TooLarge(format!(
                "the sheet '{name}' spans {} cells from its first to its last \
                 (at most {} in all are read from an xls file)",
                human_count(area),
                human_count(MAX_XLS_CELLS)
            )));
        }
        text = text.saturating_add(text_bytes);
        if text > MAX_XLS_TEXT_BYTES {
            return Err(ReadError::TooLarge(format!(
                "its cells hold more than {} of text (at most that is read from an xls file)",
                human_size(MAX_XLS_TEXT_BYTES)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn shared_strings_are_measured_across_continue_records() {
        // Two strings: "ab" (narrow), then 3 wide characters split over a
        // CONTINUE record that restates the width.
        let mut sst = vec![0u8; 8];
        sst.extend([2, 0, 0, b'a', b'b']);
        sst.extend([3, 0, 1, b'x', 0]);
        let mut stream = record(0x00FC, &sst);
        stream.extend(record(0x003C, &[1, b'y', 0, b'z', 0]));
        let parsed: Vec<Record<'_>> = records(&stream, 0).collect();
        assert_eq!(parsed.len(), 1);
        assert_eq!(shared_string_lengths(&parsed[0]), vec![2, 3]);
    }

    #[test]
    fn a_forged_dimension_is_measured_as_calamine_computes_it() {
        let mut sheet = record(0x0809, &[0; 16]);
        // Rows 0 .. 0xFFFF_FFFF, columns 0 .. 256.
        let mut dims = Vec::new();
        dims.extend(0u32.to_le_bytes());
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(256u16.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        sheet.extend(record(0x0200, &dims));
        sheet.extend(record(0x000A, &[]));
        let cost = sheet_cost(&sheet, 0, &[]);
        assert_eq!(cost.declared, u64::from(u32::MAX - 1 + 1) * 256);
    }

    #[test]
    fn cells_far_apart_span_a_large_grid() {
        let mut sheet = record(0x0809, &[0; 16]);
        let number = |row: u16, col: u16| {
            let mut d = row.to_le_bytes().to_vec();
            d.extend(col.to_le_bytes());
            d.extend([0; 10]);
            record(0x0203, &d)
        };
        sheet.extend(number(0, 0));
        sheet.extend(number(65_535, 65_535));
        sheet.extend(record(0x000A, &[]));
        let cost = sheet_cost(&sheet, 0, &[]);
        assert_eq!(cost.cells.area(), 65_536 * 65_536);
    }
}
