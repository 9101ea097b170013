//! Building the new register: which rows stay, which are the same row seen
//! again, which customers get an ID, which updates change them, and the change
//! log line for each of those.
//!
//! The master's entry rows arrive one at a time (a second streaming read) and go
//! straight to the output; the inputs and every update row are held, since they
//! decide what happens to the master's rows. So memory grows with the inputs and
//! the update sheets, not with the register.

use super::summary::Stats;
use super::value::{
    key_day, key_name, key_person, key_text, review_of, type_row, val, Cell, Cells, KeyFields,
    PackedCells, Review, Val,
};
use crate::changelog::{read_log, Column, Keys, LogRow};
use crate::lang::Lang;
use crate::read::{a1, Row};
use crate::rules::identity::same_entry_ids;
use crate::template::{Change, SheetKind, Template};
use crate::text::normalize_value;
use crate::write::{CellOut, SheetId, TemplateBook};
use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::path::Path;

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
#[derive(Debug, Default)]
struct Group {
    /// Indices into the input entries, in input order.
    members: Vec<usize>,
    /// The first customer ID among them (compared by [`key_text`]).
    id: Option<String>,
    /// A master row is this entry.
    matched: bool,
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
    groups: Vec<Group>,
    group_of_key: HashMap<String, usize>,
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
            groups: Vec::new(),
            group_of_key: HashMap::new(),
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

    /// The key by which an entry is "the same row": entry date, salesperson and
    /// normalised customer name.
    fn entry_identity(&self, cells: &Cells) -> String {
        [
            key_day(cells, self.ef.date),
            key_person(cells, self.ef.salesperson),
            key_name(cells, self.ef.name),
        ]
        .join("\u{1f}")
    }

    /// The customer ID of an entry, as groups compare it.
    fn entry_id(&self, cells: &Cells) -> Option<String> {
        val(cells, self.ef.id).map(|_| key_text(cells, self.ef.id))
    }

