//! Why a file could not be read, and how the errors of the libraries the
//! reader uses become one: `?` converts them through `From`.

use super::guard::one_line;
use std::io::ErrorKind;

/// Why a file could not be read at all: the cause of a `file-unreadable` finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("file not found")]
    NotFound,
    #[error("is a folder, not a file")]
    Folder,
    #[error("is not a regular file (a pipe, device or socket, such as <(…))")]
    NotRegular,
    #[error("permission denied (or the file is locked by another program such as Excel)")]
    PermissionDenied,
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("cannot open the file: {0}")]
    Io(String),
    #[error(
        "the file is password-protected (encrypted); save it without a password and try again"
    )]
    Encrypted,
    #[error("not a spreadsheet (expected xlsx, xlsm, xls, xlsb, ods or csv)")]
    NotSpreadsheet,
    #[error("the file is damaged or incomplete: {0}")]
    Corrupt(String),
    #[error("the file is too large to check safely: {0}")]
    TooLarge(String),
}

impl ReadError {
    /// The error with any private detail in its words masked: a library's
    /// message may quote the cell text it choked on.
    pub(super) fn masked(self) -> ReadError {
        let mask = |text: String| match crate::privacy::mask(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(masked) => masked,
        };
        match self {
            ReadError::Io(text) => ReadError::Io(mask(text)),
            ReadError::Corrupt(text) => ReadError::Corrupt(mask(text)),
            ReadError::TooLarge(text) => ReadError::TooLarge(mask(text)),
            other => other,
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(error: std::io::Error) -> ReadError {
        match error.kind() {
            ErrorKind::NotFound => ReadError::NotFound,
            ErrorKind::PermissionDenied => ReadError::PermissionDenied,
            ErrorKind::UnexpectedEof => ReadError::Corrupt("the file ends too early".to_string()),
            _ => ReadError::Io(one_line(&error.to_string())),
        }
    }
}

impl From<zip::result::ZipError> for ReadError {
    fn from(error: zip::result::ZipError) -> ReadError {
        match error {
            zip::result::ZipError::Io(e) => e.into(),
            other => ReadError::Corrupt(format!(
                "its zip container is damaged ({})",
                one_line(&other.to_string())
            )),
        }
    }
}

/// A workbook's data that calamine cannot parse.
fn unparsable(error: &impl std::fmt::Display) -> ReadError {
    ReadError::Corrupt(format!(
        "the workbook's data cannot be parsed ({})",
        one_line(&error.to_string())
    ))
}

/// calamine's errors of one format: a password is `Encrypted`, I/O is I/O, the
/// rest is data that cannot be parsed.
macro_rules! from_calamine {
    ($($error:ident),*) => {$(
        impl From<calamine::$error> for ReadError {
            fn from(error: calamine::$error) -> ReadError {
                match error {
                    calamine::$error::Password => ReadError::Encrypted,
                    calamine::$error::Io(e) => e.into(),
                    other => unparsable(&other),
                }
            }
        }
    )*};
}

from_calamine!(XlsxError, XlsbError, XlsError);
