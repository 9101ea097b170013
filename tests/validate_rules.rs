//! Every rule of SPEC §5, through the CLI: one test makes it fire at the exact
//! cell, one keeps it quiet. Workbooks are written by the tests in temp dirs.

mod support;

use crmsheet::lang::Lang;
use crmsheet::template::SheetKind;
use support::*;

/// Asserts the run found nothing at all (the strongest "quiet").
#[track_caller]
fn assert_clean(run: &Run) {
    assert_eq!(
        run.cells(),
        Vec::<(String, String)>::new(),
        "{:#}",
        run.json
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

// ---------------------------------------------------------------- structure

#[test]
fn file_unreadable_fires_and_the_other_file_is_still_checked() {
    let dir = tmp();
    // A picture saved with the wrong extension: binary, and no zip or OLE file.
    std::fs::write(
        dir.path().join("notes.xlsx"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
    )
    .unwrap();
    Book::new()
        .entries([entry("明远机械").set("industry", "制造")])
        .write(dir.path(), "good.xlsx");
    let run = validate(dir.path(), &["notes.xlsx", "good.xlsx"]);
    assert_eq!(run.code, 2);
    let f = &run.of("file-unreadable")[0];
    assert_eq!(f["file"], "notes.xlsx");
    for key in ["sheet", "cell", "row", "field", "column"] {
        assert!(f[key].is_null(), "{key}: {f}");
    }
    assert!(
        run.stderr.starts_with("crmsheet: notes.xlsx: "),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(run.json["files"][0]["readable"], false);
    assert_eq!(run.json["files"][1]["readable"], true);
    assert_eq!(
        run.cells_of("invalid-enum"),
        ["E2"],
        "good file still reported"
    );
}

#[test]
fn file_unreadable_quiet_for_a_good_file() {
    let dir = tmp();
    assert_clean(&check(
        dir.path(),
        &Book::new().entries([entry("明远机械")]),
    ));
}

#[test]
fn missing_sheet_fires_once_per_absent_sheet() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("明远机械")]);
    book.update = None;
    let run = check(dir.path(), &book);
    assert_eq!(
        run.cells(),
        [("-".to_string(), "missing-sheet".to_string())]
    );
    assert!(run.of("missing-sheet")[0]["message"]
        .as_str()
        .unwrap()
        .contains("客户信息更新表"));
    assert_eq!(run.code, 1);
}

#[test]
fn missing_sheet_for_a_csv_that_matches_neither_sheet() {
    let dir = tmp();
    std::fs::write(dir.path().join("x.csv"), "名字,电话号码\n张三,无\n").unwrap();
    let run = validate(dir.path(), &["x.csv"]);
    assert_eq!(run.cells_of("missing-sheet"), ["-"]);
    assert_eq!(run.findings().len(), 1);
}

#[test]
fn missing_sheet_quiet_for_a_csv_of_one_sheet() {
    let dir = tmp();
    let book = Book::new().entries([entry("明远机械")]);
    book.write_csv(SheetKind::Entry, dir.path(), "entry.csv");
    assert_clean(&validate(dir.path(), &["entry.csv"]));
}

#[test]
fn missing_column_is_reported_once_not_per_row() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司"), entry("乙公司"), entry("丙公司")]);
    book.sheet_mut(SheetKind::Entry)
        .drop_column("contact", SheetKind::Entry);
    let run = check(dir.path(), &book);
    let found = run.of("missing-column");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f["sheet"], "客户信息录入表");
    assert_eq!(f["field"], "contact");
    assert_eq!(f["column"], "主要联系人");
    assert!(f["cell"].is_null() && f["row"].is_null());
    assert!(
        run.of("missing-required").is_empty(),
        "no per-row finding for the missing column"
    );
}

#[test]
fn missing_column_quiet_with_columns_in_another_order() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    book.sheet_mut(SheetKind::Entry).headers.reverse();
    assert_clean(&check(dir.path(), &book));
}

#[test]
fn duplicate_column_fires_at_the_second_header_cell() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    let header = Sheet::header_of(SheetKind::Entry, "customer_name");
    book.sheet_mut(SheetKind::Entry).headers.push(header);
    let run = check(dir.path(), &book);
    assert_eq!(run.cells_of("duplicate-column"), ["O1"]);
    assert_eq!(run.of("duplicate-column")[0]["field"], "customer_name");
    assert!(run.of("duplicate-column")[0]["message"]
        .as_str()
        .unwrap()
        .contains("D1"));
}

