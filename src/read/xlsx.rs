//! xlsx, xlsm and xlsb, streamed.
//!
//! A sheet's cells are handed out one at a time in row order, so a sheet is
//! never held whole: neither its 1,048,575 data rows nor the empty space a
//! stray value in `XFD1048576` would make a `Range` allocate. xlsx and xlsm
//! are read by crmsheet's own parser ([`super::xlsx_parts`],
//! [`super::xlsx_sheet`]), which reads each cell as calamine would (the tests
//! below compare the two) in about a fifth of calamine's time, and finds a
//! sheet's merged ranges in the same pass; xlsb by calamine's cell reader.
//!
//! Read with [`Threads::Two`], the cell reader runs on a thread of its own and
//! does nothing but parse: it passes the cells on in batches, their texts still
//! borrowed from the shared-string table, and the rows are made up on the
//! calling thread while it parses on.

use super::guard::{contain_panics, library_panic};
use super::limits::MAX_SHEET_PART_BYTES;
use super::rows::LazyValue;
use super::source::Source;
use super::workbook::{CellVisitor, Workbook};
use super::xlsx_parts::{self, Package};
use super::xlsx_sheet::SheetCells;
use super::{CellRange, Format, ReadError, Threads};
use calamine::{Cell, DataRef, Reader, SheetType, Xlsb};
use std::io::BufReader;
use std::sync::mpsc::{channel, sync_channel};

type Input = BufReader<super::source::Input>;

/// An open xlsx/xlsm or xlsb workbook.
pub(crate) struct StreamingBook {
    book: Book,
    threads: Threads,
}

enum Book {
    Xlsx(Box<XlsxBook>),
    Xlsb(Box<Xlsb<Input>>),
}

/// An xlsx or xlsm package, read by crmsheet itself ([`xlsx_parts`],
/// [`super::xlsx_sheet`]).
struct XlsxBook {
    archive: zip::ZipArchive<Input>,
    package: Package,
    /// The merged ranges of the sheet read last to its end.
    merged: Option<(String, Vec<CellRange>)>,
}

impl StreamingBook {
    /// Opens the workbook `source` (already detected as `format`).
    ///
    /// # Errors
    /// `Encrypted`, or `Corrupt` when the workbook parts cannot be parsed.
    pub(crate) fn open(
        source: &Source,
        format: Format,
        threads: Threads,
    ) -> Result<StreamingBook, ReadError> {
        let input = BufReader::new(source.open()?);
        let book = match format {
            Format::Xlsb => Book::Xlsb(Box::new(Xlsb::new(input)?)),
            _ => {
                let mut archive = zip::ZipArchive::new(input)?;
                let package = Package::read(&mut archive)?;
                Book::Xlsx(Box::new(XlsxBook {
                    archive,
                    package,
                    merged: None,
                }))
            }
        };
        Ok(StreamingBook { book, threads })
    }
}

/// Cells per batch passed from the reading thread: large enough that passing
/// costs nothing per cell, small enough to stay in the cores' caches.
const CELLS_PER_BATCH: usize = 4096;
/// Batches on their way at most; the reader waits when the rows lag behind.
const BATCHES_IN_FLIGHT: usize = 4;

/// Excel's last row, 1-based.
const EXCEL_ROWS: u32 = 1_048_576;

/// Cells of an xlsx sheet come in row order, within Excel's rows. A cell going
/// back, or one past the limit, is refused rather than checked at the wrong
/// row (a position past 32 bits is already refused when it is parsed).
fn in_order(last: &mut Option<(u32, u32)>, (row, col): (u32, u32)) -> Result<(), ReadError> {
    if row >= EXCEL_ROWS {
        return Err(ReadError::Corrupt(format!(
            "a cell is on row {}, past Excel's limit of 1,048,576 rows",
            u64::from(row) + 1
        )));
    }
    if let Some((last_row, last_col)) = *last {
        if (row, col) <= (last_row, last_col) {
            return Err(ReadError::Corrupt(format!(
                "its cells are out of order (row {} after row {}): a row number past Excel's limit of 1,048,576 rows, or a damaged sheet",
                row + 1,
                last_row + 1
            )));
        }
    }
    *last = Some((row, col));
    Ok(())
}

