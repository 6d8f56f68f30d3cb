//! Which files are found, duplicates, and plugins the configuration requires.

use megapak_plugin_fixtures::{PluginDir, c_library, text_file};
use megapak_plugin_host::{HostOptions, Plugins, SearchPath};

use super::{load, redact, with_hint};

#[test]
fn two_plugins_with_the_same_name_stop_the_run_naming_both_files() {
    let (first, second) = (PluginDir::new(), PluginDir::new());
    first.install(&c_library("c_resolver"), "c-resolver");
    second.install(&c_library("c_resolver"), "c_resolver");
    let plugins = load(&[&first, &second], &[]);
    let error = plugins.ensure_usable().unwrap_err();
    insta::assert_snapshot!(redact(&with_hint(&error), &[&first, &second]), @r"
    Two plugins are named `c-resolver`: `[DIR0]/libmegapak_plugin_c_resolver.so` and `[DIR1]/libmegapak_plugin_c_resolver.so`
    hint: remove one of them, or the folder that holds it from `MEGAPAK_PLUGIN_PATH` or `[plugins] paths`
    ");
}

#[test]
fn the_same_file_reached_through_two_folders_counts_once() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "c-resolver");
    let plugins = load(&[&dir, &dir], &[]);
    plugins.ensure_usable().unwrap();
    assert_eq!(plugins.loaded.len(), 1);
    assert!(plugins.refused.is_empty());
}

#[test]
fn only_files_named_like_plugins_are_looked_at() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "c-resolver");
    fs_err::write(dir.path().join("libsomething_else.so"), text_file()).unwrap();
    fs_err::write(dir.path().join("libmegapak_plugin_x.so.bak"), text_file()).unwrap();
    let plugins = load(&[&dir], &[]);
    assert_eq!(plugins.loaded.len(), 1);
    assert!(plugins.refused.is_empty());
}

#[test]
fn a_required_plugin_that_is_refused_stops_the_run() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_wrong_abi"), "internal");
    let plugins = load(&[&dir], &["internal"]);
    assert!(plugins.is_fatal(&plugins.refused[0]));
    let error = plugins.ensure_usable().unwrap_err();
    insta::assert_snapshot!(redact(&with_hint(&error), &[&dir]), @"
    Required plugin `internal` (`[DIR0]/libmegapak_plugin_internal.so`) was built for plugin ABI 1.0, but this megapak speaks ABI 2.0
    hint: rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI 2.x)
    ");
}

#[test]
fn a_required_plugin_that_is_missing_stops_the_run() {
    let dir = PluginDir::new();
    let plugins = load(&[&dir], &["internal_wheels"]);
    let error = plugins.ensure_usable().unwrap_err();
    insta::assert_snapshot!(redact(&with_hint(&error), &[&dir]), @r"
    Required plugin `internal-wheels` was not found: no `libmegapak_plugin_internal_wheels.so` in `[DIR0]`
    hint: build the plugin and put `libmegapak_plugin_internal_wheels.so` in one of those folders, or name its folder in `[plugins] paths`
    ");
}

#[test]
fn a_missing_folder_is_a_warning() {
    let dir = PluginDir::new();
    let mut search = SearchPath::default();
    search.push(
        dir.path().join("gone"),
        megapak_plugin_host::Origin::Environment,
    );
    let plugins = Plugins::load(&HostOptions {
        search,
        required: Vec::new(),
    });
    let warnings: Vec<_> = plugins
        .warnings
        .iter()
        .map(|warning| redact(&warning.to_string(), &[&dir]))
        .collect();
    insta::assert_snapshot!(warnings.join("\n"), @"Plugin folder `[DIR0]/gone` from `MEGAPAK_PLUGIN_PATH` does not exist");
}

#[test]
fn names_with_no_plugin_file_at_all_are_told_apart_from_refused_ones() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "c-resolver");
    dir.install(&c_library("c_wrong_abi"), "c-wrong-abi");
    let plugins = load(&[&dir], &[]);
    let wanted = ["c_resolver", "c-wrong-abi", "conda", "pypi"].map(str::to_owned);
    assert_eq!(plugins.not_found(&wanted), ["conda", "pypi"]);
    assert_eq!(plugins.searched(), [dir.path().to_path_buf()]);
}

#[test]
fn a_file_named_almost_like_a_plugin_gets_a_hint() {
    use megapak_types::Hint;
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "c-resolver");
    std::fs::copy(
        c_library("c_resolver"),
        dir.path().join("megapak_plugin_wheels.so"),
    )
    .unwrap();
    let plugins = load(&[&dir], &[]);
    assert_eq!(plugins.loaded.len(), 1);
    let warnings: Vec<_> = plugins
        .warnings
        .iter()
        .map(|warning| {
            let hint = warning.hint().unwrap_or_default();
            redact(&format!("{warning}\nhint: {hint}"), &[&dir])
        })
        .collect();
    insta::assert_snapshot!(warnings.join("\n"), @r"
Plugin folder `[DIR0]` from `[plugins] paths` holds `megapak_plugin_wheels.so`, which is not loaded: plugin files are named `libmegapak_plugin_<name>.so`
hint: rename it to `libmegapak_plugin_wheels.so`
");
}
