//! Loading the three first-party plugins and their handshake (open, ABI check, `describe`),
//! each run in a fresh process. Target: under 5 ms.
//!
//! `cargo bench -p megapak-benches --bench plugin_load` builds the plugins in release first.

#![allow(clippy::print_stdout)]

use std::io::Write;

use megapak_benches::{CHILD_ENV, load_folder, median, time_in_child};
use megapak_plugin_fixtures::{PluginDir, rust_library_release};

const PLUGINS: [&str; 3] = ["nixpkgs", "pypi", "custom-wheel"];
const RUNS: usize = 51;

fn main() {
    if let Some(folder) = std::env::var_os(CHILD_ENV) {
        let (elapsed, loaded) = load_folder(folder.as_ref());
        assert_eq!(loaded, PLUGINS.len(), "every plugin loads");
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", elapsed.as_nanos());
        return;
    }
    let dir = PluginDir::new();
    for name in PLUGINS {
        let library = rust_library_release(&format!("megapak-plugin-{name}"));
        dir.install(&library, name);
    }
    let mut samples = time_in_child(dir.path(), RUNS);
    let median = median(&mut samples);
    let (min, max) = (samples[0], samples[samples.len() - 1]);
    println!(
        "plugin_load: load + handshake of {} plugins, {RUNS} fresh processes: median {:.3} ms (min {:.3} ms, max {:.3} ms)",
        PLUGINS.len(),
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
    );
}
