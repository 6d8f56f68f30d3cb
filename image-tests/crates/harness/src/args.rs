//! A small command-line reader shared by the check binaries (they take a handful of options, so
//! a full parser would only add build time).

use crate::cuda_major::{self, CudaMajor};

/// A command line that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("Unknown option `{0}`")]
    Unknown(String),
    #[error("Option `{0}` needs a value")]
    MissingValue(String),
    #[error("Option `{0}` takes no value")]
    UnexpectedValue(String),
    #[error(
        "`--cpu-only` and `--require-gpu` contradict each other: `--cpu-only` asks for no GPU work, `--require-gpu` for a failure without it"
    )]
    CpuOnlyWithRequireGpu,
    #[error("Invalid value `{value}` for `{option}`: {reason}")]
    Invalid {
        option: String,
        value: String,
        reason: String,
    },
}

/// The options every check understands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Common {
    /// Print the report as JSON instead of a table.
    pub json: bool,
    /// A skipped GPU part (no GPU, no driver) is a failure.
    pub require_gpu: bool,
    /// Run only the parts a CPU can do; the GPU parts are not requested.
    pub cpu_only: bool,
    /// Print usage and exit.
    pub help: bool,
    /// The image's CUDA major: `--cuda-major N`, else `MEGAPAK_CUDA_MAJOR`; `None` when the
    /// check is to find it out itself.
    pub cuda_major: Option<CudaMajor>,
}

/// Options in the order given: `--name`, `--name value` or `--name=value`.
#[derive(Debug, Default)]
pub struct Options {
    pub common: Common,
    values: Vec<(String, String)>,
}

impl Options {
    /// Reads `args`; `with_values` names the options that take a value (`--cuda-major` is
    /// always one). `--cpu-only` with `--require-gpu` is refused.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        with_values: &[&str],
    ) -> Result<Self, ArgError> {
        let mut options = Self::parse_args(args, with_values)?;
        if options.common.cpu_only && options.common.require_gpu && !options.common.help {
            return Err(ArgError::CpuOnlyWithRequireGpu);
        }
        options.common.cuda_major = match options.parsed::<CudaMajor>("--cuda-major")? {
            Some(major) => Some(major),
            None => CudaMajor::from_env().map_err(|reason| ArgError::Invalid {
                option: cuda_major::ENV.to_owned(),
                value: std::env::var(cuda_major::ENV).unwrap_or_default(),
                reason,
            })?,
        };
        Ok(options)
    }

    fn parse_args(
        args: impl IntoIterator<Item = String>,
        with_values: &[&str],
    ) -> Result<Self, ArgError> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => {
                    (name.to_owned(), Some(value.to_owned()))
                }
                _ => (arg.clone(), None),
            };
            let flag = match name.as_str() {
                "--json" => Some(&mut options.common.json),
                "--require-gpu" => Some(&mut options.common.require_gpu),
                "--cpu-only" => Some(&mut options.common.cpu_only),
                "--help" | "-h" => Some(&mut options.common.help),
                _ => None,
            };
            if let Some(flag) = flag {
                if inline.is_some() {
                    return Err(ArgError::UnexpectedValue(name));
                }
                *flag = true;
            } else if with_values.contains(&name.as_str()) || name == "--cuda-major" {
                let value = match inline {
                    Some(v) => v,
                    None => args
                        .next()
                        .ok_or_else(|| ArgError::MissingValue(name.clone()))?,
                };
                options.values.push((name, value));
            } else {
                return Err(ArgError::Unknown(arg));
            }
        }
        Ok(options)
    }

    /// The last value given for `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value given for `name`, parsed.
    pub fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ArgError>
    where
        T::Err: std::fmt::Display,
    {
        self.value(name)
            .map(|v| {
                v.parse().map_err(|e: T::Err| ArgError::Invalid {
                    option: name.to_owned(),
                    value: v.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ArgError> {
        Options::parse(
            args.iter().map(|s| (*s).to_owned()),
            &["--copy-mib", "--nvrtc-dir"],
        )
    }

    #[test]
    fn flags_and_values_in_both_spellings() {
        let o = parse(&[
            "--json",
            "--copy-mib",
            "64",
            "--nvrtc-dir=/x",
            "--require-gpu",
        ])
        .unwrap();
        assert!(o.common.json && o.common.require_gpu && !o.common.cpu_only);
        assert_eq!(o.parsed::<u64>("--copy-mib").unwrap(), Some(64));
        assert_eq!(o.value("--nvrtc-dir"), Some("/x"));
    }

    #[test]
    fn cpu_only_and_require_gpu_are_refused_together() {
        let err = parse(&["--cpu-only", "--require-gpu"]).unwrap_err();
        assert_eq!(err, ArgError::CpuOnlyWithRequireGpu);
        assert!(
            err.to_string()
                .starts_with("`--cpu-only` and `--require-gpu` contradict")
        );
    }

    #[test]
    fn the_cuda_major_is_read() {
        let o = parse(&["--cuda-major", "12.8"]).unwrap();
        assert_eq!(o.common.cuda_major, Some(CudaMajor::Twelve));
        let err = parse(&["--cuda-major=11"]).unwrap_err();
        assert!(err.to_string().contains("not a CUDA major"), "{err}");
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            parse(&["--gpu"]).unwrap_err(),
            ArgError::Unknown("--gpu".into())
        );
        assert_eq!(
            parse(&["--copy-mib"]).unwrap_err(),
            ArgError::MissingValue("--copy-mib".into())
        );
        assert_eq!(
            parse(&["--json=1"]).unwrap_err(),
            ArgError::UnexpectedValue("--json".into())
        );
        let err = parse(&["--copy-mib", "lots"])
            .unwrap()
            .parsed::<u64>("--copy-mib")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value `lots` for `--copy-mib`: invalid digit found in string"
        );
    }
}
