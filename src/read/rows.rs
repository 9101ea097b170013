//! Turning a stream of cells into header detection and data rows, the same for
//! every format.
//!
//! Cells arrive in row order. The first ten non-empty rows are kept whole until
//! the header row is known; after that only cells of schema columns are converted
//! and kept, one row at a time, and each finished row goes to the sink. Memory
//! therefore stays at ten rows plus one, however long the sheet is.

use super::layout::{self, RawRow, HEADER_SEARCH_ROWS};
use super::{FieldCell, Row, RowSink, SheetLayout, SheetSummary, Value};
use crate::template::SheetDef;
use calamine::{Data, DataRef};
use chrono::{NaiveDate, NaiveDateTime};

/// A cell value as a format reader has it, converted only when needed.
pub(crate) enum LazyValue<'v> {
    Ref(&'v DataRef<'v>),
    Owned(&'v Data),
    Text(&'v str),
}

impl LazyValue<'_> {
    /// The value, or `None` for an empty or whitespace-only cell.
    pub(crate) fn into_value(self) -> Option<Value> {
        self.into_value_reusing(&mut Vec::new())
    }

    /// Like [`Self::into_value`], writing text into a buffer from `spare` (the
    /// text buffers of rows the sink is done with) rather than a new one.
    fn into_value_reusing(self, spare: &mut Vec<String>) -> Option<Value> {
        match self {
            LazyValue::Ref(DataRef::SharedString(text)) => text_value_in(text, spare),
            LazyValue::Ref(DataRef::String(text)) => text_value_in(text, spare),
            LazyValue::Ref(data) => from_data_ref(data),
            LazyValue::Owned(data) => from_data(data),
            LazyValue::Text(text) => text_value_in(text, spare),
        }
    }
}

fn non_blank(text: &str) -> bool {
    // Most cells start with a printable ASCII character or a CJK ideograph
    // (UTF-8 lead bytes E4–E9), which is never white space: no need to trim.
    match text.as_bytes().first() {
        Some(b'!'..=b'~' | 0xE4..=0xE9) => true,
        _ => !text.trim().is_empty(),
    }
}

fn text_value_in(text: &str, spare: &mut Vec<String>) -> Option<Value> {
    if !non_blank(text) {
        return None;
    }
    let mut buffer = spare.pop().unwrap_or_default();
    buffer.push_str(text);
    Some(Value::Text(buffer))
}

fn text_value(text: &str) -> Option<Value> {
    non_blank(text).then(|| Value::Text(text.to_string()))
}

fn from_data_ref(data: &DataRef<'_>) -> Option<Value> {
    match data {
        DataRef::Empty => None,
        DataRef::String(text) => text_value(text),
        DataRef::SharedString(text) => text_value(text),
        DataRef::Int(n) => Some(Value::Number(*n as f64)),
        DataRef::Float(n) => Some(Value::Number(*n)),
        DataRef::Bool(b) => Some(Value::Bool(*b)),
        DataRef::DateTime(dt) => Some(excel_date(dt)),
        DataRef::DateTimeIso(text) => iso_date(text),
        DataRef::DurationIso(text) => text_value(text),
        DataRef::Error(e) => Some(Value::Error(e.to_string())),
    }
}

fn from_data(data: &Data) -> Option<Value> {
    match data {
        Data::Empty => None,
        Data::String(text) => text_value(text),
        Data::Int(n) => Some(Value::Number(*n as f64)),
        Data::Float(n) => Some(Value::Number(*n)),
        Data::Bool(b) => Some(Value::Bool(*b)),
        Data::DateTime(dt) => Some(excel_date(dt)),
        Data::DateTimeIso(text) => iso_date(text),
        Data::DurationIso(text) => text_value(text),
        Data::Error(e) => Some(Value::Error(e.to_string())),
    }
}

/// A date-formatted number, converted from its epoch (1900 or 1904). A duration
/// (`[hh]:mm` format) or a serial outside the calendar stays a number.
fn excel_date(dt: &calamine::ExcelDateTime) -> Value {
    // calamine panics converting a serial whose milliseconds do not fit
    // (-1e308, -inf): only serials within ±10,000,000 days (beyond any
    // calendar date Excel shows) are converted; the rest stay numbers, each an
    // `invalid-date` at its cell.
    let serial = dt.as_f64();
    if !(serial.is_finite() && serial.abs() < 1e7) {
        return Value::Number(serial);
    }
    if dt.is_datetime() {
        if let Some(value) = dt.as_datetime() {
            return Value::DateTime(value);
        }
    }
    Value::Number(dt.as_f64())
}

