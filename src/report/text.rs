//! The text report for people: grouped by file and sheet, one line per finding,
//! then a summary line. Colour only on a terminal, and never with `NO_COLOR`.

use crate::lang::Lang;
use crate::report::{Report, Summary};
use crate::rules::{Finding, Severity};
use std::borrow::Cow;
use std::io::{self, Write};

/// `s` safe to print on a terminal: control characters (ESC, LF, CR,
/// backspace, …) and the bidirectional overrides are shown escaped (`\n`,
/// `\u{1b}`), so a cell value can neither forge report lines nor hide or
/// recolour output. JSON and CSV escape them already.
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether to colour a report written to stdout: a terminal, and `NO_COLOR`
/// unset or empty (<https://no-color.org>).
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && io::stdout().is_terminal()
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity, lang: Lang) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
        };
        self.wrap(code, severity.label(lang))
    }
}

/// Writes the text report.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write(out: &mut dyn Write, report: &Report, color: bool) -> io::Result<()> {
    let lang = report.lang;
    let paint = Paint { on: color };
    for (index, file) in report.files.iter().enumerate() {
        writeln!(out, "{}", paint.wrap("1", &printable(&file.path)))?;
        if file.seen_again > 0 {
            writeln!(out, "  {}", seen_again(file.seen_again, lang))?;
        }
        let findings: Vec<&Finding> = report.findings_for(index).collect();
        if findings.is_empty() {
            writeln!(out, "  {}", lang.pick("没有发现问题", "no problems found"))?;
            continue;
        }
        let mut sheet: Option<&str> = None;
        for f in findings {
            if f.sheet.is_some() && f.sheet.as_deref() != sheet {
                sheet = f.sheet.as_deref();
                writeln!(out, "  {}", printable(sheet.unwrap_or_default()))?;
            }
            let indent = if f.sheet.is_some() { "    " } else { "  " };
            write!(
                out,
                "{indent}{:<6} {} {}",
                f.cell.as_deref().unwrap_or("-"),
                paint.severity(f.severity, lang),
                paint.wrap("2", f.rule.as_str()),
            )?;
            if let Some(column) = &f.column {
                write!(out, " [{}]", printable(column))?;
            }
            write!(out, " {}", printable(&f.message))?;
            let mut extra = Vec::new();
            if let Some(value) = &f.value {
                extra.push(format!(
                    "{}{}",
                    lang.pick("值：", "value: "),
                    printable(value)
                ));
            }
            if let Some(hint) = &f.hint {
                extra.push(format!(
                    "{}{}",
                    lang.pick("提示：", "hint: "),
                    printable(hint)
                ));
            }
            if !extra.is_empty() {
                write!(out, " ({})", extra.join(lang.pick("；", "; ")))?;
            }
            writeln!(out)?;
        }
        for (rule, n) in &file.omitted {
            let severity = paint.severity(rule.severity(), lang);
            match lang {
                Lang::Zh => writeln!(
                    out,
                    "  ……另有 {n} 个同类问题（{severity} {rule}）未逐一列出，已计入总数"
                )?,
                Lang::En => writeln!(
                    out,
                    "  … and {n} more like this ({severity} {rule}), counted but not listed"
                )?,
            }
        }
    }
    let line = summary_line(&report.summary(), lang);
    writeln!(out, "{}", paint.wrap("1", &line))
}

/// The closing line: how many files and rows were checked, errors and warnings.
pub fn summary_line(s: &Summary, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "共检查 {} 个文件、{} 行：{} 个错误，{} 个警告。",
            s.files, s.rows, s.errors, s.warnings
        ),
        Lang::En => format!(
            "Checked {} {}, {} {}: {} {}, {} {}.",
            s.files,
            plural(s.files as u64, "file", "files"),
            s.rows,
            plural(s.rows, "row", "rows"),
            s.errors,
            plural(s.errors as u64, "error", "errors"),
            s.warnings,
            plural(s.warnings as u64, "warning", "warnings"),
        ),
    }
}

/// Said once per file instead of a duplicate warning on each such row.
fn seen_again(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{n} 行录入已在客户总表或之前的文件中（录入日期、销售人员和客户名称相同），不是重复录入，合并时不会再次添加。"
        ),
        Lang::En => format!(
            "{n} entry {} already in the register or an earlier file (same entry date, salesperson and customer name): not double entries; merge does not add them again.",
            plural(n, "row is", "rows are")
        ),
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FileReport;
    use crate::rules::{Code, Place};
    use crate::value::parse_as_of;

    fn report() -> Report {
        let place = Place {
            sheet: Some("客户信息录入表"),
            row: Some(7),
            col: Some(4),
            column: "行业类别",
            ..Place::file(0, "a.xlsx")
        };
        Report {
            schema_version: "1.0.0".into(),
            as_of: parse_as_of("2026-11-30").unwrap(),
            lang: Lang::En,
            files: vec![FileReport {
                path: "a.xlsx".into(),
                readable: true,
                format: None,
                template_version: None,
                sheets: Vec::new(),
                error: None,
                seen_again: 0,
                omitted: Vec::new(),
            }],
            findings: vec![place.finding(
                Code::InvalidEnum,
                Some("制造"),
                "not an option".into(),
                Some("制造业".into()),
            )],
        }
    }

    #[test]
    fn plain_and_coloured() {
        let mut plain = Vec::new();
        write(&mut plain, &report(), false).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(
            plain,
            "a.xlsx\n  客户信息录入表\n    E7     error invalid-enum [行业类别] not an option (value: 制造; hint: 制造业)\nChecked 1 file, 0 rows: 1 error, 0 warnings.\n"
        );
        let mut coloured = Vec::new();
        write(&mut coloured, &report(), true).unwrap();
        let coloured = String::from_utf8(coloured).unwrap();
        assert!(coloured.contains("\x1b[1;31merror\x1b[0m"), "{coloured:?}");
    }

    #[test]
    fn rows_already_in_the_register_are_said_once_per_file() {
        let mut report = report();
        report.files[0].seen_again = 1;
        report.findings.clear();
        let mut out = Vec::new();
        write(&mut out, &report, false).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("a.xlsx\n  1 entry row is already in the register or an earlier file"),
            "{out}"
        );
        assert!(out.contains("\n  no problems found\n"), "{out}");
        assert_eq!(
            seen_again(3, Lang::En).matches("3 entry rows are").count(),
            1
        );
    }

    #[test]
    fn control_characters_from_cells_are_escaped() {
        let mut r = report();
        r.findings[0].value = Some("a\x1b[2J\x08\ncheck 0 errors\u{202e}".into());
        r.findings[0].message = "x\ry".into();
        let mut plain = Vec::new();
        write(&mut plain, &r, false).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(plain.lines().count(), 4, "{plain}");
        assert!(!plain.contains('\x1b') && !plain.contains('\x08') && !plain.contains('\r'));
        assert!(
            plain.contains("x\\ry (value: a\\u{1b}[2J\\u{8}\\ncheck 0 errors\\u{202e};"),
            "{plain}"
        );
    }

    #[test]
    fn findings_left_out_are_counted_in_a_line() {
        let mut r = report();
        r.files[0].omitted = vec![(Code::InvalidEnum, 41)];
        let mut plain = Vec::new();
        write(&mut plain, &r, false).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert!(
            plain.contains(
                "  … and 41 more like this (error invalid-enum), counted but not listed\n"
            ),
            "{plain}"
        );
        assert!(
            plain.ends_with("1 file, 0 rows: 42 errors, 0 warnings.\n"),
            "{plain}"
        );
    }
}
