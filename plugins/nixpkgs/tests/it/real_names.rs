//! Every one of the 136 names of the cu130 pak files, against the embedded index, for the
//! sample target (Python 3.14, CUDA 13.0, `x86_64-linux`).

use megapak_plugin_abi::wire::CandidatesOutcome;
use megapak_requirements::{merge, read_requirements_file};

use crate::support::{harness, lines, repo};

fn real_names() -> Vec<String> {
    let folder = repo().join("fixtures/real/comfyui-megapak-cu130");
    let files: Vec<_> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|name| read_requirements_file(&folder.join(name)).unwrap())
        .collect();
    let set = merge(&files).unwrap();
    set.registry_packages()
        .map(|p| p.name.as_str().to_owned())
        .collect()
}

#[test]
fn every_real_name_gets_its_answer_from_the_embedded_index() {
    let names = real_names();
    assert_eq!(names.len(), 136);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let response = harness().candidates_of(&refs).unwrap();
    assert_eq!(response.packages.len(), 136);
    insta::assert_snapshot!(lines(&response.packages));
    let found = response
        .packages
        .iter()
        .filter(|a| matches!(a.outcome, CandidatesOutcome::Found { .. }))
        .count();
    assert_eq!(found, 120);
}

/// The version found, or the reason given.
fn answer(name: &str) -> Result<String, String> {
    let response = harness().candidates_of(&[name]).unwrap();
    match &response.packages[0].outcome {
        CandidatesOutcome::Found { versions, .. } => Ok(versions[0].version.clone()),
        CandidatesOutcome::NotFound { reason } => Err(reason.clone()),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn the_facts_of_the_data_hold() {
    assert_eq!(answer("torch").unwrap(), "2.10.0");
    assert_eq!(answer("onnx").unwrap(), "1.20.1");
    assert_eq!(answer("onnxruntime").unwrap(), "1.24.4");
    assert_eq!(answer("onnxruntime-gpu").unwrap(), "1.24.4");
    for absent in [
        "decord",
        "segment-anything",
        "spandrel",
        "compel",
        "facexlib",
    ] {
        assert_eq!(
            answer(absent).unwrap_err(),
            format!("`{absent}` is not in nixpkgs' `python314Packages`")
        );
    }
    assert_eq!(
        answer("insightface").unwrap_err(),
        "`insightface` is in nixpkgs at 0.7.3, but built for Python 3.13 only, not 3.14"
    );
    assert_eq!(
        answer("cupy").unwrap_err(),
        "`cupy` is only in nixpkgs' evaluation of 2025-09-28 (at 13.6.0): on 2026-05-03 nixpkgs built it for no Python (unfree, broken or removed since)"
    );
}
