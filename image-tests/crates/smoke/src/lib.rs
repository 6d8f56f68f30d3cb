//! `megapak-smoke`: runs the GPU checks, one process each, and gathers one report.
//!
//! One process per check, so that a library missing for one (a binary that cannot even start
//! because libtorch is absent) cannot hide the others. They start together, so that library
//! loading and CUDA context creation overlap; each holds the GPU lock (`MEGAPAK_GPU_LOCK`)
//! only while it times something.

pub mod interpret;
pub mod spawn;

use std::path::PathBuf;
use std::time::Duration;

use megapak_harness::args::{ArgError, Common, Options as Parsed};

pub const USAGE: &str = "\
usage: megapak-smoke [--json] [--require-gpu] [--cpu-only] [--checks LIST] [--bin-dir DIR]
                     [--timeout SECS] [--serial] [--nvrtc-dir DIR] [--ort-dylib FILE]
                     [--cuda-major N]

Runs check-cuda, check-torch and check-ort (each a process of its own) and prints one report.

  --checks LIST     comma-separated subset of cuda,torch,ort (default: all)
  --bin-dir DIR     where the check binaries are (default: beside megapak-smoke)
  --timeout SECS    kill a check that runs longer (default 120)
  --serial          run the checks one after another instead of together
  --nvrtc-dir DIR   passed to check-cuda: preload NVRTC from DIR
  --ort-dylib FILE  passed to check-ort: the onnxruntime library (default $ORT_DYLIB_PATH)
  --cuda-major N    the image's CUDA major (12 or 13; default $MEGAPAK_CUDA_MAJOR, else each
                    check finds it out), passed to every check
  --cpu-only        only the parts a CPU can do (CI); refused with --require-gpu
  --require-gpu     a skipped GPU part (no GPU or driver) is a failure
  --json            print the report as JSON

A check passes only when it exits 0 with a report saying `passed` that carries every GPU
figure (unless --cpu-only); a report its exit status contradicts (a pass, then exit 1 or a
signal) fails with `check-exit-contradicts`.

Exit status: 0 every check passed; 1 a check failed; 2 usage error; 3 nothing failed but GPU
parts were skipped (no GPU or driver here).";

/// The checks, in report order: (name, binary).
pub const CHECKS: &[(&str, &str)] = &[
    ("cuda", "check-cuda"),
    ("torch", "check-torch"),
    ("ort", "check-ort"),
];

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub common: Common,
    pub checks: Vec<&'static str>,
    pub bin_dir: Option<PathBuf>,
    pub timeout: Duration,
    pub serial: bool,
    pub nvrtc_dir: Option<String>,
    pub ort_dylib: Option<String>,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, ArgError> {
        let mut args: Vec<String> = args.into_iter().collect();
        // `--serial` is ours alone; the shared reader knows only the common flags.
        let serial = args.iter().any(|a| a == "--serial");
        args.retain(|a| a != "--serial");
        let parsed = Parsed::parse(
            args,
            &[
                "--checks",
                "--bin-dir",
                "--timeout",
                "--nvrtc-dir",
                "--ort-dylib",
            ],
        )?;
        let checks = match parsed.value("--checks") {
            None => CHECKS.iter().map(|(name, _)| *name).collect(),
            Some(list) => list
                .split(',')
                .map(|name| {
                    CHECKS
                        .iter()
                        .map(|(n, _)| *n)
                        .find(|n| *n == name.trim())
                        .ok_or_else(|| ArgError::Invalid {
                            option: "--checks".into(),
                            value: list.into(),
                            reason: format!("`{name}` is not one of cuda, torch, ort"),
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            common: parsed.common,
            checks,
            bin_dir: parsed.value("--bin-dir").map(PathBuf::from),
            timeout: Duration::from_secs(parsed.parsed("--timeout")?.unwrap_or(120)),
            serial,
            nvrtc_dir: parsed.value("--nvrtc-dir").map(str::to_owned),
            ort_dylib: parsed.value("--ort-dylib").map(str::to_owned),
        })
    }

    /// How the driver judges the checks' reports under these options.
    pub fn judge(&self) -> interpret::Judge {
        interpret::Judge {
            require_gpu: self.common.require_gpu,
            cpu_only: self.common.cpu_only,
            timeout_secs: self.timeout.as_secs(),
        }
    }

    /// The arguments for one check binary.
    pub fn child_args(&self, name: &str) -> Vec<String> {
        let mut args = vec!["--json".to_owned()];
        if self.common.require_gpu {
            args.push("--require-gpu".into());
        }
        if self.common.cpu_only {
            args.push("--cpu-only".into());
        }
        if let Some(major) = self.common.cuda_major {
            args.extend(["--cuda-major".into(), major.number().to_string()]);
        }
        match (name, &self.nvrtc_dir, &self.ort_dylib) {
            ("cuda", Some(dir), _) => args.extend(["--nvrtc-dir".into(), dir.clone()]),
            ("ort", _, Some(file)) => args.extend(["--ort-dylib".into(), file.clone()]),
            _ => {}
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ArgError> {
        Options::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn checks_default_to_all_and_can_be_chosen() {
        assert_eq!(parse(&[]).unwrap().checks, ["cuda", "torch", "ort"]);
        assert_eq!(
            parse(&["--checks", "ort, cuda"]).unwrap().checks,
            ["ort", "cuda"]
        );
        let err = parse(&["--checks", "cuda,tensorflow"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value `cuda,tensorflow` for `--checks`: `tensorflow` is not one of cuda, torch, ort"
        );
    }

    #[test]
    fn flags_reach_the_right_checks() {
        let o = parse(&[
            "--require-gpu",
            "--nvrtc-dir",
            "/n",
            "--ort-dylib",
            "/o.so",
            "--serial",
        ])
        .unwrap();
        assert!(o.serial);
        assert_eq!(
            o.child_args("cuda"),
            ["--json", "--require-gpu", "--nvrtc-dir", "/n"]
        );
        assert_eq!(o.child_args("torch"), ["--json", "--require-gpu"]);
        assert_eq!(
            o.child_args("ort"),
            ["--json", "--require-gpu", "--ort-dylib", "/o.so"]
        );
    }

    #[test]
    fn the_cuda_major_reaches_every_check() {
        let o = parse(&["--cuda-major", "12.8", "--cpu-only"]).unwrap();
        for check in ["cuda", "torch", "ort"] {
            assert_eq!(
                o.child_args(check),
                ["--json", "--cpu-only", "--cuda-major", "12"]
            );
        }
        assert!(parse(&["--cuda-major", "11"]).is_err());
    }

    #[test]
    fn cpu_only_with_require_gpu_is_refused() {
        let err = parse(&["--cpu-only", "--serial", "--require-gpu"]).unwrap_err();
        assert_eq!(err, ArgError::CpuOnlyWithRequireGpu);
    }
}
