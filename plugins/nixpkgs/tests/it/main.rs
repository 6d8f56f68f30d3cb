//! The nixpkgs plugin's integration tests: through the same JSON and C table the host uses.

mod answers;
mod backends;
mod embedded;
mod faults;
mod index_file;
mod real_names;
mod support;
mod variants;
