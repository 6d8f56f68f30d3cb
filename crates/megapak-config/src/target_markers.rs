//! The PEP 508 marker environment of the image `[target]` describes, so that
//! `python_version < "3.11"` or `sys_platform == "win32"` lines are judged for the image and
//! not for the machine megapak runs on.

use megapak_requirements::pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::model::Target;

/// A `[target]` whose Python version is no `MAJOR.MINOR` (only possible for a [`Target`] built
/// by hand: reading `megapak.toml` refuses one).
#[derive(Debug, thiserror::Error)]
#[error("`[target] python = \"{python}\"` gives no marker environment: {reason}")]
pub struct InvalidTarget {
    python: String,
    reason: String,
}

impl Target {
    /// The environment of CPython `python` on the Nix system `system` (`x86_64-linux`). The
    /// patch release is not known here: `python_full_version` is `MAJOR.MINOR.0`; the kernel
    /// release and version, never known for an image, are empty.
    pub fn marker_environment(&self) -> Result<MarkerEnvironment, InvalidTarget> {
        let (machine, kernel) = self
            .system
            .split_once('-')
            .unwrap_or((self.system.as_str(), "linux"));
        let (sys_platform, platform_system) = match kernel {
            "darwin" => ("darwin", "Darwin"),
            _ => ("linux", "Linux"),
        };
        // Python's `platform.machine()` on macOS says `arm64` where Nix says `aarch64`.
        let platform_machine = match (machine, kernel) {
            ("aarch64", "darwin") => "arm64",
            (machine, _) => machine,
        };
        let full_version = format!("{}.0", self.python);
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full_version,
            os_name: "posix",
            platform_machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system,
            platform_version: "",
            python_full_version: &full_version,
            python_version: &self.python,
            sys_platform,
        })
        .map_err(|err| InvalidTarget {
            python: self.python.clone(),
            reason: err.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use megapak_requirements::pep508_rs::MarkerTree;

    use super::*;

    fn target(python: &str, system: &str) -> Target {
        Target {
            python: python.to_owned(),
            cuda: None,
            torch: None,
            system: system.to_owned(),
        }
    }

    fn holds(marker: &str, target: &Target) -> bool {
        let marker: MarkerTree = marker.parse().unwrap();
        marker.evaluate(&target.marker_environment().unwrap(), &[])
    }

    #[test]
    fn a_python_that_is_no_version_is_an_error() {
        let err = target("three", "x86_64-linux")
            .marker_environment()
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`[target] python = \"three\"` gives no marker environment: "),
            "{err}"
        );
    }

    #[test]
    fn markers_are_judged_for_the_image() {
        let image = target("3.14", "x86_64-linux");
        assert!(holds("python_version >= '3.13'", &image));
        assert!(!holds("python_version < '3.11'", &image));
        assert!(holds("python_full_version >= '3.14.0'", &image));
        assert!(!holds("sys_platform == 'win32'", &image));
        assert!(holds(
            "platform_system == 'Linux' and platform_machine == 'x86_64'",
            &image
        ));
        assert!(holds(
            "implementation_name == 'cpython' and os_name == 'posix'",
            &image
        ));
        assert!(holds(
            "platform_machine == 'aarch64'",
            &target("3.13", "aarch64-linux")
        ));
        assert!(holds(
            "sys_platform == 'darwin' and platform_machine == 'arm64'",
            &target("3.13", "aarch64-darwin")
        ));
    }
}
