//! Where `megapak.toml` comes from: one rule for every command, so that no command finds its
//! configuration in a way of its own.

use std::path::{Path, PathBuf};

use megapak_config::{CONFIG_FILE_NAME, Config};

use crate::error::WorkspaceError;

/// Whether a command can run without a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Without `megapak.toml` the command stops with [`WorkspaceError::NoConfig`].
    Required,
    /// A configuration is read when there is one; without one the command goes on.
    Optional,
}

/// Finds and reads the configuration: `explicit` (`--config FILE`), else `megapak.toml` in the
/// current folder, else none, which is an error when the command [`Need::Required`] one.
///
/// For a command that reads no pak files (`megapak plugins`); the others ask
/// [`Workspace::load`](crate::Workspace::load), which follows the same rule.
pub fn find_config(explicit: Option<&Path>, need: Need) -> Result<Option<Config>, WorkspaceError> {
    find(explicit, need, false)
}

/// [`find_config`]; `takes_paks` says whether the command accepts `--paks`, so that the error
/// for a missing configuration names every way out.
pub(crate) fn find(
    explicit: Option<&Path>,
    need: Need,
    takes_paks: bool,
) -> Result<Option<Config>, WorkspaceError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let path = PathBuf::from(CONFIG_FILE_NAME);
            if !path.is_file() {
                return match need {
                    Need::Required => Err(WorkspaceError::NoConfig { takes_paks }),
                    Need::Optional => Ok(None),
                };
            }
            path
        }
    };
    Ok(Some(Config::load(&path)?))
}

/// The lock's file name; it lives beside `megapak.toml`.
pub const LOCK_FILE_NAME: &str = "megapak.lock";

/// Where the lock of the workspace `config` describes is, named the way the configuration is
/// (`ws/megapak.lock` for `ws/megapak.toml`, `megapak.lock` for `megapak.toml`): the one place
/// every command finds it.
pub fn lock_path(config: &Config) -> PathBuf {
    config.path.parent().map_or_else(
        || LOCK_FILE_NAME.into(),
        |folder| folder.join(LOCK_FILE_NAME),
    )
}
