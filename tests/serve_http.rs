//! The desk over HTTP: every route, in-process through the router (and a few
//! over a real loopback socket with the built binary), as a browser or a
//! script would use it.

#[path = "support/http.rs"]
mod http;
mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use crmsheet::lang::Lang;
use crmsheet::serve::{app, Config, Desk, Limits};
use crmsheet::template::{SheetKind, Template};
use crmsheet::value::parse_as_of;
use http::{get, send, Answer, HOST, ORIGIN, TOKEN};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use support::{entry, update, Book, AS_OF};

const XSS: &str = "<img src=x onerror=alert(1)>";
const PHONE: &str = "13812345678";

fn desk_with(limits: Limits) -> Router {
    app(Desk::new(Config {
        template: Template::builtin(),
        lang: Lang::Zh,
        admin_token: TOKEN.into(),
        limits,
        as_of: Some(parse_as_of(AS_OF).unwrap()),
    }))
}

fn desk() -> Router {
    desk_with(Limits::default())
}

/// A workbook with a clean row, a bad list value, a script as a customer name
/// next to a phone number, and an update of an unknown customer.
fn book() -> Book {
    Book::new()
        .entries([
            entry("甲公司"),
            entry("乙公司").set("industry", "制造"),
            entry(XSS).set("interaction", format!("电话{PHONE}").as_str()),
        ])
        .updates([update("C999").set("update_date", "明天")])
}

