//! The change log (`操作日志`): who changed what, when and why.
//!
//! Merge copies it into the new register and matches its rows; validation
//! counts the contacts it records. The reader only reads the two data sheets,
//! so the log is read here,
//! with calamine, one cell at a time (streamed for xlsx and xlsb), and copied
//! into the new register as it goes. While copying, each row is matched against
//! the keys merge asks about ("was this update already applied?", "was this
//! rejection already logged?"), so nothing of the log is kept in memory.

use crate::lang::Lang;
use crate::read::Source;
use crate::template::{SheetKind, Template};
use crate::text::{normalize_name, normalize_value};
use crate::value::{cell_text, parse_date_text, DateValue};
use crate::write::CellOut;
use anyhow::Result;
use chrono::NaiveDate;
use std::ops::ControlFlow;

/// The columns of the change log, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Date,
    Id,
    Name,
    Field,
    Old,
    New,
    Reason,
    Salesperson,
    Reviewer,
    Source,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Date,
        Column::Id,
        Column::Name,
        Column::Field,
        Column::Old,
        Column::New,
        Column::Reason,
        Column::Salesperson,
        Column::Reviewer,
        Column::Source,
    ];

    /// The header in a language, as the template defines it.
    pub fn header(self, template: &Template, lang: Lang) -> &str {
        template.change_log_columns[self.index()].get(lang)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The column's width in the register, and whether its texts wrap: wide
    /// enough to read a date, an ID or a name at a glance; old and new values
    /// (a whole interaction history), reasons and sources wrap instead of
    /// being cut at the next column.
    pub fn layout(self) -> (f64, bool) {
        match self {
            Column::Date => (12.0, false),
            Column::Id => (10.0, false),
            Column::Name => (24.0, true),
            Column::Field => (14.0, true),
            Column::Old | Column::New => (32.0, true),
            Column::Reason => (30.0, true),
            Column::Salesperson | Column::Reviewer => (11.0, false),
            Column::Source => (34.0, true),
        }
    }

    /// The column a header cell names, in either language.
    fn from_header(template: &Template, text: &str) -> Option<Column> {
        Column::ALL
            .into_iter()
            .find(|c| template.change_log_columns[c.index()].names(text))
    }
}

/// The headers of the log sheet in a language.
pub fn headers(template: &Template, lang: Lang) -> Vec<&str> {
    Column::ALL
        .iter()
        .map(|c| c.header(template, lang))
        .collect()
}

/// One row of the change log, a cell per [`Column`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogRow(pub [CellOut; 10]);

impl LogRow {
    pub fn set(&mut self, column: Column, value: CellOut) {
        self.0[column.index()] = value;
    }

    pub fn get(&self, column: Column) -> &CellOut {
        &self.0[column.index()]
    }

    /// A cell as text (dates as `yyyy-mm-dd`, with the time when there is one).
    pub fn text(&self, column: Column) -> String {
        match self.get(column) {
            CellOut::Empty => String::new(),
            CellOut::Text(t) => t.clone(),
            CellOut::Number(n) => cell_text(&crate::read::Value::Number(*n)).into_owned(),
            CellOut::Date(at) => DateValue::from_cell(*at).display(),
        }
    }

    /// The date column's value, when it is a date.
    pub fn date(&self) -> Option<DateValue> {
        match self.get(Column::Date) {
            CellOut::Date(at) => Some(DateValue::from_cell(*at)),
            _ => parse_date_text(&normalize_value(&self.text(Column::Date))),
        }
    }

    /// The day of the date column, for comparing.
    pub fn day(&self) -> String {
        match self.date() {
            Some(d) => day(d.date()),
            None => normalize_value(&self.text(Column::Date)).to_lowercase(),
        }
    }
}

pub fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// What a log row records, judged by its field column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A field changed by an update.
    Change,
    /// A review (an entry or update rejected): the field is the review status.
    Review,
    /// A new customer ID assigned: the field is the customer ID.
    IdAssigned,
}

/// The keys by which merge recognises its own earlier work in a log.
pub struct Keys<'t> {
    template: &'t Template,
}

