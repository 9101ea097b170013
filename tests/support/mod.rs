//! Shared test helpers: a small builder that writes filled workbooks (and CSV
//! files) the way staff would, with the template's headers, and a runner for
//! `crmsheet validate --format json`.
#![allow(dead_code)]

pub mod admin;

use crmsheet::lang::Lang;
use crmsheet::template::{SheetKind, Template};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The headers of a sheet as a generated workbook writes them (`客户名称*`).
pub fn headers_in(kind: SheetKind, lang: Lang) -> Vec<String> {
    Template::builtin()
        .sheet(kind)
        .fields
        .iter()
        .map(|f| f.display_header(lang))
        .collect()
}

/// The name of a data sheet in `lang`.
pub fn sheet_name_in(kind: SheetKind, lang: Lang) -> String {
    Template::builtin().sheet(kind).name.get(lang).to_string()
}

/// A row of `kind` in schema order with `values` by field key, the rest empty.
pub fn row_by_key(kind: SheetKind, values: &[(&str, &str)]) -> Vec<String> {
    Template::builtin()
        .sheet(kind)
        .fields
        .iter()
        .map(|f| {
            values
                .iter()
                .find(|(k, _)| *k == f.key)
                .map_or(String::new(), |(_, v)| v.to_string())
        })
        .collect()
}

/// The as-of date every test runs with, so results never depend on the clock.
pub const AS_OF: &str = "2026-11-30";

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A date-formatted cell.
    Date(u16, u8, u8),
    /// A date-time-formatted cell.
    DateTime(u16, u8, u8, u16, u8, u8),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}

/// One data row: values by field key (or, for columns the template does not
/// know, by header text).
#[derive(Debug, Clone, Default)]
pub struct Rec {
    values: Vec<(String, Cell)>,
}

impl Rec {
    pub fn set(mut self, key: &str, value: impl Into<Cell>) -> Rec {
        self.values.retain(|(k, _)| k != key);
        self.values.push((key.to_string(), value.into()));
        self
    }

    pub fn unset(mut self, key: &str) -> Rec {
        self.values.retain(|(k, _)| k != key);
        self
    }

    pub fn get(&self, key: &str) -> Option<&Cell> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// A fresh folder for a test's files.
#[allow(dead_code)]
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A new customer, pending review, entered the day before [`AS_OF`]: a row with
/// no findings at all.
pub fn entry(name: &str) -> Rec {
    Rec::default()
        .set("entry_date", Cell::Date(2026, 11, 29))
        .set("salesperson", "张伟")
        .set("customer_name", name)
        .set("industry", "制造业")
        .set("contact", "王经理")
        .set("position", "采购经理")
        .set("address", "上海市浦东新区张江路 100 号")
        .set("interaction", "11-28 上门拜访，介绍新产品")
        .set("needs", "关注交货周期")
        .set("customer_status", "潜在")
        .set("review_status", "待审核")
}

/// An approved customer with its ID, entered and reviewed recently.
pub fn approved(id: &str, name: &str) -> Rec {
    entry(name)
        .set("entry_date", Cell::Date(2026, 11, 20))
        .set("customer_id", id)
        .set("customer_status", "活跃")
        .set("review_status", "已通过")
        .set("reviewer", "李娜")
        .set("review_date", Cell::Date(2026, 11, 21))
}

/// [`approved`], entered and reviewed in August: stale by [`AS_OF`] unless
/// something newer records a contact.
#[allow(dead_code)]
pub fn approved_long_ago(id: &str, name: &str) -> Rec {
    approved(id, name)
        .set("entry_date", Cell::Date(2026, 8, 1))
        .set("review_date", Cell::Date(2026, 8, 2))
}

/// A new customer entered on 11-29 and approved on 11-30, without an ID yet.
#[allow(dead_code)]
pub fn approved_new(name: &str) -> Rec {
    entry(name)
        .set("review_status", "已通过")
        .set("reviewer", "李娜")
        .set("review_date", Cell::Date(2026, 11, 30))
}

#[allow(dead_code)]
pub fn rejected_new(name: &str) -> Rec {
    entry(name)
        .set("review_status", "已驳回")
        .set("reviewer", "李娜")
        .set("review_date", Cell::Date(2026, 11, 30))
}

/// A pending contact change for customer `id`, dated the day before [`AS_OF`].
pub fn update(id: &str) -> Rec {
    Rec::default()
        .set("update_date", Cell::Date(2026, 11, 29))
        .set("salesperson", "张伟")
        .set("customer_id", id)
        .set("contact", "赵主任")
        .set("update_reason", "原联系人离职")
        .set("maintenance_type", "联系人变更")
        .set("review_status", "待审核")
}

/// A data sheet to write.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    /// Header cells, in column order.
    pub headers: Vec<String>,
    pub rows: Vec<Rec>,
    /// Rows written above the header row (a title, say).
    pub above: Vec<String>,
}

