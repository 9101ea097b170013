//! The cells of an xlsx worksheet, one at a time, and its merged ranges in the
//! same pass.
//!
//! Cells mean what calamine's cell reader makes of them (the reference its
//! tests compare against): a shared text borrowed from the table, a number (a
//! date where the cell's style shows one), a bool, an error, an inline or
//! formula text. calamine parsed each sheet with a general XML reader, which
//! was most of a validation's time, and found the merged ranges, listed after
//! the cells, only by parsing the sheet again; here a sheet is read once with
//! [`Scanner`], and its `<mergeCells>` are picked up after the last cell.

use super::xlsx_parts::{read_rich_text, NumberShown, Package};
use super::xml_scan::{decode_text, unescape_excel, Kind, Scanner, Tag};
use super::{CellRange, ReadError};
use calamine::{Cell, CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};
use std::io::Read;

/// A worksheet's cells, in the order the sheet lists them.
pub(crate) struct SheetCells<'a, R> {
    xml: Scanner<R>,
    package: &'a Package,
    /// 0-based row and column of a cell without an `r` attribute, counted as
    /// calamine counts them.
    row: u32,
    col: u32,
    done: bool,
    merged: Vec<CellRange>,
    scratch: String,
    text: String,
}

/// What a cell's `t` attribute says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellType {
    /// `n`, or no `t`: a number (text when it does not parse as one and no
    /// type was given).
    Number {
        stated: bool,
    },
    Shared,
    Bool,
    Error,
    /// `str`: a formula's text result.
    FormulaText,
    /// `inlineStr`: the text is in `<is>`.
    Inline,
    /// `d`: an ISO 8601 date.
    IsoDate,
    Unknown,
}

impl CellType {
    fn of(t: Option<&[u8]>) -> CellType {
        match t {
            None => CellType::Number { stated: false },
            Some(b"n") => CellType::Number { stated: true },
            Some(b"s") => CellType::Shared,
            Some(b"b") => CellType::Bool,
            Some(b"e") => CellType::Error,
            Some(b"str") => CellType::FormulaText,
            Some(b"inlineStr" | b"is") => CellType::Inline,
            Some(b"d") => CellType::IsoDate,
            Some(_) => CellType::Unknown,
        }
    }
}

impl<'a, R: Read> SheetCells<'a, R> {
    /// Reads the sheet `part` up to its cells.
    ///
    /// # Errors
    /// The part has no `<sheetData>`.
    pub(crate) fn new(part: R, limit: u64, package: &'a Package) -> Result<Self, ReadError> {
        let mut xml = Scanner::new(part, limit, "the sheet");
        let done = loop {
            let Some(tag) = xml.next()? else {
                return Err(ReadError::Corrupt(
                    "a sheet has no cell data (<sheetData>)".to_string(),
                ));
            };
            if xml.local(&tag) == b"sheetData" {
                match tag.kind {
                    Kind::Start => break false,
                    Kind::Empty => break true,
                    _ => {}
                }
            }
        };
        let mut cells = SheetCells {
            xml,
            package,
            row: 0,
            col: 0,
            done,
            merged: Vec::new(),
            scratch: String::new(),
            text: String::new(),
        };
        if done {
            cells.read_merged_ranges();
        }
        Ok(cells)
    }

    /// The merged ranges listed after the cells; complete once
    /// [`Self::next_cell`] has returned `None`.
    pub(crate) fn merged_ranges(&mut self) -> Vec<CellRange> {
        std::mem::take(&mut self.merged)
    }

