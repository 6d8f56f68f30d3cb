//! What a container runtime's failure to start the harness means: no GPU for the container, a
//! driver too old for the image's CUDA, an image that cannot be pulled, an image without the
//! harness. Read from the runtime's exit status (125-127) and stderr, for docker and podman
//! alike. Each failure has a code, the first word of its message:
//!
//! - `runtime-unreachable`: docker's daemon is not running;
//! - `container-no-gpu`: docker has no NVIDIA runtime to give the container a GPU;
//! - `cdi-spec-missing`: podman has no CDI specification for `nvidia.com/gpu`;
//! - `container-toolkit-refused`: the NVIDIA Container Toolkit refused the image, whose
//!   `NVIDIA_REQUIRE_CUDA` asks for a newer CUDA than the host's driver supports;
//! - `image-not-found`: the image is neither here nor in its registry;
//! - `image-lacks-harness`: the image has no `megapak-smoke` on its `PATH`;
//! - `container-failed`: anything else (the runtime's whole stderr is quoted).

use crate::VerifyError;
use crate::container::{IMAGE_HARNESS, Runtime};

/// Messages of a pull that failed (exit 125): the image is neither here nor in its registry (or
/// not reachable as named). docker says "Unable to find image 'x' locally" first; podman
/// "Trying to pull x...", then `Error: initializing source docker://x: reading manifest ...`.
const PULL_FAILURES: [&str; 8] = [
    "pull access denied",
    "manifest unknown",
    "initializing source",
    "reading manifest",
    "repository does not exist",
    "requested access to the resource is denied",
    "did not resolve to an alias",
    "image not known",
];

/// Names a runtime's failure to start the container (exit 125-127 and its stderr).
pub fn diagnose(
    runtime: Runtime,
    code: Option<i32>,
    stderr: &str,
    image: &str,
) -> Option<VerifyError> {
    let error = |code: &'static str, message: String, hint: &str| {
        Some(VerifyError::Container {
            code,
            message,
            hint: hint.to_owned(),
        })
    };
    let said = telling_line(stderr);
    let lower = stderr.to_lowercase();
    if lower.contains("cannot connect to the docker daemon") {
        return error(
            "runtime-unreachable",
            format!("`{}` cannot reach its daemon: {said}", runtime.program()),
            "start the daemon (`sudo systemctl start docker`), or point `DOCKER_HOST` at a running one",
        );
    }
    if lower.contains("could not select device driver") {
        return error(
            "container-no-gpu",
            format!("`docker` cannot give the container a GPU: {said}"),
            "install the NVIDIA Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker` and restart docker",
        );
    }
    if stderr.contains("nvidia.com/gpu")
        && (stderr.contains("CDI") || stderr.contains("unresolvable"))
    {
        return error(
            "cdi-spec-missing",
            format!("`podman` cannot give the container a GPU: {said}"),
            "generate the CDI specification with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (again after each driver update)",
        );
    }
    if matches!(code, Some(125..=127))
        && let Some(condition) = toolkit_refusal(stderr)
    {
        return error(
            "container-toolkit-refused",
            format!(
                "`{}` could not start the container: the NVIDIA Container Toolkit refused the image, `{condition}`",
                runtime.program()
            ),
            &toolkit_hint(condition),
        );
    }
    // Before the harness: the image's own name may contain `megapak-smoke`.
    if code == Some(125) && PULL_FAILURES.iter().any(|m| lower.contains(m)) {
        return error(
            "image-not-found",
            format!(
                "`{}` cannot find the image `{image}`: {said}",
                runtime.program()
            ),
            "build or load the image first (`docker load < result`, `podman load < result`)",
        );
    }
    if lacks_harness(stderr) {
        return error(
            "image-lacks-harness",
            format!("The image `{image}` has no `{IMAGE_HARNESS}` on its `PATH`"),
            "add the flake's `megapak-smoke` package (`nix build .#megapak-smoke`) to the image's `PATH`, or verify on the host with `--host --python-env DIR`",
        );
    }
    if matches!(code, Some(125..=127)) {
        // Nothing known: the whole of what the runtime said, not one line of it.
        return error(
            "container-failed",
            format!(
                "`{}` could not run the container:\n{}",
                runtime.program(),
                whole(stderr)
            ),
            "run the command shown above by hand to try again",
        );
    }
    None
}

