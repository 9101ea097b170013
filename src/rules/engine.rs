//! The validation engine: reads every file of a run through one [`RowSink`],
//! types each row once, runs the per-row rules, keeps only the keys the
//! cross-row rules need (interned IDs, normalised names, dates, row positions —
//! never the rows; see [`super::cross`]), and resolves those after the last file.
//!
//! validate and merge both run it: [`Validation::check_source`] for each file
//! (master first, then argument order), or [`Validation::check_sources`] for all
//! of them at once, then [`Validation::finish`] for the [`Report`]. A file is a
//! [`Source`]: a path, or bytes in memory (an upload to the desk).
//!
//! Where the time goes: a file is read on one thread while its rows are checked
//! on another ([`crate::read::read_file_pipelined`]); with several files, up to
//! one file per core is read and checked at a time, and the cross-row keys are
//! folded in file order ([`super::parallel`]), so "first" means the same as in a
//! run that reads the files one by one.

use super::cross::{note_contact, At, Contact, CrossRows};
use super::findings::{moved_to_row, FindingSink, Findings};
use super::references::UpdateTarget;
use super::row::{RowRule, RowView};
use super::sink::{FoldNow, PartSink};
use super::{dates, fields, identity, privacy, references, reviews, structure};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::progress::Progress;
use crate::read::{
    a1, FieldCell, FileRead, Format, MergedCells, ReadError, Row, RowSink, SheetLayout, Source,
    Stamp, Value,
};
use crate::report::{FileReport, Report};
use crate::template::{KeyFields, Review, SheetKind, Template};
use crate::text::normalize_value;
use crate::value::{type_cell, DateValue, Typed};
use std::collections::HashMap;
use std::path::Path;

/// What a run is checked against besides the template.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// "Now" for future dates, overdue reviews and stale customers.
    pub as_of: DateValue,
    /// Language of the messages.
    pub lang: Lang,
}

/// What every file of a run is checked against; shared by the threads that
/// check files.
#[derive(Clone)]
pub(super) struct Context<'t> {
    pub template: &'t Template,
    pub options: Options,
    /// Rows counted for the progress line.
    pub progress: Progress,
}

impl<'t> Context<'t> {
    /// The fields of a sheet the rules work with.
    fn keys(&self, kind: SheetKind) -> &'t KeyFields {
        &self.template.sheet(kind).keys
    }
}

/// A data sheet of a file as the findings describe it.
#[derive(Debug, Clone)]
pub(super) struct SheetInfo {
    pub name: String,
    pub lang: Lang,
    /// Per field: the 0-based column, or `None` when missing.
    pub columns: Vec<Option<u32>>,
    /// Per field: the template header in the sheet's language.
    pub headers: Vec<String>,
}

pub(super) struct FileState {
    /// The file as given, for reading it again.
    source: Source,
    /// The workbook has a change-log sheet (it is a merged register).
    change_log: bool,
    report: FileReport,
    /// Entry and update sheet, once seen.
    sheets: [Option<SheetInfo>; 2],
}

pub(super) fn slot(kind: SheetKind) -> usize {
    match kind {
        SheetKind::Entry => 0,
        SheetKind::Update => 1,
    }
}

/// What a non-rejected row leaves for the cross-row rules (borrowed from the
/// row while it is checked).
#[derive(Debug, Clone, Copy)]
pub(super) struct RowKeys<'a> {
    pub kind: SheetKind,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub salesperson: Option<&'a str>,
    pub date: Option<DateValue>,
    /// Option of the customer status list.
    pub status: Option<usize>,
    pub approved: bool,
}

/// A validation run over one or more files.
///
/// ```no_run
/// use crmsheet::rules::{Options, Validation};
/// use crmsheet::value::now;
/// use crmsheet::template::Template;
/// use crmsheet::lang::Lang;
/// use std::path::Path;
///
/// let template = Template::builtin();
/// let mut run = Validation::new(&template, Options { as_of: now(), lang: Lang::Zh });
/// for path in ["master.xlsx", "a.xlsx"] {
///     if let Err(e) = run.check_file(Path::new(path)) {
///         eprintln!("crmsheet: {path}: {e}");
///     }
/// }
/// let report = run.finish();
/// println!("{} errors", report.summary().errors);
/// ```
pub struct Validation<'t> {
    pub(super) ctx: Context<'t>,
    pub(super) files: Vec<FileState>,
    pub(super) findings: Findings,
    pub(super) cross: CrossRows,
    /// Per customer ID, the latest contact its change logs record
    /// ([`Validation::add_contact`]).
    log_contacts: HashMap<u32, Contact>,
    /// Buffer for normalising names.
    name_buffer: String,
}

