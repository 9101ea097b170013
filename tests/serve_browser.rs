//! The desk in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; `.ci/run` installs them). A
//! missing chromedriver fails these tests: they are never skipped.
//!
//! Each test saves screenshots under `target/screenshots/`; a person looks at
//! them before the desk's issues are called done.

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{browser, fetch, screenshot, screenshots, start_driver, text_of};
use crmsheet::lang::Lang;
use crmsheet::serve::{Config, Desk, Limits};
use crmsheet::template::Template;
use crmsheet::value::parse_as_of;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::{entry, update, Book, AS_OF};

/// The desk on a loopback port of this test; stops with the runtime.
async fn start_desk() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let desk = Desk::new(Config {
        template: Template::builtin(),
        lang: Lang::Zh,
        admin_token: "browser-test-token-0123456789".into(),
        limits: Limits::default(),
        as_of: Some(parse_as_of(AS_OF).unwrap()),
    });
    tokio::spawn(crmsheet::serve::serve(
        listener,
        desk,
        std::future::pending(),
    ));
    base
}

/// A register with a clean row, a bad list value, a script as a customer
/// name beside a phone number, and an update with a bad date (of a customer
/// the self-check cannot know: it never reads the register).
fn book() -> Book {
    Book::new()
        .entries([
            entry("甲公司"),
            entry("乙公司").set("industry", "制造"),
            entry("<img src=x onerror=\"window.__xss=1;alert(1)\">")
                .set("interaction", "电话13812345678"),
        ])
        .updates([update("C999").set("update_date", "明天")])
}

/// [`book`] as its salesperson fixes it after reading the findings: the
/// industry chosen from the list, the phone number gone, the script replaced
/// by the company's name, the update of an unknown customer removed.
fn fixed_book() -> Book {
    Book::new().entries([
        entry("甲公司"),
        entry("乙公司").set("industry", "制造业"),
        entry("丙公司").set("interaction", "约下周面谈"),
    ])
}

/// Uploads `file` and returns the page's one-line verdict.
async fn verdict_of(client: &Client, base: &str, file: &Path) -> String {
    upload(client, base, file).await;
    text_of(client, Locator::Id("verdict")).await
}

/// Chooses the file in the form and sends it, then waits for the result.
async fn upload(client: &Client, base: &str, file: &Path) {
    client.goto(&format!("{base}/check")).await.unwrap();
    let input = client.find(Locator::Id("file")).await.unwrap();
    input.send_keys(&file.display().to_string()).await.unwrap();
    client
        .find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("verdict"))
        .await
        .expect("the result page");
}

