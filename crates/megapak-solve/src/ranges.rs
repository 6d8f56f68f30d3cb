//! PEP 440 specifiers as PubGrub version sets, and back into words.
//!
//! `pep440_rs` converts specifiers to [`Ranges`], but its `==2.10.0` is the one version
//! `2.10.0`, while PEP 440 says it admits `2.10.0+cu130` (a local version label is ignored when
//! the specifier has none). PyTorch's CUDA wheels are local versions, so `==` and `!=` are
//! widened here to the public version and all its local labels.

use std::fmt::Write as _;
use std::ops::Bound;

use megapak_requirements::pep440_rs::{
    Operator, Prerelease, Version, VersionSpecifier, VersionSpecifiers,
};
use version_ranges::Ranges;

/// A set of versions.
pub(crate) type Range = Ranges<Version>;

/// The smallest version above `version` and all its local labels: `V.post0.dev0` for a final
/// release, the next post-release's first dev release after a post-release, the next dev
/// release after a dev release.
pub(crate) fn above_locals(version: &Version) -> Version {
    let public = version.clone().without_local();
    if let Some(dev) = public.dev() {
        public.with_dev(Some(dev + 1))
    } else {
        let post = public.post().map_or(0, |post| post + 1);
        public.with_post(Some(post)).with_dev(Some(0))
    }
}

/// `==V` as PEP 440 reads it: `V` and `V+anything` when `V` has no local label.
pub(crate) fn equal(version: &Version) -> Range {
    if version.is_local() {
        Range::singleton(version.clone())
    } else {
        Range::from_range_bounds(version.clone()..above_locals(version))
    }
}

/// One specifier as a set of versions.
pub(crate) fn specifier_range(specifier: &VersionSpecifier) -> Range {
    let version = specifier.version();
    match specifier.operator() {
        Operator::Equal => equal(version),
        Operator::NotEqual => equal(version).complement(),
        // `<V.postN` leaves out only V.postN's own dev releases (PEP 440: "must not allow a
        // pre-release of the specified version"); pep440_rs puts the bound below V's whole
        // release family, so `>=1.0` and `<1.0.post1` would never meet, while pip admits 1.0.
        Operator::LessThan
            if version.post().is_some() && version.dev().is_none() && !version.is_local() =>
        {
            Range::strictly_lower_than(version.clone().with_dev(Some(0)))
        }
        _ => Range::from(specifier.clone()),
    }
}

/// Specifiers as a set of versions (all of them must hold).
pub(crate) fn specifiers_range(specifiers: &VersionSpecifiers) -> Range {
    specifiers.iter().fold(Range::full(), |range, specifier| {
        range.intersection(&specifier_range(specifier))
    })
}

/// Whether a specifier names a pre-release, which lets pre-releases of the package in.
pub(crate) fn names_prerelease(specifiers: &VersionSpecifiers) -> bool {
    specifiers
        .iter()
        .any(|specifier| specifier.version().any_prerelease())
}

/// Whether `range` is `==V` (with or without local labels) for the public version of `version`:
/// a yanked version is taken only when pinned.
pub(crate) fn pins(range: &Range, version: &Version) -> bool {
    !range.is_empty() && range.subset_of(&equal(&version.clone().without_local()))
}

/// A version for display: the markers `pep440_rs` puts on bounds (`min`, `max`, the `dev0`
/// of `~=`) taken off.
fn shown(version: &Version) -> String {
    let mut version = version.clone();
    if Version::min(&version).is_some() {
        version = version.with_min(None);
    }
    if Version::max(&version).is_some() {
        version = version.with_max(None);
    }
    if version.dev() == Some(0) && version.pre().is_none() && version.post().is_none() {
        version = version.with_dev(None);
    }
    version.to_string()
}

