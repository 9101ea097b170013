//! `/inbox`: the workbooks staff saved in the inbox folder, each checked
//! together with the register, and merged into the register
//! through [`crate::merge::merge`] (the code `crmsheet merge` runs). Inbox
//! files are only ever read.
//!
//! "Already in the register" is computed, not remembered (merging is
//! idempotent): a file is in the register when every entry row of it is a
//! row the register already holds (the report's `seen_again`) and it has no
//! update rows. A file with update rows is offered for merging again: merge
//! applies only the updates the change log does not hold yet.
//!
//! A file's row is checked again only when the file or the register changed
//! on disk (size or time), in another language, or an hour later (overdue
//! reviews and stale customers move with the clock); the at-a-glance page and
//! every merge list the inbox too, and each check reads the whole register.

use super::admin::{blocking, no_register, on_page, post_ok, Admin};
use super::check::forbidden;
use super::engine::{self, Upload};
use super::i18n;
use super::pages::{html, result_page, Chrome, CopyLink};
use super::Desk;
use crate::lang::Lang;
use crate::merge::{self, value, MergeOutcome};
use crate::read::{read_file, Row, RowSink, SheetLayout, Source};
use crate::rules::{Code, Severity};
use crate::template::{SheetKind, Template};
use crate::write::output::file_state;
use askama::Template as _;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Extensions of the files the inbox lists.
const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"];

#[derive(askama::Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub c: Chrome,
    pub form_token: String,
    pub no_inbox: bool,
    pub files: Vec<FileView>,
    pub done: Vec<String>,
    pub refused: Vec<String>,
}

/// One inbox file as the page shows it.
#[derive(Debug, Clone)]
pub struct FileView {
    pub name: String,
    /// The name in a query string.
    pub link: String,
    pub saved: String,
    pub salespeople: String,
    pub entries: u64,
    pub seen_again: String,
    pub updates: u64,
    pub errors: usize,
    pub warnings: usize,
    pub status: Status,
    pub status_text: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    Merged,
    Errors,
    Unreadable,
}

impl Status {
    pub fn class(&self) -> &'static str {
        match self {
            Status::New => "warn",
            Status::Merged => "ok",
            Status::Errors | Status::Unreadable => "fix",
        }
    }
}

/// The inbox's workbooks: regular files with a spreadsheet or CSV
/// extension, by name (links, folders and lock files are not listed).
pub fn listing(inbox: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(inbox) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            !name.starts_with("~$")
                && !name.starts_with(".~lock")
                && EXTENSIONS.contains(&ext.as_str())
        })
        .collect();
    files.sort();
    files
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The salespeople named in a file's rows.
struct People<'t> {
    template: &'t Template,
    names: BTreeSet<String>,
}

impl RowSink for People<'_> {
    fn sheet(&mut self, _layout: &SheetLayout) {}
    fn row(&mut self, layout: &SheetLayout, row: Row) {
        let def = self.template.sheet(layout.kind);
        let fields = def.keys.clone();
        let cells = value::type_row(self.template, def, &row);
        if let (Some(v), Some(f)) = (
            value::val(&cells, fields.salesperson),
            def.fields.get(fields.salesperson),
        ) {
            if self.names.len() < 20 {
                self.names.insert(v.display(self.template, f, layout.lang));
            }
        }
    }
}

/// What an inbox file's row depends on besides the template.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RowKey {
    file: Option<(u64, SystemTime)>,
    register: Option<(u64, SystemTime)>,
    lang: Lang,
    /// The hour of the check's "now".
    hour: i64,
}

/// The inbox files' rows as last checked, by path.
#[derive(Default)]
pub struct Checked(Mutex<HashMap<PathBuf, (RowKey, FileView)>>);

/// Every inbox file checked with the register (blocking); a file whose row
/// is [still current](RowKey) is not checked again.
pub fn files(desk: &Desk, lang: Lang) -> Vec<FileView> {
    let (Some(inbox), Some(register)) = (&desk.0.files.inbox, &desk.0.files.register) else {
        return Vec::new();
    };
    let paths = listing(inbox);
    let hour = desk
        .options(lang)
        .as_of
        .at
        .and_utc()
        .timestamp()
        .div_euclid(3600);
    let register_state = file_state(register);
    let key_of = |path: &Path| RowKey {
        file: file_state(path),
        register: register_state,
        lang,
        hour,
    };
    let cached: Vec<Option<FileView>> = {
        let held = desk
            .0
            .inbox_rows
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        paths
            .iter()
            .map(|p| match held.get(p) {
                Some((key, view)) if *key == key_of(p) => Some(view.clone()),
                _ => None,
            })
            .collect()
    };
    let views: Vec<(RowKey, FileView)> = paths
        .iter()
        .zip(cached)
        .map(|(path, cached)| {
            // The key is taken before the check: a file saved during it is
            // checked again next time.
            let key = key_of(path);
            let view = cached.unwrap_or_else(|| check_file(desk, lang, path, register));
            (key, view)
        })
        .collect();
    let mut held = desk
        .0
        .inbox_rows
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    held.retain(|p, _| paths.contains(p));
    for (path, (key, view)) in paths.iter().zip(&views) {
        held.insert(path.clone(), (key.clone(), view.clone()));
    }
    views.into_iter().map(|(_, view)| view).collect()
}

