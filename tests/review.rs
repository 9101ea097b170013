//! Review decisions as library operations (DESK.md §3–4, SPEC §7): the queue of
//! pending rows, approving and rejecting them, and every way a write is refused
//! with the register left byte for byte as it was.

mod support;

use crmsheet::lang::Lang;
use crmsheet::merge::{self, MergeOutcome};
use crmsheet::review::{
    self, ChangeKind, DecideOutcome, Decided, Decision, Options, RowKey, RowProblem, RowRef,
};
use crmsheet::rules::{Options as CheckOptions, Severity, Validation};
use crmsheet::template::{SheetKind, Template};
use crmsheet::value::{parse_as_of, DateValue};
use std::path::{Path, PathBuf};
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";
const LOG: &str = "操作日志";

fn as_of() -> DateValue {
    parse_as_of(AS_OF).expect("as-of")
}

fn key(s: &str) -> RowRef {
    s.parse().expect("row name")
}

/// A register as merge writes it: two approved customers (C001, C003), three
/// pending entries (rows 4–6), two pending updates (rows 2–3).
fn register(dir: &Path) -> PathBuf {
    let input = Book::new()
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
    let out = dir.join("register.xlsx");
    merge_into(&[input], None, &out);
    out
}

fn merge_into(inputs: &[PathBuf], master: Option<&Path>, out: &Path) {
    merge_in(inputs, master, out, Lang::Zh);
}

/// A merge; `lang` is the language of a new register.
fn merge_in(inputs: &[PathBuf], master: Option<&Path>, out: &Path, lang: Lang) {
    let template = Template::builtin();
    let options = merge::Options {
        master,
        inputs,
        out,
        force: true,
        as_of: as_of(),
        lang,
    };
    match merge::merge(&template, &options).expect("merge") {
        MergeOutcome::Merged(_) => {}
        MergeOutcome::Refused(report) => panic!("merge refused: {:?}", report.findings),
    }
}

fn options() -> Options {
    Options::new("李娜", as_of(), Lang::Zh)
}

fn decide(register: &Path, decisions: &[Decision]) -> DecideOutcome {
    review::decide(&Template::builtin(), register, decisions, &options()).expect("decide")
}

fn decided(outcome: DecideOutcome) -> Decided {
    match outcome {
        DecideOutcome::Decided(d) => d,
        other => panic!("not decided: {other:?}"),
    }
}

/// Errors found by validating the register on its own.
fn errors(register: &Path) -> Vec<String> {
    let template = Template::builtin();
    let mut run = Validation::new(
        &template,
        CheckOptions {
            as_of: as_of(),
            lang: Lang::En,
        },
    );
    run.check_file(register).expect("readable");
    run.finish()
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{:?} {:?} {}", f.cell, f.rule, f.message))
        .collect()
}

fn col(kind: SheetKind, k: &str) -> usize {
    Template::builtin()
        .sheet(kind)
        .field_index(k)
        .expect("field")
}