impl Sheet {
    /// The template's sheet with every header, as `generate` writes them.
    pub fn template(kind: SheetKind, lang: Lang) -> Sheet {
        let t = Template::builtin();
        let def = t.sheet(kind);
        Sheet {
            name: def.name.get(lang).to_string(),
            headers: def.fields.iter().map(|f| f.display_header(lang)).collect(),
            rows: Vec::new(),
            above: Vec::new(),
        }
    }

    /// The header of a field, as the template writes it.
    pub fn header_of(kind: SheetKind, key: &str) -> String {
        let t = Template::builtin();
        t.sheet(kind)
            .field(key)
            .expect("field")
            .display_header(Lang::Zh)
    }

    pub fn drop_column(&mut self, key: &str, kind: SheetKind) {
        let header = Sheet::header_of(kind, key);
        self.headers.retain(|h| *h != header);
    }
}

/// A filled workbook: stamp, entry and update sheets.
#[derive(Debug, Clone)]
pub struct Book {
    pub lang: Lang,
    /// The `version` row of `_meta`; `None` writes no `_meta` sheet.
    pub meta_version: Option<String>,
    /// The `TemplateVersion` document property.
    pub property_version: Option<String>,
    pub entry: Option<Sheet>,
    pub update: Option<Sheet>,
}

impl Default for Book {
    fn default() -> Book {
        Book::new()
    }
}

impl Book {
    /// An empty zh workbook stamped with the current template version.
    pub fn new() -> Book {
        Book::in_lang(Lang::Zh)
    }

    pub fn in_lang(lang: Lang) -> Book {
        let version = Template::builtin().version;
        Book {
            lang,
            meta_version: Some(version.clone()),
            property_version: Some(version),
            entry: Some(Sheet::template(SheetKind::Entry, lang)),
            update: Some(Sheet::template(SheetKind::Update, lang)),
        }
    }

    pub fn entries(mut self, rows: impl IntoIterator<Item = Rec>) -> Book {
        if let Some(s) = self.entry.as_mut() {
            s.rows.extend(rows);
        }
        self
    }

    pub fn updates(mut self, rows: impl IntoIterator<Item = Rec>) -> Book {
        if let Some(s) = self.update.as_mut() {
            s.rows.extend(rows);
        }
        self
    }

    pub fn sheet_mut(&mut self, kind: SheetKind) -> &mut Sheet {
        match kind {
            SheetKind::Entry => self.entry.as_mut().expect("entry sheet"),
            SheetKind::Update => self.update.as_mut().expect("update sheet"),
        }
    }

