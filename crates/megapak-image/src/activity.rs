//! The numbers Nix gives its activities and results in `--log-format internal-json`, as
//! `src/libutil/logging.hh` defines them (`ActivityType`, `ResultType`). They have been stable
//! since Nix 2.3; a number this table does not know is kept as `Other` rather than refused, so a
//! newer Nix only loses the detail it added.

/// What an activity (`"action":"start"`) is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityType {
    /// Copying one store path (its progress is in bytes).
    CopyPath,
    /// Downloading a file: a source, or a NAR from a binary cache.
    FileTransfer,
    /// Realising the requested paths (the whole build).
    Realise,
    /// Copying paths from a substituter (progress in paths).
    CopyPaths,
    /// The builds of this run (progress: done, expected, running, failed).
    Builds,
    /// One derivation's build; its fields are `[drvPath, machine, round, rounds]`.
    Build,
    /// Fetching one path from a substituter; its fields are `[path, substituter]`.
    Substitute,
    /// Waiting for a build slot or a lock.
    BuildWaiting,
    /// Any other number (optimising, verifying, querying, post-build hooks, newer ones).
    Other(u64),
}

impl ActivityType {
    pub fn from_number(number: u64) -> Self {
        match number {
            100 => Self::CopyPath,
            101 => Self::FileTransfer,
            102 => Self::Realise,
            103 => Self::CopyPaths,
            104 => Self::Builds,
            105 => Self::Build,
            108 => Self::Substitute,
            111 => Self::BuildWaiting,
            other => Self::Other(other),
        }
    }
}

/// What a result (`"action":"result"`) reports about its activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultType {
    /// A line of a builder's output; fields `[line]`.
    BuildLogLine,
    /// The build entered a phase (`unpackPhase`, ...); fields `[phase]`.
    SetPhase,
    /// Progress; fields `[done, expected, running, failed]`.
    Progress,
    /// How many of something are expected; fields `[activityType, expected]`.
    SetExpected,
    /// A line of the post-build hook's output.
    PostBuildLogLine,
    /// Any other number.
    Other(u64),
}

impl ResultType {
    pub fn from_number(number: u64) -> Self {
        match number {
            101 => Self::BuildLogLine,
            104 => Self::SetPhase,
            105 => Self::Progress,
            106 => Self::SetExpected,
            107 => Self::PostBuildLogLine,
            other => Self::Other(other),
        }
    }
}

/// Nix's verbosity levels, as messages carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Notice,
    Info,
    /// Talkative, chatty, debug and vomit.
    Debug,
}

impl Level {
    pub fn from_number(number: u64) -> Self {
        match number {
            0 => Self::Error,
            1 => Self::Warning,
            2 => Self::Notice,
            3 => Self::Info,
            _ => Self::Debug,
        }
    }
}
