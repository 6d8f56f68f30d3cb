//! `megapak build`: `nix build` of the workspace's image with progress on stderr, each failure
//! named by its lock entry, then the image's path (stdout) and closure size; with `--load`, the
//! image loaded into docker or podman. megapak-image does the work; this module picks what to
//! build from the command line and the workspace, and prints.
//!
//! Exit status: 0 built, 1 the build failed for a reason the user can fix (each named), 2 Nix
//! answered what megapak cannot read.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anstream::eprintln;
use anyhow::Context;
use megapak_image::{
    BuildError, BuildRequest, Built, Failure, Installable, KnownPackage, KnownPackages, OutLink,
    PlainProgress, Progress, TerminalProgress, closure, load, nix, progress::human_bytes,
};
use megapak_lock::{Lock, LockedSource};
use megapak_types::Hint;
use megapak_verify::container::Runtime;
use megapak_workspace::{Need, find_config};

use crate::cli::{BuildArgs, RuntimeArg};
use crate::commands::hinted;
use crate::exit::{ERROR_STYLE, HINT_STYLE, Internal, Outcome, WARNING_STYLE};
use crate::output::write_stdout;

/// The flake output the workspace flake defines for the image.
const IMAGE_ATTRIBUTE: &str = "image";
const LOCK_FILE: &str = "megapak.lock";

pub(crate) fn run(args: &BuildArgs) -> anyhow::Result<Outcome> {
    let config = find_config(args.config.as_deref(), Need::Optional).map_err(hinted)?;
    let workspace = match &config {
        Some(config) => Some(absolute(config.path.parent().unwrap_or(Path::new(".")))?),
        None => None,
    };
    let known = workspace.as_deref().map(known_packages).unwrap_or_default();
    let mut nix_args = args.nix_args.clone();
    let print_build_logs = nix::take_print_build_logs(&mut nix_args) || args.print_build_logs;
    let request = BuildRequest {
        nix: "nix".to_owned(),
        installable: installable(args, workspace.as_deref())?,
        out_link: out_link(args, workspace.as_deref()),
        nix_args,
    };
    // Arguments megapak owns are refused before anything runs.
    request.arguments().map_err(hinted)?;
    eprintln!("Running `{}`", request.display());

    let mut progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(TerminalProgress::new(print_build_logs))
    } else {
        Box::new(PlainProgress::new(std::io::stderr(), print_build_logs))
    };
    let built = match request.run(&known, progress.as_mut()) {
        Ok(built) => built,
        Err(BuildError::Failed { failures }) => {
            print_failures(&failures);
            return Ok(Outcome::Failure);
        }
        Err(err) if err.is_internal() => return Err(Internal(hinted(err)).into()),
        Err(err) => return Err(hinted(err)),
    };
    drop(progress);
    let in_store = report(&request, &built)?;
    if args.load && in_store {
        load_image(&built, args.runtime)?;
    }
    Ok(Outcome::Success)
}

/// What to build: `--file`, `--flake`, or the workspace's (else the current folder's) flake.
fn installable(args: &BuildArgs, workspace: Option<&Path>) -> anyhow::Result<Installable> {
    if let Some(file) = &args.file {
        return Ok(Installable::File {
            file: file.clone(),
            attribute: args.attr.clone(),
            args: args
                .argstr
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair[1].clone()))
                .collect(),
        });
    }
    let attribute = args.attr.as_deref().unwrap_or(IMAGE_ATTRIBUTE);
    let reference = match (&args.flake, workspace) {
        // A folder is made absolute: Nix reads `ws#image` as a registry name, not a path.
        (Some(flake), _) if Path::new(flake).is_dir() => {
            absolute(Path::new(flake))?.display().to_string()
        }
        (Some(flake), _) => flake.clone(),
        (None, Some(dir)) => {
            workspace_is_ready(dir)?;
            dir.display().to_string()
        }
        (None, None) => {
            let here = absolute(Path::new("."))?;
            if !here.join("flake.nix").is_file() {
                return Err(hinted(NotReady::NothingToBuild));
            }
            here.display().to_string()
        }
    };
    Ok(Installable::Flake(format!("{reference}#{attribute}")))
}

