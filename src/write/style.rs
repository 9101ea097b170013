//! The formats every crmsheet workbook uses, made once, and column widths.
//!
//! Data formats are unlocked so that sheet protection locks only the header.

use super::Mark;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};

pub const DATE_FORMAT: &str = "yyyy-mm-dd";
const DATETIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";

const HEADER_FILL: u32 = 0xDDEBF7;
const HEADER_FONT: u32 = 0x1F3864;
const REQUIRED_FONT: u32 = 0xC00000;
pub const ERROR_FILL: u32 = 0xFFC7CE;
pub const ERROR_FONT: u32 = 0x9C0006;
pub const WARNING_FILL: u32 = 0xFFEB9C;
pub const WARNING_FONT: u32 = 0x9C5700;

/// What kind of value a data cell holds, for its number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Date,
    DateTime,
}

#[derive(Clone)]
pub struct Formats {
    pub header: Format,
    pub header_required: Format,
    pub title: Format,
    pub section: Format,
    pub wrap: Format,
    /// `[kind][mark]`: mark 0 = none, 1 = error, 2 = warning.
    data: [[Format; 3]; 3],
    pub error_cf: Format,
    pub warning_cf: Format,
}

impl Formats {
    pub fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_font_color(Color::RGB(HEADER_FONT))
            .set_background_color(Color::RGB(HEADER_FILL))
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_locked();
        let header_required = header.clone().set_font_color(Color::RGB(REQUIRED_FONT));
        let base = [
            Format::new().set_unlocked(),
            Format::new().set_unlocked().set_num_format(DATE_FORMAT),
            Format::new().set_unlocked().set_num_format(DATETIME_FORMAT),
        ];
        let data = base.map(|f| {
            [
                f.clone(),
                f.clone()
                    .set_background_color(Color::RGB(ERROR_FILL))
                    .set_font_color(Color::RGB(ERROR_FONT)),
                f.set_background_color(Color::RGB(WARNING_FILL))
                    .set_font_color(Color::RGB(WARNING_FONT)),
            ]
        });
        Formats {
            header,
            header_required,
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new()
                .set_bold()
                .set_font_color(Color::RGB(HEADER_FONT)),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            data,
            error_cf: Format::new()
                .set_background_color(Color::RGB(ERROR_FILL))
                .set_font_color(Color::RGB(ERROR_FONT)),
            warning_cf: Format::new()
                .set_background_color(Color::RGB(WARNING_FILL))
                .set_font_color(Color::RGB(WARNING_FONT)),
        }
    }

    /// The format of a data cell of this kind, with this mark.
    pub fn data(&self, kind: Kind, mark: Option<Mark>) -> &Format {
        let k = match kind {
            Kind::Plain => 0,
            Kind::Date => 1,
            Kind::DateTime => 2,
        };
        let m = match mark {
            None => 0,
            Some(Mark::Error) => 1,
            Some(Mark::Warning) => 2,
        };
        &self.data[k][m]
    }

    /// The header format with a mark's fill (duplicate or unknown header cells).
    pub fn marked_header(&self, required: bool, mark: Mark) -> Format {
        let base = if required {
            &self.header_required
        } else {
            &self.header
        };
        base.clone().set_background_color(Color::RGB(match mark {
            Mark::Error => ERROR_FILL,
            Mark::Warning => WARNING_FILL,
        }))
    }
}

/// Roughly how many character widths a text takes in Excel: CJK and other wide
/// characters count twice.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// A column width that fits the header and a typical value, within sensible bounds.
pub fn column_width(header: &str, example: &str, min: usize, max: usize) -> f64 {
    let wanted = display_width(header).max(display_width(example)) + 4;
    wanted.clamp(min, max) as f64
}

/// Cuts `text` to at most `max` UTF-16 code units (Excel counts those), ending in
/// `…` when it had to cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let len = c.len_utf16();
        if used + len > max.saturating_sub(1) {
            break;
        }
        out.push(c);
        used += len;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_respects_excel_limits() {
        assert_eq!(fit("short", 32), "short");
        let long = "客".repeat(40);
        let cut = fit(&long, 32);
        assert_eq!(cut.encode_utf16().count(), 32);
        assert!(cut.ends_with('…'));
        // Characters outside the BMP count as two units.
        let emoji = "😀".repeat(20);
        assert!(fit(&emoji, 32).encode_utf16().count() <= 32);
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(display_width("客户ID"), 6);
        assert_eq!(column_width("x", "", 10, 40), 10.0);
        assert_eq!(column_width(&"客".repeat(50), "", 10, 40), 40.0);
    }
}
