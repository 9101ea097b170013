//! The one call both front ends make: validate some files together, and
//! annotate copies of some of them.
//!
//! The CLI (`validate`, `validate --annotate`) and the desk (`serve`) read their
//! files as [`Source`]s — paths, or uploads held in memory — and get back the
//! report and, per file that could not be read, its [`ReadError`]: each front
//! end says so its own way (a line on stderr, a line on the page). Change-log
//! contacts are counted here, so that neither front end has to know of them.
//!
//! ```
//! use crmsheet::check::validate;
//! use crmsheet::read::Source;
//! use crmsheet::rules::Options;
//! use crmsheet::value::parse_as_of;
//! use crmsheet::{lang::Lang, template::Template};
//!
//! let template = Template::builtin();
//! let options = Options { as_of: parse_as_of("2026-11-30").unwrap(), lang: Lang::En };
//! let upload = Source::bytes("a.xlsx", Vec::new());
//! let checked = validate(&template, options, &[upload], None);
//! assert_eq!(checked.unreadable[0].0, 0);
//! assert_eq!(checked.report.files[0].path, "a.xlsx");
//! ```

use crate::lang::Lang;
use crate::progress::Progress;
use crate::read::{ReadError, Row, RowSink, SheetLayout, Source};
use crate::report::annotate::{self, Kept, Written};
use crate::report::Report;
use crate::rules::{Options, Validation};
use crate::template::Template;
use std::path::Path;

/// What validating some files found.
#[derive(Debug)]
pub struct Checked {
    pub report: Report,
    /// The files that could not be read at all, by index into the sources, in
    /// order, with the cause (also in the report, as `file-unreadable`).
    pub unreadable: Vec<(usize, ReadError)>,
}

/// Validates `sources` together, in order (a master register first if the
/// caller puts it first: the order decides which of two rows is "the first"),
/// change-log contacts included. Several files are read and checked in
/// parallel where there are cores for it, with the findings of checking them
/// one by one. `progress`, when given, counts the rows and is finished before
/// this returns.
pub fn validate(
    template: &Template,
    options: Options,
    sources: &[Source],
    progress: Option<Progress>,
) -> Checked {
    let mut run = Validation::new(template, options);
    if let Some(progress) = &progress {
        run.set_progress(progress.clone());
    }
    let results = run.check_sources(sources);
    if let Some(progress) = &progress {
        progress.finish();
    }
    finish(run, results)
}

/// Sees each data row of each file as the validation reads it: a front end
/// that shows rows (the desk's grid of rows with findings) keeps what it needs
/// from the one reading instead of reading the file again.
pub trait RowWatcher {
    /// A data sheet of file `file` (index into the sources) begins.
    fn sheet(&mut self, file: usize, layout: &SheetLayout);
    /// A data row of that sheet, before it is checked.
    fn row(&mut self, file: usize, layout: &SheetLayout, row: &Row);
}

/// [`validate`], showing every data row to `watcher` as it is read. The files
/// are read one by one on this thread (suited to uploads; for many large
/// files [`validate`] reads them side by side).
pub fn validate_watching(
    template: &Template,
    options: Options,
    sources: &[Source],
    watcher: &mut dyn RowWatcher,
) -> Checked {
    let mut run = Validation::new(template, options);
    let results = sources
        .iter()
        .enumerate()
        .map(|(file, source)| {
            let mut checker = run.begin_file(source);
            let mut tee = Watched {
                checker: &mut checker,
                watcher: &mut *watcher,
                file,
            };
            let result = crate::read::read_source_pipelined(source, template, &mut tee);
            checker.end(result)
        })
        .collect();
    finish(run, results)
}

/// The checker's sink, with the watcher shown each sheet and row first.
struct Watched<'a, S: RowSink> {
    checker: &'a mut S,
    watcher: &'a mut dyn RowWatcher,
    file: usize,
}

impl<S: RowSink> RowSink for Watched<'_, S> {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.watcher.sheet(self.file, layout);
        self.checker.sheet(layout);
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        self.watcher.row(self.file, layout, &row);
        self.checker.row(layout, row);
    }

    crate::read::forward_merged_cells!(checker);

    fn spare_row(&mut self) -> Option<Row> {
        self.checker.spare_row()
    }
}

