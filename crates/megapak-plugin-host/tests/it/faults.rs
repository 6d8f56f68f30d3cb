//! Every fault the host survives, each with its exact message. Load-time faults refuse the file
//! (the others still load); call-time faults fail that call (the plugin keeps working).

use megapak_plugin_fixtures::{
    PluginDir, c_library, foreign_architecture_library, rust_library, text_file,
};
use megapak_plugin_host::{AbiVersion, LoadError};
use megapak_plugin_testing::request;

use super::{load, redact, refusals};

/// Installs the C fixture `fixture` as its plugin name, next to the good C resolver, and
/// returns the refusal messages: the good one must still load.
fn refusal_of_c_fixture(fixture: &str) -> String {
    let dir = PluginDir::new();
    dir.install(&c_library(fixture), &fixture.replace('_', "-"));
    dir.install(&c_library("c_resolver"), "c-resolver");
    let plugins = load(&[&dir], &[]);
    assert_eq!(plugins.loaded.len(), 1, "the good plugin still loads");
    assert_eq!(plugins.refused.len(), 1);
    plugins
        .ensure_usable()
        .expect("a refused plugin that is not required is skipped");
    refusals(&plugins, &[&dir])
}

/// Loads the C fixture `fixture`, calls `resolve` and returns the error message.
fn resolve_error_of_c_fixture(fixture: &str) -> String {
    let dir = PluginDir::new();
    dir.install(&c_library(fixture), &fixture.replace('_', "-"));
    let plugins = load(&[&dir], &[]);
    let plugin = &plugins.loaded[0];
    let error = plugin.resolve(&request(&["torch"])).unwrap_err();
    redact(&error.to_string(), &[&dir])
}

#[test]
fn a_plugin_that_panics_is_refused() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-panics"), "rust-panics");
    let plugins = load(&[&dir], &[]);
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"Plugin `rust-panics` (`[DIR0]/libmegapak_plugin_rust_panics.so`) panicked in `describe`: The index cache at `/nonexistent` is corrupt (at fixtures/plugins/rust-panics/src/lib.rs:12:9)");
}

#[test]
fn a_panic_during_a_call_fails_that_call_only() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&[&dir], &[]);
    let plugin = &plugins.loaded[0];
    let error = plugin
        .resolve(&request(&["rust-hello", "boom"]))
        .unwrap_err();
    insta::assert_snapshot!(redact(&error.to_string(), &[&dir]), @"Plugin `rust-resolver` (`[DIR0]/libmegapak_plugin_rust_resolver.so`) panicked in `resolve`: Asked to resolve `boom` (at fixtures/plugins/rust-resolver/src/lib.rs:27:27)");
    let again = plugin.resolve(&request(&["rust-hello"])).unwrap();
    assert_eq!(
        again.packages[0].candidates.len(),
        2,
        "the plugin still answers"
    );
}

#[test]
fn a_plugin_for_another_abi_major_is_refused_before_any_call() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_wrong_abi"), "c-wrong-abi");
    let plugins = load(&[&dir], &[]);
    let refusal = &plugins.refused[0];
    assert!(matches!(refusal.reason, LoadError::AbiMismatch { .. }));
    assert_eq!(refusal.abi, Some(AbiVersion { major: 2, minor: 3 }));
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"
    Plugin `c-wrong-abi` (`[DIR0]/libmegapak_plugin_c_wrong_abi.so`) was built for plugin ABI 2.3, but this megapak speaks ABI 1.0
    hint: rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI 1.x)
    ");
}

#[test]
fn a_library_without_the_entry_symbol_is_refused() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_no_symbol"), @r"
    Plugin `c-no-symbol` (`[DIR0]/libmegapak_plugin_c_no_symbol.so`) has no `megapak_plugin` symbol, so it is not a megapak resolver plugin
    hint: a Rust plugin exports it with `megapak_plugin_abi::export_resolver!`
    ");
}

#[test]
fn a_table_with_a_null_function_is_refused() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_no_resolve"), @"Plugin `c-no-resolve` (`[DIR0]/libmegapak_plugin_c_no_resolve.so`) has no `resolve` function in its table");
}

#[test]
fn a_file_that_is_not_a_shared_library_is_refused() {
    let dir = PluginDir::new();
    dir.write("notes", &text_file());
    let plugins = load(&[&dir], &[]);
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"Plugin `notes` (`[DIR0]/libmegapak_plugin_notes.so`) is not a shared library (it has no ELF header)");
}

