//! Nix's error messages, turned into failures a megapak user can act on: a wrong hash names the
//! lock entry and both hashes, a missing attribute names the lock entry it stands for, a library
//! autoPatchelf could not find names the library and the wheel, a failing builder names the
//! package and keeps the last lines of its log.
//!
//! The texts matched are Nix's own (2.8 through 2.3x, `builder for '…' failed` and `Cannot
//! build '…'` alike) and nixpkgs' auto-patchelf's. A message that matches nothing stays a
//! [`Failure::Nix`] with its text, never dropped.

use std::collections::HashMap;
use std::fmt;

use megapak_types::{Hint, PackageName};

use crate::log::{Position, store_name};
use crate::packages::KnownPackages;

/// How many lines of a failing builder's log are kept.
pub const LOG_TAIL_LINES: usize = 25;

/// A library autoPatchelf could not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingLibrary {
    /// The soname, e.g. `libcudart.so.13`.
    pub library: String,
    /// The file that needs it, relative to its store path.
    pub wanted_by: String,
}

/// Why a build failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A fixed-output derivation (a download) produced another hash than the one written.
    HashMismatch {
        derivation: String,
        package: Option<PackageName>,
        specified: String,
        got: String,
    },
    /// The expression names an attribute that does not exist.
    MissingAttribute {
        attribute: String,
        package: Option<PackageName>,
        position: Option<Position>,
    },
    /// The installable itself is not there (`--attr`, or the flake's `packages.<system>.image`).
    MissingOutput { message: String },
    /// autoPatchelf found no provider for libraries a wheel's files need.
    MissingLibraries {
        derivation: String,
        package: Option<PackageName>,
        libraries: Vec<MissingLibrary>,
    },
    /// A builder failed for another reason.
    BuilderFailed {
        derivation: String,
        /// The `.drv` path, for `nix log`.
        drv_path: String,
        package: Option<PackageName>,
        reason: String,
        log_tail: Vec<String>,
    },
    /// Dependencies of a derivation failed (shown only when nothing else says why).
    DependencyFailed { derivation: String },
    /// Any other error Nix gave.
    Nix {
        message: String,
        position: Option<Position>,
    },
}

impl Failure {
    /// Reads one error message; `logs` gives the last lines of each build's log by `.drv` path.
    pub fn classify(
        text: &str,
        position: Option<&Position>,
        logs: &HashMap<String, Vec<String>>,
        known: &KnownPackages,
    ) -> Self {
        let text = text.strip_prefix("error: ").unwrap_or(text).trim();
        if let Some(failure) = hash_mismatch(text, known) {
            return failure;
        }
        if let Some(attribute) = between(text, "attribute '", "' missing") {
            return Self::MissingAttribute {
                attribute: attribute.to_owned(),
                package: known.for_attribute(attribute).cloned(),
                position: position.cloned(),
            };
        }
        if text.contains("does not provide attribute") || text.contains("in selection path") {
            return Self::MissingOutput {
                message: first_line(text).to_owned(),
            };
        }
        if let Some(failure) = builder_failure(text, logs, known) {
            return failure;
        }
        Self::Nix {
            message: text.to_owned(),
            position: position.cloned(),
        }
    }

    /// "Dependencies failed": shown only when no other failure says why.
    pub fn is_dependency_failure(&self) -> bool {
        matches!(self, Self::DependencyFailed { .. })
    }

    /// The last log lines of a failing builder, to show under the message.
    pub fn log_tail(&self) -> &[String] {
        match self {
            Self::BuilderFailed { log_tail, .. } => log_tail,
            _ => &[],
        }
    }
}

fn hash_mismatch(text: &str, known: &KnownPackages) -> Option<Failure> {
    let drv = between(text, "hash mismatch in fixed-output derivation '", "'")?;
    let specified = word_after(text, "specified:")?;
    let got = word_after(text, "got:")?;
    let derivation = store_name(drv).to_owned();
    Some(Failure::HashMismatch {
        package: known.for_derivation(&derivation).cloned(),
        derivation,
        specified: specified.to_owned(),
        got: got.to_owned(),
    })
}

