//! Bounds: files built to exhaust memory or time — a zip bomb, a sheet claiming
//! every cell of the grid, 32,767-character cells, 16,384 columns, thousands of
//! sheets, deeply nested XML — each run through the CLI under a memory limit.
//! Every one must finish in seconds with a clear message naming the limit, or
//! with a normal report.

mod hostile_files;
mod support;

use crmsheet::lang::Lang;
use crmsheet::template::SheetKind;
use hostile_files::*;
use std::path::Path;
use support::{entry, Book, Cell};
use tempfile::TempDir;

/// Seconds any of these runs may take in a debug build on a shared machine.
/// A guard against hangs, not a speed test (speed is measured in `bench/`):
/// generous enough for a debug build on a loaded 2-core machine.
const HANG: u64 = 180;

/// A small filled workbook to graft hostile parts onto.
fn base_xlsx(dir: &Path) -> std::path::PathBuf {
    Book::new()
        .entries([entry("明远机械有限公司")])
        .write(dir, "base.xlsx")
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

#[test]
fn the_bomb_maker_makes_real_bombs() {
    // The helper's deflate streams inflate to what they claim, in either
    // density, so the tests below are refusing real bombs.
    for dense in [true, false] {
        let (stream, size) = deflate_spaces(b"<a>", 3 << 20, b"</a>", dense);
        let mut expected = b"<a>".to_vec();
        expected.resize(size as usize - 4, b' ');
        expected.extend(b"</a>");
        let part = Part {
            name: "p.xml".into(),
            deflated: true,
            data: stream,
            crc: crc32(&expected),
            size,
        };
        let ratio = size / part.data.len() as u64;
        if dense {
            assert!(ratio > 900, "{ratio}");
        } else {
            assert!((100..200).contains(&ratio), "{ratio}");
        }
        let bytes = zip_bytes(&[part]);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut inflated).unwrap();
        assert!(inflated == expected, "dense {dense}");
    }
}

#[test]
fn a_zip_bomb_sheet_is_refused_before_inflating() {
    let dir = TempDir::new().unwrap();
    let base = base_xlsx(dir.path());
    // 6 GiB of sheet XML in about 6 MiB.
    let (stream, size) =
        deflate_spaces(SHEET_HEAD.as_bytes(), 6 << 30, SHEET_TAIL.as_bytes(), true);
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::bomb("xl/worksheets/sheet1.xml", stream, size),
    );
    assert!(bytes.len() < 8 << 20);
    std::fs::write(dir.path().join("bomb.xlsx"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "bomb.xlsx");
    let line = unreadable_message(&run, &json, "bomb.xlsx");
    assert!(line.contains("too large to check safely"), "{line}");
    assert!(
        line.contains("the sheet xl/worksheets/sheet1.xml"),
        "{line}"
    );
    assert!(line.contains("to 6.0 GiB"), "{line}");
    assert!(line.contains("a zip bomb"), "{line}");
    assert_finishes(&run, HANG);
}

#[test]
fn a_smaller_bomb_is_caught_by_its_ratio() {
    // 256 MiB is under the size limit, but at 1,000:1 it is no spreadsheet.
    let dir = TempDir::new().unwrap();
    let base = base_xlsx(dir.path());
    let (stream, size) = deflate_spaces(
        SHEET_HEAD.as_bytes(),
        256 << 20,
        SHEET_TAIL.as_bytes(),
        true,
    );
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::bomb("xl/worksheets/sheet1.xml", stream, size),
    );
    std::fs::write(dir.path().join("bomb.xlsx"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "bomb.xlsx");
    let line = unreadable_message(&run, &json, "bomb.xlsx");
    assert!(line.contains("a zip bomb"), "{line}");
    assert!(
        line.contains("limit 200:1 for parts above 64 MiB"),
        "{line}"
    );
    assert_finishes(&run, HANG);
}