impl<'t> Validation<'t> {
    pub fn new(template: &'t Template, options: Options) -> Validation<'t> {
        Validation {
            ctx: Context {
                template,
                options,
                progress: Progress::hidden(),
            },
            files: Vec::new(),
            findings: Findings::default(),
            cross: CrossRows::new(&template.params.id_prefix),
            log_contacts: HashMap::new(),
            name_buffer: String::new(),
        }
    }

    pub fn template(&self) -> &'t Template {
        self.ctx.template
    }

    pub fn options(&self) -> &Options {
        &self.ctx.options
    }

    /// Counts the rows checked from now on on `progress` (see [`Progress`]).
    pub fn set_progress(&mut self, progress: Progress) {
        self.ctx.progress = progress;
    }

    /// Reads one file and checks its rows, the reading and the checking on two
    /// threads. Call it for the master first, then for the inputs in argument
    /// order: the order decides which of two rows is "the first".
    ///
    /// # Errors
    /// The file could not be read; the run records a `file-unreadable` finding for
    /// it (the caller prints `crmsheet: PATH: cause`) and goes on.
    pub fn check_file(&mut self, path: &Path) -> Result<(), ReadError> {
        self.check_source(&Source::path(path))
    }

    /// [`Self::check_file`] of a [`Source`]: a path, or bytes in memory.
    ///
    /// # Errors
    /// As [`Self::check_file`].
    pub fn check_source(&mut self, source: &Source) -> Result<(), ReadError> {
        let template = self.ctx.template;
        let mut checker = self.begin_file(source);
        let result = crate::read::read_source_pipelined(source, template, &mut checker);
        checker.end(result)
    }

    /// Checks several files, in order (master first, then argument order), with
    /// the same findings as [`Self::check_file`] on each in turn; up to one file
    /// per core is read and checked at a time. One result per path, in order.
    pub fn check_files(&mut self, paths: &[&Path]) -> Vec<Result<(), ReadError>> {
        let sources: Vec<Source> = paths.iter().map(|&path| Source::path(path)).collect();
        self.check_sources(&sources)
    }

