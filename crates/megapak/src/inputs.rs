//! What a command read, checked before it writes: an output that is one of its inputs is
//! refused (it would be replaced by the report), and overrides that contradict the pak files'
//! pins are named.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use megapak_requirements::pep440_rs::Version;
use megapak_workspace::Workspace;

use crate::output::{OutputIsAnInput, refuse_output_that_is_an_input};

/// Every file `workspace` was read from: the configuration, each pak file, every file their
/// `-r`/`-c` lines read, the pak files read within others; and `flake`.
pub(crate) fn files_read(workspace: &Workspace, flake: Option<&Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = workspace
        .config
        .iter()
        .map(|config| config.path.clone())
        .collect();
    for file in &workspace.files {
        files.push(file.path.clone());
        files.extend(file.includes.iter().map(|include| include.path.clone()));
    }
    files.extend(
        workspace
            .read_within
            .iter()
            .map(|within| within.pak.clone()),
    );
    files.extend(flake.map(Path::to_path_buf));
    files
}

/// Refuses `-o FILE` when FILE is (by device and inode, through symlinks) a file the command
/// read: `status --paks p.txt -o p.txt` would otherwise replace the pak file by its report.
pub(crate) fn refuse_output_among_inputs(
    output: Option<&Path>,
    workspace: &Workspace,
    flake: Option<&Path>,
) -> anyhow::Result<()> {
    let Some(output) = output else {
        return Ok(());
    };
    let files = files_read(workspace, flake);
    refuse_output_that_is_an_input(output, files.iter().map(PathBuf::as_path)).map_err(
        |err: OutputIsAnInput| {
            anyhow::anyhow!(
                "{err}; megapak never writes over what it reads\nhint: pass another file to `-o`, such as `STATUS.md`"
            )
        },
    )
}

/// An `[[override]]` whose `version` the pak files' specifiers leave out: `version = "2.9.0"`
/// for `torch==2.10.0`. The image could not hold both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OverrideContradiction {
    pub(crate) config: PathBuf,
    pub(crate) line: usize,
    pub(crate) package: String,
    pub(crate) version: String,
    pub(crate) specifiers: String,
    /// Where the pak files ask for the package.
    pub(crate) locations: Vec<String>,
}

impl std::fmt::Display for OverrideContradiction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}:{}` pins `{}` to `{}`, but the pak files ask for `{}{}` at {}",
            self.config.display(),
            self.line,
            self.package,
            self.version,
            self.package,
            self.specifiers,
            self.locations
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The overrides of `workspace` whose `version` no pak file's specifiers admit, in the
/// configuration's order. Versions that do not parse were refused when the configuration was read.
pub(crate) fn overrides_contradicting_pins(workspace: &Workspace) -> Vec<OverrideContradiction> {
    let Some(config) = &workspace.config else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (name, o) in workspace.overrides.iter() {
        let Some(version) = o.version.as_deref() else {
            continue;
        };
        let Some(package) = workspace.packages.packages.get(name) else {
            continue;
        };
        let Ok(parsed) = Version::from_str(version) else {
            continue;
        };
        if package.specifiers.iter().count() > 0 && !package.specifiers.contains(&parsed) {
            found.push(OverrideContradiction {
                config: config.path.clone(),
                line: o.line,
                package: name.to_string(),
                version: version.to_owned(),
                specifiers: package.specifiers.to_string(),
                locations: package.locations.iter().map(ToString::to_string).collect(),
            });
        }
    }
    found.sort_by_key(|c| c.line);
    found
}

/// Stops the command at the first override that contradicts the pak files.
pub(crate) fn refuse_overrides_contradicting_pins(workspace: &Workspace) -> anyhow::Result<()> {
    match overrides_contradicting_pins(workspace).into_iter().next() {
        None => Ok(()),
        Some(contradiction) => Err(anyhow::anyhow!(
            "{contradiction}\nhint: change the override's `version` or the pak file's pin so that they agree"
        )),
    }
}

/// A flake in which megapak finds no Python package at all, listed or commented out: the
/// comparison would call every pak package missing, most likely because the lists are written
/// in a way megapak does not read (or `--flake` names the wrong file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlakeWithoutPackages {
    pub(crate) path: PathBuf,
}

impl std::fmt::Display for FlakeWithoutPackages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` lists no Python package megapak can read, so every package counts as missing",
            self.path.display()
        )
    }
}

impl FlakeWithoutPackages {
    pub(crate) fn hint(&self) -> String {
        "megapak reads `python3.withPackages (ps: [ ps.numpy ])`, `with python3Packages; [ numpy ]` and lists selected from a Python package set".to_owned()
    }
}

