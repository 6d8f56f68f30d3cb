//! What a lock depends on, hashed: when nothing of it changed, `megapak resolve` reuses the lock
//! and asks no plugin anything.

use std::path::{Path, PathBuf};

use anyhow::Context;
use megapak_plugin_host::Plugins;
use megapak_workspace::{Config, Workspace};

/// The SRI hash of everything a resolution depends on: this megapak's version, `megapak.toml`,
/// every pak file read (includes too, by their path relative to the workspace), the resolver
/// order, and the name and version of every plugin asked.
pub(crate) fn input_hash(
    workspace: &Workspace,
    config: &Config,
    plugins: &Plugins,
) -> anyhow::Result<String> {
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("megapak".to_owned(), env!("CARGO_PKG_VERSION").into()),
        (
            "megapak.toml".to_owned(),
            fs_err::read(&config.path).context("Cannot hash the workspace's inputs")?,
        ),
        (
            "resolvers".to_owned(),
            config.resolvers.order.join(",").into(),
        ),
    ];
    for plugin in asked(config, plugins) {
        inputs.push((format!("plugin {}", plugin.0), plugin.1.into_bytes()));
    }
    for path in pak_files(workspace) {
        let bytes = fs_err::read(&path).context("Cannot hash the workspace's inputs")?;
        inputs.push((format!("pak {}", relative(&workspace.root, &path)), bytes));
    }
    let borrowed: Vec<(&str, &[u8])> = inputs
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    Ok(megapak_lock::input_hash(&borrowed))
}

/// `(name, version)` of each plugin of `[resolvers] order` that loaded, in that order.
fn asked(config: &Config, plugins: &Plugins) -> Vec<(String, String)> {
    config
        .resolvers
        .order
        .iter()
        .filter_map(|name| plugins.get(name))
        .map(|plugin| {
            (
                plugin.name().to_owned(),
                plugin.description().version.clone(),
            )
        })
        .collect()
}

/// Every pak file read and every file it includes, each once, in reading order.
fn pak_files(workspace: &Workspace) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    for file in &workspace.files {
        let included = file.includes.iter().map(|include| include.path.clone());
        for path in std::iter::once(file.path.clone()).chain(included) {
            let identity = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(identity) {
                files.push(path);
            }
        }
    }
    files
}

/// `path` relative to the workspace folder when it is inside it, with `/` separators, so that
/// the hash and the lock are the same on every machine.
fn relative(root: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or(absolute);
    shown
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
