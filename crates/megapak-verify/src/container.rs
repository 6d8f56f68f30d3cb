//! Running the harness inside the built image: docker with `--gpus all` (the NVIDIA Container
//! Toolkit's runtime hook) or podman with CDI (`--device nvidia.com/gpu=all`).
//!
//! No `NVIDIA_DRIVER_CAPABILITIES` is passed: the image must declare `compute` itself, as it
//! must for its users, and the harness names it when it does not. `/tmp` is a tmpfs: the
//! harness keeps its GPU lock in the temporary folder, and a Nix-built image often has none.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::VerifyError;

/// The program the image runs: the harness's driver, on the image's `PATH`.
pub const IMAGE_HARNESS: &str = "megapak-smoke";

/// A container runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Docker,
    Podman,
}

impl Runtime {
    pub fn program(self) -> &'static str {
        match self {
            Self::Docker => "docker",
            Self::Podman => "podman",
        }
    }
}

/// A program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: String,
    pub args: Vec<String>,
}

impl fmt::Display for CommandLine {
    /// As a shell would need it typed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote(&self.program))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `explicit`, if on `PATH`; else docker, else podman.
pub fn detect(
    explicit: Option<Runtime>,
    path: Option<&OsStr>,
) -> Result<(Runtime, PathBuf), VerifyError> {
    let find = |runtime: Runtime| on_path(runtime.program(), path).map(|p| (runtime, p));
    match explicit {
        Some(runtime) => find(runtime).ok_or(VerifyError::RuntimeNotFound {
            runtime: runtime.program(),
        }),
        None => find(Runtime::Docker)
            .or_else(|| find(Runtime::Podman))
            .ok_or(VerifyError::NoContainerRuntime),
    }
}

/// The first executable file called `program` in `path`.
pub fn on_path(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The command that runs the harness in `image` with a GPU, `env` set in the container
/// (`-e KEY=VALUE`, e.g. `MEGAPAK_CUDA_MAJOR=13`).
pub fn command(
    runtime: Runtime,
    program: &Path,
    image: &str,
    env: &[(String, String)],
    harness_args: &[String],
) -> CommandLine {
    let mut args: Vec<String> = vec!["run".into(), "--rm".into()];
    match runtime {
        Runtime::Docker => args.extend(["--gpus".into(), "all".into()]),
        // CDI names the devices; SELinux hosts need the label off to let the container use them.
        Runtime::Podman => args.extend([
            "--device".into(),
            "nvidia.com/gpu=all".into(),
            "--security-opt=label=disable".into(),
        ]),
    }
    args.extend(["--tmpfs".into(), "/tmp".into()]);
    for (key, value) in env {
        args.extend(["-e".into(), format!("{key}={value}")]);
    }
    // Past any entrypoint of the image (a launcher would take our arguments as its own); `--`
    // so that an image named `-v/:/host` is an image name, never an option of the runtime.
    args.extend([
        "--entrypoint".into(),
        IMAGE_HARNESS.into(),
        "--".into(),
        image.to_owned(),
    ]);
    args.extend(harness_args.iter().cloned());
    CommandLine {
        program: program.display().to_string(),
        args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> Vec<String> {
        crate::smoke_args()
    }

    #[test]
    fn docker_passes_the_gpus_through_the_toolkit() {
        let line = command(
            Runtime::Docker,
            Path::new("/usr/bin/docker"),
            "ghcr.io/acme/comfyui-megapak:2025.11",
            &[],
            &args(),
        );
        insta::assert_snapshot!(line.to_string(), @"/usr/bin/docker run --rm --gpus all --tmpfs /tmp --entrypoint megapak-smoke -- ghcr.io/acme/comfyui-megapak:2025.11 --json --require-gpu");
    }

    #[test]
    fn podman_names_the_gpus_through_cdi() {
        let line = command(
            Runtime::Podman,
            Path::new("/usr/bin/podman"),
            "localhost/comfyui:latest",
            &[crate::cuda_major::var(13)],
            &args(),
        );
        insta::assert_snapshot!(line.to_string(), @"/usr/bin/podman run --rm --device nvidia.com/gpu=all --security-opt=label=disable --tmpfs /tmp -e MEGAPAK_CUDA_MAJOR=13 --entrypoint megapak-smoke -- localhost/comfyui:latest --json --require-gpu");
    }

    #[test]
    fn an_image_that_looks_like_an_option_stays_an_image() {
        for runtime in [Runtime::Docker, Runtime::Podman] {
            let line = command(runtime, Path::new("docker"), "-v/:/host", &[], &args());
            let at = line.args.iter().position(|a| a == "-v/:/host").unwrap();
            assert_eq!(line.args[at - 1], "--", "{line}");
            assert_eq!(line.args.iter().filter(|a| a.starts_with("-v")).count(), 1);
        }
    }

    #[test]
    fn odd_words_are_quoted_for_the_shell() {
        let line = CommandLine {
            program: "docker".into(),
            args: vec!["it's".into(), "a b".into(), String::new()],
        };
        assert_eq!(line.to_string(), r"docker 'it'\''s' 'a b' ''");
    }

    #[test]
    fn docker_is_preferred_and_podman_is_the_fallback() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, "").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        let path = Some(dir.path().as_os_str());
        assert!(matches!(
            detect(None, path),
            Err(VerifyError::NoContainerRuntime)
        ));
        make("podman");
        assert_eq!(detect(None, path).unwrap().0, Runtime::Podman);
        make("docker");
        assert_eq!(detect(None, path).unwrap().0, Runtime::Docker);
        assert_eq!(
            detect(Some(Runtime::Podman), path).unwrap(),
            (Runtime::Podman, dir.path().join("podman"))
        );
        std::fs::write(dir.path().join("not-executable"), "").unwrap();
        assert_eq!(on_path("not-executable", path), None);
    }
}
