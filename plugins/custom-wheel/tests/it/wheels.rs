//! Declared wheels: by path, by URL on a local server, by index; every bad input named with its
//! declaration.

use std::path::Path;

use megapak_plugin_abi::wire::{CandidatesOutcome, DetailsOutcome, DetailsResponse, Source};
use megapak_plugin_custom_wheel::CustomWheelResolver;
use megapak_plugin_testing::Harness;
use sha2::{Digest, Sha256};

use crate::support::{self, Served, Server, library, member, wheel};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A CUDA wheel whose extension needs CUDA 13 libraries, the driver, its own helper and libc.
fn cuda_wheel() -> Vec<u8> {
    wheel(
        "fastkernels",
        "1.2.0+cu130",
        &[
            "numpy>=2",
            "nvidia-cuda-runtime~=13.0; extra == \"cuda\"",
            "nvidia-cublas",
        ],
        vec![
            member(
                "fastkernels/_ext.cpython-314-x86_64-linux-gnu.so",
                library(
                    None,
                    &[
                        "libcudart.so.13",
                        "libcublas.so.13",
                        "libcuda.so.1",
                        "libhelper.so.1",
                        "libc.so.6",
                        "libmystery.so.2",
                    ],
                ),
            ),
            member(
                "fastkernels.libs/libhelper-1a2b.so.1",
                library(Some("libhelper.so.1"), &["libstdc++.so.6"]),
            ),
            member("fastkernels/__init__.py", "x = 1\n"),
        ],
    )
}

const FILE: &str = "fastkernels-1.2.0+cu130-cp314-cp314-manylinux_2_28_x86_64.whl";

fn workspace_with(file: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(dir.path().join("wheels")).unwrap();
    fs_err::write(dir.path().join("wheels").join(file), bytes).unwrap();
    dir
}

fn only_details(response: DetailsResponse) -> DetailsOutcome {
    response.packages.into_iter().next().unwrap().outcome
}

#[test]
fn a_declared_path_resolves_with_its_libraries_sorted_both_ways() {
    let bytes = cuda_wheel();
    let dir = workspace_with(FILE, &bytes);
    let toml = |nvidia: &str| {
        format!(
            "[resolvers.custom-wheel]\nnvidia-wheels = \"{nvidia}\"\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.wheel]]\nname = \"fastkernels\"\npath = \"wheels/{FILE}\"\nsha256 = \"{}\"\n",
            hex(&bytes)
        )
    };
    let harness = Harness::new(CustomWheelResolver::default());
    let candidates = harness
        .candidates(&support::candidates(
            dir.path(),
            &toml("cuda-packages"),
            &["fastkernels", "numpy"],
        ))
        .unwrap();
    let mut outcomes = Vec::new();
    for nvidia in ["cuda-packages", "keep"] {
        let details = harness
            .details(&support::details(
                dir.path(),
                &toml(nvidia),
                &[("fastkernels", "1.2.0+cu130")],
            ))
            .unwrap();
        outcomes.push(only_details(details));
    }
    insta::assert_json_snapshot!((candidates, outcomes));
}

