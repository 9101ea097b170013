//! Review decisions on the register itself (DESK.md §3–4): the queue of pending
//! (待审核) rows with their findings, and approving or rejecting rows of it.
//!
//! Shared by `crmsheet review` and the desk. A decision is never written by
//! this module: it is handed to [`crate::merge::merge_decided`], which reads the
//! decided rows as if the admin had filled their review fields in, so the
//! validation, the next ID, the applied update, the change-log rows and the
//! write (temporary file, rename, `.bak`) are exactly merge's.
//!
//! ```no_run
//! use crmsheet::lang::Lang;
//! use crmsheet::review::{self, Decision, DecideOutcome};
//! use crmsheet::value::now;
//! use crmsheet::template::Template;
//! use std::path::Path;
//!
//! # fn main() -> anyhow::Result<()> {
//! let template = Template::builtin();
//! let register = Path::new("register.xlsx");
//! let queue = review::pending(&template, register, now(), Lang::En)?;
//! let decisions: Vec<Decision> = queue.rows.iter().filter(|r| r.can_approve())
//!     .map(|r| Decision::approve(r.key.into()).seen(&r.fingerprint)).collect();
//! let options = review::Options::new("李娜", now(), Lang::En);
//! if let DecideOutcome::Decided(done) = review::decide(&template, register, &decisions, &options)? {
//!     for change in &done.changes { println!("{}", change.text); }
//! }
//! # Ok(()) }
//! ```

use crate::lang::Lang;
use crate::merge::value::{
    review_of, review_of_status, type_row, type_value, val, KeyFields, Review, Val,
};
use crate::merge::{self, Decisions, MergeOutcome, RowDecision};
use crate::privacy;
use crate::read::{read_file, Row, RowSink, SheetLayout};
use crate::report::Report;
use crate::rules::{Code, FileChecker, Finding, Options as CheckOptions};
use crate::rules::{Severity, Validation};
use crate::template::{SheetKind, Template};
use crate::text::normalize_value;
use crate::value::DateValue;
use crate::write::lock::{Locked, RegisterLock};
use crate::write::output::{backup_path, file_state};
use crate::write::TemplateBook;
use anyhow::{anyhow, bail, Result};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use crate::write::office::opened_elsewhere;

/// A row of the register as the desk and the list name it: `entry:12`,
/// `update:5` (the sheet and its 1-based row number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub kind: SheetKind,
    pub row: u32,
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.row)
    }
}

impl FromStr for RowKey {
    type Err = String;

    fn from_str(s: &str) -> Result<RowKey, String> {
        let s = s.trim();
        let (sheet, row) = s
            .split_once(':')
            .ok_or_else(|| format!("{s}: not a row such as entry:12 or update:5"))?;
        let kind = match sheet.trim().to_ascii_lowercase().as_str() {
            "entry" => SheetKind::Entry,
            "update" => SheetKind::Update,
            _ => return Err(format!("{s}: the sheet is entry or update")),
        };
        match row.trim().parse::<u32>() {
            Ok(row) if row >= 2 => Ok(RowKey { kind, row }),
            _ => Err(format!("{s}: the row is a number from 2 on")),
        }
    }
}

/// What a decision names: a row, or (for an entry) its customer ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRef {
    Row(RowKey),
    Customer(String),
}

impl From<RowKey> for RowRef {
    fn from(key: RowKey) -> RowRef {
        RowRef::Row(key)
    }
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowRef::Row(key) => key.fmt(f),
            RowRef::Customer(id) => f.write_str(id),
        }
    }
}

impl FromStr for RowRef {
    type Err = String;

    /// `entry:12`, `update:5`, or anything else without a colon as a customer ID.
    fn from_str(s: &str) -> Result<RowRef, String> {
        if s.contains(':') {
            return s.parse().map(RowRef::Row);
        }
        let id = normalize_value(s).into_owned();
        if id.is_empty() {
            return Err("an empty row name".to_string());
        }
        Ok(RowRef::Customer(id))
    }
}

