//! `Workspace::load` on small workspaces written to a temporary folder: which configuration,
//! which pak files, what is merged, and every error with its hint.

use std::path::{Path, PathBuf};

use megapak_types::Hint;
use megapak_workspace::{Need, Paks, Request, Workspace, WorkspaceError, find_config};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(&path, text).unwrap();
    path
}

const CONFIG: &str = r#"paks = ["paks/a.txt", "paks/b.txt"]

[target]
python = "3.14"

[[override]]
package = "OpenCV_Python"
skip = true
reason = "headless instead"

[[override]]
package = "torch"
attr = "torchWithCuda"

[[override]]
package = "tourch"
skip = true
"#;

/// A workspace with two pak files, one reading the other with `-r`, and a Windows-only line.
fn workspace(dir: &Path) -> PathBuf {
    write(
        dir,
        "paks/a.txt",
        "-r b.txt\nopencv-python\npywin32 ; sys_platform == 'win32'\n",
    );
    write(dir, "paks/b.txt", "torch==2.10.0\n");
    write(dir, "megapak.toml", CONFIG)
}

/// The error's message, causes and hint as the binary prints them.
fn shown(err: &WorkspaceError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!("\n  Caused by: {cause}"));
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        text.push_str(&format!("\nhint: {hint}"));
    }
    text
}

fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[DIR]")
}

#[test]
fn a_configured_workspace_reads_its_paks_for_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let config = workspace(dir.path());
    let ws = Workspace::load(&Request {
        config: Some(config.clone()),
        need: Need::Required,
        paks: Paks::CommandLine(Vec::new()),
    })
    .unwrap();
    assert_eq!(ws.config.as_ref().unwrap().path, config);
    assert_eq!(ws.root, dir.path());
    // b.txt is read through a.txt's `-r`; pywin32 is no package of a Linux image.
    let names: Vec<&str> = ws.packages.packages.keys().map(|n| n.as_str()).collect();
    assert_eq!(names, ["opencv-python", "torch"]);
    assert_eq!(ws.files.len(), 1);
    insta::assert_snapshot!(
        redact(&ws.read_within.iter().map(ToString::to_string).collect::<String>(), dir.path()),
        @"`[DIR]/paks/b.txt` is read once, through the `-r` at `[DIR]/paks/a.txt:1:4`"
    );
    let warnings: Vec<String> = ws
        .warnings
        .iter()
        .map(|w| format!("{w}\nhint: {}", w.hint().unwrap()))
        .collect();
    insta::assert_snapshot!(redact(&warnings.join("\n"), dir.path()), @r"
    `[DIR]/megapak.toml:15` overrides `tourch`, which no pak file asks for
    hint: check the name; an override of a package that only a dependency brings in is fine
    ");
    let opencv = "opencv-python".parse().unwrap();
    assert_eq!(
        ws.overrides
            .skip_reason(&opencv)
            .map(|r| redact(&r, dir.path()))
            .as_deref(),
        Some("[DIR]/megapak.toml:6: headless instead")
    );
    let torch = "torch".parse().unwrap();
    assert_eq!(ws.overrides.skip_reason(&torch), None);
    assert_eq!(
        ws.overrides.nix_attr(&torch).unwrap().as_str(),
        "torchwithcuda"
    );
}

#[test]
fn pak_files_of_the_command_line_replace_the_configured_ones_and_keep_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let config = workspace(dir.path());
    let other = write(
        dir.path(),
        "other.txt",
        "numpy ; python_version >= '3.13'\nnumpy<2 ; python_version < '3.13'\n",
    );
    let ws = Workspace::load(&Request {
        config: Some(config),
        need: Need::Optional,
        paks: Paks::CommandLine(vec![other.clone(), dir.path().join("./other.txt")]),
    })
    .unwrap();
    // Named twice, read once; no warnings about overrides written for other pak files.
    assert_eq!(ws.files.len(), 1);
    assert!(ws.warnings.is_empty());
    let numpy = &ws.packages.packages[&"numpy".parse().unwrap()];
    assert_eq!(numpy.locations.len(), 1);
}

