//! The plugin libraries megapak's own tests load, and a throwaway folder to install them in.
//!
//! - C plugins (`fixtures/plugins/c-*`) are compiled by this crate's build script with `cc`:
//!   [`c_library`].
//! - Rust plugins outside the default members (`fixtures/plugins/rust-*`) and the first-party
//!   plugins (`plugins/*`) are built with cargo on first use: [`rust_library`].
//! - Files that only look like plugins: [`text_file`], [`foreign_architecture_library`].
//!
//! Tests install a library under the plugin name they want with [`PluginDir::install`], so a
//! fixture never sits on any default search path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The C fixtures, each built from `fixtures/plugins/c-*`.
pub const C_FIXTURES: &[&str] = &[
    "c_resolver",
    "c_wrong_abi",
    "c_no_symbol",
    "c_no_details",
    "c_describe_invalid_json",
    "c_describe_wrong_schema",
    "c_describe_error",
    "c_candidates_invalid_json",
    "c_candidates_wrong_schema",
    "c_candidates_stray_package",
    "c_candidates_error",
    "c_candidates_unknown_status",
    "c_candidates_abi_1_answer",
    "c_candidates_abort",
    "c_entry_at_zero",
    "c_misaligned_table",
];

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The library built from the C fixture `fixture` (one of [`C_FIXTURES`]).
pub fn c_library(fixture: &str) -> PathBuf {
    assert!(C_FIXTURES.contains(&fixture), "no C fixture `{fixture}`");
    Path::new(env!("OUT_DIR")).join(format!("lib{fixture}.so"))
}

/// Builds the workspace package `package` (a cdylib) with cargo in the dev profile, once per
/// process, and returns its `.so`. Cargo's own lock keeps concurrent test binaries in order.
pub fn rust_library(package: &str) -> PathBuf {
    built_once(package, Profile::Dev)
}

/// [`rust_library`] in the release profile, for benchmarks.
pub fn rust_library_release(package: &str) -> PathBuf {
    built_once(package, Profile::Release)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Profile {
    Dev,
    Release,
}

fn built_once(package: &str, profile: Profile) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, Profile), PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    built
        .entry((package.to_owned(), profile))
        .or_insert_with(|| cargo_build_cdylib(package, profile))
        .clone()
}

fn cargo_build_cdylib(package: &str, profile: Profile) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root()).args([
        "build",
        "--quiet",
        "--message-format=json",
        "--package",
        package,
    ]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("could not run cargo: {err}"));
    assert!(
        output.status.success(),
        "cargo build -p {package} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The last artifact message of the package names its files; pick the shared library.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .flat_map(|message| message["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|file| file.as_str().map(PathBuf::from))
        .rfind(|file| {
            file.extension().is_some_and(|ext| ext == "so")
                && file
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().contains(&package.replace('-', "_")))
        })
        .unwrap_or_else(|| panic!("cargo built no shared library for `{package}`"))
}

/// A text file: what a stray `.so` that is no library looks like.
pub fn text_file() -> Vec<u8> {
    b"This is not a shared library, just a file with the right name.\n".to_vec()
}

/// The 64-byte ELF header of a shared library for another architecture than this machine's
/// (`aarch64`, or `x86_64` on an `aarch64` machine). Enough for any loader to refuse it.
pub fn foreign_architecture_library() -> Vec<u8> {
    let machine: u16 = if std::env::consts::ARCH == "aarch64" {
        62
    } else {
        183
    };
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(b"\x7fELF");
    header.extend_from_slice(&[2, 1, 1, 0]); // 64-bit, little-endian, version 1, System V
    header.extend_from_slice(&[0; 8]); // padding
    header.extend_from_slice(&3_u16.to_le_bytes()); // e_type: ET_DYN
    header.extend_from_slice(&machine.to_le_bytes()); // e_machine
    header.extend_from_slice(&1_u32.to_le_bytes()); // e_version
    header.extend_from_slice(&[0; 24]); // e_entry, e_phoff, e_shoff
    header.extend_from_slice(&0_u32.to_le_bytes()); // e_flags
    header.extend_from_slice(&64_u16.to_le_bytes()); // e_ehsize
    header.extend_from_slice(&[0; 10]); // program and section header sizes and counts
    header.resize(64, 0);
    header
}

/// A throwaway plugin folder.
#[derive(Debug)]
pub struct PluginDir {
    dir: tempfile::TempDir,
}

impl PluginDir {
    /// An empty folder.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// An empty folder inside `parent` (e.g. on the same file system as a file to hard-link).
    pub fn new_in(parent: &Path) -> Self {
        fs_err::create_dir_all(parent).expect("create the parent folder");
        Self {
            dir: tempfile::tempdir_in(parent).expect("a temporary folder"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies `library` in as the plugin `name` (`libmegapak_plugin_<name>.so`).
    pub fn install(&self, library: &Path, name: &str) -> PathBuf {
        let target = self.plugin_path(name);
        fs_err::copy(library, &target).expect("copy the plugin");
        target
    }

    /// Writes `bytes` as the plugin `name`.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let target = self.plugin_path(name);
        fs_err::write(&target, bytes).expect("write the plugin file");
        target
    }

    /// Where the plugin `name` goes in this folder.
    pub fn plugin_path(&self, name: &str) -> PathBuf {
        self.path()
            .join(format!("libmegapak_plugin_{}.so", name.replace('-', "_")))
    }
}

impl Default for PluginDir {
    fn default() -> Self {
        Self::new()
    }
}
