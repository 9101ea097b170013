//! Cell values as the register keeps them: typed once per field, so that a date
//! typed as `2026/11/30` and a date cell are the same day, an English list label
//! is written as the register's own label, and `Ｃ００１` is `C001`.
//!
//! Merge runs only on files that validated without errors, so every date parses
//! and every list value is an option; a value that still does not fit is kept as
//! the text it was, never dropped.

use crate::lang::Lang;
use crate::read::{Row, Value};
use crate::template::{Field, FieldType, SheetDef, Template};
use crate::text::{normalize_name, normalize_value};
use crate::value::{cell_text, parse_date_text, type_cell, Bad, DateValue, Typed};
use crate::write::CellOut;

/// A typed cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Text as typed, without surrounding white space.
    Text(Box<str>),
    Number(f64),
    Date(DateValue),
    /// An option (index) of the field's list.
    Choice(usize),
}

/// A value and the 0-based column it was read from (for the change log's source).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub val: Val,
    pub col: u32,
}

/// One data row: a slot per field, in schema order.
pub type Cells = Vec<Option<Cell>>;

/// [`Cells`] packed into one allocation, for the rows merge holds while it
/// reads. Unpacked, a row takes 32 bytes per field plus an allocation per text:
/// at a million entry rows that was most of merge's memory.
///
/// ```
/// use crmsheet::merge::value::{Cell, PackedCells, Val};
/// use crmsheet::value::DateValue;
/// let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
/// let cells = vec![
///     Some(Cell { val: Val::Date(DateValue::day(day)), col: 0 }),
///     None,
///     Some(Cell { val: Val::Text("明远机械有限公司".into()), col: 3 }),
///     Some(Cell { val: Val::Choice(2), col: 4 }),
///     Some(Cell { val: Val::Number(-1.5), col: 9 }),
/// ];
/// assert_eq!(PackedCells::pack(&cells).unpack(), cells);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PackedCells(Box<[u8]>);

const EMPTY: u8 = 0;
const TEXT: u8 = 1;
const NUMBER: u8 = 2;
const DATE: u8 = 3;
const DATE_TIME: u8 = 4;
const CHOICE: u8 = 5;

impl PackedCells {
    /// Per slot: a tag byte; then, for a value, its column and the value
    /// (text: length and bytes; number: 8 bytes; date: seconds and
    /// nanoseconds; choice: its index). Columns, lengths and indices are
    /// LEB128 varints: mostly one byte each, on a million held rows.
    pub fn pack(cells: &Cells) -> PackedCells {
        let mut bytes = Vec::with_capacity(cells.len() * 8);
        for cell in cells {
            let Some(Cell { val, col }) = cell else {
                bytes.push(EMPTY);
                continue;
            };
            let tag = match val {
                Val::Text(_) => TEXT,
                Val::Number(_) => NUMBER,
                Val::Date(d) if d.has_time => DATE_TIME,
                Val::Date(_) => DATE,
                Val::Choice(_) => CHOICE,
            };
            bytes.push(tag);
            put_varint(&mut bytes, *col);
            match val {
                Val::Text(text) => {
                    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
                    put_varint(&mut bytes, len);
                    bytes.extend_from_slice(&text.as_bytes()[..len as usize]);
                }
                Val::Number(n) => bytes.extend_from_slice(&n.to_le_bytes()),
                Val::Date(d) => {
                    let at = d.at.and_utc();
                    bytes.extend_from_slice(&at.timestamp().to_le_bytes());
                    bytes.extend_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
                }
                Val::Choice(i) => {
                    put_varint(&mut bytes, u32::try_from(*i).unwrap_or(u32::MAX));
                }
            }
        }
        PackedCells(bytes.into_boxed_slice())
    }

    /// The cells as they were packed.
    pub fn unpack(&self) -> Cells {
        let mut rest: &[u8] = &self.0;
        let mut cells = Vec::new();
        while let Some((&tag, after)) = rest.split_first() {
            rest = after;
            if tag == EMPTY {
                cells.push(None);
                continue;
            }
            let col = take_varint(&mut rest);
            let val = match tag {
                TEXT => {
                    let len = take_varint(&mut rest) as usize;
                    let (text, after) = rest.split_at(len.min(rest.len()));
                    rest = after;
                    Val::Text(String::from_utf8_lossy(text).into())
                }
                NUMBER => Val::Number(f64::from_le_bytes(take(&mut rest))),
                DATE | DATE_TIME => {
                    let secs = i64::from_le_bytes(take(&mut rest));
                    let nanos = u32::from_le_bytes(take(&mut rest));
                    let at = chrono::DateTime::from_timestamp(secs, nanos)
                        .unwrap_or_default()
                        .naive_utc();
                    Val::Date(DateValue {
                        at,
                        has_time: tag == DATE_TIME,
                    })
                }
                _ => Val::Choice(take_varint(&mut rest) as usize),
            };
            cells.push(Some(Cell { val, col }));
        }
        cells
    }
}

