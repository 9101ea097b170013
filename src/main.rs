//! Parses the arguments, runs the command, maps the result to an exit code.

use clap::Parser;
use crmsheet::cli::Cli;
use crmsheet::{cmd, Outcome};
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
    match cmd::run(cli) {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crmsheet: {e:#}");
            ExitCode::from(Outcome::Failed as u8)
        }
    }
}

/// `crmsheet validate … | head` closes the pipe early; that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
