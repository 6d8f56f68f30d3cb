//! The nixpkgs plugin's `candidates` for the 136 PyPI names of the cu130 pak files, through
//! each backend, each run in a fresh process (the plugin keeps what it loaded for the life of
//! the process, so only a new one shows the cost of loading):
//!
//! - `index`: the embedded snapshot, loading it included. Goal: under 20 ms.
//! - `source`: a nixpkgs-shaped tree of all 10,439 attributes, generated from the index TSV,
//!   read cold (no reading of it in the process yet; the files are in the OS page cache, since
//!   the tree was just written). Goal: under 300 ms.
//! - `eval`: the same tree, the evaluation cached by a first run (Nix 2.8 evaluates this
//!   generated tree; real nixpkgs needs 2.18+). Goal: under 50 ms. Skipped, saying so, without
//!   `nix-instantiate`.
//!
//! Reads the pak files and the TSV from `../shared/data` beside the repository, and says so
//! when it is absent (then the copies in `fixtures/real/` are used). `MEGAPAK_BENCH_KEEP=1`
//! keeps the generated tree.
//!
//! `cargo bench -p megapak-benches --bench nixpkgs_candidates`

#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use megapak_benches::median;
use megapak_plugin_abi::Resolver;
use megapak_plugin_abi::serde_json::{self, Value};
use megapak_plugin_abi::wire::{CandidatesOutcome, CandidatesRequest, Target};
use megapak_plugin_nixpkgs::NixpkgsResolver;
use megapak_requirements::{merge, read_requirements_file};

/// Set in a child: the settings (JSON) to run `candidates` with.
const CHILD_SETTINGS: &str = "MEGAPAK_BENCH_NIXPKGS_SETTINGS";
/// Set in a child: the names, comma-separated.
const CHILD_NAMES: &str = "MEGAPAK_BENCH_NIXPKGS_NAMES";