/// A set of versions in PEP 440 words: `==2.10.0`, `>=1.4,<2`, `!=1.2`, `<1 or >=2`; empty
/// for every version.
pub(crate) fn show(range: &Range) -> String {
    let segments: Vec<(&Bound<Version>, &Bound<Version>)> = range.iter().collect();
    if segments.is_empty() {
        return "(no version)".to_owned();
    }
    if let [
        (Bound::Unbounded, Bound::Excluded(a)),
        (low, Bound::Unbounded),
    ] = segments[..]
    {
        let excluded_one = match low {
            Bound::Included(b) => *b == above_locals(a),
            Bound::Excluded(b) => b == a,
            Bound::Unbounded => false,
        };
        if excluded_one {
            return format!("!={}", shown(a));
        }
    }
    let mut text = String::new();
    for (k, (low, high)) in segments.into_iter().enumerate() {
        if k > 0 {
            text.push_str(" or ");
        }
        match (low, high) {
            (Bound::Unbounded, Bound::Unbounded) => {}
            (Bound::Included(a), Bound::Included(b)) if a == b => {
                let _ = write!(text, "=={}", shown(a));
            }
            (Bound::Included(a), Bound::Excluded(b)) if *b == above_locals(a) => {
                let _ = write!(text, "=={}", shown(a));
            }
            (low, high) => {
                let low = match low {
                    Bound::Included(a) => Some(format!(">={}", shown(a))),
                    Bound::Excluded(a) => Some(format!(">{}", shown(a))),
                    Bound::Unbounded => None,
                };
                let high = match high {
                    Bound::Included(b) => Some(format!("<={}", shown(b))),
                    Bound::Excluded(b) => Some(format!("<{}", shown(b))),
                    Bound::Unbounded => None,
                };
                let _ = write!(
                    text,
                    "{}",
                    [low, high]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
        }
    }
    text
}

/// Some version in `range`, for a check without providers (every version exists); `None` when
/// none of the tried versions is in it.
pub(crate) fn some_member(range: &Range) -> Option<Version> {
    let (low, high) = range.iter().next()?;
    let mut tries = Vec::new();
    match low {
        Bound::Included(a) => tries.push(a.clone()),
        Bound::Excluded(a) => {
            let base = Version::new(a.release().iter().copied()).with_epoch(a.epoch());
            tries.push(above_locals(a));
            let release = base.release().to_vec();
            for zeros in 0..3 {
                let mut longer = release.clone();
                longer.extend(std::iter::repeat_n(0, zeros));
                longer.push(1);
                tries.push(Version::new(longer).with_epoch(a.epoch()));
            }
            for position in (0..release.len()).rev() {
                let mut bumped = release.clone();
                bumped[position] += 1;
                bumped.truncate(position + 1);
                tries.push(Version::new(bumped));
            }
        }
        Bound::Unbounded => tries.push(Version::new([0])),
    }
    // Just above a bound that is itself a pre-, post- or dev-release: the next one of its kind
    // (`>1.0a1,<1.0rc1` holds `1.0a2`; `>1.0.post1,<1.0.post3` holds `1.0.post2`).
    if let Bound::Excluded(a) | Bound::Included(a) = low {
        let public = a.clone().without_local();
        if let Some(dev) = public.dev() {
            tries.push(public.clone().with_dev(Some(dev + 1)));
        }
        if let Some(post) = public.post() {
            tries.push(public.clone().with_dev(None).with_post(Some(post + 1)));
        }
        if let Some(pre) = public.pre() {
            tries.push(
                public
                    .clone()
                    .with_dev(None)
                    .with_post(None)
                    .with_pre(Some(Prerelease {
                        kind: pre.kind,
                        number: pre.number + 1,
                    })),
            );
        }
    }
    if let Bound::Excluded(b) | Bound::Included(b) = high {
        tries.push(Version::new(b.release().iter().map(|_| 0)));
        tries.push(b.clone());
        // Just below a bound: its first dev release (`<1.0rc1` holds `1.0rc1.dev0`).
        tries.push(b.clone().without_local().with_dev(Some(0)));
    }
    tries.into_iter().find(|version| range.contains(version))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn range(text: &str) -> Range {
        specifiers_range(&VersionSpecifiers::from_str(text).unwrap())
    }

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn equal_admits_local_labels_and_not_equal_excludes_them() {
        assert!(range("==2.10.0").contains(&v("2.10.0+cu130")));
        assert!(!range("==2.10.0").contains(&v("2.10.0.post1")));
        assert!(!range("!=2.10.0").contains(&v("2.10.0+cu130")));
        assert!(range("==2.10.0+cu130").contains(&v("2.10.0+cu130")));
        assert!(!range("==2.10.0+cu130").contains(&v("2.10.0+cu128")));
    }

    #[test]
    fn ranges_read_back_as_specifiers() {
        let shown: Vec<String> = [
            "==2.10.0",
            "<2",
            ">=1.4,<2",
            "!=1.2",
            "~=1.4",
            ">1.0",
            "",
            ">=1,!=1.5,<3",
        ]
        .iter()
        .map(|text| show(&range(text)))
        .collect();
        insta::assert_snapshot!(shown.join("\n"), @r"
        ==2.10.0
        <2
        >=1.4,<2
        !=1.2
        >=1.4,<2
        >1.0

        >=1,<1.5 or >=1.5.post0.dev0,<3
        ");
    }

    #[test]
    fn pins_and_members() {
        assert!(pins(&range("==1.0"), &v("1.0")));
        assert!(pins(&range("==1.0"), &v("1.0+cpu")));
        assert!(!pins(&range(">=1.0"), &v("1.0")));
        for text in [
            "==1.0",
            ">1.0",
            "<2",
            ">=1,<1.1",
            ">1.0,<1.0.1",
            "~=2.3",
            "!=1.*",
        ] {
            let member = some_member(&range(text));
            assert!(member.is_some(), "no member found for `{text}`");
        }
    }
}
