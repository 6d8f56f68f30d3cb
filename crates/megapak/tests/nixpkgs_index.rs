//! `megapak nixpkgs-index`: a snapshot of the nixpkgs plugin's fixture tree, written whole,
//! described, and then answered from by the plugin through `[resolvers.nixpkgs] index`.

mod common;
mod plugins_support;

use std::path::{Path, PathBuf};

use common::{megapak, repo_root};
use megapak_plugin_nixpkgs::snapshot::Snapshot;
use plugins_support::Install;

/// The nixpkgs plugin's own fixture tree (see its README): Python 3.13 and 3.14 sets with
/// dependencies, a package disabled for 3.14, aliases, unreadable attributes.
fn tiny_nixpkgs() -> PathBuf {
    repo_root().join("plugins/nixpkgs/tests/fixtures/tiny-nixpkgs")
}

#[allow(
    clippy::print_stdout,
    reason = "the skip reason belongs in the test output"
)]
fn nix_available() -> bool {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|folder| folder.join("nix-instantiate").is_file())
    });
    if !found {
        println!("skipped: `nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
    }
    found
}

/// Indexes the fixture tree into `dir/nixpkgs.index` with `backend`, for Python 3.14 and 3.13.
fn index(dir: &Path, backend: &str) -> common::Run {
    let tree = tiny_nixpkgs().display().to_string();
    megapak(
        dir,
        &[
            "nixpkgs-index",
            "--nixpkgs",
            &tree,
            "-o",
            "nixpkgs.index",
            "--backend",
            backend,
            "--python",
            "3.14",
            "3.13",
        ],
    )
}

#[test]
fn the_source_backend_indexes_the_fixture_tree_without_nix() {
    let dir = tempfile::tempdir().unwrap();
    let run = index(dir.path(), "source");
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript(), @r#"
    exit: 0
    --- stdout
    Wrote `nixpkgs.index`: nixpkgs at `[REPO]/plugins/nixpkgs/tests/fixtures/tiny-nixpkgs` for x86_64-linux, read with the `source` backend
      attributes                     16
      available for Python 3.14      15
      available for Python 3.13      16
      with dependencies               7
      without dependencies            9
      aliases                         2
      could not be read               2
    --- stderr
    note: `[resolvers.nixpkgs] index = "nixpkgs.index"` in `megapak.toml` answers from it (a relative path is read from the workspace folder)
    "#);
    let snapshot = Snapshot::read(&dir.path().join("nixpkgs.index")).unwrap();
    let pythons: Vec<String> = snapshot
        .header
        .pythons
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(pythons, ["3.14", "3.13"]);
    assert!(snapshot.header.dependencies);
    let torch = &snapshot.entries["torch"];
    let dependencies: Vec<(&str, Option<&str>)> = torch
        .dependencies
        .as_ref()
        .unwrap()
        .iter()
        .map(|d| (d.name.as_str(), d.version.as_deref()))
        .collect();
    assert_eq!(
        dependencies,
        [
            ("numpy", Some("2.4.2")),
            ("typing-extensions", Some("4.15.0"))
        ]
    );
    // Nothing but the snapshot is left in the folder: no temporary file.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["nixpkgs.index"]);
}

#[test]
fn the_eval_backend_agrees_with_the_source_backend_where_nix_is_installed() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = index(dir.path(), "eval");
    assert_eq!(run.code, 0, "{}", run.transcript());
    let eval = Snapshot::read(&dir.path().join("nixpkgs.index")).unwrap();
    assert_eq!(index(dir.path(), "source").code, 0);
    let source = Snapshot::read(&dir.path().join("nixpkgs.index")).unwrap();
    assert_eq!(eval.header.made_by, "eval");
    // `computed`'s version comes from a function only Nix can call; everything else agrees.
    let differing: Vec<&String> = eval
        .entries
        .iter()
        .filter(|(attribute, entry)| source.entries.get(*attribute) != Some(*entry))
        .map(|(attribute, _)| attribute)
        .collect();
    assert_eq!(differing, ["computed"]);
    assert_eq!(eval.entries["computed"].version.as_deref(), Some("1.2"));
    assert_eq!(
        eval.failures.keys().collect::<Vec<_>>(),
        ["aborting", "vanished"]
    );
}

/// The work folder's `megapak.toml`: Python 3.13, the nixpkgs resolver alone, with `settings`
/// as its `[resolvers.nixpkgs]` table.
fn configure(work: &Path, settings: &str) {
    fs_err::write(
        work.join("megapak.toml"),
        format!(
            "paks = [\"pak.txt\"]\n\n[target]\npython = \"3.13\"\n\n[resolvers]\norder = [\"nixpkgs\"]\n\n[resolvers.nixpkgs]\n{settings}\n"
        ),
    )
    .unwrap();
}