    fn group_entries(&mut self, entries: Vec<HeldEntry>) {
        for (i, rec) in entries.iter().enumerate() {
            let cells = rec.cells.unpack();
            let key = self.entry_identity(&cells);
            let id = self.entry_id(&cells);
            let joined = self
                .group_of_key
                .get(&key)
                .copied()
                .filter(|&g| same_entry_ids(self.groups[g].id.as_deref(), id.as_deref()));
            let g = match joined {
                Some(g) => g,
                None => {
                    // A row whose ID contradicts the first one of its identity
                    // is a row of its own (validate has warned about it).
                    self.groups.push(Group::default());
                    let g = self.groups.len() - 1;
                    self.group_of_key.entry(key).or_insert(g);
                    g
                }
            };
            if self.groups[g].id.is_none() {
                self.groups[g].id = id;
            }
            self.groups[g].members.push(i);
            match review_of(self.entry_def(), &cells) {
                Review::Rejected => {
                    let key = self.rejected_entry_key(&cells);
                    self.wanted_reviews.insert(key);
                }
                Review::Pending => {
                    let key = self.person_and_name(&cells);
                    self.pending_entries.insert(key, None);
                }
                Review::Approved => {}
            }
        }
        self.entries = entries;
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

    fn update_key(&self, cells: &Cells) -> String {
        let reason = self
            .update_reason
            .map(|r| self.display(SheetKind::Update, cells, r))
            .unwrap_or_default();
        self.keys.update_key(
            &key_day(cells, self.uf.date),
            &key_person(cells, self.uf.salesperson),
            &self.display(SheetKind::Update, cells, self.uf.id),
            &reason,
        )
    }

    /// Salesperson and customer name of an entry: how a pending entry finds
    /// the change log's rejection of it.
    fn person_and_name(&self, cells: &Cells) -> String {
        self.keys.entry_key(
            "",
            &self
                .keys
                .person(&self.display(SheetKind::Entry, cells, self.ef.salesperson)),
            &self.display(SheetKind::Entry, cells, self.ef.name),
        )
    }

    /// Day, salesperson and customer ID of an update: how a pending update
    /// finds the change log's rejection of it.
    fn update_day_person_id(&self, cells: &Cells) -> String {
        self.keys.update_key(
            &key_day(cells, self.uf.date),
            &self
                .keys
                .person(&self.display(SheetKind::Update, cells, self.uf.salesperson)),
            &self.display(SheetKind::Update, cells, self.uf.id),
            "",
        )
    }

    /// A pending entry the change log shows as rejected on or after its entry
    /// date: the rejected row sent again (README, "Merging again").
    fn rejected_before(&self, cells: &Cells) -> bool {
        let Some(Some(rejected)) = self.pending_entries.get(&self.person_and_name(cells)) else {
            return false;
        };
        match val(cells, self.ef.date) {
            Some(Val::Date(d)) => crate::changelog::day(d.date()) <= *rejected,
            _ => false,
        }
    }

    /// The log key of a rejected entry (its review date, else its entry date).
    fn rejected_entry_key(&self, cells: &Cells) -> String {
        let date = self
            .ef
            .review_date
            .filter(|&i| val(cells, i).is_some())
            .unwrap_or(self.ef.date);
        self.keys.entry_key(
            &key_day(cells, date),
            &key_person(cells, self.ef.salesperson),
            &self.display(SheetKind::Entry, cells, self.ef.name),
        )
    }

    /// One update seen twice (same date, salesperson, ID and reason) is one
    /// update; a pending one takes over the review of a reviewed copy.
    fn resolve_updates(&mut self, records: Vec<Record>) {
        let mut first_of: HashMap<String, usize> = HashMap::new();
        for rec in records {
            let key = self.update_key(&rec.cells);
            let review = review_of(self.update_def(), &rec.cells);
            match first_of.get(&key) {
                Some(&first) => {
                    let held = &mut self.updates[first];
                    if held.review == Review::Pending && review != Review::Pending {
                        for i in self.uf.review_fields() {
                            if let Some(slot) = held.rec.cells.get_mut(i) {
                                *slot = rec.cells.get(i).cloned().flatten();
                            }
                        }
                        held.review = review;
                        held.reviewed_by = Some((rec.file, rec.row));
                    }
                }
                None => {
                    first_of.insert(key.clone(), self.updates.len());
                    self.updates.push(Update {
                        rec,
                        reviewed_by: None,
                        key,
                        review,
                        done: false,
                    });
                }
            }
        }
        for u in &self.updates {
            match u.review {
                Review::Approved => {
                    self.wanted_changes.insert(u.key.clone());
                }
                Review::Rejected => {
                    self.wanted_reviews.insert(u.key.clone());
                    let id = normalize_value(&key_text(&u.rec.cells, self.uf.id)).into_owned();
                    self.rejected_names.insert(id, None);
                }
                Review::Pending => {
                    // Applied before: the log holds its changes under this key.
                    self.wanted_changes.insert(u.key.clone());
                    self.wanted_reviews.insert(u.key.clone());
                    let key = self.update_day_person_id(&u.rec.cells);
                    self.pending_updates.entry(key).or_default().0 += 1;
                }
            }
        }
    }

    /// Looks at one row of the master's change log (before any row is merged):
    /// notes the updates it shows as applied and the rejections it has logged.
    pub fn observe_log_row(&mut self, row: &LogRow) {
        use crate::changelog::RowKind;
        match self.keys.kind(row) {
            RowKind::Change => {
                let key = self.keys.row_update_key(row);
                if self.wanted_changes.contains(&key) {
                    self.found.insert(key);
                }
            }
            RowKind::Review => {
                for key in [self.keys.row_update_key(row), self.keys.row_entry_key(row)] {
                    if self.wanted_reviews.contains(&key) {
                        self.found.insert(key);
                    }
                }
                if !self.pending_entries.is_empty() {
                    let key = self.keys.entry_key(
                        "",
                        &self.keys.person(&row.text(Column::Salesperson)),
                        &row.text(Column::Name),
                    );
                    if let Some(latest) = self.pending_entries.get_mut(&key) {
                        let day = row.day();
                        if latest.as_ref().is_none_or(|l| *l < day) {
                            *latest = Some(day);
                        }
                    }
                }
                if !self.pending_updates.is_empty() && !row.text(Column::Id).is_empty() {
                    let key = self.keys.update_key(
                        &row.day(),
                        &self.keys.person(&row.text(Column::Salesperson)),
                        &row.text(Column::Id),
                        "",
                    );
                    if let Some((_, seen)) = self.pending_updates.get_mut(&key) {
                        *seen = true;
                    }
                }
            }
            RowKind::IdAssigned => {}
        }
    }

    /// Writes the change log, once every row is merged: the master's rows as
    /// they were (read again from `master`), with this merge's rows put among
    /// them by date, each after the rows of its own day. An update submitted
    /// late thus lands where its date belongs rather than at the end, and the
    /// log reads in date order. Rows without a date keep their place (the
    /// master's) or come last (this merge's).
    ///
    /// # Errors
    /// The master's log cannot be read again, or writing a row failed.
    pub fn write_change_log(&mut self, master: Option<&Path>) -> Result<()> {
        let mut added = std::mem::take(&mut self.added_log);
        // Stable: rows of one day keep the order merge made them in.
        added.sort_by_key(|row| {
            let day = row.date().map(|d| d.date());
            (day.is_none(), day)
        });
        let mut added = added.into_iter().peekable();
        if let Some(master) = master {
            let template = self.template;
            read_log(&crate::read::Source::path(master), template, &mut |row| {
                if let Some(day) = row.date().map(|d| d.date()) {
                    while let Some(earlier) =
                        added.next_if(|a| a.date().is_some_and(|d| d.date() < day))
                    {
                        self.put_log_row(&earlier)?;
                    }
                }
                self.put_log_row(&row)?;
                self.counts.log_rows_kept += 1;
                Ok(())
            })?;
        }
        for row in added {
            self.put_log_row(&row)?;
        }
        Ok(())
    }

    fn put_log_row(&mut self, row: &LogRow) -> Result<()> {
        let r = self.out.log_row;
        self.out.book.write_row(self.out.log, r, &row.0)?;
        self.out.log_row += 1;
        Ok(())
    }

    /// After the master's log: decides which approved updates apply (those not
    /// in the log), in date order per customer.
    pub fn plan_updates(&mut self) {
        let mut order: Vec<usize> = (0..self.updates.len())
            .filter(|&i| self.updates[i].review == Review::Approved)
            .collect();
        // Chronological; the same day keeps master-then-input order.
        order.sort_by_key(|&i| match val(&self.updates[i].rec.cells, self.uf.date) {
            Some(Val::Date(d)) => Some(d.at),
            _ => None,
        });
        for i in order {
            let u = &mut self.updates[i];
            if self.found.contains(&u.key) {
                u.done = true;
                self.counts.updates_skipped += 1;
                continue;
            }
            let id = normalize_value(&key_text(&u.rec.cells, self.uf.id)).into_owned();
            self.by_customer.entry(id).or_default().push(i);
        }
    }

    /// One entry row of the master, in order.
    ///
    /// # Errors
    /// Writing the row failed, or IDs ran out.
    pub fn master_entry(&mut self, file: usize, row: &Row) -> Result<()> {
        let mut cells = type_row(self.template, self.entry_def(), row);
        let mut review_source = (file, row.row);
        let key = self.entry_identity(&cells);
        let id = self.entry_id(&cells);
        let group = self
            .group_of_key
            .get(&key)
            .copied()
            .filter(|&g| same_entry_ids(id.as_deref(), self.groups[g].id.as_deref()));
        if let Some(g) = group {
            if !self.groups[g].matched {
                self.groups[g].matched = true;
                self.counts.already_present += self.groups[g].members.len();
                if review_of(self.entry_def(), &cells) == Review::Pending {
                    if let Some(by) = self.take_over_review(g, &mut cells) {
                        review_source = by;
                        self.counts.reviews_taken_over += 1;
                    }
                }
            }
        }
        self.emit_entry(cells, (file, row.row), review_source)
    }

    /// Copies the review fields of the group's first reviewed row into `cells`;
    /// returns where that row is.
    fn take_over_review(&self, g: usize, cells: &mut Cells) -> Option<(usize, u32)> {
        let (reviewer, reviewed) = self.groups[g].members.iter().find_map(|&m| {
            let rec = &self.entries[m];
            let cells = rec.cells.unpack();
            let review = review_of(self.entry_def(), &cells);
            (review != Review::Pending).then_some((rec, cells))
        })?;
        for i in self.ef.review_fields() {
            if let Some(slot) = cells.get_mut(i) {
                *slot = reviewed.get(i).cloned().flatten();
            }
        }
        Some((reviewer.file, reviewer.row))
    }

    /// The inputs' entries not already in the register, in input order.
    ///
    /// # Errors
    /// Writing a row failed, or IDs ran out.
    pub fn input_entries(&mut self) -> Result<()> {
        for g in 0..self.groups.len() {
            if self.groups[g].matched {
                continue;
            }
            let Some(&first) = self.groups[g].members.first() else {
                continue;
            };
            let rec = &self.entries[first];
            let mut cells = rec.cells.unpack();
            let mut review_source = (rec.file, rec.row);
            self.counts.already_present += self.groups[g].members.len() - 1;
            if review_of(self.entry_def(), &cells) == Review::Pending {
                if let Some(by) = self.take_over_review(g, &mut cells) {
                    review_source = by;
                    self.counts.reviews_taken_over += 1;
                }
            }
            let review = review_of(self.entry_def(), &cells);
            if review == Review::Pending && self.rejected_before(&cells) {
                // Rejected before and sent again unchanged: the rejection stands.
                self.counts.decided_before += self.groups[g].members.len();
                self.counts.already_present -= self.groups[g].members.len() - 1;
                continue;
            }
            if review == Review::Pending {
                self.counts.new_pending += 1;
            }
            self.emit_entry(cells, (rec.file, rec.row), review_source)?;
        }
        Ok(())
    }

    /// Writes one entry row of the register (or drops a rejected one), giving an
    /// approved customer its ID and applying its updates. `review_source` is the
    /// row that brought its review: the change log names it.
    fn emit_entry(
        &mut self,
        mut cells: Cells,
        origin: (usize, u32),
        review_source: (usize, u32),
    ) -> Result<()> {
        let review = review_of(self.entry_def(), &cells);
        if review == Review::Rejected {
            let key = self.rejected_entry_key(&cells);
            // Counted when logged: a rejection an earlier merge logged is not
            // news (a re-merge changes nothing and says so).
            if !self.found.contains(&key) {
                self.counts.rejected_entries += 1;
                let source = self.sources.cell(
                    review_source.0,
                    SheetKind::Entry,
                    review_source.1,
                    self.ef.review_status,
                );
                let reason = match self.decided_reason(SheetKind::Entry, origin) {
                    Some(given) => given.to_string(),
                    None => self
                        .lang
                        .pick(
                            "录入被驳回，未加入客户表",
                            "Entry rejected; not added to the register",
                        )
                        .to_string(),
                };
                let row = self.review_log_row(SheetKind::Entry, &cells, &reason, source);
                self.write_log(row)?;
            }
            return Ok(());
        }
        if review != Review::Approved {
            // IDs are given on approval: one typed in early is no customer's
            // and must not move the next number (validate warned about it).
            if let Some(slot) = cells.get_mut(self.ef.id) {
                *slot = None;
            }
        }
        if review == Review::Approved && val(&cells, self.ef.id).is_none() {
            let id = self.next_id()?;
            // The row that brought the approval (an input's reviewed copy of a
            // master row, not the master, which --force may turn into OUT.bak).
            let source = self.sources.cell(
                review_source.0,
                SheetKind::Entry,
                review_source.1,
                self.ef.id,
            );
            if let Some(slot) = cells.get_mut(self.ef.id) {
                *slot = Some(Cell {
                    val: Val::Text(id.as_str().into()),
                    col: self.ef.id as u32,
                });
            }
            let name = self.display(SheetKind::Entry, &cells, self.ef.name);
            let mut row = LogRow::default();
            let date = self
                .ef
                .review_date
                .filter(|&i| val(&cells, i).is_some())
                .unwrap_or(self.ef.date);
            row.set(Column::Date, self.cell_out(SheetKind::Entry, &cells, date));
            row.set(Column::Id, CellOut::text(&id));
            row.set(Column::Name, CellOut::text(&name));
            row.set(
                Column::Field,
                CellOut::text(self.entry_def().fields[self.ef.id].header.get(self.lang)),
            );
            row.set(Column::New, CellOut::text(&id));
            row.set(
                Column::Reason,
                CellOut::text(self.lang.pick(
                    "新客户审核通过，分配客户ID",
                    "New customer approved; ID assigned",
                )),
            );
            self.set_people(&mut row, SheetKind::Entry, &cells);
            row.set(Column::Source, CellOut::Text(source.clone()));
            self.write_log(row)?;
            self.counts.new_customers += 1;
            if let (Some(trace), 0) = (self.trace.as_mut(), origin.0) {
                trace.assigned.push((origin.1, id.clone()));
            }
            if self.new_customers.len() < LISTED_NEW_CUSTOMERS {
                self.new_customers.push(NewCustomer { id, name, source });
            }
        }
        if review == Review::Approved {
            let id = normalize_value(&key_text(&cells, self.ef.id)).into_owned();
            if let Some(list) = self.by_customer.remove(&id) {
                for u in list {
                    self.apply_update(u, &mut cells)?;
                }
            }
            if matches!(self.rejected_names.get(&id), Some(None)) {
                let name = self.display(SheetKind::Entry, &cells, self.ef.name);
                self.rejected_names.insert(id, Some(name));
            }
        }
        self.stats
            .add_entry(self.template, &self.ef, &cells, review);
        let out: Vec<CellOut> = (0..cells.len())
            .map(|i| self.cell_out(SheetKind::Entry, &cells, i))
            .collect();
        let row = self.out.entry_row;
        self.out.book.write_row(self.out.entry, row, &out)?;
        self.out.entry_row += 1;
        self.counts.entry_rows += 1;
        Ok(())
    }

    fn cell_out(&self, kind: SheetKind, cells: &Cells, i: usize) -> CellOut {
        let def = self.template.sheet(kind);
        match (val(cells, i), def.fields.get(i)) {
            (Some(v), Some(f)) => v.to_cell(self.template, f, self.lang),
            _ => CellOut::Empty,
        }
    }

    fn next_id(&mut self) -> Result<String> {
        let params = &self.template.params;
        let id = format!(
            "{}{:0width$}",
            params.id_prefix,
            self.next_id,
            width = params.id_digits
        );
        if !params.id_pattern.is_match(&id) || self.next_id == u64::MAX {
            return Err(crate::messages::no_id_left(&id, params.id_pattern.as_str()));
        }
        self.next_id += 1;
        Ok(id)
    }

    /// Salesperson and reviewer of a row onto a log row.
    fn set_people(&self, row: &mut LogRow, kind: SheetKind, cells: &Cells) {
        let fields = match kind {
            SheetKind::Entry => &self.ef,
            SheetKind::Update => &self.uf,
        };
        row.set(
            Column::Salesperson,
            CellOut::Text(self.display(kind, cells, fields.salesperson)),
        );
        if let Some(r) = fields.reviewer {
            row.set(
                Column::Reviewer,
                CellOut::Text(self.display(kind, cells, r)),
            );
        }
    }

    /// The log row of a rejection: the review status set to rejected.
    fn review_log_row(
        &self,
        kind: SheetKind,
        cells: &Cells,
        reason: &str,
        source: String,
    ) -> LogRow {
        let fields = match kind {
            SheetKind::Entry => &self.ef,
            SheetKind::Update => &self.uf,
        };
        let date = match kind {
            SheetKind::Entry => fields
                .review_date
                .filter(|&i| val(cells, i).is_some())
                .unwrap_or(fields.date),
            SheetKind::Update => fields.date,
        };
        let def = self.template.sheet(kind);
        let mut row = LogRow::default();
        row.set(Column::Date, self.cell_out(kind, cells, date));
        row.set(
            Column::Id,
            CellOut::Text(self.display(kind, cells, fields.id)),
        );
        row.set(
            Column::Name,
            CellOut::Text(self.display(kind, cells, fields.name)),
        );
        row.set(
            Column::Field,
            CellOut::text(def.fields[fields.review_status].header.get(self.lang)),
        );
        row.set(
            Column::New,
            CellOut::Text(self.display(kind, cells, fields.review_status)),
        );
        row.set(Column::Reason, CellOut::text(reason));
        self.set_people(&mut row, kind, cells);
        row.set(Column::Source, CellOut::Text(source));
        row
    }

    /// Adds a row to the change log (written in date order at the end, by
    /// [`write_change_log`](Self::write_change_log)).
    fn write_log(&mut self, row: LogRow) -> Result<()> {
        self.added_log.push(row);
        self.counts.log_rows_added += 1;
        Ok(())
    }

    /// Applies one approved update to a customer's cells, logging every field
    /// it changes.
    fn apply_update(&mut self, u: usize, cells: &mut Cells) -> Result<()> {
        let template = self.template;
        let entry = self.entry_def();
        let update = self.update_def();
        let mut rows = Vec::new();
        {
            let upd = &self.updates[u];
            let ucells = &upd.rec.cells;
            for &(ui, target) in &self.targets {
                let Some(value) = val(ucells, ui) else {
                    continue;
                };
                let (ei, new) = match target {
                    Change::Overwrite(ei) => (
                        ei,
                        value.for_field(template, &update.fields[ui], &entry.fields[ei]),
                    ),
                    Change::Append(ei) => {
                        let line = format!(
                            "{} {}",
                            self.display(SheetKind::Update, ucells, self.uf.date),
                            value.display(template, &update.fields[ui], self.lang)
                        );
                        let old = self.display(SheetKind::Entry, cells, ei);
                        let text = if old.is_empty() {
                            line
                        } else {
                            format!("{old}\n{line}")
                        };
                        (ei, Val::Text(text.into()))
                    }
                };
                let old = self.display(SheetKind::Entry, cells, ei);
                let new_text = new.display(template, &entry.fields[ei], self.lang);
                if old == new_text {
                    continue;
                }
                if let Some(slot) = cells.get_mut(ei) {
                    *slot = Some(Cell {
                        val: new,
                        col: ei as u32,
                    });
                }
                let mut row = LogRow::default();
                row.set(
                    Column::Date,
                    self.cell_out(SheetKind::Update, ucells, self.uf.date),
                );
                row.set(
                    Column::Id,
                    CellOut::Text(self.display(SheetKind::Entry, cells, self.ef.id)),
                );
                row.set(
                    Column::Name,
                    CellOut::Text(self.display(SheetKind::Entry, cells, self.ef.name)),
                );
                row.set(
                    Column::Field,
                    CellOut::text(entry.fields[ei].header.get(self.lang)),
                );
                row.set(Column::Old, CellOut::Text(old));
                row.set(Column::New, CellOut::Text(new_text));
                if let Some(r) = self.update_reason {
                    row.set(
                        Column::Reason,
                        CellOut::Text(self.display(SheetKind::Update, ucells, r)),
                    );
                }
                self.set_people(&mut row, SheetKind::Update, ucells);
                // A copy that brought the approval is where the change was approved.
                let (file, at) = upd.reviewed_by.unwrap_or((upd.rec.file, upd.rec.row));
                let source = self.sources.cell(file, SheetKind::Update, at, ui);
                row.set(Column::Source, CellOut::Text(source));
                rows.push(row);
            }
        }
        self.counts.updates_applied += 1;
        self.counts.field_changes += rows.len();
        let (file, at) = (self.updates[u].rec.file, self.updates[u].rec.row);
        if file == 0 && self.trace.is_some() {
            let id = self.display(SheetKind::Entry, cells, self.ef.id);
            let name = self.display(SheetKind::Entry, cells, self.ef.name);
            if let Some(trace) = self.trace.as_mut() {
                trace.applied.push((at, id, name, rows.len()));
            }
        }
        for row in rows {
            self.write_log(row)?;
        }
        if let Some(upd) = self.updates.get_mut(u) {
            upd.done = true;
        }
        Ok(())
    }

    /// A pending input update the master's log shows as decided: its changes
    /// were logged (same date, salesperson, ID and reason), or a rejection of
    /// the same date, salesperson and customer ID was, and no other pending
    /// update shares those three (a rejection logs its own reason, so two
    /// such updates could not be told apart: both stay pending).
    fn decided_update(&self, i: usize) -> bool {
        let u = &self.updates[i];
        if u.rec.file == 0 {
            return false;
        }
        self.found.contains(&u.key)
            || matches!(
                self.pending_updates
                    .get(&self.update_day_person_id(&u.rec.cells)),
                Some((1, true))
            )
    }

    /// Writes the update sheet (pending updates, and approved ones whose
    /// customer was not found) and logs the rejected updates.
    ///
    /// # Errors
    /// Writing failed.
    pub fn finish_updates(&mut self) -> Result<()> {
        for i in 0..self.updates.len() {
            let (review, done) = (self.updates[i].review, self.updates[i].done);
            match review {
                Review::Rejected => {
                    let u = &self.updates[i];
                    if self.found.contains(&u.key) {
                        continue;
                    }
                    self.counts.rejected_updates += 1;
                    let (file, row) = u.reviewed_by.unwrap_or((u.rec.file, u.rec.row));
                    let source =
                        self.sources
                            .cell(file, SheetKind::Update, row, self.uf.review_status);
                    let reason =
                        match self.decided_reason(SheetKind::Update, (u.rec.file, u.rec.row)) {
                            Some(given) => given.to_string(),
                            None => self
                                .update_reason
                                .map(|r| self.display(SheetKind::Update, &u.rec.cells, r))
                                .unwrap_or_default(),
                        };
                    let mut log =
                        self.review_log_row(SheetKind::Update, &u.rec.cells, &reason, source);
                    let id = normalize_value(&key_text(&u.rec.cells, self.uf.id)).into_owned();
                    if let Some(Some(name)) = self.rejected_names.get(&id) {
                        log.set(Column::Name, CellOut::Text(name.clone()));
                    }
                    self.write_log(log)?;
                }
                Review::Approved if done => {}
                Review::Pending if self.decided_update(i) => {
                    // Applied or rejected before, sent again: the decision stands.
                    self.counts.decided_before += 1;
                }
                Review::Approved | Review::Pending => {
                    if review == Review::Approved {
                        self.counts.updates_unmatched += 1;
                    } else {
                        self.counts.updates_carried += 1;
                    }
                    let cells = &self.updates[i].rec.cells;
                    if review == Review::Pending {
                        self.stats
                            .add_pending_update(self.template, &self.uf, cells);
                    }
                    let out: Vec<CellOut> = (0..cells.len())
                        .map(|f| self.cell_out(SheetKind::Update, cells, f))
                        .collect();
                    let row = self.out.update_row;
                    self.out.book.write_row(self.out.update, row, &out)?;
                    self.out.update_row += 1;
                    self.counts.update_rows += 1;
                }
            }
        }
        Ok(())
    }
}
