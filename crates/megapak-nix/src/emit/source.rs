//! A package's `src`: `fetchurl` for a file on an index, `fetchgit` for a checkout,
//! `builtins.path` for a file of the workspace, each with the lock's hash. A source without a
//! usable hash is an error here, never a fake hash for Nix to complain about later.

use megapak_lock::{LockedPackage, LockedSource};

use super::error::EmitError;
use super::syntax::{is_store_name, relative_path, string};

/// How to fetch a package's source.
#[derive(Debug)]
pub(crate) struct Fetch {
    /// The function called: `fetchurl`, `fetchgit`, `builtins.path`.
    pub(crate) call: &'static str,
    /// The package file's argument it needs, if any.
    pub(crate) function: Option<&'static str>,
    /// Its arguments, written as Nix.
    pub(crate) arguments: Vec<(String, String)>,
    /// The package's folder inside a checkout, when it is not the root.
    pub(crate) subdirectory: Option<String>,
}

/// The fetch of `package`'s source, from a file `depth` folders below the workspace folder.
pub(crate) fn fetch_of(package: &LockedPackage, depth: usize) -> Result<Fetch, EmitError> {
    let name = &package.name;
    let non_empty = |value: &str, key: &'static str| {
        if value.trim().is_empty() {
            Err(EmitError::Empty {
                package: name.clone(),
                key,
            })
        } else {
            Ok(())
        }
    };
    let store_name = |filename: &str| {
        if is_store_name(filename) {
            Ok(())
        } else {
            Err(EmitError::InvalidFileName {
                package: name.clone(),
                filename: filename.to_owned(),
            })
        }
    };
    match &package.source {
        LockedSource::Url {
            url,
            filename,
            hash,
            ..
        } => {
            non_empty(url, "url")?;
            non_empty(filename, "filename")?;
            store_name(filename)?;
            check_hash(package, hash, &["sha256", "sha512"])?;
            Ok(Fetch {
                call: "fetchurl",
                function: Some("fetchurl"),
                // `name`: the store path keeps the real file name (pip reads a wheel's tags from
                // it), whatever the URL's last segment (`%2B` for `+`, a query) is.
                arguments: vec![
                    ("name".into(), string(filename)),
                    ("url".into(), string(url)),
                    ("hash".into(), string(hash)),
                ],
                subdirectory: None,
            })
        }
        LockedSource::Git {
            url,
            rev,
            hash,
            submodules,
            subdirectory,
        } => {
            non_empty(url, "url")?;
            non_empty(rev, "rev")?;
            // A full SHA-1 or SHA-256 commit id: a branch or tag name would move.
            let full = matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b.is_ascii_hexdigit());
            if !full {
                return Err(EmitError::InvalidRev {
                    package: name.clone(),
                    rev: rev.clone(),
                });
            }
            check_hash(package, hash, &["sha256", "sha512"])?;
            Ok(Fetch {
                call: "fetchgit",
                function: Some("fetchgit"),
                arguments: vec![
                    ("url".into(), string(url)),
                    ("rev".into(), string(rev)),
                    ("hash".into(), string(hash)),
                    // Explicit: fetchgit's default (true) has changed meaning across releases.
                    ("fetchSubmodules".into(), submodules.to_string()),
                ],
                subdirectory: subdirectory.as_deref().and_then(normalize_subdirectory),
            })
        }
        LockedSource::Path { path, hash, .. } => {
            non_empty(path, "path")?;
            if path.starts_with('/') {
                return Err(EmitError::AbsolutePath {
                    package: name.clone(),
                    path: path.clone(),
                });
            }
            let filename = path.rsplit('/').next().unwrap_or(path);
            store_name(filename)?;
            // `builtins.path` checks only sha256.
            check_hash(package, hash, &["sha256"])?;
            Ok(Fetch {
                call: "builtins.path",
                function: None,
                // A flat hash of the file itself, checked when Nix copies it into the store.
                arguments: vec![
                    ("name".into(), string(filename)),
                    ("path".into(), relative_path(depth, path)),
                    ("recursive".into(), "false".into()),
                    ("sha256".into(), string(hash)),
                ],
                subdirectory: None,
            })
        }
        LockedSource::Nixpkgs { .. } => Err(EmitError::Empty {
            package: name.clone(),
            key: "url",
        }),
    }
}

/// `libs/spandrel` for `./libs/spandrel/`; nothing for the repository's root (`.`, empty).
fn normalize_subdirectory(subdirectory: &str) -> Option<String> {
    let trimmed = subdirectory
        .trim_start_matches("./")
        .trim_end_matches('/')
        .to_owned();
    (!trimmed.is_empty() && trimmed != ".").then_some(trimmed)
}

/// An SRI hash of one of `algorithms`, with the base64 length that algorithm gives.
fn check_hash(package: &LockedPackage, hash: &str, algorithms: &[&str]) -> Result<(), EmitError> {
    if hash.trim().is_empty() {
        return Err(EmitError::MissingHash {
            package: package.name.clone(),
        });
    }
    let valid = hash.split_once('-').is_some_and(|(algorithm, digest)| {
        let length = match algorithm {
            "sha256" => 44,
            "sha512" => 88,
            _ => return false,
        };
        algorithms.contains(&algorithm)
            && digest.len() == length
            && digest.ends_with('=')
            && digest
                .trim_end_matches('=')
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    });
    if valid {
        Ok(())
    } else {
        Err(EmitError::InvalidHash {
            package: package.name.clone(),
            hash: hash.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdirectories_are_normalized() {
        assert_eq!(normalize_subdirectory("."), None);
        assert_eq!(normalize_subdirectory("./"), None);
        assert_eq!(normalize_subdirectory(""), None);
        assert_eq!(
            normalize_subdirectory("./libs/spandrel/").as_deref(),
            Some("libs/spandrel")
        );
    }
}
