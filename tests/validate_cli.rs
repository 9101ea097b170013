//! validate as a whole: exit codes, `--strict`, `--master`, unreadable inputs,
//! report formats (snapshots of the whole run), colour, `--as-of`, and that no
//! input is ever changed.

mod support;

use crmsheet::template::SheetKind;
use std::path::Path;
use support::*;

/// The whole CLI run as one text: exit code, stdout, stderr.
fn whole_run(dir: &Path, args: &[&str]) -> String {
    let output = crmsheet(dir).args(args).output().expect("run");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One small workbook with an error, a warning and a masked value.
fn small_book(dir: &Path) {
    Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("华东电气")
                .set("industry", "制造")
                .set("contact", "王经理 13812345678"),
            entry("上海明远机械（集团）").set("needs", "=1+1"),
        ])
        .updates([update("C002")])
        .write(dir, "a.xlsx");
}

#[test]
fn snapshot_text() {
    let dir = tmp();
    small_book(dir.path());
    insta::assert_snapshot!(
        "text",
        whole_run(dir.path(), &["validate", "a.xlsx", "--as-of", AS_OF])
    );
}

#[test]
fn snapshot_text_en() {
    let dir = tmp();
    small_book(dir.path());
    insta::assert_snapshot!(
        "text_en",
        whole_run(
            dir.path(),
            &["validate", "a.xlsx", "--as-of", AS_OF, "--lang", "en"]
        )
    );
}

#[test]
fn snapshot_json() {
    let dir = tmp();
    small_book(dir.path());
    insta::assert_snapshot!(
        "json",
        whole_run(
            dir.path(),
            &["validate", "a.xlsx", "--as-of", AS_OF, "--format", "json"]
        )
    );
}

#[test]
fn snapshot_csv() {
    let dir = tmp();
    small_book(dir.path());
    insta::assert_snapshot!(
        "csv",
        whole_run(
            dir.path(),
            &["validate", "a.xlsx", "--as-of", AS_OF, "--format", "csv"]
        )
    );
}

#[test]
fn json_has_exactly_the_documented_shape() {
    let dir = tmp();
    small_book(dir.path());
    let run = validate(dir.path(), &["a.xlsx"]);
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(&run.json),
        [
            "crmsheet",
            "schema_version",
            "as_of",
            "files",
            "findings",
            "summary"
        ]
    );
    assert_eq!(run.json["crmsheet"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run.json["as_of"], "2026-11-30T00:00:00");
    assert_eq!(
        keys(&run.json["files"][0]),
        ["path", "readable", "template_version", "sheets"]
    );
    assert_eq!(
        run.json["files"][0]["sheets"][0],
        serde_json::json!({"sheet": "客户信息录入表", "kind": "entry", "header_row": 1, "rows": 3})
    );
    assert_eq!(
        keys(&run.findings()[0]),
        [
            "file", "sheet", "cell", "row", "field", "column", "rule", "severity", "value",
            "message", "hint"
        ]
    );
    let summary = &run.json["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["rows"], 4);
    assert_eq!(summary["errors"], 3);
    assert_eq!(summary["warnings"], 2);
    assert_eq!(
        summary["by_rule"],
        serde_json::json!({"invalid-enum": 1, "duplicate-customer": 1, "unknown-customer": 1, "pii": 1, "formula-injection": 1})
    );
}

#[test]
fn csv_report_defuses_formulas_and_parses_back() {
    let dir = tmp();
    small_book(dir.path());
    let output = crmsheet(dir.path())
        .args(["validate", "a.xlsx", "--as-of", AS_OF, "--format", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header[0], "file");
    assert_eq!(header.len(), 11);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let formula = rows.iter().find(|r| &r[6] == "formula-injection").unwrap();
    assert_eq!(&formula[8], "'=1+1");
    let pii = rows.iter().find(|r| &r[6] == "pii").unwrap();
    assert_eq!(&pii[8], "王经理 138****5678");
}

#[test]
fn exit_0_when_clean_and_with_warnings_only() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司")])
        .write(dir.path(), "clean.xlsx");
    Book::new()
        .entries([entry("甲公司"), entry("甲公司")])
        .write(dir.path(), "warn.xlsx");
    crmsheet(dir.path())
        .args(["validate", "clean.xlsx", "--as-of", AS_OF])
        .assert()
        .code(0);
    crmsheet(dir.path())
        .args(["validate", "warn.xlsx", "--as-of", AS_OF])
        .assert()
        .code(0);
}

#[test]
fn strict_fails_on_warnings() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司"), entry("甲公司")])
        .write(dir.path(), "warn.xlsx");
    Book::new()
        .entries([entry("甲公司")])
        .write(dir.path(), "clean.xlsx");
    crmsheet(dir.path())
        .args(["validate", "warn.xlsx", "--as-of", AS_OF, "--strict"])
        .assert()
        .code(1);
    crmsheet(dir.path())
        .args(["validate", "clean.xlsx", "--as-of", AS_OF, "--strict"])
        .assert()
        .code(0);
}

