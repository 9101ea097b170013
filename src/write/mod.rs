//! Workbook writing shared by generate, annotate and merge.
//!
//! Every workbook crmsheet writes is the official template: instructions, the
//! entry and update sheets with their dropdowns, validations, conditional
//! formatting and protection, the hidden list and `_meta` sheets. A
//! [`TemplateBook`] builds all of that from a [`Template`](crate::template::Template);
//! commands then stream data rows into the data sheets, mark cells (a fill and a
//! note), add sheets of their own (a report placed first, a change log after the
//! data sheets) and save.
//!
//! ```
//! use crmsheet::lang::Lang;
//! use crmsheet::template::{SheetKind, Template};
//! use crmsheet::write::{BookOptions, CellMark, CellOut, Mark, Placement, TemplateBook};
//!
//! # fn main() -> anyhow::Result<()> {
//! let template = Template::builtin();
//! let mut book = TemplateBook::new(&template, &BookOptions::new(Lang::Zh))?;
//!
//! // A report sheet that must come before everything else.
//! let report = book.add_sheet("校验报告", Placement::First, true)?;
//! book.write_header(report, &["单元格", "问题"])?;
//! book.write_row(report, 2, &[CellOut::text("客户信息录入表!E2"), CellOut::text("行业不在列表中")])?;
//!
//! // Data rows: 1-based row numbers, strictly increasing per sheet.
//! let entry = book.data_sheet(SheetKind::Entry);
//! let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(0, 0, 0).unwrap();
//! let mut cells = vec![CellOut::Empty; template.entry().fields.len()];
//! cells[0] = CellOut::Date(date);
//! cells[4] = CellOut::text("制造");
//! book.write_row_marked(
//!     entry,
//!     2,
//!     &cells,
//!     &[CellMark::new(4, Mark::Error).with_note("不在行业列表中：制造业？")],
//! )?;
//!
//! let dir = tempfile::tempdir()?;
//! book.save(&dir.path().join("out.xlsx"))?;
//! # Ok(())
//! # }
//! ```

mod book;
mod checks;
pub mod lock;
pub mod office;
pub mod output;
mod parts;
mod style;

pub use book::TemplateBook;
pub use style::{taller_than_default, wrapped_height};

use crate::lang::Lang;
use crate::template::SheetDef;
use chrono::NaiveDateTime;

/// Validation and formatting cover rows 2..=`DEFAULT_ROWS` unless told otherwise.
pub const DEFAULT_ROWS: u32 = 2000;

/// The largest `rows` accepted: the last row Excel has, less one.
pub const MAX_ROWS: u32 = 1_048_575;

/// Excel's limit on the text of one cell (UTF-16 code units); longer text is cut.
pub const MAX_CELL_TEXT: usize = 32_767;

/// The value of one cell to write.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellOut {
    /// Nothing (a blank cell that still carries the column's formatting).
    #[default]
    Empty,
    /// Text, written as it is (cut to [`MAX_CELL_TEXT`] characters if longer).
    Text(String),
    /// A number; NaN and infinities are written as text, which Excel cannot hold.
    Number(f64),
    /// A real date cell formatted `yyyy-mm-dd` (`yyyy-mm-dd hh:mm:ss` when it has
    /// a time of day). Dates Excel cannot hold (before 1900) are written as text.
    Date(NaiveDateTime),
}

/// A value read from a file, written back as it was: text as typed, numbers,
/// dates.
impl From<crate::read::Value> for CellOut {
    fn from(value: crate::read::Value) -> CellOut {
        use crate::read::Value;
        match value {
            Value::Text(t) => CellOut::Text(t),
            Value::Number(n) => CellOut::Number(n),
            Value::Bool(b) => CellOut::text(if b { "TRUE" } else { "FALSE" }),
            Value::DateTime(at) => CellOut::Date(at),
            Value::Error(e) => CellOut::Text(e),
        }
    }
}

impl CellOut {
    /// Shorthand for [`CellOut::Text`].
    pub fn text(s: impl Into<String>) -> CellOut {
        CellOut::Text(s.into())
    }
}

/// A highlight that tells a reader what is wrong with a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Red fill.
    Error,
    /// Amber fill.
    Warning,
}

