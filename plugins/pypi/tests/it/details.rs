//! `details`: the file for the target, its hash and what it needs.

use megapak_plugin_abi::serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::zipbuild::zip;
use crate::{Setup, file_path, fixture, keep_files, page, redact, serve_page};

fn serve_segment_anything(server: &Server, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let body = page(server, "simple-segment-anything.json", edit);
    serve_page(server, "segment-anything", body.clone());
    for filename in [
        "segment_anything-1.0-py3-none-any.whl",
        "segment_anything-1.0.tar.gz",
    ] {
        if String::from_utf8_lossy(&body).contains(filename) {
            let path = file_path(&body, filename);
            server.route(
                &path,
                vec![Reply::ok("application/octet-stream", fixture(filename))],
            );
        }
    }
    body
}

#[test]
fn reads_a_wheel_s_metadata_with_range_requests() {
    let server = Server::start();
    serve_segment_anything(&server, |_| {});
    let setup = Setup::new(&server);
    let answers = setup.details(&[("segment-anything", "1.0")]);
    insta::assert_snapshot!(redact(&server, &answers), @r#"
[
  {
    "dependencies": {
      "requirements": [
        "matplotlib ; extra == 'all'",
        "pycocotools ; extra == 'all'",
        "opencv-python ; extra == 'all'",
        "onnx ; extra == 'all'",
        "onnxruntime ; extra == 'all'",
        "flake8 ; extra == 'dev'",
        "isort ; extra == 'dev'",
        "black ; extra == 'dev'",
        "mypy ; extra == 'dev'"
      ],
      "state": "known"
    },
    "import_names": [
      "segment_anything"
    ],
    "name": "segment-anything",
    "outcome": "found",
    "source": {
      "filename": "segment_anything-1.0-py3-none-any.whl",
      "format": "wheel",
      "hash": "sha256-hvZ9QXqRWCPDMCCY7/6QCLaIlFdyUXMQlWu0neDn8C4=",
      "kind": "url",
      "url": "http://[server]/files/packages/75/77/8e0c16abf151a1dd076b562febc0da2ecf1132b0b41826087af96f101f42/segment_anything-1.0-py3-none-any.whl"
    },
    "version": "1.0"
  }
]
"#);
    let file_requests: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/files/"))
        .collect();
    assert!(!file_requests.is_empty());
    assert!(
        file_requests.iter().all(|s| s.range.is_some()),
        "{file_requests:?}"
    );
}

#[test]
fn picks_the_best_wheel_among_many_platforms() {
    let server = Server::start();
    let body = page(&server, "simple-regex-trimmed.json", |_| {});
    serve_page(&server, "regex", body.clone());
    let chosen = "regex-2026.9.3-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl";
    let wheel = zip(&[
        ("regex/__init__.py", ""),
        (
            "regex-2026.9.3.dist-info/METADATA",
            "Metadata-Version: 2.4\nName: regex\nVersion: 2026.9.3\nLicense-Expression: Apache-2.0 AND CNRI-Python\nRequires-Python: >=3.10\n\nbody\n",
        ),
    ]);
    server.route(
        &file_path(&body, chosen),
        vec![Reply::ok("application/octet-stream", wheel)],
    );
    let answers = Setup::new(&server).details(&[("regex", "2026.9.3")]);
    insta::assert_snapshot!(redact(&server, &answers), @r#"
[
  {
    "dependencies": {
      "requirements": [],
      "state": "known"
    },
    "import_names": [
      "regex"
    ],
    "license": "Apache-2.0 AND CNRI-Python",
    "name": "regex",
    "outcome": "found",
    "requires_python": ">=3.10",
    "source": {
      "filename": "regex-2026.9.3-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
      "format": "wheel",
      "hash": "sha256-b2TGazsTdYtPj1bxeXLNDOXQAz0Z1zMu0y4tvbzpTew=",
      "kind": "url",
      "url": "http://[server]/files/packages/89/e3/f6bcb26472873b9308df329f507d9c6cb526e3f9aed847498f153f2b7539/regex-2026.9.3-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl"
    },
    "version": "2026.9.3"
  }
]
"#);
}

#[test]
fn falls_back_to_the_sdist_with_its_build_system() {
    let server = Server::start();
    let body = page(&server, "simple-compel.json", |value| {
        keep_files(value, |f| f.ends_with(".tar.gz"));
    });
    serve_page(&server, "compel", body.clone());
    server.route(
        &file_path(&body, "compel-2.5.1.tar.gz"),
        vec![Reply::ok(
            "application/gzip",
            fixture("compel-2.5.1.tar.gz"),
        )],
    );
    let answers = Setup::new(&server).details(&[("compel", "2.5.1")]);
    insta::assert_snapshot!(redact(&server, &answers), @r#"
[
  {
    "build_system": [
      "setuptools>=61.0"
    ],
    "dependencies": {
      "requirements": [
        "diffusers>=0.11",
        "pyparsing~=3.0",
        "torch",
        "transformers<6,>=5"
      ],
      "state": "known"
    },
    "name": "compel",
    "outcome": "found",
    "requires_python": ">=3.10",
    "source": {
      "filename": "compel-2.5.1.tar.gz",
      "format": "sdist",
      "hash": "sha256-cnVKTv1x8JPpf5Bbc+S6TfZhb43CIxByoB8ltBhQHho=",
      "kind": "url",
      "url": "http://[server]/files/packages/c0/83/7e1cca761be0ecac43db9950946b0747aa65ca7be36a66cea4a8d02af665/compel-2.5.1.tar.gz"
    },
    "summary": "A prompting enhancement library for transformers-type text embedding systems.",
    "version": "2.5.1"
  }
]
"#);
}

#[test]
fn an_old_sdist_gives_requires_txt_and_the_pep_517_default() {
    let server = Server::start();
    serve_segment_anything(&server, |value| {
        keep_files(value, |f| f.ends_with(".tar.gz"))
    });
    let answers = Setup::new(&server).details(&[("segment-anything", "1.0")]);
    insta::assert_snapshot!(redact(&server, &answers), @r#"
    [
      {
        "build_system": [
          "setuptools>=40.8.0"
        ],
        "dependencies": {
          "requirements": [
            "matplotlib; extra == \"all\"",
            "pycocotools; extra == \"all\"",
            "opencv-python; extra == \"all\"",
            "onnx; extra == \"all\"",
            "onnxruntime; extra == \"all\"",
            "flake8; extra == \"dev\"",
            "isort; extra == \"dev\"",
            "black; extra == \"dev\"",
            "mypy; extra == \"dev\""
          ],
          "state": "known"
        },
        "import_names": [
          "segment_anything"
        ],
        "name": "segment-anything",
        "notes": [
          "No `pyproject.toml`: `setuptools>=40.8.0`, as PEP 517 assumes"
        ],
        "outcome": "found",
        "source": {
          "filename": "segment_anything-1.0.tar.gz",
          "format": "sdist",
          "hash": "sha256-7Qyfb7B7vvnGI4pwKKE8gnLxumtjBcpz4+BkJmUDc2s=",
          "kind": "url",
          "url": "http://[server]/files/packages/4f/88/7725f418f2bb4a7ac2e5e8295fbbca2900c70c8fe5ba48b3aff5788af9a2/segment_anything-1.0.tar.gz"
        },
        "version": "1.0"
      }
    ]
    "#);
}

#[test]
fn yanked_files_are_skipped_unless_the_version_is_all_yanked() {
    let server = Server::start();
    serve_segment_anything(&server, |value| {
        value["files"][0]["yanked"] = json!("broken wheel");
    });
    let setup = Setup::new(&server);
    let candidates = setup.candidates(&["segment-anything"]);
    assert_eq!(candidates[0]["versions"], json!([{"version": "1.0"}]));
    let details = setup.details(&[("segment-anything", "1.0")]);
    assert_eq!(
        details[0]["source"]["filename"],
        "segment_anything-1.0.tar.gz"
    );

    let server = Server::start();
    serve_segment_anything(&server, |value| {
        value["files"][0]["yanked"] = json!(true);
        value["files"][1]["yanked"] = json!(true);
    });
    let setup = Setup::new(&server);
    let candidates = setup.candidates(&["segment-anything"]);
    assert_eq!(
        candidates[0]["versions"],
        json!([{"version": "1.0", "yanked": true}])
    );
    let details = setup.details(&[("segment-anything", "1.0")]);
    assert_eq!(
        details[0]["source"]["filename"],
        "segment_anything-1.0-py3-none-any.whl"
    );
    assert_eq!(
        details[0]["notes"],
        json!(["Yanked on the index: taken only because it is pinned exactly"])
    );
}

#[test]
fn pep_658_metadata_is_read_where_the_index_advertises_it() {
    let server = Server::start();
    let metadata =
        "Metadata-Version: 2.1\nName: segment-anything\nVersion: 1.0\nRequires-Dist: torch\n";
    let digest = sha256_hex(metadata.as_bytes());
    let body = serve_segment_anything(&server, |value| {
        value["files"][0]["core-metadata"] = json!({"sha256": digest});
    });
    let wheel = file_path(&body, "segment_anything-1.0-py3-none-any.whl");
    server.route(
        &format!("{wheel}.metadata"),
        vec![Reply::ok("text/plain", metadata)],
    );
    let answers = Setup::new(&server).details(&[("segment-anything", "1.0")]);
    assert_eq!(
        answers[0]["dependencies"],
        json!({"state": "known", "requirements": ["torch"]})
    );
    assert!(
        server.seen().iter().all(|s| s.path != wheel),
        "{:?}",
        server.seen()
    );
}

#[test]
fn a_file_without_a_published_hash_is_hashed_once() {
    let server = Server::start();
    let folder = tempfile::tempdir().unwrap();
    let wheel = zip(&[
        ("vendored/__init__.py", ""),
        (
            "vendored-0.1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: vendored\nVersion: 0.1.0\nRequires-Dist: numpy>=2\n",
        ),
    ]);
    fs_err::write(
        folder.path().join("vendored-0.1.0-py3-none-any.whl"),
        &wheel,
    )
    .unwrap();
    server.route(
        "/links/",
        vec![Reply::ok(
            "text/html",
            r#"<a href="/files/vendored-0.2.0-py3-none-any.whl">x</a>"#,
        )],
    );
    server.route(
        "/files/vendored-0.2.0-py3-none-any.whl",
        vec![Reply::ok("application/octet-stream", wheel.clone())],
    );
    let mut setup = Setup::new(&server);
    setup.set(
        "find-links",
        json!([
            folder.path().to_str().unwrap(),
            format!("{}/links/", server.base)
        ]),
    );
    let answers = setup.details(&[("vendored", "0.1.0"), ("vendored", "0.2.0")]);
    let expected = format!("sha256-{}", base64_of(&sha256(&wheel)));
    for answer in answers.as_array().unwrap() {
        assert_eq!(answer["source"]["hash"], expected.as_str(), "{answer}");
        assert_eq!(
            answer["notes"],
            json!(["Hashed by megapak: the index publishes no sha256 for this file"])
        );
        assert_eq!(answer["import_names"], json!(["vendored"]));
    }
    assert!(
        answers[0]["source"]["url"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
}

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