/// A pending row of the register, for the review queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingRow {
    #[serde(serialize_with = "as_text")]
    pub key: RowKey,
    /// The sheet's name in the register.
    pub sheet: String,
    /// The entry or update date as shown (`2026-11-29`), empty when missing.
    pub date: String,
    pub salesperson: String,
    pub customer_id: String,
    pub customer_name: String,
    /// Every filled field: (key, header in the register's language, value),
    /// private details masked.
    pub values: Vec<(String, String, String)>,
    /// Whole days since the row's date, when it has one.
    pub age_days: Option<i64>,
    /// Pending for longer than the template's `review_hours` (the engine's
    /// `overdue-review` finding).
    pub overdue: bool,
    /// The row's findings from validating the register.
    pub findings: Vec<Finding>,
    /// Why the row cannot be approved (its errors, or errors elsewhere in the
    /// register); empty when it can.
    pub blocked: Vec<String>,
    /// A digest of the row as read; a decision carrying it is refused when the
    /// row has changed since (see [`Decision::seen`]).
    pub fingerprint: String,
}

fn as_text<S: serde::Serializer>(key: &RowKey, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(key)
}

impl PendingRow {
    pub fn can_approve(&self) -> bool {
        self.blocked.is_empty()
    }
}

/// Size and modification time of the register when it was read.
pub type Stamp = Option<(u64, std::time::SystemTime)>;

/// The review queue of a register.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Pending entries and updates, oldest first (undated last; entries before
    /// updates of the same day, then by row).
    pub rows: Vec<PendingRow>,
    /// Error findings of the register outside the pending rows: while there are
    /// any, no decision can be written.
    pub register_errors: Vec<Finding>,
    /// The full validation report of the register.
    pub report: Report,
    /// The register's size and time when this was read (see [`Options::since`]).
    pub stamp: Stamp,
}

/// Reads the register and lists its pending rows with their findings.
///
/// # Errors
/// The register cannot be read (its `file-unreadable` message).
pub fn pending(
    template: &Template,
    register: &Path,
    as_of: DateValue,
    lang: Lang,
) -> Result<Queue> {
    let stamp = file_state(register);
    let mut run = Validation::new(template, CheckOptions { as_of, lang });
    let mut rows = Vec::new();
    let checker = run.begin_file(&crate::read::Source::path(register));
    let mut sink = QueueSink::new(template, as_of, &mut rows, Some(checker), true);
    let result = read_file(register, template, &mut sink);
    let QueueSink { checker, names, .. } = sink;
    name_updates(&mut rows, &names);
    if let Some(Err(e)) = checker.map(|c| c.end(result)) {
        return Err(crate::messages::unreadable(&register.display(), &e));
    }
    let report = run.finish();

    // Findings go to their pending row; errors anywhere else block every
    // approval, since the register must validate after the write (unless
    // those rows are rejected in the same decision).
    let index: std::collections::HashMap<RowKey, usize> =
        rows.iter().enumerate().map(|(i, r)| (r.key, i)).collect();
    let mut register_errors = Vec::new();
    // Every error, with its row: (row, `Sheet!E7 rule: message`).
    let mut errors: Vec<(Option<RowKey>, String)> = Vec::new();
    for finding in &report.findings {
        let at = finding
            .sheet_kind
            .zip(finding.row)
            .map(|(kind, row)| RowKey { kind, row });
        let is_error = finding.severity == Severity::Error;
        if is_error {
            errors.push((at, finding_line(finding)));
        }
        match at.and_then(|k| index.get(&k)).map(|&i| &mut rows[i]) {
            Some(row) => {
                if is_error {
                    row.blocked.push(finding_line(finding));
                }
                row.overdue |= finding.rule == Code::OverdueReview;
                row.findings.push(finding.clone());
            }
            None if is_error => register_errors.push(finding.clone()),
            None => {}
        }
    }
    for row in &mut rows {
        let own = row.blocked.len();
        let Some((at, first)) = errors.iter().find(|(at, _)| *at != Some(row.key)) else {
            continue;
        };
        let n = errors.len() - own;
        let first = match at {
            Some(key) => format!("{key} {first}"),
            None => first.clone(),
        };
        row.blocked.push(match lang {
            Lang::Zh => format!("客户表其他行有 {n} 个错误，须先修正或驳回（如 {first}）"),
            Lang::En => format!(
                "the register has {n} error(s) on other rows to fix or reject first (such as {first})"
            ),
        });
    }
    rows.sort_by(|a, b| {
        let day = |r: &PendingRow| (r.date.is_empty(), r.date.get(..10).map(str::to_string));
        day(a).cmp(&day(b)).then(a.key.cmp(&b.key))
    });
    Ok(Queue {
        rows,
        register_errors,
        report,
        stamp,
    })
}

