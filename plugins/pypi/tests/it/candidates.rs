//! `candidates`: which versions have a file for the target.

use megapak_plugin_abi::serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::{Setup, page, serve_page};

/// `name: [versions]` lines, or the outcome, for a compact snapshot.
fn summary(answers: &Value) -> String {
    answers
        .as_array()
        .unwrap()
        .iter()
        .map(|answer| match answer["outcome"].as_str().unwrap() {
            "found" => {
                let versions: Vec<String> = answer["versions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        let mut text = v["version"].as_str().unwrap().to_owned();
                        if let Some(requires) = v["requires_python"].as_str() {
                            text.push_str(&format!(" ({requires})"));
                        }
                        if v["yanked"] == true {
                            text.push_str(" yanked");
                        }
                        text
                    })
                    .collect();
                format!(
                    "{}: {}",
                    answer["name"].as_str().unwrap(),
                    versions.join(", ")
                )
            }
            outcome => format!(
                "{}: {outcome}: {}",
                answer["name"].as_str().unwrap(),
                answer["reason"]
                    .as_str()
                    .or(answer["message"].as_str())
                    .unwrap()
            ),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn lists_versions_with_a_file_for_python_3_14_on_x86_64_linux() {
    let server = Server::start();
    for (name, fixture) in [
        ("decord", "simple-decord.json"),
        ("regex", "simple-regex-trimmed.json"),
        ("segment-anything", "simple-segment-anything.json"),
    ] {
        serve_page(&server, name, page(&server, fixture, |_| {}));
    }
    let setup = Setup::new(&server);
    let answers = setup.candidates(&["decord", "regex", "segment-anything", "Not_There"]);
    insta::assert_snapshot!(summary(&answers).replace(&server.base, "http://[server]"), @r"
decord: 0.6.0, 0.5.2, 0.5.1, 0.5.0, 0.4.2, 0.4.1, 0.4.0, 0.3.9, 0.3.8, 0.3.7, 0.3.6, 0.3.5, 0.3.4, 0.3.3, 0.3.2, 0.3.1, 0.3.0, 0.2.0b20190929, 0.2.0b20190927, 0.0.1b20190927, 0.0.1b20190913, 0.0.1b20190912, 0.0.1b20190911
regex: 2026.9.3 (>=3.10), 2024.11.6 (>=3.8)
segment-anything: 1.0
Not_There: not-found: `not-there` is not on `http://[server]/simple`; a custom wheel or a VCS line can provide it
");
}

#[test]
fn a_musl_or_windows_only_project_has_no_candidates_and_says_why() {
    let server = Server::start();
    serve_page(
        &server,
        "regex",
        page(&server, "simple-regex-trimmed.json", |value| {
            crate::keep_files(value, |f| f.contains("musllinux") || f.contains("win"));
        }),
    );
    let answers = Setup::new(&server).candidates(&["regex"]);
    insta::assert_snapshot!(summary(&answers).replace(&server.base, "http://[server]"), @"regex: not-found: `regex` has no file for Python 3.14 on x86_64-linux (glibc 2.28, CUDA 13.0) on `http://[server]/simple`: 106 files, none a fitting wheel or an sdist");
}

#[test]
fn html_indexes_extra_indexes_and_local_cuda_versions() {
    let server = Server::start();
    server.route(
        "/simple/demo/",
        vec![Reply::ok(
            "text/html",
            r#"<html><body>
<a href="/files/demo-1.0.tar.gz#sha256=00" data-requires-python="&gt;=3.9">demo-1.0.tar.gz</a>
<a href="/files/demo-1.1-py3-none-any.whl#sha256=00" data-yanked="">demo-1.1-py3-none-any.whl</a>
</body></html>"#,
        )],
    );
    server.route(
        "/cu130/demo/",
        vec![Reply::ok(
            "text/html",
            r#"<a href="/files/demo-2.0%2Bcu130-cp314-cp314-manylinux_2_28_x86_64.whl#sha256=00">a</a>
<a href="/files/demo-2.0%2Bcu128-cp314-cp314-manylinux_2_28_x86_64.whl#sha256=00">b</a>
<a href="/files/demo-2.0%2Bcpu-cp314-cp314-manylinux_2_28_x86_64.whl#sha256=00">c</a>"#,
        )],
    );
    let mut setup = Setup::new(&server);
    setup.set(
        "extra-index-urls",
        json!([format!("{}/cu130", server.base)]),
    );
    let answers = setup.candidates(&["demo"]);
    insta::assert_snapshot!(summary(&answers), @"demo: 2.0+cu130, 1.1 yanked, 1.0 (>=3.9)");
}
