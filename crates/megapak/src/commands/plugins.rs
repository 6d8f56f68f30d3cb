//! `megapak plugins`: the resolver plugins megapak finds, and why any plugin file was refused.

use std::fmt::Write as _;
use std::path::PathBuf;

use anstream::eprintln;

use clap::Args;
use megapak_config::{CONFIG_FILE_NAME, Config, DEFAULT_RESOLVER_ORDER};
use megapak_plugin_host::{
    HostOptions, Plugins, Refusal, SearchPath, folder_list, plugin_file_name,
};
use serde_json::json;

use crate::exit::{HINT_STYLE, Outcome, WARNING_STYLE};
use crate::output::write_stdout;

#[derive(Debug, Args)]
pub(crate) struct PluginsArgs {
    /// The workspace's configuration file, for `[plugins] paths` and `required`. Default:
    /// `megapak.toml` in the current folder, if there is one.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Print a JSON array with one object per plugin file (`name`, `version`, `abi`, `path`,
    /// `status`, and `reason` for a refused file) instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: &PluginsArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_ref())?;
    let plugins = load(config.as_ref());
    let text = if args.json {
        render_json(&plugins)
    } else {
        render_table(&plugins)
    };
    write_stdout(&text)?;
    if let Some(config) = &config {
        warn_about_ordered_resolvers_not_found(config, &plugins);
    }
    // After the listing, so that the user sees what was found even when the run cannot go on.
    plugins.ensure_usable()?;
    Ok(Outcome::Success)
}

/// The resolvers `[resolvers] order` names, but for which no plugin file exists anywhere on the
/// search path (a refused file has had its own warning): one warning, and a hint for each kind.
fn warn_about_ordered_resolvers_not_found(config: &Config, plugins: &Plugins) {
    let missing = plugins.not_found(&config.resolvers.order);
    if missing.is_empty() {
        return;
    }
    let names: Vec<String> = missing.iter().map(|name| format!("`{name}`")).collect();
    eprintln!(
        "{WARNING_STYLE}warning{WARNING_STYLE:#}: `[resolvers] order` in `{}` names {}, but no plugin file for {} was found in {}",
        config.path.display(),
        names.join(", "),
        if missing.len() == 1 { "it" } else { "them" },
        folder_list(plugins.searched())
    );
    let (first_party, others): (Vec<&str>, Vec<&str>) = missing
        .iter()
        .partition(|name| DEFAULT_RESOLVER_ORDER.contains(name));
    if !first_party.is_empty() {
        eprintln!(
            "{HINT_STYLE}hint{HINT_STYLE:#}: the first-party plugins are built beside megapak by `cargo build --release` of megapak's workspace (`-p megapak` alone does not build them)"
        );
    }
    if let Some(name) = others.first() {
        eprintln!(
            "{HINT_STYLE}hint{HINT_STYLE:#}: put each plugin file (`{}` for `{name}`) in one of those folders, or name its folder in `[plugins] paths` or `MEGAPAK_PLUGIN_PATH`",
            plugin_file_name(name)
        );
    }
}

/// The configuration named by `--config`, else `megapak.toml` in the current folder if any.
fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Option<Config>> {
    let path = match path {
        Some(path) => path.clone(),
        None => {
            let path = PathBuf::from(CONFIG_FILE_NAME);
            if !path.is_file() {
                return Ok(None);
            }
            path
        }
    };
    Ok(Some(Config::load(&path)?))
}

