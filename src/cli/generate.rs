//! `crmsheet generate`: writes the official template workbook (SPEC §3). The
//! workbook itself is built by [`crate::write::TemplateBook`]; this file only
//! picks the options and the output path.

use crate::lang::Lang;
use crate::messages;
use crate::template::Template;
use crate::write::output::write_atomically;
use crate::write::{BookOptions, TemplateBook, DEFAULT_ROWS, MAX_ROWS};
use crate::Outcome;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output file [default: 客户信息管理模板-v{version}.xlsx; with --lang en:
    /// customer-register-template-v{version}.xlsx]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Language of sheet names, headers, dropdown lists and texts
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,

    /// Last row that dropdowns, validation and conditional formatting cover
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ROWS)]
    pub rows: u32,

    /// Do not lock the header rows with sheet protection
    #[arg(long)]
    pub no_protect: bool,

    /// Overwrite the output file if it exists
    #[arg(long)]
    pub force: bool,
}

/// Writes the template workbook and prints one line saying what was written.
///
/// # Errors
/// `--rows` outside 2..=1048575; the output exists without `--force`; the file
/// cannot be written.
pub fn run(args: Args, template: &Template) -> Result<Outcome> {
    if !(2..=MAX_ROWS).contains(&args.rows) {
        return Err(messages::rows_out_of_range(args.rows, MAX_ROWS));
    }
    let path = args
        .output
        .unwrap_or_else(|| PathBuf::from(crate::write::template_file_name(template, args.lang)));
    let mut options = BookOptions::new(args.lang);
    options.rows = args.rows;
    options.protect = !args.no_protect;
    // Fail on a wrong name or an existing file before any work is done.
    crate::write::output::ensure_xlsx_name(&path)?;
    crate::write::output::ensure_writable(&path, args.force)?;
    let book = TemplateBook::new(template, &options)?;
    write_atomically(&path, args.force, false, |temp| book.save(temp))?;
    let mut out = super::stdout();
    writeln!(
        out,
        "{}",
        messages::generated(&path, template, args.lang, args.rows, !args.no_protect)
    )?;
    out.flush()?;
    Ok(Outcome::Clean)
}
