//! The reader, through its public API: workbooks and CSV files made in a temp
//! folder, read with a sink that records what it is given.

use chrono::{NaiveDate, NaiveDateTime};
use crmsheet::lang::Lang;
use crmsheet::read::{
    read_file, FieldCell, FileRead, Format, ReadError, Row, RowSink, SheetLayout, Stamp, Value,
};
use crmsheet::template::{SheetKind, Template};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as XlsxFormat, Workbook, Worksheet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

mod support;
use support::soffice_convert;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Recorder {
    sheets: Vec<SheetLayout>,
    rows: Vec<(SheetKind, Row)>,
}

impl RowSink for Recorder {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.sheets.push(layout.clone());
    }
    fn row(&mut self, layout: &SheetLayout, row: Row) {
        self.rows.push((layout.kind, row));
    }
}

impl Recorder {
    fn layout(&self, kind: SheetKind) -> &SheetLayout {
        self.sheets
            .iter()
            .find(|l| l.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} sheet in {:?}", self.sheets))
    }

    fn rows(&self, kind: SheetKind) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, r)| r)
            .collect()
    }

    fn row_numbers(&self, kind: SheetKind) -> Vec<u32> {
        self.rows(kind).iter().map(|r| r.row).collect()
    }

    /// The cell of field `key` on sheet row `row`.
    fn cell(&self, kind: SheetKind, row: u32, key: &str) -> Option<FieldCell> {
        let field = template().sheet(kind).field_index(key).unwrap();
        let found = self
            .rows(kind)
            .into_iter()
            .find(|r| r.row == row)
            .unwrap_or_else(|| panic!("no {kind:?} row {row}"));
        found.cells[field].clone()
    }

    fn value(&self, kind: SheetKind, row: u32, key: &str) -> Option<Value> {
        self.cell(kind, row, key).map(|c| c.value)
    }
}

fn template() -> Template {
    Template::builtin()
}

fn read(path: &Path) -> (FileRead, Recorder) {
    let mut recorder = Recorder::default();
    let read = read_file(path, &template(), &mut recorder)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (read, recorder)
}

fn read_err(path: &Path) -> ReadError {
    let mut recorder = Recorder::default();
    read_file(path, &template(), &mut recorder).expect_err("the read should fail")
}

fn text(s: &str) -> Option<Value> {
    Some(Value::Text(s.to_string()))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// Writes rows of text from row `first` (0-based); empty strings are left blank.
fn write_rows(ws: &mut Worksheet, first: u32, rows: &[Vec<String>]) {
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string(first + r as u32, c as u16, value).unwrap();
            }
        }
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

/// A workbook with an entry and an update sheet (in `lang`), header row 1, the
/// given data rows, and a `_meta` sheet stamped `version` when given.
fn standard_workbook(
    path: &Path,
    lang: Lang,
    entry_rows: &[Vec<String>],
    update_rows: &[Vec<String>],
    version: Option<&str>,
) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(support::sheet_name_in(SheetKind::Entry, lang))
        .unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, lang)]);
    write_rows(ws, 1, entry_rows);
    let ws = wb.add_worksheet();
    ws.set_name(support::sheet_name_in(SheetKind::Update, lang))
        .unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Update, lang)]);
    write_rows(ws, 1, update_rows);
    if let Some(version) = version {
        add_meta(&mut wb, version);
    }
    wb.save(path).unwrap();
}

fn add_meta(wb: &mut Workbook, version: &str) {
    let ws = wb.add_worksheet();
    ws.set_name("_meta").unwrap();
    write_rows(
        ws,
        0,
        &[
            strings(&["template", "customer-register"]),
            strings(&["version", version]),
            strings(&["language", "zh"]),
        ],
    );
    ws.set_hidden(true);
}

fn sample_entries() -> Vec<Vec<String>> {
    vec![
        support::row_by_key(
            SheetKind::Entry,
            &[
                ("entry_date", "2026-11-28"),
                ("salesperson", "张伟"),
                ("customer_name", "上海明远机械有限公司"),
                ("industry", "制造业"),
                ("contact", "王经理"),
                ("interaction", "上门拜访"),
                ("customer_status", "潜在"),
                ("review_status", "待审核"),
            ],
        ),
        support::row_by_key(
            SheetKind::Entry,
            &[
                ("entry_date", "2026-11-29"),
                ("salesperson", "李娜"),
                ("customer_id", "C001"),
                ("customer_name", "北京华信科技有限公司"),
                ("industry", "信息传输、软件和信息技术服务业"),
                ("contact", "赵主任"),
                ("interaction", "电话沟通"),
                ("customer_status", "活跃"),
                ("review_status", "已通过"),
                ("reviewer", "李娜"),
                ("review_date", "2026-11-30"),
            ],
        ),
    ]
}

fn sample_updates() -> Vec<Vec<String>> {
    vec![support::row_by_key(
        SheetKind::Update,
        &[
            ("update_date", "2026-12-05"),
            ("salesperson", "张伟"),
            ("customer_id", "C001"),
            ("contact", "钱总"),
            ("update_reason", "原联系人离职"),
            ("maintenance_type", "联系人变更"),
            ("review_status", "待审核"),
        ],
    )]
}

// ---------------------------------------------------------------------------
// Sheets and headers
// ---------------------------------------------------------------------------

#[test]
fn zh_workbook_is_read_by_sheet_name() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("zh.xlsx");
    standard_workbook(
        &path,
        Lang::Zh,
        &sample_entries(),
        &sample_updates(),
        Some("1.0.0"),
    );
    let (read, rec) = read(&path);

    assert_eq!(read.format, Format::Xlsx);
    assert_eq!(read.stamp, Stamp::Meta("1.0.0".into()));
    assert!(read.missing_sheets.is_empty());
    assert_eq!(read.sheets.len(), 2);
    assert_eq!(read.sheets[0].kind, SheetKind::Entry);
    assert_eq!(read.sheets[0].name, "客户信息录入表");
    assert_eq!(read.sheets[0].header_row, 1);
    assert_eq!(read.sheets[0].rows, 2);
    assert_eq!(read.sheets[1].kind, SheetKind::Update);
    assert_eq!(read.sheets[1].rows, 1);

    let entry = rec.layout(SheetKind::Entry);
    assert_eq!(entry.lang, Lang::Zh);
    assert_eq!(entry.header_row, 1);
    let expected: Vec<Option<u32>> = (0..14).map(Some).collect();
    assert_eq!(entry.columns, expected);
    assert!(entry.unknown.is_empty() && entry.duplicates.is_empty());

    // Entry rows first, then update rows.
    assert_eq!(rec.rows[0].0, SheetKind::Entry);
    assert_eq!(rec.rows.last().unwrap().0, SheetKind::Update);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![2, 3]);
    assert_eq!(
        rec.cell(SheetKind::Entry, 2, "customer_name"),
        Some(FieldCell {
            col: 3,
            value: Value::Text("上海明远机械有限公司".into())
        })
    );
    assert_eq!(rec.value(SheetKind::Entry, 2, "customer_id"), None);
    assert_eq!(rec.value(SheetKind::Entry, 3, "customer_id"), text("C001"));
    assert_eq!(rec.value(SheetKind::Update, 2, "contact"), text("钱总"));
    assert_eq!(
        rec.value(SheetKind::Update, 2, "update_date"),
        text("2026-12-05")
    );
}

