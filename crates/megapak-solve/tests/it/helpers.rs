//! Pak text in, a resolution (or an error) out, for a CPython 3.14 image on x86_64 Linux.

use std::fmt::Write as _;
use std::path::Path;

use megapak_config::{Override, Target};
use megapak_requirements::{merge_for_environment, parse_requirements_str};
use megapak_solve::{Provider, Resolution, SolveError, SolveInput, solve};

pub fn target() -> Target {
    Target {
        python: "3.14".to_owned(),
        cuda: Some("13.0".to_owned()),
        torch: None,
        system: "x86_64-linux".to_owned(),
    }
}

pub fn input(pak: &str, overrides: &[Override]) -> SolveInput {
    let file = parse_requirements_str(pak, Path::new("paks/pak5.txt")).unwrap();
    let environment = target().marker_environment().unwrap();
    let set = merge_for_environment(&[file], &environment).unwrap();
    SolveInput::from_parts(&set, &target(), overrides).unwrap()
}

pub fn run(pak: &str, providers: &[&dyn Provider]) -> Result<Resolution, SolveError> {
    solve(&input(pak, &[]), providers)
}

pub fn run_with(
    pak: &str,
    overrides: &[Override],
    providers: &[&dyn Provider],
) -> Result<Resolution, SolveError> {
    solve(&input(pak, overrides), providers)
}

/// One line per package: `name version provider [extras] -> deps (borrowed) <- parents @ pak`.
pub fn table(resolution: &Resolution) -> String {
    let mut text = String::new();
    for p in &resolution.packages {
        let _ = write!(text, "{} {} {}", p.name, p.version, p.provider);
        if !p.extras.is_empty() {
            let _ = write!(text, " [{}]", p.extras.join(","));
        }
        if !p.dependencies.is_empty() {
            let deps: Vec<&str> = p.dependencies.iter().map(|d| d.as_str()).collect();
            let _ = write!(text, " -> {}", deps.join(" "));
        }
        if let Some(from) = &p.dependencies_from {
            let _ = write!(text, " (dependencies from {from})");
        }
        if !p.required_by.is_empty() {
            let parents: Vec<&str> = p.required_by.iter().map(|d| d.as_str()).collect();
            let _ = write!(text, " <- {}", parents.join(" "));
        }
        for location in &p.requested_at {
            let _ = write!(text, " @ {location}");
        }
        text.push('\n');
    }
    for (name, reason) in &resolution.skipped {
        let _ = writeln!(text, "skipped {name}: {}", reason.as_deref().unwrap_or("-"));
    }
    text
}

/// The error's message and its hint lines.
pub fn report(error: &SolveError) -> String {
    use megapak_types::Hint;
    let mut text = error.to_string();
    if let Some(hint) = error.hint() {
        for line in hint.lines() {
            let _ = write!(text, "\nhint: {line}");
        }
    }
    text
}

pub fn override_of(package: &str) -> Override {
    Override {
        package: package.to_owned(),
        provider: None,
        attr: None,
        version: None,
        skip: false,
        reason: None,
        line: 7,
    }
}
