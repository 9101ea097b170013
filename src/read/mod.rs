//! Reading filled workbooks and CSV files into rows keyed by field.
//!
//! One reader serves validate and merge. It finds the entry and update sheets (by
//! name in either language, else by headers), finds the header row among the first
//! ten, maps each column to a schema field, and streams the data rows to a
//! [`RowSink`] one at a time, so that memory does not grow with the sheet.
//!
//! What is read is a [`Source`]: a file on disk, or the bytes of an upload held
//! in memory (the desk never writes one to disk). Every format reader opens it
//! through the source, so both are read with the same bounds and hardening.
//!
//! This file holds the types the rest of crmsheet relies on; the format readers
//! live in the submodules.
//!
//! Decisions where the SPEC is silent:
//! - "The first ten rows" are the first ten rows holding anything; blank rows
//!   above a header do not count.
//! - A sheet named as a data sheet (either language) is always read. When none
//!   of its first ten rows names half of its fields, the row naming the most
//!   fields is its header (so a partly damaged header still maps what it can,
//!   and its other cells are unknown columns); when no row names any field, the
//!   header is row 1 with every column missing and no data rows are passed on.
//! - A sheet is taken by its headers only for the kind it matches best (the two
//!   sheets share 11 headers), so a copy of the entry sheet never passes for a
//!   missing update sheet.
//! - `_meta` present but without a `version` row: the stamp is `Missing` (the
//!   property counts only where `_meta` is absent).
//! - Any file whose content is plain text is read as CSV, whatever its name,
//!   except an HTML page under a spreadsheet name. UTF-16 with a byte-order mark
//!   (Excel's "Unicode text", tab-separated) is read too; the delimiter is a
//!   comma unless the first line has more tabs or semicolons.
//! - An empty (0-byte) file is `Empty`, also
//!   for `.csv`: an empty export is a failed save, not a file without sheets.

mod calamine_range;
mod csv;
mod detect;
mod error;
mod guard;
mod layout;
mod limits;
mod ods;
mod pipeline;
mod rows;
mod source;
mod stamp;
mod workbook;
mod xls_check;
mod xlsx;
mod xlsx_parts;
mod xlsx_sheet;
mod xml_scan;

pub use error::ReadError;
pub use guard::contain_panics;
pub use pipeline::{read_file_pipelined, read_source_pipelined};
pub use source::Source;

use crate::lang::Lang;
use crate::template::{SheetKind, Template};
use chrono::NaiveDateTime;
use std::ops::ControlFlow;
use std::path::Path;

/// Reads the data sheets of the file at `path` into `sink`: for each data sheet
/// found (entry first), [`RowSink::sheet`] once, then [`RowSink::row`] for each
/// data row that has at least one non-empty schema cell, in row order.
///
/// The format is decided by the content (see [`Format`]); xlsx, xlsm and xlsb
/// are streamed, so memory does not grow with the number of rows. A sheet named
/// as a data sheet whose header row cannot be found is still reported: with
/// the header row that names the most fields when one names any, else with
/// header row 1 and every column missing (and then no rows).
///
/// # Errors
/// A [`ReadError`] when the file cannot be read at all: missing, a folder,
/// empty, not a spreadsheet, encrypted, or damaged (including a panic inside
/// the spreadsheet library, which is contained and reported as `Corrupt`).
/// The sink may already have received sheets and rows of this file when an
/// error comes; the caller should discard them, since the file as a whole is
/// unreadable.
///
/// ```no_run
/// use crmsheet::read::{read_file, Row, RowSink, SheetLayout};
/// struct Count(usize);
/// impl RowSink for Count {
///     fn sheet(&mut self, _layout: &SheetLayout) {}
///     fn row(&mut self, _layout: &SheetLayout, _row: Row) { self.0 += 1; }
/// }
/// let template = crmsheet::template::Template::builtin();
/// let mut count = Count(0);
/// let read = read_file("客户信息.xlsx".as_ref(), &template, &mut count)?;
/// println!("{} rows, stamp {:?}", count.0, read.stamp.version());
/// # Ok::<(), crmsheet::read::ReadError>(())
/// ```
pub fn read_file(
    path: &Path,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    read_source(&Source::path(path), template, sink)
}

