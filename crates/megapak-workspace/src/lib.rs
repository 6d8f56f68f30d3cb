//! The one way every megapak command finds its inputs.
//!
//! A command says what it was given on the command line ([`Request`]) and whether it can run
//! without a configuration ([`Need`]); [`Workspace::load`] does the rest, the same way for every
//! command:
//!
//! 1. the configuration is `--config FILE`, else `megapak.toml` in the current folder, else
//!    none where the command can work without one ([`find_config`]);
//! 2. the pak files are `--paks FILE...` when given, else those the configuration names;
//!    one named twice is read once, and one that another pak file already reads with `-r` is
//!    read once, through that include ([`ReadWithin`]);
//! 3. they are merged into one [`PackageSet`], markers judged for the configuration's
//!    `[target]` when there is one;
//! 4. the configuration's `[[override]]`s are indexed by package ([`Overrides`]), and those
//!    that name no requested package become [`Warning`]s.
//!
//! Nothing here prints: notes and warnings are data for the binary to show. Errors implement
//! [`megapak_types::Hint`].
//!
//! ```no_run
//! use megapak_workspace::{Need, Request, Workspace};
//!
//! let workspace = Workspace::load(&Request {
//!     config: None,
//!     need: Need::Required,
//!     paks: megapak_workspace::Paks::Configured,
//! })?;
//! println!("{} packages", workspace.packages.packages.len());
//! # Ok::<(), megapak_workspace::WorkspaceError>(())
//! ```

mod error;
mod find;
mod overlap;
mod overrides;
mod paks;
mod workspace;

pub use error::WorkspaceError;
pub use find::{LOCK_FILE_NAME, Need, find_config, lock_path};
pub use overlap::{ReadWithin, drop_paks_read_within_others};
pub use overrides::{Overrides, Warning};
pub use paks::Paks;
pub use workspace::{Request, Workspace, root_of};

pub use megapak_config::Config;
pub use megapak_requirements::{PackageSet, RequirementsFile};
