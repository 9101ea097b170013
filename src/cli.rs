//! Command-line definitions. Each subcommand's arguments live with its code in
//! [`crate::cmd`]; this file only puts them together.

use crate::cmd;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Generate, validate and merge a sales team's customer-register workbooks.
#[derive(Debug, Parser)]
#[command(name = "crmsheet", version, about, max_term_width = 100)]
pub struct Cli {
    /// Template definition to use [default: $CRMSHEET_SCHEMA, else ./crmsheet.toml,
    /// else the built-in customer register]
    #[arg(long, global = true, value_name = "PATH")]
    pub schema: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the official template workbook
    Generate(cmd::generate::Args),
    /// Check filled workbooks and report every problem at its cell
    Validate(cmd::validate::Args),
    /// Fold checked workbooks into the master register
    Merge(cmd::merge::Args),
    /// List the register's pending rows, or approve or reject them
    Review(cmd::review::Args),
    /// Print the template definition (TOML, or Frictionless Table Schema)
    Schema(cmd::schema::Args),
    /// List the rules validate applies, with their codes and severities
    Rules(cmd::rules::Args),
}
