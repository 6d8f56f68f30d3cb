//! Shared pieces of megapak's benchmarks (the targets live in `benches/`).
//!
//! Loading a plugin happens once per process and libraries are never unloaded, so a load can
//! only be timed in a fresh process: [`time_in_child`] runs the benchmark binary again as a child
//! that does the work once and reports how long it took.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use megapak_plugin_host::{HostOptions, Origin, Plugins, SearchPath};

/// Set in a child process: the folder to load plugins from.
pub const CHILD_ENV: &str = "MEGAPAK_BENCH_CHILD";

/// Loads every plugin in `folder` (open, ABI check, `describe`) and returns how long it took and
/// how many loaded.
pub fn load_folder(folder: &Path) -> (Duration, usize) {
    let mut search = SearchPath::default();
    search.push(folder.to_path_buf(), Origin::Environment);
    let options = HostOptions {
        search,
        required: Vec::new(),
    };
    let start = Instant::now();
    let plugins = Plugins::load(&options);
    let elapsed = start.elapsed();
    (elapsed, plugins.loaded.len())
}

/// Runs the current executable again with [`CHILD_ENV`] set to `folder`, `runs` times, and
/// returns the durations the children reported (in nanoseconds on their stdout).
pub fn time_in_child(folder: &Path, runs: usize) -> Vec<Duration> {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    (0..runs)
        .map(|_| {
            let output = Command::new(&exe)
                .env(CHILD_ENV, folder)
                .output()
                .expect("run the benchmark child");
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "the child failed: {text}");
            Duration::from_nanos(text.trim().parse().expect("nanoseconds from the child"))
        })
        .collect()
}

/// The median of `samples` (sorted in place).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}
