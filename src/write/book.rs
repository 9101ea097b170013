//! [`TemplateBook`]: the template workbook being built, its sheets kept apart until
//! [`TemplateBook::save`] puts them in their final order.
//!
//! The data sheets (and streaming extra sheets) are rust_xlsxwriter "constant
//! memory" worksheets: each row goes to a temporary file as soon as a later row is
//! written, so a register of a million rows is written in a few megabytes. The
//! price is that rows must be written in increasing order; the book checks that
//! and says so instead of silently dropping a row. A book built
//! [`in_memory`](super::BookOptions::in_memory) keeps the same order rules but
//! holds every sheet in memory, so that it touches no disk.

use super::checks::{add_checks, Span};
use super::parts;
use super::style::{
    column_width, fit, print_setup, taller_than_default, wrapped_height, Formats, Kind,
};
use super::{
    BookOptions, CellMark, CellOut, Mark, Placement, SheetId, SheetSetup, MAX_CELL_TEXT, MAX_ROWS,
};
use crate::lang::Lang;
use crate::template::{Change, FieldType, SheetKind, Template};
use anyhow::{anyhow, bail, Context, Result};
use chrono::{Datelike, NaiveDateTime, Timelike};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, Note, ProtectionOptions, Workbook, Worksheet,
};
use std::collections::HashSet;
use std::path::Path;

/// Last 0-based row index Excel has.
const LAST_ROW: u32 = 1_048_575;
/// Sheets longer than this are zipped with ZIP64 enabled.
const LARGE_SHEET_ROWS: u32 = 200_000;

/// Rows of one sheet that are made taller to show their wrapped texts whole.
/// rust_xlsxwriter keeps every row's height in memory until the file is saved
/// (about 400 bytes a row, even on a constant-memory sheet), so a million tall
/// rows would cost 400 MiB; past this many, rows keep the default height and the
/// text still wraps inside them.
pub const TALL_ROWS_PER_SHEET: u32 = 20_000;
/// Last 0-based column index Excel has.
const LAST_COL: u32 = 16_383;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    First,
    Instructions,
    Data(SheetKind),
    AfterData,
    Lists,
    Meta,
}

struct DataState {
    kind: SheetKind,
    setup: SheetSetup,
    /// Per 0-based column up to the last one used: the field type there, if any.
    column_types: Vec<Option<FieldType>>,
    header_written: bool,
    header_marks: Vec<CellMark>,
}

struct Slot {
    role: Role,
    name: String,
    sheet: Worksheet,
    /// Constant-memory sheet: rows must be written in increasing order.
    streaming: bool,
    /// 0-based index of the next row that may be written (streaming sheets).
    next_row: u32,
    /// 0-based index of the last row written, if any.
    last_row: Option<u32>,
    /// Number of columns of a header written with [`TemplateBook::write_header`],
    /// to put an autofilter over at save time.
    filter_cols: Option<u16>,
    /// 0-based columns whose text cells wrap, with their widths.
    wrap: Vec<(u32, f64)>,
    /// Rows made taller so far (at most [`TALL_ROWS_PER_SHEET`]).
    tall_rows: u32,
    data: Option<DataState>,
}

/// The template workbook being written: instructions, the entry and update
/// sheets (with dropdowns, validation, conditional formatting, protection), the
/// hidden list and `_meta` sheets, and any sheets a command adds.
///
/// Constraints:
/// - Rows are 1-based, as Excel shows them. On the data sheets and on sheets added
///   with `streaming = true`, rows must be written in strictly increasing order
///   (a row can be written once); an earlier row is an error.
/// - A data sheet's header row is written by the book, the first time a row below
///   it is written (or at save). Rows above the header (a custom
///   [`SheetSetup::header_row`]) can only be written before that;
///   [`mark_header`](Self::mark_header) only works before it, too.
/// - Notes are kept in memory until [`save`](Self::save) (a few hundred bytes
///   each): cap them for huge files.
/// - Sheet names must be unique (ignoring case), at most 31 characters, without
///   `[ ] : * ? / \`.
pub struct TemplateBook {
    template: Template,
    lang: Lang,
    rows: u32,
    protect: bool,
    workbook: Workbook,
    formats: Formats,
    slots: Vec<Slot>,
    list_ranges: Vec<Option<String>>,
    in_memory: bool,
}