/// Why the workspace cannot be built yet.
#[derive(Debug, thiserror::Error)]
enum NotReady {
    #[error("Nothing to build: no `megapak.toml` and no `flake.nix` in the current folder")]
    NothingToBuild,
    #[error("The workspace `{}` has no `flake.nix`", .dir.display())]
    NoFlake { dir: PathBuf },
    #[error("The workspace `{}` has no `{file}` yet", .dir.display())]
    Unresolved { dir: PathBuf, file: &'static str },
}

impl Hint for NotReady {
    fn hint(&self) -> Option<String> {
        Some(match self {
            Self::NothingToBuild => "run `megapak build` in a workspace (`megapak init` writes one), or pass `--flake REF` or `--file FILE`",
            Self::NoFlake { .. } => "`megapak init` writes the workspace flake beside `megapak.toml`; or pass `--flake REF` or `--file FILE`",
            Self::Unresolved { .. } => "run `megapak resolve` first: it writes the lock and the Nix files the flake builds",
        }.to_owned())
    }
}

/// The workspace flake reads `megapak.lock` and the files `megapak resolve` writes: without
/// them Nix would only say that a path in the store does not exist.
fn workspace_is_ready(dir: &Path) -> anyhow::Result<()> {
    if !dir.join("flake.nix").is_file() {
        return Err(hinted(NotReady::NoFlake {
            dir: dir.to_path_buf(),
        }));
    }
    for file in [LOCK_FILE, "nix/python-packages.nix", "nix/packages.nix"] {
        if !dir.join(file).is_file() {
            return Err(hinted(NotReady::Unresolved {
                dir: dir.to_path_buf(),
                file,
            }));
        }
    }
    Ok(())
}

fn out_link(args: &BuildArgs, workspace: Option<&Path>) -> OutLink {
    if args.no_link {
        return OutLink::None;
    }
    match (&args.out_link, workspace) {
        (Some(path), _) => OutLink::At(path.clone()),
        (None, Some(dir)) if args.file.is_none() && args.flake.is_none() => {
            OutLink::At(dir.join("result"))
        }
        (None, _) => OutLink::At(PathBuf::from("result")),
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    fs_err::canonicalize(path).map_err(Into::into)
}

/// The lock's packages, to name failures by lock entry; without a readable lock, failures are
/// named by derivation only.
fn known_packages(workspace: &Path) -> KnownPackages {
    let path = workspace.join(LOCK_FILE);
    if !path.is_file() {
        return KnownPackages::default();
    }
    match Lock::read(&path) {
        Ok(lock) => KnownPackages::new(
            lock.packages
                .into_iter()
                .map(|package| {
                    let (files, attribute) = match package.source {
                        LockedSource::Url { filename, .. } => (vec![filename], None),
                        LockedSource::Path { path, .. } => (
                            Path::new(&path)
                                .file_name()
                                .map(|f| f.to_string_lossy().into_owned())
                                .into_iter()
                                .collect(),
                            None,
                        ),
                        LockedSource::Nixpkgs { attribute, .. } => (Vec::new(), Some(attribute)),
                        LockedSource::Git { .. } => (Vec::new(), None),
                    };
                    KnownPackage {
                        name: package.name,
                        version: package.version,
                        files,
                        attribute,
                    }
                })
                .collect(),
        ),
        Err(err) => {
            eprintln!(
                "{WARNING_STYLE}warning{WARNING_STYLE:#}: `{}` was not read ({err}); failures are named by derivation only",
                path.display()
            );
            KnownPackages::default()
        }
    }
}

fn print_failures(failures: &[Failure]) {
    for failure in failures {
        eprintln!("{ERROR_STYLE}error{ERROR_STYLE:#}: {failure}");
        for line in failure.log_tail() {
            eprintln!("  > {line}");
        }
        if let Some(hint) = failure.hint() {
            eprintln!("{HINT_STYLE}hint{HINT_STYLE:#}: {hint}");
        }
    }
}

/// The paths on stdout; what was done and the closure's size on stderr. Whether there is an
/// image in the store.
fn report(request: &BuildRequest, built: &Built) -> anyhow::Result<bool> {
    let Some(image) = built.outputs.first() else {
        eprintln!("Nix built nothing and named no output (as with `--dry-run`)");
        return Ok(false);
    };
    let size = closure::closure_size(&request.nix, image, nix::store_argument(&request.nix_args))
        .map_err(|err| {
        if err.is_internal() {
            Internal(hinted(err)).into()
        } else {
            hinted(err)
        }
    })?;
    let Some(size) = size else {
        eprintln!("Nix named `{image}` but did not build it (as with `--dry-run`)");
        return Ok(false);
    };
    write_stdout(
        &built
            .outputs
            .iter()
            .map(|p| format!("{p}\n"))
            .collect::<String>(),
    )?;
    let status = &built.status;
    let mut done = vec![format!("closure {}", human_bytes(size))];
    done.push(format!(
        "{} derivation{} built",
        status.builds_done,
        if status.builds_done == 1 { "" } else { "s" }
    ));
    if status.fetched > 0 {
        done.push(format!("{} paths fetched", status.fetched));
    }
    if status.download_done > 0 {
        done.push(format!("{} downloaded", human_bytes(status.download_done)));
    }
    eprintln!("Built `{image}`: {}", done.join(", "));
    Ok(true)
}

fn load_image(built: &Built, runtime: Option<RuntimeArg>) -> anyhow::Result<()> {
    let image = Path::new(&built.outputs[0]);
    let explicit = runtime.map(|r| match r {
        RuntimeArg::Docker => Runtime::Docker,
        RuntimeArg::Podman => Runtime::Podman,
    });
    let (runtime, program) =
        megapak_verify::container::detect(explicit, std::env::var_os("PATH").as_deref())
            .map_err(hinted)?;
    eprintln!("Loading the image into {}", runtime.program());
    let loaded = load::load(image, &program)
        .map_err(hinted)
        .with_context(|| format!("Cannot load `{}`", image.display()))?;
    for name in &loaded.images {
        eprintln!("Loaded `{name}` into {}", runtime.program());
    }
    if let Some(name) = loaded.images.first() {
        eprintln!(
            "{HINT_STYLE}hint{HINT_STYLE:#}: verify it on a GPU: `megapak verify --gpu --image {name}`"
        );
    }
    Ok(())
}