#[test]
fn duplicate_column_quiet_for_distinct_headers() {
    let dir = tmp();
    assert_clean(&check(dir.path(), &Book::new().entries([entry("甲公司")])));
}

#[test]
fn unknown_column_warns_at_its_header_cell() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司").set("备注", "老客户介绍")]);
    book.sheet_mut(SheetKind::Entry).headers.push("备注".into());
    let run = check(dir.path(), &book);
    assert_eq!(
        run.cells(),
        [("O1".to_string(), "unknown-column".to_string())]
    );
    assert_eq!(run.of("unknown-column")[0]["severity"], "warning");
    assert_eq!(run.of("unknown-column")[0]["value"], "备注");
    assert_eq!(run.code, 0, "warnings alone pass");
}

#[test]
fn unknown_column_quiet_for_headers_with_marker_spaces_and_width_variants() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    let sheet = book.sheet_mut(SheetKind::Entry);
    // `客户名称 *`, a full-width star, English headers: all the template's.
    sheet.headers[3] = "客户名称 *".into();
    sheet.headers[4] = "行业类别＊".into();
    sheet.headers[5] = " Main contact ".into();
    assert_clean(&check(dir.path(), &book));
}

#[test]
fn template_version_warns_for_another_stamp() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    book.meta_version = Some("0.9.0".into());
    let run = check(dir.path(), &book);
    assert_eq!(
        run.cells(),
        [("-".to_string(), "template-version".to_string())]
    );
    assert_eq!(run.of("template-version")[0]["value"], "0.9.0");
    assert_eq!(run.json["files"][0]["template_version"], "0.9.0");
}

#[test]
fn template_version_quiet_for_the_current_stamp() {
    let dir = tmp();
    let run = check(dir.path(), &Book::new().entries([entry("甲公司")]));
    assert_clean(&run);
    assert_eq!(run.json["files"][0]["template_version"], "1.0.0");
}

#[test]
fn template_unknown_warns_for_a_workbook_without_stamp() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    book.meta_version = None;
    book.property_version = None;
    let run = check(dir.path(), &book);
    assert_eq!(
        run.cells(),
        [("-".to_string(), "template-unknown".to_string())]
    );
    assert!(run.json["files"][0]["template_version"].is_null());
}

#[test]
fn template_unknown_quiet_with_the_property_only_and_for_csv() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司")]);
    book.meta_version = None;
    assert_clean(&check(dir.path(), &book));
    book.write_csv(SheetKind::Entry, dir.path(), "entry.csv");
    assert_clean(&validate(dir.path(), &["entry.csv"]));
}

// ---------------------------------------------------------------- fields

#[test]
fn missing_required_fires_at_the_empty_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([entry("甲公司").unset("contact")])
            .updates([update("C001").unset("update_reason")]),
    );
    assert_eq!(run.cells_of("missing-required"), ["F2", "J2"]);
    let f = &run.of("missing-required")[0];
    assert_eq!(f["sheet"], "客户信息录入表");
    assert_eq!(f["field"], "contact");
    assert_eq!(f["column"], "主要联系人");
    assert!(f["value"].is_null());
}

#[test]
fn missing_required_fires_for_reviewer_once_reviewed() {
    let dir = tmp();
    let row = approved("C001", "甲公司")
        .unset("reviewer")
        .unset("review_date");
    let run = check(dir.path(), &Book::new().entries([row]));
    assert_eq!(run.cells_of("missing-required"), ["M2", "N2"]);
    let message = run.of("missing-required")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("已通过"), "{message}");
}

#[test]
fn missing_required_quiet_for_optional_and_not_yet_reviewed() {
    let dir = tmp();
    let row = entry("甲公司")
        .unset("position")
        .unset("address")
        .unset("needs");
    assert_eq!(row.get("reviewer"), None);
    assert_clean(&check(dir.path(), &Book::new().entries([row])));
}