#[test]
fn a_library_for_another_architecture_is_refused() {
    let dir = PluginDir::new();
    dir.write("arm", &foreign_architecture_library());
    let plugins = load(&[&dir], &[]);
    let expected_foreign = if std::env::consts::ARCH == "aarch64" {
        "x86_64"
    } else {
        "aarch64"
    };
    let message = refusals(&plugins, &[&dir])
        .replace(expected_foreign, "[FOREIGN]")
        .replace(std::env::consts::ARCH, "[HOST]");
    insta::assert_snapshot!(message, @"Plugin `arm` (`[DIR0]/libmegapak_plugin_arm.so`) is built for another architecture (`[FOREIGN]`), but this megapak runs on `[HOST]`");
}

#[test]
fn invalid_json_from_describe_refuses_the_plugin() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_describe_invalid_json"), @"Plugin `c-describe-invalid-json` (`[DIR0]/libmegapak_plugin_c_describe_invalid_json.so`) answered `describe` with invalid JSON: EOF while parsing a value at line 1 column 47");
}

#[test]
fn json_of_the_wrong_schema_from_describe_refuses_the_plugin() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_describe_wrong_schema"), @"Plugin `c-describe-wrong-schema` (`[DIR0]/libmegapak_plugin_c_describe_wrong_schema.so`) answered `describe` with JSON of the wrong schema: invalid type: integer `7`, expected a string at line 1 column 48");
}

#[test]
fn an_error_from_describe_refuses_the_plugin() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_describe_error"), @"Plugin `c-describe-error` (`[DIR0]/libmegapak_plugin_c_describe_error.so`) returned an error from `describe`: Cannot read `/etc/wheels/index.toml`: permission denied");
}

#[test]
fn a_plugin_whose_name_differs_from_its_file_name_is_refused() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "nixpkgs");
    let plugins = load(&[&dir], &[]);
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"Plugin `nixpkgs` (`[DIR0]/libmegapak_plugin_nixpkgs.so`) calls itself `c-resolver`, but its file name says `nixpkgs`");
}

#[test]
fn invalid_json_from_resolve_fails_the_call() {
    insta::assert_snapshot!(resolve_error_of_c_fixture("c_resolve_invalid_json"), @"Plugin `c-resolve-invalid-json` (`[DIR0]/libmegapak_plugin_c_resolve_invalid_json.so`) answered `resolve` with invalid JSON: expected value at line 1 column 1");
}

#[test]
fn json_of_the_wrong_schema_from_resolve_fails_the_call() {
    insta::assert_snapshot!(resolve_error_of_c_fixture("c_resolve_wrong_schema"), @"Plugin `c-resolve-wrong-schema` (`[DIR0]/libmegapak_plugin_c_resolve_wrong_schema.so`) answered `resolve` with JSON of the wrong schema: missing field `packages` at line 1 column 15");
}

#[test]
fn an_answer_for_a_package_not_asked_for_fails_the_call() {
    insta::assert_snapshot!(resolve_error_of_c_fixture("c_resolve_stray_package"), @"Plugin `c-resolve-stray-package` (`[DIR0]/libmegapak_plugin_c_resolve_stray_package.so`) answered `resolve` with JSON of the wrong schema: it answered for `left-pad`, which was not asked for");
}

#[test]
fn an_error_from_resolve_fails_the_call() {
    insta::assert_snapshot!(resolve_error_of_c_fixture("c_resolve_error"), @"Plugin `c-resolve-error` (`[DIR0]/libmegapak_plugin_c_resolve_error.so`) returned an error from `resolve`: The index `https://wheels.example.invalid/simple` answered 503");
}

#[test]
fn an_unknown_status_fails_the_call() {
    insta::assert_snapshot!(resolve_error_of_c_fixture("c_resolve_unknown_status"), @"Plugin `c-resolve-unknown-status` (`[DIR0]/libmegapak_plugin_c_resolve_unknown_status.so`) answered `resolve` with the unknown status code 42");
}

#[test]
fn an_entry_symbol_at_address_zero_is_refused_not_called() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_entry_at_zero"), @"
    Plugin `c-entry-at-zero` (`[DIR0]/libmegapak_plugin_c_entry_at_zero.so`) has no `megapak_plugin` symbol, so it is not a megapak resolver plugin
    hint: a Rust plugin exports it with `megapak_plugin_abi::export_resolver!`
    ");
}

#[test]
fn a_misaligned_table_is_refused_before_it_is_read() {
    insta::assert_snapshot!(refusal_of_c_fixture("c_misaligned_table"), @"
    Plugin `c-misaligned-table` (`[DIR0]/libmegapak_plugin_c_misaligned_table.so`) returned a function table at a misaligned address from `megapak_plugin`
    hint: return the address of a `static` `megapak_plugin_table`, not a pointer into a byte buffer
    ");
}
