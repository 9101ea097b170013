//! `/review`: the register's pending rows and the admin's decisions on them,
//! through [`crate::review`] (the code `crmsheet review` runs). A decision
//! names each row with the fingerprint the page showed, so that of two admins
//! deciding the same row exactly one is applied and the other told the row
//! changed.

use super::admin::{blocking, no_register, on_page, post_ok, Admin};
use super::check::forbidden;
use super::i18n::{self, AdminText};
use super::pages::{html, Chrome};
use super::Desk;
use crate::lang::Lang;
use crate::privacy::mask;
use crate::review::{self, DecideOutcome, Decision, RowKey};
use crate::template::SheetKind;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub c: Chrome,
    pub form_token: String,
    /// The reviewer is known (from `--reviewer` or earlier in the session).
    pub reviewer: Option<String>,
    pub rows: Vec<RowView>,
    /// Errors of the register outside the pending rows.
    pub register_errors: Vec<String>,
    /// What the last post did (`C0042 assigned to …`).
    pub done: Vec<String>,
    /// Why the last post did nothing.
    pub refused: Vec<String>,
    /// The register could not be read.
    pub unreadable: Option<String>,
}

pub struct RowView {
    /// `entry:12`.
    pub key: String,
    /// `entry:12|fingerprint`: what the form posts.
    pub value: String,
    pub kind: &'static str,
    pub date: String,
    pub age: String,
    pub overdue: bool,
    pub salesperson: String,
    pub customer: String,
    pub values: Vec<(String, String)>,
    pub findings: Vec<(&'static str, String)>,
    pub blocked: String,
}

fn masked(text: &str) -> String {
    mask(text).into_owned()
}

/// Reads the queue and builds the page (blocking).
fn build(desk: &Desk, lang: Lang, form_token: String, reviewer: Option<String>) -> ReviewPage {
    let mut page = ReviewPage {
        c: Chrome::new(lang, "/review"),
        form_token,
        reviewer,
        rows: Vec::new(),
        register_errors: Vec::new(),
        done: Vec::new(),
        refused: Vec::new(),
        unreadable: None,
    };
    let Some(register) = desk.0.files.register.as_deref() else {
        return page;
    };
    if !register.exists() {
        return page;
    }
    let as_of = desk.options(lang).as_of;
    let a = i18n::admin(lang);
    match review::pending(&desk.0.template, register, as_of, lang) {
        Ok(queue) => {
            page.register_errors = queue
                .register_errors
                .iter()
                .map(|f| {
                    let cell = match (&f.sheet, &f.cell) {
                        (Some(s), Some(c)) => format!("{s}!{c} "),
                        _ => String::new(),
                    };
                    masked(&format!("{cell}{}", f.message))
                })
                .collect();
            page.rows = queue.rows.iter().map(|r| row_view(a, lang, r)).collect();
        }
        Err(e) => page.unreadable = Some(on_page(desk, &crate::messages::error_line(&e, lang))),
    }
    page
}

fn row_view(a: &AdminText, lang: Lang, r: &review::PendingRow) -> RowView {
    RowView {
        key: r.key.to_string(),
        value: format!("{}|{}", r.key, r.fingerprint),
        kind: match r.key.kind {
            SheetKind::Entry => a.entry,
            SheetKind::Update => a.update,
        },
        date: r.date.clone(),
        age: r.age_days.map(|d| i18n::age(lang, d)).unwrap_or_default(),
        overdue: r.overdue,
        salesperson: masked(&r.salesperson),
        customer: masked(
            &[r.customer_id.as_str(), r.customer_name.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        values: r
            .values
            .iter()
            .map(|(_, header, value)| (header.clone(), masked(value)))
            .collect(),
        findings: r
            .findings
            .iter()
            .map(|f| {
                let class = match f.severity {
                    crate::rules::Severity::Error => "error",
                    crate::rules::Severity::Warning => "warning",
                };
                (class, masked(&f.message))
            })
            .collect(),
        blocked: masked(&r.blocked.join("; ")),
    }
}

/// The reviewer of a session: `--reviewer`, else the name entered earlier.
fn reviewer_of(desk: &Desk, form_token: &str) -> Option<String> {
    desk.0.files.reviewer.clone().or_else(|| {
        desk.0
            .reviewers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(form_token)
            .cloned()
    })
}

/// `GET /review`.
pub async fn page(State(desk): State<Desk>, headers: HeaderMap, Admin(session): Admin) -> Response {
    if desk.0.files.register.is_none() {
        return no_register(&desk, &headers);
    }
    let lang = desk.lang(&headers);
    let reviewer = reviewer_of(&desk, &session.form_token);
    let d = desk.clone();
    match blocking(move || build(&d, lang, session.form_token, reviewer)).await {
        Some(page) => html(&page, StatusCode::OK),
        None => desk.message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            |t| t.failed_title,
            i18n::text(lang).failed_body.into(),
        ),
    }
}

/// `POST /review`: approve or reject the selected rows (`row` fields, or the
/// one row of a row's own approve button), all or nothing.
pub async fn decide(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Admin(session): Admin,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    if !post_ok(&headers, &session, field("form_token").as_deref()) {
        return forbidden(&desk, &headers);
    }
    let Some(register) = desk.0.files.register.clone() else {
        return no_register(&desk, &headers);
    };
    let lang = desk.lang(&headers);
    let a = i18n::admin(lang);
    let mut problems: Vec<String> = Vec::new();

    // The reviewer: `--reviewer`, or entered once per session.
    let entered = field("reviewer").filter(|r| !r.is_empty());
    if let (None, Some(name)) = (&desk.0.files.reviewer, &entered) {
        desk.0
            .reviewers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.form_token.clone(), name.clone());
    }
    let reviewer = reviewer_of(&desk, &session.form_token);

    // One row's own button, else the selected rows with the bulk action.
    let (rows, approve) = match field("approve_one") {
        Some(one) => (vec![one], true),
        None => (
            form.iter()
                .filter(|(k, _)| k == "row")
                .map(|(_, v)| v.clone())
                .collect(),
            field("action").as_deref() != Some("reject"),
        ),
    };
    let reason = field("reason").unwrap_or_default();
    let chosen = field("approve_one").is_some()
        || matches!(field("action").as_deref(), Some("approve" | "reject"));
    if rows.is_empty() || !chosen {
        problems.push(a.need_rows.into());
    }
    if !approve && reason.is_empty() {
        problems.push(a.need_reason.into());
    }
    if reviewer.is_none() {
        problems.push(a.need_reviewer.into());
    }
    let mut decisions = Vec::new();
    for value in &rows {
        let (key, seen) = value.split_once('|').unwrap_or((value.as_str(), ""));
        match key.parse::<RowKey>() {
            Ok(key) => {
                let decision = if approve {
                    Decision::approve(key.into())
                } else {
                    Decision::reject(key.into(), &reason)
                };
                decisions.push(if seen.is_empty() {
                    decision
                } else {
                    decision.seen(seen)
                });
            }
            Err(e) => problems.push(e),
        }
    }

    let d = desk.clone();
    let form_token = session.form_token.clone();
    let result = blocking(move || {
        let mut done = Vec::new();
        let mut refused = problems;
        let mut status = StatusCode::BAD_REQUEST;
        if refused.is_empty() {
            let mut options = review::Options::new(
                reviewer.as_deref().unwrap_or_default(),
                d.options(lang).as_of,
                lang,
            );
            options.since = None;
            match review::decide(&d.0.template, &register, &decisions, &options) {
                Ok(DecideOutcome::Decided(decided)) => {
                    status = StatusCode::OK;
                    done = decided.changes.iter().map(|c| masked(&c.text)).collect();
                }
                Ok(DecideOutcome::RowsRefused(rows)) => {
                    status = StatusCode::CONFLICT;
                    refused = rows.iter().map(|r| masked(&r.message)).collect();
                }
                Ok(DecideOutcome::Findings(report)) => {
                    status = StatusCode::CONFLICT;
                    refused = report
                        .findings
                        .iter()
                        .filter(|f| f.severity == crate::rules::Severity::Error)
                        .take(20)
                        .map(|f| masked(&f.message))
                        .collect();
                }
                Ok(DecideOutcome::Busy(why)) => {
                    status = StatusCode::CONFLICT;
                    refused = vec![masked(&why)];
                }
                Err(e) => {
                    status = StatusCode::CONFLICT;
                    refused = vec![masked(&crate::messages::error_line(&e, lang))];
                }
            }
        }
        let reviewer = reviewer_of(&d, &form_token);
        let mut page = build(&d, lang, form_token, reviewer);
        page.done = done.iter().map(|l| on_page(&d, l)).collect();
        page.refused = refused.iter().map(|l| on_page(&d, l)).collect();
        (status, page)
    })
    .await;
    match result {
        Some((status, page)) => html(&page, status),
        None => desk.message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            |t| t.failed_title,
            i18n::text(lang).failed_body.into(),
        ),
    }
}
