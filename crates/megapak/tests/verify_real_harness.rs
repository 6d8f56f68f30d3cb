//! `megapak verify --gpu --host` with the real harness on a machine without a GPU: the outcome
//! CI can show. `image-tests/ci.sh` runs this with `MEGAPAK_HARNESS_DIR` set to the harness it
//! built and the libraries it fetched (`.libtorch`, `.onnxruntime`); elsewhere it says why it
//! does nothing, unless `MEGAPAK_REQUIRE_REAL_HARNESS=1` makes that a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn harness_dir() -> Option<PathBuf> {
    match std::env::var_os("MEGAPAK_HARNESS_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None if std::env::var_os("MEGAPAK_REQUIRE_REAL_HARNESS").is_some() => {
            panic!("`MEGAPAK_HARNESS_DIR` is not set")
        }
        None => {
            // The reason shows with `--nocapture`; the test passes, having checked nothing.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: `MEGAPAK_HARNESS_DIR` is not set; `bash image-tests/ci.sh` builds the harness and runs this test"
            );
            None
        }
    }
}

#[test]
fn without_a_gpu_the_real_harness_fails_with_named_diagnoses() {
    let Some(harness) = harness_dir() else { return };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_megapak"))
        .args(["verify", "--gpu", "--host", "--json", "--harness-dir"])
        .arg(&harness)
        // Order matters: the first environment's onnxruntime wins.
        .arg("--python-env")
        .arg(repo.join(".onnxruntime/1.31.1"))
        .arg("--python-env")
        .arg(repo.join(".libtorch"))
        .env_remove("LD_LIBRARY_PATH")
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", "/nonexistent")
        .output()
        .expect("megapak runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let verdicts: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    c["status"].as_str().unwrap(),
                    c["diagnosis"]["code"].as_str().unwrap_or("none")
                ),
            )
        })
        .collect();
    let expected = [
        ("cuda", "failed no-driver"),
        ("torch", "failed cuda-libraries-missing"),
        ("ort", "failed onnxruntime-cpu-only"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(
        verdicts, expected,
        "a skip counts as a failure under `megapak verify --gpu`"
    );
    assert_eq!(report["require_gpu"], true);
    assert_eq!(
        report["checks"][0]["figures"]["nvrtc"], "13.0",
        "NVRTC came from the Python environment"
    );
    assert!(stderr.contains("error: GPU verification of this machine failed: cuda failed (no-driver), torch failed (cuda-libraries-missing), ort failed (onnxruntime-cpu-only)"), "{stderr}");
}
