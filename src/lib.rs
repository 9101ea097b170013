//! crmsheet: generate, validate and merge the customer-register workbooks of a
//! sales team.
//!
//! The data flows one way: a template definition ([`template`]) drives the
//! generated workbook ([`write`]); filled files are read ([`read`]) into rows keyed
//! by field, checked by [`rules`] into findings, and reported ([`report`]) or
//! merged into the master register ([`merge`]). [`check`] is the one call the
//! CLI and the desk make to validate files (paths or uploads in memory) and
//! annotate copies of them.
//!
//! Two front ends stand on this library and on nothing of each other: the
//! command line ([`cli`], one module per subcommand) and the desk in the
//! browser ([`serve`]).

pub mod changelog;
pub mod check;
pub mod cli;
pub mod lang;
pub mod merge;
pub mod messages;
pub mod privacy;
pub mod progress;
pub mod read;
pub mod report;
pub mod review;
pub mod rules;
pub mod serve;
pub mod template;
pub mod text;
pub mod value;
pub mod write;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: done, nothing that fails.
    Clean = 0,
    /// 1: findings that fail the check (or merge refused because of them).
    Findings = 1,
    /// 2: usage error or an input that could not be read.
    Failed = 2,
}