/// The texts of the findings' rules and cells, as the page lists them.
async fn listed(client: &Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for row in client.find_all(Locator::Css("tr.finding")).await.unwrap() {
        let rule = row.attr("data-rule").await.unwrap().unwrap_or_default();
        let cell = row
            .find(Locator::Css("td.cell-ref"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        out.push((rule, cell));
    }
    out
}

/// Downloads the annotated copy the page links to and validates it: the same
/// problems at the same cells as the upload.
async fn download_and_validate(client: &Client, base: &str, dir: &Path) {
    let link = client.find(Locator::Css("a.download")).await.unwrap();
    let href = link.attr("href").await.unwrap().expect("download link");
    let copy = fetch(base, &href);
    assert!(copy.starts_with(b"PK"), "an xlsx file");
    std::fs::write(dir.join("copy.xlsx"), copy).unwrap();
    let original = support::validate(dir, &["team.xlsx"]);
    let copied = support::validate(dir, &["copy.xlsx"]);
    let cells = |json: &Value| -> Vec<(Value, Value)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["cell"].clone(), f["rule"].clone()))
            .collect()
    };
    assert_eq!(cells(&copied.json), cells(&original.json));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_read_findings_download_the_copy_and_switch_language() {
    let dir = support::tmp();
    let file = book().write(dir.path(), "team.xlsx");
    let base = start_desk().await;
    let driver = start_driver();
    let client = browser(&driver, true).await;

    client.goto(&format!("{base}/check")).await.unwrap();
    assert!(
        client.find(Locator::Css("html.js")).await.is_ok(),
        "the script runs"
    );
    screenshot(&client, "check-form-zh.png").await;
    upload(&client, &base, &file).await;

    let verdict = text_of(&client, Locator::Id("verdict")).await;
    assert!(verdict.contains("需要修改"), "{verdict}");
    let counts = text_of(&client, Locator::Id("counts")).await;
    assert!(counts.contains("3 个错误"), "{counts}");
    let findings = listed(&client).await;
    assert!(
        findings.contains(&("invalid-enum".into(), "E3".into())),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("pii".into(), "I4".into())),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("invalid-date".into(), "A2".into())),
        "{findings:?}"
    );
    // The ID cannot be checked without the register: a note, not an error.
    assert!(!findings.iter().any(|(rule, _)| rule == "unknown-customer"));
    let note = text_of(&client, Locator::Css(".ids-unchecked")).await;
    assert!(
        note.contains("客户信息更新表的客户ID（从 C2 起）在这里无法核对"),
        "{note}"
    );
    let body = text_of(&client, Locator::Css("body")).await;
    assert!(!body.contains("13812345678") && body.contains("138****5678"));
    // The script in the cell is text: it shows, and it never ran.
    assert!(body.contains("<img src=x onerror="));
    assert_eq!(
        client
            .execute("return window.__xss === undefined", vec![])
            .await
            .unwrap(),
        json!(true)
    );
    assert!(client.get_alert_text().await.is_err(), "no alert is open");
    // A problem cell shows its message on keyboard focus.
    let tip = client
        .execute(
            "const c = document.querySelector('td.marked.error'); c.focus(); \
             return [document.activeElement === c, getComputedStyle(c, '::after').content];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(tip[0], json!(true));
    assert!(tip[1].as_str().unwrap().contains("错误"), "{tip}");
    screenshot(&client, "check-result-zh.png").await;
    // The README's picture of the desk.
    std::fs::copy(
        screenshots().join("check-result-zh.png"),
        screenshots().join("desk-self-check.png"),
    )
    .unwrap();
    download_and_validate(&client, &base, dir.path()).await;

    // English, remembered by the browser.
    client
        .find(Locator::Id("lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .unwrap();
    client.goto(&format!("{base}/check")).await.unwrap();
    let title = text_of(&client, Locator::Css("h1")).await;
    assert_eq!(title, "Check before you send");
    upload(&client, &base, &file).await;
    let verdict = text_of(&client, Locator::Id("verdict")).await;
    assert!(verdict.starts_with("Must be fixed"), "{verdict}");
    let message = text_of(&client, Locator::Css("tr.finding td.message")).await;
    assert!(
        message.contains("is not an option"),
        "English messages: {message}"
    );
    screenshot(&client, "check-result-en.png").await;
    // Fixed as the findings said, checked again: it passes.
    let fixed = fixed_book().write(dir.path(), "team-fixed.xlsx");
    let verdict = verdict_of(&client, &base, &fixed).await;
    assert!(verdict.starts_with("Ready to send"), "{verdict}");
    assert!(listed(&client)
        .await
        .iter()
        .all(|(_, cell)| cell.is_empty()));
    screenshot(&client, "check-fixed-en.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_check_works_with_javascript_off() {
    let dir = support::tmp();
    let file = book().write(dir.path(), "team.xlsx");
    let base = start_desk().await;
    let driver = start_driver();
    let client = browser(&driver, false).await;

    client.goto(&format!("{base}/check")).await.unwrap();
    assert!(
        client.find(Locator::Css("html.js")).await.is_err(),
        "no script ran"
    );
    upload(&client, &base, &file).await;
    let findings = listed(&client).await;
    assert!(
        findings.contains(&("invalid-enum".into(), "E3".into())),
        "{findings:?}"
    );
    let marked = client
        .find_all(Locator::Css("td.marked.error[tabindex='0'][data-tip]"))
        .await
        .unwrap();
    assert!(!marked.is_empty(), "coloured, focusable cells");
    screenshot(&client, "check-result-nojs.png").await;
    download_and_validate(&client, &base, dir.path()).await;
    // "Check another file" leads back to the form.
    client
        .find(Locator::Id("another"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("check-form"))
        .await
        .unwrap();
    // Fixed as the findings said, checked again (in Chinese): it passes.
    let fixed = fixed_book().write(dir.path(), "team-fixed.xlsx");
    let verdict = verdict_of(&client, &base, &fixed).await;
    assert!(verdict.starts_with("可以提交"), "{verdict}");
    screenshot(&client, "check-fixed-zh.png").await;
    client.close().await.unwrap();
}
