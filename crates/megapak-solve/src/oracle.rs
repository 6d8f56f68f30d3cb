//! The solver's side of PubGrub: which versions exist (asking providers in order), what each
//! depends on (asking for details, borrowing unknown dependencies), in which order to decide.
//!
//! Providers are asked in batches: when a package's dependencies become known, every new name
//! among them is asked of the first provider in one `candidates` call (the names it has no
//! fitting version of go to the next provider, again in one call), and the `details` of the
//! version each is likely to get are fetched in one call per provider, the providers in
//! parallel. What PubGrub asks afterwards is mostly answered from these caches.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use megapak_plugin_abi::wire::{Dependencies, DetailsOutcome, DirectReference, Found, Source};
use megapak_requirements::pep440_rs::{Version, VersionSpecifiers};
use megapak_types::PackageName;
use pubgrub::{DependencyProvider, PackageResolutionStatistics};

use crate::dependencies::{self, Dependency};
use crate::error::SolveError;
use crate::input::{RootRequirement, SolveInput};
use crate::package::Pkg;
use crate::provider::Provider;
use crate::ranges::{self, Range};

/// Whether providers are asked, or every version is taken to exist with no dependencies (the
/// check of the pak files' own contradictions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Solve,
    RootsOnly,
}

/// What one provider said about one name.
#[derive(Debug, Clone)]
pub(crate) enum Listing {
    Found {
        candidates: Vec<Candidate>,
        notes: Vec<String>,
    },
    NotFound(String),
    /// It answered `offline` or `error`: raised when the package is needed, not when it was
    /// only prefetched (a speculative question must not stop a solve that never needs it).
    Failed(Box<SolveError>),
}

/// One version a provider listed.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) version: Version,
    pub(crate) text: String,
    pub(crate) yanked: bool,
    /// `None` when its `Requires-Python` admits the target's Python, else that specifier.
    pub(crate) python_mismatch: Option<String>,
    pub(crate) notes: Vec<String>,
}

/// How many lower versions of a package are asked for with one that was not prefetched.
const STEP_DOWN_BATCH: usize = 7;

/// A chosen version's dependencies, parsed, and where they came from.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub(crate) dependencies: Vec<Dependency>,
    /// The provider whose details gave them, when it is not the one that supplies the package.
    pub(crate) borrowed_from: Option<usize>,
    /// Borrowed requirements left out because the supplier builds them another way: the
    /// `nvidia-*` CUDA wheels of a package nixpkgs builds against its own CUDA package set.
    pub(crate) left_out: Vec<PackageName>,
    /// Why no resolver knows the dependencies, when none does (an sdist that declares them only
    /// when it is built): the version is taken with none, and the lock says so.
    pub(crate) unknown: Option<String>,
}

/// The caches, behind a `RefCell`: PubGrub hands the provider out by shared reference.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) listings: HashMap<(usize, PackageName), Listing>,
    pub(crate) details: HashMap<(usize, PackageName, String), DetailsOutcome>,
    /// Which provider supplies each version chosen so far.
    pub(crate) chosen: HashMap<(PackageName, Version), usize>,
    /// Dependencies of chosen versions, or why they cannot be had.
    pub(crate) known: HashMap<(PackageName, Version), Result<Known, String>>,
    /// Packages some specifier names a pre-release of.
    pub(crate) pre_mentions: HashSet<PackageName>,
    /// Names already prefetched.
    pub(crate) prefetched: HashSet<PackageName>,
    /// Known dependencies by provider, name and version text, parsed.
    pub(crate) parsed: HashMap<(usize, PackageName, String), Result<Vec<Dependency>, String>>,
    /// The order packages were first seen in, for priorities.
    discovery: HashMap<Pkg, u32>,
}

/// The PubGrub dependency provider of one solve.
pub(crate) struct Oracle<'a> {
    pub(crate) input: &'a SolveInput,
    pub(crate) requirements: &'a [RootRequirement],
    pub(crate) providers: &'a [&'a dyn Provider],
    pub(crate) mode: Mode,
    pub(crate) state: RefCell<State>,
    pub(crate) direct: HashMap<PackageName, DirectReference>,
    pub(crate) specifiers: HashMap<PackageName, VersionSpecifiers>,
    python: [Version; 2],
}

