//! `POST /api/validate`: the JSON report of SPEC §6 for the posted files, the
//! same findings as `validate --format json` on them. It keeps nothing, so it
//! needs no form token; a browser page of another site (a foreign `Origin`) is
//! still refused.

use super::check::upload_room;
use super::engine;
use super::pool::PoolError;
use super::upload::{self, Refused};
use super::{session, Desk};
use crate::lang::Lang;
use crate::value::parse_as_of;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ApiQuery {
    as_of: Option<String>,
    lang: Option<String>,
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub async fn validate(
    State(desk): State<Desk>,
    Query(query): Query<ApiQuery>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let lang = match query.lang.as_deref() {
        None | Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        Some(_) => return error(StatusCode::BAD_REQUEST, "lang must be zh or en"),
    };
    let as_of = match query.as_of.as_deref().map(parse_as_of) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, &format!("as_of: {e}")),
    };
    let Some(_room) = upload_room(&desk, &headers).await else {
        return busy();
    };
    let posted = upload::read(request, &desk.0.limits).await;
    if session::foreign_origin(&headers) {
        return error(
            StatusCode::FORBIDDEN,
            "requests from another site's page are refused",
        );
    }
    let uploads = match posted {
        Ok(posted) => posted.uploads,
        Err(Refused::FileTooLarge(name)) => {
            let message = format!(
                "{name}: larger than the limit of {} MiB a file",
                desk.0.limits.file >> 20
            );
            return error(StatusCode::PAYLOAD_TOO_LARGE, &message);
        }
        Err(Refused::RequestTooLarge) => {
            let message = format!(
                "the files together are larger than the limit of {} MiB",
                desk.0.limits.request >> 20
            );
            return error(StatusCode::PAYLOAD_TOO_LARGE, &message);
        }
        Err(Refused::Malformed) => {
            return error(
                StatusCode::BAD_REQUEST,
                "expected multipart/form-data with file parts",
            )
        }
    };
    if uploads.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "no file part: post each file as a part named file",
        );
    }
    let run = {
        let desk = desk.clone();
        move || {
            let mut options = desk.options(lang);
            if let Some(at) = as_of {
                options.as_of = at;
            }
            engine::validate(&desk.0.template, options, &uploads)
        }
    };
    let report = match desk.0.pool.run(run).await {
        Ok(report) => report,
        Err(PoolError::Busy) => return busy(),
        Err(PoolError::Failed) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "the check failed")
        }
    };
    let mut body = Vec::new();
    if crate::report::json::write(&mut body, &report).is_err() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the report could not be written",
        );
    }
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn busy() -> Response {
    let mut response = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the desk is busy checking other files; retry in a few seconds",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