fn column(rows: &[Vec<String>], kind: SheetKind, k: &str) -> Vec<String> {
    let c = col(kind, k);
    rows.iter()
        .skip(1)
        .map(|r| r.get(c).cloned().unwrap_or_default())
        .collect()
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[test]
fn the_queue_lists_pending_rows_oldest_first_with_findings() {
    let dir = tmp();
    let reg = register(dir.path());
    let queue = review::pending(&Template::builtin(), &reg, as_of(), Lang::En).unwrap();
    let keys: Vec<String> = queue.rows.iter().map(|r| r.key.to_string()).collect();
    // All dated 11-29: entries before updates, then by row.
    assert_eq!(
        keys,
        ["entry:4", "entry:5", "entry:6", "update:2", "update:3"]
    );
    let first = &queue.rows[0];
    assert_eq!(first.salesperson, "张伟");
    assert_eq!(first.customer_name, "苏州精工科技有限公司");
    assert_eq!(first.date, "2026-11-29");
    assert_eq!(first.age_days, Some(1));
    assert!(!first.overdue);
    assert!(first.can_approve());
    assert!(first
        .values
        .iter()
        .any(|(k, _, v)| k == "industry" && v == "制造业"));
    assert_eq!(queue.rows[3].customer_id, "C001");
    // An update shows its customer's name from the entry sheet.
    assert_eq!(queue.rows[3].customer_name, "上海明远机械有限公司");
    assert!(queue.register_errors.is_empty());

    // Two days later every row is overdue (a warning: still approvable).
    let later = parse_as_of("2026-12-02").unwrap();
    let queue = review::pending(&Template::builtin(), &reg, later, Lang::En).unwrap();
    assert!(queue.rows.iter().all(|r| r.overdue && r.can_approve()));
    assert!(queue.rows[0]
        .findings
        .iter()
        .any(|f| f.rule.as_str() == "overdue-review"));
}

#[test]
fn approve_and_reject_entries_and_updates_many_at_once() {
    let dir = tmp();
    let reg = register(dir.path());
    let before = bytes(&reg);
    let done = decided(decide(
        &reg,
        &[
            Decision::approve(key("entry:6")),
            Decision::approve(key("entry:4")),
            Decision::approve(key("update:2")),
            Decision::reject(key("entry:5"), "重复录入，已有此客户"),
            Decision::reject(key("update:3"), "地址未核实"),
        ],
    ));
    // IDs in register order after the highest present (C003).
    let kinds: Vec<&ChangeKind> = done.changes.iter().map(|c| &c.kind).collect();
    assert_eq!(
        kinds[..3],
        [
            &ChangeKind::Assigned { id: "C005".into() },
            &ChangeKind::Assigned { id: "C004".into() },
            &ChangeKind::Applied {
                id: "C001".into(),
                fields: 1
            },
        ]
    );
    assert_eq!(
        done.changes[1].text,
        "C004 已分配给「苏州精工科技有限公司」（entry:4）"
    );
    assert!(matches!(done.changes[3].kind, ChangeKind::Rejected { .. }));
    assert_eq!(
        bytes(&done.backup),
        before,
        "the previous register is the .bak"
    );

    let entries = sheet_text(&reg, ENTRY);
    assert_eq!(
        column(&entries, SheetKind::Entry, "customer_name"),
        [
            "上海明远机械有限公司",
            "华东电气有限公司",
            "苏州精工科技有限公司",
            "南京长江物流有限公司"
        ]
    );
    assert_eq!(
        column(&entries, SheetKind::Entry, "customer_id"),
        ["C001", "C003", "C004", "C005"]
    );
    assert_eq!(
        column(&entries, SheetKind::Entry, "review_status")[2..],
        ["已通过", "已通过"]
    );
    assert_eq!(
        column(&entries, SheetKind::Entry, "reviewer")[2..],
        ["李娜", "李娜"]
    );
    assert_eq!(
        column(&entries, SheetKind::Entry, "review_date")[2..],
        ["2026-11-30", "2026-11-30"]
    );
    // The approved update changed C001's contact; both updates left the sheet.
    assert_eq!(column(&entries, SheetKind::Entry, "contact")[0], "赵主任");
    assert_eq!(sheet_text(&reg, UPDATE).len(), 1, "only the header is left");

    // The change log, as merge writes it: date, ID, name, field, old, new,
    // reason, salesperson, reviewer, source.
    let log = sheet_text(&reg, LOG);
    let rows: Vec<String> = log.iter().skip(1).map(|r| r.join("|")).collect();
    assert_eq!(
        rows,
        [
            "2026-11-29|C001|上海明远机械有限公司|主要联系人|王经理|赵主任|原联系人离职|张伟|李娜|register.xlsx: 客户信息更新表!E2",
            // In date order, a rejected update named from the register (#13, #14).
            "2026-11-29|C003|华东电气有限公司|审核状态||已驳回|地址未核实|张伟|李娜|register.xlsx: 客户信息更新表!M3",
            "2026-11-30|C004|苏州精工科技有限公司|客户ID||C004|新客户审核通过，分配客户ID|张伟|李娜|register.xlsx: 客户信息录入表!C4",
            "2026-11-30||杭州云端网络有限公司|审核状态||已驳回|重复录入，已有此客户|王芳|李娜|register.xlsx: 客户信息录入表!L5",
            "2026-11-30|C005|南京长江物流有限公司|客户ID||C005|新客户审核通过，分配客户ID|张伟|李娜|register.xlsx: 客户信息录入表!C6",
        ]
        .map(|r| r.replace("register.xlsx", &reg.display().to_string()))
    );
    assert_eq!(errors(&reg), Vec::<String>::new());

    // The queue is empty now; deciding again is refused, nothing written.
    let queue = review::pending(&Template::builtin(), &reg, as_of(), Lang::Zh).unwrap();
    assert!(queue.rows.is_empty());
    let after = bytes(&reg);
    match decide(&reg, &[Decision::approve(key("entry:4"))]) {
        DecideOutcome::RowsRefused(r) => assert_eq!(r[0].problem, RowProblem::NotPending),
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), after);
}