impl<'t> Keys<'t> {
    pub fn new(template: &'t Template) -> Keys<'t> {
        Keys { template }
    }

    pub fn kind(&self, row: &LogRow) -> RowKind {
        let entry = self.template.sheet(SheetKind::Entry);
        let field = entry
            .field_for_header(&row.text(Column::Field))
            .and_then(|i| entry.fields.get(i))
            .map(|f| f.key.as_str());
        match field {
            Some("review_status") => RowKind::Review,
            Some("customer_id") => RowKind::IdAssigned,
            _ => RowKind::Change,
        }
    }

    /// A salesperson's name for comparing: a team option by its index (either
    /// language names it), else the normalised, lower-cased text.
    pub fn person(&self, text: &str) -> String {
        let list = self
            .template
            .list_of(SheetKind::Entry, self.template.entry().keys.salesperson);
        match list.and_then(|l| l.find(text)) {
            Some(option) => format!("#{option}"),
            None => normalize_value(text).to_lowercase(),
        }
    }

    /// "This update": update date, salesperson, customer ID and reason (SPEC §7).
    pub fn update_key(&self, day: &str, person: &str, id: &str, reason: &str) -> String {
        join(&[
            day,
            person,
            &normalize_value(id),
            &normalize_value(reason).to_lowercase(),
        ])
    }

    /// "This entry": date, salesperson and normalised customer name, as merge
    /// recognises an entry it has logged before.
    pub fn entry_key(&self, day: &str, person: &str, name: &str) -> String {
        join(&[day, person, "", &normalize_name(name)])
    }

    /// The update key of a log row.
    pub fn row_update_key(&self, row: &LogRow) -> String {
        self.update_key(
            &row.day(),
            &self.person(&row.text(Column::Salesperson)),
            &row.text(Column::Id),
            &row.text(Column::Reason),
        )
    }

    /// The entry key of a log row.
    pub fn row_entry_key(&self, row: &LogRow) -> String {
        self.entry_key(
            &row.day(),
            &self.person(&row.text(Column::Salesperson)),
            &row.text(Column::Name),
        )
    }
}

fn join(parts: &[&str]) -> String {
    parts.join("\u{1f}")
}

/// Calls `contact` with the customer ID and date of every contact the change
/// log of `source` records, for `stale-customer`: each field an applied update
/// changed is a contact with that customer on the update's date (reviews and
/// assigned IDs are not contacts, and a rejected update is logged as a review).
/// Without this, every customer updated since its entry would look stale once
/// a merge has moved its updates into the log.
///
/// # Errors
/// As [`read_log`]; the validation run passes such a log over (its contacts
/// do not count) and merge, which copies the log, says what is wrong with it.
pub fn contacts(
    source: &Source,
    template: &Template,
    contact: &mut dyn FnMut(&str, DateValue),
) -> Result<()> {
    let keys = Keys::new(template);
    read_log(source, template, &mut |row| {
        if let (RowKind::Change, Some(date)) = (keys.kind(&row), row.date()) {
            contact(&row.text(Column::Id), date);
        }
        Ok(())
    })
}

/// Reads the change-log sheet of the workbook `source` (named as in the
/// template, either language), calling `visit` for each non-empty row below the
/// header with its cells in [`Column`] order. Columns are found by their
/// headers, so a log whose columns were moved is still read; a workbook without
/// a log sheet has no rows.
///
/// # Errors
/// The workbook or its log sheet cannot be read (a panic inside the spreadsheet
/// library is caught and reported as such).
pub fn read_log(
    source: &Source,
    template: &Template,
    visit: &mut dyn FnMut(LogRow) -> Result<()>,
) -> Result<()> {
    let label = &template.workbook.change_log;
    let mut rows = Assembler::new(template);
    let mut failed = None;
    let read = crate::read::read_sheet(
        source,
        &|name| label.names(name),
        &mut |row, col, value| match rows.put(row, col, CellOut::from(value), visit) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    read.map_err(|e| crate::messages::change_log_unreadable(&source.name(), &e))?;
    rows.finish(visit)
}

/// Turns a stream of cells into log rows: the first non-empty row is the header,
/// which maps sheet columns to [`Column`]s; each later row goes to `visit`.
struct Assembler<'t> {
    template: &'t Template,
    /// Sheet column → log column, once the header is read.
    columns: Option<Vec<(u32, Column)>>,
    header: Vec<(u32, String)>,
    row: Option<u32>,
    current: LogRow,
    filled: bool,
}

impl<'t> Assembler<'t> {
    fn new(template: &'t Template) -> Assembler<'t> {
        Assembler {
            template,
            columns: None,
            header: Vec::new(),
            row: None,
            current: LogRow::default(),
            filled: false,
        }
    }

    fn put(
        &mut self,
        row: u32,
        col: u32,
        value: CellOut,
        visit: &mut dyn FnMut(LogRow) -> Result<()>,
    ) -> Result<()> {
        if value == CellOut::Empty {
            return Ok(());
        }
        if self.row != Some(row) {
            self.end_row(visit)?;
            self.row = Some(row);
        }
        match &self.columns {
            None => {
                let text = match &value {
                    CellOut::Text(t) => t.clone(),
                    _ => String::new(),
                };
                self.header.push((col, text));
            }
            Some(columns) => {
                if let Some(&(_, column)) = columns.iter().find(|(c, _)| *c == col) {
                    self.current.set(column, value);
                    self.filled = true;
                }
            }
        }
        Ok(())
    }

    fn end_row(&mut self, visit: &mut dyn FnMut(LogRow) -> Result<()>) -> Result<()> {
        if self.row.is_none() {
            return Ok(());
        }
        if self.columns.is_none() {
            let mut columns = Vec::new();
            for (col, text) in &self.header {
                if let Some(column) = Column::from_header(self.template, text) {
                    if !columns.iter().any(|(_, c)| *c == column) {
                        columns.push((*col, column));
                    }
                }
            }
            self.columns = Some(columns);
        } else if self.filled {
            visit(std::mem::take(&mut self.current))?;
        }
        self.current = LogRow::default();
        self.filled = false;
        Ok(())
    }

    fn finish(mut self, visit: &mut dyn FnMut(LogRow) -> Result<()>) -> Result<()> {
        self.end_row(visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip_in_both_languages() {
        let t = Template::builtin();
        for c in Column::ALL {
            assert_eq!(Column::from_header(&t, c.header(&t, Lang::Zh)), Some(c));
            assert_eq!(Column::from_header(&t, c.header(&t, Lang::En)), Some(c));
        }
        assert_eq!(Column::from_header(&t, "备注"), None);
    }

    #[test]
    fn rows_are_assembled_below_a_moved_header() {
        let t = Template::builtin();
        let mut a = Assembler::new(&t);
        let mut rows = Vec::new();
        let mut visit = |r: LogRow| {
            rows.push(r);
            Ok(())
        };
        a.put(0, 3, CellOut::text("客户ID"), &mut visit).unwrap();
        a.put(0, 0, CellOut::text("Reason"), &mut visit).unwrap();
        a.put(1, 3, CellOut::text("C001"), &mut visit).unwrap();
        a.put(1, 0, CellOut::text("离职"), &mut visit).unwrap();
        a.put(1, 7, CellOut::text("ignored"), &mut visit).unwrap();
        a.put(4, 3, CellOut::text("C002"), &mut visit).unwrap();
        a.finish(&mut visit).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text(Column::Id), "C001");
        assert_eq!(rows[0].text(Column::Reason), "离职");
        assert_eq!(rows[1].text(Column::Id), "C002");
    }

    #[test]
    fn keys_ignore_spelling_and_language() {
        let t = Template::builtin();
        let keys = Keys::new(&t);
        let mut row = LogRow::default();
        row.set(Column::Date, CellOut::text("2026/12/5"));
        row.set(Column::Salesperson, CellOut::text(" 张伟 "));
        row.set(Column::Id, CellOut::text("Ｃ００１"));
        row.set(Column::Reason, CellOut::text("联系人离职"));
        row.set(Column::Field, CellOut::text("Main contact"));
        assert_eq!(
            keys.row_update_key(&row),
            keys.update_key("2026-12-05", &keys.person("张伟"), "C001", "联系人离职")
        );
        assert_eq!(keys.kind(&row), RowKind::Change);
        row.set(Column::Field, CellOut::text("审核状态"));
        assert_eq!(keys.kind(&row), RowKind::Review);
    }
}
