//! Building the new register: which rows stay, which are the same row seen
//! again, which customers get an ID, which updates change them, and the change
//! log line for each of those.
//!
//! The master's entry rows arrive one at a time (a second streaming read) and go
//! straight to the output; the inputs and every update row are held, since they
//! decide what happens to the master's rows. So memory grows with the inputs and
//! the update sheets, not with the register.
//!
//! - `plan`: what becomes of each held row (groups of one entry, updates
//!   seen twice, what the master's change log already shows);
//! - `emit`: writing the register's rows in order, IDs given on approval;
//! - `log`: the change log's rows, and updates applied to a customer.

mod emit;
mod log;
mod plan;

use super::summary::Stats;
use super::value::{val, Cells, KeyFields, PackedCells, Review};
use crate::changelog::{Keys, LogRow};
use crate::lang::Lang;
use crate::read::a1;
use crate::rules::identity::same_entry_ids;
use crate::template::{Change, SheetKind, Template};
use crate::write::{SheetId, TemplateBook};
use std::collections::{HashMap, HashSet};

/// How many new customers a summary lists by name (the count is always exact).
pub const LISTED_NEW_CUSTOMERS: usize = 1000;

/// A data row held in memory, with where it came from.
#[derive(Debug, Clone)]
pub struct Record<C = Cells> {
    /// Index of the file in the run (master first).
    pub file: usize,
    /// 1-based row in its sheet.
    pub row: u32,
    pub cells: C,
}

/// An input entry row, held packed: merge holds every one of them.
pub type HeldEntry = Record<PackedCells>;

/// A data sheet of a file, for naming the source of a change.
#[derive(Debug, Clone)]
pub struct SheetSource {
    pub name: String,
    /// Per field: the 0-based column in the file.
    pub columns: Vec<Option<u32>>,
}

/// The files of the run, for naming the source of a change: `a.xlsx: 客户信息更新表!E5`.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub paths: Vec<String>,
    pub sheets: Vec<[Option<SheetSource>; 2]>,
}

impl Sources {
    /// `path: sheet!cell` of a field of a row (the field's column in that file).
    pub fn cell(&self, file: usize, kind: SheetKind, row: u32, field: usize) -> String {
        let path = self.paths.get(file).map_or("", String::as_str);
        let sheet = self
            .sheets
            .get(file)
            .and_then(|s| s[kind as usize].as_ref());
        match sheet {
            Some(sheet) => match sheet.columns.get(field).copied().flatten() {
                Some(col) => format!("{path}: {}!{}", sheet.name, a1(row, col)),
                None => format!("{path}: {} {row}", sheet.name),
            },
            None => path.to_string(),
        }
    }
}

/// A customer that got its ID in this merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub id: String,
    pub name: String,
    /// Where the row came from (`a.xlsx: 客户信息录入表!C3`).
    pub source: String,
}

/// What a merge did, for the summary it prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Customers given an ID (approved rows that had none).
    pub new_customers: usize,
    /// Entry rows from the inputs added to the register while still pending.
    pub new_pending: usize,
    /// Input entry rows recognised as a row already in the register (same
    /// entry date, salesperson and customer name), not added again.
    pub already_present: usize,
    /// Of those, rows whose review (approval or rejection) was taken over by the
    /// pending row in the register.
    pub reviews_taken_over: usize,
    pub updates_applied: usize,
    /// Field changes those updates made (each one is a change-log row).
    pub field_changes: usize,
    /// Updates still pending, kept on the update sheet.
    pub updates_carried: usize,
    /// Approved updates already in the change log, not applied again.
    pub updates_skipped: usize,
    /// Approved updates whose customer is not in the register, kept on the
    /// update sheet (validation normally prevents this).
    pub updates_unmatched: usize,
    /// Pending input rows already decided in the register (a workbook sent
    /// again after its rows were approved or rejected): not added again, the
    /// decision stands.
    pub decided_before: usize,
    /// Rejected entries logged by this merge (not those logged before).
    pub rejected_entries: usize,
    /// Rejected updates logged by this merge (not those logged before).
    pub rejected_updates: usize,
    /// Change-log rows copied from the master.
    pub log_rows_kept: usize,
    /// Change-log rows this merge added.
    pub log_rows_added: usize,
    pub entry_rows: usize,
    pub update_rows: usize,
}

