//! Providers in order, fallthrough, overrides, borrowed dependencies, batching.

use megapak_plugin_abi::wire::{CandidatesOutcome, Dependencies, Found, Source};
use megapak_solve::{FixtureProvider, Provider, SolveError};

use crate::helpers::{override_of, report, run, run_with, table};

#[test]
fn the_first_provider_with_a_fitting_version_wins_and_a_later_one_fills_in() {
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with("numpy", "2.3.4", &[])
        .with("pillow", "11.3.0", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with("numpy", "1.26.4", &[])
        .with("numpy", "2.3.5", &[])
        .with("pillow", "12.0.0", &[])
        .with("insightface", "0.7.3", &["numpy<2"])
        .with("decord", "0.6.0", &["numpy>=1.14"]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    // nixpkgs' numpy misses `<2`: PyPI's 1.26.4; pillow from nixpkgs although PyPI is newer;
    // decord is not in nixpkgs.
    let resolution = run("insightface\npillow\ndecord\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    decord 0.6.0 pypi -> numpy @ paks/pak5.txt:3:1
    insightface 0.7.3 pypi -> numpy @ paks/pak5.txt:1:1
    numpy 1.26.4 pypi <- decord insightface
    pillow 11.3.0 nixpkgs @ paks/pak5.txt:2:1
    ");
    let nix = &resolution.packages[3];
    assert!(matches!(&nix.source, Source::Nixpkgs { attribute, .. } if attribute == "pillow"));
}

#[test]
fn candidates_are_asked_in_batches_and_details_prefetched() {
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with("numpy", "2.3.4", &[])
        .with("scipy", "1.16.2", &["numpy>=1.25"]);
    let pypi = FixtureProvider::new("pypi")
        .with("app", "1.0", &["numpy", "scipy", "tqdm", "requests"])
        .with("tqdm", "4.67.1", &[])
        .with("requests", "2.32.5", &["idna", "urllib3"])
        .with("idna", "3.11", &[])
        .with("urllib3", "2.5.0", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    run("app\n", &providers).unwrap();
    insta::assert_snapshot!(nixpkgs.calls().join("\n"), @r"
    candidates app
    candidates numpy requests scipy tqdm
    details numpy 2.3.4 scipy 1.16.2
    candidates idna urllib3
    ");
    insta::assert_snapshot!(pypi.calls().join("\n"), @r"
    candidates app
    details app 1.0
    candidates requests tqdm
    details requests 2.32.5 tqdm 4.67.1
    candidates idna urllib3
    details idna 3.11 urllib3 2.5.0
    ");
}

#[test]
fn an_override_pins_the_provider_the_version_or_skips() {
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with("torch", "2.9.1", &["numpy"])
        .with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with("torch", "2.10.0", &["numpy", "triton==3.5.0"])
        .with("triton", "3.5.0", &[])
        .with("numpy", "2.3.4", &[])
        .with("numpy", "2.2.6", &[])
        .with("onnx", "1.19.0", &["numpy", "protobuf>=4"])
        .with("protobuf", "6.33.0", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let torch = megapak_config::Override {
        provider: Some("pypi".to_owned()),
        ..override_of("torch")
    };
    let numpy = megapak_config::Override {
        version: Some("2.2.6".to_owned()),
        ..override_of("numpy")
    };
    let protobuf = megapak_config::Override {
        skip: true,
        reason: Some("the image brings its own".to_owned()),
        ..override_of("protobuf")
    };
    let resolution = run_with("torch\nonnx\n", &[torch, numpy, protobuf], &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    numpy 2.2.6 pypi <- onnx torch
    onnx 1.19.0 pypi -> numpy @ paks/pak5.txt:2:1
    torch 2.10.0 pypi -> numpy triton @ paks/pak5.txt:1:1
    triton 3.5.0 pypi <- torch
    skipped protobuf: the image brings its own
    ");
}

#[test]
fn an_override_naming_a_resolver_not_asked_is_refused() {
    let pypi = FixtureProvider::new("pypi").with("torch", "2.10.0", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let torch = megapak_config::Override {
        provider: Some("nixpgks".to_owned()),
        ..override_of("torch")
    };
    let error = run_with("torch\n", &[torch], &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
    `[[override]]` of `torch` (megapak.toml line 7) names resolver `nixpgks`, which is not among the resolvers asked: `pypi`
    hint: Add the resolver to `[resolvers] order`, or correct the override's `provider`
    ");
}

#[test]
fn unknown_dependencies_are_borrowed_from_the_next_provider() {
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with_unknown(
            "onnxruntime-gpu",
            "1.24.4",
            "The snapshot has no dependency lists",
        )
        .with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with(
            "onnxruntime-gpu",
            "1.24.4",
            &["numpy>=1.21", "protobuf", "flatbuffers"],
        )
        .with("protobuf", "6.33.0", &[])
        .with("flatbuffers", "25.9.23", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let resolution = run("onnxruntime-gpu\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    flatbuffers 25.9.23 pypi <- onnxruntime-gpu
    numpy 2.3.4 nixpkgs <- onnxruntime-gpu
    onnxruntime-gpu 1.24.4 nixpkgs -> flatbuffers numpy protobuf (dependencies from pypi) @ paks/pak5.txt:1:1
    protobuf 6.33.0 pypi <- onnxruntime-gpu
    ");
}

#[test]
fn unknown_dependencies_no_provider_knows_are_locked_as_none_and_said() {
    // An sdist that declares its dependencies only when built (`func-timeout` 4.3.5): no
    // resolver can know them. The version is taken, with none, and the lock says so.
    let nixpkgs = FixtureProvider::new("nixpkgs").with_unknown(
        "func-timeout",
        "4.3.5",
        "The snapshot has no dependency lists",
    );
    let pypi = FixtureProvider::new("pypi").with_unknown(
        "func-timeout",
        "4.3.5",
        "The sdist `func_timeout-4.3.5.tar.gz` declares its dependencies only when it is built",
    );
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let resolution = run("func-timeout\n", &providers).unwrap();
    let package = resolution.get(&"func-timeout".parse().unwrap()).unwrap();
    assert!(package.dependencies.is_empty());
    assert_eq!(package.dependencies_from, None);
    insta::assert_snapshot!(package.notes.join("\n"), @"Dependencies unknown to every resolver (The snapshot has no dependency lists): none were locked; name what it needs in a pak file if its build or import fails");
}

#[test]
fn a_not_found_answer_falls_through_and_a_direct_reference_is_handed_on() {
    let custom = FixtureProvider::new("custom-wheel")
        .with_details(
            "clip",
            "1.0",
            Found::new(
                Source::Git {
                    url: "https://github.com/openai/CLIP".to_owned(),
                    rev: "dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1".to_owned(),
                    hash: "sha256-Xa5nYmCDRpsEGYyMNpmXPCGl5ceJFSp6dmPxWmpRSSs=".to_owned(),
                    submodules: false,
                    subdirectory: None,
                },
                Dependencies::known(["ftfy", "regex"]),
            ),
        )
        .answering(
            "ftfy",
            CandidatesOutcome::NotFound {
                reason: "`ftfy` is no direct reference".to_owned(),
            },
        );
    let pypi = FixtureProvider::new("pypi")
        .with("ftfy", "6.3.1", &[])
        .with("regex", "2025.10.23", &[]);
    let providers: [&dyn Provider; 2] = [&custom, &pypi];
    let resolution = run(
        "git+https://github.com/openai/CLIP.git#egg=clip\n",
        &providers,
    )
    .unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    clip 1.0 custom-wheel -> ftfy regex @ paks/pak5.txt:1:1
    ftfy 6.3.1 pypi <- clip
    regex 2025.10.23 pypi <- clip
    ");
    assert!(matches!(resolution.packages[0].source, Source::Git { .. }));
}

#[test]
fn an_unknown_provider_error_is_a_solve_error() {
    let pypi = FixtureProvider::new("pypi");
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("nothing-here\n", &providers).unwrap_err();
    assert!(matches!(error, SolveError::NoSolution { .. }), "{error:?}");
}

#[test]
fn a_direct_reference_is_not_substituted_by_a_later_providers_registry_package() {
    let custom = FixtureProvider::new("custom-wheel").with("clip", "1.0", &[]);
    // PyPI's `clip` is another project of the same name.
    let pypi = FixtureProvider::new("pypi")
        .with("clip", "0.2.0", &[])
        .with("needs-clip", "1.0", &["clip>=2"]);
    let providers: [&dyn Provider; 2] = [&custom, &pypi];
    let error = run(
        "git+https://github.com/openai/CLIP.git#egg=clip\nneeds-clip\n",
        &providers,
    )
    .unwrap_err();
    insta::assert_snapshot!(report(&error));
}

#[test]
fn a_nixpkgs_closure_holds_one_version_of_each_name() {
    // nixpkgs' opencv brings numpy 2.3.4: PyPI's newer numpy is not taken beside it.
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with("opencv-python", "4.12.0", &["numpy==2.3.4"])
        .with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with("numpy", "2.4.1", &[])
        .with("scikit-image", "0.25.2", &["numpy>=1.24"]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let resolution = run("numpy>=2.4\nscikit-image\n", &providers);
    let together = run("opencv-python\nscikit-image\n", &providers).unwrap();
    insta::assert_snapshot!(table(&together), @r"
    numpy 2.3.4 nixpkgs <- opencv-python scikit-image
    opencv-python 4.12.0 nixpkgs -> numpy @ paks/pak5.txt:1:1
    scikit-image 0.25.2 pypi -> numpy @ paks/pak5.txt:2:1
    ");
    assert!(
        resolution.is_ok(),
        "without opencv, PyPI's numpy 2.4.1 fits"
    );
}

#[test]
fn unknown_dependencies_are_borrowed_in_batches() {
    // A snapshot without dependency lists: every nixpkgs package borrows from PyPI, and the
    // closure is still asked for level by level.
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with_unknown("app", "1.0", "no lists")
        .with_unknown("numpy", "2.3.4", "no lists")
        .with_unknown("scipy", "1.16.2", "no lists")
        .with_unknown("pillow", "11.3.0", "no lists");
    let pypi = FixtureProvider::new("pypi")
        .with("app", "1.0", &["scipy", "pillow"])
        .with("scipy", "1.16.2", &["numpy>=1.25"])
        .with("numpy", "2.3.4", &[])
        .with("pillow", "11.3.0", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let resolution = run("app\n", &providers).unwrap();
    insta::assert_snapshot!(
        format!("{}--\n{}\n--\n{}", table(&resolution), nixpkgs.calls().join("\n"), pypi.calls().join("\n")),
        @r"
    app 1.0 nixpkgs -> pillow scipy (dependencies from pypi) @ paks/pak5.txt:1:1
    numpy 2.3.4 nixpkgs (dependencies from pypi) <- scipy
    pillow 11.3.0 nixpkgs (dependencies from pypi) <- app
    scipy 1.16.2 nixpkgs -> numpy (dependencies from pypi) <- app
    --
    candidates app
    details app 1.0
    candidates pillow scipy
    details pillow 11.3.0 scipy 1.16.2
    candidates numpy
    details numpy 2.3.4
    --
    candidates app
    details app 1.0
    candidates pillow scipy
    details pillow 11.3.0 scipy 1.16.2
    candidates numpy
    details numpy 2.3.4
    "
    );
}

#[test]
fn a_conflict_through_borrowed_dependencies_says_whose_they_are() {
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with_unknown("onnxruntime-gpu", "1.24.4", "no lists")
        .with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi").with("onnxruntime-gpu", "1.24.4", &["numpy<2"]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let error = run("onnxruntime-gpu\nnumpy>=2\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r#"
    No set of versions satisfies the pak files:
      `paks/pak5.txt:2` asks for `numpy>=2`
      nixpkgs' `onnxruntime-gpu` 1.24.4 (its dependencies as pypi gives them) needs `numpy<2`
      `paks/pak5.txt:1` asks for `onnxruntime-gpu`
      so `paks/pak5.txt:1`, `paks/pak5.txt:2` cannot all hold
    hint: Pin a version or a resolver of `numpy`, `onnxruntime-gpu` with an `[[override]]` in megapak.toml (`version = "..."`, `provider = "..."`, or `attr = "..."` for another nixpkgs attribute)
    hint: Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver
    "#);
}

#[test]
fn a_nixpkgs_package_borrows_no_nvidia_wheels() {
    // PyPI's torch needs the CUDA runtime as `nvidia-*` wheels; nixpkgs' torch links its own
    // CUDA package set: borrowing them would put a second CUDA in the image.
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with_unknown("torch", "2.10.0", "The snapshot has no dependency lists")
        .with("filelock", "3.20.0", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with(
            "torch",
            "2.10.0",
            &[
                "filelock",
                "cuda-bindings==12.9.4; platform_system == 'Linux'",
                "nvidia-cublas-cu12==12.8.4.1; platform_system == 'Linux'",
                "nvidia-cudnn-cu12==9.10.2.21; platform_system == 'Linux'",
            ],
        )
        .with("nvidia-cublas-cu12", "12.8.4.1", &[])
        .with("nvidia-cudnn-cu12", "9.10.2.21", &["nvidia-cublas-cu12"])
        .with("cuda-bindings", "12.9.4", &[])
        .with("filelock", "3.20.0", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let resolution = run("torch\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    filelock 3.20.0 nixpkgs <- torch
    torch 2.10.0 nixpkgs -> filelock (dependencies from pypi) @ paks/pak5.txt:1:1
    ");
    let torch = resolution.get(&"torch".parse().unwrap()).unwrap();
    insta::assert_snapshot!(torch.notes.join("\n"), @"Borrowed dependencies without `cuda-bindings`, `nvidia-cublas-cu12`, `nvidia-cudnn-cu12`: nixpkgs builds it against its CUDA package set");

    // A PyPI torch keeps them: they are its CUDA.
    let resolution = run("torch\n", &[&pypi as &dyn Provider]).unwrap();
    assert!(
        resolution
            .get(&"nvidia-cudnn-cu12".parse().unwrap())
            .is_some()
    );
}

#[test]
fn stepping_down_through_versions_asks_for_several_at_once() {
    // Every `app` 2.x needs `helper>=2`, but the pak pins `helper==1`: PubGrub steps down
    // through the ten 2.x versions to 1.0. Their details come in batches, not one call each.
    let mut pypi = FixtureProvider::new("pypi")
        .with("helper", "1.0", &[])
        .with("app", "1.0", &["helper"]);
    for minor in 0..10 {
        pypi = pypi.with("app", &format!("2.{minor}"), &["helper>=2"]);
    }
    let resolution = run("app\nhelper==1.0\n", &[&pypi as &dyn Provider]).unwrap();
    let app = resolution.get(&"app".parse().unwrap()).unwrap();
    assert_eq!(app.version, "1.0");
    let details_calls = pypi
        .calls()
        .iter()
        .filter(|call| call.starts_with("details"))
        .count();
    assert!(details_calls <= 4, "{:?}", pypi.calls());
}
