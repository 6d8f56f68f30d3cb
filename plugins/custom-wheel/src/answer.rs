//! The answers for one package: `candidates` (versions, from METADATA or the checkout) and
//! `details` (the source with its hash, dependencies, native libraries).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use megapak_plugin_abi::wire::{
    CandidatesOutcome, Dependencies, DetailsOutcome, DistFormat, Found, NvidiaWheels, Source,
    Target, VersionInfo,
};

use crate::error::{Error, Origin, describe};
use crate::fetch::{Client, LocalFile, check_url, file_name};
use crate::git::{self, GitSpec, Resolved};
use crate::index;
use crate::metadata::Metadata;
use crate::plan::{Plan, WheelRef, is_local_git};
use crate::settings::{Settings, WheelLocation, sri};
use crate::tags::{WheelName, cuda_version};
use crate::wheel::{self, same_version};

/// What every answer of one call shares.
#[derive(Debug)]
pub struct Context<'a> {
    /// The plugin's settings.
    pub settings: &'a Settings,
    /// The target.
    pub target: &'a Target,
    /// Answer without the network.
    pub offline: bool,
    /// The HTTP client.
    pub client: &'a Client,
    /// Git sources already resolved in this process.
    pub gits: &'a Mutex<HashMap<GitSpec, Resolved>>,
    /// Remote wheels' METADATA already read in this process, by URL.
    pub wheels: &'a Mutex<HashMap<String, Metadata>>,
}

impl Context<'_> {
    fn cuda_major(&self) -> Option<u32> {
        self.target
            .cuda
            .as_deref()
            .and_then(cuda_version)
            .map(|(major, _)| major)
    }

    /// A remote wheel's METADATA: by ranges, or from the whole file (fetched into the cache,
    /// checked against `declared`) when the server sends whole files only.
    fn remote_metadata(
        &self,
        url: &str,
        wheel: &WheelName,
        declared: Option<&str>,
    ) -> Result<Metadata, Error> {
        if let Some(metadata) = self
            .wheels
            .lock()
            .ok()
            .and_then(|wheels| wheels.get(url).cloned())
        {
            return Ok(metadata);
        }
        let metadata = match self.client.open(&check_url(url)?) {
            Ok(remote) => wheel::metadata(&remote, wheel)?,
            Err(Error::NoRanges { .. }) => {
                let cache = &self.settings.cache_dir;
                let read = |fetched: &wheel::Fetched| {
                    wheel::metadata(&LocalFile::open(&fetched.path)?, wheel)
                };
                wheel::fetch(self.client, url, wheel, declared, cache, read)?.1
            }
            Err(error) => return Err(error),
        };
        if let Ok(mut wheels) = self.wheels.lock() {
            wheels.insert(url.to_owned(), metadata.clone());
        }
        Ok(metadata)
    }

    fn git(&self, spec: &GitSpec) -> Result<Resolved, Error> {
        if let Some(resolved) = self
            .gits
            .lock()
            .ok()
            .and_then(|gits| gits.get(spec).cloned())
        {
            return Ok(resolved);
        }
        let resolved = git::resolve(spec, &self.settings.cache_dir, self.settings.timeout)?;
        if let Ok(mut gits) = self.gits.lock() {
            gits.insert(spec.clone(), resolved.clone());
        }
        Ok(resolved)
    }
}

/// The wheel file name of a location.
fn wheel_name(reference: &WheelRef) -> Result<WheelName, Error> {
    match &reference.location {
        WheelLocation::Url(url) => WheelName::parse(&file_name(&check_url(url)?)),
        WheelLocation::Path { absolute, .. } => WheelName::parse(
            &absolute
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    }
}

/// The file name, checked against the package and the target.
fn checked_name(
    context: &Context<'_>,
    name: &str,
    reference: &WheelRef,
) -> Result<WheelName, Error> {
    let wheel = wheel_name(reference)?;
    if let WheelLocation::Path { absolute, .. } = &reference.location
        && !absolute.is_file()
    {
        return Err(Error::NoFile {
            path: absolute.display().to_string(),
        });
    }
    if wheel.name.as_str() != name {
        return Err(Error::NameMismatch {
            file: wheel.file.clone(),
            found: wheel.name.to_string(),
            declared: name.to_owned(),
        });
    }
    wheel.check(context.target)?;
    Ok(wheel)
}

fn offline(origin: &Origin) -> String {
    format!("Reading {origin} needs the network")
}

/// `candidates` for one package.
pub fn candidates(context: &Context<'_>, name: &str, plan: &Plan) -> CandidatesOutcome {
    match plan {
        Plan::Other(reason) => CandidatesOutcome::NotFound {
            reason: reason.clone(),
        },
        Plan::Undeclared => CandidatesOutcome::NotFound {
            reason: format!(
                "`{name}` is not declared in `[resolvers.custom-wheel]` and the pak files give no URL for it"
            ),
        },
        Plan::Wheels(references) => wheel_candidates(context, name, references),
        Plan::Git(spec, origin) => {
            if context.offline && !is_local_git(&spec.url) {
                return CandidatesOutcome::Offline {
                    reason: offline(origin),
                };
            }
            match context
                .git(spec)
                .and_then(|resolved| named(name, spec, resolved))
            {
                Ok(resolved) => found(
                    VersionInfo {
                        requires_python: resolved.project.requires_python.clone(),
                        notes: vec![format!("Commit `{}` of `{}`", resolved.commit, spec.url)],
                        ..VersionInfo::new(&resolved.project.version)
                    },
                    Vec::new(),
                ),
                Err(error) => CandidatesOutcome::Error {
                    message: describe(origin, &error),
                },
            }
        }
        Plan::Index(declaration, origin) => {
            if context.offline {
                return CandidatesOutcome::Offline {
                    reason: offline(origin),
                };
            }
            let files = match index::files(context.client, declaration, name) {
                Ok(files) => files,
                Err(error) => {
                    return CandidatesOutcome::Error {
                        message: describe(origin, &error),
                    };
                }
            };
            let mut versions: Vec<VersionInfo> = Vec::new();
            let mut refused = Vec::new();
            for file in files {
                match file.wheel.check(context.target) {
                    Ok(()) if !versions.iter().any(|v| v.version == file.wheel.version) => {
                        versions.push(VersionInfo::new(&file.wheel.version));
                    }
                    Ok(()) => {}
                    Err(error) => refused.push(error.to_string()),
                }
            }
            if versions.is_empty() {
                return CandidatesOutcome::NotFound {
                    reason: format!(
                        "{origin}: `{}` lists no wheel of `{name}` that fits the target{}",
                        declaration.url,
                        if refused.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", refused.join("; "))
                        }
                    ),
                };
            }
            CandidatesOutcome::Found {
                versions,
                notes: Vec::new(),
            }
        }
    }
}