/// What the NVIDIA Container Toolkit's prestart hook refused: `unsatisfied condition:
/// cuda>=13.0` from `nvidia-container-cli: requirement error: unsatisfied condition: cuda>=13.0,
/// please update your driver to a newer version, or use an earlier cuda container`.
fn toolkit_refusal(stderr: &str) -> Option<&str> {
    let at = stderr.find("unsatisfied condition:")?;
    if !stderr[..at].contains("nvidia-container-cli") {
        return None;
    }
    let rest = &stderr[at..];
    let end = rest.find([',', '\n', '"']).unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches([':', '.', ' ']))
}

/// What to do about a refused image: a newer driver, or an image for an older CUDA.
fn toolkit_hint(condition: &str) -> String {
    let major = condition
        .split(">=")
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.trim().parse::<u32>().ok());
    let upgrade = match major {
        Some(13) => "upgrade the driver to 580 or newer for CUDA 13".to_owned(),
        Some(12) => "upgrade the driver to 525 or newer for CUDA 12".to_owned(),
        Some(n) => format!("upgrade the driver to one that supports CUDA {n}"),
        None => "upgrade the driver".to_owned(),
    };
    let older = match major {
        Some(n) if n >= 13 => {
            ", or build the image for CUDA 12 (`[target] cuda = \"12.8\"` in megapak.toml)"
        }
        _ => "",
    };
    format!(
        "the host's driver supports an older CUDA than the image's `NVIDIA_REQUIRE_CUDA` (`nvidia-smi` shows the CUDA version the driver supports): {upgrade}{older}\n`NVIDIA_DISABLE_REQUIRE=1` only skips this check: the image's CUDA libraries will still fail on this driver"
    )
}

/// The most lines of a runtime's stderr a message quotes: the end, where the error is.
const MAX_QUOTED_LINES: usize = 40;

/// `stderr` without blank lines or docker's `See 'docker run --help'.`, each line trimmed and
/// indented; past [`MAX_QUOTED_LINES`], the last ones.
fn whole(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_usage_pointer(l))
        .collect();
    let skipped = lines.len().saturating_sub(MAX_QUOTED_LINES);
    let mut text = String::new();
    if skipped > 0 {
        text.push_str(&format!("    ({skipped} lines before)\n"));
    }
    let quoted: Vec<String> = lines[skipped..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect();
    text.push_str(&quoted.join("\n"));
    if quoted.is_empty() {
        text.push_str("    (nothing on stderr)");
    }
    text
}

/// docker's last line after a usage error: `See 'docker run --help'.`
fn is_usage_pointer(line: &str) -> bool {
    line.starts_with("See '") && line.ends_with("--help'.")
}

/// The line that says what went wrong: the last one with `error` (a pull's progress comes
/// before it, docker's "See 'docker run --help'." after), else the last one.
fn telling_line(stderr: &str) -> &str {
    let mut lines = stderr
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_usage_pointer(l));
    lines
        .clone()
        .find(|l| l.to_lowercase().contains("error"))
        .or_else(|| lines.next())
        .unwrap_or("")
}

