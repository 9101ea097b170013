//! The self-check (`/check`): the form, the check of the posted files, the
//! result page and the annotated copies' downloads.

use super::admin::{form_token, with_cookie};
use super::engine;
use super::pages::{html, result_page, CheckPage, Chrome, CopyLink};
use super::pool::PoolError;
use super::upload::{self, Refused};
use super::{downloads, i18n, session, Desk, MIB};
use crate::lang::Lang;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::OwnedSemaphorePermit;

/// `GET /check`: the form.
pub async fn form(State(desk): State<Desk>, headers: HeaderMap) -> Response {
    form_page(&desk, &headers, StatusCode::OK, None)
}

fn form_page(
    desk: &Desk,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&'static str>,
) -> Response {
    let (form_token, set) = form_token(headers);
    let page = CheckPage {
        c: Chrome::new(desk.lang(headers), "/check"),
        form_token,
        error,
    };
    with_cookie(html(&page, status), set)
}

/// The 403 page: the request did not come from the desk's own page.
pub fn forbidden(desk: &Desk, headers: &HeaderMap) -> Response {
    let lang = desk.lang(headers);
    desk.message(
        lang,
        StatusCode::FORBIDDEN,
        |t| t.forbidden_title,
        i18n::text(lang).forbidden_body.into(),
    )
}

/// Takes room for an upload in the desk's upload memory (one permit a MiB),
/// waiting at most the queue wait.
pub async fn upload_room(desk: &Desk, headers: &HeaderMap) -> Option<OwnedSemaphorePermit> {
    let limits = &desk.0.limits;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(limits.request)
        .min(limits.request);
    let permits = u32::try_from(declared / MIB + 1).unwrap_or(u32::MAX);
    let wanted = permits.min(
        u32::try_from(limits.uploads_in_memory / MIB)
            .unwrap_or(u32::MAX)
            .max(1),
    );
    tokio::time::timeout(
        limits.queue_wait,
        desk.0.upload_memory.clone().acquire_many_owned(wanted),
    )
    .await
    .ok()?
    .ok()
}

/// The 413 page (or 400 for a broken form).
pub fn refused(desk: &Desk, lang: Lang, why: Refused) -> Response {
    let limits = &desk.0.limits;
    let body = match &why {
        Refused::FileTooLarge(name) => {
            i18n::too_large(lang, Some(name), limits.file / MIB, limits.request / MIB)
        }
        Refused::RequestTooLarge => {
            i18n::too_large(lang, None, limits.file / MIB, limits.request / MIB)
        }
        Refused::Malformed => i18n::text(lang).no_files.into(),
    };
    let status = match why {
        Refused::Malformed => StatusCode::BAD_REQUEST,
        _ => StatusCode::PAYLOAD_TOO_LARGE,
    };
    desk.message(lang, status, |t| t.too_large_title, body)
}

fn busy(desk: &Desk, lang: Lang) -> Response {
    let mut response = desk.message(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        |t| t.busy_title,
        i18n::text(lang).busy_body.into(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn failed(desk: &Desk, lang: Lang) -> Response {
    desk.message(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        |t| t.failed_title,
        i18n::text(lang).failed_body.into(),
    )
}

/// `POST /check`: checks the posted files together and shows the result.
pub async fn submit(State(desk): State<Desk>, request: Request) -> Response {
    let headers = request.headers().clone();
    let lang = desk.lang(&headers);
    let Some(_room) = upload_room(&desk, &headers).await else {
        return busy(&desk, lang);
    };
    // The body is read even when the post is refused, so the browser gets the
    // page rather than a reset connection.
    let posted = upload::read(request, &desk.0.limits).await;
    if !session::same_origin(&headers) {
        return forbidden(&desk, &headers);
    }
    let posted = match posted {
        Ok(posted) => posted,
        Err(why) => return refused(&desk, lang, why),
    };
    let admin = desk.0.sessions.get(&headers);
    if !session::form_token_ok(&headers, admin.as_ref(), posted.form_token.as_deref()) {
        return forbidden(&desk, &headers);
    }
    if posted.uploads.is_empty() {
        let t = i18n::text(lang);
        return form_page(&desk, &headers, StatusCode::BAD_REQUEST, Some(t.no_files));
    }
    let uploads = posted.uploads;
    let options = desk.options(lang);
    let run = {
        let desk = desk.clone();
        let uploads = uploads.clone();
        move || engine::check_page(&desk.0.template, options, &uploads)
    };
    let checked = match desk.0.pool.run(run).await {
        Ok(checked) => checked,
        Err(PoolError::Busy) => return busy(&desk, lang),
        Err(PoolError::Failed) => return failed(&desk, lang),
    };
    let readable: Vec<bool> = checked.report.files.iter().map(|f| f.readable).collect();
    let kept = readable.iter().any(|r| *r).then(|| {
        desk.0.downloads.put(downloads::Checked {
            uploads,
            options,
            lang,
        })
    });
    let copies: Vec<CopyLink> = readable
        .iter()
        .enumerate()
        .map(|(index, readable)| match (readable, &kept) {
            (false, _) | (true, None) => CopyLink::None,
            (true, Some(None)) => CopyLink::NotKept,
            (true, Some(Some(id))) => CopyLink::Ready(format!("/download/{id}/{index}")),
        })
        .collect();
    html(&result_page(lang, &checked, &copies), StatusCode::OK)
}

/// `客户.xlsx` → `客户-批注.xlsx` (en: `-annotated`).
fn copy_name(upload: &str, lang: Lang) -> String {
    let stem = upload.rsplit_once('.').map_or(upload, |(stem, _)| stem);
    format!("{stem}-{}.xlsx", lang.pick("批注", "annotated"))
}

/// `GET /download/{id}/{index}`: the annotated copy of a checked file, made
/// now (in the check pool), while the post is kept.
pub async fn download(
    State(desk): State<Desk>,
    headers: HeaderMap,
    Path((id, index)): Path<(String, usize)>,
) -> Response {
    let lang = desk.lang(&headers);
    let gone = |desk: &Desk| {
        desk.message(
            lang,
            StatusCode::NOT_FOUND,
            |t| t.not_found_title,
            i18n::text(lang).expired_body.into(),
        )
    };
    let Some(checked) = desk.0.downloads.get(&id) else {
        return gone(&desk);
    };
    let Some(name) = checked
        .uploads
        .get(index)
        .map(|u| copy_name(&u.name, checked.lang))
    else {
        return gone(&desk);
    };
    let run = {
        let desk = desk.clone();
        move || {
            engine::copy(
                &desk.0.template,
                checked.options,
                &checked.uploads,
                index,
                checked.lang,
            )
        }
    };
    let bytes = match desk.0.pool.run(run).await {
        Ok(Ok(Some(bytes))) => bytes,
        Ok(Ok(None)) => return gone(&desk),
        Err(PoolError::Busy) => return busy(&desk, lang),
        Err(PoolError::Failed) | Ok(Err(_)) => return failed(&desk, lang),
    };
    let disposition = format!(
        "attachment; filename=\"annotated.xlsx\"; filename*=UTF-8''{}",
        super::percent_encode(&name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_named_after_the_upload() {
        assert_eq!(copy_name("客户.xlsx", Lang::Zh), "客户-批注.xlsx");
        assert_eq!(copy_name("team", Lang::En), "team-annotated.xlsx");
        assert_eq!(super::super::percent_encode("a b.xlsx"), "a%20b.xlsx");
    }
}
