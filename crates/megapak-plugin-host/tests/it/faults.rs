//! Every fault the host survives, each with its exact message. Load-time faults refuse the file
//! (the others still load); call-time faults fail that call (the plugin keeps working).

use megapak_plugin_abi::wire::CandidatesOutcome;
use megapak_plugin_fixtures::{
    PluginDir, c_library, foreign_architecture_library, rust_library, text_file,
};
use megapak_plugin_host::{AbiVersion, LoadError};
use megapak_plugin_testing::candidates_request;

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

/// Loads the C fixture `fixture`, calls `candidates` and returns the error message.
fn candidates_error_of_c_fixture(fixture: &str) -> String {
    let dir = PluginDir::new();
    dir.install(&c_library(fixture), &fixture.replace('_', "-"));
    let plugins = load(&[&dir], &[]);
    let plugin = &plugins.loaded[0];
    let error = plugin
        .candidates(&candidates_request(&["torch", "numpy"]))
        .unwrap_err();
    redact(&error.to_string(), &[&dir])
}

#[test]
fn a_plugin_that_panics_is_refused() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-panics"), "rust-panics");
    let plugins = load(&[&dir], &[]);
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"Plugin `rust-panics` (`[DIR0]/libmegapak_plugin_rust_panics.so`) panicked in `describe`: The index cache at `/nonexistent` is corrupt (at fixtures/plugins/rust-panics/src/lib.rs:14:9)");
}

#[test]
fn a_panic_during_a_call_fails_that_call_only() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&[&dir], &[]);
    let plugin = &plugins.loaded[0];
    let error = plugin
        .candidates(&candidates_request(&["rust-hello", "boom"]))
        .unwrap_err();
    insta::assert_snapshot!(redact(&error.to_string(), &[&dir]), @"Plugin `rust-resolver` (`[DIR0]/libmegapak_plugin_rust_resolver.so`) panicked in `candidates`: Asked for `boom` (at fixtures/plugins/rust-resolver/src/lib.rs:43:27)");
    let again = plugin
        .candidates(&candidates_request(&["rust-hello"]))
        .unwrap();
    assert!(
        matches!(&again.packages[0].outcome, CandidatesOutcome::Found { versions, .. } if versions.len() == 2),
        "the plugin still answers"
    );
}

#[test]
fn a_plugin_built_for_abi_1_is_refused_before_any_call() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_wrong_abi"), "c-wrong-abi");
    let plugins = load(&[&dir], &[]);
    let refusal = &plugins.refused[0];
    assert!(matches!(refusal.reason, LoadError::AbiMismatch { .. }));
    assert_eq!(refusal.abi, Some(AbiVersion { major: 1, minor: 0 }));
    insta::assert_snapshot!(refusals(&plugins, &[&dir]), @"
    Plugin `c-wrong-abi` (`[DIR0]/libmegapak_plugin_c_wrong_abi.so`) was built for plugin ABI 1.0, but this megapak speaks ABI 2.0
    hint: rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI 2.x)
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
    insta::assert_snapshot!(refusal_of_c_fixture("c_no_details"), @"Plugin `c-no-details` (`[DIR0]/libmegapak_plugin_c_no_details.so`) has no `details` function in its table");
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
fn invalid_json_from_candidates_fails_the_call() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_invalid_json"), @"Plugin `c-candidates-invalid-json` (`[DIR0]/libmegapak_plugin_c_candidates_invalid_json.so`) answered `candidates` with invalid JSON: expected value at line 1 column 1");
}

#[test]
fn json_of_the_wrong_schema_from_candidates_fails_the_call() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_wrong_schema"), @"Plugin `c-candidates-wrong-schema` (`[DIR0]/libmegapak_plugin_c_candidates_wrong_schema.so`) answered `candidates` with JSON of the wrong schema: missing field `packages` at line 1 column 15");
}

