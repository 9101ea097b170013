//! What merge reads: the validation run's rows kept for the merger
//! ([`Collector`]), and the master's entry rows read again ([`MasterStream`]).

use super::register::{HeldEntry, Merger, Record, SheetSource, Sources};
use super::value::{id_number, type_row, type_value, PackedCells, Val};
use super::Decisions;
use crate::lang::Lang;
use crate::read::{Row, RowSink, SheetLayout};
use crate::rules::FileChecker;
use crate::template::{SheetKind, Template};

/// What the validation read keeps for merge.
#[derive(Default)]
pub(super) struct Collected {
    pub(super) sources: Sources,
    /// Entry rows of the inputs.
    pub(super) entries: Vec<HeldEntry>,
    /// Update rows of every file, master first.
    pub(super) updates: Vec<Record>,
    /// Highest number among the customer IDs present.
    pub(super) max_id: u64,
    /// Language of the master's headers.
    pub(super) master_lang: Option<Lang>,
}

/// The validation sink that also keeps rows for merge.
pub(super) struct Collector<'c, 'v, 't> {
    pub(super) checker: FileChecker<'v, 't>,
    /// The path as given, as the report shows it.
    pub(super) path: String,
    pub(super) template: &'t Template,
    pub(super) is_master: bool,
    /// Review decisions on this file's rows (the master's only).
    pub(super) decisions: Option<&'c Decisions>,
    pub(super) collected: &'c mut Collected,
}

impl Collector<'_, '_, '_> {
    pub(super) fn note_id(&mut self, id: Option<&Val>) {
        if let Some(Val::Text(id)) = id {
            if let Some(n) = id_number(id, &self.template.params.id_prefix) {
                self.collected.max_id = self.collected.max_id.max(n);
            }
        }
    }
}

impl RowSink for Collector<'_, '_, '_> {
    fn sheet(&mut self, layout: &SheetLayout) {
        self.checker.sheet(layout);
        let file = self.checker.file_index();
        let sources = &mut self.collected.sources;
        while sources.paths.len() <= file {
            sources.paths.push(String::new());
            sources.sheets.push([None, None]);
        }
        sources.paths[file] = self.path.clone();
        sources.sheets[file][layout.kind as usize] = Some(SheetSource {
            name: layout.name.clone(),
            columns: layout.columns.clone(),
        });
        if self.is_master && self.collected.master_lang.is_none() {
            self.collected.master_lang = Some(layout.lang);
        }
    }

    fn row(&mut self, layout: &SheetLayout, mut row: Row) {
        let template = self.template;
        let decided = self
            .decisions
            .and_then(|d| d.apply(template, layout, &mut row));
        // Once an error is found the merge is refused: holding more rows
        // would only let a hostile input grow memory.
        if self.checker.run_has_errors() {
            if decided.is_none_or(|d| d.approve) {
                self.checker.row(layout, row);
            }
            return;
        }
        let def = template.sheet(layout.kind);
        let file = self.checker.file_index();
        match (layout.kind, self.is_master) {
            (SheetKind::Entry, true) => {
                // Only the ID and the review: the master's rows are read again
                // when written.
                let typed = |i: usize| {
                    let cell = row.cells.get(i)?.as_ref()?;
                    type_value(template, &def.fields[i], &cell.value)
                };
                let status = typed(def.keys.review_status);
                // IDs on rows not approved do not count (merge clears them).
                if super::value::review_of_status(def, status.as_ref())
                    == super::value::Review::Approved
                {
                    self.note_id(typed(def.keys.id).as_ref());
                }
            }
            (kind, _) => {
                let cells = type_row(template, def, &row);
                let fields = def.keys.clone();
                // IDs on rows not approved do not count (merge clears them).
                if kind == SheetKind::Entry
                    && super::value::review_of(def, &cells) == super::value::Review::Approved
                {
                    self.note_id(super::value::val(&cells, fields.id));
                }
                let (file, row) = (file, row.row);
                match kind {
                    SheetKind::Entry => self.collected.entries.push(HeldEntry {
                        file,
                        row,
                        cells: PackedCells::pack(&cells),
                    }),
                    SheetKind::Update => self.collected.updates.push(Record { file, row, cells }),
                }
            }
        }
        // A row rejected by a decision leaves the register: nothing to check.
        if decided.is_none_or(|d| d.approve) {
            self.checker.row(layout, row);
        }
    }

    crate::read::forward_merged_cells!(checker);
}

/// The second read of the master: its entry rows go to the merger.
pub(super) struct MasterStream<'m, 't> {
    pub(super) merger: &'m mut Merger<'t>,
    pub(super) decisions: Option<&'m Decisions>,
    pub(super) error: Option<anyhow::Error>,
}

impl RowSink for MasterStream<'_, '_> {
    fn sheet(&mut self, _layout: &SheetLayout) {}

    fn row(&mut self, layout: &SheetLayout, mut row: Row) {
        if layout.kind != SheetKind::Entry || self.error.is_some() {
            return;
        }
        if let Some(decisions) = self.decisions {
            decisions.apply(self.merger.template(), layout, &mut row);
        }
        if let Err(e) = self.merger.master_entry(0, &row) {
            self.error = Some(e);
        }
    }
}
