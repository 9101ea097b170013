//! `crmsheet rules`: the rule registry as a table, generated from
//! [`crate::rules::Code`] so the list never drifts from what validate does.

use crate::lang::Lang;
use crate::rules::Code;
use crate::Outcome;
use anyhow::Result;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Language of the descriptions
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// `text` (aligned columns) or `markdown` (the README's table)
    #[arg(long, value_enum, default_value_t = TableFormat::Text)]
    pub format: TableFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Text,
    Markdown,
}

/// Prints the table to stdout.
///
/// # Errors
/// Writing to stdout failed (a closed pipe is not an error: see [`super::stdout`]).
pub fn run(args: Args) -> Result<Outcome> {
    let mut out = super::stdout();
    write_table(&mut out, args.lang, args.format)?;
    out.flush()?;
    Ok(Outcome::Clean)
}

/// Writes the registry table.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write_table(out: &mut dyn Write, lang: Lang, format: TableFormat) -> std::io::Result<()> {
    let heads = match lang {
        Lang::Zh => ["规则", "级别", "类别", "说明"],
        Lang::En => ["rule", "severity", "family", "description"],
    };
    match format {
        TableFormat::Markdown => {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                heads[0], heads[1], heads[2], heads[3]
            )?;
            writeln!(out, "|---|---|---|---|")?;
            for code in Code::ALL {
                writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    code.as_str(),
                    code.severity().label(lang),
                    code.family().label(lang),
                    code.description(lang).replace('|', "\\|")
                )?;
            }
        }
        TableFormat::Text => {
            let width = Code::ALL
                .iter()
                .map(|c| c.as_str().len())
                .max()
                .unwrap_or(0);
            writeln!(
                out,
                "{}  {}  {}  {}",
                pad(heads[0], width),
                pad(heads[1], 8),
                pad(heads[2], 10),
                heads[3]
            )?;
            for code in Code::ALL {
                writeln!(
                    out,
                    "{}  {}  {}  {}",
                    pad(code.as_str(), width),
                    pad(code.severity().label(lang), 8),
                    pad(code.family().label(lang), 10),
                    code.description(lang)
                )?;
            }
        }
    }
    Ok(())
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(text: &str, width: usize) -> String {
    let shown: usize = text
        .chars()
        .map(|c| if c >= '\u{1100}' { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}