    /// [`Self::check_files`] of [`Source`]s: paths, bytes in memory, or both.
    pub fn check_sources(&mut self, sources: &[Source]) -> Vec<Result<(), ReadError>> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        if sources.len() < 2 || cores < 2 {
            return sources
                .iter()
                .map(|source| self.check_source(source))
                .collect();
        }
        super::parallel::check_sources(self, sources, cores)
    }

    /// Starts a file for a caller that drives the reader itself (to pass the rows
    /// on to something else as well): feed the returned [`FileChecker`] to the
    /// reader as its [`RowSink`], then hand the reader's result to
    /// [`FileChecker::end`]. A checker dropped without `end` leaves the file
    /// counted as unreadable.
    pub fn begin_file(&mut self, source: &Source) -> FileChecker<'_, 't> {
        let file = self.add_file(source);
        self.checker_for(file)
    }

    /// A checker for `file`, already added with [`Self::add_file`].
    pub(super) fn checker_for(&mut self, file: usize) -> FileChecker<'_, 't> {
        let ctx = self.ctx.clone();
        let path = self.path(file).to_string();
        FileChecker {
            sink: PartSink::new(ctx, file, &path, FoldNow::new(self, file)),
        }
    }

    /// Adds a file to the report (unreadable until it is ended); its index.
    pub(super) fn add_file(&mut self, source: &Source) -> usize {
        let display = source.name().to_string();
        let file = self.files.len();
        self.files.push(FileState {
            source: source.clone(),
            change_log: false,
            report: FileReport {
                path: display,
                readable: false,
                format: None,
                template_version: None,
                sheets: Vec::new(),
                error: None,
                seen_again: 0,
                omitted: Vec::new(),
            },
            sheets: [None, None],
        });
        file
    }

    /// The path of a file of the run, as the findings show it.
    pub(super) fn path(&self, file: usize) -> &str {
        self.files.get(file).map_or("", |f| f.report.path.as_str())
    }

    /// Records a data sheet of `file` and its sheet-level findings.
    pub(super) fn add_sheet(&mut self, file: usize, kind: SheetKind, info: SheetInfo) {
        if let Some(state) = self.files.get_mut(file) {
            state.sheets[slot(kind)] = Some(info);
        }
    }

    /// Hands a row's cross-row keys to the cross-row state.
    pub(super) fn keep(&mut self, file: usize, row: u32, keys: RowKeys<'_>) {
        let at = At {
            file: file as u32,
            row,
        };
        let run = RunView {
            ctx: &self.ctx,
            files: &self.files,
        };
        keep_keys(
            &run,
            &mut self.cross,
            &mut self.findings,
            &mut self.name_buffer,
            at,
            keys,
        );
    }

    /// Ends a file with the reader's result: file-level findings for a file
    /// that was read; for one that was not, its partial findings (those after
    /// `findings_before`) are dropped and a `file-unreadable` finding takes their
    /// place.
    pub(super) fn end_file(
        &mut self,
        file: usize,
        findings_before: usize,
        updates_before: usize,
        result: Result<FileRead, ReadError>,
    ) -> Result<(), ReadError> {
        let lang = self.ctx.options.lang;
        let template = self.ctx.template;
        let path = self.path(file).to_string();
        let place = Place::file(file, &path);
        match result {
            Ok(read) => {
                let mut out = Vec::new();
                if let Some(stamped) = read.stamp.version() {
                    if stamped != template.version {
                        out.push(structure::template_version(
                            &place,
                            stamped,
                            &template.version,
                            lang,
                        ));
                    }
                } else if read.stamp == Stamp::Missing && read.format != Format::Csv {
                    out.push(structure::template_unknown(&place, lang));
                }
                // A CSV holds one sheet: it misses something only when it is
                // neither of them.
                if read.format == Format::Csv {
                    if read.sheets.is_empty() {
                        let name =
                            |kind: SheetKind| template.sheet(kind).name.get(lang).to_string();
                        out.push(structure::unrecognised_csv(
                            &place,
                            &name(SheetKind::Entry),
                            &name(SheetKind::Update),
                            lang,
                        ));
                    }
                } else {
                    for &kind in &read.missing_sheets {
                        let name = template.sheet(kind).name.get(lang);
                        out.push(structure::missing_sheet(&place, name, lang));
                    }
                    for (kind, extra) in &read.extra_sheets {
                        let read_as = read
                            .sheets
                            .iter()
                            .find(|s| s.kind == *kind)
                            .map(|s| s.name.as_str());
                        out.push(structure::extra_sheet(&place, extra, read_as, lang));
                    }
                }
                self.findings.extend(out);
                if let Some(state) = self.files.get_mut(file) {
                    state.change_log = read.change_log.is_some();
                    let report = &mut state.report;
                    report.readable = true;
                    report.format = Some(read.format);
                    report.template_version = read.stamp.version().map(str::to_string);
                    report.sheets = read.sheets;
                }
                Ok(())
            }
            Err(error) => {
                self.findings.forget_file(file, findings_before);
                self.cross.forget_file(file, updates_before);
                let f = structure::file_unreadable(&place, &error, lang);
                self.findings.push(f);
                if let Some(state) = self.files.get_mut(file) {
                    state.report.error = Some(error.clone());
                }
                Err(error)
            }
        }
    }

    /// The readable files of the run that have a change-log sheet (merged
    /// registers, whose applied updates left the update sheet for the log), in
    /// run order.
    pub fn files_with_change_log(&self) -> Vec<Source> {
        self.files
            .iter()
            .filter(|f| f.change_log && f.report.readable)
            .map(|f| f.source.clone())
            .collect()
    }

    /// Counts a contact with customer `id` on `date` for `stale-customer`: an
    /// update an earlier merge applied, as a change log records it. Call before
    /// [`Self::finish`].
    pub fn add_contact(&mut self, id: &str, date: DateValue) {
        let id = normalize_value(id);
        if id.is_empty() {
            return;
        }
        let n = self.cross.intern_id(&id);
        note_contact(&mut self.log_contacts, n, Some(date));
    }

    /// Resolves the cross-row rules and returns the report. The change logs of
    /// the run's registers are read first, for the contacts they record.
    pub fn finish(mut self) -> Report {
        for source in self.files_with_change_log() {
            let template = self.ctx.template;
            // An unreadable log is passed over; merge, which copies it, says why.
            let _ = crate::changelog::contacts(&source, template, &mut |id, date| {
                self.add_contact(id, date)
            });
        }
        self.resolve_updates_and_staleness();
        let (mut findings, caps) = std::mem::take(&mut self.findings).into_parts();
        findings.sort_by_key(Finding::order_key);
        let mut files: Vec<FileReport> = self.files.into_iter().map(|f| f.report).collect();
        for (file, &n) in files.iter_mut().zip(&self.cross.seen_again) {
            file.seen_again = n;
        }
        for (file, cap) in files.iter_mut().zip(&caps) {
            file.omitted = cap.omitted();
        }
        Report {
            schema_version: self.ctx.template.version.clone(),
            as_of: self.ctx.options.as_of,
            lang: self.ctx.options.lang,
            files,
            findings,
        }
    }

    /// unknown-customer, id-name-mismatch, date-order against the entry, and
    /// stale-customer for customers with an ID, once every file is read.
    fn resolve_updates_and_staleness(&mut self) {
        let Validation {
            ctx,
            files,
            cross,
            findings: all_findings,
            log_contacts,
            name_buffer,
        } = self;
        let run = RunView { ctx, files };
        let cross = &*cross;
        // Only customers named by updates (or change logs) have these, so maps
        // rather than a slot per customer.
        let mut contacts = std::mem::take(log_contacts);
        // Latest approved status change: (date, position, option).
        let mut latest_status: HashMap<u32, (Option<DateValue>, usize, usize)> = HashMap::new();
        // With no approved customer at all in the run, the register was most
        // likely left out: one finding saying so, not one per update.
        let no_register = !cross.customers().any(|(_, c)| c.approved_in().is_some());
        let mut unknown_without_register: Vec<(At, u32)> = Vec::new();
        // The findings of an update's first row; its repeats get copies.
        let mut first = Vec::new();
        for (seq, u) in cross.updates.iter().enumerate() {
            first.clear();
            match references::check_update(&run, cross, u, no_register, &mut first, name_buffer) {
                UpdateTarget::NoRegister => {
                    unknown_without_register.push((u.at, u.id));
                    continue;
                }
                UpdateTarget::Unknown => {}
                UpdateTarget::Customer(customer) => {
                    first.extend(dates::update_after_entry(&run, u, customer));
                    note_contact(&mut contacts, u.id, u.date);
                    if let (true, Some(status)) = (u.approved, u.status) {
                        let key = (u.date, seq, status);
                        let latest = latest_status.entry(u.id).or_insert(key);
                        if (key.0, key.1) > (latest.0, latest.1) {
                            *latest = key;
                        }
                    }
                }
            }
            add_repeated(all_findings, &first, u.at.row, u.repeats);
        }
        all_findings.extend(references::no_register_once(
            &run,
            cross,
            &unknown_without_register,
        ));
        let latest_status: HashMap<u32, usize> = latest_status
            .into_iter()
            .map(|(n, (_, _, option))| (n, option))
            .collect();
        reviews::stale_customers(&run, cross, &contacts, &latest_status, all_findings);
    }
}