/// An ISO 8601 date or date-time (how ODS stores date cells).
fn iso_date(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    // ODS may append a time-zone designator; a register date has no zone.
    let plain = trimmed.trim_end_matches('Z');
    if let Ok(dt) = NaiveDateTime::parse_from_str(plain, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(Value::DateTime(dt));
    }
    if let Ok(date) = NaiveDate::parse_from_str(plain, "%Y-%m-%d") {
        return Some(Value::DateTime(date.and_time(chrono::NaiveTime::MIN)));
    }
    Some(Value::Text(text.to_string()))
}

/// Where a cell goes.
pub(crate) enum Slot {
    /// Kept whole while the header row is being looked for.
    Raw,
    /// The slot of this field in [`Row::cells`].
    Field(usize),
    /// A cell outside the schema columns, for a sink that wants those
    /// ([`RowSink::wants_other_cells`]).
    Other,
}

enum Phase {
    Searching(Vec<RawRow>),
    Streaming {
        layout: SheetLayout,
        /// (column, field index), sorted by column.
        by_column: Vec<(u32, usize)>,
        current: Option<Row>,
        /// Cells of the current row outside the schema columns (only kept for a
        /// sink that wants them).
        other: Vec<(u32, Value)>,
    },
}

/// Reads one data sheet: finds its header row, then streams its rows to a sink.
pub(crate) struct SheetAssembler<'t> {
    def: &'t SheetDef,
    /// Name the layout gets once it is built.
    name: Option<String>,
    found_by_name: bool,
    phase: Phase,
    current_row: Option<u32>,
    rows_sent: u64,
    /// Whether the sink wants the cells outside the schema; asked once.
    want_other: Option<bool>,
    /// Rows the sink handed back ([`RowSink::spare_row`]), emptied, to be
    /// filled again, and the text buffers of their cells: a long sheet is then
    /// read without an allocation per cell.
    spare_rows: Vec<Row>,
    spare_texts: Vec<String>,
}

/// At most this many spare text buffers are kept, each of at most
/// [`SPARE_TEXT_CAPACITY`] bytes: enough for a few rows, never much memory.
const SPARE_TEXTS: usize = 256;
const SPARE_TEXT_CAPACITY: usize = 256;

impl<'t> SheetAssembler<'t> {
    /// `found_by_name`: a sheet named as the data sheet is read even when its
    /// header row cannot be found (see [`layout::headerless_layout`]).
    pub(crate) fn new(def: &'t SheetDef, name: String, found_by_name: bool) -> Self {
        SheetAssembler {
            def,
            name: Some(name),
            found_by_name,
            phase: Phase::Searching(Vec::with_capacity(HEADER_SEARCH_ROWS)),
            current_row: None,
            rows_sent: 0,
            want_other: None,
            spare_rows: Vec::new(),
            spare_texts: Vec::new(),
        }
    }

    /// Like [`Self::new`], with the first rows already read (at most ten
    /// non-empty ones, as [`PrefixCollector`] keeps them); the rest follow through
    /// [`Self::slot`] and [`Self::put`].
    pub(crate) fn with_prefix(
        def: &'t SheetDef,
        name: String,
        found_by_name: bool,
        prefix: Vec<RawRow>,
    ) -> Self {
        let mut assembler = SheetAssembler::new(def, name, found_by_name);
        assembler.phase = Phase::Searching(prefix);
        assembler
    }

    /// Where a cell of `row` (1-based) and `col` (0-based) goes, or `None` when it
    /// is not needed (a column outside the schema). Call before converting the
    /// value, so that unneeded cells cost nothing.
    pub(crate) fn slot(&mut self, row: u32, col: u32, sink: &mut dyn RowSink) -> Option<Slot> {
        if self.current_row != Some(row) {
            self.end_row(sink);
            self.current_row = Some(row);
            if self.spare_rows.is_empty() {
                if let Some(spare) = sink.spare_row() {
                    self.reclaim(spare);
                }
            }
        }
        let want_other = self.wants_other(sink);
        match &self.phase {
            Phase::Searching(_) => Some(Slot::Raw),
            Phase::Streaming { by_column, .. } => by_column
                .binary_search_by_key(&col, |&(c, _)| c)
                .ok()
                .and_then(|i| by_column.get(i))
                .map(|&(_, field)| Slot::Field(field))
                .or(want_other.then_some(Slot::Other)),
        }
    }

