//! The desk's one door into the library: uploads in, a report, annotated copies
//! and the rows to show out. Everything here goes through the library's public
//! API ([`crate::check`], [`crate::read`]), exactly as the CLI's commands do.

use super::grid::{FileGrid, GridSink, Recorder};
use crate::check;
use crate::lang::Lang;
use crate::read::{read_source, Source};
use crate::report::Report;
use crate::rules::{references, Finding, Options};
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

/// The uploads as the library reads them.
pub fn sources(uploads: &[Upload]) -> Vec<Source> {
    uploads
        .iter()
        .map(|u| Source::bytes(u.name.clone(), u.data.clone()))
        .collect()
}

/// Checks the uploads together, as `validate A B` would.
pub fn validate(template: &Template, options: Options, uploads: &[Upload]) -> Report {
    check::validate(template, options, &sources(uploads), None).report
}

/// What the self-check page shows.
#[derive(Debug)]
pub struct PageCheck {
    /// The findings of `validate` on the uploads, but for [`register_elsewhere`]'s.
    pub report: Report,
    /// Per upload: its rows with findings.
    pub grids: Vec<FileGrid>,
    /// The findings saying the updates' IDs could not be checked: the page
    /// shows them as a note.
    pub ids_unchecked: Vec<Finding>,
}

/// Takes out of `report` the finding that no register was among the files (the
/// updates' IDs cannot be checked). On the desk that is no mistake of the
/// salesperson's: the self-check, open without a login, never reads the
/// register (its customers' names would be shown to anyone), and the admin's
/// inbox checks the IDs against it before merging.
pub fn register_elsewhere(report: &mut Report) -> Vec<Finding> {
    let (unchecked, kept) = std::mem::take(&mut report.findings)
        .into_iter()
        .partition(references::is_no_register);
    report.findings = kept;
    unchecked
}

/// Checks the uploads together and picks each file's rows with findings from
/// the same reading (a very long file is read again for its grid).
pub fn check_page(template: &Template, options: Options, uploads: &[Upload]) -> PageCheck {
    let sources = sources(uploads);
    let mut recorder = Recorder::new(sources.len());
    let mut report = check::validate_watching(template, options, &sources, &mut recorder).report;
    let ids_unchecked = register_elsewhere(&mut report);
    let grids = sources
        .iter()
        .enumerate()
        .map(|(index, source)| {
            grid_of(template, &report, index, |sink| {
                recorder.replay(index, sink) || read_source(source, template, sink).is_ok()
            })
        })
        .collect();
    PageCheck {
        report,
        grids,
        ids_unchecked,
    }
}

/// The annotated copy of upload `index`, checked together with the others as
/// on the page (so it carries the same findings); `None` when it cannot be
/// read.
///
/// # Errors
/// The copy could not be assembled.
pub fn copy(
    template: &Template,
    options: Options,
    uploads: &[Upload],
    index: usize,
    lang: Lang,
) -> anyhow::Result<Option<Vec<u8>>> {
    let mut run = check::validate_for_copies(template, options, &sources(uploads), &[index]);
    // The copy carries the page's findings.
    register_elsewhere(&mut run.checked.report);
    run.copy_to_bytes(template, index, lang)
}

/// The rows with findings of file `index` of `report`, read by `read` (false:
/// the file could not be read again, and no grid is shown).
pub fn grid_of(
    template: &Template,
    report: &Report,
    index: usize,
    read: impl FnOnce(&mut GridSink<'_>) -> bool,
) -> FileGrid {
    let findings: Vec<_> = report.findings_for(index).collect();
    if findings.iter().all(|f| f.row.is_none()) {
        return FileGrid::default();
    }
    let mut sink = GridSink::new(template, &findings);
    if !read(&mut sink) {
        return FileGrid::default();
    }
    sink.finish()
}