/// [`FlakeWithoutPackages`] when `flake` has no entry.
pub(crate) fn flake_without_packages(
    flake: &megapak_nix::read::FlakePackages,
) -> Option<FlakeWithoutPackages> {
    flake.entries.is_empty().then(|| FlakeWithoutPackages {
        path: flake.path.clone(),
    })
}

#[cfg(test)]
mod tests {
    use megapak_workspace::{Need, Paks, Request, Workspace};

    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load(config: &Path) -> Workspace {
        Workspace::load(&Request {
            config: Some(config.to_owned()),
            need: Need::Required,
            paks: Paks::CommandLine(Vec::new()),
        })
        .unwrap()
    }

    const CONFIG: &str = "paks = [\"paks/a.txt\"]\n\n[target]\npython = \"3.14\"\n\n[[override]]\npackage = \"torch\"\nversion = \"2.9.0\"\n\n[[override]]\npackage = \"numpy\"\nversion = \"2.1.0\"\n";

    #[test]
    fn every_input_is_refused_as_an_output() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "paks/a.txt",
            "-r b.txt\n-c c.txt\ntorch==2.10.0\n",
        );
        write(dir.path(), "paks/b.txt", "numpy>=2\n");
        write(dir.path(), "paks/c.txt", "numpy<3\n");
        let flake = write(dir.path(), "flake.nix", "{ }\n");
        let config = write(dir.path(), "megapak.toml", CONFIG);
        std::os::unix::fs::symlink("paks/b.txt", dir.path().join("link.txt")).unwrap();
        let workspace = load(&config);
        for output in [
            "megapak.toml",
            "paks/a.txt",
            "paks/b.txt",
            "paks/c.txt",
            "flake.nix",
            "link.txt",
        ] {
            let output = dir.path().join(output);
            let err = refuse_output_among_inputs(Some(&output), &workspace, Some(&flake))
                .expect_err("an input");
            assert!(
                err.to_string()
                    .contains("megapak never writes over what it reads")
            );
        }
        let err = refuse_output_among_inputs(Some(&dir.path().join("link.txt")), &workspace, None)
            .unwrap_err()
            .to_string()
            .replace(&dir.path().display().to_string(), "DIR");
        insta::assert_snapshot!(err, @r"
        `DIR/link.txt` is also an input of this command: `DIR/paks/b.txt`; megapak never writes over what it reads
        hint: pass another file to `-o`, such as `STATUS.md`
        ");
        refuse_output_among_inputs(
            Some(&dir.path().join("STATUS.md")),
            &workspace,
            Some(&flake),
        )
        .unwrap();
        refuse_output_among_inputs(None, &workspace, Some(&flake)).unwrap();
    }

    #[test]
    fn a_flake_without_python_packages_is_named() {
        let parse = |text: &str| {
            megapak_nix::read::parse_flake_packages(text, Path::new("flake.nix")).unwrap()
        };
        let warning = flake_without_packages(&parse("{ outputs = _: { }; }")).unwrap();
        insta::assert_snapshot!(format!("{warning}\nhint: {}", warning.hint()), @r"
        `flake.nix` lists no Python package megapak can read, so every package counts as missing
        hint: megapak reads `python3.withPackages (ps: [ ps.numpy ])`, `with python3Packages; [ numpy ]` and lists selected from a Python package set
        ");
        assert_eq!(
            flake_without_packages(&parse("python3.withPackages (ps: [ ps.numpy ])")),
            None
        );
    }

    #[test]
    fn an_override_version_the_pins_leave_out_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "paks/a.txt", "torch==2.10.0\nnumpy>=2\n");
        let config = write(dir.path(), "megapak.toml", CONFIG);
        let workspace = load(&config);
        let found = overrides_contradicting_pins(&workspace);
        assert_eq!(found.len(), 1, "{found:?}");
        let err = refuse_overrides_contradicting_pins(&workspace)
            .unwrap_err()
            .to_string()
            .replace(&dir.path().display().to_string(), "DIR");
        insta::assert_snapshot!(err, @r"
        `DIR/megapak.toml:6` pins `torch` to `2.9.0`, but the pak files ask for `torch==2.10.0` at `DIR/paks/a.txt:1:1`
        hint: change the override's `version` or the pak file's pin so that they agree
        ");
        // Agreeing versions, and packages no pak file pins, are fine.
        write(dir.path(), "paks/a.txt", "torch\nnumpy>=2\n");
        assert!(overrides_contradicting_pins(&load(&config)).is_empty());
    }
}
