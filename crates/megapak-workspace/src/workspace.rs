//! [`Workspace::load`]: a command's inputs, found, read and merged in one place.

use std::path::{Path, PathBuf};

use megapak_config::Config;
use megapak_requirements::{PackageSet, RequirementsFile, merge, merge_for_environment};

use crate::error::WorkspaceError;
use crate::find::{Need, find};
use crate::overlap::{ReadWithin, drop_paks_read_within_others};
use crate::overrides::{Overrides, Warning, overrides_of_no_pak_package};
use crate::paks::{Paks, read};

/// What a command was given on its command line, and what it needs.
#[derive(Debug, Clone)]
pub struct Request {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// Whether the command can run without a configuration.
    pub need: Need,
    /// Where the pak files come from.
    pub paks: Paks,
}

/// Everything a command reads before it does its own work.
#[derive(Debug)]
pub struct Workspace {
    /// The configuration, if one was named or found.
    pub config: Option<Config>,
    /// The folder of `megapak.toml`, or the current folder without one; absolute.
    pub root: PathBuf,
    /// The pak files read, in order, less those read within others.
    pub files: Vec<RequirementsFile>,
    /// The pak files left out because another one reads them with `-r`.
    pub read_within: Vec<ReadWithin>,
    /// The packages of the pak files, merged; markers judged for the configuration's `[target]`
    /// when there is one.
    pub packages: PackageSet,
    /// The configuration's overrides, by package.
    pub overrides: Overrides,
    /// What is worth saying but stops nothing, for the command to show.
    pub warnings: Vec<Warning>,
}

impl Workspace {
    /// Finds the configuration ([`find_config`](crate::find_config)'s rule), reads the pak
    /// files and merges them.
    pub fn load(request: &Request) -> Result<Self, WorkspaceError> {
        let takes_paks = matches!(request.paks, Paks::CommandLine(_));
        let config = find(request.config.as_deref(), request.need, takes_paks)?;
        let root = root_of(config.as_ref());
        let files = read(request.paks.to_read(config.as_ref())?)?;
        let (files, read_within) = drop_paks_read_within_others(files);
        // With a workspace, markers are judged for its `[target]`: a `sys_platform == "win32"`
        // line is no package of a Linux image, and pins for other Pythons do not contradict.
        let merged = match &config {
            Some(config) => merge_for_environment(&files, &config.target.marker_environment()?),
            None => merge(&files),
        };
        let packages = merged.map_err(|error| WorkspaceError::Merge {
            error: Box::new(error),
            for_target: config.is_some(),
        })?;
        let environment = match &config {
            Some(config) => Some(config.target.marker_environment()?),
            None => None,
        };
        megapak_solve::check_root_requirements(&files, environment.as_ref())
            .map_err(|error| WorkspaceError::Contradiction(Box::new(error)))?;
        // Pak files of the command line are not those the overrides were written for.
        let warnings = match &config {
            Some(config) if !request.paks.overridden() => {
                overrides_of_no_pak_package(config, &packages)
            }
            _ => Vec::new(),
        };
        Ok(Self {
            overrides: Overrides::new(config.as_ref()),
            config,
            root,
            files,
            read_within,
            packages,
            warnings,
        })
    }
}

/// The folder of the configuration, else the current one, made absolute (as far as the
/// current folder can be known).
/// The workspace folder, absolute: the folder of `megapak.toml`, or the current folder without
/// one.
pub fn root_of(config: Option<&Config>) -> PathBuf {
    let folder = config
        .and_then(|config| config.path.parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf())
}