fn builder_failure(
    text: &str,
    logs: &HashMap<String, Vec<String>>,
    known: &KnownPackages,
) -> Option<Failure> {
    // Nix 2.8-2.18: "builder for '…drv' failed with exit code 1[;\n last 10 log lines: …]".
    // Newer: "Cannot build '…drv'.\n Reason: builder failed with exit code 1.".
    let (drv_path, reason) = if let Some(drv) = between(text, "builder for '", "'") {
        let after = &text[text.find(drv).map_or(0, |at| at + drv.len() + 1)..];
        let reason = first_line(after).trim().trim_end_matches(';').to_owned();
        (
            drv,
            reason
                .strip_prefix("failed ")
                .map_or(reason.clone(), |r| r.to_owned()),
        )
    } else if let Some(drv) = between(text, "Cannot build '", "'") {
        let reason = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Reason: "))
            .unwrap_or("the builder failed")
            .trim_end_matches('.')
            .to_owned();
        if reason.contains("dependency failed") || reason.contains("dependencies failed") {
            return Some(Failure::DependencyFailed {
                derivation: store_name(drv).to_owned(),
            });
        }
        (
            drv,
            reason
                .strip_prefix("builder failed ")
                .map_or(reason.clone(), |r| r.to_owned()),
        )
    } else if let Some(drv) = between(text, "dependencies of derivation '", "'") {
        return Some(Failure::DependencyFailed {
            derivation: store_name(drv).to_owned(),
        });
    } else {
        return None;
    };
    let derivation = store_name(drv_path).to_owned();
    let package = known.for_derivation(&derivation).cloned();
    let log = logs.get(drv_path).map(Vec::as_slice).unwrap_or_default();
    let libraries = missing_libraries(log);
    if !libraries.is_empty() {
        return Some(Failure::MissingLibraries {
            derivation,
            package,
            libraries,
        });
    }
    Some(Failure::BuilderFailed {
        derivation,
        drv_path: drv_path.to_owned(),
        package,
        reason,
        log_tail: log.to_vec(),
    })
}

/// auto-patchelf's "error: auto-patchelf could not satisfy dependency libX.so.1 wanted by
/// /nix/store/…/lib/y.so" (and the older shell hook's "autoPatchelfHook could not satisfy …").
fn missing_libraries(log: &[String]) -> Vec<MissingLibrary> {
    let mut found: Vec<MissingLibrary> = Vec::new();
    for line in log {
        let Some((_, rest)) = line.split_once("could not satisfy dependency ") else {
            continue;
        };
        let Some((library, wanted_by)) = rest.split_once(" wanted by ") else {
            continue;
        };
        let missing = MissingLibrary {
            library: library.trim().to_owned(),
            wanted_by: in_store_path(wanted_by.trim()).to_owned(),
        };
        if !found.contains(&missing) {
            found.push(missing);
        }
    }
    found
}

/// `/nix/store/<hash>-name/lib/x.so` gives `lib/x.so`.
fn in_store_path(path: &str) -> &str {
    path.strip_prefix("/nix/store/")
        .and_then(|rest| rest.split_once('/'))
        .map_or(path, |(_, inside)| inside)
}