/// A fill, and optionally a note (comment), on one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellMark {
    /// 0-based column (A = 0).
    pub col: u32,
    pub mark: Mark,
    /// Shown as a cell note; keep it short and mask private data before passing it.
    pub note: Option<String>,
}

impl CellMark {
    pub fn new(col: u32, mark: Mark) -> CellMark {
        CellMark {
            col,
            mark,
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> CellMark {
        self.note = Some(note.into());
        self
    }
}

/// Where a sheet added with [`TemplateBook::add_sheet`] goes.
///
/// The final order is: `First` sheets (in the order added) · instructions · entry
/// sheet · update sheet · `AfterData` sheets (in the order added) · the hidden
/// list sheet · the hidden `_meta` sheet. The first sheet is the one Excel opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    First,
    AfterData,
}

/// A sheet of a [`TemplateBook`]: a data sheet ([`TemplateBook::data_sheet`]) or
/// one added with [`TemplateBook::add_sheet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SheetId(pub(crate) usize);

/// Where the columns of a data sheet go. The default ([`SheetSetup::standard`]) is
/// the template's layout: header in row 1, fields in schema order from column A.
///
/// Annotate can instead mirror a filled file's layout (the reader's
/// [`SheetLayout`](crate::read::SheetLayout) has the same shape), so that every
/// cell keeps the address a finding names.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSetup {
    /// 1-based row of the header; rows above it may be written (plain) before any
    /// row below it.
    pub header_row: u32,
    /// Per schema field (schema order): its 0-based column, or `None` to leave the
    /// field out. Two fields must not share a column.
    pub columns: Vec<Option<u32>>,
    /// More header cells, written as they are without any validation:
    /// (0-based column, text). For columns a file has that the schema does not.
    pub extra_headers: Vec<(u32, String)>,
}

impl SheetSetup {
    /// The template's own layout.
    pub fn standard(sheet: &SheetDef) -> SheetSetup {
        SheetSetup {
            header_row: 1,
            columns: (0..sheet.fields.len()).map(|i| Some(i as u32)).collect(),
            extra_headers: Vec::new(),
        }
    }
}

/// How to build a [`TemplateBook`].
#[derive(Debug, Clone)]
pub struct BookOptions {
    /// Language of sheet names, headers, lists and texts.
    pub lang: Lang,
    /// Last row (1-based) that validation and conditional formatting cover, at
    /// least 2 and at most [`MAX_ROWS`]. When data rows are written past it, the
    /// coverage grows to the last data row (up to row 1,048,576).
    pub rows: u32,
    /// Lock the header rows by sheet protection (no password); data cells stay
    /// editable, rows can be inserted and deleted, sorted and filtered.
    pub protect: bool,
    /// Stamped into `_meta` (`generated_at`) and the document properties.
    pub generated_at: NaiveDateTime,
    /// Layout of the entry sheet; `None` = [`SheetSetup::standard`].
    pub entry_layout: Option<SheetSetup>,
    /// Layout of the update sheet; `None` = [`SheetSetup::standard`].
    pub update_layout: Option<SheetSetup>,
    /// Keep every sheet in memory and touch no disk, for a book saved with
    /// [`TemplateBook::save_to_buffer`] (the desk's annotated copy of an
    /// upload). Default `false`: data and streaming sheets go through
    /// temporary files, so a million rows take a few megabytes.
    pub in_memory: bool,
}

impl BookOptions {
    /// Defaults: [`DEFAULT_ROWS`], protected, stamped with the local time now,
    /// standard layouts.
    pub fn new(lang: Lang) -> BookOptions {
        BookOptions {
            lang,
            rows: DEFAULT_ROWS,
            protect: true,
            generated_at: chrono::Local::now().naive_local(),
            entry_layout: None,
            update_layout: None,
            in_memory: false,
        }
    }
}

/// The file name of the template workbook when none is given (`generate`
/// without `-o`; the samples).
pub fn template_file_name(template: &crate::template::Template, lang: crate::lang::Lang) -> String {
    match lang {
        crate::lang::Lang::Zh => format!("客户信息管理模板-v{}.xlsx", template.version),
        crate::lang::Lang::En => format!("customer-register-template-v{}.xlsx", template.version),
    }
}
