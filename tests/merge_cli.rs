//! `crmsheet merge` end to end, through the CLI, on workbooks written by the
//! tests: IDs, applied and logged updates, pending and rejected rows, a second
//! merge that changes nothing, refusal on errors, inputs left untouched, an
//! output that validates, `--force` and `.bak`, the summary sheet.

mod support;

use crmsheet::template::SheetKind;
use std::path::{Path, PathBuf};
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";
const LOG: &str = "操作日志";

/// `crmsheet merge ARGS… --as-of AS_OF` in `dir`: (exit code, stdout, stderr).
fn merge(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crmsheet(dir)
        .arg("merge")
        .args(args)
        .args(["--as-of", AS_OF])
        .output()
        .expect("run crmsheet");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn reviewed(rec: Rec, status: &str) -> Rec {
    rec.set("review_status", status)
        .set("reviewer", "李娜")
        .set("review_date", Cell::Date(2026, 11, 30))
}

/// The master: two approved customers and one pending entry.
fn master(dir: &Path) -> PathBuf {
    Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            approved("C002", "华东电气有限公司"),
            entry("东方贸易有限公司"),
        ])
        .write(dir, "master.xlsx")
}

/// A salesperson's workbook: new customers (approved, pending, rejected) and
/// updates (approved, pending, rejected).
fn team_book(dir: &Path) -> PathBuf {
    Book::new()
        .entries([
            approved_new("苏州精工科技有限公司"),
            entry("杭州云端网络有限公司"),
            approved_new("南京长江物流有限公司"),
            rejected_new("无锡测试公司"),
        ])
        .updates([
            reviewed(update("C001"), "已通过").set("latest_interaction", "电话沟通续约事宜"),
            update("C002"),
            reviewed(
                update("C002")
                    .unset("contact")
                    .set("address", "上海市闵行区虹梅路 200 号")
                    .set("update_reason", "地址搬迁")
                    .set("maintenance_type", "地址变更"),
                "已驳回",
            ),
        ])
        .write(dir, "a.xlsx")
}

/// Column of a field on a sheet written by crmsheet (template order).
fn col(kind: SheetKind, key: &str) -> usize {
    let t = crmsheet::template::Template::builtin();
    t.sheet(kind).field_index(key).expect("field")
}