/// [`read_file`] of a [`Source`]: a file on disk or bytes in memory, read
/// alike (same formats, bounds and errors; bytes are never "not found" or "a
/// folder").
///
/// ```
/// use crmsheet::read::{read_source, Format, ReadError, Row, RowSink, SheetLayout, Source};
/// struct Count(usize);
/// impl RowSink for Count {
///     fn sheet(&mut self, _layout: &SheetLayout) {}
///     fn row(&mut self, _layout: &SheetLayout, _row: Row) { self.0 += 1; }
/// }
/// let template = crmsheet::template::Template::builtin();
/// let upload = Source::bytes("a.csv", "客户名称,所属销售\n甲公司,张伟\n".as_bytes().to_vec());
/// let read = read_source(&upload, &template, &mut Count(0))?;
/// assert_eq!(read.format, Format::Csv);
/// let empty = Source::bytes("b.xlsx", Vec::new());
/// let error = read_source(&empty, &template, &mut Count(0)).unwrap_err();
/// assert_eq!(error.to_string(), "the file is empty (0 bytes)");
/// # Ok::<(), ReadError>(())
/// ```
///
/// # Errors
/// As [`read_file`].
pub fn read_source(
    source: &Source,
    template: &Template,
    sink: &mut dyn RowSink,
) -> Result<FileRead, ReadError> {
    read_guarded(|| read_unguarded(source, template, sink, Threads::One))
}

/// How many threads read a file: one, or two (the reading on one while the
/// sink works on the other, see [`read_file_pipelined`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threads {
    One,
    Two,
}

/// Runs a reading with panics contained and reported as the file's error.
pub(crate) fn read_guarded<T>(read: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    let result = match contain_panics(read) {
        Ok(result) => result,
        Err(message) => Err(match guard::own_panic_location() {
            Some(location) => ReadError::Corrupt(format!(
                "{INTERNAL_ERROR} at {location} ({}); please report it with the file",
                guard::describe_panic(&message)
            )),
            None => guard::library_panic(&message),
        }),
    };
    result.map_err(ReadError::masked)
}

/// How the message of a contained panic in crmsheet's own code begins (the
/// fuzz target looks for it).
pub const INTERNAL_ERROR: &str = "crmsheet failed on data it did not expect: an internal error";

fn read_unguarded(
    source: &Source,
    template: &Template,
    sink: &mut dyn RowSink,
    threads: Threads,
) -> Result<FileRead, ReadError> {
    let format = detect::detect(source)?;
    // xlsx, xlsm and xlsb hand out cells one at a time: their reading thread
    // only parses cells, and the rows are made up on this one (see `xlsx`).
    // Cells outside the schema are wanted only for an annotated copy, whose
    // speed is not the point: it is read on this thread.
    let streams_cells = matches!(format, Format::Xlsx | Format::Xlsm | Format::Xlsb);
    if threads == Threads::Two && !streams_cells && !sink.wants_other_cells() {
        return pipeline::read_rows_on_thread(
            |pipe| read_guarded(|| read_format(source, format, template, pipe, Threads::One)),
            sink,
        );
    }
    read_format(source, format, template, sink, threads)
}

fn read_format(
    source: &Source,
    format: Format,
    template: &Template,
    sink: &mut dyn RowSink,
    threads: Threads,
) -> Result<FileRead, ReadError> {
    match open_book(source, format, threads)? {
        Some(mut book) => workbook::read_workbook(book.as_mut(), format, template, sink),
        None => csv::read_csv(source, template, sink),
    }
}