/// An update names its customer by ID: show the entry's name with it.
fn name_updates(rows: &mut [PendingRow], names: &std::collections::HashMap<String, String>) {
    for row in rows.iter_mut().filter(|r| r.customer_name.is_empty()) {
        if let Some(name) = names.get(&row.customer_id) {
            row.customer_name = name.clone();
        }
    }
}

/// The pending rows of the register as [`pending`] lists them, without their
/// findings: what [`decide`] needs to find the rows decided on (their keys,
/// customer IDs, names and fingerprints). One read, no validation: merge
/// validates the register with the decisions right after, and an error on a
/// row approved is that row's refusal then ([`refused_by_findings`]). Only the
/// review status of a row that is not pending is typed; the entries' names
/// are kept only when `names_too` (an update is decided).
fn pending_rows(
    template: &Template,
    register: &Path,
    as_of: DateValue,
    names_too: bool,
) -> Result<(Vec<PendingRow>, Stamp)> {
    let stamp = file_state(register);
    let mut rows = Vec::new();
    let mut sink = QueueSink::new(template, as_of, &mut rows, None, names_too);
    let result = read_file(register, template, &mut sink);
    let names = std::mem::take(&mut sink.names);
    if let Err(e) = result {
        return Err(crate::messages::unreadable(&register.display(), &e));
    }
    name_updates(&mut rows, &names);
    Ok((rows, stamp))
}

/// `Sheet!E7 invalid-enum: message`.
fn finding_line(f: &Finding) -> String {
    let cell = match (&f.sheet, &f.cell) {
        (Some(sheet), Some(cell)) => format!("{sheet}!{cell} "),
        _ => String::new(),
    };
    format!("{cell}{}: {}", f.rule.as_str(), f.message)
}

/// The validation sink that also keeps the pending rows.
struct QueueSink<'q, 'v, 't> {
    /// The validation, for [`pending`]; none for [`pending_rows`].
    checker: Option<FileChecker<'v, 't>>,
    /// Keep the entries' names for the updates.
    names_too: bool,
    template: &'t Template,
    as_of: DateValue,
    fields: [KeyFields; 2],
    rows: &'q mut Vec<PendingRow>,
    /// Customer ID → name (masked) of the entry rows, for the pending updates
    /// (about 100 bytes a customer while the register is read).
    names: std::collections::HashMap<String, String>,
}

impl<'q, 'v, 't> QueueSink<'q, 'v, 't> {
    fn new(
        template: &'t Template,
        as_of: DateValue,
        rows: &'q mut Vec<PendingRow>,
        checker: Option<FileChecker<'v, 't>>,
        names_too: bool,
    ) -> Self {
        QueueSink {
            checker,
            names_too,
            template,
            as_of,
            fields: [
                template.sheet(SheetKind::Entry).keys.clone(),
                template.sheet(SheetKind::Update).keys.clone(),
            ],
            rows,
            names: std::collections::HashMap::new(),
        }
    }
}

