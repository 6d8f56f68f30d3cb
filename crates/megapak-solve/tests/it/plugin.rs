//! The solver over a real plugin: the fixture resolver, loaded as megapak loads plugins.

use std::collections::BTreeMap;
use std::path::PathBuf;

use megapak_config::{Config, PluginsConfig, ResolversConfig};
use megapak_plugin_fixtures::{PluginDir, rust_library};
use megapak_plugin_host::{HostOptions, Origin, Plugins, SearchPath};
use megapak_solve::{
    FixtureProvider, PluginProvider, Provider, RequestContext, plugin_settings, wire_target,
};

use crate::helpers::{override_of, report, run, table, target};

fn load(dir: &PluginDir) -> Plugins {
    let mut search = SearchPath::default();
    search.push(dir.path().to_path_buf(), Origin::Config);
    Plugins::load(&HostOptions {
        search,
        required: Vec::new(),
    })
}

fn config(catalog: &str) -> Config {
    let table: toml::Table = toml::from_str(&format!("[catalog]\n{catalog}")).unwrap();
    Config {
        path: PathBuf::from("/work/ws/megapak.toml"),
        target: target(),
        paks: Vec::new(),
        plugins: PluginsConfig::default(),
        resolvers: ResolversConfig {
            order: vec!["rust-resolver".to_owned(), "pypi".to_owned()],
            settings: BTreeMap::from([("rust-resolver".to_owned(), table)]),
            settings_lines: BTreeMap::new(),
        },
        overrides: Vec::new(),
    }
}

fn context() -> RequestContext {
    RequestContext {
        target: wire_target(&target()),
        workspace: "/work/ws".to_owned(),
        index: Default::default(),
        offline: false,
    }
}

#[test]
fn a_loaded_plugin_supplies_candidates_and_a_later_provider_its_unknown_dependencies() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&dir);
    let config = config(
        "app = { \"1.0.0\" = [\"lib>=2\"], \"2.0.0\" = [\"lib>=4\"] }\nlib = { \"2.1.0\" = [], \"3.0.0\" = \"unknown\" }",
    );
    let plugin = PluginProvider::new(
        plugins.get("rust-resolver").unwrap(),
        context(),
        plugin_settings(&config, "rust-resolver"),
    );
    let pypi = FixtureProvider::new("pypi")
        .with("lib", "3.0.0", &["six"])
        .with("six", "1.17.0", &[]);
    let providers: [&dyn Provider; 2] = [&plugin, &pypi];
    let resolution = run("app\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
app 1.0.0 rust-resolver -> lib @ paks/pak5.txt:1:1
lib 3.0.0 rust-resolver -> six (dependencies from pypi) <- app
six 1.17.0 pypi <- lib
");
}

#[test]
fn a_plugin_that_panics_mid_run_is_named_with_the_packages_asked() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&dir);
    let plugin = PluginProvider::new(
        plugins.get("rust-resolver").unwrap(),
        context(),
        serde_json::Map::new(),
    );
    let providers: [&dyn Provider; 1] = [&plugin];
    let error = run("rust-hello\nboom\n", &providers).unwrap_err();
    let text = report(&error).replace(&dir.path().display().to_string(), "[DIR]");
    // The panic's place in the fixture's source moves with its edits.
    let text = text
        .split_once(" (at fixtures/")
        .map_or(text.clone(), |(head, tail)| {
            format!("{head}{}", &tail[tail.find(')').map_or(0, |i| i + 1)..])
        });
    insta::assert_snapshot!(text, @r"
Resolver `rust-resolver` failed in `candidates` while asked about `boom`, `rust-hello`: Plugin `rust-resolver` (`[DIR]/libmegapak_plugin_rust_resolver.so`) panicked in `candidates`: Asked for `boom`
hint: Run `megapak plugins` to check resolver `rust-resolver`, or leave it out of `[resolvers] order`
");
}

#[test]
fn attr_overrides_reach_nixpkgs_or_the_named_provider_through_settings() {
    let mut config = config("");
    config.overrides = vec![
        megapak_config::Override {
            attr: Some("torchWithCuda".to_owned()),
            ..override_of("torch")
        },
        megapak_config::Override {
            attr: Some("onnxruntime".to_owned()),
            provider: Some("rust-resolver".to_owned()),
            ..override_of("onnxruntime-gpu")
        },
    ];
    let nixpkgs = serde_json::Value::Object(plugin_settings(&config, "nixpkgs"));
    let other = serde_json::Value::Object(plugin_settings(&config, "rust-resolver"));
    insta::assert_snapshot!(format!("{nixpkgs}\n{other}"), @r#"
{"attributes":{"torch":"torchWithCuda"}}
{"attributes":{"onnxruntime-gpu":"onnxruntime"},"catalog":{}}
"#);
}

#[test]
fn the_request_context_and_settings_reach_the_plugin() {
    let dir = PluginDir::new();
    dir.install(&rust_library("fixture-rust-resolver"), "rust-resolver");
    let plugins = load(&dir);
    let mut settings = serde_json::Map::new();
    settings.insert(
        "index-url".to_owned(),
        "https://wheels.example/simple".into(),
    );
    let plugin = PluginProvider::new(plugins.get("rust-resolver").unwrap(), context(), settings);
    let pypi = FixtureProvider::new("pypi").with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 2] = [&plugin, &pypi];
    let resolution = run("rust-hello<1.1\n", &providers).unwrap();
    let name = megapak_types::PackageName::new("rust-hello").unwrap();
    let hello = resolution.get(&name).unwrap();
    insta::assert_snapshot!(format!("{} {}\n{}", hello.name, hello.version, hello.notes.join("\n")), @r"
    rust-hello 1.0.0
    Target: Python 3.14 on x86_64-linux, CUDA 13.0
    Workspace: /work/ws
    Settings: index-url
    ");
}
