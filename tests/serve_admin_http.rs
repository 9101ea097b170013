//! The admin pages over HTTP (DESK.md §3 at a glance, review, inbox,
//! dashboard; §4; §5), in-process through the router: refusals without a
//! session, form token or same origin; inbox statuses and merges; decisions;
//! the dashboard's charts and tables.

#[path = "support/http.rs"]
mod http;
mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use crmsheet::lang::Lang;
use crmsheet::serve::{app, Config, Desk, Files, Limits};
use crmsheet::template::{SheetKind, Template};
use crmsheet::value::parse_as_of;
use http::{get, send, HOST, ORIGIN, TOKEN};
use std::path::{Path, PathBuf};
use support::admin::{change_log, entries, register_from, week, week_with_error};
use support::{entry, Book, AS_OF};

fn desk(register: Option<&Path>, inbox: Option<&Path>, reviewer: Option<&str>) -> Router {
    app(Desk::with_files(
        Config {
            template: Template::builtin(),
            lang: Lang::Zh,
            admin_token: TOKEN.into(),
            limits: Limits::default(),
            as_of: Some(parse_as_of(AS_OF).unwrap()),
        },
        Files {
            register: register.map(Path::to_path_buf),
            inbox: inbox.map(Path::to_path_buf),
            reviewer: reviewer.map(str::to_string),
        },
    ))
}

fn form_post(path: &str, origin: Option<&str>, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut r = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        r = r.header(header::ORIGIN, origin);
    }
    if let Some(cookie) = cookie {
        r = r.header(header::COOKIE, cookie);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Signs in with the token; the session cookie (plus `extra` cookies).
async fn sign_in(app: &Router, extra: &str) -> String {
    let answer = send(app, get(&format!("/?token={TOKEN}"), None)).await;
    let cookie = answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("crmsheet_session="))
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    if extra.is_empty() {
        cookie
    } else {
        format!("{cookie}; {extra}")
    }
}

/// The form token a page carries.
fn form_token(page: &str) -> String {
    let mark = "name=\"form_token\" value=\"";
    let at = page.find(mark).expect("form token") + mark.len();
    page[at..at + 64].to_string()
}

