//! What a new user hit on a first trial (issue 13): the customising step, exit
//! codes through a pipe, the register's summary, hints and messages in one
//! language. Each test runs the CLI as a person would, in a folder of its own.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::*;

/// The binary, run in `dir` with a clean environment (a plain
/// `std::process::Command`, for tests that set up stdout themselves).
fn bin(dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("crmsheet"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CRMSHEET_SCHEMA");
    cmd
}

const BUILTIN: &str = include_str!("../templates/customer-register.toml");

// ---------------------------------------------------------------- 1: schema > crmsheet.toml

#[test]
fn schema_redirected_into_crmsheet_toml_works_in_an_empty_folder() {
    let dir = tmp();
    // What the shell does for `crmsheet schema > crmsheet.toml`: create the
    // (empty) file first, then run the command with it as stdout.
    let file = std::fs::File::create(dir.path().join("crmsheet.toml")).unwrap();
    let output = bin(dir.path())
        .arg("schema")
        .stdout(Stdio::from(file))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty());
    let written = std::fs::read_to_string(dir.path().join("crmsheet.toml")).unwrap();
    assert_eq!(written, BUILTIN);
    // And the folder is usable: generate picks the definition up.
    crmsheet(dir.path())
        .args(["generate", "-o", "t.xlsx"])
        .assert()
        .code(0);
}

#[test]
fn an_empty_crmsheet_toml_says_how_to_fill_it() {
    let dir = tmp();
    std::fs::write(dir.path().join("crmsheet.toml"), "\n  \n").unwrap();
    Book::new()
        .entries([entry("甲公司")])
        .write(dir.path(), "a.xlsx");
    for (lang, words) in [("zh", "模板定义文件是空的"), ("en", "is empty")] {
        let output = crmsheet(dir.path())
            .args(["validate", "a.xlsx", "--lang", lang])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("crmsheet: crmsheet.toml"), "{stderr}");
        assert!(stderr.contains(words), "{stderr}");
        assert!(
            stderr.contains("crmsheet schema > crmsheet.toml"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn schema_prints_the_builtin_definition_past_a_broken_local_file() {
    let dir = tmp();
    std::fs::write(dir.path().join("crmsheet.toml"), "version = 1\n").unwrap();
    let output = crmsheet(dir.path())
        .args(["schema", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), BUILTIN);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("crmsheet.toml: line 1") && stderr.contains("built-in"),
        "{stderr}"
    );
    // A file the user named explicitly must be good, as for every command.
    crmsheet(dir.path())
        .args(["schema", "--schema", "crmsheet.toml"])
        .assert()
        .code(2);
}

// ---------------------------------------------------------------- 2: closed stdout

/// Runs with stdout a pipe whose reading end is already closed (`| head -1`
/// that has gone), returning the exit code and stderr.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = bin(dir)
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_keeps_the_exit_code_and_prints_nothing() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("industry", "制造")])
        .write(dir.path(), "bad.xlsx");
    Book::new()
        .entries([entry("乙公司")])
        .write(dir.path(), "good.xlsx");
    for format in ["text", "json", "csv"] {
        for (file, code) in [("bad.xlsx", 1), ("good.xlsx", 0)] {
            let (got, stderr) = with_closed_stdout(
                dir.path(),
                &["validate", file, "--format", format, "--as-of", AS_OF],
            );
            assert_eq!(got, Some(code), "{format} {file}: {stderr}");
            assert_eq!(stderr, "", "{format} {file}");
        }
    }
    for args in [
        &["schema", "--format", "table-schema"][..],
        &["schema"],
        &["rules"],
    ] {
        let (got, stderr) = with_closed_stdout(dir.path(), args);
        assert_eq!(got, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

// ---------------------------------------------------------------- 7: updates without the register

#[test]
fn updates_without_any_approved_customer_suggest_master_once() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([entry("新客户有限公司")])
        .updates([update("C001"), update("C002"), update("C003")])
        .write(d, "updates.xlsx");
    let run = validate(d, &["updates.xlsx"]);
    assert_eq!(run.code, 1);
    let unknown = run.of("unknown-customer");
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert_eq!(unknown[0]["cell"], "C2");
    assert_eq!(unknown[0]["hint"], "--master");
    let message = unknown[0]["message"].as_str().unwrap();
    assert!(
        message.contains("--master") && message.contains("3"),
        "{message}"
    );

    // With the register, the same updates are fine.
    Book::new()
        .entries([
            approved("C001", "甲公司"),
            approved("C002", "乙公司"),
            approved("C003", "丙公司"),
        ])
        .write(d, "register.xlsx");
    let run = validate(d, &["updates.xlsx", "--master", "register.xlsx"]);
    assert!(
        run.of("unknown-customer").is_empty(),
        "{:#?}",
        run.findings()
    );

    // One approved customer in the run: a wrong ID is that row's own mistake.
    Book::new()
        .entries([approved("C001", "甲公司")])
        .updates([update("C001"), update("C007"), update("C008")])
        .write(d, "mixed.xlsx");
    let run = validate(d, &["mixed.xlsx"]);
    assert_eq!(run.cells_of("unknown-customer"), ["C3", "C4"]);
}

// ---------------------------------------------------------------- 8: industry hints and options

#[test]
fn an_industry_word_is_hinted_and_the_options_are_listed() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([
            entry("甲公司").set("industry", "软件"),
            entry("乙公司").set("industry", "信息技术"),
            entry("丙公司").set("industry", "服务"),
        ])
        .write(d, "a.xlsx");
    let run = validate(d, &["a.xlsx"]);
    let found = run.of("invalid-enum");
    assert_eq!(found.len(), 3);
    let it = "信息传输、软件和信息技术服务业";
    assert_eq!(found[0]["hint"], it);
    assert_eq!(found[1]["hint"], it);
    assert!(found[2]["hint"].is_null(), "服务 is in several options");
    for f in &found {
        let message = f["message"].as_str().unwrap();
        // Every option, kept apart by a mark that no option contains.
        assert!(
            message.contains("可选：农、林、牧、渔业；采矿业；制造业；"),
            "{message}"
        );
        assert!(message.contains("；国际组织。"), "{message}");
    }
}

