//! A file read from bytes in memory (an upload to the desk) gives exactly what
//! the same file read from its path gives: the same sheets, rows, cells,
//! merged cells and `FileRead`, or the same `ReadError`, for every format and
//! every hostile file in the tests. And `crmsheet::check`, the call the CLI and
//! the desk share, gives on bytes the report and the annotated copy the CLI
//! gives on the same files.

mod hostile_files;
mod support;

use crmsheet::check;
use crmsheet::lang::Lang;
use crmsheet::read::{
    read_file, read_sheet, read_source, read_source_pipelined, FileRead, MergedCells, ReadError,
    Row, RowSink, SheetLayout, Source, Value,
};
use crmsheet::rules::Options;
use crmsheet::template::{SheetKind, Template};
use crmsheet::value::parse_as_of;
use hostile_files::{
    deflate_spaces, ods_bytes, ods_bytes_with, ods_row, ods_table, replace_part, workbook_stream,
    xls_bytes, Part,
};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use support::*;

/// Every call a sink receives, in order, as text.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    other: bool,
}

impl RowSink for Recorder {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.calls.push(format!("sheet {layout:?}"));
    }
    fn row(&mut self, layout: &SheetLayout, row: Row) {
        self.calls.push(format!("row {:?} {row:?}", layout.kind));
    }
    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.calls.push(format!("merged? {}", layout.name));
        true
    }
    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        self.calls
            .push(format!("merged {} {merged:?}", layout.name));
    }
    fn wants_other_cells(&self) -> bool {
        self.other
    }
    fn other_cells(&mut self, layout: &SheetLayout, row: u32, cells: Vec<(u32, Value)>) {
        self.calls
            .push(format!("other {:?} {row} {cells:?}", layout.kind));
    }
}

type Reading = (Result<FileRead, ReadError>, Vec<String>);

fn reading(source: &Source, other: bool, piped: bool) -> Reading {
    let template = Template::builtin();
    let mut sink = Recorder {
        calls: Vec::new(),
        other,
    };
    let result = if piped {
        read_source_pipelined(source, &template, &mut sink)
    } else {
        read_source(source, &template, &mut sink)
    };
    (result, sink.calls)
}

type Cells = (Result<bool, ReadError>, Vec<(u32, u32, Value)>);

fn sheet_cells(source: &Source, is_wanted: &dyn Fn(&str) -> bool) -> Cells {
    let mut cells = Vec::new();
    let found = read_sheet(source, is_wanted, &mut |row, col, value| {
        cells.push((row, col, value));
        ControlFlow::Continue(())
    });
    (found, cells)
}

/// Reads `path` from disk and from its bytes (named as the file) in every way
/// the reader offers, asserting the two agree; the plain reading's result.
fn same_from_bytes(path: &Path) -> Result<FileRead, ReadError> {
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let file = Source::path(path);
    let bytes = std::fs::read(path).unwrap();
    // A file of many megabytes is compared in the way validate reads it only,
    // to keep the test quick.
    let ways: &[(bool, bool)] = if bytes.len() > 4 << 20 {
        &[(false, true)]
    } else {
        &[(false, false), (false, true), (true, false), (true, true)]
    };
    let upload = Source::bytes(name.clone(), bytes);
    let mut plain = None;
    for &(other, piped) in ways {
        let from_file = reading(&file, other, piped);
        let from_bytes = reading(&upload, other, piped);
        assert!(
            from_file == from_bytes,
            "{name} (other cells {other}, two threads {piped}):\nfrom the file {:?}\nfrom bytes {:?}",
            from_file.0,
            from_bytes.0
        );
        plain.get_or_insert(from_file.0);
    }
    let plain = plain.unwrap();
    // The wrapper reads what the source reads.
    let mut sink = Recorder::default();
    assert_eq!(
        read_file(path, &Template::builtin(), &mut sink),
        plain,
        "{name}"
    );
    // One more sheet, as the change log is read: the first, and the log.
    let log = plain.as_ref().ok().and_then(|read| read.change_log.clone());
    let wanted = |sheet: &str| log.as_deref().is_none_or(|log| sheet == log);
    assert!(
        sheet_cells(&file, &wanted) == sheet_cells(&upload, &wanted),
        "{name}: read_sheet"
    );
    plain
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn files_in(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "md"))
        .collect();
    files.sort();
    files
}

