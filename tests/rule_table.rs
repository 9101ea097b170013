//! The rule table: every rule code, with a file that makes it fire at its cell
//! and a near-identical one that keeps it quiet, through `crmsheet validate`.
//! The findings of each firing file are snapshotted (`tests/snapshots/
//! rule_table__fires__CODE.snap`), and a completeness test fails for a code
//! added without its case here.

mod support;

use crmsheet::lang::Lang;
use crmsheet::rules::Code;
use crmsheet::template::{SheetKind, Template};
use serde_json::{json, Value};
use std::path::Path;
use support::*;

/// One row of the table.
struct Case {
    code: Code,
    /// Writes the firing file(s) into the folder; validate's arguments.
    fires: fn(&Path) -> Vec<&'static str>,
    /// Where it fires: `Sheet!A1` (`-` for a finding about the whole file or
    /// a whole sheet).
    at: &'static [&'static str],
    /// Writes the quiet file(s); validate's arguments.
    quiet: fn(&Path) -> Vec<&'static str>,
}

/// Writes `book` as `a.xlsx`: the argument list for it.
fn one(dir: &Path, book: Book) -> Vec<&'static str> {
    book.write(dir, "a.xlsx");
    vec!["a.xlsx"]
}

fn entries(dir: &Path, rows: impl IntoIterator<Item = Rec>) -> Vec<&'static str> {
    one(dir, Book::new().entries(rows))
}

/// An approved customer C001 and updates of it.
fn with_updates(dir: &Path, updates: impl IntoIterator<Item = Rec>) -> Vec<&'static str> {
    one(
        dir,
        Book::new()
            .entries([approved("C001", "上海明远机械有限公司")])
            .updates(updates),
    )
}

fn quiet_book(dir: &Path) -> Vec<&'static str> {
    entries(dir, [entry("明远机械")])
}

/// A workbook with the entry sheet twice (Excel names the copy `… (2)`).
/// `Book` writes each data sheet once, so this one is built by hand; it has an
/// (empty) update sheet and the version stamp too, so nothing else fires.
fn entry_sheet_twice(dir: &Path, copy: bool) -> Vec<&'static str> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let version = Template::builtin().version;
    book.set_properties(
        &rust_xlsxwriter::DocProperties::new().set_custom_property("TemplateVersion", version),
    );
    let row = row_by_key(
        SheetKind::Entry,
        &[
            ("entry_date", "2026-11-29"),
            ("salesperson", "张伟"),
            ("customer_name", "明远机械有限公司"),
            ("industry", "制造业"),
            ("contact", "王经理"),
            ("position", "采购经理"),
            ("address", "上海市浦东新区张江路 100 号"),
            ("interaction", "11-28 上门拜访"),
            ("needs", "关注交货周期"),
            ("customer_status", "潜在"),
            ("review_status", "待审核"),
        ],
    );
    let entry = sheet_name_in(SheetKind::Entry, Lang::Zh);
    let names = if copy {
        vec![entry.clone(), format!("{entry} (2)")]
    } else {
        vec![entry]
    };
    for name in names {
        let ws = book.add_worksheet();
        ws.set_name(&name).unwrap();
        for (c, h) in headers_in(SheetKind::Entry, Lang::Zh).iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(1, c as u16, v).unwrap();
            }
        }
    }
    let ws = book.add_worksheet();
    ws.set_name(sheet_name_in(SheetKind::Update, Lang::Zh))
        .unwrap();
    for (c, h) in headers_in(SheetKind::Update, Lang::Zh).iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    book.save(dir.join("a.xlsx")).unwrap();
    vec!["a.xlsx"]
}