#[test]
fn a_url_wheel_is_read_by_ranges_then_fetched_once_and_hashed() {
    let server = Server::start();
    let bytes = cuda_wheel();
    let url = server.put(&format!("/w/{FILE}"), Served::File(bytes.clone()));
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.wheel]]\nname = \"fastkernels\"\nurl = \"{url}\"\n"
    );
    let harness = Harness::new(CustomWheelResolver::default());
    let candidates = harness
        .candidates(&support::candidates(dir.path(), &toml, &["fastkernels"]))
        .unwrap();
    assert!(
        matches!(&candidates.packages[0].outcome, CandidatesOutcome::Found { versions, .. } if versions[0].version == "1.2.0+cu130"),
        "{candidates:?}"
    );
    let details = only_details(
        harness
            .details(&support::details(
                dir.path(),
                &toml,
                &[("fastkernels", "1.2.0+cu130")],
            ))
            .unwrap(),
    );
    let DetailsOutcome::Found(found) = &details else {
        panic!("{details:?}")
    };
    let Source::Url { hash, filename, .. } = &found.source else {
        panic!("{found:?}")
    };
    assert_eq!(filename, FILE);
    assert_eq!(
        hash,
        &megapak_plugin_custom_wheel::settings::sri(&hex(&bytes))
    );
    assert!(
        found.notes[0].starts_with("Hashed by megapak"),
        "{:?}",
        found.notes
    );
    let cached = dir.path().join("cache/wheels").join(hex(&bytes)).join(FILE);
    assert_eq!(fs_err::read(cached).unwrap(), bytes);

    // A server that sends whole files only: METADATA from the whole wheel, fetched once.
    let whole = server.put(&format!("/whole/{FILE}"), Served::Whole(bytes.clone()));
    let toml = toml
        .replace(&url, &whole)
        .replace("\"cache\"", "\"cache-whole\"");
    let candidates = harness
        .candidates(&support::candidates(dir.path(), &toml, &["fastkernels"]))
        .unwrap();
    assert!(
        matches!(&candidates.packages[0].outcome, CandidatesOutcome::Found { versions, .. } if versions[0].version == "1.2.0+cu130"),
        "{candidates:?}"
    );
    assert!(
        dir.path()
            .join("cache-whole/wheels")
            .join(hex(&bytes))
            .join(FILE)
            .is_file()
    );
}

#[test]
fn an_index_page_serves_the_wheels_of_the_names_it_lists() {
    let server = Server::start();
    let bytes = cuda_wheel();
    server.put(&format!("/files/{FILE}"), Served::File(bytes.clone()));
    server.put(
        "/simple/fastkernels/",
        Served::File(
            format!(
                "<html><body><a href=\"../../files/{}#sha256={}\">{FILE}</a>\n<a href=\"../../files/fastkernels-1.1.0-cp313-cp313-linux_x86_64.whl\">old</a></body></html>",
                FILE.replace('+', "%2B"),
                hex(&bytes)
            )
            .into_bytes(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.index]]\nurl = \"{}/simple\"\npackages = [\"fastkernels\"]\n",
        server.base
    );
    let harness = Harness::new(CustomWheelResolver::default());
    let candidates = harness
        .candidates(&support::candidates(
            dir.path(),
            &toml,
            &["fastkernels", "numpy"],
        ))
        .unwrap();
    let details = only_details(
        harness
            .details(&support::details(
                dir.path(),
                &toml,
                &[("fastkernels", "1.2.0+cu130")],
            ))
            .unwrap(),
    );
    let DetailsOutcome::Found(found) = &details else {
        panic!("{details:?}")
    };
    assert!(
        found
            .notes
            .iter()
            .all(|note| !note.starts_with("Hashed by megapak")),
        "{:?}",
        found.notes
    );
    insta::assert_json_snapshot!(candidates.packages);
}

