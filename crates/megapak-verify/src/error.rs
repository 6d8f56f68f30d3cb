//! What can go wrong around the harness (as opposed to a check failing, which is a report).
//! The next step comes through [`Hint`], never in the message.

use std::path::PathBuf;

use megapak_types::Hint;

/// An error of `megapak verify`; most have a next step, given by [`Hint::hint`].
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "Could not find the GPU harness (`megapak-smoke` and its `check-*` binaries); looked in {}",
        list(searched)
    )]
    HarnessNotFound { searched: Vec<PathBuf> },

    #[error("The harness in `{}` lacks `{binary}`", dir.display())]
    HarnessIncomplete { dir: PathBuf, binary: &'static str },

    #[error("No `site-packages` under `{}`: looked for `lib*/python3*/site-packages` and `lib*/python3*/dist-packages`, and for `torch`, `nvidia` or `onnxruntime` in the folder itself", env.display())]
    NoSitePackages { env: PathBuf },

    #[error("`{}` has nothing the harness uses: no `torch/lib`, no `nvidia/*/lib` and no `onnxruntime/capi/libonnxruntime.so.*` in {}", env.display(), list(searched))]
    NothingToUse {
        env: PathBuf,
        searched: Vec<PathBuf>,
    },

    #[error("The library folder `{}` has a `:` in its path, which would split `LD_LIBRARY_PATH` there and add a relative folder", dir.display())]
    ColonInPath { env: PathBuf, dir: PathBuf },

    #[error("Could not read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Neither `docker` nor `podman` is on `PATH`")]
    NoContainerRuntime,

    #[error("`{runtime}` is not on `PATH`")]
    RuntimeNotFound { runtime: &'static str },

    #[error("Could not run `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{program}` ended ({status}) without a report; its last words: {stderr}")]
    NoReport {
        program: String,
        status: String,
        stderr: String,
    },

    /// A container runtime could not start the harness; `code` names why, as the harness's
    /// diagnoses do (`container-toolkit-refused`, `image-not-found`, ...), and leads the message.
    #[error("{code}: {message}")]
    Container {
        code: &'static str,
        message: String,
        hint: String,
    },

    #[error(
        "The GPU harness checks CUDA 12 and 13 images; `{version}` is neither (from {source_of})"
    )]
    CudaMajorUnknown {
        version: String,
        /// Where it came from: `` `[target] cuda` of `megapak.toml` ``.
        source_of: String,
    },

    #[error(
        "`{program}` ended ({status}) with something other than the JSON report megapak expects: {start}"
    )]
    BadReport {
        program: String,
        status: String,
        /// The start of what it printed.
        start: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("The report of `{program}` is cut short ({status}); it begins: {start}")]
    ReportCutShort {
        program: String,
        status: String,
        /// The start of what it printed.
        start: String,
    },

    #[error("The harness writes report schema {found}; this megapak reads schema {expected}")]
    Schema { found: u32, expected: u32 },
}

impl Hint for VerifyError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            Self::HarnessNotFound { .. } => {
                "with Nix, build the flake's package (`nix build .#megapak-smoke`) and pass `--harness-dir result/bin`\nfrom a source checkout, build it with `LIBTORCH=/path/to/site-packages/torch cargo build --release --manifest-path image-tests/Cargo.toml` (`LIBTORCH` names the torch the harness is built against, see docs/gpu-harness.md) and pass `--harness-dir image-tests/target/release`"
                    .to_owned()
            }
            Self::HarnessIncomplete { .. } => {
                "keep every harness binary together (`megapak-smoke`, `check-cuda`, `check-torch`, `check-ort`)"
                    .to_owned()
            }
            Self::NoSitePackages { .. } => {
                "pass the Python environment's prefix (the folder holding `bin/python`, e.g. `/opt/torch/.venv`) or a `site-packages` folder"
                    .to_owned()
            }
            Self::NothingToUse { .. } => {
                "pass the environment where `torch`, the `nvidia-*` CUDA packages or `onnxruntime-gpu` are installed (its prefix or its `site-packages`)"
                    .to_owned()
            }
            Self::ColonInPath { env, .. } => format!(
                "move or copy the Python environment `{}` to a folder whose path has no `:`",
                env.display()
            ),
            Self::NoContainerRuntime => {
                "install one of them, or verify on this machine with `--host --python-env DIR`"
                    .to_owned()
            }
            Self::Container { hint, .. } => hint.clone(),
            Self::CudaMajorUnknown { .. } => {
                "pass the image's CUDA major with `--cuda-major 12` or `--cuda-major 13`".to_owned()
            }
            Self::BadReport { .. } => {
                "run the command above by hand; use a harness of the same megapak release"
                    .to_owned()
            }
            Self::ReportCutShort { .. } => {
                "the harness stopped before it finished writing (killed for memory or time?); run the command above by hand"
                    .to_owned()
            }
            Self::Schema { .. } => {
                "use the harness built from the same megapak release".to_owned()
            }
            Self::Read { .. }
            | Self::RuntimeNotFound { .. }
            | Self::Spawn { .. }
            | Self::NoReport { .. } => return None,
        };
        Some(hint)
    }
}

impl VerifyError {
    /// The stable name of a container runtime's failure (`container-toolkit-refused`), the
    /// first word of its message; `None` for the other errors.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::Container { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
impl VerifyError {
    /// The error as megapak prints it: the message, then a `hint:` line per line of the hint.
    pub(crate) fn printed(&self) -> String {
        let mut text = self.to_string();
        for line in self.hint().iter().flat_map(|hint| hint.lines()) {
            text.push_str("\nhint: ");
            text.push_str(line);
        }
        text
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_hold_no_hint_and_the_hint_comes_apart() {
        let path = || PathBuf::from("/env");
        let errors = [
            VerifyError::HarnessNotFound {
                searched: vec![path()],
            },
            VerifyError::HarnessIncomplete {
                dir: path(),
                binary: "check-ort",
            },
            VerifyError::NoSitePackages { env: path() },
            VerifyError::NothingToUse {
                env: path(),
                searched: vec![path()],
            },
            VerifyError::ColonInPath {
                env: path(),
                dir: path(),
            },
            VerifyError::NoContainerRuntime,
            VerifyError::Container {
                code: "runtime-unreachable",
                message: "`docker` cannot reach its daemon".to_owned(),
                hint: "start the daemon".to_owned(),
            },
            VerifyError::ReportCutShort {
                program: "docker".to_owned(),
                status: "killed by signal 9".to_owned(),
                start: "{".to_owned(),
            },
            VerifyError::Schema {
                found: 2,
                expected: 1,
            },
            VerifyError::CudaMajorUnknown {
                version: "11.8".to_owned(),
                source_of: "`[target] cuda` of `megapak.toml`".to_owned(),
            },
        ];
        for error in &errors {
            let message = error.to_string();
            assert!(!message.contains("hint:"), "{message}");
            let hint = error.hint().unwrap_or_default();
            assert!(!hint.is_empty(), "{message}: no hint");
            assert!(!hint.starts_with("hint:"), "{hint}");
        }
        insta::assert_snapshot!(errors[0].printed(), @r"
        Could not find the GPU harness (`megapak-smoke` and its `check-*` binaries); looked in `/env`
        hint: with Nix, build the flake's package (`nix build .#megapak-smoke`) and pass `--harness-dir result/bin`
        hint: from a source checkout, build it with `LIBTORCH=/path/to/site-packages/torch cargo build --release --manifest-path image-tests/Cargo.toml` (`LIBTORCH` names the torch the harness is built against, see docs/gpu-harness.md) and pass `--harness-dir image-tests/target/release`
        ");
    }
}