/// The checkout must be the package asked for.
fn named(name: &str, spec: &GitSpec, resolved: Resolved) -> Result<Resolved, Error> {
    if resolved.project.name.as_str() == name {
        return Ok(resolved);
    }
    Err(Error::Project {
        url: spec.url.clone(),
        rev: resolved.commit.clone(),
        reason: format!(
            "it is the package `{}`, not `{name}`",
            resolved.project.name
        ),
    })
}

fn found(version: VersionInfo, notes: Vec<String>) -> CandidatesOutcome {
    CandidatesOutcome::Found {
        versions: vec![version],
        notes,
    }
}

fn wheel_candidates(
    context: &Context<'_>,
    name: &str,
    references: &[WheelRef],
) -> CandidatesOutcome {
    let mut versions = Vec::new();
    let mut errors = Vec::new();
    let mut offline_reasons = Vec::new();
    for reference in references {
        let result = checked_name(context, name, reference).and_then(|wheel| {
            let metadata = match &reference.location {
                WheelLocation::Url(url) => {
                    if context.offline {
                        offline_reasons.push(offline(&reference.origin));
                        return Ok(None);
                    }
                    context.remote_metadata(url, &wheel, reference.sha256.as_deref())?
                }
                WheelLocation::Path { absolute, .. } => {
                    wheel::metadata(&LocalFile::open(absolute)?, &wheel)?
                }
            };
            Ok(Some(VersionInfo {
                requires_python: metadata.requires_python,
                notes: vec![format!("`{}`", wheel.file)],
                ..VersionInfo::new(metadata.version)
            }))
        });
        match result {
            Ok(Some(version)) => versions.push(version),
            Ok(None) => {}
            Err(error) => errors.push(describe(&reference.origin, &error)),
        }
    }
    if !versions.is_empty() {
        CandidatesOutcome::Found {
            versions,
            notes: errors,
        }
    } else if errors.is_empty() && !offline_reasons.is_empty() {
        CandidatesOutcome::Offline {
            reason: offline_reasons.join("; "),
        }
    } else {
        CandidatesOutcome::Error {
            message: errors.join("; "),
        }
    }
}

