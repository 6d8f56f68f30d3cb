//! Records which torch `check-torch` is built against, and links `libtorch_cuda.so` hard when
//! the `link-cuda` feature asks for it.
//!
//! torch-sys links `-ltorch_cuda` under `--as-needed`, and nothing in tch refers to its symbols,
//! so the linker drops it and CUDA is never available. Either `link-cuda` keeps it
//! (`-Wl,--no-as-needed,-ltorch_cuda,--as-needed`, a hard dependency: the binary does not start
//! without every CUDA library) or `check-torch` loads it itself at start (the default: it starts
//! anywhere and can name what is missing).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var_os("LIBTORCH")
        .map(PathBuf::from)
        .and_then(|dir| torch_version(&dir))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=MEGAPAK_TORCH_BUILT_AGAINST={version}");
    if std::env::var_os("CARGO_FEATURE_LINK_CUDA").is_some() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    // libtorch_cuda.so's own dependencies (cuDNN, cuBLAS, NCCL...) need not exist where the
    // harness is built; the loader checks them where it runs.
    println!("cargo:rustc-link-arg=-Wl,--allow-shlib-undefined");
}

/// `2.11.0` from a libtorch folder: `build-version` (libtorch zips, `ci.sh`) or `version.py`
/// (the torch package of a wheel).
fn torch_version(dir: &std::path::Path) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join("build-version")) {
        return Some(text.trim().split('+').next()?.to_owned());
    }
    let text = std::fs::read_to_string(dir.join("version.py")).ok()?;
    let line = text.lines().find(|l| l.starts_with("__version__"))?;
    Some(
        line.split(['\'', '"'])
            .nth(1)?
            .split('+')
            .next()?
            .to_owned(),
    )
}