#[test]
fn invalid_enum_fires_with_the_closest_option() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司")
            .set("industry", "制造")
            .set("review_status", "通过")]),
    );
    assert_eq!(run.cells_of("invalid-enum"), ["E2", "L2"]);
    let hints: Vec<_> = run
        .of("invalid-enum")
        .iter()
        .map(|f| f["hint"].clone())
        .collect();
    assert_eq!(hints, ["制造业", "已通过"]);
    // A bad review status takes part in no further rule: no reviewer required.
    assert!(run.of("missing-required").is_empty());
}

#[test]
fn invalid_enum_quiet_for_either_language_width_and_spaces() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司")
                .set("industry", "Manufacturing")
                .set("customer_status", " prospect "),
            entry("乙公司").set("review_status", "待审核\u{3000}"),
        ]),
    );
    assert_clean(&run);
}

/// The built-in template with a team list.
fn team_schema(dir: &std::path::Path) -> String {
    let text = crmsheet::template::BUILTIN.replacen(
        "options = []",
        "options = [{ zh = \"张伟\", en = \"Zhang Wei\" }, { zh = \"李娜\", en = \"Li Na\" }]",
        1,
    );
    assert_ne!(text, crmsheet::template::BUILTIN);
    std::fs::write(dir.join("team.toml"), text).unwrap();
    "team.toml".into()
}

#[test]
fn invalid_enum_fires_for_someone_not_on_the_team_list() {
    let dir = tmp();
    let schema = team_schema(dir.path());
    Book::new()
        .entries([
            entry("甲公司").set("salesperson", "王五"),
            entry("乙公司").set("salesperson", "Zhang Wei"),
        ])
        .write(dir.path(), "a.xlsx");
    let run = validate(dir.path(), &["a.xlsx", "--schema", &schema]);
    assert_eq!(
        run.cells(),
        [("B2".to_string(), "invalid-enum".to_string())]
    );
}

#[test]
fn invalid_enum_quiet_for_any_salesperson_without_team_list() {
    let dir = tmp();
    assert_clean(&check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("salesperson", "王五")]),
    ));
}

#[test]
fn formula_injection_warns_at_the_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("needs", "=HYPERLINK(\"http://x\",\"点我\")")]),
    );
    assert_eq!(
        run.cells(),
        [("J2".to_string(), "formula-injection".to_string())]
    );
    assert_eq!(run.of("formula-injection")[0]["severity"], "warning");
}

#[test]
fn formula_injection_quiet_for_minus_and_digit() {
    let dir = tmp();
    assert_clean(&check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("needs", "-5% 折扣")]),
    ));
}

// ---------------------------------------------------------------- dates

#[test]
fn invalid_date_fires_for_month_first_text_and_bare_numbers() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("entry_date", "11/30/2026"),
            entry("乙公司").set("entry_date", 46356.0),
            entry("丙公司").set("entry_date", "2026-02-30"),
        ]),
    );
    assert_eq!(run.cells_of("invalid-date"), ["A2", "A3", "A4"]);
    let hints: Vec<_> = run
        .of("invalid-date")
        .iter()
        .map(|f| f["hint"].clone())
        .collect();
    assert_eq!(hints[0], "2026-11-30");
    assert_eq!(hints[1], "2026-11-30");
    // A bad date is in no further rule: no overdue review, no future date.
    assert_eq!(run.findings().len(), 3, "{:#}", run.json);
}

#[test]
fn invalid_date_quiet_for_every_documented_form() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("entry_date", "2026/11/29"),
            entry("乙公司").set("entry_date", "2026.11.29"),
            entry("丙公司").set("entry_date", "2026年11月29日"),
            entry("丁公司").set("entry_date", "2026-11-29 10:30"),
            entry("戊公司").set("entry_date", Cell::DateTime(2026, 11, 29, 10, 30, 0)),
        ]),
    );
    assert_clean(&run);
}

#[test]
fn future_date_fires_after_the_as_of_day() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("entry_date", Cell::Date(2026, 12, 1))]),
    );
    assert_eq!(run.cells(), [("A2".to_string(), "future-date".to_string())]);
}

#[test]
fn future_date_quiet_on_the_as_of_day_even_with_a_time() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("entry_date", Cell::Date(2026, 11, 30)),
            entry("乙公司").set("entry_date", Cell::DateTime(2026, 11, 30, 23, 0, 0)),
        ]),
    );
    assert_clean(&run);
}