#[test]
fn en_workbook_is_read_by_sheet_name() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("en.xlsx");
    let entries = vec![support::row_by_key(
        SheetKind::Entry,
        &[
            ("salesperson", "Zhang Wei"),
            ("customer_name", "Acme Co., Ltd."),
            ("review_status", "Pending"),
        ],
    )];
    standard_workbook(&path, Lang::En, &entries, &[], None);
    let (read, rec) = read(&path);
    assert_eq!(read.sheets[0].name, "Customer Entry");
    assert_eq!(read.sheets[1].name, "Customer Update");
    assert_eq!(read.sheets[1].rows, 0);
    assert_eq!(read.stamp, Stamp::Missing);
    assert_eq!(rec.layout(SheetKind::Entry).lang, Lang::En);
    assert_eq!(rec.layout(SheetKind::Update).lang, Lang::En);
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "customer_name"),
        text("Acme Co., Ltd.")
    );
}

#[test]
fn renamed_sheets_are_found_by_their_headers() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("renamed.xlsx");
    let mut wb = Workbook::new();
    // An unrelated sheet first, then the update sheet, then the entry sheet,
    // all renamed.
    let ws = wb.add_worksheet();
    ws.set_name("Notes").unwrap();
    write_rows(ws, 0, &[strings(&["remember", "to", "call"])]);
    let ws = wb.add_worksheet();
    ws.set_name("Sheet2").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Update, Lang::Zh)]);
    write_rows(ws, 1, &sample_updates());
    let ws = wb.add_worksheet();
    ws.set_name("Sheet1").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    write_rows(ws, 1, &sample_entries());
    wb.save(&path).unwrap();

    let (read, rec) = read(&path);
    assert!(read.missing_sheets.is_empty());
    assert_eq!(rec.layout(SheetKind::Entry).name, "Sheet1");
    assert_eq!(rec.layout(SheetKind::Update).name, "Sheet2");
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![2, 3]);
    assert_eq!(rec.row_numbers(SheetKind::Update), vec![2]);
}

#[test]
fn a_copy_of_the_entry_sheet_is_not_taken_for_the_update_sheet() {
    // Entry and update headers overlap (11 of the 15 update headers are entry
    // headers), so a second entry sheet must not pass for the missing update one.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("copy.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表 (2)").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    write_rows(ws, 1, &sample_entries());
    wb.save(&path).unwrap();

    let (read, rec) = read(&path);
    assert_eq!(read.missing_sheets, vec![SheetKind::Update]);
    assert_eq!(rec.layout(SheetKind::Entry).name, "客户信息录入表");
    assert!(rec.rows.is_empty());
}

#[test]
fn header_row_under_title_rows() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("title.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[strings(&["客户信息录入表（2026年11月）"])]);
    write_rows(ws, 1, &[strings(&["填表人：张伟", "", "客户名称"])]);
    write_rows(ws, 2, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    write_rows(ws, 3, &sample_entries());
    wb.save(&path).unwrap();

    let (read, rec) = read(&path);
    assert_eq!(read.sheets[0].header_row, 3);
    assert_eq!(rec.layout(SheetKind::Entry).header_row, 3);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![4, 5]);
    assert_eq!(rec.value(SheetKind::Entry, 4, "salesperson"), text("张伟"));
    assert_eq!(read.missing_sheets, vec![SheetKind::Update]);
}

#[test]
fn shuffled_columns_map_to_their_real_cells() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("shuffled.xlsx");
    let mut header = support::headers_in(SheetKind::Entry, Lang::Zh);
    let mut row = sample_entries().remove(0);
    header.reverse();
    row.reverse();
    // And leave column A empty: everything shifted one to the right.
    header.insert(0, String::new());
    row.insert(0, String::new());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[header, row]);
    wb.save(&path).unwrap();

    let (_, rec) = read(&path);
    let layout = rec.layout(SheetKind::Entry);
    // entry_date (field 0) is now the last column, O; review_date (13) is B.
    assert_eq!(layout.columns[0], Some(14));
    assert_eq!(layout.columns[13], Some(1));
    assert_eq!(
        rec.cell(SheetKind::Entry, 2, "customer_name"),
        Some(FieldCell {
            col: 11,
            value: Value::Text("上海明远机械有限公司".into())
        })
    );
    assert_eq!(
        rec.cell(SheetKind::Entry, 2, "entry_date").map(|c| c.col),
        Some(14)
    );
}

#[test]
fn headers_match_with_marker_spaces_and_full_width_forms() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("forms.xlsx");
    let mut header = support::headers_in(SheetKind::Entry, Lang::Zh);
    header[0] = " 录入日期 * ".into();
    header[1] = "销售人员＊".into();
    header[2] = "客户ＩＤ".into();
    header[3] = "客户名称　".into();
    header[4] = "Industry*".into();
    header[5] = "main CONTACT".into();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[header]);
    wb.save(&path).unwrap();

    let (_, rec) = read(&path);
    let layout = rec.layout(SheetKind::Entry);
    assert_eq!(layout.columns, (0..14).map(Some).collect::<Vec<_>>());
    assert!(layout.unknown.is_empty());
    assert_eq!(layout.lang, Lang::Zh);
}

#[test]
fn unknown_and_duplicate_headers_are_reported() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("extra.xlsx");
    let mut header = support::headers_in(SheetKind::Entry, Lang::Zh);
    header.push("备注".into()); // O: unknown
    header.push("Customer name".into()); // P: duplicate of D, in English
    header.push(String::new()); // Q: empty, neither
    header.push("电话".into()); // R: unknown
    let mut row = sample_entries().remove(0);
    row.extend(strings(&["记得回访", "别的名字", "", "13812345678"]));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[header, row]);
    wb.save(&path).unwrap();

    let (_, rec) = read(&path);
    let layout = rec.layout(SheetKind::Entry);
    let name_field = template().entry().field_index("customer_name").unwrap();
    assert_eq!(layout.columns[name_field], Some(3), "first occurrence wins");
    assert_eq!(layout.duplicates, vec![(15, name_field)]);
    assert_eq!(
        layout.unknown,
        vec![(14, "备注".to_string()), (17, "电话".to_string())]
    );
    // Only schema columns reach the row: the first customer name, no extras.
    let row = &rec.rows(SheetKind::Entry)[0];
    assert_eq!(row.cells.len(), 14);
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "customer_name"),
        text("上海明远机械有限公司")
    );
    assert!(row.cells.iter().flatten().all(|c| c.col < 14));
}