impl RowSink for QueueSink<'_, '_, '_> {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.checker.sheet(layout);
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        let template = self.template;
        let def = template.sheet(layout.kind);
        let fields = &self.fields[layout.kind as usize];
        if self.checker.is_none() {
            // Without the validation only pending rows (and names) need typing.
            let status = row
                .cells
                .get(fields.review_status)
                .and_then(Option::as_ref)
                .and_then(|c| type_value(template, &def.fields[fields.review_status], &c.value));
            let review = review_of_status(def, status.as_ref());
            let named = self.names_too && layout.kind == SheetKind::Entry;
            if review != Review::Pending && !(named && review != Review::Rejected) {
                return;
            }
        }
        let cells = type_row(template, def, &row);
        let review = review_of(def, &cells);
        if layout.kind == SheetKind::Entry && review != Review::Rejected && self.names_too {
            if let (Some(Val::Text(id)), Some(name)) =
                (val(&cells, fields.id), def.fields.get(fields.name))
            {
                let shown = val(&cells, fields.name)
                    .map(|v| privacy::mask(&v.display(template, name, layout.lang)).into_owned());
                if let Some(shown) = shown {
                    self.names.entry(id.to_string()).or_insert(shown);
                }
            }
        }
        if review == Review::Pending {
            let show = |i: usize| match (val(&cells, i), def.fields.get(i)) {
                (Some(v), Some(f)) => {
                    privacy::mask(&v.display(template, f, layout.lang)).into_owned()
                }
                _ => String::new(),
            };
            let values = (0..def.fields.len())
                .filter(|&i| val(&cells, i).is_some())
                .map(|i| {
                    let f = &def.fields[i];
                    (
                        f.key.clone(),
                        f.header.get(layout.lang).to_string(),
                        show(i),
                    )
                })
                .collect();
            let as_of = self.as_of;
            let age_days = match val(&cells, fields.date) {
                Some(Val::Date(d)) => Some((as_of.date() - d.date()).num_days()),
                _ => None,
            };
            let key = RowKey {
                kind: layout.kind,
                row: row.row,
            };
            self.rows.push(PendingRow {
                key,
                sheet: layout.name.clone(),
                date: show(fields.date),
                salesperson: show(fields.salesperson),
                customer_id: show(fields.id),
                customer_name: show(fields.name),
                values,
                age_days,
                overdue: false,
                findings: Vec::new(),
                blocked: Vec::new(),
                fingerprint: fingerprint(key, &row),
            });
        }
        self.checker.row(layout, row);
    }

    crate::read::forward_merged_cells!(checker);
}

/// A digest of a row's cells as read (a changed value, a moved row changes it).
fn fingerprint(key: RowKey, row: &Row) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    format!("{:?}", row.cells).hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Approve, or reject with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject { reason: String },
}

/// One review decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub row: RowRef,
    pub action: Action,
    /// The row's [`PendingRow::fingerprint`] as the person deciding saw it: the
    /// decision is refused when the row has changed since.
    pub seen: Option<String>,
}

impl Decision {
    pub fn approve(row: RowRef) -> Decision {
        Decision {
            row,
            action: Action::Approve,
            seen: None,
        }
    }

    pub fn reject(row: RowRef, reason: &str) -> Decision {
        Decision {
            row,
            action: Action::Reject {
                reason: reason.to_string(),
            },
            seen: None,
        }
    }

    /// The decision, made on the row as it was when `fingerprint` was read.
    pub fn seen(mut self, fingerprint: &str) -> Decision {
        self.seen = Some(fingerprint.to_string());
        self
    }
}

/// Who decides, when, in which language, on what.
#[derive(Debug, Clone)]
pub struct Options {
    /// Written as the reviewer of every decided row.
    pub reviewer: String,
    /// "Now": the review date written, and the validation's as-of.
    pub as_of: DateValue,
    /// Language of the messages and of what changed.
    pub lang: Lang,
    /// The register as the caller read it ([`Queue::stamp`]): when given, the
    /// decisions are refused if the file changed on disk since.
    pub since: Option<Stamp>,
}

impl Options {
    pub fn new(reviewer: &str, as_of: DateValue, lang: Lang) -> Options {
        Options {
            reviewer: reviewer.to_string(),
            as_of,
            lang,
            since: None,
        }
    }
}

/// Why a decision on a row was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowProblem {
    /// No pending row of that name (never was, or decided meanwhile).
    NotPending,
    /// The row is not what the person deciding saw: decided or edited meanwhile.
    Changed,
    /// The row has an error finding: it cannot be approved.
    HasErrors,
    /// Two decisions name the same row.
    Twice,
}

/// A refused decision on a row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowRefusal {
    /// The row as the decision named it.
    pub row: String,
    pub problem: RowProblem,
    /// One line, in the run's language.
    pub message: String,
}

/// What was done to a decided row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An entry approved and given its customer ID.
    Assigned { id: String },
    /// An entry approved that already had its ID (kept).
    Approved { id: String },
    /// An update approved and applied to its customer.
    Applied { id: String, fields: usize },
    /// A row rejected and removed from the register.
    Rejected { reason: String },
}

/// A decided row and what became of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    /// The row as it was numbered before the write.
    #[serde(serialize_with = "as_text")]
    pub row: RowKey,
    /// Masked.
    pub customer_name: String,
    #[serde(flatten)]
    pub kind: ChangeKind,
    /// One line in the run's language: `C0042 assigned to 明远机械 (entry:12)`.
    pub text: String,
}

