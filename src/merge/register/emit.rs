//! Writing the register: the master's entry rows in order, then the inputs'
//! new entries, each approved customer given its ID; the update sheet and the
//! change log last.

use super::{Merger, NewCustomer, LISTED_NEW_CUSTOMERS};
use crate::changelog::{read_log, Column, LogRow};
use crate::merge::value::{key_text, review_of, type_row, val, Cell, Cells, Review, Val};
use crate::read::Row;
use crate::template::SheetKind;
use crate::text::normalize_value;
use crate::write::CellOut;
use anyhow::Result;
use std::path::Path;

impl<'t> Merger<'t> {
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

    pub(super) fn put_log_row(&mut self, row: &LogRow) -> Result<()> {
        let r = self.out.log_row;
        self.out.book.write_row(self.out.log, r, &row.0)?;
        self.out.log_row += 1;
        Ok(())
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
        if let Some(g) = self.groups.find(&key, id.as_deref()) {
            if !self.groups.groups[g].matched {
                self.groups.groups[g].matched = true;
                self.counts.already_present += self.groups.len(g);
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

    /// The inputs' entries not already in the register, in input order.
    ///
    /// # Errors
    /// Writing a row failed, or IDs ran out.
    pub fn input_entries(&mut self) -> Result<()> {
        for g in 0..self.groups.groups.len() {
            if self.groups.groups[g].matched {
                continue;
            }
            let rec = &self.entries[self.groups.groups[g].first as usize];
            let mut cells = rec.cells.unpack();
            let mut review_source = (rec.file, rec.row);
            self.counts.already_present += self.groups.len(g) - 1;
            if review_of(self.entry_def(), &cells) == Review::Pending {
                if let Some(by) = self.take_over_review(g, &mut cells) {
                    review_source = by;
                    self.counts.reviews_taken_over += 1;
                }
            }
            let review = review_of(self.entry_def(), &cells);
            if review == Review::Pending && self.rejected_before(&cells) {
                // Rejected before and sent again unchanged: the rejection stands.
                self.counts.decided_before += self.groups.len(g);
                self.counts.already_present -= self.groups.len(g) - 1;
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
    pub(super) fn emit_entry(
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
        let out = self.row_out(SheetKind::Entry, &cells);
        self.put_data_row(SheetKind::Entry, &out)
    }

    /// A row of the register's entry or update sheet as written.
    fn row_out(&self, kind: SheetKind, cells: &Cells) -> Vec<CellOut> {
        (0..cells.len())
            .map(|i| self.cell_out(kind, cells, i))
            .collect()
    }

    /// Writes the next row of the register's entry or update sheet.
    fn put_data_row(&mut self, kind: SheetKind, out: &[CellOut]) -> Result<()> {
        let (sheet, row, written) = match kind {
            SheetKind::Entry => (
                self.out.entry,
                &mut self.out.entry_row,
                &mut self.counts.entry_rows,
            ),
            SheetKind::Update => (
                self.out.update,
                &mut self.out.update_row,
                &mut self.counts.update_rows,
            ),
        };
        self.out.book.write_row(sheet, *row, out)?;
        *row += 1;
        *written += 1;
        Ok(())
    }

    pub(super) fn cell_out(&self, kind: SheetKind, cells: &Cells, i: usize) -> CellOut {
        let def = self.template.sheet(kind);
        match (val(cells, i), def.fields.get(i)) {
            (Some(v), Some(f)) => v.to_cell(self.template, f, self.lang),
            _ => CellOut::Empty,
        }
    }

    pub(super) fn next_id(&mut self) -> Result<String> {
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
                    let out = self.row_out(SheetKind::Update, cells);
                    self.put_data_row(SheetKind::Update, &out)?;
                }
            }
        }
        Ok(())
    }
}
