//! A resolution as a [`Lock`]: what the Nix emitter and `megapak build` read, with no trace of
//! plugins, the wire or pip syntax.

use std::path::Path;

use megapak_config::Target;
use megapak_lock::{
    DistFormat, LOCK_VERSION, Lock, LockTarget, LockedPackage, LockedSource, OverrideValue,
};
use megapak_plugin_abi::wire;
use megapak_types::Hint;

use crate::resolution::{Resolution, ResolvedPackage};

/// A resolution cannot be locked: a resolver gave a source kind this megapak does not know
/// (a plugin built against a newer minor version of the wire).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Resolver `{provider}` gave `{package}` {version} a source this megapak cannot lock (a newer plugin?)"
)]
pub struct UnknownSource {
    /// The resolver.
    pub provider: String,
    /// The package.
    pub package: String,
    /// Its version.
    pub version: String,
}

impl Hint for UnknownSource {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "Update megapak, or pin `{}` to another resolver with an `[[override]] provider`",
            self.package
        ))
    }
}

impl Resolution {
    /// The lock of this resolution for `target`: pak locations as `file:line` relative to the
    /// `workspace` folder (the folder of `megapak.toml`), `resolvers` in the order asked,
    /// `input_hash` from [`megapak_lock::input_hash`], this megapak's version.
    pub fn into_lock(
        self,
        target: &Target,
        workspace: &Path,
        input_hash: String,
        resolvers: Vec<String>,
    ) -> Result<Lock, UnknownSource> {
        let workspace = std::path::absolute(workspace).unwrap_or_else(|_| workspace.to_owned());
        let packages = self
            .packages
            .into_iter()
            .map(|package| locked(package, &workspace))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Lock {
            version: LOCK_VERSION,
            megapak: env!("CARGO_PKG_VERSION").to_owned(),
            input_hash,
            resolvers,
            target: LockTarget {
                python: target.python.clone(),
                system: target.system.clone(),
                cuda: target.cuda.clone(),
                torch: target.torch.clone(),
            },
            packages,
        })
    }
}

fn locked(package: ResolvedPackage, workspace: &Path) -> Result<LockedPackage, UnknownSource> {
    let Some(source) = source(&package.source) else {
        return Err(UnknownSource {
            provider: package.provider,
            package: package.name.to_string(),
            version: package.version,
        });
    };
    let mut requested_at: Vec<String> = package
        .requested_at
        .iter()
        .map(|at| {
            // Absolute first: a pak file named `example/paks/x.txt` from one folder and
            // `paks/x.txt` from another is one file, and the lock must not depend on the
            // folder megapak ran in.
            let absolute =
                std::path::absolute(at.file.as_path()).unwrap_or_else(|_| at.file.clone());
            let file = absolute.strip_prefix(workspace).unwrap_or(&absolute);
            let parts: Vec<String> = file
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            // `file:line`: the column tells a reader of the lock nothing more.
            format!("{}:{}", parts.join("/"), at.line)
        })
        .collect();
    requested_at.dedup();
    let mut locked = LockedPackage::new(package.name, package.version, package.provider, source);
    locked.requested_at = requested_at;
    locked.required_by = package.required_by;
    locked.dependencies = package.dependencies;
    locked.dependencies_from = package.dependencies_from;
    locked.build_system = package.build_system;
    locked.cuda_libraries = package.cuda_libraries;
    locked.import_names = package.import_names;
    locked.requires_python = package.requires_python;
    locked.summary = package.summary;
    locked.license = package.license;
    locked.notes = package.notes;
    Ok(locked)
}

fn source(source: &wire::Source) -> Option<LockedSource> {
    let format = |format: &wire::DistFormat| match format {
        wire::DistFormat::Wheel => DistFormat::Wheel,
        wire::DistFormat::Sdist => DistFormat::Sdist,
    };
    Some(match source {
        wire::Source::Nixpkgs {
            attribute,
            override_args,
        } => LockedSource::Nixpkgs {
            attribute: attribute.clone(),
            override_args: override_args
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        wire::OverrideValue::Bool(flag) => OverrideValue::Bool(*flag),
                        wire::OverrideValue::Integer(number) => OverrideValue::Integer(*number),
                        wire::OverrideValue::String(text) => OverrideValue::String(text.clone()),
                        wire::OverrideValue::Attribute { attribute } => {
                            OverrideValue::Attribute(attribute.clone())
                        }
                    };
                    (name.clone(), value)
                })
                .collect(),
        },
        wire::Source::Url {
            url,
            filename,
            hash,
            format: kind,
        } => LockedSource::Url {
            url: url.clone(),
            filename: filename.clone(),
            hash: hash.clone(),
            format: format(kind),
        },
        wire::Source::Git {
            url,
            rev,
            hash,
            submodules,
            subdirectory,
        } => LockedSource::Git {
            url: url.clone(),
            rev: rev.clone(),
            hash: hash.clone(),
            submodules: *submodules,
            subdirectory: subdirectory.clone(),
        },
        wire::Source::Path {
            path,
            hash,
            format: kind,
        } => LockedSource::Path {
            path: path.clone(),
            hash: hash.clone(),
            format: format(kind),
        },
        wire::Source::Unknown => return None,
    })
}
