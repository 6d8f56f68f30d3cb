//! `megapak init [DIR]`: write the embedded example workspace.

use std::path::Path;

use anstream::eprintln;
use anyhow::{Context, bail};

use crate::cli::InitArgs;
use crate::exit::Outcome;
use crate::output::create_file_atomically;

/// The example workspace, embedded at build time: a ComfyUI image on CUDA 13, Python 3.14 and
/// torch 2.10. Paths are relative to the folder `init` writes into.
pub(crate) const EXAMPLE_FILES: [(&str, &str); 4] = [
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
        match fs_err::read(&path) {
            Ok(existing) if existing == contents.as_bytes() => {}
            Ok(_) => bail!(
                "`{}` already exists with other contents; megapak init never overwrites files\nhint: choose an empty folder: `megapak init DIR`",
                path.display()
            ),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                to_write.push((path, contents))
            }
            Err(err) => return Err(err.into()),
        }
    }
    for (path, contents) in to_write {
        let parent = path.parent().unwrap_or(dir);
        fs_err::create_dir_all(parent)?;
        match create_file_atomically(&path, contents.as_bytes()) {
            Ok(()) => {}
            // Written by someone else since it was read above: the example's text is fine.
            Err(err)
                if err.kind() == std::io::ErrorKind::AlreadyExists
                    && fs_err::read(&path).is_ok_and(|now| now == contents.as_bytes()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => bail!(
                "`{}` appeared while megapak init was writing; it was left as it is\nhint: choose an empty folder: `megapak init DIR`",
                path.display()
            ),
            Err(err) => {
                return Err(err).with_context(|| format!("Cannot write `{}`", path.display()));
            }
        }
    }
    Ok(())
}