/// Adds `first`, the findings of the row `row`, and copies of them for the
/// `repeats` identical rows below it, as far as the cap keeps them.
fn add_repeated(findings: &mut Findings, first: &[Finding], row: u32, repeats: u32) {
    findings.extend(first.iter().cloned());
    for k in 1..=repeats {
        for f in first {
            if findings.wants(f.file_index, f.rule) {
                findings.add(moved_to_row(f, row.saturating_add(k)));
            }
        }
    }
}

/// What a cross-row rule sees of the run: the template and options, and each
/// file's data sheets, to name the cell of a kept row.
pub(super) struct RunView<'a, 't> {
    ctx: &'a Context<'t>,
    files: &'a [FileState],
}

impl<'t> RunView<'_, 't> {
    pub fn template(&self) -> &'t Template {
        self.ctx.template
    }

    pub fn options(&self) -> &Options {
        &self.ctx.options
    }

    pub fn lang(&self) -> Lang {
        self.ctx.options.lang
    }

    /// The fields of a sheet the rules work with.
    pub fn keys(&self, kind: SheetKind) -> &'t KeyFields {
        self.ctx.keys(kind)
    }

    /// The language of the sheet holding a kept row (labels are shown as that
    /// sheet shows them).
    pub fn sheet_lang(&self, at: At, kind: SheetKind) -> Lang {
        self.files
            .get(at.file as usize)
            .and_then(|f| f.sheets[slot(kind)].as_ref())
            .map_or(Lang::Zh, |i| i.lang)
    }

    /// `file!cell` of a field on a kept row.
    pub fn reference(&self, at: At, kind: SheetKind, field: Option<usize>) -> String {
        let file = self.files.get(at.file as usize);
        let path = file.map_or("", |f| f.report.path.as_str());
        match column_of(file, kind, field) {
            Some(col) => format!("{path}!{}", a1(at.row, col)),
            None => format!("{path}:{}", at.row),
        }
    }

    /// The place of a field on a kept row, for a cross-row finding.
    pub fn place(&self, at: At, kind: SheetKind, field: Option<usize>) -> Place<'_> {
        let file = self.files.get(at.file as usize);
        let info = file.and_then(|f| f.sheets[slot(kind)].as_ref());
        let def = self.ctx.template.sheet(kind);
        Place {
            file_index: at.file as usize,
            file: file.map_or("", |f| f.report.path.as_str()),
            sheet_kind: Some(kind),
            sheet: info.map(|i| i.name.as_str()),
            row: Some(at.row),
            col: column_of(file, kind, field),
            field: field.and_then(|i| Some((i, def.fields.get(i)?.key.as_str()))),
            column: match (info, field) {
                (Some(info), Some(i)) => info.headers.get(i).map_or("", String::as_str),
                _ => "",
            },
        }
    }
}

