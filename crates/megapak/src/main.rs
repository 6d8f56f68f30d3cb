//! `megapak`: reproducible GPU Python images with Nix.
//!
//! `main` parses the command line into [`cli::Cli`], runs one command and maps the outcome to an
//! exit status: 0 success, 1 a user error (bad input, failed check), 2 an internal error.

mod cli;
mod commands;
mod exit;
mod output;

use clap::Parser;

fn main() -> std::process::ExitCode {
    exit::install_panic_hook();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return exit::clap_error(&err),
    };
    output::configure_colors(cli.color);
    exit::report(commands::run(cli))
}