/// The workbook `source`, of a detected `format`; `None` for a CSV.
fn open_book(
    source: &Source,
    format: Format,
    threads: Threads,
) -> Result<Option<Box<dyn workbook::Workbook>>, ReadError> {
    Ok(Some(match format {
        Format::Xlsx | Format::Xlsm | Format::Xlsb => {
            Box::new(xlsx::StreamingBook::open(source, format, threads)?)
        }
        Format::Ods => Box::new(ods::OdsBook::open(source)?),
        Format::Xls => Box::new(calamine_range::RangeBook::open(source)?),
        Format::Csv => return Ok(None),
    }))
}

/// Streams the cells of one sheet besides the data sheets (the change log) of
/// `source`, opened and bounded as [`read_source`] opens it: `visit` gets the 1-based
/// row, 0-based column and value of every non-empty cell of the first sheet
/// whose name `is_wanted` accepts, in row order, until it breaks. `false` when
/// the file has no such sheet (a CSV never has).
///
/// # Errors
/// As [`read_file`].
pub fn read_sheet(
    source: &Source,
    is_wanted: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(u32, u32, Value) -> ControlFlow<()>,
) -> Result<bool, ReadError> {
    read_guarded(|| {
        let format = detect::detect(source)?;
        let Some(mut book) = open_book(source, format, Threads::One)? else {
            return Ok(false);
        };
        let Some(name) = book.sheet_names().into_iter().find(|n| is_wanted(n)) else {
            return Ok(false);
        };
        book.for_each_cell(&name, &mut |row, col, value| match value.into_value() {
            Some(value) => visit(row, col, value),
            None => ControlFlow::Continue(()),
        })?;
        Ok(true)
    })
}

/// A cell value as read, before any rule looks at it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text as typed (not yet trimmed or normalised).
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date-typed cell, already converted from its epoch (1900, 1904, ODS).
    DateTime(NaiveDateTime),
    /// A formula error value such as `#N/A`.
    Error(String),
}

/// A non-empty cell of a data row that belongs to a schema field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCell {
    /// 0-based column index in the sheet (A = 0).
    pub col: u32,
    pub value: Value,
}

/// One data row: a slot per field of the sheet's schema, in schema order.
/// A slot is `None` when the column is missing or the cell is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based row number as a spreadsheet shows it (line N of a CSV is row N).
    pub row: u32,
    pub cells: Vec<Option<FieldCell>>,
}

/// How a data sheet of a file is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLayout {
    pub kind: SheetKind,
    /// The sheet's name in the file; for CSV, the template's sheet name in the
    /// language of the file's headers.
    pub name: String,
    /// The language most of the headers are written in.
    pub lang: Lang,
    /// 1-based row number of the header row.
    pub header_row: u32,
    /// Per schema field (schema order): the 0-based column holding it, or `None`
    /// when the header is absent. Where a header appears twice, the first wins.
    pub columns: Vec<Option<u32>>,
    /// Header cells naming no schema field: (0-based column, header text).
    pub unknown: Vec<(u32, String)>,
    /// Second and later occurrences of a header: (0-based column, field index).
    pub duplicates: Vec<(u32, usize)>,
}

/// Receives a file's sheets and rows as they are read.
pub trait RowSink {
    /// A data sheet was found; its rows follow.
    fn sheet(&mut self, layout: &SheetLayout);
    /// A data row with at least one non-empty schema cell (blank rows are skipped).
    fn row(&mut self, layout: &SheetLayout, row: Row);
    /// Asked after the last row of a sheet: whether to pass on its merged cells.
    /// Finding them may take another pass over the sheet (in xlsx they are
    /// listed after the rows), so only a sink that needs them says yes, for
    /// example because a required cell was empty.
    fn wants_merged_cells(&mut self, _layout: &SheetLayout) -> bool {
        false
    }
    /// The merged cells of a sheet that cover its schema columns, after its
    /// rows, when [`Self::wants_merged_cells`] said yes and there are any.
    fn merged_cells(&mut self, _layout: &SheetLayout, _merged: &MergedCells) {}

