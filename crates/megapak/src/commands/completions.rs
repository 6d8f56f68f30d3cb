//! `megapak completions SHELL`.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Outcome;

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "megapak", &mut script);
    crate::output::write_stdout(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Success)
}
