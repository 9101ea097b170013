//! What real workbooks carry: formula cells (and their error values), merged
//! cells, hidden rows and sheets, rich text, no-break and zero-width spaces,
//! dates and numbers typed as text, the 1904 date system, files re-saved by
//! LibreOffice. Each is read and reported as a person would expect, never
//! crashed on.

mod hostile_files;
mod support;

use crmsheet::lang::Lang;
use crmsheet::template::{SheetKind, Template};
use hostile_files::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{approved, entry, soffice_convert_all, Cell, Rec};
use tempfile::TempDir;

fn col(key: &str) -> u16 {
    Template::builtin()
        .sheet(SheetKind::Entry)
        .field_index(key)
        .expect("field") as u16
}

/// Writes `rec` on 0-based row `row` of an entry sheet in template layout.
fn put(ws: &mut Worksheet, row: u32, rec: &Rec) {
    let t = Template::builtin();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, field) in t.sheet(SheetKind::Entry).fields.iter().enumerate() {
        let c = c as u16;
        match rec.get(&field.key) {
            None => {}
            Some(Cell::Text(s)) => {
                ws.write_string(row, c, s).unwrap();
            }
            Some(Cell::Number(n)) => {
                ws.write_number(row, c, *n).unwrap();
            }
            Some(Cell::Date(y, m, d)) => {
                let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                ws.write_datetime_with_format(row, c, &dt, &date).unwrap();
            }
            Some(Cell::DateTime(..)) => unreachable!("not used here"),
        }
    }
}

/// A stamped workbook whose entry sheet has the template headers and whatever
/// `fill` writes; the update sheet has its headers only.
fn xlsx(dir: &Path, name: &str, fill: impl FnOnce(&mut Worksheet)) -> PathBuf {
    let t = Template::builtin();
    let mut wb = Workbook::new();
    for kind in SheetKind::ALL {
        let def = t.sheet(kind);
        let ws = wb.add_worksheet();
        ws.set_name(def.name.zh.as_str()).unwrap();
        for (c, f) in def.fields.iter().enumerate() {
            ws.write_string(0, c as u16, f.display_header(Lang::Zh))
                .unwrap();
        }
    }
    fill(wb.worksheet_from_index(0).unwrap());
    let meta = wb.add_worksheet();
    meta.set_name("_meta").unwrap();
    meta.write_string(0, 0, "version").unwrap();
    meta.write_string(0, 1, t.version.as_str()).unwrap();
    meta.set_hidden(true);
    let path = dir.join(name);
    wb.save(&path).unwrap();
    path
}

fn validate(dir: &Path, file: &str, lang: &str) -> Value {
    validate_files(dir, &[file], lang)
}

