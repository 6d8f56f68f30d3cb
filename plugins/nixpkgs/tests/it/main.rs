//! The nixpkgs plugin's integration tests: through the same JSON and C table the host uses.

mod answers;
mod embedded;
mod index_file;
mod real_names;
mod support;
mod variants;
