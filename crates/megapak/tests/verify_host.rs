//! `megapak verify --gpu --host` with a fake harness: the environment the harness gets from
//! Python environments, the exit status, and that a machine without a GPU is a clear failure.

mod verify_support;

use verify_support::{
    fake_harness, fake_venv, megapak, no_gpu_report, passing_report, symlinked_harness,
};

#[test]
fn no_gpu_on_the_host_is_a_failure_with_each_reason() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(
        dir.path(),
        &format!("/bin/cat '{}'; exit 1", no_gpu_report().display()),
    );
    let venv = fake_venv(dir.path());
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--python-env",
            venv.to_str().unwrap(),
            "--harness-dir",
            harness.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    insta::assert_snapshot!(ran.transcript(dir.path()));

    // The harness was asked to count a skip as a failure, told where its checks are, and got
    // the venv's libraries.
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args,
        format!("--json\n--require-gpu\n--bin-dir\n{}\n", harness.display())
    );
    let env = std::fs::read_to_string(dir.path().join("env")).unwrap();
    let site = venv
        .canonicalize()
        .unwrap()
        .join("lib/python3.12/site-packages");
    let line = |key: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(str::to_owned)
    };
    assert_eq!(
        line("LD_LIBRARY_PATH"),
        Some(format!(
            "{0}/torch/lib:{0}/nvidia/cu13/lib:{0}/nvidia/cudnn/lib",
            site.display()
        ))
    );
    assert_eq!(
        line("ORT_DYLIB_PATH"),
        Some(format!(
            "{}/onnxruntime/capi/libonnxruntime.so.1.31.1",
            site.display()
        ))
    );
    assert_eq!(
        line("MEGAPAK_NVRTC_DIR"),
        Some(format!("{}/nvidia/cu13/lib", site.display()))
    );
}

#[test]
fn every_check_passing_is_a_success_and_json_is_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(
        dir.path(),
        &format!("/bin/cat '{}'", passing_report(dir.path()).display()),
    );
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(report["passed"], true);
    assert_eq!(report["checks"].as_array().unwrap().len(), 3);
}

#[test]
fn a_harness_of_links_to_binaries_in_different_folders_finds_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let harness = symlinked_harness(dir.path(), &passing_report(dir.path()));
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
        ],
        &[],
    );
    let transcript = ran.transcript(dir.path());
    assert_eq!(ran.code, 0, "{transcript}");
    assert!(
        transcript.contains("Running `[TMP]/profile/bin/megapak-smoke --json --require-gpu --bin-dir [TMP]/profile/bin` on this machine\n"),
        "{transcript}"
    );
}

#[test]
fn a_harness_that_prints_something_else_is_shown_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(dir.path(), "echo 'cuda   pass   0.42 s'; exit 0");
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    let transcript = ran.transcript(dir.path());
    assert!(
        transcript.contains("error: `[TMP]/harness/megapak-smoke` ended (exit status 0) with something other than the JSON report megapak expects: cuda pass 0.42 s\n"),
        "{transcript}"
    );
    assert!(
        transcript.contains(
            "hint: run the command above by hand; use a harness of the same megapak release\n"
        ),
        "{transcript}"
    );
}

#[test]
fn a_harness_that_writes_no_report_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(
        dir.path(),
        "echo 'check-torch: error while loading shared libraries: libc10.so' >&2; exit 2",
    );
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    let transcript = ran.transcript(dir.path());
    assert!(
        transcript.contains("error: `[TMP]/harness/megapak-smoke` ended (exit status 2) without a report; its last words: check-torch: error while loading shared libraries: libc10.so\n"),
        "{transcript}"
    );
}

#[test]
fn a_missing_harness_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    insta::assert_snapshot!(ran.transcript(dir.path()));
}

#[test]
fn a_venv_without_site_packages_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(dir.path(), "exit 0");
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
            "--python-env",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.starts_with("error: No `site-packages` under `"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("hint: pass the Python environment's prefix"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_venv_with_nothing_the_harness_uses_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let harness = fake_harness(dir.path(), "exit 0");
    let site = dir.path().join("venv/lib/python3.12/site-packages");
    std::fs::create_dir_all(site.join("requests")).unwrap();
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--harness-dir",
            harness.to_str().unwrap(),
            "--python-env",
            dir.path().join("venv").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 1);
    assert_eq!(
        ran.transcript(dir.path()),
        "exit: 1\n--- stdout\n--- stderr\nerror: `[TMP]/venv` has nothing the harness uses: no `torch/lib`, no `nvidia/*/lib` and no `onnxruntime/capi/libonnxruntime.so.*` in `[TMP]/venv/lib/python3.12/site-packages`\nhint: pass the environment where `torch`, the `nvidia-*` CUDA packages or `onnxruntime-gpu` are installed (its prefix or its `site-packages`)\n"
    );
    assert!(!dir.path().join("args").exists(), "the harness did not run");
}
