//! Comparing what the pak files request with what a flake lists.

use std::collections::BTreeMap;

use crate::input::{FlakeInput, FlakeListing, PackageKind, RequestedPackage, StatusInput};
use crate::locked::LockIndex;
use crate::model::{FlakeComparison, PackageRow, RowStatus, StatusReport};

impl StatusReport {
    /// Computes the report. Names are compared as given: the caller normalizes them (PEP 503).
    pub fn build(input: &StatusInput) -> Self {
        let mut packages = input.packages.clone();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        packages.dedup_by(|later, first| {
            let same = later.name == first.name;
            if same {
                first.locations.append(&mut later.locations);
            }
            same
        });

        let flake = input.flake.as_ref().map(FlakeIndex::new);
        let lock = input.lock.as_ref().map(LockIndex::new);
        let mut rows: Vec<PackageRow> = packages
            .iter()
            .map(|package| {
                let listing = flake.as_ref().and_then(|f| f.for_package(package));
                let status = match (&flake, listing) {
                    _ if package.skipped.is_some() => RowStatus::Skipped,
                    (None, _) => match &lock {
                        None => RowStatus::Requested,
                        Some(lock) if lock.get(&package.name).is_some() => RowStatus::Locked,
                        Some(_) => RowStatus::NotLocked,
                    },
                    (Some(_), None) => RowStatus::MissingFromFlake,
                    (Some(_), Some(listing)) if listing.commented => RowStatus::CommentedInFlake,
                    (Some(_), Some(_)) => RowStatus::InFlake,
                };
                PackageRow {
                    name: package.name.clone(),
                    kind: Some(package.kind),
                    status,
                    provider: None,
                    version: None,
                    attribute: None,
                    locations: package.locations.clone(),
                    flake_location: listing.map(|l| l.location.clone()),
                    note: package
                        .skipped
                        .clone()
                        .or_else(|| listing.and_then(|l| l.note.clone())),
                }
            })
            .collect();

        if let Some(flake) = &flake {
            let requested: std::collections::BTreeSet<&str> = packages
                .iter()
                .flat_map(|p| std::iter::once(p.name.as_str()).chain(p.nix_attr.as_deref()))
                .collect();
            for (name, listing) in &flake.by_name {
                if !listing.commented && !requested.contains(name.as_str()) {
                    rows.push(PackageRow {
                        name: name.clone(),
                        kind: None,
                        status: RowStatus::OnlyInFlake,
                        provider: None,
                        version: None,
                        attribute: None,
                        locations: Vec::new(),
                        flake_location: Some(listing.location.clone()),
                        note: listing.note.clone(),
                    });
                }
            }
        }

        if let Some(lock) = &lock {
            rows.iter_mut().for_each(|row| lock.annotate(row));
        }

        let count =
            |kind: fn(PackageKind) -> bool| packages.iter().filter(|p| kind(p.kind)).count();
        Self {
            packages: count(|kind| kind == PackageKind::Pypi),
            vcs: count(|kind| kind != PackageKind::Pypi),
            skipped: rows
                .iter()
                .filter(|row| row.status == RowStatus::Skipped)
                .map(|row| row.name.clone())
                .collect(),
            entries: input.pak_files.iter().map(|f| f.entries).sum(),
            pak_files: input.pak_files.clone(),
            flake: input.flake.as_ref().map(|f| comparison(&f.path, &rows)),
            lock: lock.map(|lock| lock.summary(&rows)),
            rows,
        }
    }
}

fn comparison(path: &str, rows: &[PackageRow]) -> FlakeComparison {
    let names = |status: RowStatus| {
        rows.iter()
            .filter(|row| row.status == status)
            .map(|row| row.name.clone())
            .collect()
    };
    FlakeComparison {
        flake: path.to_owned(),
        in_flake: names(RowStatus::InFlake),
        commented_in_flake: names(RowStatus::CommentedInFlake),
        missing_from_flake: names(RowStatus::MissingFromFlake),
        only_in_flake: names(RowStatus::OnlyInFlake),
    }
}

/// The flake's entries by normalized name; a listed entry wins over a commented one.
struct FlakeIndex<'a> {
    by_name: BTreeMap<String, &'a FlakeListing>,
}

impl<'a> FlakeIndex<'a> {
    fn new(flake: &'a FlakeInput) -> Self {
        let mut by_name: BTreeMap<String, &FlakeListing> = BTreeMap::new();
        for listing in &flake.listings {
            by_name
                .entry(listing.name.clone())
                .and_modify(|seen| {
                    if seen.commented && !listing.commented {
                        *seen = listing;
                    }
                })
                .or_insert(listing);
        }
        Self { by_name }
    }

