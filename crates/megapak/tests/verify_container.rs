//! `megapak verify --gpu --image` with fake `docker`/`podman` on `PATH`, the Kubernetes Job, and
//! the command line's own checks.

mod verify_support;

use verify_support::{megapak, passing_report, script};

#[test]
fn docker_runs_the_image_harness_with_every_gpu() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(
        &bin.join("docker"),
        &format!(
            "printf '%s\\n' \"$@\" > '{}/args'\n/bin/cat '{}'",
            dir.path().display(),
            passing_report(dir.path()).display()
        ),
    );
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--image",
            "ghcr.io/acme/comfyui-megapak:2025.11",
        ],
        &[("PATH", bin.to_str().unwrap())],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "run",
            "--rm",
            "--gpus",
            "all",
            "--tmpfs",
            "/tmp",
            "--entrypoint",
            "megapak-smoke",
            "--",
            "ghcr.io/acme/comfyui-megapak:2025.11",
            "--json",
            "--require-gpu"
        ]
    );
    assert!(
        ran.stdout.starts_with(
            "GPU verification of `ghcr.io/acme/comfyui-megapak:2025.11` (megapak-smoke 0.1.0)\n"
        ),
        "{}",
        ran.stdout
    );
    let transcript = ran.transcript(dir.path());
    assert!(transcript.contains("Running `[TMP]/bin/docker run --rm --gpus all --tmpfs /tmp --entrypoint megapak-smoke -- ghcr.io/acme/comfyui-megapak:2025.11 --json --require-gpu`\n"), "{transcript}");
}

#[test]
fn podman_without_a_cdi_spec_gets_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(
        &bin.join("podman"),
        "echo 'Error: setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=all' >&2; exit 126",
    );
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--image",
            "localhost/comfyui:latest",
            "--runtime",
            "podman",
        ],
        &[("PATH", bin.to_str().unwrap())],
    );
    assert_eq!(ran.code, 1);
    insta::assert_snapshot!(ran.transcript(dir.path()));
}

#[test]
fn an_image_podman_cannot_pull_gets_the_error_line_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(
        &bin.join("podman"),
        "echo 'Trying to pull ghcr.io/acme/comfyui-megapak:2025.11...' >&2\necho 'Error: initializing source docker://ghcr.io/acme/comfyui-megapak:2025.11: reading manifest 2025.11 in ghcr.io/acme/comfyui-megapak: manifest unknown' >&2\nexit 125",
    );
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--image",
            "ghcr.io/acme/comfyui-megapak:2025.11",
        ],
        &[("PATH", bin.to_str().unwrap())],
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.ends_with("error: image-not-found: `podman` cannot find the image `ghcr.io/acme/comfyui-megapak:2025.11`: Error: initializing source docker://ghcr.io/acme/comfyui-megapak:2025.11: reading manifest 2025.11 in ghcr.io/acme/comfyui-megapak: manifest unknown\nhint: build or load the image first (`docker load < result`, `podman load < result`)\n"),
        "{}",
        ran.stderr
    );
}

#[test]
fn without_docker_or_podman_the_host_is_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let ran = megapak(
        &["verify", "--gpu", "--image", "img"],
        &[("PATH", dir.path().to_str().unwrap())],
    );
    assert_eq!(ran.code, 1);
    assert_eq!(
        ran.stderr,
        "error: Neither `docker` nor `podman` is on `PATH`\nhint: install one of them, or verify on this machine with `--host --python-env DIR`\n"
    );
}

#[test]
fn the_kubernetes_job_goes_to_stdout_or_a_file() {
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--image",
            "ghcr.io/acme/comfyui-megapak:2025.11",
            "--emit-k8s-job",
            "-",
        ],
        &[],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    insta::assert_snapshot!(ran.stdout);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.yaml");
    let ran = megapak(
        &[
            "verify",
            "--gpu",
            "--image",
            "ghcr.io/acme/comfyui-megapak:2025.11",
            "--emit-k8s-job",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("              nvidia.com/gpu: 1\n")
    );
    assert_eq!(
        ran.transcript(dir.path()),
        "exit: 0\n--- stdout\n--- stderr\nWrote the Kubernetes Job `megapak-verify-comfyui-megapak-2025-11-fe48d4b8` to `[TMP]/job.yaml`; run it with `kubectl apply -f [TMP]/job.yaml`\n"
    );
}

#[test]
fn the_command_line_is_checked_before_anything_runs() {
    let ran = megapak(&["verify", "--gpu", "--emit-k8s-job", "job.yaml"], &[]);
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("--image <NAME>"), "{}", ran.stderr);
    let ran = megapak(&["verify", "--host"], &[]);
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("--gpu"), "{}", ran.stderr);
    let ran = megapak(&["verify", "--gpu", "--host", "--image", "img"], &[]);
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("cannot be used with"), "{}", ran.stderr);
    let ran = megapak(&["verify", "--gpu"], &[]);
    assert_eq!(
        (ran.code, ran.stderr.as_str()),
        (
            1,
            "error: Say where to verify: `--host` or `--image NAME`\nhint: on this machine: `megapak verify --gpu --host --python-env /path/to/venv`\n"
        )
    );
}

#[test]
fn the_job_takes_a_runtime_class_and_refuses_one_that_is_no_name() {
    let base = ["verify", "--gpu", "--image", "img:1", "--emit-k8s-job", "-"];
    let with = |more: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(more);
        megapak(&args, &[])
    };
    let ran = with(&["--runtime-class", "nvidia", "--memory", "16Gi"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("runtimeClassName: \"nvidia\""),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("memory: \"16Gi\""), "{}", ran.stdout);
    let refused = with(&["--runtime-class", "NVIDIA runtime"]);
    assert_eq!(refused.code, 1);
    insta::assert_snapshot!(refused.stderr, @r"
    error: `NVIDIA runtime` is not a valid RuntimeClass name
    hint: a RuntimeClass name is lower-case letters, digits, `-` and `.`: `kubectl get runtimeclass` lists them
    ");
}