/// The JSON report of one run over `files`.
fn validate_files(dir: &Path, files: &[&str], lang: &str) -> Value {
    let mut args = vec!["validate"];
    args.extend(files);
    args.extend(["--format", "json", "--as-of", "2026-11-30", "--lang", lang]);
    let run = run_limited(dir, &args);
    assert_no_panic(&run);
    assert!(run.code == 0 || run.code == 1, "{files:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn findings(json: &Value) -> Vec<Value> {
    json["findings"].as_array().cloned().unwrap_or_default()
}

/// `(cell, rule)` of the findings on data cells.
fn cells(json: &Value) -> Vec<(String, String)> {
    findings(json)
        .iter()
        .filter(|f| f["row"].as_u64().is_some_and(|r| r > 1))
        .map(|f| {
            (
                f["cell"].as_str().unwrap_or("-").to_string(),
                f["rule"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn finding<'j>(json: &'j Value, cell: &str, rule: &str) -> &'j Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cell"] == cell && f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} at {cell}: {json:#}"))
}

fn pair(cell: &str, rule: &str) -> (String, String) {
    (cell.to_string(), rule.to_string())
}

/// The same file as LibreOffice re-saves it, in each of `formats`.
fn libreoffice_copies(file: &Path, formats: &[&str]) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    for to in formats {
        let dir = file.parent().unwrap().join(format!("lo-{to}"));
        let written = soffice_convert_all(file, to, &dir)?;
        out.extend(written);
    }
    Some(out)
}

#[test]
fn formula_cells_are_read_by_their_cached_value_and_errors_are_reported() {
    let dir = TempDir::new().unwrap();
    let path = xlsx(dir.path(), "formulas.xlsx", |ws| {
        put(ws, 1, &entry("-").unset("customer_name").unset("industry"));
        ws.write_formula(
            1,
            col("customer_name"),
            Formula::new(r#"="明远"&"机械有限公司""#).set_result("明远机械有限公司"),
        )
        .unwrap();
        ws.write_formula(
            1,
            col("industry"),
            Formula::new(r#"="制造"&"业""#).set_result("制造业"),
        )
        .unwrap();
        put(ws, 2, &entry("-").unset("customer_name").unset("position"));
        ws.write_formula(
            2,
            col("customer_name"),
            Formula::new("=NA()").set_result("#N/A"),
        )
        .unwrap();
        ws.write_formula(
            2,
            col("position"),
            Formula::new("=1/0").set_result("#DIV/0!"),
        )
        .unwrap();
    });
    // LibreOffice's xls export writes a text formula result it did not
    // recalculate as 0, so the xls copy is made of the errors alone.
    let errors = xlsx(dir.path(), "errors.xlsx", |ws| {
        put(ws, 1, &entry("明远机械有限公司"));
        put(ws, 2, &entry("-").unset("customer_name").unset("position"));
        ws.write_formula(
            2,
            col("customer_name"),
            Formula::new("=NA()").set_result("#N/A"),
        )
        .unwrap();
        ws.write_formula(
            2,
            col("position"),
            Formula::new("=1/0").set_result("#DIV/0!"),
        )
        .unwrap();
    });
    let mut files = vec![path.clone(), errors.clone()];
    files.extend(libreoffice_copies(&path, &["ods"]).unwrap_or_default());
    files.extend(libreoffice_copies(&errors, &["xls"]).unwrap_or_default());
    for file in &files {
        let name = file.strip_prefix(dir.path()).unwrap().to_str().unwrap();
        let json = validate(dir.path(), name, "zh");
        // The cached values count; the error in the required name is reported
        // as missing, saying why; the error in the optional position is no
        // value, and no finding.
        assert_eq!(cells(&json), vec![pair("D3", "missing-required")], "{name}");
        let f = finding(&json, "D3", "missing-required");
        assert_eq!(f["value"], "#N/A", "{name}");
        assert!(
            f["message"].as_str().unwrap().contains("错误值「#N/A」"),
            "{name}: {f}"
        );
    }
    let json = validate(dir.path(), "formulas.xlsx", "en");
    let f = finding(&json, "D3", "missing-required");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("its formula failed and shows the error \"#N/A\""),
        "{f}"
    );
}

/// The merged ranges of an xlsx are looked for once a sheet has an empty
/// required cell; when that is on its last row, they are found after the
/// reading, and the finding says the same.
#[test]
fn a_merge_found_on_the_last_row_is_told_too() {
    let dir = TempDir::new().unwrap();
    xlsx(dir.path(), "merged.xlsx", |ws| {
        for row in 1..=2 {
            put(ws, row, &entry("-").unset("customer_name"));
        }
        let c = col("customer_name");
        ws.merge_range(1, c, 2, c, "明远机械有限公司", &Format::new())
            .unwrap();
    });
    let json = validate(dir.path(), "merged.xlsx", "zh");
    assert_eq!(cells(&json), vec![pair("D3", "missing-required")]);
    let message = finding(&json, "D3", "missing-required")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("单元格被合并（D2:D3），值只在 D2 中"),
        "{message}"
    );
}

#[test]
fn a_row_that_lost_its_value_to_a_merge_is_told_so() {
    let dir = TempDir::new().unwrap();
    let path = xlsx(dir.path(), "merged.xlsx", |ws| {
        for row in 1..=3 {
            put(ws, row, &entry("-").unset("customer_name"));
        }
        let c = col("customer_name");
        ws.merge_range(1, c, 3, c, "明远机械有限公司", &Format::new())
            .unwrap();
        // A merge over an optional column loses nothing that is checked.
        let (g, h) = (col("position"), col("address"));
        ws.merge_range(4, g, 4, h, "采购经理", &Format::new())
            .unwrap();
        put(ws, 4, &entry("华东物流").unset("position").unset("address"));
    });
    let mut files = vec![path.clone()];
    // LibreOffice writes the parts of an xlsx under its own names and order.
    files.extend(libreoffice_copies(&path, &["ods", "xls", "xlsx"]).unwrap_or_default());
    for file in &files {
        let name = file.strip_prefix(dir.path()).unwrap().to_str().unwrap();
        let json = validate(dir.path(), name, "zh");
        assert_eq!(
            cells(&json),
            vec![
                pair("D3", "missing-required"),
                pair("D4", "missing-required")
            ],
            "{name}"
        );
        for cell in ["D3", "D4"] {
            let message = finding(&json, cell, "missing-required")["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                message.contains("「客户名称」为必填项"),
                "{name}: {message}"
            );
            assert!(
                message.contains("单元格被合并（D2:D4），值只在 D2 中"),
                "{name}: {message}"
            );
        }
    }
    // The same through the commands that drive the reader themselves.
    for args in [
        vec!["validate", "merged.xlsx", "--annotate", "annotated.xlsx"],
        vec!["merge", "merged.xlsx", "-o", "register.xlsx"],
    ] {
        let mut args = args;
        args.extend(["--as-of", "2026-11-30"]);
        let run = run_limited(dir.path(), &args);
        assert_no_panic(&run);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("单元格被合并（D2:D4），值只在 D2 中"),
            "{args:?}: {}",
            run.stdout
        );
    }
    let json = validate(dir.path(), "merged.xlsx", "en");
    let message = finding(&json, "D4", "missing-required")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("merged (D2:D4): the value is only in D2"),
        "{message}"
    );
    // Several files are checked at once, each on a core of its own: each
    // still tells of its merges.
    std::fs::copy(&path, dir.path().join("copy.xlsx")).unwrap();
    let json = validate_files(dir.path(), &["merged.xlsx", "copy.xlsx"], "zh");
    let told: Vec<String> = findings(&json)
        .iter()
        .filter(|f| f["rule"] == "missing-required")
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("单元格被合并（D2:D4）")
        })
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        told,
        ["merged.xlsx", "merged.xlsx", "copy.xlsx", "copy.xlsx"]
    );
}