#[test]
fn blank_rows_are_skipped_and_row_numbers_stay_real() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("blank.xlsx");
    let mut header = support::headers_in(SheetKind::Entry, Lang::Zh);
    header.push("备注".into()); // O, not in the schema
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[header]);
    write_rows(
        ws,
        1,
        &[support::row_by_key(
            SheetKind::Entry,
            &[("customer_name", "甲公司")],
        )],
    ); // row 2
       // Row 3 empty; row 4 only white space; row 5 only a non-schema cell.
    write_rows(
        ws,
        3,
        &[support::row_by_key(
            SheetKind::Entry,
            &[("customer_name", "   "), ("contact", "\u{3000}")],
        )],
    );
    ws.write_string(4, 14, "只有备注").unwrap();
    write_rows(
        ws,
        5,
        &[support::row_by_key(
            SheetKind::Entry,
            &[("contact", "王经理"), ("position", " ")],
        )],
    ); // row 6
    write_rows(
        ws,
        20,
        &[support::row_by_key(
            SheetKind::Entry,
            &[("customer_name", "乙公司")],
        )],
    ); // row 21
    wb.save(&path).unwrap();

    let (read, rec) = read(&path);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![2, 6, 21]);
    assert_eq!(read.sheets[0].rows, 3);
    assert_eq!(rec.value(SheetKind::Entry, 6, "contact"), text("王经理"));
    assert_eq!(
        rec.value(SheetKind::Entry, 6, "position"),
        None,
        "white space is empty"
    );
    assert_eq!(rec.value(SheetKind::Entry, 6, "customer_name"), None);
}

#[test]
fn text_keeps_what_was_typed() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("typed.xlsx");
    let rows = vec![support::row_by_key(
        SheetKind::Entry,
        &[
            ("customer_id", " Ｃ００１ "),
            ("customer_name", "=HYPERLINK(\"x\")"),
        ],
    )];
    standard_workbook(&path, Lang::Zh, &rows, &[], None);
    let (_, rec) = read(&path);
    // Normalisation is the rules' business: the reader hands over the raw text.
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "customer_id"),
        text(" Ｃ００１ ")
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "customer_name"),
        text("=HYPERLINK(\"x\")")
    );
}

#[test]
fn a_sheet_found_by_name_without_a_header_row_has_every_column_missing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("noheader.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(
        ws,
        0,
        &[strings(&["a", "b", "c"]), strings(&["1", "2", "3"])],
    );
    let ws = wb.add_worksheet();
    ws.set_name("Customer Update").unwrap();
    wb.save(&path).unwrap();

    let (read, rec) = read(&path);
    assert!(read.missing_sheets.is_empty());
    let entry = rec.layout(SheetKind::Entry);
    assert_eq!(entry.header_row, 1);
    assert!(entry.columns.iter().all(Option::is_none));
    assert!(entry.unknown.is_empty());
    let update = rec.layout(SheetKind::Update);
    assert_eq!(update.lang, Lang::En, "language taken from the sheet name");
    assert!(rec.rows.is_empty());
    assert_eq!(read.sheets[0].rows, 0);
}

#[test]
fn a_sheet_found_by_name_with_a_damaged_header_keeps_what_matches() {
    // Only 3 of 14 headers survive: below the "half" rule, but the sheet is
    // named as the entry sheet, so those columns are read and the rest missing.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("damaged.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(
        ws,
        0,
        &[
            strings(&["说明：请填写"]),
            strings(&["日期", "销售人员", "客户名称", "联系人", "审核状态"]),
            strings(&["2026-11-30", "张伟", "甲公司", "王", "待审核"]),
        ],
    );
    wb.save(&path).unwrap();

    let (_, rec) = read(&path);
    let layout = rec.layout(SheetKind::Entry);
    assert_eq!(layout.header_row, 2);
    let t = template();
    let mapped: Vec<&str> = t
        .entry()
        .fields
        .iter()
        .zip(&layout.columns)
        .filter(|(_, c)| c.is_some())
        .map(|(f, _)| f.key.as_str())
        .collect();
    assert_eq!(
        mapped,
        vec!["salesperson", "customer_name", "review_status"]
    );
    assert_eq!(
        layout.unknown,
        vec![(0, "日期".to_string()), (3, "联系人".to_string())]
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_name"),
        text("甲公司")
    );
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

#[test]
fn date_cells_numbers_formulas_and_errors() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("values.xlsx");
    let mut wb = Workbook::new();
    let date_format = XlsxFormat::new().set_num_format("yyyy-mm-dd");
    let datetime_format = XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    // Row 2: a date cell, a date-time cell, a number, a bool.
    ws.write_datetime_with_format(
        1,
        0,
        ExcelDateTime::from_ymd(2026, 11, 30).unwrap(),
        &date_format,
    )
    .unwrap();
    ws.write_datetime_with_format(
        1,
        13,
        ExcelDateTime::parse_from_str("2026-12-01 09:30:00").unwrap(),
        &datetime_format,
    )
    .unwrap();
    ws.write_number(1, 2, 1001).unwrap();
    ws.write_boolean(1, 6, true).unwrap();
    // Row 3: formulas with cached results: text, number, date, #N/A.
    ws.write_formula(2, 3, "=\"明远\"&\"机械\"")
        .unwrap()
        .set_formula_result(2, 3, "明远机械");
    ws.write_formula(2, 2, "=1000+2")
        .unwrap()
        .set_formula_result(2, 2, "1002");
    ws.write_formula_with_format(2, 0, "=DATE(2026,11,29)", &date_format)
        .unwrap()
        .set_formula_result(2, 0, "46355");
    ws.write_formula(2, 4, "=VLOOKUP(\"x\",A1:A2,1,FALSE)")
        .unwrap()
        .set_formula_result(2, 4, "#N/A");
    wb.save(&path).unwrap();

    let (_, rec) = read(&path);
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 30)))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "review_date"),
        Some(Value::DateTime(
            NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(9, 30, 0)
                .unwrap()
        ))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "customer_id"),
        Some(Value::Number(1001.0))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "position"),
        Some(Value::Bool(true))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_name"),
        text("明远机械")
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_id"),
        Some(Value::Number(1002.0))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 29)))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "industry"),
        Some(Value::Error("#N/A".into()))
    );
}

