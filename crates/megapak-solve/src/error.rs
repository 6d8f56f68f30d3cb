//! Why a solve stopped: no set of versions fits (explained in words), or a resolver failed.

use megapak_types::{Hint, PackageName};

/// A solve that produced no resolution. Nothing is written after one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SolveError {
    /// No set of versions satisfies the pak files: the message is the chain of reasons, one
    /// per line, ending in the conclusion.
    #[error("{explanation}")]
    NoSolution {
        /// The explanation, in words.
        explanation: String,
        /// The packages the explanation names, in name order.
        packages: Vec<PackageName>,
        /// The next steps.
        hints: Vec<String>,
    },
    /// A whole call of a resolver failed (an error status, a panic, an invalid answer).
    #[error(
        "Resolver `{provider}` failed in `{call}` while asked about {}: {message}",
        listed(packages)
    )]
    ProviderFailed {
        /// The resolver.
        provider: String,
        /// `candidates` or `details`.
        call: &'static str,
        /// The packages asked about, in backticks (with versions for `details`).
        packages: Vec<String>,
        /// What the resolver said.
        message: String,
    },
    /// A resolver answered `error` for one package.
    #[error("Resolver `{provider}` could not answer `{call}` for {package}: {message}")]
    PackageFailed {
        /// The resolver.
        provider: String,
        /// `candidates` or `details`.
        call: &'static str,
        /// The package (and version), in backticks.
        package: String,
        /// What the resolver said.
        message: String,
    },
    /// A resolver needs the network to answer for a package, and the run is offline.
    #[error("Resolver `{provider}` needs the network for `{package}`: {reason}")]
    Offline {
        /// The resolver.
        provider: String,
        /// The package (and version).
        package: String,
        /// What would have been fetched.
        reason: String,
    },
    /// An `[[override]] provider` names a resolver that is not asked.
    #[error(
        "`[[override]]` of `{package}` (megapak.toml line {line}) names resolver `{provider}`, which is not among the resolvers asked: {}",
        listed(available)
    )]
    UnknownProvider {
        /// The package.
        package: String,
        /// The resolver named.
        provider: String,
        /// The line of the override in `megapak.toml`.
        line: usize,
        /// The resolvers asked, in backticks.
        available: Vec<String>,
    },
    /// The target gives no marker environment or Python version.
    #[error("Invalid target: {0}")]
    Target(String),
}

/// `` `a`, `b` and 3 more `` (at most 8 named).
fn listed(items: &[String]) -> String {
    const MAX: usize = 8;
    let mut text = items
        .iter()
        .take(MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX {
        text.push_str(&format!(" and {} more", items.len() - MAX));
    }
    if text.is_empty() {
        text.push_str("nothing");
    }
    text
}

impl Hint for SolveError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoSolution { hints, .. } if !hints.is_empty() => Some(hints.join("\n")),
            Self::NoSolution { .. } | Self::Target(_) => None,
            Self::ProviderFailed { provider, .. } | Self::PackageFailed { provider, .. } => {
                Some(format!(
                    "Run `megapak plugins` to check resolver `{provider}`, or leave it out of `[resolvers] order`"
                ))
            }
            Self::Offline { .. } => {
                Some("Run without `--offline` once so the resolver can fill its cache".to_owned())
            }
            Self::UnknownProvider { .. } => Some(
                "Add the resolver to `[resolvers] order`, or correct the override's `provider`"
                    .to_owned(),
            ),
        }
    }
}