#[test]
fn a_sheet_over_the_size_limit_is_refused_and_says_the_limit() {
    // 3 GiB at an ordinary ratio (about 160:1): not a bomb, just too big.
    let dir = TempDir::new().unwrap();
    let base = base_xlsx(dir.path());
    let (stream, size) =
        deflate_spaces(SHEET_HEAD.as_bytes(), 3 << 30, SHEET_TAIL.as_bytes(), false);
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::bomb("xl/worksheets/sheet1.xml", stream, size),
    );
    std::fs::write(dir.path().join("huge.xlsx"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "huge.xlsx");
    let line = unreadable_message(&run, &json, "huge.xlsx");
    assert!(
        line.contains("the sheet xl/worksheets/sheet1.xml would inflate to 3.0 GiB (limit 2 GiB)"),
        "{line}"
    );
    assert_finishes(&run, HANG);
}

#[test]
fn a_table_of_texts_over_its_limit_is_refused() {
    let dir = TempDir::new().unwrap();
    let base = base_xlsx(dir.path());
    let head = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#;
    let (stream, size) = deflate_spaces(head.as_bytes(), 600 << 20, b"</t></si></sst>", false);
    let bytes = replace_part(
        &base,
        "xl/sharedStrings.xml",
        Part::bomb("xl/sharedStrings.xml", stream, size),
    );
    std::fs::write(dir.path().join("texts.xlsx"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "texts.xlsx");
    let line = unreadable_message(&run, &json, "texts.xlsx");
    assert!(
        line.contains("the table of texts xl/sharedStrings.xml would inflate to 60"),
        "{line}"
    );
    assert!(line.contains("MiB (limit 512 MiB)"), "{line}");
    assert_finishes(&run, HANG);
}

/// An xlsx whose entry sheet is `xml` (stored, with its real CRC).
fn xlsx_with_sheet_xml(dir: &Path, name: &str, xml: &[u8]) {
    let base = base_xlsx(dir);
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::stored("xl/worksheets/sheet1.xml", xml),
    );
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Inline-string cells of one row.
fn xml_row(row: u32, cells: &[(u32, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(col, text)| {
            format!(
                r#"<c r="{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                crmsheet::read::a1(row, *col),
                escape(text)
            )
        })
        .collect();
    format!(r#"<row r="{row}">{cells}</row>"#)
}

fn header_cells(kind: SheetKind) -> Vec<(u32, String)> {
    support::headers_in(kind, Lang::Zh)
        .into_iter()
        .enumerate()
        .map(|(c, h)| (c as u32, h))
        .collect()
}

fn borrowed(cells: &[(u32, String)]) -> Vec<(u32, &str)> {
    cells.iter().map(|(c, s)| (*c, s.as_str())).collect()
}

#[test]
fn a_highly_compressible_small_part_is_read_normally() {
    // 8 MiB of whitespace at 1,000:1 is harmless: below 64 MiB no ratio counts.
    let dir = TempDir::new().unwrap();
    let head = header_cells(SheetKind::Entry);
    let prefix = format!(
        "{SHEET_HEAD}{}{}",
        xml_row(1, &borrowed(&head)),
        xml_row(2, &[(3, "明远机械有限公司")])
    );
    let (stream, size) = deflate_spaces(prefix.as_bytes(), 8 << 20, SHEET_TAIL.as_bytes(), true);
    let mut inflated = prefix.into_bytes();
    inflated.resize(size as usize - SHEET_TAIL.len(), b' ');
    inflated.extend(SHEET_TAIL.as_bytes());
    let base = base_xlsx(dir.path());
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part {
            name: "xl/worksheets/sheet1.xml".into(),
            deflated: true,
            data: stream,
            crc: crc32(&inflated),
            size,
        },
    );
    std::fs::write(dir.path().join("spaces.xlsx"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "spaces.xlsx");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 1);
    assert_finishes(&run, HANG);
}

#[test]
fn an_xlsx_claiming_every_cell_of_the_grid_reads_normally() {
    // A dimension of A1:XFD1048576 and a stray value in the very last cell:
    // the sheet is streamed, so neither costs memory.
    let dir = TempDir::new().unwrap();
    let head = header_cells(SheetKind::Entry);
    let xml = format!(
        r#"{}<dimension ref="A1:XFD1048576"/><sheetData>{}{}{}{SHEET_TAIL}"#,
        SHEET_HEAD.trim_end_matches("<sheetData>"),
        xml_row(1, &borrowed(&head)),
        xml_row(2, &[(3, "明远机械有限公司")]),
        xml_row(1_048_576, &[(16_383, "stray")]),
    );
    xlsx_with_sheet_xml(dir.path(), "grid.xlsx", xml.as_bytes());
    let (run, json) = validate_limited(dir.path(), "grid.xlsx");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 1);
    assert_finishes(&run, HANG);
}

#[test]
fn an_ods_repeating_a_filled_cell_over_the_grid_is_refused() {
    // A few hundred bytes claiming 1,048,576 × 16,384 cells, each holding a
    // text: calamine would expand it; the streaming reader counts it first.
    let dir = TempDir::new().unwrap();
    let header: Vec<&str> = Vec::new();
    let _ = header;
    let heads = support::headers_in(SheetKind::Entry, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let body = ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &format!(
            r#"{}<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>明远机械</text:p></table:table-cell></table:table-row>"#,
            ods_row(&head_refs)
        ),
    );
    let bytes = ods_bytes(&body);
    assert!(bytes.len() < 4096);
    std::fs::write(dir.path().join("grid.ods"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "grid.ods");
    let line = unreadable_message(&run, &json, "grid.ods");
    assert!(
        line.contains("repeats its filled cells to more than 50,000,000 cells"),
        "{line}"
    );
    assert_finishes(&run, HANG);
}

#[test]
fn an_ods_with_the_empty_rest_of_the_grid_reads_normally() {
    // How LibreOffice writes every sheet: the unused rows and columns as
    // repeated empty cells. They cost nothing.
    let dir = TempDir::new().unwrap();
    let heads = support::headers_in(SheetKind::Entry, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let mut data = vec![""; head_refs.len()];
    data[3] = "明远机械有限公司";
    let body = ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &format!(
            r#"{}{}<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
            ods_row(&head_refs),
            ods_row(&data)
        ),
    );
    std::fs::write(dir.path().join("lo.ods"), ods_bytes(&body)).unwrap();
    let (run, json) = validate_limited(dir.path(), "lo.ods");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 1);
    let missing: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-required")
        .filter_map(|f| f["cell"].as_str())
        .collect();
    assert!(missing.contains(&"A2"), "{missing:?}");
    assert_finishes(&run, HANG);
}

/// An xls whose entry sheet holds the template headers, a data row and `extra`
/// records.
fn xls_register(extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut records: Vec<Vec<u8>> = extra;
    for (c, h) in support::headers_in(SheetKind::Entry, Lang::Zh)
        .iter()
        .enumerate()
    {
        records.push(label(0, c as u16, h));
    }
    records.push(label(1, 3, "明远机械有限公司"));
    xls_bytes(&workbook_stream(
        &[],
        &[(support::sheet_name_in(SheetKind::Entry, Lang::Zh), records)],
    ))
}

#[test]
fn the_hand_made_xls_reads() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("ok.xls"),
        xls_register(vec![dimensions(0, 2, 0, 14)]),
    )
    .unwrap();
    let (run, json) = validate_limited(dir.path(), "ok.xls");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 1);
}

