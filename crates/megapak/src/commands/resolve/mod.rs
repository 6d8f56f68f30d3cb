//! `megapak resolve`: the package set completed by the resolver plugins, solved, and written to
//! `megapak.lock` (atomically), with the Nix files emitted from it beside it (`nix/`, see
//! `megapak_nix::emit`).
//!
//! The lock is reused as it is, with no resolver asked anything, when nothing it depends on
//! changed (see [`inputs`]); `--upgrade` solves again, `--locked` fails instead of changing the
//! lock (for CI), `--offline` has the resolvers answer from their caches and names what would
//! need the network.

mod inputs;
mod missing;
mod progress;
mod summary;

use std::path::Path;

use anstream::eprintln;
use anyhow::Context;
use megapak_config::Config;
use megapak_lock::Lock;
use megapak_plugin_host::Plugins;
use megapak_requirements::pep440_rs::{Operator, VersionSpecifier, VersionSpecifiers};
use megapak_solve::{
    PluginProvider, Provider, RequestContext, SolveError, SolveInput, plugin_settings,
    plugin_settings_locations, solve,
};
use megapak_types::PackageName;
use megapak_workspace::{LOCK_FILE_NAME, Need, Paks, Request, Workspace};

use super::hinted;
use super::plugins::load_checked;
use crate::cli::{ResolveArgs, ResolveFormat};
use crate::exit::{HINT_STYLE, Outcome, WARNING_STYLE};
use crate::output::{write_file_atomically, write_stdout};
use progress::Progress;
use summary::Freshness;

pub(crate) fn run(args: &ResolveArgs) -> anyhow::Result<Outcome> {
    let workspace = Workspace::load(&Request {
        config: args.config.clone(),
        need: Need::Required,
        paks: Paks::Configured,
    })
    .map_err(hinted)?;
    for note in &workspace.read_within {
        eprintln!("{HINT_STYLE}note{HINT_STYLE:#}: {note}");
    }
    let config = workspace
        .config
        .as_ref()
        .expect("a configuration is required above");
    let plugins = load_checked(Some(config), |_| Ok(()))?;
    let lock_path = workspace.root.join(LOCK_FILE_NAME);
    let input_hash = inputs::input_hash(&workspace, config, &plugins)?;
    let previous = read_previous(&lock_path)?;

    let up_to_date = previous
        .as_ref()
        .is_some_and(|lock| lock.input_hash == input_hash);
    if up_to_date && args.upgrade.is_none() {
        let lock = previous.expect("checked above");
        // Nix files deleted or edited since are written again; unchanged ones are left alone.
        super::emit::emit_nix(&lock, &workspace.root)?.write()?;
        print(&lock, &lock_path, Freshness::UpToDate, args.format)?;
        return Ok(Outcome::Success);
    }
    if args.locked {
        let why = match &previous {
            None => "there is none".to_owned(),
            Some(_) if args.upgrade.is_some() => "`--upgrade` was asked for".to_owned(),
            Some(_) => {
                "`megapak.toml`, a pak file or a resolver changed since it was written".to_owned()
            }
        };
        anyhow::bail!(
            "`{}` would change, and `--locked` forbids that: {why}\nhint: run `megapak resolve` and commit the new lock",
            lock_path.display()
        );
    }

    let providers = providers(config, &plugins, &workspace, args.offline);
    let progress = Progress::new();
    let watched: Vec<_> = providers
        .iter()
        .map(|provider| progress.watch(provider))
        .collect();
    let asked: Vec<&dyn Provider> = watched.iter().map(|w| w as &dyn Provider).collect();
    let mut input = SolveInput::new(&workspace.packages, config).map_err(hinted)?;
    let kept = keep_locked_versions(&mut input, previous.as_ref(), args.upgrade.as_deref());
    let mut result = solve(&input, &asked);
    if kept && matches!(result, Err(SolveError::NoSolution { .. })) {
        // The packages not upgraded were held at their locked versions; the upgrade needs
        // some of them to move too.
        eprintln!(
            "{HINT_STYLE}note{HINT_STYLE:#}: the upgrade needs other packages to move too: solving the whole set again"
        );
        input = SolveInput::new(&workspace.packages, config).map_err(hinted)?;
        result = solve(&input, &asked);
    }
    progress.finish();
    let resolution = match result {
        Ok(resolution) => resolution,
        Err(error) => {
            let (missing, offline) = match &error {
                SolveError::NoSolution { .. } => (missing::missing(&input, &asked), Vec::new()),
                SolveError::Offline { .. } => {
                    (Vec::new(), missing::needing_network(&input, &asked))
                }
                _ => (Vec::new(), Vec::new()),
            };
            if args.format == ResolveFormat::Json
                && let Some(json) = summary::json_of_failure(&error, &missing, &offline)
            {
                write_stdout(&json)?;
            }
            if !offline.is_empty() {
                eprintln!(
                    "{HINT_STYLE}note{HINT_STYLE:#}: {} of the {} packages the pak files ask for need the network:",
                    offline.len(),
                    input.requirements.len()
                );
                for package in &offline {
                    eprintln!("  `{}` ({})", package.name, package.said().join("; "));
                }
            }
            if !missing.is_empty() {
                eprintln!(
                    "{HINT_STYLE}note{HINT_STYLE:#}: {} of the {} packages the pak files ask for no resolver has:",
                    missing.len(),
                    input.requirements.len()
                );
                for package in &missing {
                    eprintln!("  `{}` ({})", package.name, package.said().join("; "));
                }
            }
            return Err(hinted(error).context(format!(
                "Cannot resolve the pak files of `{}`; `{}` is left as it was",
                config.path.display(),
                LOCK_FILE_NAME
            )));
        }
    };
    let unknown: Vec<String> = resolution
        .packages
        .iter()
        .filter(|package| package.dependencies_unknown.is_some())
        .map(|package| format!("`{}` {}", package.name, package.version))
        .collect();
    if !unknown.is_empty() {
        eprintln!(
            "{WARNING_STYLE}warning{WARNING_STYLE:#}: No resolver knows the dependencies of {}: locked with none (the lock's notes say why)",
            unknown.join(", ")
        );
        eprintln!(
            "{HINT_STYLE}hint{HINT_STYLE:#}: name what they need in a pak file if their build or import fails"
        );
    }
    for (name, reason) in &resolution.skipped {
        eprintln!(
            "{HINT_STYLE}note{HINT_STYLE:#}: `{name}` is left out by an `[[override]] skip`{}",
            reason
                .as_ref()
                .map(|reason| format!(": {reason}"))
                .unwrap_or_default()
        );
    }
    let resolvers = providers
        .iter()
        .map(|provider| provider.name().to_owned())
        .collect();
    let lock = resolution
        .into_lock(&config.target, &workspace.root, input_hash, resolvers)
        .map_err(hinted)?;
    // Emitted in memory first: a lock that cannot become Nix (a missing hash) writes nothing.
    let nix = super::emit::emit_nix(&lock, &workspace.root)?;
    // The binary's writer, whose temporary file a SIGINT or SIGTERM removes: an interrupted
    // run leaves the previous lock and nothing else.
    write_file_atomically(&lock_path, lock.to_toml().as_bytes())
        .with_context(|| format!("Cannot write `{}`", lock_path.display()))?;
    nix.write()?;
    print(&lock, &lock_path, Freshness::Written, args.format)?;
    Ok(Outcome::Success)
}

