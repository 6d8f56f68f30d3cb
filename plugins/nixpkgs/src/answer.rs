//! From a mapped name to the wire's answers: whether nixpkgs' attribute can be used for the
//! target (there for its Python, not broken, a version PEP 440 reads that meets the pak's
//! specifiers), and if not, exactly why, so the solver falls through to the next provider.

use std::str::FromStr;

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesOutcome, Dependencies, DetailsAnswer, DetailsOutcome,
    DirectReference, Found, Source, VersionInfo,
};
use pep440_rs::VersionSpecifiers;

use crate::catalog::{Catalog, Context, Resolution, Resolved, normalized};
use crate::python::PythonVersion;
use crate::snapshot::Availability;
use crate::variants::NOT_CACHED;
use crate::version::{Pep440, pep440};

/// Judges names against one catalog for one target.
#[derive(Debug)]
pub struct Judge<'a> {
    /// The catalog.
    pub catalog: &'a Catalog,
    /// The target, variants and Python index.
    pub context: Context<'a>,
    /// The target's Python.
    pub python: PythonVersion,
}

/// The verdict on one name.
#[derive(Debug)]
pub enum Verdict<'c> {
    /// nixpkgs can supply it.
    Offer {
        /// The attribute.
        resolved: Resolved<'c>,
        /// Its version.
        version: Pep440,
        /// Notes on that version.
        notes: Vec<String>,
    },
    /// nixpkgs cannot, and why.
    NotFound(String),
    /// The attribute could not be read.
    Error(String),
}

