//! A megapak installation in temporary folders, for the tests of `megapak plugins` and
//! `megapak plugins call`.
//!
//! Each test copies the megapak binary into a fresh folder, so that "the folder beside megapak"
//! holds exactly the plugins the test puts there, whatever else the build left in `target/`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use megapak_plugin_fixtures::{PluginDir, rust_library};

/// A megapak installation: the binary, its folder, and a folder to run it in.
pub struct Install {
    pub bin: PluginDir,
    pub work: PluginDir,
    pub extra: PluginDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Install {
    pub fn new() -> Self {
        // A hard link, not a copy: a copy is a file open for writing for a moment, and a child
        // forked by a test running beside this one would inherit that descriptor and make the
        // `exec` fail with "Text file busy". Linking needs the same file system as the binary.
        let bin = PluginDir::new_in(Path::new(env!("CARGO_TARGET_TMPDIR")));
        let exe = bin.path().join("megapak");
        if fs_err::hard_link(env!("CARGO_BIN_EXE_megapak"), &exe).is_err() {
            fs_err::copy(env!("CARGO_BIN_EXE_megapak"), &exe).unwrap();
        }
        Self {
            bin,
            work: PluginDir::new(),
            extra: PluginDir::new(),
        }
    }

    /// Installs the three first-party plugins beside the binary, as a release build leaves them.
    pub fn with_first_party_plugins(self) -> Self {
        for name in ["nixpkgs", "pypi", "custom-wheel"] {
            self.bin
                .install(&rust_library(&format!("megapak-plugin-{name}")), name);
        }
        self
    }

    /// Runs `megapak args` in the work folder with `MEGAPAK_PLUGIN_PATH` set to the extra
    /// folder, and redacts the temporary paths.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, |command| command)
    }

    /// [`Install::run`] with more set on the command (an environment variable).
    pub fn run_with(&self, args: &[&str], more: impl FnOnce(&mut Command) -> &mut Command) -> Run {
        let mut command = Command::new(self.bin.path().join("megapak"));
        command
            .args(args)
            .current_dir(self.work.path())
            .env("MEGAPAK_PLUGIN_PATH", self.extra.path())
            .env_remove("RUST_BACKTRACE")
            .env("NO_COLOR", "1");
        let output = more(&mut command).output().expect("megapak runs");
        let redact = |bytes: &[u8]| -> String {
            String::from_utf8_lossy(bytes)
                .replace(&self.bin.path().display().to_string(), "[BIN]")
                .replace(&self.work.path().display().to_string(), "[WORK]")
                .replace(&self.extra.path().display().to_string(), "[EXTRA]")
        };
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: redact(&output.stdout),
            stderr: redact(&output.stderr),
        }
    }
}

impl Run {
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn write_config(dir: &Path, plugins_table: &str) -> PathBuf {
    let path = dir.join("megapak.toml");
    fs_err::write(
        &path,
        format!("[target]\npython = \"3.13\"\n\n[plugins]\n{plugins_table}\n"),
    )
    .unwrap();
    path
}
