//! `crmsheet merge`: folds checked workbooks into the master register (SPEC §7).
//! The work is done by [`crate::merge`]; this file parses the options and
//! prints the report or what the merge did.

use crate::lang::Lang;
use crate::merge::{self, MergeOutcome};
use crate::messages;
use crate::report;
use crate::template::Template;
use crate::value::{now, parse_as_of, DateValue};
use crate::Outcome;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Checked workbooks to fold in, in this order
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The current register (a template workbook); without it a new one is started
    #[arg(long, value_name = "PATH")]
    pub master: Option<PathBuf>,
    /// The new register to write (may be the master itself, with --force)
    #[arg(short, long = "output", value_name = "OUT")]
    pub output: PathBuf,
    /// "Now" for the validation: a date as cells take it (2026-11-30,
    /// 2026/11/30, 2026.11.30, 2026年11月30日), optionally with HH:MM[:SS]
    /// after a space or T [default: local now]
    #[arg(long, value_name = "DATE|DATETIME", value_parser = parse_as_of)]
    pub as_of: Option<DateValue>,
    /// Replace an existing OUT (the old file is kept as OUT.bak)
    #[arg(long)]
    pub force: bool,
    /// Language of the messages, and of a new register (a master keeps its own)
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

/// Merges, then prints what was done; on validation errors prints the report
/// instead and writes nothing.
///
/// # Errors
/// OUT exists without `--force`, is an input, or cannot be written; writing to
/// stdout failed.
pub fn run(args: Args, template: &Template) -> Result<Outcome> {
    let options = merge::Options {
        master: args.master.as_deref(),
        inputs: &args.inputs,
        out: &args.output,
        force: args.force,
        as_of: args.as_of.unwrap_or_else(now),
        lang: args.lang,
    };
    let outcome = merge::merge(template, &options)?;
    let mut out = super::stdout();
    let lang = args.lang;
    match outcome {
        MergeOutcome::Refused(report) => {
            for file in &report.files {
                if let Some(error) = &file.error {
                    messages::print_unreadable(&file.path, error, lang);
                }
            }
            report::text::write(&mut out, &report, report::text::use_color())?;
            let errors = report.summary().errors;
            writeln!(
                out,
                "{}",
                messages::merge_refused(errors, &args.output, lang)
            )?;
            out.flush()?;
            Ok(report.outcome(false))
        }
        MergeOutcome::Merged(merged) => {
            if let Some(note) = &merged.lock_note {
                let _ = writeln!(std::io::stderr(), "crmsheet: {note}");
            }
            if !merged.report.findings.is_empty() {
                report::text::write(&mut out, &merged.report, report::text::use_color())?;
                writeln!(out)?;
            }
            for line in messages::merge_done(&merged, lang) {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}
