//! The admin's day in a real browser (DESK.md §3, §6): the desk started as a
//! user starts it (`crmsheet serve --register --inbox`), signed in through the
//! URL it prints; rows rejected and approved on the review page, an inbox file
//! merged, the dashboard's charts. Each step saves a screenshot under
//! `target/screenshots/` for a person to look at.

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{browser, fetch_as, screenshot, start_driver};
use fantoccini::{Client, Locator};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::admin::{change_log, entries, week_with_error};
use support::{entry, Book};

/// `crmsheet serve` of this test, stopped when dropped.
struct Served {
    child: Child,
    /// The line it printed: the address with the admin token.
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, register: &Path, inbox: &Path) -> Served {
    let port = browser::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crmsheet"))
        .current_dir(dir)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--register",
        ])
        .arg(register)
        .arg("--inbox")
        .arg(inbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("crmsheet serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{port}/?token=")),
        "{url}"
    );
    Served { child, url }
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_in(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admins_day_review_merge_and_dashboard() {
    let dir = support::tmp();
    let register = week_with_error(dir.path());
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    Book::new()
        .entries([
            entry("东方物流").set("salesperson", "陈晨"),
            entry("南方建材"),
        ])
        .write(&inbox, "陈晨-第48周.xlsx");
    let served = serve(dir.path(), &register, &inbox);
    let base = served.url.split("/?").next().unwrap().to_string();
    let driver = start_driver();
    let client = browser(&driver, true).await;

    // Signed in by the printed address; the token leaves the address bar.
    client.goto(&served.url).await.unwrap();
    let pending = text_of(&client, "#count-pending").await;
    assert_eq!(pending, "4", "three entries and an update");
    assert!(!client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("token"));
    screenshot(&client, "desk-home.png").await;

    // The faulty row blocks every approval: reject it with a reason.
    client.goto(&format!("{base}/review")).await.unwrap();
    let why = text_of(&client, "#why-entry\\:6").await;
    assert!(why.contains("industry") || why.contains("行业"), "{why}");
    // Enter in the reviewer field keeps the name and decides nothing.
    let before = std::fs::read(&register).unwrap();
    type_in(&client, "#reviewer", "王芳\n").await;
    assert_eq!(text_of(&client, "#reviewer-name").await, "王芳");
    assert!(!text_of(&client, "#refused").await.is_empty());
    assert_eq!(std::fs::read(&register).unwrap(), before);
    click(&client, "input[name=row][value^='entry:6|']").await;
    type_in(&client, "#reason", "行业类别不在列表中").await;
    click(&client, "#reject-selected").await;
    let done = text_of(&client, "#decided").await;
    assert!(done.contains("坏行业公司"), "{done}");

    // Enter in the reason field decides nothing, though the rows now have
    // their own approve buttons (the first would be Enter's default).
    assert!(client
        .find(Locator::Css("button[name=approve_one]"))
        .await
        .is_ok());
    let before = std::fs::read(&register).unwrap();
    type_in(&client, "#reason", "回车\n").await;
    assert!(!text_of(&client, "#refused").await.is_empty());
    assert_eq!(std::fs::read(&register).unwrap(), before);

    // Two rows approved at once: their new IDs on the page.
    click(&client, "input[name=row][value^='entry:4|']").await;
    click(&client, "input[name=row][value^='entry:5|']").await;
    click(&client, "#approve-selected").await;
    let done = text_of(&client, "#decided").await;
    assert!(done.contains("C003") && done.contains("C004"), "{done}");
    assert_eq!(text_of(&client, "#reviewer-name").await, "王芳");
    screenshot(&client, "desk-review.png").await;

    // ... and in the change log of the register downloaded from the desk.
    let session = client
        .get_named_cookie("crmsheet_session")
        .await
        .expect("session cookie");
    let cookie = format!("crmsheet_session={}", session.value());
    let bytes = fetch_as(&base, "/register/download", Some(&cookie));
    let copy = dir.path().join("downloaded.xlsx");
    std::fs::write(&copy, bytes).unwrap();
    let log = change_log(&copy);
    for id in ["C003", "C004"] {
        assert!(
            log.iter()
                .any(|r| r.iter().any(|c| c == id) && r.iter().any(|c| c == "王芳")),
            "{id} in {log:?}"
        );
    }
    assert!(log
        .iter()
        .any(|r| r.iter().any(|c| c == "行业类别不在列表中")));
    // LibreOffice opens the downloaded register: saved by it as ods, the IDs
    // and who decided them are still in its change log.
    let lo = dir.path().join("libreoffice");
    std::fs::create_dir(&lo).unwrap();
    let ods = support::soffice_convert(&copy, "ods", &lo).expect("LibreOffice converts it");
    let log = change_log(&ods);
    for id in ["C003", "C004"] {
        assert!(
            log.iter()
                .any(|r| r.iter().any(|c| c == id) && r.iter().any(|c| c == "王芳")),
            "{id} in the LibreOffice copy: {log:?}"
        );
    }

    // The inbox file, merged.
    client.goto(&format!("{base}/inbox")).await.unwrap();
    let status = text_of(&client, "tr.inbox-file .badge").await;
    assert_eq!(status, "待合并");
    click(&client, "tr.inbox-file form button").await;
    let merged = text_of(&client, "#merged").await;
    assert!(!merged.is_empty());
    assert_eq!(text_of(&client, "tr.inbox-file .badge").await, "已在总表中");
    screenshot(&client, "desk-inbox.png").await;
    let names: Vec<String> = entries(&register).into_iter().map(|e| e.1).collect();
    assert!(names.contains(&"东方物流".to_string()), "{names:?}");

    // The dashboard: four charts, each with its table.
    client.goto(&format!("{base}/register")).await.unwrap();
    text_of(&client, "section.chart").await;
    let charts = client
        .find_all(Locator::Css("section.chart svg"))
        .await
        .unwrap();
    assert_eq!(charts.len(), 4);
    let tables = client
        .find_all(Locator::Css("section.chart table"))
        .await
        .unwrap();
    assert_eq!(tables.len(), 4);
    screenshot(&client, "desk-register.png").await;
    client
        .execute(
            "document.querySelectorAll('section.chart')[1].scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "desk-register-charts.png").await;

    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        text_of(&client, "#count-pending").await,
        "3",
        "the update and the merged entries"
    );
    client.close().await.unwrap();
}