/// Decisions written.
#[derive(Debug)]
pub struct Decided {
    /// In the order the decisions were given.
    pub changes: Vec<Change>,
    /// The register's previous version.
    pub backup: PathBuf,
    /// The validation of the register with the decisions (warnings only).
    pub report: Report,
}

/// How [`decide`] ended. In every refusal nothing was written.
#[derive(Debug)]
pub enum DecideOutcome {
    Decided(Decided),
    /// Some decisions cannot be made as asked.
    RowsRefused(Vec<RowRefusal>),
    /// The register with the decisions would not validate: its errors.
    Findings(Report),
    /// Someone else has the register: open in an office program, or changed on
    /// disk since it was read (one line, in the run's language).
    Busy(String),
}

impl DecideOutcome {
    /// The process exit status: 0 written, 1 refused because of findings,
    /// 2 anything else refused.
    pub fn exit(&self) -> crate::Outcome {
        match self {
            DecideOutcome::Decided(_) => crate::Outcome::Clean,
            DecideOutcome::Findings(_) => crate::Outcome::Findings,
            DecideOutcome::RowsRefused(r)
                if r.iter().all(|r| r.problem == RowProblem::HasErrors) =>
            {
                crate::Outcome::Findings
            }
            DecideOutcome::RowsRefused(_) | DecideOutcome::Busy(_) => crate::Outcome::Failed,
        }
    }
}

/// Makes the decisions on the register and writes it as merge does, all or
/// nothing: under the register's write lock, the register is read again, every
/// decision checked against it (a pending row, unchanged since `seen`, no error
/// when approved), then [`crate::merge::merge_decided`] validates and writes.
///
/// Row numbers name rows of the register as it is when the lock is taken: a
/// caller that showed rows earlier passes each row's `seen` fingerprint (or
/// [`Options::since`]), so that a row decided or moved meanwhile is refused
/// rather than another row decided in its place.
///
/// # Errors
/// Bad input (no decision, an empty reviewer or reason, private details in
/// either, a register that is not an .xlsx file), an unreadable register, a
/// failed write (nothing lost).
pub fn decide(
    template: &Template,
    register: &Path,
    decisions: &[Decision],
    options: &Options,
) -> Result<DecideOutcome> {
    decide_with(template, register, decisions, options, || {})
}