/// Loads every plugin on the standard search path, warning on stderr about unusable folders and
/// about each plugin file skipped. Whether the run can go on is [`Plugins::ensure_usable`].
pub(crate) fn load(config: Option<&Config>) -> Plugins {
    let (folders, required) = config.map_or_else(Default::default, |config| {
        (
            config.plugins.paths.clone(),
            config.plugins.required.clone(),
        )
    });
    let plugins = Plugins::load(&HostOptions {
        search: SearchPath::standard(&folders),
        required,
    });
    for warning in &plugins.warnings {
        eprintln!("{WARNING_STYLE}warning{WARNING_STYLE:#}: {warning}");
    }
    for refusal in plugins.refused.iter().filter(|r| !plugins.is_fatal(r)) {
        let (reason, hints) = split_hints(&refusal.reason.to_string());
        eprintln!(
            "{WARNING_STYLE}warning{WARNING_STYLE:#}: Skipped plugin `{}` (`{}`), which {reason}",
            refusal.name,
            refusal.path.display()
        );
        for hint in hints {
            eprintln!("{HINT_STYLE}hint{HINT_STYLE:#}: {hint}");
        }
    }
    plugins
}

/// A reason's message and its `hint:` lines, apart.
fn split_hints(text: &str) -> (String, Vec<String>) {
    let mut message = Vec::new();
    let mut hints = Vec::new();
    for line in text.lines() {
        match line.strip_prefix("hint: ") {
            Some(hint) => hints.push(hint.to_owned()),
            None => message.push(line),
        }
    }
    (message.join("\n"), hints)
}

fn render_json(plugins: &Plugins) -> String {
    let loaded = plugins.loaded.iter().map(|plugin| {
        let description = plugin.description();
        json!({
            "name": plugin.name(),
            "version": description.version,
            "abi": plugin.abi().to_string(),
            "path": plugin.path(),
            "status": "loaded",
            "origin": plugin.origin(),
            "capabilities": description.capabilities,
            "summary": description.summary,
        })
    });
    let refused = plugins
        .refused
        .iter()
        .map(|refusal| refused_json(plugins, refusal));
    let entries: Vec<_> = loaded.chain(refused).collect();
    let mut text = serde_json::to_string_pretty(&entries).unwrap_or_default();
    text.push('\n');
    text
}

fn refused_json(plugins: &Plugins, refusal: &Refusal) -> serde_json::Value {
    let (reason, hints) = split_hints(&refusal.reason.to_string());
    json!({
        "name": refusal.name,
        "version": null,
        "abi": refusal.abi.map(|abi| abi.to_string()),
        "path": refusal.path,
        "status": "refused",
        "origin": refusal.origin,
        "reason": reason,
        "hints": hints,
        "fatal": plugins.is_fatal(refusal),
    })
}

fn render_table(plugins: &Plugins) -> String {
    if plugins.loaded.is_empty() && plugins.refused.is_empty() {
        return format!(
            "No resolver plugins found in {}\n",
            folder_list(plugins.searched())
        );
    }
    let mut rows = vec![[
        "NAME".to_owned(),
        "VERSION".to_owned(),
        "ABI".to_owned(),
        "STATUS".to_owned(),
        "PATH".to_owned(),
    ]];
    for plugin in &plugins.loaded {
        rows.push([
            plugin.name().to_owned(),
            plugin.description().version.clone(),
            plugin.abi().to_string(),
            "loaded".to_owned(),
            plugin.path().display().to_string(),
        ]);
    }
    for refusal in &plugins.refused {
        rows.push([
            refusal.name.clone(),
            "-".to_owned(),
            refusal
                .abi
                .map_or_else(|| "-".to_owned(), |abi| abi.to_string()),
            "refused".to_owned(),
            refusal.path.display().to_string(),
        ]);
    }
    let mut widths = [0; 4];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in &rows {
        for (width, cell) in widths.iter().zip(row) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        let _ = writeln!(text, "{}", row[4]);
    }
    if !plugins.refused.is_empty() {
        text.push_str("\nRefused:\n");
        for refusal in &plugins.refused {
            let (reason, hints) = split_hints(&refusal.reason.to_string());
            let _ = writeln!(text, "  {}: {reason}", refusal.name);
            for hint in hints {
                let _ = writeln!(text, "    hint: {hint}");
            }
        }
    }
    text
}
