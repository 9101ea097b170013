//! Folding checked workbooks into the master register (SPEC §7).
//!
//! A merge is three reads and one write:
//! 1. Master and inputs are validated together, through the same engine as
//!    `validate`; the sink that feeds it also keeps what merge needs: every
//!    input row, every update row, the highest customer ID. The master's entry
//!    rows are not kept. Any error stops here and nothing is written.
//! 2. The master's change log is copied into the new register, and merge notes
//!    which updates and rejections it already holds (so a second merge of the
//!    same input changes nothing).
//! 3. The master's entry rows are read again and written out one by one, with
//!    the review of an incoming copy taken over, new IDs assigned and approved
//!    updates applied; then the inputs' new entries, the pending updates, the
//!    new change-log rows and the summary sheet.
//!
//! Memory therefore grows with the inputs, not with the register: a master of a
//! million rows is streamed twice and never held. The input entries are held
//! packed ([`value::PackedCells`], about 200 bytes a row), so that even an
//! input as large as Excel allows merges within 1 GiB.
//!
//! The book is written to a temporary file beside OUT and renamed into place
//! ([`write_atomically`]); an existing OUT is replaced only with `force`, and
//! kept as `OUT.bak`.
//!
//! Here the driver; `collect.rs` the reads (1 and 3), `decide.rs` review
//! decisions applied to the master's rows, `register/` the merger (`plan.rs`:
//! groups, updates seen twice, what the log already shows; `emit.rs`: the rows
//! written, IDs given; `log.rs`: change-log rows and updates applied),
//! `summary.rs` the summary sheet, `value.rs`
//! the values the register keeps; the change log is [`crate::changelog`].

mod collect;
mod decide;
mod register;
pub mod summary;
pub mod value;

pub use register::{Counts, NewCustomer, LISTED_NEW_CUSTOMERS};

use crate::changelog;
use crate::lang::Lang;
use crate::messages;
use crate::read::{read_file, Source};
use crate::report::Report;
use crate::rules::{Code, Options as CheckOptions, Validation};
use crate::template::{SheetKind, Template};
use crate::value::DateValue;
use crate::write::lock::RegisterLock;
pub use crate::write::office::OpenElsewhere;
use crate::write::output::{
    ensure_folder, ensure_writable, ensure_xlsx_name, file_state, refuse_special, same_file,
    write_atomically_checked,
};
use crate::write::{BookOptions, Placement, TemplateBook};
use crate::Outcome;
use anyhow::Result;
use collect::{Collected, Collector, MasterStream};
pub use decide::{Decisions, RowDecision, Trace};
use register::{Merger, Output};
use std::path::{Path, PathBuf};

/// What to merge, and where to.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The current register; `None` starts a new one.
    pub master: Option<&'a Path>,
    /// The checked workbooks, in the order their rows are added.
    pub inputs: &'a [PathBuf],
    pub out: &'a Path,
    /// Replace an existing OUT (kept as `OUT.bak`).
    pub force: bool,
    /// "Now" for the validation.
    pub as_of: DateValue,
    /// Language of the messages, and of OUT when there is no master.
    pub lang: Lang,
}

/// How a merge ended.
#[derive(Debug)]
pub enum MergeOutcome {
    /// Validation found errors (or an unreadable file): nothing was written.
    Refused(Report),
    /// OUT was written.
    Merged(Box<Merged>),
}

/// What a merge did.
#[derive(Debug)]
pub struct Merged {
    /// The validation report (warnings only).
    pub report: Report,
    pub out: PathBuf,
    /// The language of OUT: the master's, else the one asked for.
    pub lang: Lang,
    pub counts: Counts,
    /// The first [`LISTED_NEW_CUSTOMERS`] customers given an ID.
    pub new_customers: Vec<NewCustomer>,
    /// The master's template version, when OUT upgraded it to the current one.
    pub upgraded_from: Option<String>,
    /// Said when a stale lock of a killed run was taken over.
    pub lock_note: Option<String>,
}

