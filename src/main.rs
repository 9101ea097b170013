//! Parses the arguments, runs the command, maps the result to an exit code.

use clap::Parser;
use crmsheet::cli::Cli;
use crmsheet::messages::error_line;
use crmsheet::Outcome;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Outcome::Failed as u8
            } else {
                0
            });
        }
    };
    let lang = cli.lang();
    match crmsheet::cli::run(cli) {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(e) => {
            // A closed stderr must not turn into a panic.
            let _ = writeln!(std::io::stderr(), "crmsheet: {}", error_line(&e, lang));
            ExitCode::from(Outcome::Failed as u8)
        }
    }
}