impl TemplateBook {
    /// Builds the template workbook for `template` in `options.lang`, with no data.
    ///
    /// # Errors
    /// `options.rows` outside 2..=[`MAX_ROWS`]; a layout that is not valid for the
    /// sheet (wrong number of fields, two fields in one column, header past the
    /// covered rows); sheet names of the template that Excel does not accept; no
    /// temporary file can be created.
    pub fn new(template: &Template, options: &BookOptions) -> Result<TemplateBook> {
        if !(2..=MAX_ROWS).contains(&options.rows) {
            bail!(
                "rows must be between 2 and {MAX_ROWS} (the last row validation covers), not {}",
                options.rows
            );
        }
        let lang = options.lang;
        let formats = Formats::new();
        let mut workbook = Workbook::new();
        let stamp = excel_datetime(options.generated_at);
        let mut properties = DocProperties::new()
            .set_title(template.sheet(SheetKind::Entry).name.get(lang))
            .set_custom_property("TemplateVersion", template.version.as_str())
            .set_custom_property("Template", template.name.as_str());
        if let Some(stamp) = &stamp {
            properties = properties.set_creation_datetime(stamp);
        }
        workbook.set_properties(&properties);

        let mut book = TemplateBook {
            template: template.clone(),
            lang,
            rows: options.rows,
            protect: options.protect,
            workbook,
            formats,
            slots: Vec::new(),
            list_ranges: parts::list_ranges(template, lang),
            in_memory: options.in_memory,
        };

        let mut instructions = Worksheet::new();
        parts::write_instructions(
            &mut instructions,
            template,
            lang,
            options.generated_at,
            &book.formats,
        )?;
        book.push_slot(
            Role::Instructions,
            template.workbook.instructions.get(lang),
            instructions,
            false,
        )?;

        for kind in SheetKind::ALL {
            let setup = match kind {
                SheetKind::Entry => options.entry_layout.clone(),
                SheetKind::Update => options.update_layout.clone(),
            }
            .unwrap_or_else(|| SheetSetup::standard(template.sheet(kind)));
            book.add_data_sheet(kind, setup)?;
        }

        let mut lists = Worksheet::new();
        parts::write_lists(&mut lists, template, lang, &book.formats)?;
        book.push_slot(Role::Lists, template.workbook.lists.get(lang), lists, false)?;

        let mut meta = Worksheet::new();
        parts::write_meta(&mut meta, template, lang, options.generated_at)?;
        book.push_slot(Role::Meta, template.workbook.meta.get(lang), meta, false)?;
        Ok(book)
    }

    /// The template the book was built from.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The language of the book.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The entry or update sheet.
    pub fn data_sheet(&self, kind: SheetKind) -> SheetId {
        let index = self
            .slots
            .iter()
            .position(|s| s.role == Role::Data(kind))
            .unwrap_or_default();
        SheetId(index)
    }

    /// Adds a sheet of the caller's own (a report, a change log, a summary),
    /// set to print landscape and one page wide like the others.
    /// With `streaming`, it is a constant-memory sheet: rows in increasing order
    /// only, and formats set through [`worksheet_mut`](Self::worksheet_mut) apply
    /// to the current row only; otherwise any cell can be written at any time.
    ///
    /// # Errors
    /// The name is taken (ignoring case) or not a valid Excel sheet name; no
    /// temporary file can be created.
    pub fn add_sheet(
        &mut self,
        name: &str,
        placement: Placement,
        streaming: bool,
    ) -> Result<SheetId> {
        let mut sheet = if streaming {
            self.streaming_worksheet()?
        } else {
            Worksheet::new()
        };
        print_setup(&mut sheet, None)?;
        let role = match placement {
            Placement::First => Role::First,
            Placement::AfterData => Role::AfterData,
        };
        self.push_slot(role, name, sheet, streaming)
    }

    /// Direct access to a sheet, for what this API does not cover (column widths,
    /// merged cells, …). On streaming sheets, keep rows in increasing order and
    /// write only at or after the row written last.
    ///
    /// # Errors
    /// `sheet` does not belong to this book.
    pub fn worksheet_mut(&mut self, sheet: SheetId) -> Result<&mut Worksheet> {
        Ok(&mut self.slot_mut(sheet)?.sheet)
    }

    /// Writes a styled header in row 1 of an added sheet, freezes it, repeats it
    /// at the top of every printed page and (at save) puts an autofilter over it
    /// and the rows written below.
    ///
    /// # Errors
    /// `sheet` is a data sheet (the book writes their headers), row 1 was already
    /// written, or the sheet is not of this book.
    pub fn write_header(&mut self, sheet: SheetId, headers: &[&str]) -> Result<()> {
        let formats = self.formats.clone();
        let slot = self.slot_mut(sheet)?;
        if slot.data.is_some() {
            bail!(
                "{}: the book writes the header of a data sheet itself",
                slot.name
            );
        }
        if slot.last_row.is_some() {
            bail!(
                "{}: the header must be written before any other row",
                slot.name
            );
        }
        let cols = u16::try_from(headers.len()).context("too many header cells")?;
        for (c, text) in headers.iter().enumerate() {
            let c = c as u16;
            slot.sheet
                .write_string_with_format(0, c, fit(text, MAX_CELL_TEXT), &formats.header)?;
            slot.sheet
                .set_column_width(c, column_width(text, "", 10, 50))?;
        }
        slot.sheet.set_freeze_panes(1, 0)?;
        slot.sheet.set_repeat_rows(0, 0)?;
        slot.sheet.set_print_gridlines(true);
        slot.filter_cols = (cols > 0).then_some(cols);
        slot.next_row = 1;
        slot.last_row = Some(0);
        Ok(())
    }