#[test]
fn invalid_date_fires_for_a_chinese_date_without_its_day_mark() {
    // SPEC §4 lists 2026年11月30日: without 日 it is not a date (#14).
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("entry_date", "2026年11月20"),
            entry("乙公司").set("entry_date", "2026年11月29日"),
            entry("丙公司").set("entry_date", "2026年11月29日 9:05"),
        ]),
    );
    assert_eq!(
        run.cells(),
        [("A2".to_string(), "invalid-date".to_string())]
    );
}

#[test]
fn a_future_entry_date_is_its_only_finding() {
    // The entry typed as 2026-12-05: reviewed "before" it, updated "before" it,
    // but the date itself is the one problem (#14).
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司").set("entry_date", Cell::Date(2026, 12, 5))])
            .updates([reviewed_update("C001", Cell::Date(2026, 11, 25))]),
    );
    assert_eq!(run.cells(), [("A2".to_string(), "future-date".to_string())]);
    assert_eq!(run.findings()[0]["sheet"], "客户信息录入表");
}

#[test]
fn a_future_update_date_is_its_only_finding() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司")])
            .updates([update("C001")
                .set("update_date", Cell::Date(2026, 12, 5))
                .set("review_status", "已通过")
                .set("reviewer", "李娜")
                .set("review_date", Cell::Date(2026, 11, 30))]),
    );
    assert_eq!(run.cells(), [("A2".to_string(), "future-date".to_string())]);
    assert_eq!(run.findings()[0]["sheet"], "客户信息更新表");
}

/// An approved update dated `date`, reviewed the same day.
fn reviewed_update(id: &str, date: Cell) -> Rec {
    update(id)
        .set("update_date", date.clone())
        .set("review_status", "已通过")
        .set("reviewer", "李娜")
        .set("review_date", date)
}

#[test]
fn date_order_fires_for_review_before_entry_and_update_before_entry() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司").set("review_date", Cell::Date(2026, 11, 19))])
            .updates([reviewed_update("C001", Cell::Date(2026, 11, 10))]),
    );
    assert_eq!(
        run.cells(),
        [
            ("N2".to_string(), "date-order".to_string()),
            ("A2".to_string(), "date-order".to_string())
        ]
    );
    assert_eq!(run.findings()[1]["sheet"], "客户信息更新表");
}

#[test]
fn date_order_quiet_for_a_same_day_review_and_a_later_update() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司").set("review_date", Cell::Date(2026, 11, 20))])
            .updates([reviewed_update("C001", Cell::Date(2026, 11, 20))]),
    );
    assert_clean(&run);
}

// ---------------------------------------------------------------- identity

#[test]
fn invalid_id_fires_and_hints_the_likely_id() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C01", "甲公司")])
            .updates([update("c001")]),
    );
    assert_eq!(
        run.cells(),
        [
            ("C2".to_string(), "invalid-id".to_string()),
            ("C2".to_string(), "invalid-id".to_string())
        ]
    );
    let hints: Vec<_> = run.findings().iter().map(|f| f["hint"].clone()).collect();
    assert_eq!(hints, ["C001", "C001"]);
}

#[test]
fn invalid_id_quiet_for_full_width_ids() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("Ｃ００１", "甲公司")])
            .updates([update(" C001 ")]),
    );
    assert_clean(&run);
}

#[test]
fn id_before_approval_warns_for_pending_and_rejected_entries() {
    let dir = tmp();
    let rejected = approved("C002", "乙公司").set("review_status", "已驳回");
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司").set("customer_id", "C001"), rejected]),
    );
    assert_eq!(run.cells_of("id-before-approval"), ["C2", "C3"]);
    assert_eq!(run.findings().len(), 2);
}

#[test]
fn id_before_approval_quiet_for_approved_rows_and_pending_without_id() {
    let dir = tmp();
    assert_clean(&check(
        dir.path(),
        &Book::new().entries([approved("C001", "甲公司"), entry("乙公司")]),
    ));
}

#[test]
fn duplicate_id_fires_at_each_later_occurrence_naming_the_first() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            approved("C001", "甲公司"),
            approved("C001", "乙公司"),
            approved("C001", "丙公司"),
        ]),
    );
    assert_eq!(
        run.cells(),
        [
            ("C3".to_string(), "duplicate-id".to_string()),
            ("C4".to_string(), "duplicate-id".to_string())
        ]
    );
    for f in run.of("duplicate-id") {
        assert!(f["message"].as_str().unwrap().contains("a.xlsx!C2"), "{f}");
    }
}