/// Rewrites one part (an XML file inside the zip container) of an xlsx.
fn rewrite_part(path: &Path, part: &str, edit: impl Fn(String) -> String) {
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut found = false;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if name == part {
            let mut xml = String::new();
            entry.read_to_string(&mut xml).unwrap();
            let edited = edit(xml.clone());
            assert_ne!(edited, xml, "the edit of {part} changed nothing");
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(edited.as_bytes()).unwrap();
            found = true;
        } else {
            out.raw_copy_file(entry).unwrap();
        }
    }
    assert!(found, "no {part} in {}", path.display());
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// Rewrites an xlsx so that it uses the 1904 date system, as Excel for Mac
/// workbooks once did: the same serial numbers then mean dates 1462 days later.
fn switch_to_1904(path: &Path) {
    rewrite_part(path, "xl/workbook.xml", |xml| {
        xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    });
}

#[test]
fn dates_in_a_1904_workbook() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("mac.xlsx");
    let serial_1900 = (NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
    .num_days() as f64;
    let mut wb = Workbook::new();
    let date_format = XlsxFormat::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    ws.write_number_with_format(1, 0, serial_1900 - 1462.0, &date_format)
        .unwrap();
    wb.save(&path).unwrap();
    switch_to_1904(&path);

    let (_, rec) = read(&path);
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 30)))
    );
}

#[test]
fn a_stray_value_in_the_last_cell_costs_nothing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("stray.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    write_rows(ws, 1, &sample_entries());
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    // And one in a schema column on the last row.
    ws.write_string(1_048_575, 3, "末行公司").unwrap();
    wb.save(&path).unwrap();

    let started = std::time::Instant::now();
    let (read, rec) = read(&path);
    // A hang guard only: walking 16,384 × 1,048,576 empty cells would take
    // hours; reading by the cells present takes well under a second.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![2, 3, 1_048_576]);
    assert_eq!(read.sheets[0].rows, 3);
    assert_eq!(
        rec.cell(SheetKind::Entry, 1_048_576, "customer_name"),
        Some(FieldCell {
            col: 3,
            value: Value::Text("末行公司".into())
        })
    );
}

// ---------------------------------------------------------------------------
// Stamp
// ---------------------------------------------------------------------------

#[test]
fn stamp_from_meta_property_or_missing() {
    let dir = TempDir::new().unwrap();

    // _meta present (with a different property): _meta wins.
    let both = dir.path().join("both.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    add_meta(&mut wb, "1.2.0");
    wb.set_properties(&DocProperties::new().set_custom_property("TemplateVersion", "0.9.0"));
    wb.save(&both).unwrap();
    assert_eq!(read(&both).0.stamp, Stamp::Meta("1.2.0".into()));

    // Only the property.
    let property = dir.path().join("property.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    wb.set_properties(&DocProperties::new().set_custom_property("TemplateVersion", "1.1.0"));
    wb.save(&property).unwrap();
    assert_eq!(read(&property).0.stamp, Stamp::Property("1.1.0".into()));

    // A version typed as a number keeps its visible form.
    let number = dir.path().join("number.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("_meta").unwrap();
    ws.write_string(0, 0, "version").unwrap();
    ws.write_number(0, 1, 2).unwrap();
    wb.save(&number).unwrap();
    assert_eq!(read(&number).0.stamp, Stamp::Meta("2".into()));

    // Neither.
    let neither = dir.path().join("neither.xlsx");
    standard_workbook(&neither, Lang::Zh, &[], &[], None);
    assert_eq!(read(&neither).0.stamp, Stamp::Missing);
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

fn csv_text(kind: SheetKind, lang: Lang, rows: &[Vec<String>]) -> String {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(support::headers_in(kind, lang)).unwrap();
    for row in rows {
        out.write_record(row).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

#[test]
fn csv_in_utf8_bom_and_gbk_gives_identical_rows() {
    let dir = TempDir::new().unwrap();
    let content = csv_text(SheetKind::Entry, Lang::Zh, &sample_entries());
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, &content).unwrap();
    let bom = dir.path().join("bom.csv");
    std::fs::write(&bom, format!("\u{FEFF}{content}")).unwrap();
    let gbk = dir.path().join("gbk.csv");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&content);
    assert!(!unmappable);
    std::fs::write(&gbk, &bytes).unwrap();

    let (read_plain, rec_plain) = read(&plain);
    assert_eq!(read_plain.format, Format::Csv);
    assert_eq!(read_plain.stamp, Stamp::NotApplicable);
    assert_eq!(read_plain.missing_sheets, vec![SheetKind::Update]);
    assert_eq!(read_plain.sheets[0].name, "客户信息录入表");
    assert_eq!(rec_plain.row_numbers(SheetKind::Entry), vec![2, 3]);
    assert_eq!(
        rec_plain.value(SheetKind::Entry, 3, "industry"),
        text("信息传输、软件和信息技术服务业")
    );
    assert_eq!(
        rec_plain.layout(SheetKind::Entry).columns,
        (0..14).map(Some).collect::<Vec<_>>()
    );
    for other in [&bom, &gbk] {
        let (read_other, rec_other) = read(other);
        assert_eq!(read_other, read_plain, "{}", other.display());
        assert_eq!(rec_other.rows, rec_plain.rows, "{}", other.display());
        assert_eq!(rec_other.sheets, rec_plain.sheets, "{}", other.display());
    }
}

#[test]
fn csv_update_sheet_in_english() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("updates.csv");
    let rows = vec![support::row_by_key(
        SheetKind::Update,
        &[("customer_id", "C001"), ("contact", "Li")],
    )];
    std::fs::write(&path, csv_text(SheetKind::Update, Lang::En, &rows)).unwrap();
    let (read, rec) = read(&path);
    assert_eq!(read.missing_sheets, vec![SheetKind::Entry]);
    assert_eq!(read.sheets[0].kind, SheetKind::Update);
    assert_eq!(read.sheets[0].name, "Customer Update");
    assert_eq!(rec.layout(SheetKind::Update).name, "Customer Update");
    assert_eq!(rec.layout(SheetKind::Update).lang, Lang::En);
    assert_eq!(rec.value(SheetKind::Update, 2, "contact"), text("Li"));
}

#[test]
fn csv_rows_are_the_lines_a_spreadsheet_shows() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("lines.csv");
    let header = support::headers_in(SheetKind::Entry, Lang::Zh).join(",");
    // Line 1 title, 2 blank, 3 header, 4 data with a two-line quoted value (one
    // row), 5 blank, 6 only commas, 7 data, 8 blank at the end.
    let content = format!(
        "客户登记\n\n{header}\n2026-11-30,张伟,,\"甲\n公司\",制造业\n\n,,,,\r\n2026-11-30,李娜,,乙公司\n\n"
    );
    std::fs::write(&path, content).unwrap();
    let (file, rec) = read(&path);
    assert_eq!(file.sheets[0].header_row, 3);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![4, 7]);
    assert_eq!(
        rec.value(SheetKind::Entry, 4, "customer_name"),
        text("甲\n公司")
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 7, "customer_name"),
        text("乙公司")
    );
    assert_eq!(
        rec.cell(SheetKind::Entry, 7, "salesperson").map(|c| c.col),
        Some(1)
    );
    // Windows line ends, blank lines, and no line break after the last line.
    let crlf = dir.path().join("crlf.csv");
    std::fs::write(
        &crlf,
        format!("{header}\r\n\r\n\r\n2026-11-30,张伟,,丙公司"),
    )
    .unwrap();
    let (_, rec) = read(&crlf);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![4]);
}

