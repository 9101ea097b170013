//! `crmsheet review` end to end: the list as text and JSON, approving and
//! rejecting rows, exit codes, and the same register as the library's.

mod support;

use crmsheet::lang::Lang;
use crmsheet::review::{self, DecideOutcome, Decision, Options};
use crmsheet::template::Template;
use crmsheet::value::parse_as_of;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";
const LOG: &str = "操作日志";

/// `crmsheet ARGS… --as-of AS_OF` in `dir`: exit code, stdout, stderr.
fn crm(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crmsheet(dir)
        .args(args)
        .args(["--as-of", AS_OF])
        .env_remove("CRMSHEET_REVIEWER")
        .output()
        .expect("run crmsheet");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `name` in `dir`: a register merged from a team workbook with two approved
/// customers (C001, C003), three pending entries (rows 4–6) and two pending
/// updates (rows 2–3).
fn register(dir: &Path, name: &str) -> PathBuf {
    if !dir.join("team.xlsx").exists() {
        Book::new()
            .entries([
                approved("C001", "上海明远机械有限公司"),
                approved("C003", "华东电气有限公司"),
                entry("苏州精工科技有限公司"),
                entry("杭州云端网络有限公司").set("salesperson", "王芳"),
                entry("南京长江物流有限公司"),
            ])
            .updates([
                update("C001"),
                update("C003")
                    .unset("contact")
                    .set("address", "上海市闵行区虹梅路 200 号")
                    .set("update_reason", "地址搬迁")
                    .set("maintenance_type", "地址变更"),
            ])
            .write(dir, "team.xlsx");
    }
    let (code, out, err) = crm(dir, &["merge", "team.xlsx", "-o", name, "--force"]);
    assert_eq!(code, 0, "{out}\n{err}");
    dir.join(name)
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[test]
fn list_as_text_and_json() {
    let dir = tmp();
    let d = dir.path();
    register(d, "register.xlsx");

    let (code, out, err) = crm(
        d,
        &["review", "--register", "register.xlsx", "--lang", "en"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("register.xlsx: 5 pending row(s) (0 overdue)"),
        "{out}"
    );
    assert!(
        out.contains("entry:4  2026-11-29  张伟  苏州精工科技有限公司  (1 days)"),
        "{out}"
    );
    assert!(out.contains("update:2  2026-11-29  张伟  C001"), "{out}");

    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--list",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    let rows = doc["pending"].as_array().expect("pending");
    let names: Vec<&str> = rows.iter().map(|r| r["row"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["entry:4", "entry:5", "entry:6", "update:2", "update:3"]
    );
    assert_eq!(rows[0]["salesperson"], "张伟");
    assert_eq!(rows[0]["values"]["industry"], "制造业");
    assert_eq!(rows[0]["can_approve"], true);
    assert_eq!(rows[4]["values"]["address"], "上海市闵行区虹梅路 200 号");
    assert_eq!(doc["as_of"], "2026-11-30T00:00:00");

    // Days later: overdue, and said so.
    let (_, out, _) = crmsheet(d)
        .args([
            "review",
            "--register",
            "register.xlsx",
            "--as-of",
            "2026-12-03",
        ])
        .output()
        .map(|o| (0, String::from_utf8_lossy(&o.stdout).into_owned(), ()))
        .unwrap();
    assert!(out.contains("5 行待审核（5 行已超时）"), "{out}");
    assert!(out.contains("（4 天，已超时）"), "{out}");
    assert!(out.contains("overdue-review"), "{out}");
}

#[test]
fn approve_and_reject_end_to_end() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d, "register.xlsx");
    let before = bytes(&reg);

    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--approve",
            "entry:4",
            "update:2",
            "entry:6",
            "--reviewer",
            "李娜",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("C004 已分配给「苏州精工科技有限公司」（entry:4）"),
        "{out}"
    );
    assert!(
        out.contains("C005 已分配给「南京长江物流有限公司」（entry:6）"),
        "{out}"
    );
    assert!(out.contains("更新已应用到 C001「"), "{out}");
    assert!(out.contains("register.xlsx.bak"), "{out}");
    assert_eq!(bytes(&d.join("register.xlsx.bak")), before);

    // The applied update left the update sheet: the other one is update:2 now.
    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--reject",
            "entry:5",
            "update:2",
            "--reason",
            "资料不全",
            "--reviewer",
            "李娜",
            "--format",
            "json",
            "--lang",
            "en",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["row"], "entry:5");
    assert_eq!(changes[0]["kind"], "rejected");
    assert_eq!(changes[0]["reason"], "资料不全");
    assert_eq!(
        changes[0]["text"],
        "杭州云端网络有限公司 rejected and removed from the register (entry:5): 资料不全"
    );

    let log = sheet_text(&reg, LOG);
    assert!(log
        .iter()
        .any(|r| r.get(5).map(String::as_str) == Some("已驳回")
            && r.get(6).map(String::as_str) == Some("资料不全")
            && r.get(8).map(String::as_str) == Some("李娜")));
    let (code, out, _) = crm(d, &["validate", "register.xlsx"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = crm(
        d,
        &["review", "--register", "register.xlsx", "--lang", "en"],
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("register.xlsx: 0 pending row(s)"), "{out}");
}

#[test]
fn refusals_and_their_exit_codes() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d, "register.xlsx");
    let before = bytes(&reg);
    let base = [
        "review",
        "--register",
        "register.xlsx",
        "--reviewer",
        "李娜",
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        crm(d, &args)
    };

    // Bad input: exit 2, one line, nothing written.
    let (code, _, err) = run(&["--reject", "entry:4"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["--approve", "sheet:4"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("entry or update"), "{err}");
    let (code, _, err) = run(&["--approve", "entry:2", "--lang", "en"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("entry:2: no pending row of that name"),
        "{err}"
    );
    let (code, _, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--approve",
            "entry:4",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--reviewer"), "{err}");
    let (code, _, err) = run(&["--approve", "entry:4", "--list"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = crm(d, &["review", "--register", "missing.xlsx", "--list"]);
    assert_eq!(code, 2, "{err}");
    // The cause in the run's language (zh by default), as validate says it.
    assert_eq!(err, "crmsheet: missing.xlsx: 找不到该文件\n");

    std::fs::write(d.join("register.ods"), b"not really").unwrap();
    let (code, _, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.ods",
            "--approve",
            "entry:4",
            "--reviewer",
            "李娜",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".xlsx"), "{err}");

    // Open in LibreOffice: refused, naming who, in the run's language.
    std::fs::write(d.join(".~lock.register.xlsx#"), ",zhangwei,pc-3,x,y;").unwrap();
    let (code, _, err) = run(&["--approve", "entry:4"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("正被 zhangwei@pc-3 在其他程序中打开"), "{err}");
    std::fs::remove_file(d.join(".~lock.register.xlsx#")).unwrap();
    assert_eq!(bytes(&reg), before);

    // A row with an error: exit 1, with the reason.
    let edits = [(ENTRY, "J4", Some(Cell::from("电话 13812345678")))];
    edit_workbook(&reg, &reg, &edits);
    let broken = bytes(&reg);
    let (code, out, err) = run(&["--approve", "entry:4", "--lang", "en"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("entry:4: cannot be approved"), "{err}");
    assert!(
        err.contains("138****5678") && !err.contains("13812345678"),
        "{err}"
    );
    let (code, out, _) = run(&["--approve", "entry:4", "--format", "json"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["refused"][0]["problem"], "has-errors");
    assert_eq!(bytes(&reg), broken);
}

#[test]
fn the_cli_and_the_library_give_the_same_register() {
    let dir = tmp();
    let d = dir.path();
    let by_cli = register(d, "cli.xlsx");
    let by_lib = register(d, "lib.xlsx");

    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "cli.xlsx",
            "--approve",
            "entry:4",
            "update:2",
            "--reject",
            "entry:5",
            "--reason",
            "重复录入",
            "--reviewer",
            "李娜",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");

    let template = Template::builtin();
    let options = Options::new("李娜", parse_as_of(AS_OF).unwrap(), Lang::Zh);
    let decisions = [
        Decision::approve("entry:4".parse().unwrap()),
        Decision::approve("update:2".parse().unwrap()),
        Decision::reject("entry:5".parse().unwrap(), "重复录入"),
    ];
    let outcome = review::decide(&template, &by_lib, &decisions, &options).unwrap();
    assert!(matches!(outcome, DecideOutcome::Decided(_)), "{outcome:?}");

    // Every sheet, cell by cell (values as calamine reads them).
    let sheets = sheet_names(&by_cli);
    assert_eq!(sheets, sheet_names(&by_lib));
    for sheet in [ENTRY, UPDATE, LOG] {
        assert!(sheets.iter().any(|s| s == sheet), "{sheets:?}");
    }
    // The hidden `_meta` sheet's time of writing is the one cell that differs.
    let written = |r: &Vec<String>| r.first().is_some_and(|c| c == "generated_at");
    for sheet in &sheets {
        let (a, b) = (sheet_text(&by_cli, sheet), sheet_text(&by_lib, sheet));
        let a: Vec<Vec<String>> = a.into_iter().filter(|r| !written(r)).collect();
        // The change log's source names the register file itself.
        let b: Vec<Vec<String>> = b
            .into_iter()
            .filter(|r| !written(r))
            .map(|r| {
                r.into_iter()
                    .map(|c| c.replace(&by_lib.display().to_string(), "cli.xlsx"))
                    .collect()
            })
            .collect();
        assert_eq!(a, b, "{sheet}");
    }
}

#[test]
fn merge_over_a_register_open_in_excel_is_refused_too() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d, "register.xlsx");
    let before = bytes(&reg);
    let (gbk, _, _) = encoding_rs::GBK.encode("李娜");
    let mut owner = vec![gbk.len() as u8];
    owner.extend_from_slice(&gbk);
    owner.resize(165, b' ');
    std::fs::write(d.join("~$register.xlsx"), owner).unwrap();
    let (code, out, err) = crm(
        d,
        &[
            "merge",
            "team.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("正被 李娜 在其他程序中打开（~$register.xlsx）"),
        "{err}"
    );
    assert_eq!(bytes(&reg), before);
    assert!(!d.join("register.xlsx.bak").exists());
}

#[test]
fn two_processes_approving_the_same_row_at_once_apply_it_once() {
    let dir = tmp();
    let d = dir.path();
    register(d, "register.xlsx");
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("crmsheet"))
            .current_dir(d)
            .args([
                "review",
                "--register",
                "register.xlsx",
                "--approve",
                "entry:4",
            ])
            .args(["--reviewer", "李娜", "--as-of", AS_OF])
            .env("NO_COLOR", "1")
            .env_remove("CRMSHEET_SCHEMA")
            .env_remove("CRMSHEET_REVIEWER")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let codes: Vec<i32> = outputs
        .iter()
        .map(|o| o.status.code().unwrap_or(-1))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    let said: Vec<String> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert_eq!(sorted, [0, 2], "{said:?}");
    let log = sheet_text(&d.join("register.xlsx"), LOG);
    let assigned = log
        .iter()
        .filter(|r| r.get(5).map(String::as_str) == Some("C004"));
    assert_eq!(assigned.count(), 1, "{log:?}");
    let ids = sheet_text(&d.join("register.xlsx"), ENTRY);
    assert!(
        !ids.iter().any(|r| r.iter().any(|c| c == "C005")),
        "{ids:?}"
    );
}

/// Issue #11: the salesperson sends the same workbook again after the admin
/// decided its rows with `crmsheet review`; merging it again changes nothing
/// (SPEC §7): the approved row keeps its ID and approval, the rejected row
/// does not come back, nothing is duplicated, the log gains nothing.
#[test]
fn re_merging_the_same_workbook_after_review_changes_nothing() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d, "register.xlsx");
    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--approve",
            "entry:4",
            "update:2",
            "--reviewer",
            "李娜",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    // entry:5 and update:2 (the former update:3) are still the same rows.
    let (code, out, err) = crm(
        d,
        &[
            "review",
            "--register",
            "register.xlsx",
            "--reject",
            "entry:5",
            "update:2",
            "--reason",
            "资料不全",
            "--reviewer",
            "李娜",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let decided: Vec<Vec<Vec<String>>> = [ENTRY, UPDATE, LOG]
        .iter()
        .map(|s| sheet_text(&reg, s))
        .collect();
    assert!(decided[0].iter().any(|r| r.iter().any(|c| c == "C004")));
    assert!(!decided[0]
        .iter()
        .any(|r| r.iter().any(|c| c == "杭州云端网络有限公司")));

    // The same team.xlsx, unchanged, merged again into the register.
    let (code, out, err) = crm(
        d,
        &[
            "merge",
            "team.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for (sheet, before) in [ENTRY, UPDATE, LOG].iter().zip(&decided) {
        assert_eq!(&sheet_text(&reg, sheet), before, "{sheet}\n{out}");
    }
    let (code, out, _) = crm(
        d,
        &["review", "--register", "register.xlsx", "--lang", "en"],
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("register.xlsx: 1 pending row(s)"), "{out}");
    assert!(out.contains("南京长江物流有限公司"), "{out}");

    // And once more: still nothing new.
    let (code, out, err) = crm(
        d,
        &[
            "merge",
            "team.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for (sheet, before) in [ENTRY, UPDATE, LOG].iter().zip(&decided) {
        assert_eq!(&sheet_text(&reg, sheet), before, "{sheet}");
    }
    assert!(
        out.contains("已审核过的待审核行（未重新加入，沿用原审核结果）：3"),
        "{out}"
    );

    // The rejected customer entered anew, with a later entry date, is a new
    // row: pending again, for the admin to decide (README, "Merging again").
    Book::new()
        .entries([entry("杭州云端网络有限公司")
            .set("salesperson", "王芳")
            .set("entry_date", Cell::Date(2026, 12, 1))])
        .write(d, "again.xlsx");
    let output = crmsheet(d)
        .args(["merge", "again.xlsx", "--master", "register.xlsx"])
        .args(["-o", "register.xlsx", "--force", "--as-of", "2026-12-02"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let entries = sheet_text(&reg, ENTRY);
    let again: Vec<_> = entries
        .iter()
        .filter(|r| r.iter().any(|c| c == "杭州云端网络有限公司"))
        .collect();
    assert_eq!(again.len(), 1, "{entries:?}");
    assert_eq!(again[0][0], "2026-12-01");
    assert_eq!(again[0][11], "待审核");
}
