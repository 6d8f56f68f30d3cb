//! The embedded snapshot: made from `fixtures/real/nixpkgs/`, byte for byte.

use megapak_plugin_nixpkgs::embedded;
use megapak_plugin_nixpkgs::snapshot::{Availability, Snapshot};

use crate::support::repo;

#[test]
fn regenerating_it_from_the_fixture_gives_the_same_bytes() {
    let tsv = repo().join("fixtures/real/nixpkgs/python-packages-index.trimmed.tsv");
    let snapshot = Snapshot::from_index_tsv(&fs_err::read_to_string(tsv).unwrap()).unwrap();
    assert!(
        snapshot.to_text() == embedded::TEXT,
        "data/nixpkgs-python.index is stale: run `cargo run -p megapak-plugin-nixpkgs --example embedded_index`"
    );
}

#[test]
fn it_describes_10439_attributes_of_2026_05_03() {
    let catalog = embedded::catalog();
    let snapshot = &catalog.snapshot;
    assert_eq!(snapshot.entries.len(), 10_439);
    assert_eq!(snapshot.header.date.as_deref(), Some("2026-05-03"));
    assert_eq!(snapshot.header.older.as_deref(), Some("2025-09-28"));
    assert!(!snapshot.header.dependencies);
    let torch = &snapshot.entries["torch"];
    assert_eq!(torch.version.as_deref(), Some("2.10.0"));
    assert_eq!(
        torch.pythons,
        [Availability::Available, Availability::Available]
    );
    let insightface = &snapshot.entries["insightface"];
    assert_eq!(
        insightface.pythons,
        [Availability::NotBuilt, Availability::Available]
    );
    let cupy = &snapshot.entries["cupy"];
    assert!(cupy.older && cupy.pythons == [Availability::NotBuilt, Availability::NotBuilt]);
    // Written back, it reads the same.
    assert_eq!(
        &Snapshot::parse(&snapshot.to_text(), "x").unwrap(),
        snapshot
    );
}
