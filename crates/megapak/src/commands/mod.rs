//! One module per command.

mod build;
mod completions;
mod emit;
mod init;
mod nixpkgs_index;
mod plugin_call;
mod plugin_request;
mod plugins;
mod resolve;
mod status;
mod sync;
mod verify;

use megapak_types::Hint;

use crate::cli::{Cli, Command};
use crate::exit::{Hinted, Outcome};

pub(crate) fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Plugins(args) => plugins::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Sync(args) => sync::run(&args),
        Command::Emit(args) => emit::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Build(args) => build::run(&args),
        Command::NixpkgsIndex(args) => nixpkgs_index::run(&args),
    }
}

/// A library error with its [`Hint`], shown as a `hint:` line after the message and its causes.
pub(crate) fn hinted<E>(error: E) -> anyhow::Error
where
    E: std::error::Error + Hint + Send + Sync + 'static,
{
    let hint = error.hint();
    Hinted::wrap(error, hint)
}