#[test]
fn exit_1_on_errors() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("industry", "制造")]),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn a_missing_file_fails_with_2_and_the_good_file_is_still_reported() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("industry", "制造")])
        .write(dir.path(), "good.xlsx");
    let output = crmsheet(dir.path())
        .args(["validate", "nope.xlsx", "good.xlsx", "--as-of", AS_OF])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("nope.xlsx") && stdout.contains("file-unreadable"),
        "{stdout}"
    );
    assert!(
        stdout.contains("good.xlsx") && stdout.contains("E2"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    // In the run's language (zh by default), like the report.
    assert_eq!(stderr, "crmsheet: nope.xlsx: 找不到该文件\n");
}

#[test]
fn master_is_checked_first_and_together_with_the_inputs() {
    let dir = tmp();
    Book::new()
        .entries([approved("C001", "上海明远机械有限公司")])
        .write(dir.path(), "master.xlsx");
    Book::new()
        .entries([approved("C001", "华东电气")])
        .updates([update("C001").set("customer_name", "上海明远机械")])
        .write(dir.path(), "a.xlsx");
    let run = validate(dir.path(), &["a.xlsx", "--master", "master.xlsx"]);
    assert_eq!(run.json["files"][0]["path"], "master.xlsx");
    assert_eq!(run.json["files"][1]["path"], "a.xlsx");
    // The master's C001 is the first; the input's is the duplicate, and the
    // update is checked against the master's name.
    let dup = run.of("duplicate-id");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0]["file"], "a.xlsx");
    assert_eq!(dup[0]["cell"], "C2");
    assert!(dup[0]["message"]
        .as_str()
        .unwrap()
        .contains("master.xlsx!C2"));
    assert!(run.of("id-name-mismatch").is_empty(), "{:#}", run.json);
    assert_eq!(run.code, 1);
}

#[test]
fn an_update_in_one_file_finds_its_customer_in_another() {
    let dir = tmp();
    Book::new()
        .updates([update("C001"), update("C002")])
        .write(dir.path(), "updates.xlsx");
    Book::new()
        .entries([approved("C001", "甲公司")])
        .write(dir.path(), "entries.xlsx");
    let run = validate(dir.path(), &["updates.xlsx", "entries.xlsx"]);
    assert_eq!(
        run.cells(),
        [("C3".to_string(), "unknown-customer".to_string())]
    );
    assert_eq!(run.findings()[0]["file"], "updates.xlsx");
}

#[test]
fn csv_input_names_the_sheet_and_the_cell_a_spreadsheet_shows() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司"), entry("乙公司").set("industry", "制造")])
        .write_csv(SheetKind::Entry, dir.path(), "entry.csv");
    let run = validate(dir.path(), &["entry.csv"]);
    let f = &run.of("invalid-enum")[0];
    assert_eq!(f["sheet"], "客户信息录入表");
    assert_eq!(f["cell"], "E3");
    assert_eq!(f["row"], 3);
}

#[test]
fn no_color_without_a_terminal_or_with_no_color() {
    let dir = tmp();
    small_book(dir.path());
    for no_color in [true, false] {
        let mut cmd = crmsheet(dir.path());
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        let output = cmd
            .args(["validate", "a.xlsx", "--as-of", AS_OF])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains('\u{1b}'), "escape codes in {stdout}");
        assert!(stdout.contains("E3"), "{stdout}");
    }
}

#[test]
fn as_of_accepts_dates_and_times_and_rejects_anything_else() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司")])
        .write(dir.path(), "a.xlsx");
    for as_of in [
        "2026-11-30",
        "2026-11-30T10:00",
        "2026-11-30T10:00:05",
        "2026-11-30 10:00",
    ] {
        crmsheet(dir.path())
            .args(["validate", "a.xlsx", "--as-of", as_of])
            .assert()
            .code(0);
    }
    for bad in ["30/11/2026", "tomorrow", "2026-13-01"] {
        let output = crmsheet(dir.path())
            .args(["validate", "a.xlsx", "--as-of", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--as-of"), "{stderr}");
    }
}

#[test]
fn as_of_moves_now() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("entry_date", Cell::Date(2026, 12, 5))])
        .write(dir.path(), "a.xlsx");
    let later = crmsheet(dir.path())
        .args([
            "validate",
            "a.xlsx",
            "--format",
            "json",
            "--as-of",
            "2026-12-06",
        ])
        .output()
        .unwrap();
    assert_eq!(later.status.code(), Some(0));
    let earlier = validate(dir.path(), &["a.xlsx"]);
    assert_eq!(earlier.cells_of("future-date"), ["A2"]);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tmp();
    crmsheet(dir.path()).args(["validate"]).assert().code(2);
    crmsheet(dir.path())
        .args(["validate", "a.xlsx", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn validate_never_changes_an_input() {
    let dir = tmp();
    small_book(dir.path());
    Book::new()
        .entries([entry("甲公司")])
        .write_csv(SheetKind::Entry, dir.path(), "b.csv");
    let before: Vec<(Vec<u8>, std::time::SystemTime)> = ["a.xlsx", "b.csv"]
        .iter()
        .map(|f| {
            let p = dir.path().join(f);
            (
                std::fs::read(&p).unwrap(),
                std::fs::metadata(&p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    for format in ["text", "json", "csv"] {
        crmsheet(dir.path())
            .args([
                "validate", "a.xlsx", "b.csv", "--format", format, "--as-of", AS_OF,
            ])
            .assert()
            .code(1);
    }
    let after: Vec<(Vec<u8>, std::time::SystemTime)> = ["a.xlsx", "b.csv"]
        .iter()
        .map(|f| {
            let p = dir.path().join(f);
            (
                std::fs::read(&p).unwrap(),
                std::fs::metadata(&p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    assert!(before == after, "an input changed");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.xlsx", "b.csv"], "no file was written");
}

#[test]
fn messages_follow_lang() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("industry", "制造")])
        .write(dir.path(), "a.xlsx");
    let zh = validate(dir.path(), &["a.xlsx"]);
    let en = validate(dir.path(), &["a.xlsx", "--lang", "en"]);
    let message = |r: &Run| r.findings()[0]["message"].as_str().unwrap().to_string();
    assert!(message(&zh).contains("下拉列表"), "{}", message(&zh));
    assert!(message(&en).contains("dropdown"), "{}", message(&en));
}
