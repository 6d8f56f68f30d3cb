//! A solver's resolution as a lock: the data `megapak emit` and `megapak build` read, with no
//! trace of plugins or the wire.

use std::collections::BTreeMap;
use std::path::Path;

use megapak_config::Config;
use megapak_lock::{
    DistFormat, LOCK_VERSION, Lock, LockTarget, LockedPackage, LockedSource, OverrideValue,
};
use megapak_plugin_host::abi::wire;
use megapak_solve::{Resolution, ResolvedPackage};

use super::inputs::relative;

/// Why a resolution cannot be locked: a source kind this megapak does not know.
#[derive(Debug, thiserror::Error)]
#[error(
    "Resolver `{provider}` gave `{package}` {version} a source this megapak cannot lock (a newer plugin?)"
)]
pub(crate) struct UnknownSource {
    provider: String,
    package: String,
    version: String,
}

impl megapak_types::Hint for UnknownSource {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "update megapak, or pin `{}` to another resolver with an `[[override]] provider`",
            self.package
        ))
    }
}

/// The lock of `resolution` for the workspace at `root` configured by `config`.
pub(crate) fn lock_of(
    resolution: &Resolution,
    config: &Config,
    root: &Path,
    input_hash: String,
    resolvers: Vec<String>,
) -> Result<Lock, UnknownSource> {
    let packages = resolution
        .packages
        .iter()
        .map(|package| locked(package, root))
        .collect::<Result<Vec<_>, _>>()?;
    let target = &config.target;
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

fn locked(package: &ResolvedPackage, root: &Path) -> Result<LockedPackage, UnknownSource> {
    let source = source(&package.source).ok_or_else(|| UnknownSource {
        provider: package.provider.clone(),
        package: package.name.to_string(),
        version: package.version.clone(),
    })?;
    let mut locked = LockedPackage::new(
        package.name.clone(),
        package.version.clone(),
        package.provider.clone(),
        source,
    );
    // `file:line`: the column says nothing a reviewer of the lock needs.
    let mut requested_at: Vec<String> = package
        .requested_at
        .iter()
        .map(|at| format!("{}:{}", relative(root, &at.file), at.line))
        .collect();
    requested_at.dedup();
    locked.requested_at = requested_at;
    locked.required_by.clone_from(&package.required_by);
    locked.dependencies.clone_from(&package.dependencies);
    locked
        .dependencies_from
        .clone_from(&package.dependencies_from);
    locked.build_system.clone_from(&package.build_system);
    locked.import_names.clone_from(&package.import_names);
    locked.requires_python.clone_from(&package.requires_python);
    locked.summary.clone_from(&package.summary);
    locked.license.clone_from(&package.license);
    locked.notes.clone_from(&package.notes);
    Ok(locked)
}

fn source(source: &wire::Source) -> Option<LockedSource> {
    Some(match source {
        wire::Source::Nixpkgs {
            attribute,
            override_args,
        } => LockedSource::Nixpkgs {
            attribute: attribute.clone(),
            override_args: override_args
                .iter()
                .map(|(name, value)| (name.clone(), override_value(value)))
                .collect::<BTreeMap<_, _>>(),
        },
        wire::Source::Url {
            url,
            filename,
            hash,
            format,
        } => LockedSource::Url {
            url: url.clone(),
            filename: filename.clone(),
            hash: hash.clone(),
            format: dist_format(*format),
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
        wire::Source::Path { path, hash, format } => LockedSource::Path {
            path: path.clone(),
            hash: hash.clone(),
            format: dist_format(*format),
        },
        wire::Source::Unknown => return None,
    })
}

fn override_value(value: &wire::OverrideValue) -> OverrideValue {
    match value {
        wire::OverrideValue::Bool(flag) => OverrideValue::Bool(*flag),
        wire::OverrideValue::Integer(number) => OverrideValue::Integer(*number),
        wire::OverrideValue::String(text) => OverrideValue::String(text.clone()),
        wire::OverrideValue::Attribute { attribute } => OverrideValue::Attribute(attribute.clone()),
    }
}

fn dist_format(format: wire::DistFormat) -> DistFormat {
    match format {
        wire::DistFormat::Wheel => DistFormat::Wheel,
        wire::DistFormat::Sdist => DistFormat::Sdist,
    }
}