fn team_book() -> Book {
    Book::new()
        .entries([
            approved("C001", "明远机械有限公司"),
            entry("华东物流有限公司").set("contact", "王经理 13812345678"),
            entry("").set("industry", "不存在的行业"),
            entry("明远机械有限公司"),
        ])
        .updates([update("C001"), update("C999").unset("update_reason")])
}

/// The CSV of the entry sheet in another encoding (UTF-16 as Excel's
/// "Unicode text": tab-separated, little-endian with a byte-order mark).
fn encoded_csv(utf8: &Path, encoding: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(utf8).unwrap();
    match encoding {
        "bom" => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        "gbk" => encoding_rs::GBK.encode(&text).0.into_owned(),
        "utf16" => {
            let tabbed = text.replace(',', "\t");
            let mut out = vec![0xFF, 0xFE];
            out.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
            out
        }
        _ => unreachable!(),
    }
}

/// An xlsx whose entry sheet has a required cell emptied by a merged range.
fn merged_xlsx(dir: &Path) -> PathBuf {
    let template = Template::builtin();
    let def = template.sheet(SheetKind::Entry);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(def.name.zh.as_str()).unwrap();
    for (c, field) in def.fields.iter().enumerate() {
        sheet.write(0, c as u16, field.header.zh.as_str()).unwrap();
    }
    let name = def.field_index("customer_name").unwrap() as u16;
    let person = def.field_index("salesperson").unwrap() as u16;
    for r in 1..6 {
        sheet.write(r, name, format!("公司{r}")).unwrap();
    }
    sheet
        .merge_range(
            1,
            person,
            4,
            person,
            "张伟",
            &rust_xlsxwriter::Format::new(),
        )
        .unwrap();
    let path = dir.join("merged.xlsx");
    book.save(&path).unwrap();
    path
}

