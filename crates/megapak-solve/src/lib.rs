//! Completes a package set: PubGrub over megapak's resolver plugins, with conflicts explained
//! in words.
//!
//! # Use
//!
//! ```
//! use megapak_requirements::{merge_for_environment, parse_requirements_str};
//! use megapak_solve::{FixtureProvider, Provider, SolveInput, solve};
//! use std::path::Path;
//!
//! let target = megapak_config::Target {
//!     python: "3.14".to_owned(),
//!     cuda: None,
//!     torch: None,
//!     system: "x86_64-linux".to_owned(),
//! };
//! let pak = parse_requirements_str("insightface\n", Path::new("pak5.txt"))?;
//! let set = merge_for_environment(&[pak], &target.marker_environment()?)?;
//! let input = SolveInput::from_parts(&set, &target, &[])?;
//!
//! let nixpkgs = FixtureProvider::new("nixpkgs").with("numpy", "2.3.4", &[]);
//! let pypi = FixtureProvider::new("pypi")
//!     .with("insightface", "0.7.3", &["numpy"])
//!     .with("numpy", "1.26.4", &[]);
//! let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
//! let resolution = solve(&input, &providers)?;
//! let numpy = &resolution.packages[1];
//! assert_eq!((numpy.name.as_str(), numpy.version.as_str(), numpy.provider.as_str()), ("numpy", "2.3.4", "nixpkgs"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In the binary: build a [`SolveInput`] from the workspace's merged [`PackageSet`] and
//! [`Config`](megapak_config::Config) ([`SolveInput::new`]), wrap each loaded plugin of
//! `[resolvers] order` in a [`PluginProvider`] (with [`RequestContext::new`] and
//! [`plugin_settings`]), and call [`solve`]. A [`SolveError`] is printed with its `Display`
//! (the explanation, several lines) and its [`Hint`](megapak_types::Hint) (`hint:` lines); exit
//! 1 for [`SolveError::NoSolution`], and write nothing. On success,
//! [`Resolution::into_lock`] gives the [`megapak_lock::Lock`] to write.
//!
//! # The rules
//!
//! - **Providers in order.** For each package the providers are asked in `[resolvers]
//!   order`; the first whose candidates include a version that fits wins, and a later one is
//!   consulted when an earlier one has none, or only versions that do not fit. So nixpkgs'
//!   `numpy` 2.3.4 is taken unless something needs `numpy<2`, when PyPI's 1.26.4 is.
//! - **Overrides.** `[[override]] provider = "X"` asks X alone for the package; `version =
//!   "V"` allows `==V` only; `skip = true` leaves the package and every edge to it out;
//!   `attr = "A"` is handed to the plugin through its settings as `"attributes": {"torch":
//!   "torchWithCuda"}` ([`ATTRIBUTES_SETTING`]; to the override's `provider`, else to
//!   `nixpkgs`).
//! - **Markers** are evaluated for the target (`python_version`, `sys_platform`,
//!   `platform_machine`, ...). An extra is a package of its own (`imageio[ffmpeg]`) at the same
//!   version as the package, depending on what the extra adds, as in uv.
//! - **Versions.** PEP 440: `==2.10.0` admits `2.10.0+cu130`. Pre-releases only with `--pre`
//!   in the pak files, when a specifier names one (`>=2.0rc1`), or when a provider has nothing
//!   else. Yanked versions only when pinned with `==`. A candidate whose `Requires-Python`
//!   excludes the target's Python is passed over. `-c` constraints limit a package's versions
//!   without bringing it in, and so does `[target] torch = "2.10"` for `torch` (`==2.10.*`).
//! - **Closure.** Every dependency of a chosen candidate is solved for too. A nixpkgs candidate
//!   brings its propagated closure as `name==version` pins, and one name has one version: a
//!   clash is a conflict like any other. When a candidate's dependencies are *unknown*, the
//!   next providers are asked for the details of the same name and version and the first that
//!   knows them is used ([`ResolvedPackage::dependencies_from`]); when none knows, the version
//!   cannot be used, and says so. Dependency cycles are legal.
//! - **Batches.** When a step of the solve reveals new names, they are asked of each provider
//!   in one `candidates` call, and the `details` of the versions they are likely to get in one
//!   call per provider (the providers in parallel), so that a plugin can work in parallel.
//! - **Faults.** A call that fails as a whole (a plugin's error status, a panic, an invalid
//!   answer) stops the solve, naming the provider and the packages asked
//!   ([`SolveError::ProviderFailed`]); an `error` outcome for one package stops it too, naming
//!   that package ([`SolveError::PackageFailed`]): a flaky index must not change the result
//!   silently. `offline` answers are [`SolveError::Offline`].
//!
//! # Cost
//!
//! The real CUDA 13 set (136 pak requirements, a 293-package closure) solves in about 18 ms
//! against a recorded PyPI provider in memory, with 13 provider calls
//! (`cargo bench -p megapak-solve --bench solve`; see `fixtures/real/resolve/`).
//!
//! The pak files' own contradictions (`torch==2.10.0` here, `torch>=2.11` there) are judged by
//! the same solver: [`check_root_requirements`].
//!
//! [`PackageSet`]: megapak_requirements::PackageSet

mod check;
mod dependencies;
mod error;
mod explain;
mod fetch;
mod fixture;
mod input;
mod lock;
mod oracle;
mod package;
mod plugin;
mod provider;
mod ranges;
mod resolution;
mod solve;

pub use check::check_root_requirements;
pub use error::SolveError;
pub use fixture::FixtureProvider;
pub use input::{RootRequirement, SolveInput, direct_reference};
pub use lock::UnknownSource;
pub use plugin::{
    ATTRIBUTES_SETTING, PluginProvider, RequestContext, index_hints, plugin_settings,
    plugin_settings_locations, wire_target,
};
pub use provider::{Provider, ProviderError};
pub use resolution::{Resolution, ResolvedPackage};
pub use solve::solve;
