//! A solve's result: one version per package, who supplies it, and why it is there.

use megapak_plugin_abi::wire::Source;
use megapak_types::{Location, PackageName};

/// One version of every package the image needs, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The packages, sorted by name.
    pub packages: Vec<ResolvedPackage>,
    /// Packages an `[[override]] skip = true` left out, with the override's reason when given.
    pub skipped: Vec<(PackageName, Option<String>)>,
}

impl Resolution {
    /// The package called `name`.
    pub fn get(&self, name: &PackageName) -> Option<&ResolvedPackage> {
        self.packages
            .binary_search_by(|package| package.name.cmp(name))
            .ok()
            .map(|index| &self.packages[index])
    }
}

/// One resolved package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    /// The PEP 503 normalized name.
    pub name: PackageName,
    /// The version as its provider spells it (`2.10.0+cu130`).
    pub version: String,
    /// The resolver that supplies it.
    pub provider: String,
    /// Where it comes from, as the provider's details say.
    pub source: Source,
    /// The extras some requirement asked for, sorted.
    pub extras: Vec<String>,
    /// The resolved packages it depends on (its extras' included), sorted.
    pub dependencies: Vec<PackageName>,
    /// The resolver whose details gave the dependencies, when they are borrowed (its own
    /// provider did not know them).
    pub dependencies_from: Option<String>,
    /// Why no resolver knows its dependencies, when none does: it was locked with none.
    pub dependencies_unknown: Option<String>,
    /// Its PEP 517 build system requirements (sdists and checkouts).
    pub build_system: Vec<String>,
    /// The attributes of the target's CUDA package set its native libraries link against
    /// (`libcublas`, `cuda_cudart`), as its provider classified them; sorted, each once.
    pub cuda_libraries: Vec<String>,
    /// Its top-level import names, when known.
    pub import_names: Vec<String>,
    /// Its `Requires-Python`, when known.
    pub requires_python: Option<String>,
    /// Its summary, when known.
    pub summary: Option<String>,
    /// Its licence, when known.
    pub license: Option<String>,
    /// What the provider says the user should read (package, version and details notes).
    pub notes: Vec<String>,
    /// The pak entries that ask for it (`file:line:column`).
    pub requested_at: Vec<Location>,
    /// The resolved packages that depend on it, sorted.
    pub required_by: Vec<PackageName>,
}
