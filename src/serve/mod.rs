//! The team's desk in a browser (`crmsheet serve`, DESK.md): the self-check
//! page and its JSON twin, on exactly the engine the CLI uses.
//!
//! Handlers stay small — take the request apart, call [`engine`], render a
//! page — and share one [`Desk`] state passed in explicitly. Sessions, form
//! tokens, the language cookie and the page layout are shared by every page,
//! so the admin pages slot in beside the self-check.
//!
//! Nothing uploaded is written to disk: uploads live in memory for the request,
//! annotated copies at most [`Limits::keep`] for their download link.

mod admin;
mod api;
mod assets;
mod check;
mod dashboard;
mod downloads;
mod engine;
mod glance;
mod grid;
mod i18n;
mod inbox;
mod pages;
mod pool;
mod review;
mod session;
mod upload;

pub use engine::Upload;
pub use session::random_token;

/// `text` percent-encoded for a URL's query or a `filename*` (RFC 3986
/// unreserved characters kept): an inbox file's name in a link, a token from a
/// file in the printed address, a download's name.
pub fn percent_encode(text: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, UNRESERVED_KEPT).to_string()
}

use crate::lang::Lang;
use crate::template::Template;
use crate::value::DateValue;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use pages::{html, Chrome, MessagePage};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The desk's bounds. The defaults are DESK.md §5's.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest file accepted (413 beyond).
    pub file: usize,
    /// Largest upload (all files of one post) accepted (413 beyond).
    pub request: usize,
    /// Uploads held in memory at once, over all requests (503 beyond).
    pub uploads_in_memory: usize,
    /// Checked uploads held for their annotated copies at once (the oldest
    /// go first).
    pub copies_in_memory: usize,
    /// How long a copy can be downloaded.
    pub keep: Duration,
    /// Checks running at once.
    pub checks: usize,
    /// How long a check waits for its turn before 503.
    pub queue_wait: Duration,
    /// How long a request may take in all (uploading included) before 408.
    pub request_time: Duration,
}

const MIB: usize = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            file: 50 * MIB,
            request: 200 * MIB,
            uploads_in_memory: 400 * MIB,
            copies_in_memory: 256 * MIB,
            keep: downloads::KEEP,
            checks: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_wait: Duration::from_secs(10),
            request_time: Duration::from_secs(180),
        }
    }
}

/// What the desk is started with.
#[derive(Debug)]
pub struct Config {
    pub template: Template,
    /// The pages' language until a browser picks one.
    pub lang: Lang,
    /// The admin token (exchanged for a session cookie).
    pub admin_token: String,
    pub limits: Limits,
    /// "Now" for the checks; `None`: the clock at each check.
    pub as_of: Option<DateValue>,
}

/// The admin's files (DESK.md §1): all optional; without a register the desk
/// offers the self-check only.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// The master register (created by the first merge when missing).
    pub register: Option<PathBuf>,
    /// The folder staff save their workbooks in; only ever read.
    pub inbox: Option<PathBuf>,
    /// The reviewer written for every decision; `None`: asked once a session.
    pub reviewer: Option<String>,
}

/// The state every handler shares.
#[derive(Clone)]
pub struct Desk(Arc<Inner>);

struct Inner {
    template: Template,
    lang: Lang,
    admin_token: String,
    limits: Limits,
    as_of: Option<DateValue>,
    sessions: session::Sessions,
    downloads: downloads::Downloads,
    pool: pool::Pool,
    /// One permit per MiB of upload held in memory.
    upload_memory: Arc<Semaphore>,
    files: Files,
    /// Session form token → the reviewer name entered in that session.
    reviewers: Mutex<HashMap<String, String>>,
    /// The inbox files' rows as last checked.
    inbox_rows: inbox::Checked,
}

impl Desk {
    pub fn new(config: Config) -> Desk {
        Desk::with_files(config, Files::default())
    }

