//! Asking the providers: candidates and details in batches, the details of several providers
//! in parallel, and the prefetch that asks for a whole closure level by level.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use megapak_plugin_abi::wire::{
    CandidatesOutcome, CandidatesQuery, Dependencies, DetailsOutcome, DetailsQuery, Found,
};
use megapak_requirements::pep440_rs::Version;
use megapak_types::PackageName;

use crate::dependencies::{self, Dependency};
use crate::error::SolveError;
use crate::oracle::{Candidate, Listing, Oracle};
use crate::package::Pkg;
use crate::ranges::Range;

impl Oracle<'_> {
    /// Asks provider `i` for the candidates of `names` it was not asked about yet.
    pub(crate) fn fetch_candidates(
        &self,
        i: usize,
        names: &[PackageName],
    ) -> Result<(), SolveError> {
        let names: Vec<PackageName> = {
            let state = self.state.borrow();
            names
                .iter()
                .filter(|name| !state.listings.contains_key(&(i, (*name).clone())))
                .cloned()
                .collect()
        };
        if names.is_empty() {
            return Ok(());
        }
        let queries: Vec<CandidatesQuery> = names
            .iter()
            .map(|name| CandidatesQuery {
                name: name.to_string(),
                specifiers: self.specifiers.get(name).map(ToString::to_string),
                direct: self.direct.get(name).cloned(),
            })
            .collect();
        let provider = self.providers[i];
        let answers =
            provider
                .candidates(&queries)
                .map_err(|error| SolveError::ProviderFailed {
                    provider: provider.name().to_owned(),
                    call: "candidates",
                    packages: names.iter().map(|name| format!("`{name}`")).collect(),
                    message: error.to_string(),
                })?;
        let mut by_name: HashMap<PackageName, CandidatesOutcome> = HashMap::new();
        for answer in answers {
            if let Ok(name) = PackageName::new(&answer.name) {
                by_name.insert(name, answer.outcome);
            }
        }
        let mut state = self.state.borrow_mut();
        for name in names {
            let listing = match by_name.remove(&name) {
                Some(CandidatesOutcome::Found { versions, notes }) => Listing::Found {
                    candidates: versions
                        .into_iter()
                        .filter_map(|info| {
                            let version = Version::from_str(&info.version).ok()?;
                            let python_mismatch = info
                                .requires_python
                                .filter(|requires| !self.python_fits(requires));
                            Some(Candidate {
                                version,
                                text: info.version,
                                yanked: info.yanked,
                                python_mismatch,
                                notes: info.notes,
                            })
                        })
                        .collect(),
                    notes,
                },
                Some(CandidatesOutcome::NotFound { reason }) => Listing::NotFound(reason),
                None => {
                    Listing::NotFound(format!("{} did not answer for `{name}`", provider.name()))
                }
                Some(CandidatesOutcome::Offline { reason }) => {
                    Listing::Failed(Box::new(SolveError::Offline {
                        provider: provider.name().to_owned(),
                        package: name.to_string(),
                        reason,
                    }))
                }
                Some(CandidatesOutcome::Error { message }) => {
                    Listing::Failed(Box::new(SolveError::PackageFailed {
                        provider: provider.name().to_owned(),
                        call: "candidates",
                        package: format!("`{name}`"),
                        message,
                    }))
                }
            };
            state.listings.insert((i, name), listing);
        }
        Ok(())
    }

    /// Asks providers for the details of `(provider, name, version)` triples not asked yet:
    /// one call per provider, the providers in parallel.
    pub(crate) fn fetch_details(
        &self,
        wanted: &[(usize, PackageName, String)],
    ) -> Result<(), SolveError> {
        let mut batches: Vec<(usize, Vec<DetailsQuery>)> = Vec::new();
        {
            let state = self.state.borrow();
            let mut seen = HashSet::new();
            for (i, name, text) in wanted {
                if state
                    .details
                    .contains_key(&(*i, name.clone(), text.clone()))
                    || !seen.insert((*i, name, text))
                {
                    continue;
                }
                let query = DetailsQuery {
                    name: name.to_string(),
                    version: text.clone(),
                    direct: self.direct.get(name).cloned(),
                };
                match batches.iter_mut().find(|(p, _)| p == i) {
                    Some((_, queries)) => queries.push(query),
                    None => batches.push((*i, vec![query])),
                }
            }
        }
        if batches.is_empty() {
            return Ok(());
        }
        let call = |(i, queries): &(usize, Vec<DetailsQuery>)| {
            let provider = self.providers[*i];
            provider
                .details(queries)
                .map_err(|error| SolveError::ProviderFailed {
                    provider: provider.name().to_owned(),
                    call: "details",
                    packages: queries
                        .iter()
                        .map(|q| format!("`{}` {}", q.name, q.version))
                        .collect(),
                    message: error.to_string(),
                })
        };
        let results: Vec<_> = if batches.len() == 1 {
            vec![call(&batches[0])]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batches
                    .iter()
                    .map(|batch| scope.spawn(move || call(batch)))
                    .collect();
                handles
                    .into_iter()
                    .zip(&batches)
                    .map(|(handle, (i, queries))| {
                        handle.join().unwrap_or_else(|_| {
                            Err(SolveError::ProviderFailed {
                                provider: self.providers[*i].name().to_owned(),
                                call: "details",
                                packages: queries.iter().map(|q| format!("`{}`", q.name)).collect(),
                                message: "the call panicked".to_owned(),
                            })
                        })
                    })
                    .collect()
            })
        };
        let mut state = self.state.borrow_mut();
        for ((i, queries), result) in batches.iter().zip(results) {
            let mut answers: HashMap<(PackageName, String), DetailsOutcome> = HashMap::new();
            for answer in result? {
                if let Ok(name) = PackageName::new(&answer.name) {
                    answers.insert((name, answer.version), answer.outcome);
                }
            }
            for query in queries {
                let Ok(name) = PackageName::new(&query.name) else {
                    continue;
                };
                let outcome = answers
                    .remove(&(name.clone(), query.version.clone()))
                    .unwrap_or_else(|| DetailsOutcome::NotFound {
                        reason: format!(
                            "{} did not answer for `{}` {}",
                            self.providers[*i].name(),
                            query.name,
                            query.version
                        ),
                    });
                state
                    .details
                    .insert((*i, name, query.version.clone()), outcome);
            }
        }
        Ok(())
    }

    /// Asks about new names in batches: candidates from each provider in order for the names
    /// no earlier one has a fitting version of, then the details of the likely versions; and
    /// again for the names those details depend on, level by level, so that a whole closure
    /// is asked for in as many rounds as it is deep. Versions PubGrub picks otherwise are asked
    /// about when it picks them.
    pub(crate) fn prefetch(&self, wanted: Vec<(Pkg, Range)>) -> Result<(), SolveError> {
        let mut wanted = wanted;
        let mut extras: HashMap<PackageName, BTreeSet<String>> = HashMap::new();
        while !wanted.is_empty() {
            let mut pending: Vec<(PackageName, Range)> = Vec::new();
            {
                let mut state = self.state.borrow_mut();
                for (package, range) in wanted.drain(..) {
                    let Some(name) = package.name() else {
                        continue;
                    };
                    if let Pkg::Extra(_, extra) = &package {
                        extras
                            .entry(name.clone())
                            .or_default()
                            .insert(extra.clone());
                    }
                    if !self.input.skipped(name) && state.prefetched.insert(name.clone()) {
                        pending.push((name.clone(), range));
                    }
                }
            }
            pending.sort_by(|a, b| a.0.cmp(&b.0));
            let mut picks = Vec::new();
            for i in 0..self.providers.len() {
                if pending.is_empty() {
                    break;
                }
                let asked: Vec<PackageName> = pending
                    .iter()
                    .filter(|(name, _)| self.eligible(name).contains(&i))
                    .map(|(name, _)| name.clone())
                    .collect();
                self.fetch_candidates(i, &asked)?;
                pending.retain(|(name, range)| {
                    if !asked.contains(name) {
                        return true;
                    }
                    match self.best(i, name, range) {
                        Some(candidate) => {
                            picks.push((i, name.clone(), candidate.text));
                            false
                        }
                        None => !self.stops_at(i, name),
                    }
                });
            }
            self.fetch_details(&picks)?;
            let borrowed = self.borrow_batch(&picks)?;
            for (i, name, text) in picks {
                let (from, text) = borrowed.get(&name).cloned().unwrap_or((i, text));
                let Some(Ok(dependencies)) = self.parsed(from, &name, &text) else {
                    continue;
                };
                let names = extras.get(&name).cloned().unwrap_or_default();
                for extra in std::iter::once(None).chain(names.iter().map(|e| Some(e.as_str()))) {
                    let (map, _) = dependencies::edges(
                        &name,
                        extra,
                        &dependencies,
                        &self.input.environment,
                        |dependency| self.input.skipped(dependency),
                    );
                    wanted.extend(map);
                }
            }
        }
        Ok(())
    }

    /// For the picks whose details say their dependencies are *unknown*, asks the later
    /// providers in batches (candidates, then details of the same versions) for them, as the
    /// solve will: returns, by name, the provider and version spelling whose details know them.
    fn borrow_batch(
        &self,
        picks: &[(usize, PackageName, String)],
    ) -> Result<HashMap<PackageName, (usize, String)>, SolveError> {
        let mut unresolved: Vec<(usize, &PackageName, Version)> = {
            let state = self.state.borrow();
            picks
                .iter()
                .filter(|(i, name, text)| {
                    matches!(
                        state.details.get(&(*i, (*name).clone(), text.clone())),
                        Some(DetailsOutcome::Found(Found {
                            dependencies: Dependencies::Unknown { .. },
                            ..
                        }))
                    )
                })
                .filter_map(|(i, name, text)| Some((*i, name, Version::from_str(text).ok()?)))
                .collect()
        };
        let mut borrowed = HashMap::new();
        for j in 0..self.providers.len() {
            let asked: Vec<PackageName> = unresolved
                .iter()
                .filter(|(i, _, _)| *i < j)
                .map(|(_, name, _)| (*name).clone())
                .collect();
            if asked.is_empty() {
                continue;
            }
            self.fetch_candidates(j, &asked)?;
            let wanted: Vec<(usize, PackageName, String)> = {
                let state = self.state.borrow();
                unresolved
                    .iter()
                    .filter(|(i, _, _)| *i < j)
                    .filter_map(|(_, name, version)| {
                        match state.listings.get(&(j, (*name).clone())) {
                            Some(Listing::Found { candidates, .. }) => candidates
                                .iter()
                                .find(|c| c.version == *version)
                                .map(|c| (j, (*name).clone(), c.text.clone())),
                            _ => None,
                        }
                    })
                    .collect()
            };
            self.fetch_details(&wanted)?;
            let state = self.state.borrow();
            for (_, name, text) in wanted {
                if let Some(DetailsOutcome::Found(Found {
                    dependencies: Dependencies::Known { .. },
                    ..
                })) = state.details.get(&(j, name.clone(), text.clone()))
                {
                    borrowed.insert(name, (j, text));
                }
            }
            unresolved.retain(|(_, name, _)| !borrowed.contains_key(*name));
        }
        Ok(borrowed)
    }

    /// Provider `i`'s known dependencies of `name` `text`, parsed once (an invalid one is the
    /// error, with its text); `None` when its details do not say them.
    pub(crate) fn parsed(
        &self,
        i: usize,
        name: &PackageName,
        text: &str,
    ) -> Option<Result<Vec<Dependency>, String>> {
        let key = (i, name.clone(), text.to_owned());
        if let Some(parsed) = self.state.borrow().parsed.get(&key) {
            return Some(parsed.clone());
        }
        let parsed = match self.state.borrow().details.get(&key) {
            Some(DetailsOutcome::Found(Found {
                dependencies: Dependencies::Known { requirements },
                ..
            })) => dependencies::parse(requirements),
            _ => return None,
        };
        self.state.borrow_mut().parsed.insert(key, parsed.clone());
        Some(parsed)
    }
}
