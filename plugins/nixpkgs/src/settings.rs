//! `[resolvers.nixpkgs]` of `megapak.toml`, read strictly: an unknown key or a wrong type is an
//! error naming the key, and relative paths are relative to the workspace folder.
//!
//! ```toml
//! [resolvers.nixpkgs]
//! backend = "index"          # the default; or "eval", "source"
//! index = "nixpkgs.index"    # a snapshot made by `megapak nixpkgs-index` (backend "index")
//! path = "../nixpkgs"        # the nixpkgs tree ("eval", "source"; "eval" also reads flake.lock)
//! prefer-wheels = false      # `torch` on a CUDA target: `torch-bin` instead of `torchWithCuda`
//! cache = ".cache/nixpkgs"  # where "eval" keeps its evaluations (default: `$XDG_CACHE_HOME/megapak`)
//! attributes = { torch = "torchWithCuda" }  # set by megapak from `[[override]] attr`
//!
//! [resolvers.nixpkgs.variants.my-package]
//! attribute = "myPackageWithCuda"
//! version-of = "my-package"  # the attribute whose version it shares
//! override = { cudaSupport = true, cudaPackages = { attribute = "cudaPackages_13_0" } }
//! cuda = true                # or a CUDA major, e.g. 13; pins `cudaPackages` to the target's
//! note = "Built with the team's patches"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use megapak_plugin_abi::wire::OverrideValue;
use megapak_types::PackageName;
use serde_json::{Map, Value};

use crate::variants::{CudaNeed, NOT_CACHED, Variant};

/// Which backend answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A snapshot: the embedded one, or `index`.
    Index,
    /// One `nix` evaluation of the pinned nixpkgs.
    Eval,
    /// Reading nixpkgs' Nix files with rnix, no Nix needed.
    Source,
}

impl Backend {
    /// The name in `megapak.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Index => "index",
            Backend::Eval => "eval",
            Backend::Source => "source",
        }
    }
}

/// The settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `backend`.
    pub backend: Backend,
    /// `index`, made absolute.
    pub index: Option<PathBuf>,
    /// `path`, made absolute.
    pub path: Option<PathBuf>,
    /// `variants`, in name order.
    pub variants: Vec<Variant>,
    /// `prefer-wheels`.
    pub prefer_wheels: bool,
    /// `cache`, made absolute.
    pub cache: Option<PathBuf>,
    /// `attributes`: package -> attribute, from the `[[override]] attr` entries of
    /// `megapak.toml` (megapak's solver sets them; a user may too).
    pub attributes: BTreeMap<String, String>,
}

/// Settings that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid `[resolvers.nixpkgs]` settings: {0}")]
pub struct SettingsError(pub String);

const KEYS: &str =
    "`backend`, `index`, `path`, `variants`, `prefer-wheels`, `cache` or `attributes`";
const VARIANT_KEYS: &str = "`attribute`, `version-of`, `override`, `cuda` or `note`";

