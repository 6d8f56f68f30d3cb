//! `megapak plugins call`: the fixture plugins (one in Rust, one in C, as a third party would
//! write them) answer `candidates` and `details` with the workspace's target, settings and
//! folder; failures name the plugin and the call.

mod plugins_support;

use std::path::Path;

use megapak_plugin_fixtures::{c_library, rust_library};
use plugins_support::Install;

/// A workspace in the work folder: Python 3.14 with CUDA 13.0, the Rust fixture configured
/// with two settings, and a pak file that asks for `rust-hello>=1` from another index.
fn workspace(dir: &Path, plugins_table: &str) {
    fs_err::write(
        dir.join("megapak.toml"),
        format!(
            r#"paks = ["pak.txt"]

[target]
python = "3.14"
cuda = "13.0"

[plugins]
{plugins_table}

[resolvers]
order = ["rust-resolver", "c-resolver"]

[resolvers.rust-resolver]
cache = "cache"
mirrors = ["https://a.example.invalid", "https://b.example.invalid"]
"#
        ),
    )
    .unwrap();
    fs_err::write(
        dir.join("pak.txt"),
        "--extra-index-url https://wheels.example.invalid/simple\nrust-hello>=1\n",
    )
    .unwrap();
}

fn install() -> Install {
    let install = Install::new();
    install
        .extra
        .install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    install
        .extra
        .install(&c_library("c_resolver"), "c-resolver");
    install
}

#[test]
fn a_rust_plugin_answers_candidates_with_the_workspace_target_settings_and_folder() {
    let install = install();
    workspace(install.work.path(), "");
    let run = install.run(&[
        "plugins",
        "call",
        "rust-resolver",
        "candidates",
        "Rust_Hello",
        "numpy",
    ]);
    insta::assert_snapshot!("rust_candidates", run.transcript());
}

#[test]
fn a_rust_plugin_answers_details_for_pairs_and_pinned_words() {
    let install = install();
    workspace(install.work.path(), "");
    let run = install.run(&[
        "plugins",
        "call",
        "rust-resolver",
        "details",
        "rust-hello",
        "1.0.0",
        "rust-hello==9.9",
    ]);
    insta::assert_snapshot!("rust_details", run.transcript());
}

#[test]
fn a_c_plugin_answers_candidates_and_details() {
    let install = install();
    workspace(install.work.path(), "");
    let candidates = install.run(&[
        "plugins",
        "call",
        "c-resolver",
        "candidates",
        "c-hello",
        "zlib-c",
        "nope",
    ]);
    insta::assert_snapshot!("c_candidates", candidates.transcript());
    let details = install.run(&[
        "plugins",
        "call",
        "c-resolver",
        "details",
        "c-hello==1.2.3",
        "zlib-c",
        "1.3.1",
    ]);
    insta::assert_snapshot!("c_details", details.transcript());
}

#[test]
fn a_failed_call_names_the_plugin_and_the_call() {
    let install = install();
    install
        .extra
        .install(&c_library("c_candidates_error"), "c-candidates-error");
    workspace(install.work.path(), "");
    let error = install.run(&[
        "plugins",
        "call",
        "c-candidates-error",
        "candidates",
        "anything",
    ]);
    let panic = install.run(&["plugins", "call", "rust-resolver", "candidates", "boom"]);
    assert_eq!((error.code, panic.code), (1, 1));
    assert!(error.stdout.is_empty() && panic.stdout.is_empty());
    // The panic's line moves whenever the fixture is edited.
    let panic_place = panic
        .stderr
        .find("lib.rs:")
        .map(|at| &panic.stderr[at..])
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_default()
        .to_owned();
    let panic = panic.stderr.replace(&panic_place, "lib.rs:[LINE]");
    insta::assert_snapshot!("failed_calls", format!("{}\n{panic}", error.stderr));
}

#[test]
fn a_name_that_is_no_loaded_plugin_names_the_folders_searched() {
    let install = install();
    workspace(install.work.path(), "");
    let run = install.run(&["plugins", "call", "pypi", "candidates", "torch"]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: No plugin `pypi` is loaded: no `libmegapak_plugin_pypi.so` in `[EXTRA]`, `[BIN]`
    hint: `megapak plugins` lists the plugins found; put `libmegapak_plugin_pypi.so` in one of those folders, or name its folder in `[plugins] paths` or `MEGAPAK_PLUGIN_PATH`
    ");
}

#[test]
fn without_a_workspace_there_is_no_target_to_ask_with() {
    let install = install();
    let run = install.run(&["plugins", "call", "rust-resolver", "candidates", "x"]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: `megapak plugins call` needs a workspace: a plugin is asked for the `[target]` of its `megapak.toml`
      Caused by: No `megapak.toml` in the current folder
    hint: pass `--config FILE`, or create a workspace with `megapak init`
    ");
}

#[test]
fn required_plugins_are_enforced_before_any_call() {
    let install = install();
    workspace(install.work.path(), r#"required = ["nixpkgs"]"#);
    let run = install.run(&["plugins", "call", "rust-resolver", "candidates", "x"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .starts_with("error: Required plugin `nixpkgs` was not found"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_details_word_without_a_version_is_refused() {
    let install = install();
    workspace(install.work.path(), "");
    let run = install.run(&["plugins", "call", "rust-resolver", "details", "rust-hello"]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: `rust-hello` has no version: write `rust-hello VERSION` or `rust-hello==VERSION`
    ");
}

#[test]
fn config_names_the_workspace_and_its_folder_is_sent_absolute() {
    let install = install();
    let ws = install.work.path().join("ws");
    fs_err::create_dir(&ws).unwrap();
    workspace(&ws, "");
    let run = install.run(&[
        "plugins",
        "call",
        "rust-resolver",
        "candidates",
        "rust-hello",
        "--config",
        "ws/megapak.toml",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("\"Workspace: [WORK]/ws\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_custom_wheel_declaration_at_fault_is_named_by_its_line_of_megapak_toml() {
    let install = Install::new().with_first_party_plugins();
    fs_err::write(
        install.work.path().join("megapak.toml"),
        "[target]\npython = \"3.14\"\n\n[resolvers]\norder = [\"custom-wheel\"]\n\n[[resolvers.custom-wheel.wheel]]\nname = \"fastkernels\"\nurl = \"http://example.invalid/fastkernels-1.0-py3-none-any.whl\"\n",
    )
    .unwrap();
    let run = install.run(&[
        "plugins",
        "call",
        "custom-wheel",
        "candidates",
        "fastkernels",
    ]);
    assert!(
        run.stdout
            .contains("`[[resolvers.custom-wheel.wheel]]` #1 at `megapak.toml:7`"),
        "{}",
        run.transcript()
    );
}
