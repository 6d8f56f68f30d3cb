//! One wheel, wherever it is: its METADATA (for `candidates`, by range requests), and the whole
//! file fetched once, hashed, checked against the declared hash and searched for ELF files (for
//! `details`).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use megapak_plugin_abi::wire::{NativeLibraries, NvidiaWheels};
use megapak_types::PackageName;

use crate::elf;
use crate::error::Error;
use crate::fetch::{Client, Download, LocalFile, Ranged, sha256_of};
use crate::libraries::{self, Needs};
use crate::metadata::{self, Metadata};
use crate::tags::WheelName;
use crate::zip::Archive;

/// The largest METADATA read.
const MAX_METADATA: u64 = 16 << 20;
/// The most bytes of ELF files unpacked from one wheel.
const MAX_ELF_TOTAL: u64 = 32 << 30;

/// Reads the METADATA of a wheel and checks it against the file name.
pub fn metadata(source: &dyn Ranged, wheel: &WheelName) -> Result<Metadata, Error> {
    let archive = Archive::open(source, &wheel.file)?;
    metadata_of(&archive, wheel)
}

fn metadata_of(archive: &Archive<'_>, wheel: &WheelName) -> Result<Metadata, Error> {
    let entry = archive
        .entries
        .iter()
        .find(|entry| metadata::is_metadata(&entry.name))
        .ok_or_else(|| Error::NoMetadata {
            file: wheel.file.clone(),
        })?;
    let metadata = Metadata::parse(&archive.read(entry, MAX_METADATA)?, &wheel.file)?;
    if metadata.name != wheel.name {
        return Err(Error::BadMetadata {
            file: wheel.file.clone(),
            reason: format!(
                "it names `{}`, its file name `{}`",
                metadata.name, wheel.name
            ),
        });
    }
    if !same_version(&metadata.version, &wheel.version) {
        return Err(Error::BadMetadata {
            file: wheel.file.clone(),
            reason: format!(
                "it says version `{}`, its file name `{}`",
                metadata.version, wheel.version
            ),
        });
    }
    Ok(metadata)
}

/// Versions as a file name escapes them (`_` for `-`) and METADATA writes them.
pub fn same_version(metadata: &str, file: &str) -> bool {
    let canonical = |version: &str| version.to_ascii_lowercase().replace(['-', '_'], ".");
    canonical(metadata) == canonical(file)
}

/// Whether a member is a shared library or an extension module.
fn is_elf_candidate(member: &str) -> bool {
    let base = member.rsplit('/').next().unwrap_or(member);
    base.ends_with(".so") || base.contains(".so.")
}

/// The sonames every ELF file of the wheel needs, and the wheel's own libraries.
pub fn needs(source: &dyn Ranged, wheel: &WheelName) -> Result<Needs, Error> {
    let archive = Archive::open(source, &wheel.file)?;
    let mut needs = Needs::default();
    let elves: Vec<_> = archive
        .entries
        .iter()
        .filter(|entry| is_elf_candidate(&entry.name))
        .collect();
    let total: u64 = elves.iter().map(|entry| entry.size).sum();
    if total > MAX_ELF_TOTAL {
        return Err(Error::ZipBomb {
            file: wheel.file.clone(),
            member: "*.so".into(),
            limit: MAX_ELF_TOTAL,
        });
    }
    for entry in archive
        .entries
        .iter()
        .filter(|entry| !entry.name.ends_with('/'))
    {
        let base = entry.name.rsplit('/').next().unwrap_or(&entry.name);
        needs.own.insert(base.to_owned());
    }
    for entry in elves {
        let dynamic = elf::needed_libraries(|| {
            archive
                .stream(entry)
                .map_err(|error| io::Error::other(error.to_string()))
        })
        .map_err(|cause| match cause {
            elf::ElfError::Read(error) => archive.broken(entry, &error),
            cause => Error::Elf {
                file: wheel.file.clone(),
                member: entry.name.clone(),
                cause,
            },
        })?;
        if let Some(dynamic) = dynamic {
            needs.own.extend(dynamic.soname);
            needs.needed.extend(dynamic.needed);
        }
    }
    Ok(needs)
}

/// The links of one member (`onnxruntime/capi/libonnxruntime_providers_cuda.so`), read through
/// `source`: for a remote wheel, ranges up to its dynamic segment, not the whole wheel.
pub fn member_links(
    source: &dyn Ranged,
    wheel: &WheelName,
    member: &str,
) -> Result<Option<elf::Dynamic>, Error> {
    let archive = Archive::open(source, &wheel.file)?;
    let entry = archive.find(member).ok_or_else(|| Error::Zip {
        file: wheel.file.clone(),
        reason: format!("it has no `{member}`"),
    })?;
    elf::needed_libraries(|| {
        archive
            .stream(entry)
            .map_err(|error| io::Error::other(error.to_string()))
    })
    .map_err(|cause| match cause {
        elf::ElfError::Read(error) => archive.broken(entry, &error),
        cause => Error::Elf {
            file: wheel.file.clone(),
            member: entry.name.clone(),
            cause,
        },
    })
}

/// A wheel on this machine: downloaded into the cache, or a declared path.
#[derive(Debug)]
pub struct Fetched {
    /// The file.
    pub path: PathBuf,
    /// Its sha256, lowercase hex.
    pub sha256: String,
}

