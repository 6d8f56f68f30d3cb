//! `megapak plugins`: the resolver plugins megapak finds, and why any plugin file was refused.

use std::fmt::Write as _;

use anstream::eprintln;
use megapak_config::{Config, DEFAULT_RESOLVER_ORDER};
use megapak_plugin_host::{
    HostOptions, Plugins, Refusal, SearchPath, folder_list, plugin_file_name,
};
use megapak_types::Hint;
use megapak_workspace::{Need, find_config};
use serde_json::json;

use super::hinted;
use crate::cli::{PluginsArgs, PluginsCommand};
use crate::exit::{HINT_STYLE, Outcome, WARNING_STYLE};
use crate::output::write_stdout;
use crate::plugin_trust::warn_about_plugins_writable_by_everyone;
use crate::terminal_text;

pub(crate) fn run(args: &PluginsArgs) -> anyhow::Result<Outcome> {
    if let Some(PluginsCommand::Call(call)) = &args.command {
        return super::plugin_call::run(args.config.clone(), call);
    }
    let config = find_config(args.config.as_deref(), Need::Optional).map_err(hinted)?;
    // The listing comes before the check, so that the user sees what was found even when the
    // run cannot go on.
    load_checked(config.as_ref(), |plugins| {
        let text = if args.json {
            render_json(plugins)
        } else {
            render_table(plugins)
        };
        write_stdout(&text)?;
        if let Some(config) = &config {
            warn_about_ordered_resolvers_not_found(config, plugins);
        }
        Ok(())
    })?;
    Ok(Outcome::Success)
}

/// The one way a command gets its plugins: loads every plugin on the standard search path
/// (with the configuration's `[plugins] paths`), warns on stderr about unusable folders and
/// skipped files, lets `show` see them, then stops unless every `[plugins] required` plugin
/// loaded and no two plugins share a name.
pub(crate) fn load_checked(
    config: Option<&Config>,
    show: impl FnOnce(&Plugins) -> anyhow::Result<()>,
) -> anyhow::Result<Plugins> {
    let plugins = load(config);
    show(&plugins)?;
    plugins.ensure_usable().map_err(hinted)?;
    Ok(plugins)
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

/// Loads every plugin on the standard search path, warning on stderr about unusable folders and
/// about each plugin file skipped. Whether the run can go on is [`Plugins::ensure_usable`].
fn load(config: Option<&Config>) -> Plugins {
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
    terminal_text::warnings(&plugins.warnings, |warning| warning.hint());
    warn_about_plugins_writable_by_everyone(plugins.searched());
    for refusal in plugins.refused.iter().filter(|r| !plugins.is_fatal(r)) {
        let (reason, hints) = reason_and_hints(refusal);
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

/// Why a file was refused, and what to do about it.
fn reason_and_hints(refusal: &Refusal) -> (String, Vec<String>) {
    (
        refusal.reason.to_string(),
        refusal.hint().into_iter().collect(),
    )
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
    let (reason, hints) = reason_and_hints(refusal);
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
            let (reason, hints) = reason_and_hints(refusal);
            let _ = writeln!(text, "  {}: {reason}", refusal.name);
            for hint in hints {
                let _ = writeln!(text, "    hint: {hint}");
            }
        }
    }
    text
}
