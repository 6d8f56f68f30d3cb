//! Integration tests of `megapak-nix` over the flakes in `fixtures/flakes/`.

mod emit;
mod emit_escaping;
mod emit_nix;
mod emit_real;
mod fixtures;
mod hostile;
mod large_flake;
mod nix_parse;
mod parse_error;

use std::path::{Path, PathBuf};

use megapak_nix::read::FlakePackages;

/// `fixtures/flakes/` of the workspace.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/flakes")
}

/// `packages` with every path made relative to [`fixtures_dir`], so snapshots do not depend on
/// where the repository is checked out.
pub(crate) fn relative_to_fixtures(mut packages: FlakePackages) -> FlakePackages {
    let base = fixtures_dir();
    let relative = |path: &Path| path.strip_prefix(&base).unwrap_or(path).to_path_buf();
    packages.path = relative(&packages.path);
    for entry in &mut packages.entries {
        entry.location.file = relative(&entry.location.file);
    }
    packages
}

/// The entries one per line (see `FlakeEntry`'s `Display`), after a line of counts.
pub(crate) fn render(packages: &FlakePackages) -> String {
    let mut out = format!(
        "{}: {} listed, {} commented out\n",
        packages.path.display(),
        packages.listed().count(),
        packages.commented_out().count()
    );
    for entry in &packages.entries {
        out.push_str(&entry.to_string());
        out.push('\n');
    }
    out
}
