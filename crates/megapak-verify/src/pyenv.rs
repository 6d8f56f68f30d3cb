//! The libraries of a Python environment that the harness needs, where pip puts them:
//! `site-packages/torch/lib`, `site-packages/nvidia/*/lib` (CUDA 13: `nvidia/cu13/lib`, cuDNN:
//! `nvidia/cudnn/lib`, ...) and `site-packages/onnxruntime/capi`.
//!
//! An environment may have several such folders (`lib` and `lib64` on RHEL-style prefixes,
//! Debian's `dist-packages`): all of them count.

use std::path::{Path, PathBuf};

use crate::VerifyError;

/// The names a Python environment's package folder has: pip's, and Debian's.
const PACKAGE_FOLDERS: [&str; 2] = ["site-packages", "dist-packages"];

/// What one environment offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Libraries {
    /// The `site-packages` folders the rest was found in.
    pub site_packages: Vec<PathBuf>,
    /// `torch/lib`, if torch is installed (the first one).
    pub torch_lib: Option<PathBuf>,
    /// Every `nvidia/*/lib` folder, sorted within each `site-packages`.
    pub nvidia_libs: Vec<PathBuf>,
    /// The folder holding `libnvrtc.so.13` (a CUDA 13 image: `nvidia/cu13/lib`), else
    /// `libnvrtc.so.12` (CUDA 12 wheels: `nvidia/cuda_nvrtc/lib`), if any.
    pub nvrtc_dir: Option<PathBuf>,
    /// `onnxruntime/capi/libonnxruntime.so.<version>`, if onnxruntime is installed (the first).
    pub onnxruntime: Option<PathBuf>,
    /// The `__version__` of the torch of `torch_lib`, e.g. `2.11.0+cu130`.
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

    /// Whether the harness has no use for any of it.
    fn offers_nothing(&self) -> bool {
        self.torch_lib.is_none() && self.nvidia_libs.is_empty() && self.onnxruntime.is_none()
    }

    /// Adds what a later `site-packages` offers: its `nvidia/*/lib` folders, and torch,
    /// onnxruntime and NVRTC where none was found yet.
    fn merge(&mut self, later: Self) {
        self.site_packages.extend(later.site_packages);
        if self.torch_lib.is_none() {
            self.torch_lib = later.torch_lib;
            self.torch_version = later.torch_version;
        }
        self.nvidia_libs.extend(later.nvidia_libs);
        self.nvrtc_dir = self.nvrtc_dir.take().or(later.nvrtc_dir);
        self.onnxruntime = self.onnxruntime.take().or(later.onnxruntime);
    }
}

/// The `site-packages` folders of `env`: every `lib*/python3*/site-packages` and
/// `lib*/python3*/dist-packages`, each once (a venv's `lib64` is often a link to `lib`); only
/// when there is none, `env` itself if it is one (it holds `torch`, `nvidia` or `onnxruntime`:
/// looking there first would take `/usr/local`, with its `nvidia` driver folder, for one).
pub fn site_packages(env: &Path) -> Result<Vec<PathBuf>, VerifyError> {
    let mut found = Vec::new();
    for lib in read_dir(env)?.iter().filter(|d| starts_with(d, "lib")) {
        if !lib.is_dir() {
            continue;
        }
        for python in read_dir(lib)?.iter().filter(|d| starts_with(d, "python3")) {
            for folder in PACKAGE_FOLDERS {
                let Ok(site) = std::fs::canonicalize(python.join(folder)) else {
                    continue;
                };
                if site.is_dir() && !found.contains(&site) {
                    found.push(site);
                }
            }
        }
    }
    if found.is_empty()
        && ["torch", "nvidia", "onnxruntime"]
            .iter()
            .any(|p| env.join(p).is_dir())
    {
        found.push(env.to_owned());
    }
    if found.is_empty() {
        return Err(VerifyError::NoSitePackages {
            env: env.to_owned(),
        });
    }
    Ok(found)
}

/// The libraries of every `site-packages` of `env`, earlier folders first; an error when there
/// are none the harness uses.
pub fn find(env: &Path) -> Result<Libraries, VerifyError> {
    // Absolute paths: the harness runs elsewhere, and onnxruntime resolves relative ones
    // against its own binary's folder.
    let env = std::fs::canonicalize(env).map_err(|source| VerifyError::Read {
        path: env.to_owned(),
        source,
    })?;
    let mut all = Libraries::default();
    for site in site_packages(&env)? {
        all.merge(in_site_packages(&site)?);
    }
    if all.offers_nothing() {
        return Err(VerifyError::NothingToUse {
            env,
            searched: all.site_packages,
        });
    }
    // `LD_LIBRARY_PATH` is split at every `:`, with no way to quote one.
    if let Some(dir) = all
        .library_dirs()
        .into_iter()
        .find(|dir| dir.as_os_str().as_encoded_bytes().contains(&b':'))
    {
        return Err(VerifyError::ColonInPath { env, dir });
    }
    Ok(all)
}