#[test]
fn an_empty_required_cell_outside_any_merge_says_nothing_of_merges() {
    let dir = TempDir::new().unwrap();
    xlsx(dir.path(), "plain.xlsx", |ws| {
        put(ws, 1, &entry("-").unset("customer_name"));
        let (g, h) = (col("position"), col("address"));
        ws.merge_range(1, g, 1, h, "采购经理", &Format::new())
            .unwrap();
    });
    let json = validate(dir.path(), "plain.xlsx", "zh");
    let message = finding(&json, "D2", "missing-required")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!message.contains("合并"), "{message}");
}

#[test]
fn hidden_rows_and_sheets_are_checked_like_the_others() {
    // A hidden sheet or row still holds the data that would be merged.
    let dir = TempDir::new().unwrap();
    let t = Template::builtin();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.sheet(SheetKind::Entry).name.zh.as_str())
        .unwrap();
    for (c, f) in t.sheet(SheetKind::Entry).fields.iter().enumerate() {
        ws.write_string(0, c as u16, f.display_header(Lang::Zh))
            .unwrap();
    }
    put(ws, 1, &entry("明远机械有限公司"));
    put(ws, 2, &entry("华东物流").set("industry", "制造"));
    ws.set_row_hidden(2).unwrap();
    ws.set_hidden(true);
    let update = wb.add_worksheet();
    update
        .set_name(t.sheet(SheetKind::Update).name.zh.as_str())
        .unwrap();
    for (c, f) in t.sheet(SheetKind::Update).fields.iter().enumerate() {
        update
            .write_string(0, c as u16, f.display_header(Lang::Zh))
            .unwrap();
    }
    update.set_active(true);
    wb.save(dir.path().join("hidden.xlsx")).unwrap();
    let json = validate(dir.path(), "hidden.xlsx", "zh");
    assert_eq!(json["files"][0]["sheets"][0]["rows"], 2);
    assert_eq!(cells(&json), vec![pair("E3", "invalid-enum")]);
}

