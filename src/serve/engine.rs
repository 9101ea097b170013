//! The desk's one door into the library: uploads in, a report, annotated copies
//! and the rows to show out. Everything here goes through the library's public
//! reading and checking API, exactly as the CLI does.

use super::grid::{FileGrid, GridSink};
use crate::rules::{Options, Report};
use crate::template::Template;
use std::sync::Arc;

/// A file as uploaded: its name (shown, never used as a path) and its bytes,
/// held in memory only.
#[derive(Clone)]
pub struct Upload {
    pub name: String,
    pub data: Arc<[u8]>,
}

impl std::fmt::Debug for Upload {
    // The bytes are a customer register: only their length may show.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("len", &self.data.len())
            .finish()
    }
}

/// What the self-check page shows.
#[derive(Debug)]
pub struct PageCheck {
    pub report: Report,
    /// Per upload: its annotated copy (`None` when it could not be read).
    pub copies: Vec<Option<Vec<u8>>>,
    /// Per upload: its rows with findings.
    pub grids: Vec<FileGrid>,
}

/// Checks the uploads together (as `validate A B` would) for the API.
///
/// # Errors
/// The engine could not run at all.
pub fn validate(
    template: &Template,
    options: Options,
    uploads: &[Upload],
) -> anyhow::Result<Report> {
    let _ = (template, options, uploads);
    anyhow::bail!("reading uploads from memory is not available yet")
}

/// Checks the uploads together, makes each readable one's annotated copy and
/// reads back the rows with findings.
///
/// # Errors
/// The engine could not run at all.
pub fn check_page(
    template: &Template,
    options: Options,
    uploads: &[Upload],
) -> anyhow::Result<PageCheck> {
    let _ = (template, options, uploads);
    anyhow::bail!("reading uploads from memory is not available yet")
}

/// The rows with findings of file `index` of `report`, read by `read`.
pub fn grid_of(
    template: &Template,
    report: &Report,
    index: usize,
    read: impl FnOnce(&mut GridSink<'_>) -> bool,
) -> FileGrid {
    let findings: Vec<_> = report.findings_for(index).collect();
    let mut sink = GridSink::new(template, &findings);
    if findings.iter().all(|f| f.row.is_none()) || !read(&mut sink) {
        return FileGrid::default();
    }
    sink.finish()
}