#[test]
fn an_xls_declaring_billions_of_cells_is_refused() {
    // calamine reserves room for the declared rows × columns before reading a
    // cell: 4,294,967,295 × 256 would abort the process.
    let dir = TempDir::new().unwrap();
    let bytes = xls_register(vec![dimensions(0, u32::MAX, 0, 256)]);
    std::fs::write(dir.path().join("dims.xls"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "dims.xls");
    let line = unreadable_message(&run, &json, "dims.xls");
    assert!(
        line.contains(
            "declares 1,099,511,627,520 cells (at most 5,000,000 are read from an xls file)"
        ),
        "{line}"
    );
    assert_finishes(&run, HANG);
}

#[test]
fn an_xls_with_cells_at_opposite_corners_is_refused() {
    // Two cells, A1 and the farthest a record can name: calamine builds the
    // grid between them, 65,536 × 65,536 cells.
    let dir = TempDir::new().unwrap();
    let bytes = xls_register(vec![number(65_535, 65_535, 1.0)]);
    std::fs::write(dir.path().join("corners.xls"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "corners.xls");
    let line = unreadable_message(&run, &json, "corners.xls");
    assert!(line.contains("spans 4,294,967,296 cells"), "{line}");
    assert_finishes(&run, HANG);
}

#[test]
fn an_xls_sharing_one_long_text_with_many_cells_is_refused() {
    // One 32,767-character shared text shown in 20,000 cells: calamine copies
    // it into each, 2 GiB from a file of 300 KiB.
    let dir = TempDir::new().unwrap();
    let text: Vec<u8> = "长"
        .repeat(8_000)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut sst = 1u32.to_le_bytes().to_vec();
    sst.extend(1u32.to_le_bytes());
    sst.extend(8_000u16.to_le_bytes());
    sst.push(1);
    // The characters run over CONTINUE records (8,224 bytes each at most).
    let first = 8_000usize.min(text.len());
    sst.extend(&text[..first]);
    let mut globals = vec![record(0x00FC, &sst)];
    for chunk in text[first..].chunks(8_000) {
        let mut data = vec![1u8];
        data.extend(chunk);
        globals.push(record(0x003C, &data));
    }
    let mut cells: Vec<Vec<u8>> = Vec::new();
    for (c, h) in support::headers_in(SheetKind::Entry, Lang::Zh)
        .iter()
        .enumerate()
    {
        cells.push(label(0, c as u16, h));
    }
    for i in 0..20_000u32 {
        let mut data = ((i / 14 + 1) as u16).to_le_bytes().to_vec();
        data.extend(((i % 14) as u16).to_le_bytes());
        data.extend(0u16.to_le_bytes());
        data.extend(0u32.to_le_bytes());
        cells.push(record(0x00FD, &data));
    }
    let bytes = xls_bytes(&workbook_stream(
        &globals,
        &[(support::sheet_name_in(SheetKind::Entry, Lang::Zh), cells)],
    ));
    std::fs::write(dir.path().join("shared.xls"), bytes).unwrap();
    let (run, json) = validate_limited(dir.path(), "shared.xls");
    let line = unreadable_message(&run, &json, "shared.xls");
    assert!(
        line.contains("of text (at most that is read from an xls file)"),
        "{line}"
    );
    assert_finishes(&run, HANG);
}

#[test]
fn cells_of_32767_characters_read_normally_and_stay_masked() {
    let dir = TempDir::new().unwrap();
    // Excel's longest cell, with a mobile number at its very end.
    let long = format!("{}13812345678", "拜访记录".repeat(8_189));
    assert_eq!(long.chars().count(), 32_767);
    let book = Book::new().entries([
        entry("明远机械有限公司").set("interaction", long.as_str()),
        entry(&"长".repeat(32_767)),
    ]);
    book.write(dir.path(), "long.xlsx");
    book.write_csv(SheetKind::Entry, dir.path(), "long.csv");
    let heads = support::headers_in(SheetKind::Entry, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let mut row = vec![""; heads.len()];
    row[3] = "明远机械有限公司";
    row[8] = long.as_str();
    let body = ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &format!("{}{}", ods_row(&head_refs), ods_row(&row)),
    );
    std::fs::write(dir.path().join("long.ods"), ods_bytes(&body)).unwrap();
    for file in ["long.xlsx", "long.csv", "long.ods"] {
        let (run, json) = validate_limited(dir.path(), file);
        assert_no_panic(&run);
        assert_eq!(json["files"][0]["readable"], true, "{file}: {}", run.stderr);
        let pii: Vec<&serde_json::Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "pii")
            .collect();
        assert_eq!(pii.len(), 1, "{file}");
        assert_eq!(pii[0]["cell"], "I2", "{file}");
        assert!(
            !run.stdout.contains("13812345678"),
            "{file}: the number in full"
        );
        assert!(run.stdout.contains("138****5678"), "{file}");
        assert_finishes(&run, HANG);
    }
}

#[test]
fn sixteen_thousand_columns_read_normally() {
    // A header row and a data row running to column XFD.
    let dir = TempDir::new().unwrap();
    let mut head = header_cells(SheetKind::Entry);
    let known = head.len() as u32;
    head.extend((known..16_384).map(|c| (c, format!("备注{c}"))));
    let data: Vec<(u32, String)> = (0..16_384)
        .map(|c| {
            (
                c,
                if c == 3 {
                    "明远机械有限公司".into()
                } else {
                    format!("值{c}")
                },
            )
        })
        .collect();
    let xml = format!(
        "{SHEET_HEAD}{}{}{SHEET_TAIL}",
        xml_row(1, &borrowed(&head)),
        xml_row(2, &borrowed(&data))
    );
    xlsx_with_sheet_xml(dir.path(), "wide.xlsx", xml.as_bytes());
    let (run, json) = validate_limited(dir.path(), "wide.xlsx");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    let unknown = json["summary"]["by_rule"]["unknown-column"].as_u64();
    assert_eq!(unknown, Some(16_384 - u64::from(known)));
    assert_finishes(&run, HANG);
}

#[test]
fn thousands_of_sheets_read_normally() {
    // 3,000 sheets, the entry sheet renamed and last: found by its headers
    // after looking at every other sheet.
    let dir = TempDir::new().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    for i in 0..2_999 {
        let ws = wb.add_worksheet();
        ws.set_name(format!("S{i}")).unwrap();
        ws.write_string(0, 0, format!("第 {i} 页")).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.set_name("客户").unwrap();
    for (c, h) in support::headers_in(SheetKind::Entry, Lang::Zh)
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, h).unwrap();
    }
    ws.write_string(1, 3, "明远机械有限公司").unwrap();
    wb.save(dir.path().join("many.xlsx")).unwrap();
    let (run, json) = validate_limited(dir.path(), "many.xlsx");
    assert_no_panic(&run);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert_eq!(json["files"][0]["sheets"][0]["sheet"], "客户");
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 1);
    assert_finishes(&run, HANG);
}