    /// Makes the text cells of these 0-based columns of an added sheet wrap
    /// (top-aligned, the row growing to fit), for columns of long texts; sets
    /// their widths too.
    ///
    /// # Errors
    /// `sheet` is a data sheet (the template decides its columns), a column is
    /// past Excel's last, or the sheet is not of this book.
    pub fn wrap_columns(&mut self, sheet: SheetId, columns: &[(u32, f64)]) -> Result<()> {
        let slot = self.slot_mut(sheet)?;
        if slot.data.is_some() {
            bail!(
                "{}: the template decides which columns of a data sheet wrap",
                slot.name
            );
        }
        for &(col, width) in columns {
            slot.sheet.set_column_width(column(col)?, width)?;
            slot.wrap.retain(|(c, _)| *c != col);
            slot.wrap.push((col, width));
        }
        Ok(())
    }

    /// Puts a fill (and a note) on a header cell of a data sheet, such as a
    /// duplicate or unknown column. `col` is 0-based.
    ///
    /// # Errors
    /// The header has already been written (a row below it was written).
    pub fn mark_header(&mut self, kind: SheetKind, mark: CellMark) -> Result<()> {
        let id = self.data_sheet(kind);
        let slot = self.slot_mut(id)?;
        let name = slot.name.clone();
        let Some(data) = slot.data.as_mut() else {
            bail!("{name}: not a data sheet");
        };
        if data.header_written {
            bail!("{name}: the header is already written; mark it before writing rows below it");
        }
        data.header_marks.push(mark);
        Ok(())
    }

    /// Writes one row. `cells[c]` goes to 0-based column `c` (on a data sheet
    /// with the standard layout, that is the field order); `CellOut::Empty` cells
    /// are left blank.
    ///
    /// # Errors
    /// `row` is 0 or past Excel's last row; on a data or streaming sheet, `row`
    /// is not after the last row written; `row` is a data sheet's header row.
    pub fn write_row(&mut self, sheet: SheetId, row: u32, cells: &[CellOut]) -> Result<()> {
        self.write_row_marked(sheet, row, cells, &[])
    }

    /// Writes one row like [`write_row`](Self::write_row) and gives the cells
    /// named in `marks` a fill (red for errors, amber for warnings) and a note.
    /// A mark on a column with no value marks the empty cell (a missing value).
    ///
    /// # Errors
    /// As [`write_row`](Self::write_row); a column past Excel's last (XFD).
    pub fn write_row_marked(
        &mut self,
        sheet: SheetId,
        row: u32,
        cells: &[CellOut],
        marks: &[CellMark],
    ) -> Result<()> {
        // Borrowed field by field: this runs once per row of a million-row sheet.
        let TemplateBook {
            template,
            lang,
            formats,
            slots,
            ..
        } = self;
        let lang = *lang;
        let slot = slots
            .get_mut(sheet.0)
            .ok_or_else(|| anyhow!("sheet {} is not part of this workbook", sheet.0))?;
        if row == 0 || row > LAST_ROW + 1 {
            bail!("{}: row {row} is outside the sheet", slot.name);
        }
        let r = row - 1;
        if slot.streaming && r < slot.next_row {
            bail!(
                "{}: row {row} written after row {}; rows must be written in increasing order",
                slot.name,
                slot.last_row.map_or(0, |l| l + 1)
            );
        }
        if let Some(data) = slot.data.as_mut() {
            if row == data.setup.header_row {
                bail!("{}: row {row} is the header row", slot.name);
            }
            if row > data.setup.header_row && !data.header_written {
                write_data_header(&mut slot.sheet, template, lang, data, formats)?;
            }
        }
        let column_types = slot.data.as_ref().map(|d| &d.column_types);
        let wrap = &slot.wrap;
        let mark_of = |c: u32| marks.iter().rev().find(|m| m.col == c).map(|m| m.mark);
        for (c, cell) in cells.iter().enumerate() {
            let c = u32::try_from(c).unwrap_or(u32::MAX);
            let is_date_column = column_types.and_then(|t| t.get(c as usize).copied().flatten())
                == Some(FieldType::Date);
            let kind = if wrap.iter().any(|(w, _)| *w == c) {
                Column::Wrapped
            } else if is_date_column {
                Column::Date
            } else {
                Column::Plain
            };
            write_cell(&mut slot.sheet, r, c, cell, mark_of(c), kind, formats)?;
        }
        // The row grows to show its wrapped texts whole (no office suite does it
        // on opening the file).
        let height = slot
            .wrap
            .iter()
            .filter_map(|&(c, width)| match cells.get(c as usize) {
                Some(CellOut::Text(text)) => Some(wrapped_height(text, width)),
                _ => None,
            })
            .fold(0.0, f64::max);
        if taller_than_default(height) && slot.tall_rows < TALL_ROWS_PER_SHEET {
            slot.sheet.set_row_height(r, height)?;
            slot.tall_rows += 1;
        }
        for m in marks {
            if (m.col as usize) >= cells.len() {
                let col = column(m.col)?;
                slot.sheet
                    .write_blank(r, col, formats.data(Kind::Plain, Some(m.mark)))?;
            }
            if let Some(text) = &m.note {
                slot.sheet.insert_note(r, column(m.col)?, &note(text))?;
            }
        }
        slot.next_row = r + 1;
        slot.last_row = Some(slot.last_row.map_or(r, |l| l.max(r)));
        Ok(())
    }

