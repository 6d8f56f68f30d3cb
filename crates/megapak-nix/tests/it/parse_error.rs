//! Errors: a flake that does not parse, a flake that is not there.

use std::error::Error;

use megapak_nix::read::{FlakeError, read_flake_packages};

use crate::fixtures_dir;

#[test]
fn broken_flake_names_file_line_column_found_and_expected() {
    let path = fixtures_dir().join("broken/flake.nix");
    let error = read_flake_packages(&path).unwrap_err();
    let prefix = format!("{}/", fixtures_dir().display());
    insta::assert_snapshot!(
        error.to_string().replace(&prefix, ""),
        @"Failed to parse `broken/flake.nix:14:5`: unexpected `in`, expected `;`"
    );
    let FlakeError::Parse {
        location,
        found,
        expected,
        ..
    } = error
    else {
        panic!("not a parse error: {error:?}");
    };
    assert_eq!((location.line, location.column), (14, 5));
    assert_eq!(found.as_deref(), Some("in"));
    assert_eq!(expected, ["`;`"]);
}

#[test]
fn missing_flake_names_the_path() {
    let path = fixtures_dir().join("no-such-flake/flake.nix");
    let error = read_flake_packages(&path).unwrap_err();
    let prefix = format!("{}/", fixtures_dir().display());
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    insta::assert_snapshot!(chain.join("\n  caused by: ").replace(&prefix, ""), @r"
    Failed to read flake `no-such-flake/flake.nix`
      caused by: failed to open file `no-such-flake/flake.nix`: No such file or directory (os error 2)
    ");
}
