//! The change log's rows: IDs given, rejections, and the fields an approved
//! update changes.

use super::Merger;
use crate::changelog::{Column, LogRow};
use crate::merge::value::{val, Cell, Cells, Val};
use crate::template::{Change, SheetKind};
use crate::write::CellOut;
use anyhow::Result;

impl<'t> Merger<'t> {
    /// Salesperson and reviewer of a row onto a log row.
    pub(super) fn set_people(&self, row: &mut LogRow, kind: SheetKind, cells: &Cells) {
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
    pub(super) fn review_log_row(
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
    pub(super) fn write_log(&mut self, row: LogRow) -> Result<()> {
        self.added_log.push(row);
        self.counts.log_rows_added += 1;
        Ok(())
    }

    /// Applies one approved update to a customer's cells, logging every field
    /// it changes.
    pub(super) fn apply_update(&mut self, u: usize, cells: &mut Cells) -> Result<()> {
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
}
