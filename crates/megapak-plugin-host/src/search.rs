//! Where plugins are looked for, and which files count as plugins.
//!
//! The folders, in order: those named in `megapak.toml` (`[plugins] paths`), those in
//! `MEGAPAK_PLUGIN_PATH` (separated by `:`), and the folder of the running megapak binary. The
//! current folder is never searched unless one of those names it. In each folder, every file named
//! `libmegapak_plugin_<name>.so` is one plugin.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The environment variable naming extra plugin folders, separated by `:`.
pub const PLUGIN_PATH_ENV: &str = "MEGAPAK_PLUGIN_PATH";

const NAME_PREFIX: &str = "megapak_plugin_";

/// Where a folder on the search path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// `[plugins] paths` in `megapak.toml`.
    Config,
    /// `MEGAPAK_PLUGIN_PATH`.
    Environment,
    /// The folder of the running megapak binary.
    BesideExecutable,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Config => "`[plugins] paths`",
            Self::Environment => "`MEGAPAK_PLUGIN_PATH`",
            Self::BesideExecutable => "beside megapak",
        })
    }
}

/// One folder to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The folder.
    pub path: PathBuf,
    /// Why it is searched.
    pub origin: Origin,
}

/// The folders to search, in order; a plugin name found twice is an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPath {
    folders: Vec<Folder>,
}

impl SearchPath {
    /// The standard search path: `config_folders`, then `MEGAPAK_PLUGIN_PATH`, then the folder
    /// of the running executable.
    pub fn standard(config_folders: &[PathBuf]) -> Self {
        let env = std::env::var_os(PLUGIN_PATH_ENV);
        let exe = std::env::current_exe().ok();
        Self::from_parts(config_folders, env.as_deref(), exe.as_deref())
    }

    /// [`SearchPath::standard`] with its inputs given, for tests and embedders.
    pub fn from_parts(
        config_folders: &[PathBuf],
        plugin_path_env: Option<&OsStr>,
        executable: Option<&Path>,
    ) -> Self {
        let mut search = Self::default();
        for folder in config_folders {
            search.push(folder.clone(), Origin::Config);
        }
        for folder in plugin_path_env
            .map(std::env::split_paths)
            .into_iter()
            .flatten()
        {
            // An empty entry (`a::b`) would mean the current folder to a shell; never here.
            if !folder.as_os_str().is_empty() {
                search.push(folder, Origin::Environment);
            }
        }
        if let Some(folder) = executable.and_then(Path::parent) {
            search.push(folder.to_path_buf(), Origin::BesideExecutable);
        }
        search
    }

    /// Adds a folder at the end.
    pub fn push(&mut self, path: PathBuf, origin: Origin) {
        self.folders.push(Folder { path, origin });
    }

    /// The folders, in search order.
    pub fn folders(&self) -> &[Folder] {
        &self.folders
    }
}

