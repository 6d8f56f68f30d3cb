//! What a container runtime's failure to start the harness means: no GPU for the container, an
//! image that cannot be pulled, an image without the harness. Read from the runtime's exit
//! status (125-127) and stderr, for docker and podman alike.

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
    let error = |message: String, hint: &str| {
        Some(VerifyError::Container {
            message,
            hint: hint.to_owned(),
        })
    };
    let said = telling_line(stderr);
    let lower = stderr.to_lowercase();
    if lower.contains("cannot connect to the docker daemon") {
        return error(
            format!("`{}` cannot reach its daemon: {said}", runtime.program()),
            "start the daemon (`sudo systemctl start docker`), or point `DOCKER_HOST` at a running one",
        );
    }
    if lower.contains("could not select device driver") {
        return error(
            format!("`docker` cannot give the container a GPU: {said}"),
            "install the NVIDIA Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker` and restart docker",
        );
    }
    if stderr.contains("nvidia.com/gpu")
        && (stderr.contains("CDI") || stderr.contains("unresolvable"))
    {
        return error(
            format!("`podman` cannot give the container a GPU: {said}"),
            "generate the CDI specification with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (again after each driver update)",
        );
    }
    // Before the harness: the image's own name may contain `megapak-smoke`.
    if code == Some(125) && PULL_FAILURES.iter().any(|m| lower.contains(m)) {
        return error(
            format!(
                "`{}` cannot find the image `{image}`: {said}",
                runtime.program()
            ),
            "build or load the image first (`docker load < result`, `podman load < result`)",
        );
    }
    if lacks_harness(stderr) {
        return error(
            format!("The image `{image}` has no `{IMAGE_HARNESS}` on its `PATH`"),
            "add the flake's `megapak-smoke` package (`nix build .#megapak-smoke`) to the image's `PATH`, or verify on the host with `--host --python-env DIR`",
        );
    }
    if matches!(code, Some(125..=127)) {
        // Nothing known: the whole of what the runtime said, not one line of it.
        return error(
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
        `docker` cannot reach its daemon: docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?
        hint: start the daemon (`sudo systemctl start docker`), or point `DOCKER_HOST` at a running one
        ");
    }

    #[test]
    fn an_unknown_failure_quotes_all_of_stderr() {
        let stderr = "Unable to find image 'img:1' locally\nlatest: Pulling from img\ndocker: some new failure\nwith a second line\n\nSee 'docker run --help'.\n";
        let err = diagnose(Runtime::Docker, Some(125), stderr, "img:1").unwrap();
        insta::assert_snapshot!(err.printed(), @r"
        `docker` could not run the container:
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
            err.starts_with("The image `img` has no `megapak-smoke` on its `PATH`"),
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
                    "`{}` cannot find the image `ghcr.io/acme/comfyui-megapak:2025.11`: {said}\nhint: build or load the image first (`docker load < result`, `podman load < result`)",
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
                err.starts_with("`podman` cannot find the image `img`: Error: "),
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
            err.starts_with("`docker` cannot find the image `acme/megapak-smoke-test:1`: docker: Error response from daemon: pull access denied"),
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
                err.starts_with("The image `acme/img:1` has no `megapak-smoke` on its `PATH`\nhint: add the flake's `megapak-smoke` package (`nix build .#megapak-smoke`) to the image's `PATH`"),
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
            err.starts_with("`podman` could not run the container:\n    Error: crun: exec container process `/nix/store/abc-megapak-smoke-0.1.0/bin/megapak-smoke`: No such file or directory"),
            "{err}"
        );
    }
}
