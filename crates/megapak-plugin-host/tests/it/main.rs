//! The host against real shared libraries: the C and Rust fixture plugins, the first-party
//! plugins, and every fault it must survive.

mod discovery;
mod faults;
mod loading;

use std::path::PathBuf;

use megapak_plugin_fixtures::PluginDir;
use megapak_plugin_host::{HostOptions, Origin, Plugins, SearchPath};

/// Loads every plugin of `dirs`, in order, as if named in `[plugins] paths`.
fn load(dirs: &[&PluginDir], required: &[&str]) -> Plugins {
    let folders: Vec<PathBuf> = dirs.iter().map(|dir| dir.path().to_path_buf()).collect();
    let mut search = SearchPath::default();
    for folder in folders {
        search.push(folder, Origin::Config);
    }
    Plugins::load(&HostOptions {
        search,
        required: required.iter().map(|name| (*name).to_owned()).collect(),
    })
}

/// Replaces each folder's temporary path with `[DIR<n>]` so snapshots are the same everywhere.
fn redact(text: &str, dirs: &[&PluginDir]) -> String {
    dirs.iter()
        .enumerate()
        .fold(text.to_owned(), |text, (n, dir)| {
            text.replace(&dir.path().display().to_string(), &format!("[DIR{n}]"))
        })
}

/// Every refusal's message, one per line, each followed by its hint line if any.
fn refusals(plugins: &Plugins, dirs: &[&PluginDir]) -> String {
    let lines: Vec<String> = plugins
        .refused
        .iter()
        .map(|refusal| redact(&with_hint(refusal), dirs))
        .collect();
    lines.join("\n")
}

/// An error's message, and its `hint:` line as megapak prints it.
fn with_hint(error: &(impl std::fmt::Display + megapak_types::Hint)) -> String {
    match error.hint() {
        Some(hint) => format!("{error}\nhint: {hint}"),
        None => error.to_string(),
    }
}