/// The runtime found no `megapak-smoke` on the image's `PATH`: docker and runc say `exec:
/// "megapak-smoke": executable file not found in $PATH`, crun names it in backticks (executable
/// file \`megapak-smoke\` not found in $PATH). A harness that exists but cannot start (its ELF
/// interpreter missing: `exec /…/megapak-smoke: no such file or directory`) is not this.
fn lacks_harness(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        line.contains(IMAGE_HARNESS)
            && line.contains("executable file")
            && line.contains("not found")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_docker_daemon_that_is_down_is_named_not_hidden() {
        let stderr = "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n\nSee 'docker run --help'.\n";
        let err = diagnose(Runtime::Docker, Some(125), stderr, "img").unwrap();
        insta::assert_snapshot!(err.printed(), @r"
        runtime-unreachable: `docker` cannot reach its daemon: docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?
        hint: start the daemon (`sudo systemctl start docker`), or point `DOCKER_HOST` at a running one
        ");
    }

    #[test]
    fn an_unknown_failure_quotes_all_of_stderr() {
        let stderr = "Unable to find image 'img:1' locally\nlatest: Pulling from img\ndocker: some new failure\nwith a second line\n\nSee 'docker run --help'.\n";
        let err = diagnose(Runtime::Docker, Some(125), stderr, "img:1").unwrap();
        insta::assert_snapshot!(err.printed(), @r"
        container-failed: `docker` could not run the container:
            Unable to find image 'img:1' locally
            latest: Pulling from img
            docker: some new failure
            with a second line
        hint: run the command shown above by hand to try again
        ");
        let long: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let err = diagnose(Runtime::Podman, Some(126), &long, "img:1")
            .unwrap()
            .printed();
        assert!(
            err.contains("    (60 lines before)\n    line 60\n"),
            "{err}"
        );
        assert!(err.contains("    line 99\nhint:"), "{err}");
    }

    #[test]
    fn runtime_failures_get_hints() {
        let docker = "docker: Error response from daemon: could not select device driver \"\" with capabilities: [[gpu]].";
        let err = diagnose(Runtime::Docker, Some(125), docker, "img")
            .unwrap()
            .printed();
        assert!(
            err.contains("hint: install the NVIDIA Container Toolkit"),
            "{err}"
        );
        let podman = "Error: setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=all";
        let err = diagnose(Runtime::Podman, Some(126), podman, "img")
            .unwrap()
            .printed();
        assert!(
            err.contains("hint: generate the CDI specification"),
            "{err}"
        );
        let missing = "docker: Error response from daemon: failed to create task: exec: \"megapak-smoke\": executable file not found in $PATH";
        let err = diagnose(Runtime::Docker, Some(127), missing, "img")
            .unwrap()
            .printed();
        assert!(
            err.starts_with(
                "image-lacks-harness: The image `img` has no `megapak-smoke` on its `PATH`"
            ),
            "{err}"
        );
        assert!(
            err.contains("hint: add the flake's `megapak-smoke` package"),
            "{err}"
        );
        assert!(
            diagnose(Runtime::Docker, Some(1), "cuda: FAIL no-driver: ...", "img").is_none(),
            "a failing check is not a runtime error"
        );
    }

    /// `docker run` of an image that is neither here nor in its registry.
    const DOCKER_PULL_FAILED: &str = "Unable to find image 'ghcr.io/acme/comfyui-megapak:2025.11' locally
docker: Error response from daemon: manifest for ghcr.io/acme/comfyui-megapak:2025.11 not found: manifest unknown: manifest unknown.
See 'docker run --help'.
";

    /// `podman run` of the same.
    const PODMAN_PULL_FAILED: &str = "Trying to pull ghcr.io/acme/comfyui-megapak:2025.11...
Error: initializing source docker://ghcr.io/acme/comfyui-megapak:2025.11: reading manifest 2025.11 in ghcr.io/acme/comfyui-megapak: manifest unknown
";

    #[test]
    fn a_failed_pull_shows_the_error_line_not_the_progress() {
        for (runtime, stderr, said) in [
            (
                Runtime::Docker,
                DOCKER_PULL_FAILED,
                "docker: Error response from daemon: manifest for ghcr.io/acme/comfyui-megapak:2025.11 not found: manifest unknown: manifest unknown.",
            ),
            (
                Runtime::Podman,
                PODMAN_PULL_FAILED,
                "Error: initializing source docker://ghcr.io/acme/comfyui-megapak:2025.11: reading manifest 2025.11 in ghcr.io/acme/comfyui-megapak: manifest unknown",
            ),
        ] {
            let err = diagnose(
                runtime,
                Some(125),
                stderr,
                "ghcr.io/acme/comfyui-megapak:2025.11",
            )
            .unwrap()
            .printed();
            assert_eq!(
                err,
                format!(
                    "image-not-found: `{}` cannot find the image `ghcr.io/acme/comfyui-megapak:2025.11`: {said}\nhint: build or load the image first (`docker load < result`, `podman load < result`)",
                    runtime.program()
                )
            );
        }
    }

    #[test]
    fn podman_pull_failures_of_every_kind_are_a_missing_image() {
        for stderr in [
            "Trying to pull docker.io/acme/img:1...\nError: initializing source docker://acme/img:1: reading manifest 1 in docker.io/acme/img: requested access to the resource is denied\n",
            "Trying to pull localhost/comfyui:latest...\nError: initializing source docker://localhost/comfyui:latest: pinging container registry localhost: Get \"https://localhost/v2/\": dial tcp [::1]:443: connect: connection refused\n",
            "Error: short-name \"comfyui\" did not resolve to an alias and no unqualified-search registries are defined in \"/etc/containers/registries.conf\"\n",
        ] {
            let err = diagnose(Runtime::Podman, Some(125), stderr, "img")
                .unwrap()
                .printed();
            assert!(
                err.starts_with("image-not-found: `podman` cannot find the image `img`: Error: "),
                "{err}"
            );
        }
    }

    #[test]
    fn an_image_named_after_the_harness_that_cannot_be_pulled_is_a_missing_image() {
        let stderr = "Unable to find image 'acme/megapak-smoke-test:1' locally
docker: Error response from daemon: pull access denied for acme/megapak-smoke-test, repository does not exist or may require 'docker login': denied: requested access to the resource is denied.
See 'docker run --help'.
";
        let err = diagnose(
            Runtime::Docker,
            Some(125),
            stderr,
            "acme/megapak-smoke-test:1",
        )
        .unwrap()
        .printed();
        assert!(
            err.starts_with("image-not-found: `docker` cannot find the image `acme/megapak-smoke-test:1`: docker: Error response from daemon: pull access denied"),
            "{err}"
        );
    }

    #[test]
    fn both_runtimes_name_a_harness_missing_from_the_image() {
        for (runtime, stderr) in [
            (
                Runtime::Docker,
                "Unable to find image 'acme/img:1' locally\n1: Pulling from acme/img\nStatus: Downloaded newer image for acme/img:1\ndocker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"megapak-smoke\": executable file not found in $PATH: unknown.\n",
            ),
            (
                Runtime::Podman,
                "Error: crun: executable file `megapak-smoke` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found\n",
            ),
        ] {
            let err = diagnose(runtime, Some(127), stderr, "acme/img:1")
                .unwrap()
                .printed();
            assert!(
                err.starts_with("image-lacks-harness: The image `acme/img:1` has no `megapak-smoke` on its `PATH`\nhint: add the flake's `megapak-smoke` package (`nix build .#megapak-smoke`) to the image's `PATH`"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_harness_that_cannot_start_is_not_a_missing_one() {
        let stderr = "Error: crun: exec container process `/nix/store/abc-megapak-smoke-0.1.0/bin/megapak-smoke`: No such file or directory: OCI runtime attempted to invoke a command that was not found\n";
        let err = diagnose(Runtime::Podman, Some(127), stderr, "img")
            .unwrap()
            .printed();
        assert!(
            err.starts_with("container-failed: `podman` could not run the container:\n    Error: crun: exec container process `/nix/store/abc-megapak-smoke-0.1.0/bin/megapak-smoke`: No such file or directory"),
            "{err}"
        );
    }

    /// docker's words when the NVIDIA Container Toolkit refuses a CUDA 13 image on a host
    /// whose driver supports CUDA 12 only (the prestart hook checks `NVIDIA_REQUIRE_CUDA`).
    const DOCKER_TOOLKIT_REFUSED: &str = "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running prestart hook #0: exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'
nvidia-container-cli: requirement error: unsatisfied condition: cuda>=13.0, please update your driver to a newer version, or use an earlier cuda container: unknown.
";

    #[test]
    fn a_driver_too_old_for_the_image_is_named_by_the_toolkit_s_condition() {
        let err = diagnose(Runtime::Docker, Some(125), DOCKER_TOOLKIT_REFUSED, "img:1").unwrap();
        assert_eq!(err.code(), Some("container-toolkit-refused"));
        insta::assert_snapshot!(err.printed(), @r#"
        container-toolkit-refused: `docker` could not start the container: the NVIDIA Container Toolkit refused the image, `unsatisfied condition: cuda>=13.0`
        hint: the host's driver supports an older CUDA than the image's `NVIDIA_REQUIRE_CUDA` (`nvidia-smi` shows the CUDA version the driver supports): upgrade the driver to 580 or newer for CUDA 13, or build the image for CUDA 12 (`[target] cuda = "12.8"` in megapak.toml)
        hint: `NVIDIA_DISABLE_REQUIRE=1` only skips this check: the image's CUDA libraries will still fail on this driver
        "#);
        let err = diagnose(Runtime::Docker, Some(127), DOCKER_TOOLKIT_REFUSED, "img:1").unwrap();
        assert_eq!(err.code(), Some("container-toolkit-refused"));
        let cuda12 = DOCKER_TOOLKIT_REFUSED.replace("cuda>=13.0", "cuda>=12.8");
        let err = diagnose(Runtime::Podman, Some(126), &cuda12, "img:1")
            .unwrap()
            .printed();
        assert!(err.contains("`unsatisfied condition: cuda>=12.8`"), "{err}");
        assert!(
            err.contains("upgrade the driver to 525 or newer for CUDA 12\n"),
            "no older CUDA to suggest: {err}"
        );
        assert!(
            diagnose(Runtime::Docker, Some(1), DOCKER_TOOLKIT_REFUSED, "img:1").is_none(),
            "only the runtime's own failures"
        );
    }
}
