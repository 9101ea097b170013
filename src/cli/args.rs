//! Command-line definitions. Each subcommand's arguments live with its code in
//! its own module of [`crate::cli`]; this file only puts them together.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// clap writes help in English only; a Chinese user still gets the gist, and
/// learns that every other line follows `--lang` (zh by default).
const ZH_HELP: &str = "\
中文说明：本帮助只有英文；除此之外，crmsheet 的消息、报告和工作簿默认都是中文（--lang en 为英文）。
  crmsheet generate            生成官方模板工作簿
  crmsheet validate 文件...    检查填好的工作簿，逐个单元格报告问题
  crmsheet merge 文件... -o 客户总表.xlsx [--master 客户总表.xlsx]
                               把检查过的工作簿合并进客户总表
  crmsheet schema              输出模板定义（可另存为 crmsheet.toml 后修改）
  crmsheet rules               列出检查规则（中文说明）
详见 README.md。";

/// Generate, validate and merge a sales team's customer-register workbooks.
#[derive(Debug, Parser)]
#[command(name = "crmsheet", version, about, max_term_width = 100, after_help = ZH_HELP)]
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
    Generate(super::generate::Args),
    /// Check filled workbooks and report every problem at its cell
    Validate(super::validate::Args),
    /// Fold checked workbooks into the master register
    Merge(super::merge::Args),
    /// List the register's pending rows, or approve or reject them
    Review(super::review::Args),
    /// Print the template definition (TOML, or Frictionless Table Schema)
    Schema(super::schema::Args),
    /// List the rules validate applies, with their codes and severities
    Rules(super::rules::Args),
    /// Run the team's desk in a browser: self-check of workbooks, on this machine
    Serve(super::serve::Args),
}

impl Cli {
    /// The language the run speaks in: its command's `--lang`.
    pub fn lang(&self) -> crate::lang::Lang {
        match &self.command {
            Command::Generate(a) => a.lang,
            Command::Validate(a) => a.lang,
            Command::Merge(a) => a.lang,
            Command::Schema(a) => a.lang,
            Command::Rules(a) => a.lang,
            Command::Serve(a) => a.lang,
            Command::Review(a) => a.lang,
        }
    }
}