    /// Finishes every sheet (headers not yet written, validation and conditional
    /// formatting over rows 2..=max(rows, last data row), autofilters,
    /// protection), puts the sheets in their final order and writes the file.
    /// Write to a temporary path and rename (see
    /// [`output::write_atomically`](super::output::write_atomically)).
    ///
    /// # Errors
    /// The file cannot be written, or a sheet cannot be finished.
    pub fn save(mut self, path: &Path) -> Result<()> {
        use crate::messages::{write_failed, Writing};
        self.finish()?;
        // Through a writer that keeps an I/O error for us to report in words
        // (a full disk), instead of the zip writer printing it on stderr.
        let file =
            std::fs::File::create(path).map_err(|e| write_failed(path, Writing::Workbook, &e))?;
        let mut out = super::output::SoftWriter::new(std::io::BufWriter::new(file));
        let saved = self.workbook.save_to_writer(&mut out);
        out.finish()
            .map_err(|e| write_failed(path, Writing::Workbook, &e))?;
        saved.map_err(|e| anyhow!("{}: cannot write the workbook: {e}", path.display()))
    }

    /// [`save`](Self::save) into memory: the xlsx file's bytes. Touches no disk
    /// when the book was built [`in_memory`](super::BookOptions::in_memory).
    ///
    /// # Errors
    /// A sheet cannot be finished, or the workbook cannot be assembled.
    pub fn save_to_buffer(mut self) -> Result<Vec<u8>> {
        self.finish()?;
        self.workbook
            .save_to_buffer()
            .map_err(|e| anyhow!("cannot write the workbook: {e}"))
    }

    /// A sheet whose rows are written in increasing order: constant-memory
    /// (through a temporary file) unless the book is kept in memory.
    fn streaming_worksheet(&mut self) -> Result<Worksheet> {
        Ok(if self.in_memory {
            Worksheet::new()
        } else {
            self.workbook.new_worksheet_with_constant_memory()?
        })
    }

    /// What [`save`](Self::save) does before writing.
    fn finish(&mut self) -> Result<()> {
        let formats = self.formats.clone();
        for slot in &mut self.slots {
            if let Some(data) = slot.data.as_mut() {
                if !data.header_written {
                    write_data_header(&mut slot.sheet, &self.template, self.lang, data, &formats)?;
                }
                let header = data.setup.header_row - 1;
                let last = (self.rows - 1)
                    .max(slot.last_row.unwrap_or(0))
                    .min(LAST_ROW);
                let span = Span {
                    first: header + 1,
                    last: last.max(header + 1),
                };
                add_checks(
                    &mut slot.sheet,
                    &self.template,
                    self.template.sheet(data.kind),
                    &data.setup.columns,
                    self.lang,
                    span,
                    &self.list_ranges,
                    &formats,
                )?;
                let used: Vec<u32> = used_columns(&data.setup).collect();
                if let (Some(&first), Some(&last_col)) = (used.iter().min(), used.iter().max()) {
                    slot.sheet
                        .autofilter(header, column(first)?, span.last, column(last_col)?)?;
                }
                if self.protect {
                    slot.sheet.protect_with_options(&ProtectionOptions {
                        insert_rows: true,
                        delete_rows: true,
                        sort: true,
                        use_autofilter: true,
                        format_columns: true,
                        format_rows: true,
                        ..ProtectionOptions::new()
                    });
                }
            } else if let Some(cols) = slot.filter_cols {
                let last = slot.last_row.unwrap_or(0).max(1);
                slot.sheet.autofilter(0, 0, last, cols - 1)?;
            }
        }
        // Past 4 GiB of sheet XML the zip needs ZIP64; a few hundred thousand rows
        // of long texts can get there.
        if self
            .slots
            .iter()
            .any(|s| s.last_row.unwrap_or(0) > LARGE_SHEET_ROWS)
        {
            self.workbook.use_zip_large_file(true);
        }
        let mut slots = std::mem::take(&mut self.slots);
        // Stable: sheets of one placement keep the order they were added in.
        slots.sort_by_key(|s| s.role);
        for slot in slots {
            self.workbook.push_worksheet(slot.sheet);
        }
        Ok(())
    }