/// An update row and what becomes of it.
#[derive(Debug)]
struct Update {
    rec: Record,
    /// The record whose review fields this one took over, for the log's source.
    reviewed_by: Option<(usize, u32)>,
    key: String,
    review: Review,
    /// Set once applied or written.
    done: bool,
}

/// Input entry rows that are one entry: the same row by
/// [`crate::rules::identity::same_entry_ids`] (same date, salesperson and
/// name, and no contradicting ID).
#[derive(Debug)]
struct Group {
    /// The first and last members (indices into the input entries); the
    /// others are linked through [`Groups::next`], in input order.
    first: u32,
    last: u32,
    len: u32,
    /// The first customer ID among them (compared by [`key_text`]).
    id: Option<Box<str>>,
    /// A master row is this entry.
    matched: bool,
}

/// The input entries' groups. A million input rows are about a million
/// groups, so a group holds no allocation of its own but its ID: members are
/// linked by index.
#[derive(Debug, Default)]
struct Groups {
    groups: Vec<Group>,
    /// Per input entry: the next member of its group, or `u32::MAX`.
    next: Vec<u32>,
    /// Entry identity ([`Merger::entry_identity`]) → its first group.
    by_identity: HashMap<Box<str>, u32>,
}

impl Groups {
    /// The group of `identity` whose ID does not contradict `id`.
    fn find(&self, identity: &str, id: Option<&str>) -> Option<usize> {
        let g = *self.by_identity.get(identity)? as usize;
        same_entry_ids(self.groups[g].id.as_deref(), id).then_some(g)
    }

    /// Adds input entry `entry` (the next one, in input order) to its group.
    fn add(&mut self, identity: String, id: Option<String>, entry: usize) {
        let entry = u32::try_from(entry).unwrap_or(u32::MAX);
        self.next.push(u32::MAX);
        match self.find(&identity, id.as_deref()) {
            Some(g) => {
                let group = &mut self.groups[g];
                self.next[group.last as usize] = entry;
                group.last = entry;
                group.len += 1;
                if group.id.is_none() {
                    group.id = id.map(String::into_boxed_str);
                }
            }
            None => {
                // A row whose ID contradicts the first one of its identity
                // is a row of its own (validate has warned about it).
                let g = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
                self.groups.push(Group {
                    first: entry,
                    last: entry,
                    len: 1,
                    id: id.map(String::into_boxed_str),
                    matched: false,
                });
                self.by_identity
                    .entry(identity.into_boxed_str())
                    .or_insert(g);
            }
        }
    }

    /// The members of group `g`, in input order.
    fn members(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        let first = self.groups[g].first;
        std::iter::successors(Some(first), |&m| {
            Some(self.next[m as usize]).filter(|&n| n != u32::MAX)
        })
        .map(|m| m as usize)
    }

    fn len(&self, g: usize) -> usize {
        self.groups[g].len as usize
    }
}

/// The sheets of the book being written, and the next free row of each.
pub struct Output {
    pub book: TemplateBook,
    pub entry: SheetId,
    pub update: SheetId,
    pub log: SheetId,
    pub entry_row: u32,
    pub update_row: u32,
    pub log_row: u32,
}