/// The lock already there, if any; one that cannot be read is an error naming its line (a
/// hand edit gone wrong, or a lock of a newer megapak).
fn read_previous(path: &Path) -> anyhow::Result<Option<Lock>> {
    if !path.exists() {
        return Ok(None);
    }
    Lock::read(path)
        .map(Some)
        .map_err(hinted)
        .context("Cannot reuse the lock; delete it to resolve from scratch")
}

/// The loaded plugins of `[resolvers] order`, in that order, each asked with the workspace's
/// target, folder, index options and its own settings. A resolver with no plugin is skipped
/// with a warning (`[plugins] required` makes it an error before this).
fn providers<'p>(
    config: &Config,
    plugins: &'p Plugins,
    workspace: &Workspace,
    offline: bool,
) -> Vec<PluginProvider<'p>> {
    let mut context = RequestContext::new(config, &workspace.packages.index, offline);
    context.workspace = workspace.root.display().to_string();
    config
        .resolvers
        .order
        .iter()
        .filter_map(|name| {
            let Some(plugin) = plugins.get(name) else {
                eprintln!(
                    "{WARNING_STYLE}warning{WARNING_STYLE:#}: Resolver `{name}` of `[resolvers] order` has no plugin: it is not asked"
                );
                return None;
            };
            Some(
                PluginProvider::new(
                    plugin,
                    context.clone(),
                    plugin_settings(config, plugin.name()),
                )
                .with_settings_locations(plugin_settings_locations(config, plugin.name())),
            )
        })
        .collect()
}

/// With `--upgrade NAME...` and a lock: every locked package not named keeps its version
/// (a constraint, which brings nothing in). Returns whether any was kept.
fn keep_locked_versions(
    input: &mut SolveInput,
    previous: Option<&Lock>,
    upgrade: Option<&[String]>,
) -> bool {
    let (Some(lock), Some(names)) = (previous, upgrade) else {
        return false;
    };
    if names.is_empty() {
        return false;
    }
    let upgraded: Vec<PackageName> = names
        .iter()
        .filter_map(|name| PackageName::new(name).ok())
        .collect();
    let mut kept = false;
    for package in &lock.packages {
        if upgraded.contains(&package.name) || input.constraints.contains_key(&package.name) {
            continue;
        }
        let Ok(version) = package.version.parse() else {
            continue;
        };
        let Ok(pin) = VersionSpecifier::from_version(Operator::Equal, version) else {
            continue;
        };
        input.constraints.insert(
            package.name.clone(),
            (VersionSpecifiers::from_iter([pin]), Vec::new()),
        );
        kept = true;
    }
    kept
}

fn print(
    lock: &Lock,
    path: &Path,
    freshness: Freshness,
    format: ResolveFormat,
) -> anyhow::Result<()> {
    let text = match format {
        ResolveFormat::Table => summary::table(lock, path, freshness),
        ResolveFormat::Json => summary::json(lock, path, freshness),
    };
    write_stdout(&text)?;
    Ok(())
}