/// [`decide`], calling `before_rename` once the new register is saved to its
/// temporary file (so a test can change the register at the last moment).
///
/// # Errors
/// As [`decide`].
pub fn decide_with(
    template: &Template,
    register: &Path,
    decisions: &[Decision],
    options: &Options,
    before_rename: impl FnOnce(),
) -> Result<DecideOutcome> {
    let lang = options.lang;
    check_input(decisions, options)?;
    if !register.is_file() {
        bail!(
            "{}: {}",
            register.display(),
            lang.pick("客户表不存在", "no such register")
        );
    }
    // The register is rewritten as merge writes it, an xlsx workbook: another
    // format under its old name would not open.
    let xlsx = register
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !xlsx {
        bail!(
            "{}: {}",
            register.display(),
            lang.pick(
                "审核只写入 .xlsx 客户表（merge 写出的格式）；请先用 merge 生成 .xlsx 客户表",
                "decisions are written to an .xlsx register (as merge writes it); make one with merge first"
            )
        );
    }
    // One writer per register, the same lock merge takes; a second admin's
    // decision waits its turn (then finds its row changed, if it did).
    let lock = match RegisterLock::acquire_waiting(register, lang, LOCK_WAIT) {
        Ok(lock) => lock,
        Err(e) => return busy_or(e),
    };
    {
        let changed = changed_message(register, lang);
        if options
            .since
            .is_some_and(|since| since != file_state(register))
        {
            return Ok(DecideOutcome::Busy(changed));
        }
        // The rows decided on, read once without validating: merge's
        // validation of the result follows, and refuses an approved row with
        // an error as choose would have.
        let names_too = decisions.iter().any(|d| match &d.row {
            RowRef::Row(key) => key.kind == SheetKind::Update,
            RowRef::Customer(_) => false,
        });
        let (queue, read_state) = pending_rows(template, register, options.as_of, names_too)?;
        let chosen = match choose(&queue, decisions, lang) {
            Ok(chosen) => chosen,
            Err(refused) => return Ok(DecideOutcome::RowsRefused(refused)),
        };
        let date = DateValue::day(options.as_of.date());
        let mut rows = Decisions::default();
        for (row, decision) in &chosen {
            let reason = match &decision.action {
                Action::Approve => None,
                Action::Reject { reason } => Some(reason.trim().to_string()),
            };
            rows.rows.insert(
                (row.key.kind, row.key.row),
                RowDecision {
                    approve: reason.is_none(),
                    reviewer: options.reviewer.trim().to_string(),
                    date,
                    reason,
                },
            );
        }
        let merge_options = merge::Options {
            master: Some(register),
            inputs: &[],
            out: register,
            force: true,
            as_of: options.as_of,
            lang,
        };
        let save = |book: TemplateBook, temp: &Path| -> Result<()> {
            book.save(temp)?;
            before_rename();
            // Last look before the rename: nobody saved over it or opened it
            // while the decisions were being made.
            if file_state(register) != read_state {
                return Err(anyhow!(Busy(changed_message(register, lang))));
            }
            if let Some(message) = opened_elsewhere(register, lang) {
                return Err(anyhow!(Busy(message)));
            }
            Ok(())
        };
        let (outcome, trace) =
            match merge::merge_decided(template, &merge_options, &rows, &lock, save) {
                Ok(done) => done,
                Err(e) => {
                    if let Some(Busy(message)) = e.chain().find_map(|c| c.downcast_ref::<Busy>()) {
                        return Ok(DecideOutcome::Busy(message.clone()));
                    }
                    let open = e
                        .chain()
                        .find_map(|c| c.downcast_ref::<merge::OpenElsewhere>());
                    if let Some(merge::OpenElsewhere(message)) = open {
                        return Ok(DecideOutcome::Busy(message.clone()));
                    }
                    // Merge's own check that the master did not change meanwhile.
                    if file_state(register) != read_state {
                        return Ok(DecideOutcome::Busy(changed_message(register, lang)));
                    }
                    return Err(e);
                }
            };
        match outcome {
            MergeOutcome::Refused(report) => Ok(refused_by_findings(report, &chosen, lang)),
            MergeOutcome::Merged(merged) => {
                let changes = chosen
                    .iter()
                    .map(|(row, d)| change(row, &d.action, &trace, lang))
                    .collect();
                Ok(DecideOutcome::Decided(Decided {
                    changes,
                    backup: backup_path(register),
                    report: merged.report,
                }))
            }
        }
    }
}

/// How long a decision waits for another writer of the register to finish.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A lock that could not be had, as [`DecideOutcome::Busy`]; other errors as
/// they are.
fn busy_or(e: anyhow::Error) -> Result<DecideOutcome> {
    if let Some(Locked(message)) = e.downcast_ref::<Locked>() {
        return Ok(DecideOutcome::Busy(message.clone()));
    }
    if let Some(merge::OpenElsewhere(message)) = e.downcast_ref::<merge::OpenElsewhere>() {
        return Ok(DecideOutcome::Busy(message.clone()));
    }
    Err(e)
}

/// A refusal raised inside the write, carried out as [`DecideOutcome::Busy`].
#[derive(Debug)]
struct Busy(String);

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Busy {}

fn changed_message(register: &Path, lang: Lang) -> String {
    let path = register.display();
    match lang {
        Lang::Zh => format!(
            "{path}：读取后文件已被修改（可能有人在 Excel 中保存了它），未写入任何内容；请重新打开后再审核"
        ),
        Lang::En => format!(
            "{path}: the file changed on disk since it was read (saved in Excel?); nothing was written; read it again and decide again"
        ),
    }
}

