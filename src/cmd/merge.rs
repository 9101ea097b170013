//! `crmsheet merge`.

use crate::template::Template;
use crate::Outcome;
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _template: &Template) -> Result<Outcome> {
    anyhow::bail!("merge is not built yet")
}