    /// The next cell, or `None` after the last.
    ///
    /// # Errors
    /// A cell's position or value cannot be read, or the sheet ends inside it.
    pub(crate) fn next_cell(&mut self) -> Result<Option<Cell<DataRef<'a>>>, ReadError> {
        if self.done {
            return Ok(None);
        }
        loop {
            let Some(tag) = self.xml.next()? else {
                return Err(ReadError::Corrupt(
                    "a sheet ends inside its cells".to_string(),
                ));
            };
            match (tag.kind, self.xml.local(&tag)) {
                (Kind::Start | Kind::Empty, b"row") => {
                    if let Some(r) = self.xml.attr(&tag, b"r") {
                        self.row = parse_position(r)?.0;
                    }
                    if tag.kind == Kind::Empty {
                        self.next_row();
                    }
                }
                (Kind::End, b"row") => self.next_row(),
                (Kind::Start | Kind::Empty, b"c") => return self.cell(&tag).map(Some),
                (Kind::End, b"sheetData") => {
                    self.done = true;
                    self.read_merged_ranges();
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    fn next_row(&mut self) {
        self.row = self.row.wrapping_add(1);
        self.col = 0;
    }

    /// The cell whose start tag is `tag`, read up to its end.
    fn cell(&mut self, tag: &Tag) -> Result<Cell<DataRef<'a>>, ReadError> {
        let (mut r, mut s, mut t) = (None, None, None);
        for (key, value) in self.xml.attributes(tag) {
            match key {
                b"r" => r = Some(value),
                b"s" => s = Some(value),
                b"t" => t = Some(value),
                _ => {}
            }
        }
        let style = s.map(parse_index);
        let typ = CellType::of(t);
        let position = match r {
            Some(r) => {
                let (row, col) = parse_position(r)?;
                let col = col.ok_or_else(|| {
                    ReadError::Corrupt("a cell's position has no column".to_string())
                })?;
                self.col = col;
                (row, col)
            }
            None => (self.row, self.col),
        };
        self.col = self.col.wrapping_add(1);
        let mut value = DataRef::Empty;
        if tag.kind == Kind::Empty {
            return Ok(Cell::new(position, value));
        }
        loop {
            let Some(child) = self.xml.next()? else {
                return Err(ends_in_cell());
            };
            let local = self.xml.local(&child);
            match child.kind {
                Kind::End if local == b"c" => return Ok(Cell::new(position, value)),
                Kind::Empty if matches!(local, b"v" | b"f" | b"is") => {
                    value = match local {
                        b"is" => DataRef::String(String::new()),
                        // `<v/>` is `<v></v>`: an empty text, for a type that has one.
                        b"v" if typ != CellType::Inline => typed(self.package, "", typ, style)?,
                        _ => DataRef::Empty,
                    };
                }
                Kind::Start => {
                    value =
                        match local {
                            b"v" if typ == CellType::Inline => {
                                self.skip_to_end(b"v")?;
                                DataRef::Empty
                            }
                            b"v" => self.value(typ, style)?,
                            b"f" => {
                                self.skip_to_end(b"f")?;
                                DataRef::Empty
                            }
                            b"is" => {
                                self.text.clear();
                                read_rich_text(
                                    &mut self.xml,
                                    b"is",
                                    &mut self.text,
                                    &mut self.scratch,
                                )?;
                                DataRef::String(std::mem::take(&mut self.text))
                            }
                            _ => return Err(ReadError::Corrupt(
                                "a cell holds something other than a value, a formula or a text"
                                    .to_string(),
                            )),
                        };
                }
                _ => {}
            }
        }
    }

    /// Skips to the end tag named (without prefix) `local`.
    fn skip_to_end(&mut self, local: &[u8]) -> Result<(), ReadError> {
        loop {
            let Some(tag) = self.xml.next()? else {
                return Err(ends_in_cell());
            };
            if tag.kind == Kind::End && self.xml.local(&tag) == local {
                return Ok(());
            }
        }
    }

    /// The value of a `<v>` whose start tag was just read, up to its end tag.
    fn value(&mut self, typ: CellType, style: Option<usize>) -> Result<DataRef<'a>, ReadError> {
        let Some(tag) = self.xml.next()? else {
            return Err(ends_in_cell());
        };
        // Nearly always the value's text and then its end tag: read in place
        // (`decode_text` borrows a text without entities or line ends).
        if tag.kind == Kind::End && self.xml.local(&tag) == b"v" {
            return typed(self.package, &decode_text(self.xml.text(&tag))?, typ, style);
        }
        self.text.clear();
        let mut tag = tag;
        loop {
            self.text.push_str(&decode_text(self.xml.text(&tag))?);
            // A CDATA section in a value is left out, as calamine leaves it.
            if tag.kind == Kind::End && self.xml.local(&tag) == b"v" {
                break;
            }
            tag = self.xml.next()?.ok_or_else(ends_in_cell)?;
        }
        typed(self.package, &self.text, typ, style)
    }
}

fn ends_in_cell() -> ReadError {
    ReadError::Corrupt("a sheet ends inside a cell".to_string())
}

/// The value `v` of a cell of type `typ` and style `style`, as calamine
/// reads it.
fn typed<'a>(
    package: &'a Package,
    v: &str,
    typ: CellType,
    style: Option<usize>,
) -> Result<DataRef<'a>, ReadError> {
    Ok(match typ {
        CellType::Shared => {
            if v.is_empty() {
                return Ok(DataRef::Empty);
            }
            // As calamine: an index that is not a number is 0.
            let index = parse_index(v.as_bytes());
            package
                .strings
                .get(index)
                .map(DataRef::SharedString)
                .ok_or_else(|| {
                    ReadError::Corrupt(format!(
                        "a cell refers to text number {index}, but its table of texts has fewer"
                    ))
                })?
        }
        CellType::Bool => match v.trim() {
            "" => DataRef::Empty,
            t if t == "0" || t.eq_ignore_ascii_case("false") => DataRef::Bool(false),
            t if t == "1" || t.eq_ignore_ascii_case("true") => DataRef::Bool(true),
            _ => return Err(unreadable_value("a true/false cell")),
        },
        CellType::Error if v.is_empty() => DataRef::Empty,
        CellType::Error => DataRef::Error(
            v.parse::<CellErrorType>()
                .map_err(|_| unreadable_value("an error cell"))?,
        ),
        CellType::FormulaText => DataRef::String(unescape_excel(v).into_owned()),
        CellType::IsoDate => DataRef::DateTimeIso(v.to_string()),
        CellType::Number { stated } => {
            if v.is_empty() {
                return Ok(DataRef::Empty);
            }
            match v.parse::<f64>() {
                Ok(n) => number(package, n, style),
                Err(_) if !stated => DataRef::String(v.to_string()),
                Err(_) => return Err(unreadable_value("a number cell")),
            }
        }
        CellType::Inline => DataRef::Empty,
        CellType::Unknown => {
            return Err(ReadError::Corrupt(
                "a cell has a type Excel does not write".to_string(),
            ))
        }
    })
}