/// `details` for one name and version.
pub fn details(
    context: &Context<'_>,
    name: &str,
    version: &str,
    plan: &Plan,
    workspace: &Path,
) -> DetailsOutcome {
    match plan {
        Plan::Other(reason) => DetailsOutcome::NotFound {
            reason: reason.clone(),
        },
        Plan::Undeclared => DetailsOutcome::NotFound {
            reason: format!("`{name}` is not declared in `[resolvers.custom-wheel]`"),
        },
        Plan::Git(spec, origin) => {
            if context.offline && !is_local_git(&spec.url) {
                return DetailsOutcome::Offline {
                    reason: offline(origin),
                };
            }
            match context
                .git(spec)
                .and_then(|resolved| named(name, spec, resolved))
            {
                Ok(resolved) if resolved.project.version == version => {
                    DetailsOutcome::Found(git_found(spec, resolved))
                }
                Ok(resolved) => DetailsOutcome::NotFound {
                    reason: format!(
                        "{origin} is version `{}` at `{}`, not `{version}`",
                        resolved.project.version, resolved.commit
                    ),
                },
                Err(error) => DetailsOutcome::Error {
                    message: describe(origin, &error),
                },
            }
        }
        Plan::Wheels(references) => {
            let mut errors = Vec::new();
            for reference in references {
                match checked_name(context, name, reference) {
                    Ok(wheel) if same_version(&wheel.version, version) => {
                        return wheel_details(context, reference, &wheel, workspace);
                    }
                    Ok(_) => {}
                    Err(error) => errors.push(describe(&reference.origin, &error)),
                }
            }
            DetailsOutcome::NotFound {
                reason: if errors.is_empty() {
                    format!("No declared wheel of `{name}` has version `{version}`")
                } else {
                    errors.join("; ")
                },
            }
        }
        Plan::Index(declaration, origin) => {
            if context.offline {
                return DetailsOutcome::Offline {
                    reason: offline(origin),
                };
            }
            let files = match index::files(context.client, declaration, name) {
                Ok(files) => files,
                Err(error) => {
                    return DetailsOutcome::Error {
                        message: describe(origin, &error),
                    };
                }
            };
            let Some(file) = files.into_iter().find(|file| {
                same_version(&file.wheel.version, version)
                    && file.wheel.check(context.target).is_ok()
            }) else {
                return DetailsOutcome::NotFound {
                    reason: format!(
                        "{origin}: `{}` lists no fitting wheel of `{name}` {version}",
                        declaration.url
                    ),
                };
            };
            let reference = WheelRef {
                origin: origin.clone(),
                location: WheelLocation::Url(file.url.clone()),
                sha256: file.sha256.clone(),
            };
            wheel_details(context, &reference, &file.wheel, workspace)
        }
    }
}

fn git_found(spec: &GitSpec, resolved: Resolved) -> Found {
    let project = resolved.project;
    let dependencies = match project.dependencies {
        Some(requirements) => Dependencies::Known { requirements },
        None => Dependencies::Unknown {
            reason:
                "Its dependencies are not literal in `pyproject.toml`, `setup.cfg` or `setup.py`"
                    .into(),
        },
    };
    Found {
        build_system: project.build_system,
        requires_python: project.requires_python,
        notes: project.notes,
        ..Found::new(
            Source::Git {
                url: spec.url.clone(),
                rev: resolved.commit,
                hash: resolved.hash,
                submodules: spec.submodules,
                subdirectory: spec.subdirectory.clone(),
            },
            dependencies,
        )
    }
}

fn wheel_details(
    context: &Context<'_>,
    reference: &WheelRef,
    wheel: &WheelName,
    workspace: &Path,
) -> DetailsOutcome {
    let fail = |error: Error| DetailsOutcome::Error {
        message: describe(&reference.origin, &error),
    };
    let declared = reference.sha256.as_deref();
    let nvidia = context.settings.nvidia_wheels;
    let inspect =
        |fetched: &wheel::Fetched| wheel::inspect(fetched, wheel, context.cuda_major(), nvidia);
    let result = match &reference.location {
        WheelLocation::Url(url) => {
            if context.offline {
                return DetailsOutcome::Offline {
                    reason: offline(&reference.origin),
                };
            }
            let cache = &context.settings.cache_dir;
            wheel::fetch(context.client, url, wheel, declared, cache, inspect)
        }
        WheelLocation::Path { absolute, .. } => wheel::local(absolute, wheel, declared)
            .and_then(|fetched| inspect(&fetched).map(|inspected| (fetched, inspected))),
    };
    let (fetched, inspected) = match result {
        Ok(done) => done,
        Err(error) => return fail(error),
    };
    let hash = sri(&fetched.sha256);
    let source = match &reference.location {
        WheelLocation::Url(url) => Source::Url {
            url: url.clone(),
            filename: wheel.file.clone(),
            hash,
            format: DistFormat::Wheel,
        },
        WheelLocation::Path { written, absolute } => Source::Path {
            path: if absolute.starts_with(workspace) {
                written.clone()
            } else {
                absolute.display().to_string()
            },
            hash,
            format: DistFormat::Wheel,
        },
    };
    let mut notes = Vec::new();
    if declared.is_none() {
        notes.push(format!(
            "Hashed by megapak: no sha256 is declared for `{}`",
            wheel.file
        ));
    }
    if !inspected.dropped.is_empty() {
        notes.push(format!(
            "Dependencies on {} dropped: the target's CUDA package set provides their libraries (`nvidia-wheels = \"cuda-packages\"`)",
            inspected.dropped.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(libraries) = &inspected.libraries {
        if !libraries.unknown.is_empty() {
            notes.push(format!(
                "Needs libraries no known package provides: {}",
                libraries
                    .unknown
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if nvidia == NvidiaWheels::Keep && !libraries.wheels.is_empty() {
            notes.push("Libraries of other wheels: their folders must be added to autoPatchelf's search path".into());
        }
    }
    let metadata = inspected.metadata;
    DetailsOutcome::Found(Found {
        requires_python: metadata.requires_python,
        summary: metadata.summary,
        license: metadata.license,
        import_names: inspected.import_names,
        notes,
        libraries: inspected.libraries,
        ..Found::new(
            source,
            Dependencies::Known {
                requirements: inspected.requirements,
            },
        )
    })
}
