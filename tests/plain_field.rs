//! Adding a plain field takes the template definition and nothing else: a team
//! adds its customers' websites (required on the entry sheet, changed by an
//! update), and generate, validate and merge handle the new column with no
//! code of their own.

mod support;

use crmsheet::template::SheetKind;
use std::path::Path;
use support::*;

const WEBSITE: &str = r#"[[sheets.entry.fields]]
key = "website"
zh = "公司网站"
en = "Website"
type = "text"
required = true
prompt_zh = "公司网站的地址。"
prompt_en = "The company's website."
example_zh = "www.example.com"
example_en = "www.example.com"

"#;

const NEW_WEBSITE: &str = r#"[[sheets.update.fields]]
key = "new_website"
zh = "新网站"
en = "New website"
type = "text"
required = false
applies_to = "website"
prompt_zh = "新的网站地址（无变化请留空）。"
prompt_en = "The new website (empty if unchanged)."
example_zh = "www.example.cn"
example_en = "www.example.cn"

"#;

/// The built-in definition with the two fields added, as `team.toml` in `dir`.
fn team_template(dir: &Path) -> &'static str {
    let before_entry = "[[sheets.entry.fields]]\nkey = \"interaction\"";
    let before_update = "[[sheets.update.fields]]\nkey = \"needs\"";
    let builtin = crmsheet::template::BUILTIN;
    assert_eq!(builtin.matches(before_entry).count(), 1);
    assert_eq!(builtin.matches(before_update).count(), 1);
    let text = builtin
        .replacen(before_entry, &format!("{WEBSITE}{before_entry}"), 1)
        .replacen(before_update, &format!("{NEW_WEBSITE}{before_update}"), 1);
    std::fs::write(dir.join("team.toml"), text).unwrap();
    "team.toml"
}

/// `book` with the website columns (after the built-in ones).
fn with_websites(mut book: Book) -> Book {
    book.sheet_mut(SheetKind::Entry)
        .headers
        .push("公司网站*".into());
    book.sheet_mut(SheetKind::Update)
        .headers
        .push("新网站".into());
    book
}

/// The column letter of the last header of a sheet of `book` (the website).
fn last_column(book: &Book, kind: SheetKind) -> String {
    let sheet = match kind {
        SheetKind::Entry => book.entry.as_ref(),
        SheetKind::Update => book.update.as_ref(),
    };
    crmsheet::read::a1(1, sheet.unwrap().headers.len() as u32 - 1).replace('1', "")
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = crmsheet(dir)
        .args(["--schema", "team.toml"])
        .args(args)
        .args(["--as-of", AS_OF])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

#[test]
fn generate_writes_the_new_columns_with_their_prompts() {
    let dir = tmp();
    let schema = team_template(dir.path());
    crmsheet(dir.path())
        .args(["--schema", schema, "generate", "-o", "team.xlsx"])
        .assert()
        .success();
    let path = dir.path().join("team.xlsx");
    let entry = sheet_text(&path, "客户信息录入表");
    let update = sheet_text(&path, "客户信息更新表");
    assert!(
        entry[0].contains(&"公司网站*".to_string()),
        "{:?}",
        entry[0]
    );
    assert!(update[0].contains(&"新网站".to_string()), "{:?}", update[0]);
    // The instructions list the field with its prompt.
    let help = sheet_text(&path, "填写说明");
    assert!(
        help.iter()
            .flatten()
            .any(|c| c.contains("公司网站的地址。")),
        "{help:?}"
    );
}

#[test]
fn validate_requires_the_new_field_and_is_quiet_when_it_is_filled() {
    let dir = tmp();
    let schema = team_template(dir.path());
    let book = with_websites(Book::new()).entries([
        entry("甲公司").set("公司网站*", "www.jia.com"),
        entry("乙公司"),
    ]);
    book.write(dir.path(), "a.xlsx");
    let column = last_column(&book, SheetKind::Entry);
    let run = validate(dir.path(), &["a.xlsx", "--schema", schema]);
    assert_eq!(
        run.cells(),
        [(format!("{column}3"), "missing-required".to_string())]
    );

    let filled = with_websites(Book::new()).entries([
        entry("甲公司").set("公司网站*", "www.jia.com"),
        entry("乙公司").set("公司网站*", "www.yi.com"),
    ]);
    filled.write(dir.path(), "b.xlsx");
    let run = validate(dir.path(), &["b.xlsx", "--schema", schema]);
    assert!(run.findings().is_empty(), "{:?}", run.findings());
}

#[test]
fn merge_applies_an_approved_update_to_the_new_field_and_logs_it() {
    let dir = tmp();
    team_template(dir.path());
    let master = with_websites(Book::new())
        .entries([approved("C001", "甲公司").set("公司网站*", "www.jia.com")]);
    master.write(dir.path(), "master.xlsx");
    with_websites(Book::new())
        .updates([update("C001")
            .set("新网站", "www.jia.cn")
            .set("review_status", "已通过")
            .set("reviewer", "李娜")
            .set("review_date", Cell::Date(2026, 11, 30))])
        .write(dir.path(), "team.xlsx");
    let (code, stderr) = run(
        dir.path(),
        &[
            "merge",
            "team.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "register.xlsx",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let register = dir.path().join("register.xlsx");
    let entries = sheet_text(&register, "客户信息录入表");
    let col = entries[0].iter().position(|h| h == "公司网站*").unwrap();
    let c001 = entries.iter().find(|r| r.contains(&"C001".into())).unwrap();
    assert_eq!(c001[col], "www.jia.cn");
    let log = sheet_text(&register, "操作日志");
    assert!(
        log.iter().any(|r| r.contains(&"公司网站".into())
            && r.contains(&"www.jia.com".into())
            && r.contains(&"www.jia.cn".into())),
        "{log:?}"
    );
}
