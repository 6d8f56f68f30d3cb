//! Wheel file names (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`) and whether
//! a wheel fits the target: its Python, its platform and, for `+cuXYZ` builds, its CUDA.
//!
//! The rules are pip's for a CPython build without free threading: `cp314`, `py3`, `py314` or an
//! `abi3` wheel of an older CPython 3; `linux_*`, `manylinux*` or `any` for the target's
//! architecture (nixpkgs' glibc is newer than every `manylinux_2_*` of a current wheel; musl is
//! refused). A `+cu130` local version needs a CUDA 13 target of at least 13.0.

use megapak_plugin_abi::wire::Target;
use megapak_types::PackageName;

use crate::error::Error;

/// A wheel file name, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    /// The file name.
    pub file: String,
    /// The distribution, normalized.
    pub name: PackageName,
    /// The version as written (`2.10.0+cu130`).
    pub version: String,
    /// `cp314`, `py3`... (a compressed tag set split on `.`).
    pub python: Vec<String>,
    /// `cp314`, `abi3`, `none`...
    pub abi: Vec<String>,
    /// `manylinux_2_28_x86_64`, `any`...
    pub platform: Vec<String>,
}

impl WheelName {
    /// Parses a file name.
    pub fn parse(file: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::WheelName {
            file: file.to_owned(),
            reason: reason.to_owned(),
        };
        let stem = file
            .strip_suffix(".whl")
            .ok_or_else(|| bad("it does not end in `.whl`"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        if !(5..=6).contains(&parts.len()) {
            return Err(bad("expected 5 or 6 parts separated by `-`"));
        }
        let name =
            PackageName::new(parts[0]).map_err(|_| bad("the distribution is not a valid name"))?;
        let n = parts.len();
        let split = |tags: &str| tags.split('.').map(str::to_owned).collect::<Vec<_>>();
        Ok(Self {
            file: file.to_owned(),
            name,
            version: parts[1].to_owned(),
            python: split(parts[n - 3]),
            abi: split(parts[n - 2]),
            platform: split(parts[n - 1]),
        })
    }

    /// Why the wheel does not fit `target`, or `Ok` when it does.
    pub fn check(&self, target: &Target) -> Result<(), Error> {
        let refuse = |reason: String| Error::Incompatible {
            file: self.file.clone(),
            reason,
        };
        let minor = python_minor(&target.python).ok_or_else(|| {
            refuse(format!(
                "the target's Python `{}` is not 3.X",
                target.python
            ))
        })?;
        let here = format!("cp3{minor}");
        let fits_python = self.python.iter().any(|tag| {
            tag == &here
                || tag == "py3"
                || tag == &format!("py3{minor}")
                || (self.abi.iter().any(|abi| abi == "abi3")
                    && tag
                        .strip_prefix("cp3")
                        .and_then(|m| m.parse::<u32>().ok())
                        .is_some_and(|m| m <= minor))
        });
        let fits_abi = self
            .abi
            .iter()
            .any(|abi| abi == &here || abi == "abi3" || abi == "none");
        if !fits_python || !fits_abi {
            return Err(refuse(format!(
                "it is built for Python `{}` (ABI `{}`), the target is CPython {}",
                self.python.join("."),
                self.abi.join("."),
                target.python
            )));
        }
        let arch = target.system.split('-').next().unwrap_or_default();
        if !self
            .platform
            .iter()
            .any(|platform| fits_platform(platform, arch))
        {
            return Err(refuse(format!(
                "it is built for `{}`, the target is `{}`",
                self.platform.join("."),
                target.system
            )));
        }
        self.check_cuda(target).map_err(refuse)
    }

    /// The CUDA of a `+cuXYZ` local version (`+cu130` is 13.0), if any.
    pub fn cuda(&self) -> Option<(u32, u32)> {
        let local = self.version.split_once('+')?.1;
        local.split(['.', '_']).find_map(|part| {
            let rest = part.strip_prefix("cu")?;
            let digits = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
            if digits.len() < 3 {
                return None;
            }
            let (major, minor) = digits.split_at(digits.len() - 1);
            Some((major.parse().ok()?, minor.parse().ok()?))
        })
    }

    fn check_cuda(&self, target: &Target) -> Result<(), String> {
        let Some((major, minor)) = self.cuda() else {
            return Ok(());
        };
        let Some(cuda) = &target.cuda else {
            return Err(format!(
                "it is built for CUDA {major}.{minor}, the target has no CUDA"
            ));
        };
        let (target_major, target_minor) = cuda_version(cuda)
            .ok_or_else(|| format!("the target's CUDA `{cuda}` is not MAJOR.MINOR"))?;
        if major != target_major || minor > target_minor {
            return Err(format!(
                "it is built for CUDA {major}.{minor}, the target has CUDA {cuda}"
            ));
        }
        Ok(())
    }
}

/// The minor version of a `3.X` target Python.
fn python_minor(python: &str) -> Option<u32> {
    python.strip_prefix("3.")?.parse().ok()
}

/// `13.0` as `(13, 0)`.
pub fn cuda_version(cuda: &str) -> Option<(u32, u32)> {
    let (major, minor) = cuda.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn fits_platform(platform: &str, arch: &str) -> bool {
    if platform == "any" {
        return true;
    }
    let Some(rest) = platform
        .strip_suffix(arch)
        .and_then(|p| p.strip_suffix('_'))
    else {
        return false;
    };
    rest == "linux"
        || matches!(rest, "manylinux1" | "manylinux2010" | "manylinux2014")
        || rest
            .strip_prefix("manylinux_")
            .is_some_and(|glibc| glibc.split('_').all(|n| n.parse::<u32>().is_ok()))
}

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::sample_target;

    use super::*;

    fn judge(file: &str) -> String {
        match WheelName::parse(file).and_then(|wheel| wheel.check(&sample_target())) {
            Ok(()) => format!("{file}: fits"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn judges_wheels_against_python_3_14_x86_64_cuda_13_0() {
        let verdicts: Vec<String> = [
            "onnxruntime_gpu-1.31.1-cp314-cp314-manylinux_2_28_x86_64.whl",
            "cupy_cuda13x-14.2.0-cp314-cp314-manylinux2014_x86_64.whl",
            "torch-2.10.0+cu130-cp314-cp314-manylinux_2_28_x86_64.whl",
            "flash_attn-2.8.3+cu128torch2.10-cp314-cp314-linux_x86_64.whl",
            "nunchaku-1.0.0+cu131-cp314-cp314-linux_x86_64.whl",
            "six-1.17.0-py2.py3-none-any.whl",
            "sageattention-2.2.0-cp39-abi3-linux_x86_64.whl",
            "onnxruntime_gpu-1.31.1-cp313-cp313-manylinux_2_28_x86_64.whl",
            "onnxruntime_gpu-1.31.1-cp314-cp314t-manylinux_2_28_x86_64.whl",
            "onnxruntime_gpu-1.31.1-cp314-cp314-manylinux_2_34_aarch64.whl",
            "onnxruntime_gpu-1.31.1-cp314-cp314-win_amd64.whl",
            "x-1.0-cp314-cp314-musllinux_1_2_x86_64.whl",
            "x-1.0.tar.gz",
            "x-1.0-py3-none.whl",
        ]
        .into_iter()
        .map(judge)
        .collect();
        insta::assert_snapshot!(verdicts.join("\n"), @r"
onnxruntime_gpu-1.31.1-cp314-cp314-manylinux_2_28_x86_64.whl: fits
cupy_cuda13x-14.2.0-cp314-cp314-manylinux2014_x86_64.whl: fits
torch-2.10.0+cu130-cp314-cp314-manylinux_2_28_x86_64.whl: fits
`flash_attn-2.8.3+cu128torch2.10-cp314-cp314-linux_x86_64.whl` does not fit the target: it is built for CUDA 12.8, the target has CUDA 13.0
`nunchaku-1.0.0+cu131-cp314-cp314-linux_x86_64.whl` does not fit the target: it is built for CUDA 13.1, the target has CUDA 13.0
six-1.17.0-py2.py3-none-any.whl: fits
sageattention-2.2.0-cp39-abi3-linux_x86_64.whl: fits
`onnxruntime_gpu-1.31.1-cp313-cp313-manylinux_2_28_x86_64.whl` does not fit the target: it is built for Python `cp313` (ABI `cp313`), the target is CPython 3.14
`onnxruntime_gpu-1.31.1-cp314-cp314t-manylinux_2_28_x86_64.whl` does not fit the target: it is built for Python `cp314` (ABI `cp314t`), the target is CPython 3.14
`onnxruntime_gpu-1.31.1-cp314-cp314-manylinux_2_34_aarch64.whl` does not fit the target: it is built for `manylinux_2_34_aarch64`, the target is `x86_64-linux`
`onnxruntime_gpu-1.31.1-cp314-cp314-win_amd64.whl` does not fit the target: it is built for `win_amd64`, the target is `x86_64-linux`
`x-1.0-cp314-cp314-musllinux_1_2_x86_64.whl` does not fit the target: it is built for `musllinux_1_2_x86_64`, the target is `x86_64-linux`
`x-1.0.tar.gz` is not a wheel file name: it does not end in `.whl`
`x-1.0-py3-none.whl` is not a wheel file name: expected 5 or 6 parts separated by `-`
");
    }
}
