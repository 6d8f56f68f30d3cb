//! `plan_sync` on the commented-TODO style of hand-written flakes.

use std::path::Path;

use megapak_types::PackageName;

use super::{SyncPlan, Wanted, plan_sync};

fn wanted(name: &str, attribute: &str, provided_by: &str) -> Wanted {
    Wanted {
        name: PackageName::new(name).unwrap(),
        attribute: attribute.to_owned(),
        provided_by: provided_by.to_owned(),
    }
}

fn report(plan: &SyncPlan) -> String {
    let mut lines: Vec<String> = plan.edits.iter().map(ToString::to_string).collect();
    lines.push(format!("already listed: {}", plan.already_listed));
    for (want, at) in &plan.left_for_you {
        lines.push(format!("left for you: `{}` at {at}", want.name));
    }
    lines.join("\n")
}

/// The lines of `after` that differ from `before`, as a unified-ish diff.
fn diff(before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

const FLAKE: &str = include_str!("../../../../fixtures/flakes/comfyui-todo/flake.nix");

#[test]
fn todo_entries_the_lock_provides_are_uncommented_and_missing_ones_added() {
    let wanted = [
        wanted("torch", "torch", "nixpkgs 2.10.0"),
        wanted("onnx", "onnx", "nixpkgs 1.20.1"),
        wanted("onnxruntime-gpu", "onnxruntime", "nixpkgs 1.24.4"),
        wanted("decord", "decord", "pypi 0.6.0"),
        wanted("imageio-ffmpeg", "imageio-ffmpeg", "pypi 0.6.0"),
        wanted("insightface", "insightface", "pypi 0.7.3"),
        wanted("spandrel", "spandrel", "pypi 0.4.1"),
        wanted("segment-anything", "segment-anything", "pypi 1.0"),
    ];
    let plan = plan_sync(FLAKE, Path::new("flake.nix"), &wanted).unwrap();
    insta::assert_snapshot!(report(&plan));
    insta::assert_snapshot!(diff(FLAKE, &plan.text));
    // Syncing the result again changes nothing.
    let again = plan_sync(&plan.text, Path::new("flake.nix"), &wanted).unwrap();
    assert!(again.is_in_sync(), "{}", report(&again));
    assert_eq!(again.text, plan.text);
}

#[test]
fn a_flake_in_sync_is_left_byte_for_byte() {
    let plan = plan_sync(
        FLAKE,
        Path::new("flake.nix"),
        &[wanted("numpy", "numpy", "nixpkgs 2.3.4")],
    )
    .unwrap();
    assert!(plan.is_in_sync());
    assert_eq!(plan.text, FLAKE);
    assert_eq!(plan.already_listed, 1);
}

#[test]
fn a_selected_style_list_gets_selected_items_inline_or_on_lines() {
    let flake = "{ env = python.withPackages (ps: [ ps.numpy ps.torch ]); }\n";
    let plan = plan_sync(
        flake,
        Path::new("flake.nix"),
        &[wanted("decord", "decord", "pypi 0.6.0")],
    )
    .unwrap();
    insta::assert_snapshot!(plan.text, @"{ env = python.withPackages (ps: [ ps.numpy ps.torch ps.decord ]); }");

    let flake = "{\n  env = python.withPackages (ps: [\n    ps.numpy\n    ps.torch\n  ]);\n}\n";
    let plan = plan_sync(
        flake,
        Path::new("flake.nix"),
        &[wanted("opencv-python", "opencv4", "nixpkgs 4.12.0")],
    )
    .unwrap();
    insta::assert_snapshot!(plan.text, @r"
    {
      env = python.withPackages (ps: [
        ps.numpy
        ps.torch
        # Added by megapak sync
        ps.opencv4
      ]);
    }
    ");
}

#[test]
fn an_entry_under_its_nixpkgs_name_counts_as_listed() {
    let flake = "python.withPackages (ps: with ps; [\n  opencv4\n  # onnxruntime  # TODO\n])\n";
    let plan = plan_sync(
        flake,
        Path::new("flake.nix"),
        &[
            wanted("opencv-python", "opencv4", "nixpkgs 4.12.0"),
            wanted("onnxruntime-gpu", "onnxruntime", "nixpkgs 1.24.4"),
        ],
    )
    .unwrap();
    assert_eq!(plan.already_listed, 1);
    insta::assert_snapshot!(plan.text, @r"
    python.withPackages (ps: with ps; [
      opencv4
      onnxruntime
    ])
    ");
}

#[test]
fn an_entry_in_a_block_comment_is_left_for_the_user() {
    let flake = "python.withPackages (ps: with ps; [\n  numpy\n  /*\n  onnx\n  */\n])\n";
    let plan = plan_sync(
        flake,
        Path::new("flake.nix"),
        &[wanted("onnx", "onnx", "nixpkgs 1.20.1")],
    )
    .unwrap();
    assert!(plan.edits.is_empty());
    insta::assert_snapshot!(report(&plan), @r"
    already listed: 0
    left for you: `onnx` at flake.nix:4:3
    ");
}

#[test]
fn no_package_list_to_add_to_is_an_error() {
    let error = plan_sync(
        "{ a = 1; }\n",
        Path::new("flake.nix"),
        &[wanted("decord", "decord", "pypi 0.6.0")],
    )
    .unwrap_err();
    insta::assert_snapshot!(error, @"`flake.nix` has no Python package list to add packages to");
}
