//! The on-disk cache: `offline` answers from it, and pages are revalidated with their ETag.

use megapak_plugin_abi::serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::{Setup, fixture, page};

#[test]
fn offline_answers_from_the_cache_or_says_offline() {
    let server = Server::start();
    let body = page(&server, "simple-segment-anything.json", |_| {});
    crate::serve_page(&server, "segment-anything", body.clone());
    let wheel = "segment_anything-1.0-py3-none-any.whl";
    server.route(
        &crate::file_path(&body, wheel),
        vec![Reply::ok("application/octet-stream", fixture(wheel))],
    );
    let online = Setup::new(&server);
    let first = online.details(&[("segment-anything", "1.0")]);
    assert_eq!(first[0]["outcome"], "found");
    server.clear_seen();

    let offline = Setup::with_cache(&server, online.cache);
    let again = offline.details_with(&[("segment-anything", "1.0"), ("decord", "0.6.0")], true);
    assert_eq!(again[0], first[0]);
    assert_eq!(again[1]["outcome"], "offline");
    insta::assert_snapshot!(again[1]["reason"].as_str().unwrap().replace(&server.base, "http://[server]"), @"The page of `decord` on `http://[server]/simple` is not in the cache");
    assert_eq!(server.seen(), []);
}

#[test]
fn pages_are_revalidated_with_their_etag() {
    let server = Server::start();
    let body = page(&server, "simple-segment-anything.json", |_| {});
    server.route(
        "/simple/segment-anything/",
        vec![Reply::Body {
            status: 200,
            content_type: "application/vnd.pypi.simple.v1+json",
            body,
            ranges: false,
            etag: Some("\"v1\"".to_owned()),
        }],
    );
    let first = Setup::new(&server);
    let found = first.candidates(&["segment-anything"]);
    let second = Setup::with_cache(&server, first.cache);
    assert_eq!(second.candidates(&["segment-anything"]), found);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(found[0]["versions"], json!([{"version": "1.0"}]));
    let _: &Value = &found;
}
