//! Regenerates the embedded snapshot `data/nixpkgs-python.index` from the facts about nixpkgs
//! in `fixtures/real/nixpkgs/python-packages-index.trimmed.tsv`:
//!
//! ```sh
//! cargo run -p megapak-plugin-nixpkgs --example embedded_index
//! ```

use std::path::Path;

use megapak_plugin_nixpkgs::snapshot::Snapshot;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tsv = crate_dir.join("../../fixtures/real/nixpkgs/python-packages-index.trimmed.tsv");
    let snapshot = Snapshot::from_index_tsv(&fs_err::read_to_string(tsv)?)?;
    snapshot.write(&crate_dir.join("data/nixpkgs-python.index"))?;
    Ok(())
}
