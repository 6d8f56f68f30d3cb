//! Plugins that work: in C, in Rust outside the default members, and the first-party ones.

use megapak_plugin_fixtures::{PluginDir, c_library, rust_library};
use megapak_plugin_testing::request;

use super::load;

#[test]
fn a_plugin_written_in_c_loads_and_answers() {
    let dir = PluginDir::new();
    dir.install(&c_library("c_resolver"), "c-resolver");
    let plugins = load(&[&dir], &[]);
    assert!(plugins.refused.is_empty(), "{:?}", plugins.refused);
    let plugin = plugins.get("c-resolver").expect("the C plugin loads");
    insta::assert_json_snapshot!(plugin.description(), @r#"
    {
      "name": "c-resolver",
      "version": "0.3.0",
      "abi": {
        "major": 1,
        "minor": 0
      },
      "capabilities": [
        "candidates",
        "details"
      ],
      "summary": "A fixed catalog, in C"
    }
    "#);
    let response = plugin
        .resolve(&request(&["c-hello", "zlib-c", "not-in-the-catalog"]))
        .unwrap();
    insta::assert_json_snapshot!(response);
}

#[test]
fn a_rust_plugin_built_outside_the_default_members_loads_and_answers() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&[&dir], &[]);
    assert!(plugins.refused.is_empty(), "{:?}", plugins.refused);
    let plugin = plugins
        .get("rust_resolver")
        .expect("`_` and `-` are the same");
    assert_eq!(plugin.description().version, "2.4.0");
    assert_eq!(plugin.abi().to_string(), "1.0");

    let mut request = request(&["rust-hello", "numpy"]);
    request.packages[0].versions = vec!["1.1.0".to_owned()];
    request
        .settings
        .insert("index-url".to_owned(), "https://example.invalid".into());
    insta::assert_json_snapshot!(plugin.resolve(&request).unwrap());
}

#[test]
fn the_first_party_plugins_load_and_honestly_have_no_candidates() {
    let dir = PluginDir::new();
    for name in ["nixpkgs", "pypi", "custom-wheel"] {
        dir.install(&rust_library(&format!("megapak-plugin-{name}")), name);
    }
    let plugins = load(&[&dir], &["nixpkgs", "pypi", "custom-wheel"]);
    plugins.ensure_usable().unwrap();
    let names: Vec<_> = plugins.loaded.iter().map(|plugin| plugin.name()).collect();
    assert_eq!(names, ["custom-wheel", "nixpkgs", "pypi"]);
    for plugin in &plugins.loaded {
        let response = plugin.resolve(&request(&["torch"])).unwrap();
        assert!(response.packages[0].candidates.is_empty());
        assert_eq!(
            response.packages[0].notes,
            [format!(
                "The `{}` resolver does not supply candidates yet",
                plugin.name()
            )]
        );
    }
}