#[test]
fn csv_matching_neither_sheet_misses_both() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.csv");
    std::fs::write(&path, "name,phone\nA,1\n").unwrap();
    let (read, rec) = read(&path);
    assert_eq!(
        read.missing_sheets,
        vec![SheetKind::Entry, SheetKind::Update]
    );
    assert!(read.sheets.is_empty());
    assert!(rec.sheets.is_empty() && rec.rows.is_empty());
}

#[test]
fn tab_separated_utf16_text_as_excel_saves_it() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("unicode.txt");
    let rows = sample_entries();
    let mut content = support::headers_in(SheetKind::Entry, Lang::Zh).join("\t");
    for row in &rows {
        content.push_str("\r\n");
        content.push_str(&row.join("\t"));
    }
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(content.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, bytes).unwrap();
    let (_, rec) = read(&path);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![2, 3]);
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_name"),
        text("北京华信科技有限公司")
    );
}

// ---------------------------------------------------------------------------
// Other formats
// ---------------------------------------------------------------------------

/// A workbook with typed values (dates, numbers) besides text.
fn typed_workbook(path: &Path) {
    let mut wb = Workbook::new();
    let date_format = XlsxFormat::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[strings(&["登记表"])]);
    write_rows(ws, 1, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    write_rows(ws, 2, &sample_entries());
    for (row, day) in [(2u32, 28u8), (3, 29)] {
        ws.write_datetime_with_format(
            row,
            0,
            ExcelDateTime::from_ymd(2026, 11, day).unwrap(),
            &date_format,
        )
        .unwrap();
    }
    ws.write_number(3, 6, 42).unwrap();
    ws.write_number(3, 7, 3.5).unwrap();
    ws.write_string(6, 3, "丙公司").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息更新表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Update, Lang::Zh)]);
    write_rows(ws, 1, &sample_updates());
    ws.write_datetime_with_format(
        1,
        0,
        ExcelDateTime::from_ymd(2026, 12, 5).unwrap(),
        &date_format,
    )
    .unwrap();
    add_meta(&mut wb, "1.0.0");
    wb.save(path).unwrap();
}

#[test]
fn ods_and_xls_copies_read_like_the_original() {
    let dir = TempDir::new().unwrap();
    let original = dir.path().join("register.xlsx");
    typed_workbook(&original);
    let (read_xlsx, rec_xlsx) = read(&original);
    assert_eq!(rec_xlsx.row_numbers(SheetKind::Entry), vec![3, 4, 7]);
    assert_eq!(
        rec_xlsx.value(SheetKind::Entry, 4, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 29)))
    );
    assert_eq!(
        rec_xlsx.value(SheetKind::Entry, 4, "position"),
        Some(Value::Number(42.0))
    );
    assert_eq!(
        rec_xlsx.value(SheetKind::Entry, 4, "address"),
        Some(Value::Number(3.5))
    );

    for (to, format) in [("ods", Format::Ods), ("xls", Format::Xls)] {
        let out_dir = dir.path().join(to);
        std::fs::create_dir(&out_dir).unwrap();
        let Some(copy) = soffice_convert(&original, to, &out_dir) else {
            return;
        };
        let (read_copy, rec_copy) = read(&copy);
        assert_eq!(read_copy.format, format);
        assert_eq!(read_copy.sheets, read_xlsx.sheets, "{to}");
        assert_eq!(read_copy.stamp, Stamp::Meta("1.0.0".into()), "{to}");
        assert_eq!(rec_copy.sheets, rec_xlsx.sheets, "{to}");
        assert_eq!(rec_copy.rows, rec_xlsx.rows, "{to}");
    }
}

#[test]
fn content_decides_the_format_not_the_name() {
    let dir = TempDir::new().unwrap();
    let real = dir.path().join("real.xlsx");
    standard_workbook(&real, Lang::Zh, &sample_entries(), &[], None);
    // An xlsx under a CSV name, a CSV under an xls name.
    let renamed = dir.path().join("export.csv");
    std::fs::copy(&real, &renamed).unwrap();
    assert_eq!(read(&renamed).0.format, Format::Xlsx);
    let macro_named = dir.path().join("register.xlsm");
    std::fs::copy(&real, &macro_named).unwrap();
    assert_eq!(read(&macro_named).0.format, Format::Xlsm);
    let fake_xls = dir.path().join("export.xls");
    std::fs::write(
        &fake_xls,
        csv_text(SheetKind::Entry, Lang::Zh, &sample_entries()),
    )
    .unwrap();
    let (read_fake, rec_fake) = read(&fake_xls);
    assert_eq!(read_fake.format, Format::Csv);
    assert_eq!(rec_fake.row_numbers(SheetKind::Entry), vec![2, 3]);
}

// ---------------------------------------------------------------------------
// Unreadable files
// ---------------------------------------------------------------------------

#[test]
fn encrypted_workbook_is_reported_as_encrypted() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encrypted.xlsx");
    assert_eq!(read_err(&fixture), ReadError::Encrypted);
}

