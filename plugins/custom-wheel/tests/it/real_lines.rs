//! The six `git+https://` lines of the real cu130 pak files (`pak7.txt`), read by
//! megapak-requirements and resolved against local repositories of the same owners and names:
//! github.com is not reachable from this project's machines, so `https://github.com/` is mapped
//! to a folder (as git's `url.<base>.insteadOf` would). The repositories are shaped like the real
//! projects (a `setup.py` reading `requirements.txt` for CLIP, `pyproject.toml` for the others),
//! not copies of them.

use std::path::Path;

use megapak_plugin_abi::wire::{
    CandidatesOutcome, CandidatesQuery, DetailsOutcome, DetailsQuery, DirectReference, Source,
};
use megapak_plugin_custom_wheel::CustomWheelResolver;
use megapak_plugin_custom_wheel::git::nar::nar_sri;
use megapak_plugin_testing::Harness;
use megapak_requirements::{EntrySource, read_requirements_file};

use crate::support::{self, git, nix_hash};

/// The files of a replica of `repository` (`openai/CLIP.git`).
fn project(repository: &str) -> Vec<(&'static str, String)> {
    let pyproject = |name: &str, version: &str, dependencies: &str| {
        vec![(
            "pyproject.toml",
            format!(
                "[project]\nname = \"{name}\"\nversion = \"{version}\"\ndependencies = [{dependencies}]\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"
            ),
        )]
    };
    match repository {
        "openai/CLIP.git" => vec![
            (
                "setup.py",
                "import os\n\nimport pkg_resources\nfrom setuptools import setup, find_packages\n\nsetup(\n    name=\"clip\",\n    py_modules=[\"clip\"],\n    version=\"1.0\",\n    description=\"\",\n    author=\"OpenAI\",\n    packages=find_packages(exclude=[\"tests*\"]),\n    install_requires=[\n        str(r)\n        for r in pkg_resources.parse_requirements(\n            open(os.path.join(os.path.dirname(__file__), \"requirements.txt\"))\n        )\n    ],\n    include_package_data=True,\n)\n".into(),
            ),
            ("requirements.txt", "ftfy\npackaging\nregex\ntqdm\ntorch\ntorchvision\n".into()),
        ],
        "cozy-comfyui/cozy_comfyui" => pyproject("cozy_comfyui", "0.0.39", "\"aiohttp\", \"numpy\""),
        "cozy-comfyui/cozy_comfy" => pyproject("cozy_comfy", "0.0.11", "\"cozy_comfyui\""),
        "ltdrdata/cstr.git" => pyproject("cstr", "0.1.0", ""),
        "ltdrdata/ffmpy.git" => pyproject("ffmpy", "0.3.0", ""),
        "ltdrdata/img2texture.git" => pyproject("img2texture", "1.0.6", "\"numpy\", \"pillow\""),
        other => panic!("no replica of `{other}`"),
    }
}

fn replica(root: &Path, repository: &str) {
    let dir = root.join("github.com").join(repository);
    fs_err::create_dir_all(&dir).unwrap();
    for (file, text) in project(repository) {
        fs_err::write(dir.join(file), text).unwrap();
    }
    git(&dir, &["init", "--quiet", "--initial-branch=main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "--quiet", "-m", "first"]);
}

#[test]
fn the_six_git_lines_of_the_real_pak_files_resolve_with_nix_hashes() {
    let pak = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/real/comfyui-megapak-cu130/pak7.txt");
    let file = read_requirements_file(&pak).unwrap();
    let root = tempfile::tempdir().unwrap();
    let base = format!("file://{}/github.com/", root.path().display());
    let mut candidates = support::candidates(
        root.path(),
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n",
        &[],
    );
    let mut details = support::details(
        root.path(),
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n",
        &[],
    );
    for entry in &file.entries {
        let EntrySource::Vcs(vcs) = &entry.source else {
            continue;
        };
        let repository = vcs.url.strip_prefix("https://github.com/").unwrap();
        replica(root.path(), repository);
        let direct = DirectReference::Git {
            url: vcs.url.replace("https://github.com/", &base),
            rev: vcs.rev.clone(),
            subdirectory: vcs.subdirectory.clone(),
        };
        candidates.packages.push(CandidatesQuery {
            name: entry.name.to_string(),
            specifiers: None,
            direct: Some(direct.clone()),
        });
        details.packages.push(DetailsQuery {
            name: entry.name.to_string(),
            version: String::new(),
            direct: Some(direct),
        });
    }
    assert_eq!(candidates.packages.len(), 6);
    let harness = Harness::new(CustomWheelResolver::default());
    let answers = harness.candidates(&candidates).unwrap();
    for (query, answer) in details.packages.iter_mut().zip(&answers.packages) {
        let CandidatesOutcome::Found { versions, .. } = &answer.outcome else {
            panic!("{answer:?}");
        };
        query.version = versions[0].version.clone();
    }
    let answers = harness.details(&details).unwrap();
    let mut table = Vec::new();
    for answer in &answers.packages {
        let DetailsOutcome::Found(found) = &answer.outcome else {
            panic!("{answer:?}");
        };
        let Source::Git {
            url,
            rev,
            hash,
            submodules,
            ..
        } = &found.source
        else {
            panic!("{found:?}");
        };
        let scratch = tempfile::tempdir().unwrap();
        let tree = scratch.path().join("tree");
        git(
            scratch.path(),
            &["clone", "--quiet", url, tree.to_str().unwrap()],
        );
        git(&tree, &["checkout", "--quiet", rev]);
        fs_err::remove_dir_all(tree.join(".git")).unwrap();
        assert_eq!(hash, &nar_sri(&tree).unwrap(), "{}", answer.name);
        if let Some(nix) = nix_hash(&tree) {
            assert_eq!(hash, &nix, "{}", answer.name);
        }
        table.push(format!(
            "{} {} submodules={submodules} dependencies={:?} build-system={:?}",
            answer.name, answer.version, found.dependencies, found.build_system
        ));
    }
    insta::assert_snapshot!(table.join("\n"));
}
