//! `megapak-smoke` with the real checks on a machine without a GPU, and with stand-in checks
//! (shell scripts) for the endings a real check cannot be made to have here.

use megapak_harness_test_support::{Run, binary, cuda_lib, onnxruntime, torch_lib, write_script};

fn smoke() -> Run {
    // The real checks sit beside `megapak-smoke` in the target folder.
    for check in ["check-cuda", "check-torch", "check-ort"] {
        binary(check);
    }
    Run::new(env!("CARGO_BIN_EXE_megapak-smoke"))
}

/// Everything the checks need, as `megapak verify --host` would set it.
fn with_libraries(run: Run) -> Run {
    run.lib_dir(torch_lib())
        .lib_dir(cuda_lib())
        .env("ORT_DYLIB_PATH", onnxruntime("1.31.1"))
        .args(["--nvrtc-dir"])
        .args([cuda_lib()])
}

fn statuses(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["diagnosis"]["code"].as_str().unwrap_or("none").to_owned(),
            )
        })
        .collect()
}

fn triple(name: &str, status: &str, code: &str) -> (String, String, String) {
    (name.into(), status.into(), code.into())
}

#[test]
fn every_cpu_part_passes_on_ci() {
    let ran = with_libraries(smoke()).args(["--cpu-only", "--json"]).run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let json = ran.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["passed"], true);
    assert_eq!(
        statuses(&json),
        [
            triple("cuda", "passed", "none"),
            triple("torch", "passed", "none"),
            triple("ort", "passed", "none")
        ]
    );
    for check in json["checks"].as_array().unwrap() {
        assert!(
            check["seconds"].as_f64().unwrap() > 0.0,
            "the driver timed each process: {check}"
        );
    }
}

