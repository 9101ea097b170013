//! The CSV report: one row per finding, the columns of a JSON finding. Cells are
//! defused so the report cannot run formulas when opened in a spreadsheet.

use crate::report::Report;
use crate::rules::Finding;
use std::borrow::Cow;
use std::io::{self, Write};

/// The columns, in the order of a JSON finding.
pub const HEADER: [&str; 11] = [
    "file", "sheet", "cell", "row", "field", "column", "rule", "severity", "value", "message",
    "hint",
];

/// A cell that a spreadsheet could take for a formula (`=`, `+`, `-`, `@`, tab or
/// carriage return first) gets a leading `'`, which shows as text.
///
/// ```
/// assert_eq!(crmsheet::report::csv::defuse("=1+1"), "'=1+1");
/// assert_eq!(crmsheet::report::csv::defuse("C001"), "C001");
/// ```
pub fn defuse(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn record(f: &Finding) -> [String; 11] {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    [
        f.file.clone(),
        opt(&f.sheet),
        opt(&f.cell),
        f.row.map(|r| r.to_string()).unwrap_or_default(),
        opt(&f.field),
        opt(&f.column),
        f.rule.as_str().to_string(),
        f.severity.as_str().to_string(),
        opt(&f.value),
        f.message.clone(),
        opt(&f.hint),
    ]
}

/// Writes the CSV report (UTF-8, no BOM, a header row even without findings).
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for finding in &report.findings {
        let cells = record(finding);
        writer.write_record(cells.iter().map(|c| defuse(c).into_owned()))?;
    }
    writer.flush()
}

/// The CSV report for Excel (`--format csv-excel`): UTF-8 with a byte-order
/// mark, without which Excel on Chinese Windows reads the file as GBK and shows
/// every Chinese character garbled.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write_for_excel(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    write(out, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_formula_starts() {
        for cell in ["=A1", "+1", "-x", "-1", "@SUM", "\tx", "\rx"] {
            assert!(defuse(cell).starts_with('\''), "{cell:?}");
        }
        for cell in ["", "a=1", "'x", "客户"] {
            assert_eq!(defuse(cell), cell);
        }
    }
}
