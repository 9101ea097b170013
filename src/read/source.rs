//! What the reader reads: a file on disk, or the bytes of a file held in
//! memory (an upload to the desk, which is never written to disk).
//!
//! Every format reader opens its input through [`Source::open`], which gives a
//! `Read + Seek + Send` [`Input`] over either, so both are read with the same
//! bounds, the same hardening and the same threads; only "not found" and "a
//! folder" cannot happen to bytes.

use super::ReadError;
use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file to read: a path, or named bytes in memory.
///
/// Cloning is cheap (the bytes are shared), so each reading opens its own
/// reader over the same bytes.
///
/// ```
/// use crmsheet::read::Source;
/// let upload = Source::bytes("客户信息.csv", b"a,b\n".to_vec());
/// assert_eq!(upload.name(), "客户信息.csv");
/// assert!(upload.as_path().is_none());
/// let file = Source::path("in/a.xlsx");
/// assert_eq!(file.name(), "in/a.xlsx");
/// ```
#[derive(Clone)]
pub struct Source {
    /// What reports show: the path as displayed, or the given name.
    name: String,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

impl std::fmt::Debug for Source {
    // The bytes are a customer register: their length is all a log may show.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Path(path) => f.debug_tuple("Source::Path").field(path).finish(),
            Kind::Bytes(data) => f
                .debug_struct("Source::Bytes")
                .field("name", &self.name)
                .field("len", &data.len())
                .finish(),
        }
    }
}

impl Source {
    /// The file at `path`.
    pub fn path(path: impl Into<PathBuf>) -> Source {
        let path = path.into();
        Source {
            name: path.display().to_string(),
            kind: Kind::Path(path),
        }
    }

    /// A file held in memory. `name` is what reports show for it (an upload's
    /// file name); its extension is used for detection hints exactly as a
    /// path's extension is. It is never used as a path.
    pub fn bytes(name: impl Into<String>, data: impl Into<Arc<[u8]>>) -> Source {
        Source {
            name: name.into(),
            kind: Kind::Bytes(data.into()),
        }
    }

    /// What reports show: the path as displayed, or the given name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path of a file on disk; `None` for bytes.
    pub fn as_path(&self) -> Option<&Path> {
        match &self.kind {
            Kind::Path(path) => Some(path),
            Kind::Bytes(_) => None,
        }
    }

    /// The bytes of a file held in memory; `None` for a path.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Path(_) => None,
            Kind::Bytes(data) => Some(data),
        }
    }

    /// The extension of the path or name, lower-cased (`""` when none): a hint
    /// for detection, never trusted over the content.
    pub(crate) fn extension(&self) -> String {
        // Only the name's text is looked at; nothing is opened by it.
        let name = match &self.kind {
            Kind::Path(path) => path.as_path(),
            Kind::Bytes(_) => Path::new(self.name.as_str()),
        };
        name.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Opens the source for reading, from its start.
    ///
    /// # Errors
    /// For a path: `NotFound`, `Io` (a folder, no permission).
    pub(crate) fn open(&self) -> Result<Input, ReadError> {
        match &self.kind {
            Kind::Path(path) => {
                let metadata = std::fs::metadata(path)?;
                if metadata.is_dir() {
                    return Err(ReadError::Folder);
                }
                // A FIFO would block the open (and the run) until a writer
                // comes, a device could be read forever: only regular files
                // are inputs. Asked of the metadata, which never blocks.
                if !metadata.is_file() {
                    return Err(ReadError::NotRegular);
                }
                Ok(Input::File(File::open(path)?))
            }
            Kind::Bytes(data) => Ok(Input::Bytes(Cursor::new(Arc::clone(data)))),
        }
    }

    /// The size in bytes.
    ///
    /// # Errors
    /// As [`Self::open`].
    pub(crate) fn len(&self) -> Result<u64, ReadError> {
        match &self.kind {
            Kind::Path(path) => Ok(std::fs::metadata(path)?.len()),
            Kind::Bytes(data) => Ok(data.len() as u64),
        }
    }
}

/// An open [`Source`]: a file, or a cursor over shared bytes.
pub(crate) enum Input {
    File(File),
    Bytes(Cursor<Arc<[u8]>>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::File(file) => file.read(buf),
            Input::Bytes(cursor) => cursor.read(buf),
        }
    }
}

impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Input::File(file) => file.seek(pos),
            Input::Bytes(cursor) => cursor.seek(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions() {
        let upload = Source::bytes("../etc/客户 .XLSX", Vec::new());
        assert_eq!(upload.name(), "../etc/客户 .XLSX");
        assert_eq!(upload.extension(), "xlsx");
        assert_eq!(Source::bytes("noext", Vec::new()).extension(), "");
        assert_eq!(Source::bytes(".csv", Vec::new()).extension(), "");
        assert_eq!(Source::path("a/b.Csv").extension(), "csv");
        // A log of a source shows no content.
        let debug = format!("{:?}", Source::bytes("a.csv", b"secret".to_vec()));
        assert!(
            !debug.contains("secret") && debug.contains("len: 6"),
            "{debug}"
        );
    }

    #[test]
    fn bytes_open_anew_each_time() {
        let source = Source::bytes("a.csv", b"abc".to_vec());
        for _ in 0..2 {
            let mut text = String::new();
            source.open().unwrap().read_to_string(&mut text).unwrap();
            assert_eq!(text, "abc");
        }
        assert_eq!(source.len().unwrap(), 3);
    }
}
