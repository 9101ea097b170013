//! The change log (`操作日志`): who changed what, when and why.
//!
//! The reader only reads the two data sheets, so the master's log is read here,
//! with calamine, one cell at a time (streamed for xlsx and xlsb), and copied
//! into the new register as it goes. While copying, each row is matched against
//! the keys merge asks about ("was this update already applied?", "was this
//! rejection already logged?"), so nothing of the log is kept in memory.

use crate::lang::Lang;
use crate::read::contain_panics;
use crate::rules::value::{cell_text, parse_date_text, DateValue};
use crate::rules::Validation;
use crate::template::{SheetKind, Template};
use crate::text::{normalize_header, normalize_name, normalize_value};
use crate::write::CellOut;
use anyhow::{anyhow, Result};
use calamine::{open_workbook, Data, DataRef, Ods, Reader, Sheets, Xls, Xlsb, Xlsx};
use chrono::NaiveDate;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

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

    /// The column a header cell names, in either language.
    fn from_header(template: &Template, text: &str) -> Option<Column> {
        let n = normalize_header(text);
        Column::ALL.into_iter().find(|c| {
            let label = &template.change_log_columns[c.index()];
            n == normalize_header(&label.zh) || n == normalize_header(&label.en)
        })
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
        let entry = self.template.sheet(SheetKind::Entry);
        let list = entry
            .field("salesperson")
            .and_then(|f| self.template.active_list(f));
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

/// Counts what the change logs of the run's files record for `stale-customer`:
/// each field an applied update changed is a contact with that customer on the
/// update's date (reviews and assigned IDs are not contacts, and a rejected
/// update is logged as a review). Without this, every customer updated since
/// its entry would look stale once a merge has moved its updates into the log.
///
/// A log that cannot be read is passed over: its contacts do not count, and
/// merge, which copies the log, says what is wrong with it.
pub fn add_contacts(run: &mut Validation<'_>) {
    let template = run.template();
    let keys = Keys::new(template);
    for path in run.files_with_change_log() {
        let _ = read_log(&path, template, &mut |row| {
            if let (RowKind::Change, Some(date)) = (keys.kind(&row), row.date()) {
                run.add_contact(&row.text(Column::Id), date);
            }
            Ok(())
        });
    }
}

/// Reads the change-log sheet of the workbook at `path` (named as in the
/// template, either language), calling `visit` for each non-empty row below the
/// header with its cells in [`Column`] order. Columns are found by their
/// headers, so a log whose columns were moved is still read; a workbook without
/// a log sheet has no rows.
///
/// # Errors
/// The workbook or its log sheet cannot be read (a panic inside the spreadsheet
/// library is caught and reported as such).
pub fn read_log(
    path: &Path,
    template: &Template,
    visit: &mut dyn FnMut(LogRow) -> Result<()>,
) -> Result<()> {
    let outcome = contain_panics(|| read_log_unguarded(path, template, visit));
    match outcome {
        Ok(result) => result,
        Err(message) => Err(anyhow!(
            "{}: the change log cannot be read: the spreadsheet library failed on malformed data ({message})",
            path.display()
        )),
    }
}

fn read_log_unguarded(
    path: &Path,
    template: &Template,
    visit: &mut dyn FnMut(LogRow) -> Result<()>,
) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        anyhow!(
            "{}: the change log cannot be read: {}",
            path.display(),
            e.to_string().replace('\n', " ")
        )
    };
    let Some(mut book) = open_any(path) else {
        // Not a workbook calamine opens (a CSV register): it has no log sheet.
        return Ok(());
    };
    let label = &template.workbook.change_log;
    let wanted = [normalize_header(&label.zh), normalize_header(&label.en)];
    let Some(sheet) = book
        .sheet_names()
        .into_iter()
        .find(|n| wanted.contains(&normalize_header(n)))
    else {
        return Ok(());
    };
    let mut rows = Assembler::new(template);
    match &mut book {
        Sheets::Xlsx(wb) => {
            let mut cells = wb.worksheet_cells_reader(&sheet).map_err(|e| fail(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| fail(&e))? {
                let (row, col) = cell.get_position();
                rows.put(row, col, from_ref(cell.get_value()), visit)?;
            }
        }
        Sheets::Xlsb(wb) => {
            let mut cells = wb.worksheet_cells_reader(&sheet).map_err(|e| fail(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| fail(&e))? {
                let (row, col) = cell.get_position();
                rows.put(row, col, from_ref(cell.get_value()), visit)?;
            }
        }
        other => {
            let range = other.worksheet_range(&sheet).map_err(|e| fail(&e))?;
            for (row, col, value) in range.used_cells() {
                let (row, col) = (row as u32, col as u32);
                let (row, col) = match range.start() {
                    Some((r0, c0)) => (row + r0, col + c0),
                    None => (row, col),
                };
                rows.put(row, col, from_data(value), visit)?;
            }
        }
    }
    rows.finish(visit)
}

/// Opens a workbook by its extension, else by trying each format (a register
/// saved under the wrong extension).
fn open_any(path: &Path) -> Option<Sheets<BufReader<File>>> {
    if let Ok(book) = calamine::open_workbook_auto(path) {
        return Some(book);
    }
    if let Ok(book) = open_workbook::<Xlsx<_>, _>(path) {
        return Some(Sheets::Xlsx(book));
    }
    if let Ok(book) = open_workbook::<Xlsb<_>, _>(path) {
        return Some(Sheets::Xlsb(book));
    }
    if let Ok(book) = open_workbook::<Ods<_>, _>(path) {
        return Some(Sheets::Ods(book));
    }
    open_workbook::<Xls<_>, _>(path).ok().map(Sheets::Xls)
}

fn from_ref(value: &DataRef<'_>) -> CellOut {
    match value {
        DataRef::Empty => CellOut::Empty,
        DataRef::String(s) => CellOut::Text(s.clone()),
        DataRef::SharedString(s) => CellOut::Text((*s).to_string()),
        DataRef::Int(n) => CellOut::Number(*n as f64),
        DataRef::Float(n) => CellOut::Number(*n),
        DataRef::Bool(b) => CellOut::text(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(at) if dt.is_datetime() => CellOut::Date(at),
            _ => CellOut::Number(dt.as_f64()),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => iso(s),
        DataRef::Error(e) => CellOut::Text(e.to_string()),
    }
}

fn from_data(value: &Data) -> CellOut {
    match value {
        Data::Empty => CellOut::Empty,
        Data::String(s) => CellOut::Text(s.clone()),
        Data::Int(n) => CellOut::Number(*n as f64),
        Data::Float(n) => CellOut::Number(*n),
        Data::Bool(b) => CellOut::text(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(at) if dt.is_datetime() => CellOut::Date(at),
            _ => CellOut::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => iso(s),
        Data::Error(e) => CellOut::Text(e.to_string()),
    }
}

/// An ODS date cell (ISO text).
fn iso(text: &str) -> CellOut {
    let plain = text.trim().trim_end_matches('Z');
    if let Ok(at) = chrono::NaiveDateTime::parse_from_str(plain, "%Y-%m-%dT%H:%M:%S%.f") {
        return CellOut::Date(at);
    }
    if let Ok(date) = NaiveDate::parse_from_str(plain, "%Y-%m-%d") {
        return CellOut::Date(date.and_time(chrono::NaiveTime::MIN));
    }
    CellOut::Text(text.to_string())
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
