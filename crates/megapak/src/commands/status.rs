//! `megapak status`: the coverage report of a workspace's pak files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anstream::eprintln;
use anyhow::{Context, bail};
use megapak_config::{CONFIG_FILE_NAME, Config};
use megapak_nix::read::{EntryState, FlakePackages, read_flake_packages};
use megapak_report::{
    FlakeInput, FlakeListing, PackageKind, PakFileSummary, RequestedPackage, StatusInput,
    StatusReport, render,
};
use megapak_requirements::{
    MergeError, PackageName, PackageSet, PackageSource, RequirementsFile, merge,
    merge_for_environment, read_requirements_file,
};

use super::pak_overlap::drop_paks_read_within_others;
use crate::cli::{ReportFormat, StatusArgs};
use crate::exit::{HINT_STYLE, Hinted, Outcome, WARNING_STYLE};
use crate::output::{write_file_atomically, write_stdout};

pub(crate) fn run(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let (paks, config) = pak_paths(args)?;
    let files = paks
        .iter()
        .map(|pak| {
            read_requirements_file(&pak.path).map_err(|err| {
                let hint = err.hint();
                let err = Hinted::wrap(err, hint);
                match &pak.named_at {
                    Some(place) => err.context(format!(
                        "Cannot read the pak file `{}` named at `{place}`",
                        pak.path.display()
                    )),
                    None => err,
                }
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (files, read_within) = drop_paks_read_within_others(files);
    for dropped in &read_within {
        eprintln!(
            "{HINT_STYLE}note{HINT_STYLE:#}: `{}` is read once, through the `-r` at `{}`",
            dropped.pak.display(),
            dropped.include
        );
    }
    // With a workspace, markers are judged for its `[target]`: a `sys_platform == "win32"` line
    // is no package of a Linux image, and pins for other Pythons do not contradict.
    let merged = match &config {
        Some(config) => {
            let env = config.target.marker_environment()?;
            merge_for_environment(&files, &env)
        }
        None => merge(&files),
    };
    let set = merged.map_err(|err| {
        // The library's "merge for one target environment" is `--config` here.
        let hint = match (&config, &err) {
            (None, MergeError::TooManyMarkers { .. }) => Some(
                "Pass `--config megapak.toml` so markers are judged for its `[target]` first"
                    .to_string(),
            ),
            (None, _) if err.needs_a_target() => Some(
                "The markers never hold together: pass `--config megapak.toml` so they are judged for its `[target]` first"
                    .to_string(),
            ),
            _ => err.hint(),
        };
        Hinted::wrap(err, hint)
    })?;
    // With `--paks`, the overrides were written for other pak files: no warnings.
    if let Some(config) = &config
        && args.paks.is_empty()
    {
        warn_about_overrides_of_no_pak_package(config, &set);
    }
    let flake = args.flake.as_deref().map(read_flake_packages).transpose()?;

    let overrides = config.as_ref().map(OverrideNotes::new).unwrap_or_default();
    let report = StatusReport::build(&status_input(&files, &set, flake.as_ref(), &overrides));
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

/// Overrides naming a package no pak file asks for: a typo, most likely, or a package only a
/// dependency brings in (then it is fine). Said on stderr; the report is unchanged.
fn warn_about_overrides_of_no_pak_package(config: &Config, set: &PackageSet) {
    for o in &config.overrides {
        let requested =
            PackageName::new(&o.package).is_ok_and(|name| set.packages.contains_key(&name));
        if !requested {
            eprintln!(
                "{WARNING_STYLE}warning{WARNING_STYLE:#}: `{}:{}` overrides `{}`, which no pak file asks for",
                config.path.display(),
                o.line,
                o.package
            );
            eprintln!(
                "{HINT_STYLE}hint{HINT_STYLE:#}: check the name; an override of a package that only a dependency brings in is fine"
            );
        }
    }
}

/// A pak file to read, and the configuration line that names it, if one does.
struct PakToRead {
    path: PathBuf,
    named_at: Option<String>,
}

/// The pak files to read: `--paks`, else those of the configuration; and the configuration
/// (`--config`, else `./megapak.toml` unless `--paks` is given).
fn pak_paths(args: &StatusArgs) -> anyhow::Result<(Vec<PakToRead>, Option<Config>)> {
    let config_path = match (&args.config, args.paks.is_empty()) {
        (Some(path), _) => Some(path.clone()),
        (None, false) => None,
        (None, true) => {
            let path = PathBuf::from(CONFIG_FILE_NAME);
            if !path.exists() {
                bail!(
                    "No `{CONFIG_FILE_NAME}` in the current folder, and no pak files given\nhint: pass `--config FILE` or `--paks FILE...`, or create a workspace with `megapak init`"
                );
            }
            Some(path)
        }
    };
    let config = config_path.as_deref().map(Config::load).transpose()?;
    if !args.paks.is_empty() {
        // A file named twice (`--paks a.txt a.txt`, or a glob and a name) is read once.
        let mut seen = std::collections::HashSet::new();
        let paks = args
            .paks
            .iter()
            .filter(|path| {
                seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| (*path).clone()))
            })
            .map(|path| PakToRead {
                path: path.clone(),
                named_at: None,
            })
            .collect();
        return Ok((paks, config));
    }
    let config = config.expect("a configuration is read when no pak files are given");
    if config.paks.is_empty() {
        bail!(
            "`{}` names no pak files\nhint: add `paks = [\"requirements.txt\"]` at its top, or pass `--paks FILE...`",
            config.path.display()
        );
    }
    let paks = config
        .paks
        .iter()
        .map(|pak| PakToRead {
            path: pak.path.clone(),
            named_at: Some(format!("{}:{}", config.path.display(), pak.line)),
        })
        .collect();
    Ok((paks, Some(config)))
}

/// What the overrides of `megapak.toml` tell the report.
#[derive(Debug, Default)]
struct OverrideNotes {
    /// `skip = true`: package name to `megapak.toml:LINE: reason`.
    skips: BTreeMap<String, String>,
    /// `attr = "torchWithCuda"`: package name to the attribute, PEP 503 normalized as flake
    /// listings are.
    nix_attrs: BTreeMap<String, String>,
}

impl OverrideNotes {
    fn new(config: &Config) -> Self {
        let mut notes = Self::default();
        for o in &config.overrides {
            if o.skip {
                let mut why = format!("{}:{}", config.path.display(), o.line);
                if let Some(reason) = &o.reason {
                    why.push_str(&format!(": {reason}"));
                }
                notes.skips.insert(o.package.clone(), why);
            }
            if let Some(attr) = o.attr.as_deref().and_then(|a| PackageName::new(a).ok()) {
                notes.nix_attrs.insert(o.package.clone(), attr.to_string());
            }
        }
        notes
    }
}

/// What the report compares: summaries of the files, the merged packages, the flake's lists.
fn status_input(
    files: &[RequirementsFile],
    set: &PackageSet,
    flake: Option<&FlakePackages>,
    overrides: &OverrideNotes,
) -> StatusInput {
    let pak_files = files
        .iter()
        .map(|file| PakFileSummary {
            path: display(&file.path),
            entries: file.entries.len(),
        })
        .collect();
    let packages = set
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
            skipped: overrides.skips.get(package.name.as_str()).cloned(),
            nix_attr: overrides.nix_attrs.get(package.name.as_str()).cloned(),
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
