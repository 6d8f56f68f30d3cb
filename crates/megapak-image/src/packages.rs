//! The lock's packages, as far as `megapak build` needs them: to say which lock entry a failing
//! derivation, a wrong hash or a missing attribute belongs to. The binary fills this from
//! `megapak.lock`; this crate never reads the lock itself (nor plugins, nor pak files).

use megapak_types::PackageName;

/// One lock entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPackage {
    pub name: PackageName,
    pub version: String,
    /// File names its sources download as (a wheel's or an sdist's), which fixed-output
    /// derivations are named after.
    pub files: Vec<String>,
    /// The nixpkgs attribute it comes from, when it comes from nixpkgs.
    pub attribute: Option<String>,
}

/// The lock's packages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownPackages {
    packages: Vec<KnownPackage>,
}

impl KnownPackages {
    pub fn new(packages: Vec<KnownPackage>) -> Self {
        Self { packages }
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The package a derivation (its store name, e.g. `python3.14-torch-2.10.0` or
    /// `torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl`) builds or fetches.
    pub fn for_derivation(&self, derivation: &str) -> Option<&PackageName> {
        if let Some(found) = self
            .packages
            .iter()
            .find(|p| p.files.iter().any(|f| f == derivation))
        {
            return Some(&found.name);
        }
        let name = strip_python_prefix(derivation);
        self.packages
            .iter()
            .find(|p| {
                name.strip_suffix(p.version.as_str())
                    .and_then(|rest| rest.strip_suffix('-'))
                    .is_some_and(|pname| same_name(pname, &p.name))
            })
            .or_else(|| {
                // A source archive or wheel the lock did not name: `<pname>-<version>` first.
                self.packages.iter().find(|p| {
                    name.split_once(&format!("-{}", p.version))
                        .is_some_and(|(pname, rest)| {
                            same_name(pname, &p.name)
                                && (rest.is_empty() || rest.starts_with(['.', '-']))
                        })
                })
            })
            .map(|p| &p.name)
    }

    /// The package an attribute (of nixpkgs' Python set, or of the emitted overlay) stands for.
    pub fn for_attribute(&self, attribute: &str) -> Option<&PackageName> {
        self.packages
            .iter()
            .find(|p| p.attribute.as_deref() == Some(attribute))
            .or_else(|| self.packages.iter().find(|p| same_name(attribute, &p.name)))
            .map(|p| &p.name)
    }
}

/// `python3.14-torch-2.10.0` and `python3-torch-2.10.0` give `torch-2.10.0`.
fn strip_python_prefix(name: &str) -> &str {
    let Some(rest) = name.strip_prefix("python") else {
        return name;
    };
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    match digits.strip_prefix('-') {
        Some(stripped) if digits.len() < rest.len() => stripped,
        _ => name,
    }
}

fn same_name(spelling: &str, name: &PackageName) -> bool {
    PackageName::new(spelling).is_ok_and(|n| &n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownPackages {
        let package =
            |name: &str, version: &str, files: &[&str], attribute: Option<&str>| KnownPackage {
                name: name.parse().unwrap(),
                version: version.into(),
                files: files.iter().map(|f| f.to_string()).collect(),
                attribute: attribute.map(str::to_owned),
            };
        KnownPackages::new(vec![
            package(
                "torch",
                "2.10.0",
                &["torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl"],
                None,
            ),
            package("onnxruntime-gpu", "1.24.4", &[], Some("onnxruntime")),
            package("typing-extensions", "4.15.0", &[], None),
        ])
    }

    #[test]
    fn derivations_map_to_their_lock_entries() {
        let known = known();
        let name = |drv: &str| known.for_derivation(drv).map(|n| n.to_string());
        assert_eq!(
            name("torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl").as_deref(),
            Some("torch")
        );
        assert_eq!(name("python3.14-torch-2.10.0").as_deref(), Some("torch"));
        assert_eq!(
            name("python3-typing_extensions-4.15.0").as_deref(),
            Some("typing-extensions")
        );
        assert_eq!(
            name("typing_extensions-4.15.0.tar.gz").as_deref(),
            Some("typing-extensions")
        );
        assert_eq!(name("python3.14-torch-2.9.0"), None);
        assert_eq!(name("source"), None);
        assert_eq!(name("python3.14"), None);
    }

    #[test]
    fn attributes_map_to_their_lock_entries() {
        let known = known();
        assert_eq!(
            known.for_attribute("onnxruntime").map(|n| n.as_str()),
            Some("onnxruntime-gpu")
        );
        assert_eq!(
            known.for_attribute("typing_extensions").map(|n| n.as_str()),
            Some("typing-extensions")
        );
        assert_eq!(known.for_attribute("cupy"), None);
    }
}