#[test]
fn an_answer_for_a_package_not_asked_for_fails_the_call() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_stray_package"), @"Plugin `c-candidates-stray-package` (`[DIR0]/libmegapak_plugin_c_candidates_stray_package.so`) answered `candidates` for `left-pad`, which was not asked about");
}

#[test]
fn an_error_from_candidates_fails_the_call() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_error"), @"Plugin `c-candidates-error` (`[DIR0]/libmegapak_plugin_c_candidates_error.so`) returned an error from `candidates`: The index `https://wheels.example.invalid/simple` answered 503");
}

#[test]
fn an_unknown_status_fails_the_call() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_unknown_status"), @"Plugin `c-candidates-unknown-status` (`[DIR0]/libmegapak_plugin_c_candidates_unknown_status.so`) answered `candidates` with the unknown status code 42");
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

#[test]
fn an_answer_of_abi_1_is_named_as_such() {
    insta::assert_snapshot!(candidates_error_of_c_fixture("c_candidates_abi_1_answer"), @"Plugin `c-candidates-abi-1-answer` (`[DIR0]/libmegapak_plugin_c_candidates_abi_1_answer.so`) answered `candidates` with JSON of plugin ABI 1 (`candidates` listed in a package's answer, no `outcome`): it was built against an older `megapak-plugin-abi`");
}

/// The child process of the abort tests: loads the plugins of `MEGAPAK_TEST_ABORT_IN` and asks
/// the first for `packages`, which aborts the process.
fn abort_in_child(packages: &[&str]) {
    let Some(dir) = std::env::var_os("MEGAPAK_TEST_ABORT_IN") else {
        return;
    };
    let mut search = megapak_plugin_host::SearchPath::default();
    search.push(dir.into(), megapak_plugin_host::Origin::Config);
    let plugins = megapak_plugin_host::Plugins::load(&megapak_plugin_host::HostOptions {
        search,
        required: Vec::new(),
    });
    let _ = plugins.loaded[0].candidates(&candidates_request(packages));
    unreachable!("the plugin aborts the process");
}

/// Runs the test `name` of this binary in a child process with `MEGAPAK_TEST_ABORT_IN` set to
/// `dir`; returns its stderr, after checking that it died of SIGABRT.
fn stderr_of_aborted_child(name: &str, dir: &PluginDir) -> String {
    use std::os::unix::process::ExitStatusExt;
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("MEGAPAK_TEST_ABORT_IN", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.signal(), Some(libc_sigabrt()), "{stderr}");
    redact(&stderr, &[dir])
}

fn libc_sigabrt() -> i32 {
    6
}

#[test]
fn a_c_plugin_that_aborts_is_named_before_the_process_dies() {
    abort_in_child(&["torch", "numpy"]);
    let dir = PluginDir::new();
    dir.install(&c_library("c_candidates_abort"), "c-candidates-abort");
    let stderr = stderr_of_aborted_child(
        "faults::a_c_plugin_that_aborts_is_named_before_the_process_dies",
        &dir,
    );
    assert!(
        stderr.contains("megapak: plugin `c-candidates-abort` (`[DIR0]/libmegapak_plugin_c_candidates_abort.so`) aborted the process during `candidates` for `torch`, `numpy`\n"),
        "{stderr}"
    );
}

#[test]
fn a_rust_plugin_that_aborts_is_named_before_the_process_dies() {
    // What a plugin built with `panic = "abort"` does on a panic: `std::process::abort()`.
    abort_in_child(&["rust-hello", "abort-now", "a", "b"]);
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let stderr = stderr_of_aborted_child(
        "faults::a_rust_plugin_that_aborts_is_named_before_the_process_dies",
        &dir,
    );
    assert!(
        stderr.contains("megapak: plugin `rust-resolver` (`[DIR0]/libmegapak_plugin_rust_resolver.so`) aborted the process during `candidates` for `rust-hello`, `abort-now`, `a` and 1 more\n"),
        "{stderr}"
    );
}
