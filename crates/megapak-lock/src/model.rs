//! The lock's types: plain data, kept apart from reading and writing so the solver can build a
//! [`Lock`] and the emitter read one without caring how it is stored.

use std::collections::BTreeMap;

use megapak_types::PackageName;

/// The lock format this megapak writes and the newest it reads.
pub const LOCK_VERSION: u32 = 1;

/// `megapak.lock`: the resolved package set of a workspace.
///
/// Built by the solver, written by [`Lock::write_atomically`], read back by [`Lock::read`]. Lists
/// are written as given except where this type says they are sorted: [`Lock::to_toml`] sorts
/// the packages by name and each package's `required-by` and `dependencies`, so the file is
/// byte-stable whatever order the solver produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The lock format version, [`LOCK_VERSION`] for a lock this megapak writes.
    pub version: u32,
    /// The version of the megapak that wrote it, e.g. `0.1.0`.
    pub megapak: String,
    /// The SRI hash of the inputs (see [`crate::input_hash`]): a run whose inputs hash alike has
    /// nothing to do.
    pub input_hash: String,
    /// The resolver order the lock was made with.
    pub resolvers: Vec<String>,
    /// What the image is for.
    pub target: LockTarget,
    /// The locked packages, one per name.
    pub packages: Vec<LockedPackage>,
}

impl Lock {
    /// The locked package named `name`.
    pub fn get(&self, name: &PackageName) -> Option<&LockedPackage> {
        self.packages.iter().find(|package| &package.name == name)
    }
}

/// `[target]`: the Python, system and CUDA the package set was resolved for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockTarget {
    /// CPython `MAJOR.MINOR`, e.g. `3.14`.
    pub python: String,
    /// The Nix system, e.g. `x86_64-linux`.
    pub system: String,
    /// CUDA `MAJOR.MINOR`, e.g. `13.0`; `None` for a CPU image.
    pub cuda: Option<String>,
    /// The torch `MAJOR.MINOR` the workspace pins, if it pins one.
    pub torch: Option<String>,
}

/// One `[[package]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// The PEP 503 normalized name.
    pub name: PackageName,
    /// The locked version, as its provider spells it.
    pub version: String,
    /// The resolver plugin that supplied it, e.g. `pypi`.
    pub provider: String,
    /// Where it comes from.
    pub source: LockedSource,
    /// The pak entries that ask for it, `file:line` relative to the workspace folder; empty for a
    /// package only a dependency brings in.
    pub requested_at: Vec<String>,
    /// The locked packages that depend on it (written sorted).
    pub required_by: Vec<PackageName>,
    /// The locked packages it depends on, extras resolved (written sorted).
    pub dependencies: Vec<PackageName>,
    /// Whose details gave the dependencies, when they were borrowed from another resolver.
    pub dependencies_from: Option<String>,
    /// The build requirements (PEP 508 strings) of an sdist or a git checkout.
    pub build_system: Vec<String>,
    /// Dependencies whose version bound the solver relaxed for this package: its metadata asks
    /// for versions the lock does not have, and the build must not refuse them
    /// (`pythonRelaxDeps`).
    pub relaxed_dependencies: Vec<PackageName>,
    /// Attributes of the target's CUDA package set (`cudaPackages_13_0`) whose libraries a
    /// binary wheel links against, e.g. `libcublas`, `cudnn`.
    pub cuda_libraries: Vec<String>,
    /// The top-level modules it installs, when known.
    pub import_names: Vec<String>,
    /// Its `Requires-Python`, when known.
    pub requires_python: Option<String>,
    /// Its one-line summary, when known.
    pub summary: Option<String>,
    /// Its license (an SPDX expression where the metadata has one), when known.
    pub license: Option<String>,
    /// What a resolver or the solver wants a reader to know.
    pub notes: Vec<String>,
}

impl LockedPackage {
    /// A package with the given identity and source and every optional field empty.
    pub fn new(
        name: PackageName,
        version: impl Into<String>,
        provider: impl Into<String>,
        source: LockedSource,
    ) -> Self {
        Self {
            name,
            version: version.into(),
            provider: provider.into(),
            source,
            requested_at: Vec::new(),
            required_by: Vec::new(),
            dependencies: Vec::new(),
            dependencies_from: None,
            build_system: Vec::new(),
            relaxed_dependencies: Vec::new(),
            cuda_libraries: Vec::new(),
            import_names: Vec::new(),
            requires_python: None,
            summary: None,
            license: None,
            notes: Vec::new(),
        }
    }
}

/// Where a locked package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockedSource {
    /// An attribute of nixpkgs' Python package set, possibly overridden.
    Nixpkgs {
        /// The attribute in `python3XXPackages`, e.g. `onnxruntime`.
        attribute: String,
        /// The arguments of its `.override { ... }`; empty for none.
        override_args: BTreeMap<String, OverrideValue>,
    },
    /// A wheel or sdist fetched from a URL.
    Url {
        /// Where to fetch it.
        url: String,
        /// The file name, e.g. `decord-0.6.0-py3-none-manylinux2010_x86_64.whl`.
        filename: String,
        /// Its SRI hash, e.g. `sha256-<base64>`.
        hash: String,
        /// A wheel or an sdist.
        format: DistFormat,
    },
    /// A git checkout.
    Git {
        /// The repository URL, without `git+`.
        url: String,
        /// The full commit id.
        rev: String,
        /// The SRI hash of the checkout's NAR serialization (`.git` removed), as `fetchgit`
        /// computes it.
        hash: String,
        /// Whether submodules are part of the checkout.
        submodules: bool,
        /// The package's folder in the repository, when it is not the root.
        subdirectory: Option<String>,
    },
    /// A file in the workspace.
    Path {
        /// The file, relative to the workspace folder.
        path: String,
        /// Its SRI hash.
        hash: String,
        /// A wheel or an sdist.
        format: DistFormat,
    },
}

impl LockedSource {
    /// The `kind` key of the source table.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Nixpkgs { .. } => "nixpkgs",
            Self::Url { .. } => "url",
            Self::Git { .. } => "git",
            Self::Path { .. } => "path",
        }
    }
}

/// A value of a nixpkgs `.override { name = value; }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideValue {
    /// `cudaSupport = true;`
    Bool(bool),
    /// `maxJobs = 4;`
    Integer(i64),
    /// `variant = "cuda";`
    String(String),
    /// A top-level nixpkgs attribute: `{ attribute = "cudaPackages_13_0" }` is
    /// `cudaPackages = pkgs.cudaPackages_13_0;`.
    Attribute(String),
}

/// The kind of a Python distribution file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistFormat {
    /// A built `.whl`.
    Wheel,
    /// A source archive.
    Sdist,
}

impl DistFormat {
    /// `wheel` or `sdist`, as the lock writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wheel => "wheel",
            Self::Sdist => "sdist",
        }
    }
}