#[test]
fn without_a_gpu_each_check_says_why() {
    let ran = with_libraries(smoke()).args(["--json"]).run();
    assert_eq!(ran.code, Some(1));
    let json = ran.json();
    assert_eq!(json["status"], "failed");
    assert_eq!(
        statuses(&json),
        [
            triple("cuda", "skipped", "no-driver"),
            triple("torch", "failed", "cuda-libraries-missing"),
            triple("ort", "failed", "onnxruntime-cpu-only")
        ]
    );
    assert!(
        ran.stderr.contains(
            "cuda: skip no-driver: The NVIDIA driver library `libcuda.so.1` could not be loaded"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_skip_alone_exits_3_and_fails_under_require_gpu() {
    let ran = with_libraries(smoke()).args(["--checks", "cuda"]).run();
    assert_eq!(ran.code, Some(3), "{}", ran.stdout);
    assert!(ran.stdout.contains("cuda   skip"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("skip: 0 passed, 0 failed, 1 skipped"),
        "{}",
        ran.stdout
    );
    let ran = with_libraries(smoke())
        .args(["--checks", "cuda", "--require-gpu", "--json"])
        .run();
    assert_eq!(ran.code, Some(1));
    assert_eq!(
        statuses(&ran.json()),
        [triple("cuda", "failed", "no-driver")]
    );
}

#[test]
fn a_missing_libtorch_does_not_hide_the_other_checks() {
    let ran = smoke()
        .lib_dir(cuda_lib())
        .env("ORT_DYLIB_PATH", onnxruntime("1.31.1"))
        .args(["--cpu-only", "--json", "--nvrtc-dir"])
        .args([cuda_lib()])
        .run();
    assert_eq!(ran.code, Some(1));
    let json = ran.json();
    assert_eq!(
        statuses(&json),
        [
            triple("cuda", "passed", "none"),
            triple("torch", "failed", "libtorch-missing"),
            triple("ort", "passed", "none")
        ]
    );
    assert_eq!(
        json["checks"][1]["diagnosis"]["message"],
        "`check-torch` could not start: libtorch (`libtorch_cpu.so`) is not on the loader's path"
    );
}

/// A check's report saying `passed` with `figures` (JSON members, without braces).
fn passed(name: &str, figures: &str) -> String {
    format!(
        r#"{{"name":"{name}","status":"passed","passed":true,"seconds":0.01,"figures":{{{figures}}},"steps":[],"diagnosis":null}}"#
    )
}

/// Every GPU figure `cuda` needs for a pass.
const CUDA_FIGURES: &str =
    r#""copy_gb_per_s":50.0,"copy_verified_bytes":268435456,"verified_elements":1048576"#;

/// A folder of stand-in checks: `cuda` passes with every GPU figure and reports the lock it was
/// given, `torch` and `ort` as set.
fn fake_checks(torch: &str, ort: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        &dir.path().join("check-cuda"),
        &format!(
            "echo '{}'",
            passed(
                "cuda",
                &format!(r#"{CUDA_FIGURES},"lock":"'"$MEGAPAK_GPU_LOCK"'""#)
            )
        ),
    );
    write_script(&dir.path().join("check-torch"), torch);
    write_script(&dir.path().join("check-ort"), ort);
    dir
}

#[test]
fn a_libtorch_of_another_version_fails_at_link_time() {
    let torch = "echo 'check-torch: symbol lookup error: check-torch: undefined symbol: _ZN3c1013MessageLoggerC1EPKcii' >&2; exit 127";
    let dir = fake_checks(torch, "exit 0");
    let ran = smoke()
        .args(["--json", "--bin-dir"])
        .args([dir.path()])
        .run();
    let json = ran.json();
    assert_eq!(
        statuses(&json)[1],
        triple("torch", "failed", "libtorch-version-mismatch")
    );
    assert!(
        json["checks"][1]["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .ends_with("undefined symbol: _ZN3c1013MessageLoggerC1EPKcii")
    );
    assert_eq!(
        statuses(&json)[2],
        triple("ort", "failed", "check-crashed"),
        "no report is a failure, whatever the status"
    );
}

#[test]
fn crashes_time_outs_and_missing_checks_are_named() {
    let dir = fake_checks("echo 'Segmentation fault' >&2; kill -SEGV $$", "sleep 30");
    let ran = smoke()
        .args(["--json", "--timeout", "1", "--bin-dir"])
        .args([dir.path()])
        .run();
    let json = ran.json();
    assert_eq!(
        statuses(&json),
        [
            triple("cuda", "passed", "none"),
            triple("torch", "failed", "check-crashed"),
            triple("ort", "failed", "check-timed-out")
        ]
    );
    assert_eq!(
        json["checks"][1]["diagnosis"]["message"],
        "`check-torch` was killed by signal 11 without a report; its last words: Segmentation fault"
    );
    let lock = json["checks"][0]["figures"]["lock"].as_str().unwrap();
    assert!(
        lock.contains("megapak-smoke-") && lock.ends_with(".lock"),
        "the checks share a GPU lock: {lock}"
    );

    std::fs::remove_file(dir.path().join("check-ort")).unwrap();
    let ran = smoke()
        .args(["--json", "--checks", "ort", "--bin-dir"])
        .args([dir.path()])
        .run();
    assert_eq!(
        statuses(&ran.json()),
        [triple("ort", "failed", "check-missing")]
    );
}

#[test]
fn the_table_is_for_people() {
    let dir = fake_checks("exit 0", "exit 0");
    let ran = smoke()
        .args(["--checks", "cuda", "--bin-dir"])
        .args([dir.path()])
        .run();
    assert_eq!(ran.code, Some(0));
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(lines[0].starts_with("cuda   pass "), "{}", ran.stdout);
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with("lock ")),
        "{}",
        ran.stdout
    );
    let end = lines.len();
    assert_eq!(lines[end - 2], "pass: 1 passed, 0 failed, 0 skipped");
    assert!(
        lines[end - 1].starts_with("megapak-smoke: ")
            && lines[end - 1].ends_with(" s from start to report")
    );
}

/// `megapak-smoke --json --checks cuda` with `check-cuda` running `body`.
fn smoke_with_cuda(body: &str, extra: &[&str]) -> (serde_json::Value, Option<i32>) {
    let dir = fake_checks("exit 0", "exit 0");
    write_script(&dir.path().join("check-cuda"), body);
    let ran = smoke()
        .args(["--json", "--checks", "cuda", "--bin-dir"])
        .args([dir.path()])
        .args(extra)
        .run();
    (ran.json(), ran.code)
}

#[test]
fn a_pass_followed_by_exit_1_is_a_failure_with_its_figures_kept() {
    let body = format!("echo '{}'; exit 1", passed("cuda", CUDA_FIGURES));
    let (json, code) = smoke_with_cuda(&body, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        statuses(&json),
        [triple("cuda", "failed", "check-exit-contradicts")]
    );
    assert_eq!(
        json["checks"][0]["diagnosis"]["message"],
        "`check-cuda` reported `passed` but exited with status 1; a check whose ending and report disagree has not passed"
    );
    assert_eq!(json["checks"][0]["figures"]["copy_gb_per_s"], 50.0);
}

#[test]
fn a_pass_followed_by_a_signal_is_a_failure() {
    let body = format!("echo '{}'; kill -9 $$", passed("cuda", CUDA_FIGURES));
    let (json, code) = smoke_with_cuda(&body, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        statuses(&json),
        [triple("cuda", "failed", "check-exit-contradicts")]
    );
    assert_eq!(
        json["checks"][0]["diagnosis"]["message"],
        "`check-cuda` reported `passed` but was killed by signal 9; a check whose ending and report disagree has not passed"
    );
}

#[test]
fn a_pass_without_a_gpu_figure_is_a_failure_except_cpu_only() {
    let figures = r#""copy_verified_bytes":268435456,"verified_elements":1048576"#;
    let body = format!("echo '{}'", passed("cuda", figures));
    let (json, code) = smoke_with_cuda(&body, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        statuses(&json),
        [triple("cuda", "failed", "figure-missing")]
    );
    assert_eq!(
        json["checks"][0]["diagnosis"]["message"],
        "The `cuda` check reported a pass without `copy_gb_per_s`"
    );
    let (json, code) = smoke_with_cuda(&body, &["--cpu-only"]);
    assert_eq!(code, Some(0));
    assert_eq!(statuses(&json), [triple("cuda", "passed", "none")]);
}

#[test]
fn cpu_only_with_require_gpu_is_a_usage_error() {
    let ran = smoke().args(["--cpu-only", "--require-gpu"]).run();
    assert_eq!(ran.code, Some(2), "{}", ran.stdout);
    assert!(
        ran.stderr
            .starts_with("error: `--cpu-only` and `--require-gpu` contradict each other"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "no check ran: {}", ran.stdout);
}

#[test]
fn the_cuda_major_is_passed_to_every_check() {
    let dir = tempfile::tempdir().unwrap();
    for check in ["cuda", "torch", "ort"] {
        write_script(
            &dir.path().join(format!("check-{check}")),
            &format!(
                "printf '%s\\n' \"$@\" > '{}/args-{check}'; echo '{}'; exit 3",
                dir.path().display(),
                r#"{"name":"x","status":"skipped","passed":false,"seconds":0.01,"figures":{},"steps":[],"diagnosis":{"code":"no-driver","message":"m","hint":"h"}}"#
            ),
        );
    }
    let ran = smoke()
        .args(["--json", "--cuda-major", "12", "--bin-dir"])
        .args([dir.path()])
        .env("MEGAPAK_CUDA_MAJOR", "13")
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    for check in ["cuda", "torch", "ort"] {
        let args = std::fs::read_to_string(dir.path().join(format!("args-{check}"))).unwrap();
        assert!(
            args.ends_with("--cuda-major\n12\n"),
            "the option wins over the variable: {check}: {args}"
        );
    }
}
