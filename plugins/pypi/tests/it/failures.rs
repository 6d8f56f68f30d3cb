//! Every bad response gets a named error, for that package only.

use std::time::Duration;

use megapak_plugin_abi::serde_json::{Value, json};

use crate::details::sha256_hex;
use crate::server::{Reply, Server};
use crate::{Setup, file_path, fixture, page, serve_page};

fn outcome(answer: &Value) -> String {
    let text = answer["reason"]
        .as_str()
        .or(answer["message"].as_str())
        .unwrap_or("");
    format!("{}: {}", answer["outcome"].as_str().unwrap(), text)
}

#[test]
fn a_500_then_success_is_retried() {
    let server = Server::start();
    let body = page(&server, "simple-segment-anything.json", |_| {});
    server.route(
        "/simple/segment-anything/",
        vec![Reply::status(500), Reply::status(503), Reply::json(body)],
    );
    let answers = Setup::new(&server).candidates(&["segment-anything"]);
    assert_eq!(answers[0]["outcome"], "found");
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn errors_are_named_and_stay_with_their_package() {
    let server = Server::start();
    server.route("/simple/always-500/", vec![Reply::status(500)]);
    server.route("/simple/slow/", vec![Reply::Stall(Duration::from_secs(3))]);
    server.route(
        "/simple/truncated/",
        vec![Reply::json(
            r#"{"meta": {}, "files": [{"filename": "truncated-1.0.tar.gz", "url": "/x"#,
        )],
    );
    server.route("/simple/teapot/", vec![Reply::status(418)]);
    server.route("/simple/huge/", vec![Reply::json(vec![b' '; 1_100_000])]);
    serve_page(
        &server,
        "segment-anything",
        page(&server, "simple-segment-anything.json", |_| {}),
    );
    let mut setup = Setup::new(&server);
    setup
        .set("timeout", json!(0.5))
        .set("retries", json!(1))
        .set("max-response-mib", json!(1));
    let answers = setup.candidates(&[
        "always-500",
        "slow",
        "truncated",
        "teapot",
        "huge",
        "gone",
        "segment-anything",
    ]);
    let lines: Vec<String> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}: {}", a["name"].as_str().unwrap(), outcome(a)))
        .collect();
    insta::assert_snapshot!(lines.join("\n").replace(&server.base, "http://[server]"), @r"
always-500: error: `http://[server]/simple/always-500/` answered HTTP 500
slow: error: `http://[server]/simple/slow/` did not answer within 0.5 s (2 tries)
truncated: error: `http://[server]/simple/truncated/` sent an invalid index page: EOF while parsing a string at line 1 column 70
teapot: error: `http://[server]/simple/teapot/` answered HTTP 418
huge: error: `http://[server]/simple/huge/` sent more than 1 MiB, the cap of `max-response-mib`
gone: not-found: `gone` is not on `http://[server]/simple`; a custom wheel or a VCS line can provide it
segment-anything: found:
");
}

#[test]
fn a_refused_range_request_falls_back_to_a_bounded_download() {
    let server = Server::start();
    let wheel = "segment_anything-1.0-py3-none-any.whl";
    let body = page(&server, "simple-segment-anything.json", |_| {});
    serve_page(&server, "segment-anything", body.clone());
    let path = file_path(&body, wheel);
    server.route(
        &path,
        vec![Reply::Body {
            status: 200,
            content_type: "application/octet-stream",
            body: fixture(wheel),
            ranges: false,
            etag: None,
        }],
    );
    let answers = Setup::new(&server).details(&[("segment-anything", "1.0")]);
    assert_eq!(answers[0]["outcome"], "found", "{answers}");
    assert_eq!(server.seen().iter().filter(|s| s.path == path).count(), 1);
}

#[test]
fn a_download_whose_hash_differs_from_the_index_is_refused() {
    let server = Server::start();
    let wheel = "segment_anything-1.0-py3-none-any.whl";
    let body = page(&server, "simple-segment-anything.json", |value| {
        value["files"][0]["hashes"]["sha256"] = json!(sha256_hex(b"another file"));
    });
    serve_page(&server, "segment-anything", body.clone());
    server.route(
        &file_path(&body, wheel),
        vec![Reply::Body {
            status: 200,
            content_type: "application/octet-stream",
            body: fixture(wheel),
            ranges: false,
            etag: None,
        }],
    );
    let answers = Setup::new(&server).details(&[("segment-anything", "1.0")]);
    insta::assert_snapshot!(outcome(&answers[0]), @"error: `segment_anything-1.0-py3-none-any.whl` has sha256 `86f67d417a915823c3302098effe9008b688945772517310956bb49de0e7f02e`, but the index publishes `100ef6a71bac925f709fe9c114c60460bf6e472cfdb9d44bd8adf1698135260f`");
}

#[test]
fn a_version_or_file_the_index_lacks_is_not_found() {
    let server = Server::start();
    serve_page(
        &server,
        "regex",
        page(&server, "simple-regex-trimmed.json", |value| {
            crate::keep_files(value, |f| f.contains("2026.9.3") && f.contains("win"));
        }),
    );
    let answers = Setup::new(&server).details(&[("regex", "1.0"), ("regex", "2026.9.3")]);
    let lines: Vec<String> = answers.as_array().unwrap().iter().map(outcome).collect();
    insta::assert_snapshot!(lines.join("\n").replace(&server.base, "http://[server]"), @r"
not-found: `regex` 1.0 is not on `http://[server]/simple`
not-found: No file of `regex` 2026.9.3 fits Python 3.14 on x86_64-linux (glibc 2.28, CUDA 13.0): `regex-2026.9.3-cp310-cp310-win32.whl`, `regex-2026.9.3-cp310-cp310-win_amd64.whl`, `regex-2026.9.3-cp310-cp310-win_arm64.whl`, `regex-2026.9.3-cp311-cp311-win32.whl`, and 20 more
");
}