impl Settings {
    /// Reads the settings of a request; relative paths are relative to `workspace`.
    pub fn from_json(map: &Map<String, Value>, workspace: &Path) -> Result<Self, SettingsError> {
        let mut settings = Settings {
            backend: Backend::Index,
            index: None,
            path: None,
            variants: Vec::new(),
            prefer_wheels: false,
            cache: None,
            attributes: BTreeMap::new(),
        };
        for (key, value) in map {
            match key.as_str() {
                "backend" => {
                    settings.backend = match string(key, value)? {
                        "index" => Backend::Index,
                        "eval" => Backend::Eval,
                        "source" => Backend::Source,
                        other => {
                            return Err(SettingsError(format!(
                                "`backend` must be `index`, `eval` or `source`, not `{other}`"
                            )));
                        }
                    }
                }
                "index" => settings.index = Some(workspace.join(string(key, value)?)),
                "path" => settings.path = Some(workspace.join(string(key, value)?)),
                "cache" => settings.cache = Some(workspace.join(string(key, value)?)),
                "prefer-wheels" => {
                    settings.prefer_wheels =
                        value.as_bool().ok_or_else(|| wrong(key, "a boolean"))?;
                }
                "attributes" => {
                    let table = value.as_object().ok_or_else(|| wrong(key, "a table"))?;
                    for (package, attribute) in table {
                        let package = PackageName::new(package)
                            .map_err(|error| SettingsError(error.to_string()))?;
                        let attribute = string(&format!("attributes.{package}"), attribute)?;
                        settings
                            .attributes
                            .insert(package.to_string(), attribute.to_owned());
                    }
                }
                "variants" => {
                    let table = value.as_object().ok_or_else(|| wrong(key, "a table"))?;
                    for (name, variant) in table {
                        settings.variants.push(read_variant(name, variant)?);
                    }
                }
                other => {
                    return Err(SettingsError(format!(
                        "unknown key `{other}`: expected {KEYS}"
                    )));
                }
            }
        }
        if settings.index.is_some() && settings.backend != Backend::Index {
            return Err(SettingsError(format!(
                "`index` is read by the `index` backend only, but `backend` is `{}`",
                settings.backend.name()
            )));
        }
        Ok(settings)
    }
}

fn wrong(key: &str, expected: &str) -> SettingsError {
    SettingsError(format!("`{key}` must be {expected}"))
}

fn string<'v>(key: &str, value: &'v Value) -> Result<&'v str, SettingsError> {
    value.as_str().ok_or_else(|| wrong(key, "a string"))
}

fn read_variant(name: &str, value: &Value) -> Result<Variant, SettingsError> {
    let normalized = PackageName::new(name).map_err(|error| SettingsError(error.to_string()))?;
    let table = value
        .as_object()
        .ok_or_else(|| wrong(&format!("variants.{name}"), "a table"))?;
    let key_of = |key: &str| format!("variants.{name}.{key}");
    let mut variant = Variant {
        first: true,
        ..Variant::rename(normalized.as_str(), "")
    };
    for (key, value) in table {
        match key.as_str() {
            "attribute" => variant.attribute = string(&key_of(key), value)?.to_owned(),
            "version-of" => variant.version_of = Some(string(&key_of(key), value)?.to_owned()),
            "note" => variant.notes.push(string(&key_of(key), value)?.to_owned()),
            "override" => {
                let args = value
                    .as_object()
                    .ok_or_else(|| wrong(&key_of(key), "a table"))?;
                variant.override_args = args
                    .iter()
                    .map(|(arg, value)| {
                        Ok((arg.clone(), override_value(&key_of(key), arg, value)?))
                    })
                    .collect::<Result<BTreeMap<_, _>, SettingsError>>()?;
            }
            "cuda" => {
                variant.cuda = match value {
                    Value::Bool(false) => CudaNeed::None,
                    Value::Bool(true) => CudaNeed::Any,
                    Value::Number(major) => CudaNeed::Major(
                        major
                            .as_u64()
                            .and_then(|m| u32::try_from(m).ok())
                            .ok_or_else(|| {
                                wrong(&key_of(key), "a boolean or a CUDA major version")
                            })?,
                    ),
                    _ => return Err(wrong(&key_of(key), "a boolean or a CUDA major version")),
                };
            }
            other => {
                return Err(SettingsError(format!(
                    "unknown key `{other}` in `variants.{name}`: expected {VARIANT_KEYS}"
                )));
            }
        }
    }
    if variant.attribute.is_empty() {
        return Err(SettingsError(format!(
            "`variants.{name}` has no `attribute`"
        )));
    }
    if variant.is_cuda() {
        variant.pin_cuda_packages = true;
        variant.notes.insert(0, NOT_CACHED.to_owned());
    }
    Ok(variant)
}

