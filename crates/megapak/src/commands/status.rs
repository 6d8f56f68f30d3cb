//! `megapak status`: the coverage report of a workspace's pak files. The inputs come from
//! megapak-workspace; this module compares and renders.

use std::path::Path;

use anstream::eprintln;
use anyhow::Context;
use megapak_nix::read::{EntryState, FlakePackages, read_flake_packages};
use megapak_report::{
    FlakeInput, FlakeListing, PackageKind, PakFileSummary, RequestedPackage, StatusInput,
    StatusReport, render,
};
use megapak_requirements::{PackageName, PackageSource};
use megapak_types::Hint;
use megapak_workspace::{Need, Paks, Request, Workspace};

use super::hinted;
use crate::cli::{ReportFormat, StatusArgs};
use crate::exit::{HINT_STYLE, Outcome, WARNING_STYLE};
use crate::output::{write_file_atomically, write_stdout};

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
        eprintln!("{HINT_STYLE}note{HINT_STYLE:#}: {note}");
    }
    for warning in &workspace.warnings {
        eprintln!("{WARNING_STYLE}warning{WARNING_STYLE:#}: {warning}");
        if let Some(hint) = warning.hint() {
            eprintln!("{HINT_STYLE}hint{HINT_STYLE:#}: {hint}");
        }
    }
    let flake = args.flake.as_deref().map(read_flake_packages).transpose()?;

    let report = StatusReport::build(&status_input(&workspace, flake.as_ref()));
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

/// What the report compares: summaries of the files, the merged packages, the flake's lists.
fn status_input(workspace: &Workspace, flake: Option<&FlakePackages>) -> StatusInput {
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
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