#[test]
fn an_entry_is_named_by_its_customer_id_too() {
    let dir = tmp();
    let d = dir.path();
    // A register edited by hand: a pending entry that already carries an ID (a
    // warning, not an error; merge itself clears such IDs, #13).
    let reg = Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("苏州精工科技有限公司").set("customer_id", "C007"),
        ])
        .write(d, "register.xlsx");
    let done = decided(decide(&reg, &[Decision::approve(key("Ｃ００７"))]));
    assert_eq!(
        done.changes[0].kind,
        ChangeKind::Approved { id: "C007".into() }
    );
    assert_eq!(errors(&reg), Vec::<String>::new());
}

#[test]
fn a_row_with_an_error_cannot_be_approved_but_can_be_rejected() {
    let dir = tmp();
    let d = dir.path();
    // A register edited by hand: a phone number in a pending row.
    let reg = Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("苏州精工科技有限公司").set("needs", "电话 13812345678"),
            entry("南京长江物流有限公司"),
        ])
        .write(d, "register.xlsx");
    let queue = review::pending(&Template::builtin(), &reg, as_of(), Lang::En).unwrap();
    let bad = &queue.rows[0];
    assert!(!bad.can_approve());
    assert!(bad.blocked[0].contains("pii"), "{:?}", bad.blocked);
    assert!(bad.values.iter().any(|(_, _, v)| v == "电话 138****5678"));
    // The clean row cannot be approved either while the register has an error,
    // unless that row is rejected at the same time.
    assert!(!queue.rows[1].can_approve());
    assert!(
        queue.rows[1].blocked[0].contains("entry:3"),
        "{:?}",
        queue.rows[1].blocked
    );

    let before = bytes(&reg);
    match decide(&reg, &[Decision::approve(key("entry:3"))]) {
        DecideOutcome::RowsRefused(r) => {
            assert_eq!(r[0].problem, RowProblem::HasErrors);
            assert!(r[0].message.contains("138****5678"), "{}", r[0].message);
            assert!(!r[0].message.contains("13812345678"));
        }
        other => panic!("{other:?}"),
    }
    match decide(&reg, &[Decision::approve(key("entry:4"))]) {
        DecideOutcome::Findings(report) => {
            assert_eq!(report.findings[0].cell.as_deref(), Some("J3"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), before, "nothing written");
    assert!(!crmsheet::write::output::backup_path(&reg).exists());

    // Rejecting it removes the error with the row.
    let done = decided(decide(
        &reg,
        &[
            Decision::reject(key("entry:3"), "含有电话号码，请删除后重新提交"),
            Decision::approve(key("entry:4")),
        ],
    ));
    assert_eq!(
        done.changes[1].kind,
        ChangeKind::Assigned { id: "C002".into() }
    );
    assert_eq!(errors(&reg), Vec::<String>::new());
}

#[test]
fn bad_decisions_are_refused_before_anything_is_read() {
    let dir = tmp();
    let reg = register(dir.path());
    let template = Template::builtin();
    let before = bytes(&reg);
    let run = |decisions: &[Decision], reviewer: &str| {
        let options = Options::new(reviewer, as_of(), Lang::En);
        review::decide(&template, &reg, decisions, &options)
    };
    let no_reason = run(&[Decision::reject(key("entry:4"), " ")], "李娜").unwrap_err();
    assert!(
        no_reason.to_string().contains("needs a reason"),
        "{no_reason}"
    );
    let nobody = run(&[Decision::approve(key("entry:4"))], " ").unwrap_err();
    assert!(nobody.to_string().contains("reviewer"), "{nobody}");
    let pii = run(
        &[Decision::reject(key("entry:4"), "call 13812345678")],
        "李娜",
    )
    .unwrap_err();
    assert!(pii.to_string().contains("138****5678"), "{pii}");
    assert!(run(&[], "李娜").is_err());
    match run(
        &[
            Decision::approve(key("entry:4")),
            Decision::reject(key("entry:4"), "x"),
        ],
        "李娜",
    )
    .unwrap()
    {
        DecideOutcome::RowsRefused(r) => assert_eq!(r[0].problem, RowProblem::Twice),
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), before);
}