/// Validation results and annotated copies in memory.
#[derive(Debug)]
pub struct Annotated {
    pub report: Report,
    /// As [`Checked::unreadable`].
    pub unreadable: Vec<(usize, ReadError)>,
    /// One per index of `copy_of`, in its order: the annotated copy as the bytes
    /// of an xlsx file, or `None` when that file could not be read.
    pub copies: Vec<Option<Vec<u8>>>,
}

/// One validation run over all `sources` (as [`validate`]) and, for each index
/// in `copy_of`, the annotated copy of that source as xlsx bytes in memory. No
/// disk is touched for bytes sources: the copies are built in memory, so this
/// suits uploads rather than million-row registers (see [`Annotating`] for a
/// copy written to a file).
///
/// # Errors
/// A copy cannot be built: the file changed on disk between the two readings,
/// or the workbook cannot be assembled.
pub fn annotate(
    template: &Template,
    options: Options,
    sources: &[Source],
    copy_of: &[usize],
    lang: Lang,
) -> anyhow::Result<Annotated> {
    let run = validate_for_copies(template, options, sources, copy_of);
    let copies = copy_of
        .iter()
        .map(|&index| run.copy_to_bytes(template, index, lang))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Checked { report, unreadable } = run.checked;
    Ok(Annotated {
        report,
        unreadable,
        copies,
    })
}

/// A validation run that kept what the annotated copies of some of its files
/// need; each copy is then written to memory or to a file. The CLI prints the
/// report before it writes the copy (which reads the file a second time).
#[derive(Debug)]
pub struct Annotating {
    pub checked: Checked,
    /// (index into the sources, what its copy needs) for each readable file a
    /// copy was asked of.
    kept: Vec<(usize, Kept)>,
}

/// The validation of [`annotate`], keeping what the copies of the sources at
/// `copy_of` need; write them with [`Annotating::copy_to_bytes`] or
/// [`Annotating::copy_to_file`].
pub fn validate_for_copies(
    template: &Template,
    options: Options,
    sources: &[Source],
    copy_of: &[usize],
) -> Annotating {
    if copy_of.is_empty() {
        return Annotating {
            checked: validate(template, options, sources, None),
            kept: Vec::new(),
        };
    }
    let mut run = Validation::new(template, options);
    let mut kept = Vec::new();
    // One by one: a file to copy is read with its cells outside the schema,
    // which only the plain one-thread reading passes on.
    let results = sources
        .iter()
        .enumerate()
        .map(|(index, source)| {
            if copy_of.contains(&index) {
                annotate::check_keeping(&mut run, source).map(|k| kept.push((index, k)))
            } else {
                run.check_source(source)
            }
        })
        .collect();
    Annotating {
        checked: finish(run, results),
        kept,
    }
}

impl Annotating {
    fn kept(&self, index: usize) -> Option<&Kept> {
        self.kept.iter().find(|(i, _)| *i == index).map(|(_, k)| k)
    }

    /// The annotated copy of source `index` as xlsx bytes, built in memory;
    /// `None` when the file could not be read or no copy of it was asked for.
    ///
    /// # Errors
    /// As [`annotate()`].
    pub fn copy_to_bytes(
        &self,
        template: &Template,
        index: usize,
        lang: Lang,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(kept) = self.kept(index) else {
            return Ok(None);
        };
        let (bytes, _) = annotate::to_bytes(template, &self.checked.report, kept, lang)?;
        Ok(Some(bytes))
    }

    /// Writes the annotated copy of source `index` to `out` (through a temporary
    /// file, in constant memory however long the file); `None` when the file
    /// could not be read or no copy of it was asked for.
    ///
    /// # Errors
    /// The file changed or cannot be read again; `out` cannot be written (it
    /// exists without `force`, the folder is read-only, …).
    pub fn copy_to_file(
        &self,
        template: &Template,
        index: usize,
        out: &Path,
        force: bool,
        lang: Lang,
    ) -> anyhow::Result<Option<Written>> {
        let Some(kept) = self.kept(index) else {
            return Ok(None);
        };
        annotate::write(template, &self.checked.report, kept, out, force, lang).map(Some)
    }
}

/// Finishes the run.
fn finish(run: Validation<'_>, results: Vec<Result<(), ReadError>>) -> Checked {
    let unreadable = results
        .into_iter()
        .enumerate()
        .filter_map(|(index, result)| result.err().map(|error| (index, error)))
        .collect();
    Checked {
        report: run.finish(),
        unreadable,
    }
}