    fn wants_other(&mut self, sink: &dyn RowSink) -> bool {
        *self
            .want_other
            .get_or_insert_with(|| sink.wants_other_cells())
    }

    /// Converts a cell value and stores it (when not empty) in the slot
    /// [`Self::slot`] gave for it.
    pub(crate) fn put_value(&mut self, slot: Slot, col: u32, value: LazyValue<'_>) {
        if let Some(value) = value.into_value_reusing(&mut self.spare_texts) {
            self.put(slot, col, value);
        }
    }

    /// Keeps a row the sink is done with for reuse: its cells emptied, their
    /// small text buffers set aside.
    fn reclaim(&mut self, mut row: Row) {
        if row.cells.len() != self.def.fields.len() {
            return;
        }
        for cell in &mut row.cells {
            if let Some(FieldCell {
                value: Value::Text(mut text),
                ..
            }) = cell.take()
            {
                if self.spare_texts.len() < SPARE_TEXTS && text.capacity() <= SPARE_TEXT_CAPACITY {
                    text.clear();
                    self.spare_texts.push(text);
                }
            }
        }
        self.spare_rows.push(row);
    }

    /// Stores a non-empty value in the slot [`Self::slot`] gave for it.
    pub(crate) fn put(&mut self, slot: Slot, col: u32, value: Value) {
        let Some(row) = self.current_row else {
            return;
        };
        let fields = self.def.fields.len();
        let spare_rows = &mut self.spare_rows;
        match (slot, &mut self.phase) {
            (Slot::Raw, Phase::Searching(rows)) => {
                if rows.last().map(|r| r.row) != Some(row) {
                    rows.push(RawRow {
                        row,
                        cells: Vec::new(),
                    });
                }
                if let Some(last) = rows.last_mut() {
                    last.cells.push((col, value));
                }
            }
            (Slot::Field(field), Phase::Streaming { current, .. }) => {
                let current = current.get_or_insert_with(|| match spare_rows.pop() {
                    Some(spare) => Row { row, ..spare },
                    None => Row {
                        row,
                        cells: vec![None; fields],
                    },
                });
                if let Some(cell) = current.cells.get_mut(field) {
                    *cell = Some(FieldCell { col, value });
                }
            }
            (Slot::Other, Phase::Streaming { other, .. }) => other.push((col, value)),
            // A slot from before the header was decided; cannot happen because
            // `slot` and `put` are called in pairs for the same cell.
            _ => {}
        }
    }

    /// Ends the row being assembled: while searching, decides the header once
    /// ten non-empty rows are in; afterwards, sends the row to the sink.
    fn end_row(&mut self, sink: &mut dyn RowSink) {
        match &mut self.phase {
            Phase::Searching(rows) => {
                if rows.len() >= HEADER_SEARCH_ROWS {
                    self.decide(sink);
                }
            }
            Phase::Streaming {
                layout,
                current,
                other,
                ..
            } => {
                if let (false, Some(row)) = (other.is_empty(), self.current_row) {
                    sink.other_cells(layout, row, std::mem::take(other));
                }
                if let Some(row) = current.take() {
                    if row.cells.iter().any(Option::is_some) {
                        sink.row(layout, row);
                        self.rows_sent += 1;
                    }
                }
            }
        }
    }

