//! The golden files of `golden/` pin the wire: every file reads into the Rust types and writes
//! back to the same JSON (nothing lost, nothing invented), and the same messages built in Rust
//! write exactly the files' JSON. A change to the types that breaks either way breaks a plugin
//! written from the files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use megapak_plugin_abi::AbiVersion;
use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesOutcome, CandidatesQuery, CandidatesRequest, CandidatesResponse,
    CudaLibrary, Dependencies, Description, DetailsAnswer, DetailsOutcome, DetailsQuery,
    DetailsRequest, DetailsResponse, DirectReference, DistFormat, Found, IndexHints,
    NativeLibraries, NvidiaWheels, OverrideValue, Source, Target, VersionInfo, WheelLibrary,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn golden(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Reads the file into `T` and writes it back: the JSON must be the same.
fn round_trips<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let expected = golden(name);
    let typed: T = serde_json::from_value(expected.clone())
        .unwrap_or_else(|err| panic!("{name} does not read: {err}"));
    let written = serde_json::to_value(&typed).unwrap();
    assert_eq!(written, expected, "{name} does not write back the same");
    typed
}

fn writes_golden<T: Serialize>(value: &T, name: &str) {
    assert_eq!(serde_json::to_value(value).unwrap(), golden(name), "{name}");
}