/// Merges the inputs into the master (or a new register) and writes OUT.
///
/// # Errors
/// OUT exists without `force`, or is one of the inputs; the master changed
/// while being merged; OUT cannot be written (nothing is lost: the old OUT is
/// untouched). Validation errors are not an `Err` but
/// [`MergeOutcome::Refused`].
pub fn merge(template: &Template, options: &Options<'_>) -> Result<MergeOutcome> {
    merge_with(template, options, |book, path| book.save(path))
}

/// [`merge`] with the final save done by `save` (given the finished book and
/// the temporary path beside OUT), so a test can make the write fail midway.
///
/// # Errors
/// As [`merge`]; whatever `save` returns.
pub fn merge_with(
    template: &Template,
    options: &Options<'_>,
    save: impl FnOnce(TemplateBook, &Path) -> Result<()>,
) -> Result<MergeOutcome> {
    merge_run(template, options, None, None, save).map(|(outcome, _)| outcome)
}

/// A merge of the master with review decisions on some of its own rows
/// (`crmsheet review`, the desk): each decided row is read as if its review
/// fields had been filled in, so the decision is validated, applied and logged
/// by exactly the code that merges a reviewed workbook. A row rejected here
/// leaves the register, so it takes no part in the validation. `options.master`
/// must be set; inputs are usually none. `lock` is the caller's lock on
/// `options.out`, held since it read the rows it decided on.
///
/// # Errors
/// As [`merge_with`].
pub fn merge_decided(
    template: &Template,
    options: &Options<'_>,
    decisions: &Decisions,
    lock: &RegisterLock,
    save: impl FnOnce(TemplateBook, &Path) -> Result<()>,
) -> Result<(MergeOutcome, Trace)> {
    merge_run(template, options, Some(decisions), Some(lock), save)
}

