//! The `[[override]]`s of `megapak.toml`, by package, and the warnings they give.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use megapak_config::{Config, Override};
use megapak_requirements::{PackageName, PackageSet};
use megapak_types::Hint;

/// The configuration's overrides, by PEP 503 normalized package name.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The configuration file, for `megapak.toml:LINE` in notes.
    config: PathBuf,
    by_package: BTreeMap<PackageName, Override>,
}

impl Overrides {
    /// The overrides of `config`; none without one. Of two overrides of one package, the later
    /// one counts.
    pub fn new(config: Option<&Config>) -> Self {
        let Some(config) = config else {
            return Self::default();
        };
        let by_package = config
            .overrides
            .iter()
            .filter_map(|o| Some((PackageName::new(&o.package).ok()?, o.clone())))
            .collect();
        Self {
            config: config.path.clone(),
            by_package,
        }
    }

    /// The override of `name`, if any.
    pub fn get(&self, name: &PackageName) -> Option<&Override> {
        self.by_package.get(name)
    }

    /// Every override, by package.
    pub fn iter(&self) -> impl Iterator<Item = (&PackageName, &Override)> {
        self.by_package.iter()
    }

    /// Why `name` is left out of the image (`skip = true`): `megapak.toml:LINE`, and `: reason`
    /// when one is given.
    pub fn skip_reason(&self, name: &PackageName) -> Option<String> {
        let o = self.get(name).filter(|o| o.skip)?;
        let mut why = format!("{}:{}", self.config.display(), o.line);
        if let Some(reason) = &o.reason {
            why.push_str(&format!(": {reason}"));
        }
        Some(why)
    }

    /// The nixpkgs attribute an override names for `name` (`attr = "torchWithCuda"`), PEP 503
    /// normalized as the Python package lists of a flake are compared.
    pub fn nix_attr(&self, name: &PackageName) -> Option<PackageName> {
        let attr = self.get(name)?.attr.as_deref()?;
        PackageName::new(attr).ok()
    }
}

/// Something worth saying about a workspace that does not stop a command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// An override names a package no pak file asks for: a typo, most likely, or a package
    /// only a dependency brings in (then it is fine).
    OverrideOfNoPakPackage {
        /// The configuration file.
        config: PathBuf,
        /// The line of the `[[override]]`.
        line: usize,
        /// The package, as the override names it.
        package: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OverrideOfNoPakPackage {
                config,
                line,
                package,
            } => write!(
                f,
                "`{}:{line}` overrides `{package}`, which no pak file asks for",
                config.display()
            ),
        }
    }
}

impl Hint for Warning {
    fn hint(&self) -> Option<String> {
        match self {
            Self::OverrideOfNoPakPackage { .. } => Some(
                "check the name; an override of a package that only a dependency brings in is fine"
                    .to_owned(),
            ),
        }
    }
}

/// The overrides of `config` that name no package of `set`, in the configuration's order.
pub(crate) fn overrides_of_no_pak_package(config: &Config, set: &PackageSet) -> Vec<Warning> {
    config
        .overrides
        .iter()
        .filter(|o| {
            !PackageName::new(&o.package).is_ok_and(|name| set.packages.contains_key(&name))
        })
        .map(|o| Warning::OverrideOfNoPakPackage {
            config: config.path.clone(),
            line: o.line,
            package: o.package.clone(),
        })
        .collect()
}
