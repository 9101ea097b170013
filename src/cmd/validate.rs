//! `crmsheet validate`.

use crate::template::Template;
use crate::Outcome;
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _template: &Template) -> Result<Outcome> {
    anyhow::bail!("validate is not built yet")
}