fn table() -> Vec<Case> {
    use Code::*;
    vec![
        Case {
            code: FileUnreadable,
            fires: |dir| {
                // A picture saved with the wrong extension.
                std::fs::write(dir.join("a.xlsx"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
                vec!["a.xlsx"]
            },
            at: &["-"],
            quiet: quiet_book,
        },
        Case {
            code: MissingSheet,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                book.update = None;
                one(dir, book)
            },
            at: &["-"],
            quiet: quiet_book,
        },
        Case {
            code: MissingColumn,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                book.sheet_mut(SheetKind::Entry)
                    .drop_column("contact", SheetKind::Entry);
                one(dir, book)
            },
            at: &["-"],
            quiet: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                book.sheet_mut(SheetKind::Entry).headers.reverse();
                one(dir, book)
            },
        },
        Case {
            code: DuplicateColumn,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                let header = Sheet::header_of(SheetKind::Entry, "customer_name");
                book.sheet_mut(SheetKind::Entry).headers.push(header);
                one(dir, book)
            },
            at: &["客户信息录入表!O1"],
            quiet: quiet_book,
        },
        Case {
            code: UnknownColumn,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械").set("备注", "老客户介绍")]);
                book.sheet_mut(SheetKind::Entry).headers.push("备注".into());
                one(dir, book)
            },
            at: &["客户信息录入表!O1"],
            quiet: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                // A spaced marker and a full-width star are still the template's.
                book.sheet_mut(SheetKind::Entry).headers[3] = "客户名称 *".into();
                book.sheet_mut(SheetKind::Entry).headers[4] = "行业类别＊".into();
                one(dir, book)
            },
        },
        Case {
            code: TemplateVersion,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                book.meta_version = Some("0.9.0".into());
                one(dir, book)
            },
            at: &["-"],
            quiet: quiet_book,
        },
        Case {
            code: TemplateUnknown,
            fires: |dir| {
                let mut book = Book::new().entries([entry("明远机械")]);
                book.meta_version = None;
                book.property_version = None;
                one(dir, book)
            },
            at: &["-"],
            quiet: |dir| {
                // The document property alone is a stamp.
                let mut book = Book::new().entries([entry("明远机械")]);
                book.meta_version = None;
                one(dir, book)
            },
        },
        Case {
            code: ExtraSheet,
            fires: |dir| entry_sheet_twice(dir, true),
            at: &["-"],
            quiet: |dir| entry_sheet_twice(dir, false),
        },
        Case {
            code: MissingRequired,
            fires: |dir| entries(dir, [entry("明远机械").unset("contact")]),
            at: &["客户信息录入表!F2"],
            quiet: |dir| entries(dir, [entry("明远机械").unset("needs")]),
        },
        Case {
            code: InvalidEnum,
            fires: |dir| entries(dir, [entry("明远机械").set("industry", "制造")]),
            at: &["客户信息录入表!E2"],
            quiet: |dir| entries(dir, [entry("明远机械").set("industry", " 制造业 ")]),
        },
        Case {
            code: InvalidDate,
            fires: |dir| entries(dir, [entry("明远机械").set("entry_date", "11/29/2026")]),
            at: &["客户信息录入表!A2"],
            quiet: |dir| entries(dir, [entry("明远机械").set("entry_date", "2026/11/29")]),
        },
        Case {
            code: FutureDate,
            fires: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("entry_date", Cell::Date(2026, 12, 1))],
                )
            },
            at: &["客户信息录入表!A2"],
            quiet: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("entry_date", Cell::Date(2026, 11, 30))],
                )
            },
        },
        Case {
            code: DateOrder,
            fires: |dir| {
                let reviewed_early =
                    approved("C001", "明远机械").set("review_date", Cell::Date(2026, 11, 19));
                entries(dir, [reviewed_early])
            },
            at: &["客户信息录入表!N2"],
            quiet: |dir| {
                let same_day =
                    approved("C001", "明远机械").set("review_date", Cell::Date(2026, 11, 20));
                entries(dir, [same_day])
            },
        },
        Case {
            code: InvalidId,
            fires: |dir| entries(dir, [approved("C01", "明远机械")]),
            at: &["客户信息录入表!C2"],
            quiet: |dir| entries(dir, [approved("Ｃ００１", "明远机械")]),
        },
        Case {
            code: IdBeforeApproval,
            fires: |dir| entries(dir, [entry("明远机械").set("customer_id", "C001")]),
            at: &["客户信息录入表!C2"],
            quiet: |dir| entries(dir, [approved("C001", "明远机械")]),
        },
        Case {
            code: DuplicateId,
            fires: |dir| {
                entries(
                    dir,
                    [approved("C001", "明远机械"), approved("C001", "华东电气")],
                )
            },
            at: &["客户信息录入表!C3"],
            quiet: |dir| {
                entries(
                    dir,
                    [approved("C001", "明远机械"), approved("C002", "华东电气")],
                )
            },
        },
        Case {
            code: DuplicateCustomer,
            fires: |dir| {
                entries(
                    dir,
                    [
                        entry("上海明远机械有限公司"),
                        entry("上海 明远机械（集团）"),
                    ],
                )
            },
            at: &["客户信息录入表!D3"],
            quiet: |dir| {
                entries(
                    dir,
                    [entry("上海明远机械有限公司"), entry("上海明远电气有限公司")],
                )
            },
        },
        Case {
            code: UnknownCustomer,
            fires: |dir| with_updates(dir, [update("C009")]),
            at: &["客户信息更新表!C2"],
            quiet: |dir| with_updates(dir, [update("C001")]),
        },
        Case {
            code: IdNameMismatch,
            fires: |dir| {
                with_updates(
                    dir,
                    [update("C001").set("customer_name", "华东电气有限公司")],
                )
            },
            at: &["客户信息更新表!D2"],
            quiet: |dir| with_updates(dir, [update("C001").set("customer_name", " 上海明远机械 ")]),
        },
        Case {
            code: EmptyUpdate,
            fires: |dir| with_updates(dir, [update("C001").unset("contact")]),
            at: &["客户信息更新表!C2"],
            quiet: |dir| {
                let interaction = update("C001")
                    .unset("contact")
                    .set("latest_interaction", "电话沟通续约");
                with_updates(dir, [interaction])
            },
        },
        Case {
            code: OverdueReview,
            fires: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("entry_date", Cell::Date(2026, 11, 28))],
                )
            },
            at: &["客户信息录入表!L2"],
            quiet: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("entry_date", Cell::Date(2026, 11, 29))],
                )
            },
        },
        Case {
            code: StaleCustomer,
            fires: |dir| entries(dir, [approved_long_ago("C001", "明远机械")]),
            at: &["客户信息录入表!K2"],
            quiet: |dir| {
                let dormant = approved_long_ago("C001", "明远机械").set("customer_status", "休眠");
                entries(dir, [dormant])
            },
        },
        Case {
            code: Pii,
            fires: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("contact", "王经理 13812345678")],
                )
            },
            at: &["客户信息录入表!F2"],
            quiet: |dir| {
                entries(
                    dir,
                    [entry("明远机械").set("needs", "订单 2026112900001 的交货期")],
                )
            },
        },
        Case {
            code: FormulaInjection,
            fires: |dir| entries(dir, [entry("明远机械").set("needs", "=HYPERLINK(\"x\")")]),
            at: &["客户信息录入表!J2"],
            quiet: |dir| entries(dir, [entry("明远机械").set("needs", "-5% 的折扣")]),
        },
    ]
}

