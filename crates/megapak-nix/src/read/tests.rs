//! One test per shape of Python package list, through the public entry point.

use std::path::Path;

use super::parse_flake_packages;

/// The entries of `text`, one per line, as `f.nix:line:column state set.attr  # note`.
fn entries(text: &str) -> String {
    let packages = parse_flake_packages(text, Path::new("f.nix")).expect("test input parses");
    packages
        .entries
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn with_packages_lambda_with_with() {
    insta::assert_snapshot!(entries("python.withPackages (ps: with ps; [ numpy torch ])"), @r"
    f.nix:1:37 listed ps.numpy
    f.nix:1:43 listed ps.torch
    ");
}

#[test]
fn with_packages_lambda_with_selects() {
    insta::assert_snapshot!(entries("python3.withPackages (p: [ p.numpy p.torch ])"), @r"
    f.nix:1:28 listed p.numpy
    f.nix:1:36 listed p.torch
    ");
}

#[test]
fn versioned_and_selected_interpreters() {
    insta::assert_snapshot!(entries(
        "[ (python314.withPackages (ps: [ ps.a ])) (pkgs.python3.withPackages (ps: [ ps.b ])) ]"
    ), @r"
    f.nix:1:34 listed ps.a
    f.nix:1:77 listed ps.b
    ");
}

#[test]
fn overridden_interpreter() {
    insta::assert_snapshot!(
        entries("(python3.override { self = python3; }).withPackages (ps: [ ps.a ])"),
        @"f.nix:1:60 listed ps.a"
    );
}

#[test]
fn other_languages_with_packages_are_ignored() {
    insta::assert_snapshot!(
        entries("[ (ghc.withPackages (hs: [ hs.lens ])) (lua.withPackages (ps: [ ps.busted ])) ]"),
        @""
    );
}

#[test]
fn let_bound_function() {
    insta::assert_snapshot!(entries(
        "let pythonDeps = ps: with ps; [ numpy ]; in (python3.withPackages pythonDeps)"
    ), @"f.nix:1:33 listed ps.numpy");
}

#[test]
fn let_bound_function_called_inside_the_lambda() {
    insta::assert_snapshot!(entries(
        "let deps = p: [ p.a ]; extra = [ b ]; in python3.withPackages (ps: deps ps ++ extra ++ [ ps.c ])"
    ), @r"
    f.nix:1:17 listed p.a
    f.nix:1:34 listed b
    f.nix:1:90 listed ps.c
    ");
}

#[test]
fn with_a_versioned_package_set() {
    insta::assert_snapshot!(entries("with python314Packages; [ numpy torch ]"), @r"
    f.nix:1:27 listed python314Packages.numpy
    f.nix:1:33 listed python314Packages.torch
    ");
}

#[test]
fn with_a_selected_package_set() {
    insta::assert_snapshot!(
        entries("with pkgs.python3Packages; [ numpy ]"),
        @"f.nix:1:30 listed pkgs.python3Packages.numpy"
    );
}

#[test]
fn with_a_non_python_set_is_not_a_python_list() {
    insta::assert_snapshot!(entries("with pkgs; [ ffmpeg git ]"), @"");
}

#[test]
fn python_selects_in_any_list() {
    insta::assert_snapshot!(entries(
        "{ buildInputs = [ pkgs.ffmpeg python3Packages.numpy pkgs.python314Packages.foo python3.pkgs.bar ]; }"
    ), @r"
    f.nix:1:31 listed python3Packages.numpy
    f.nix:1:53 listed pkgs.python314Packages.foo
    f.nix:1:80 listed python3.pkgs.bar
    ");
}

#[test]
fn user_defined_python_sets() {
    insta::assert_snapshot!(entries(
        "[ customPythonPackages.spandrel myPythonPackages.foo myPackages.bar ]"
    ), @r"
    f.nix:1:3 listed customPythonPackages.spandrel
    f.nix:1:33 listed myPythonPackages.foo
    ");
}

#[test]
fn any_set_inside_a_python_list() {
    insta::assert_snapshot!(entries(
        "python3.withPackages (ps: [ ps.a customPackages.b ])"
    ), @r"
    f.nix:1:29 listed ps.a
    f.nix:1:34 listed customPackages.b
    ");
}

#[test]
fn quoted_attribute_names() {
    insta::assert_snapshot!(
        entries(r#"python3.withPackages (ps: [ ps."opencv-python" ])"#),
        @"f.nix:1:29 listed ps.opencv-python"
    );
}

#[test]
fn overrides() {
    insta::assert_snapshot!(entries(
        "python3.withPackages (ps: with ps; [ (ps.foo.override { x = 1; }) (bar.overridePythonAttrs (old: { })) ])"
    ), @r"
    f.nix:1:38 listed ps.foo
    f.nix:1:67 listed ps.bar
    ");
}

#[test]
fn concatenated_lists() {
    insta::assert_snapshot!(entries(
        "python3.withPackages (ps: [ ps.a ] ++ (with ps; [ b ]) ++ lib.optionals cuda [ ps.c ])"
    ), @r"
    f.nix:1:29 listed ps.a
    f.nix:1:51 listed ps.b
    f.nix:1:80 listed ps.c
    ");
}

#[test]
fn bare_names_without_a_python_with_have_no_set() {
    insta::assert_snapshot!(
        entries("python3.withPackages (ps: with lib; [ numpy ])"),
        @"f.nix:1:39 listed numpy"
    );
}

#[test]
fn commented_out_entries() {
    insta::assert_snapshot!(entries(
        "python3.withPackages (ps: with ps; [
  # Essentials
  numpy
  # onnx  # TODO: check if available
  # ps.insightface
  #decord # not in nixpkgs
  # alembic (run by hand)
  # TODO: add more
  # --- HuggingFace ---
  /* comfy-kitchen */
])"
    ), @r"
    f.nix:3:3 listed ps.numpy
    f.nix:4:5 commented-out ps.onnx  # TODO: check if available
    f.nix:5:5 commented-out ps.insightface
    f.nix:6:4 commented-out ps.decord  # not in nixpkgs
    f.nix:7:5 commented-out ps.alembic  # run by hand
    f.nix:10:6 commented-out ps.comfy-kitchen
    ");
}

#[test]
fn a_comment_after_an_item_is_its_note() {
    insta::assert_snapshot!(entries(
        "with python3Packages; [
  requests # pinned
  numpy
  # scipy
]"
    ), @r"
    f.nix:2:3 listed python3Packages.requests  # pinned
    f.nix:3:3 listed python3Packages.numpy
    f.nix:4:5 commented-out python3Packages.scipy
    ");
}

#[test]
fn comments_nested_in_an_item_are_not_entries() {
    insta::assert_snapshot!(entries(
        "python3.withPackages (ps: [
  (ps.foo.override {
    # bar
  })
])"
    ), @"f.nix:2:3 listed ps.foo");
}

#[test]
fn commented_entries_in_other_lists_need_a_python_set() {
    insta::assert_snapshot!(entries(
        "{ buildInputs = [
  pkgs.ffmpeg
  # onnx
  # pkgs.cudaPackages.cudnn
  # python3Packages.onnx  # TODO
]; }"
    ), @"f.nix:5:5 commented-out python3Packages.onnx  # TODO");
}

#[test]
fn non_python_lists_report_nothing() {
    insta::assert_snapshot!(entries(
        "{ buildInputs = [ pkgs.ffmpeg ]; nativeBuildInputs = with pkgs; [ cmake ]; }"
    ), @"");
}

#[test]
fn a_list_reached_twice_is_reported_once() {
    insta::assert_snapshot!(entries(
        "let d = with python3Packages; [ a ]; in [ (python3.withPackages (ps: d)) (python3.withPackages (ps: d)) ]"
    ), @"f.nix:1:33 listed python3Packages.a");
}

#[test]
fn self_referencing_bindings_end() {
    insta::assert_snapshot!(
        entries("let a = b; b = a ++ [ x ]; in python3.withPackages (ps: a)"),
        @"f.nix:1:23 listed x"
    );
}

#[test]
fn parse_errors_are_reported() {
    let error = parse_flake_packages("{ a = [ 1 ; }", Path::new("f.nix")).unwrap_err();
    insta::assert_snapshot!(error, @"Failed to parse `f.nix:1:11`: unexpected `;`, expected one of `(`, `rec`, `{`, `[`, a string, an identifier");
}

#[test]
fn attr_values_of_a_set_of_packages() {
    insta::assert_snapshot!(entries(
        "python.withPackages (ps: builtins.attrValues { inherit (ps) torch numpy; inherit (ps.pkgs) rich; scipy = ps.scipy; })"
    ), @"
    f.nix:1:61 listed ps.torch
    f.nix:1:67 listed ps.numpy
    f.nix:1:92 listed ps.pkgs.rich
    f.nix:1:106 listed ps.scipy
    ");
    insta::assert_snapshot!(
        entries("python.withPackages (ps: with ps; lib.attrValues { inherit einops; x = kornia; })"),
        @"
    f.nix:1:60 listed ps.einops
    f.nix:1:72 listed ps.kornia
    "
    );
}

#[test]
fn other_sets_in_a_package_list_are_not_entries() {
    // The argument of an override is configuration, not packages.
    insta::assert_snapshot!(
        entries("python.withPackages (ps: with ps; [ (matplotlib.override { enableQt = false; inherit (pkgs) qt5; }) ])"),
        @"f.nix:1:37 listed ps.matplotlib"
    );
}
