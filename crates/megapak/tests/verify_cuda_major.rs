//! `megapak verify --gpu` tells the harness the image's CUDA major (`MEGAPAK_CUDA_MAJOR`): from
//! `--cuda-major N`, else from `[target] cuda` of the workspace's `megapak.toml`; on the host
//! (the harness's environment), in a container (`-e`) and in the Kubernetes Job (`env`).

mod verify_support;

use std::path::Path;

use verify_support::{fake_harness, fake_venv, megapak, megapak_in, passing_report, script};

/// A workspace folder whose `megapak.toml` has `[target] cuda = cuda` (none when `None`).
fn workspace(dir: &Path, cuda: Option<&str>) -> std::path::PathBuf {
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let cuda = cuda
        .map(|c| format!("cuda = \"{c}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        ws.join("megapak.toml"),
        format!("paks = []\n\n[target]\npython = \"3.12\"\n{cuda}"),
    )
    .unwrap();
    ws
}

/// A `docker` on `DIR/bin` that records its arguments in `DIR/args` and prints a passing report.
fn fake_docker(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(
        &bin.join("docker"),
        &format!(
            "printf '%s\\n' \"$@\" > '{}/args'\n/bin/cat '{}'",
            dir.display(),
            passing_report(dir).display()
        ),
    );
    bin
}

#[test]
fn the_host_harness_gets_the_major_of_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let report = passing_report(dir.path());
    let harness = fake_harness(dir.path(), &format!("/bin/cat '{}'", report.display()));
    let venv = fake_venv(dir.path());
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--host",
            "--cuda-major",
            "13",
            "--harness-dir",
            harness.to_str().unwrap(),
            "--python-env",
            venv.to_str().unwrap(),
        ],
        &[("MEGAPAK_CUDA_MAJOR", "12")],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let env = std::fs::read_to_string(dir.path().join("env")).unwrap();
    assert!(
        env.lines().any(|l| l == "MEGAPAK_CUDA_MAJOR=13"),
        "the option wins over an inherited variable: {env}"
    );
}

#[test]
fn the_container_gets_the_major_of_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_docker(dir.path());
    let ws = workspace(dir.path(), Some("12.8"));
    let ran = megapak_in(
        &ws,
        &["verify", "--gpu", "--image", "img:1"],
        &[("PATH", bin.to_str().unwrap())],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let at = args.iter().position(|a| *a == "-e").unwrap();
    assert_eq!(args[at + 1], "MEGAPAK_CUDA_MAJOR=12", "{args:?}");
    assert!(at < args.iter().position(|a| *a == "img:1").unwrap());
    assert!(
        ran.stderr.starts_with(
            "The image is for CUDA 12 (`[target] cuda` of `megapak.toml`): the harness checks for it\n"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_job_gets_the_major_of_the_named_configuration() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path(), Some("13.0"));
    let ran = megapak_in(
        dir.path(),
        &[
            "verify",
            "--gpu",
            "--image",
            "img:1",
            "--emit-k8s-job",
            "-",
            "-c",
            "ws/megapak.toml",
        ],
        &[],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains(
            "          env:\n            - name: \"MEGAPAK_CUDA_MAJOR\"\n              value: \"13\"\n"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn without_a_cuda_target_nothing_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_docker(dir.path());
    let ws = workspace(dir.path(), None);
    let ran = megapak_in(
        &ws,
        &["verify", "--gpu", "--image", "img:1"],
        &[("PATH", bin.to_str().unwrap())],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert!(!args.contains("MEGAPAK_CUDA_MAJOR"), "{args}");
}

#[test]
fn a_major_the_harness_does_not_know_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), Some("11.8"));
    let ran = megapak_in(
        &ws,
        &["verify", "--gpu", "--image", "img:1", "--emit-k8s-job", "-"],
        &[],
    );
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert!(
        ran.stderr.contains(
            "The GPU harness checks CUDA 12 and 13 images; `11.8` is neither (from `[target] cuda` of `megapak.toml`)\nhint: pass the image's CUDA major with `--cuda-major 12` or `--cuda-major 13`"
        ),
        "{}",
        ran.stderr
    );
    let ran = megapak(
        &["verify", "--gpu", "--image", "img:1", "--cuda-major", "11"],
        &[],
    );
    assert_ne!(ran.code, 0);
    assert!(
        ran.stderr
            .contains("invalid value '11' for '--cuda-major <N>': 11 is not in 12..=13"),
        "{}",
        ran.stderr
    );
}
