//! The whole job as a new user does it: a register is started, three
//! salespeople send their workbooks, the admin validates them, sends an
//! annotated copy back to the one with mistakes, the salesperson fixes it, the
//! admin reviews the rows and merges all three into the register, whose change
//! log then tells who changed what and why.

mod support;

use crmsheet::lang::Lang;
use crmsheet::template::SheetKind;
use std::path::Path;
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";

/// `crmsheet ARGS…` (validate and merge with `--as-of AS_OF`).
fn crm(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = crmsheet(dir);
    cmd.args(args);
    if matches!(args.first(), Some(&"validate" | &"merge")) {
        cmd.args(["--as-of", AS_OF]);
    }
    let output = cmd.output().expect("run crmsheet");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn by(rec: Rec, person: &str) -> Rec {
    rec.set("salesperson", person)
}

/// The admin's review of one row: status, reviewer, date (`L`/`M`/`N` on the
/// entry sheet, `M`/`N`/`O` on the update sheet).
fn review(sheet: &str, row: u32, status: &str) -> Vec<(&'static str, String, Option<Cell>)> {
    let (s, r, d) = if sheet == ENTRY {
        ("L", "M", "N")
    } else {
        ("M", "N", "O")
    };
    let name: &'static str = if sheet == ENTRY { ENTRY } else { UPDATE };
    vec![
        (name, format!("{s}{row}"), Some(Cell::from(status))),
        (name, format!("{r}{row}"), Some(Cell::from("李娜"))),
        (name, format!("{d}{row}"), Some(Cell::Date(2026, 11, 30))),
    ]
}

fn edit(dir: &Path, src: &str, dst: &str, edits: Vec<(&str, String, Option<Cell>)>) {
    let edits: Vec<(&str, &str, Option<Cell>)> = edits
        .iter()
        .map(|(s, c, v)| (*s, c.as_str(), v.clone()))
        .collect();
    edit_workbook(&dir.join(src), &dir.join(dst), &edits);
}

#[test]
fn three_workbooks_validated_annotated_fixed_and_merged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The admin writes the template and starts the register with the two
    // customers approved last month.
    let (code, ..) = crm(d, &["generate", "-o", "template.xlsx"]);
    assert_eq!(code, 0);
    Book::new()
        .entries([
            approved("", "上海明远机械有限公司").unset("customer_id"),
            approved("", "华东电气有限公司").unset("customer_id"),
        ])
        .write(d, "start.xlsx");
    let (code, stdout, stderr) = crm(d, &["merge", "start.xlsx", "-o", "register.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("C001  上海明远机械有限公司"), "{stdout}");
    assert!(stdout.contains("C002  华东电气有限公司"), "{stdout}");

    // Three salespeople fill in their copies.
    Book::new()
        .entries([by(entry("苏州精工科技有限公司"), "张伟")])
        .updates([by(update("C001"), "张伟").set("latest_interaction", "电话沟通续约事宜")])
        .write(d, "zhang.xlsx");
    Book::new()
        .entries([
            by(entry("杭州云端网络有限公司"), "刘洋")
                .set("industry", "制造")
                .set("contact", "王经理 13812345678"),
            by(entry("南京长江物流有限公司"), "刘洋"),
        ])
        .write(d, "liu.xlsx");
    Book::in_lang(Lang::En)
        .entries([by(entry("Chengdu Tianfu Logistics Co., Ltd."), "王芳")
            .set("industry", "Transport, storage and postal services")
            .set("contact", "Manager Li")
            .set("customer_status", "Prospect")
            .set("review_status", "Pending")])
        .write(d, "wang.xlsx");

    // 1. The admin checks all three against the register: only 刘洋's has errors.
    let run = validate(
        d,
        &[
            "zhang.xlsx",
            "liu.xlsx",
            "wang.xlsx",
            "--master",
            "register.xlsx",
        ],
    );
    assert_eq!(run.code, 1);
    let errors: Vec<(String, String, String)> = run
        .findings()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["cell"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("liu.xlsx".into(), "E2".into(), "invalid-enum".into()),
            ("liu.xlsx".into(), "F2".into(), "pii".into()),
        ]
    );

    // 2. 刘洋 gets an annotated copy: the two cells are marked, with notes.
    let (code, stdout, stderr) = crm(
        d,
        &["validate", "liu.xlsx", "--annotate", "liu-checked.xlsx"],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let report = sheet_text(&d.join("liu-checked.xlsx"), "校验报告");
    let cells: Vec<&str> = report[1..3].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(cells, ["E2", "F2"]);

    // 3. He fixes the copy and sends it back; it now passes.
    edit(
        d,
        "liu-checked.xlsx",
        "liu-fixed.xlsx",
        vec![
            (ENTRY, "E2".into(), Some(Cell::from("制造业"))),
            (ENTRY, "F2".into(), Some(Cell::from("王经理"))),
        ],
    );
    let run = validate(d, &["liu-fixed.xlsx", "--master", "register.xlsx"]);
    assert_eq!(run.code, 0, "{:#?}", run.findings());

    // 4. The admin reviews: approves the new customers and 张伟's update,
    // rejects 南京长江 (a duplicate of another team's customer).
    edit(
        d,
        "zhang.xlsx",
        "zhang-reviewed.xlsx",
        [review(ENTRY, 2, "已通过"), review(UPDATE, 2, "已通过")].concat(),
    );
    edit(
        d,
        "liu-fixed.xlsx",
        "liu-reviewed.xlsx",
        [review(ENTRY, 2, "已通过"), review(ENTRY, 3, "已驳回")].concat(),
    );
    let mut wang_review = review(ENTRY, 2, "Approved");
    for e in &mut wang_review {
        e.0 = "Customer Entry";
    }
    edit(d, "wang.xlsx", "wang-reviewed.xlsx", wang_review);

    // 5. Merge into the register itself.
    let (code, stdout, stderr) = crm(
        d,
        &[
            "merge",
            "zhang-reviewed.xlsx",
            "liu-reviewed.xlsx",
            "wang-reviewed.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("C003  苏州精工科技有限公司"), "{stdout}");
    assert!(stdout.contains("C004  杭州云端网络有限公司"), "{stdout}");
    assert!(
        stdout.contains("C005  Chengdu Tianfu Logistics Co., Ltd."),
        "{stdout}"
    );
    assert!(stdout.contains("已应用更新：1"), "{stdout}");
    assert!(stdout.contains("已驳回并移除的录入：1"), "{stdout}");
    assert!(d.join("register.xlsx.bak").exists());

    let register = d.join("register.xlsx");
    let entries = sheet_text(&register, ENTRY);
    let t = crmsheet::template::Template::builtin();
    let col = |key: &str| t.sheet(SheetKind::Entry).field_index(key).unwrap();
    let ids: Vec<&str> = entries[1..]
        .iter()
        .map(|r| r[col("customer_id")].as_str())
        .collect();
    assert_eq!(ids, ["C001", "C002", "C003", "C004", "C005"]);
    assert_eq!(entries[1][col("contact")], "赵主任");
    // The English workbook's labels are written as the register's.
    assert_eq!(entries[5][col("industry")], "交通运输、仓储和邮政业");
    assert_eq!(entries[5][col("review_status")], "已通过");

    // The change log: who changed what, when, why, approved by whom, from where.
    let log = sheet_text(&register, "操作日志");
    let contact = log
        .iter()
        .find(|r| r[3] == "主要联系人")
        .expect("the contact change");
    assert_eq!(
        contact,
        &[
            "2026-11-29",
            "C001",
            "上海明远机械有限公司",
            "主要联系人",
            "王经理",
            "赵主任",
            "原联系人离职",
            "张伟",
            "李娜",
            "zhang-reviewed.xlsx: 客户信息更新表!E2",
        ]
    );
    let rejected = log
        .iter()
        .find(|r| r[2] == "南京长江物流有限公司")
        .expect("the rejection");
    assert_eq!(rejected[5], "已驳回");
    assert_eq!(rejected[7], "刘洋");
    assert_eq!(rejected[8], "李娜");
    // The first merge's ID assignments are still there, first.
    assert_eq!(log[1][1], "C001");
    assert!(log[1][9].starts_with("start.xlsx: "), "{:?}", log[1]);

    // The register is clean.
    let run = validate(d, &["register.xlsx"]);
    assert_eq!(run.code, 0, "{:#?}", run.findings());
}
