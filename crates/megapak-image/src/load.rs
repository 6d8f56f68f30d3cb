//! `--load`: the image into docker or podman without a tarball on disk. A
//! `streamLayeredImage` output is a script that writes the image to stdout: its stdout becomes
//! `docker load`'s stdin. Any other output (a `buildImage` tarball) is read into it as a file.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::LoadError;

/// What `load` said it loaded: `Loaded image: NAME:TAG` lines, names only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub images: Vec<String>,
}

/// Loads the image at `image` with `program` (`docker` or `podman`, as found on `PATH`).
pub fn load(image: &Path, program: &Path) -> Result<Loaded, LoadError> {
    let metadata = fs_err::metadata(image).map_err(|source| LoadError::Read {
        path: image.to_path_buf(),
        source,
    })?;
    let is_stream = metadata.is_file() && metadata.permissions().mode() & 0o111 != 0;
    let mut stream = None;
    let input = if is_stream {
        let mut stream_command = Command::new(image);
        crate::process::end_with_this_thread(&mut stream_command);
        let mut child = stream_command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| LoadError::Spawn {
                program: image.to_path_buf(),
                source,
            })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        stream = Some((child, drain(stderr)));
        Stdio::from(stdout)
    } else {
        Stdio::from(
            fs_err::File::open(image)
                .map_err(|source| LoadError::Read {
                    path: image.to_path_buf(),
                    source,
                })?
                .into_parts()
                .0,
        )
    };
    let mut load_command = Command::new(program);
    crate::process::end_with_this_thread(&mut load_command);
    let output = load_command
        .arg("load")
        .stdin(input)
        .output()
        .map_err(|source| LoadError::Spawn {
            program: program.to_path_buf(),
            source,
        })?;
    if let Some((mut child, stderr)) = stream {
        let status = child.wait().map_err(|source| LoadError::Spawn {
            program: image.to_path_buf(),
            source,
        })?;
        let stderr = stderr.join().unwrap_or_default();
        // A load that failed first makes the stream fail with a broken pipe: report the load.
        if !status.success() && output.status.success() {
            return Err(LoadError::Stream {
                path: image.to_path_buf(),
                status,
                stderr: tail(&stderr),
            });
        }
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(LoadError::Load {
            program: program.to_path_buf(),
            status: output.status,
            stderr: tail(&format!("{stdout}{stderr}")),
        });
    }
    Ok(Loaded {
        images: loaded_images(&stdout),
    })
}

fn drain(mut stderr: std::process::ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

fn tail(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(crate::log::strip_ansi).collect();
    lines[lines.len().saturating_sub(20)..].to_vec()
}

/// docker: `Loaded image: name:tag` (or `Loaded image ID: sha256:…`); podman:
/// `Loaded image: localhost/name:tag` (older: `Loaded image(s): a,b`).
pub fn loaded_images(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| {
            line.strip_prefix("Loaded image: ")
                .or_else(|| line.strip_prefix("Loaded image(s): "))
                .or_else(|| line.strip_prefix("Loaded image ID: "))
        })
        .flat_map(|names| names.split(','))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_and_podman_answers_give_the_image_names() {
        assert_eq!(
            loaded_images("Loaded image: comfyui-megapak:latest\n"),
            ["comfyui-megapak:latest"]
        );
        assert_eq!(
            loaded_images(
                "Getting image source signatures\nLoaded image(s): localhost/a:1,localhost/b:2\n"
            ),
            ["localhost/a:1", "localhost/b:2"]
        );
        assert_eq!(
            loaded_images("Loaded image ID: sha256:abc\n"),
            ["sha256:abc"]
        );
    }
}
