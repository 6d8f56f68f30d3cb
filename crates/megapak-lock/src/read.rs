//! Reading a lock: the format version first (a newer one is refused by number, before any key it
//! may have added is called unknown), then the whole file with serde, every error placed at
//! `file:line:column`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use megapak_types::PackageName;
use serde::Deserialize;
use toml::Spanned;

use crate::error::LockError;
use crate::model::{
    DistFormat, LOCK_VERSION, Lock, LockTarget, LockedPackage, LockedSource, OverrideValue,
};
use crate::span::line_column;

impl Lock {
    /// Reads the lock at `path`.
    pub fn read(path: &Path) -> Result<Self, LockError> {
        let bytes = fs_err::read(path).map_err(|source| LockError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid = error.utf8_error().valid_up_to();
                let bytes = error.into_bytes();
                let text = String::from_utf8_lossy(&bytes[..valid]);
                return Err(invalid(
                    path,
                    &text,
                    valid,
                    "The lock is not UTF-8 text".into(),
                ));
            }
        };
        Self::from_toml(&text, path)
    }

    /// Parses `text` as if it had been read from `path` (which only names it in errors).
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, LockError> {
        let at = |offset: usize, message: String| invalid(path, text, offset, message);
        let from_toml = |error: toml::de::Error| {
            let offset = error.span().map_or(0, |span| span.start);
            at(offset, capitalize(error.message().trim_end_matches('.')))
        };

        let probe: Probe = toml::from_str(text).map_err(from_toml)?;
        if let Some(version) = &probe.version {
            let offset = version.span().start;
            if let Some(found) = version.get_ref().as_integer() {
                if found > i64::from(LOCK_VERSION) {
                    let (line, column) = line_column(text, offset);
                    return Err(LockError::TooNew {
                        path: path.to_owned(),
                        line,
                        column,
                        found,
                        written_by: probe
                            .megapak
                            .as_ref()
                            .and_then(|m| m.as_str())
                            .map(Into::into),
                    });
                }
                if found < 1 {
                    return Err(at(offset, format!("Unknown lock format version `{found}`")));
                }
            }
        }

        let raw: RawLock = toml::from_str(text).map_err(from_toml)?;
        let mut first_line: HashMap<PackageName, usize> = HashMap::new();
        let mut packages = Vec::with_capacity(raw.packages.len());
        for package in raw.packages {
            let name_span = package.name.span();
            let name = package.name.get_ref().clone();
            let line = line_column(text, name_span.start).0;
            if let Some(first) = first_line.insert(name.clone(), line) {
                return Err(at(
                    name_span.start,
                    format!("Package `{name}` is locked twice: first at line {first}"),
                ));
            }
            packages.push(package.into_package(name));
        }
        Ok(Lock {
            version: raw.version,
            megapak: raw.megapak,
            input_hash: raw.input_hash,
            resolvers: raw.resolvers,
            target: LockTarget {
                python: raw.target.python,
                system: raw.target.system,
                cuda: raw.target.cuda,
                torch: raw.target.torch,
            },
            packages,
        })
    }
}

fn invalid(path: &Path, text: &str, offset: usize, message: String) -> LockError {
    let (line, column) = line_column(text, offset);
    LockError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message,
    }
}

fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What is read before the rest: keys a newer format may not have changed.
#[derive(Deserialize)]
struct Probe {
    version: Option<Spanned<toml::Value>>,
    megapak: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLock {
    version: u32,
    megapak: String,
    input_hash: String,
    resolvers: Vec<String>,
    target: RawTarget,
    #[serde(default, rename = "package")]
    packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    python: String,
    system: String,
    cuda: Option<String>,
    torch: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPackage {
    name: Spanned<PackageName>,
    version: String,
    provider: String,
    #[serde(default)]
    requested_at: Vec<String>,
    #[serde(default)]
    required_by: Vec<PackageName>,
    #[serde(default)]
    dependencies: Vec<PackageName>,
    dependencies_from: Option<String>,
    #[serde(default)]
    build_system: Vec<String>,
    #[serde(default)]
    relaxed_dependencies: Vec<PackageName>,
    #[serde(default)]
    cuda_libraries: Vec<String>,
    #[serde(default)]
    import_names: Vec<String>,
    requires_python: Option<String>,
    summary: Option<String>,
    license: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    source: RawSource,
}

impl RawPackage {
    fn into_package(self, name: PackageName) -> LockedPackage {
        LockedPackage {
            name,
            version: self.version,
            provider: self.provider,
            source: self.source.into(),
            requested_at: self.requested_at,
            required_by: self.required_by,
            dependencies: self.dependencies,
            dependencies_from: self.dependencies_from,
            build_system: self.build_system,
            relaxed_dependencies: self.relaxed_dependencies,
            cuda_libraries: self.cuda_libraries,
            import_names: self.import_names,
            requires_python: self.requires_python,
            summary: self.summary,
            license: self.license,
            notes: self.notes,
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum RawSource {
    Nixpkgs {
        attribute: String,
        #[serde(default, rename = "override")]
        override_args: BTreeMap<String, RawOverrideValue>,
    },
    Url {
        url: String,
        filename: String,
        hash: String,
        format: RawFormat,
    },
    Git {
        url: String,
        rev: String,
        hash: String,
        submodules: bool,
        subdirectory: Option<String>,
    },
    Path {
        path: String,
        hash: String,
        format: RawFormat,
    },
}

impl From<RawSource> for LockedSource {
    fn from(raw: RawSource) -> Self {
        match raw {
            RawSource::Nixpkgs {
                attribute,
                override_args,
            } => Self::Nixpkgs {
                attribute,
                override_args: override_args
                    .into_iter()
                    .map(|(key, value)| (key, value.0))
                    .collect(),
            },
            RawSource::Url {
                url,
                filename,
                hash,
                format,
            } => Self::Url {
                url,
                filename,
                hash,
                format: format.into(),
            },
            RawSource::Git {
                url,
                rev,
                hash,
                submodules,
                subdirectory,
            } => Self::Git {
                url,
                rev,
                hash,
                submodules,
                subdirectory,
            },
            RawSource::Path { path, hash, format } => Self::Path {
                path,
                hash,
                format: format.into(),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawFormat {
    Wheel,
    Sdist,
}

impl From<RawFormat> for DistFormat {
    fn from(raw: RawFormat) -> Self {
        match raw {
            RawFormat::Wheel => Self::Wheel,
            RawFormat::Sdist => Self::Sdist,
        }
    }
}

/// A boolean, an integer, a string or `{ attribute = "..." }`, read by hand so that a wrong
/// value says what was expected (serde's untagged enums only say that nothing matched).
struct RawOverrideValue(OverrideValue);

impl<'de> Deserialize<'de> for RawOverrideValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawOverrideValue;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean, an integer, a string or `{ attribute = \"...\" }`")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(RawOverrideValue(OverrideValue::Bool(value)))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(RawOverrideValue(OverrideValue::Integer(value)))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
                i64::try_from(value)
                    .map(|value| RawOverrideValue(OverrideValue::Integer(value)))
                    .map_err(|_| E::custom(format!("Integer `{value}` is too large")))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(RawOverrideValue(OverrideValue::String(value.to_owned())))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut attribute = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "attribute" {
                        return Err(serde::de::Error::unknown_field(&key, &["attribute"]));
                    }
                    attribute = Some(map.next_value::<String>()?);
                }
                attribute
                    .map(|attribute| RawOverrideValue(OverrideValue::Attribute(attribute)))
                    .ok_or_else(|| serde::de::Error::missing_field("attribute"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