    fn slot_mut(&mut self, sheet: SheetId) -> Result<&mut Slot> {
        self.slots
            .get_mut(sheet.0)
            .ok_or_else(|| anyhow!("sheet {} is not part of this workbook", sheet.0))
    }

    fn push_slot(
        &mut self,
        role: Role,
        name: &str,
        mut sheet: Worksheet,
        streaming: bool,
    ) -> Result<SheetId> {
        let lower = name.to_lowercase();
        if self.slots.iter().any(|s| s.name.to_lowercase() == lower) {
            bail!("sheet name {name:?} is used twice in the workbook");
        }
        sheet
            .set_name(name)
            .map_err(|e| anyhow!("sheet name {name:?} is not valid in Excel: {e}"))?;
        self.slots.push(Slot {
            role,
            name: name.to_string(),
            sheet,
            streaming,
            next_row: 0,
            last_row: None,
            filter_cols: None,
            wrap: Vec::new(),
            tall_rows: 0,
            data: None,
        });
        Ok(SheetId(self.slots.len() - 1))
    }

    fn add_data_sheet(&mut self, kind: SheetKind, setup: SheetSetup) -> Result<()> {
        let def = self.template.sheet(kind).clone();
        let name = def.name.get(self.lang).to_string();
        if setup.columns.len() != def.fields.len() {
            bail!(
                "{name}: the layout has {} columns for {} fields",
                setup.columns.len(),
                def.fields.len()
            );
        }
        if setup.header_row == 0 || setup.header_row >= self.rows {
            bail!(
                "{name}: header row {} must be between 1 and {}",
                setup.header_row,
                self.rows - 1
            );
        }
        let mut seen = HashSet::new();
        for col in used_columns(&setup) {
            if col > LAST_COL {
                bail!("{name}: column {} is past Excel's last column", col + 1);
            }
            if !seen.insert(col) {
                bail!(
                    "{name}: two headers in column {}",
                    rust_xlsxwriter::utility::column_number_to_name(col as u16)
                );
            }
        }
        let width = used_columns(&setup).max().map_or(0, |c| c as usize + 1);
        let mut column_types = vec![None; width];
        for (field, col) in def.fields.iter().zip(&setup.columns) {
            if let Some(col) = col {
                column_types[*col as usize] = Some(field.ty);
            }
        }

        // A field an update appends to (the interaction history) grows a line
        // per update: it wraps, in the template too.
        let appended = |i: usize| {
            def.kind == SheetKind::Entry
                && self
                    .template
                    .update()
                    .fields
                    .iter()
                    .any(|u| u.change == Some(Change::Append(i)))
        };
        let mut wrap: Vec<(u32, f64)> = setup
            .columns
            .iter()
            .enumerate()
            .filter(|&(i, _)| appended(i))
            .filter_map(|(_, c)| c.map(|c| (c, 0.0)))
            .collect();

        let mut sheet = self.streaming_worksheet()?;
        // Unlocked column formats let staff edit every data cell of a protected
        // sheet; the header cells carry their own locked format.
        for (c, ty) in column_types.iter().enumerate() {
            let col = column(c as u32)?;
            let format = if wrap.iter().any(|(w, _)| *w == c as u32) {
                self.formats.wrapped(None)
            } else if *ty == Some(FieldType::Date) {
                self.formats.data(Kind::Date, None)
            } else {
                self.formats.data(Kind::Plain, None)
            };
            sheet.set_column_format(col, format)?;
        }
        for (field, col) in def.fields.iter().zip(&setup.columns) {
            if let Some(col) = col {
                let width = match field.ty {
                    FieldType::Date => 13.0,
                    FieldType::Id => 11.0,
                    _ => {
                        // Wide enough for the longest dropdown option, or the example.
                        let longest = self
                            .template
                            .active_list(field)
                            .and_then(|list| {
                                list.options
                                    .iter()
                                    .map(|o| o.label.get(self.lang))
                                    .max_by_key(|l| super::style::display_width(l))
                            })
                            .unwrap_or(field.example.get(self.lang));
                        column_width(&field.display_header(self.lang), longest, 12, 40)
                    }
                };
                // A wrapping column holds long texts: as wide as any column.
                let wrapping = wrap.iter_mut().find(|(w, _)| w == col);
                let width = if wrapping.is_some() { 40.0 } else { width };
                if let Some(w) = wrapping {
                    w.1 = width;
                }
                sheet.set_column_width(column(*col)?, width)?;
            }
        }
        for (col, text) in &setup.extra_headers {
            sheet.set_column_width(column(*col)?, column_width(text, "", 10, 40))?;
        }
        sheet.set_freeze_panes(setup.header_row, 0)?;
        print_setup(&mut sheet, Some(setup.header_row - 1))?;
        sheet.set_print_gridlines(true);

        let id = self.push_slot(Role::Data(kind), &name, sheet, true)?;
        if let Some(slot) = self.slots.get_mut(id.0) {
            slot.wrap = wrap;
            slot.data = Some(DataState {
                kind,
                setup,
                column_types,
                header_written: false,
                header_marks: Vec::new(),
            });
        }
        Ok(())
    }
}

