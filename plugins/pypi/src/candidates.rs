//! `candidates`: for each name, every version that has a file the target can use, with its
//! `Requires-Python` and whether all its files are yanked.

use std::collections::BTreeMap;

use megapak_plugin_abi::wire::{CandidatesAnswer, CandidatesOutcome, CandidatesQuery, VersionInfo};
use megapak_types::PackageName;
use pep440_rs::Version;

use crate::project::{Call, Dist, ProjectFiles};

/// The answer for one query.
pub fn candidates(call: &Call<'_>, query: &CandidatesQuery) -> CandidatesAnswer {
    let outcome = match PackageName::new(&query.name) {
        Err(error) => CandidatesOutcome::Error {
            message: error.to_string(),
        },
        Ok(name) => match call.project_files(&name) {
            ProjectFiles::Found(dists) => versions(call, &name, &dists),
            ProjectFiles::NotFound(reason) => CandidatesOutcome::NotFound { reason },
            ProjectFiles::Offline(reason) => CandidatesOutcome::Offline { reason },
            ProjectFiles::Error(message) => CandidatesOutcome::Error { message },
        },
    };
    CandidatesAnswer {
        name: query.name.clone(),
        outcome,
    }
}

fn versions(call: &Call<'_>, name: &PackageName, dists: &[Dist]) -> CandidatesOutcome {
    let mut by_version: BTreeMap<&Version, Vec<&Dist>> = BTreeMap::new();
    for dist in dists.iter().filter(|dist| dist.usable(&call.tags)) {
        by_version.entry(&dist.name.version).or_default().push(dist);
    }
    if by_version.is_empty() {
        return CandidatesOutcome::NotFound {
            reason: format!(
                "`{name}` has no file for {} on {}: {} files, none a fitting wheel or an sdist",
                call.tags.describe(),
                call.settings.where_looked(),
                dists.len()
            ),
        };
    }
    let versions = by_version
        .into_iter()
        .rev()
        .map(|(version, files)| {
            let yanked = files.iter().all(|dist| dist.file.yanked);
            let requires_python = files
                .iter()
                .filter(|dist| yanked || !dist.file.yanked)
                .find_map(|dist| dist.file.requires_python.clone());
            VersionInfo {
                version: version.to_string(),
                requires_python,
                yanked,
                notes: Vec::new(),
            }
        })
        .collect();
    CandidatesOutcome::Found {
        versions,
        notes: Vec::new(),
    }
}
