//! `crmsheet review`: the register's review queue, and approving or rejecting
//! its pending rows (DESK.md §4). The work is done by [`crate::review`], which
//! the desk shares; this file parses the options and prints.

use crate::lang::Lang;
use crate::review::{self, DecideOutcome, Decision, PendingRow, Queue, RowRef};
use crate::template::Template;
use crate::value::{now, parse_as_of, DateValue};
use crate::Outcome;
use anyhow::{bail, Result};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The register (a workbook written by merge)
    #[arg(long, value_name = "PATH")]
    pub register: PathBuf,
    /// List the pending rows with their findings (what happens without
    /// --approve or --reject)
    #[arg(long, conflicts_with_all = ["approve", "reject"])]
    pub list: bool,
    /// Approve these rows: entry:N, update:N, or a pending entry's customer ID
    #[arg(long, value_name = "ROW", num_args = 1.., value_parser = parse_row)]
    pub approve: Vec<RowRef>,
    /// Reject these rows (removed from the register; needs --reason)
    #[arg(long, value_name = "ROW", num_args = 1.., value_parser = parse_row, requires = "reason")]
    pub reject: Vec<RowRef>,
    /// Why the rows are rejected (written to the change log)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Who decides, written as reviewer [default: $CRMSHEET_REVIEWER]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Language of the messages
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// "Now": the review date and the validation's as-of: YYYY-MM-DD,
    /// YYYY-MM-DDTHH:MM[:SS] or "YYYY-MM-DD HH:MM" [default: local now]
    #[arg(long, value_name = "DATE|DATETIME", value_parser = parse_as_of)]
    pub as_of: Option<DateValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn parse_row(text: &str) -> Result<RowRef, String> {
    text.parse()
}