/// The files of the comparison that are made here: every format from a
/// filled workbook, CSV in each encoding, and broken and hostile files.
fn made_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let xlsx = team_book().write(dir, "team.xlsx");
    let mut made: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, bytes: &[u8]| made.push((name.to_string(), bytes.to_vec()));
    let xlsx_bytes = std::fs::read(&xlsx).unwrap();
    add("team.xlsm", &xlsx_bytes);
    // The content decides, whatever the name says.
    add("team-named.csv", &xlsx_bytes);
    add("noextension", &xlsx_bytes);
    let csv = team_book().write_csv(SheetKind::Entry, dir, "team.csv");
    for encoding in ["bom", "gbk", "utf16"] {
        add(
            &format!("team-{encoding}.csv"),
            &encoded_csv(&csv, encoding),
        );
    }
    add("team-gbk.txt", &encoded_csv(&csv, "gbk"));
    add("empty.xlsx", b"");
    add("empty.csv", b"");
    add(
        "page.xls",
        b"<html><body><table><tr><td>1</td></tr></table></body></html>",
    );
    add("page.csv", b"<html><body>a,b</body></html>\n");
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    add("noise.xlsx", &noise);
    add(
        "zip-noise.xlsx",
        &[b"PK\x03\x04".as_slice(), &noise].concat(),
    );
    for share in [10, 50, 90, 99] {
        add(
            &format!("cut-{share}.xlsx"),
            &xlsx_bytes[..xlsx_bytes.len() * share / 100],
        );
    }
    // A sheet of 1 GiB of XML in about a megabyte.
    let (stream, size) = deflate_spaces(
        b"<worksheet><sheetData>",
        1 << 30,
        b"</sheetData></worksheet>",
        true,
    );
    add(
        "bomb.xlsx",
        &replace_part(
            &xlsx,
            "xl/worksheets/sheet1.xml",
            Part::bomb("xl/worksheets/sheet1.xml", stream, size),
        ),
    );
    let encrypted = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/></manifest:encryption-data>"#;
    let body = ods_table("客户信息录入表", &ods_row(&["x"]));
    add("locked.ods", &ods_bytes_with(&body, encrypted));
    let tables: String = (0..10_001)
        .map(|i| format!(r#"<table:table table:name="S{i}"/>"#))
        .collect();
    add("many.ods", &ods_bytes(&tables));
    let sheets: Vec<(String, Vec<Vec<u8>>)> =
        (0..10_001).map(|i| (format!("S{i}"), Vec::new())).collect();
    add("many.xls", &xls_bytes(&workbook_stream(&[], &sheets)));
    // An unclosed quote swallowing the rest of the file: a row over 16 MiB.
    let text = std::fs::read_to_string(&csv).unwrap();
    let open = format!(
        "{text}2026-11-29,张伟,,\"{}\n",
        "明远机械,\n".repeat(1_300_000)
    );
    add("open.csv", open.as_bytes());
    files.push(xlsx.clone());
    files.push(csv);
    files.push(merged_xlsx(dir));
    for to in ["ods", "xls"] {
        if let Some(copy) = soffice_convert(&xlsx, to, dir) {
            let bytes = std::fs::read(&copy).unwrap();
            files.push(copy);
            add(&format!("cut.{to}"), &bytes[..bytes.len() / 2]);
        }
    }
    for (name, bytes) in made {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        files.push(path);
    }
    files
}

#[test]
fn every_format_and_hostile_file_reads_the_same_from_bytes() {
    let dir = tmp();
    let mut files = files_in("fuzz/seeds");
    files.extend(files_in("tests/regressions"));
    files.extend(files_in("tests/fixtures"));
    files.extend(made_files(dir.path()));
    let mut read = 0;
    let mut errors = std::collections::BTreeSet::new();
    let mut said = std::collections::HashMap::new();
    for path in &files {
        match same_from_bytes(path) {
            Ok(_) => read += 1,
            Err(error) => {
                errors.insert(format!("{error:?}").split('(').next().unwrap().to_string());
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                said.insert(name, error.to_string());
            }
        }
    }
    // The made hostile files hit the limits they were made for.
    for (file, expected) in [
        ("bomb.xlsx", "a zip bomb"),
        ("many.ods", "more than 10,000 sheets"),
        ("many.xls", "more than 10,000 sheets"),
        ("open.csv", "longer than 16 MiB"),
        ("locked.ods", "password-protected"),
        ("empty.csv", "the file is empty (0 bytes)"),
        ("page.xls", "not a spreadsheet"),
        ("cut-50.xlsx", "damaged or incomplete"),
    ] {
        let message = said.get(file).map_or("(read)", String::as_str);
        assert!(message.contains(expected), "{file}: {message}");
    }
    // The comparison covered readable files and every kind of failure a
    // source of bytes can have.
    assert!(read >= 20, "{read} of {} read", files.len());
    let kinds: Vec<&str> = errors.iter().map(String::as_str).collect();
    assert_eq!(
        kinds,
        [
            "Corrupt",
            "Empty",
            "Encrypted",
            "NotSpreadsheet",
            "TooLarge"
        ]
    );
}

#[test]
fn bytes_give_the_errors_a_file_gives() {
    let template = Template::builtin();
    let read = |source: &Source| read_source(source, &template, &mut Recorder::default());
    assert_eq!(
        read(&Source::bytes("a.xlsx", Vec::new())),
        Err(ReadError::Empty)
    );
    let encrypted = std::fs::read(repo("tests/fixtures/encrypted.xlsx")).unwrap();
    assert_eq!(
        read(&Source::bytes("locked.xlsx", encrypted)),
        Err(ReadError::Encrypted)
    );
    assert_eq!(
        read(&Source::bytes(
            "a.xlsx",
            b"\x00\x01\x02 not a workbook".to_vec()
        )),
        Err(ReadError::NotSpreadsheet)
    );
    // Only a path can be missing.
    assert_eq!(
        read(&Source::path("/nonexistent/a.xlsx")),
        Err(ReadError::NotFound)
    );
    // The name's extension is the same hint a path's is: markup under a text
    // name is read as text, under a spreadsheet name it is refused.
    let page = b"<p>a,b</p>\n".to_vec();
    assert!(read(&Source::bytes("a.csv", page.clone())).is_ok());
    assert_eq!(
        read(&Source::bytes("a.xls", page)),
        Err(ReadError::NotSpreadsheet)
    );
}

// ---------------------------------------------------------------------------
// check::validate and check::annotate against the CLI
// ---------------------------------------------------------------------------

fn options(lang: Lang) -> Options {
    Options {
        as_of: parse_as_of(AS_OF).unwrap(),
        lang,
    }
}

/// A merged register (it has a change log, whose contacts count for
/// `stale-customer`), made by `crmsheet merge`.
fn register(dir: &Path) -> &'static str {
    Book::new()
        .entries([
            approved("C001", "明远机械有限公司"),
            approved_long_ago("C002", "南京长江物流有限公司"),
        ])
        .write(dir, "master.xlsx");
    Book::new()
        .updates([update("C002")
            .set("review_status", "已通过")
            .set("reviewer", "李娜")
            .set("review_date", Cell::Date(2026, 11, 30))])
        .write(dir, "changes.xlsx");
    let output = crmsheet(dir)
        .args(["merge", "changes.xlsx", "--master", "master.xlsx"])
        .args(["-o", "register.xlsx", "--as-of", AS_OF])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    "register.xlsx"
}

