//! `crmsheet validate`: checks filled workbooks against the template and reports
//! every problem at its cell. The engine runs through [`crate::check`], as it
//! does for the desk; this file only parses the options, runs it and writes the
//! report.

use crate::check;
use crate::lang::Lang;
use crate::messages;
use crate::progress::Progress;
use crate::read::{ReadError, Source};
use crate::report::{self, annotate};

use crate::report::Report;
use crate::rules::Options;
use crate::template::Template;
use crate::value::{now, parse_as_of, DateValue};
use crate::Outcome;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Filled workbooks or CSV files (xlsx, xlsm, xls, xlsb, ods, csv)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// "Now" for future dates, overdue reviews and stale customers: a date as
    /// cells take it (2026-11-30, 2026/11/30, 2026.11.30, 2026年11月30日),
    /// optionally with HH:MM[:SS] after a space or T [default: local now]
    #[arg(long, value_name = "DATE|DATETIME", value_parser = parse_as_of)]
    pub as_of: Option<DateValue>,
    /// Report format (csv-excel: CSV that Excel opens ungarbled, UTF-8 with a BOM)
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub strict: bool,
    /// The master register, checked together with the files (and first)
    #[arg(long, value_name = "PATH")]
    pub master: Option<PathBuf>,
    /// Language of the messages
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Also write a copy of FILE in the current template with every problem
    /// cell filled red or amber, a note on it, and a report sheet first
    #[arg(long, value_name = "OUT.xlsx")]
    pub annotate: Option<PathBuf>,
    /// Overwrite the --annotate file if it exists
    #[arg(long, requires = "annotate")]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    /// CSV for scripts: UTF-8 without BOM.
    Csv,
    /// CSV for Excel: UTF-8 with a BOM, so Excel on Chinese Windows does not
    /// take it for GBK.
    CsvExcel,
}

/// Validates the files (master first) and writes the report to stdout; each
/// unreadable file also gets one line on stderr.
///
/// # Errors
/// Writing the report failed (a closed pipe is not an error: see [`super::stdout`]).
pub fn run(args: Args, template: &Template) -> Result<Outcome> {
    let options = Options {
        as_of: args.as_of.unwrap_or_else(now),
        lang: args.lang,
    };
    let annotation = match &args.annotate {
        Some(out) => {
            let [file] = args.files.as_slice() else {
                return Err(messages::annotate_one_file());
            };
            let mut inputs = vec![file.as_path()];
            inputs.extend(args.master.as_deref());
            annotate::check_output(out, &inputs, args.force)?;
            let sources: Vec<Source> = args.master.iter().chain([file]).map(Source::path).collect();
            // The file is last, after the master.
            let copy = sources.len() - 1;
            let run = check::validate_for_copies(template, options, &sources, &[copy]);
            print_unreadable(&sources, &run.checked.unreadable, options.lang);
            Some((run, copy, out))
        }
        None => None,
    };
    let plain;
    let report = match &annotation {
        Some((run, _, _)) => &run.checked.report,
        None => {
            plain = validate_paths(template, options, args.master.iter().chain(&args.files));
            &plain
        }
    };
    let mut out = super::stdout();
    match args.format {
        ReportFormat::Text => report::text::write(&mut out, report, report::text::use_color())?,
        ReportFormat::Json => report::json::write(&mut out, report)?,
        ReportFormat::Csv => report::csv::write(&mut out, report)?,
        ReportFormat::CsvExcel => report::csv::write_for_excel(&mut out, report)?,
    }
    out.flush()?;
    if let Some((run, copy, path)) = &annotation {
        if let Some(written) = run.copy_to_file(template, *copy, path, args.force, args.lang)? {
            // On stderr, so that a JSON or CSV report on stdout stays clean.
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                messages::annotated(&written, path, args.lang)
            );
        }
    }
    let outcome = report.outcome(args.strict);
    let summary = report.summary();
    if outcome == Outcome::Findings && summary.errors == 0 {
        // Only --strict fails a report without errors: say that it did.
        let _ = writeln!(
            std::io::stderr(),
            "crmsheet: {}",
            messages::strict_failed(summary.warnings, args.lang)
        );
    }
    Ok(outcome)
}

/// Checks the files in order, printing `crmsheet: PATH: cause` on stderr for
/// each one that cannot be read, and returns the report. Files are read and
/// checked in parallel where there are cores for it (with the findings of
/// checking them one by one); a long run shows a progress line on stderr when
/// it is a terminal.
pub fn validate_paths<'p>(
    template: &Template,
    options: Options,
    paths: impl IntoIterator<Item = &'p PathBuf>,
) -> Report {
    let sources: Vec<Source> = paths.into_iter().map(Source::path).collect();
    let progress = Progress::on_stderr(sources.len(), options.lang);
    let checked = check::validate(template, options, &sources, Some(progress));
    print_unreadable(&sources, &checked.unreadable, options.lang);
    checked.report
}

/// `crmsheet: PATH: cause` on stderr for each file that could not be read.
fn print_unreadable(sources: &[Source], unreadable: &[(usize, ReadError)], lang: Lang) {
    for (index, error) in unreadable {
        let name = sources.get(*index).map_or("", Source::name);
        messages::print_unreadable(&name, error, lang);
    }
}