    /// Whether this sink wants the cells outside the schema columns (see
    /// [`RowSink::other_cells`]). Default `false`: those cells are then never
    /// converted and cost nothing.
    fn wants_other_cells(&self) -> bool {
        false
    }

    /// Only for a sink that [wants them](RowSink::wants_other_cells): the
    /// non-empty cells of a row that belong to no schema field — rows above the
    /// header row (whole), and below it the cells of unknown, repeated or
    /// header-less columns, as (0-based column, value). Called after
    /// [`RowSink::sheet`], in row order, and for a data row before its
    /// [`RowSink::row`] call (a row holding only such cells gets no `row` call).
    /// An annotated copy uses them to keep every value of the file.
    fn other_cells(&mut self, _layout: &SheetLayout, _row: u32, _cells: Vec<(u32, Value)>) {}

    /// A row this sink is done with, handed back so that the reader fills it
    /// (and its text buffers) again instead of allocating new ones. Optional:
    /// the default keeps nothing.
    fn spare_row(&mut self) -> Option<Row> {
        None
    }
}

/// No sink at all: an optional checker (review's queue without validation) is
/// a sink that takes nothing.
impl<S: RowSink> RowSink for Option<S> {
    fn sheet(&mut self, layout: &SheetLayout) {
        if let Some(sink) = self {
            sink.sheet(layout);
        }
    }

    fn row(&mut self, layout: &SheetLayout, row: Row) {
        if let Some(sink) = self {
            sink.row(layout, row);
        }
    }

    fn wants_merged_cells(&mut self, layout: &SheetLayout) -> bool {
        self.as_mut().is_some_and(|s| s.wants_merged_cells(layout))
    }

    fn merged_cells(&mut self, layout: &SheetLayout, merged: &MergedCells) {
        if let Some(sink) = self {
            sink.merged_cells(layout, merged);
        }
    }

    fn wants_other_cells(&self) -> bool {
        self.as_ref().is_some_and(|s| s.wants_other_cells())
    }

    fn other_cells(&mut self, layout: &SheetLayout, row: u32, cells: Vec<(u32, Value)>) {
        if let Some(sink) = self {
            sink.other_cells(layout, row, cells);
        }
    }

    fn spare_row(&mut self) -> Option<Row> {
        self.as_mut().and_then(|s| s.spare_row())
    }
}

/// The merged-cell calls of a [`RowSink`] that wraps another (a validation
/// checker) to keep something of the rows as well: they concern only the
/// wrapped sink, so they are handed to the field named here.
macro_rules! forward_merged_cells {
    ($inner:ident) => {
        fn wants_merged_cells(&mut self, layout: &$crate::read::SheetLayout) -> bool {
            self.$inner.wants_merged_cells(layout)
        }

        fn merged_cells(
            &mut self,
            layout: &$crate::read::SheetLayout,
            merged: &$crate::read::MergedCells,
        ) {
            self.$inner.merged_cells(layout, merged);
        }
    };
}
pub(crate) use forward_merged_cells;

/// A rectangle of merged cells; a spreadsheet keeps its value only in the
/// first (top-left) cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRange {
    /// 1-based rows, 0-based columns, inclusive.
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl CellRange {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }

    /// The cell that holds the range's value, such as `D5`.
    pub fn first_cell(&self) -> String {
        a1(self.first_row, self.first_col)
    }

    /// `D5:D7`.
    ///
    /// ```
    /// let range = crmsheet::read::CellRange { first_row: 5, first_col: 3, last_row: 7, last_col: 3 };
    /// assert_eq!(range.a1(), "D5:D7");
    /// assert!(range.contains(6, 3) && !range.contains(8, 3));
    /// ```
    pub fn a1(&self) -> String {
        format!("{}:{}", self.first_cell(), a1(self.last_row, self.last_col))
    }
}

/// The merged ranges of a data sheet that cover its schema columns, arranged to
/// find the range a cell lies in quickly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedCells {
    /// Per schema column: the ranges covering it, by first row.
    by_column: Vec<(u32, Vec<CellRange>)>,
}