fn uploads(dir: &Path, names: &[&str]) -> Vec<Source> {
    names
        .iter()
        .map(|name| Source::bytes(*name, std::fs::read(dir.join(name)).unwrap()))
        .collect()
}

fn cli(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crmsheet(dir)
        .arg("validate")
        .args(args)
        .args(["--format", "json", "--as-of", AS_OF])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn check_validate_on_bytes_reports_what_the_cli_reports() {
    let dir = tmp();
    let d = dir.path();
    let master = register(d);
    team_book().write(d, "team.xlsx");
    let csv = team_book().write_csv(SheetKind::Update, d, "updates.csv");
    std::fs::write(d.join("updates-gbk.csv"), encoded_csv(&csv, "gbk")).unwrap();
    std::fs::copy(repo("samples/filled-example.xlsx"), d.join("sample.xlsx")).unwrap();
    std::fs::copy(
        repo("fuzz/seeds/small-libreoffice.ods"),
        d.join("small.ods"),
    )
    .unwrap();
    std::fs::copy(
        repo("fuzz/seeds/small-libreoffice.xls"),
        d.join("small.xls"),
    )
    .unwrap();
    std::fs::copy(repo("tests/fixtures/encrypted.xlsx"), d.join("locked.xlsx")).unwrap();
    std::fs::write(d.join("empty.xlsx"), b"").unwrap();
    let inputs = [
        "team.xlsx",
        "updates-gbk.csv",
        "sample.xlsx",
        "small.ods",
        "locked.xlsx",
        "small.xls",
        "empty.xlsx",
    ];
    for lang in [Lang::Zh, Lang::En] {
        let mut args = vec!["--master", master, "--lang", lang.as_str()];
        args.extend(inputs);
        let (code, stdout, stderr) = cli(d, &args);

        // The master first, as the CLI puts it; uploads named as the files.
        let mut names = vec![master];
        names.extend(inputs);
        let sources = uploads(d, &names);
        let checked = check::validate(&Template::builtin(), options(lang), &sources, None);
        let mut json = Vec::new();
        crmsheet::report::json::write(&mut json, &checked.report).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), stdout, "{lang:?}");
        assert_eq!(code, checked.report.outcome(false) as i32);
        // The CLI's stderr is one line per unreadable file, as check says.
        let lines: Vec<String> = checked
            .unreadable
            .iter()
            .map(|(i, error)| {
                format!(
                    "crmsheet: {}: {}\n",
                    names[*i],
                    crmsheet::messages::read_error(error, lang)
                )
            })
            .collect();
        assert_eq!(lines.concat(), stderr);
        let unreadable: Vec<&str> = checked.unreadable.iter().map(|(i, _)| names[*i]).collect();
        assert_eq!(unreadable, ["locked.xlsx", "empty.xlsx"]);
    }
    // The run saw the change log and the findings the files hold.
    let sources = uploads(d, &[master, "team.xlsx"]);
    let report = check::validate(&Template::builtin(), options(Lang::En), &sources, None).report;
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    for rule in [
        "pii",
        "duplicate-customer",
        "missing-required",
        "invalid-enum",
        "unknown-customer",
    ] {
        assert!(rules.contains(&rule), "{rule} not in {rules:?}");
    }
}

