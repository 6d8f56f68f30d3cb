//! `megapak`: reproducible GPU Python images with Nix.
//!
//! `main` parses the command line into [`cli::Cli`], runs one command and maps the outcome to an
//! exit status: 0 success, 1 a user error (bad input, failed check), 2 an internal error.

mod cli;
mod commands;
mod exit;
mod inputs;
mod insecure_urls;
mod output;
mod plugin_trust;
mod signals;
mod terminal_text;

use clap::Parser;

/// The stack the command runs on, whatever `ulimit -s` gives the main thread: the parsers'
/// depth limits (nesting in flakes, markers, TOML) are sized for it.
const COMMAND_STACK_SIZE: usize = 64 << 20;

fn main() -> std::process::ExitCode {
    exit::install_panic_hook();
    signals::install();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return exit::clap_error(&err),
    };
    output::configure_colors(cli.color);
    let command = std::thread::Builder::new()
        .name("megapak".to_owned())
        .stack_size(COMMAND_STACK_SIZE)
        .spawn(move || commands::run(cli));
    let outcome = match command {
        // A panic exits from the hook; a join error is one only if the hook could not run.
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("megapak panicked"))),
        Err(err) => Err(anyhow::Error::new(err).context("Cannot start megapak's worker thread")),
    };
    exit::report(outcome)
}