impl MergedCells {
    /// Keeps the ranges of `ranges` that cover a column of `columns` (a
    /// layout's field columns).
    pub fn new(ranges: &[CellRange], columns: &[Option<u32>]) -> MergedCells {
        let mut wanted: Vec<u32> = columns.iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let by_column = wanted
            .into_iter()
            .map(|col| {
                let mut covering: Vec<CellRange> = ranges
                    .iter()
                    .filter(|r| (r.first_col..=r.last_col).contains(&col))
                    .copied()
                    .collect();
                covering.sort_by_key(|r| (r.first_row, r.last_row));
                (col, covering)
            })
            .filter(|(_, covering)| !covering.is_empty())
            .collect();
        MergedCells { by_column }
    }

    pub fn is_empty(&self) -> bool {
        self.by_column.is_empty()
    }

    /// The merged range that `row` (1-based) and `col` (0-based) lie in, if any.
    /// (Ranges do not overlap in a sound file; where they do, one is found.)
    pub fn covering(&self, row: u32, col: u32) -> Option<&CellRange> {
        let (_, ranges) = self.by_column.iter().find(|(c, _)| *c == col)?;
        let after = ranges.partition_point(|r| r.first_row <= row);
        // The nearest range starting above is the one in a sound file; a few
        // more are looked at for nested ranges, never all of a hostile list.
        ranges[..after]
            .iter()
            .rev()
            .take(16)
            .find(|r| r.contains(row, col))
    }
}

/// The file formats crmsheet reads, as detected from the content: a zip
/// container holding `xl/workbook.xml` (xlsm when it holds macros or is named
/// `.xlsm`), `xl/workbook.bin` (xlsb) or an ODS `mimetype`; an OLE compound
/// file (xls); or text (CSV: named `.csv`/`.txt`/`.tsv`, or plain text under any
/// name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsm,
    Xls,
    Xlsb,
    Ods,
    Csv,
}

/// A data sheet that was read, for the report's file summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSummary {
    pub kind: SheetKind,
    pub name: String,
    pub header_row: u32,
    /// Data rows passed to the sink.
    pub rows: u64,
}

/// Where the template version of a workbook came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// The `version` row of the hidden `_meta` sheet.
    Meta(String),
    /// The `TemplateVersion` custom document property (used only without `_meta`).
    Property(String),
    /// A workbook with neither.
    Missing,
    /// CSV files carry no stamp.
    NotApplicable,
}

impl Stamp {
    pub fn version(&self) -> Option<&str> {
        match self {
            Stamp::Meta(v) | Stamp::Property(v) => Some(v),
            Stamp::Missing | Stamp::NotApplicable => None,
        }
    }
}

/// What reading a file found besides its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    pub format: Format,
    pub stamp: Stamp,
    /// Data sheets found, entry first.
    pub sheets: Vec<SheetSummary>,
    /// Data sheets the file should have but does not (for a CSV: both, when its
    /// headers match neither sheet).
    pub missing_sheets: Vec<SheetKind>,
    /// The name of the change-log sheet (as merge writes it) when the workbook
    /// has one.
    pub change_log: Option<String>,
    /// Sheets named like a data sheet but not read as one, with the kind
    /// they look like (a copy `客户信息录入表 (2)` beside the entry sheet).
    pub extra_sheets: Vec<(SheetKind, String)>,
}

/// `A1` address of a 1-based row and 0-based column.
///
/// ```
/// assert_eq!(crmsheet::read::a1(7, 4), "E7");
/// assert_eq!(crmsheet::read::a1(1048576, 16383), "XFD1048576");
/// ```
pub fn a1(row: u32, col: u32) -> String {
    // Columns past XFD are never read, so the clamp only keeps this total.
    let col = u16::try_from(col).unwrap_or(u16::MAX - 1);
    format!("{}{row}", rust_xlsxwriter::column_number_to_name(col))
}
