//! The CUDA major release an image is built for (12 or 13), and what follows from it: the
//! oldest driver, the oldest GPU architecture, the NVRTC file name and the pip packages.
//!
//! Every check takes it from `--cuda-major N`, else `MEGAPAK_CUDA_MAJOR` (which `megapak verify`
//! sets from `[target] cuda`), else from what it finds in the image.

use std::fmt;
use std::str::FromStr;

/// A CUDA major release the harness knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CudaMajor {
    /// CUDA 12.x: driver 525 or newer, sm_50 and newer.
    Twelve,
    /// CUDA 13.x: driver 580 or newer, sm_75 and newer.
    Thirteen,
}

/// The variable `megapak verify` sets from `[target] cuda`.
pub const ENV: &str = "MEGAPAK_CUDA_MAJOR";

impl CudaMajor {
    /// Every major the harness knows, newest first (the order to look for libraries in).
    pub const ALL: [Self; 2] = [Self::Thirteen, Self::Twelve];

    /// `12` or `13`.
    pub fn number(self) -> u32 {
        match self {
            Self::Twelve => 12,
            Self::Thirteen => 13,
        }
    }

    /// The major of a `cuDriverGetVersion`-style number (`12080` → 12); `None` for others.
    pub fn of_version(version: i32) -> Option<Self> {
        Self::from_number(u32::try_from(version / 1000).ok()?)
    }

    /// `12` → `Twelve`.
    pub fn from_number(number: u32) -> Option<Self> {
        match number {
            12 => Some(Self::Twelve),
            13 => Some(Self::Thirteen),
            _ => None,
        }
    }

    /// The oldest `cuDriverGetVersion` the major's libraries accept.
    pub fn min_driver_version(self) -> i32 {
        match self {
            Self::Twelve => 12000,
            Self::Thirteen => 13000,
        }
    }

    /// The oldest Linux driver release of that major, as people name it.
    pub fn min_driver_release(self) -> &'static str {
        match self {
            Self::Twelve => "525",
            Self::Thirteen => "580",
        }
    }

    /// The oldest compute capability the major's toolkit still builds for (CUDA 13 dropped
    /// Maxwell, Pascal and Volta).
    pub fn min_arch(self) -> i32 {
        match self {
            Self::Twelve => 50,
            Self::Thirteen => 75,
        }
    }

    /// NVRTC's file name: `libnvrtc.so.13`.
    pub fn nvrtc_soname(self) -> String {
        format!("libnvrtc.so.{}", self.number())
    }

    /// The pip package of a CUDA component: `nvidia-cuda-nvrtc` (CUDA 13 wheels dropped the
    /// suffix) or `nvidia-cuda-nvrtc-cu12`.
    pub fn pip_package(self, base: &str) -> String {
        match self {
            Self::Twelve => format!("{base}-cu12"),
            Self::Thirteen => base.to_owned(),
        }
    }

    /// Where a CUDA component's pip wheel puts its libraries, relative to `site-packages`:
    /// `nvidia/cu13/lib` for every CUDA 13 wheel, `nvidia/<component>/lib` (`cuda_nvrtc`,
    /// `cublas`, ...) for CUDA 12 wheels.
    pub fn pip_lib_dir(self, component: &str) -> String {
        match self {
            Self::Twelve => format!("nvidia/{component}/lib"),
            Self::Thirteen => "nvidia/cu13/lib".to_owned(),
        }
    }

    /// `--cuda-major`, else `MEGAPAK_CUDA_MAJOR`; `None` when neither says.
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(ENV) {
            Ok(value) if !value.trim().is_empty() => value.parse().map(Some),
            _ => Ok(None),
        }
    }
}

impl fmt::Display for CudaMajor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl FromStr for CudaMajor {
    type Err = String;

    /// `13`, `13.0`, `12.8`, `cu130` or `cu128`.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let digits = text.strip_prefix("cu").map_or_else(
            || text.split('.').next().unwrap_or(text).to_owned(),
            |rest| rest.get(..2).unwrap_or(rest).to_owned(),
        );
        digits
            .parse::<u32>()
            .ok()
            .and_then(Self::from_number)
            .ok_or_else(|| format!("`{text}` is not a CUDA major the harness knows (12 or 13)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_major_reads() {
        for text in ["13", "13.0", "cu130", " 13 "] {
            assert_eq!(text.parse::<CudaMajor>(), Ok(CudaMajor::Thirteen), "{text}");
        }
        for text in ["12", "12.8", "cu128", "cu126"] {
            assert_eq!(text.parse::<CudaMajor>(), Ok(CudaMajor::Twelve), "{text}");
        }
        assert_eq!(
            "11.8".parse::<CudaMajor>().unwrap_err(),
            "`11.8` is not a CUDA major the harness knows (12 or 13)"
        );
    }

    #[test]
    fn each_major_has_its_floor() {
        assert_eq!(CudaMajor::of_version(12080), Some(CudaMajor::Twelve));
        assert_eq!(CudaMajor::of_version(13000), Some(CudaMajor::Thirteen));
        assert_eq!(CudaMajor::of_version(11080), None);
        assert_eq!(CudaMajor::Twelve.nvrtc_soname(), "libnvrtc.so.12");
        assert_eq!(CudaMajor::Thirteen.min_arch(), 75);
        assert_eq!(
            CudaMajor::Twelve.pip_package("nvidia-cuda-nvrtc"),
            "nvidia-cuda-nvrtc-cu12"
        );
        assert_eq!(
            CudaMajor::Twelve.pip_lib_dir("cuda_nvrtc"),
            "nvidia/cuda_nvrtc/lib"
        );
        assert_eq!(
            CudaMajor::Thirteen.pip_lib_dir("cuda_nvrtc"),
            "nvidia/cu13/lib"
        );
    }
}