#[test]
fn the_nixpkgs_plugin_answers_from_the_index_it_names() {
    let install = Install::new().with_first_party_plugins();
    let work = install.work.path();
    configure(work, "index = \"nixpkgs.index\"");
    fs_err::write(work.join("pak.txt"), "insightface\ntorch\n").unwrap();
    assert_eq!(index(work, "source").code, 0);
    let candidates = |args: &[&str]| {
        let run = install.run(args);
        assert_eq!(run.code, 0, "{}", run.transcript());
        let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        answer["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|package| {
                let versions: Vec<&str> = package["versions"]
                    .as_array()
                    .map(|versions| {
                        versions
                            .iter()
                            .map(|v| v["version"].as_str().unwrap())
                            .collect()
                    })
                    .unwrap_or_default();
                let why = package["reason"].as_str().or(package["message"].as_str());
                format!(
                    "{}: {} {}",
                    package["name"].as_str().unwrap(),
                    package["outcome"].as_str().unwrap(),
                    why.map_or_else(|| versions.join(", "), str::to_owned)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let names = ["insightface", "brokenpkg", "vanished", "pytorch"];
    let mut args = vec!["plugins", "call", "nixpkgs", "candidates"];
    args.extend(names);
    // Python 3.13: the fixture tree's answers (`brokenpkg` and `vanished` exist only there).
    insta::assert_snapshot!(candidates(&args), @r"
    insightface: found 0.7.3
    brokenpkg: not-found `brokenpkg` is marked broken in nixpkgs
    vanished: error nixpkgs' `python313Packages.vanished` could not be read: `pkgs/development/python-modules/vanished/default.nix` does not exist
    pytorch: found 2.10.0
    ");
    // Without `index`, the embedded snapshot answers otherwise.
    configure(work, "");
    insta::assert_snapshot!(candidates(&args), @r"
    insightface: found 0.7.3
    brokenpkg: not-found `brokenpkg` is not in nixpkgs' `python313Packages`
    vanished: not-found `vanished` is not in nixpkgs' `python313Packages`
    pytorch: not-found `pytorch` is not in nixpkgs' `python313Packages`
    ");
    configure(work, "index = \"nixpkgs.index\"");
    // A snapshot made here knows dependencies: `details` gives them with nixpkgs' versions.
    let details = install.run(&["plugins", "call", "nixpkgs", "details", "torch==2.10.0"]);
    assert_eq!(details.code, 0, "{}", details.transcript());
    let answer: serde_json::Value = serde_json::from_str(&details.stdout).unwrap();
    insta::assert_json_snapshot!(answer["packages"][0]["dependencies"], @r#"
    {
      "requirements": [
        "numpy==2.4.2",
        "typing-extensions==4.15.0"
      ],
      "state": "known"
    }
    "#);
}

#[test]
fn a_folder_that_is_not_nixpkgs_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak(
        dir.path(),
        &["nixpkgs-index", "--nixpkgs", ".", "-o", "nixpkgs.index"],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr, @r"
    error: `.` is not a nixpkgs tree: it has no `pkgs/top-level/python-packages.nix`
    hint: name the root of a nixpkgs checkout: the folder that has `pkgs/top-level`
    ");
    assert!(!dir.path().join("nixpkgs.index").exists());
}

#[test]
fn a_python_that_is_not_major_minor_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tiny_nixpkgs().display().to_string();
    let run = megapak(
        dir.path(),
        &[
            "nixpkgs-index",
            "--nixpkgs",
            &tree,
            "-o",
            "nixpkgs.index",
            "--python",
            "3.14.1",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr, @r"
    error: invalid value '3.14.1' for '--python <MAJOR.MINOR>...': Invalid Python version `3.14.1`: expected `MAJOR.MINOR`, e.g. `3.14`

    For more information, try '--help'.
    ");
    assert!(!dir.path().join("nixpkgs.index").exists());
}

#[test]
fn an_output_in_a_missing_folder_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tiny_nixpkgs().display().to_string();
    let run = megapak(
        dir.path(),
        &[
            "nixpkgs-index",
            "--nixpkgs",
            &tree,
            "-o",
            "missing/nixpkgs.index",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr, @"error: Cannot write the nixpkgs index `missing/nixpkgs.index`: the folder `missing` does not exist");
}