/// The column of a field on a file's sheet. Every cell of a row the reader
/// passes sits in its field's layout column, so a kept row needs no columns of
/// its own.
fn column_of(file: Option<&FileState>, kind: SheetKind, field: Option<usize>) -> Option<u32> {
    let info = file?.sheets[slot(kind)].as_ref()?;
    info.columns.get(field?).copied().flatten()
}

/// Hands a row's keys to the cross-row state: duplicate ID and name checks run
/// now, since "first" is simply the first one seen; updates wait for
/// [`Validation::finish`].
fn keep_keys(
    run: &RunView,
    cross: &mut CrossRows,
    findings: &mut impl FindingSink,
    name_buffer: &mut String,
    at: At,
    keys: RowKeys<'_>,
) {
    match keys.kind {
        SheetKind::Entry => {
            if identity::keep_entry(run, cross, findings, name_buffer, at, keys) {
                if let Some(f) = reviews::stale_without_id(run, at, keys) {
                    findings.add(f);
                }
            }
        }
        SheetKind::Update => {
            if let Some(id) = keys.id {
                let id = cross.intern_id(id);
                cross.keep_update(id, at, keys.name, keys.date, keys.approved, keys.status);
            }
        }
    }
}

/// A data sheet of a file: what the findings need to know about it, and its
/// sheet-level findings (missing, repeated and unknown columns).
pub(super) fn sheet_checks(
    ctx: &Context,
    file: usize,
    path: &str,
    layout: &SheetLayout,
) -> (SheetInfo, Vec<Finding>) {
    let def = ctx.template.sheet(layout.kind);
    let headers: Vec<String> = def
        .fields
        .iter()
        .map(|f| f.header.get(layout.lang).to_string())
        .collect();
    let columns: Vec<Option<u32>> = (0..def.fields.len())
        .map(|i| layout.columns.get(i).copied().flatten())
        .collect();
    let sheet_place = |field: Option<usize>, col: Option<u32>| Place {
        file_index: file,
        file: path,
        sheet_kind: Some(layout.kind),
        sheet: Some(&layout.name),
        row: col.map(|_| layout.header_row),
        col,
        field: field.and_then(|i| Some((i, def.fields.get(i)?.key.as_str()))),
        column: field
            .and_then(|i| headers.get(i))
            .map_or("", String::as_str),
    };
    let lang = ctx.options.lang;
    let mut out = Vec::new();
    for (i, col) in columns.iter().enumerate() {
        if col.is_none() {
            out.push(structure::missing_column(&sheet_place(Some(i), None), lang));
        }
    }
    for &(col, field) in &layout.duplicates {
        let first = columns
            .get(field)
            .copied()
            .flatten()
            .map(|c| a1(layout.header_row, c))
            .unwrap_or_default();
        out.push(structure::duplicate_column(
            &sheet_place(Some(field), Some(col)),
            &first,
            lang,
        ));
    }
    for (col, header) in &layout.unknown {
        let place = sheet_place(None, Some(*col));
        out.push(structure::unknown_column(
            &place,
            normalize_value(header).as_ref(),
            lang,
        ));
    }
    let info = SheetInfo {
        name: layout.name.clone(),
        lang: layout.lang,
        columns,
        headers,
    };
    (info, out)
}

/// The per-row rules of each family, in the order they run. Within a family
/// the order is its `ROW_RULES`'; dates before reviews, because a future date
/// takes part in no later rule.
const FAMILY_ROW_RULES: [&[RowRule]; 6] = [
    privacy::ROW_RULES,
    fields::ROW_RULES,
    dates::ROW_RULES,
    identity::ROW_RULES,
    references::ROW_RULES,
    reviews::ROW_RULES,
];

