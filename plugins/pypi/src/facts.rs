//! What the resolver learnt from one distribution file: the part of a `details` answer that
//! depends only on the file, cached on disk by its sha256.

use serde::{Deserialize, Serialize};

/// What one file says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// `Requires-Dist` as written; `None` when the file cannot tell (an old sdist).
    pub requirements: Option<Vec<String>>,
    /// Why the requirements are unknown.
    pub unknown_reason: Option<String>,
    /// The PEP 517 build requirements of an sdist.
    pub build_system: Vec<String>,
    /// `Requires-Python` from the file's metadata.
    pub requires_python: Option<String>,
    /// The one-line summary.
    pub summary: Option<String>,
    /// The licence.
    pub license: Option<String>,
    /// Top-level import names.
    pub import_names: Vec<String>,
    /// The sha256 megapak computed, hex, when the index publishes none.
    pub computed_sha256: Option<String>,
    /// Notes for the user.
    pub notes: Vec<String>,
}
