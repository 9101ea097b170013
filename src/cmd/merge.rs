//! `crmsheet merge`: folds checked workbooks into the master register (SPEC §7).
//! The work is done by [`crate::merge`]; this file parses the options and
//! prints the report or what the merge did.

use crate::lang::Lang;
use crate::merge::{self, MergeOutcome, Merged};
use crate::report;
use crate::rules::value::{now, parse_as_of, DateValue};
use crate::template::Template;
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
    /// "Now" for the validation: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or
    /// "YYYY-MM-DD HH:MM" [default: local now]
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
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let lang = args.lang;
    match outcome {
        MergeOutcome::Refused(report) => {
            for file in &report.files {
                if let Some(error) = &file.error {
                    let _ = writeln!(std::io::stderr(), "crmsheet: {}: {error}", file.path);
                }
            }
            report::text::write(&mut out, &report, report::text::use_color())?;
            let errors = report.summary().errors;
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "合并已取消：发现 {errors} 个错误，未写入 {}。请先修正后再合并。",
                        args.output.display()
                    ),
                    Lang::En => format!(
                        "merge refused: {errors} error(s); {} was not written. Fix them and merge again.",
                        args.output.display()
                    ),
                }
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
            write_summary(&mut out, &merged, lang)?;
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}

/// What the merge did, in `lang`.
fn write_summary(out: &mut dyn Write, m: &Merged, lang: Lang) -> std::io::Result<()> {
    let c = &m.counts;
    match lang {
        Lang::Zh => {
            writeln!(
                out,
                "已写入 {}：录入表 {} 行，更新表 {} 行，操作日志 {} 行（新增 {} 行）",
                m.out.display(),
                c.entry_rows,
                c.update_rows,
                c.log_rows_kept + c.log_rows_added,
                c.log_rows_added
            )?;
            writeln!(out, "新客户（审核通过，已分配客户ID）：{}", c.new_customers)?;
        }
        Lang::En => {
            writeln!(
                out,
                "wrote {}: entry sheet {} rows, update sheet {} rows, change log {} rows ({} new)",
                m.out.display(),
                c.entry_rows,
                c.update_rows,
                c.log_rows_kept + c.log_rows_added,
                c.log_rows_added
            )?;
            writeln!(
                out,
                "new customers (approved, ID assigned): {}",
                c.new_customers
            )?;
        }
    }
    for n in &m.new_customers {
        writeln!(
            out,
            "  {}  {}  ({})",
            n.id,
            report::text::printable(&n.name),
            report::text::printable(&n.source)
        )?;
    }
    if c.new_customers > m.new_customers.len() {
        let more = c.new_customers - m.new_customers.len();
        writeln!(
            out,
            "  {}",
            match lang {
                Lang::Zh => format!("……另有 {more} 个，见操作日志"),
                Lang::En => format!("… and {more} more, see the change log"),
            }
        )?;
    }
    let lines: [(&str, &str, usize); 8] = [
        (
            "新增待审核录入",
            "new entries pending review",
            c.new_pending,
        ),
        (
            "已在客户表中的录入（未重复添加）",
            "entries already in the register (not added again)",
            c.already_present,
        ),
        (
            "其中沿用审核结果",
            "  of which took over their review",
            c.reviews_taken_over,
        ),
        ("已应用更新", "updates applied", c.updates_applied),
        (
            "待审核更新（保留在更新表）",
            "updates carried (pending)",
            c.updates_carried,
        ),
        (
            "已应用过、跳过的更新",
            "updates skipped (already applied)",
            c.updates_skipped,
        ),
        (
            "已驳回并移除的录入",
            "entries dropped (rejected)",
            c.rejected_entries,
        ),
        (
            "已驳回并移除的更新",
            "updates dropped (rejected)",
            c.rejected_updates,
        ),
    ];
    for (zh, en, n) in lines {
        match lang {
            Lang::Zh => writeln!(out, "{zh}：{n}")?,
            Lang::En => writeln!(out, "{en}: {n}")?,
        }
        if en == "updates applied" && n > 0 {
            match lang {
                Lang::Zh => writeln!(out, "  变更字段：{}", c.field_changes)?,
                Lang::En => writeln!(out, "  field changes: {}", c.field_changes)?,
            }
        }
    }
    if c.updates_unmatched > 0 {
        match lang {
            Lang::Zh => writeln!(
                out,
                "未找到客户、保留在更新表的已通过更新：{}",
                c.updates_unmatched
            )?,
            Lang::En => writeln!(
                out,
                "approved updates whose customer was not found, kept on the update sheet: {}",
                c.updates_unmatched
            )?,
        }
    }
    Ok(())
}
