//! The admin's way in: the token from the command line exchanged for a session
//! cookie, the sign-in page for a browser without one, and the language switch
//! every page has. The admin pages themselves (review, inbox, register) hang
//! off [`Admin`].

use super::pages::{html, Chrome, HomePage, LoginPage};
use super::session::{self, same_secret, secret_cookie, Session};
use super::{i18n, Desk};
use crate::lang::Lang;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

/// An admin's request: it carries a live session. Without one, the handler is
/// not run and the sign-in page is shown instead (never the data).
pub struct Admin(pub Session);

impl FromRequestParts<Desk> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, desk: &Desk) -> Result<Admin, Response> {
        match desk.0.sessions.get(&parts.headers) {
            Some(session) => Ok(Admin(session)),
            None => Err(login_page(
                desk,
                &parts.headers,
                StatusCode::UNAUTHORIZED,
                None,
            )),
        }
    }
}

/// The sign-in page, with a fresh double-submit form token when the browser
/// has none.
fn login_page(
    desk: &Desk,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&'static str>,
) -> Response {
    let lang = desk.lang(headers);
    let (form_token, set) = form_token(headers);
    let page = LoginPage {
        c: Chrome::new(lang, "/"),
        form_token,
        error: error.map(|_| i18n::text(lang).login_bad),
    };
    with_cookie(html(&page, status), set)
}

/// The browser's double-submit form token, or a new one with the cookie that
/// sets it.
pub fn form_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match session::form_cookie(headers) {
        Some(token) => (token.to_string(), None),
        None => {
            let token = session::random_token();
            let cookie = secret_cookie(session::FORM_COOKIE, &token);
            (token, Some(cookie))
        }
    }
}

pub fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `/`: `?token=` is exchanged for a session and taken out of the address bar;
/// an admin sees the desk's home; anyone else the sign-in page.
pub async fn home(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    admin: Result<Admin, Response>,
) -> Response {
    if let Some(token) = query.token {
        return sign_in(&desk, &headers, &token);
    }
    match admin {
        Ok(Admin(session)) => {
            let lang = desk.lang(&headers);
            let d = desk.clone();
            let glance = blocking(move || super::glance::glance(&d, lang))
                .await
                .flatten();
            html(
                &HomePage {
                    c: Chrome::new(lang, "/"),
                    form_token: session.form_token,
                    glance,
                },
                StatusCode::OK,
            )
        }
        Err(sign_in_page) => sign_in_page,
    }
}

fn sign_in(desk: &Desk, headers: &HeaderMap, token: &str) -> Response {
    if !same_secret(token.trim(), &desk.0.admin_token) {
        return login_page(desk, headers, StatusCode::FORBIDDEN, Some("bad"));
    }
    let id = desk.0.sessions.start();
    with_cookie(
        Redirect::to("/").into_response(),
        Some(secret_cookie(session::SESSION_COOKIE, &id)),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
    form_token: String,
}

/// The sign-in form's post (a same-origin post with the form token).
pub async fn login(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !session::same_origin(&headers)
        || !session::form_token_ok(&headers, None, Some(&form.form_token))
    {
        return super::check::forbidden(&desk, &headers);
    }
    sign_in(&desk, &headers, &form.token)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `/lang/en?back=/check`: remembers the browser's language and goes back.
/// Only a path of this desk is gone back to (never another site).
pub async fn set_lang(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    let lang = match code.as_str() {
        "zh" => Lang::Zh,
        "en" => Lang::En,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let back = back
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains(['\\', '\r', '\n']))
        .unwrap_or_else(|| "/check".into());
    with_cookie(
        Redirect::to(&back).into_response(),
        Some(session::preference_cookie(
            session::LANG_COOKIE,
            lang.as_str(),
        )),
    )
}

#[derive(Deserialize)]
pub struct LogoutForm {
    form_token: String,
}

/// Signs the admin out (a same-origin post with the session's form token).
pub async fn logout(
    State(desk): State<Desk>,
    headers: HeaderMap,
    admin: Result<Admin, Response>,
    Form(form): Form<LogoutForm>,
) -> Response {
    let Ok(Admin(session)) = admin else {
        return super::check::forbidden(&desk, &headers);
    };
    if !session::same_origin(&headers)
        || !session::form_token_ok(&headers, Some(&session), Some(&form.form_token))
        || !same_secret(&session.form_token, &form.form_token)
    {
        return super::check::forbidden(&desk, &headers);
    }
    desk.0.sessions.end(&headers);
    Redirect::to("/").into_response()
}

/// Whether an admin's state-changing post may change anything: same origin,
/// and the session's own form token.
pub fn post_ok(headers: &HeaderMap, session: &Session, sent: Option<&str>) -> bool {
    session::same_origin(headers) && sent.is_some_and(|sent| same_secret(&session.form_token, sent))
}

/// The page an admin page shows when the desk has no register: self-check
/// only, and how to start the desk with one.
pub fn no_register(desk: &Desk, headers: &HeaderMap) -> Response {
    let lang = desk.lang(headers);
    desk.message(
        lang,
        StatusCode::OK,
        |t| t.home_title,
        i18n::admin(lang).no_register.into(),
    )
}

/// Runs blocking work (reading or writing the register) off the async
/// executor; `None` when it panicked.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(work).await.ok()
}

/// A message as a page shows it: the register and the inbox named by their
/// file names, not by where they live on the server.
pub fn on_page(desk: &Desk, line: &str) -> String {
    let mut line = line.to_string();
    for path in [&desk.0.files.register, &desk.0.files.inbox]
        .into_iter()
        .flatten()
    {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let dir = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
            line = line.replace(&dir, "");
        }
    }
    crate::privacy::mask(&line).into_owned()
}