#[test]
fn rich_text_is_read_as_its_plain_text() {
    let dir = TempDir::new().unwrap();
    let path = xlsx(dir.path(), "rich.xlsx", |ws| {
        put(ws, 1, &entry("-").unset("customer_name"));
        let bold = Format::new().set_bold();
        let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
        ws.write_rich_string(
            1,
            col("customer_name"),
            &[(&bold, "明远"), (&red, "机械有限公司")],
        )
        .unwrap();
        put(ws, 2, &entry("明远机械有限公司"));
    });
    let mut files = vec![path.clone()];
    files.extend(libreoffice_copies(&path, &["ods"]).unwrap_or_default());
    for file in &files {
        let name = file.strip_prefix(dir.path()).unwrap().to_str().unwrap();
        let json = validate(dir.path(), name, "zh");
        // The second row repeats the first's name: only whole text compares.
        assert_eq!(
            cells(&json),
            vec![pair("D3", "duplicate-customer")],
            "{name}"
        );
    }
}

#[test]
fn no_break_and_zero_width_spaces_are_normalised() {
    let dir = TempDir::new().unwrap();
    let t = Template::builtin();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.sheet(SheetKind::Entry).name.zh.as_str())
        .unwrap();
    for (c, f) in t.sheet(SheetKind::Entry).fields.iter().enumerate() {
        // A header pasted from a web page: no-break space before the marker.
        let header = f.display_header(Lang::Zh).replace('*', "\u{00A0}*");
        ws.write_string(0, c as u16, header).unwrap();
    }
    put(ws, 1, &approved("C001\u{200B}", "明远机械有限公司"));
    put(ws, 2, &approved("\u{00A0}C002", "明远\u{00A0}机械有限公司"));
    put(ws, 3, &entry("\u{FEFF}明远\u{200B}机械有限公司 "));
    wb.save(dir.path().join("spaces.xlsx")).unwrap();
    let json = validate(dir.path(), "spaces.xlsx", "zh");
    assert!(
        !findings(&json)
            .iter()
            .any(|f| f["rule"] == "missing-column" && f["sheet"] == "客户信息录入表"),
        "{json:#}"
    );
    assert_eq!(
        cells(&json),
        vec![
            pair("D3", "duplicate-customer"),
            pair("D4", "duplicate-customer")
        ]
    );
}

#[test]
fn dates_and_numbers_typed_as_text() {
    let dir = TempDir::new().unwrap();
    xlsx(dir.path(), "typed.xlsx", |ws| {
        let texts = [
            "2026-11-29",
            "2026/11/29",
            "2026年11月29日",
            "2026.11.29",
            "2026-11-29 09:30",
            "11/29/2026",
            "46355",
        ];
        for (i, text) in texts.iter().enumerate() {
            put(
                ws,
                1 + i as u32,
                &entry(&format!("客户{i}")).set("entry_date", *text),
            );
        }
        // A date typed as a bare number, without a date format.
        put(
            ws,
            8,
            &entry("客户7").set("entry_date", Cell::Number(46355.0)),
        );
        // A mobile number typed into a number cell.
        put(
            ws,
            9,
            &entry("客户8").set("contact", Cell::Number(13812345678.0)),
        );
    });
    let json = validate(dir.path(), "typed.xlsx", "zh");
    assert_eq!(
        cells(&json),
        vec![
            pair("A7", "invalid-date"),
            pair("A8", "invalid-date"),
            pair("A9", "invalid-date"),
            pair("F10", "pii"),
        ]
    );
    assert_eq!(finding(&json, "F10", "pii")["value"], "138****5678");
    assert!(!json.to_string().contains("13812345678"));
}

