//! The target's Python, which decides the package set: `3.14` reads `python314Packages`.

use std::fmt;
use std::str::FromStr;

/// A Python `MAJOR.MINOR`, e.g. `3.14`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    /// `3` of `3.14`.
    pub major: u32,
    /// `14` of `3.14`.
    pub minor: u32,
}

impl PythonVersion {
    /// The nixpkgs package set of this Python: `python314Packages`.
    pub fn packages_attribute(self) -> String {
        format!("python{}{}Packages", self.major, self.minor)
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A Python version that is not `MAJOR.MINOR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid Python version `{0}`: expected `MAJOR.MINOR`, e.g. `3.14`")]
pub struct InvalidPythonError(pub String);

impl FromStr for PythonVersion {
    type Err = InvalidPythonError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPythonError(text.to_owned());
        let (major, minor) = text.split_once('.').ok_or_else(invalid)?;
        let number = |part: &str| {
            if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                part.parse::<u32>().ok()
            }
        };
        Ok(Self {
            major: number(major).ok_or_else(invalid)?,
            minor: number(minor).ok_or_else(invalid)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_package_set() {
        let python: PythonVersion = "3.14".parse().unwrap();
        assert_eq!(python.packages_attribute(), "python314Packages");
        assert_eq!(python.to_string(), "3.14");
        for bad in ["3", "3.", ".14", "3.14.1", "three.14", "3.+4"] {
            assert!(bad.parse::<PythonVersion>().is_err(), "{bad}");
        }
    }
}
