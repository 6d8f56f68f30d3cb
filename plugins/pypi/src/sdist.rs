//! The files of an sdist that say what it needs: `PKG-INFO`, `pyproject.toml` (for the PEP 517
//! build system, which the peers' hand-written derivations most often get wrong) and
//! setuptools' `*.egg-info/requires.txt` (the dependencies of old sdists whose `PKG-INFO` has
//! none). A `.tar.gz` is read as a stream, stopping as soon as nothing more is needed; a `.zip`
//! through range requests like a wheel.

use std::io::Read;

use flate2::read::GzDecoder;

use crate::error::PypiError;
use crate::metadata;
use crate::remote::RangeSource;
use crate::zip;

/// The largest member read.
const MAX_MEMBER: u64 = 4 << 20;

/// The files found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdistContents {
    /// `<top>/PKG-INFO`.
    pub pkg_info: Option<String>,
    /// `<top>/pyproject.toml`.
    pub pyproject: Option<String>,
    /// `<top>/(src/)?<name>.egg-info/requires.txt`.
    pub requires_txt: Option<String>,
    /// `<top>/(src/)?<name>.egg-info/top_level.txt`: the import names, when read anyway.
    pub top_level_txt: Option<String>,
    /// Whether the whole archive was read (so its hash could be checked).
    pub complete: bool,
}

/// Which member a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    PkgInfo,
    Pyproject,
    RequiresTxt,
    TopLevelTxt,
}

fn member(path: &str) -> Option<Member> {
    let parts: Vec<&str> = path.trim_start_matches("./").split('/').collect();
    match parts.as_slice() {
        [_, "PKG-INFO"] => Some(Member::PkgInfo),
        [_, "pyproject.toml"] => Some(Member::Pyproject),
        [_, egg, "requires.txt"] | [_, "src", egg, "requires.txt"]
            if egg.ends_with(".egg-info") =>
        {
            Some(Member::RequiresTxt)
        }
        [_, egg, "top_level.txt"] | [_, "src", egg, "top_level.txt"]
            if egg.ends_with(".egg-info") =>
        {
            Some(Member::TopLevelTxt)
        }
        _ => None,
    }
}

impl SdistContents {
    fn put(&mut self, member: Member, text: String) {
        let slot = match member {
            Member::PkgInfo => &mut self.pkg_info,
            Member::Pyproject => &mut self.pyproject,
            Member::RequiresTxt => &mut self.requires_txt,
            Member::TopLevelTxt => &mut self.top_level_txt,
        };
        slot.get_or_insert(text);
    }

    /// Whether the rest of the archive can be skipped: `PKG-INFO` with static requirements and
    /// `pyproject.toml` are both in hand.
    fn enough(&self) -> bool {
        self.pyproject.is_some()
            && self
                .pkg_info
                .as_deref()
                .is_some_and(|text| metadata::parse_core_metadata(text).static_requirements())
    }
}

/// Reads a gzipped tar stream; with `whole`, reads to its end even when the files are found
/// early (to hash the download).
pub fn read_tar_gz(
    reader: impl Read,
    filename: &str,
    whole: bool,
) -> Result<SdistContents, PypiError> {
    let bad = |message: String| PypiError::BadTar {
        filename: filename.to_owned(),
        message,
    };
    let mut archive = tar::Archive::new(GzDecoder::new(reader));
    let mut contents = SdistContents::default();
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| bad(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if let Some(member) = member(&path) {
            let mut text = String::new();
            (&mut entry)
                .take(MAX_MEMBER)
                .read_to_string(&mut text)
                .map_err(|e| bad(format!("`{path}`: {e}")))?;
            contents.put(member, text);
            if !whole && contents.enough() {
                return Ok(contents);
            }
        }
    }
    contents.complete = true;
    Ok(contents)
}

/// Reads a zip sdist through `source`.
pub fn read_zip(source: &mut dyn RangeSource, tail: u64) -> Result<SdistContents, PypiError> {
    let entries = zip::entries(source, tail)?;
    let mut contents = SdistContents::default();
    for entry in &entries {
        if let Some(member) = member(&entry.name) {
            let bytes = zip::read(source, entry, MAX_MEMBER)?;
            contents.put(member, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_members_that_matter() {
        assert_eq!(member("compel-2.5.1/PKG-INFO"), Some(Member::PkgInfo));
        assert_eq!(
            member("compel-2.5.1/pyproject.toml"),
            Some(Member::Pyproject)
        );
        assert_eq!(
            member("x-1/src/x.egg-info/requires.txt"),
            Some(Member::RequiresTxt)
        );
        assert_eq!(
            member("x-1/x.egg-info/top_level.txt"),
            Some(Member::TopLevelTxt)
        );
        assert_eq!(member("x-1/x.egg-info/PKG-INFO"), None);
        assert_eq!(member("x-1/vendor/y/pyproject.toml"), None);
    }

    #[test]
    fn stops_early_when_pkg_info_is_static() {
        let bytes = include_bytes!("../../../fixtures/real/pypi/compel-2.5.1.tar.gz");
        let contents = read_tar_gz(&bytes[..], "compel-2.5.1.tar.gz", false).unwrap();
        assert!(!contents.complete);
        assert!(contents.pyproject.unwrap().contains("setuptools>=61.0"));
        let whole = read_tar_gz(&bytes[..], "compel-2.5.1.tar.gz", true).unwrap();
        assert!(whole.complete);
    }

    #[test]
    fn reads_requires_txt_of_an_old_sdist() {
        let bytes = include_bytes!("../../../fixtures/real/pypi/segment_anything-1.0.tar.gz");
        let contents = read_tar_gz(&bytes[..], "segment_anything-1.0.tar.gz", false).unwrap();
        assert!(contents.complete);
        assert!(contents.pyproject.is_none());
        assert!(
            contents
                .requires_txt
                .unwrap()
                .starts_with("\n[all]\nmatplotlib")
        );
        let error = read_tar_gz(&b"not gzip"[..], "x-1.tar.gz", false).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`x-1.tar.gz` is not a readable `.tar.gz`")
        );
    }
}