/// One cell as the reading thread passes it on: 1-based row, column, value.
type RawCell<'a> = (u32, u32, DataRef<'a>);

/// Hands every cell `next` yields to `visit`, until `visit` breaks.
fn stream_cells<'a>(
    mut next: impl FnMut() -> Result<Option<Cell<DataRef<'a>>>, ReadError> + Send,
    threads: Threads,
    visit: &mut CellVisitor<'_>,
) -> Result<(), ReadError> {
    if threads == Threads::Two {
        if let Some(result) = stream_cells_on_thread(&mut next, visit) {
            return result;
        }
    }
    while let Some(cell) = next()? {
        let (row, col) = cell.get_position();
        if visit(row.saturating_add(1), col, LazyValue::Ref(cell.get_value())).is_break() {
            break;
        }
    }
    Ok(())
}

/// [`stream_cells`] with `next` on a thread of its own, or `None` when no
/// thread can be started (nothing has been read then).
fn stream_cells_on_thread<'a>(
    next: &mut (impl FnMut() -> Result<Option<Cell<DataRef<'a>>>, ReadError> + Send),
    visit: &mut CellVisitor<'_>,
) -> Option<Result<(), ReadError>> {
    std::thread::scope(|scope| {
        let (send_full, full) = sync_channel::<Vec<RawCell<'a>>>(BATCHES_IN_FLIGHT);
        let (send_empty, empty) = channel::<Vec<RawCell<'a>>>();
        let reader = std::thread::Builder::new()
            .name("crmsheet-read".into())
            .spawn_scoped(scope, move || {
                contain_panics(move || -> Result<(), ReadError> {
                    loop {
                        let mut batch = empty
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(CELLS_PER_BATCH));
                        let mut done = false;
                        while batch.len() < CELLS_PER_BATCH {
                            let Some(cell) = next()? else {
                                done = true;
                                break;
                            };
                            let (row, col) = cell.get_position();
                            batch.push((row.saturating_add(1), col, cell.get_value().clone()));
                        }
                        // A closed channel: the cells are no longer wanted.
                        if send_full.send(batch).is_err() || done {
                            return Ok(());
                        }
                    }
                })
            })
            .ok()?;
        let mut stopped = false;
        for mut batch in full.iter() {
            for (row, col, value) in batch.drain(..) {
                if visit(row, col, LazyValue::Ref(&value)).is_break() {
                    stopped = true;
                    break;
                }
            }
            if stopped {
                break;
            }
            // The reader may be done already; then the batch is not needed.
            let _ = send_empty.send(batch);
        }
        // Stops a reader still parsing (after a break) before it is waited for.
        drop(full);
        Some(match reader.join() {
            Ok(Ok(result)) => result,
            Ok(Err(message)) => Err(library_panic(&message)),
            Err(_) => Err(library_panic("the reading thread stopped")),
        })
    })
}

fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

impl Workbook for StreamingBook {
    fn sheet_names(&self) -> Vec<String> {
        match &self.book {
            Book::Xlsx(book) => book.package.sheets.iter().map(|s| s.name.clone()).collect(),
            Book::Xlsb(wb) => worksheet_names(wb.sheets_metadata()),
        }
    }

    fn for_each_cell(&mut self, sheet: &str, visit: &mut CellVisitor<'_>) -> Result<(), ReadError> {
        let threads = self.threads;
        match &mut self.book {
            Book::Xlsx(book) => book.for_each_cell(sheet, threads, visit),
            Book::Xlsb(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet)?;
                stream_cells(
                    move || reader.next_cell().map_err(ReadError::from),
                    threads,
                    visit,
                )
            }
        }
    }

    fn custom_property(&mut self, name: &str) -> Option<String> {
        match &mut self.book {
            Book::Xlsx(book) => xlsx_parts::custom_property(&mut book.archive, name),
            Book::Xlsb(wb) => wb
                .workbook_properties()
                .ok()?
                .custom_properties
                .get(name)
                .cloned(),
        }
    }

    fn merged_cells(&mut self, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
        Ok(match &mut self.book {
            Book::Xlsx(book) => match book.merged.take() {
                Some((name, ranges)) if name == sheet => ranges,
                _ => Vec::new(),
            },
            // calamine does not read the merged cells of an xlsb.
            Book::Xlsb(_) => Vec::new(),
        })
    }
}