#[test]
fn duplicate_id_quiet_for_a_rejected_repeat() {
    let dir = tmp();
    let rejected = approved("C001", "乙公司").set("review_status", "已驳回");
    let run = check(
        dir.path(),
        &Book::new().entries([approved("C001", "甲公司"), rejected]),
    );
    assert!(run.of("duplicate-id").is_empty());
    assert_eq!(
        run.cells(),
        [("C3".to_string(), "id-before-approval".to_string())]
    );
}

#[test]
fn duplicate_customer_warns_at_the_later_name_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("上海明远机械有限公司"),
            entry("上海 明远机械（集团）"),
        ]),
    );
    assert_eq!(
        run.cells(),
        [("D3".to_string(), "duplicate-customer".to_string())]
    );
    let f = &run.of("duplicate-customer")[0];
    assert!(f["message"].as_str().unwrap().contains("a.xlsx!D2"), "{f}");
}

#[test]
fn duplicate_customer_quiet_for_different_or_rejected_names() {
    let dir = tmp();
    let rejected = entry("上海明远机械有限公司")
        .set("review_status", "已驳回")
        .set("reviewer", "李娜")
        .set("review_date", Cell::Date(2026, 11, 29));
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("上海明远机械有限公司"),
            entry("上海明远电气有限公司"),
            rejected,
        ]),
    );
    assert_clean(&run);
}

// ---------------------------------------------------------------- references

#[test]
fn unknown_customer_fires_at_the_update_id_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([
                approved("C001", "甲公司"),
                entry("乙公司").set("customer_id", "C002"),
            ])
            .updates([update("C009"), update("C002")]),
    );
    assert_eq!(run.cells_of("unknown-customer"), ["C2", "C3"]);
    assert_eq!(run.of("unknown-customer")[0]["sheet"], "客户信息更新表");
}

#[test]
fn unknown_customer_quiet_for_an_approved_customer() {
    let dir = tmp();
    assert_clean(&check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司")])
            .updates([update("C001")]),
    ));
}

#[test]
fn id_name_mismatch_warns_at_the_update_name_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "上海明远机械有限公司")])
            .updates([update("C001").set("customer_name", "华东电气有限公司")]),
    );
    assert_eq!(
        run.cells(),
        [("D2".to_string(), "id-name-mismatch".to_string())]
    );
    assert_eq!(
        run.of("id-name-mismatch")[0]["hint"],
        "上海明远机械有限公司"
    );
}

#[test]
fn id_name_mismatch_quiet_for_the_same_name_written_differently() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "上海明远机械有限公司")])
            .updates([update("C001").set("customer_name", " 上海明远机械 ")]),
    );
    assert_clean(&run);
}

#[test]
fn empty_update_fires_at_the_id_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司")])
            .updates([update("C001").unset("contact")]),
    );
    assert_eq!(
        run.cells(),
        [("C2".to_string(), "empty-update".to_string())]
    );
}

#[test]
fn empty_update_quiet_when_any_change_field_is_filled() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司")])
            .updates([update("C001")
                .unset("contact")
                .set("latest_interaction", "电话沟通续约")]),
    );
    assert_clean(&run);
}

#[test]
fn empty_update_quiet_for_a_rejected_update() {
    // Merge drops a rejected update whatever it holds (#14).
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", "甲公司")])
            .updates([update("C001")
                .unset("contact")
                .set("review_status", "已驳回")
                .set("reviewer", "李娜")
                .set("review_date", Cell::Date(2026, 11, 30))]),
    );
    assert_clean(&run);
}

// ---------------------------------------------------------------- reviews

#[test]
fn overdue_review_fires_from_day_two_at_the_status_cell() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new()
            .entries([entry("甲公司").set("entry_date", Cell::Date(2026, 11, 28))])
            .updates([update("C001").set("update_date", Cell::Date(2026, 11, 28))]),
    );
    assert_eq!(run.cells_of("overdue-review"), ["L2", "M2"]);
}

#[test]
fn overdue_review_quiet_within_the_day_and_without_a_valid_date() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("entry_date", Cell::Date(2026, 11, 29)),
            entry("乙公司").set("entry_date", Cell::DateTime(2026, 11, 29, 1, 0, 0)),
            entry("丙公司").set("entry_date", "上周"),
        ]),
    );
    assert!(run.of("overdue-review").is_empty(), "{:#}", run.json);
    assert_eq!(
        run.cells(),
        [("A4".to_string(), "invalid-date".to_string())]
    );
}

