//! Running `nix build`: the command line megapak owns (`--log-format internal-json`, `--json`,
//! the out link) plus what the user passes through (`--builders`, `--store`, `--option
//! substituters …`), stderr read line by line into the [`Tracker`], stdout's JSON into the
//! built paths.
//!
//! Nix applies logging options in the order given, and `-L` switches the logger back to the
//! progress bar: megapak therefore takes `-L` itself and puts `--log-format internal-json`
//! last, after everything passed through.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::error::BuildError;
use crate::log::parse_line;
use crate::packages::KnownPackages;
use crate::progress::Progress;
use crate::tracker::{Status, Tracker};

/// The experimental features the new CLI needs on Nix 2.8 to 2.x (harmless where stable).
pub const FEATURES: &str = "nix-command flakes";

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installable {
    /// A flake output: `/path/to/workspace#image`.
    Flake(String),
    /// An attribute of a Nix file (`nix build --file FILE ATTR`), with `--argstr` pairs.
    File {
        file: PathBuf,
        attribute: Option<String>,
        args: Vec<(String, String)>,
    },
}

/// Where the result link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutLink {
    /// A garbage-collector root at this path (`--out-link`).
    At(PathBuf),
    /// No link (`--no-link`): the result may be collected by the next `nix-collect-garbage`.
    None,
}

/// A `nix build` to run.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The `nix` program.
    pub nix: String,
    pub installable: Installable,
    pub out_link: OutLink,
    /// Passed to Nix as they are.
    pub nix_args: Vec<String>,
}

/// A finished build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The output paths, in the order Nix gave them.
    pub outputs: Vec<String>,
    pub status: Status,
}

/// `-L` and `--print-build-logs` among passed-through arguments: taken out (megapak shows the
/// log itself), and whether one was there.
pub fn take_print_build_logs(nix_args: &mut Vec<String>) -> bool {
    let before = nix_args.len();
    nix_args.retain(|a| a != "-L" && a != "--print-build-logs");
    nix_args.len() != before
}

/// The value of `--store` among passed-through arguments, which `nix path-info` needs too.
pub fn store_argument(nix_args: &[String]) -> Option<&str> {
    let mut args = nix_args.iter();
    while let Some(arg) = args.next() {
        if arg == "--store" {
            return args.next().map(String::as_str);
        }
        if let Some(value) = arg.strip_prefix("--store=") {
            return Some(value);
        }
    }
    None
}

impl BuildRequest {
    /// The arguments after the program.
    pub fn arguments(&self) -> Result<Vec<String>, BuildError> {
        for arg in &self.nix_args {
            let name = arg.split('=').next().unwrap_or(arg);
            if matches!(
                name,
                "--log-format"
                    | "--json"
                    | "--out-link"
                    | "-o"
                    | "--no-link"
                    | "-L"
                    | "--print-build-logs"
            ) {
                return Err(BuildError::ReservedArgument {
                    argument: arg.clone(),
                });
            }
        }
        let mut args: Vec<String> = vec![
            "--extra-experimental-features".into(),
            FEATURES.into(),
            "build".into(),
        ];
        match &self.installable {
            Installable::Flake(reference) => args.push(reference.clone()),
            Installable::File {
                file,
                attribute,
                args: argstr,
            } => {
                args.extend(["--file".into(), file.display().to_string()]);
                args.extend(attribute.iter().cloned());
                for (name, value) in argstr {
                    args.extend(["--argstr".into(), name.clone(), value.clone()]);
                }
            }
        }
        match &self.out_link {
            OutLink::At(path) => args.extend(["--out-link".into(), path.display().to_string()]),
            OutLink::None => args.push("--no-link".into()),
        }
        args.push("--json".into());
        args.extend(self.nix_args.iter().cloned());
        args.extend(["--log-format".into(), "internal-json".into()]);
        Ok(args)
    }

    /// The command line as a person would type it, for messages.
    pub fn display(&self) -> String {
        let args = self.arguments().unwrap_or_default();
        std::iter::once(self.nix.as_str())
            .chain(args.iter().map(String::as_str))
            .map(quote)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the build, showing progress on `progress`.
    pub fn run(
        &self,
        known: &KnownPackages,
        progress: &mut dyn Progress,
    ) -> Result<Built, BuildError> {
        let args = self.arguments()?;
        let mut command = Command::new(&self.nix);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        crate::process::end_with_this_thread(&mut command);
        let mut child = command
            .spawn()
            .map_err(|source| spawn_error(&self.nix, source))?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        // stdout is small (the JSON of the outputs) but must not fill its pipe while stderr is
        // read: a thread of its own.
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        });
        let mut tracker = Tracker::new();
        let mut lines = BufReader::new(stderr);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            let read = lines
                .read_until(b'\n', &mut buffer)
                .map_err(|source| BuildError::Io {
                    program: self.nix.clone(),
                    source,
                })?;
            if read == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buffer);
            tracker.feed(parse_line(line.trim_end_matches(['\n', '\r'])), progress);
        }
        let status = child.wait().map_err(|source| BuildError::Io {
            program: self.nix.clone(),
            source,
        })?;
        progress.finish();
        let stdout = reader
            .join()
            .unwrap_or_else(|_| Ok(String::new()))
            .map_err(|source| BuildError::Io {
                program: self.nix.clone(),
                source,
            })?;
        if !status.success() {
            let failures = tracker.failures(known);
            if failures.is_empty() {
                return Err(BuildError::NixExited {
                    status,
                    text: tracker.text_tail(),
                });
            }
            return Err(BuildError::Failed { failures });
        }
        Ok(Built {
            outputs: outputs(&self.nix, &stdout)?,
            status: tracker.status().clone(),
        })
    }
}

