//! The formats every crmsheet workbook uses, made once, and column widths.
//!
//! Data formats are unlocked so that sheet protection locks only the header.

use super::Mark;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

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
    /// Plain text that wraps, by mark: a column whose texts run long.
    wrapped: [Format; 3],
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
        // Top-aligned: a row made tall by a wrapped cell keeps all its values
        // on its first line.
        let plain = Format::new().set_unlocked().set_align(FormatAlign::Top);
        let marked = |f: Format| {
            [
                f.clone(),
                f.clone()
                    .set_background_color(Color::RGB(ERROR_FILL))
                    .set_font_color(Color::RGB(ERROR_FONT)),
                f.set_background_color(Color::RGB(WARNING_FILL))
                    .set_font_color(Color::RGB(WARNING_FONT)),
            ]
        };
        let wrapped = marked(plain.clone().set_text_wrap());
        let data = [
            plain.clone(),
            plain.clone().set_num_format(DATE_FORMAT),
            plain.set_num_format(DATETIME_FORMAT),
        ]
        .map(marked);
        Formats {
            header,
            header_required,
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new()
                .set_bold()
                .set_font_color(Color::RGB(HEADER_FONT)),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            data,
            wrapped,
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

    /// The format of a text cell that wraps, with this mark.
    pub fn wrapped(&self, mark: Option<Mark>) -> &Format {
        &self.wrapped[match mark {
            None => 0,
            Some(Mark::Error) => 1,
            Some(Mark::Warning) => 2,
        }]
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

/// Excel's code for A4 paper, what a team prints on outside North America.
const PAPER_A4: u8 = 9;

/// Points per line of 11-point text: Excel's default row height. A line with
/// Chinese characters takes a point more (LibreOffice's CJK fallback font).
const LINE_HEIGHT: f64 = 15.0;
const WIDE_LINE_HEIGHT: f64 = 16.0;

/// How every visible sheet prints: landscape A4, scaled to one page wide (as
/// many pages tall as it takes), `title_row` (0-based) repeated at the top of
/// each page, the sheet name and page number in the footer. Without this a
/// blank template printed as sixteen portrait pages, its columns cut in strips.
pub fn print_setup(ws: &mut Worksheet, title_row: Option<u32>) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(PAPER_A4);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&L&A&R&P / &N");
    if let Some(row) = title_row {
        ws.set_repeat_rows(row, row)?;
    }
    Ok(())
}

/// Excel's tallest row, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// How tall (points) a wrapped cell `width` characters wide must be to show
/// all of `text`: each line of the text (split at line breaks) wraps on its
/// own. Neither Excel nor LibreOffice sizes the rows of a file it opens by
/// their wrapped text, so whoever writes the row sets this height.
///
/// A Chinese character is counted 2.1 widths (about what Excel's Chinese
/// fonts take; LibreOffice's take less): a row a little too tall leaves a
/// gap, one too short hides a line.
pub fn wrapped_height(text: &str, width: f64) -> f64 {
    // Half a character of margin on each side of the cell.
    let usable = (width - 1.0).max(1.0);
    let height: f64 = text
        .split('\n')
        .map(|line| {
            let (mut widths, mut wide) = (0.0, false);
            for c in line.chars() {
                if (c as u32) >= 0x1100 {
                    widths += 2.1;
                    wide = true;
                } else {
                    widths += 1.0;
                }
            }
            let lines = (widths / usable).ceil().max(1.0);
            lines * if wide { WIDE_LINE_HEIGHT } else { LINE_HEIGHT }
        })
        .sum();
    height.min(MAX_ROW_HEIGHT)
}

/// Whether a row of this height (from [`wrapped_height`]) is taller than a
/// default row, so it needs its height set.
pub fn taller_than_default(height: f64) -> bool {
    height > LINE_HEIGHT
}

/// Roughly how many character widths a text takes in Excel: CJK and other wide
/// characters count twice.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
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
    fn wrapped_height_counts_breaks_and_wraps() {
        assert_eq!(wrapped_height("", 10.0), 15.0);
        assert_eq!(wrapped_height("short", 10.0), 15.0);
        assert_eq!(wrapped_height("a\nb\nc", 10.0), 45.0);
        // 12 CJK characters are 25.2 widths: three lines of 9, a bit taller.
        assert_eq!(wrapped_height(&"客".repeat(12), 10.0), 48.0);
        assert_eq!(wrapped_height(&"a\n".repeat(100), 10.0), 409.0);
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(display_width("客户ID"), 6);
        assert_eq!(column_width("x", "", 10, 40), 10.0);
        assert_eq!(column_width(&"客".repeat(50), "", 10, 40), 40.0);
    }
}
