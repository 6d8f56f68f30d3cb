//! `details`: for a chosen version, the file for the target (the best wheel, else the sdist),
//! its hash as the index publishes it, and what it needs, read with as few bytes as possible:
//! the PEP 658 `.metadata` file where advertised, else range requests into the wheel, else the
//! sdist's `PKG-INFO`, `pyproject.toml` and `requires.txt`.

use std::str::FromStr;

use megapak_plugin_abi::wire::{
    Dependencies, DetailsAnswer, DetailsOutcome, DetailsQuery, DistFormat, Found, Source,
};
use megapak_types::PackageName;
use pep440_rs::Version;

use crate::error::PypiError;
use crate::facts::FileFacts;
use crate::filename::{DistKind, SdistFormat};
use crate::index::CoreMetadataLink;
use crate::metadata;
use crate::project::{Call, Dist, ProjectFiles};
use crate::remote::{self, InMemory, RangeSource};
use crate::sdist::{self, SdistContents};
use crate::sri::{self, HashingReader};
use crate::wheel;

/// The tail of a zip fetched first: its central directory and, in most wheels, METADATA.
pub const TAIL: u64 = 16 * 1024;

/// The PEP 517 default for a project without `[build-system]`.
const DEFAULT_BUILD_SYSTEM: &str = "setuptools>=40.8.0";

/// The answer for one query.
pub fn details(call: &Call<'_>, query: &DetailsQuery) -> DetailsAnswer {
    DetailsAnswer {
        name: query.name.clone(),
        version: query.version.clone(),
        outcome: outcome(call, query),
    }
}

fn outcome(call: &Call<'_>, query: &DetailsQuery) -> DetailsOutcome {
    let name = match PackageName::new(&query.name) {
        Ok(name) => name,
        Err(error) => {
            return DetailsOutcome::Error {
                message: error.to_string(),
            };
        }
    };
    let Ok(version) = Version::from_str(&query.version) else {
        return DetailsOutcome::Error {
            message: format!("`{}` is not a PEP 440 version", query.version),
        };
    };
    let dists = match call.project_files(&name) {
        ProjectFiles::Found(dists) => dists,
        ProjectFiles::NotFound(reason) => return DetailsOutcome::NotFound { reason },
        ProjectFiles::Offline(reason) => return DetailsOutcome::Offline { reason },
        ProjectFiles::Error(message) => return DetailsOutcome::Error { message },
    };
    let of_version: Vec<&Dist> = dists.iter().filter(|d| d.name.version == version).collect();
    if of_version.is_empty() {
        return DetailsOutcome::NotFound {
            reason: format!(
                "`{name}` {version} is not on {}",
                call.settings.where_looked()
            ),
        };
    }
    let Some(dist) = choose(call, &of_version) else {
        return DetailsOutcome::NotFound {
            reason: format!(
                "No file of `{name}` {version} fits {}: {}",
                call.tags.describe(),
                listed(&of_version)
            ),
        };
    };
    let key = dist
        .file
        .sha256
        .clone()
        .unwrap_or_else(|| dist.file.url.clone());
    let facts = match call.cache.facts(&key) {
        Some(facts) => facts,
        None if call.offline => {
            return DetailsOutcome::Offline {
                reason: format!(
                    "The metadata of `{name}` {version} (`{}`) is not in the cache",
                    dist.file.filename
                ),
            };
        }
        None => match read_facts(call, &name, dist) {
            Ok(facts) => {
                call.cache.store_facts(&key, &facts);
                facts
            }
            Err(error) => {
                return DetailsOutcome::Error {
                    message: error.to_string(),
                };
            }
        },
    };
    DetailsOutcome::Found(found(dist, facts))
}

/// The first few file names, for a message.
fn listed(files: &[&Dist]) -> String {
    let mut names: Vec<String> = files
        .iter()
        .take(4)
        .map(|d| format!("`{}`", d.file.filename))
        .collect();
    if files.len() > 4 {
        names.push(format!("and {} more", files.len() - 4));
    }
    names.join(", ")
}

