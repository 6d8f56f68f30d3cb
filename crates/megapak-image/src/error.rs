//! What can go wrong around a build, apart from the build's own [`Failure`]s.

use std::path::PathBuf;
use std::process::ExitStatus;

use megapak_types::Hint;
use thiserror::Error;

use crate::failure::Failure;

#[derive(Debug, Error)]
pub enum BuildError {
    #[error("`{program}` was not found")]
    NixNotFound { program: String },

    #[error("Cannot run `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("megapak reads Nix's log itself; `{argument}` cannot be passed through")]
    ReservedArgument { argument: String },

    /// The build failed; each failure says why.
    #[error("{}", failed(.failures))]
    Failed { failures: Vec<Failure> },

    /// Nix exited with an error but said nothing megapak could read.
    #[error("`nix build` failed ({status}){}", last_lines(.text))]
    NixExited {
        status: ExitStatus,
        text: Vec<String>,
    },

    #[error("`{program}` answered something megapak cannot read: `{output}`")]
    UnexpectedOutput {
        program: String,
        output: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("`nix path-info` failed for `{path}` ({status}): {stderr}")]
    PathInfo {
        path: String,
        status: ExitStatus,
        stderr: String,
    },

    #[error("Cannot read the output of `{program}`")]
    Io {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

fn failed(failures: &[Failure]) -> String {
    match failures {
        [] => "The build failed".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more failures)", rest.len()),
    }
}

fn last_lines(text: &[String]) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(":\n{}", text.join("\n"))
    }
}

impl BuildError {
    /// megapak's own fault rather than the user's: Nix answered what megapak cannot read.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::UnexpectedOutput { .. } | Self::Io { .. })
    }
}

impl Hint for BuildError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NixNotFound { .. } => Some(
                "install Nix (2.18 or newer for current nixpkgs) and put `nix` on `PATH`"
                    .to_owned(),
            ),
            Self::ReservedArgument { argument } if argument.starts_with("--log-format") => None,
            Self::ReservedArgument { .. } => Some(
                "use megapak's `--out-link`, `--no-link` and `--print-build-logs` instead"
                    .to_owned(),
            ),
            Self::Failed { failures } => failures.first().and_then(Hint::hint),
            _ => None,
        }
    }
}

/// What can go wrong loading the image into docker or podman.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("Cannot run `{program}`")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Cannot read the image `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Streaming the image `{path}` failed ({status}){}", last_lines(.stderr))]
    Stream {
        path: PathBuf,
        status: ExitStatus,
        stderr: Vec<String>,
    },

    #[error("`{program} load` failed ({status}){}", last_lines(.stderr))]
    Load {
        program: PathBuf,
        status: ExitStatus,
        stderr: Vec<String>,
    },
}

impl Hint for LoadError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Load { stderr, .. }
                if stderr
                    .iter()
                    .any(|l| l.contains("Cannot connect to the Docker daemon")) =>
            {
                Some("start the docker daemon, or load with podman: `--runtime podman`".to_owned())
            }
            _ => None,
        }
    }
}