/// A file named in a message, relative to its flake's source when it is one
/// (`/nix/store/<hash>-source/nix/packages.nix` gives `nix/packages.nix`).
pub fn display_file(file: &str) -> &str {
    match file
        .strip_prefix("/nix/store/")
        .and_then(|r| r.split_once('/'))
    {
        Some((name, inside)) if name.ends_with("-source") => inside,
        _ => file,
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

fn word_after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let from = text.find(label)? + label.len();
    text[from..].split_whitespace().next()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn lock_entry(package: &Option<PackageName>) -> String {
    match package {
        Some(name) => format!(" (lock entry `{name}`)"),
        None => String::new(),
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HashMismatch {
                derivation,
                package: Some(package),
                specified,
                got,
            } => write!(
                f,
                "Hash mismatch for `{package}`: `megapak.lock` has `{specified}`, the download is `{got}` (derivation `{derivation}`)"
            ),
            Self::HashMismatch {
                derivation,
                package: None,
                specified,
                got,
            } => write!(
                f,
                "Hash mismatch in `{derivation}`: the expression has `{specified}`, the download is `{got}`"
            ),
            Self::MissingAttribute {
                attribute,
                package,
                position,
            } => {
                write!(f, "Attribute `{attribute}` is missing")?;
                if let Some(p) = position {
                    write!(f, " at `{}:{}:{}`", display_file(&p.file), p.line, p.column)?;
                }
                write!(f, "{}", lock_entry(package))
            }
            Self::MissingOutput { message } => write!(f, "Nothing to build: {message}"),
            Self::MissingLibraries {
                derivation,
                package,
                libraries,
            } => {
                let first = &libraries[0];
                let owner = match package {
                    Some(name) => format!("`{name}` (derivation `{derivation}`)"),
                    None => format!("`{derivation}`"),
                };
                write!(
                    f,
                    "autoPatchelf found no `{}` for `{}` of {owner}",
                    first.library, first.wanted_by
                )?;
                // The other libraries it lacks, each once, whichever files need them.
                let mut others: Vec<&str> = Vec::new();
                for missing in &libraries[1..] {
                    if missing.library != first.library
                        && !others.contains(&missing.library.as_str())
                    {
                        others.push(&missing.library);
                    }
                }
                if others.is_empty() {
                    Ok(())
                } else {
                    let others: Vec<String> = others.iter().map(|l| format!("`{l}`")).collect();
                    write!(f, ", nor {}", others.join(", "))
                }
            }
            Self::BuilderFailed {
                derivation,
                package,
                reason,
                ..
            } => write!(
                f,
                "Building `{derivation}`{} failed {reason}",
                lock_entry(package)
            ),
            Self::DependencyFailed { derivation } => {
                write!(f, "Dependencies of `{derivation}` failed to build")
            }
            Self::Nix { message, position } => {
                write!(f, "{}", first_line(message))?;
                if let Some(p) = position {
                    write!(f, " at `{}:{}:{}`", display_file(&p.file), p.line, p.column)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Failure {}

impl Hint for Failure {
    fn hint(&self) -> Option<String> {
        Some(match self {
            Self::HashMismatch {
                package: Some(package),
                ..
            } => format!(
                "if `{package}`'s file really changed upstream, resolve it again so that `megapak.lock` records the new hash; if it should not have changed, find out why before trusting it"
            ),
            Self::HashMismatch { package: None, .. } => {
                "put the hash the download has into the expression once you trust the new file".to_owned()
            }
            Self::MissingAttribute {
                attribute,
                package: Some(package),
                ..
            } => format!(
                "the pinned nixpkgs has no `{attribute}`: update the `nixpkgs` input (`nix flake update nixpkgs`) or resolve `{package}` with another provider (`[[override]]` with `provider = \"pypi\"`)"
            ),
            Self::MissingAttribute { .. } => {
                "check the spelling; an attribute of the Python set must exist in the pinned nixpkgs or in `nix/python-packages.nix`".to_owned()
            }
            Self::MissingOutput { .. } => {
                "name what to build with `--attr`; the workspace flake defines `packages.<system>.image`".to_owned()
            }
            Self::MissingLibraries { libraries, .. }
                if libraries.iter().all(|l| l.library.starts_with("libcuda.so")) =>
            {
                "`libcuda.so.1` comes from the driver when the image runs: list it in the package's `autoPatchelfIgnoreMissingDeps`".to_owned()
            }
            Self::MissingLibraries { libraries, .. } => format!(
                "add the package that ships `{}` to the wheel's `buildInputs` (for a CUDA library, the `cudaPackages` attribute that has it), or list it in `autoPatchelfIgnoreMissingDeps` if the image finds it at run time",
                libraries
                    .iter()
                    .find(|l| !l.library.starts_with("libcuda.so"))
                    .unwrap_or(&libraries[0])
                    .library
            ),
            Self::BuilderFailed { drv_path, .. } => {
                format!("the whole log: `nix log {drv_path}`")
            }
            Self::DependencyFailed { .. } => return None,
            Self::Nix { message, .. }
                if message.contains("is not tracked by Git")
                    || (message.contains("-source/")
                        && (message.contains("does not exist")
                            || message.contains("No such file or directory"))) =>
            {
                "a flake in a git repository sees only the files git tracks: `git add` what megapak wrote (`megapak.lock`, `nix/`)".to_owned()
            }
            Self::Nix { .. } => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::KnownPackage;

    fn known() -> KnownPackages {
        KnownPackages::new(vec![
            KnownPackage {
                name: "torch".parse().unwrap(),
                version: "2.10.0".into(),
                files: vec!["torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl".into()],
                attribute: None,
            },
            KnownPackage {
                name: "onnxruntime-gpu".parse().unwrap(),
                version: "1.24.4".into(),
                files: vec![],
                attribute: Some("onnxruntime".into()),
            },
        ])
    }

    fn classify(text: &str, logs: &HashMap<String, Vec<String>>) -> (String, Option<String>) {
        let failure = Failure::classify(text, None, logs, &known());
        (failure.to_string(), failure.hint())
    }

    #[test]
    fn a_hash_mismatch_names_the_lock_entry_and_both_hashes() {
        let text = "hash mismatch in fixed-output derivation '/nix/store/s1f71vad118q06g1xaa3i1ng8kcfxpj6-torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl.drv':\n  specified: sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n     got:    sha256-Q0copBCnj1b8G1iZw1k0NuYasMcx6QctleltspAgXlM=";
        let (message, hint) = classify(text, &HashMap::new());
        insta::assert_snapshot!(message, @"Hash mismatch for `torch`: `megapak.lock` has `sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`, the download is `sha256-Q0copBCnj1b8G1iZw1k0NuYasMcx6QctleltspAgXlM=` (derivation `torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl`)");
        assert!(hint.unwrap().contains("`torch`"));
    }

    #[test]
    fn a_missing_attribute_names_the_lock_entry_and_where() {
        let position = Position {
            file: "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source/nix/packages.nix".into(),
            line: 3,
            column: 5,
        };
        let failure = Failure::classify(
            "attribute 'onnxruntime' missing",
            Some(&position),
            &HashMap::new(),
            &known(),
        );
        insta::assert_snapshot!(failure.to_string(), @"Attribute `onnxruntime` is missing at `nix/packages.nix:3:5` (lock entry `onnxruntime-gpu`)");
        assert!(failure.hint().unwrap().contains("nix flake update nixpkgs"));
    }

    #[test]
    fn an_autopatchelf_failure_names_the_library_and_the_wheel() {
        let drv =
            "/nix/store/kvb9d77yxjrk03ipvp2wnpndcjrzrl8y-python3.14-onnxruntime-gpu-1.24.4.drv";
        let logs = HashMap::from([(
            drv.to_owned(),
            vec![
                "searching for dependencies of /nix/store/x-python3.14-onnxruntime-gpu-1.24.4/lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so".to_owned(),
                "error: auto-patchelf could not satisfy dependency libcublasLt.so.13 wanted by /nix/store/0123456789abcdfghijklmnpqrsvwxyz-python3.14-onnxruntime-gpu-1.24.4/lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so".to_owned(),
                "error: auto-patchelf could not satisfy dependency libcudart.so.13 wanted by /nix/store/0123456789abcdfghijklmnpqrsvwxyz-python3.14-onnxruntime-gpu-1.24.4/lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so".to_owned(),
            ],
        )]);
        let (message, hint) = classify(
            &format!("builder for '{drv}' failed with exit code 1"),
            &logs,
        );
        insta::assert_snapshot!(message, @"autoPatchelf found no `libcublasLt.so.13` for `lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so` of `onnxruntime-gpu` (derivation `python3.14-onnxruntime-gpu-1.24.4`), nor `libcudart.so.13`");
        assert!(hint.unwrap().contains("`libcublasLt.so.13`"));
    }

    #[test]
    fn libcuda_alone_is_the_drivers() {
        let drv = "/nix/store/kvb9d77yxjrk03ipvp2wnpndcjrzrl8y-python3.14-cupy-13.6.0.drv";
        let logs = HashMap::from([(
            drv.to_owned(),
            vec!["error: auto-patchelf could not satisfy dependency libcuda.so.1 wanted by /nix/store/0123456789abcdfghijklmnpqrsvwxyz-python3.14-cupy-13.6.0/lib/x.so".to_owned()],
        )]);
        let (_, hint) = classify(
            &format!("Cannot build '{drv}'.\n Reason: builder failed with exit code 1."),
            &logs,
        );
        assert!(hint.unwrap().contains("autoPatchelfIgnoreMissingDeps"));
    }

    #[test]
    fn a_failing_builder_keeps_its_log_in_both_nix_formats() {
        let drv = "/nix/store/kvb9d77yxjrk03ipvp2wnpndcjrzrl8y-python3.14-torch-2.10.0.drv";
        let logs = HashMap::from([(drv.to_owned(), vec!["compiling".to_owned()])]);
        for text in [
            format!("builder for '{drv}' failed with exit code 3"),
            format!(
                "builder for '{drv}' failed with exit code 3;\n       last 10 log lines:\n       > compiling"
            ),
            format!(
                "Cannot build '{drv}'.\n       Reason: builder failed with exit code 3.\n       Output paths:\n         /nix/store/x"
            ),
        ] {
            let failure = Failure::classify(&text, None, &logs, &known());
            assert_eq!(
                failure.to_string(),
                "Building `python3.14-torch-2.10.0` (lock entry `torch`) failed with exit code 3",
                "{text}"
            );
            assert_eq!(failure.log_tail(), ["compiling"]);
            assert_eq!(
                failure.hint().unwrap(),
                format!("the whole log: `nix log {drv}`")
            );
        }
    }

    #[test]
    fn dependency_failures_and_other_errors_are_kept() {
        let dep = Failure::classify(
            "1 dependencies of derivation '/nix/store/kvb9d77yxjrk03ipvp2wnpndcjrzrl8y-image.drv' failed to build",
            None,
            &HashMap::new(),
            &known(),
        );
        assert!(dep.is_dependency_failure());
        let other = Failure::classify("error: unexpected EOF", None, &HashMap::new(), &known());
        assert_eq!(other.to_string(), "unexpected EOF");
        let missing_file = Failure::classify(
            "getting status of '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source/nix/packages.nix': No such file or directory",
            None,
            &HashMap::new(),
            &known(),
        );
        assert!(missing_file.hint().unwrap().contains("git add"));
        let not_in_git = Failure::classify(
            "path '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source/nix/packages.nix' does not exist",
            None,
            &HashMap::new(),
            &known(),
        );
        assert!(not_in_git.hint().unwrap().contains("git add"));
    }

    #[test]
    fn a_missing_output_says_what_to_pass() {
        let failure = Failure::classify(
            "flake 'path:/w' does not provide attribute 'packages.x86_64-linux.image', 'legacyPackages.x86_64-linux.image' or 'image'",
            None,
            &HashMap::new(),
            &known(),
        );
        assert!(matches!(failure, Failure::MissingOutput { .. }));
        assert!(failure.hint().unwrap().contains("--attr"));
    }
}
