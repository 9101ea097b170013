//! Reading a multipart upload into memory, within the limits: never to disk,
//! never past [`Limits::file`] a file or [`Limits::request`] in all. A request
//! over a limit is read to its end (and thrown away) before the 413 answer, so
//! the browser sees the page instead of a dropped connection.

use super::engine::Upload;
use super::Limits;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use http_body_util::BodyExt;
use std::sync::Arc;

/// What came in with a post.
#[derive(Debug, Default)]
pub struct Posted {
    pub uploads: Vec<Upload>,
    /// The `form_token` field, when sent.
    pub form_token: Option<String>,
    /// Other text fields (`token` of the sign-in form).
    pub fields: Vec<(String, String)>,
}

/// Why an upload was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A file over the per-file limit (its name).
    FileTooLarge(String),
    /// All files together over the request limit.
    RequestTooLarge,
    /// Not a multipart form, or a broken one.
    Malformed,
}

/// Past this much a refused body is not read to its end: the connection is
/// dropped instead (a client sending gigabytes gets no page).
const DRAIN_AT_MOST: u64 = 1 << 30;

/// Text fields longer than this are cut (no field of the desk needs more).
const MAX_FIELD: usize = 4096;

/// Reads the files (`file` parts) and fields of a multipart post.
///
/// # Errors
/// [`Refused`] as described; the body has then been read to its end when it
/// was not too much to read.
pub async fn read(request: Request, limits: &Limits) -> Result<Posted, Refused> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.request as u64) {
        drain(request.into_body()).await;
        return Err(Refused::RequestTooLarge);
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|_| Refused::Malformed)?;
    let mut posted = Posted::default();
    let mut total = 0usize;
    let mut refused: Option<Refused> = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // Past the body limit, or a broken form: nothing more can be read.
            Err(e) => {
                return Err(refused.unwrap_or(
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        Refused::RequestTooLarge
                    } else {
                        Refused::Malformed
                    },
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(display_name);
        let mut data: Vec<u8> = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    total += chunk.len();
                    if total as u64 > DRAIN_AT_MOST {
                        return Err(Refused::RequestTooLarge);
                    }
                    if total > limits.request && refused.is_none() {
                        refused = Some(Refused::RequestTooLarge);
                    }
                    let cap = if file_name.is_some() {
                        limits.file
                    } else {
                        MAX_FIELD
                    };
                    if data.len() + chunk.len() > cap {
                        over = true;
                        data = Vec::new();
                    }
                    // Once refused, the rest is read and dropped.
                    if !over && refused.is_none() {
                        data.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(_) => return Err(refused.unwrap_or(Refused::RequestTooLarge)),
            }
        }
        match file_name {
            Some(file_name) if name == "file" => {
                if over && refused.is_none() {
                    refused = Some(Refused::FileTooLarge(file_name.clone()));
                }
                // A file input left empty sends a part with no name and no bytes.
                if refused.is_none() && !(file_name.is_empty() && data.is_empty()) {
                    posted.uploads.push(Upload {
                        name: if file_name.is_empty() {
                            "upload".into()
                        } else {
                            file_name
                        },
                        data: Arc::from(data),
                    });
                }
            }
            Some(_) => {}
            None if name == "form_token" => {
                posted.form_token = Some(String::from_utf8_lossy(&data).into_owned())
            }
            None => posted
                .fields
                .push((name, String::from_utf8_lossy(&data).into_owned())),
        }
    }
    match refused {
        Some(why) => Err(why),
        None => Ok(posted),
    }
}

/// The last part of an uploaded file's name: browsers on some systems send a
/// whole path (`C:\fakepath\a.xlsx`). The name is only ever shown.
fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    last.chars().filter(|c| !c.is_control()).take(255).collect()
}

/// Reads a body to its end, keeping nothing (bounded by [`DRAIN_AT_MOST`]).
async fn drain(body: Body) {
    let mut body = body;
    let mut read = 0u64;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            read += data.len() as u64;
            if read > DRAIN_AT_MOST {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_folders() {
        assert_eq!(display_name("C:\\fakepath\\客户.xlsx"), "客户.xlsx");
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("a\u{0}b.csv"), "ab.csv");
    }
}