    /// Picks the header row among the rows kept so far, announces the sheet and
    /// sends the kept rows below the header.
    fn decide(&mut self, sink: &mut dyn RowSink) {
        let Phase::Searching(rows) = &mut self.phase else {
            return;
        };
        let rows = std::mem::take(rows);
        let name = self.name.take().unwrap_or_default();
        let header = layout::find_header(self.def, &rows)
            .map(|(i, _)| i)
            .or_else(|| {
                self.found_by_name
                    .then(|| layout::best_partial_header(self.def, &rows))
                    .flatten()
            });
        let (layout, above, data_rows) = match header {
            Some(i) => {
                let header_row = &rows[i];
                let layout =
                    layout::build_layout(self.def, name, header_row.row, &header_row.cells);
                let mut rows = rows.into_iter();
                let above: Vec<RawRow> = rows.by_ref().take(i).collect();
                (layout, above, rows.skip(1).collect::<Vec<_>>())
            }
            None => {
                let lang = layout::name_lang(self.def, &name);
                (
                    layout::headerless_layout(self.def, name, lang),
                    Vec::new(),
                    Vec::new(),
                )
            }
        };
        let mut by_column: Vec<(u32, usize)> = layout
            .columns
            .iter()
            .enumerate()
            .filter_map(|(field, col)| col.map(|c| (c, field)))
            .collect();
        by_column.sort_unstable();
        sink.sheet(&layout);
        let want_other = self.wants_other(sink);
        if want_other {
            for raw in above {
                sink.other_cells(&layout, raw.row, raw.cells);
            }
        }
        for raw in data_rows {
            let mut row = Row {
                row: raw.row,
                cells: vec![None; self.def.fields.len()],
            };
            let mut other = Vec::new();
            for (col, value) in raw.cells {
                let field = by_column
                    .binary_search_by_key(&col, |&(c, _)| c)
                    .ok()
                    .and_then(|i| by_column.get(i))
                    .map(|&(_, f)| f);
                match field.and_then(|f| row.cells.get_mut(f)) {
                    Some(cell) => *cell = Some(FieldCell { col, value }),
                    None if want_other => other.push((col, value)),
                    None => {}
                }
            }
            if !other.is_empty() {
                sink.other_cells(&layout, raw.row, other);
            }
            if row.cells.iter().any(Option::is_some) {
                sink.row(&layout, row);
                self.rows_sent += 1;
            }
        }
        self.phase = Phase::Streaming {
            layout,
            by_column,
            current: None,
            other: Vec::new(),
        };
    }

    /// Sends what is left and returns the sheet's summary.
    pub(crate) fn finish(self, sink: &mut dyn RowSink) -> SheetSummary {
        self.finish_with_layout(sink).0
    }

    /// Like [`Self::finish`], also handing back the layout the rows were sent
    /// with.
    pub(crate) fn finish_with_layout(
        mut self,
        sink: &mut dyn RowSink,
    ) -> (SheetSummary, Option<SheetLayout>) {
        self.end_row(sink);
        if matches!(self.phase, Phase::Searching(_)) {
            self.decide(sink);
        }
        let (name, header_row, layout) = match self.phase {
            Phase::Streaming { layout, .. } => {
                (layout.name.clone(), layout.header_row, Some(layout))
            }
            Phase::Searching(_) => (self.name.clone().unwrap_or_default(), 1, None),
        };
        let summary = SheetSummary {
            kind: self.def.kind,
            name,
            header_row,
            rows: self.rows_sent,
        };
        (summary, layout)
    }
}

/// Collects the first ten non-empty rows of a sheet, to look for its header.
#[derive(Default)]
pub(crate) struct PrefixCollector {
    pub rows: Vec<RawRow>,
}

impl PrefixCollector {
    /// Takes one cell; returns `false` once ten non-empty rows are complete and
    /// the cell starts another row, so the caller can stop reading.
    pub(crate) fn push(&mut self, row: u32, col: u32, value: LazyValue<'_>) -> bool {
        let new_row = self.rows.last().map(|r| r.row) != Some(row);
        if new_row && self.rows.len() >= HEADER_SEARCH_ROWS {
            return false;
        }
        if let Some(value) = value.into_value() {
            if new_row {
                self.rows.push(RawRow {
                    row,
                    cells: Vec::new(),
                });
            }
            if let Some(last) = self.rows.last_mut() {
                last.cells.push((col, value));
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn serials_beyond_any_date_stay_numbers() {
        for serial in [
            -1e308,
            1e308,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NAN,
            -2e7,
        ] {
            let dt = ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false);
            assert!(matches!(excel_date(&dt), Value::Number(_)), "{serial}");
        }
        let dt = ExcelDateTime::new(46356.0, ExcelDateTimeType::DateTime, false);
        assert!(matches!(excel_date(&dt), Value::DateTime(_)));
    }
}