#[test]
fn two_decisions_on_the_same_row_at_once_exactly_one_is_applied() {
    let dir = tmp();
    let reg = register(dir.path());
    let template = Template::builtin();
    let queue = review::pending(&template, &reg, as_of(), Lang::Zh).unwrap();
    let row = queue
        .rows
        .iter()
        .find(|r| {
            r.key
                == RowKey {
                    kind: SheetKind::Entry,
                    row: 4,
                }
        })
        .unwrap();
    let both = [
        Decision::approve(row.key.into()).seen(&row.fingerprint),
        Decision::reject(row.key.into(), "客户已存在").seen(&row.fingerprint),
    ];
    let barrier = std::sync::Barrier::new(2);
    let outcomes: Vec<DecideOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = both
            .iter()
            .map(|d| {
                let (template, reg, barrier) = (&template, &reg, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    review::decide(template, reg, std::slice::from_ref(d), &options()).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let applied = outcomes
        .iter()
        .filter(|o| matches!(o, DecideOutcome::Decided(_)))
        .count();
    assert_eq!(applied, 1, "{outcomes:?}");
    let told = outcomes.iter().find_map(|o| match o {
        DecideOutcome::RowsRefused(r) => Some(r[0].clone()),
        _ => None,
    });
    let told = told.expect("the other is refused");
    assert_eq!(told.problem, RowProblem::Changed);
    assert!(told.message.contains("entry:4"), "{}", told.message);
    assert_eq!(errors(&reg), Vec::<String>::new());
    // Exactly one trace of it in the change log.
    let log = sheet_text(&reg, LOG);
    let about: Vec<_> = log
        .iter()
        .filter(|r| r.iter().any(|c| c == "苏州精工科技有限公司"))
        .collect();
    assert_eq!(about.len(), 1, "{log:?}");
}

#[test]
fn a_register_changed_on_disk_is_refused_and_left_as_it_is() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d);
    let template = Template::builtin();
    let queue = review::pending(&template, &reg, as_of(), Lang::En).unwrap();
    let row = &queue.rows[0];

    // Someone saves the register in between (here: another merge).
    let more = Book::new()
        .entries([entry("成都天府软件有限公司")])
        .write(d, "more.xlsx");
    merge_into(&[more], Some(&reg), &reg);
    let changed = bytes(&reg);
    let mut options = Options::new("李娜", as_of(), Lang::En);
    options.since = Some(queue.stamp);
    let decision = [Decision::approve(row.key.into()).seen(&row.fingerprint)];
    match review::decide(&template, &reg, &decision, &options).unwrap() {
        DecideOutcome::Busy(message) => {
            assert!(message.contains("changed on disk"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), changed);

    // Saved over at the last moment, while the decision was being written.
    let backup = crmsheet::write::output::backup_path(&reg);
    let backup_before = bytes(&backup);
    let mut last_moment = Vec::new();
    let outcome = review::decide_with(
        &template,
        &reg,
        &[Decision::approve(key("entry:4"))],
        &Options::new("李娜", as_of(), Lang::Zh),
        || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let mut saved = bytes(&reg);
            saved.extend_from_slice(b" ");
            std::fs::write(&reg, &saved).unwrap();
            last_moment = saved;
        },
    )
    .unwrap();
    match outcome {
        DecideOutcome::Busy(message) => assert!(message.contains("已被修改"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), last_moment);
    assert_eq!(bytes(&backup), backup_before, "the .bak is untouched too");
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_register_open_in_office_is_refused_naming_who() {
    let dir = tmp();
    let d = dir.path();
    let reg = register(d);
    let before = bytes(&reg);
    let template = Template::builtin();
    let approve = [Decision::approve(key("entry:4"))];

    // Excel's owner file: a length byte, the user name, padding.
    let owner = d.join("~$register.xlsx");
    let mut excel = vec![5u8];
    excel.extend_from_slice(b"Li Na");
    excel.resize(165, b' ');
    std::fs::write(&owner, excel).unwrap();
    match review::decide(&template, &reg, &approve, &options()).unwrap() {
        DecideOutcome::Busy(message) => {
            assert!(message.contains("正被 Li Na"), "{message}");
            assert!(message.contains("~$register.xlsx"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), before);
    std::fs::remove_file(&owner).unwrap();

    // LibreOffice's lock file, in English.
    std::fs::write(
        d.join(".~lock.register.xlsx#"),
        ",wangfang,sales-pc,03.12.2026 09:12,file:///home/wangfang/.config/libreoffice/4;",
    )
    .unwrap();
    let options = Options::new("李娜", as_of(), Lang::En);
    match review::decide(&template, &reg, &approve, &options).unwrap() {
        DecideOutcome::Busy(message) => {
            assert!(
                message.contains("open in another program by wangfang@sales-pc"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bytes(&reg), before);
    assert!(!crmsheet::write::output::backup_path(&reg).exists());
}

#[test]
fn an_english_register_gets_english_labels() {
    let dir = tmp();
    let d = dir.path();
    let input = Book::in_lang(Lang::En)
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("苏州精工科技有限公司").set("review_status", "Pending"),
            entry("南京长江物流有限公司").set("review_status", "Pending"),
        ])
        .write(d, "team.xlsx");
    let reg = d.join("register.xlsx");
    merge_in(&[input], None, &reg, Lang::En);
    let options = Options::new("Lina", as_of(), Lang::En);
    let decisions = [
        Decision::approve(key("entry:3")),
        Decision::reject(key("entry:4"), "duplicate"),
    ];
    let done = match review::decide(&Template::builtin(), &reg, &decisions, &options).unwrap() {
        DecideOutcome::Decided(done) => done,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        done.changes[0].text,
        "C002 assigned to 苏州精工科技有限公司 (entry:3)"
    );
    let entries = sheet_text(&reg, "Customer Entry");
    assert_eq!(
        column(&entries, SheetKind::Entry, "review_status"),
        ["Approved", "Approved"]
    );
    let log = sheet_text(&reg, "Change log");
    assert_eq!(log[2][5], "Rejected");
    assert_eq!(log[2][6], "duplicate");
    assert_eq!(errors(&reg), Vec::<String>::new());
}
