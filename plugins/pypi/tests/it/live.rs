//! A few requests to the real index (reachable from this project's machines and CI), with
//! generous timeouts and retries; skipped, with the reason printed, when it cannot be reached.

use megapak_plugin_abi::Resolver;
use megapak_plugin_abi::serde_json::{Value, json};
use megapak_plugin_pypi::{PypiResolver, Traffic};
use megapak_plugin_testing::details_request;

fn live_details(pairs: &[(&str, &str)]) -> Option<(Value, Traffic)> {
    let cache = tempfile::tempdir().unwrap();
    let mut request = details_request(pairs);
    let Value::Object(settings) = json!({
        "cache-dir": cache.path().to_str().unwrap(),
        "timeout": 120,
        "retries": 3,
    }) else {
        unreachable!()
    };
    request.settings = settings;
    let resolver = PypiResolver::new();
    let answers = resolver.details(&request).unwrap();
    let value = serde_json::to_value(&answers.packages).unwrap();
    for answer in value.as_array().unwrap() {
        let message = answer["message"].as_str().unwrap_or("");
        if answer["outcome"] == "error"
            && (message.contains("Could not reach")
                || message.contains("did not answer")
                || message.contains("HTTP 5"))
        {
            eprintln!("skipped: the real index cannot be reached from here: {message}");
            return None;
        }
    }
    Some((value, resolver.traffic()))
}

#[test]
fn decord_and_segment_anything_through_range_requests() {
    let Some((answers, traffic)) =
        live_details(&[("decord", "0.6.0"), ("segment-anything", "1.0")])
    else {
        return;
    };
    let decord = &answers[0];
    assert_eq!(decord["outcome"], "found", "{decord}");
    assert_eq!(
        decord["source"]["filename"],
        "decord-0.6.0-py3-none-manylinux2010_x86_64.whl"
    );
    // The SRI form of the sha256 PyPI publishes for that file.
    assert_eq!(
        decord["source"]["hash"],
        "sha256-UZl/IL6JWOI7fEBhukXQ782Gv/1f6BxpXQvv7g1EKXY="
    );
    assert_eq!(
        decord["dependencies"],
        json!({"state": "known", "requirements": ["numpy (>=1.14.0)"]})
    );
    assert_eq!(decord["import_names"], json!(["decord"]));
    let sam = &answers[1];
    assert_eq!(
        sam["source"]["filename"],
        "segment_anything-1.0-py3-none-any.whl"
    );
    assert_eq!(
        sam["dependencies"]["requirements"][0],
        "matplotlib ; extra == 'all'"
    );
    // The decord wheel is 13.6 MB: only its tail was read.
    assert!(traffic.bytes < 1_000_000, "{traffic:?}");
    eprintln!("live: {traffic:?}");
}