/// The file name of the plugin `name`: `libmegapak_plugin_<name>.so` on Linux, with `-` written
/// as `_` as Cargo does.
pub fn plugin_file_name(name: &str) -> String {
    format!(
        "{}{NAME_PREFIX}{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

/// The plugin name a file name gives (`_` read as `-`), or `None` if it is not a plugin file.
pub fn plugin_name(file_name: &str) -> Option<String> {
    let name = file_name
        .strip_prefix(std::env::consts::DLL_PREFIX)?
        .strip_prefix(NAME_PREFIX)?
        .strip_suffix(std::env::consts::DLL_SUFFIX)?;
    (!name.is_empty()).then(|| normalize_name(name))
}

/// Plugin names compare with `_` and `-` as equal and case ignored.
pub fn normalize_name(name: &str) -> String {
    name.replace('_', "-").to_ascii_lowercase()
}

/// A file that looks like a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) origin: Origin,
}

/// A folder on the search path that could not be searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Plugin folder `{}` from {origin} {problem}", folder.display())]
pub struct SearchWarning {
    /// The folder.
    pub folder: PathBuf,
    /// Where it came from.
    pub origin: Origin,
    /// What is wrong with it.
    pub problem: String,
    /// What to do about it, when there is an obvious next step.
    pub hint: Option<String>,
}

impl megapak_types::Hint for SearchWarning {
    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}

/// The file name a misnamed plugin file was probably meant to have: a shared library whose
/// name says `megapak` and `plugin` (in any case, with `-` or `_`) but is not
/// `libmegapak_plugin_<name>.so`, such as `megapak_plugin_wheels.so` or
/// `libmegapak-plugin-wheels.so`.
fn meant_plugin_file_name(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(std::env::consts::DLL_SUFFIX)?;
    let folded = stem.to_ascii_lowercase().replace('-', "_");
    let at = folded.find("megapak_plugin")?;
    let name = folded[at + "megapak_plugin".len()..].trim_start_matches('_');
    (!name.is_empty()).then(|| plugin_file_name(name))
}

/// Lists the plugin files of every folder, in search order (by file name within a folder). A
/// file reached twice through two folders counts once.
pub(crate) fn discover(search: &SearchPath) -> (Vec<Found>, Vec<SearchWarning>) {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    for folder in &search.folders {
        // Plain `std::fs`: the warning below names the folder itself.
        let entries = match std::fs::read_dir(&folder.path) {
            Ok(entries) => entries,
            Err(err) => {
                // The executable's own folder always exists; a missing one from the environment
                // or the configuration is worth a word, since the user named it.
                let problem = if err.kind() == std::io::ErrorKind::NotFound {
                    "does not exist".to_owned()
                } else {
                    format!("could not be read: {err}")
                };
                warnings.push(SearchWarning {
                    folder: folder.path.clone(),
                    origin: folder.origin,
                    problem,
                    hint: None,
                });
                continue;
            }
        };
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        let mut misnamed: Vec<(String, String)> = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            match plugin_name(&file_name) {
                Some(name) => files.push((name, entry.path())),
                None => {
                    if let Some(meant) = meant_plugin_file_name(&file_name) {
                        misnamed.push((file_name, meant));
                    }
                }
            }
        }
        misnamed.sort();
        for (file_name, meant) in misnamed {
            warnings.push(SearchWarning {
                folder: folder.path.clone(),
                origin: folder.origin,
                problem: format!(
                    "holds `{file_name}`, which is not loaded: plugin files are named `libmegapak_plugin_<name>.so`"
                ),
                hint: Some(format!("rename it to `{meant}`")),
            });
        }
        files.sort_by(|a, b| a.1.cmp(&b.1));
        for (name, path) in files {
            let identity = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(identity) {
                found.push(Found {
                    name,
                    path,
                    origin: folder.origin,
                });
            }
        }
    }
    (found, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_plugin_names_match_cargo() {
        assert_eq!(
            plugin_file_name("custom-wheel"),
            "libmegapak_plugin_custom_wheel.so"
        );
        assert_eq!(
            plugin_name("libmegapak_plugin_custom_wheel.so").as_deref(),
            Some("custom-wheel")
        );
        assert_eq!(plugin_name("libmegapak_plugin_.so"), None);
        assert_eq!(plugin_name("libmegapak_plugin_abi.rlib"), None);
        assert_eq!(plugin_name("libother.so"), None);
    }

    #[test]
    fn a_file_named_almost_like_a_plugin_gets_its_meant_name() {
        for (given, meant) in [
            (
                "megapak_plugin_wheels.so",
                Some("libmegapak_plugin_wheels.so"),
            ),
            (
                "libmegapak-plugin-internal-wheels.so",
                Some("libmegapak_plugin_internal_wheels.so"),
            ),
            ("libMegapak_Plugin_X.so", Some("libmegapak_plugin_x.so")),
            ("libmegapak_plugin_.so", None),
            ("libmegapak_plugin_abi.rlib", None),
            ("libother.so", None),
        ] {
            assert_eq!(meant_plugin_file_name(given).as_deref(), meant, "{given}");
        }
    }

    #[test]
    fn the_search_path_is_config_then_environment_then_executable() {
        let search = SearchPath::from_parts(
            &[PathBuf::from("/work/plugins")],
            Some(OsStr::new("/a::/b")),
            Some(Path::new("/opt/megapak/bin/megapak")),
        );
        let folders: Vec<_> = search
            .folders()
            .iter()
            .map(|folder| format!("{} {:?}", folder.path.display(), folder.origin))
            .collect();
        assert_eq!(
            folders,
            [
                "/work/plugins Config",
                "/a Environment",
                "/b Environment",
                "/opt/megapak/bin BesideExecutable"
            ]
        );
    }
}