impl XlsxBook {
    fn for_each_cell(
        &mut self,
        sheet: &str,
        threads: Threads,
        visit: &mut CellVisitor<'_>,
    ) -> Result<(), ReadError> {
        let not_found = || ReadError::Corrupt(format!("the part of sheet \"{sheet}\" is missing"));
        let entry = self
            .package
            .sheets
            .iter()
            .find(|s| s.name == sheet)
            .ok_or_else(not_found)?;
        let name = xlsx_parts::entry_name(&self.archive, &entry.part).ok_or_else(not_found)?;
        let part = self.archive.by_name(&name)?;
        let mut cells = SheetCells::new(part, MAX_SHEET_PART_BYTES, &self.package)?;
        let mut last = None;
        let mut finished = false;
        stream_cells(
            || {
                let cell = cells.next_cell()?;
                match &cell {
                    Some(cell) => in_order(&mut last, cell.get_position())?,
                    None => finished = true,
                }
                Ok(cell)
            },
            threads,
            visit,
        )?;
        if finished {
            self.merged = Some((sheet.to_string(), cells.merged_ranges()));
        }
        Ok(())
    }
}

/// crmsheet's own xlsx reader against calamine's, the reference it replaces:
/// the same sheets, cells (position and value), merged ranges and custom
/// properties, for every xlsx the repository holds and for workbooks written
/// here with every kind of value.
#[cfg(test)]
mod same_as_calamine {
    use super::*;
    use calamine::{Data, Xlsx};
    use rust_xlsxwriter::{
        ExcelDateTime as WriteDate, Format as CellFormat, Formula, Workbook as NewBook,
    };
    use std::io::Cursor;
    use std::path::Path;

    type Cells = Vec<((u32, u32), Data)>;

    /// Sheets, each with its cells and merged ranges (`A1:B2`), and the value
    /// of the custom property `version`; `None` when the file is refused.
    type Reading = Option<(Vec<(String, Cells, Vec<String>)>, Option<String>)>;

