//! Plugins that work: in C, in Rust outside the default members, and the first-party ones.

use megapak_plugin_abi::wire::CandidatesOutcome;
use megapak_plugin_fixtures::{PluginDir, c_library, rust_library};
use megapak_plugin_testing::{candidates_request, details_request};

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
      "version": "0.4.0",
      "abi": {
        "major": 2,
        "minor": 0
      },
      "capabilities": [
        "candidates",
        "details"
      ],
      "summary": "A fixed catalog, in C"
    }
    "#);
    let candidates = plugin
        .candidates(&candidates_request(&[
            "c-hello",
            "zlib-c",
            "not-in-the-catalog",
        ]))
        .unwrap();
    insta::assert_json_snapshot!(candidates);
    let details = plugin
        .details(&details_request(&[
            ("c-hello", "1.2.3"),
            ("zlib-c", "1.3.1"),
            ("zlib-c", "9"),
        ]))
        .unwrap();
    insta::assert_json_snapshot!(details);
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
    assert_eq!(plugin.abi().to_string(), "2.0");

    let mut candidates = candidates_request(&["rust-hello", "numpy"]);
    candidates
        .settings
        .insert("index-url".to_owned(), "https://example.invalid".into());
    insta::assert_json_snapshot!(plugin.candidates(&candidates).unwrap());
    let mut details = details_request(&[("rust-hello", "1.1.0")]);
    details.settings = candidates.settings.clone();
    insta::assert_json_snapshot!(plugin.details(&details).unwrap());
}

#[test]
fn the_first_party_plugins_load_and_answer_through_the_host() {
    let dir = PluginDir::new();
    for name in ["nixpkgs", "pypi", "custom-wheel"] {
        dir.install(&rust_library(&format!("megapak-plugin-{name}")), name);
    }
    let plugins = load(&[&dir], &["nixpkgs", "pypi", "custom-wheel"]);
    plugins.ensure_usable().unwrap();
    let names: Vec<_> = plugins.loaded.iter().map(|plugin| plugin.name()).collect();
    assert_eq!(names, ["custom-wheel", "nixpkgs", "pypi"]);
    let outcome = |name: &str, request: &megapak_plugin_abi::wire::CandidatesRequest| {
        let plugin = plugins.get(name).unwrap();
        plugin
            .candidates(request)
            .unwrap()
            .packages
            .remove(0)
            .outcome
    };
    // nixpkgs answers from its embedded snapshot: no Nix, no network.
    let torch = outcome("nixpkgs", &candidates_request(&["torch"]));
    assert!(
        matches!(torch, CandidatesOutcome::Found { .. }),
        "{torch:?}"
    );
    // custom-wheel serves only what `megapak.toml` declares.
    let none = outcome("custom-wheel", &candidates_request(&["torch"]));
    assert!(
        matches!(none, CandidatesOutcome::NotFound { .. }),
        "{none:?}"
    );
    // pypi, offline with an empty cache, says what it would have fetched.
    let cache = tempfile::tempdir().unwrap();
    let mut request = candidates_request(&["torch"]);
    request.offline = true;
    request.settings.insert(
        "cache-dir".to_owned(),
        cache.path().display().to_string().into(),
    );
    let offline = outcome("pypi", &request);
    assert!(
        matches!(offline, CandidatesOutcome::Offline { .. }),
        "{offline:?}"
    );
}
