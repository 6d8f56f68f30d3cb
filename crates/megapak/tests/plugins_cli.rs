//! `megapak plugins`: what is found with no configuration, what `megapak.toml` adds, and every
//! refused file with its exact message.

mod plugins_support;

use megapak_plugin_fixtures::{
    PluginDir, c_library, foreign_architecture_library, rust_library, text_file,
};
use plugins_support::{Install, write_config};

#[test]
fn the_first_party_plugins_beside_megapak_are_found_without_configuration() {
    let install = Install::new().with_first_party_plugins();
    let run = install.run(&["plugins", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let version = env!("CARGO_PKG_VERSION");
    insta::assert_snapshot!(run.transcript().replace(version, "[VERSION]"));

    // The first-party plugins carry the workspace's version.
    let table = install.run(&["plugins"]);
    insta::assert_snapshot!(table.transcript(), @r"
    exit: 0
    --- stdout
    NAME          VERSION  ABI  STATUS  PATH
    custom-wheel  0.1.0    2.0  loaded  [BIN]/libmegapak_plugin_custom_wheel.so
    nixpkgs       0.1.0    2.0  loaded  [BIN]/libmegapak_plugin_nixpkgs.so
    pypi          0.1.0    2.0  loaded  [BIN]/libmegapak_plugin_pypi.so
    --- stderr
    ");
}

#[test]
fn nothing_found_is_said_plainly() {
    let install = Install::new();
    insta::assert_snapshot!(install.run(&["plugins"]).transcript(), @"
    exit: 0
    --- stdout
    No resolver plugins found in `[EXTRA]`, `[BIN]`
    --- stderr
    ");
    insta::assert_snapshot!(install.run(&["plugins", "--json"]).stdout, @"[]");
}

#[test]
fn a_plugin_in_the_current_folder_is_not_loaded() {
    let install = Install::new();
    install.work.install(&c_library("c_resolver"), "c-resolver");
    let run = install.run(&["plugins", "--json"]);
    assert_eq!(run.stdout, "[]\n");
}

#[test]
fn plugins_come_from_megapak_toml_and_the_environment() {
    let install = Install::new();
    let configured = PluginDir::new();
    configured.install(&c_library("c_resolver"), "c-resolver");
    install
        .extra
        .install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let config = write_config(
        install.work.path(),
        &format!("paths = [{:?}]", configured.path().display().to_string()),
    );
    let run = install.run(&["plugins", "--config", &config.display().to_string()]);
    let text = run
        .transcript()
        .replace(&configured.path().display().to_string(), "[CONFIGURED]");
    insta::assert_snapshot!(text, @"
    exit: 0
    --- stdout
    NAME           VERSION  ABI  STATUS  PATH
    c-resolver     0.4.0    2.0  loaded  [CONFIGURED]/libmegapak_plugin_c_resolver.so
    rust-resolver  2.4.0    2.0  loaded  [EXTRA]/libmegapak_plugin_rust_resolver.so
    --- stderr
    warning: `[resolvers] order` in `[WORK]/megapak.toml` names `custom-wheel`, `nixpkgs`, `pypi`, but no plugin file for them was found in `[CONFIGURED]`, `[EXTRA]`, `[BIN]`
    hint: the first-party plugins are built beside megapak by `cargo build --release` of megapak's workspace (`-p megapak` alone does not build them)
    ");
}

#[test]
fn refused_files_are_listed_with_their_reason_and_skipped_with_a_warning() {
    let install = Install::new();
    install.bin.install(&c_library("c_resolver"), "c-resolver");
    let extra = &install.extra;
    extra.install(&rust_library("fixture-rust-panics"), "rust-panics");
    for fixture in [
        "c_wrong_abi",
        "c_no_symbol",
        "c_describe_invalid_json",
        "c_describe_wrong_schema",
        "c_describe_error",
    ] {
        extra.install(&c_library(fixture), &fixture.replace('_', "-"));
    }
    extra.write("notes", &text_file());
    extra.write("arm", &foreign_architecture_library());
    let run = install.run(&["plugins"]);
    let (foreign, host) = if std::env::consts::ARCH == "aarch64" {
        ("x86_64", "aarch64")
    } else {
        ("aarch64", "x86_64")
    };
    let text = run
        .transcript()
        .replace(&format!("(`{foreign}`)"), "(`[FOREIGN]`)")
        .replace(&format!("`{host}`"), "`[HOST]`");
    insta::assert_snapshot!(text);

    let json = install.run(&["plugins", "--json"]);
    assert_eq!(json.code, 0);
    let entries: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let statuses: Vec<_> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| format!("{} {}", entry["status"], entry["name"]))
        .collect();
    assert_eq!(statuses.len(), 9);
    assert_eq!(statuses[0], r#""loaded" "c-resolver""#);
    assert!(statuses[1..].iter().all(|s| s.starts_with(r#""refused""#)));
}

#[test]
fn a_plugin_author_sees_the_plugins_own_panic_report_with_rust_backtrace() {
    let install = Install::new();
    install
        .extra
        .install(&rust_library("fixture-rust-panics"), "rust-panics");
    let quiet = install.run(&["plugins"]);
    assert!(!quiet.stderr.contains("panicked at"), "{}", quiet.stderr);

    let debugging = install.run_with(&["plugins"], |command| command.env("RUST_BACKTRACE", "1"));
    let report = "panicked at fixtures/plugins/rust-panics/src/lib.rs:";
    let (before, after) = debugging
        .stderr
        .split_once(report)
        .unwrap_or_else(|| panic!("{}", debugging.stderr));
    assert!(before.contains("thread '"), "{}", debugging.stderr);
    assert!(
        after.contains("The index cache at `/nonexistent` is corrupt"),
        "{}",
        debugging.stderr
    );
    assert!(
        debugging.stderr.contains(
            "warning: Skipped plugin `rust-panics` (`[EXTRA]/libmegapak_plugin_rust_panics.so`), which panicked in `describe`: The index cache at `/nonexistent` is corrupt (at fixtures/plugins/rust-panics/src/lib.rs:"
        ),
        "{}",
        debugging.stderr
    );
}

#[test]
fn two_plugins_with_the_same_name_stop_megapak() {
    let install = Install::new();
    install.bin.install(&c_library("c_resolver"), "c-resolver");
    install
        .extra
        .install(&c_library("c_resolver"), "c-resolver");
    insta::assert_snapshot!(install.run(&["plugins"]).transcript(), @r"
    exit: 1
    --- stdout
    NAME        VERSION  ABI  STATUS   PATH
    c-resolver  0.4.0    2.0  loaded   [EXTRA]/libmegapak_plugin_c_resolver.so
    c-resolver  -        -    refused  [BIN]/libmegapak_plugin_c_resolver.so

    Refused:
      c-resolver: has the same name as `[EXTRA]/libmegapak_plugin_c_resolver.so`, found first
    --- stderr
    error: Two plugins are named `c-resolver`: `[EXTRA]/libmegapak_plugin_c_resolver.so` and `[BIN]/libmegapak_plugin_c_resolver.so`
    hint: remove one of them, or the folder that holds it from `MEGAPAK_PLUGIN_PATH` or `[plugins] paths`
    ");
}

#[test]
fn a_required_plugin_that_is_refused_stops_megapak() {
    let install = Install::new();
    install.extra.install(&c_library("c_wrong_abi"), "internal");
    write_config(install.work.path(), r#"required = ["internal"]"#);
    insta::assert_snapshot!(install.run(&["plugins", "--json"]).transcript(), @r#"
    exit: 1
    --- stdout
    [
      {
        "abi": "1.0",
        "fatal": true,
        "hints": [
          "rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI 2.x)"
        ],
        "name": "internal",
        "origin": "environment",
        "path": "[EXTRA]/libmegapak_plugin_internal.so",
        "reason": "was built for plugin ABI 1.0, but this megapak speaks ABI 2.0",
        "status": "refused",
        "version": null
      }
    ]
    --- stderr
    warning: `[resolvers] order` in `megapak.toml` names `custom-wheel`, `nixpkgs`, `pypi`, but no plugin file for them was found in `[EXTRA]`, `[BIN]`
    hint: the first-party plugins are built beside megapak by `cargo build --release` of megapak's workspace (`-p megapak` alone does not build them)
    error: Required plugin `internal` (`[EXTRA]/libmegapak_plugin_internal.so`) was built for plugin ABI 1.0, but this megapak speaks ABI 2.0
    hint: rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI 2.x)
    "#);
}

#[test]
fn a_required_plugin_that_is_missing_stops_megapak() {
    let install = Install::new();
    write_config(install.work.path(), r#"required = ["internal-wheels"]"#);
    insta::assert_snapshot!(install.run(&["plugins"]).transcript(), @"
    exit: 1
    --- stdout
    No resolver plugins found in `[EXTRA]`, `[BIN]`
    --- stderr
    warning: `[resolvers] order` in `megapak.toml` names `custom-wheel`, `nixpkgs`, `pypi`, but no plugin file for them was found in `[EXTRA]`, `[BIN]`
    hint: the first-party plugins are built beside megapak by `cargo build --release` of megapak's workspace (`-p megapak` alone does not build them)
    error: Required plugin `internal-wheels` was not found: no `libmegapak_plugin_internal_wheels.so` in `[EXTRA]`, `[BIN]`
    hint: build the plugin and put `libmegapak_plugin_internal_wheels.so` in one of those folders, or name its folder in `[plugins] paths`
    ");
}

#[test]
fn resolvers_in_the_order_with_no_plugin_file_are_warned_about() {
    let install = Install::new().with_first_party_plugins();
    write_config(
        install.work.path(),
        "\n[resolvers]\norder = [\"internal-wheels\", \"pypi\", \"conda\"]",
    );
    let run = install.run(&["plugins"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr, @"
    warning: `[resolvers] order` in `megapak.toml` names `internal-wheels`, `conda`, but no plugin file for them was found in `[EXTRA]`, `[BIN]`
    hint: put each plugin file (`libmegapak_plugin_internal_wheels.so` for `internal-wheels`) in one of those folders, or name its folder in `[plugins] paths` or `MEGAPAK_PLUGIN_PATH`
    ");
}

#[test]
fn the_help_of_json_names_every_key_it_prints() {
    let install = Install::new();
    install.bin.install(&c_library("c_resolver"), "c-resolver");
    install
        .extra
        .write("libmegapak_plugin_notes.so", &text_file());
    let run = install.run(&["plugins", "--json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let entries: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let statuses: std::collections::BTreeSet<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["loaded", "refused"].into());
    let printed: std::collections::BTreeSet<String> = entries
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|entry| entry.as_object().unwrap().keys().cloned())
        .collect();

    let help = install.run(&["plugins", "--help"]).stdout;
    let paragraph: String = help
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("--json"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let documented: std::collections::BTreeSet<String> = paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(documented, printed, "the help says: {paragraph}");
}
