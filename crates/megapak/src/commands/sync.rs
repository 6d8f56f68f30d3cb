//! `megapak sync --flake FILE`: a hand-written flake brought in line with `megapak.lock`, with
//! the fewest edits (see `megapak_nix::sync`), written atomically; `--check` only reports.

use anstream::eprintln;
use anyhow::Context;
use megapak_lock::{Lock, LockedSource};
use megapak_nix::sync::{Wanted, plan_sync};
use megapak_workspace::{Need, find_config, lock_path};

use super::hinted;
use crate::cli::SyncArgs;
use crate::exit::{HINT_STYLE, Outcome};
use crate::output::{write_file_atomically, write_stdout};

pub(crate) fn run(args: &SyncArgs) -> anyhow::Result<Outcome> {
    let config = find_config(args.config.as_deref(), Need::Required)
        .map_err(hinted)?
        .expect("a configuration is required");
    let lock_path = lock_path(&config);
    if !lock_path.exists() {
        anyhow::bail!(
            "There is no `{}` to sync the flake with\nhint: run `megapak resolve` first",
            lock_path.display()
        );
    }
    let lock = Lock::read(&lock_path).map_err(hinted)?;
    let text = fs_err::read_to_string(&args.flake).context("Cannot sync the flake")?;
    let plan = plan_sync(&text, &args.flake, &wanted(&lock)).map_err(hinted)?;

    let mut report = String::new();
    for edit in &plan.edits {
        report.push_str(&format!("{edit}\n"));
    }
    for (wanted, location) in &plan.left_for_you {
        report.push_str(&format!(
            "{location}: `{}` ({}) is commented out inside a block comment: turn it on by hand\n",
            wanted.name, wanted.provided_by
        ));
    }
    if plan.is_in_sync() {
        report.push_str(&format!(
            "`{}` lists all {} packages the pak files ask for\n",
            args.flake.display(),
            plan.already_listed
        ));
    }
    write_stdout(&report)?;
    if plan.edits.is_empty() {
        return Ok(if plan.is_in_sync() {
            Outcome::Success
        } else {
            Outcome::Failure
        });
    }
    if args.check {
        eprintln!(
            "{HINT_STYLE}hint{HINT_STYLE:#}: run `megapak sync --flake {}` without `--check` to make these edits",
            args.flake.display()
        );
        return Ok(Outcome::Failure);
    }
    write_file_atomically(&args.flake, plan.text.as_bytes())
        .with_context(|| format!("Cannot write `{}`", args.flake.display()))?;
    Ok(if plan.left_for_you.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// The packages the pak files ask for, under the attribute the flake's Python set has them:
/// nixpkgs' own for a reused package, the package's name for one megapak's overlay defines.
fn wanted(lock: &Lock) -> Vec<Wanted> {
    lock.packages
        .iter()
        .filter(|package| !package.requested_at.is_empty())
        .map(|package| Wanted {
            name: package.name.clone(),
            attribute: match &package.source {
                LockedSource::Nixpkgs { attribute, .. } => attribute.clone(),
                _ => package.name.to_string(),
            },
            provided_by: format!("{} {}", package.provider, package.version),
        })
        .collect()
}