#[test]
fn without_a_configuration_markers_are_kept_and_contradictions_need_a_target() {
    let dir = tempfile::tempdir().unwrap();
    let pak = write(
        dir.path(),
        "pak.txt",
        "torch==2.10.0 ; python_version < '3.13'\ntorch==2.11.0 ; python_version >= '3.13'\n",
    );
    let err = Workspace::load(&Request {
        config: None,
        need: Need::Optional,
        paks: Paks::CommandLine(vec![pak]),
    })
    .unwrap_err();
    insta::assert_snapshot!(redact(&shown(&err), dir.path()), @r"
    The pak files contradict each other:
      `[DIR]/pak.txt:1` asks for `torch==2.10.0`
      `[DIR]/pak.txt:2` asks for `torch==2.11.0`
      so `[DIR]/pak.txt:1`, `[DIR]/pak.txt:2` cannot all hold
    hint: Remove or change one of these lines
    Some of these entries have markers: judge them for a target with `--config`
    ");
}

#[test]
fn a_required_configuration_that_is_missing_says_how_to_name_one() {
    // The tests run in the crate's folder, which has no `megapak.toml`.
    let with_paks = Workspace::load(&Request {
        config: None,
        need: Need::Required,
        paks: Paks::CommandLine(Vec::new()),
    })
    .unwrap_err();
    insta::assert_snapshot!(shown(&with_paks), @r"
    No `megapak.toml` in the current folder, and no pak files given
    hint: pass `--config FILE` or `--paks FILE...`, or create a workspace with `megapak init`
    ");
    let without = Workspace::load(&Request {
        config: None,
        need: Need::Required,
        paks: Paks::Configured,
    })
    .unwrap_err();
    insta::assert_snapshot!(shown(&without), @r"
    No `megapak.toml` in the current folder
    hint: pass `--config FILE`, or create a workspace with `megapak init`
    ");
    assert!(find_config(None, Need::Optional).unwrap().is_none());
}

#[test]
fn a_configuration_without_paks_is_refused_only_where_paks_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "megapak.toml", "[target]\npython = \"3.14\"\n");
    let err = Workspace::load(&Request {
        config: Some(config.clone()),
        need: Need::Required,
        paks: Paks::CommandLine(Vec::new()),
    })
    .unwrap_err();
    insta::assert_snapshot!(redact(&shown(&err), dir.path()), @r#"
    `[DIR]/megapak.toml` names no pak files
    hint: add `paks = ["requirements.txt"]` at its top, or pass `--paks FILE...`
    "#);
    let ws = Workspace::load(&Request {
        config: Some(config),
        need: Need::Required,
        paks: Paks::Configured,
    })
    .unwrap();
    assert!(ws.files.is_empty() && ws.packages.packages.is_empty());
}

#[test]
fn a_missing_configured_pak_names_the_line_that_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "megapak.toml",
        "paks = [\"gone.txt\"]\n[target]\npython = \"3.14\"\n",
    );
    let err = Workspace::load(&Request {
        config: Some(config),
        need: Need::Required,
        paks: Paks::Configured,
    })
    .unwrap_err();
    insta::assert_snapshot!(redact(&shown(&err), dir.path()), @r"
    Cannot read the pak file `[DIR]/gone.txt` named at `[DIR]/megapak.toml:1`
      Caused by: Failed to read requirements file `[DIR]/gone.txt`
      Caused by: failed to open file `[DIR]/gone.txt`: No such file or directory (os error 2)
    ");
}

#[test]
fn a_configuration_error_keeps_its_hint_apart() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "megapak.toml",
        "[target]\npython = \"3.14\"\n[resolvers]\norder = [\"pypi\"]\n[resolvers.nixpkgs]\nx = 1\n",
    );
    let err = find_config(Some(&config), Need::Optional).unwrap_err();
    insta::assert_snapshot!(redact(&shown(&err), dir.path()), @r"
    [DIR]/megapak.toml:5:1: `[resolvers.nixpkgs]` configures a resolver that `order` does not name (at `[resolvers.nixpkgs]`)
    hint: add `nixpkgs` to `[resolvers] order`, or remove the table
    ");
}