/// One inbox file checked with the register (blocking).
fn check_file(desk: &Desk, lang: Lang, path: &Path, register: &Path) -> FileView {
    let template = &desk.0.template;
    let a = i18n::admin(lang);
    let has_register = register.is_file();
    let mut sources = Vec::new();
    if has_register {
        sources.push(Source::path(register));
    }
    sources.push(Source::path(path));
    let index = sources.len() - 1;
    let report = crate::check::validate(template, desk.options(lang), &sources, None).report;
    let file = &report.files[index];
    let rows = |kind| {
        file.sheets
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.rows)
            .sum::<u64>()
    };
    let (entries, updates) = (rows(SheetKind::Entry), rows(SheetKind::Update));
    let findings: Vec<_> = report.findings_for(index).collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let status = if !file.readable || findings.iter().any(|f| f.rule == Code::FileUnreadable) {
        Status::Unreadable
    } else if errors > 0 {
        Status::Errors
    } else if file.seen_again >= entries && updates == 0 {
        Status::Merged
    } else {
        Status::New
    };
    let mut people = People {
        template,
        names: BTreeSet::new(),
    };
    if file.readable {
        let _ = read_file(path, template, &mut people);
    }
    let saved = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| {
            chrono::DateTime::<chrono::Local>::from(t)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let name = name_of(path);
    FileView {
        link: super::percent_encode(&name),
        name,
        saved,
        salespeople: crate::privacy::mask(&people.names.into_iter().collect::<Vec<_>>().join("、"))
            .into_owned(),
        entries: entries.saturating_sub(file.seen_again),
        seen_again: if file.seen_again > 0 {
            i18n::seen_again(lang, file.seen_again)
        } else {
            String::new()
        },
        updates,
        errors,
        warnings,
        status,
        status_text: match status {
            Status::New => a.status_new,
            Status::Merged => a.status_merged,
            Status::Errors => a.status_errors,
            Status::Unreadable => a.status_unreadable,
        },
    }
}

fn failed(desk: &Desk, lang: Lang) -> Response {
    desk.message(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        |t| t.failed_title,
        i18n::text(lang).failed_body.into(),
    )
}

fn page_of(desk: &Desk, lang: Lang, form_token: String) -> InboxPage {
    InboxPage {
        c: Chrome::new(lang, "/inbox"),
        form_token,
        no_inbox: desk.0.files.inbox.is_none(),
        files: files(desk, lang),
        done: Vec::new(),
        refused: Vec::new(),
    }
}

/// `GET /inbox`.
pub async fn page(State(desk): State<Desk>, headers: HeaderMap, Admin(session): Admin) -> Response {
    if desk.0.files.register.is_none() {
        return no_register(&desk, &headers);
    }
    let lang = desk.lang(&headers);
    let d = desk.clone();
    match blocking(move || page_of(&d, lang, session.form_token)).await {
        Some(page) => html(&page, StatusCode::OK),
        None => failed(&desk, lang),
    }
}

#[derive(Deserialize)]
pub struct MergeForm {
    form_token: Option<String>,
    /// One file's name; absent: every file without errors.
    file: Option<String>,
}

