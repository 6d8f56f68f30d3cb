//! What can stop a command from getting its workspace, each with its next step as a
//! [`Hint`].

use std::path::PathBuf;

use megapak_config::{CONFIG_FILE_NAME, ConfigError, InvalidTarget};
use megapak_requirements::{MergeError, RequirementsError};
use megapak_solve::SolveError;
use megapak_types::Hint;

/// Finding, reading or merging a workspace's inputs failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceError {
    /// The command needs a configuration, and none was named or found.
    #[error(
        "No `{CONFIG_FILE_NAME}` in the current folder{}",
        if *takes_paks { ", and no pak files given" } else { "" }
    )]
    NoConfig {
        /// Whether the command accepts `--paks` instead.
        takes_paks: bool,
    },
    /// `megapak.toml` cannot be read or is not valid.
    #[error(transparent)]
    Config(#[from] Box<ConfigError>),
    /// `[target]` gives no marker environment.
    #[error(transparent)]
    Target(#[from] InvalidTarget),
    /// The command reads pak files, and the configuration names none.
    #[error("`{}` names no pak files", config.display())]
    NoPaks {
        /// The configuration file.
        config: PathBuf,
    },
    /// A pak file the configuration names cannot be read.
    #[error("Cannot read the pak file `{}` named at `{}:{line}`", path.display(), config.display())]
    ReadConfiguredPak {
        /// The pak file, resolved against the configuration's folder.
        path: PathBuf,
        /// The configuration file.
        config: PathBuf,
        /// The line of the configuration that names it.
        line: usize,
        /// Why.
        #[source]
        source: Box<RequirementsError>,
    },
    /// A pak file named on the command line cannot be read.
    #[error(transparent)]
    ReadPak(Box<RequirementsError>),
    /// The pak files cannot be merged.
    #[error("{error}")]
    Merge {
        /// Why.
        error: Box<MergeError>,
        /// Whether markers were judged for the configuration's `[target]`.
        for_target: bool,
    },
    /// No version satisfies the pak files' entries of a package, as the solver judges it (the
    /// one version judge: `megapak resolve` cannot disagree).
    #[error(transparent)]
    Contradiction(Box<SolveError>),
}

impl From<ConfigError> for WorkspaceError {
    fn from(error: ConfigError) -> Self {
        Self::Config(Box::new(error))
    }
}

impl Hint for WorkspaceError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoConfig { takes_paks: true } => Some(
                "pass `--config FILE` or `--paks FILE...`, or create a workspace with `megapak init`"
                    .to_owned(),
            ),
            Self::NoConfig { takes_paks: false } => Some(
                "pass `--config FILE`, or create a workspace with `megapak init`".to_owned(),
            ),
            Self::Config(error) => error.hint(),
            Self::Target(_) => None,
            Self::NoPaks { .. } => Some(
                "add `paks = [\"requirements.txt\"]` at its top, or pass `--paks FILE...`"
                    .to_owned(),
            ),
            Self::ReadConfiguredPak { source, .. } | Self::ReadPak(source) => source.hint(),
            // The library's "merge for one target environment" is `--config` here.
            Self::Merge {
                error,
                for_target: false,
            } if matches!(**error, MergeError::TooManyMarkers { .. }) => Some(
                "Pass `--config megapak.toml` so markers are judged for its `[target]` first"
                    .to_owned(),
            ),
            Self::Merge { error, .. } => error.hint(),
            Self::Contradiction(error) => error.hint(),
        }
    }
}