/// Appends `n` as an LEB128 varint: seven bits a byte, low bits first.
fn put_varint(bytes: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        bytes.push((n as u8) | 0x80);
        n >>= 7;
    }
    bytes.push(n as u8);
}

/// The next LEB128 varint (what `put_varint` wrote; 0 past the end).
fn take_varint(rest: &mut &[u8]) -> u32 {
    let mut n = 0u32;
    for shift in (0..35).step_by(7) {
        let Some((&byte, after)) = rest.split_first() else {
            break;
        };
        *rest = after;
        n |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            break;
        }
    }
    n
}

/// The next `N` bytes (zeros past the end, which `pack` never leaves).
fn take<const N: usize>(rest: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = N.min(rest.len());
    out[..n].copy_from_slice(&rest[..n]);
    *rest = &rest[n..];
    out
}

/// Types the cells of a row read from a file.
pub fn type_row(template: &Template, def: &SheetDef, row: &Row) -> Cells {
    def.fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let cell = row.cells.get(i)?.as_ref()?;
            let val = type_value(template, field, &cell.value)?;
            Some(Cell { val, col: cell.col })
        })
        .collect()
}

/// The typed value of one cell for its field; `None` for an empty cell.
///
/// The cell is typed as the rules type it ([`type_cell`]); what the register
/// keeps differs in three ways: a text field keeps the text as typed (only
/// trimmed), since the register shows what staff wrote; a team member is kept
/// as the team list's option; and what is no value of its field (merge only
/// meets it in a register it reads back) is kept as it was: a number, a date
/// cell, the text, a formula's error code.
pub fn type_value(template: &Template, field: &Field, value: &Value) -> Option<Val> {
    if let Value::Error(code) = value {
        return Some(Val::Text(code.as_str().into()));
    }
    let as_typed = || -> Box<str> {
        match value {
            Value::Text(text) if field.ty == FieldType::Text => text.trim().into(),
            other => cell_text(other).into(),
        }
    };
    Some(match type_cell(template, field, value) {
        Typed::Empty => return None,
        Typed::Date(date) => Val::Date(date),
        Typed::Choice(option) => Val::Choice(option),
        Typed::Id(id) => Val::Text(id.into()),
        Typed::Text(text) => match template.active_list(field).and_then(|l| l.find(&text)) {
            Some(option) => Val::Choice(option),
            None => Val::Text(as_typed()),
        },
        Typed::Bad(Bad::Date {
            number: Some(n), ..
        }) => Val::Number(n),
        Typed::Bad(Bad::Date { text, .. }) => match (value, parse_date_text(&text)) {
            (Value::DateTime(at), _) => Val::Date(DateValue::from_cell(*at)),
            (_, Some(date)) => Val::Date(date),
            _ => Val::Text(text.into()),
        },
        Typed::Bad(Bad::Id(text)) => Val::Text(text.into()),
        Typed::Bad(Bad::NotListed(_)) => Val::Text(as_typed()),
        Typed::Bad(Bad::Future(date)) => Val::Date(date),
    })
}

impl Val {
    /// The value as a person reads it, list options in `lang`.
    pub fn display(&self, template: &Template, field: &Field, lang: Lang) -> String {
        match self {
            Val::Text(text) => text.to_string(),
            Val::Number(n) => cell_text(&Value::Number(*n)).into_owned(),
            Val::Date(date) => date.display(),
            Val::Choice(option) => option_label(template, field, *option, lang)
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// The cell to write.
    pub fn to_cell(&self, template: &Template, field: &Field, lang: Lang) -> CellOut {
        match self {
            Val::Text(text) => CellOut::Text(text.to_string()),
            Val::Number(n) => CellOut::Number(*n),
            Val::Date(date) => CellOut::Date(date.at),
            Val::Choice(_) => CellOut::Text(self.display(template, field, lang)),
        }
    }

    /// The value moved to another field (an update's value onto the entry's
    /// field): a list option is looked up again by its label when the two fields
    /// use different lists.
    pub fn for_field(&self, template: &Template, from: &Field, to: &Field) -> Val {
        match self {
            Val::Choice(option) if from.list != to.list => {
                let label = option_label(template, from, *option, Lang::Zh).unwrap_or_default();
                match template.active_list(to).and_then(|list| list.find(label)) {
                    Some(found) => Val::Choice(found),
                    None => Val::Text(label.into()),
                }
            }
            other => other.clone(),
        }
    }
}

fn option_label<'t>(
    template: &'t Template,
    field: &Field,
    option: usize,
    lang: Lang,
) -> Option<&'t str> {
    let list = template.lists.get(field.list?)?;
    Some(list.options.get(option)?.label.get(lang))
}