fn main() {
    if let (Ok(settings), Ok(names)) = (std::env::var(CHILD_SETTINGS), std::env::var(CHILD_NAMES)) {
        child(&settings, &names);
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = root.join("../shared/data");
    let (paks, tsv) = if data.join("nixpkgs/python-packages-index.tsv").is_file() {
        println!("nixpkgs_candidates: reading `../shared/data`");
        (
            data.join("comfyui-megapak-cu130"),
            data.join("nixpkgs/python-packages-index.tsv"),
        )
    } else {
        println!(
            "nixpkgs_candidates: no `../shared/data` beside the repository: using the copies in `fixtures/real/`"
        );
        (
            root.join("fixtures/real/comfyui-megapak-cu130"),
            root.join("fixtures/real/nixpkgs/python-packages-index.trimmed.tsv"),
        )
    };
    let names = pak_names(&paks);
    println!("nixpkgs_candidates: {} names", names.len());

    report(
        "index (embedded snapshot, loading included)",
        21,
        &names,
        &Value::Object(Default::default()),
        20.0,
    );

    let work = std::env::temp_dir().join(format!("megapak-bench-nixpkgs-{}", std::process::id()));
    let tree = work.join("nixpkgs");
    let attributes = generate_tree(
        &tsv,
        &tree,
        &root.join("plugins/nixpkgs/tests/fixtures/tiny-nixpkgs"),
    );
    println!("nixpkgs_candidates: generated a nixpkgs-shaped tree of {attributes} attributes");
    let source = serde_json::json!({"backend": "source", "path": tree.display().to_string()});
    report(
        "source (cold, all attributes read)",
        7,
        &names,
        &source,
        300.0,
    );

    let nix = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|folder| folder.join("nix-instantiate").is_file())
    });
    if nix {
        let eval = serde_json::json!({
            "backend": "eval",
            "path": tree.display().to_string(),
            "cache": work.join("cache").display().to_string(),
        });
        let first = run_child(&names, &eval);
        println!(
            "nixpkgs_candidates: eval, first run (evaluates and caches): {:.0} ms",
            ms(first)
        );
        report("eval (cached)", 21, &names, &eval, 50.0);
    } else {
        println!(
            "nixpkgs_candidates: eval: skipped: `nix-instantiate` is not on PATH (Debian's `nix-bin`)"
        );
    }
    if std::env::var_os("MEGAPAK_BENCH_KEEP").is_some() {
        println!("nixpkgs_candidates: kept `{}`", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
}

fn report(label: &str, runs: usize, names: &[String], settings: &Value, goal_ms: f64) {
    let mut samples: Vec<Duration> = (0..runs).map(|_| run_child(names, settings)).collect();
    let median = median(&mut samples);
    let (min, max) = (samples[0], samples[samples.len() - 1]);
    let verdict = if ms(median) < goal_ms {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "nixpkgs_candidates: {label}: median {:.2} ms (min {:.2}, max {:.2}) over {runs} fresh processes; goal under {goal_ms} ms: {verdict}",
        ms(median),
        ms(min),
        ms(max),
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Runs this executable again as a child that answers `candidates` once and prints how long it
/// took, in nanoseconds.
fn run_child(names: &[String], settings: &Value) -> Duration {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let output = Command::new(exe)
        .env(CHILD_SETTINGS, settings.to_string())
        .env(CHILD_NAMES, names.join(","))
        .output()
        .expect("run the benchmark child");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Duration::from_nanos(text.trim().parse().expect("nanoseconds from the child"))
}

fn child(settings: &str, names: &str) {
    let names: Vec<&str> = names.split(',').collect();
    let target = Target {
        python: "3.14".into(),
        system: "x86_64-linux".into(),
        cuda: Some("13.0".into()),
        torch: Some("2.10".into()),
    };
    let mut request = CandidatesRequest::new(target, "/", &names);
    request.settings = serde_json::from_str(settings).expect("settings from the parent");
    let start = Instant::now();
    let resolver = NixpkgsResolver::default();
    let response = resolver.candidates(&request).expect("candidates");
    let elapsed = start.elapsed();
    assert_eq!(response.packages.len(), names.len());
    let found = response
        .packages
        .iter()
        .filter(|p| matches!(p.outcome, CandidatesOutcome::Found { .. }))
        .count();
    assert!(found > 0, "nothing found");
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", elapsed.as_nanos());
}

/// The PyPI names of the four pak files (VCS entries left out).
fn pak_names(folder: &Path) -> Vec<String> {
    let files: Vec<_> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|name| read_requirements_file(&folder.join(name)).expect("read a pak file"))
        .collect();
    let set = merge(&files).expect("merge the pak files");
    set.registry_packages()
        .map(|p| p.name.as_str().to_owned())
        .collect()
}

/// Writes a nixpkgs-shaped tree of every attribute of the index TSV under `tree`, with the
/// fixture tree's machinery (`default.nix`, `lib`, the package set), and returns how many
/// attributes it has. Attributes only the older evaluation has are marked broken when it said
/// so; ones built for 3.13 only are `disabled = pythonAtLeast "3.14"`; a missing version is
/// computed (`toString 0`).
fn generate_tree(tsv: &Path, tree: &Path, machinery: &Path) -> usize {
    let text = std::fs::read_to_string(tsv).expect("read the index TSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let column = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| header.iter().position(|h| h == name))
            .expect("a column of the TSV")
    };
    let (attr, pname, version) = (column(&["attr"]), column(&["pname"]), column(&["version"]));
    let (py314, py313) = (
        column(&["py314", "py314_storename"]),
        column(&["py313", "py313_storename"]),
    );
    let broken = column(&["vault2025_broken"]);
    for file in [
        "default.nix",
        "lib/default.nix",
        "pkgs/development/interpreters/python/packages.nix",
    ] {
        let to = tree.join(file);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("create a folder");
        std::fs::copy(machinery.join(file), &to).expect("copy the machinery");
    }
    let modules = tree.join("pkgs/development/python-modules");
    let mut packages = String::from("self: super:\nwith self;\n{\n");
    let mut count = 0;
    for (index, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < header.len() {
            continue;
        }
        count += 1;
        let folder = format!("p{index:05}");
        let name = fields[attr];
        let pname = if fields[pname].is_empty() {
            name
        } else {
            fields[pname]
        };
        let version = if fields[version].is_empty() {
            "toString 0".to_owned()
        } else {
            format!("{:?}", fields[version])
        };
        let disabled = match (fields[py314].is_empty(), fields[py313].is_empty()) {
            (false, _) => "false",
            (true, false) => "pythonAtLeast \"3.14\"",
            (true, true) => "false",
        };
        let broken = fields[broken] == "yes";
        let _ = writeln!(
            packages,
            "  {:?} = callPackage ../development/python-modules/{folder} {{ }};",
            name
        );
        let file = format!(
            "{{ buildPythonPackage, pythonAtLeast }}:\nbuildPythonPackage rec {{\n  pname = {pname:?};\n  version = {version};\n  disabled = {disabled};\n  meta.broken = {broken};\n}}\n"
        );
        std::fs::create_dir_all(modules.join(&folder)).expect("create a package folder");
        std::fs::write(modules.join(&folder).join("default.nix"), file).expect("write a package");
    }
    packages.push_str("}\n");
    let top = tree.join("pkgs/top-level");
    std::fs::create_dir_all(&top).expect("create pkgs/top-level");
    std::fs::write(top.join("python-packages.nix"), packages).expect("write python-packages.nix");
    std::fs::write(top.join("python-aliases.nix"), "self: super: { }\n")
        .expect("write python-aliases.nix");
    count
}