/// The merge in progress.
pub struct Merger<'t> {
    template: &'t Template,
    lang: Lang,
    keys: Keys<'t>,
    ef: KeyFields,
    uf: KeyFields,
    update_reason: Option<usize>,
    targets: Vec<(usize, Change)>,
    sources: Sources,
    next_id: u64,
    entries: Vec<HeldEntry>,
    groups: Groups,
    updates: Vec<Update>,
    /// Normalised customer ID → approved updates to apply, in date order.
    by_customer: HashMap<String, Vec<usize>>,
    /// Normalised customer ID of each rejected update → the customer's name in
    /// the register, once its entry row is written (the log names the
    /// customer even when the update row does not).
    rejected_names: HashMap<String, Option<String>>,
    /// Log keys asked about before the master's log is read, and those found.
    wanted_changes: HashSet<String>,
    wanted_reviews: HashSet<String>,
    found: HashSet<String>,
    /// Pending input entries by salesperson and customer name → the latest
    /// day the master's log rejected such an entry (once the log is read).
    pending_entries: HashMap<String, Option<String>>,
    /// Pending updates by day, salesperson and customer ID (no reason: a
    /// decision logs its own) → how many there are, and whether the master's
    /// log rejected one.
    pending_updates: HashMap<String, (usize, bool)>,
    /// The change-log rows this merge adds, until they are put in date order.
    added_log: Vec<LogRow>,
    pub out: Output,
    pub stats: Stats,
    pub counts: Counts,
    pub new_customers: Vec<NewCustomer>,
    /// Rejection reasons given by review decisions on the master's rows.
    reasons: HashMap<(SheetKind, u32), String>,
    /// What became of the master's decided rows, when decisions were given.
    pub trace: Option<super::Trace>,
}

impl<'t> Merger<'t> {
    /// Prepares the merge of the held rows: input entries (input order) and all
    /// update rows (master first). `max_id` is the highest ID number present.
    pub fn new(
        template: &'t Template,
        lang: Lang,
        sources: Sources,
        entries: Vec<HeldEntry>,
        updates: Vec<Record>,
        max_id: u64,
        out: Output,
    ) -> Merger<'t> {
        let entry = template.sheet(SheetKind::Entry);
        let update = template.sheet(SheetKind::Update);
        let targets = update
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.change.map(|c| (i, c)))
            .collect();
        let mut merger = Merger {
            template,
            lang,
            keys: Keys::new(template),
            ef: entry.keys.clone(),
            uf: update.keys.clone(),
            update_reason: update.keys.update_reason,
            targets,
            sources,
            next_id: max_id.saturating_add(1),
            entries: Vec::new(),
            groups: Groups::default(),
            updates: Vec::new(),
            by_customer: HashMap::new(),
            rejected_names: HashMap::new(),
            wanted_changes: HashSet::new(),
            wanted_reviews: HashSet::new(),
            found: HashSet::new(),
            pending_entries: HashMap::new(),
            pending_updates: HashMap::new(),
            added_log: Vec::new(),
            out,
            stats: Stats::new(template, lang),
            counts: Counts::default(),
            new_customers: Vec::new(),
            reasons: HashMap::new(),
            trace: None,
        };
        merger.group_entries(entries);
        merger.resolve_updates(updates);
        merger
    }

    pub fn template(&self) -> &'t Template {
        self.template
    }

    /// Records what becomes of the master's (file 0) decided rows, and logs their
    /// rejections with the reasons given.
    pub fn trace_master(&mut self, decisions: &super::Decisions) {
        self.reasons = decisions
            .rows
            .iter()
            .filter_map(|(k, d)| Some((*k, d.reason.clone()?)))
            .collect();
        self.trace = Some(super::Trace::default());
    }

    /// The rejection reason a decision gave for a row of the master.
    fn decided_reason(&self, kind: SheetKind, (file, row): (usize, u32)) -> Option<&str> {
        if file != 0 || self.trace.is_none() {
            return None;
        }
        self.reasons.get(&(kind, row)).map(String::as_str)
    }

    fn entry_def(&self) -> &'t crate::template::SheetDef {
        self.template.sheet(SheetKind::Entry)
    }

    fn update_def(&self) -> &'t crate::template::SheetDef {
        self.template.sheet(SheetKind::Update)
    }

    fn display(&self, kind: SheetKind, cells: &Cells, i: usize) -> String {
        let def = self.template.sheet(kind);
        match (val(cells, i), def.fields.get(i)) {
            (Some(v), Some(f)) => v.display(self.template, f, self.lang),
            _ => String::new(),
        }
    }
}