pub use crate::template::{KeyFields, Review};

/// The review state of a row; a row whose status has no review role counts as
/// pending (validation refuses such rows before merge runs).
pub fn review_of(def: &SheetDef, cells: &Cells) -> Review {
    review_of_status(def, val(cells, def.keys.review_status))
}

/// What a review status value means (pending when it is none).
pub fn review_of_status(def: &SheetDef, status: Option<&Val>) -> Review {
    match status {
        Some(Val::Choice(o)) => def.review_of_option(*o).unwrap_or(Review::Pending),
        _ => Review::Pending,
    }
}

/// The value of a slot, if filled.
pub fn val(cells: &Cells, i: usize) -> Option<&Val> {
    cells.get(i).and_then(Option::as_ref).map(|c| &c.val)
}

/// A text for comparing: normalised and lower-cased; empty when unfilled.
pub fn key_text(cells: &Cells, i: usize) -> String {
    match val(cells, i) {
        Some(Val::Text(t)) => normalize_value(t).to_lowercase(),
        Some(Val::Choice(o)) => format!("#{o}"),
        Some(Val::Number(n)) => cell_text(&Value::Number(*n)).into_owned(),
        Some(Val::Date(d)) => d.display(),
        None => String::new(),
    }
}

/// The day of a date slot (`2026-11-30`), for comparing rows by date; a date
/// that did not parse compares by its text.
pub fn key_day(cells: &Cells, i: usize) -> String {
    match val(cells, i) {
        // The day as the change log's keys write it, so that the two match.
        Some(Val::Date(d)) => crate::changelog::day(d.date()),
        _ => key_text(cells, i),
    }
}

/// A salesperson's name for comparing: a team option by its index, else the
/// normalised text.
pub fn key_person(cells: &Cells, i: usize) -> String {
    match val(cells, i) {
        Some(Val::Text(t)) => crate::rules::identity::person_key(t).into_owned(),
        _ => key_text(cells, i),
    }
}

/// A customer name for comparing (SPEC §5 name normalisation).
pub fn key_name(cells: &Cells, i: usize) -> String {
    match val(cells, i) {
        Some(Val::Text(t)) => normalize_name(t),
        _ => key_text(cells, i),
    }
}

/// The number of an ID made of the prefix and digits (`C012` → 12).
pub fn id_number(id: &str, prefix: &str) -> Option<u64> {
    let digits = id.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn packed_cells_round_trip_past_one_byte_varints() {
        let long = "长".repeat(100); // 300 bytes: a two-byte length
        let cells = vec![
            Some(Cell {
                val: Val::Text(long.as_str().into()),
                col: 16_383,
            }),
            Some(Cell {
                val: Val::Choice(200),
                col: 127,
            }),
            Some(Cell {
                val: Val::Text("".into()),
                col: 128,
            }),
            None,
        ];
        let packed = PackedCells::pack(&cells);
        assert_eq!(packed.unpack(), cells);
        // tag + col (2) + len (2) + 300 bytes; tag + col (1) + choice (2);
        // tag + col (2) + len (1); one empty slot.
        assert_eq!(packed.0.len(), 305 + 4 + 4 + 1);
    }

    use super::*;
    use crate::template::SheetKind;

    #[test]
    fn values_are_typed_by_field() {
        let t = Template::builtin();
        let def = t.sheet(SheetKind::Entry);
        let field = |k: &str| def.field(k).unwrap();
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(
            type_value(&t, field("entry_date"), &text(" 2026/11/3 ")),
            parse_date_text("2026-11-03").map(Val::Date)
        );
        assert_eq!(
            type_value(&t, field("review_status"), &text("Approved")),
            type_value(&t, field("review_status"), &text("已通过"))
        );
        assert_eq!(
            type_value(&t, field("customer_id"), &text("Ｃ００１")),
            Some(Val::Text("C001".into()))
        );
        assert_eq!(
            type_value(&t, field("needs"), &text("  交货（快） ")),
            Some(Val::Text("交货（快）".into()))
        );
        assert_eq!(type_value(&t, field("needs"), &text("   ")), None);
        let status = type_value(&t, field("review_status"), &text("approved")).unwrap();
        assert_eq!(
            status.display(&t, field("review_status"), Lang::Zh),
            "已通过"
        );
    }

    #[test]
    fn id_numbers() {
        assert_eq!(id_number("C012", "C"), Some(12));
        assert_eq!(id_number("C", "C"), None);
        assert_eq!(id_number("X012", "C"), None);
        assert_eq!(id_number("C01a", "C"), None);
    }
}