/// Reviewer and reasons: present, and free of private details (they are
/// written into the register, where none may go).
fn check_input(decisions: &[Decision], options: &Options) -> Result<()> {
    let lang = options.lang;
    if decisions.is_empty() {
        bail!("{}", lang.pick("没有要做的审核决定", "no decision to make"));
    }
    let reviewer = options.reviewer.trim();
    if reviewer.is_empty() {
        bail!(
            "{}",
            lang.pick(
                "需要审核人姓名（--reviewer）",
                "a reviewer's name is needed (--reviewer)"
            )
        );
    }
    let mut texts = vec![reviewer];
    for d in decisions {
        if let Action::Reject { reason } = &d.action {
            if reason.trim().is_empty() {
                bail!(
                    "{}",
                    match lang {
                        Lang::Zh => format!("驳回 {} 需要填写原因（--reason）", d.row),
                        Lang::En => format!("rejecting {} needs a reason (--reason)", d.row),
                    }
                );
            }
            texts.push(reason.trim());
        }
    }
    for text in texts {
        if !privacy::find_pii(text).is_empty() {
            bail!(
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "「{}」含有个人隐私信息（电话、邮箱或身份证号），不能写入客户表",
                        privacy::mask(text)
                    ),
                    Lang::En => format!(
                        "\"{}\" holds private details (a phone number, e-mail or ID number), which never go into the register",
                        privacy::mask(text)
                    ),
                }
            );
        }
    }
    Ok(())
}

/// Each decision's pending row, or why it cannot be made.
fn choose<'q, 'd>(
    queue: &'q [PendingRow],
    decisions: &'d [Decision],
    lang: Lang,
) -> Result<Vec<(&'q PendingRow, &'d Decision)>, Vec<RowRefusal>> {
    let mut chosen: Vec<(&PendingRow, &Decision)> = Vec::new();
    let mut refused = Vec::new();
    for d in decisions {
        let named = d.row.to_string();
        let mut refuse = |problem: RowProblem, message: String| {
            refused.push(RowRefusal {
                row: named.clone(),
                problem,
                message,
            });
        };
        let found: Vec<&PendingRow> = match &d.row {
            RowRef::Row(key) => queue.iter().filter(|r| r.key == *key).collect(),
            RowRef::Customer(id) => queue
                .iter()
                .filter(|r| r.key.kind == SheetKind::Entry && r.customer_id == *id)
                .collect(),
        };
        let row = match found.as_slice() {
            [row] => *row,
            [] => {
                refuse(
                    if d.seen.is_some() {
                        RowProblem::Changed
                    } else {
                        RowProblem::NotPending
                    },
                    match lang {
                        Lang::Zh => format!(
                            "{named}：不是待审核的行（可能已被他人处理，或没有这一行）；请重新查看列表"
                        ),
                        Lang::En => format!(
                            "{named}: no pending row of that name (decided meanwhile, or no such row); list the rows again"
                        ),
                    },
                );
                continue;
            }
            _ => {
                refuse(
                    RowProblem::NotPending,
                    match lang {
                        Lang::Zh => format!("{named}：有多个待审核的录入行使用此客户ID，请用 entry:行号 指明"),
                        Lang::En => format!("{named}: several pending entries have this customer ID; name the row as entry:N"),
                    },
                );
                continue;
            }
        };
        if d.seen.as_ref().is_some_and(|seen| *seen != row.fingerprint) {
            refuse(
                RowProblem::Changed,
                match lang {
                    Lang::Zh => format!("{named}：这一行已被修改或处理（可能是他人同时操作）；请重新查看后再决定"),
                    Lang::En => format!("{named}: the row has changed since it was shown (someone else decided or edited it); look again and decide again"),
                },
            );
            continue;
        }
        if chosen.iter().any(|(r, _)| r.key == row.key) {
            refuse(
                RowProblem::Twice,
                match lang {
                    Lang::Zh => format!("{named}：同一行只能做一个决定"),
                    Lang::En => format!("{named}: one decision per row"),
                },
            );
            continue;
        }
        // Errors elsewhere are for the validation of the whole result to judge:
        // their rows may be rejected in the same decision.
        let own: Vec<String> = row
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(finding_line)
            .collect();
        if d.action == Action::Approve && !own.is_empty() {
            refuse(RowProblem::HasErrors, cannot_approve(&named, &own, lang));
            continue;
        }
        chosen.push((row, d));
    }
    if refused.is_empty() {
        Ok(chosen)
    } else {
        Err(refused)
    }
}

fn cannot_approve(named: &str, why: &[String], lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{named}：有错误，不能通过：{}", why.join("；")),
        Lang::En => format!("{named}: cannot be approved: {}", why.join("; ")),
    }
}