#[test]
fn more_sheets_than_the_limit_are_refused_in_every_format() {
    let dir = TempDir::new().unwrap();
    let tables: String = (0..10_001)
        .map(|i| format!(r#"<table:table table:name="S{i}"/>"#))
        .collect();
    std::fs::write(dir.path().join("many.ods"), ods_bytes(&tables)).unwrap();
    let sheets: Vec<(String, Vec<Vec<u8>>)> =
        (0..10_001).map(|i| (format!("S{i}"), Vec::new())).collect();
    std::fs::write(
        dir.path().join("many.xls"),
        xls_bytes(&workbook_stream(&[], &sheets)),
    )
    .unwrap();
    for file in ["many.ods", "many.xls"] {
        let (run, json) = validate_limited(dir.path(), file);
        let line = unreadable_message(&run, &json, file);
        assert!(
            line.contains("it has more than 10,000 sheets (at most that many are read)"),
            "{line}"
        );
        assert_finishes(&run, HANG);
    }
}

#[test]
fn deeply_nested_xml_finishes() {
    // A million nested elements inside a cell, in an xlsx sheet, an xlsx table
    // of texts and an ods: no parser recursion may overflow the stack.
    let dir = TempDir::new().unwrap();
    let depth = 1_000_000;
    let head = header_cells(SheetKind::Entry);
    let nested = format!("{}深{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let xml = format!(
        r#"{SHEET_HEAD}{}<row r="2"><c r="D2" t="inlineStr"><is><t>明远</t>{nested}</is></c></row>{SHEET_TAIL}"#,
        xml_row(1, &borrowed(&head)),
    );
    xlsx_with_sheet_xml(dir.path(), "nested.xlsx", xml.as_bytes());

    let base = base_xlsx(dir.path());
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>x</t>{nested}</si></sst>"#
    );
    let bytes = replace_part(
        &base,
        "xl/sharedStrings.xml",
        Part::stored("xl/sharedStrings.xml", sst.as_bytes()),
    );
    std::fs::write(dir.path().join("nested-texts.xlsx"), bytes).unwrap();

    let heads = support::headers_in(SheetKind::Entry, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let spans = format!(
        "{}明远{}",
        "<text:span>".repeat(depth),
        "</text:span>".repeat(depth)
    );
    let body = ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &format!(
            r#"{}<table:table-row><table:table-cell/><table:table-cell/><table:table-cell/><table:table-cell office:value-type="string"><text:p>{spans}</text:p></table:table-cell></table:table-row>"#,
            ods_row(&head_refs)
        ),
    );
    std::fs::write(dir.path().join("nested.ods"), ods_bytes(&body)).unwrap();

    for file in ["nested.xlsx", "nested-texts.xlsx", "nested.ods"] {
        let (run, json) = validate_limited(dir.path(), file);
        assert_no_panic(&run);
        // Read (the nesting is text markup) or refused as damaged: never a
        // crash, never a hang.
        let readable = json["files"][0]["readable"] == true;
        assert!(readable || run.code == 2, "{file}: {}", run.stderr);
        assert_finishes(&run, HANG);
    }
}

#[test]
fn half_downloaded_files_are_damaged_not_crashes() {
    let dir = TempDir::new().unwrap();
    let xlsx = std::fs::read(base_xlsx(dir.path())).unwrap();
    let heads = support::headers_in(SheetKind::Entry, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let ods = ods_bytes(&ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &ods_row(&head_refs),
    ));
    let xls = xls_register(Vec::new());
    for (name, bytes) in [("cut.xlsx", xlsx), ("cut.ods", ods), ("cut.xls", xls)] {
        for share in [10, 50, 90, 99] {
            let cut = &bytes[..bytes.len() * share / 100];
            std::fs::write(dir.path().join(name), cut).unwrap();
            let (run, json) = validate_limited(dir.path(), name);
            assert_no_panic(&run);
            // A zip container keeps its directory at the end: any cut loses
            // it. An xls cut only in its padding still reads.
            if run.code == 2 || !name.ends_with(".xls") {
                let line = unreadable_message(&run, &json, name);
                assert!(
                    line.contains("damaged or incomplete") || line.contains("not a spreadsheet"),
                    "{name} at {share}%: {line}"
                );
            }
        }
    }
}

#[test]
fn a_genuine_date_cell_survives_the_checks() {
    // The checks refuse nothing an office suite writes: dates, numbers and
    // texts of an ordinary register read as before.
    let dir = TempDir::new().unwrap();
    let run = support::check(
        dir.path(),
        &Book::new()
            .entries([entry("明远机械有限公司").set("entry_date", Cell::Date(2026, 11, 29))]),
    );
    assert_eq!(run.code, 0, "{:?}", run.json);
}

#[test]
fn a_csv_row_without_end_is_refused() {
    // A row of 32 MiB, or an unclosed quote swallowing the rest of the file:
    // the csv reader holds a whole row in memory.
    let dir = TempDir::new().unwrap();
    let header = support::headers_in(SheetKind::Entry, Lang::Zh).join(",");
    let long = format!("{header}\n2026-11-29,张伟,,{}\n", "长".repeat(11 << 20));
    std::fs::write(dir.path().join("long.csv"), long).unwrap();
    let open = format!(
        "{header}\n2026-11-29,张伟,,\"{}\n",
        "明远机械,\n".repeat(4 << 20)
    );
    std::fs::write(dir.path().join("open.csv"), open).unwrap();
    for file in ["long.csv", "open.csv"] {
        let (run, json) = validate_limited(dir.path(), file);
        let line = unreadable_message(&run, &json, file);
        assert!(
            line.contains("one of its rows is longer than 16 MiB"),
            "{line}"
        );
        assert_finishes(&run, HANG);
    }
}

#[test]
fn a_password_protected_ods_says_so() {
    let dir = TempDir::new().unwrap();
    let encrypted = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/></manifest:encryption-data>"#;
    let body = ods_table(
        &support::sheet_name_in(SheetKind::Entry, Lang::Zh),
        &ods_row(&["x"]),
    );
    std::fs::write(
        dir.path().join("locked.ods"),
        ods_bytes_with(&body, encrypted),
    )
    .unwrap();
    let (run, json) = validate_limited(dir.path(), "locked.ods");
    let line = unreadable_message(&run, &json, "locked.ods");
    assert!(line.contains("password-protected"), "{line}");
}