impl<'a> Oracle<'a> {
    pub(crate) fn new(
        input: &'a SolveInput,
        requirements: &'a [RootRequirement],
        providers: &'a [&'a dyn Provider],
        mode: Mode,
    ) -> Self {
        let mut state = State::default();
        let mut direct = HashMap::new();
        let mut specifiers = HashMap::new();
        for requirement in requirements {
            if ranges::names_prerelease(&requirement.specifiers) {
                state.pre_mentions.insert(requirement.name.clone());
            }
            if let Some(reference) = &requirement.direct {
                direct.insert(requirement.name.clone(), reference.clone());
            }
            if !requirement.specifiers.is_empty() {
                specifiers.insert(requirement.name.clone(), requirement.specifiers.clone());
            }
        }
        // `Requires-Python` is judged for the target's MAJOR.MINOR: the patch release of the
        // image's Python is not known here, so a specifier that admits its first or a late
        // patch release admits the target.
        let release = input.python.release();
        let (major, minor) = (
            release.first().copied().unwrap_or(3),
            release.get(1).copied().unwrap_or(0),
        );
        let python = [
            Version::new([major, minor, 0]),
            Version::new([major, minor, 99]),
        ];
        Self {
            input,
            requirements,
            providers,
            mode,
            state: RefCell::new(state),
            direct,
            specifiers,
            python,
        }
    }

    /// The providers that may supply `name`, by index: the one an `[[override]] provider`
    /// names, else all in order.
    pub(crate) fn eligible(&self, name: &PackageName) -> Vec<usize> {
        let pinned = self
            .input
            .overrides
            .get(name)
            .and_then(|o| o.provider.as_deref());
        (0..self.providers.len())
            .filter(|&i| pinned.is_none_or(|provider| self.providers[i].name() == provider))
            .collect()
    }

    /// Whether a `Requires-Python` admits the target.
    pub(crate) fn python_fits(&self, requires_python: &str) -> bool {
        VersionSpecifiers::from_str(requires_python).map_or(true, |specifiers| {
            self.python.iter().any(|v| specifiers.contains(v))
        })
    }

    /// The highest version of `name` from provider `i` that fits `range`, its restrictions,
    /// the target's Python, the yanked rule (only when pinned) and the pre-release rule (only
    /// when `--pre`, a specifier names one, or the provider has nothing else).
    pub(crate) fn best(&self, i: usize, name: &PackageName, range: &Range) -> Option<Candidate> {
        let state = self.state.borrow();
        let Some(Listing::Found { candidates, .. }) = state.listings.get(&(i, name.clone())) else {
            return None;
        };
        let mut allowed = range.clone();
        for (restriction, _) in self.input.restrictions(name) {
            allowed = allowed.intersection(&restriction);
        }
        let pre = self.input.prereleases
            || state.pre_mentions.contains(name)
            || candidates.iter().all(|c| c.version.any_prerelease());
        candidates
            .iter()
            .filter(|c| allowed.contains(&c.version))
            .filter(|c| c.python_mismatch.is_none())
            .filter(|c| !c.yanked || ranges::pins(&allowed, &c.version))
            .filter(|c| pre || !c.version.any_prerelease())
            .max_by(|a, b| a.version.cmp(&b.version))
            .cloned()
    }

    /// The dependencies of `name` `version` (a version chosen before), from its provider's
    /// details or, when those say *unknown*, from the first later provider's that knows them.
    /// `Err` of the inner result: why the version cannot be used.
    pub(crate) fn known(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Result<Known, String>, SolveError> {
        let key = (name.clone(), version.clone());
        if let Some(known) = self.state.borrow().known.get(&key) {
            return Ok(known.clone());
        }
        let known = self.read_known(name, version)?;
        self.state.borrow_mut().known.insert(key, known.clone());
        Ok(known)
    }

    fn read_known(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Result<Known, String>, SolveError> {
        let Some(i) = self
            .state
            .borrow()
            .chosen
            .get(&(name.clone(), version.clone()))
            .copied()
        else {
            return Ok(Err(format!(
                "no provider was chosen for `{name}` {version}"
            )));
        };
        let provider = self.providers[i].name();
        let (text, found) = match self.details_of(i, name, version)? {
            Some((text, DetailsOutcome::Found(found))) => (text, found),
            Some((_, DetailsOutcome::NotFound { reason })) => {
                return Ok(Err(format!(
                    "{provider} lists `{name}` {version} but has no details of it: {reason}"
                )));
            }
            Some((_, DetailsOutcome::Offline { reason })) => {
                return Err(SolveError::Offline {
                    provider: provider.to_owned(),
                    package: format!("{name} {version}"),
                    reason,
                });
            }
            Some((_, DetailsOutcome::Error { message })) => {
                return Err(SolveError::PackageFailed {
                    provider: provider.to_owned(),
                    call: "details",
                    package: format!("`{name}` {version}"),
                    message,
                });
            }
            None => return Ok(Err(format!("{provider} does not list `{name}` {version}"))),
        };
        if let Some(requires) = &found.requires_python
            && !self.python_fits(requires)
        {
            return Ok(Err(format!(
                "{} `{name}` {version} needs Python `{requires}`, the target is {}",
                crate::explain::possessive(provider),
                self.input.python
            )));
        }
        let (from, parsed) = match found.dependencies {
            Dependencies::Known { .. } => (i, self.parsed(i, name, &text)),
            Dependencies::Unknown { reason } => match self.borrow_dependencies(i, name, version)? {
                Some((j, text)) => (j, self.parsed(j, name, &text)),
                None => {
                    // pip would learn them only by building it; Nix's build of it checks its
                    // runtime dependencies and names a missing one. Taking the version with
                    // none, said loudly, beats refusing a package the user asked for.
                    return Ok(Ok(Known {
                        dependencies: Vec::new(),
                        borrowed_from: None,
                        left_out: Vec::new(),
                        unknown: Some(reason),
                    }));
                }
            },
        };
        Ok(match parsed {
            Some(Ok(mut dependencies)) => {
                let left_out = if from != i && matches!(found.source, Source::Nixpkgs { .. }) {
                    leave_out_cuda_wheels(&mut dependencies)
                } else {
                    Vec::new()
                };
                let mut state = self.state.borrow_mut();
                for dependency in &dependencies {
                    if dependency.names_prerelease {
                        state.pre_mentions.insert(dependency.name.clone());
                    }
                }
                Ok(Known {
                    dependencies,
                    borrowed_from: (from != i).then_some(from),
                    left_out,
                    unknown: None,
                })
            }
            Some(Err(text)) => Err(format!(
                "{} `{name}` {version} declares an invalid requirement {text}",
                crate::explain::possessive(self.providers[from].name())
            )),
            None => Err(format!(
                "{provider} has no dependencies of `{name}` {version}"
            )),
        })
    }

    /// The first provider after `i` that lists `name` `version` and knows its dependencies,
    /// with its spelling of the version.
    fn borrow_dependencies(
        &self,
        i: usize,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<(usize, String)>, SolveError> {
        for j in i + 1..self.providers.len() {
            if let Some((
                text,
                DetailsOutcome::Found(Found {
                    dependencies: Dependencies::Known { .. },
                    ..
                }),
            )) = self.details_of(j, name, version)?
            {
                return Ok(Some((j, text)));
            }
        }
        Ok(None)
    }

    /// Asks provider `i` for the candidates of `name` if it was not asked yet, because the
    /// solve needs them now: an `offline` or `error` answer stops the solve here.
    fn needed(&self, i: usize, name: &PackageName) -> Result<(), SolveError> {
        self.fetch_candidates(i, std::slice::from_ref(name))?;
        match self.state.borrow().listings.get(&(i, name.clone())) {
            Some(Listing::Failed(error)) => Err((**error).clone()),
            _ => Ok(()),
        }
    }

    /// Whether a package the pak files name by URL or VCS source stops at provider `i`: the
    /// first provider that answers for the reference supplies it, or nobody does, lest a
    /// later one substitute a registry package of the same name.
    pub(crate) fn stops_at(&self, i: usize, name: &PackageName) -> bool {
        self.direct.contains_key(name)
            && matches!(
                self.state.borrow().listings.get(&(i, name.clone())),
                Some(Listing::Found { candidates, .. }) if !candidates.is_empty()
            )
    }

    /// Provider `i`'s details of `name` `version` with its spelling of the version, asking for
    /// its candidates first when it was not asked about the name yet; `None` when it does not
    /// list that version.
    pub(crate) fn details_of(
        &self,
        i: usize,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<(String, DetailsOutcome)>, SolveError> {
        self.needed(i, name)?;
        let text = {
            let state = self.state.borrow();
            match state.listings.get(&(i, name.clone())) {
                Some(Listing::Found { candidates, .. }) => candidates
                    .iter()
                    .find(|c| c.version == *version)
                    .map(|c| c.text.clone()),
                _ => None,
            }
        };
        let Some(text) = text else {
            return Ok(None);
        };
        let key = (i, name.clone(), text.clone());
        if self.state.borrow().details.contains_key(&key) {
            let outcome = self.state.borrow().details.get(&key).cloned();
            return Ok(outcome.map(|outcome| (text, outcome)));
        }
        // Not prefetched: PubGrub is stepping down through this package's versions (a
        // conflict sends it to the next lower one, then the next). Ask for the next few lower
        // versions in the same call, so that a plugin fetches them in parallel instead of one
        // round trip per step (google-api-core stepped down 73 versions of the real set).
        let mut wanted = vec![key];
        wanted.extend(self.lower_versions(i, name, version, STEP_DOWN_BATCH));
        self.fetch_details(&wanted)?;
        let outcome = self
            .state
            .borrow()
            .details
            .get(&(i, name.clone(), text.clone()))
            .cloned();
        Ok(outcome.map(|outcome| (text, outcome)))
    }

    /// Up to `count` versions of `name` that provider `i` lists below `version`, highest first,
    /// whose details are not known yet.
    fn lower_versions(
        &self,
        i: usize,
        name: &PackageName,
        version: &Version,
        count: usize,
    ) -> Vec<(usize, PackageName, String)> {
        let state = self.state.borrow();
        let Some(Listing::Found { candidates, .. }) = state.listings.get(&(i, name.clone())) else {
            return Vec::new();
        };
        let mut lower: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.version < *version && !c.yanked && c.python_mismatch.is_none())
            .filter(|c| {
                !state
                    .details
                    .contains_key(&(i, name.clone(), c.text.clone()))
            })
            .collect();
        lower.sort_by(|a, b| b.version.cmp(&a.version));
        lower
            .into_iter()
            .take(count)
            .map(|c| (i, name.clone(), c.text.clone()))
            .collect()
    }

    /// Picks a version of `name` in `range`: the first provider in order with a fitting one
    /// wins.
    fn pick(&self, name: &PackageName, range: &Range) -> Result<Option<Version>, SolveError> {
        if self.mode == Mode::RootsOnly {
            return Ok(ranges::some_member(range));
        }
        for i in self.eligible(name) {
            self.needed(i, name)?;
            if let Some(candidate) = self.best(i, name, range) {
                // The first provider a version was taken from keeps it: its dependencies are
                // read once.
                self.state
                    .borrow_mut()
                    .chosen
                    .entry((name.clone(), candidate.version.clone()))
                    .or_insert(i);
                return Ok(Some(candidate.version));
            }
            if self.stops_at(i, name) {
                break;
            }
        }
        Ok(None)
    }

    /// The edges of a package or extra at a chosen version, and the names to prefetch.
    fn package_edges(
        &self,
        name: &PackageName,
        extra: Option<&str>,
        version: &Version,
    ) -> Result<pubgrub::Dependencies<Pkg, Range, String>, SolveError> {
        if self.mode == Mode::RootsOnly {
            let mut map = BTreeMap::new();
            if extra.is_some() {
                map.insert(Pkg::Name(name.clone()), Range::singleton(version.clone()));
            }
            return Ok(pubgrub::Dependencies::Available(map.into_iter().collect()));
        }
        let known = match self.known(name, version)? {
            Ok(known) => known,
            Err(reason) => return Ok(pubgrub::Dependencies::Unavailable(reason)),
        };
        let (mut map, _) = dependencies::edges(
            name,
            extra,
            &known.dependencies,
            &self.input.environment,
            |dependency| self.input.skipped(dependency),
        );
        if extra.is_some() {
            map.insert(Pkg::Name(name.clone()), Range::singleton(version.clone()));
        }
        self.prefetch(map.iter().map(|(p, r)| (p.clone(), r.clone())).collect())?;
        Ok(pubgrub::Dependencies::Available(map.into_iter().collect()))
    }
}

impl DependencyProvider for Oracle<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Range;
    type M = String;
    type Err = SolveError;
    /// Helpers first, then pinned packages, then the most conflicted, then the first seen.
    type Priority = (u8, u32, Reverse<u32>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Range,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let mut state = self.state.borrow_mut();
        let next = u32::try_from(state.discovery.len()).unwrap_or(u32::MAX);
        let seen = *state.discovery.entry(package.clone()).or_insert(next);
        let class = match package {
            Pkg::Root | Pkg::Requirement(_) => 3,
            Pkg::Name(_) | Pkg::Extra(..) if range.as_singleton().is_some() => 2,
            Pkg::Name(_) | Pkg::Extra(..) => 1,
        };
        (class, statistics.conflict_count(), Reverse(seen))
    }

    fn choose_version(&self, package: &Pkg, range: &Range) -> Result<Option<Version>, SolveError> {
        match package {
            Pkg::Root | Pkg::Requirement(_) => {
                let only = Version::new([0]);
                Ok(range.contains(&only).then_some(only))
            }
            Pkg::Name(name) | Pkg::Extra(name, _) => self.pick(name, range),
        }
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<pubgrub::Dependencies<Pkg, Range, String>, SolveError> {
        match package {
            Pkg::Root => {
                let mut map = BTreeMap::new();
                let mut wanted = Vec::new();
                for (index, requirement) in self.requirements.iter().enumerate() {
                    if self.input.skipped(&requirement.name) {
                        continue;
                    }
                    map.insert(Pkg::Requirement(index), Range::full());
                    let range = ranges::specifiers_range(&requirement.specifiers);
                    wanted.push((Pkg::Name(requirement.name.clone()), range.clone()));
                    for extra in &requirement.extras {
                        wanted.push((
                            Pkg::Extra(requirement.name.clone(), extra.clone()),
                            range.clone(),
                        ));
                    }
                }
                if self.mode == Mode::Solve {
                    self.prefetch(wanted)?;
                }
                Ok(pubgrub::Dependencies::Available(map.into_iter().collect()))
            }
            Pkg::Requirement(index) => {
                let requirement = &self.requirements[*index];
                let range = ranges::specifiers_range(&requirement.specifiers);
                let mut map = BTreeMap::new();
                map.insert(Pkg::Name(requirement.name.clone()), range.clone());
                for extra in &requirement.extras {
                    map.insert(
                        Pkg::Extra(requirement.name.clone(), extra.clone()),
                        range.clone(),
                    );
                }
                Ok(pubgrub::Dependencies::Available(map.into_iter().collect()))
            }
            Pkg::Name(name) => self.package_edges(name, None, version),
            Pkg::Extra(name, extra) => self.package_edges(name, Some(extra), version),
        }
    }
}

/// Takes the CUDA wheels (`nvidia-cublas-cu12`, `nvidia-cudnn-cu12`, ..., and the
/// `cuda-bindings`/`cuda-toolkit` that pin a CUDA release) out of a nixpkgs package's borrowed
/// dependencies and returns their names: PyPI's `torch` needs them, nixpkgs' `torch` links its
/// CUDA package set instead, and the wheels would bring a second, mismatched CUDA into the
/// image.
fn leave_out_cuda_wheels(dependencies: &mut Vec<Dependency>) -> Vec<PackageName> {
    let mut left_out: Vec<PackageName> = Vec::new();
    dependencies.retain(|dependency| {
        let name = dependency.name.as_str();
        let wheel = name.starts_with("nvidia-") || matches!(name, "cuda-bindings" | "cuda-toolkit");
        if wheel && !left_out.contains(&dependency.name) {
            left_out.push(dependency.name.clone());
        }
        !wheel
    });
    left_out.sort();
    left_out
}
