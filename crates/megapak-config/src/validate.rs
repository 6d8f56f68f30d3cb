//! Checks that serde cannot express: version shapes, names, duplicates, contradictions.

use std::collections::BTreeMap;
use std::ops::Range;
use std::str::FromStr;

use megapak_requirements::PackageName;
use toml::Spanned;

use crate::load::{RawOverride, RawTarget};
use crate::model::{Override, Target};
use crate::span::Lines;

/// One thing wrong, at a byte range of the file.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) span: Range<usize>,
    pub(crate) message: String,
}

impl Problem {
    pub(crate) fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
        }
    }
}

/// The Nix systems a megapak image can target.
const SYSTEMS: [&str; 2] = ["x86_64-linux", "aarch64-linux"];

/// The CPython releases a target may name: 3.9 to 3.15 (October 2026). Python 2 has no
/// wheels for the packages of GPU images, and `3.99` is a typo.
const PYTHON_MINORS: std::ops::RangeInclusive<u32> = 9..=15;
/// The CUDA major versions a target may name (nixpkgs' `cudaPackages_11_*` to `_13_*`).
const CUDA_MAJORS: std::ops::RangeInclusive<u32> = 11..=13;

pub(crate) fn target(raw: RawTarget) -> Result<Target, Problem> {
    let python = major_minor(&raw.python, "python", "3.14")?;
    let supported = matches!(numbers(&python), Some((3, minor)) if PYTHON_MINORS.contains(&minor));
    if !supported {
        return Err(Problem::new(
            raw.python.span(),
            format!(
                "Unsupported `python` `{python}`: expected a CPython release from 3.{} to 3.{}",
                PYTHON_MINORS.start(),
                PYTHON_MINORS.end()
            ),
        ));
    }
    let cuda = raw
        .cuda
        .map(|cuda| {
            let version = major_minor(&cuda, "cuda", "13.0")?;
            match numbers(&version) {
                Some((major, minor)) if CUDA_MAJORS.contains(&major) && minor <= 9 => Ok(version),
                _ => Err(Problem::new(
                    cuda.span(),
                    format!(
                        "Unsupported `cuda` `{version}`: expected a CUDA release from {}.0 to {}.9, such as `13.0`",
                        CUDA_MAJORS.start(),
                        CUDA_MAJORS.end()
                    ),
                )),
            }
        })
        .transpose()?;
    let torch = raw.torch.map(|torch| pep440(&torch, "torch")).transpose()?;
    let system = match raw.system {
        Some(system) if !SYSTEMS.contains(&system.get_ref().as_str()) => {
            return Err(Problem::new(
                system.span(),
                format!(
                    "Unsupported `system` `{}`: expected one of {}",
                    system.get_ref(),
                    quoted_list(&SYSTEMS)
                ),
            ));
        }
        Some(system) => system.into_inner(),
        None => SYSTEMS[0].to_owned(),
    };
    Ok(Target {
        python,
        cuda,
        torch,
        system,
    })
}

fn major_minor(value: &Spanned<String>, key: &str, example: &str) -> Result<String, Problem> {
    let text = value.get_ref().trim();
    let valid = text
        .split_once('.')
        .is_some_and(|(major, minor)| is_number(major) && is_number(minor));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(Problem::new(
            value.span(),
            format!(
                "Invalid `{key}` version `{text}`: expected `MAJOR.MINOR`, such as `{example}`"
            ),
        ))
    }
}

/// `MAJOR.MINOR` as numbers, when both fit.
fn numbers(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn pep440(value: &Spanned<String>, key: &str) -> Result<String, Problem> {
    let text = value.get_ref().trim();
    match pep440_rs::Version::from_str(text) {
        Ok(_) => Ok(text.to_owned()),
        Err(err) => Err(Problem::new(
            value.span(),
            format!("Invalid `{key}` version `{text}`: {err}"),
        )),
    }
}

/// Plugin names become file names (`libmegapak_plugin_<name>.so`): keep them plain.
pub(crate) fn plugin_names(names: &[Spanned<String>]) -> Result<(), Problem> {
    let mut seen = BTreeMap::new();
    for name in names {
        let text = name.get_ref();
        let plain = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !plain {
            return Err(Problem::new(
                name.span(),
                format!(
                    "Invalid plugin name `{text}`: expected lowercase letters, digits, `-` and `_`"
                ),
            ));
        }
        if seen.insert(text.as_str(), ()).is_some() {
            return Err(Problem::new(
                name.span(),
                format!("Plugin `{text}` is named twice"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn overrides(
    raw: Vec<Spanned<RawOverride>>,
    order: &[String],
    lines: &Lines<'_>,
) -> Result<Vec<Override>, Problem> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut overrides = Vec::with_capacity(raw.len());
    for entry in raw {
        let line = lines.line(entry.span().start);
        let entry = entry.into_inner();
        let package = match PackageName::new(entry.package.get_ref().trim()) {
            Ok(name) => name.to_string(),
            Err(err) => return Err(Problem::new(entry.package.span(), err.to_string())),
        };
        if let Some(first) = seen.insert(package.clone(), line) {
            return Err(Problem::new(
                entry.package.span(),
                format!("Package `{package}` is overridden twice: first at line {first}"),
            ));
        }
        if let Some(provider) = &entry.provider
            && !order.iter().any(|name| name == provider.get_ref())
        {
            return Err(Problem::new(
                provider.span(),
                format!(
                    "Override names provider `{}`, which `[resolvers] order` does not list: expected one of {}",
                    provider.get_ref(),
                    quoted_list(order)
                ),
            ));
        }
        if let Some(version) = &entry.version {
            pep440(version, "version")?;
        }
        if let Some(attr) = &entry.attr
            && !is_attribute_name(attr.get_ref())
        {
            return Err(Problem::new(
                attr.span(),
                format!(
                    "`attr = \"{}\"` is no attribute name of a Python package set: expected one name such as `torchWithCuda`, without `python3Packages.`",
                    attr.get_ref()
                ),
            ));
        }
        let pinned = entry.provider.is_some() || entry.attr.is_some() || entry.version.is_some();
        if entry.skip && pinned {
            return Err(Problem::new(
                entry.package.span(),
                format!(
                    "Override of `{package}` sets `skip = true` together with `provider`, `attr` or `version`: a skipped package is not resolved"
                ),
            ));
        }
        if !entry.skip && !pinned {
            return Err(Problem::new(
                entry.package.span(),
                format!(
                    "Override of `{package}` changes nothing: expected `provider`, `attr`, `version` or `skip = true`"
                ),
            ));
        }
        overrides.push(Override {
            package,
            provider: entry.provider.map(Spanned::into_inner),
            attr: entry.attr.map(Spanned::into_inner),
            version: entry.version.map(|v| v.into_inner().trim().to_owned()),
            skip: entry.skip,
            reason: entry.reason,
            line,
        });
    }
    Ok(overrides)
}

fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One Nix attribute name as the Python package sets use them: letters, digits, `_`, `-`, `'`,
/// not starting with a digit or `-` (`torchWithCuda`, `opencv4`, `pytorch-bin`).
fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
}