/// Checks one data row of `file` (its sheet described by `info`): the per-row
/// findings go to `out`, then, unless the row is rejected, its keys go to
/// `keep` for the cross-row rules.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_row(
    ctx: &Context,
    file: usize,
    path: &str,
    info: &SheetInfo,
    kind: SheetKind,
    row: &Row,
    out: &mut Vec<Finding>,
    keep: impl FnOnce(RowKeys<'_>, &mut Vec<Finding>),
) {
    let template = ctx.template;
    let Options { as_of, lang } = ctx.options;
    let def = template.sheet(kind);
    let first_finding = out.len();
    let mut view = RowView {
        template,
        def,
        kind,
        info,
        row,
        typed: Vec::new(),
        file,
        path,
        as_of,
        lang,
    };
    // Type every cell once; bad values get their finding here.
    let typed = def
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| match view.cell(i) {
            None => Typed::Empty,
            Some(cell) => {
                let typed = type_cell(template, field, &cell.value);
                if let Typed::Bad(bad) = &typed {
                    out.extend(view.bad_value(i, bad));
                }
                typed
            }
        })
        .collect();
    view.typed = typed;
    for rules in FAMILY_ROW_RULES {
        for rule in rules {
            rule(&mut view, out);
        }
    }

    for finding in &mut out[first_finding..] {
        let cell = finding.field_index.and_then(|i| view.cell(i));
        if let Some(FieldCell {
            value: Value::Text(raw),
            ..
        }) = cell
        {
            show_cell_text(finding, raw);
        }
    }

    // Keys for the cross-row rules; rejected rows take no part.
    let review = view.review();
    if review == Some(Review::Rejected) {
        return;
    }
    let keys = &def.keys;
    keep(
        RowKeys {
            kind,
            id: view.id(),
            name: view.text(keys.name),
            salesperson: view.text(keys.salesperson),
            date: view.row_date(),
            status: keys.customer_status.and_then(|i| view.choice(i)),
            approved: review == Some(Review::Approved),
        },
        out,
    );
}

/// Values are typed normalised (NFKC: `，` becomes `,`, `Ｃ００１` `C001`), but a
/// person holds the report against the cell: a finding that shows the cell's
/// value shows the cell's own text instead, in its value and where its message
/// quotes it. Not when the text holds a private detail: that is shown masked,
/// from the normalised text, so full-width digits cannot slip past the masking.
fn show_cell_text(finding: &mut Finding, raw: &str) {
    let shown = raw.trim();
    let Some(value) = finding.value.as_deref() else {
        return;
    };
    if value == shown
        || normalize_value(shown) != value
        || !crate::privacy::find_pii(value).is_empty()
    {
        return;
    }
    for (open, close) in [("「", "」"), ("\"", "\"")] {
        finding.message = finding.message.replace(
            &format!("{open}{value}{close}"),
            &format!("{open}{shown}{close}"),
        );
    }
    finding.value = Some(shown.to_string());
}

/// Rows are counted for the progress line in steps of this many.
pub(super) const PROGRESS_STEP: u64 = 1024;

/// Feeds one file's sheets and rows into a [`Validation`]; the reader's
/// [`RowSink`]. Finish with [`FileChecker::end`]. The file is checked by the
/// same sink that checks files side by side ([`super::sink`]), its parts
/// folded into the run as they come.
pub struct FileChecker<'v, 't> {
    sink: PartSink<'t, FoldNow<'v, 't>>,
}

impl FileChecker<'_, '_> {
    /// Index of this file in the run (and in [`Report::files`]).
    pub fn file_index(&self) -> usize {
        self.sink.file_index()
    }

    /// Whether the run has found an error so far (so that merge, which will be
    /// refused, need not keep rows).
    pub fn run_has_errors(&self) -> bool {
        self.sink.cap.has_errors() || self.sink.parts.run.findings.has_errors()
    }

    /// Ends the file with the reader's result: file-level findings for a file
    /// that was read; for one that was not, its partial findings are dropped and a
    /// `file-unreadable` finding takes their place.
    ///
    /// # Errors
    /// Hands the read error back, for the caller's one-line stderr message.
    pub fn end(mut self, result: Result<FileRead, ReadError>) -> Result<(), ReadError> {
        self.sink.finish(result);
        self.sink.parts.ended().unwrap_or_else(|| {
            Err(ReadError::Corrupt(
                "the file's checking ended unexpectedly".to_string(),
            ))
        })
    }
}

impl RowSink for FileChecker<'_, '_> {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.sink.sheet(layout);
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        self.sink.row(layout, row);
    }

    fn spare_row(&mut self) -> Option<Row> {
        self.sink.spare_row()
    }

    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.sink.wants_merged_cells(layout)
    }

    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        self.sink.merged_cells(layout, merged);
    }
}

