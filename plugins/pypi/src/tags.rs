//! Which wheels run on the target, and which one is best: the supported tag triples of CPython
//! `3.MINOR` on x86_64/aarch64 Linux with a given glibc, ranked as `packaging.tags` (pip, uv)
//! ranks them, and the CUDA a local version names (`+cu130`).

use std::collections::HashMap;

use megapak_plugin_abi::wire::Target;
use pep440_rs::{LocalSegment, Version};

use crate::error::SettingsError;
use crate::filename::WheelTags;

/// The wheel tags the target accepts, best first.
#[derive(Debug, Clone)]
pub struct TargetTags {
    /// `(python, abi, platform)` to rank, 0 = best.
    ranks: HashMap<(String, String, String), usize>,
    /// `cu130` for CUDA 13.0; `None` for a CPU image.
    cuda: Option<(u32, u32)>,
    /// For messages: `Python 3.14 on x86_64-linux (glibc 2.28, CUDA 13.0)`.
    description: String,
}

impl TargetTags {
    /// The tags of `target` with glibc `glibc`.
    pub fn new(target: &Target, glibc: (u32, u32)) -> Result<Self, SettingsError> {
        let minor = target
            .python
            .strip_prefix("3.")
            .and_then(|minor| minor.parse::<u32>().ok())
            .ok_or_else(|| SettingsError::Python(target.python.clone()))?;
        let arch = match target.system.as_str() {
            "x86_64-linux" => "x86_64",
            "aarch64-linux" => "aarch64",
            other => return Err(SettingsError::System(other.to_owned())),
        };
        let cuda = target.cuda.as_deref().and_then(|cuda| {
            let (major, minor) = cuda.split_once('.')?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        });
        let platforms = linux_platforms(arch, glibc);
        let mut order: Vec<(String, String, String)> = Vec::new();
        let cp = format!("cp3{minor}");
        // CPython-specific: the exact ABI, then abi3 of this and older versions, then none.
        for platform in &platforms {
            order.push((cp.clone(), cp.clone(), platform.clone()));
        }
        for older in (2..=minor).rev() {
            for platform in &platforms {
                order.push((format!("cp3{older}"), "abi3".to_owned(), platform.clone()));
            }
        }
        for platform in &platforms {
            order.push((cp.clone(), "none".to_owned(), platform.clone()));
        }
        // Generic interpreters: `py3XX`, `py3`, older `py3X`, on this platform, then `any`.
        let generic: Vec<String> = std::iter::once(format!("py3{minor}"))
            .chain(std::iter::once("py3".to_owned()))
            .chain((0..minor).rev().map(|older| format!("py3{older}")))
            .collect();
        for python in &generic {
            for platform in &platforms {
                order.push((python.clone(), "none".to_owned(), platform.clone()));
            }
        }
        order.push((cp.clone(), "none".to_owned(), "any".to_owned()));
        for python in &generic {
            order.push((python.clone(), "none".to_owned(), "any".to_owned()));
        }
        let mut ranks = HashMap::with_capacity(order.len());
        for (rank, triple) in order.into_iter().enumerate() {
            ranks.entry(triple).or_insert(rank);
        }
        let description = format!(
            "Python {} on {} (glibc {}.{}{})",
            target.python,
            target.system,
            glibc.0,
            glibc.1,
            target
                .cuda
                .as_deref()
                .map(|cuda| format!(", CUDA {cuda}"))
                .unwrap_or_default()
        );
        Ok(Self {
            ranks,
            cuda,
            description,
        })
    }

    /// The rank of the best tag triple of `tags` the target accepts (0 = best); `None` when the
    /// wheel does not run on the target.
    pub fn rank(&self, tags: &WheelTags) -> Option<usize> {
        let mut best = None;
        for python in &tags.python {
            for abi in &tags.abi {
                for platform in &tags.platform {
                    let key = (python.clone(), abi.clone(), platform.clone());
                    if let Some(&rank) = self.ranks.get(&key) {
                        best = Some(best.map_or(rank, |b: usize| b.min(rank)));
                    }
                }
            }
        }
        best
    }

    /// Whether a version's local label suits the target's CUDA: `+cu130` only for CUDA 13.0
    /// (`+cu13` for any 13.x), never for a CPU image; `+cpu` only for a CPU image; labels that
    /// name neither always suit.
    pub fn local_fits(&self, version: &Version) -> bool {
        let cpu = version
            .local()
            .iter()
            .any(|segment| matches!(segment, LocalSegment::String(text) if text == "cpu"));
        if cpu {
            // A CUDA image wants the CUDA build; `+cpu` is for CPU images.
            return self.cuda.is_none();
        }
        let Some(wanted) = cuda_of_local(version.local()) else {
            return true;
        };
        match (self.cuda, wanted) {
            (None, _) => false,
            (Some((major, _)), (m, None)) => major == m,
            (Some((major, minor)), (m, Some(n))) => major == m && minor == n,
        }
    }

    /// `Python 3.14 on x86_64-linux (glibc 2.28, CUDA 13.0)`.
    pub fn describe(&self) -> &str {
        &self.description
    }
}