#[test]
fn a_pep_691_index_and_a_find_links_page_list_wheels_with_their_hashes() {
    let server = Server::start();
    let bytes = cuda_wheel();
    let url = server.put(&format!("/files/{FILE}"), Served::File(bytes.clone()));
    let yanked = server.put(
        "/files/fastkernels-1.3.0-cp314-cp314-linux_x86_64.whl",
        Served::File(bytes.clone()),
    );
    let json = serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": "fastkernels",
        "files": [
            {"filename": FILE, "url": url, "hashes": {"sha256": hex(&bytes)}},
            {"filename": "fastkernels-1.3.0-cp314-cp314-linux_x86_64.whl", "url": yanked, "hashes": {}, "yanked": "broken"},
        ],
    });
    server.put(
        "/simple/fastkernels/",
        Served::Page(
            "application/vnd.pypi.simple.v1+json",
            json.to_string().into_bytes(),
        ),
    );
    server.put(
        "/links.html",
        Served::Page(
            "text/html",
            format!(
                "<a href=\"files/{}#sha256={}\">x</a>",
                FILE.replace('+', "%2B"),
                "0".repeat(64)
            )
            .into_bytes(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let harness = Harness::new(CustomWheelResolver::default());
    let mut outcomes = Vec::new();
    for index in [
        format!("url = \"{}/simple/\"", server.base),
        format!("url = \"{}/links.html\"\nfind-links = true", server.base),
    ] {
        let toml = format!(
            "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.index]]\n{index}\npackages = [\"fastkernels\"]\n"
        );
        let candidates = harness
            .candidates(&support::candidates(dir.path(), &toml, &["fastkernels"]))
            .unwrap();
        let details = harness
            .details(&support::details(
                dir.path(),
                &toml,
                &[("fastkernels", "1.2.0+cu130")],
            ))
            .unwrap();
        let outcome = match only_details(details) {
            DetailsOutcome::Found(found) => format!("{:?}", found.source),
            DetailsOutcome::Error { message } => message,
            other => format!("{other:?}"),
        };
        outcomes.push(format!(
            "{:?}\n  {}",
            candidates.packages[0].outcome,
            outcome.replace(&server.base, "http://[SERVER]")
        ));
    }
    insta::assert_snapshot!(outcomes.join("\n"));
}

/// The message of the first answer of a `candidates` or `details` call for `toml`.
fn message(dir: &Path, toml: &str, details: bool) -> String {
    let harness = Harness::new(CustomWheelResolver::default());
    let text = if details {
        let response = harness
            .details(&support::details(
                dir,
                toml,
                &[("fastkernels", "1.2.0+cu130")],
            ))
            .unwrap();
        match only_details(response) {
            DetailsOutcome::Error { message } => message,
            DetailsOutcome::NotFound { reason } => format!("not-found: {reason}"),
            other => format!("{other:?}"),
        }
    } else {
        let response = harness
            .candidates(&support::candidates(dir, toml, &["fastkernels"]))
            .unwrap();
        match response.packages.into_iter().next().unwrap().outcome {
            CandidatesOutcome::Error { message } => message,
            other => format!("{other:?}"),
        }
    };
    text.replace(dir.to_str().unwrap(), "[WORKSPACE]")
}

#[test]
fn every_bad_wheel_is_named_with_its_declaration() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let good = cuda_wheel();
    let declare = |location: &str, extra: &str| {
        format!(
            "[resolvers.custom-wheel]\ncache-dir = \"cache\"\ntimeout-seconds = 2\n[[resolvers.custom-wheel.wheel]]\nname = \"other\"\npath = \"x/other-1.0-py3-none-any.whl\"\n[[resolvers.custom-wheel.wheel]]\nname = \"fastkernels\"\n{location}\n{extra}"
        )
    };
    let put = |file: &str, served: Served| {
        let url = server.put(&format!("/{file}"), served);
        format!("url = \"{url}\"")
    };
    let no_metadata = support::zip(&[member("fastkernels/__init__.py", "")]);
    let bad_metadata = support::zip(&[member(
        "fastkernels-1.2.0+cu130.dist-info/METADATA",
        "Name: fastkernels\n",
    )]);
    let bomb = support::zip(&[
        member(
            "fastkernels-1.2.0+cu130.dist-info/METADATA",
            support::metadata("fastkernels", "1.2.0+cu130", &[]),
        ),
        support::Member {
            name: "fastkernels/_ext.so",
            data: vec![0u8; 4 << 20],
            claimed: Some(1024),
        },
    ]);
    let fake_hash = "0".repeat(64);
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let cases = [
        (
            "another Python",
            declare(
                &put(
                    "fastkernels-1.2.0+cu130-cp313-cp313-manylinux_2_28_x86_64.whl",
                    Served::File(good.clone()),
                ),
                "",
            ),
            false,
        ),
        (
            "another platform",
            declare(
                &put(
                    "fastkernels-1.2.0+cu130-cp314-cp314-manylinux_2_28_aarch64.whl",
                    Served::File(good.clone()),
                ),
                "",
            ),
            false,
        ),
        (
            "another CUDA",
            declare(
                &put(
                    "fastkernels-1.2.0+cu126-cp314-cp314-linux_x86_64.whl",
                    Served::File(good.clone()),
                ),
                "",
            ),
            false,
        ),
        (
            "plain http",
            declare(
                "url = \"http://wheels.example.com/fastkernels-1.2.0-py3-none-any.whl\"",
                "",
            ),
            false,
        ),
        (
            "a 404",
            declare(&format!("url = \"{}/missing/{FILE}\"", server.base), ""),
            false,
        ),
        (
            "no METADATA",
            declare(&put(FILE, Served::File(no_metadata)), ""),
            false,
        ),
        (
            "malformed METADATA",
            declare(&put(&format!("m/{FILE}"), Served::File(bad_metadata)), ""),
            false,
        ),
        (
            "not a zip",
            declare(
                &put(
                    &format!("z/{FILE}"),
                    Served::File(b"<html>login</html>".to_vec()),
                ),
                "",
            ),
            false,
        ),
        (
            "a zip bomb",
            declare(&put(&format!("b/{FILE}"), Served::File(bomb)), ""),
            true,
        ),
        (
            "a truncated download",
            declare(
                &put(&format!("t/{FILE}"), Served::Truncated(good.clone())),
                "",
            ),
            true,
        ),
        (
            "a hash mismatch",
            declare(
                &put(&format!("h/{FILE}"), Served::File(good.clone())),
                &format!("sha256 = \"{fake_hash}\""),
            ),
            true,
        ),
        (
            "a missing path",
            declare(&format!("path = \"wheels/{FILE}\""), ""),
            false,
        ),
        (
            "a server that never answers",
            declare(
                &format!("url = \"http://127.0.0.1:{silent_port}/{FILE}\""),
                "",
            ),
            false,
        ),
    ];
    let report: Vec<String> = cases
        .iter()
        .map(|(what, toml, details)| {
            let text = message(dir.path(), toml, *details)
                .replace(&server.base, "http://[SERVER]")
                .replace(&silent_port.to_string(), "[PORT]");
            format!("{what}:\n  {text}")
        })
        .collect();
    insta::assert_snapshot!(report.join("\n"));
    // Nothing was written for the failed downloads: no wheel in the cache, no temporary file.
    let cache = dir.path().join("cache");
    let wheels = cache.join("wheels");
    assert!(!wheels.exists() || fs_err::read_dir(&wheels).unwrap().next().is_none());
    assert_eq!(fs_err::read_dir(cache.join("tmp")).unwrap().count(), 0);
}

#[test]
fn offline_only_local_wheels_are_read_and_pak_file_urls_must_be_wheels() {
    let bytes = cuda_wheel();
    let dir = workspace_with(FILE, &bytes);
    let toml = format!(
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.wheel]]\nname = \"fastkernels\"\npath = \"wheels/{FILE}\"\n[[resolvers.custom-wheel.wheel]]\nname = \"remote\"\nurl = \"https://wheels.example.com/remote-1.0-py3-none-any.whl\"\n"
    );
    let mut request = support::candidates(dir.path(), &toml, &["fastkernels", "remote"]);
    request.offline = true;
    request
        .packages
        .push(megapak_plugin_abi::wire::CandidatesQuery {
            name: "decord".into(),
            specifiers: None,
            direct: Some(megapak_plugin_abi::wire::DirectReference::Url {
                url: "https://example.com/decord-0.6.0.tar.gz".into(),
            }),
        });
    let response = Harness::new(CustomWheelResolver::default())
        .candidates(&request)
        .unwrap();
    insta::assert_json_snapshot!(response);
}
