//! `megapak emit`: the Nix files written again from `megapak.lock` alone (no plugin, no pak
//! file is read), for a lock that was edited by a merge or files that were deleted.

use std::path::{Path, PathBuf};

use anyhow::Context;
use megapak_lock::Lock;
use megapak_nix::emit::{EmitOptions, EmittedFiles, emit};
use megapak_workspace::{LOCK_FILE_NAME, Need, find_config, root_of};

use super::hinted;
use crate::cli::EmitArgs;
use crate::exit::Outcome;
use crate::output::write_stdout;

pub(crate) fn run(args: &EmitArgs) -> anyhow::Result<Outcome> {
    let config = find_config(args.config.as_deref(), Need::Required)
        .map_err(hinted)?
        .expect("a configuration is required");
    let root = root_of(Some(&config));
    let lock_path = root.join(LOCK_FILE_NAME);
    if !lock_path.exists() {
        anyhow::bail!(
            "There is no `{}` to emit Nix from\nhint: run `megapak resolve` first",
            lock_path.display()
        );
    }
    let lock = Lock::read(&lock_path).map_err(hinted)?;
    let nix = emit_nix(&lock, &root)?;
    nix.write()?;
    let mut text = String::new();
    for file in &nix.files.files {
        text.push_str(&format!("{}\n", file.path.display()));
    }
    write_stdout(&text)?;
    Ok(Outcome::Success)
}

/// The Nix files of `lock`, in memory, to be written under the workspace folder `root`.
#[derive(Debug)]
pub(crate) struct Emitted {
    files: EmittedFiles,
    root: PathBuf,
}

impl Emitted {
    /// Writes them, each atomically; files already up to date are left alone.
    pub(crate) fn write(&self) -> anyhow::Result<()> {
        self.files
            .write_atomically(&self.root)
            .map_err(hinted)
            .context("Cannot write the Nix files")
    }
}

/// Emits the Nix files of `lock` for the workspace at `root`.
pub(crate) fn emit_nix(lock: &Lock, root: &Path) -> anyhow::Result<Emitted> {
    let files = emit(lock, &EmitOptions::default())
        .map_err(hinted)
        .context("Cannot turn the lock into Nix")?;
    Ok(Emitted {
        files,
        root: root.to_path_buf(),
    })
}
