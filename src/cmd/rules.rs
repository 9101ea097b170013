//! `crmsheet rules`.

use crate::Outcome;
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<Outcome> {
    anyhow::bail!("rules is not built yet")
}