/// Lists the queue, or makes the decisions and prints what changed.
///
/// # Errors
/// Bad input (no reviewer, an empty reason), an unreadable register, a failed
/// write; writing to stdout failed.
pub fn run(args: Args, template: &Template) -> Result<Outcome> {
    let as_of = args.as_of.unwrap_or_else(now);
    let lang = args.lang;
    if args.approve.is_empty() && args.reject.is_empty() {
        let queue = review::pending(template, &args.register, as_of, lang)?;
        return list(&args, template, &queue);
    }
    if args.reason.is_some() && args.reject.is_empty() {
        bail!(
            "{}",
            lang.pick(
                "--reason 只与 --reject 一起使用",
                "--reason goes with --reject"
            )
        );
    }
    let reviewer = args
        .reviewer
        .clone()
        .or_else(|| std::env::var("CRMSHEET_REVIEWER").ok())
        .unwrap_or_default();
    let reason = args.reason.clone().unwrap_or_default();
    let decisions: Vec<Decision> = args
        .approve
        .iter()
        .map(|r| Decision::approve(r.clone()))
        .chain(
            args.reject
                .iter()
                .map(|r| Decision::reject(r.clone(), &reason)),
        )
        .collect();
    let mut options = review::Options::new(&reviewer, as_of, lang);
    // "Since it was read": from the moment this command started.
    options.since = Some(crate::write::output::file_state(&args.register));
    let outcome = review::decide(template, &args.register, &decisions, &options)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let exit = outcome.exit();
    match (&outcome, args.format) {
        (DecideOutcome::Decided(done), Format::Text) => {
            for change in &done.changes {
                writeln!(out, "{}", change.text)?;
            }
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "已写入 {}（原文件保留为 {}）",
                        args.register.display(),
                        done.backup.display()
                    ),
                    Lang::En => format!(
                        "wrote {} (the previous file is kept as {})",
                        args.register.display(),
                        done.backup.display()
                    ),
                }
            )?;
        }
        (DecideOutcome::Decided(done), Format::Json) => {
            let doc = json!({
                "crmsheet": env!("CARGO_PKG_VERSION"),
                "register": args.register.display().to_string(),
                "backup": done.backup.display().to_string(),
                "changes": done.changes,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        (DecideOutcome::RowsRefused(refused), Format::Text) => {
            for r in refused {
                eprintln!("crmsheet: {}", r.message);
            }
            eprintln!("crmsheet: {}", nothing_written(&args, lang));
        }
        (DecideOutcome::Findings(report), Format::Text) => {
            crate::report::text::write(&mut out, report, crate::report::text::use_color())?;
            eprintln!("crmsheet: {}", nothing_written(&args, lang));
        }
        (DecideOutcome::Findings(report), Format::Json) => {
            crate::report::json::write(&mut out, report)?;
        }
        (DecideOutcome::RowsRefused(refused), Format::Json) => {
            let doc = json!({
                "crmsheet": env!("CARGO_PKG_VERSION"),
                "register": args.register.display().to_string(),
                "refused": refused,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        (DecideOutcome::Busy(message), _) => bail!("{message}"),
    }
    out.flush()?;
    Ok(exit)
}

fn nothing_written(args: &Args, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("未做任何决定，{} 未改动", args.register.display()),
        Lang::En => format!(
            "no decision was made; {} is unchanged",
            args.register.display()
        ),
    }
}

fn list(args: &Args, template: &Template, queue: &Queue) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let lang = args.lang;
    match args.format {
        Format::Json => {
            let doc = json!({
                "crmsheet": env!("CARGO_PKG_VERSION"),
                "register": args.register.display().to_string(),
                "as_of": queue.report.as_of.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "pending": queue.rows.iter().map(row_json).collect::<Vec<_>>(),
                "register_errors": queue.register_errors,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Text => {
            let overdue = queue.rows.iter().filter(|r| r.overdue).count();
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Zh => format!(
                        "{}：{} 行待审核（{} 行已超时）",
                        args.register.display(),
                        queue.rows.len(),
                        overdue
                    ),
                    Lang::En => format!(
                        "{}: {} pending row(s) ({} overdue)",
                        args.register.display(),
                        queue.rows.len(),
                        overdue
                    ),
                }
            )?;
            for row in &queue.rows {
                write_row(&mut out, template, row, lang)?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn row_json(row: &PendingRow) -> serde_json::Value {
    let values: serde_json::Map<String, serde_json::Value> = row
        .values
        .iter()
        .map(|(key, _, value)| (key.clone(), json!(value)))
        .collect();
    json!({
        "row": row.key.to_string(),
        "kind": row.key.kind.as_str(),
        "sheet": row.sheet,
        "date": row.date,
        "salesperson": row.salesperson,
        "customer_id": row.customer_id,
        "customer_name": row.customer_name,
        "age_days": row.age_days,
        "overdue": row.overdue,
        "can_approve": row.can_approve(),
        "blocked": row.blocked,
        "values": values,
        "findings": row.findings,
        "fingerprint": row.fingerprint,
    })
}

/// `entry:12  2026-11-28  张伟  明远机械  (3 days, overdue)`, its values, its
/// findings, and why it cannot be approved.
fn write_row(
    out: &mut dyn Write,
    template: &Template,
    row: &PendingRow,
    lang: Lang,
) -> std::io::Result<()> {
    let mut head = format!("{}  {}  {}", row.key, row.date, row.salesperson);
    for part in [&row.customer_id, &row.customer_name] {
        if !part.is_empty() {
            head.push_str("  ");
            head.push_str(part);
        }
    }
    if let Some(days) = row.age_days {
        let age = match (lang, row.overdue) {
            (Lang::Zh, true) => format!("（{days} 天，已超时）"),
            (Lang::Zh, false) => format!("（{days} 天）"),
            (Lang::En, true) => format!("  ({days} days, overdue)"),
            (Lang::En, false) => format!("  ({days} days)"),
        };
        head.push_str(&age);
    }
    writeln!(out, "{head}")?;
    // The rest of the row; what the first line shows is not repeated.
    let def = template.sheet(row.key.kind);
    let date = def.fields.get(def.date_field).map(|f| f.key.as_str());
    let shown = [
        "salesperson",
        "customer_id",
        "customer_name",
        "review_status",
    ];
    let values: Vec<String> = row
        .values
        .iter()
        .filter(|(key, _, _)| Some(key.as_str()) != date && !shown.contains(&key.as_str()))
        .map(|(_, header, value)| format!("{header}: {value}"))
        .collect();
    writeln!(out, "    {}", values.join(" · "))?;
    for f in &row.findings {
        let cell = f.cell.as_deref().unwrap_or("");
        writeln!(
            out,
            "    {cell} {} {}: {}",
            f.severity.label(lang),
            f.rule.as_str(),
            f.message
        )?;
    }
    if !row.can_approve() {
        let label = lang.pick("不能通过", "cannot be approved");
        for why in &row.blocked {
            writeln!(out, "    {label}: {why}")?;
        }
    }
    Ok(())
}