fn column_of(rows: &[Vec<String>], kind: SheetKind, key: &str) -> Vec<String> {
    let c = col(kind, key);
    rows.iter()
        .skip(1)
        .map(|r| r.get(c).cloned().unwrap_or_default())
        .collect()
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

#[test]
fn merge_end_to_end() {
    let dir = tmp();
    let d = dir.path();
    let m = master(d);
    let a = team_book(d);
    let (m_before, a_before) = (bytes(&m), bytes(&a));

    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("C003  苏州精工科技有限公司"), "{stdout}");
    assert!(stdout.contains("C004  南京长江物流有限公司"), "{stdout}");
    assert!(stdout.contains("已应用更新：1"), "{stdout}");
    assert!(stdout.contains("待审核更新（保留在更新表）：1"), "{stdout}");
    assert!(stdout.contains("已驳回并移除的录入：1"), "{stdout}");
    assert!(stdout.contains("已驳回并移除的更新：1"), "{stdout}");
    assert_eq!(bytes(&m), m_before, "master untouched");
    assert_eq!(bytes(&a), a_before, "input untouched");

    let m1 = d.join("m1.xlsx");
    let entries = sheet_text(&m1, ENTRY);
    // Master rows first, then the new ones in input order; the rejected one is gone.
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_name"),
        [
            "上海明远机械有限公司",
            "华东电气有限公司",
            "东方贸易有限公司",
            "苏州精工科技有限公司",
            "杭州云端网络有限公司",
            "南京长江物流有限公司",
        ]
    );
    // IDs in input order after the highest present; pending rows get none.
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_id"),
        ["C001", "C002", "", "C003", "", "C004"]
    );
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "review_status"),
        ["已通过", "已通过", "待审核", "已通过", "待审核", "已通过"]
    );
    // The approved update changed the contact and appended the interaction.
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "contact")[0],
        "赵主任"
    );
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "interaction")[0],
        "11-28 上门拜访，介绍新产品\n2026-11-29 电话沟通续约事宜"
    );
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "contact")[1],
        "王经理"
    );
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "entry_date")[3],
        "2026-11-29"
    );

    // Only the pending update is carried.
    let updates = sheet_text(&m1, UPDATE);
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_eq!(
        column_of(&updates, SheetKind::Update, "customer_id"),
        ["C002"]
    );
    assert_eq!(
        column_of(&updates, SheetKind::Update, "review_status"),
        ["待审核"]
    );

    // The change log says who changed what, when and why, and where it came from.
    let log = sheet_text(&m1, LOG);
    assert_eq!(
        log[0],
        [
            "日期",
            "客户ID",
            "客户名称",
            "字段",
            "原值",
            "新值",
            "原因",
            "销售人员",
            "审核人",
            "来源"
        ]
    );
    let contact = log
        .iter()
        .find(|r| r.get(3).map(String::as_str) == Some("主要联系人"))
        .expect("contact change logged");
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
            "a.xlsx: 客户信息更新表!E2",
        ]
    );
    let interaction = log
        .iter()
        .find(|r| r.get(3).map(String::as_str) == Some("互动历史"))
        .expect("interaction logged");
    assert_eq!(interaction[4], "11-28 上门拜访，介绍新产品");
    assert!(interaction[5].ends_with("\n2026-11-29 电话沟通续约事宜"));
    let ids: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|r| r.get(3).map(String::as_str) == Some("客户ID"))
        .map(|r| (r[1].as_str(), r[2].as_str(), r[9].as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("C003", "苏州精工科技有限公司", "a.xlsx: 客户信息录入表!C2"),
            ("C004", "南京长江物流有限公司", "a.xlsx: 客户信息录入表!C4"),
        ]
    );
    let rejections: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|r| r.get(3).map(String::as_str) == Some("审核状态"))
        .map(|r| (r[2].as_str(), r[5].as_str(), r[9].as_str()))
        .collect();
    // In date order: the update's rejection is logged on its date (11-29), the
    // entry's on its review date (11-30).
    assert_eq!(
        rejections,
        [
            // The update row names no customer; the register does (#14).
            ("华东电气有限公司", "已驳回", "a.xlsx: 客户信息更新表!M4"),
            ("无锡测试公司", "已驳回", "a.xlsx: 客户信息录入表!L5"),
        ]
    );
    assert_eq!(log.len(), 7, "{log:#?}");

    // The register validates without errors.
    let run = validate(d, &["m1.xlsx"]);
    assert_eq!(run.code, 0, "{:#?}", run.findings());

    // The same input again changes nothing.
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "m1.xlsx", "-o", "m2.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // It says so, and prints no line of zeros nor the rejections logged before.
    assert!(!stdout.contains("新客户"), "{stdout}");
    assert!(!stdout.lines().any(|l| l.ends_with("：0")), "{stdout}");
    assert!(!stdout.contains("已驳回"), "{stdout}");
    assert!(stdout.contains("已应用过、跳过的更新：1"), "{stdout}");
    assert!(stdout.contains("新增 0 行"), "{stdout}");
    assert!(stdout.contains("没有新的变化"), "{stdout}");
    assert_same_cells(&m1, &d.join("m2.xlsx"));
}

/// Every sheet has the same cells, except the generation time (`_meta`'s
/// `generated_at` and the instructions line that shows it).
fn assert_same_cells(a: &Path, b: &Path) {
    let names = sheet_names(a);
    assert_eq!(names, sheet_names(b));
    for name in names {
        let strip = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
            rows.into_iter()
                .filter(|r| {
                    !(r.first().map(String::as_str) == Some("generated_at")
                        || r.iter()
                            .any(|c| c.contains("生成时间") || c.contains("Generated")))
                })
                .collect()
        };
        assert_eq!(
            strip(sheet_text(a, &name)),
            strip(sheet_text(b, &name)),
            "sheet {name}"
        );
    }
}

#[test]
fn ids_continue_after_the_highest_present_in_any_file() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([approved("C007", "甲公司"), approved("C0012", "乙公司")])
        .write(d, "master.xlsx");
    Book::new()
        .entries([
            approved_new("丙公司"),
            approved("C020", "丁公司"),
            approved_new("戊公司"),
        ])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "out.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let entries = sheet_text(&d.join("out.xlsx"), ENTRY);
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_id"),
        ["C007", "C0012", "C021", "C020", "C022"]
    );
}

#[test]
fn without_master_a_new_register_is_started() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([approved_new("甲公司"), entry("乙公司")])
        .write(d, "a.xlsx");
    Book::new()
        .entries([approved_new("丙公司")])
        .write(d, "b.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "b.xlsx", "-o", "register.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let out = d.join("register.xlsx");
    let entries = sheet_text(&out, ENTRY);
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_id"),
        ["C001", "", "C002"]
    );
    assert_eq!(
        sheet_names(&out),
        ["填写说明", ENTRY, UPDATE, LOG, "统计", "下拉选项", "_meta"]
    );
    assert_eq!(validate(d, &["register.xlsx"]).code, 0);
}

