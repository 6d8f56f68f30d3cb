//! Stand-ins for `megapak verify --gpu` tests: a fake harness (a script that prints a recorded
//! report), fake `docker`/`podman`, a pip-style venv of empty libraries, and running megapak.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

/// The report `megapak-smoke --json --require-gpu` printed on a machine without a GPU.
pub fn no_gpu_report() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../megapak-verify/tests/data/report-no-gpu.json")
}

/// A report where every check passed (made from the one above).
pub fn passing_report(dir: &Path) -> PathBuf {
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(no_gpu_report()).unwrap()).unwrap();
    report["status"] = "passed".into();
    report["passed"] = true.into();
    for check in report["checks"].as_array_mut().unwrap() {
        check["status"] = "passed".into();
        check["passed"] = true.into();
        check["diagnosis"] = serde_json::Value::Null;
    }
    let path = dir.join("passing.json");
    std::fs::write(&path, report.to_string()).unwrap();
    path
}

/// Writing an executable while another thread forks makes its `exec` fail ("Text file busy"):
/// writes and spawns take turns.
pub fn fork_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let _guard = fork_lock();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A harness folder whose `megapak-smoke` records its arguments and environment in `DIR/calls`
/// and then runs `body`.
pub fn fake_harness(dir: &Path, body: &str) -> PathBuf {
    let harness = dir.join("harness");
    std::fs::create_dir_all(&harness).unwrap();
    let record = format!(
        "printf '%s\\n' \"$@\" > '{calls}/args'; /usr/bin/env > '{calls}/env'",
        calls = dir.display()
    );
    script(&harness.join("megapak-smoke"), &format!("{record}\n{body}"));
    for check in ["check-cuda", "check-torch", "check-ort"] {
        script(&harness.join(check), "exit 0");
    }
    harness
}

/// A harness laid out as Nix's `symlinkJoin` or a profile does: a folder of links to binaries
/// living in two others (`check-torch` apart). Its `megapak-smoke` looks for its checks as the
/// real one does, in `--bin-dir`, else beside its resolved executable, and prints `report`
/// only when it finds all three.
pub fn symlinked_harness(dir: &Path, report: &Path) -> PathBuf {
    let checks = dir.join("store/checks/bin");
    let torch = dir.join("store/check-torch/bin");
    let joined = dir.join("profile/bin");
    for folder in [&checks, &torch, &joined] {
        std::fs::create_dir_all(folder).unwrap();
    }
    script(
        &checks.join("megapak-smoke"),
        &format!(
            r#"bin=$(dirname "$(readlink -f "$0")")
while [ $# -gt 0 ]; do [ "$1" = --bin-dir ] && bin=$2; shift; done
for check in check-cuda check-torch check-ort; do
  [ -x "$bin/$check" ] || {{ echo "$check: failed check-missing: no $bin/$check" >&2; exit 1; }}
done
/bin/cat '{}'"#,
            report.display()
        ),
    );
    script(&checks.join("check-cuda"), "exit 0");
    script(&checks.join("check-ort"), "exit 0");
    script(&torch.join("check-torch"), "exit 0");
    for (folder, binary) in [
        (&checks, "megapak-smoke"),
        (&checks, "check-cuda"),
        (&checks, "check-ort"),
        (&torch, "check-torch"),
    ] {
        std::os::unix::fs::symlink(folder.join(binary), joined.join(binary)).unwrap();
    }
    joined
}

/// A pip-style venv with empty library files.
pub fn fake_venv(root: &Path) -> PathBuf {
    let site = root.join("venv/lib/python3.12/site-packages");
    for file in [
        "torch/lib/libtorch_cpu.so",
        "nvidia/cu13/lib/libnvrtc.so.13",
        "nvidia/cudnn/lib/libcudnn.so.9",
        "onnxruntime/capi/libonnxruntime.so.1.31.1",
    ] {
        std::fs::create_dir_all(site.join(file).parent().unwrap()).unwrap();
        std::fs::write(site.join(file), "").unwrap();
    }
    std::fs::write(
        site.join("torch/version.py"),
        "__version__ = '2.11.0+cu130'\n",
    )
    .unwrap();
    root.join("venv")
}

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn transcript(&self, dir: &Path) -> String {
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        text.replace(&dir.canonicalize().unwrap().display().to_string(), "[TMP]")
            .replace(&dir.display().to_string(), "[TMP]")
    }
}

pub fn megapak(args: &[&str], env: &[(&str, &str)]) -> Ran {
    megapak_in(Path::new("."), args, env)
}

/// [`megapak`] run in the folder `cwd` (where it looks for `megapak.toml`).
pub fn megapak_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_megapak"));
    command
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let child = {
        let _guard = fork_lock();
        command.spawn().unwrap()
    };
    let output = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: text(&output.stdout),
        stderr: text(&output.stderr),
    }
}
