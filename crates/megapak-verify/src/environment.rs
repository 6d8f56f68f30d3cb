//! The environment the harness runs with on a host: library folders from Python environments
//! ahead of the inherited `LD_LIBRARY_PATH` (which keeps the driver's folder, e.g.
//! `/usr/local/nvidia/lib64`), onnxruntime by path, NVRTC to preload.

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::pyenv::Libraries;

/// Variables to set for `megapak-smoke` (its checks inherit them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HarnessEnv {
    pub vars: Vec<(String, String)>,
}

impl HarnessEnv {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `KEY=value` lines, for people and snapshots.
    pub fn describe(&self) -> String {
        self.vars
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect()
    }
}

/// Builds the environment from Python environments, earlier ones first; `inherited` is the
/// current `LD_LIBRARY_PATH`.
pub fn host_env(envs: &[Libraries], inherited: Option<&OsStr>) -> HarnessEnv {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in envs.iter().flat_map(Libraries::library_dirs) {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs.extend(
        inherited
            .into_iter()
            .flat_map(std::env::split_paths)
            .filter(|p| !p.as_os_str().is_empty()),
    );
    let mut vars = Vec::new();
    if !dirs.is_empty() {
        vars.push(("LD_LIBRARY_PATH".to_owned(), join(&dirs)));
    }
    // The first environment with onnxruntime wins: pass `onnxruntime-gpu`'s first.
    if let Some(ort) = envs.iter().find_map(|e| e.onnxruntime.as_ref()) {
        vars.push(("ORT_DYLIB_PATH".to_owned(), ort.display().to_string()));
    }
    if let Some(nvrtc) = envs.iter().find_map(|e| e.nvrtc_dir.as_ref()) {
        vars.push(("MEGAPAK_NVRTC_DIR".to_owned(), nvrtc.display().to_string()));
    }
    HarnessEnv { vars }
}

fn join(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyenv::{self, tests::fake_venv};

    #[test]
    fn library_folders_come_before_the_inherited_path() {
        let dir = tempfile::tempdir().unwrap();
        fake_venv(dir.path());
        let libs = pyenv::find(dir.path()).unwrap();
        let env = host_env(&[libs], Some(OsStr::new("/usr/local/nvidia/lib64:")));
        let text = env.describe().replace(
            &dir.path().canonicalize().unwrap().display().to_string(),
            "[VENV]",
        );
        insta::assert_snapshot!(text, @r"
        LD_LIBRARY_PATH=[VENV]/lib/python3.12/site-packages/torch/lib:[VENV]/lib/python3.12/site-packages/nvidia/cu13/lib:[VENV]/lib/python3.12/site-packages/nvidia/cudnn/lib:[VENV]/lib/python3.12/site-packages/nvidia/nccl/lib:/usr/local/nvidia/lib64
        ORT_DYLIB_PATH=[VENV]/lib/python3.12/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1
        MEGAPAK_NVRTC_DIR=[VENV]/lib/python3.12/site-packages/nvidia/cu13/lib
        ");
    }

    #[test]
    fn the_first_onnxruntime_wins() {
        let gpu = Libraries {
            onnxruntime: Some("/ort-gpu/onnxruntime/capi/libonnxruntime.so.1.31.1".into()),
            ..Libraries::default()
        };
        let venv = Libraries {
            onnxruntime: Some("/venv/onnxruntime/capi/libonnxruntime.so.1.30.0".into()),
            torch_lib: Some("/venv/torch/lib".into()),
            ..Libraries::default()
        };
        let env = host_env(&[gpu, venv], None);
        assert_eq!(
            env.get("ORT_DYLIB_PATH"),
            Some("/ort-gpu/onnxruntime/capi/libonnxruntime.so.1.31.1")
        );
        assert_eq!(env.get("LD_LIBRARY_PATH"), Some("/venv/torch/lib"));
        assert_eq!(env.get("MEGAPAK_NVRTC_DIR"), None);
    }
}