/// Says, in the findings of an empty required cell of sheet `kind` that lies
/// inside a merged range (but is not its first cell), that the cell lost its
/// value to the merge.
pub(super) fn explain_merges(
    findings: &mut [Finding],
    kind: SheetKind,
    merged: &MergedCells,
    lang: Lang,
) {
    for finding in findings {
        if finding.rule != Code::MissingRequired || finding.sheet_kind != Some(kind) {
            continue;
        }
        let (Some(row), Some(col)) = (finding.row, finding.col) else {
            continue;
        };
        if let Some(range) = merged.covering(row, col) {
            if (range.first_row, range.first_col) != (row, col) {
                fields::lost_to_merge(finding, range, lang);
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse_as_of;
    use crate::Outcome;

    /// A sheet with every template column, in template order, header on row 1.
    fn layout(t: &Template, kind: SheetKind) -> SheetLayout {
        let def = t.sheet(kind);
        SheetLayout {
            kind,
            name: def.name.zh.clone(),
            lang: Lang::Zh,
            header_row: 1,
            columns: (0..def.fields.len() as u32).map(Some).collect(),
            unknown: Vec::new(),
            duplicates: Vec::new(),
        }
    }

    fn row(t: &Template, kind: SheetKind, n: u32, values: &[(&str, &str)]) -> Row {
        let def = t.sheet(kind);
        let mut cells = vec![None; def.fields.len()];
        for (key, value) in values {
            let i = def.field_index(key).unwrap();
            cells[i] = Some(FieldCell {
                col: i as u32,
                value: Value::Text(value.to_string()),
            });
        }
        Row { row: n, cells }
    }

    fn entry<'a>(
        id: &'a str,
        name: &'a str,
        date: &'a str,
        status: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        let mut v = vec![
            ("entry_date", date),
            ("salesperson", "张伟"),
            ("customer_name", name),
            ("industry", "制造业"),
            ("contact", "王经理"),
            ("interaction", "拜访"),
            ("customer_status", "活跃"),
            ("review_status", status),
        ];
        if !id.is_empty() {
            v.push(("customer_id", id));
        }
        if status == "已通过" || status == "已驳回" {
            v.push(("reviewer", "李娜"));
            v.push(("review_date", date));
        }
        v
    }

    fn update<'a>(id: &'a str, date: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut v = vec![
            ("update_date", date),
            ("salesperson", "张伟"),
            ("customer_id", id),
            ("contact", "赵主任"),
            ("update_reason", "联系人离职"),
            ("maintenance_type", "联系人变更"),
            ("review_status", status),
        ];
        if status == "已通过" || status == "已驳回" {
            v.push(("reviewer", "李娜"));
            v.push(("review_date", date));
        }
        v
    }

    type Rows<'a> = Vec<Vec<(&'a str, &'a str)>>;

    /// Feeds files of (entry rows, update rows); `None` files fail to read midway.
    fn run(as_of: &str, files: &[(Rows, Rows, bool)]) -> Report {
        let t = Template::builtin();
        let options = Options {
            as_of: parse_as_of(as_of).unwrap(),
            lang: Lang::En,
        };
        let mut v = Validation::new(&t, options);
        for (i, (entries, updates, readable)) in files.iter().enumerate() {
            let mut c = v.begin_file(&Source::path(format!("f{i}.xlsx")));
            for (kind, rows) in [(SheetKind::Entry, entries), (SheetKind::Update, updates)] {
                let l = layout(&t, kind);
                c.sheet(&l);
                for (r, values) in rows.iter().enumerate() {
                    c.row(&l, row(&t, kind, r as u32 + 2, values));
                }
            }
            let result = if *readable {
                Ok(FileRead {
                    format: Format::Xlsx,
                    stamp: Stamp::Meta("1.0.0".into()),
                    sheets: Vec::new(),
                    missing_sheets: Vec::new(),
                    change_log: None,
                    extra_sheets: Vec::new(),
                })
            } else {
                Err(ReadError::Corrupt("truncated".into()))
            };
            let _ = c.end(result);
        }
        let report = v.finish();
        drop(t);
        report
    }

    /// `file sheet!cell rule` of each finding, overdue reviews left out (the rows
    /// here are pending for days; that rule has its own tests).
    fn brief(report: &Report) -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.rule != Code::OverdueReview)
            .map(|f| {
                format!(
                    "{} {}{} {}",
                    f.file,
                    f.sheet
                        .as_deref()
                        .map(|s| format!("{s}!"))
                        .unwrap_or_default(),
                    f.cell.as_deref().unwrap_or("-"),
                    f.rule
                )
            })
            .collect()
    }

    #[test]
    fn a_clean_register_has_no_findings() {
        let r = run(
            "2026-11-30",
            &[(
                vec![
                    entry("C001", "明远机械有限公司", "2026-11-20", "已通过"),
                    entry("", "华东电气", "2026-11-29", "待审核"),
                ],
                vec![update("C001", "2026-11-29", "待审核")],
                true,
            )],
        );
        assert_eq!(brief(&r), Vec::<String>::new());
        assert_eq!(r.outcome(true), Outcome::Clean);
    }

    #[test]
    fn duplicates_name_the_first_occurrence_across_files() {
        let r = run(
            "2026-11-30",
            &[
                (
                    vec![entry("C001", "明远机械有限公司", "2026-11-20", "已通过")],
                    vec![],
                    true,
                ),
                (
                    vec![
                        entry("C001", "别的公司", "2026-11-21", "已通过"),
                        entry("", "明远机械（集团）", "2026-11-29", "待审核"),
                        entry("C002", "明远机械", "2026-11-29", "已驳回"),
                    ],
                    vec![],
                    true,
                ),
            ],
        );
        assert_eq!(
            brief(&r),
            [
                "f1.xlsx 客户信息录入表!C2 duplicate-id",
                "f1.xlsx 客户信息录入表!D3 duplicate-customer",
                "f1.xlsx 客户信息录入表!C4 id-before-approval",
            ]
        );
        assert_eq!(r.findings[0].hint.as_deref(), Some("f0.xlsx!C2"));
        assert!(
            r.findings[1].message.contains("f0.xlsx!D2"),
            "{}",
            r.findings[1].message
        );
    }

    #[test]
    fn updates_are_checked_against_the_first_approved_entry() {
        let mut renamed = update("C001", "2026-11-25", "已通过");
        renamed.push(("customer_name", "华东电气"));
        let r = run(
            "2026-11-30",
            &[
                (
                    vec![],
                    vec![
                        update("C001", "2026-11-19", "待审核"),
                        update("C009", "2026-11-25", "待审核"),
                        update("C002", "2026-11-25", "已驳回"),
                        renamed,
                    ],
                    true,
                ),
                (
                    vec![
                        entry("C001", "明远机械有限公司", "2026-11-20", "已通过"),
                        entry("C003", "东方", "2026-11-20", "待审核"),
                    ],
                    vec![update("C003", "2026-11-25", "待审核")],
                    true,
                ),
            ],
        );
        assert_eq!(
            brief(&r),
            [
                "f0.xlsx 客户信息更新表!A2 date-order",
                "f0.xlsx 客户信息更新表!C3 unknown-customer",
                "f0.xlsx 客户信息更新表!D5 id-name-mismatch",
                "f1.xlsx 客户信息录入表!C3 id-before-approval",
                "f1.xlsx 客户信息更新表!C2 unknown-customer",
            ]
        );
        assert!(
            r.findings[0].message.contains("f1.xlsx!A2"),
            "{}",
            r.findings[0].message
        );
        let pending = r
            .findings
            .iter()
            .find(|f| f.rule == Code::UnknownCustomer && f.file_index == 1);
        assert_eq!(pending.and_then(|f| f.hint.as_deref()), Some("f1.xlsx!C3"));
    }

    #[test]
    fn stale_customers_count_the_latest_contact() {
        let mut lost = update("C002", "2026-11-01", "已通过");
        lost.push(("customer_status", "流失"));
        let r = run(
            "2026-11-30",
            &[(
                vec![
                    entry("C001", "甲", "2026-08-01", "已通过"),
                    entry("C002", "乙", "2026-08-01", "已通过"),
                    entry("C003", "丙", "2026-08-01", "已通过"),
                    entry("", "丁", "2026-08-01", "已通过"),
                    entry("C004", "戊", "2026-09-01", "已通过"),
                ],
                vec![update("C003", "2026-11-01", "待审核"), lost],
                true,
            )],
        );
        // C001: 121 days; C002 is lost now; C003 was contacted; 丁 has no ID;
        // C004: exactly 90 days is not more than 90.
        assert_eq!(
            brief(&r),
            [
                "f0.xlsx 客户信息录入表!K2 stale-customer",
                "f0.xlsx 客户信息录入表!K5 stale-customer",
            ]
        );
    }

    #[test]
    fn an_unreadable_file_leaves_only_its_unreadable_finding() {
        let r = run(
            "2026-11-30",
            &[
                (
                    vec![entry("C001", "甲", "2026-11-20", "不知道")],
                    vec![],
                    false,
                ),
                (
                    vec![entry("C001", "甲", "2026-11-20", "已通过")],
                    vec![update("C001", "2026-11-25", "待审核")],
                    true,
                ),
            ],
        );
        assert_eq!(brief(&r), ["f0.xlsx - file-unreadable"]);
        assert!(!r.files[0].readable);
        assert_eq!(r.outcome(false), Outcome::Failed);
    }

    #[test]
    fn bad_values_take_part_in_no_further_rule() {
        let mut row = entry("C01", "甲", "2026/13/01", "通过");
        row.push(("industry", "制造"));
        let r = run("2026-11-30", &[(vec![row], vec![], true)]);
        assert_eq!(
            brief(&r),
            [
                "f0.xlsx 客户信息录入表!A2 invalid-date",
                "f0.xlsx 客户信息录入表!C2 invalid-id",
                "f0.xlsx 客户信息录入表!E2 invalid-enum",
                "f0.xlsx 客户信息录入表!L2 invalid-enum",
            ]
        );
        let hints: Vec<_> = r.findings.iter().map(|f| f.hint.as_deref()).collect();
        assert_eq!(hints, [None, Some("C001"), Some("制造业"), Some("已通过")]);
    }
}