fn target(torch: Option<&str>) -> Target {
    Target {
        python: "3.14".into(),
        system: "x86_64-linux".into(),
        cuda: Some("13.0".into()),
        torch: torch.map(Into::into),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn describe() {
    round_trips::<Description>("describe.json");
    let description = Description {
        name: "internal-wheels".into(),
        version: "0.1.0".into(),
        abi: AbiVersion { major: 2, minor: 0 },
        capabilities: strings(&["candidates", "details", "offline"]),
        summary: Some("Wheels from wheels.example.com".into()),
    };
    writes_golden(&description, "describe.json");
}

#[test]
fn candidates_request() {
    round_trips::<CandidatesRequest>("candidates-request.json");
    let Value::Object(settings) = json!({
        "index-url": "https://wheels.example.com/simple",
        "wheels": "vendor/wheels",
    }) else {
        unreachable!()
    };
    let request = CandidatesRequest {
        abi: AbiVersion { major: 2, minor: 0 },
        target: target(Some("2.10")),
        workspace: "/home/ada/comfyui".into(),
        settings,
        settings_locations: [
            ("index-url".to_owned(), "megapak.toml:12".to_owned()),
            ("wheels".to_owned(), "megapak.toml:13".to_owned()),
        ]
        .into(),
        index: IndexHints {
            index_url: Some("https://pypi.org/simple".into()),
            extra_index_urls: strings(&["https://download.pytorch.org/whl/cu130"]),
            find_links: strings(&["https://wheels.example.com/links.html"]),
            no_index: false,
            pre: true,
        },
        offline: false,
        packages: vec![
            CandidatesQuery {
                name: "flash-attn".into(),
                specifiers: None,
                direct: None,
            },
            CandidatesQuery {
                name: "numpy".into(),
                specifiers: Some(">=2.1,<3".into()),
                direct: None,
            },
            CandidatesQuery {
                name: "clip".into(),
                specifiers: None,
                direct: Some(DirectReference::Git {
                    url: "https://github.com/openai/CLIP".into(),
                    rev: Some("main".into()),
                    subdirectory: None,
                }),
            },
            CandidatesQuery {
                name: "nunchaku".into(),
                specifiers: None,
                direct: Some(DirectReference::Url {
                    url: "https://wheels.example.com/nunchaku-1.0.0-cp314-cp314-linux_x86_64.whl"
                        .into(),
                }),
            },
        ],
    };
    writes_golden(&request, "candidates-request.json");
}

#[test]
fn candidates_response() {
    round_trips::<CandidatesResponse>("candidates-response.json");
    let response = CandidatesResponse {
        packages: vec![
            CandidatesAnswer {
                name: "flash-attn".into(),
                outcome: CandidatesOutcome::Found {
                    versions: vec![
                        VersionInfo {
                            requires_python: Some(">=3.9".into()),
                            notes: strings(&["Built for CUDA 13.0 by the platform team"]),
                            ..VersionInfo::new("2.8.3")
                        },
                        VersionInfo {
                            yanked: true,
                            ..VersionInfo::new("2.8.2")
                        },
                    ],
                    notes: strings(&["Only x86_64 wheels"]),
                },
            },
            CandidatesAnswer::not_found(
                "numpy",
                "`numpy` is not on `https://wheels.example.com/simple`",
            ),
            CandidatesAnswer {
                name: "clip".into(),
                outcome: CandidatesOutcome::Offline {
                    reason:
                        "Resolving `main` of `https://github.com/openai/CLIP` needs the network"
                            .into(),
                },
            },
            CandidatesAnswer {
                name: "nunchaku".into(),
                outcome: CandidatesOutcome::Error {
                    message: "The index answered 500 Internal Server Error for `nunchaku`".into(),
                },
            },
        ],
    };
    writes_golden(&response, "candidates-response.json");
}

#[test]
fn details_request() {
    round_trips::<DetailsRequest>("details-request.json");
    let mut request = DetailsRequest::new(
        target(None),
        "/home/ada/comfyui",
        &[("onnxruntime-gpu", "1.24.4"), ("decord", "0.6.0")],
    );
    request.offline = true;
    request.packages.push(DetailsQuery {
        name: "clip".into(),
        version: "1.0".into(),
        direct: Some(DirectReference::Git {
            url: "https://github.com/openai/CLIP".into(),
            rev: Some("main".into()),
            subdirectory: Some(".".into()),
        }),
    });
    writes_golden(&request, "details-request.json");
}

#[test]
fn details_response() {
    round_trips::<DetailsResponse>("details-response.json");
    let found = |name: &str, version: &str, found: Found| DetailsAnswer {
        name: name.into(),
        version: version.into(),
        outcome: DetailsOutcome::Found(found),
    };
    let onnxruntime = Found {
        import_names: strings(&["onnxruntime"]),
        notes: strings(&["Not in the public binary cache: built from source"]),
        ..Found::new(
            Source::Nixpkgs {
                attribute: "onnxruntime".into(),
                override_args: BTreeMap::from([
                    ("cudaSupport".to_owned(), OverrideValue::Bool(true)),
                    (
                        "cudaPackages".to_owned(),
                        OverrideValue::Attribute {
                            attribute: "cudaPackages_13_0".into(),
                        },
                    ),
                ]),
            },
            Dependencies::Unknown {
                reason: "The index snapshot has no dependency lists".into(),
            },
        )
    };
    let decord = Found {
        requires_python: Some(">=3.6".into()),
        summary: Some("Decord Video Loader".into()),
        license: Some("Apache-2.0".into()),
        libraries: Some(NativeLibraries {
            nvidia_wheels: NvidiaWheels::CudaPackages,
            cuda: vec![
                CudaLibrary {
                    soname: "libcudart.so.13".into(),
                    attribute: "cuda_cudart".into(),
                },
                CudaLibrary {
                    soname: "libnvrtc.so.13".into(),
                    attribute: "cuda_nvrtc".into(),
                },
            ],
            driver: strings(&["libcuda.so.1"]),
            wheels: vec![WheelLibrary {
                soname: "libcudnn.so.9".into(),
                package: "nvidia-cudnn-cu13".into(),
            }],
            bundled: strings(&["libavcodec-5b1b6c8e.so.58"]),
            system: strings(&["libc.so.6", "libstdc++.so.6"]),
            unknown: strings(&["libnvcuvid.so.1"]),
        }),
        ..Found::new(
            Source::Url {
                url: "https://files.pythonhosted.org/packages/11/79/decord-0.6.0-py3-none-manylinux2010_x86_64.whl".into(),
                filename: "decord-0.6.0-py3-none-manylinux2010_x86_64.whl".into(),
                hash: "sha256-UcC9t2FPtIhe/kbjJPDyL2J6hCRfnF4WrlnkgcbJ9CQ=".into(),
                format: DistFormat::Wheel,
            },
            Dependencies::known(["numpy>=1.14.0"]),
        )
    };
    let clip = Found {
        build_system: strings(&["setuptools"]),
        ..Found::new(
            Source::Git {
                url: "https://github.com/openai/CLIP".into(),
                rev: "dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1".into(),
                hash: "sha256-Xa5nYmCDRpsEGYyMNpmXPCGl5ceJFSp6dmPxWmpRSSs=".into(),
                submodules: false,
                subdirectory: Some(".".into()),
            },
            Dependencies::known(["ftfy", "regex", "tqdm", "torch", "torchvision"]),
        )
    };
    let vendored = Found::new(
        Source::Path {
            path: "vendor/wheels/vendored-0.1.0-py3-none-any.whl".into(),
            hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            format: DistFormat::Wheel,
        },
        Dependencies::known(Vec::<String>::new()),
    );
    let response = DetailsResponse {
        packages: vec![
            found("onnxruntime-gpu", "1.24.4", onnxruntime),
            found("decord", "0.6.0", decord),
            found("clip", "1.0", clip),
            found("vendored", "0.1.0", vendored),
            DetailsAnswer::not_found("numpy", "2.3.4", "`numpy` 2.3.4 is no longer on the index"),
            DetailsAnswer {
                name: "torch".into(),
                version: "2.10.0".into(),
                outcome: DetailsOutcome::Offline {
                    reason: "The metadata of `torch` 2.10.0 is not in the cache".into(),
                },
            },
            DetailsAnswer {
                name: "pillow".into(),
                version: "12.0.0".into(),
                outcome: DetailsOutcome::Error {
                    message: "The wheel of `pillow` 12.0.0 has no METADATA".into(),
                },
            },
        ],
    };
    writes_golden(&response, "details-response.json");
}

#[test]
fn a_source_kind_from_a_later_minor_is_unknown_not_an_error() {
    let source: Source =
        serde_json::from_value(json!({"kind": "oci-layer", "digest": "sha256:..."})).unwrap();
    assert_eq!(source, Source::Unknown);
}

#[test]
fn unknown_fields_are_ignored_and_optional_ones_may_be_missing() {
    let request: CandidatesRequest = serde_json::from_value(json!({
        "abi": {"major": 2, "minor": 7},
        "target": {"python": "3.14", "system": "x86_64-linux"},
        "workspace": "/w",
        "packages": [{"name": "numpy", "from-the-future": 1}],
        "also-from-the-future": true,
    }))
    .unwrap();
    assert!(request.settings.is_empty() && request.index.is_empty() && !request.offline);
    assert_eq!(request.packages[0].specifiers, None);
}

#[test]
fn details_without_libraries_read_as_before_and_an_unknown_nvidia_choice_is_kept_apart() {
    // A peer from before `libraries` was added leaves it out.
    let found: Found = serde_json::from_value(json!({
        "source": {"kind": "path", "path": "a.whl", "hash": "sha256-x", "format": "wheel"},
        "dependencies": {"state": "known", "requirements": []},
    }))
    .unwrap();
    assert_eq!(found.libraries, None);
    assert!(!serde_json::to_string(&found).unwrap().contains("libraries"));
    let libraries: NativeLibraries =
        serde_json::from_value(json!({"nvidia_wheels": "from-the-future"})).unwrap();
    assert_eq!(libraries.nvidia_wheels, NvidiaWheels::Unknown);
    assert!(libraries.cuda.is_empty() && libraries.unknown.is_empty());
}

#[test]
fn an_answer_without_an_outcome_is_refused() {
    // ABI 1's shape: candidates listed in the answer, no `outcome`.
    let error = serde_json::from_value::<CandidatesResponse>(json!({
        "packages": [{"name": "numpy", "candidates": [{"version": "2.3.4"}]}]
    }))
    .unwrap_err();
    assert!(error.to_string().contains("outcome"), "{error}");
}
