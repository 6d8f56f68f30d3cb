//! An in-memory [`Provider`]: name → versions → details, built with a small builder. Tests use
//! it in place of a plugin, and the benchmark loads the recorded real set into it
//! ([`FixtureProvider::from_recorded`]), so the solver's own cost is measured without a network.

use std::collections::BTreeMap;
use std::sync::Mutex;

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesOutcome, CandidatesQuery, Dependencies, DetailsAnswer,
    DetailsOutcome, DetailsQuery, DistFormat, Found, Source, VersionInfo,
};
use megapak_types::PackageName;

use crate::provider::{Provider, ProviderError};

/// An in-memory provider.
///
/// ```
/// use megapak_solve::FixtureProvider;
///
/// let pypi = FixtureProvider::new("pypi")
///     .with("insightface", "0.7.3", &["numpy<2", "onnx"])
///     .with("numpy", "1.26.4", &[])
///     .with("onnx", "1.19.0", &["numpy>=1.22"]);
/// # let _ = pypi;
/// ```
#[derive(Debug)]
pub struct FixtureProvider {
    name: String,
    packages: BTreeMap<String, FixturePackage>,
    failure: Option<String>,
    calls: Mutex<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
struct FixturePackage {
    /// Set for a package answered `not-found`, `offline` or `error` as a whole.
    outcome: Option<CandidatesOutcome>,
    versions: BTreeMap<String, (VersionInfo, DetailsOutcome)>,
}

impl FixtureProvider {
    /// A provider with nothing in it.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            packages: BTreeMap::new(),
            failure: None,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// Adds `name` `version` with known dependencies (PEP 508 strings) and the provider's
    /// default source: the nixpkgs attribute `name` for a provider called `nixpkgs`, else a
    /// wheel at `https://files.example/` (a fixture's address, never fetched).
    #[must_use]
    pub fn with(self, name: &str, version: &str, dependencies: &[&str]) -> Self {
        let source = self.default_source(name, version);
        self.with_details(
            name,
            version,
            Found::new(source, Dependencies::known(dependencies.iter().copied())),
        )
    }

    /// Adds `name` `version` with these details.
    #[must_use]
    pub fn with_details(mut self, name: &str, version: &str, details: Found) -> Self {
        let info = VersionInfo {
            requires_python: details.requires_python.clone(),
            ..VersionInfo::new(version)
        };
        self.package(name)
            .versions
            .insert(version.to_owned(), (info, DetailsOutcome::Found(details)));
        self
    }

    /// Lists `name` `version` but answers its details with `not-found` and `reason`: a
    /// provider that learns only on a closer look that it cannot supply the version (no file
    /// for the target's platform, say).
    #[must_use]
    pub fn without_details(mut self, name: &str, version: &str, reason: &str) -> Self {
        self.package(name).versions.insert(
            version.to_owned(),
            (
                VersionInfo::new(version),
                DetailsOutcome::NotFound {
                    reason: reason.to_owned(),
                },
            ),
        );
        self
    }

    /// Adds `name` `version` whose dependencies the provider does not know.
    #[must_use]
    pub fn with_unknown(self, name: &str, version: &str, reason: &str) -> Self {
        let source = self.default_source(name, version);
        self.with_details(
            name,
            version,
            Found::new(
                source,
                Dependencies::Unknown {
                    reason: reason.to_owned(),
                },
            ),
        )
    }

    /// Marks a version added before as yanked.
    #[must_use]
    pub fn yanked(mut self, name: &str, version: &str) -> Self {
        if let Some((info, _)) = self.package(name).versions.get_mut(version) {
            info.yanked = true;
        }
        self
    }

    /// Sets the `Requires-Python` of a version added before.
    #[must_use]
    pub fn requires_python(mut self, name: &str, version: &str, specifiers: &str) -> Self {
        if let Some((info, details)) = self.package(name).versions.get_mut(version) {
            info.requires_python = Some(specifiers.to_owned());
            if let DetailsOutcome::Found(found) = details {
                found.requires_python = Some(specifiers.to_owned());
            }
        }
        self
    }

    /// Answers `name` with this outcome instead of its versions (`not-found`, `offline`,
    /// `error`).
    #[must_use]
    pub fn answering(mut self, name: &str, outcome: CandidatesOutcome) -> Self {
        self.package(name).outcome = Some(outcome);
        self
    }

    /// Fails every call as a broken plugin would, with this message.
    #[must_use]
    pub fn failing(mut self, message: &str) -> Self {
        self.failure = Some(message.to_owned());
        self
    }

