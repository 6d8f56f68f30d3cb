//! The libraries of a Python environment that the harness needs, where pip puts them:
//! `site-packages/torch/lib`, `site-packages/nvidia/*/lib` (CUDA 13: `nvidia/cu13/lib`, cuDNN:
//! `nvidia/cudnn/lib`, ...) and `site-packages/onnxruntime/capi`.

use std::path::{Path, PathBuf};

use crate::VerifyError;

/// What one environment offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Libraries {
    /// The `site-packages` folder the rest was found in.
    pub site_packages: PathBuf,
    /// `torch/lib`, if torch is installed.
    pub torch_lib: Option<PathBuf>,
    /// Every `nvidia/*/lib` folder, sorted.
    pub nvidia_libs: Vec<PathBuf>,
    /// The folder holding `libnvrtc.so.13`, if any.
    pub nvrtc_dir: Option<PathBuf>,
    /// `onnxruntime/capi/libonnxruntime.so.<version>`, if onnxruntime is installed.
    pub onnxruntime: Option<PathBuf>,
    /// torch's `__version__`, e.g. `2.11.0+cu130`.
    pub torch_version: Option<String>,
}

impl Libraries {
    /// The folders to put on `LD_LIBRARY_PATH`, torch's first.
    pub fn library_dirs(&self) -> Vec<PathBuf> {
        self.torch_lib
            .iter()
            .chain(&self.nvidia_libs)
            .cloned()
            .collect()
    }
}

/// The `site-packages` folders of `env`: `lib/python3.*/site-packages` (and `lib64`), or `env`
/// itself when it is one (it holds `torch`, `nvidia` or `onnxruntime`).
pub fn site_packages(env: &Path) -> Result<Vec<PathBuf>, VerifyError> {
    if ["torch", "nvidia", "onnxruntime"]
        .iter()
        .any(|p| env.join(p).is_dir())
    {
        return Ok(vec![env.to_owned()]);
    }
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let dir = env.join(lib);
        if !dir.is_dir() {
            continue;
        }
        for entry in read_dir(&dir)? {
            let name = entry
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let site = entry.join("site-packages");
            if name.starts_with("python3") && site.is_dir() && !found.contains(&site) {
                found.push(site);
            }
        }
    }
    if found.is_empty() {
        return Err(VerifyError::NoSitePackages {
            env: env.to_owned(),
        });
    }
    Ok(found)
}

/// The libraries of the first `site-packages` of `env` that has any, else of the first.
pub fn find(env: &Path) -> Result<Libraries, VerifyError> {
    // Absolute paths: the harness runs elsewhere, and onnxruntime resolves relative ones
    // against its own binary's folder.
    let env = std::fs::canonicalize(env).map_err(|source| VerifyError::Read {
        path: env.to_owned(),
        source,
    })?;
    let sites = site_packages(&env)?;
    let mut all = sites
        .iter()
        .map(|s| in_site_packages(s))
        .collect::<Result<Vec<_>, _>>()?;
    let index = all
        .iter()
        .position(|l| l.torch_lib.is_some() || !l.nvidia_libs.is_empty() || l.onnxruntime.is_some())
        .unwrap_or(0);
    Ok(all.swap_remove(index))
}

fn in_site_packages(site: &Path) -> Result<Libraries, VerifyError> {
    let torch_lib = Some(site.join("torch/lib")).filter(|d| d.is_dir());
    let torch_version = std::fs::read_to_string(site.join("torch/version.py"))
        .ok()
        .and_then(|text| {
            let line = text
                .lines()
                .find(|l| l.starts_with("__version__"))?
                .to_owned();
            line.split(['\'', '"']).nth(1).map(str::to_owned)
        });
    let mut nvidia_libs = Vec::new();
    let nvidia = site.join("nvidia");
    if nvidia.is_dir() {
        for package in read_dir(&nvidia)? {
            let lib = package.join("lib");
            if lib.is_dir() {
                nvidia_libs.push(lib);
            }
        }
    }
    let nvrtc_dir = nvidia_libs
        .iter()
        .find(|d| d.join("libnvrtc.so.13").exists())
        .cloned();
    let capi = site.join("onnxruntime/capi");
    let onnxruntime = if capi.is_dir() {
        read_dir(&capi)?.into_iter().find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
    } else {
        None
    };
    Ok(Libraries {
        site_packages: site.to_owned(),
        torch_lib,
        nvidia_libs,
        nvrtc_dir,
        onnxruntime,
        torch_version,
    })
}

/// The entries of `dir`, sorted, so that every run sees the same order.
fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, VerifyError> {
    let read = |source| VerifyError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read)?;
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A venv as pip lays one out, with empty files for libraries.
    pub(crate) fn fake_venv(root: &Path) -> PathBuf {
        let site = root.join("lib/python3.12/site-packages");
        for file in [
            "torch/lib/libtorch_cpu.so",
            "torch/lib/libtorch_cuda.so",
            "nvidia/cu13/lib/libnvrtc.so.13",
            "nvidia/cu13/lib/libnvrtc-builtins.so.13.0",
            "nvidia/cudnn/lib/libcudnn.so.9",
            "nvidia/nccl/lib/libnccl.so.2",
            "nvidia/cu13/include/cuda.h",
            "onnxruntime/capi/libonnxruntime_providers_shared.so",
            "onnxruntime/capi/libonnxruntime.so.1.31.1",
        ] {
            let path = site.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::write(
            site.join("torch/version.py"),
            "__version__ = '2.11.0+cu130'\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("bin")).unwrap();
        site
    }

    #[test]
    fn a_venv_gives_torch_nvidia_and_onnxruntime() {
        let dir = tempfile::tempdir().unwrap();
        let site = fake_venv(dir.path()).canonicalize().unwrap();
        let libs = find(dir.path()).unwrap();
        assert_eq!(libs.site_packages, site);
        assert_eq!(libs.torch_lib, Some(site.join("torch/lib")));
        assert_eq!(
            libs.nvidia_libs,
            [
                site.join("nvidia/cu13/lib"),
                site.join("nvidia/cudnn/lib"),
                site.join("nvidia/nccl/lib")
            ]
        );
        assert_eq!(libs.nvrtc_dir, Some(site.join("nvidia/cu13/lib")));
        assert_eq!(
            libs.onnxruntime,
            Some(site.join("onnxruntime/capi/libonnxruntime.so.1.31.1"))
        );
        assert_eq!(libs.torch_version.as_deref(), Some("2.11.0+cu130"));
    }

    #[test]
    fn a_site_packages_folder_is_accepted_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let site = fake_venv(dir.path());
        assert_eq!(
            find(&site).unwrap().site_packages,
            site.canonicalize().unwrap()
        );
    }

    #[test]
    fn a_folder_without_site_packages_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = find(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string().lines().next().unwrap(),
            format!(
                "No `site-packages` under `{}`",
                dir.path().canonicalize().unwrap().display()
            )
        );
        let err = find(&dir.path().join("missing")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Could not read `{}`", dir.path().join("missing").display())
        );
    }
}