/// The CUDA version a local label names: `cu130` is `(13, Some(0))`, `cu13` is `(13, None)`,
/// `cu118` is `(11, Some(8))`, `cu130torch2` too.
fn cuda_of_local(local: &[LocalSegment]) -> Option<(u32, Option<u32>)> {
    local.iter().find_map(|segment| {
        let LocalSegment::String(text) = segment else {
            return None;
        };
        let digits: String = text
            .strip_prefix("cu")?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        match digits.len() {
            2 => Some((digits.parse().ok()?, None)),
            3 => Some((digits[..2].parse().ok()?, Some(digits[2..].parse().ok()?))),
            _ => None,
        }
    })
}

/// `manylinux_2_G_arch` down to the oldest, each legacy alias beside its glibc
/// (`manylinux2014` = 2.17, `manylinux2010` = 2.12, `manylinux1` = 2.5), then `linux_arch`.
fn linux_platforms(arch: &str, glibc: (u32, u32)) -> Vec<String> {
    let oldest = if arch == "x86_64" { 5 } else { 17 };
    let mut platforms = Vec::new();
    for minor in (oldest..=glibc.1).rev() {
        platforms.push(format!("manylinux_2_{minor}_{arch}"));
        let legacy = match minor {
            17 => Some("manylinux2014"),
            12 if arch == "x86_64" => Some("manylinux2010"),
            5 if arch == "x86_64" => Some("manylinux1"),
            _ => None,
        };
        if let Some(legacy) = legacy {
            platforms.push(format!("{legacy}_{arch}"));
        }
    }
    platforms.push(format!("linux_{arch}"));
    platforms
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn target(cuda: Option<&str>) -> Target {
        Target {
            python: "3.14".to_owned(),
            system: "x86_64-linux".to_owned(),
            cuda: cuda.map(str::to_owned),
            torch: None,
        }
    }

    fn tags(name: &str) -> WheelTags {
        let parts: Vec<&str> = name.split('-').collect();
        let split = |s: &str| s.split('.').map(str::to_owned).collect();
        WheelTags {
            python: split(parts[0]),
            abi: split(parts[1]),
            platform: split(parts[2]),
        }
    }

    #[test]
    fn ranks_wheels_as_pip_does() {
        let target = TargetTags::new(&target(None), (2, 28)).unwrap();
        let ranked = [
            "cp314-cp314-manylinux_2_28_x86_64",
            "cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64",
            "cp314-cp314-manylinux1_x86_64",
            "cp312-abi3-manylinux_2_17_x86_64",
            "cp39-abi3-manylinux_2_17_x86_64",
            "py3-none-manylinux2010_x86_64",
            "py3-none-any",
            "py2.py3-none-any",
        ];
        let ranks: Vec<usize> = ranked
            .iter()
            .map(|t| target.rank(&tags(t)).unwrap())
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        for refused in [
            "cp314-cp314-manylinux_2_34_x86_64",
            "cp314-cp314t-manylinux_2_17_x86_64",
            "cp313-cp313-manylinux_2_17_x86_64",
            "cp314-cp314-musllinux_1_2_x86_64",
            "cp314-cp314-manylinux_2_17_aarch64",
            "cp314-cp314-win_amd64",
            "cp315-abi3-manylinux_2_17_x86_64",
            "py2-none-any",
        ] {
            assert_eq!(target.rank(&tags(refused)), None, "{refused}");
        }
        assert_eq!(
            target.describe(),
            "Python 3.14 on x86_64-linux (glibc 2.28)"
        );
    }

    #[test]
    fn a_newer_glibc_accepts_newer_manylinux() {
        let target = TargetTags::new(&target(None), (2, 34)).unwrap();
        assert!(
            target
                .rank(&tags("cp314-cp314-manylinux_2_34_x86_64"))
                .is_some()
        );
        assert!(
            target
                .rank(&tags("cp314-cp314-manylinux_2_35_x86_64"))
                .is_none()
        );
    }

    #[test]
    fn aarch64_starts_at_manylinux2014() {
        let mut aarch64 = target(None);
        aarch64.system = "aarch64-linux".to_owned();
        let target = TargetTags::new(&aarch64, (2, 28)).unwrap();
        assert!(
            target
                .rank(&tags("cp314-cp314-manylinux2014_aarch64"))
                .is_some()
        );
        assert!(
            target
                .rank(&tags("cp314-cp314-manylinux_2_17_x86_64"))
                .is_none()
        );
        let mut darwin = target_for("x86_64-darwin");
        darwin.python = "3.14".to_owned();
        assert!(TargetTags::new(&darwin, (2, 28)).is_err());
    }

    fn target_for(system: &str) -> Target {
        Target {
            system: system.to_owned(),
            ..target(None)
        }
    }

    #[test]
    fn local_cuda_labels_must_match_the_target() {
        let version = |text: &str| Version::from_str(text).unwrap();
        let cu130 = TargetTags::new(&target(Some("13.0")), (2, 28)).unwrap();
        let cpu = TargetTags::new(&target(None), (2, 28)).unwrap();
        assert!(cu130.local_fits(&version("2.10.0+cu130")));
        assert!(cu130.local_fits(&version("2.10.0+cu13")));
        assert!(cu130.local_fits(&version("2.8.3+cu130torch2.10cxx11abitrue")));
        assert!(cu130.local_fits(&version("2.10.0")));
        assert!(!cu130.local_fits(&version("2.10.0+cpu")));
        assert!(cu130.local_fits(&version("2.10.0+special")));
        assert!(!cu130.local_fits(&version("2.10.0+cu128")));
        assert!(!cpu.local_fits(&version("2.10.0+cu130")));
        assert!(cpu.local_fits(&version("2.10.0+cpu")));
    }
}