    /// The calls made so far, one line each: `candidates a b c`, `details a 1.0 b 2.0`.
    pub fn calls(&self) -> Vec<String> {
        self.calls
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }

    /// A provider of a recording made by `fixtures/real/resolve/record.py`: `{"packages":
    /// {name: {"latest", "versions": [{"v", "rp"?, "y"?}], "deps": [...]}}}`. PyPI's JSON API
    /// gives the dependencies of the newest release only, so every version gets those.
    pub fn from_recorded(name: &str, json: &str) -> Result<Self, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct Recording {
            packages: BTreeMap<String, Recorded>,
        }
        #[derive(serde::Deserialize)]
        struct Recorded {
            versions: Vec<RecordedVersion>,
            deps: Vec<String>,
        }
        #[derive(serde::Deserialize)]
        struct RecordedVersion {
            v: String,
            #[serde(default)]
            rp: Option<String>,
            #[serde(default)]
            y: bool,
        }
        let recording: Recording = serde_json::from_str(json)?;
        let mut provider = Self::new(name);
        for (package, recorded) in recording.packages {
            for version in recorded.versions {
                let source = provider.default_source(&package, &version.v);
                let mut found = Found::new(source, Dependencies::known(recorded.deps.clone()));
                found.requires_python = version.rp.clone();
                provider = provider.with_details(&package, &version.v, found);
                if version.y {
                    provider = provider.yanked(&package, &version.v);
                }
            }
        }
        Ok(provider)
    }

    fn package(&mut self, name: &str) -> &mut FixturePackage {
        self.packages.entry(key(name)).or_default()
    }

    fn default_source(&self, name: &str, version: &str) -> Source {
        if self.name == "nixpkgs" {
            Source::Nixpkgs {
                attribute: name.to_owned(),
                override_args: BTreeMap::new(),
            }
        } else {
            let filename = format!("{}-{version}-py3-none-any.whl", name.replace('-', "_"));
            Source::Url {
                url: format!("https://files.example/{filename}"),
                filename,
                hash: String::new(),
                format: DistFormat::Wheel,
            }
        }
    }

    fn record(&self, line: String) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(line);
        }
    }
}

/// Names are looked up PEP 503 normalized, as a plugin does.
fn key(name: &str) -> String {
    PackageName::new(name).map_or_else(|_| name.to_owned(), |name| name.to_string())
}

impl Provider for FixtureProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn candidates(
        &self,
        queries: &[CandidatesQuery],
    ) -> Result<Vec<CandidatesAnswer>, ProviderError> {
        let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
        self.record(format!("candidates {}", names.join(" ")));
        if let Some(message) = &self.failure {
            return Err(ProviderError::new(message.clone()));
        }
        Ok(queries
            .iter()
            .map(|query| {
                let outcome = match self.packages.get(&key(&query.name)) {
                    Some(FixturePackage {
                        outcome: Some(outcome),
                        ..
                    }) => outcome.clone(),
                    Some(package) => CandidatesOutcome::Found {
                        versions: package
                            .versions
                            .values()
                            .map(|(info, _)| info.clone())
                            .collect(),
                        notes: Vec::new(),
                    },
                    None => CandidatesOutcome::NotFound {
                        reason: format!("`{}` is not in {}", query.name, self.name),
                    },
                };
                CandidatesAnswer {
                    name: query.name.clone(),
                    outcome,
                }
            })
            .collect())
    }

    fn details(&self, queries: &[DetailsQuery]) -> Result<Vec<DetailsAnswer>, ProviderError> {
        let pairs: Vec<String> = queries
            .iter()
            .map(|q| format!("{} {}", q.name, q.version))
            .collect();
        self.record(format!("details {}", pairs.join(" ")));
        if let Some(message) = &self.failure {
            return Err(ProviderError::new(message.clone()));
        }
        Ok(queries
            .iter()
            .map(|query| {
                let outcome = self
                    .packages
                    .get(&key(&query.name))
                    .and_then(|package| package.versions.get(&query.version))
                    .map_or_else(
                        || DetailsOutcome::NotFound {
                            reason: format!(
                                "`{}` {} is not in {}",
                                query.name, query.version, self.name
                            ),
                        },
                        |(_, details)| details.clone(),
                    );
                DetailsAnswer {
                    name: query.name.clone(),
                    version: query.version.clone(),
                    outcome,
                }
            })
            .collect())
    }
}