// ---------------------------------------------------------------- 9: one language

#[test]
fn a_folder_as_input_is_told_in_the_runs_language_with_fitting_advice() {
    let dir = tmp();
    std::fs::create_dir(dir.path().join("收件箱")).unwrap();
    let output = crmsheet(dir.path())
        .args(["validate", "收件箱", "--as-of", AS_OF])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr, "crmsheet: 收件箱: 这是一个文件夹，不是文件\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("请给出其中的文件"), "{stdout}");
    assert!(
        !stdout.contains("folder") && !stdout.contains("另存为"),
        "{stdout}"
    );

    let output = crmsheet(dir.path())
        .args(["validate", "收件箱", "--lang", "en"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("is a folder, not a file. Give the files in it instead"),
        "{stdout}"
    );
}

#[test]
fn command_errors_follow_lang() {
    let dir = tmp();
    let d = dir.path();
    crmsheet(d)
        .args(["generate", "-o", "t.xlsx"])
        .assert()
        .code(0);
    for (lang, words) in [
        ("zh", "t.xlsx: 文件已存在；如要覆盖，请加 --force\n"),
        (
            "en",
            "t.xlsx: already exists; use --force to overwrite it\n",
        ),
    ] {
        let output = crmsheet(d)
            .args(["generate", "-o", "t.xlsx", "--lang", lang])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("crmsheet: {words}")
        );
    }
    let help = crmsheet(d).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("中文说明") && help.contains("--lang en"),
        "{help}"
    );
}

// ---------------------------------------------------------------- 10: messages that fit