    /// Writes the workbook as `dir/name` (xlsx) and returns its path.
    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let t = Template::builtin();
        for (kind, sheet) in [
            (SheetKind::Entry, &self.entry),
            (SheetKind::Update, &self.update),
        ] {
            let Some(sheet) = sheet else { continue };
            let def = t.sheet(kind);
            let ws = wb.add_worksheet();
            ws.set_name(&sheet.name).expect("sheet name");
            let top = sheet.above.len() as u32;
            for (r, text) in sheet.above.iter().enumerate() {
                ws.write_string(r as u32, 0, text).expect("write");
            }
            for (c, header) in sheet.headers.iter().enumerate() {
                ws.write_string(top, c as u16, header).expect("write");
            }
            for (r, rec) in sheet.rows.iter().enumerate() {
                let row = top + 1 + r as u32;
                for (c, header) in sheet.headers.iter().enumerate() {
                    let key = def
                        .field_for_header(header)
                        .map(|i| def.fields[i].key.clone())
                        .unwrap_or_else(|| header.clone());
                    let Some(cell) = rec.get(&key) else { continue };
                    let col = c as u16;
                    match cell {
                        Cell::Text(s) => ws.write_string(row, col, s),
                        Cell::Number(n) => ws.write_number(row, col, *n),
                        Cell::Date(y, m, d) => {
                            let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                            ws.write_datetime_with_format(row, col, &dt, &date)
                        }
                        Cell::DateTime(y, m, d, h, mi, s) => {
                            let dt = ExcelDateTime::from_ymd(*y, *m, *d)
                                .and_then(|dt| dt.and_hms(*h, *mi, *s))
                                .expect("datetime");
                            ws.write_datetime_with_format(row, col, &dt, &datetime)
                        }
                    }
                    .expect("write");
                }
            }
        }
        if let Some(version) = &self.meta_version {
            let ws = wb.add_worksheet();
            ws.set_name("_meta").expect("sheet name");
            let rows = [
                ("template", t.name.as_str()),
                ("version", version.as_str()),
                ("language", self.lang.as_str()),
                ("generated_at", "2026-11-01T09:00:00"),
            ];
            for (r, (k, v)) in rows.iter().enumerate() {
                ws.write_string(r as u32, 0, *k).expect("write");
                ws.write_string(r as u32, 1, *v).expect("write");
            }
            ws.set_hidden(true);
        }
        if let Some(version) = &self.property_version {
            let props =
                DocProperties::new().set_custom_property("TemplateVersion", version.as_str());
            wb.set_properties(&props);
        }
        wb.save(&path).expect("save workbook");
        path
    }

    /// Writes one data sheet as a UTF-8 CSV file `dir/name` (dates as text).
    pub fn write_csv(&self, kind: SheetKind, dir: &Path, name: &str) -> PathBuf {
        let t = Template::builtin();
        let def = t.sheet(kind);
        let sheet = match kind {
            SheetKind::Entry => self.entry.as_ref(),
            SheetKind::Update => self.update.as_ref(),
        }
        .expect("sheet");
        let path = dir.join(name);
        let mut w = csv::Writer::from_path(&path).expect("csv");
        w.write_record(&sheet.headers).expect("csv");
        for rec in &sheet.rows {
            let cells: Vec<String> = sheet
                .headers
                .iter()
                .map(|header| {
                    let key = def
                        .field_for_header(header)
                        .map(|i| def.fields[i].key.clone())
                        .unwrap_or_else(|| header.clone());
                    match rec.get(&key) {
                        None => String::new(),
                        Some(Cell::Text(s)) => s.clone(),
                        Some(Cell::Number(n)) => n.to_string(),
                        Some(Cell::Date(y, m, d)) => format!("{y:04}-{m:02}-{d:02}"),
                        Some(Cell::DateTime(y, m, d, h, mi, s)) => {
                            format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
                        }
                    }
                })
                .collect();
            w.write_record(&cells).expect("csv");
        }
        w.flush().expect("csv");
        path
    }
}

/// `crmsheet` with a clean environment: no colour, no schema from the
/// environment, run in `dir` (so no stray `crmsheet.toml` is picked up).
pub fn crmsheet(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("crmsheet").expect("binary");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CRMSHEET_SCHEMA");
    cmd
}

/// The result of `crmsheet validate --format json --as-of AS_OF ARGS…`.
pub struct Run {
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

impl Run {
    /// `(cell, rule)` of every finding, in report order.
    pub fn cells(&self) -> Vec<(String, String)> {
        self.findings()
            .iter()
            .map(|f| {
                (
                    f["cell"].as_str().unwrap_or("-").to_string(),
                    f["rule"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn findings(&self) -> Vec<Value> {
        self.json["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The findings of one rule.
    pub fn of(&self, rule: &str) -> Vec<Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["rule"] == rule)
            .collect()
    }

    /// The cells where one rule fired.
    pub fn cells_of(&self, rule: &str) -> Vec<String> {
        self.of(rule)
            .iter()
            .map(|f| f["cell"].as_str().unwrap_or("-").to_string())
            .collect()
    }
}

/// Runs validate with JSON output in `dir`; extra arguments come after the files.
pub fn validate(dir: &Path, args: &[&str]) -> Run {
    let output = crmsheet(dir)
        .arg("validate")
        .args(args)
        .args(["--format", "json", "--as-of", AS_OF])
        .output()
        .expect("run crmsheet");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Run {
        code: output.status.code().unwrap_or(-1),
        json,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `book` as `a.xlsx` in `dir` and validates it.
pub fn check(dir: &Path, book: &Book) -> Run {
    book.write(dir, "a.xlsx");
    validate(dir, &["a.xlsx"])
}

/// Converts `file` with LibreOffice (`soffice --headless --convert-to TO`) into
/// `dir`, with a profile of its own so parallel tests do not collide. `None` (with
/// a notice) when LibreOffice is absent outside CI; under CI its absence fails.
#[allow(dead_code)]
pub fn soffice_convert(file: &Path, to: &str, dir: &Path) -> Option<PathBuf> {
    run_soffice(file, to, dir)?;
    let out = dir.join(file.file_stem()?).with_extension(to);
    assert!(out.is_file(), "soffice wrote no {}", out.display());
    Some(out)
}

/// [`soffice_convert`], for any target LibreOffice takes (a filter such as
/// `csv:…` too): the files it added to `dir`.
#[allow(dead_code)]
pub fn soffice_convert_all(file: &Path, to: &str, dir: &Path) -> Option<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).expect("create folder");
    let listing = || -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .expect("list folder")
            .map(|e| e.expect("folder entry").path())
            .filter(|p| p.is_file())
            .collect()
    };
    let before = listing();
    run_soffice(file, to, dir)?;
    let written: Vec<PathBuf> = listing()
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert!(!written.is_empty(), "soffice wrote nothing for {to}");
    Some(written)
}

fn run_soffice(file: &Path, to: &str, dir: &Path) -> Option<()> {
    let profile = dir.join(format!("lo-profile-{}", to.split(':').next().unwrap_or(to)));
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Some(()),
        Ok(s) => panic!("soffice failed converting to {to}: {s}"),
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("LibreOffice (soffice) is needed for this test under CI: {e}");
            }
            eprintln!("skipping: LibreOffice (soffice) not available: {e}");
            None
        }
    }
}

/// The cells of a sheet as text, row by row from row 1 (dates as `yyyy-mm-dd`,
/// with ` hh:mm:ss` when they have a time; whole numbers without `.0`).
/// Trailing empty cells of a row are dropped.
pub fn sheet_text(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path).expect("open workbook");
    let range = wb.worksheet_range(sheet).expect("sheet");
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); top as usize];
    for row in range.rows() {
        let mut cells: Vec<String> = vec![String::new(); left as usize];
        cells.extend(row.iter().map(|d| match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => match dt.as_datetime() {
                Some(at) if at.time() == chrono::NaiveTime::MIN => {
                    at.format("%Y-%m-%d").to_string()
                }
                Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => dt.as_f64().to_string(),
            },
            other => other.to_string(),
        }));
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        rows.push(cells);
    }
    rows
}

