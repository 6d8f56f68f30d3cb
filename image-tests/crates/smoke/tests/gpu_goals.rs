//! `image-tests/gpu-goals.py`: the goals table of a GPU run is computed from its raw files
//! (`tests/data/gpu-run/`, synthetic), and `--check` catches a table typed by hand, in a test
//! file and in `docs/gpu-runs.md` itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use megapak_harness_test_support::repo_root;

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn goals(args: &[&Path]) -> Ran {
    let output = Command::new("python3")
        .arg(repo_root().join("image-tests/gpu-goals.py"))
        .args(args)
        .output()
        .expect("python3 runs (CI has Python 3.11)");
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn synthetic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gpu-run")
}

/// The synthetic run copied to `dir/name`.
fn copy_of_synthetic(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(synthetic()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

fn row(stdout: &str, goal: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("| {goal} |")))
        .unwrap_or_else(|| panic!("no row `{goal}` in:\n{stdout}"))
        .to_owned()
}

#[test]
fn the_synthetic_run_meets_every_goal_but_the_copy() {
    let ran = goals(&[&synthetic()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let out = &ran.stdout;
    assert_eq!(
        row(out, "every check passed, in every run"),
        "| every check passed, in every run | runs 1-4: cuda, torch, ort passed | all pass | met |"
    );
    assert_eq!(
        row(out, "process start to report, warm (median of runs 2-4)"),
        "| process start to report, warm (median of runs 2-4) | 0.92 s (runs 1-4: 2.31 0.95 0.92 0.90) | <= 1.0 s | met |"
    );
    assert_eq!(
        row(out, "process start to report, cold (run 1)"),
        "| process start to report, cold (run 1) | 2.31 s | <= 2.5 s | met |"
    );
    assert_eq!(
        row(out, "tch bf16 8192³ matmul vs PyTorch (median of runs 2-4)"),
        "| tch bf16 8192³ matmul vs PyTorch (median of runs 2-4) | 785 / 800 TFLOP/s = 98.1 % | >= 90 % | met |"
    );
    assert_eq!(
        row(
            out,
            "copy kernel vs PyTorch `copy_` (1 GiB, median of runs 2-4)"
        ),
        "| copy kernel vs PyTorch `copy_` (1 GiB, median of runs 2-4) | 3500 / 4200 GB/s = 83.3 % | >= 90 % | **NOT MET** |"
    );
    assert!(
        out.contains(
            "\n**Goals NOT MET:** copy kernel vs PyTorch `copy_` (1 GiB, median of runs 2-4).\n"
        ),
        "{out}"
    );
    // Where the time goes: the median of the warm runs, longest phase first.
    let torch: Vec<&str> = out.lines().filter(|l| l.starts_with("| torch |")).collect();
    assert_eq!(
        torch,
        [
            "| torch | load | 0.300 | 0.900 0.310 0.300 0.290 |",
            "| torch | cublas_init | 0.120 | 0.200 0.120 0.110 0.130 |",
            "| torch | matmul | 0.040 | 0.050 0.040 0.040 0.040 |",
            "| torch | (whole process) | 0.700 | 1.600 0.700 0.680 0.710 |",
        ]
    );
}

#[test]
fn a_check_that_failed_in_one_run_fails_the_time_goals_too() {
    let dir = tempfile::tempdir().unwrap();
    let run = copy_of_synthetic(dir.path(), "run");
    let path = run.join("verify-3.json");
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    report["passed"] = false.into();
    report["checks"][1]["status"] = "failed".into();
    report["checks"][1]["diagnosis"] =
        serde_json::json!({"code": "check-exit-contradicts", "message": "m", "hint": "h"});
    std::fs::write(&path, report.to_string()).unwrap();
    std::fs::remove_file(run.join("verify-4.json")).unwrap();
    let ran = goals(&[&run]);
    assert_eq!(
        row(&ran.stdout, "every check passed, in every run"),
        "| every check passed, in every run | run 3: torch failed (check-exit-contradicts); run 4: no report | all pass | **NOT MET** |"
    );
    assert!(
        row(
            &ran.stdout,
            "process start to report, warm (median of runs 2-4)"
        )
        .ends_with("| **NOT MET** |"),
        "{}",
        ran.stdout
    );
    assert!(
        row(
            &ran.stdout,
            "copy kernel vs PyTorch `copy_` (1 GiB, median of runs 2-4)"
        )
        .contains("| ? / 4200 GB/s |"),
        "a run without a report has no figure: {}",
        ran.stdout
    );
}

#[test]
fn a_goals_table_typed_by_hand_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    copy_of_synthetic(&dir.path().join("gpu-runs"), "2026-01-01-synthetic");
    let doc = dir.path().join("gpu-runs.md");
    std::fs::write(
        &doc,
        "# Runs\n\n<!-- gpu-goals: gpu-runs/2026-01-01-synthetic -->\n<!-- /gpu-goals -->\n\nAfter.\n",
    )
    .unwrap();
    assert_eq!(goals(&[Path::new("--check"), &doc]).code, Some(1));
    assert_eq!(goals(&[Path::new("--update"), &doc]).code, Some(0));
    let ran = goals(&[Path::new("--check"), &doc]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(text.ends_with("<!-- /gpu-goals -->\n\nAfter.\n"), "{text}");
    assert!(
        text.contains(
            &goals(&[&synthetic()])
                .stdout
                .replace("`gpu-run/`", "`2026-01-01-synthetic/`")
        )
    );

    std::fs::write(
        &doc,
        text.replace("83.3 % | >= 90 % | **NOT MET**", "93.3 % | >= 90 % | met"),
    )
    .unwrap();
    let ran = goals(&[Path::new("--check"), &doc]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains(
            "gpu-runs/2026-01-01-synthetic: the table differs from what its raw files give"
        ),
        "{}",
        ran.stderr
    );

    std::fs::write(&doc, "# Runs\n\nNo table.\n").unwrap();
    let ran = goals(&[Path::new("--check"), &doc]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr
            .contains("2026-01-01-synthetic: a run folder without a goals table"),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_goals_tables_of_docs_gpu_runs_are_computed_from_their_files() {
    let ran = goals(&[Path::new("--check"), &repo_root().join("docs/gpu-runs.md")]);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
}
