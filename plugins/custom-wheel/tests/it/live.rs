//! Against the real PyPI: `onnxruntime-gpu` 1.31.1 and `cupy-cuda13x`, the wheels of
//! `fixtures/real/custom-wheel/megapak.toml`. Each test is skipped, with the reason printed,
//! when PyPI cannot be reached.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use megapak_plugin_abi::wire::{CandidatesOutcome, NvidiaWheels};
use megapak_plugin_custom_wheel::CustomWheelResolver;
use megapak_plugin_custom_wheel::fetch::{Client, Ranged};
use megapak_plugin_custom_wheel::libraries::{Needs, classify};
use megapak_plugin_custom_wheel::tags::WheelName;
use megapak_plugin_custom_wheel::wheel::member_links;
use megapak_plugin_testing::Harness;
use megapak_types::PackageName;

use crate::support;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/custom-wheel")
}

/// The fixture's `megapak.toml` with the cache in `cache`.
fn megapak_toml(cache: &Path) -> String {
    let text = fs_err::read_to_string(fixture().join("megapak.toml")).unwrap();
    text.replace(
        "[resolvers.custom-wheel]\n",
        &format!(
            "[resolvers.custom-wheel]\ncache-dir = \"{}\"\n",
            cache.display()
        ),
    )
}

/// The declared URL of `name` in the fixture.
fn declared_url(name: &str) -> String {
    let settings = support::settings(&megapak_toml(Path::new("/unused")));
    settings["wheel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|wheel| wheel["name"] == name)
        .and_then(|wheel| wheel["url"].as_str())
        .unwrap()
        .to_owned()
}

/// A client, or `None` (with the reason printed) when PyPI does not answer.
fn pypi() -> Option<Client> {
    let client = Client::new(Duration::from_secs(60), 1 << 30);
    for attempt in 0..3 {
        match client.page(
            "https://pypi.org/simple/onnxruntime-gpu/",
            "application/vnd.pypi.simple.v1+json",
        ) {
            Ok(_) => return Some(client),
            Err(error) if attempt == 2 => {
                eprintln!("skipped: PyPI cannot be reached: {error}");
            }
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
    None
}

#[test]
fn the_cuda_provider_of_onnxruntime_gpu_needs_exactly_five_cuda_libraries() {
    let Some(client) = pypi() else {
        return;
    };
    let url = declared_url("onnxruntime-gpu");
    let wheel = WheelName::parse(url.rsplit('/').next().unwrap()).unwrap();
    let started = Instant::now();
    let remote = client.open(&url.parse().unwrap()).unwrap();
    let member = "onnxruntime/capi/libonnxruntime_providers_cuda.so";
    let links = member_links(&remote, &wheel, member).unwrap().unwrap();
    eprintln!(
        "read the links of `{member}` with {} of {} bytes in {:.1} s",
        remote.fetched(),
        remote.size(),
        started.elapsed().as_secs_f64()
    );
    let needs = Needs {
        needed: links.needed.iter().cloned().collect(),
        own: ["libonnxruntime_providers_shared.so".to_owned()].into(),
    };
    let dependencies: BTreeSet<PackageName> = BTreeSet::new();
    let libraries = classify(&needs, Some(13), &dependencies, NvidiaWheels::CudaPackages);
    let cuda: Vec<(&str, &str)> = libraries
        .cuda
        .iter()
        .map(|library| (library.soname.as_str(), library.attribute.as_str()))
        .collect();
    assert_eq!(
        cuda,
        [
            ("libcublas.so.13", "libcublas"),
            ("libcublasLt.so.13", "libcublas"),
            ("libcudart.so.13", "cuda_cudart"),
            ("libcurand.so.10", "libcurand"),
        ]
    );
    assert_eq!(libraries.driver, ["libcuda.so.1"]);
    assert!(
        libraries.unknown.is_empty() && libraries.wheels.is_empty(),
        "{libraries:?}"
    );
    insta::assert_json_snapshot!((links.needed, libraries));
}

#[test]
fn the_fixture_resolves_both_wheels_with_their_libraries_sorted() {
    if pypi().is_none() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let toml = megapak_toml(cache.path());
    let harness = Harness::new(CustomWheelResolver::default());
    let started = Instant::now();
    let candidates = harness
        .candidates(&support::candidates(
            &fixture(),
            &toml,
            &["onnxruntime-gpu", "cupy-cuda13x"],
        ))
        .unwrap();
    eprintln!(
        "candidates (METADATA by ranges) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for answer in &candidates.packages {
        assert!(
            matches!(answer.outcome, CandidatesOutcome::Found { .. }),
            "{answer:?}"
        );
    }
    let started = Instant::now();
    let details = harness
        .details(&support::details(
            &fixture(),
            &toml,
            &[("onnxruntime-gpu", "1.31.1"), ("cupy-cuda13x", "14.2.0")],
        ))
        .unwrap();
    eprintln!(
        "details of both (324 MB fetched, hashed against the declared sha256, every ELF file read) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    insta::assert_json_snapshot!((candidates, details));
}