/// The sheet names of a workbook, in order.
pub fn sheet_names(path: &Path) -> Vec<String> {
    use calamine::{open_workbook_auto, Reader};
    open_workbook_auto(path)
        .expect("open workbook")
        .sheet_names()
}

/// 0-based (row, column) of an `A1` address.
pub fn parse_a1(cell: &str) -> (u32, u16) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let col = letters.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    }) - 1;
    let row: u32 = cell[letters.len()..].parse().expect("row number");
    (row - 1, col as u16)
}

/// Saves a copy of the workbook at `src` as `dst` with some cells changed, the
/// way a person opens a workbook, edits it and saves it: every sheet keeps its
/// name, order and values (dates stay date cells; formatting is not kept).
/// `edits`: (sheet, `A1` cell, new value, or `None` to clear it).
pub fn edit_workbook(src: &Path, dst: &Path, edits: &[(&str, &str, Option<Cell>)]) {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(src).expect("open workbook");
    let mut out = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        let ws = out.add_worksheet();
        ws.set_name(&name).expect("sheet name");
        let here: Vec<((u32, u16), &Option<Cell>)> = edits
            .iter()
            .filter(|(sheet, _, _)| *sheet == name)
            .map(|(_, cell, value)| (parse_a1(cell), value))
            .collect();
        let (top, left) = range.start().unwrap_or((0, 0));
        for (r, c, value) in range.used_cells() {
            let (row, col) = (top + r as u32, (left + c as u32) as u16);
            if here.iter().any(|(at, _)| *at == (row, col)) {
                continue;
            }
            match value {
                Data::String(s) => ws.write_string(row, col, s),
                Data::Float(f) => ws.write_number(row, col, *f),
                Data::Int(i) => ws.write_number(row, col, *i as f64),
                Data::Bool(b) => ws.write_boolean(row, col, *b),
                Data::DateTime(dt) => ws.write_number_with_format(row, col, dt.as_f64(), &date),
                Data::Empty => continue,
                other => ws.write_string(row, col, other.to_string()),
            }
            .expect("write");
        }
        for ((row, col), value) in here {
            match value {
                None => continue,
                Some(Cell::Text(s)) => ws.write_string(row, col, s),
                Some(Cell::Number(n)) => ws.write_number(row, col, *n),
                Some(Cell::Date(y, m, d)) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                    ws.write_datetime_with_format(row, col, &dt, &date)
                }
                Some(Cell::DateTime(y, m, d, h, mi, s)) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d)
                        .and_then(|dt| dt.and_hms(*h, *mi, *s))
                        .expect("datetime");
                    ws.write_datetime_with_format(row, col, &dt, &date)
                }
            }
            .expect("edit");
        }
    }
    out.save(dst).expect("save workbook");
}

/// [`soffice_convert`] into a folder `work/lo-TO` of its own, so an xlsx copy
/// does not replace its original.
pub fn soffice_convert_into(file: &Path, to: &str, work: &Path) -> Option<PathBuf> {
    let outdir = work.join(format!("lo-{to}"));
    std::fs::create_dir_all(&outdir).expect("create folder");
    soffice_convert(file, to, &outdir)
}