impl<'a> Judge<'a> {
    /// The verdict on `name` (PEP 503 normalized) under `specifiers`.
    pub fn verdict(&self, name: &str, specifiers: Option<&str>) -> Verdict<'a> {
        let packages = self.python.packages_attribute();
        let resolved = match self.catalog.resolve(name, &self.context) {
            Resolution::Found(resolved) => resolved,
            Resolution::Absent => {
                return Verdict::NotFound(format!("`{name}` is not in nixpkgs' `{packages}`"));
            }
            Resolution::Removed { alias, message } => {
                let message = message.trim_end_matches('.');
                return Verdict::NotFound(format!("`{alias}` was removed from nixpkgs: {message}"));
            }
            Resolution::Failed { attribute, message } => {
                return Verdict::Error(format!(
                    "nixpkgs' `{packages}.{attribute}` could not be read: {message}"
                ));
            }
            Resolution::Unusable { reason } => return Verdict::NotFound(reason),
        };
        let header = &self.catalog.snapshot.header;
        let entry = resolved.entry;
        let subject = if resolved.attribute == name {
            format!("`{name}`")
        } else {
            format!("`{name}` (nixpkgs' `{}`)", resolved.attribute)
        };
        let older = header.older.as_deref().unwrap_or("an older evaluation");
        let date = header.date.as_deref().unwrap_or("the index's date");
        let mut notes = resolved.notes.clone();
        if entry.broken {
            let when = if entry.older {
                format!(" (in its evaluation of {older})")
            } else {
                String::new()
            };
            return Verdict::NotFound(format!("{subject} is marked broken in nixpkgs{when}"));
        }
        let others: Vec<String> = header
            .pythons
            .iter()
            .zip(&entry.pythons)
            .filter(|(python, there)| **python != self.python && **there == Availability::Available)
            .map(|(python, _)| python.to_string())
            .collect();
        match entry.pythons[self.context.python] {
            Availability::Available => {}
            Availability::Disabled => {
                return Verdict::NotFound(format!(
                    "{subject} is in nixpkgs, but disabled for Python {}",
                    self.python
                ));
            }
            Availability::NotBuilt if !others.is_empty() => {
                let at = entry.version.as_deref().map(|v| format!(" at {v}")).unwrap_or_default();
                return Verdict::NotFound(format!(
                    "{subject} is in nixpkgs{at}, but built for Python {} only, not {}",
                    others.join(", "),
                    self.python
                ));
            }
            Availability::NotBuilt if entry.older && resolved.cuda_build => notes.push(format!(
                "Version as of nixpkgs' evaluation of {older}: CUDA builds are unfree, so the index of built packages of {date} does not list it"
            )),
            Availability::NotBuilt if entry.older => {
                let at = entry.version.as_deref().map(|v| format!(" (at {v})")).unwrap_or_default();
                return Verdict::NotFound(format!(
                    "{subject} is only in nixpkgs' evaluation of {older}{at}: on {date} nixpkgs built it for no Python (unfree, broken or removed since)"
                ));
            }
            Availability::NotBuilt if !resolved.cuda_build => {
                return Verdict::NotFound(format!(
                    "{subject} is in nixpkgs, but built for no Python"
                ));
            }
            Availability::NotBuilt => {}
            Availability::Unknown => {
                return Verdict::NotFound(format!(
                    "Whether {subject} is disabled for Python {} could not be read: its `disabled` is computed; the `eval` backend can tell",
                    self.python
                ));
            }
        }
        let Some(nix_version) = entry.version.as_deref() else {
            return Verdict::NotFound(if header.made_by == "source" {
                format!(
                    "The version of {subject} is computed, which the `source` backend cannot read; the `eval` backend can tell"
                )
            } else {
                format!("nixpkgs gives {subject} no version")
            });
        };
        let Some(version) = pep440(nix_version) else {
            return Verdict::NotFound(format!(
                "{subject} is in nixpkgs at `{nix_version}`, which is no PEP 440 version"
            ));
        };
        if let Some(specifiers) = specifiers.filter(|s| !s.trim().is_empty()) {
            let parsed = match VersionSpecifiers::from_str(specifiers) {
                Ok(parsed) => parsed,
                Err(error) => {
                    // pep440_rs draws a caret line under the text: keep the message's first line.
                    let error = error.to_string();
                    let error = error
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches(':');
                    return Verdict::Error(format!(
                        "Invalid specifiers `{specifiers}` for `{name}`: {error}"
                    ));
                }
            };
            if !parsed.contains(&version.version) {
                return Verdict::NotFound(format!(
                    "{subject} is in nixpkgs at {}, but `{specifiers}` is required",
                    version.text
                ));
            }
        }
        if entry.unfree && !resolved.cuda_build {
            notes.push(format!(
                "Unfree: the image's nixpkgs must allow it (`allowUnfree`); {}",
                NOT_CACHED.to_ascii_lowercase()
            ));
        }
        notes.extend(version.note.clone());
        Verdict::Offer {
            resolved,
            version,
            notes,
        }
    }

    /// The `candidates` answer for `name`.
    pub fn candidates(&self, name: &str, specifiers: Option<&str>) -> CandidatesAnswer {
        let outcome = match self.verdict(name, specifiers) {
            Verdict::Offer {
                resolved,
                version,
                notes,
            } => CandidatesOutcome::Found {
                versions: vec![VersionInfo {
                    notes,
                    ..VersionInfo::new(version.text)
                }],
                notes: resolved.mapping.into_iter().collect(),
            },
            Verdict::NotFound(reason) => CandidatesOutcome::NotFound { reason },
            Verdict::Error(message) => CandidatesOutcome::Error { message },
        };
        CandidatesAnswer {
            name: name.to_owned(),
            outcome,
        }
    }

    /// The `details` answer for `name` at `version`.
    pub fn details(&self, name: &str, asked: &str) -> DetailsAnswer {
        let outcome = match self.verdict(name, None) {
            Verdict::Offer {
                resolved,
                version,
                mut notes,
            } if version.text == asked => {
                let dependencies = self.dependencies(&resolved);
                notes.extend(resolved.mapping);
                DetailsOutcome::Found(Found {
                    notes,
                    ..Found::new(
                        Source::Nixpkgs {
                            attribute: resolved.attribute,
                            override_args: resolved.override_args,
                        },
                        dependencies,
                    )
                })
            }
            Verdict::Offer {
                resolved, version, ..
            } => {
                let attribute = if resolved.attribute == name {
                    String::new()
                } else {
                    format!(" (`{}`)", resolved.attribute)
                };
                DetailsOutcome::NotFound {
                    reason: format!(
                        "nixpkgs has `{name}`{attribute} at {}, not {asked}",
                        version.text
                    ),
                }
            }
            Verdict::NotFound(reason) => DetailsOutcome::NotFound { reason },
            Verdict::Error(message) => DetailsOutcome::Error { message },
        };
        DetailsAnswer {
            name: name.to_owned(),
            version: asked.to_owned(),
            outcome,
        }
    }

    fn dependencies(&self, resolved: &Resolved<'_>) -> Dependencies {
        let header = &self.catalog.snapshot.header;
        if !header.dependencies {
            let date = header
                .date
                .as_deref()
                .map(|d| format!(" of {d}"))
                .unwrap_or_default();
            return Dependencies::Unknown {
                reason: format!("The nixpkgs index{date} has no dependency lists"),
            };
        }
        let Some(deps) = &resolved.entry.dependencies else {
            return Dependencies::Unknown {
                reason: format!(
                    "nixpkgs' dependencies of `{}` could not be read",
                    resolved.entry.attribute
                ),
            };
        };
        Dependencies::known(deps.iter().filter_map(|dep| {
            let name = normalized(&dep.name)?;
            Some(match dep.version.as_deref().and_then(pep440) {
                Some(version) => format!("{name}=={}", version.text),
                None => name,
            })
        }))
    }
}

/// Why nixpkgs does not answer for a package the pak files ask for by URL: its attribute is
/// built from nixpkgs' own source, not that one.
pub fn direct_reason(name: &str, direct: &DirectReference) -> String {
    let url = match direct {
        DirectReference::Git { url, .. } => format!("git+{url}"),
        DirectReference::Url { url } => url.clone(),
    };
    format!(
        "`{name}` is asked for by URL (`{url}`), and a nixpkgs attribute is built from its own source"
    )
}