/// Every column a layout uses: fields, then extra headers.
fn used_columns(setup: &SheetSetup) -> impl Iterator<Item = u32> + '_ {
    setup
        .columns
        .iter()
        .flatten()
        .copied()
        .chain(setup.extra_headers.iter().map(|(c, _)| *c))
}

fn column(col: u32) -> Result<u16> {
    if col > LAST_COL {
        bail!("column {} is past Excel's last column", col + 1);
    }
    Ok(col as u16)
}

fn note(text: &str) -> Note {
    Note::new(fit(text, 32_000))
        .set_author("crmsheet")
        .add_author_prefix(false)
        .set_width(300)
        .set_height(120)
}

/// Writes a data sheet's header row (styled, required ones marked) with any marks.
fn write_data_header(
    sheet: &mut Worksheet,
    template: &Template,
    lang: Lang,
    data: &mut DataState,
    formats: &Formats,
) -> Result<()> {
    let r = data.setup.header_row - 1;
    let def = template.sheet(data.kind);
    let mark_of = |c: u32| data.header_marks.iter().rev().find(|m| m.col == c);
    let mut cells: Vec<(u32, String, bool)> = def
        .fields
        .iter()
        .zip(&data.setup.columns)
        .filter_map(|(f, c)| c.map(|c| (c, f.display_header(lang), f.required)))
        .collect();
    cells.extend(
        data.setup
            .extra_headers
            .iter()
            .map(|(c, text)| (*c, text.clone(), false)),
    );
    cells.sort_by_key(|(c, _, _)| *c);
    for (c, text, required) in &cells {
        let format: Format = match mark_of(*c) {
            Some(m) => formats.marked_header(*required, m.mark),
            None if *required => formats.header_required.clone(),
            None => formats.header.clone(),
        };
        sheet.write_string_with_format(r, column(*c)?, fit(text, MAX_CELL_TEXT), &format)?;
    }
    for m in &data.header_marks {
        if !cells.iter().any(|(c, _, _)| *c == m.col) {
            sheet.write_blank(r, column(m.col)?, &formats.marked_header(false, m.mark))?;
        }
        if let Some(text) = &m.note {
            sheet.insert_note(r, column(m.col)?, &note(text))?;
        }
    }
    data.header_written = true;
    Ok(())
}

/// An Excel date-time, or `None` for dates Excel cannot hold (before 1900).
fn excel_datetime(dt: NaiveDateTime) -> Option<ExcelDateTime> {
    let year = u16::try_from(dt.year())
        .ok()
        .filter(|y| (1900..=9999).contains(y))?;
    let date = ExcelDateTime::from_ymd(year, dt.month() as u8, dt.day() as u8).ok()?;
    let seconds = f64::from(dt.second()) + f64::from(dt.nanosecond() % 1_000_000_000) / 1e9;
    date.and_hms(dt.hour() as u16, dt.minute() as u8, seconds)
        .ok()
}

