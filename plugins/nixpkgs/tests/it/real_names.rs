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
