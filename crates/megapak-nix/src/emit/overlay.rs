//! `python-packages.nix`: the overlay of the Python package set (`packageOverrides`), one
//! attribute per locked package. A package megapak defines is `final.callPackage` of its file
//! under `pkgs/`; a package nixpkgs provides is its attribute, overridden where the lock says,
//! and checked against the locked version, so a nixpkgs that moved on fails evaluation naming
//! the package instead of building a set the lock never checked. Overriding an attribute in
//! place (`onnxruntime = ...`) gives every package that depends on it the same build.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use megapak_lock::OverrideValue;

use super::error::EmitError;
use super::layout::{WIDTH, formals};
use super::syntax::{attribute_name, attribute_path, string};

/// One attribute of the overlay.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) attribute: String,
    pub(crate) value: EntryValue,
}

/// What an attribute of the overlay is.
#[derive(Debug)]
pub(crate) enum EntryValue {
    /// `final.callPackage ./pkgs/<file> { }`, with `cudaPackages` when it links CUDA libraries.
    Defined { file: String, cuda_packages: bool },
    /// nixpkgs' attribute, version-checked, overridden when `override_args` is not empty.
    Nixpkgs {
        package: String,
        version: String,
        override_args: BTreeMap<String, OverrideValue>,
    },
}

impl EntryValue {
    /// nixpkgs' attribute as it is, with no override.
    pub(crate) fn is_plain_nixpkgs(&self) -> bool {
        matches!(self, Self::Nixpkgs { override_args, .. } if override_args.is_empty())
    }
}

/// The overlay's text.
pub(crate) fn overlay(
    cuda: Option<&str>,
    entries: &[Entry],
    header: &str,
) -> Result<String, EmitError> {
    let cuda_set = match cuda {
        Some(cuda) => Some(cuda_package_set(cuda)?),
        None => None,
    };
    let needs_cuda = entries.iter().any(|entry| {
        matches!(
            entry.value,
            EntryValue::Defined {
                cuda_packages: true,
                ..
            }
        )
    });
    let needs_check = entries
        .iter()
        .any(|entry| matches!(entry.value, EntryValue::Nixpkgs { .. }));

    let mut out = String::from(header);
    formals(&mut out, &["pkgs".to_owned()]);
    let mut bindings = Vec::new();
    if needs_cuda && let Some(set) = &cuda_set {
        bindings.push(format!("  cudaPackages = pkgs.{};\n", attribute_name(set)));
    }
    if needs_check {
        bindings.push(LOCKED_VERSION_CHECK.to_owned());
    }
    // nixfmt keeps an attribute set on the line of the arguments, and breaks before `let`.
    if bindings.is_empty() {
        out.push_str("final: prev: {\n");
    } else {
        out.push_str("final: prev:\nlet\n");
        out.push_str(&bindings.join("\n"));
        out.push_str("in\n{\n");
    }
    for entry in entries {
        let key = attribute_name(&entry.attribute);
        match &entry.value {
            EntryValue::Defined {
                file,
                cuda_packages,
            } => {
                let arguments = if *cuda_packages {
                    "{ inherit cudaPackages; }"
                } else {
                    "{ }"
                };
                let line = format!("  {key} = final.callPackage ./pkgs/{file} {arguments};");
                if line.len() <= WIDTH || !*cuda_packages {
                    let _ = writeln!(out, "{line}");
                } else {
                    let _ = writeln!(
                        out,
                        "  {key} = final.callPackage ./pkgs/{file} {{\n    inherit cudaPackages;\n  }};"
                    );
                }
            }
            EntryValue::Nixpkgs {
                package,
                version,
                override_args,
            } => {
                let check = format!("locked {} {}", string(package), string(version));
                let previous = format!("prev.{key}");
                if override_args.is_empty() {
                    let _ = writeln!(out, "  {key} = {check} {previous};");
                } else {
                    let _ = writeln!(out, "  {key} = {check} (");
                    let _ = writeln!(out, "    {previous}.override {{");
                    for (name, value) in override_args {
                        let _ = writeln!(
                            out,
                            "      {} = {};",
                            attribute_name(name),
                            override_value(value)
                        );
                    }
                    out.push_str("    }\n  );\n");
                }
            }
        }
    }
    out.push_str("}\n");
    Ok(out)
}

/// The check every nixpkgs attribute goes through.
const LOCKED_VERSION_CHECK: &str = r#"  # nixpkgs must have the version the lock was resolved against: another one fails evaluation,
  # naming the package, instead of building a package set the lock never checked.
  locked =
    name: version: package:
    if package.version == version then
      package
    else
      throw "megapak.lock has ${name} ${version}, but nixpkgs has ${package.version}: run `megapak resolve` again";
"#;

/// `cudaPackages_13_0` for `13.0`.
pub(crate) fn cuda_package_set(cuda: &str) -> Result<String, EmitError> {
    let parts: Option<(&str, &str)> = cuda.split_once('.');
    match parts {
        Some((major, minor))
            if !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(format!("cudaPackages_{major}_{minor}"))
        }
        _ => Err(EmitError::InvalidCuda {
            cuda: cuda.to_owned(),
        }),
    }
}

fn override_value(value: &OverrideValue) -> String {
    match value {
        OverrideValue::Bool(value) => value.to_string(),
        OverrideValue::Integer(value) => value.to_string(),
        OverrideValue::String(value) => string(value),
        OverrideValue::Attribute(path) => {
            format!("pkgs.{}", attribute_path(path.split('.')))
        }
    }
}

/// `packages.nix`: the function from the Python package set to the environment's packages,
/// every locked package by its attribute.
pub(crate) fn packages_list(attributes: &[String], header: &str) -> String {
    let mut out = String::from(header);
    let items: Vec<String> = attributes
        .iter()
        .map(|attribute| attribute_path(["ps", attribute.as_str()]))
        .collect();
    match items.as_slice() {
        [] => out.push_str("ps: [ ]\n"),
        [one] => {
            let _ = writeln!(out, "ps: [ {one} ]");
        }
        several => {
            out.push_str("ps: [\n");
            for item in several {
                let _ = writeln!(out, "  {item}");
            }
            out.push_str("]\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_versions_name_their_package_set() {
        assert_eq!(cuda_package_set("13.0").unwrap(), "cudaPackages_13_0");
        assert_eq!(cuda_package_set("12.8").unwrap(), "cudaPackages_12_8");
        for bad in ["13", "13.", ".0", "13.0.1", "x.y", "13.0 "] {
            assert!(cuda_package_set(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn override_values_are_nix() {
        assert_eq!(override_value(&OverrideValue::Bool(true)), "true");
        assert_eq!(override_value(&OverrideValue::Integer(-4)), "-4");
        assert_eq!(
            override_value(&OverrideValue::String("a\"${b}".into())),
            r#""a\"\${b}""#
        );
        assert_eq!(
            override_value(&OverrideValue::Attribute("cudaPackages_13_0".into())),
            "pkgs.cudaPackages_13_0"
        );
        assert_eq!(
            override_value(&OverrideValue::Attribute("llvmPackages.3x".into())),
            r#"pkgs.llvmPackages."3x""#
        );
    }
}