    /// A desk with the admin's register and inbox.
    pub fn with_files(config: Config, files: Files) -> Desk {
        let limits = config.limits;
        Desk(Arc::new(Inner {
            template: config.template,
            lang: config.lang,
            admin_token: config.admin_token,
            as_of: config.as_of,
            sessions: session::Sessions::default(),
            downloads: downloads::Downloads::new(limits.copies_in_memory, limits.keep),
            pool: pool::Pool::new(limits.checks, limits.queue_wait),
            upload_memory: Arc::new(Semaphore::new((limits.uploads_in_memory / MIB).max(1))),
            limits,
            files,
            reviewers: Mutex::new(HashMap::new()),
            inbox_rows: inbox::Checked::default(),
        }))
    }

    /// The language of a request's page: the browser's choice, else the desk's.
    fn lang(&self, headers: &HeaderMap) -> Lang {
        match session::cookie(headers, session::LANG_COOKIE) {
            Some("zh") => Lang::Zh,
            Some("en") => Lang::En,
            _ => self.0.lang,
        }
    }

    fn options(&self, lang: Lang) -> crate::rules::Options {
        crate::rules::Options {
            as_of: self.0.as_of.unwrap_or_else(crate::value::now),
            lang,
        }
    }

    /// A page with one message.
    fn message(
        &self,
        lang: Lang,
        status: StatusCode,
        title: impl FnOnce(&i18n::Text) -> &'static str,
        body: String,
    ) -> Response {
        let c = Chrome::new(lang, "/check");
        let title = title(c.t);
        html(&MessagePage { c, title, body }, status)
    }

    /// Forgets expired copies every minute while the desk runs.
    fn spawn_purge(&self) {
        let desk = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                desk.0.downloads.purge();
            }
        });
    }
}

/// The desk's routes, with their limits, logging and security headers.
pub fn app(desk: Desk) -> Router {
    Router::new()
        .route("/", get(admin::home))
        .route("/login", post(admin::login))
        .route("/logout", post(admin::logout))
        .route("/lang/{code}", get(admin::set_lang))
        .route("/review", get(review::page).post(review::decide))
        .route("/inbox", get(inbox::page))
        .route("/inbox/merge", post(inbox::merge))
        .route("/inbox/report", get(inbox::report))
        .route("/inbox/copy", get(inbox::copy))
        .route("/register", get(dashboard::page))
        .route("/register/download", get(dashboard::download))
        .route("/check", get(check::form).post(check::submit))
        .route("/download/{id}/{index}", get(check::download))
        .route("/api/validate", post(api::validate))
        .route("/assets/{name}", get(assets::serve))
        .fallback(not_found)
        // Bodies are bounded by the upload reader, which answers with a page.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(desk.clone(), around))
        .with_state(desk)
}

async fn not_found(State(desk): State<Desk>, headers: HeaderMap) -> Response {
    let lang = desk.lang(&headers);
    desk.message(
        lang,
        StatusCode::NOT_FOUND,
        |t| t.not_found_title,
        i18n::text(lang).not_found_body.into(),
    )
}

/// Around every request: its time limit, security headers, and one log line
/// (method, path, status, milliseconds — never a query, a value or a token).
async fn around(State(desk): State<Desk>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = loggable(request.uri().path());
    let lang = desk.lang(request.headers());
    let mut response =
        match tokio::time::timeout(desk.0.limits.request_time, next.run(request)).await {
            Ok(response) => response,
            Err(_) => desk.message(
                lang,
                StatusCode::REQUEST_TIMEOUT,
                |t| t.failed_title,
                i18n::text(lang).timeout_body.into(),
            ),
        };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    use std::io::Write;
    // A closed stderr must not stop the desk.
    let _ = writeln!(
        std::io::stderr(),
        "{method} {path} {} {}ms",
        response.status().as_u16(),
        start.elapsed().as_millis()
    );
    response
}

/// The path as the log shows it: a download link is a secret.
fn loggable(path: &str) -> String {
    if path.starts_with("/download/") {
        "/download/…".into()
    } else {
        path.chars().take(200).collect()
    }
}

/// Serves the desk on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
///
/// # Errors
/// The listener failed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    desk: Desk,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    desk.spawn_purge();
    axum::serve(
        listener,
        app(desk).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_hide_download_links() {
        assert_eq!(loggable("/download/abcdef"), "/download/…");
        assert_eq!(loggable("/check"), "/check");
    }
}