/// A number as its cell style shows it: a date, a duration or a number.
fn number(package: &Package, n: f64, style: Option<usize>) -> DataRef<'static> {
    let shown = match style {
        Some(index) => package.styles.get(index).copied(),
        None => Some(NumberShown::Number),
    };
    let is_1904 = package.is_1904;
    match shown {
        Some(NumberShown::DateTime) => {
            DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::DateTime, is_1904))
        }
        Some(NumberShown::Duration) => {
            DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::TimeDelta, is_1904))
        }
        _ => DataRef::Float(n),
    }
}

impl<R: Read> SheetCells<'_, R> {
    /// The `<mergeCells>` after the cells. They only explain other findings,
    /// so whatever cannot be read of them is left out.
    fn read_merged_ranges(&mut self) {
        while let Ok(Some(tag)) = self.xml.next() {
            match (tag.kind, self.xml.local(&tag)) {
                (Kind::Start | Kind::Empty, b"mergeCell") => {
                    if let Some(range) = self
                        .xml
                        .attr(&tag, b"ref")
                        .and_then(|r| std::str::from_utf8(r).ok())
                        .and_then(parse_range)
                    {
                        self.merged.push(range);
                    }
                }
                (Kind::End, b"mergeCells") => return,
                _ => {}
            }
        }
    }
}

fn unreadable_value(what: &str) -> ReadError {
    ReadError::Corrupt(format!("{what} holds a value that cannot be read"))
}

/// A style or text index as calamine reads one: the leading digits; 0 when
/// there are none.
fn parse_index(bytes: &[u8]) -> usize {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Excel's columns: A to XFD.
const EXCEL_COLUMNS: u32 = 16_384;

/// A cell's or row's position (`B3`, or `3` for a row): 0-based row, and the
/// 0-based column when there is one.
///
/// # Errors
/// Not letters then digits, no row, or a row or column past what 32 bits
/// hold (calamine wraps those round; a wrapped row would be read over the
/// header).
fn parse_position(text: &[u8]) -> Result<(u32, Option<u32>), ReadError> {
    let bad = || {
        ReadError::Corrupt(format!(
            "a cell's position \"{}\" cannot be read",
            String::from_utf8_lossy(&text[..text.len().min(20)])
        ))
    };
    let past = || {
        ReadError::Corrupt(
            "a cell is past Excel's limit of 1,048,576 rows and 16,384 columns".to_string(),
        )
    };
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (letters, digits) = text.split_at(letters);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let col = letters.iter().try_fold(0u32, |n, b| {
        n.checked_mul(26)?
            .checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)
    });
    let row = digits.iter().try_fold(0u32, |n, b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    });
    let (Some(col), Some(row)) = (col, row) else {
        return Err(past());
    };
    let row = row.checked_sub(1).ok_or_else(bad)?;
    Ok((row, col.checked_sub(1)))
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

