//! `megapak build` against a real Nix (Debian's nix-bin, 2.8, offline): tiny `/bin/sh`
//! derivations from `fixtures/build/default.nix` that build, fail, fail in a dependency, have a
//! wrong hash, a missing attribute or a library autoPatchelf could not find; so the log parsing,
//! the progress lines, the failures and the exit statuses are Nix's own. Without `nix` on
//! `PATH` those tests skip with a printed reason; the others need no Nix.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use common::{Run, megapak_with_env, repo_root};

fn nix_available() -> bool {
    let found = Command::new("nix")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        #[expect(
            clippy::print_stdout,
            reason = "the skip reason belongs in the test output"
        )]
        {
            println!("skipped: `nix` is not on PATH (CI installs Debian's nix-bin)");
        }
    }
    found
}

/// A value no earlier run used, so that Nix builds anew instead of answering from its store.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{now}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `megapak build` of one attribute of the fixture, offline, in `dir`, with the test
/// workspace's lock; what `extra` has after a `--` goes to Nix.
fn build(dir: &Path, attribute: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let fixture = repo_root().join("fixtures/build");
    let config = fixture.join("workspace/megapak.toml");
    let file = fixture.join("default.nix");
    let nonce = nonce();
    let mut args = vec![
        "build",
        "--config",
        config.to_str().unwrap(),
        "--file",
        file.to_str().unwrap(),
        "-A",
        attribute,
        "--argstr",
        "nonce",
        &nonce,
    ];
    // megapak's own arguments, then Nix's: offline, and any after a `--` in `extra`.
    let (own, nix) = match extra.iter().position(|a| *a == "--") {
        Some(at) => (&extra[..at], &extra[at + 1..]),
        None => (extra, &[][..]),
    };
    args.extend_from_slice(own);
    args.extend(["--", "--option", "substituters", ""]);
    args.extend_from_slice(nix);
    let run = megapak_with_env(dir, &args, env);
    Run {
        code: run.code,
        stdout: redact(&run.stdout, &nonce),
        stderr: redact(&run.stderr, &nonce),
    }
}