/// A multipart body: (name, file name, bytes) per part.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----crmsheet-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        write!(body, "--{boundary}\r\n").unwrap();
        match file {
            Some(file) => write!(
                body,
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ),
            None => write!(body, "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        }
        .unwrap();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn post(
    path: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Request<Body> {
    let (kind, body) = multipart(parts);
    let mut r = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, kind)
        .header(header::CONTENT_LENGTH, body.len());
    if let Some(origin) = origin {
        r = r.header(header::ORIGIN, origin);
    }
    if let Some(cookie) = cookie {
        r = r.header(header::COOKIE, cookie);
    }
    r.body(Body::from(body)).unwrap()
}

/// The form's token and the cookie that goes with it, as a browser gets them.
async fn form_token(app: &Router) -> (String, String) {
    let form = send(app, get("/check", None)).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = form.cookie("crmsheet_form").expect("form cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let token = pair.split_once('=').unwrap().1.to_string();
    assert!(form.text().contains(&format!("value=\"{token}\"")));
    (token, pair)
}

/// Posts files to /check as the form does.
async fn check(app: &Router, files: &[(&str, &[u8])]) -> Answer {
    let (token, cookie) = form_token(app).await;
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("form_token", None, token.as_bytes())];
    parts.extend(
        files
            .iter()
            .map(|(name, data)| ("file", Some(*name), *data)),
    );
    send(app, post("/check", Some(ORIGIN), Some(&cookie), &parts)).await
}

fn findings(json: &Value) -> Value {
    json["findings"].clone()
}

async fn api(app: &Router, files: &[(&str, &[u8])]) -> Answer {
    let parts: Vec<(&str, Option<&str>, &[u8])> = files
        .iter()
        .map(|(name, data)| ("file", Some(*name), *data))
        .collect();
    send(
        app,
        post(&format!("/api/validate?as_of={AS_OF}"), None, None, &parts),
    )
    .await
}

#[tokio::test]
async fn api_findings_equal_the_clis_for_xlsx_ods_xls_and_gbk_csv() {
    let dir = support::tmp();
    let xlsx = book().write(dir.path(), "team.xlsx");
    let mut files = vec![xlsx.clone()];
    for to in ["ods", "xls"] {
        if let Some(converted) = support::soffice_convert(&xlsx, to, dir.path()) {
            files.push(converted);
        }
    }
    let utf8 = book().write_csv(SheetKind::Entry, dir.path(), "entry-utf8.csv");
    let text = std::fs::read_to_string(&utf8).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let gbk_path = dir.path().join("entry-gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    files.push(gbk_path);

    let app = desk();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let bytes = std::fs::read(file).unwrap();
        let answer = api(&app, &[(name, &bytes)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.text());
        assert_eq!(answer.headers[header::CONTENT_TYPE], "application/json");
        let desk: Value = serde_json::from_slice(&answer.body).unwrap();
        let cli = support::validate(dir.path(), &[name]);
        assert_eq!(findings(&desk), findings(&cli.json), "{name}");
        assert_eq!(desk["summary"], cli.json["summary"], "{name}");
        assert!(
            !findings(&desk).as_array().unwrap().is_empty(),
            "{name} has findings"
        );
    }
    // Several files are checked together, as `validate A B` would.
    let a = std::fs::read(&files[0]).unwrap();
    let b = std::fs::read(files.last().unwrap()).unwrap();
    let together = api(&app, &[("team.xlsx", &a), ("entry-gbk.csv", &b)]).await;
    let desk: Value = serde_json::from_slice(&together.body).unwrap();
    let cli = support::validate(dir.path(), &["team.xlsx", "entry-gbk.csv"]);
    assert_eq!(findings(&desk), findings(&cli.json));
    // lang=en gives English messages.
    let parts = [("file", Some("team.xlsx"), a.as_slice())];
    let en = send(
        &app,
        post(
            &format!("/api/validate?as_of={AS_OF}&lang=en"),
            None,
            None,
            &parts,
        ),
    )
    .await;
    let en: Value = serde_json::from_slice(&en.body).unwrap();
    let cli_en = support::validate(dir.path(), &["team.xlsx", "--lang", "en"]);
    assert_eq!(findings(&en), findings(&cli_en.json));
}

#[tokio::test]
async fn api_refuses_what_it_cannot_check() {
    let app = desk();
    let bad_date = send(
        &app,
        post(
            "/api/validate?as_of=someday",
            None,
            None,
            &[("file", Some("a.csv"), b"x")],
        ),
    )
    .await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    let none = send(
        &app,
        post("/api/validate", None, None, &[("other", None, b"x")]),
    )
    .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    let foreign = send(
        &app,
        post(
            "/api/validate",
            Some("http://evil.example"),
            None,
            &[("file", Some("a.csv"), b"x")],
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let small = desk_with(Limits {
        file: 1000,
        ..Limits::default()
    });
    let big = vec![b'a'; 5000];
    let over = send(
        &small,
        post(
            "/api/validate",
            None,
            None,
            &[("file", Some("big.csv"), &big)],
        ),
    )
    .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(over.text().contains("big.csv"), "{}", over.text());
    // An unreadable file is a file-unreadable finding, as on the command line.
    let empty = api(&app, &[("empty.xlsx", b"")]).await;
    assert_eq!(empty.status, StatusCode::OK);
    let json: Value = serde_json::from_slice(&empty.body).unwrap();
    assert_eq!(json["findings"][0]["rule"], "file-unreadable");
    assert_eq!(json["files"][0]["readable"], false);
}

#[tokio::test]
async fn self_check_shows_findings_grid_and_a_copy_that_validates() {
    let dir = support::tmp();
    let path = book().write(dir.path(), "team.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    let app = desk();
    let answer = check(&app, &[("team.xlsx", &bytes)]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let page = answer.text();
    assert!(page.contains("需要修改"), "verdict");
    assert!(
        page.contains("共检查 1 个文件、4 行：3 个错误"),
        "counts: {page}"
    );
    // Findings grouped by sheet, each with cell, field, message and hint.
    assert!(page.contains("<h3>客户信息录入表</h3>") && page.contains("<h3>客户信息更新表</h3>"));
    assert!(page.contains(">E3<") && page.contains("data-rule=\"invalid-enum\""));
    assert!(page.contains("制造业"), "the hint");
    assert!(page.contains(">A2<") && page.contains("data-rule=\"invalid-date\""));
    // No register among the files: the updates' IDs are a note, not an error.
    assert!(!page.contains("data-rule=\"unknown-customer\""));
    assert!(page.contains(
        "<p class=\"note ids-unchecked\">客户信息更新表的客户ID（从 C2 起）在这里无法核对"
    ));
    // The rows with findings as a grid: problem cells coloured, focusable, with
    // their message and a link to the finding.
    assert!(page.contains("<table class=\"grid\">"));
    assert!(page.contains("class=\"marked error\" tabindex=\"0\""));
    assert!(page.contains("aria-describedby=\"f0-"));
    assert!(page.contains("data-tip=\"错误: "));
    // The script in a cell is text, and the phone number appears only masked.
    assert!(!page.contains(XSS));
    assert!(
        page.contains("&#60;img src=x onerror=alert(1)&#62;")
            || page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "escaped XSS"
    );
    assert!(!page.contains(PHONE));
    assert!(page.contains("138****5678"));
    // The annotated copy: a link, the xlsx, which validates with the same findings.
    let link = page
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.starts_with("/download/"))
        .expect("download link")
        .to_string();
    assert!(link.len() > "/download/".len() + 32, "unguessable: {link}");
    let copy = send(&app, get(&link, None)).await;
    assert_eq!(copy.status, StatusCode::OK);
    assert!(copy.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let out = dir.path().join("copy.xlsx");
    std::fs::write(&out, &copy.body).unwrap();
    let original = support::validate(dir.path(), &["team.xlsx"]);
    let copied = support::validate(dir.path(), &["copy.xlsx"]);
    let cells = |json: &Value| -> Vec<(Value, Value)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["cell"].clone(), f["rule"].clone()))
            .collect()
    };
    assert_eq!(cells(&copied.json), cells(&original.json));
    // A wrong or forgotten link is a page saying so.
    let gone = send(&app, get("/download/0000/0", None)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text().contains("15 分钟"));
}

#[tokio::test]
async fn several_files_are_checked_together_and_a_clean_one_passes() {
    let dir = support::tmp();
    let a = std::fs::read(
        Book::new()
            .entries([support::approved("C001", "甲公司")])
            .write(dir.path(), "a.xlsx"),
    )
    .unwrap();
    let b = std::fs::read(
        Book::new()
            .updates([update("C001")])
            .write(dir.path(), "b.xlsx"),
    )
    .unwrap();
    let app = desk();
    let page = check(&app, &[("a.xlsx", &a), ("b.xlsx", &b)]).await.text();
    assert!(page.contains("可以提交"), "{page}");
    assert!(page.contains("<h2>a.xlsx</h2>") && page.contains("<h2>b.xlsx</h2>"));
    // b alone names a customer only the register knows: the page cannot check
    // the ID (the self-check never reads the register), so it says so in a
    // note and b can be sent; validate b alone calls it an error.
    let alone = check(&app, &[("b.xlsx", &b)]).await.text();
    assert!(alone.contains("可以提交"), "{alone}");
    assert!(!alone.contains("data-rule=\"unknown-customer\""));
    assert!(alone.contains("class=\"note ids-unchecked\""));
    let cli = support::validate(dir.path(), &["b.xlsx"]);
    assert_eq!(cli.json["findings"][0]["rule"], "unknown-customer");
}

#[tokio::test]
async fn unreadable_uploads_get_the_clis_message() {
    let app = desk();
    let encrypted =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encrypted.xlsx"))
            .unwrap();
    let mut random = vec![0u8; 4096];
    let mut seed = 0x2545_f491_u32;
    for b in &mut random {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        *b = seed as u8;
    }
    let cases: [(&str, &[u8], &str); 3] = [
        ("empty.xlsx", b"", "0"),
        ("secret.xlsx", &encrypted, "密码"),
        ("noise.xlsx", &random, ""),
    ];
    for (name, data, says) in cases {
        let answer = check(&app, &[(name, data)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        let page = answer.text();
        assert!(page.contains("有文件无法读取"), "{name}: {page}");
        assert!(page.contains("class=\"alert unreadable\""), "{name}");
        assert!(page.contains(says), "{name}");
        assert!(
            !page.contains("/download/"),
            "{name}: no copy of an unreadable file"
        );
    }
}

#[tokio::test]
async fn state_changing_posts_need_the_form_token_and_the_same_origin() {
    let app = desk();
    let (token, cookie) = form_token(&app).await;
    let file: &[u8] = b"x";
    let cases: [(Option<&str>, Option<&str>, Option<&str>); 5] = [
        (Some(ORIGIN), Some(&cookie), None), // no form token
        (Some(ORIGIN), Some(&cookie), Some("0".repeat(64).leak())), // a wrong one
        (Some(ORIGIN), None, Some(token.as_str())), // no cookie to match
        (
            Some("http://evil.example"),
            Some(&cookie),
            Some(token.as_str()),
        ), // another site
        (None, Some(&cookie), Some(token.as_str())), // no origin at all
    ];
    for (origin, cookie, token) in cases {
        let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some("a.csv"), file)];
        if let Some(token) = token {
            parts.insert(0, ("form_token", None, token.as_bytes()));
        }
        let answer = send(&app, post("/check", origin, cookie, &parts)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{origin:?} {token:?}");
        assert!(answer.text().contains("请求被拒绝"));
        assert!(!answer.text().contains("/download/"));
    }
    // A Referer of the desk stands for a missing Origin.
    let request = {
        let (kind, body) = multipart(&[
            ("form_token", None, token.as_bytes()),
            ("file", Some("a.csv"), file),
        ]);
        Request::post("/check")
            .header(header::HOST, HOST)
            .header(header::REFERER, format!("{ORIGIN}/check"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
    // A post without files is the form again, saying so.
    let empty = send(
        &app,
        post(
            "/check",
            Some(ORIGIN),
            Some(&cookie),
            &[("form_token", None, token.as_bytes())],
        ),
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.text().contains("请先选择至少一个文件"));
}

#[tokio::test]
async fn uploads_over_the_limits_get_a_413_page() {
    let app = desk_with(Limits {
        file: 10_000,
        request: 30_000,
        ..Limits::default()
    });
    let big = vec![b'a'; 20_000];
    let file = check(&app, &[("big.xlsx", &big)]).await;
    assert_eq!(file.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        file.text().contains("「big.xlsx」超过了每个文件"),
        "{}",
        file.text()
    );
    let parts: [(&str, &[u8]); 4] = [
        ("a.csv", &big[..9000]),
        ("b.csv", &big[..9000]),
        ("c.csv", &big[..9000]),
        ("d.csv", &big[..9000]),
    ];
    let all = check(&app, &parts).await;
    assert_eq!(all.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(all.text().contains("合计超过了"), "{}", all.text());
}

#[tokio::test]
async fn the_admin_token_is_exchanged_for_a_session_cookie() {
    let app = desk();
    // Without a session: the sign-in page, never the desk's data.
    let anon = send(&app, get("/", None)).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(anon.text().contains("管理员登录"));
    let wrong = send(&app, get("/?token=nope", None)).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.cookie("crmsheet_session").is_none());
    // The token: a session cookie, and the token leaves the address bar.
    let ok = send(&app, get(&format!("/?token={TOKEN}"), None)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/");
    let cookie = ok.cookie("crmsheet_session").expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let home = send(&app, get("/", Some(&session))).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("已登录为管理员"));
    // Signing out needs the session's form token and the same origin.
    let page = home.text();
    let token = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let logout = |origin: &'static str, token: String| {
        Request::post("/logout")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("form_token={token}")))
            .unwrap()
    };
    assert_eq!(
        send(&app, logout("http://evil.example", token.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, logout(ORIGIN, "0".repeat(64))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, get("/", Some(&session))).await.status,
        StatusCode::OK,
        "still signed in"
    );
    assert_eq!(
        send(&app, logout(ORIGIN, token)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&app, get("/", Some(&session))).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The sign-in form: the token posted from the desk's own page.
    let (form, form_cookie) = {
        let page = send(&app, get("/", None)).await;
        let cookie = page.cookie("crmsheet_form").unwrap();
        let pair = cookie.split(';').next().unwrap().to_string();
        (pair.split_once('=').unwrap().1.to_string(), pair)
    };
    let login = |token: &str, form: &str, origin: &str| {
        Request::post("/login")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, &form_cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}&form_token={form}")))
            .unwrap()
    };
    assert_eq!(
        send(&app, login(TOKEN, &form, "http://evil.example"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, login(TOKEN, "bad", ORIGIN)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, login("wrong", &form, ORIGIN)).await.status,
        StatusCode::FORBIDDEN
    );
    let signed = send(&app, login(TOKEN, &form, ORIGIN)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert!(signed.cookie("crmsheet_session").is_some());
}

#[tokio::test]
async fn the_language_switch_is_remembered_and_goes_back_only_to_the_desk() {
    let app = desk();
    let zh = send(&app, get("/check", None)).await.text();
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("提交前自查"));
    assert!(zh.contains("href=\"/lang/en?back=/check\""));
    let switch = send(&app, get("/lang/en?back=/check", None)).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers[header::LOCATION], "/check");
    let cookie = switch.cookie("crmsheet_lang").unwrap();
    assert!(cookie.starts_with("crmsheet_lang=en;"));
    let en = send(&app, get("/check", Some("crmsheet_lang=en")))
        .await
        .text();
    assert!(en.contains("lang=\"en\"") && en.contains("Check before you send"));
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let answer = send(&app, get(&format!("/lang/zh?back={evil}"), None)).await;
        assert_eq!(answer.headers[header::LOCATION], "/check", "{evil}");
    }
    assert_eq!(
        send(&app, get("/lang/fr", None)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assets_are_served_by_the_desk_and_unknown_paths_get_a_page() {
    let app = desk();
    let css = send(&app, get("/assets/desk.css", None)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let js = send(&app, get("/assets/desk.js", None)).await;
    assert!(js.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(!js.text().contains("http"), "no outside script");
    let page = send(&app, get("/check", None)).await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(
        !page.text().contains("https://"),
        "no CDN, font or outside script"
    );
    let missing = send(&app, get("/nowhere", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("找不到页面"));
}

// Over a real socket, with the built binary.

struct Running {
    child: std::process::Child,
    base: String,
    token: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Running {
    start_with(dir, &[], None)
}

/// [`start`] with more options and, when given, `PATH` set to `path`.
fn start_with(dir: &Path, more: &[&str], path: Option<&Path>) -> Running {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_crmsheet"));
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(more)
        .current_dir(dir)
        .env_remove("CRMSHEET_SCHEMA")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the desk");
    let mut line = String::new();
    let mut out = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0] as char);
    }
    let (base, token) = line
        .split_once("/?token=")
        .unwrap_or_else(|| panic!("URL line: {line:?}"));
    Running {
        child,
        base: base.to_string(),
        token: token.to_string(),
    }
}

/// One HTTP/1.1 exchange over a fresh connection: the status and the whole answer.
fn raw(base: &str, request: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn over_a_socket_the_token_signs_in_and_an_oversize_upload_gets_its_page() {
    let dir = support::tmp();
    let desk = start(dir.path());
    assert_eq!(desk.token.len(), 64, "a 256-bit token");
    let host = desk.base.trim_start_matches("http://").to_string();
    let (status, answer) = raw(
        &desk.base,
        format!(
            "GET /?token={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
            desk.token
        )
        .as_bytes(),
    );
    assert_eq!(status, 303, "{answer}");
    assert!(answer
        .to_ascii_lowercase()
        .contains("set-cookie: crmsheet_session="));
    // 51 MiB: the page says why, instead of a dropped connection.
    let (kind, body) = multipart(&[("file", Some("huge.xlsx"), &vec![b'x'; 51 << 20])]);
    let mut request = format!(
        "POST /check HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let (status, answer) = raw(&desk.base, &request);
    assert_eq!(status, 413);
    assert!(answer.contains("「huge.xlsx」超过了每个文件 50 MiB 的上限"));
}

#[test]
fn serve_refuses_a_public_address_without_a_token_file_and_logs_no_values() {
    let dir = support::tmp();
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_crmsheet"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--token-file"));
    // A token file too short to be a secret is refused too.
    let short = dir.path().join("token");
    std::fs::write(&short, "abc\n").unwrap();
    let too_short = std::process::Command::new(env!("CARGO_BIN_EXE_crmsheet"))
        .args(["serve", "--listen", "0.0.0.0:0", "--token-file"])
        .arg(&short)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(too_short.status.code(), Some(2));

    // The log: one line a request, without values, queries or tokens.
    let mut desk = start(dir.path());
    let host = desk.base.trim_start_matches("http://").to_string();
    let csv = std::fs::read(book().write_csv(SheetKind::Entry, dir.path(), "a.csv")).unwrap();
    let (kind, body) = multipart(&[("file", Some("a.csv"), &csv)]);
    let mut request = format!(
        "POST /api/validate?as_of={AS_OF} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let (status, answer) = raw(&desk.base, &request);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("138****5678") && !answer.contains(PHONE));
    raw(
        &desk.base,
        format!(
            "GET /?token={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
            desk.token
        )
        .as_bytes(),
    );
    let _ = desk.child.kill();
    let _ = desk.child.wait();
    let mut log = String::new();
    desk.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("POST /api/validate 200 "), "{log}");
    assert!(lines[1].starts_with("GET / 303 "), "{log}");
    assert!(
        !log.contains(PHONE)
            && !log.contains("138****")
            && !log.contains(&desk.token)
            && !log.contains("甲公司")
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_desk_cleanly() {
    let dir = support::tmp();
    let mut desk = start(dir.path());
    let host = desk.base.trim_start_matches("http://").to_string();
    let (status, _) = raw(
        &desk.base,
        format!("GET /check HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!(status, 200);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &desk.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(exit) = desk.child.try_wait().unwrap() {
            assert_eq!(exit.code(), Some(0), "a clean stop");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the desk did not stop on Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn open_hands_the_address_to_the_browser_or_says_it_cannot() {
    use std::os::unix::fs::PermissionsExt;
    let dir = support::tmp();
    let get_check = |desk: &Running| {
        let host = desk.base.trim_start_matches("http://").to_string();
        raw(
            &desk.base,
            format!("GET /check HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .0
    };
    // A browser opener that writes down the address it was given.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opened = dir.path().join("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut desk = start_with(dir.path(), &["--open"], Some(&bin));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !opened.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let address = std::fs::read_to_string(&opened).expect("the opener was called");
    assert_eq!(
        address.trim(),
        format!("{}/?token={}", desk.base, desk.token)
    );
    assert_eq!(get_check(&desk), 200);
    let _ = desk.child.kill();
    let _ = desk.child.wait();

    // No opener at all: one line saying so, and the desk serves on.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let mut desk = start_with(dir.path(), &["--open", "--lang", "en"], Some(&empty));
    assert_eq!(get_check(&desk), 200);
    let _ = desk.child.kill();
    let mut stderr = String::new();
    desk.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = desk.child.wait();
    assert!(
        stderr.contains("crmsheet: cannot open a browser; copy the address above into one"),
        "{stderr}"
    );
}
