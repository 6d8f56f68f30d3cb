//! `load` pipes a stream script's stdout (what `streamLayeredImage` builds) into `docker load`,
//! and reads a plain file (what `buildImage` builds) into it: checked with a fake `docker` that
//! keeps what it was given.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use megapak_image::LoadError;
use megapak_image::load::load;

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A `docker` that writes its stdin to `received` and answers as docker does.
fn fake_docker(dir: &Path) -> PathBuf {
    let received = dir.join("received");
    script(
        dir,
        "docker",
        &format!(
            "[ \"$1\" = load ] || exit 64\ncat > '{}'\necho 'Loaded image: comfyui-megapak:latest'",
            received.display()
        ),
    )
}

#[test]
fn a_stream_script_is_piped_into_load() {
    let dir = tempfile::tempdir().unwrap();
    let docker = fake_docker(dir.path());
    let stream = script(dir.path(), "stream", "printf 'layer-1\\nlayer-2\\n'");
    let loaded = load(&stream, &docker).unwrap();
    assert_eq!(loaded.images, ["comfyui-megapak:latest"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("received")).unwrap(),
        "layer-1\nlayer-2\n"
    );
}

#[test]
fn a_tarball_is_read_into_load() {
    let dir = tempfile::tempdir().unwrap();
    let docker = fake_docker(dir.path());
    let tarball = dir.path().join("image.tar");
    std::fs::write(&tarball, b"tar-bytes").unwrap();
    load(&tarball, &docker).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("received")).unwrap(),
        b"tar-bytes"
    );
}

#[test]
fn a_failing_stream_and_a_failing_load_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let docker = fake_docker(dir.path());
    let stream = script(dir.path(), "stream", "echo 'cannot read layer' >&2; exit 4");
    let err = load(&stream, &docker).unwrap_err();
    assert!(matches!(err, LoadError::Stream { .. }), "{err:?}");
    assert!(err.to_string().ends_with(":\ncannot read layer"), "{err}");

    let down = script(
        dir.path(),
        "docker-down",
        "cat > /dev/null; echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1",
    );
    let stream = script(dir.path(), "stream2", "echo bytes");
    let err = load(&stream, &down).unwrap_err();
    assert!(matches!(err, LoadError::Load { .. }), "{err:?}");
    assert!(
        megapak_types::Hint::hint(&err)
            .unwrap()
            .contains("--runtime podman")
    );
}