    /// The entry for a requested package: under its own name or under the nixpkgs attribute
    /// an override names, a listed entry before a commented one.
    fn for_package(&self, package: &RequestedPackage) -> Option<&'a FlakeListing> {
        let by_name = self.by_name.get(&package.name).copied();
        let by_attr = package
            .nix_attr
            .as_ref()
            .and_then(|attr| self.by_name.get(attr).copied());
        match (by_name, by_attr) {
            (Some(name), Some(attr)) if name.commented && !attr.commented => Some(attr),
            (name, attr) => name.or(attr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::PakFileSummary;

    fn requested(name: &str, kind: PackageKind) -> RequestedPackage {
        RequestedPackage {
            name: name.to_owned(),
            kind,
            locations: vec![format!("pak.txt:1:1 ({name})")],
            skipped: None,
            nix_attr: None,
        }
    }

    fn listing(name: &str, commented: bool) -> FlakeListing {
        FlakeListing {
            name: name.to_owned(),
            attr: name.to_owned(),
            set: Some("ps".to_owned()),
            commented,
            note: commented.then(|| "TODO: check if available".to_owned()),
            location: format!("flake.nix:1:1 ({name})"),
        }
    }

    #[test]
    fn every_requested_package_gets_exactly_one_status() {
        let input = StatusInput {
            pak_files: vec![PakFileSummary {
                path: "pak.txt".into(),
                entries: 4,
            }],
            packages: vec![
                requested("torch", PackageKind::Pypi),
                requested("onnx", PackageKind::Pypi),
                requested("decord", PackageKind::Pypi),
                requested("clip", PackageKind::Vcs),
            ],
            flake: Some(FlakeInput {
                path: "flake.nix".into(),
                listings: vec![
                    listing("torch", false),
                    listing("onnx", true),
                    listing("numpy", false),
                    listing("unused", true),
                    // Commented out once, listed elsewhere: listed wins.
                    listing("torch", true),
                ],
            }),
            lock: None,
        };
        let report = StatusReport::build(&input);
        assert_eq!((report.packages, report.vcs, report.entries), (3, 1, 4));
        let flake = report.flake.unwrap();
        assert_eq!(flake.in_flake, ["torch"]);
        assert_eq!(flake.commented_in_flake, ["onnx"]);
        assert_eq!(flake.missing_from_flake, ["clip", "decord"]);
        assert_eq!(flake.only_in_flake, ["numpy"]);
    }

    #[test]
    fn skipped_packages_are_neither_missing_nor_listed() {
        let mut opencv = requested("opencv-python", PackageKind::Pypi);
        opencv.skipped = Some("megapak.toml:30: headless only".to_owned());
        let input = StatusInput {
            packages: vec![opencv, requested("numpy", PackageKind::Pypi)],
            flake: Some(FlakeInput {
                path: "flake.nix".into(),
                listings: vec![listing("numpy", false)],
            }),
            ..StatusInput::default()
        };
        let report = StatusReport::build(&input);
        assert_eq!(report.skipped, ["opencv-python"]);
        assert_eq!(report.packages, 2);
        let flake = report.flake.unwrap();
        assert!(flake.missing_from_flake.is_empty());
        assert_eq!(
            report.rows[1].note.as_deref(),
            Some("megapak.toml:30: headless only")
        );
    }

    #[test]
    fn a_package_is_found_under_the_nixpkgs_attribute_an_override_names() {
        let mut torch = requested("torch", PackageKind::Pypi);
        torch.nix_attr = Some("torchwithcuda".to_owned());
        let mut cuda_listing = listing("torchwithcuda", false);
        cuda_listing.attr = "torchWithCuda".to_owned();
        let input = StatusInput {
            packages: vec![torch],
            flake: Some(FlakeInput {
                path: "flake.nix".into(),
                // The plain name commented out, the attribute listed: listed wins.
                listings: vec![listing("torch", true), cuda_listing],
            }),
            ..StatusInput::default()
        };
        let report = StatusReport::build(&input);
        let flake = report.flake.unwrap();
        assert_eq!(flake.in_flake, ["torch"]);
        assert!(flake.only_in_flake.is_empty(), "{:?}", flake.only_in_flake);
        assert_eq!(
            report.rows[0].flake_location.as_deref(),
            Some("flake.nix:1:1 (torchwithcuda)")
        );
    }

    #[test]
    fn duplicates_in_the_input_are_merged() {
        let input = StatusInput {
            packages: vec![
                requested("torch", PackageKind::Pypi),
                requested("torch", PackageKind::Pypi),
            ],
            ..StatusInput::default()
        };
        let report = StatusReport::build(&input);
        assert_eq!(report.packages, 1);
        assert_eq!(report.rows[0].locations.len(), 2);
        assert_eq!(report.rows[0].status, RowStatus::Requested);
        assert!(report.flake.is_none());
    }
}