/// Whether the file name of `path` starts with `prefix`.
fn starts_with(path: &Path, prefix: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(prefix))
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
    let nvrtc_dir = ["libnvrtc.so.13", "libnvrtc.so.12"]
        .iter()
        .find_map(|name| nvidia_libs.iter().find(|d| d.join(name).exists()))
        .cloned();
    let capi = site.join("onnxruntime/capi");
    let onnxruntime = if capi.is_dir() {
        read_dir(&capi)?
            .into_iter()
            .find(|p| starts_with(p, "libonnxruntime.so"))
    } else {
        None
    };
    Ok(Libraries {
        site_packages: vec![site.to_owned()],
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

    /// Empty files at `paths` under `root`.
    fn touch(root: &Path, paths: &[&str]) {
        for path in paths {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
    }

    #[test]
    fn a_cuda_12_venv_gives_its_nvrtc_folder() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("lib/python3.11/site-packages");
        touch(
            &site,
            &[
                "torch/lib/libtorch_cpu.so",
                "nvidia/cublas/lib/libcublasLt.so.12",
                "nvidia/cuda_nvrtc/lib/libnvrtc.so.12",
                "nvidia/cuda_nvrtc/lib/libnvrtc-builtins.so.12.8",
            ],
        );
        let libs = find(dir.path()).unwrap();
        assert_eq!(
            libs.nvrtc_dir,
            Some(site.canonicalize().unwrap().join("nvidia/cuda_nvrtc/lib"))
        );
    }

    #[test]
    fn an_environment_with_a_colon_in_its_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join("envs:py312");
        fake_venv(&env);
        let err = find(&env).unwrap_err().printed();
        let err = err.replace(
            &std::fs::canonicalize(dir.path())
                .unwrap()
                .display()
                .to_string(),
            "DIR",
        );
        insta::assert_snapshot!(err, @r"
        The library folder `DIR/envs:py312/lib/python3.12/site-packages/torch/lib` has a `:` in its path, which would split `LD_LIBRARY_PATH` there and add a relative folder
        hint: move or copy the Python environment `DIR/envs:py312` to a folder whose path has no `:`
        ");
    }

    #[test]
    fn a_venv_gives_torch_nvidia_and_onnxruntime() {
        let dir = tempfile::tempdir().unwrap();
        let site = fake_venv(dir.path()).canonicalize().unwrap();
        let libs = find(dir.path()).unwrap();
        assert_eq!(libs.site_packages, [site.as_path()]);
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
            [site.canonicalize().unwrap()]
        );
    }

    #[test]
    fn lib_and_lib64_both_count() {
        // RHEL-style: pure-Python packages in `lib`, binary ones in `lib64`.
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
                "lib64/python3.12/site-packages/torch/lib/libtorch_cpu.so",
                "lib64/python3.12/site-packages/nvidia/cu13/lib/libnvrtc.so.13",
            ],
        );
        let root = dir.path().canonicalize().unwrap();
        let libs = find(dir.path()).unwrap();
        let (lib, lib64) = (
            root.join("lib/python3.12/site-packages"),
            root.join("lib64/python3.12/site-packages"),
        );
        assert_eq!(libs.site_packages, [lib.clone(), lib64.clone()]);
        assert_eq!(libs.torch_lib, Some(lib64.join("torch/lib")));
        assert_eq!(
            libs.nvidia_libs,
            [lib.join("nvidia/cudnn/lib"), lib64.join("nvidia/cu13/lib")]
        );
        assert_eq!(libs.nvrtc_dir, Some(lib64.join("nvidia/cu13/lib")));
    }

    #[test]
    fn a_venv_s_lib64_link_is_one_folder() {
        let dir = tempfile::tempdir().unwrap();
        let site = fake_venv(dir.path()).canonicalize().unwrap();
        std::os::unix::fs::symlink("lib", dir.path().join("lib64")).unwrap();
        let libs = find(dir.path()).unwrap();
        assert_eq!(libs.site_packages, [site.as_path()]);
        assert_eq!(libs.nvidia_libs.len(), 3, "{:?}", libs.nvidia_libs);
    }

    #[test]
    fn a_prefix_with_a_driver_folder_is_not_site_packages() {
        // `/usr/local` on a GPU node: the driver in `nvidia/lib64`, Debian's pip in
        // `dist-packages`.
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "nvidia/lib64/libcuda.so.1",
                "lib/python3.12/dist-packages/torch/lib/libtorch_cpu.so",
            ],
        );
        let libs = find(dir.path()).unwrap();
        let dist = dir
            .path()
            .canonicalize()
            .unwrap()
            .join("lib/python3.12/dist-packages");
        assert_eq!(libs.site_packages, [dist.as_path()]);
        assert_eq!(libs.torch_lib, Some(dist.join("torch/lib")));
    }

    #[test]
    fn an_environment_with_nothing_the_harness_uses_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib/python3.12/site-packages/requests")).unwrap();
        let root = dir.path().canonicalize().unwrap();
        let err = find(dir.path()).unwrap_err();
        assert_eq!(
            err.printed(),
            format!(
                "`{0}` has nothing the harness uses: no `torch/lib`, no `nvidia/*/lib` and no `onnxruntime/capi/libonnxruntime.so.*` in `{0}/lib/python3.12/site-packages`\nhint: pass the environment where `torch`, the `nvidia-*` CUDA packages or `onnxruntime-gpu` are installed (its prefix or its `site-packages`)",
                root.display()
            )
        );
        // The driver's folder alone is not a CUDA package.
        let usr_local = tempfile::tempdir().unwrap();
        touch(usr_local.path(), &["nvidia/lib64/libcuda.so.1"]);
        assert!(matches!(
            find(usr_local.path()),
            Err(VerifyError::NothingToUse { .. })
        ));
    }

    #[test]
    fn a_folder_without_site_packages_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib/python3.12")).unwrap();
        let err = find(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string().lines().next().unwrap(),
            format!(
                "No `site-packages` under `{}`: looked for `lib*/python3*/site-packages` and `lib*/python3*/dist-packages`, and for `torch`, `nvidia` or `onnxruntime` in the folder itself",
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