fn override_value(key: &str, arg: &str, value: &Value) -> Result<OverrideValue, SettingsError> {
    let invalid = || {
        wrong(
            &format!("{key}.{arg}"),
            "a boolean, an integer, a string or `{ attribute = \"...\" }`",
        )
    };
    match value {
        Value::Bool(b) => Ok(OverrideValue::Bool(*b)),
        Value::Number(n) => n.as_i64().map(OverrideValue::Integer).ok_or_else(invalid),
        Value::String(s) => Ok(OverrideValue::String(s.clone())),
        Value::Object(table) => match (table.len(), table.get("attribute")) {
            (1, Some(Value::String(attribute))) => Ok(OverrideValue::Attribute {
                attribute: attribute.clone(),
            }),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: Value) -> Result<Settings, String> {
        let Value::Object(map) = value else {
            unreachable!()
        };
        Settings::from_json(&map, Path::new("/ws")).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_to_the_embedded_index() {
        let settings = read(json!({})).unwrap();
        assert_eq!(settings.backend, Backend::Index);
        assert_eq!((settings.index, settings.path), (None, None));
    }

    #[test]
    fn paths_are_relative_to_the_workspace() {
        let settings = read(json!({"backend": "source", "path": "../nixpkgs"})).unwrap();
        assert_eq!(settings.path.unwrap(), Path::new("/ws/../nixpkgs"));
        let settings = read(json!({"index": "/abs/nixpkgs.index"})).unwrap();
        assert_eq!(settings.index.unwrap(), Path::new("/abs/nixpkgs.index"));
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        insta::assert_snapshot!(read(json!({"backend": "flake"})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: `backend` must be `index`, `eval` or `source`, not `flake`");
        insta::assert_snapshot!(read(json!({"pth": "x"})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: unknown key `pth`: expected `backend`, `index`, `path`, `variants`, `prefer-wheels`, `cache` or `attributes`");
        insta::assert_snapshot!(read(json!({"prefer-wheels": "yes"})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: `prefer-wheels` must be a boolean");
        insta::assert_snapshot!(read(json!({"backend": "eval", "index": "x"})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: `index` is read by the `index` backend only, but `backend` is `eval`");
        insta::assert_snapshot!(read(json!({"variants": {"x": {"attr": "y"}}})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: unknown key `attr` in `variants.x`: expected `attribute`, `version-of`, `override`, `cuda` or `note`");
        insta::assert_snapshot!(read(json!({"variants": {"x": {"note": "y"}}})).unwrap_err(), @"Invalid `[resolvers.nixpkgs]` settings: `variants.x` has no `attribute`");
        insta::assert_snapshot!(read(json!({"variants": {"x": {"attribute": "y", "override": {"a": [1]}}}})).unwrap_err(), @r#"Invalid `[resolvers.nixpkgs]` settings: `variants.x.override.a` must be a boolean, an integer, a string or `{ attribute = "..." }`"#);
    }

    #[test]
    fn reads_a_users_variant() {
        let settings = read(json!({"variants": {"My_Pkg": {
            "attribute": "myPkgWithCuda",
            "version-of": "my-pkg",
            "override": {"cudaSupport": true, "jobs": 4, "flavour": "full", "cudaPackages": {"attribute": "cudaPackages_12_8"}},
            "cuda": 12,
            "note": "Built with the team's patches",
        }}}))
        .unwrap();
        let variant = &settings.variants[0];
        assert_eq!(variant.name, "my-pkg");
        assert_eq!(variant.cuda, CudaNeed::Major(12));
        assert!(variant.first && variant.pin_cuda_packages);
        assert_eq!(variant.notes, [NOT_CACHED, "Built with the team's patches"]);
        assert_eq!(variant.override_args.len(), 4);
        assert_eq!(
            variant.override_args["cudaPackages"],
            OverrideValue::Attribute {
                attribute: "cudaPackages_12_8".into()
            }
        );
    }
}