#[test]
fn date_order_on_the_update_sheet_speaks_of_the_update() {
    let dir = tmp();
    Book::new()
        .entries([approved("C001", "甲公司")])
        .updates([update("C001")
            .set("update_date", Cell::Date(2026, 11, 28))
            .set("review_status", "已通过")
            .set("reviewer", "李娜")
            .set("review_date", Cell::Date(2026, 11, 25))])
        .write(dir.path(), "a.xlsx");
    let run = validate(dir.path(), &["a.xlsx"]);
    let order = run.of("date-order");
    assert_eq!(order.len(), 1, "{order:#?}");
    let message = order[0]["message"].as_str().unwrap();
    assert!(message.contains("审核不能早于更新"), "{message}");
    assert!(!message.contains("录入"), "{message}");
}

#[test]
fn future_date_shows_the_check_date_without_seconds() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("entry_date", Cell::Date(2026, 12, 5))])
        .write(dir.path(), "a.xlsx");
    let output = crmsheet(dir.path())
        .args([
            "validate",
            "a.xlsx",
            "--format",
            "json",
            "--as-of",
            "2026-12-03 07:22:04",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert_eq!(json["findings"][0]["rule"], "future-date");
    assert!(message.contains("晚于检查日期 2026-12-03。"), "{message}");
}

#[test]
fn a_shown_value_is_the_cells_own_text_unless_it_must_be_masked() {
    let dir = tmp();
    Book::new()
        .entries([
            entry("甲公司").set("industry", "制造，贸易"),
            entry("乙公司").set("contact", "王经理，电话１３８１２３４５６７８"),
        ])
        .write(dir.path(), "a.xlsx");
    let run = validate(dir.path(), &["a.xlsx"]);
    let enum_ = &run.of("invalid-enum")[0];
    assert_eq!(enum_["value"], "制造，贸易");
    assert!(
        enum_["message"]
            .as_str()
            .unwrap()
            .contains("「制造，贸易」"),
        "{enum_}"
    );
    let pii = &run.of("pii")[0];
    let value = pii["value"].as_str().unwrap();
    assert!(value.contains("138****5678"), "{value}");
    assert!(!value.contains('１'), "{value}");
}

// ---------------------------------------------------------------- 12: as the admin types it

#[test]
fn as_of_accepts_the_forms_cells_accept() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("entry_date", Cell::Date(2026, 12, 2))])
        .write(dir.path(), "a.xlsx");
    for as_of in [
        "2026/12/03",
        "2026.12.03",
        "2026年12月3日",
        "2026/12/3 9:30",
    ] {
        let output = crmsheet(dir.path())
            .args(["validate", "a.xlsx", "--as-of", as_of])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{as_of}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    crmsheet(dir.path())
        .args(["validate", "a.xlsx", "--as-of", "12/03/2026"])
        .assert()
        .code(2);
}

// ---------------------------------------------------------------- 11: true advice, what happened

fn merge_run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crmsheet(dir)
        .arg("merge")
        .args(args)
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_old_template_is_upgraded_not_copied_by_hand() {
    let dir = tmp();
    let d = dir.path();
    let mut old = Book::new().entries([approved("C001", "甲公司")]);
    old.meta_version = Some("0.9.0".into());
    old.property_version = Some("0.9.0".into());
    old.write(d, "register.xlsx");
    let run = validate(d, &["register.xlsx"]);
    let message = run.of("template-version")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("--annotate") && message.contains("无需手动复制"),
        "{message}"
    );
    assert!(!message.contains("复制过去"), "{message}");

    // Merge rewrites the master in the current template: no warning about
    // it, one line saying it was upgraded.
    Book::new()
        .entries([approved_new("乙公司")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) =
        merge_run(d, &["a.xlsx", "--master", "register.xlsx", "-o", "m.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stdout.contains("template-version"), "{stdout}");
    assert!(
        stdout.contains("客户总表已从模板版本 0.9.0 升级为当前版本"),
        "{stdout}"
    );
    // Only what happened: one new customer, no lines of zeros.
    assert!(
        stdout.contains("新客户（审核通过，已分配客户ID）：1"),
        "{stdout}"
    );
    assert!(!stdout.lines().any(|l| l.ends_with("：0")), "{stdout}");
}

#[test]
fn strict_says_the_warnings_failed_it() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("needs", "=1+1")])
        .write(dir.path(), "a.xlsx");
    for format in ["text", "json"] {
        let output = crmsheet(dir.path())
            .args([
                "validate", "a.xlsx", "--strict", "--format", format, "--as-of", AS_OF,
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("1 个警告") && stderr.contains("--strict"),
            "{stderr}"
        );
    }
    // Without --strict the same run passes and says nothing on stderr.
    let output = crmsheet(dir.path())
        .args(["validate", "a.xlsx", "--as-of", AS_OF])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty());
}

