//! The vocabulary every megapak crate shares, so that each concept exists once:
//!
//! - [`PackageName`]: a PEP 503 normalized distribution name, the one normalizer (pak files,
//!   plugin answers, the solver, the lock and the Nix emitter all compare names through it);
//! - [`Location`] and [`Located`]: where something was written, `file:line:column`, for pak
//!   files, `megapak.toml` and Nix files alike;
//! - [`Hint`]: the optional next step a library error suggests, shown by the binary as a
//!   `hint:` line (never glued into the message text);
//! - [`bounded_read`]: reading an input file with a size cap, devices refused.

pub mod bounded_read;
mod hint;
mod location;
mod name;

pub use hint::Hint;
pub use location::{Located, Location};
pub use name::{InvalidNameError, PackageName};