    fn by_calamine(bytes: &[u8]) -> Reading {
        let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).ok()?;
        let names = worksheet_names(book.sheets_metadata());
        let mut sheets = Vec::new();
        for name in names {
            let mut cells = Vec::new();
            let mut reader = book.worksheet_cells_reader(&name).ok()?;
            while let Some(cell) = reader.next_cell().ok()? {
                cells.push((cell.get_position(), Data::from(cell.get_value().clone())));
            }
            drop(reader);
            let merged = book
                .merge_cells_by_sheet_name(&name)
                .unwrap_or_default()
                .iter()
                .map(|d| {
                    CellRange {
                        first_row: d.start.0 + 1,
                        first_col: d.start.1,
                        last_row: d.end.0 + 1,
                        last_col: d.end.1,
                    }
                    .a1()
                })
                .collect();
            sheets.push((name, cells, merged));
        }
        let version = book
            .workbook_properties()
            .ok()
            .and_then(|p| p.custom_properties.get("version").cloned());
        Some((sheets, version))
    }

    fn by_crmsheet(bytes: &[u8]) -> Result<Reading, ReadError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
        let package = Package::read(&mut archive)?;
        let mut sheets = Vec::new();
        for entry in &package.sheets {
            let name = xlsx_parts::entry_name(&archive, &entry.part).expect("the sheet's part");
            let part = archive.by_name(&name)?;
            let mut reader = SheetCells::new(part, MAX_SHEET_PART_BYTES, &package)?;
            let mut cells = Vec::new();
            while let Some(cell) = reader.next_cell()? {
                cells.push((cell.get_position(), Data::from(cell.get_value().clone())));
            }
            let merged = reader.merged_ranges().iter().map(CellRange::a1).collect();
            sheets.push((entry.name.clone(), cells, merged));
        }
        let version = xlsx_parts::custom_property(&mut archive, "version");
        Ok(Some((sheets, version)))
    }

    fn assert_same(what: &str, bytes: &[u8]) -> bool {
        // Files past the bounds checked before any workbook is opened are
        // never read (and would make calamine reserve by a forged count).
        let within_bounds = zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|mut archive| {
            super::super::limits::check_zip(&mut archive).is_ok()
                && super::super::limits::check_shared_strings(&mut archive).is_ok()
        });
        if !within_bounds {
            return false;
        }
        let expected = by_calamine(bytes);
        match (&expected, by_crmsheet(bytes)) {
            (Some(expected), Ok(read)) => assert_eq!(read.as_ref(), Some(expected), "{what}"),
            // A file calamine refuses may still be read where crmsheet is
            // more lenient (a macro sheet, say); never the other way round,
            // but for the bounds calamine does not keep (a zip bomb).
            (None, _) | (Some(_), Err(ReadError::TooLarge(_))) => {}
            (Some(_), Err(e)) => panic!("{what}: calamine reads it, crmsheet refuses it: {e}"),
        }
        expected.is_some()
    }

    #[test]
    fn every_workbook_of_the_repository_reads_alike() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut compared = 0;
        for dir in [
            "samples",
            "fuzz/seeds",
            "tests/regressions",
            "tests/fixtures",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if ext == "xlsx" || ext == "xlsm" {
                    let bytes = std::fs::read(&path).unwrap();
                    compared += usize::from(assert_same(&path.display().to_string(), &bytes));
                }
            }
        }
        assert!(compared >= 6, "only {compared} workbooks read");
    }

    #[test]
    fn every_kind_of_value_reads_alike() {
        let mut book = NewBook::new();
        let date = CellFormat::new().set_num_format("yyyy-mm-dd");
        let cn_date = CellFormat::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        let time = CellFormat::new().set_num_format("hh:mm:ss");
        let elapsed = CellFormat::new().set_num_format("[h]:mm");
        let money = CellFormat::new().set_num_format("#,##0.00;[Red]-#,##0.00");
        let bold = CellFormat::new().set_bold();
        let sheet = book.add_worksheet().set_name("客户信息录入表").unwrap();
        sheet
            .write_string(0, 0, "  leading and trailing  ")
            .unwrap();
        sheet
            .write_string(0, 1, "line\r\nbreak & <tag> \"q\" 'a'")
            .unwrap();
        sheet
            .write_string(0, 2, "_x000D_ literal and 😀 emoji")
            .unwrap();
        sheet
            .write_rich_string(0, 3, &[(&bold, "rich "), (&CellFormat::default(), "text")])
            .unwrap();
        sheet.write_number(1, 0, 46_000.5).unwrap();
        sheet
            .write_number_with_format(1, 1, 46_000.0, &date)
            .unwrap();
        sheet
            .write_number_with_format(1, 2, 46_000.0, &cn_date)
            .unwrap();
        sheet.write_number_with_format(1, 3, 0.5, &time).unwrap();
        sheet
            .write_number_with_format(1, 4, 30.25, &elapsed)
            .unwrap();
        sheet
            .write_number_with_format(1, 5, -1234.5, &money)
            .unwrap();
        let when = WriteDate::parse_from_str("2026-12-04").unwrap();
        sheet
            .write_datetime_with_format(1, 6, &when, &date)
            .unwrap();
        sheet.write_boolean(2, 0, true).unwrap();
        sheet.write_boolean(2, 1, false).unwrap();
        sheet
            .write_formula(
                2,
                2,
                Formula::new("=A1&\"x\"").set_result("  leading and trailing  x"),
            )
            .unwrap();
        sheet
            .write_formula(2, 3, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        sheet
            .write_formula(2, 4, Formula::new("=A2*2").set_result("92001"))
            .unwrap();
        sheet.write_blank(3, 0, &bold).unwrap();
        sheet.write_string(1_048_575, 16_383, "far corner").unwrap();
        sheet.merge_range(5, 0, 6, 2, "merged", &bold).unwrap();
        sheet.merge_range(8, 3, 8, 4, "", &bold).unwrap();
        let hidden = book.add_worksheet().set_name("hidden").unwrap();
        hidden.write_string(0, 0, "x").unwrap();
        hidden.set_hidden(true);
        book.add_worksheet().set_name("empty").unwrap();
        book.set_properties(
            &rust_xlsxwriter::DocProperties::new().set_custom_property("version", "1.0.0 & <b>"),
        );
        let bytes = book.save_to_buffer().unwrap();
        assert!(assert_same("a workbook of every kind of value", &bytes));

        let mut cells = by_crmsheet(&bytes).unwrap().unwrap().0;
        let (_, entry, merged) = cells.remove(0);
        let date =
            calamine::ExcelDateTime::new(46_000.0, calamine::ExcelDateTimeType::DateTime, false);
        assert!(entry.contains(&((1, 1), Data::DateTime(date))));
        assert_eq!(merged, ["A6:C7", "D9:E9"]);
    }

    /// Writes the package `parts` (name, XML) as a zip.
    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, xml) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(xml.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn hand_written_packages_read_alike() {
        let rels = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
        let book_rels = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>"#;
        let workbook = r#"<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="A &amp; B" sheetId="1" r:id="rId1"/><sheet name="two" sheetId="2" r:id="rId2" state="hidden"/></sheets></workbook>"#;
        let strings = "<sst count=\"3\"><si><t>one</t></si><si><r><t>t</t></r><r><t xml:space=\"preserve\"> wo</t></r><rPh><t>x</t></rPh></si><si/></sst>";
        let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="200" formatCode="d/m/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="200"/><xf numFmtId="46"/></cellXfs></styleSheet>"#;
        let sheets = [
            // Cells without positions, an empty row, a row without a number.
            "<worksheet><sheetData><row><c t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c></row><row r=\"4\"/><row><c s=\"1\"><v>1</v></c><c s=\"2\"><v>1.5</v></c><c><v>text</v></c></row></sheetData></worksheet>",
            // Prefixed names, entities, an inline string, CDATA, comments.
            "<x:worksheet xmlns:x=\"m\"><x:sheetData><x:row r=\"2\"><x:c r=\"B2\" t=\"inlineStr\"><x:is><x:t>a&amp;b&#x4E2D;</x:t></x:is></x:c><!-- <c r=\"C2\"> --><x:c r=\"C2\" t=\"str\"><x:v><![CDATA[cd]]></x:v></x:c><x:c r=\"D2\" t=\"d\"><x:v>2026-12-04T00:00:00</x:v></x:c></x:row><x:row r=\"3\"><x:c r=\"A3\" t=\"str\"><x:v/></x:c><x:c r=\"B3\" t=\"e\"><x:v></x:v></x:c><x:c r=\"C3\" t=\"d\"><x:v/></x:c><x:c r=\"D3\" t=\"b\"><x:v/></x:c><x:c r=\"E3\" t=\"inlineStr\"><x:is/></x:c><x:c r=\"F3\"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref=\"B3:C4\"/></x:mergeCells></x:worksheet>",
        ];
        let bytes = package(&[
            ("_rels/.rels", rels),
            ("xl/_rels/workbook.xml.rels", book_rels),
            ("xl/workbook.xml", workbook),
            ("xl/sharedStrings.xml", strings),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", sheets[0]),
            ("xl/worksheets/sheet2.xml", sheets[1]),
        ]);
        assert!(assert_same("a hand-written package", &bytes));
        let (read, _) = by_crmsheet(&bytes).unwrap().unwrap();
        assert_eq!(read[0].0, "A & B");
        assert_eq!(read[0].1[1].1, Data::String("t wo".into()));
        assert_eq!(read[1].2, ["B3:C4"]);
    }
}