/// Store hashes and the nonce differ between runs, and so does Nix's warning that another
/// test's Nix holds its database for a moment.
fn redact(text: &str, nonce: &str) -> String {
    let text: String = text
        .replace(nonce, "[NONCE]")
        .lines()
        .filter(|l| !(l.starts_with("warning: ") && l.ends_with("is busy")))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("/nix/store/") {
        let (before, after) = rest.split_at(at + "/nix/store/".len());
        out.push_str(before);
        let hash_len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if hash_len == 32 {
            out.push_str("[HASH]");
            rest = &after[32..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_derivation_builds_with_progress_and_its_path_is_printed() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "ok", &["--out-link", "result-ok"], &[]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    /nix/store/[HASH]-python3.14-hello-1.0
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file [REPO]/fixtures/build/default.nix ok --argstr nonce [NONCE] --out-link result-ok --json --option substituters '' --log-format internal-json`
    Building `python3.14-dep-1.0` (1/2)
    Building `python3.14-hello-1.0` (2/2)
    Built `/nix/store/[HASH]-python3.14-hello-1.0`: closure 120 B, 2 derivations built
    ");
    let link = dir.path().join("result-ok");
    assert!(
        std::fs::read_link(&link)
            .unwrap()
            .display()
            .to_string()
            .ends_with("-python3.14-hello-1.0")
    );
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "dep\n");
}

#[test]
fn build_logs_are_shown_when_asked() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "ok", &["--no-link", "-L"], &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("python3.14-dep-1.0> building dep\n")
            && run
                .stderr
                .contains("python3.14-hello-1.0> compiling hello\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failing_builder_is_named_by_lock_entry_with_its_log() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "fails", &["--no-link"], &[]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file [REPO]/fixtures/build/default.nix fails --argstr nonce [NONCE] --no-link --json --option substituters '' --log-format internal-json`
    Building `python3.14-broken-2.0` (1/1)
    error: Building `python3.14-broken-2.0` (lock entry `broken`) failed with exit code 3
      > compiling broken
      > error: something went wrong
    hint: the whole log: `nix log /nix/store/[HASH]-python3.14-broken-2.0.drv`
    ");
}

#[test]
fn a_failing_dependency_is_named_not_the_image() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "needs-broken", &["--no-link"], &[]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(
        errors,
        ["error: Building `python3.14-broken-2.0` (lock entry `broken`) failed with exit code 3"],
        "{}",
        run.stderr
    );
}

#[test]
fn a_hash_mismatch_names_the_lock_entry_and_both_hashes() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "wrong-hash", &["--no-link"], &[]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file [REPO]/fixtures/build/default.nix wrong-hash --argstr nonce [NONCE] --no-link --json --option substituters '' --log-format internal-json`
    Building `torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl` (1/1)
    error: Hash mismatch for `torch`: `megapak.lock` has `sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`, the download is `sha256-IeZ+3KYV8JWFxI2jAnP1bdTva+D0YqJwx7HtIFY0Dlk=` (derivation `torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl`)
    hint: if `torch`'s file really changed upstream, resolve it again so that `megapak.lock` records the new hash; if it should not have changed, find out why before trusting it
    ");
}

#[test]
fn a_missing_attribute_names_the_lock_entry_and_where() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "missing-attribute", &["--no-link"], &[]);
    insta::assert_snapshot!(run.transcript(), @r#"
    exit: 1
    --- stdout
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file [REPO]/fixtures/build/default.nix missing-attribute --argstr nonce [NONCE] --no-link --json --option substituters '' --log-format internal-json`
    error: Attribute `onnxruntime` is missing at `[REPO]/fixtures/build/default.nix:54:23` (lock entry `onnxruntime-gpu`)
    hint: the pinned nixpkgs has no `onnxruntime`: update the `nixpkgs` input (`nix flake update nixpkgs`) or resolve `onnxruntime-gpu` with another provider (`[[override]]` with `provider = "pypi"`)
    "#);
}

#[test]
fn an_autopatchelf_failure_names_the_library_and_the_wheel() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = build(dir.path(), "missing-library", &["--no-link"], &[]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file [REPO]/fixtures/build/default.nix missing-library --argstr nonce [NONCE] --no-link --json --option substituters '' --log-format internal-json`
    Building `python3.14-onnxruntime-gpu-1.24.4` (1/1)
    error: autoPatchelf found no `libcublasLt.so.13` for `lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so` of `onnxruntime-gpu` (derivation `python3.14-onnxruntime-gpu-1.24.4`)
    hint: add the package that ships `libcublasLt.so.13` to the wheel's `buildInputs` (for a CUDA library, the `cudaPackages` attribute that has it), or list it in `autoPatchelfIgnoreMissingDeps` if the image finds it at run time
    ");
}

/// A folder with a fake `docker` that keeps what `docker load` was given in `received`.
fn fake_docker(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        format!(
            "#!/bin/sh\n[ \"$1\" = load ] || exit 64\ncat > '{}'\necho 'Loaded image: megapak-test:latest'\n",
            dir.join("received").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn path_with(first: &Path) -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(first.to_path_buf()).chain(std::env::split_paths(&path)))
        .unwrap()
        .into_string()
        .unwrap()
}

#[test]
fn load_streams_the_image_into_docker() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_docker(dir.path());
    let path = path_with(&bin);
    let run = build(
        dir.path(),
        "image-file",
        &["--no-link", "--load", "--runtime", "docker"],
        &[("PATH", &path)],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("received")).unwrap(),
        "fake-image-bytes\n"
    );
    let tail: Vec<&str> = run.stderr.lines().skip(3).collect();
    insta::assert_snapshot!(tail.join("\n"), @r"
    Loading the image into docker
    Loaded `megapak-test:latest` into docker
    hint: verify it on a GPU: `megapak verify --gpu --image megapak-test:latest`
    ");
}

#[test]
fn without_nix_the_user_is_told_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak_with_env(
        dir.path(),
        &["build", "--file", "x.nix", "--no-link"],
        &[("PATH", "/nonexistent")],
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    Running `nix --extra-experimental-features 'nix-command flakes' build --file x.nix --no-link --json --log-format internal-json`
    error: `nix` was not found
    hint: install Nix (2.18 or newer for current nixpkgs) and put `nix` on `PATH`
    ");
}

#[test]
fn arguments_megapak_owns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak_with_env(
        dir.path(),
        &["build", "--file", "x.nix", "--", "--log-format", "bar"],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains(
            "error: megapak reads Nix's log itself; `--log-format` cannot be passed through"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_nix_that_answers_nonsense_is_an_internal_error() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let nix = bin.join("nix");
    std::fs::write(&nix, "#!/bin/sh\necho 'this is not json'\n").unwrap();
    std::fs::set_permissions(&nix, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = path_with(&bin);
    let run = megapak_with_env(
        dir.path(),
        &["build", "--file", "x.nix", "--no-link"],
        &[("PATH", &path)],
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains(
            "error: Internal error: `nix build --json` answered something megapak cannot read: `this is not json`"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn nothing_to_build_outside_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak_with_env(dir.path(), &["build"], &[]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: Nothing to build: no `megapak.toml` and no `flake.nix` in the current folder
    hint: run `megapak build` in a workspace (`megapak init` writes one), or pass `--flake REF` or `--file FILE`
    ");
}

#[test]
fn a_workspace_without_its_lock_is_told_to_resolve_first() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(common::megapak(dir.path(), &["init", "ws"]).code, 0);
    let run = megapak_with_env(dir.path(), &["build", "-c", "ws/megapak.toml"], &[]);
    insta::assert_snapshot!(run.transcript().replace(&dir.path().canonicalize().unwrap().display().to_string(), "[DIR]"), @r"
exit: 1
--- stdout
--- stderr
error: The workspace `[DIR]/ws` has no `megapak.lock` yet
hint: run `megapak resolve` first: it writes the lock and the Nix files the flake builds
");
}

#[test]
fn a_killed_megapak_leaves_no_nix_running() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let pid_file = dir.path().join("nix.pid");
    let nix = bin.join("nix");
    // A `nix` that never ends: it writes its pid, then becomes `sleep` (same process).
    std::fs::write(
        &nix,
        format!(
            "#!/bin/sh\necho $$ > '{}.tmp' && mv '{}.tmp' '{}'\nexec sleep 600\n",
            pid_file.display(),
            pid_file.display(),
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&nix, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut megapak = Command::new(env!("CARGO_BIN_EXE_megapak"))
        .args(["build", "--file", "x.nix", "--no-link"])
        .current_dir(dir.path())
        .env("PATH", path_with(&bin))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let pid = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file) {
            break text.trim().to_owned();
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "the fake nix never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let alive = |pid: &str| {
        Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z "))
    };
    assert!(alive(&pid));
    Command::new("kill")
        .args(["-TERM", &megapak.id().to_string()])
        .status()
        .unwrap();
    megapak.wait().unwrap();
    let stopped = std::time::Instant::now();
    while alive(&pid) {
        assert!(
            stopped.elapsed().as_secs() < 60,
            "`nix` (pid {pid}) outlived the megapak that started it"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_dry_run_builds_nothing_and_says_so() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A fresh nonce: Nix names the output it would build, which is not in the store.
    let run = build(dir.path(), "ok", &["--no-link"], &[]);
    let dry = build(dir.path(), "ok", &["--no-link", "--", "--dry-run"], &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(dry.code, 0, "{}", dry.transcript());
    assert!(dry.stdout.is_empty(), "{}", dry.transcript());
    assert!(
        dry.stderr
            .ends_with("but did not build it (as with `--dry-run`)\n"),
        "{}",
        dry.transcript()
    );
}