/// `Sheet!A1` of a finding, `-` when it has no cell.
fn place(finding: &Value) -> String {
    match (finding["sheet"].as_str(), finding["cell"].as_str()) {
        (Some(sheet), Some(cell)) => format!("{sheet}!{cell}"),
        _ => "-".to_string(),
    }
}

/// What a person checks of a finding; nothing that depends on the machine.
fn stable(finding: &Value) -> Value {
    let mut kept = json!({});
    for key in [
        "rule", "severity", "file", "sheet", "cell", "field", "column", "value", "message", "hint",
    ] {
        kept[key] = finding[key].clone();
    }
    kept
}

#[test]
fn every_code_has_a_case_and_no_code_two() {
    let table = table();
    for code in Code::ALL {
        let cases = table.iter().filter(|c| c.code == code).count();
        assert_eq!(
            cases, 1,
            "rule {code}: {cases} cases in tests/rule_table.rs (add one: a file that makes it fire and one that keeps it quiet)"
        );
    }
    assert_eq!(table.len(), Code::ALL.len());
}

#[test]
fn every_rule_fires_at_its_cell() {
    for case in table() {
        let dir = tmp();
        let args = (case.fires)(dir.path());
        let run = validate(dir.path(), &args);
        let code = case.code.as_str();
        let at: Vec<String> = run.of(code).iter().map(place).collect();
        assert_eq!(at, case.at, "{code}: {:#}", run.json);
        let findings: Vec<Value> = run.findings().iter().map(stable).collect();
        insta::assert_json_snapshot!(format!("fires__{code}"), findings);
    }
}

/// `(rule, Sheet!A1)` of every finding of a run.
fn places(run: &Run) -> Vec<(String, String)> {
    run.findings()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap_or_default().to_string(), place(f)))
        .collect()
}

#[test]
fn every_rule_keeps_quiet_on_its_near_miss() {
    for case in table() {
        let code = case.code.as_str();
        let dir = tmp();
        let quiet = validate(dir.path(), &(case.quiet)(dir.path()));
        assert!(quiet.of(code).is_empty(), "{code}: {:#}", quiet.json);
        // A near miss differs from the firing file in that one finding: what
        // else the two files raise (nothing, mostly) is the same.
        let dir = tmp();
        let fires = validate(dir.path(), &(case.fires)(dir.path()));
        let mut others = places(&fires);
        others.retain(|(rule, _)| rule != code);
        assert_eq!(places(&quiet), others, "{code}: {:#}", quiet.json);
    }
}
