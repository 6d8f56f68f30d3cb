//! Running `nix-instantiate --eval`, the one Nix command the `eval` backend needs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Finds `nix-instantiate` on a `PATH` value.
pub(crate) fn find_nix_instantiate(path_variable: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_variable?)
        .map(|folder| folder.join("nix-instantiate"))
        .find(|candidate| candidate.is_file())
}

/// Evaluates the Nix file `file` strictly to JSON; `Err` carries Nix's error message.
/// `read_only`: nothing needs the store (a tree on disk); a `flake.lock` input must be fetched
/// into it.
pub(crate) fn eval_json(nix: &Path, file: &Path, read_only: bool) -> Result<String, String> {
    let mut command = Command::new(nix);
    command.args(["--eval", "--strict", "--json"]);
    if read_only {
        command.arg("--readonly-mode");
    }
    let output = command
        .args(["--option", "substituters", ""])
        .arg(file)
        .output()
        .map_err(|error| format!("`{}` could not be run: {error}", nix.display()))?;
    if output.status.success() {
        String::from_utf8(output.stdout)
            .map_err(|_| "Nix answered text that is not UTF-8".to_owned())
    } else {
        Err(error_message(&String::from_utf8_lossy(&output.stderr)))
    }
}

/// The gist of Nix's error output: its `error:` line and what follows, on one line.
fn error_message(stderr: &str) -> String {
    let start = stderr.find("error:").unwrap_or(0);
    let text: Vec<&str> = stderr[start..]
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("(use '--show-trace'"))
        .collect();
    let joined = text.join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    if joined.chars().count() > 300 {
        format!("{}…", joined.chars().take(300).collect::<String>())
    } else {
        joined.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_no_nix_on_an_empty_path() {
        assert_eq!(find_nix_instantiate(Some(OsStr::new(""))), None);
        assert_eq!(find_nix_instantiate(None), None);
        let folder = tempfile::tempdir().unwrap();
        assert_eq!(find_nix_instantiate(Some(folder.path().as_os_str())), None);
    }

    #[test]
    fn keeps_the_gist_of_an_error() {
        let stderr = "warning: x\nerror: attribute 'missing' missing\n\n       at /n/x.nix:3:4:\n(use '--show-trace' to show detailed location information)\n";
        assert_eq!(
            error_message(stderr),
            "attribute 'missing' missing at /n/x.nix:3:4:"
        );
    }
}
