//! Which attribute of the Python package set each locked package is.
//!
//! A package nixpkgs provides is its `attribute` (`onnxruntime-gpu` is `onnxruntime`); a package
//! megapak defines is its PEP 503 normalized name (`cupy-cuda13x`), which is also how nixpkgs
//! names most Python attributes, so a megapak definition replaces nixpkgs' package of the same
//! name for every package that depends on it: one `torch` in the closure, not two.

use std::collections::BTreeMap;

use megapak_lock::{Lock, LockedPackage, LockedSource};
use megapak_types::PackageName;

use super::error::EmitError;
use super::package_file::BUILDER_ARGUMENTS;

/// Where a locked package's attribute comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// nixpkgs' own, perhaps overridden.
    Nixpkgs,
    /// Defined by an emitted file under `pkgs/`.
    Megapak,
}

/// The attribute of every locked package.
#[derive(Debug)]
pub(crate) struct Attributes<'lock> {
    by_name: BTreeMap<&'lock PackageName, (String, Origin)>,
}

impl<'lock> Attributes<'lock> {
    /// The attributes of `lock`'s packages. Two packages that would be one attribute are an
    /// error, unless nixpkgs provides both at one version with at most one override
    /// (`onnxruntime`, brought in by a dependency, and `onnxruntime-gpu`, nixpkgs' `onnxruntime`
    /// with `cudaSupport`): they are one package in Nix, and the overridden build serves both.
    pub(crate) fn of(lock: &'lock Lock) -> Result<Self, EmitError> {
        let mut by_name = BTreeMap::new();
        let mut owners: BTreeMap<String, &LockedPackage> = BTreeMap::new();
        let mut packages: Vec<&LockedPackage> = lock.packages.iter().collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        for package in packages {
            let attribute = Self::attribute_of(package).to_owned();
            if attribute.is_empty() {
                return Err(EmitError::Empty {
                    package: package.name.clone(),
                    key: "attribute",
                });
            }
            let origin = match package.source {
                LockedSource::Nixpkgs { .. } => Origin::Nixpkgs,
                _ => Origin::Megapak,
            };
            if origin == Origin::Megapak && BUILDER_ARGUMENTS.contains(&attribute.as_str()) {
                return Err(EmitError::ReservedAttribute {
                    package: package.name.clone(),
                    attribute,
                });
            }
            if let Some(first) = owners.get(&attribute) {
                if !one_nixpkgs_package(first, package) {
                    return Err(EmitError::AttributeClash {
                        attribute,
                        first: first.name.clone(),
                        second: package.name.clone(),
                    });
                }
            } else {
                owners.insert(attribute.clone(), package);
            }
            by_name.insert(&package.name, (attribute, origin));
        }
        Ok(Self { by_name })
    }

    /// The attribute `package` is: its nixpkgs attribute, or its normalized name.
    ///
    /// Two packages may share one (see [`Attributes::of`]).
    pub(crate) fn attribute_of(package: &LockedPackage) -> &str {
        match &package.source {
            LockedSource::Nixpkgs { attribute, .. } => attribute,
            _ => package.name.as_str(),
        }
    }

    /// The attribute of the locked package `name`.
    ///
    pub(crate) fn get(&self, name: &PackageName) -> Option<(&str, Origin)> {
        self.by_name
            .get(name)
            .map(|(attribute, origin)| (attribute.as_str(), *origin))
    }

    /// The attribute of `dependency`, which `package` depends on.
    pub(crate) fn dependency(
        &self,
        package: &PackageName,
        dependency: &PackageName,
    ) -> Result<(&str, Origin), EmitError> {
        self.get(dependency)
            .ok_or_else(|| EmitError::UnknownDependency {
                package: package.clone(),
                dependency: dependency.clone(),
            })
    }
}

/// Whether `a` and `b` are one nixpkgs package: the same attribute (checked by the caller) at
/// the same version, overridden the same way or only one of them overridden.
fn one_nixpkgs_package(a: &LockedPackage, b: &LockedPackage) -> bool {
    match (&a.source, &b.source) {
        (
            LockedSource::Nixpkgs {
                override_args: first,
                ..
            },
            LockedSource::Nixpkgs {
                override_args: second,
                ..
            },
        ) => a.version == b.version && (first == second || first.is_empty() || second.is_empty()),
        _ => false,
    }
}
