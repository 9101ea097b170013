//! Reports: text, JSON, CSV and the annotated workbook.
//!
//! The report model ([`Report`]: every file and every finding of a run) lives
//! here with its writers. Every report is written from a [`Report`] to a
//! `Write` the caller locks; write errors (a closed pipe) propagate instead of
//! panicking.

pub mod annotate;
pub mod csv;
pub mod json;
pub mod text;

use crate::lang::Lang;
use crate::read::{Format, ReadError, SheetSummary};
use crate::rules::{Code, Finding, Severity};
use crate::value::DateValue;
use crate::Outcome;

/// A file of the run, as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    pub readable: bool,
    /// `None` when unreadable.
    pub format: Option<Format>,
    /// The stamped template version (`None` for CSV, a workbook without stamp, or
    /// an unreadable file).
    pub template_version: Option<String>,
    /// Data sheets found, entry first.
    pub sheets: Vec<SheetSummary>,
    /// Why the file could not be read.
    pub error: Option<ReadError>,
    /// Entry rows that are a row already in the register or earlier in the
    /// run (SPEC §7's same row, [`crate::rules::identity::same_entry_ids`]): not
    /// duplicates, and not added again by merge.
    pub seen_again: u64,
    /// Per rule, the findings past the first [`crate::rules::KEPT_PER_RULE`] of this file:
    /// counted in the totals, not listed.
    pub omitted: Vec<(Code, u64)>,
}

/// The outcome of a run: every file and every finding, in report order.
#[derive(Debug, Clone)]
pub struct Report {
    pub schema_version: String,
    pub as_of: DateValue,
    pub lang: Lang,
    /// Master first, then argument order; a finding's `file_index` points here.
    pub files: Vec<FileReport>,
    /// Ordered by file, sheet (entry, update), row and column; file- and
    /// sheet-level findings first.
    pub findings: Vec<Finding>,
}

/// Totals for the report's summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    /// Data rows read, over all files and sheets.
    pub rows: u64,
    pub errors: usize,
    pub warnings: usize,
    /// Findings per rule, in registry order, rules without findings left out.
    pub by_rule: Vec<(Code, usize)>,
    /// Findings counted above but not listed (past [`crate::rules::KEPT_PER_RULE`] per rule
    /// and file).
    pub omitted: u64,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut by_rule: Vec<(Code, usize)> = Code::ALL.iter().map(|&c| (c, 0)).collect();
        let (mut errors, mut warnings) = (0, 0);
        for f in &self.findings {
            match f.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            if let Some(slot) = by_rule.iter_mut().find(|(c, _)| *c == f.rule) {
                slot.1 += 1;
            }
        }
        let mut omitted = 0;
        for (rule, n) in self.files.iter().flat_map(|f| &f.omitted) {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            omitted += n as u64;
            match rule.severity() {
                Severity::Error => errors += n,
                Severity::Warning => warnings += n,
            }
            if let Some(slot) = by_rule.iter_mut().find(|(c, _)| c == rule) {
                slot.1 += n;
            }
        }
        by_rule.retain(|(_, n)| *n > 0);
        Summary {
            files: self.files.len(),
            rows: self
                .files
                .iter()
                .flat_map(|f| &f.sheets)
                .map(|s| s.rows)
                .sum(),
            errors,
            warnings,
            by_rule,
            omitted,
        }
    }

    /// The findings of one file (its index in [`Report::files`]).
    pub fn findings_for(&self, file_index: usize) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.file_index == file_index)
    }

    /// Exit status: 2 when an input could not be read, 1 when a finding fails
    /// (errors; warnings too when `strict`), else 0.
    pub fn outcome(&self, strict: bool) -> Outcome {
        if self.files.iter().any(|f| !f.readable) {
            return Outcome::Failed;
        }
        let fails = self
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error || strict);
        if fails {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}