/// Switches a workbook to the 1904 date system (as Excel for Mac once saved).
fn to_1904(path: &Path) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/workbook.xml").unwrap(), &mut xml)
        .unwrap();
    let xml = if xml.contains("<workbookPr") {
        xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    } else {
        xml.replacen("<sheets>", "<workbookPr date1904=\"1\"/><sheets>", 1)
    };
    let bytes = replace_part(
        path,
        "xl/workbook.xml",
        Part::stored("xl/workbook.xml", xml.as_bytes()),
    );
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn dates_of_a_1904_workbook_are_read_in_its_epoch() {
    // 2026-11-29 is serial 45,258 counted from 1904 (46,720 from 1900). Read
    // in the wrong epoch it would be four years earlier, and the pending
    // review long overdue.
    let dir = TempDir::new().unwrap();
    let serial = (chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        - chrono::NaiveDate::from_ymd_opt(1904, 1, 1).unwrap())
    .num_days() as f64;
    let path = xlsx(dir.path(), "mac.xlsx", |ws| {
        put(ws, 1, &entry("明远机械有限公司").unset("entry_date"));
        let date = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_number_with_format(1, col("entry_date"), serial, &date)
            .unwrap();
    });
    to_1904(&path);
    let json = validate(dir.path(), "mac.xlsx", "zh");
    assert_eq!(cells(&json), Vec::<(String, String)>::new(), "{json:#}");
}

#[test]
fn the_sample_keeps_its_findings_when_libreoffice_resaves_it() {
    let dir = TempDir::new().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/filled-example.xlsx");
    let original = dir.path().join("filled-example.xlsx");
    std::fs::copy(&sample, &original).unwrap();
    let expected = cells(&validate(dir.path(), "filled-example.xlsx", "zh"));
    assert!(expected.len() >= 4, "{expected:?}");
    let Some(copies) = libreoffice_copies(&original, &["xlsx", "ods", "xls"]) else {
        return;
    };
    for copy in copies {
        let name = copy.strip_prefix(dir.path()).unwrap().to_str().unwrap();
        let json = validate(dir.path(), name, "zh");
        assert_eq!(cells(&json), expected, "{name}");
        assert_eq!(json["files"][0]["template_version"], "1.0.0", "{name}");
    }
    // The entry sheet exported as CSV (the sheet's findings only).
    let csv_dir = dir.path().join("lo-csv");
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2";
    let Some(written) = soffice_convert_all(&original, filter, &csv_dir) else {
        return;
    };
    let entry_only: Vec<(String, String)> = {
        let json = validate(dir.path(), "filled-example.xlsx", "zh");
        findings(&json)
            .iter()
            .filter(|f| f["sheet"] == "客户信息录入表" && f["row"].as_u64().is_some_and(|r| r > 1))
            .map(|f| {
                (
                    f["cell"].as_str().unwrap().to_string(),
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
            .filter(|(_, rule)| rule != "unknown-customer" && rule != "stale-customer")
            .collect()
    };
    let csv = &written[0];
    let name = csv.strip_prefix(dir.path()).unwrap().to_str().unwrap();
    let json = validate(dir.path(), name, "zh");
    let got: Vec<(String, String)> = cells(&json)
        .into_iter()
        .filter(|(_, rule)| rule != "unknown-customer" && rule != "stale-customer")
        .collect();
    assert_eq!(got, entry_only, "{name}");
}