fn merge_run(
    template: &Template,
    options: &Options<'_>,
    decisions: Option<&Decisions>,
    held: Option<&RegisterLock>,
    save: impl FnOnce(TemplateBook, &Path) -> Result<()>,
) -> Result<(MergeOutcome, Trace)> {
    refuse_if_open(options)?;
    ensure_xlsx_name(options.out)?;
    ensure_writable(options.out, options.force)?;
    ensure_folder(options.out)?;
    refuse_special(options.out)?;
    for input in options.inputs {
        if same_file(input, options.out) {
            return Err(messages::output_is_input(options.out));
        }
    }
    // One writer per register, from the first read to the rename: a second
    // merge into it now is refused with nothing written. Taking the lock also
    // shows a read-only folder before any work is done.
    let own_lock = match held {
        Some(_) => None,
        None => Some(RegisterLock::acquire(options.out, options.lang)?),
    };
    let lock_note = own_lock.as_ref().and_then(|l| l.took_over.clone());
    let master_before = options.master.map(file_state);

    // 1. Validate everything, keeping what merge needs.
    let mut run = Validation::new(
        template,
        CheckOptions {
            as_of: options.as_of,
            lang: options.lang,
        },
    );
    let mut collected = Collected::default();
    let files = options
        .master
        .into_iter()
        .map(|m| (m, true))
        .chain(options.inputs.iter().map(|p| (p.as_path(), false)));
    for (path, is_master) in files {
        let (entries, updates) = (collected.entries.len(), collected.updates.len());
        let mut collector = Collector {
            checker: run.begin_file(&Source::path(path)),
            path: path.display().to_string(),
            template,
            is_master,
            decisions: decisions.filter(|_| is_master),
            collected: &mut collected,
        };
        let result = read_file(path, template, &mut collector);
        let Collector { checker, .. } = collector;
        if result.is_err() {
            collected.entries.truncate(entries);
            collected.updates.truncate(updates);
        }
        let _ = checker.end(result);
    }
    let mut report = run.finish();
    if report.outcome(false) != Outcome::Clean {
        return Ok((MergeOutcome::Refused(report), Trace::default()));
    }
    // The master is rewritten in the current template: its old version is
    // what merge does about it, not a warning.
    let upgraded_from = match options.master {
        Some(_) => {
            report
                .findings
                .retain(|f| !(f.rule == Code::TemplateVersion && f.file_index == 0));
            report.files[0]
                .template_version
                .clone()
                .filter(|v| *v != template.version)
        }
        None => None,
    };

    // 2. The new book, the master's log.
    let lang = collected.master_lang.unwrap_or(options.lang);
    let mut book = TemplateBook::new(template, &BookOptions::new(lang))?;
    let log_sheet = book.add_sheet(
        template.workbook.change_log.get(lang),
        Placement::AfterData,
        true,
    )?;
    book.write_header(log_sheet, &changelog::headers(template, lang))?;
    for (c, column) in changelog::Column::ALL.iter().enumerate() {
        let (width, wraps) = column.layout();
        if wraps {
            book.wrap_columns(log_sheet, &[(c as u32, width)])?;
        } else {
            book.worksheet_mut(log_sheet)?
                .set_column_width(c as u16, width)?;
        }
    }
    let summary_name = template.workbook.summary.get(lang).to_string();
    let summary_sheet = book.add_sheet(&summary_name, Placement::AfterData, false)?;
    let out = Output {
        entry: book.data_sheet(SheetKind::Entry),
        update: book.data_sheet(SheetKind::Update),
        log: log_sheet,
        book,
        entry_row: 2,
        update_row: 2,
        log_row: 2,
    };
    let mut merger = Merger::new(
        template,
        lang,
        collected.sources,
        collected.entries,
        collected.updates,
        collected.max_id,
        out,
    );
    if let (Some(decisions), Some(_)) = (decisions, options.master) {
        merger.trace_master(decisions);
    }
    if let Some(master) = options.master {
        changelog::read_log(&Source::path(master), template, &mut |row| {
            merger.observe_log_row(&row);
            Ok(())
        })?;
    }
    merger.plan_updates();

    // 3. The master's rows again, then the inputs'.
    if let Some(master) = options.master {
        let mut stream = MasterStream {
            merger: &mut merger,
            decisions,
            error: None,
        };
        read_file(master, template, &mut stream)
            .map_err(|e| messages::unreadable_again(&master.display(), &e))?;
        if let Some(error) = stream.error {
            return Err(error);
        }
    }
    merger.input_entries()?;
    merger.finish_updates()?;
    merger.write_change_log(options.master)?;
    let as_of = format!("{} {}", lang.pick("截至", "as of"), options.as_of.display());
    let stats = merger.stats.clone();
    summary::write(
        merger.out.book.worksheet_mut(summary_sheet)?,
        &summary_name,
        template,
        &stats,
        &as_of,
    )?;

    if let (Some(master), Some(before)) = (options.master, master_before) {
        if file_state(master) != before {
            return Err(messages::changed_while_read(&master.display(), true));
        }
    }
    let Merger {
        out,
        counts,
        new_customers,
        trace,
        ..
    } = merger;
    // The master is checked again right before the rename, after the long
    // save: someone may have saved it in Excel meanwhile, or opened it.
    let unchanged = || {
        if let (Some(master), Some(before)) = (options.master, master_before) {
            if file_state(master) != before {
                return Err(messages::changed_while_read(&master.display(), true));
            }
        }
        refuse_if_open(options)
    };
    write_atomically_checked(
        options.out,
        options.force,
        true,
        |temp| save(out.book, temp),
        unchanged,
    )?;
    let merged = MergeOutcome::Merged(Box::new(Merged {
        report,
        out: options.out.to_path_buf(),
        lang,
        counts,
        new_customers,
        upgraded_from,
        lock_note,
    }));
    Ok((merged, trace.unwrap_or_default()))
}

/// An OUT that an office program has open would be saved over by it later:
/// refused, naming who, in the run's language.
fn refuse_if_open(options: &Options<'_>) -> Result<()> {
    if !options.out.exists() {
        return Ok(());
    }
    match crate::write::office::opened_elsewhere(options.out, options.lang) {
        Some(message) => Err(OpenElsewhere(message).into()),
        None => Ok(()),
    }
}
