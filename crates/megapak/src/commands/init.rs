//! `megapak init [DIR]`: write the embedded example workspace.

use std::path::{Path, PathBuf};

use anstream::eprintln;
use anyhow::{Context, bail};
use megapak_types::Hint;

use super::hinted;
use crate::cli::InitArgs;
use crate::exit::Outcome;
use crate::output::create_file_atomically;

/// The example workspace, embedded at build time: a ComfyUI image on CUDA 13, Python 3.14 and
/// torch 2.10. Paths are relative to the folder `init` writes into.
pub(crate) const EXAMPLE_FILES: [(&str, &str); 10] = [
    ("megapak.toml", include_str!("../../example/megapak.toml")),
    (
        "paks/comfyui.txt",
        include_str!("../../example/paks/comfyui.txt"),
    ),
    ("paks/gpu.txt", include_str!("../../example/paks/gpu.txt")),
    (
        "paks/custom-nodes.txt",
        include_str!("../../example/paks/custom-nodes.txt"),
    ),
    // The workspace flake: the image, its checks and a shell, from what `megapak resolve`
    // writes under `nix/`.
    ("flake.nix", include_str!("../../example/flake.nix")),
    ("nix/image.nix", include_str!("../../example/nix/image.nix")),
    (
        "nix/runtime.nix",
        include_str!("../../example/nix/runtime.nix"),
    ),
    (
        "nix/checks.nix",
        include_str!("../../example/nix/checks.nix"),
    ),
    (
        "nix/entrypoint.sh",
        include_str!("../../example/nix/entrypoint.sh"),
    ),
    (
        "nix/check-libraries.sh",
        include_str!("../../example/nix/check-libraries.sh"),
    ),
];

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<Outcome> {
    write_example(&args.dir)?;
    eprintln!(
        "Wrote the example workspace (ComfyUI, CUDA 13.0, Python 3.14, torch 2.10) to `{}`",
        args.dir.display()
    );
    eprintln!(
        "hint: run `megapak status --config {}` to see its package coverage",
        args.dir.join("megapak.toml").display()
    );
    Ok(Outcome::Success)
}

/// Why `init` writes nothing: it never overwrites a file nor writes through a link.
#[derive(Debug, thiserror::Error)]
enum InitError {
    #[error(
        "`{}` is a symlink to `{}`, which does not exist; megapak init writes no file through a link",
        .path.display(),
        .target.display()
    )]
    DanglingLink { path: PathBuf, target: PathBuf },
    #[error(
        "`{}` already exists with other contents; megapak init never overwrites files",
        .path.display()
    )]
    Exists { path: PathBuf },
    #[error(
        "`{}` appeared while megapak init was writing; it was left as it is",
        .path.display()
    )]
    Appeared { path: PathBuf },
}

impl Hint for InitError {
    fn hint(&self) -> Option<String> {
        Some(
            match self {
                Self::DanglingLink { .. } => {
                    "remove the link, or choose an empty folder: `megapak init DIR`"
                }
                Self::Exists { .. } | Self::Appeared { .. } => {
                    "choose an empty folder: `megapak init DIR`"
                }
            }
            .to_owned(),
        )
    }
}

/// Writes every example file under `dir`. A file that already holds exactly the example's text
/// is left alone, so `init` can run twice; any other existing file stops it before it writes
/// anything.
pub(crate) fn write_example(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("`{}` exists and is not a folder", dir.display());
    }
    let mut to_write = Vec::new();
    for (name, contents) in EXAMPLE_FILES {
        let path = dir.join(name);
        if let Some(target) = dangling_link(&path) {
            return Err(hinted(InitError::DanglingLink { path, target }));
        }
        match fs_err::read(&path) {
            Ok(existing) if existing == contents.as_bytes() => {}
            Ok(_) => return Err(hinted(InitError::Exists { path })),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                to_write.push((path, contents))
            }
            Err(err) => return Err(err.into()),
        }
    }
    write_all_or_none(&to_write, |path, contents| {
        create_file_atomically(path, contents)
    })
}

/// Writes each file with `write`, creating folders as needed; if one fails (a full disk, a
/// file that appeared meanwhile), the files and folders written before it are removed again,
/// so that a workspace is written whole or not at all.
fn write_all_or_none(
    files: &[(PathBuf, &str)],
    mut write: impl FnMut(&Path, &[u8]) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut written: Vec<&Path> = Vec::new();
    let mut created_folders: Vec<PathBuf> = Vec::new();
    let result = (|| {
        for (path, contents) in files {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                let missing: Vec<_> = parent
                    .ancestors()
                    .take_while(|folder| !folder.as_os_str().is_empty() && !folder.exists())
                    .map(Path::to_path_buf)
                    .collect();
                fs_err::create_dir_all(parent)?;
                // Innermost last, so that removing in reverse order empties them.
                created_folders.extend(missing.into_iter().rev());
            }
            if write_one(path, contents, &mut write)? {
                written.push(path);
            }
        }
        anyhow::Ok(())
    })();
    if result.is_err() {
        for path in written.iter().rev() {
            let _ = std::fs::remove_file(path);
        }
        for folder in created_folders.iter().rev() {
            // Only empty folders go: one that holds someone else's file stays.
            let _ = std::fs::remove_dir(folder);
        }
    }
    result
}

/// The target of `path` if it is a symlink to nothing.
fn dangling_link(path: &Path) -> Option<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    (is_link && !path.exists()).then(|| std::fs::read_link(path).unwrap_or_default())
}

/// Writes one file; whether it was written by this call (not found written by someone else).
fn write_one(
    path: &Path,
    contents: &str,
    write: &mut impl FnMut(&Path, &[u8]) -> std::io::Result<()>,
) -> anyhow::Result<bool> {
    match write(path, contents.as_bytes()) {
        Ok(()) => Ok(true),
        // Written by someone else since it was read above: the example's text is fine.
        Err(err)
            if err.kind() == std::io::ErrorKind::AlreadyExists
                && fs_err::read(path).is_ok_and(|now| now == contents.as_bytes()) =>
        {
            Ok(false)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(hinted(InitError::Appeared {
                path: path.to_path_buf(),
            }))
        }
        Err(err) => Err(err).with_context(|| format!("Cannot write `{}`", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_removes_what_was_written_before_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.txt"), "keep").unwrap();
        let files: Vec<_> = EXAMPLE_FILES
            .iter()
            .map(|(name, contents)| (dir.path().join("ws").join(name), *contents))
            .collect();
        // The third file meets a full disk.
        let mut calls = 0;
        let err = write_all_or_none(&files, |path, contents| {
            calls += 1;
            if calls == 3 {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            create_file_atomically(path, contents)
        })
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("No space left on device"),
            "{err:#}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(left, ["mine.txt"], "the folder `ws` and its files are gone");
    }

    #[test]
    fn a_dangling_symlink_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            "/nonexistent/elsewhere.toml",
            dir.path().join("megapak.toml"),
        )
        .unwrap();
        let err = write_example(dir.path()).unwrap_err().to_string();
        let err = err.replace(&dir.path().display().to_string(), "DIR");
        insta::assert_snapshot!(err, @r"
        `DIR/megapak.toml` is a symlink to `/nonexistent/elsewhere.toml`, which does not exist; megapak init writes no file through a link
        hint: remove the link, or choose an empty folder: `megapak init DIR`
        ");
        assert!(!dir.path().join("paks").exists(), "nothing written");
    }
}