fn spawn_error(program: &str, source: std::io::Error) -> BuildError {
    if source.kind() == std::io::ErrorKind::NotFound {
        BuildError::NixNotFound {
            program: program.to_owned(),
        }
    } else {
        BuildError::Spawn {
            program: program.to_owned(),
            source,
        }
    }
}

#[derive(Deserialize)]
struct BuiltJson {
    #[serde(default)]
    outputs: std::collections::BTreeMap<String, String>,
}

/// `[{"drvPath": …, "outputs": {"out": "/nix/store/…"}}]`, `out` first.
fn outputs(program: &str, stdout: &str) -> Result<Vec<String>, BuildError> {
    // `--dry-run` builds nothing and prints nothing.
    if stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    let built: Vec<BuiltJson> =
        serde_json::from_str(stdout.trim()).map_err(|source| BuildError::UnexpectedOutput {
            program: format!("{program} build --json"),
            output: stdout.trim().chars().take(200).collect(),
            source,
        })?;
    let mut paths = Vec::new();
    for mut one in built {
        if let Some(out) = one.outputs.remove("out") {
            paths.push(out);
        }
        paths.extend(one.outputs.into_values());
    }
    Ok(paths)
}

/// A word as a shell would need it typed.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+#".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(nix_args: &[&str]) -> BuildRequest {
        BuildRequest {
            nix: "nix".into(),
            installable: Installable::Flake("/work/ws#image".into()),
            out_link: OutLink::At("/work/ws/result".into()),
            nix_args: nix_args.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn passed_through_arguments_come_before_the_log_format() {
        let line = request(&[
            "--builders",
            "ssh://gpu-builder x86_64-linux",
            "--option",
            "substituters",
            "",
        ])
        .display();
        insta::assert_snapshot!(line, @"nix --extra-experimental-features 'nix-command flakes' build /work/ws#image --out-link /work/ws/result --json --builders 'ssh://gpu-builder x86_64-linux' --option substituters '' --log-format internal-json");
    }

    #[test]
    fn a_file_build_names_its_attribute_and_arguments() {
        let request = BuildRequest {
            installable: Installable::File {
                file: "expr.nix".into(),
                attribute: Some("ok".into()),
                args: vec![("nonce".into(), "42".into())],
            },
            out_link: OutLink::None,
            ..request(&[])
        };
        insta::assert_snapshot!(request.display(), @"nix --extra-experimental-features 'nix-command flakes' build --file expr.nix ok --argstr nonce 42 --no-link --json --log-format internal-json");
    }

    #[test]
    fn arguments_megapak_owns_are_refused() {
        for arg in ["--log-format=bar", "--json", "-o", "--no-link", "-L"] {
            assert!(
                matches!(
                    request(&[arg]).arguments(),
                    Err(BuildError::ReservedArgument { .. })
                ),
                "{arg}"
            );
        }
    }

    #[test]
    fn print_build_logs_is_taken_and_store_is_found() {
        let mut args: Vec<String> = ["-L", "--store", "ssh-ng://cache", "--print-build-logs"]
            .map(String::from)
            .to_vec();
        assert!(take_print_build_logs(&mut args));
        assert_eq!(args, ["--store", "ssh-ng://cache"]);
        assert_eq!(store_argument(&args), Some("ssh-ng://cache"));
        assert_eq!(store_argument(&["--store=local".into()]), Some("local"));
        assert!(!take_print_build_logs(&mut args));
    }

    #[test]
    fn outputs_put_out_first() {
        let json = r#"[{"drvPath":"/nix/store/a.drv","outputs":{"dev":"/nix/store/b-dev","out":"/nix/store/b"}}]"#;
        assert_eq!(
            outputs("nix", json).unwrap(),
            ["/nix/store/b", "/nix/store/b-dev"]
        );
        assert!(outputs("nix", "\n").unwrap().is_empty());
        assert!(matches!(
            outputs("nix", "not json"),
            Err(BuildError::UnexpectedOutput { .. })
        ));
    }
}
