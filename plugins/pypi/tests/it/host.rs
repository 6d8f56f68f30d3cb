//! The built `libmegapak_plugin_pypi.so`, loaded by megapak's host as megapak loads it, answers
//! through the C table like the in-process harness does.

use megapak_plugin_abi::serde_json::Value;
use megapak_plugin_fixtures::{PluginDir, rust_library};
use megapak_plugin_host::{HostOptions, Origin, Plugins, SearchPath};
use megapak_plugin_testing::candidates_request;

use crate::server::Server;
use crate::{Setup, page, serve_page};

#[test]
fn the_shared_library_loads_and_answers() {
    let dir = PluginDir::new();
    dir.install(&rust_library("megapak-plugin-pypi"), "pypi");
    let mut search = SearchPath::default();
    search.push(dir.path().to_path_buf(), Origin::Environment);
    let plugins = Plugins::load(&HostOptions {
        search,
        required: vec!["pypi".to_owned()],
    });
    let plugin = plugins.get("pypi").expect("the pypi plugin loads");
    assert_eq!(
        plugin.description().capabilities,
        ["candidates", "details", "offline"]
    );

    let server = Server::start();
    serve_page(
        &server,
        "segment-anything",
        page(&server, "simple-segment-anything.json", |_| {}),
    );
    let mut request = candidates_request(&["segment-anything"]);
    request.settings = Setup::new(&server).settings.clone();
    let answer = plugin.candidates(&request).unwrap();
    let value: Value = serde_json::to_value(&answer.packages).unwrap();
    assert_eq!(value[0]["versions"][0]["version"], "1.0", "{value}");
}
