//! One module per subcommand, each with its `Args` and `run` (after xsv).

pub mod generate;
pub mod merge;
pub mod review;
pub mod rules;
pub mod schema;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::template::Template;
use crate::Outcome;
use anyhow::Result;

/// Runs the parsed command line.
///
/// # Errors
/// Anything that stops the command as a whole; main prints it on one line and
/// exits with 2.
pub fn run(cli: Cli) -> Result<Outcome> {
    let template = || Template::resolve(cli.schema.as_deref());
    match cli.command {
        Command::Generate(args) => generate::run(args, &template()?),
        Command::Validate(args) => validate::run(args, &template()?),
        Command::Merge(args) => merge::run(args, &template()?),
        Command::Review(args) => review::run(args, &template()?),
        Command::Schema(args) => schema::run(args, &template()?),
        Command::Rules(args) => rules::run(args),
    }
}
