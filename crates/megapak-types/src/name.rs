//! PEP 503 normalized package names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A Python distribution name, normalized as PEP 503 asks: lowercase, every run of `-`, `_`
/// and `.` replaced by a single `-`.
///
/// Spellings of one project (`Typing_Extensions`, `typing-extensions`, `typing.extensions`)
/// compare equal once normalized, which is what an index lookup, a merge or a Nix attribute needs. The
/// spelling as written is kept beside it where it matters (`megapak_requirements::Entry::spelling`).
///
/// ```
/// use megapak_types::PackageName;
///
/// let name: PackageName = "Typing_Extensions".parse().unwrap();
/// assert_eq!(name.as_str(), "typing-extensions");
/// assert!("-torch".parse::<PackageName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PackageName(#[serde(deserialize_with = "deserialize_name")] String);

impl PackageName {
    /// Validates `name` against the PEP 508 name grammar and normalizes it.
    pub fn new(name: &str) -> Result<Self, InvalidNameError> {
        if is_valid_name(name) {
            Ok(Self(normalize(name)))
        } else {
            Err(InvalidNameError(name.to_string()))
        }
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PackageName {
    type Err = InvalidNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::new(name)
    }
}

impl AsRef<str> for PackageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn deserialize_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    PackageName::new(&name)
        .map(|name| name.0)
        .map_err(serde::de::Error::custom)
}

/// A name that is not a valid PEP 508 distribution name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "Invalid package name `{0}`: expected ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
)]
pub struct InvalidNameError(pub String);

/// PEP 508: `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive.
fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// PEP 503 normalization of an already valid name.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_separator_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_separator_runs() {
        for (given, expected) in [
            ("torch", "torch"),
            ("PyYAML", "pyyaml"),
            ("typing_extensions", "typing-extensions"),
            ("Friendly-Bard", "friendly-bard"),
            ("FRIENDLY-BARD", "friendly-bard"),
            ("friendly.bard", "friendly-bard"),
            ("friendly_bard", "friendly-bard"),
            ("friendly--bard", "friendly-bard"),
            ("FrIeNdLy-._.-bArD", "friendly-bard"),
            ("a", "a"),
            ("1", "1"),
        ] {
            assert_eq!(
                PackageName::new(given).unwrap().as_str(),
                expected,
                "{given}"
            );
        }
    }

    #[test]
    fn rejects_invalid_names() {
        for given in ["", "-a", "a-", "_a", "a.", "a b", "a/b", "é", "a+b", "a[x]"] {
            assert_eq!(
                PackageName::new(given),
                Err(InvalidNameError(given.to_string())),
                "{given}"
            );
        }
    }

    #[test]
    fn orders_and_serializes_normalized() {
        let mut names: Vec<PackageName> = ["Zipp", "attrs", "Babel"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            serde_json::to_string(&names).unwrap(),
            r#"["attrs","babel","zipp"]"#
        );
        let back: Vec<PackageName> = serde_json::from_str(r#"["Py_YAML"]"#).unwrap();
        assert_eq!(back[0].to_string(), "py-yaml");
        assert!(serde_json::from_str::<PackageName>(r#""-x""#).is_err());
    }
}