#[test]
fn a_workbook_with_errors_is_refused_and_nothing_is_written() {
    let dir = tmp();
    let d = dir.path();
    master(d);
    Book::new()
        .entries([approved_new("甲公司").set("industry", "制造")])
        .write(d, "a.xlsx");
    let (code, stdout, _) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "out.xlsx"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("invalid-enum"), "{stdout}");
    assert!(stdout.contains("E2"), "{stdout}");
    assert!(stdout.contains("合并已取消"), "{stdout}");
    assert!(!d.join("out.xlsx").exists());
    assert_eq!(
        std::fs::read_dir(d).unwrap().count(),
        2,
        "no file left behind"
    );
}

#[test]
fn an_unreadable_input_is_refused_with_exit_2() {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(d.join("broken.xlsx"), b"PK\x03\x04 not really").unwrap();
    let (code, stdout, stderr) = merge(d, &["broken.xlsx", "-o", "out.xlsx"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.starts_with("crmsheet: broken.xlsx: "), "{stderr}");
    assert!(!d.join("out.xlsx").exists());
}

#[test]
fn existing_output_needs_force_and_is_kept_as_bak() {
    let dir = tmp();
    let d = dir.path();
    master(d);
    team_book(d);
    std::fs::write(d.join("out.xlsx"), b"old").unwrap();
    let (code, _, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "out.xlsx"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(bytes(&d.join("out.xlsx")), b"old");

    let (code, stdout, stderr) = merge(
        d,
        &[
            "a.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "out.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(bytes(&d.join("out.xlsx.bak")), b"old");
    assert_eq!(sheet_text(&d.join("out.xlsx"), ENTRY).len(), 7);
}

#[test]
fn the_master_itself_can_be_the_output_with_force() {
    let dir = tmp();
    let d = dir.path();
    let m = master(d);
    team_book(d);
    let before = bytes(&m);
    let (code, stdout, stderr) = merge(
        d,
        &[
            "a.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "master.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(bytes(&d.join("master.xlsx.bak")), before);
    assert_eq!(sheet_text(&m, ENTRY).len(), 7);
}

#[test]
fn an_input_is_never_the_output() {
    let dir = tmp();
    let d = dir.path();
    let a = team_book(d);
    let before = bytes(&a);
    let (code, _, stderr) = merge(d, &["a.xlsx", "-o", "a.xlsx", "--force"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("这也是输入文件"), "{stderr}");
    assert_eq!(bytes(&a), before);
}

#[test]
fn a_reviewed_copy_of_a_pending_master_row_is_that_row() {
    let dir = tmp();
    let d = dir.path();
    master(d);
    // The salesperson sends back the pending row, now approved, and once more
    // a copy of another pending row, now rejected.
    Book::new()
        .entries([approved_new("东方贸易有限公司")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let entries = sheet_text(&d.join("m1.xlsx"), ENTRY);
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_id"),
        ["C001", "C002", "C003"]
    );
    assert_eq!(column_of(&entries, SheetKind::Entry, "reviewer")[2], "李娜");
    assert!(stdout.contains("其中沿用审核结果：1"), "{stdout}");

    // Rejected on a second look: the row leaves the register, logged once.
    Book::new()
        .entries([entry("华南食品有限公司")])
        .write(d, "b.xlsx");
    let (code, ..) = merge(d, &["b.xlsx", "--master", "m1.xlsx", "-o", "m2.xlsx"]);
    assert_eq!(code, 0);
    Book::new()
        .entries([rejected_new("华南食品有限公司")])
        .write(d, "c.xlsx");
    let (code, stdout, _) = merge(d, &["c.xlsx", "--master", "m2.xlsx", "-o", "m3.xlsx"]);
    assert_eq!(code, 0, "{stdout}");
    let names = column_of(
        &sheet_text(&d.join("m3.xlsx"), ENTRY),
        SheetKind::Entry,
        "customer_name",
    );
    assert!(!names.iter().any(|n| n == "华南食品有限公司"), "{names:?}");
    let (code, ..) = merge(d, &["c.xlsx", "--master", "m3.xlsx", "-o", "m4.xlsx"]);
    assert_eq!(code, 0);
    let rejected = |path: &Path| {
        sheet_text(path, LOG)
            .iter()
            .filter(|r| r.get(2).map(String::as_str) == Some("华南食品有限公司"))
            .count()
    };
    assert_eq!(rejected(&d.join("m3.xlsx")), 1);
    assert_eq!(rejected(&d.join("m4.xlsx")), 1);
}

#[test]
fn an_english_master_gives_an_english_register() {
    let dir = tmp();
    let d = dir.path();
    let mut m = Book::in_lang(crmsheet::lang::Lang::En);
    m = m.entries([approved("C001", "Acme Co., Ltd.")
        .set("industry", "Manufacturing")
        .set("customer_status", "Active")
        .set("review_status", "Approved")]);
    m.write(d, "master.xlsx");
    Book::new()
        .entries([approved_new("甲公司")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(
        d,
        &[
            "a.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "out.xlsx",
            "--lang",
            "en",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("C002  甲公司"), "{stdout}");
    assert!(!stdout.contains("updates applied"), "{stdout}");
    let out = d.join("out.xlsx");
    assert_eq!(
        sheet_names(&out),
        [
            "Instructions",
            "Customer Entry",
            "Customer Update",
            "Change log",
            "Summary",
            "Lists",
            "_meta"
        ]
    );
    let entries = sheet_text(&out, "Customer Entry");
    // The zh input's list values are written as the register's labels.
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "industry"),
        ["Manufacturing", "Manufacturing"]
    );
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "review_status"),
        ["Approved", "Approved"]
    );
    assert_eq!(sheet_text(&out, "Change log")[1][3], "Customer ID");
}

#[test]
fn summary_sheet_has_tables_and_native_charts() {
    let dir = tmp();
    let d = dir.path();
    master(d);
    team_book(d);
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let out = d.join("m1.xlsx");
    let rows = sheet_text(&out, "统计");
    let find = |label: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.first().map(String::as_str) == Some(label))
            .cloned()
            .unwrap_or_else(|| panic!("{label} in {rows:#?}"))
    };
    // Customers are the approved rows (C001, C002, 苏州, 南京); the pending
    // entries (东方, 杭州) have a column of their own and are no customers yet.
    assert_eq!(find("制造业"), ["制造业", "4", "2"]);
    assert_eq!(find("采矿业"), ["采矿业", "0", "0"]);
    assert_eq!(find("活跃"), ["活跃", "2", "0"]);
    assert_eq!(find("潜在"), ["潜在", "2", "2"]);
    assert_eq!(find("2026-11"), ["2026-11", "4"]);
    // Pending: 东方 and 杭州 entries, the carried C002 update, all by 张伟.
    assert_eq!(find("张伟"), ["张伟", "2", "1"]);

    let file = std::fs::File::open(&out).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let charts: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/charts/chart"))
        .map(|n| n.into_owned())
        .collect();
    assert_eq!(charts.len(), 4, "{charts:?}");
    let mut xml = String::new();
    use std::io::Read;
    zip.by_name("xl/charts/chart1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("<c:barChart>"), "{xml}");
    assert!(xml.contains("统计"), "series refer to the summary sheet");
}

#[test]
fn the_register_opens_in_libreoffice_and_stays_valid() {
    let dir = tmp();
    let d = dir.path();
    master(d);
    team_book(d);
    let (code, ..) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0);
    let m1 = d.join("m1.xlsx");
    for to in ["xlsx", "ods"] {
        let Some(converted) = soffice_convert_into(&m1, to, d) else {
            return;
        };
        let name = converted.to_string_lossy().into_owned();
        let run = validate(d, &[&name]);
        assert_eq!(run.code, 0, "{to}: {:#?}", run.findings());
        assert_eq!(sheet_text(&converted, LOG), sheet_text(&m1, LOG), "{to}");
        assert_eq!(
            sheet_text(&converted, ENTRY),
            sheet_text(&m1, ENTRY),
            "{to}"
        );
    }
}

#[test]
fn a_missing_output_folder_is_refused_before_any_work() {
    let dir = tmp();
    let d = dir.path();
    team_book(d);
    let (code, _, stderr) = merge(d, &["a.xlsx", "-o", "no/such/folder/out.xlsx"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("不存在"), "{stderr}");
}

#[test]
fn a_pending_update_in_the_register_takes_over_its_approval() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([approved("C001", "上海明远机械有限公司")])
        .updates([update("C001")])
        .write(d, "master.xlsx");
    // The same update comes back approved.
    Book::new()
        .updates([reviewed(update("C001"), "已通过")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("已应用更新：1"), "{stdout}");
    assert!(!stdout.contains("待审核更新"), "{stdout}");
    let m1 = d.join("m1.xlsx");
    assert_eq!(sheet_text(&m1, UPDATE).len(), 1, "only the header is left");
    let entries = sheet_text(&m1, ENTRY);
    assert_eq!(column_of(&entries, SheetKind::Entry, "contact"), ["赵主任"]);
    let log = sheet_text(&m1, LOG);
    assert_eq!(log.len(), 2);
    assert_eq!(log[1][9], "a.xlsx: 客户信息更新表!E2", "{:?}", log[1]);
}

/// After a merge the applied updates live in the change log, not on the update
/// sheet: they still count as contacts for stale-customer, and a rejected one
/// (logged as a review) still does not.
#[test]
fn updates_in_the_change_log_keep_a_customer_from_going_stale() {
    let dir = tmp();
    let old = approved_long_ago;
    Book::new()
        .entries([old("C001", "甲公司"), old("C002", "乙公司")])
        .write(dir.path(), "master.xlsx");
    let recent = |id: &str, status: &str| {
        reviewed(
            update(id).set("update_date", Cell::Date(2026, 11, 20)),
            status,
        )
    };
    Book::new()
        .updates([recent("C001", "已通过"), recent("C002", "已驳回")])
        .write(dir.path(), "team.xlsx");
    let (code, stdout, stderr) = merge(
        dir.path(),
        &[
            "team.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "register.xlsx",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let run = validate(dir.path(), &["register.xlsx"]);
    assert_eq!(run.cells_of("stale-customer"), ["K3"], "{:#}", run.json);
    // The register as the master of the next merge: merge's own check counts
    // the log too.
    Book::new()
        .entries([approved_new("丙公司")])
        .write(dir.path(), "new.xlsx");
    let (code, stdout, stderr) = merge(
        dir.path(),
        &["new.xlsx", "--master", "register.xlsx", "-o", "again.xlsx"],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("stale-customer").count(), 1, "{stdout}");
}

#[test]
fn a_rejected_update_is_logged_with_its_customer_and_may_change_nothing() {
    // #14: the log row of a rejected update had no customer name, and a
    // rejected update that changes nothing blocked the merge as empty-update.
    let dir = tmp();
    let d = dir.path();
    master(d);
    Book::new()
        .updates([reviewed(update("C002").unset("contact"), "已驳回")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let log = sheet_text(&d.join("m1.xlsx"), LOG);
    assert_eq!(log.len(), 2, "{log:#?}");
    assert_eq!(
        log[1],
        [
            "2026-11-29",
            "C002",
            "华东电气有限公司",
            "审核状态",
            "",
            "已驳回",
            "原联系人离职",
            "张伟",
            "李娜",
            "a.xlsx: 客户信息更新表!M2",
        ]
    );
}

/// [`team_book`]'s entries as the salesperson keeps them after the first
/// merge: the register's IDs copied back onto the approved rows.
fn team_book_with_ids(dir: &Path, name: &str, first_id: &str) -> PathBuf {
    Book::new()
        .entries([
            approved_new("苏州精工科技有限公司").set("customer_id", first_id),
            entry("杭州云端网络有限公司"),
            approved_new("南京长江物流有限公司").set("customer_id", "C004"),
            rejected_new("无锡测试公司"),
        ])
        .write(dir, name)
}

#[test]
fn a_workbook_sent_again_with_the_registers_ids_changes_nothing() {
    // #14: the approved rows now carry the IDs the register gave them; by
    // SPEC §7's identity they are the same rows, so no duplicate-id.
    let dir = tmp();
    let d = dir.path();
    master(d);
    team_book(d);
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    team_book_with_ids(d, "again.xlsx", "C003");

    let run = validate(d, &["again.xlsx", "--master", "m1.xlsx"]);
    assert_eq!(
        run.cells(),
        Vec::<(String, String)>::new(),
        "{:#}",
        run.json
    );
    assert_eq!(run.code, 0);
    // Said once, for the file: the approved and the pending row (a rejected
    // row takes part in no duplicate check).
    assert_eq!(run.json["files"][1]["already_in_register"], 3);
    assert!(run.json["files"][0].get("already_in_register").is_none());

    let (code, stdout, stderr) = merge(d, &["again.xlsx", "--master", "m1.xlsx", "-o", "m2.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stdout.contains("duplicate"), "{stdout}");
    assert!(stdout.contains("新增 0 行"), "{stdout}");
    assert_same_cells(&d.join("m1.xlsx"), &d.join("m2.xlsx"));

    // The same ID on a row of another identity is still a duplicate ID.
    team_book_with_ids(d, "wrong.xlsx", "C001");
    let (code, stdout, _) = merge(d, &["wrong.xlsx", "--master", "m1.xlsx", "-o", "m3.xlsx"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("duplicate-id"), "{stdout}");
    assert!(!d.join("m3.xlsx").exists());
}

#[test]
fn a_resent_workbook_is_said_once_and_only_new_rows_are_duplicates() {
    // #13: staff keep one file going; the rows merge recognises are not
    // double entries. A genuinely new row with a known name still is.
    let dir = tmp();
    let d = dir.path();
    master(d);
    team_book(d);
    let (code, ..) = merge(d, &["a.xlsx", "--master", "master.xlsx", "-o", "m1.xlsx"]);
    assert_eq!(code, 0);
    Book::new()
        .entries([
            approved_new("苏州精工科技有限公司"),
            entry("杭州云端网络有限公司"),
            approved_new("南京长江物流有限公司"),
            entry("苏州精工科技").set("salesperson", "王芳"),
        ])
        .write(d, "b.xlsx");
    let run = validate(d, &["b.xlsx", "--master", "m1.xlsx"]);
    assert_eq!(
        run.cells(),
        [("D5".to_string(), "duplicate-customer".to_string())],
        "{:#}",
        run.json
    );
    assert_eq!(run.json["files"][1]["already_in_register"], 3);
    let output = crmsheet(d)
        .args([
            "validate", "b.xlsx", "--master", "m1.xlsx", "--as-of", AS_OF,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let said: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("已在客户总表"))
        .collect();
    assert_eq!(
        said,
        ["  3 行录入已在客户总表或之前的文件中（录入日期、销售人员和客户名称相同），不是重复录入，合并时不会再次添加。"],
        "{text}"
    );
    let (code, stdout, _) = merge(d, &["b.xlsx", "--master", "m1.xlsx", "-o", "m2.xlsx"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("已在客户表中的录入（未重复添加）：3"),
        "{stdout}"
    );
}

#[test]
fn an_id_on_a_row_not_approved_moves_no_future_id() {
    // #13: a pending row carrying C900 made the next customer C901. Merge
    // clears such an ID (validate warns id-before-approval) and it does not
    // count for the next number.
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([
            entry("甲公司").set("customer_id", "C900"),
            approved_new("乙公司"),
        ])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(d, &["a.xlsx", "-o", "r.xlsx"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("id-before-approval"), "{stdout}");
    let entries = sheet_text(&d.join("r.xlsx"), ENTRY);
    assert_eq!(
        column_of(&entries, SheetKind::Entry, "customer_id"),
        ["", "C001"]
    );
    // A master whose pending row carries an ID: not counted either.
    Book::new()
        .entries([
            approved("C001", "丙公司"),
            entry("丁公司").set("customer_id", "C500"),
        ])
        .write(d, "master.xlsx");
    Book::new()
        .entries([approved_new("戊公司")])
        .write(d, "b.xlsx");
    let (code, stdout, _) = merge(d, &["b.xlsx", "--master", "master.xlsx", "-o", "m.xlsx"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        column_of(
            &sheet_text(&d.join("m.xlsx"), ENTRY),
            SheetKind::Entry,
            "customer_id"
        ),
        ["C001", "", "C002"]
    );
}

#[test]
fn an_assigned_ids_source_is_the_row_that_brought_the_approval() {
    // #13: after a resubmission the log named the master's row, which after
    // --force is what became register.xlsx.bak.
    let dir = tmp();
    let d = dir.path();
    master(d);
    std::fs::copy(d.join("master.xlsx"), d.join("register.xlsx")).unwrap();
    Book::new()
        .entries([approved_new("东方贸易有限公司")])
        .write(d, "a.xlsx");
    let (code, stdout, stderr) = merge(
        d,
        &[
            "a.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let ids: Vec<(String, String)> = sheet_text(&d.join("register.xlsx"), LOG)
        .into_iter()
        .filter(|r| r.get(3).map(String::as_str) == Some("客户ID"))
        .map(|r| (r[1].clone(), r[9].clone()))
        .collect();
    assert_eq!(
        ids,
        [("C003".to_string(), "a.xlsx: 客户信息录入表!C2".to_string())]
    );
    assert!(stdout.contains("a.xlsx: 客户信息录入表!C2"), "{stdout}");
}