#[test]
fn csv_excel_is_the_csv_report_with_a_bom() {
    let dir = tmp();
    Book::new()
        .entries([entry("甲公司").set("industry", "制造")])
        .write(dir.path(), "a.xlsx");
    let run = |format: &str| {
        crmsheet(dir.path())
            .args(["validate", "a.xlsx", "--format", format, "--as-of", AS_OF])
            .output()
            .unwrap()
    };
    let (plain, excel) = (run("csv"), run("csv-excel"));
    assert_eq!(excel.status.code(), Some(1));
    assert!(!plain.stdout.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(excel.stdout[..3], *b"\xEF\xBB\xBF");
    assert_eq!(
        excel.stdout[3..],
        plain.stdout[..],
        "otherwise the same CSV"
    );
}

#[test]
fn workbooks_are_written_only_under_an_xlsx_name() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([approved_new("甲公司")])
        .write(d, "a.xlsx");
    let runs: [&[&str]; 4] = [
        &["generate", "-o", "template.ods"],
        &["generate", "-o", "template"],
        &["validate", "a.xlsx", "--annotate", "checked.csv"],
        &["merge", "a.xlsx", "-o", "register.xls"],
    ];
    for args in runs {
        let output = crmsheet(d).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("文件名请以 .xlsx 结尾"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.xlsx"], "nothing was written");
    // Any case of the extension is an xlsx name.
    crmsheet(d)
        .args(["generate", "-o", "T.XLSX"])
        .assert()
        .code(0);
}

// ---------------------------------------------------------------- 13: references within the copy

/// Every XML part of a workbook, as text.
fn workbook_text(path: &Path) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        zip.by_index(i).unwrap().read_to_string(&mut all).unwrap();
    }
    all
}

#[test]
fn the_annotated_copy_names_other_rows_by_cell_not_by_the_admins_path() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("上海明远机械（集团）"),
        ])
        .updates([update("C009").set("customer_name", "华东电气")])
        .write(d, "filled.xlsx");
    Book::new()
        .entries([approved("C009", "北方重工有限公司")])
        .write(d, "register.xlsx");
    let full = d.join("filled.xlsx");
    let full = full.to_str().unwrap();
    let master = d.join("register.xlsx");
    let output = crmsheet(d)
        .args([
            "validate",
            full,
            "--annotate",
            "checked.xlsx",
            "--as-of",
            AS_OF,
        ])
        .args(["--master", master.to_str().unwrap()])
        .output()
        .unwrap();
    // The report on stdout keeps the paths as given.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("{full}!D2")), "{stdout}");
    let copy = workbook_text(&d.join("checked.xlsx"));
    let folder = d.to_str().unwrap();
    assert!(!copy.contains(folder), "the admin's folder is in the copy");
    // Within the file, the cell; in the master, its bare name.
    assert!(copy.contains("客户信息录入表!D2"), "no local reference");
    assert!(
        copy.contains("register.xlsx!D2"),
        "no reference to the master"
    );
}
