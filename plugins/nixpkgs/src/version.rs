//! nixpkgs' versions as PEP 440 versions, which the solver compares.
//!
//! Most nixpkgs versions are PEP 440 versions already. A snapshot of a project's repository
//! after a release, `9.0.0-unstable-2022-11-20`, is a downstream build of `9.0.0` with changes:
//! what PEP 440's local version label is for, so it becomes `9.0.0+unstable.2022.11.20`, which
//! `==9.0.0` admits. Anything else that PEP 440 cannot read is said so, never guessed.

use std::str::FromStr;

use pep440_rs::Version;

/// A nixpkgs version read as PEP 440.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pep440 {
    /// The version as the wire carries it.
    pub text: String,
    /// The parsed version.
    pub version: Version,
    /// Set when `text` is not nixpkgs' spelling, which it names.
    pub note: Option<String>,
}

/// Reads nixpkgs' `version`; `None` when PEP 440 cannot read it.
pub fn pep440(version: &str) -> Option<Pep440> {
    if let Ok(parsed) = Version::from_str(version) {
        return Some(Pep440 {
            text: version.to_owned(),
            version: parsed,
            note: None,
        });
    }
    let (release, date) = version.split_once("-unstable-")?;
    let local = format!("{release}+unstable.{}", date.replace('-', "."));
    let parsed = Version::from_str(&local).ok()?;
    Some(Pep440 {
        note: Some(format!(
            "nixpkgs' version is `{version}`, a snapshot after {release}: given as `{local}`"
        )),
        text: local,
        version: parsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unstable_snapshots_as_local_versions() {
        let cpuinfo = pep440("9.0.0-unstable-2022-11-20").unwrap();
        assert_eq!(cpuinfo.text, "9.0.0+unstable.2022.11.20");
        let pin = pep440_rs::VersionSpecifiers::from_str("==9.0.0").unwrap();
        assert!(pin.contains(&cpuinfo.version));
        assert_eq!(pep440("2.10.0").unwrap().note, None);
        assert_eq!(
            pep440("0.1.5.post20221221").unwrap().text,
            "0.1.5.post20221221"
        );
        assert_eq!(pep440("unstable-2024-01-01"), None);
        assert_eq!(pep440("2024-01-01"), None);
    }
}