/// `B3` → (row 3, column 1); `$B$3` too; `None` past Excel's last column.
fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let (row, col) = parse_position(text.trim().replace('$', "").as_bytes()).ok()?;
    let col = col.filter(|&col| col < EXCEL_COLUMNS)?;
    Some((row + 1, col))
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
        assert_eq!(parse_position(b"B3").unwrap(), (2, Some(1)));
        assert_eq!(parse_position(b"7").unwrap(), (6, None));
        assert!(parse_position(b"A4294967297").is_err());
        assert!(parse_position(b"A0").is_err());
        assert!(parse_position(b"A1B").is_err());
    }

    /// The cells (position, value as debugged) and merged ranges of `sheet`.
    type Found = (Vec<((u32, u32), String)>, Vec<String>);

    fn read(sheet: &str, package: &Package) -> Found {
        let mut cells = SheetCells::new(sheet.as_bytes(), u64::MAX, package).unwrap();
        let mut found = Vec::new();
        while let Some(cell) = cells.next_cell().unwrap() {
            found.push((cell.get_position(), format!("{:?}", cell.get_value())));
        }
        let merged = cells.merged_ranges().iter().map(CellRange::a1).collect();
        (found, merged)
    }

    #[test]
    fn cells_come_with_their_positions_values_and_the_merged_ranges() {
        let package = Package {
            styles: vec![NumberShown::Number, NumberShown::DateTime],
            ..Package::default()
        };
        let sheet = concat!(
            "<worksheet><dimension ref=\"A1:C3\"/><sheetData>",
            "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>名称</t></is></c><c t=\"b\"><v>1</v></c></row>",
            "<row><c s=\"1\"><v>46000</v></c><c><v>x1</v></c><c t=\"str\"><f>A1</f><v>a_x000D_b</v></c><c r=\"E2\" t=\"e\"><v>#N/A</v></c></row>",
            "<row r=\"5\"/><row><c r=\"B6\"/></row>",
            "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A3:A4\"/></mergeCells></worksheet>"
        );
        let (cells, merged) = read(sheet, &package);
        let positions: Vec<(u32, u32)> = cells.iter().map(|c| c.0).collect();
        assert_eq!(
            positions,
            [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 4), (5, 1)]
        );
        assert_eq!(cells[0].1, "String(\"名称\")");
        assert_eq!(cells[1].1, "Bool(true)");
        assert!(cells[2].1.starts_with("DateTime("), "{}", cells[2].1);
        assert_eq!(cells[3].1, "String(\"x1\")");
        assert_eq!(cells[4].1, "String(\"a\\rb\")");
        assert_eq!(cells[5].1, "Error(NA)");
        assert_eq!(cells[6].1, "Empty");
        assert_eq!(merged, ["A3:A4"]);
    }

    #[test]
    fn a_damaged_sheet_is_refused() {
        let package = Package::default();
        for sheet in [
            "<worksheet></worksheet>",
            "<worksheet><sheetData><row><c t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
            "<worksheet><sheetData><row><c r=\"A99999999999\"><v>1</v></c>",
            "<worksheet><sheetData><row><c t=\"n\"><v>abc</v></c></row></sheetData></worksheet>",
        ] {
            let result = SheetCells::new(sheet.as_bytes(), u64::MAX, &package)
                .and_then(|mut cells| while_cells(&mut cells));
            assert!(result.is_err(), "{sheet}");
        }
    }

    fn while_cells<R: Read>(cells: &mut SheetCells<'_, R>) -> Result<(), ReadError> {
        while cells.next_cell()?.is_some() {}
        Ok(())
    }
}
