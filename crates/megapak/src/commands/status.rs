//! `megapak status`: the coverage report of a workspace's pak files. The inputs come from
//! megapak-workspace; this module compares and renders.

use std::path::Path;

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
use crate::exit::Outcome;
use crate::inputs::{
    flake_without_packages, refuse_output_among_inputs, refuse_overrides_contradicting_pins,
};
use crate::insecure_urls::insecure_urls;
use crate::output::{write_file_atomically, write_stdout};
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
    refuse_overrides_contradicting_pins(&workspace)?;
    terminal_text::warnings(insecure_urls(&workspace.files), |url| Some(url.hint()));
    terminal_text::warnings(flake.as_ref().and_then(flake_without_packages), |flake| {
        Some(flake.hint())
    });

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
