//! `megapak verify --gpu`: proves on a GPU that the image's CUDA, PyTorch and onnxruntime run
//! kernels, by running the GPU harness (`image-tests/`) in the image, on this machine, or (as a
//! Kubernetes Job) on a GPU node.
//!
//! The harness always runs with `--require-gpu`: a check skipped for want of a GPU fails here.
//! It gets the image's CUDA major as `MEGAPAK_CUDA_MAJOR` (`--cuda-major N`, else `[target]
//! cuda` of the workspace's `megapak.toml`).

use anstream::eprintln;
use anyhow::Context;
use megapak_types::Hint;
use megapak_verify::container::Runtime;
use megapak_verify::pyenv::Libraries;
use megapak_verify::report::{self, Report};
use megapak_verify::{
    cuda_major, environment, harness, k8s, pyenv, run as harness_run, smoke_args,
};
use megapak_workspace::{Need, find_config};

use super::hinted;
use crate::cli::{RuntimeArg, VerifyArgs};
use crate::exit::{ERROR_STYLE, Outcome};
use crate::output::{write_file_atomically, write_stdout};

pub(crate) fn run(args: &VerifyArgs) -> anyhow::Result<Outcome> {
    let cuda = image_cuda_major(args)?;
    if let (Some(file), Some(image)) = (&args.emit_k8s_job, &args.image) {
        let options = k8s::JobOptions {
            runtime_class: args.runtime_class.clone(),
            cpu: args.cpu.clone(),
            memory: args.memory.clone(),
            cuda_major: cuda,
        };
        options.check().map_err(hinted)?;
        return emit_job(file, image, &options);
    }
    let cuda_env: Vec<(String, String)> = cuda.map(cuda_major::var).into_iter().collect();
    let (report, target) = if args.host {
        (on_host(args, &cuda_env)?, "this machine".to_owned())
    } else if let Some(image) = &args.image {
        (
            in_container(image, args.runtime, &cuda_env)?,
            format!("`{image}`"),
        )
    } else {
        return Err(hinted(NoPlace));
    };
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        report::render(&report, &target)
    };
    write_stdout(&text)?;
    if report.all_passed() {
        Ok(Outcome::Success)
    } else {
        eprintln!(
            "{ERROR_STYLE}error{ERROR_STYLE:#}: GPU verification of {target} failed: {}",
            report.not_passed()
        );
        Ok(Outcome::Failure)
    }
}

/// The image's CUDA major: `--cuda-major`, else `[target] cuda` of the configuration found the
/// way every command finds it (`--config`, else `megapak.toml` here), else none.
fn image_cuda_major(args: &VerifyArgs) -> anyhow::Result<Option<u32>> {
    if args.cuda_major.is_some() {
        return Ok(args.cuda_major);
    }
    let Some(config) = find_config(args.config.as_deref(), Need::Optional).map_err(hinted)? else {
        return Ok(None);
    };
    let Some(version) = &config.target.cuda else {
        return Ok(None);
    };
    let source_of = format!("`[target] cuda` of `{}`", config.path.display());
    let major = cuda_major::of_version(version, &source_of).map_err(hinted)?;
    eprintln!("The image is for CUDA {major} ({source_of}): the harness checks for it");
    Ok(Some(major))
}

/// Neither `--host` nor `--image` was given.
#[derive(Debug, thiserror::Error)]
#[error("Say where to verify: `--host` or `--image NAME`")]
struct NoPlace;

impl Hint for NoPlace {
    fn hint(&self) -> Option<String> {
        Some("on this machine: `megapak verify --gpu --host --python-env /path/to/venv`".to_owned())
    }
}

fn emit_job(
    file: &std::path::Path,
    image: &str,
    options: &k8s::JobOptions,
) -> anyhow::Result<Outcome> {
    let yaml = k8s::job(image, &smoke_args(), options);
    if file.as_os_str() == "-" {
        write_stdout(&yaml)?;
    } else {
        write_file_atomically(file, yaml.as_bytes())
            .with_context(|| format!("Cannot write the Kubernetes Job to `{}`", file.display()))?;
        eprintln!(
            "Wrote the Kubernetes Job `{}` to `{}`; run it with `kubectl apply -f {}`",
            k8s::job_name(image),
            file.display(),
            file.display()
        );
    }
    Ok(Outcome::Success)
}

fn on_host(args: &VerifyArgs, cuda_env: &[(String, String)]) -> anyhow::Result<Report> {
    let exe = std::env::current_exe().ok();
    let harness = harness::locate(args.harness_dir.as_deref(), exe.as_deref()).map_err(hinted)?;
    let libraries = args
        .python_env
        .iter()
        .map(|env| pyenv::find(env))
        .collect::<Result<Vec<_>, _>>()
        .map_err(hinted)?;
    for libs in &libraries {
        eprintln!("{}", using(libs));
    }
    let mut env = environment::host_env(&libraries, std::env::var_os("LD_LIBRARY_PATH").as_deref());
    env.vars.extend(cuda_env.iter().cloned());
    let line = harness_run::host_command(&harness, &[]);
    eprintln!("Running `{line}` on this machine");
    harness_run::on_host(&line, &env).map_err(hinted)
}

/// What an environment offers, for people: "Using `…/site-packages`: torch 2.11.0+cu130,
/// 2 `nvidia/*/lib` folders, `libonnxruntime.so.1.31.1`".
fn using(libs: &Libraries) -> String {
    let mut found = Vec::new();
    if libs.torch_lib.is_some() {
        found.push(match &libs.torch_version {
            Some(version) => format!("torch {version}"),
            None => "torch".to_owned(),
        });
    }
    if !libs.nvidia_libs.is_empty() {
        found.push(format!("{} `nvidia/*/lib` folders", libs.nvidia_libs.len()));
    }
    if let Some(ort) = &libs.onnxruntime {
        found.push(format!(
            "`{}`",
            ort.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    let sites = libs
        .site_packages
        .iter()
        .map(|s| format!("`{}`", s.display()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("Using {sites}: {}", found.join(", "))
}

fn in_container(
    image: &str,
    runtime: Option<RuntimeArg>,
    cuda_env: &[(String, String)],
) -> anyhow::Result<Report> {
    let explicit = runtime.map(|r| match r {
        RuntimeArg::Docker => Runtime::Docker,
        RuntimeArg::Podman => Runtime::Podman,
    });
    let (runtime, program) =
        megapak_verify::container::detect(explicit, std::env::var_os("PATH").as_deref())
            .map_err(hinted)?;
    let line = harness_run::container_command(runtime, &program, image, cuda_env, &[]);
    eprintln!("Running `{line}`");
    harness_run::in_container(runtime, &line, image).map_err(hinted)
}