/// What a column holds, for the format of its cells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Plain,
    Date,
    /// Long texts: they wrap.
    Wrapped,
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u32,
    cell: &CellOut,
    mark: Option<Mark>,
    kind: Column,
    formats: &Formats,
) -> Result<()> {
    let col = column(c)?;
    let plain = match kind {
        Column::Wrapped => formats.wrapped(mark),
        Column::Plain | Column::Date => formats.data(Kind::Plain, mark),
    };
    match cell {
        CellOut::Empty => {
            if mark.is_some() {
                let format = match kind {
                    Column::Date => formats.data(Kind::Date, mark),
                    Column::Plain | Column::Wrapped => plain,
                };
                sheet.write_blank(r, col, format)?;
            }
        }
        CellOut::Text(text) => {
            sheet.write_string_with_format(r, col, fit(text, MAX_CELL_TEXT), plain)?;
        }
        CellOut::Number(n) if n.is_finite() => {
            sheet.write_number_with_format(r, col, *n, plain)?;
        }
        CellOut::Number(n) => {
            sheet.write_string_with_format(r, col, n.to_string(), plain)?;
        }
        CellOut::Date(dt) => match excel_datetime(*dt) {
            Some(value) => {
                let kind = if dt.time() == chrono::NaiveTime::MIN {
                    Kind::Date
                } else {
                    Kind::DateTime
                };
                sheet.write_datetime_with_format(r, col, &value, formats.data(kind, mark))?;
            }
            None => {
                let text = if dt.time() == chrono::NaiveTime::MIN {
                    dt.format("%Y-%m-%d").to_string()
                } else {
                    dt.format("%Y-%m-%d %H:%M:%S").to_string()
                };
                sheet.write_string_with_format(r, col, text, plain)?;
            }
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_auto, Data, Reader};
    use chrono::NaiveDate;
    use std::io::Read;

    fn date(y: i32, m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn zip_text(path: &Path, entry: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name(entry)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// The `s` (style) attribute of a cell in a sheet's XML.
    fn style_of(xml: &str, cell: &str) -> Option<String> {
        let start = xml.find(&format!("<c r=\"{cell}\""))?;
        let tag = &xml[start..start + xml[start..].find('>')?];
        let s = tag.find(" s=\"")? + 4;
        Some(tag[s..s + tag[s..].find('"')?].to_string())
    }

    #[test]
    fn writes_values_marks_notes_and_extra_sheets_in_order() {
        let t = Template::builtin();
        let mut options = BookOptions::new(Lang::Zh);
        options.rows = 10;
        let mut book = TemplateBook::new(&t, &options).unwrap();
        let log = book
            .add_sheet("操作日志", Placement::AfterData, true)
            .unwrap();
        let report = book.add_sheet("校验报告", Placement::First, false).unwrap();
        assert!(book.add_sheet("校验报告", Placement::First, false).is_err());
        assert!(book.add_sheet("bad:name", Placement::First, false).is_err());
        book.write_header(report, &["单元格", "问题"]).unwrap();
        book.write_row(report, 2, &[CellOut::text("E2"), CellOut::text("行业")])
            .unwrap();
        book.write_header(log, &["日期", "字段"]).unwrap();
        book.write_row(
            log,
            2,
            &[CellOut::Date(date(2026, 11, 30)), CellOut::text("x")],
        )
        .unwrap();

        let entry = book.data_sheet(SheetKind::Entry);
        let mut cells = vec![CellOut::Empty; t.entry().fields.len()];
        cells[0] = CellOut::Date(date(2026, 11, 2));
        cells[1] = CellOut::text("张伟");
        cells[2] = CellOut::Number(7.0);
        cells[4] = CellOut::text("制造");
        cells[13] = CellOut::Date(date(1899, 12, 1));
        book.write_row_marked(
            entry,
            3,
            &cells,
            &[
                CellMark::new(4, Mark::Error).with_note("行业不在列表中"),
                CellMark::new(5, Mark::Warning),
                CellMark::new(20, Mark::Error),
            ],
        )
        .unwrap();
        let err = book.write_row(entry, 2, &cells).unwrap_err().to_string();
        assert!(err.contains("increasing order"), "{err}");
        assert!(book.write_row(entry, 1, &cells).is_err(), "header row");
        assert!(book
            .mark_header(SheetKind::Entry, CellMark::new(0, Mark::Error))
            .is_err());
        // Rows past `rows` widen the checks.
        book.write_row(entry, 12, &cells).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.xlsx");
        book.save(&path).unwrap();

        let mut wb = open_workbook_auto(&path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            [
                "校验报告",
                "填写说明",
                "客户信息录入表",
                "客户信息更新表",
                "操作日志",
                "下拉选项",
                "_meta"
            ]
        );
        let range = wb.worksheet_range("客户信息录入表").unwrap();
        assert_eq!(
            range.get_value((0, 3)),
            Some(&Data::String("客户名称*".into()))
        );
        let Some(Data::DateTime(d)) = range.get_value((2, 0)) else {
            panic!("a date cell: {:?}", range.get_value((2, 0)));
        };
        assert_eq!(d.as_datetime(), Some(date(2026, 11, 2)));
        assert_eq!(range.get_value((2, 2)), Some(&Data::Float(7.0)));
        assert_eq!(range.get_value((2, 4)), Some(&Data::String("制造".into())));
        assert_eq!(
            range.get_value((2, 13)),
            Some(&Data::String("1899-12-01".into()))
        );
        assert!(
            matches!(range.get_value((1, 0)), None | Some(Data::Empty)),
            "row 2 was never written"
        );

        let xml = zip_text(&path, "xl/worksheets/sheet3.xml");
        let plain = style_of(&xml, "B3").unwrap();
        let error = style_of(&xml, "E3").unwrap();
        let warning = style_of(&xml, "F3").unwrap();
        assert!(plain != error && error != warning && plain != warning);
        assert_eq!(
            style_of(&xml, "U3"),
            Some(error.clone()),
            "mark past the values"
        );
        assert!(
            xml.contains("sqref=\"E2:E12\""),
            "checks reach the last data row"
        );
        let comments = zip_text(&path, "xl/comments1.xml");
        assert!(comments.contains("行业不在列表中"));
        assert!(comments.contains("ref=\"E3\""));
    }

    #[test]
    fn rows_grow_for_wrapped_texts_up_to_the_budget() {
        let t = Template::builtin();
        let mut book = TemplateBook::new(&t, &BookOptions::new(Lang::En)).unwrap();
        let entry = book.data_sheet(SheetKind::Entry);
        let history = t.entry().field_index("interaction").unwrap();
        let mut cells = vec![CellOut::Empty; t.entry().fields.len()];
        cells[history] = CellOut::text("2026-11-02 call\n2026-11-09 visit\n2026-11-16 offer");
        let last = TALL_ROWS_PER_SHEET + 2;
        for row in 2..=last {
            book.write_row(entry, row, &cells).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.xlsx");
        book.save(&path).unwrap();

        let xml = zip_text(&path, "xl/worksheets/sheet2.xml");
        let tall = |row: u32| {
            let start = xml.find(&format!("<row r=\"{row}\"")).unwrap();
            let tag = &xml[start..start + xml[start..].find('>').unwrap()];
            tag.contains("customHeight=\"1\"")
        };
        assert!(tall(2) && tall(TALL_ROWS_PER_SHEET + 1));
        assert!(
            !tall(last),
            "past the budget a row keeps the default height"
        );
        assert_eq!(
            xml.matches("customHeight=\"1\"").count() as u32,
            TALL_ROWS_PER_SHEET
        );
    }

    #[test]
    fn custom_layout_keeps_the_file_addresses() {
        let t = Template::builtin();
        let mut options = BookOptions::new(Lang::En);
        options.rows = 50;
        // Header in row 3, fields two columns to the right, one field missing,
        // an unknown column kept.
        let mut setup = SheetSetup::standard(t.update());
        setup.header_row = 3;
        setup.columns = (0..t.update().fields.len() as u32)
            .map(|c| Some(c + 2))
            .collect();
        setup.columns[5] = None;
        setup.extra_headers = vec![(30, "Notes".into())];
        options.update_layout = Some(setup);
        let mut book = TemplateBook::new(&t, &options).unwrap();
        let update = book.data_sheet(SheetKind::Update);
        book.write_row(update, 1, &[CellOut::text("Filled by the Pudong team")])
            .unwrap();
        book.mark_header(
            SheetKind::Update,
            CellMark::new(30, Mark::Warning).with_note("unknown column"),
        )
        .unwrap();
        let mut cells = vec![CellOut::Empty; 31];
        cells[4] = CellOut::text("C001");
        cells[30] = CellOut::text("call back");
        book.write_row(update, 4, &cells).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.xlsx");
        book.save(&path).unwrap();

        let mut wb = open_workbook_auto(&path).unwrap();
        let range = wb.worksheet_range("Customer Update").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Filled by the Pudong team".into()))
        );
        assert_eq!(
            range.get_value((2, 2)),
            Some(&Data::String("Update date*".into()))
        );
        assert!(
            matches!(range.get_value((2, 7)), None | Some(Data::Empty)),
            "field left out"
        );
        assert_eq!(
            range.get_value((2, 30)),
            Some(&Data::String("Notes".into()))
        );
        assert_eq!(range.get_value((3, 4)), Some(&Data::String("C001".into())));
        let xml = zip_text(&path, "xl/worksheets/sheet3.xml");
        assert!(
            xml.contains("sqref=\"E4:E50\""),
            "ID checks start below the header"
        );
        assert!(xml.contains("<pane ySplit=\"3\""));
        assert!(xml.contains("<autoFilter ref=\"C3:AE50\"/>"));
        assert!(zip_text(&path, "xl/comments1.xml").contains("unknown column"));
    }

    #[test]
    fn rejects_bad_options() {
        let t = Template::builtin();
        for rows in [0, 1, MAX_ROWS + 1] {
            let mut options = BookOptions::new(Lang::Zh);
            options.rows = rows;
            assert!(TemplateBook::new(&t, &options).is_err(), "{rows}");
        }
        let mut options = BookOptions::new(Lang::Zh);
        let mut setup = SheetSetup::standard(t.entry());
        setup.columns[1] = Some(0);
        options.entry_layout = Some(setup);
        let err = TemplateBook::new(&t, &options).err().unwrap().to_string();
        assert!(err.contains("two headers in column A"), "{err}");
    }
}
