//! One module per command.

mod completions;
mod init;
mod pak_overlap;
mod plugins;
mod status;
mod verify;

pub(crate) use plugins::PluginsArgs;
pub(crate) use verify::VerifyArgs;

use crate::cli::{Cli, Command};
use crate::exit::Outcome;

pub(crate) fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Plugins(args) => plugins::run(&args),
        Command::Verify(args) => verify::run(&args),
    }
}
