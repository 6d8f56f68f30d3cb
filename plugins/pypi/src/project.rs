//! One call's view of a project: its files on every index and `--find-links` location, merged
//! as pip merges them, each read from its file name and judged against the target.

use std::collections::HashSet;

use megapak_types::PackageName;

use crate::cache::DiskCache;
use crate::fetch::{Fetcher, MemoryPages, PageAnswer};
use crate::filename::{self, DistFilename, DistKind, SdistFormat};
use crate::http::Client;
use crate::index::IndexFile;
use crate::parallel;
use crate::settings::Settings;
use crate::tags::TargetTags;

/// Everything one `candidates` or `details` call works with.
#[derive(Debug)]
pub struct Call<'a> {
    /// The validated settings.
    pub settings: Settings,
    /// The HTTP client.
    pub client: Client,
    /// The disk cache.
    pub cache: DiskCache,
    /// The target's wheel tags.
    pub tags: TargetTags,
    /// Pages this process already read.
    pub memory: &'a MemoryPages,
    /// Answer from the cache only.
    pub offline: bool,
}

/// A file of the project, read and judged.
#[derive(Debug, Clone)]
pub struct Dist {
    /// As the index lists it.
    pub file: IndexFile,
    /// Its name, read.
    pub name: DistFilename,
    /// For a wheel that runs on the target, its rank (0 = best); `None` otherwise.
    pub rank: Option<usize>,
}

impl Dist {
    /// Whether the target can use it: a wheel with a supported tag, or an sdist the resolver can
    /// read, with a local version (`+cu130`) that suits the target.
    pub fn usable(&self, tags: &TargetTags) -> bool {
        let kind_ok = match &self.name.kind {
            DistKind::Wheel(_) => self.rank.is_some(),
            DistKind::Sdist(format) => *format != SdistFormat::Other,
        };
        kind_ok && tags.local_fits(&self.name.version)
    }

    /// Orders usable files best first: wheels by rank, then `.tar.gz`, then `.zip` sdists.
    pub fn preference(&self) -> (usize, usize) {
        match (&self.name.kind, self.rank) {
            (DistKind::Wheel(_), Some(rank)) => (0, rank),
            (DistKind::Sdist(SdistFormat::TarGz), _) => (1, 0),
            _ => (2, 0),
        }
    }
}

/// What the indexes have for a project.
#[derive(Debug)]
pub enum ProjectFiles {
    /// Its files, from every place that has it.
    Found(Vec<Dist>),
    /// No index has it; the reason names where the resolver looked.
    NotFound(String),
    /// Offline, and some page is not in the cache.
    Offline(String),
    /// A page could not be read.
    Error(String),
}

impl Call<'_> {
    fn fetcher(&self) -> Fetcher<'_> {
        Fetcher {
            client: &self.client,
            cache: &self.cache,
            memory: self.memory,
            offline: self.offline,
        }
    }

    /// How many packages may be worked on at once: each reads every index and find-links
    /// location in parallel, and the total stays within `max-in-flight`.
    pub fn packages_at_once(&self) -> usize {
        let places = self.settings.indexes.len() + self.settings.find_links.len();
        (self.settings.max_in_flight / places.max(1)).max(1)
    }

    /// The files of `name` on every index and find-links location.
    pub fn project_files(&self, name: &PackageName) -> ProjectFiles {
        let fetcher = self.fetcher();
        let mut places: Vec<(String, bool)> = self
            .settings
            .indexes
            .iter()
            .map(|index| (index.clone(), true))
            .collect();
        places.extend(
            self.settings
                .find_links
                .iter()
                .map(|link| (link.clone(), false)),
        );
        let answers = parallel::bounded_map(&places, places.len(), |(place, is_index)| {
            if *is_index {
                fetcher.project_page(place, name)
            } else {
                fetcher.find_links(place)
            }
        });
        let mut dists = Vec::new();
        let mut seen = HashSet::new();
        for ((place, _), answer) in places.iter().zip(answers) {
            match answer {
                Err(error) => return ProjectFiles::Error(error.to_string()),
                Ok(PageAnswer::Offline) => {
                    return ProjectFiles::Offline(format!(
                        "The page of `{name}` on `{place}` is not in the cache"
                    ));
                }
                Ok(PageAnswer::NotFound) => {}
                Ok(PageAnswer::Found(page)) => {
                    for file in &page.files {
                        let Some(parsed) = filename::parse(&file.filename, name) else {
                            continue;
                        };
                        if !seen.insert(file.filename.clone()) {
                            continue;
                        }
                        let rank = match &parsed.kind {
                            DistKind::Wheel(wheel) => self.tags.rank(wheel),
                            DistKind::Sdist(_) => None,
                        };
                        dists.push(Dist {
                            file: file.clone(),
                            name: parsed,
                            rank,
                        });
                    }
                }
            }
        }
        if dists.is_empty() {
            return ProjectFiles::NotFound(format!(
                "`{name}` is not on {}; a custom wheel or a VCS line can provide it",
                self.settings.where_looked()
            ));
        }
        ProjectFiles::Found(dists)
    }
}