/// The best usable file: non-yanked ones first (a yanked one only when all are, that is when
/// the solver took a yanked version pinned exactly), then by [`Dist::preference`].
fn choose<'d>(call: &Call<'_>, files: &[&'d Dist]) -> Option<&'d Dist> {
    let usable: Vec<&Dist> = files
        .iter()
        .copied()
        .filter(|d| d.usable(&call.tags))
        .collect();
    let pool: Vec<&Dist> = if usable.iter().any(|d| !d.file.yanked) {
        usable.into_iter().filter(|d| !d.file.yanked).collect()
    } else {
        usable
    };
    pool.into_iter().min_by_key(|d| d.preference())
}

fn found(dist: &Dist, facts: FileFacts) -> Found {
    let hash = dist
        .file
        .sha256
        .as_deref()
        .or(facts.computed_sha256.as_deref())
        .and_then(sri::from_hex)
        .unwrap_or_default();
    let format = match dist.name.kind {
        DistKind::Wheel(_) => DistFormat::Wheel,
        DistKind::Sdist(_) => DistFormat::Sdist,
    };
    let mut notes = facts.notes;
    if dist.file.yanked {
        notes.push("Yanked on the index: taken only because it is pinned exactly".to_owned());
    }
    Found {
        source: Source::Url {
            url: dist.file.url.clone(),
            filename: dist.file.filename.clone(),
            hash,
            format,
        },
        dependencies: match facts.requirements {
            Some(requirements) => Dependencies::Known { requirements },
            None => Dependencies::Unknown {
                reason: facts
                    .unknown_reason
                    .unwrap_or_else(|| "The file does not say".to_owned()),
            },
        },
        build_system: facts.build_system,
        requires_python: facts
            .requires_python
            .or_else(|| dist.file.requires_python.clone()),
        import_names: facts.import_names,
        summary: facts.summary,
        license: facts.license,
        notes,
        // The native libraries of a wheel need its ELF files, which this resolver never
        // downloads.
        libraries: None,
    }
}

/// Reads what `dist` says about itself, fetching as little as it can.
fn read_facts(call: &Call<'_>, name: &PackageName, dist: &Dist) -> Result<FileFacts, PypiError> {
    let file = &dist.file;
    if file.sha256.is_none() || file.url.starts_with("file://") {
        // No published hash: download once, hash while reading, read the metadata from memory.
        let bytes = download(call, &file.url)?;
        let digest = sri::hex(&sri::digest(&bytes));
        check_hash(&file.filename, file.sha256.as_deref(), &digest)?;
        let mut source = InMemory {
            bytes,
            filename: file.filename.clone(),
        };
        let mut facts = facts_from_source(dist, name, &mut source)?;
        if file.sha256.is_none() {
            facts.computed_sha256 = Some(digest);
            facts
                .notes
                .push("Hashed by megapak: the index publishes no sha256 for this file".to_owned());
        }
        return Ok(facts);
    }
    if let (DistKind::Wheel(_), CoreMetadataLink::Available(hash)) =
        (&dist.name.kind, &file.core_metadata)
    {
        let url = format!("{}.metadata", file.url);
        let answer = call.client.get(&url, &[])?;
        if answer.status == 200 {
            let digest = sri::hex(&sri::digest(&answer.body));
            check_hash(
                &format!("{}.metadata", file.filename),
                hash.as_deref(),
                &digest,
            )?;
            return Ok(wheel_facts(
                &String::from_utf8_lossy(&answer.body),
                Vec::new(),
            ));
        }
    }
    match &dist.name.kind {
        DistKind::Sdist(SdistFormat::TarGz) => {
            let (status, _, reader) = call.client.get_stream(&file.url)?;
            if status != 200 {
                return Err(PypiError::Status {
                    url: file.url.clone(),
                    status,
                });
            }
            let mut hashing = HashingReader::new(reader);
            let contents = sdist::read_tar_gz(&mut hashing, &file.filename, false)?;
            if contents.complete {
                let digest = hashing.finish().map_err(|e| PypiError::BadTar {
                    filename: file.filename.clone(),
                    message: e.to_string(),
                })?;
                check_hash(&file.filename, file.sha256.as_deref(), &sri::hex(&digest))?;
            }
            sdist_facts(&file.filename, contents)
        }
        _ => match remote::open(&call.client, &file.url, &file.filename, TAIL)? {
            remote::Opened::Ranged(mut source) => facts_from_source(dist, name, &mut source),
            remote::Opened::Whole(bytes) => {
                // The server ignored `Range`: this was a bounded download of the whole file.
                let digest = sri::hex(&sri::digest(&bytes));
                check_hash(&file.filename, file.sha256.as_deref(), &digest)?;
                let mut source = InMemory {
                    bytes,
                    filename: file.filename.clone(),
                };
                facts_from_source(dist, name, &mut source)
            }
        },
    }
}

fn facts_from_source(
    dist: &Dist,
    name: &PackageName,
    source: &mut dyn RangeSource,
) -> Result<FileFacts, PypiError> {
    match &dist.name.kind {
        DistKind::Wheel(_) => {
            let contents = wheel::read_wheel(source, name, TAIL)?;
            Ok(wheel_facts(&contents.metadata, contents.import_names))
        }
        DistKind::Sdist(SdistFormat::TarGz) => {
            let size = source.size();
            let bytes = source.read_at(0, size)?;
            let contents = sdist::read_tar_gz(&bytes[..], &dist.file.filename, true)?;
            sdist_facts(&dist.file.filename, contents)
        }
        DistKind::Sdist(SdistFormat::Zip) => {
            let contents = sdist::read_zip(source, TAIL)?;
            sdist_facts(&dist.file.filename, contents)
        }
        DistKind::Sdist(SdistFormat::Other) => Err(PypiError::SdistFormat {
            filename: dist.file.filename.clone(),
        }),
    }
}

fn wheel_facts(text: &str, import_names: Vec<String>) -> FileFacts {
    let metadata = metadata::parse_core_metadata(text);
    FileFacts {
        requirements: Some(metadata.requires_dist),
        requires_python: metadata.requires_python,
        summary: metadata.summary,
        license: metadata.license,
        import_names,
        ..FileFacts::default()
    }
}

fn sdist_facts(filename: &str, contents: SdistContents) -> Result<FileFacts, PypiError> {
    let pkg_info = contents.pkg_info.ok_or_else(|| PypiError::NoPkgInfo {
        filename: filename.to_owned(),
    })?;
    let metadata = metadata::parse_core_metadata(&pkg_info);
    let pyproject = contents
        .pyproject
        .as_deref()
        .map(metadata::parse_pyproject)
        .transpose()
        .map_err(|message| PypiError::Pyproject {
            filename: filename.to_owned(),
            message,
        })?;
    let mut notes = Vec::new();
    let build_system = match pyproject.as_ref().and_then(|p| p.build_requires.clone()) {
        Some(requires) => requires,
        None => {
            notes.push(format!(
                "{}: `{DEFAULT_BUILD_SYSTEM}`, as PEP 517 assumes",
                if pyproject.is_some() {
                    "`pyproject.toml` has no `[build-system]`"
                } else {
                    "No `pyproject.toml`"
                }
            ));
            vec![DEFAULT_BUILD_SYSTEM.to_owned()]
        }
    };
    let static_pyproject = pyproject.as_ref().and_then(|p| p.requirements.clone());
    let requirements = if metadata.static_requirements() || !metadata.requires_dist.is_empty() {
        Some(metadata.requires_dist)
    } else if let Some(text) = contents.requires_txt.as_deref() {
        Some(metadata::parse_requires_txt(text))
    } else {
        static_pyproject
    };
    let unknown_reason = requirements
        .is_none()
        .then(|| format!("The sdist `{filename}` declares its dependencies only when it is built"));
    Ok(FileFacts {
        requirements,
        unknown_reason,
        build_system,
        requires_python: metadata
            .requires_python
            .or_else(|| pyproject.and_then(|p| p.requires_python)),
        summary: metadata.summary,
        license: metadata.license,
        import_names: contents
            .top_level_txt
            .as_deref()
            .map(|text| {
                let packages: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.contains('/'))
                    .map(|l| format!("{l}/__init__.py"))
                    .collect();
                wheel::import_names(packages.iter().map(String::as_str))
            })
            .unwrap_or_default(),
        computed_sha256: None,
        notes,
    })
}

fn check_hash(filename: &str, expected: Option<&str>, actual: &str) -> Result<(), PypiError> {
    match expected {
        Some(expected) if !expected.eq_ignore_ascii_case(actual) => Err(PypiError::HashMismatch {
            filename: filename.to_owned(),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The whole file at `url` (`file://` read from disk), within the response cap.
fn download(call: &Call<'_>, url: &str) -> Result<Vec<u8>, PypiError> {
    if let Some(path) = url
        .strip_prefix("file://")
        .and_then(|_| url::Url::parse(url).ok()?.to_file_path().ok())
    {
        let local = |message: String| PypiError::Local {
            path: path.display().to_string(),
            message,
        };
        let size = fs_err::metadata(&path)
            .map_err(|e| local(e.to_string()))?
            .len();
        if size > call.client.max_bytes {
            return Err(PypiError::TooLarge {
                url: url.to_owned(),
                limit_mib: call.client.max_bytes >> 20,
            });
        }
        return fs_err::read(&path).map_err(|e| local(e.to_string()));
    }
    let answer = call.client.get(url, &[])?;
    if answer.status != 200 {
        return Err(PypiError::Status {
            url: url.to_owned(),
            status: answer.status,
        });
    }
    Ok(answer.body)
}
