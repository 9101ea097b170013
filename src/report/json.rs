//! The JSON report, exactly as SPEC §6 shows it, for scripts and CI.

use crate::report::Report;
use crate::rules::Finding;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    crmsheet: &'static str,
    schema_version: &'a str,
    as_of: String,
    files: Vec<JsonFile<'a>>,
    findings: &'a [Finding],
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    readable: bool,
    template_version: Option<&'a str>,
    sheets: Vec<JsonSheet<'a>>,
    /// Entry rows already in the register or an earlier file; only when any.
    #[serde(skip_serializing_if = "is_zero")]
    already_in_register: u64,
    /// Findings per rule counted but not listed (past the first
    /// [`crate::rules::KEPT_PER_RULE`] of a rule in this file); only when any.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    omitted: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct JsonSheet<'a> {
    sheet: &'a str,
    kind: &'static str,
    header_row: u32,
    rows: u64,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    rows: u64,
    errors: usize,
    warnings: usize,
    by_rule: serde_json::Map<String, serde_json::Value>,
    /// Findings counted in `errors`, `warnings` and `by_rule` but not listed.
    #[serde(skip_serializing_if = "is_zero")]
    omitted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn document(report: &Report) -> JsonReport<'_> {
    let summary = report.summary();
    JsonReport {
        crmsheet: env!("CARGO_PKG_VERSION"),
        schema_version: &report.schema_version,
        as_of: report.as_of.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        files: report
            .files
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                readable: f.readable,
                template_version: f.template_version.as_deref(),
                sheets: f
                    .sheets
                    .iter()
                    .map(|s| JsonSheet {
                        sheet: &s.name,
                        kind: s.kind.as_str(),
                        header_row: s.header_row,
                        rows: s.rows,
                    })
                    .collect(),
                already_in_register: f.seen_again,
                omitted: f
                    .omitted
                    .iter()
                    .map(|(code, n)| (code.as_str().to_string(), (*n).into()))
                    .collect(),
            })
            .collect(),
        findings: &report.findings,
        summary: JsonSummary {
            files: summary.files,
            rows: summary.rows,
            errors: summary.errors,
            warnings: summary.warnings,
            by_rule: summary
                .by_rule
                .iter()
                .map(|(code, n)| (code.as_str().to_string(), (*n).into()))
                .collect(),
            omitted: summary.omitted,
        },
    }
}

/// Writes the JSON report.
///
/// # Errors
/// Whatever writing to `out` fails with (a closed pipe, a full disk).
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report)).map_err(io::Error::from)?;
    writeln!(out)
}
