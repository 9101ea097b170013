//! What becomes of each held row: input entries grouped into one entry each,
//! updates seen twice made one, and what the master's change log already shows.

use super::{HeldEntry, Merger, Record, Update};
use crate::changelog::{Column, LogRow};
use crate::merge::value::{
    key_day, key_name, key_person, key_text, review_of, val, Cells, Review, Val,
};
use crate::template::SheetKind;
use crate::text::normalize_value;
use std::collections::HashMap;

impl<'t> Merger<'t> {
    /// The key by which an entry is "the same row": entry date, salesperson and
    /// normalised customer name.
    pub(super) fn entry_identity(&self, cells: &Cells) -> String {
        [
            key_day(cells, self.ef.date),
            key_person(cells, self.ef.salesperson),
            key_name(cells, self.ef.name),
        ]
        .join("\u{1f}")
    }

    /// The customer ID of an entry, as groups compare it.
    pub(super) fn entry_id(&self, cells: &Cells) -> Option<String> {
        val(cells, self.ef.id).map(|_| key_text(cells, self.ef.id))
    }

    pub(super) fn group_entries(&mut self, entries: Vec<HeldEntry>) {
        for (i, rec) in entries.iter().enumerate() {
            let cells = rec.cells.unpack();
            let key = self.entry_identity(&cells);
            let id = self.entry_id(&cells);
            self.groups.add(key, id, i);
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

    pub(super) fn update_key(&self, cells: &Cells) -> String {
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
    pub(super) fn person_and_name(&self, cells: &Cells) -> String {
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
    pub(super) fn update_day_person_id(&self, cells: &Cells) -> String {
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
    pub(super) fn rejected_before(&self, cells: &Cells) -> bool {
        let Some(Some(rejected)) = self.pending_entries.get(&self.person_and_name(cells)) else {
            return false;
        };
        match val(cells, self.ef.date) {
            Some(Val::Date(d)) => crate::changelog::day(d.date()) <= *rejected,
            _ => false,
        }
    }

    /// The log key of a rejected entry (its review date, else its entry date).
    pub(super) fn rejected_entry_key(&self, cells: &Cells) -> String {
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
    pub(super) fn resolve_updates(&mut self, records: Vec<Record>) {
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

    /// Copies the review fields of the group's first reviewed row into `cells`;
    /// returns where that row is.
    pub(super) fn take_over_review(&self, g: usize, cells: &mut Cells) -> Option<(usize, u32)> {
        let (reviewer, reviewed) = self.groups.members(g).find_map(|m| {
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

    /// A pending input update the master's log shows as decided: its changes
    /// were logged (same date, salesperson, ID and reason), or a rejection of
    /// the same date, salesperson and customer ID was, and no other pending
    /// update shares those three (a rejection logs its own reason, so two
    /// such updates could not be told apart: both stay pending).
    pub(super) fn decided_update(&self, i: usize) -> bool {
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
}