/// `POST /inbox/merge`: one file, or every file without errors (that is not
/// already in the register), merged into the register.
pub async fn merge(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Admin(session): Admin,
    Form(form): Form<MergeForm>,
) -> Response {
    if !post_ok(&headers, &session, form.form_token.as_deref()) {
        return forbidden(&desk, &headers);
    }
    let (Some(register), Some(_)) = (desk.0.files.register.clone(), &desk.0.files.inbox) else {
        return no_register(&desk, &headers);
    };
    let lang = desk.lang(&headers);
    let d = desk.clone();
    let result = blocking(move || {
        let a = i18n::admin(lang);
        let views = files(&d, lang);
        // Files are named by what the listing holds, never used as a path.
        let inbox = d.0.files.inbox.clone().unwrap_or_default();
        let inputs: Vec<PathBuf> = views
            .iter()
            .filter(|f| match &form.file {
                Some(name) => &f.name == name,
                None => f.status == Status::New,
            })
            .map(|f| inbox.join(&f.name))
            .collect();
        let mut page = page_of(&d, lang, session.form_token.clone());
        if inputs.is_empty() {
            page.refused = vec![a.nothing_to_merge.into()];
            return (StatusCode::BAD_REQUEST, page);
        }
        let master = register.is_file().then_some(register.as_path());
        let options = merge::Options {
            master,
            inputs: &inputs,
            out: &register,
            force: true,
            as_of: d.options(lang).as_of,
            lang,
        };
        let status = match merge::merge(&d.0.template, &options) {
            Ok(MergeOutcome::Merged(m)) => {
                page.done = crate::messages::merge_done(&m, lang);
                StatusCode::OK
            }
            Ok(MergeOutcome::Refused(report)) => {
                let mut lines = vec![a.merge_refused.to_string()];
                lines.extend(
                    report
                        .findings
                        .iter()
                        .filter(|f| f.severity == Severity::Error)
                        .take(20)
                        .map(|f| {
                            let at = report
                                .files
                                .get(f.file_index)
                                .map(|file| name_of(Path::new(&file.path)))
                                .unwrap_or_default();
                            let cell = f.cell.clone().unwrap_or_default();
                            format!("{at} {cell} {}", f.message)
                        }),
                );
                page.refused = lines;
                StatusCode::CONFLICT
            }
            Err(e) => {
                page.refused = vec![crate::messages::error_line(&e, lang)];
                StatusCode::CONFLICT
            }
        };
        // The statuses after the merge.
        page.files = files(&d, lang);
        for line in page.done.iter_mut().chain(page.refused.iter_mut()) {
            *line = on_page(&d, line);
        }
        (status, page)
    })
    .await;
    match result {
        Some((status, page)) => html(&page, status),
        None => failed(&desk, lang),
    }
}

#[derive(Deserialize)]
pub struct FileQuery {
    file: String,
}

/// The inbox file of that name, as an upload (bytes in memory).
fn load(desk: &Desk, name: &str) -> Option<Upload> {
    let inbox = desk.0.files.inbox.as_ref()?;
    let path = listing(inbox).into_iter().find(|p| name_of(p) == name)?;
    let data = std::fs::read(&path).ok()?;
    Some(Upload {
        name: name.to_string(),
        data: data.into(),
    })
}

/// `GET /inbox/report?file=NAME`: the self-check result page of that file.
pub async fn report(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Admin(_): Admin,
    Query(query): Query<FileQuery>,
) -> Response {
    let lang = desk.lang(&headers);
    let d = desk.clone();
    let result = blocking(move || {
        let upload = load(&d, &query.file)?;
        let uploads = vec![upload];
        let checked = engine::check_page(&d.0.template, d.options(lang), &uploads);
        let copies = vec![if checked.report.files[0].readable {
            CopyLink::Ready(format!(
                "/inbox/copy?file={}",
                super::percent_encode(&query.file)
            ))
        } else {
            CopyLink::None
        }];
        let page = result_page(lang, &checked, &copies);
        Some(page.render())
    })
    .await;
    match result {
        Some(Some(Ok(body))) => (StatusCode::OK, axum::response::Html(body)).into_response(),
        Some(None) => desk.message(
            lang,
            StatusCode::NOT_FOUND,
            |t| t.not_found_title,
            i18n::text(lang).not_found_body.into(),
        ),
        _ => failed(&desk, lang),
    }
}

/// `GET /inbox/copy?file=NAME`: that file's annotated copy (a download).
pub async fn copy(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Admin(_): Admin,
    Query(query): Query<FileQuery>,
) -> Response {
    let lang = desk.lang(&headers);
    let d = desk.clone();
    let name = query.file.clone();
    let result = blocking(move || {
        let upload = load(&d, &name)?;
        engine::copy(&d.0.template, d.options(lang), &[upload], 0, lang)
            .ok()
            .flatten()
    })
    .await;
    match result {
        Some(Some(bytes)) => {
            let stem = Path::new(&query.file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let suffix = lang.pick("-批注", "-annotated");
            attachment(bytes, &format!("{stem}{suffix}.xlsx"))
        }
        _ => desk.message(
            lang,
            StatusCode::NOT_FOUND,
            |t| t.not_found_title,
            i18n::text(lang).not_found_body.into(),
        ),
    }
}

/// An xlsx download named `name`.
pub fn attachment(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    // An ASCII fallback name and the real one (RFC 6266).
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        super::percent_encode(name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