/// The sheets of a workbook, each as text rows; the generation time (in the
/// instructions and `_meta`) is blanked.
fn workbook_text(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let template = Template::builtin();
    let stamped: Vec<String> = [Lang::Zh, Lang::En]
        .into_iter()
        .flat_map(|lang| {
            [
                template.workbook.instructions.get(lang).to_string(),
                template.workbook.meta.get(lang).to_string(),
            ]
        })
        .collect();
    sheet_names(path)
        .into_iter()
        .map(|name| {
            let mut rows = sheet_text(path, &name);
            if stamped.contains(&name) {
                for cell in rows.iter_mut().flatten() {
                    *cell = cell.replace(|c: char| c.is_ascii_digit(), "0");
                }
            }
            (name, rows)
        })
        .collect()
}

#[test]
fn check_annotate_in_memory_writes_the_copy_the_cli_writes() {
    let dir = tmp();
    let d = dir.path();
    let master = register(d);
    team_book().write(d, "team.xlsx");
    merged_xlsx(d);
    for (file, lang) in [("team.xlsx", Lang::Zh), ("merged.xlsx", Lang::En)] {
        let out = format!("{file}.annotated.xlsx");
        let args = [
            file,
            "--master",
            master,
            "--annotate",
            &out,
            "--lang",
            lang.as_str(),
        ];
        let (_, stdout, stderr) = cli(d, &args);
        assert!(stderr.contains(&out), "{stderr}");

        let sources = uploads(d, &[master, file]);
        let template = Template::builtin();
        let annotated = check::annotate(&template, options(lang), &sources, &[1], lang).unwrap();
        let mut json = Vec::new();
        crmsheet::report::json::write(&mut json, &annotated.report).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), stdout, "{file}");
        assert!(annotated.unreadable.is_empty());
        let [Some(copy)] = annotated.copies.as_slice() else {
            panic!("one copy expected");
        };
        let from_memory = d.join(format!("{file}.memory.xlsx"));
        std::fs::write(&from_memory, copy).unwrap();
        let expected = workbook_text(&d.join(&out));
        assert!(expected.len() >= 5, "{expected:?}");
        assert_eq!(workbook_text(&from_memory), expected, "{file}");
    }
    // A copy of a file that cannot be read is none; the others are made.
    let mut sources = uploads(d, &["team.xlsx"]);
    sources.push(Source::bytes("broken.xlsx", b"PK\x03\x04broken".to_vec()));
    let template = Template::builtin();
    let annotated =
        check::annotate(&template, options(Lang::En), &sources, &[1, 0], Lang::En).unwrap();
    assert!(annotated.copies[0].is_none());
    assert!(annotated.copies[1]
        .as_ref()
        .is_some_and(|c| c.starts_with(b"PK")));
    assert_eq!(annotated.unreadable.len(), 1);
    assert_eq!(annotated.unreadable[0].0, 1);
}