#[test]
fn stale_customer_warns_at_the_entry_status_cell() {
    let dir = tmp();
    let old = approved_long_ago("C001", "甲公司");
    let run = check(dir.path(), &Book::new().entries([old]));
    assert_eq!(
        run.cells(),
        [("K2".to_string(), "stale-customer".to_string())]
    );
}

#[test]
fn stale_customer_quiet_after_a_recent_update_or_when_not_active() {
    let dir = tmp();
    let old = approved_long_ago;
    let dormant = old("C002", "乙公司").set("customer_status", "休眠");
    let run = check(
        dir.path(),
        &Book::new()
            .entries([old("C001", "甲公司"), dormant])
            .updates([update("C001")]),
    );
    assert_clean(&run);
}

#[test]
fn stale_customer_quiet_when_the_last_update_has_a_bad_date() {
    let dir = tmp();
    let old = approved_long_ago("C001", "甲公司");
    // The update is a contact whose date cannot be read: its own finding says
    // so, and when the customer was last contacted is not known.
    let undated = update("C001").set("update_date", "11/30/2026");
    let run = check(dir.path(), &Book::new().entries([old]).updates([undated]));
    assert_eq!(
        run.cells(),
        [("A2".to_string(), "invalid-date".to_string())]
    );
}

// ---------------------------------------------------------------- privacy

#[test]
fn pii_fires_and_is_masked_everywhere() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([entry("甲公司")
            .set("contact", "王经理 13812345678")
            .set("interaction", "电话13812345678联系，邮箱 wang@example.com")
            .set("needs", "身份证 11010519491231002X")]),
    );
    assert_eq!(run.cells_of("pii"), ["F2", "I2", "J2"]);
    let values: Vec<_> = run.of("pii").iter().map(|f| f["value"].clone()).collect();
    assert_eq!(
        values,
        [
            "王经理 138****5678",
            "电话138****5678联系,邮箱 w***@example.com",
            "身份证 110***********002X"
        ]
    );
    let all = run.json.to_string();
    for secret in ["13812345678", "wang@example.com", "11010519491231002X"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn pii_quiet_for_order_numbers_and_addresses() {
    let dir = tmp();
    let run = check(
        dir.path(),
        &Book::new().entries([
            entry("甲公司").set("interaction", "订单号12345678901234567890，报价 1500000 元")
        ]),
    );
    assert_clean(&run);
}

// ---------------------------------------------------------------- languages

#[test]
fn an_english_workbook_is_checked_in_english_headers() {
    let dir = tmp();
    let book = Book::in_lang(Lang::En).entries([entry("Acme Ltd")
        .set("industry", "Manufactur")
        .set("review_status", "Pending")]);
    let run = check(dir.path(), &book);
    assert_eq!(run.cells_of("invalid-enum"), ["E2"]);
    let f = &run.of("invalid-enum")[0];
    assert_eq!(f["sheet"], "Customer Entry");
    assert_eq!(f["column"], "Industry");
    assert_eq!(f["hint"], "Manufacturing");
}

#[test]
fn private_details_never_leak_through_other_rules() {
    let dir = tmp();
    let name = "甲公司 13812345678";
    let run = check(
        dir.path(),
        &Book::new()
            .entries([approved("C001", name), entry(name)])
            .updates([update("C001").set("customer_name", "乙公司 wang@example.com")]),
    );
    assert_eq!(run.cells_of("duplicate-customer"), ["D3"]);
    assert_eq!(run.cells_of("id-name-mismatch"), ["D2"]);
    let all = run.json.to_string();
    for secret in ["13812345678", "wang@example.com"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn file_level_findings_come_before_row_findings() {
    let dir = tmp();
    let mut book = Book::new().entries([entry("甲公司").set("industry", "制造")]);
    book.update = None;
    book.meta_version = Some("0.9.0".into());
    let run = check(dir.path(), &book);
    let rules: Vec<String> = run.cells().into_iter().map(|(_, r)| r).collect();
    assert_eq!(rules, ["template-version", "missing-sheet", "invalid-enum"]);
}
