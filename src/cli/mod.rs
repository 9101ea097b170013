//! The command line: one module per subcommand, each with its `Args` and
//! `run` (after xsv), on the library's public API only. The desk
//! ([`crate::serve`]) is the other front end on the same API.

mod args;
pub mod generate;
pub mod merge;
pub mod review;
pub mod rules;
pub mod schema;
pub mod serve;
pub mod validate;

use crate::template::Template;
use crate::Outcome;
use anyhow::Result;
pub use args::{Cli, Command};

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
        Command::Schema(args) => {
            let definition = schema::definition(cli.schema.as_deref(), args.lang)?;
            schema::run(args, &definition)
        }
        Command::Rules(args) => rules::run(args),
        Command::Serve(args) => serve::run(args, template()?),
    }
}

/// Standard output for a command's report. A closed pipe (`… | head -1`)
/// silences it instead of failing the run: the command ends with the exit code
/// it would have had, and says nothing about the pipe (as ripgrep does). Any
/// other write error (a full disk) still fails.
pub struct Stdout {
    inner: std::io::StdoutLock<'static>,
    closed: bool,
}

/// The locked standard output, quiet once its reader has gone.
pub fn stdout() -> Stdout {
    Stdout {
        inner: std::io::stdout().lock(),
        closed: false,
    }
}

impl Stdout {
    fn quiet(&mut self, result: std::io::Result<usize>, len: usize) -> std::io::Result<usize> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(len)
            }
            other => other,
        }
    }
}

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.quiet(result, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush().map(|()| 0);
        self.quiet(result, 0).map(|_| ())
    }
}
