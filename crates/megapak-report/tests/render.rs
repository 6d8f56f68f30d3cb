//! The three report formats, snapshotted whole.

use megapak_report::{
    FlakeInput, FlakeListing, LockInput, LockedEntry, PackageKind, PakFileSummary,
    RequestedPackage, StatusInput, StatusReport, render,
};

fn requested(name: &str, kind: PackageKind, location: &str) -> RequestedPackage {
    RequestedPackage {
        name: name.to_owned(),
        kind,
        locations: vec![location.to_owned()],
        skipped: None,
        nix_attr: None,
    }
}

fn listing(name: &str, commented: bool, note: Option<&str>, line: u32) -> FlakeListing {
    FlakeListing {
        name: name.to_lowercase(),
        attr: name.to_owned(),
        set: Some("ps".to_owned()),
        commented,
        note: note.map(str::to_owned),
        location: format!("flake.nix:{line}:9"),
    }
}

fn input(with_flake: bool) -> StatusInput {
    let mut torch = requested("torch", PackageKind::Pypi, "paks/core.txt:2:1");
    torch.locations.push("paks/extra.txt:7:1".to_owned());
    StatusInput {
        pak_files: vec![
            PakFileSummary {
                path: "paks/core.txt".into(),
                entries: 3,
            },
            PakFileSummary {
                path: "paks/extra.txt".into(),
                entries: 3,
            },
        ],
        packages: vec![
            torch,
            requested("gitpython", PackageKind::Pypi, "paks/core.txt:3:1"),
            requested("onnx", PackageKind::Pypi, "paks/core.txt:4:1"),
            requested("decord", PackageKind::Pypi, "paks/extra.txt:2:1"),
            requested("clip", PackageKind::Vcs, "paks/extra.txt:3:1"),
        ],
        flake: with_flake.then(|| FlakeInput {
            path: "flake.nix".into(),
            listings: vec![
                listing("torch", false, None, 20),
                listing("GitPython", false, None, 21),
                listing("onnx", true, Some("TODO: check if available"), 22),
                listing("numpy", false, None, 23),
            ],
        }),
        lock: None,
    }
}

fn locked(name: &str, version: &str, provider: &str, attribute: Option<&str>) -> LockedEntry {
    LockedEntry {
        name: name.to_owned(),
        version: version.to_owned(),
        provider: provider.to_owned(),
        attribute: attribute.map(str::to_owned),
    }
}

/// [`input`] with a lock written before `onnx` and `clip` were asked for.
fn input_with_a_lock(with_flake: bool) -> StatusInput {
    StatusInput {
        lock: Some(LockInput {
            path: "megapak.lock".to_owned(),
            packages: vec![
                locked("torch", "2.10.0", "nixpkgs", Some("torchWithCuda")),
                locked("gitpython", "3.1.45", "nixpkgs", Some("gitpython")),
                locked("decord", "0.6.0", "pypi", None),
                locked("numpy", "2.3.5", "nixpkgs", Some("numpy")),
                locked("filelock", "3.20.0", "pypi", None),
            ],
        }),
        ..input(with_flake)
    }
}

/// The table as a terminal without colours shows it.
fn plain_table(report: &StatusReport) -> String {
    anstream::adapter::strip_str(&render::table(report)).to_string()
}

#[test]
fn table_without_a_flake() {
    let report = StatusReport::build(&input(false));
    insta::assert_snapshot!(plain_table(&report));
}

#[test]
fn table_with_a_flake() {
    let report = StatusReport::build(&input(true));
    insta::assert_snapshot!(plain_table(&report));
}

#[test]
fn table_colours_statuses_for_terminals() {
    let report = StatusReport::build(&input(true));
    let table = render::table(&report);
    assert!(table.contains("\u{1b}[31mmissing"), "{table}");
    assert!(table.contains("\u{1b}[33mcommented out"), "{table}");
}

#[test]
fn markdown_with_a_flake() {
    let report = StatusReport::build(&input(true));
    insta::assert_snapshot!(render::markdown(&report));
}

#[test]
fn markdown_without_a_flake() {
    let report = StatusReport::build(&input(false));
    insta::assert_snapshot!(render::markdown(&report));
}

#[test]
fn json_with_a_flake() {
    let report = StatusReport::build(&input(true));
    insta::assert_snapshot!(render::json(&report));
}

#[test]
fn json_without_a_flake_has_no_flake_keys() {
    let report = StatusReport::build(&input(false));
    let value: serde_json::Value = serde_json::from_str(&render::json(&report)).unwrap();
    assert_eq!(value["packages"], 4);
    assert_eq!(value["vcs"], 1);
    assert!(value.get("in_flake").is_none());
    assert!(value.get("missing_from_flake").is_none());
}

#[test]
fn table_with_a_lock() {
    let report = StatusReport::build(&input_with_a_lock(false));
    insta::assert_snapshot!(plain_table(&report));
}

#[test]
fn table_with_a_lock_and_a_flake() {
    let report = StatusReport::build(&input_with_a_lock(true));
    insta::assert_snapshot!(plain_table(&report));
}

#[test]
fn markdown_with_a_lock_and_a_flake() {
    let report = StatusReport::build(&input_with_a_lock(true));
    insta::assert_snapshot!(render::markdown(&report));
}

#[test]
fn json_with_a_lock() {
    let report = StatusReport::build(&input_with_a_lock(false));
    insta::assert_snapshot!(render::json(&report));
}

#[test]
fn a_lock_without_the_requested_packages_names_them_and_counts_the_rest() {
    let report = StatusReport::build(&input_with_a_lock(true));
    let lock = report.lock.as_ref().unwrap();
    assert_eq!(lock.packages, 5);
    // `numpy` is only in the flake, `filelock` in no pak file: both brought in by others.
    assert_eq!(lock.beyond_requested, 2);
    assert_eq!(lock.not_locked, ["clip", "onnx"]);
    assert_eq!(
        lock.by_provider.iter().collect::<Vec<_>>(),
        [(&"nixpkgs".to_owned(), &3), (&"pypi".to_owned(), &2)]
    );
    let numpy = report.rows.iter().find(|row| row.name == "numpy").unwrap();
    assert_eq!(numpy.version.as_deref(), Some("2.3.5"));
}