#[test]
fn unreadable_files_give_plain_errors() {
    let dir = TempDir::new().unwrap();

    let missing = dir.path().join("nowhere.xlsx");
    assert_eq!(read_err(&missing), ReadError::NotFound);

    assert_eq!(read_err(dir.path()), ReadError::Folder);

    let empty = dir.path().join("empty.xlsx");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(read_err(&empty), ReadError::Empty);

    let random = dir.path().join("random.xlsx");
    // Deterministic noise (a linear congruential generator).
    let mut state: u32 = 12345;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect();
    std::fs::write(&random, &noise).unwrap();
    assert_eq!(read_err(&random), ReadError::NotSpreadsheet);
    let random_csv = dir.path().join("random.csv");
    std::fs::write(&random_csv, &noise).unwrap();
    assert_eq!(read_err(&random_csv), ReadError::NotSpreadsheet);
    let html = dir.path().join("export.xls");
    std::fs::write(
        &html,
        "<html><table><tr><td>客户名称</td></tr></table></html>",
    )
    .unwrap();
    assert_eq!(read_err(&html), ReadError::NotSpreadsheet);

    let real = dir.path().join("real.xlsx");
    standard_workbook(&real, Lang::Zh, &sample_entries(), &sample_updates(), None);
    let bytes = std::fs::read(&real).unwrap();
    let truncated = dir.path().join("truncated.xlsx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(read_err(&truncated), ReadError::Corrupt(_)));

    let word = dir.path().join("letter.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&word).unwrap());
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"<w:document/>").unwrap();
    zip.finish().unwrap();
    assert_eq!(read_err(&word), ReadError::NotSpreadsheet);

    for err in [
        read_err(&missing),
        read_err(dir.path()),
        read_err(&empty),
        read_err(&random),
        read_err(&truncated),
    ] {
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

#[test]
fn a_forged_count_of_shared_texts_is_refused_before_any_allocation() {
    let dir = TempDir::new().unwrap();
    for (declared, too_large) in [("40000000000", true), ("1000000", false)] {
        let path = dir.path().join(format!("sst-{declared}.xlsx"));
        standard_workbook(&path, Lang::Zh, &sample_entries(), &[], None);
        rewrite_part(&path, "xl/sharedStrings.xml", |xml| {
            let start = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = start + xml[start..].find('"').unwrap();
            format!("{}{declared}{}", &xml[..start], &xml[end..])
        });
        // The count as a person reads it: 40,000,000,000.
        let shown: String = declared
            .chars()
            .rev()
            .enumerate()
            .flat_map(|(i, c)| (i > 0 && i % 3 == 0).then_some(',').into_iter().chain([c]))
            .collect::<Vec<char>>()
            .into_iter()
            .rev()
            .collect();
        match read_err(&path) {
            ReadError::TooLarge(m) if too_large => assert!(m.contains(&shown), "{m}"),
            ReadError::Corrupt(m) if !too_large => assert!(m.contains(&shown), "{m}"),
            other => panic!("{declared}: {other:?}"),
        }
    }
}

#[test]
fn damaged_sheet_data_is_corrupt_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("broken.xlsx");
    standard_workbook(&path, Lang::Zh, &sample_entries(), &[], None);
    // Cut the entry sheet's XML in the middle of its data.
    rewrite_part(&path, "xl/worksheets/sheet1.xml", |xml| {
        let cut = xml.find("<row r=\"3\"").unwrap() + 20;
        xml[..cut].to_string()
    });
    assert!(matches!(read_err(&path), ReadError::Corrupt(_)));
}

/// An xls whose `Workbook` stream's sector chain runs past the end of the file:
/// calamine 0.38 panics on it (a slice out of range in its compound-file reader),
/// so crmsheet's own check of the file refuses it first.
fn xls_with_broken_sector_chain(dir: &Path) -> Option<PathBuf> {
    let original = dir.join("chain.xlsx");
    // Enough rows that the stream lives in regular sectors, not the mini stream.
    let rows: Vec<Vec<String>> = (0..200).flat_map(|_| sample_entries()).collect();
    standard_workbook(&original, Lang::Zh, &rows, &[], None);
    let xls = soffice_convert(&original, "xls", dir)?;
    let mut bytes = std::fs::read(&xls).unwrap();
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let sector_size = 1usize << u16::from_le_bytes([bytes[30], bytes[31]]);
    // The directory entry named "Workbook" (UTF-16LE), 128-byte aligned.
    let name: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let entry = (0..bytes.len() / 128)
        .map(|i| i * 128)
        .find(|&at| bytes[at..].starts_with(&name) && bytes[at + 66] == 2)
        .expect("an xls has a Workbook stream");
    let start = u32_at(&bytes, entry + 116) as usize;
    let size = u32_at(&bytes, entry + 120) as usize;
    assert!(size >= 4096, "the Workbook stream is in regular sectors");
    // Its first FAT entry: FAT sector start / (entries per sector), from the
    // header's DIFAT list.
    let per_sector = sector_size / 4;
    let fat_sector = u32_at(&bytes, 76 + 4 * (start / per_sector)) as usize;
    let fat_entry = (fat_sector + 1) * sector_size + 4 * (start % per_sector);
    // The highest sector id calamine accepts, which lies past the end of the
    // data (the header takes the first sector's worth of bytes).
    let beyond = (bytes.len() / sector_size) as u32;
    bytes[fat_entry..fat_entry + 4].copy_from_slice(&beyond.to_le_bytes());
    std::fs::write(&xls, &bytes).unwrap();
    Some(xls)
}

#[test]
fn a_sector_chain_past_the_end_is_damage_found_before_calamine() {
    let dir = TempDir::new().unwrap();
    let Some(xls) = xls_with_broken_sector_chain(dir.path()) else {
        return;
    };
    match read_err(&xls) {
        ReadError::Corrupt(m) => assert!(m.contains("sector chain"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// An xls whose first BoundSheet record (a sheet's name and position) is cut to
/// 4 bytes: calamine 0.38 indexes its 5th byte and panics, past crmsheet's own
/// checks, which only need the position.
fn xls_with_truncated_sheet_record(dir: &Path) -> Option<PathBuf> {
    let original = dir.join("boundsheet.xlsx");
    // Enough rows that the stream lives in regular sectors, not the mini stream.
    let rows: Vec<Vec<String>> = (0..200).flat_map(|_| sample_entries()).collect();
    standard_workbook(&original, Lang::Zh, &rows, &[], None);
    let xls = soffice_convert(&original, "xls", dir)?;
    let mut bytes = std::fs::read(&xls).unwrap();
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let sector_size = 1usize << u16::from_le_bytes([bytes[30], bytes[31]]);
    let name: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let entry = (0..bytes.len() / 128)
        .map(|i| i * 128)
        .find(|&at| bytes[at..].starts_with(&name) && bytes[at + 66] == 2)
        .expect("an xls has a Workbook stream");
    let start = u32_at(&bytes, entry + 116) as usize;
    let size = u32_at(&bytes, entry + 120) as usize;
    assert!(size >= 4096, "the Workbook stream is in regular sectors");
    // File offsets of the stream's bytes, following its chain through the FAT
    // (whose sectors the header lists).
    let fat_entry = |id: usize| {
        let per_sector = sector_size / 4;
        let fat_sector = u32_at(&bytes, 76 + 4 * (id / per_sector)) as usize;
        u32_at(
            &bytes,
            (fat_sector + 1) * sector_size + 4 * (id % per_sector),
        ) as usize
    };
    let mut offsets = Vec::with_capacity(size);
    let mut id = start;
    while offsets.len() < size {
        let base = (id + 1) * sector_size;
        offsets.extend(base..base + sector_size);
        id = fat_entry(id);
    }
    let at = |i: usize| bytes[offsets[i]];
    // Walk the records to the first BoundSheet (0x0085) and set its length to 4.
    let mut pos = 0;
    loop {
        let typ = u16::from_le_bytes([at(pos), at(pos + 1)]);
        let len = u16::from_le_bytes([at(pos + 2), at(pos + 3)]) as usize;
        if typ == 0x0085 {
            bytes[offsets[pos + 2]] = 4;
            bytes[offsets[pos + 3]] = 0;
            break;
        }
        pos += 4 + len;
    }
    std::fs::write(&xls, &bytes).unwrap();
    Some(xls)
}

#[test]
fn panics_inside_the_spreadsheet_library_stay_silent() {
    // The child run: read the damaged file; the parent checks what it printed.
    if let Some(path) = std::env::var_os("CRMSHEET_TEST_DAMAGED_XLS") {
        let err = read_err(Path::new(&path));
        // The contained panic, not an ordinary parse error (calamine is pinned
        // by Cargo.lock; a fixed calamine would make this file a plain error).
        assert!(
            matches!(&err, ReadError::Corrupt(m) if m.contains("library stopped on malformed data")),
            "{err:?}"
        );
        eprintln!("child error: {err}");
        assert!(!err.to_string().contains('\n'));
        return;
    }
    let dir = TempDir::new().unwrap();
    let Some(xls) = xls_with_truncated_sheet_record(dir.path()) else {
        return;
    };
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "panics_inside_the_spreadsheet_library_stay_silent",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CRMSHEET_TEST_DAMAGED_XLS", &xls)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(
        !stderr.contains("panicked"),
        "a panic message escaped:\n{stderr}"
    );
    assert!(stderr.contains("child error: "), "{stderr}");
}

#[test]
fn stamp_property_survives_conversion_to_ods_and_xls() {
    let dir = TempDir::new().unwrap();
    let original = dir.path().join("property.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("客户信息录入表").unwrap();
    write_rows(ws, 0, &[support::headers_in(SheetKind::Entry, Lang::Zh)]);
    wb.set_properties(&DocProperties::new().set_custom_property("TemplateVersion", "1.1.0"));
    wb.save(&original).unwrap();
    for to in ["ods", "xls"] {
        let out_dir = dir.path().join(to);
        std::fs::create_dir(&out_dir).unwrap();
        let Some(copy) = soffice_convert(&original, to, &out_dir) else {
            return;
        };
        assert_eq!(read(&copy).0.stamp, Stamp::Property("1.1.0".into()), "{to}");
    }
}

// ---------------------------------------------------------------------------
// xlsb, written by hand
// ---------------------------------------------------------------------------

/// A cell of a hand-made xlsb sheet.
enum XlsbCell {
    Text(String),
    Number(f64),
    /// A number with the built-in date format (style 0 of the styles part).
    Date(f64),
    NotAvailable,
}

/// (0-based row, 0-based column, cell), in row order.
type XlsbCells = Vec<(u32, u32, XlsbCell)>;

/// One BIFF12 record: type and length as variable-length integers, then data.
fn xlsb_record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut len = data.len();
    loop {
        let byte = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(data);
}

fn xlsb_wide(text: &str) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

/// Writes a minimal xlsb (MS-XLSB): workbook, relationships, one cell style
/// with the built-in date format, and the given sheets of cells, which must be
/// in row order.
fn write_xlsb(path: &Path, sheets: &[(&str, XlsbCells)], date1904: bool) {
    let options = zip::write::SimpleFileOptions::default();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());

    let mut workbook = Vec::new();
    xlsb_record(&mut workbook, 0x0099, &u32::from(date1904).to_le_bytes()); // BrtWbProp
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let mut data = 0u32.to_le_bytes().to_vec(); // visible
        data.extend((i as u32 + 1).to_le_bytes());
        data.extend(xlsb_wide(&format!("rId{}", i + 1)));
        data.extend(xlsb_wide(name));
        xlsb_record(&mut workbook, 0x009C, &data); // BrtBundleSh
        rels.push_str(&format!(
            r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{}.bin"/>"#,
            i + 1,
            i + 1
        ));
    }
    rels.push_str("</Relationships>");
    xlsb_record(&mut workbook, 0x0090, &[]); // BrtEndBundleShs
    xlsb_record(&mut workbook, 0x009D, &[]); // BrtCalcProp
    zip.start_file("xl/workbook.bin", options).unwrap();
    zip.write_all(&workbook).unwrap();
    zip.start_file("xl/_rels/workbook.bin.rels", options)
        .unwrap();
    zip.write_all(rels.as_bytes()).unwrap();

    let mut styles = Vec::new();
    xlsb_record(&mut styles, 0x0269, &1u32.to_le_bytes()); // BrtBeginCellXFs
    let mut xf = vec![0u8; 16];
    xf[2..4].copy_from_slice(&14u16.to_le_bytes()); // built-in format 14: a date
    xlsb_record(&mut styles, 0x002F, &xf); // BrtXF
    zip.start_file("xl/styles.bin", options).unwrap();
    zip.write_all(&styles).unwrap();

    for (i, (_, cells)) in sheets.iter().enumerate() {
        let mut sheet = Vec::new();
        let mut dims = Vec::new();
        for v in [0u32, 1_048_575, 0, 16_383] {
            dims.extend(v.to_le_bytes());
        }
        xlsb_record(&mut sheet, 0x0094, &dims); // BrtWsDim: the whole grid
        xlsb_record(&mut sheet, 0x0091, &[]); // BrtBeginSheetData
        let mut last_row = None;
        for (row, col, cell) in cells {
            if last_row != Some(*row) {
                let mut header = row.to_le_bytes().to_vec();
                header.extend([0u8; 8]);
                xlsb_record(&mut sheet, 0x0000, &header); // BrtRowHdr
                last_row = Some(*row);
            }
            let mut data = col.to_le_bytes().to_vec();
            // Style 0, the only one, has a date format; other cells point past
            // the style table, which readers take as the default format.
            let style: u32 = if matches!(cell, XlsbCell::Date(_)) {
                0
            } else {
                5
            };
            data.extend(&style.to_le_bytes()[..3]);
            data.push(0);
            let typ = match cell {
                XlsbCell::Text(text) => {
                    data.extend(xlsb_wide(text));
                    0x0006 // BrtCellSt
                }
                XlsbCell::Number(n) | XlsbCell::Date(n) => {
                    data.extend(n.to_le_bytes());
                    0x0005 // BrtCellReal
                }
                XlsbCell::NotAvailable => {
                    data.push(0x2A);
                    0x0003 // BrtCellError
                }
            };
            xlsb_record(&mut sheet, typ, &data);
        }
        xlsb_record(&mut sheet, 0x0092, &[]); // BrtEndSheetData
        zip.start_file(format!("xl/worksheets/sheet{}.bin", i + 1), options)
            .unwrap();
        zip.write_all(&sheet).unwrap();
    }
    zip.finish().unwrap();
}

/// A copy of the xlsb at `src` whose first sheet begins with a record that
/// claims 256 MiB and holds 16 bytes.
fn xlsb_with_overlong_record(src: &Path, dst: &Path) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.bin" {
            // BrtWsDim (0x94: two type bytes), length 2^28 - 1 (four bytes).
            let mut forged = vec![0x94, 0x01, 0xFF, 0xFF, 0xFF, 0x7F];
            forged.extend([0u8; 16]);
            forged.extend(bytes);
            bytes = forged;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn an_xlsb_record_claiming_more_than_its_part_holds_is_refused_before_reading() {
    let dir = TempDir::new().unwrap();
    let fine = dir.path().join("fine.xlsb");
    let entry: XlsbCells = support::headers_in(SheetKind::Entry, Lang::Zh)
        .into_iter()
        .enumerate()
        .map(|(c, h)| (0, c as u32, XlsbCell::Text(h)))
        .collect();
    write_xlsb(&fine, &[("客户信息录入表", entry)], false);
    read(&fine);
    let forged = dir.path().join("forged.xlsb");
    xlsb_with_overlong_record(&fine, &forged);
    let ReadError::Corrupt(message) = read_err(&forged) else {
        panic!("expected a damaged-file error");
    };
    // What follows is the 16 bytes and the sheet's own records: far less.
    assert!(
        message
            .starts_with("a record in its part xl/worksheets/sheet1.bin claims 256 MiB, but only ")
            && message.ends_with(" bytes follow"),
        "{message}"
    );
}

#[test]
fn xlsb_is_streamed_like_xlsx() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("register.xlsb");
    let serial = |y, m, d| {
        (NaiveDate::from_ymd_opt(y, m, d).unwrap() - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
            .num_days() as f64
    };
    let mut entry: XlsbCells = support::headers_in(SheetKind::Entry, Lang::En)
        .into_iter()
        .enumerate()
        .map(|(c, h)| (1, c as u32, XlsbCell::Text(h)))
        .collect();
    entry.insert(0, (0, 0, XlsbCell::Text("Register".into())));
    entry.extend([
        (2, 0, XlsbCell::Date(serial(2026, 11, 30))),
        (2, 1, XlsbCell::Text("Zhang Wei".into())),
        (2, 2, XlsbCell::Number(7.0)),
        (2, 3, XlsbCell::Text("Acme".into())),
        (2, 4, XlsbCell::NotAvailable),
        (5, 3, XlsbCell::Text("Beta".into())),
        (1_048_575, 16_383, XlsbCell::Text("stray".into())),
    ]);
    let meta = vec![
        (0, 0, XlsbCell::Text("version".into())),
        (0, 1, XlsbCell::Text("1.0.0".into())),
    ];
    write_xlsb(&path, &[("Customer Entry", entry), ("_meta", meta)], false);

    let (file, rec) = read(&path);
    assert_eq!(file.format, Format::Xlsb);
    assert_eq!(file.stamp, Stamp::Meta("1.0.0".into()));
    assert_eq!(file.missing_sheets, vec![SheetKind::Update]);
    assert_eq!(file.sheets[0].header_row, 2);
    assert_eq!(rec.layout(SheetKind::Entry).lang, Lang::En);
    assert_eq!(rec.row_numbers(SheetKind::Entry), vec![3, 6]);
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 30)))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_id"),
        Some(Value::Number(7.0))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "customer_name"),
        text("Acme")
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 3, "industry"),
        Some(Value::Error("#N/A".into()))
    );
    assert_eq!(
        rec.value(SheetKind::Entry, 6, "customer_name"),
        text("Beta")
    );

    // The same serial in a 1904 workbook is 1462 days later.
    let mac = dir.path().join("mac.xlsb");
    let mut entry: XlsbCells = support::headers_in(SheetKind::Entry, Lang::Zh)
        .into_iter()
        .enumerate()
        .map(|(c, h)| (0, c as u32, XlsbCell::Text(h)))
        .collect();
    entry.push((1, 0, XlsbCell::Date(serial(2026, 11, 30) - 1462.0)));
    write_xlsb(&mac, &[("客户信息录入表", entry)], true);
    let (_, rec) = read(&mac);
    assert_eq!(
        rec.value(SheetKind::Entry, 2, "entry_date"),
        Some(Value::DateTime(date(2026, 11, 30)))
    );
}

#[test]
fn an_ole_file_that_is_not_a_workbook_is_not_a_spreadsheet() {
    // Word and PowerPoint 97 files share the xls container format; without a
    // Workbook stream, the container is no spreadsheet. Make one by renaming the
    // Workbook stream of a real xls.
    let dir = TempDir::new().unwrap();
    let original = dir.path().join("register.xlsx");
    standard_workbook(&original, Lang::Zh, &sample_entries(), &[], None);
    let Some(xls) = soffice_convert(&original, "xls", dir.path()) else {
        return;
    };
    let mut bytes = std::fs::read(&xls).unwrap();
    let name: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let other: Vec<u8> = "Contents"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let at = (0..bytes.len() / 128)
        .map(|i| i * 128)
        .find(|&at| bytes[at..].starts_with(&name))
        .expect("an xls has a Workbook stream");
    bytes[at..at + other.len()].copy_from_slice(&other);
    let renamed = dir.path().join("letter.xls");
    std::fs::write(&renamed, &bytes).unwrap();
    assert_eq!(read_err(&renamed), ReadError::NotSpreadsheet);
}
