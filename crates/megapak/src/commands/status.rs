//! `megapak status`: the coverage report of a workspace's pak files. The inputs come from
//! megapak-workspace; this module compares and renders. When `megapak.lock` lies beside
//! `megapak.toml`, each package's row gets its locked provider and version; a requested package
//! the lock lacks is named (the lock's input hash takes the plugins to check, so that is the one
//! staleness status can see).

use std::path::{Path, PathBuf};

use anyhow::Context;
use megapak_lock::{Lock, LockedSource};
use megapak_nix::read::{EntryState, FlakePackages, read_flake_packages};
use megapak_report::{
    FlakeInput, FlakeListing, LockInput, LockSummary, LockedEntry, PackageKind, PakFileSummary,
    RequestedPackage, StatusInput, StatusReport, render,
};
use megapak_requirements::{PackageName, PackageSource};
use megapak_types::Hint;
use megapak_workspace::{Need, Paks, Request, Workspace, lock_path};

use super::hinted;
use crate::cli::{ReportFormat, StatusArgs};
use crate::exit::Outcome;
use crate::inputs::{
    flake_without_packages, refuse_output_among_inputs, refuse_overrides_contradicting_pins,
};
use crate::insecure_urls::insecure_urls;
use crate::output::{
    OutputIsAnInput, refuse_output_that_is_an_input, write_file_atomically, write_stdout,
};
use crate::terminal_text;

pub(crate) fn run(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let workspace = Workspace::load(&Request {
        config: args.config.clone(),
        // `--paks` is enough without a configuration; a `megapak.toml` still gives the target.
        need: if args.paks.is_empty() {
            Need::Required
        } else {
            Need::Optional
        },
        paks: Paks::CommandLine(args.paks.clone()),
    })
    .map_err(hinted)?;
    for note in &workspace.read_within {
        terminal_text::note(note);
    }
    terminal_text::warnings(&workspace.warnings, |warning| warning.hint());
    let flake = args.flake.as_deref().map(read_flake_packages).transpose()?;
    refuse_output_among_inputs(args.output.as_deref(), &workspace, args.flake.as_deref())?;
    let lock = read_lock(&workspace)?;
    if let (Some(output), Some((path, _))) = (&args.output, &lock) {
        refuse_output_that_is_an_input(output, [path.as_path()])
            .map_err(|err| hinted(ReportOverAnInput(err)))?;
    }
    refuse_overrides_contradicting_pins(&workspace)?;
    terminal_text::warnings(insecure_urls(&workspace.files), |url| Some(url.hint()));
    terminal_text::warnings(flake.as_ref().and_then(flake_without_packages), |flake| {
        Some(flake.hint())
    });

    let report = StatusReport::build(&status_input(&workspace, flake.as_ref(), lock.as_ref()));
    if let Some(summary) = &report.lock {
        // With `--paks`, the pak files are not those the lock was made from.
        let config = workspace
            .config
            .as_ref()
            .map(|config| config.path.as_path());
        warn_of_packages_not_locked(summary, config.filter(|_| !args.paks.is_empty()));
    }
    let text = match args.format {
        ReportFormat::Table => render::table(&report),
        ReportFormat::Markdown => render::markdown(&report),
        ReportFormat::Json => render::json(&report),
    };
    match &args.output {
        Some(path) => {
            // A file never gets terminal colours.
            let plain = anstream::adapter::strip_str(&text).to_string();
            write_file_atomically(path, plain.as_bytes())
                .with_context(|| format!("Cannot write the report to `{}`", path.display()))?;
        }
        None => write_stdout(&text)?,
    }
    Ok(Outcome::Success)
}

/// `-o` names a file the report is made from (the lock): writing it would lose it.
#[derive(Debug, thiserror::Error)]
#[error("{0}; megapak never writes over what it reads")]
struct ReportOverAnInput(OutputIsAnInput);

impl Hint for ReportOverAnInput {
    fn hint(&self) -> Option<String> {
        Some("pass another file to `-o`, such as `STATUS.md`".to_owned())
    }
}

