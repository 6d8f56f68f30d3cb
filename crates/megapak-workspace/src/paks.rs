//! Which pak files a command reads, and reading them: the command line's `--paks` or the
//! configuration's `paks`, each file once.

use std::collections::HashSet;
use std::path::PathBuf;

use megapak_config::Config;
use megapak_requirements::{RequirementsFile, read_requirements_file};

use crate::error::WorkspaceError;

/// Where a command's pak files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paks {
    /// Those the configuration names, if there is one; none without it. For a command that
    /// takes no `--paks` and can do without pak files (`megapak plugins call`).
    Configured,
    /// The command's `--paks FILE...`: when it names files, those are read instead of the
    /// configured ones; when empty, the configured ones, of which there must be one at least
    /// (`megapak status`).
    CommandLine(Vec<PathBuf>),
}

/// A pak file to read, and the configuration line that names it, if one does.
#[derive(Debug)]
pub(crate) struct PakToRead {
    pub(crate) path: PathBuf,
    pub(crate) named_at: Option<(PathBuf, usize)>,
}

impl Paks {
    /// Whether the files come from the command line rather than the configuration.
    pub(crate) fn overridden(&self) -> bool {
        matches!(self, Self::CommandLine(paks) if !paks.is_empty())
    }

    /// The files to read, in order.
    pub(crate) fn to_read(
        &self,
        config: Option<&Config>,
    ) -> Result<Vec<PakToRead>, WorkspaceError> {
        if let Self::CommandLine(paks) = self
            && !paks.is_empty()
        {
            // A file named twice (`--paks a.txt a.txt`, or a glob and a name) is read once.
            let mut seen = HashSet::new();
            return Ok(paks
                .iter()
                .filter(|path| {
                    seen.insert(fs_err::canonicalize(path).unwrap_or_else(|_| (*path).clone()))
                })
                .map(|path| PakToRead {
                    path: path.clone(),
                    named_at: None,
                })
                .collect());
        }
        let Some(config) = config else {
            return match self {
                Self::Configured => Ok(Vec::new()),
                Self::CommandLine(_) => Err(WorkspaceError::NoConfig { takes_paks: true }),
            };
        };
        if config.paks.is_empty() && matches!(self, Self::CommandLine(_)) {
            return Err(WorkspaceError::NoPaks {
                config: config.path.clone(),
            });
        }
        Ok(config
            .paks
            .iter()
            .map(|pak| PakToRead {
                path: pak.path.clone(),
                named_at: Some((config.path.clone(), pak.line)),
            })
            .collect())
    }
}

/// Reads each file; an error names the configuration line that lists the file, if one does.
pub(crate) fn read(paks: Vec<PakToRead>) -> Result<Vec<RequirementsFile>, WorkspaceError> {
    paks.into_iter()
        .map(|pak| {
            read_requirements_file(&pak.path).map_err(|source| match pak.named_at {
                Some((config, line)) => WorkspaceError::ReadConfiguredPak {
                    path: pak.path,
                    config,
                    line,
                    source: Box::new(source),
                },
                None => WorkspaceError::ReadPak(Box::new(source)),
            })
        })
        .collect()
}
