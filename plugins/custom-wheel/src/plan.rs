//! Which source answers for a package: a `[[...git]]` declaration, `[[...wheel]]` declarations,
//! the pak files' own URL (`git+https://...`, `name @ https://...whl`), or an index that serves
//! the name. Declarations come first: a team that declares a source means it.

use megapak_plugin_abi::wire::DirectReference;

use crate::error::Origin;
use crate::git::GitSpec;
use crate::settings::{IndexDecl, Settings, WheelLocation, sha256_hex};

/// The source of one package.
#[derive(Debug, Clone)]
pub enum Plan {
    /// One or more wheels (one version each).
    Wheels(Vec<WheelRef>),
    /// A git checkout.
    Git(GitSpec, Origin),
    /// An index or find-links page.
    Index(IndexDecl, Origin),
    /// Nothing this plugin knows.
    Undeclared,
    /// Something it does not read (an sdist by URL), with the reason.
    Other(String),
}

/// A wheel to read.
#[derive(Debug, Clone)]
pub struct WheelRef {
    /// Where it was asked for.
    pub origin: Origin,
    /// Where it is.
    pub location: WheelLocation,
    /// Its expected sha256, lowercase hex.
    pub sha256: Option<String>,
}

/// The plan for `name` (PEP 503 normalized).
pub fn plan(settings: &Settings, name: &str, direct: Option<&DirectReference>) -> Plan {
    if let Some(git) = settings.gits.iter().find(|git| git.name.as_str() == name) {
        let spec = GitSpec {
            url: git.url.clone(),
            rev: git.rev.clone(),
            submodules: git.submodules,
            subdirectory: git.subdirectory.clone(),
        };
        return Plan::Git(spec, declared(settings, "git", git.index, name));
    }
    let wheels: Vec<WheelRef> = settings
        .wheels
        .iter()
        .filter(|wheel| wheel.name.as_str() == name)
        .map(|wheel| WheelRef {
            origin: declared(settings, "wheel", wheel.index, name),
            location: wheel.location.clone(),
            sha256: wheel.sha256.clone(),
        })
        .collect();
    if !wheels.is_empty() {
        return Plan::Wheels(wheels);
    }
    match direct {
        Some(DirectReference::Git {
            url,
            rev,
            subdirectory,
        }) => {
            let written = match rev {
                Some(rev) => format!("git+{url}@{rev}"),
                None => format!("git+{url}"),
            };
            let spec = GitSpec {
                url: url.strip_prefix("git+").unwrap_or(url).to_owned(),
                rev: rev.clone(),
                submodules: false,
                subdirectory: subdirectory.clone(),
            };
            return Plan::Git(
                spec,
                Origin::Pak {
                    name: name.to_owned(),
                    url: written,
                },
            );
        }
        Some(DirectReference::Url { url }) => {
            let (bare, fragment) = url.split_once('#').unwrap_or((url, ""));
            if !bare.ends_with(".whl") {
                return Plan::Other(format!(
                    "`{url}` is no wheel: the `custom-wheel` resolver reads wheels only"
                ));
            }
            let sha256 = fragment
                .split('&')
                .find_map(|pair| pair.strip_prefix("sha256="))
                .and_then(sha256_hex);
            return Plan::Wheels(vec![WheelRef {
                origin: Origin::Pak {
                    name: name.to_owned(),
                    url: url.clone(),
                },
                location: WheelLocation::Url(bare.to_owned()),
                sha256,
            }]);
        }
        None => {}
    }
    if let Some(index) = settings.indexes.iter().find(|index| {
        index
            .packages
            .iter()
            .any(|package| package.as_str() == name)
    }) {
        return Plan::Index(
            index.clone(),
            declared(settings, "index", index.index, name),
        );
    }
    Plan::Undeclared
}

fn declared(settings: &Settings, table: &'static str, index: usize, name: &str) -> Origin {
    Origin::Declared {
        table,
        index,
        name: name.to_owned(),
        at: settings.location(table, index),
    }
}

/// Whether a git URL can be read without the network.
pub fn is_local_git(url: &str) -> bool {
    url.starts_with("file://") || url.starts_with('/')
}