/// The workspace's `megapak.lock`, when there is one beside its `megapak.toml`. A lock that
/// cannot be read is an error naming its line: a report that silently ignored it would say
/// nothing is locked.
fn read_lock(workspace: &Workspace) -> anyhow::Result<Option<(PathBuf, Lock)>> {
    let Some(config) = &workspace.config else {
        return Ok(None);
    };
    let path = lock_path(config);
    // `try_exists` is an error where the folder cannot be searched; the read names that.
    if matches!(path.try_exists(), Ok(false)) {
        return Ok(None);
    }
    let lock = Lock::read(&path).map_err(hinted)?;
    Ok(Some((path, lock)))
}

/// A warning naming the requested packages the lock has no entry for, with the next step.
/// `other_paks_than` is the configuration when the report read other pak files than its own.
fn warn_of_packages_not_locked(summary: &LockSummary, other_paks_than: Option<&Path>) {
    if summary.not_locked.is_empty() {
        return;
    }
    const NAMED: usize = 10;
    let mut names: Vec<String> = summary
        .not_locked
        .iter()
        .take(NAMED)
        .map(|name| format!("`{name}`"))
        .collect();
    if summary.not_locked.len() > NAMED {
        names.push(format!("and {} more", summary.not_locked.len() - NAMED));
    }
    let count = summary.not_locked.len();
    let warning = format!(
        "`{}` has no entry for {count} requested package{}: {}",
        summary.path,
        if count == 1 { "" } else { "s" },
        names.join(", ")
    );
    let hint = match other_paks_than {
        Some(config) => format!(
            "the lock was made from the pak files of `{}`: add these to them and run `megapak resolve`",
            config.display()
        ),
        None => {
            "the pak files changed since the lock was written: run `megapak resolve`".to_owned()
        }
    };
    terminal_text::warnings([warning], |_| Some(hint.clone()));
}

/// What the report compares: summaries of the files, the merged packages, the flake's lists and
/// the lock's packages.
fn status_input(
    workspace: &Workspace,
    flake: Option<&FlakePackages>,
    lock: Option<&(PathBuf, Lock)>,
) -> StatusInput {
    let overrides = &workspace.overrides;
    let pak_files = workspace
        .files
        .iter()
        .map(|file| PakFileSummary {
            path: display(&file.path),
            entries: file.entries.len(),
        })
        .collect();
    let packages = workspace
        .packages
        .packages
        .values()
        .map(|package| RequestedPackage {
            name: package.name.to_string(),
            kind: match package.source {
                PackageSource::Registry => PackageKind::Pypi,
                PackageSource::DirectUrl { .. } => PackageKind::Url,
                PackageSource::Vcs(_) => PackageKind::Vcs,
            },
            locations: package.locations.iter().map(ToString::to_string).collect(),
            skipped: overrides.skip_reason(&package.name),
            nix_attr: overrides
                .nix_attr(&package.name)
                .map(|attr| attr.to_string()),
        })
        .collect();
    let flake = flake.map(|flake| FlakeInput {
        path: display(&flake.path),
        listings: flake
            .entries
            .iter()
            .filter_map(|entry| {
                // An attribute that is no valid Python name (`"2to3"` is) cannot match a pak.
                let name = PackageName::new(&entry.attr).ok()?;
                Some(FlakeListing {
                    name: name.to_string(),
                    attr: entry.attr.clone(),
                    set: entry.set.clone(),
                    commented: entry.state == EntryState::CommentedOut,
                    note: entry.note.clone(),
                    location: entry.location.to_string(),
                })
            })
            .collect(),
    });
    StatusInput {
        pak_files,
        packages,
        flake,
        lock: lock.map(|(path, lock)| lock_input(path, lock)),
    }
}

/// The lock's packages, as much of them as the report shows.
fn lock_input(path: &Path, lock: &Lock) -> LockInput {
    LockInput {
        path: display(path),
        packages: lock
            .packages
            .iter()
            .map(|package| LockedEntry {
                name: package.name.to_string(),
                version: package.version.clone(),
                provider: package.provider.clone(),
                attribute: match &package.source {
                    LockedSource::Nixpkgs { attribute, .. } => Some(attribute.clone()),
                    LockedSource::Url { .. }
                    | LockedSource::Git { .. }
                    | LockedSource::Path { .. } => None,
                },
            })
            .collect(),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
