//! `[resolvers.nixpkgs] index = "FILE"`: a snapshot file of the user's, read strictly.

use serde_json::json;

use crate::support::{candidates_with, harness, lines};

const SMALL: &str = "megapak-nixpkgs-index\t1
revision\tnixpkgs at `/src/nixpkgs`
system\tx86_64-linux
pythons\t3.14
dependencies\tknown
made-by\tsource

p\tnumpy\t\t2.4.2\tb\t\t
p\tpillow\t\t12.1.1\tb\t\tnumpy==2.4.2
p\told-thing\t\t1.0\td\t\t
r\tPillow-SIMD\tpillow
x\tgone\t'gone' has been removed: unmaintained
e\tbad\tevaluation failed
";

#[test]
fn a_users_snapshot_answers_with_dependencies() {
    let folder = tempfile::tempdir().unwrap();
    fs_err::write(folder.path().join("nixpkgs.index"), SMALL).unwrap();
    let mut request = candidates_with(
        &["pillow", "pillow-simd", "old-thing", "gone", "bad"],
        json!({"index": "nixpkgs.index"}),
    );
    request.workspace = folder.path().display().to_string();
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @r"
pillow: found 12.1.1
pillow-simd: found 12.1.1 [`pillow-simd` was renamed in nixpkgs to `pillow`]
old-thing: not-found: `old-thing` is in nixpkgs, but disabled for Python 3.14
gone: not-found: `gone` was removed from nixpkgs: 'gone' has been removed: unmaintained
bad: error: nixpkgs' `python314Packages.bad` could not be read: evaluation failed
");
    let mut details =
        crate::support::details_with(&[("pillow", "12.1.1")], json!({"index": "nixpkgs.index"}));
    details.workspace = folder.path().display().to_string();
    insta::assert_json_snapshot!(harness().details(&details).unwrap(), @r#"
{
  "packages": [
    {
      "name": "pillow",
      "version": "12.1.1",
      "outcome": "found",
      "source": {
        "kind": "nixpkgs",
        "attribute": "pillow"
      },
      "dependencies": {
        "state": "known",
        "requirements": [
          "numpy==2.4.2"
        ]
      }
    }
  ]
}
"#);
}

#[test]
fn another_format_version_or_a_corrupt_file_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let workspace = folder.path().display().to_string();
    let cases = [
        ("v2.index", SMALL.replacen("index\t1", "index\t2", 1)),
        ("other.index", "name,version\nnumpy,2\n".to_owned()),
        ("bad.index", SMALL.replace("\tb\t\tnumpy", "\tz\t\tnumpy")),
    ];
    let mut out = Vec::new();
    for (file, text) in cases {
        fs_err::write(folder.path().join(file), text).unwrap();
        let mut request = candidates_with(&["numpy"], json!({"index": file}));
        request.workspace = workspace.clone();
        let error = harness().candidates(&request).unwrap_err().to_string();
        out.push(error.replace(&workspace, "<ws>"));
    }
    insta::assert_snapshot!(out.join("\n"), @r"
returned an error from `candidates`: `<ws>/v2.index` is a nixpkgs index of format version 2, but this plugin reads version 1: regenerate it with `megapak nixpkgs-index`
returned an error from `candidates`: `<ws>/other.index` is not a megapak nixpkgs index: it does not start with `megapak-nixpkgs-index`
returned an error from `candidates`: `<ws>/bad.index:9`: Unknown availability `z` of `pillow`
");
}