/// Merge refused the register with the decisions: errors on a decided row
/// (one the approval itself brings, such as a reviewer not on the team list)
/// are that row's refusal; any other error refuses them all.
fn refused_by_findings(
    report: Report,
    chosen: &[(&PendingRow, &Decision)],
    lang: Lang,
) -> DecideOutcome {
    let mut refused = Vec::new();
    for (row, d) in chosen {
        let why: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .filter(|f| f.sheet_kind == Some(row.key.kind) && f.row == Some(row.key.row))
            .map(finding_line)
            .collect();
        if !why.is_empty() {
            refused.push(RowRefusal {
                row: d.row.to_string(),
                problem: RowProblem::HasErrors,
                message: cannot_approve(&d.row.to_string(), &why, lang),
            });
        }
    }
    if refused.is_empty() || report.files.iter().any(|f| !f.readable) {
        DecideOutcome::Findings(report)
    } else {
        DecideOutcome::RowsRefused(refused)
    }
}

/// What became of a decided row, from what merge reports of it.
fn change(row: &PendingRow, action: &Action, trace: &merge::Trace, lang: Lang) -> Change {
    let key = row.key;
    let applied = trace.applied.iter().find(|a| a.0 == key.row);
    // An update row names its customer by ID; the name is the entry's.
    let name = match applied {
        Some((_, _, name, _)) if key.kind == SheetKind::Update => privacy::mask(name).into_owned(),
        _ if row.customer_name.is_empty() => row.customer_id.clone(),
        _ => row.customer_name.clone(),
    };
    let kind = match (action, key.kind) {
        (Action::Reject { reason }, _) => ChangeKind::Rejected {
            reason: reason.trim().to_string(),
        },
        (Action::Approve, SheetKind::Entry) => {
            match trace.assigned.iter().find(|(r, _)| *r == key.row) {
                Some((_, id)) => ChangeKind::Assigned { id: id.clone() },
                None => ChangeKind::Approved {
                    id: row.customer_id.clone(),
                },
            }
        }
        (Action::Approve, SheetKind::Update) => {
            let (id, fields) = applied.map_or((row.customer_id.clone(), 0), |(_, id, _, n)| {
                (id.clone(), *n)
            });
            ChangeKind::Applied { id, fields }
        }
    };
    let text = match (&kind, lang) {
        (ChangeKind::Assigned { id }, Lang::Zh) => format!("{id} 已分配给「{name}」（{key}）"),
        (ChangeKind::Assigned { id }, Lang::En) => format!("{id} assigned to {name} ({key})"),
        (ChangeKind::Approved { id }, Lang::Zh) => {
            format!("「{name}」已通过，保留客户ID {id}（{key}）")
        }
        (ChangeKind::Approved { id }, Lang::En) => {
            format!("{name} approved, keeping its ID {id} ({key})")
        }
        (ChangeKind::Applied { id, fields }, Lang::Zh) => {
            format!("更新已应用到 {id}「{name}」：{fields} 个字段变更（{key}）")
        }
        (ChangeKind::Applied { id, fields }, Lang::En) => {
            format!("update applied to {id} {name}: {fields} field(s) changed ({key})")
        }
        (ChangeKind::Rejected { reason }, Lang::Zh) => {
            format!("「{name}」已驳回并移出客户表（{key}）：{reason}")
        }
        (ChangeKind::Rejected { reason }, Lang::En) => {
            format!("{name} rejected and removed from the register ({key}): {reason}")
        }
    };
    Change {
        row: key,
        customer_name: name,
        kind,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_names_parse() {
        assert_eq!(
            "entry:12".parse::<RowRef>(),
            Ok(RowRef::Row(RowKey {
                kind: SheetKind::Entry,
                row: 12
            }))
        );
        assert_eq!(
            " Update : 5 ".parse::<RowRef>().map(|r| r.to_string()),
            Ok("update:5".to_string())
        );
        assert_eq!(
            "Ｃ００４２".parse::<RowRef>(),
            Ok(RowRef::Customer("C0042".into()))
        );
        assert!("entry:1".parse::<RowRef>().is_err());
        assert!("sheet:3".parse::<RowRef>().is_err());
        assert!("entry:x".parse::<RowRef>().is_err());
        assert!(" ".parse::<RowRef>().is_err());
    }
}
