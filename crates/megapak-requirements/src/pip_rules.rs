//! Whether a version satisfies a specifier, as every recent pip agrees: where `packaging`
//! releases decide differently (they did for `<V` and `>V` of `V`'s own pre-, post- and
//! dev-releases: pip 23's `packaging` 21.3 and pip 26's 26.0 disagree), the version is taken as
//! satisfying, so a contradiction is only reported when pip would find one too.
//!
//! - `<V`, `>V`: ordered as versions, except what PEP 440 says outright for a final release
//!   `V`: `<2.0` leaves out `2.0rc1`, `>1.0` leaves out `1.0.post1` and `1.0+local`.
//!   (`pep440_rs` 0.7.3 leaves out more: `1.0rc1` for `<1.0rc1.post1`, `1.0.dev0` for
//!   `<1!1.0`.)
//! - `!=V.*` where `V` ends in zeros its candidate lacks (`!=1.0.0.*` and `1.0.post1`): whether
//!   `1.0.post1` is in `1.0.0.*` depends on `packaging`'s padding rules; taken as satisfied.

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};

/// Whether `version` satisfies every one of `specifiers`.
pub(crate) fn admits_all(specifiers: &VersionSpecifiers, version: &Version) -> bool {
    specifiers
        .iter()
        .all(|specifier| admits(specifier, version))
}

/// Whether `version` satisfies `specifier`.
pub(crate) fn admits(specifier: &VersionSpecifier, version: &Version) -> bool {
    let bound = specifier.version();
    match specifier.operator() {
        Operator::LessThan => {
            version < bound
                && !(is_final(bound) && version.any_prerelease() && same_base(version, bound))
        }
        Operator::GreaterThan => {
            version > bound
                && !(is_final(bound)
                    && (version.is_post() || version.is_local())
                    && same_base(version, bound))
        }
        Operator::NotEqualStar if padding_decides(bound, version) => true,
        _ => specifier.contains(version),
    }
}

/// `V.*` ends in zeros beyond the release of a pre-, post- or dev-release `version`.
fn padding_decides(prefix: &Version, version: &Version) -> bool {
    version.release().len() < prefix.release().len()
        && prefix.release()[version.release().len()..]
            .iter()
            .all(|&n| n == 0)
        && (version.any_prerelease() || version.is_post())
}

/// A final release: no pre-, post- or dev-release, no local version.
pub(crate) fn is_final(version: &Version) -> bool {
    !version.any_prerelease() && !version.is_post() && !version.is_local()
}

/// Whether two versions have one epoch and release (`packaging`'s `base_version`).
fn same_base(a: &Version, b: &Version) -> bool {
    let base = |v: &Version| Version::new(v.release().iter().copied()).with_epoch(v.epoch());
    base(a) == base(b)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn admitted(specifier: &str, version: &str) -> bool {
        admits(
            &VersionSpecifier::from_str(specifier).unwrap(),
            &Version::from_str(version).unwrap(),
        )
    }

    #[test]
    fn less_than_follows_packaging() {
        assert!(admitted("<1.0rc1.post1", "1.0rc1"));
        assert!(admitted("<1.0rc1.post1", "1.0a1"));
        assert!(admitted("<1!1.0", "1.0.dev0"));
        assert!(admitted("<1.0.post1", "1.0"));
        assert!(!admitted("<1.0", "1.0rc1"));
        assert!(!admitted("<1.0", "1.0.0.dev0"));
        assert!(admitted("<1.0", "0.9rc1"));
        assert!(admitted("<1.0", "0.9+local"));
        assert!(!admitted("<1.0", "1.0"));
    }

    #[test]
    fn greater_than_leaves_out_only_what_pep_440_says() {
        assert!(!admitted(">1.0", "1.0.post1"));
        assert!(!admitted(">1.0", "1.0+cu130"));
        assert!(!admitted(">1.0", "1.0.0.post1.dev0"));
        assert!(admitted(">1.0", "1.0.1"));
        // Releases of `packaging` disagree on these: taken as satisfying.
        assert!(admitted(">1.0a1", "1.0rc1.post1"));
        assert!(admitted(">1.0.post1", "1.0.post2.dev0"));
        assert!(!admitted(">1.0.post1", "1.0.post1"));
    }

    #[test]
    fn padded_prefixes_lean_to_satisfied() {
        assert!(admitted("!=1.0.0.*", "1.0.post1"));
        assert!(admitted("!=1.0.0.*", "1.1"));
        assert!(!admitted("!=1.0.*", "1.0.post1"));
        assert!(!admitted("!=1.0.0.*", "1.0"));
    }
}