/// Fetches `url` once into `cache/wheels/<sha256>/<file>`, checking `declared`, and runs
/// `inspect` on it before it is kept: a wheel with the wrong hash or one that fails `inspect`
/// leaves nothing in the cache. A declared hash already in the cache is not fetched again (the
/// cached file is hashed again).
pub fn fetch<T>(
    client: &Client,
    url: &str,
    wheel: &WheelName,
    declared: Option<&str>,
    cache: &Path,
    inspect: impl FnOnce(&Fetched) -> Result<T, Error>,
) -> Result<(Fetched, T), Error> {
    if let Some(declared) = declared {
        let path = cache.join("wheels").join(declared).join(&wheel.file);
        if path.is_file() && sha256_of(&path)? == declared {
            let fetched = Fetched {
                path,
                sha256: declared.to_owned(),
            };
            let inspected = inspect(&fetched)?;
            return Ok((fetched, inspected));
        }
    }
    let download = client.download(url, &cache.join("tmp"))?;
    check_hash(&download, declared, wheel)?;
    let sha256 = download.sha256.clone();
    let inspected = inspect(&Fetched {
        path: download.file.path().to_owned(),
        sha256: sha256.clone(),
    })?;
    let path = download.keep(&cache.join("wheels").join(&sha256).join(&wheel.file))?;
    Ok((Fetched { path, sha256 }, inspected))
}

/// A local wheel, checked against `declared`.
pub fn local(path: &Path, wheel: &WheelName, declared: Option<&str>) -> Result<Fetched, Error> {
    let sha256 = sha256_of(path)?;
    if let Some(declared) = declared
        && declared != sha256
    {
        return Err(Error::HashMismatch {
            file: wheel.file.clone(),
            declared: declared.to_owned(),
            actual: sha256,
        });
    }
    Ok(Fetched {
        path: path.to_owned(),
        sha256,
    })
}

fn check_hash(download: &Download, declared: Option<&str>, wheel: &WheelName) -> Result<(), Error> {
    match declared {
        Some(declared) if declared != download.sha256 => Err(Error::HashMismatch {
            file: wheel.file.clone(),
            declared: declared.to_owned(),
            actual: download.sha256.clone(),
        }),
        _ => Ok(()),
    }
}

/// Everything `details` says of a fetched wheel.
#[derive(Debug)]
pub struct Inspected {
    /// Its METADATA.
    pub metadata: Metadata,
    /// Its dependencies, after the `nvidia-wheels` choice.
    pub requirements: Vec<String>,
    /// The dependencies dropped for the CUDA package set.
    pub dropped: Vec<String>,
    /// Its native libraries; `None` for a wheel without ELF files.
    pub libraries: Option<NativeLibraries>,
    /// Its top-level modules: packages (`cupy/__init__.py`) and single modules (`six.py`).
    pub import_names: Vec<String>,
}

/// Reads METADATA and every ELF file of a fetched wheel and sorts its libraries.
pub fn inspect(
    fetched: &Fetched,
    wheel: &WheelName,
    cuda_major: Option<u32>,
    nvidia_wheels: NvidiaWheels,
) -> Result<Inspected, Error> {
    let file = LocalFile::open(&fetched.path)?;
    let archive = Archive::open(&file, &wheel.file)?;
    let metadata = metadata_of(&archive, wheel)?;
    let needs = needs(&file, wheel)?;
    let import_names = import_names(&archive);
    let dependencies: BTreeSet<PackageName> = metadata
        .requires_dist
        .iter()
        .filter_map(|requirement| requirement_name(requirement))
        .collect();
    let (dropped, requirements): (Vec<String>, Vec<String>) = metadata
        .requires_dist
        .iter()
        .cloned()
        .partition(|requirement| {
            nvidia_wheels == NvidiaWheels::CudaPackages
                && requirement_name(requirement)
                    .is_some_and(|name| libraries::is_cuda_wheel(name.as_str()))
        });
    let libraries = (!needs.needed.is_empty())
        .then(|| libraries::classify(&needs, cuda_major, &dependencies, nvidia_wheels));
    Ok(Inspected {
        metadata,
        requirements,
        dropped,
        libraries,
        import_names,
    })
}

/// The importable top-level names of a wheel: folders with `__init__.py` and modules at the top
/// (`.py`, or an extension `name.cpython-314-x86_64-linux-gnu.so`), not `.dist-info`, `.data`
/// or auditwheel's `.libs`.
fn import_names(archive: &Archive<'_>) -> Vec<String> {
    let mut names = BTreeSet::new();
    for entry in &archive.entries {
        let mut parts = entry.name.split('/');
        let (Some(first), second) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = match second {
            Some("__init__.py") => first,
            Some(_) => continue,
            None => match first.split_once('.') {
                Some((stem, rest)) if rest == "py" || rest.ends_with("so") => stem,
                _ => continue,
            },
        };
        if name.chars().all(|c| c.is_alphanumeric() || c == '_') && !name.is_empty() {
            names.insert(name.to_owned());
        }
    }
    names.into_iter().collect()
}

/// The name a PEP 508 requirement starts with.
pub fn requirement_name(requirement: &str) -> Option<PackageName> {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    PackageName::new(&requirement[..end]).ok()
}