/// The values of a review page's row checkboxes (`entry:4|fingerprint`).
fn row_values(page: &str) -> Vec<String> {
    page.match_indices("name=\"row\" value=\"")
        .map(|(at, m)| {
            let rest = &page[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn row_of<'a>(values: &'a [String], key: &str) -> &'a str {
    values
        .iter()
        .find(|v| v.starts_with(&format!("{key}|")))
        .unwrap_or_else(|| panic!("{key} in {values:?}"))
}

fn inbox_dir(dir: &Path) -> PathBuf {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    inbox
}

#[tokio::test]
async fn admin_routes_show_the_sign_in_page_and_no_data_without_a_session() {
    let dir = support::tmp();
    let register = register_from(dir.path(), &[("week.xlsx", week())]);
    let inbox = inbox_dir(dir.path());
    Book::new()
        .entries([entry("收件公司")])
        .write(&inbox, "a.xlsx");
    let app = desk(Some(&register), Some(&inbox), None);
    let before = std::fs::read(&register).unwrap();
    for path in [
        "/",
        "/review",
        "/inbox",
        "/register",
        "/register/download",
        "/inbox/report?file=a.xlsx",
        "/inbox/copy?file=a.xlsx",
    ] {
        let answer = send(&app, get(path, None)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        let text = answer.text();
        assert!(text.contains("name=\"token\""), "{path}: {text}");
        for secret in ["星河贸易", "明远机械", "收件公司", "<svg", "C0001"] {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
        assert!(answer.headers.get(header::CONTENT_DISPOSITION).is_none());
    }
    // Posts without a session change nothing.
    for (path, body) in [
        ("/review", "action=approve&row=entry%3A4".to_string()),
        ("/inbox/merge", "file=a.xlsx".to_string()),
    ] {
        let answer = send(&app, form_post(path, Some(ORIGIN), None, &body)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(std::fs::read(&register).unwrap(), before);
}

#[tokio::test]
async fn admin_posts_without_the_form_token_or_from_another_origin_are_refused() {
    let dir = support::tmp();
    let register = register_from(dir.path(), &[("week.xlsx", week())]);
    let inbox = inbox_dir(dir.path());
    Book::new()
        .entries([entry("收件公司")])
        .write(&inbox, "a.xlsx");
    let app = desk(Some(&register), Some(&inbox), Some("李娜"));
    let cookie = sign_in(&app, "").await;
    let page = send(&app, get("/review", Some(&cookie))).await.text();
    let token = form_token(&page);
    let row = enc(row_of(&row_values(&page), "entry:4"));
    let before = std::fs::read(&register).unwrap();
    let review = format!("action=approve&row={row}");
    let merge = "file=a.xlsx".to_string();
    for (path, body) in [("/review", &review), ("/inbox/merge", &merge)] {
        let cases = [
            (Some(ORIGIN), body.clone()),
            (
                Some(ORIGIN),
                format!("{body}&form_token={}", "0".repeat(64)),
            ),
            (
                Some("http://evil.example"),
                format!("{body}&form_token={token}"),
            ),
            (None, format!("{body}&form_token={token}")),
        ];
        for (origin, body) in cases {
            let answer = send(&app, form_post(path, origin, Some(&cookie), &body)).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{path} {origin:?} {body}"
            );
            assert_eq!(std::fs::read(&register).unwrap(), before, "{path}");
        }
    }
    // The same post with the token and origin does it.
    let answer = send(
        &app,
        form_post(
            "/review",
            Some(ORIGIN),
            Some(&cookie),
            &format!("{review}&form_token={token}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_ne!(std::fs::read(&register).unwrap(), before);
}

#[tokio::test]
async fn without_a_register_the_admin_pages_offer_the_self_check_only() {
    let app = desk(None, None, None);
    let cookie = sign_in(&app, "crmsheet_lang=en").await;
    for path in ["/", "/review", "/inbox", "/register"] {
        let answer = send(&app, get(path, Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let text = answer.text();
        assert!(text.contains("self-check only"), "{path}: {text}");
        assert!(text.contains("--register"), "{path}");
    }
}

#[tokio::test]
async fn the_inbox_tells_new_faulty_and_merged_files_apart_and_merges() {
    let dir = support::tmp();
    let merged = Book::new().entries([entry("已合并公司")]);
    let register = register_from(
        dir.path(),
        &[("week.xlsx", week()), ("old.xlsx", merged.clone())],
    );
    let inbox = inbox_dir(dir.path());
    Book::new()
        .entries([entry("新客户甲"), entry("<b>新客户乙</b>")])
        .write(&inbox, "clean.xlsx");
    Book::new()
        .entries([entry("错误公司").set("industry", "制造")])
        .write(&inbox, "faulty.xlsx");
    merged.write(&inbox, "merged.xlsx");
    std::fs::write(inbox.join("notes.txt"), "not a workbook").unwrap();
    std::fs::create_dir(inbox.join("folder.xlsx")).unwrap();
    let app = desk(Some(&register), Some(&inbox), None);
    let cookie = sign_in(&app, "crmsheet_lang=en").await;

    let page = send(&app, get("/inbox", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    let status_of = |text: &str, name: &str| {
        let at = text
            .find(&format!("{name}<br>"))
            .unwrap_or_else(|| panic!("{name}: {text}"));
        let row_start = text[..at].rfind("data-status=\"").unwrap() + 13;
        text[row_start..row_start + text[row_start..].find('"').unwrap()].to_string()
    };
    assert_eq!(status_of(&text, "clean.xlsx"), "to merge");
    assert_eq!(
        status_of(&text, "faulty.xlsx"),
        "has errors, cannot be merged"
    );
    assert_eq!(status_of(&text, "merged.xlsx"), "already in the register");
    assert!(!text.contains("notes.txt") && !text.contains("folder.xlsx"));
    assert!(text.contains("/inbox/report?file=clean.xlsx"));
    // The report and the annotated copy of the faulty file.
    let report = send(&app, get("/inbox/report?file=faulty.xlsx", Some(&cookie))).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text().contains("invalid-enum"), "{}", report.text());
    let copy = send(&app, get("/inbox/copy?file=faulty.xlsx", Some(&cookie))).await;
    assert_eq!(copy.status, StatusCode::OK);
    assert!(copy.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(copy.body.starts_with(b"PK"));
    // A name not in the listing is not read.
    let outside = send(
        &app,
        get("/inbox/report?file=..%2Fregister.xlsx", Some(&cookie)),
    )
    .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);

    // Merge all files without errors: the clean one only.
    let inbox_before: Vec<Vec<u8>> = ["clean.xlsx", "faulty.xlsx", "merged.xlsx"]
        .iter()
        .map(|n| std::fs::read(inbox.join(n)).unwrap())
        .collect();
    let token = form_token(&text);
    let answer = send(
        &app,
        form_post(
            "/inbox/merge",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let text = answer.text();
    assert!(text.contains("id=\"merged\""), "{text}");
    assert!(text.contains("register.xlsx"), "{text}");
    let server_dir = dir.path().display().to_string();
    assert!(
        !text.contains(&server_dir),
        "the page names no server folder: {text}"
    );
    assert!(text.contains("&lt;b&gt;新客户乙&lt;/b&gt;") || !text.contains("<b>新客户乙"));
    assert_eq!(status_of(&text, "clean.xlsx"), "already in the register");
    let names: Vec<String> = entries(&register).into_iter().map(|e| e.1).collect();
    assert!(names.contains(&"新客户甲".to_string()), "{names:?}");
    assert!(!names.contains(&"错误公司".to_string()));
    assert!(register.with_extension("xlsx.bak").exists());
    let after: Vec<Vec<u8>> = ["clean.xlsx", "faulty.xlsx", "merged.xlsx"]
        .iter()
        .map(|n| std::fs::read(inbox.join(n)).unwrap())
        .collect();
    assert_eq!(after, inbox_before, "inbox files are only read");

    // The faulty file asked for by name: refused, nothing written.
    let before = std::fs::read(&register).unwrap();
    let answer = send(
        &app,
        form_post(
            "/inbox/merge",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}&file=faulty.xlsx"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.text().contains("refused"), "{}", answer.text());
    assert_eq!(std::fs::read(&register).unwrap(), before);
}

#[tokio::test]
async fn an_inbox_file_is_checked_again_only_when_it_changed_on_disk() {
    let dir = support::tmp();
    let register = register_from(dir.path(), &[("week.xlsx", week())]);
    let inbox = inbox_dir(dir.path());
    // Two versions of one file, the same length: a bad industry, then a good one.
    let faulty = Book::new().entries([entry("新客户丙").set("industry", "制造")]);
    let fixed = Book::new().entries([entry("新客户丙").set("industry", "教育")]);
    let path = faulty.write_csv(SheetKind::Entry, &inbox, "week.csv");
    let fixed_bytes =
        std::fs::read(fixed.write_csv(SheetKind::Entry, dir.path(), "fixed.csv")).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        fixed_bytes.len() as u64
    );
    let app = desk(Some(&register), Some(&inbox), None);
    let cookie = sign_in(&app, "crmsheet_lang=en").await;
    let status = |text: &str| {
        let at = text
            .find("week.csv<br>")
            .unwrap_or_else(|| panic!("{text}"));
        let start = text[..at].rfind("data-status=\"").unwrap() + 13;
        text[start..start + text[start..].find('"').unwrap()].to_string()
    };
    let page = send(&app, get("/inbox", Some(&cookie))).await.text();
    assert_eq!(status(&page), "has errors, cannot be merged");

    // The same size and time: the row is the one checked before (no reading).
    let saved = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, &fixed_bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(saved)
        .unwrap();
    let page = send(&app, get("/inbox", Some(&cookie))).await.text();
    assert_eq!(status(&page), "has errors, cannot be merged");

    // Saved again (a new time): checked again.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(saved + std::time::Duration::from_secs(60))
        .unwrap();
    let page = send(&app, get("/inbox", Some(&cookie))).await.text();
    assert_eq!(status(&page), "to merge");
}

#[tokio::test]
async fn approve_and_reject_through_the_review_page() {
    let dir = support::tmp();
    let register = week_with_error(dir.path());
    let app = desk(Some(&register), None, None);
    let cookie = sign_in(&app, "crmsheet_lang=en").await;
    let page = send(&app, get("/review", Some(&cookie))).await.text();
    let token = form_token(&page);
    let values = row_values(&page);
    assert_eq!(values.len(), 4, "{values:?}");
    // Every approve button is disabled while the register has an error.
    assert!(!page.contains("name=\"approve_one\""), "{page}");
    assert!(page.contains("Cannot be approved"));
    // No reviewer yet, no reason: refused, nothing written.
    let before = std::fs::read(&register).unwrap();
    let bad = enc(row_of(&values, "entry:6"));
    let answer = send(
        &app,
        form_post(
            "/review",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}&action=reject&row={bad}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.text().contains("needs a reason") && answer.text().contains("Enter the reviewer")
    );
    assert_eq!(std::fs::read(&register).unwrap(), before);

    // Reject the faulty row with a reason, entering the reviewer's name.
    let answer = send(
        &app,
        form_post(
            "/review",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}&action=reject&row={bad}&reason=%E8%A1%8C%E4%B8%9A%E6%9C%AA%E5%A1%AB%E5%AF%B9&reviewer=%E7%8E%8B%E8%8A%B3"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let page = answer.text();
    assert!(page.contains("id=\"decided\""), "{page}");
    assert!(page.contains("王芳"), "the name is kept for the session");
    assert!(!entries(&register).iter().any(|e| e.1 == "坏行业公司"));
    let log = change_log(&register);
    assert!(
        log.iter().any(|r| r.iter().any(|c| c == "行业未填对")),
        "{log:?}"
    );

    // Approve two rows at once: both get IDs, in the page and the log.
    let values = row_values(&page);
    let token = form_token(&page);
    let a = enc(row_of(&values, "entry:4"));
    let b = enc(row_of(&values, "entry:5"));
    let stale_a = a.clone();
    let answer = send(
        &app,
        form_post(
            "/review",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}&action=approve&row={a}&row={b}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let page = answer.text();
    assert!(page.contains("C003") && page.contains("C004"), "{page}");
    let rows = entries(&register);
    assert!(
        rows.iter().any(|e| e.0 == "C003" && e.1 == "星河贸易"),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|e| e.0 == "C004" && e.1 == "青山化工"),
        "{rows:?}"
    );
    let log = change_log(&register);
    assert!(log
        .iter()
        .any(|r| r.iter().any(|c| c == "C004") && r.iter().any(|c| c == "王芳")));

    // A second admin deciding the same row from an old page: told it changed.
    let before = std::fs::read(&register).unwrap();
    let answer = send(
        &app,
        form_post(
            "/review",
            Some(ORIGIN),
            Some(&cookie),
            &format!("form_token={token}&action=approve&row={stale_a}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text());
    assert!(answer.text().contains("id=\"refused\""));
    assert_eq!(std::fs::read(&register).unwrap(), before);
}

#[tokio::test]
async fn two_admins_on_the_same_row_one_is_applied() {
    let dir = support::tmp();
    let register = register_from(dir.path(), &[("week.xlsx", week())]);
    let app = desk(Some(&register), None, Some("李娜"));
    let first = sign_in(&app, "").await;
    let second = sign_in(&app, "").await;
    let page1 = send(&app, get("/review", Some(&first))).await.text();
    let page2 = send(&app, get("/review", Some(&second))).await.text();
    let row1 = enc(row_of(&row_values(&page1), "entry:4"));
    let row2 = enc(row_of(&row_values(&page2), "entry:4"));
    let post = |cookie: String, token: String, row: String, body: &'static str| {
        let app = app.clone();
        async move {
            send(
                &app,
                form_post(
                    "/review",
                    Some(ORIGIN),
                    Some(&cookie),
                    &format!("form_token={token}&row={row}&{body}"),
                ),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(
        post(first, form_token(&page1), row1, "action=approve"),
        post(second, form_token(&page2), row2, "action=reject&reason=dup")
    );
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let log = change_log(&register);
    let decided = log
        .iter()
        .filter(|r| r.iter().any(|c| c == "dup") || r.iter().any(|c| c == "C003"))
        .count();
    assert!(decided >= 1, "{log:?}");
    assert!(
        !(log.iter().any(|r| r.iter().any(|c| c == "dup"))
            && entries(&register).iter().any(|e| e.0 == "C003"))
    );
}

#[tokio::test]
async fn the_dashboard_draws_the_summary_tables_and_offers_the_register() {
    let dir = support::tmp();
    let register = register_from(dir.path(), &[("week.xlsx", week())]);
    let app = desk(Some(&register), None, None);
    let cookie = sign_in(&app, "crmsheet_lang=en").await;
    let page = send(&app, get("/register", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert_eq!(text.matches("<svg").count(), 4, "{text}");
    assert!(
        text.contains("Customers by industry") && text.contains("Pending reviews per salesperson")
    );
    assert!(text.contains("<th scope=\"row\">张伟</th>"), "{text}");
    assert!(text.contains("<script") == text.contains("/assets/desk.js"));
    // The stale customer (no contact since August).
    assert!(text.contains("id=\"stale\""), "{text}");
    let download = send(&app, get("/register/download", Some(&cookie))).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(download.body, std::fs::read(&register).unwrap());
    // At a glance: two customers, three pending rows, the stale one.
    let home = send(&app, get("/", Some(&cookie))).await.text();
    assert!(home.contains("id=\"count-customers\">2<"), "{home}");
    assert!(home.contains("id=\"count-pending\">3<"), "{home}");
    assert!(home.contains("id=\"count-stale\">1<"), "{home}");
}
