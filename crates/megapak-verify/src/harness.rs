//! Finding the harness binaries: `--harness-dir`, else beside the `megapak` binary, else in
//! `../libexec/megapak` (where a package installs helpers).

use std::path::{Path, PathBuf};

use crate::VerifyError;

/// The driver and the checks it runs; all must sit in one folder.
pub const BINARIES: [&str; 4] = ["megapak-smoke", "check-cuda", "check-torch", "check-ort"];

/// A folder holding the whole harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Harness {
    pub dir: PathBuf,
}

impl Harness {
    /// The driver, `megapak-smoke`.
    pub fn smoke(&self) -> PathBuf {
        self.dir.join(BINARIES[0])
    }
}

/// The folders searched, in order.
pub fn candidates(explicit: Option<&Path>, exe: Option<&Path>) -> Vec<PathBuf> {
    if let Some(dir) = explicit {
        return vec![dir.to_owned()];
    }
    let Some(exe_dir) = exe.and_then(Path::parent) else {
        return Vec::new();
    };
    vec![exe_dir.to_owned(), exe_dir.join("../libexec/megapak")]
}

/// The first candidate with `megapak-smoke`; it must have every check beside it.
pub fn locate(explicit: Option<&Path>, exe: Option<&Path>) -> Result<Harness, VerifyError> {
    let searched = candidates(explicit, exe);
    let dir = searched
        .iter()
        .find(|d| d.join(BINARIES[0]).is_file())
        .ok_or_else(|| VerifyError::HarnessNotFound {
            searched: searched.clone(),
        })?;
    if let Some(binary) = BINARIES.iter().find(|b| !dir.join(b).is_file()) {
        return Err(VerifyError::HarnessIncomplete {
            dir: dir.clone(),
            binary,
        });
    }
    Ok(Harness { dir: dir.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, names: &[&str]) {
        for name in names {
            std::fs::write(dir.join(name), "").unwrap();
        }
    }

    #[test]
    fn beside_megapak_then_libexec() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        let libexec = root.path().join("libexec/megapak");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&libexec).unwrap();
        touch(&libexec, &BINARIES);
        let found = locate(None, Some(&bin.join("megapak"))).unwrap();
        assert_eq!(found.dir, bin.join("../libexec/megapak"));
        touch(&bin, &BINARIES);
        assert_eq!(locate(None, Some(&bin.join("megapak"))).unwrap().dir, bin);
    }

    #[test]
    fn a_missing_harness_lists_where_it_looked() {
        let err = locate(Some(Path::new("/nowhere")), None).unwrap_err();
        assert!(err.printed().starts_with("Could not find the GPU harness (`megapak-smoke` and its `check-*` binaries); looked in `/nowhere`\nhint: "), "{err}");
    }

    #[test]
    fn an_incomplete_harness_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["megapak-smoke", "check-cuda", "check-ort"]);
        let err = locate(Some(dir.path()), None).unwrap_err();
        assert!(err.to_string().contains("lacks `check-torch`"), "{err}");
    }
}
