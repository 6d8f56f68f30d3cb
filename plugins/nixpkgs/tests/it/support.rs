//! Helpers shared by the tests.

use std::path::{Path, PathBuf};

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesOutcome, CandidatesRequest, DetailsRequest,
};
use megapak_plugin_nixpkgs::NixpkgsResolver;
use megapak_plugin_testing::{Harness, candidates_request, details_request};
use serde_json::Value;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture tree under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The plugin behind the harness.
pub fn harness() -> Harness<NixpkgsResolver> {
    Harness::new(NixpkgsResolver::default())
}

/// A `candidates` request for `names` with `settings` (a JSON object).
pub fn candidates_with(names: &[&str], settings: Value) -> CandidatesRequest {
    let mut request = candidates_request(names);
    request.settings = settings.as_object().cloned().unwrap_or_default();
    request
}

/// A `details` request for pairs with `settings`.
pub fn details_with(pairs: &[(&str, &str)], settings: Value) -> DetailsRequest {
    let mut request = details_request(pairs);
    request.settings = settings.as_object().cloned().unwrap_or_default();
    request
}

/// One line per answer: `name: found 1.2.3 [notes]` or `name: not-found: reason`.
pub fn lines(answers: &[CandidatesAnswer]) -> String {
    answers
        .iter()
        .map(|answer| match &answer.outcome {
            CandidatesOutcome::Found { versions, notes } => {
                let versions: Vec<String> = versions
                    .iter()
                    .map(|v| {
                        if v.notes.is_empty() {
                            v.version.clone()
                        } else {
                            format!("{} ({})", v.version, v.notes.join("; "))
                        }
                    })
                    .collect();
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", notes.join("; "))
                };
                format!("{}: found {}{notes}", answer.name, versions.join(", "))
            }
            CandidatesOutcome::NotFound { reason } => {
                format!("{}: not-found: {reason}", answer.name)
            }
            CandidatesOutcome::Offline { reason } => format!("{}: offline: {reason}", answer.name),
            CandidatesOutcome::Error { message } => format!("{}: error: {message}", answer.name),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `nix-instantiate` is on `PATH`; prints why a test skips its evaluation when not.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
pub fn nix_available() -> bool {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|folder| folder.join("nix-instantiate").is_file())
    });
    if !found {
        eprintln!("skipped: `nix-instantiate` is not on PATH (install Debian's `nix-bin`)");
    }
    found
}
