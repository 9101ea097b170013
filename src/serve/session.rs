//! Who is asking: the admin's token and sessions, the form tokens that prove a
//! post came from the desk's own page, and the same-origin check.
//!
//! The admin token (from the command line) is exchanged once for a random
//! session id in an `HttpOnly; SameSite=Strict` cookie; each session carries its
//! own form token. Pages that keep no session (the self-check) get a
//! double-submit form token instead: a random value in an `HttpOnly` cookie and
//! the same value in the form, which another site can neither read nor set.

use axum::http::{header, HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "crmsheet_session";
pub const FORM_COOKIE: &str = "crmsheet_form";
pub const LANG_COOKIE: &str = "crmsheet_lang";

/// An admin session ends after this long without a request.
const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);
/// At most this many sessions are kept; the longest idle goes first.
const MAX_SESSIONS: usize = 1000;

/// A random token of 256 bits, as 64 hex digits.
///
/// # Panics
/// Never in practice: only when the operating system has no randomness to give,
/// where no secret could be made at all.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One admin's session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Proves that a state-changing post came from one of this session's pages.
    pub form_token: String,
    last_seen: Instant,
}

/// The admin sessions of this run (in memory: a restart signs everyone out).
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns its id (the cookie's value).
    pub fn start(&self) -> String {
        let id = random_token();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, s| now.duration_since(s.last_seen) < SESSION_IDLE);
        while map.len() >= MAX_SESSIONS {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(
            id.clone(),
            Session {
                form_token: random_token(),
                last_seen: now,
            },
        );
        id
    }

    /// Ends the session of a request's cookie.
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, SESSION_COOKIE) {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.remove(id);
        }
    }

    /// The live session of a request's cookie, marked as seen.
    pub fn get(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let session = map.get_mut(id)?;
        if now.duration_since(session.last_seen) >= SESSION_IDLE {
            map.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(session.clone())
    }
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for a secret: script cannot read it, other sites never
/// send it.
pub fn secret_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value for a preference kept a year (the page's language).
pub fn preference_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The double-submit form token of a request: the cookie's, when it is a
/// token this desk could have made.
pub fn form_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, FORM_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a post carries the form token: the session's, or the double-submit
/// cookie's.
pub fn form_token_ok(headers: &HeaderMap, session: Option<&Session>, sent: Option<&str>) -> bool {
    let Some(sent) = sent else {
        return false;
    };
    session.is_some_and(|s| same_secret(&s.form_token, sent))
        || form_cookie(headers).is_some_and(|c| same_secret(c, sent))
}

/// Whether a state-changing request comes from a page of this desk: its
/// `Origin` (else its `Referer`) names the host the request was sent to. A
/// request naming neither is refused: browsers send `Origin` on every post.
/// Behind a reverse proxy the proxy must pass the `Host` header on.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    origin.is_some_and(|o| authority(o).is_some_and(|a| a.eq_ignore_ascii_case(host)))
}

/// Whether a request names a foreign origin (a script of another site): the
/// API, which scripts call without `Origin`, refuses only that.
pub fn foreign_origin(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN) && !same_origin(headers)
}

/// `host:port` of an `http(s)://host:port/…` URL.
fn authority(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret(&a, ""));
    }

    #[test]
    fn origin_must_name_the_host() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok));
        let referer = headers(&[("host", "desk:80"), ("referer", "https://desk:80/check?x")]);
        assert!(same_origin(&referer));
        for bad in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:8081",
            "http://127.0.0.1:8080.evil",
        ] {
            let h = headers(&[("host", "127.0.0.1:8080"), ("origin", bad)]);
            assert!(!same_origin(&h), "{bad}");
        }
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(!foreign_origin(&headers(&[("host", "a")])));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let h = headers(&[("cookie", "a=1; crmsheet_lang=en"), ("cookie", "b=2")]);
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
