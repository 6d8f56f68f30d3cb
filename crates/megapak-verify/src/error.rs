//! What can go wrong around the harness (as opposed to a check failing, which is a report).

use std::path::PathBuf;

/// An error of `megapak verify`. Messages may end in `hint:` lines.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "Could not find the GPU harness (`megapak-smoke` and its `check-*` binaries); looked in {}\nhint: with Nix, build the flake's package (`nix build .#megapak-smoke`) and pass `--harness-dir result/bin`\nhint: from a source checkout, build it with `LIBTORCH=/path/to/site-packages/torch cargo build --release --manifest-path image-tests/Cargo.toml` (`LIBTORCH` names the torch the harness is built against, see docs/gpu-harness.md) and pass `--harness-dir image-tests/target/release`",
        list(searched)
    )]
    HarnessNotFound { searched: Vec<PathBuf> },

    #[error("The harness in `{}` lacks `{binary}`\nhint: keep every harness binary together (`megapak-smoke`, `check-cuda`, `check-torch`, `check-ort`)", dir.display())]
    HarnessIncomplete { dir: PathBuf, binary: &'static str },

    #[error("No `site-packages` under `{}`: looked for `lib*/python3*/site-packages` and `lib*/python3*/dist-packages`, and for `torch`, `nvidia` or `onnxruntime` in the folder itself\nhint: pass the Python environment's prefix (the folder holding `bin/python`, e.g. `/opt/torch/.venv`) or a `site-packages` folder", env.display())]
    NoSitePackages { env: PathBuf },

    #[error("`{}` has nothing the harness uses: no `torch/lib`, no `nvidia/*/lib` and no `onnxruntime/capi/libonnxruntime.so.*` in {}\nhint: pass the environment where `torch`, the `nvidia-*` CUDA packages or `onnxruntime-gpu` are installed (its prefix or its `site-packages`)", env.display(), list(searched))]
    NothingToUse {
        env: PathBuf,
        searched: Vec<PathBuf>,
    },

    #[error("The library folder `{}` has a `:` in its path, which would split `LD_LIBRARY_PATH` there and add a relative folder\nhint: move or copy the Python environment `{}` to a folder whose path has no `:`", dir.display(), env.display())]
    ColonInPath { env: PathBuf, dir: PathBuf },

    #[error("Could not read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "Neither `docker` nor `podman` is on `PATH`\nhint: install one of them, or verify on this machine with `--host --python-env DIR`"
    )]
    NoContainerRuntime,

    #[error("`{runtime}` is not on `PATH`")]
    RuntimeNotFound { runtime: &'static str },

    #[error("Could not run `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{program}` ended ({status}) without a report; its last words: {stderr}")]
    NoReport {
        program: String,
        status: String,
        stderr: String,
    },

    #[error("{message}\nhint: {hint}")]
    Container { message: String, hint: String },

    #[error(
        "`{program}` ended ({status}) with something other than the JSON report megapak expects: {start}\nhint: run the command above by hand; use a harness of the same megapak release"
    )]
    BadReport {
        program: String,
        status: String,
        /// The start of what it printed.
        start: String,
        #[source]
        source: serde_json::Error,
    },

    #[error(
        "The report of `{program}` is cut short ({status}); it begins: {start}\nhint: the harness stopped before it finished writing (killed for memory or time?); run the command above by hand"
    )]
    ReportCutShort {
        program: String,
        status: String,
        /// The start of what it printed.
        start: String,
    },

    #[error(
        "The harness writes report schema {found}; this megapak reads schema {expected}\nhint: use the harness built from the same megapak release"
    )]
    Schema { found: u32, expected: u32 },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}
