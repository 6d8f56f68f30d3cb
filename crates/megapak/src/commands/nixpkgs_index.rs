//! `megapak nixpkgs-index --nixpkgs PATH -o FILE`: a snapshot of a nixpkgs tree's Python sets
//! for `[resolvers.nixpkgs] index = "FILE"`.
//!
//! The reading is the nixpkgs plugin's own ([`build_snapshot`], linked in as a library), so the
//! file is exactly what its `index` backend reads; this command only writes it atomically (an
//! interrupted run leaves the previous snapshot) and says what it holds. Unlike the snapshot the
//! plugin embeds, one made here has every attribute's dependencies.

use std::fmt::Write as _;

use anyhow::Context;
use megapak_plugin_nixpkgs::index::{IndexBackend, IndexSnapshot, build_snapshot};
use megapak_plugin_nixpkgs::python::PythonVersion;
use megapak_plugin_nixpkgs::snapshot::Availability;

use super::hinted;
use crate::cli::{IndexBackendArg, NixpkgsIndexArgs};
use crate::exit::Outcome;
use crate::output::{write_file_atomically, write_stdout};
use crate::terminal_text;

pub(crate) fn run(args: &NixpkgsIndexArgs) -> anyhow::Result<Outcome> {
    // `--python 3.14 3.14` reads one set once.
    let mut pythons: Vec<PythonVersion> = Vec::with_capacity(args.pythons.len());
    for python in &args.pythons {
        if !pythons.contains(python) {
            pythons.push(*python);
        }
    }
    // Said before the tree is read, which may take an evaluation of nixpkgs.
    if let Some(folder) = args.output.parent().filter(|p| !p.as_os_str().is_empty())
        && matches!(folder.try_exists(), Ok(false))
    {
        anyhow::bail!(
            "Cannot write the nixpkgs index `{}`: the folder `{}` does not exist",
            args.output.display(),
            folder.display()
        );
    }
    let backend = match args.backend {
        IndexBackendArg::Source => IndexBackend::Source,
        IndexBackendArg::Eval => IndexBackend::Eval,
    };
    let snapshot =
        build_snapshot(&args.nixpkgs, backend, &pythons, &args.system).map_err(hinted)?;
    write_file_atomically(&args.output, snapshot.to_text().as_bytes())
        .with_context(|| format!("Cannot write the nixpkgs index `{}`", args.output.display()))?;
    write_stdout(&summary(&snapshot, args))?;
    terminal_text::note(&format!(
        "`[resolvers.nixpkgs] index = \"{}\"` in `megapak.toml` answers from it (a relative path is read from the workspace folder)",
        args.output.display()
    ));
    Ok(Outcome::Success)
}

/// What the snapshot holds: attributes, how many each Python has, with and without
/// dependencies, aliases and attributes that could not be read.
fn summary(snapshot: &IndexSnapshot, args: &NixpkgsIndexArgs) -> String {
    let backend = match args.backend {
        IndexBackendArg::Source => "source",
        IndexBackendArg::Eval => "eval",
    };
    let mut lines: Vec<(String, usize)> = vec![("attributes".to_owned(), snapshot.entries.len())];
    for (index, python) in snapshot.header.pythons.iter().enumerate() {
        let available = snapshot
            .entries
            .values()
            .filter(|entry| entry.pythons.get(index) == Some(&Availability::Available))
            .count();
        lines.push((format!("available for Python {python}"), available));
    }
    let count = |known: fn(usize) -> bool| {
        snapshot
            .entries
            .values()
            .filter(|entry| entry.dependencies.as_ref().is_some_and(|d| known(d.len())))
            .count()
    };
    lines.push(("with dependencies".to_owned(), count(|n| n > 0)));
    lines.push(("without dependencies".to_owned(), count(|n| n == 0)));
    let unknown = snapshot
        .entries
        .values()
        .filter(|entry| entry.dependencies.is_none())
        .count();
    if unknown > 0 {
        lines.push(("dependencies unknown".to_owned(), unknown));
    }
    lines.push(("aliases".to_owned(), snapshot.aliases.len()));
    if !snapshot.failures.is_empty() {
        lines.push(("could not be read".to_owned(), snapshot.failures.len()));
    }

    let mut out = format!(
        "Wrote `{}`: {} for {}, read with the `{backend}` backend\n",
        args.output.display(),
        snapshot.header.revision,
        snapshot.header.system,
    );
    let width = lines
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    for (label, value) in lines {
        let _ = writeln!(out, "  {label:<width$}  {value:>6}");
    }
    out
}
