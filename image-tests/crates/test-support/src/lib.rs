//! Helpers for the harness's tests: where the CI caches are, a driver stub, and running a check
//! binary in a controlled environment.
//!
//! The caches are the ones `image-tests/ci.sh` fills: `.libtorch/` (torch's libraries and
//! pip's `nvidia/cu13/lib`) and `.onnxruntime/` at the repository root.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

/// Held while a test writes an executable and while any test forks: a child forked while
/// another thread still has a script open for writing makes `exec` of that script fail with
/// "Text file busy".
fn fork_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes an executable shell script.
pub fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let _guard = fork_lock();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("the script is written");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("the script is executable");
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .expect("the repository root exists")
}

fn cached(relative: &Path) -> PathBuf {
    let path = repo_root().join(relative);
    assert!(
        path.exists(),
        "`{}` is missing: run `bash image-tests/ci.sh fetch` first",
        path.display()
    );
    path
}

/// The small site-packages `ci.sh` extracts: `torch/` and `nvidia/cu13/lib` (torch 2.11), or
/// the one `MEGAPAK_TEST_SITE_PACKAGES` names (`.libtorch-2.10`, with `nvidia/cu12/lib`, for
/// the torch 2.10 build of check-torch).
pub fn site_packages() -> PathBuf {
    match std::env::var_os("MEGAPAK_TEST_SITE_PACKAGES") {
        Some(dir) => cached(&PathBuf::from(dir)),
        None => cached(Path::new(".libtorch")),
    }
}

/// `torch/lib` with libtorch's libraries.
pub fn torch_lib() -> PathBuf {
    site_packages().join("torch/lib")
}

/// pip's CUDA runtime folder of that torch: libcudart and libcupti, NVRTC for CUDA 13.
pub fn cuda_lib() -> PathBuf {
    let nvidia = site_packages().join("nvidia");
    ["cu13", "cu12"]
        .iter()
        .map(|cuda| nvidia.join(cuda).join("lib"))
        .find(|dir| dir.exists())
        .unwrap_or_else(|| panic!("`{}` has no cu13/lib or cu12/lib", nvidia.display()))
}

/// pip's CUDA 12 NVRTC (`nvidia-cuda-nvrtc-cu12` 12.8): `libnvrtc.so.12` and its builtins in
/// `.libtorch-2.10/nvidia/cuda_nvrtc/lib`, the wheel's own layout, whichever site-packages
/// [`site_packages`] chose.
pub fn cuda_12_nvrtc_lib() -> PathBuf {
    cached(Path::new(".libtorch-2.10/nvidia/cuda_nvrtc/lib"))
}

/// `major.minor.patch` of the torch in [`site_packages`], from its `version.py`
/// (`2.11.0+cu130`).
pub fn torch_version() -> String {
    let path = site_packages().join("torch/version.py");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("`{}`: {err}", path.display()));
    text.lines()
        .find_map(|line| line.strip_prefix("__version__ = '"))
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("`{}` has no `__version__`", path.display()))
        .to_owned()
}

/// PyPI's CPU onnxruntime library, `1.31.1`, `1.24.4` or `1.23.2`.
pub fn onnxruntime(version: &str) -> PathBuf {
    cached(Path::new(&format!(
        ".onnxruntime/{version}/onnxruntime/capi/libonnxruntime.so.{version}"
    )))
}

/// A binary of this workspace, from the target folder the test runs from.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows where it runs");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps")
        .join(name);
    assert!(
        path.exists(),
        "`{}` is not built: run `cargo build --workspace` in image-tests first",
        path.display()
    );
    path
}

/// A folder holding one shared library, `file_name`, compiled from the C `source`.
pub fn c_library(file_name: &str, source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source_path = dir.path().join("source.c");
    std::fs::write(&source_path, source).expect("the C source is written");
    let status = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(dir.path().join(file_name))
        .arg(&source_path)
        .status()
        .expect("a C compiler (`cc`) runs");
    assert!(status.success(), "compiling `{file_name}` failed");
    dir
}

