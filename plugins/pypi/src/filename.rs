//! Distribution file names: wheels (`name-version(-build)?-python-abi-platform.whl`, tag sets
//! compressed with `.`) and sdists (`name-version.tar.gz`, `.zip`, ...), as the wheel spec and
//! PEP 625 define them, read leniently as pip does for old uploads.

use std::str::FromStr;

use megapak_types::PackageName;
use pep440_rs::Version;

/// A file the resolver understands, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    /// The version in the file name.
    pub version: Version,
    /// A wheel with its tags, or an sdist with its archive format.
    pub kind: DistKind,
}

/// What kind of distribution a file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistKind {
    /// A built wheel.
    Wheel(WheelTags),
    /// A source archive.
    Sdist(SdistFormat),
}

/// The tag sets of a wheel name; `cp39.cp310` is kept as two tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTags {
    /// Python tags, e.g. `cp314`, `py3`.
    pub python: Vec<String>,
    /// ABI tags, e.g. `cp314`, `abi3`, `none`.
    pub abi: Vec<String>,
    /// Platform tags, e.g. `manylinux_2_17_x86_64`, `any`.
    pub platform: Vec<String>,
}

/// The archive format of an sdist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdistFormat {
    /// `.tar.gz` or `.tgz` (PEP 625's only format).
    TarGz,
    /// `.zip`, read by range requests like a wheel.
    Zip,
    /// `.tar.bz2`, `.tar.xz`, `.tar`: listed, but its metadata cannot be read.
    Other,
}

/// Reads `filename` as a file of `project`; `None` for other projects' files, installers
/// (`.exe`, `.msi`), eggs and names that do not parse.
pub fn parse(filename: &str, project: &PackageName) -> Option<DistFilename> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return parse_wheel(stem, project);
    }
    let (stem, format) = [
        (".tar.gz", SdistFormat::TarGz),
        (".tgz", SdistFormat::TarGz),
        (".zip", SdistFormat::Zip),
        (".tar.bz2", SdistFormat::Other),
        (".tar.xz", SdistFormat::Other),
        (".tar", SdistFormat::Other),
    ]
    .into_iter()
    .find_map(|(suffix, format)| Some((strip_suffix_ignore_case(filename, suffix)?, format)))?;
    // The name may itself contain `-` in old uploads (`python-ffmpeg-1.0.tar.gz`): try each
    // split whose left side normalizes to the project.
    stem.match_indices('-').find_map(|(at, _)| {
        let name = PackageName::new(&stem[..at]).ok()?;
        if &name != project {
            return None;
        }
        let version = Version::from_str(&stem[at + 1..]).ok()?;
        Some(DistFilename {
            version,
            kind: DistKind::Sdist(format),
        })
    })
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case(suffix)).then(|| &text[..cut])
}

fn parse_wheel(stem: &str, project: &PackageName) -> Option<DistFilename> {
    let parts: Vec<&str> = stem.split('-').collect();
    if !matches!(parts.len(), 5 | 6) {
        return None;
    }
    if &PackageName::new(parts[0]).ok()? != project {
        return None;
    }
    let version = Version::from_str(parts[1]).ok()?;
    let n = parts.len();
    let split = |tags: &str| tags.split('.').map(str::to_ascii_lowercase).collect();
    Some(DistFilename {
        version,
        kind: DistKind::Wheel(WheelTags {
            python: split(parts[n - 3]),
            abi: split(parts[n - 2]),
            platform: split(parts[n - 1]),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        text.parse().unwrap()
    }

    #[test]
    fn reads_wheels_with_compressed_tags_and_builds() {
        let file = parse(
            "regex-2026.9.3-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            &name("regex"),
        )
        .unwrap();
        assert_eq!(file.version.to_string(), "2026.9.3");
        let DistKind::Wheel(tags) = file.kind else {
            panic!("a wheel")
        };
        assert_eq!(
            tags.platform,
            ["manylinux2014_x86_64", "manylinux_2_17_x86_64"]
        );
        let built = parse(
            "torch-2.10.0+cu130-1-cp314-cp314-linux_x86_64.whl",
            &name("torch"),
        );
        assert_eq!(built.unwrap().version.to_string(), "2.10.0+cu130");
        assert!(
            parse(
                "segment_anything-1.0-py3-none-any.whl",
                &name("segment-anything")
            )
            .is_some()
        );
    }

    #[test]
    fn reads_sdists_whose_names_contain_dashes() {
        let file = parse("python-ffmpeg-1.0.16.tar.gz", &name("python-ffmpeg")).unwrap();
        assert_eq!(file.version.to_string(), "1.0.16");
        assert_eq!(file.kind, DistKind::Sdist(SdistFormat::TarGz));
        let zip = parse("Pillow-2.0.0.ZIP", &name("pillow")).unwrap();
        assert_eq!(zip.kind, DistKind::Sdist(SdistFormat::Zip));
    }

    #[test]
    fn skips_other_projects_installers_and_garbage() {
        for filename in [
            "numpy-2.0.0-cp314-cp314-linux_x86_64.whl",
            "decord-0.6.0.win32.exe",
            "decord-0.6.0-py3.6.egg",
            "decord-notaversion.tar.gz",
            "decord-0.6.0-py3-none.whl",
        ] {
            assert_eq!(parse(filename, &name("decord")), None, "{filename}");
        }
    }
}
