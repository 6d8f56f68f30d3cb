//! Running the real `megapak` binary, with output made machine-independent for snapshots.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `fixtures/real`: real-world inputs the tests own (see its README for their origin).
pub fn real_data() -> PathBuf {
    repo_root().join("fixtures/real")
}

/// What one run of megapak printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for a snapshot.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs megapak in `dir` with `args`, colours off unless the caller sets them.
pub fn megapak(dir: &Path, args: &[&str]) -> Run {
    megapak_with_env(dir, args, &[])
}

pub fn megapak_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_megapak"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("megapak runs");
    let redact = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        text.replace(&dir.display().to_string(), "[DIR]")
            .replace(&repo_root().display().to_string(), "[REPO]")
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: redact(&output.stdout),
        stderr: redact(&output.stderr),
    }
}
