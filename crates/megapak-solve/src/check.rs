//! The pak files' own contradictions, judged by the same solver as everything else: PubGrub
//! over the root requirements alone, every version taken to exist and to need nothing. So
//! `megapak status` and `megapak resolve` cannot disagree about whether two entries meet.

use megapak_requirements::RequirementsFile;
use megapak_requirements::pep508_rs::MarkerEnvironment;

use crate::error::SolveError;
use crate::input::{SolveInput, entry_requirements};
use crate::oracle::{Mode, Oracle};

/// Checks that some version of every package satisfies all the entries that ask for it
/// (`-c` constraints included), one PubGrub requirement per entry so that a conflict names
/// both lines. Entries whose markers do not hold in `environment` are left out; without an
/// environment every entry counts, and a conflict between entries with markers says that a
/// target would judge them.
///
/// ```
/// use std::path::Path;
/// use megapak_requirements::parse_requirements_str;
///
/// let a = parse_requirements_str("torch==2.10.0\n", Path::new("pak3.txt"))?;
/// let b = parse_requirements_str("numpy\ntorch>=2.11\n", Path::new("pak5.txt"))?;
/// let error = megapak_solve::check_root_requirements(&[a, b], None).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "The pak files contradict each other:\n  \
///      `pak3.txt:1` asks for `torch==2.10.0`\n  \
///      `pak5.txt:2` asks for `torch>=2.11`\n  \
///      so `pak3.txt:1`, `pak5.txt:2` cannot all hold",
/// );
/// # Ok::<(), megapak_requirements::RequirementsError>(())
/// ```
pub fn check_root_requirements(
    files: &[RequirementsFile],
    environment: Option<&MarkerEnvironment>,
) -> Result<(), SolveError> {
    let (requirements, with_markers) = entry_requirements(files, environment);
    // No provider is asked and no dependency read: the environment and Python of the input
    // are never consulted. A fixed one keeps the check independent of any machine.
    let environment = match environment {
        Some(environment) => environment.clone(),
        None => megapak_config::Target {
            python: "3.14".to_owned(),
            cuda: None,
            torch: None,
            system: "x86_64-linux".to_owned(),
        }
        .marker_environment()
        .map_err(|error| SolveError::Target(error.to_string()))?,
    };
    let input = SolveInput {
        requirements: Vec::new(),
        constraints: Default::default(),
        environment,
        python: megapak_requirements::pep440_rs::Version::new([3, 14]),
        prereleases: true,
        overrides: Default::default(),
        torch: None,
    };
    let oracle = Oracle::new(&input, &requirements, &[], Mode::RootsOnly);
    match crate::solve::run(&oracle) {
        Ok(_) => Ok(()),
        Err(SolveError::NoSolution {
            explanation,
            packages,
            mut hints,
        }) => {
            if with_markers {
                hints.push(
                    "Some of these entries have markers: judge them for a target with `--config`"
                        .to_owned(),
                );
            }
            Err(SolveError::NoSolution {
                explanation,
                packages,
                hints,
            })
        }
        Err(other) => Err(other),
    }
}