/// Writes `DIR/nvidia-smi`, a stand-in for `MEGAPAK_NVIDIA_SMI` that answers by its arguments:
/// for each `(argument, stdout)` pair, a call carrying exactly `argument` (say
/// `--query-gpu=memory.free,memory.total`, or `-L`) prints `stdout` and exits 0; a call carrying
/// none of them exits 1, as `nvidia-smi` does for a query it cannot answer. Returns the
/// script's path.
pub fn fake_nvidia_smi(dir: &Path, answers: &[(&str, &str)]) -> PathBuf {
    let quote = |text: &str| format!("'{}'", text.replace('\'', r"'\''"));
    let mut body = String::from("for arg in \"$@\"; do\n  case \"$arg\" in\n");
    for (argument, stdout) in answers {
        body.push_str(&format!(
            "    {}) printf '%s\\n' {}; exit 0 ;;\n",
            quote(argument),
            quote(stdout.trim_end_matches('\n'))
        ));
    }
    body.push_str("  esac\ndone\nexit 1");
    let path = dir.join("nvidia-smi");
    write_script(&path, &body);
    path
}

/// Compiles `fixtures/libcuda_stub.c` as `DIR/libcuda.so.1`; `mode` as the stub documents.
pub fn stub_driver(mode: u8) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = repo_root().join("image-tests/fixtures/libcuda_stub.c");
    let status = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
        .args([
            "-shared",
            "-fPIC",
            "-O1",
            &format!("-DSTUB_MODE={mode}"),
            "-o",
        ])
        .arg(dir.path().join("libcuda.so.1"))
        .arg(&source)
        .status()
        .expect("a C compiler (`cc`) runs");
    assert!(status.success(), "compiling the driver stub failed");
    dir
}

/// A command with a cleared environment: only `PATH`, `HOME` and what the test sets.
#[derive(Debug)]
pub struct Run {
    command: Command,
    ld_path: Vec<PathBuf>,
}

impl Run {
    pub fn new(binary: impl AsRef<Path>) -> Self {
        let mut command = Command::new(binary.as_ref());
        command.env_clear();
        for keep in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(keep) {
                command.env(keep, value);
            }
        }
        // Never find a real driver by accident; tests that want a copy point this elsewhere.
        command.env("MEGAPAK_DRIVER_SEARCH_DIRS", "/nonexistent");
        Self {
            command,
            ld_path: Vec::new(),
        }
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(mut self, args: I) -> Self {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.command.env(key, value.into());
        self
    }

    /// Adds a folder to the `LD_LIBRARY_PATH` the binary gets.
    pub fn lib_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ld_path.push(dir.into());
        self
    }

    pub fn run(mut self) -> Ran {
        if !self.ld_path.is_empty() {
            self.command.env(
                "LD_LIBRARY_PATH",
                std::env::join_paths(&self.ld_path).expect("paths without colons"),
            );
        }
        let child = {
            let _guard = fork_lock();
            self.command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts")
        };
        Ran::from(
            child
                .wait_with_output()
                .expect("the binary's output is read"),
        )
    }
}

/// What a binary did.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Ran {
    /// The JSON report on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}); stdout: {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the one-check report's status and diagnosis code (`none` when it has none),
    /// showing stdout and stderr when they differ.
    #[track_caller]
    pub fn assert_verdict(&self, status: &str, code: &str) {
        assert_eq!(
            self.verdict(),
            (status.to_owned(), code.to_owned()),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
    }

    /// `(status, diagnosis code)` of a one-check report.
    pub fn verdict(&self) -> (String, String) {
        let json = self.json();
        let status = json["status"].as_str().unwrap_or("?").to_owned();
        let code = json["diagnosis"]["code"]
            .as_str()
            .unwrap_or("none")
            .to_owned();
        (status, code)
    }
}
