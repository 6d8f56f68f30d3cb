//! File-wide options for the package index (and pip's `--use-feature`): recorded here, used
//! by a later resolver.

use std::collections::HashSet;

use serde::Serialize;

use crate::error::{SyntaxError, snippet};
use crate::options::OptionKind;
use megapak_types::{Located, Location};

/// The index options of a tree of requirements files (`--index-url`, `--extra-index-url`,
/// `--find-links`, `--no-index`, `--pre`, `--no-binary`, `--only-binary`, `--prefer-binary`,
/// `--require-hashes`, `--trusted-host`) and the pip features it enables (`--use-feature`),
/// each value with where it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexOptions {
    /// `-i`/`--index-url`: replaces PyPI. At most one value in a tree of files.
    pub index_url: Option<Located<String>>,
    /// `--extra-index-url`, in order.
    pub extra_index_urls: Vec<Located<String>>,
    /// `-f`/`--find-links`: URLs or folders of archives, in order.
    pub find_links: Vec<Located<String>>,
    /// `--no-index`: ignore package indexes.
    pub no_index: bool,
    /// `--pre`: allow pre-releases.
    pub pre: bool,
    /// `--prefer-binary`.
    pub prefer_binary: bool,
    /// `--require-hashes`.
    pub require_hashes: bool,
    /// `--no-binary` values (comma-separated names, `:all:` or `:none:`), as written.
    pub no_binary: Vec<Located<String>>,
    /// `--only-binary` values, as written.
    pub only_binary: Vec<Located<String>>,
    /// `--trusted-host` values.
    pub trusted_hosts: Vec<Located<String>>,
    /// `--use-feature` values: pip features to enable (`fast-deps`, `truststore`), each once.
    pub use_features: Vec<Located<String>>,
}

impl IndexOptions {
    /// Records one option. Returns `false` for options that are not index options.
    pub(crate) fn record(
        &mut self,
        kind: OptionKind,
        value: Option<&str>,
        location: &Location,
    ) -> Result<bool, SyntaxError> {
        let located = || Located {
            value: value.unwrap_or_default().to_string(),
            location: location.clone(),
        };
        match kind {
            OptionKind::IndexUrl => self.set_index_url(located())?,
            OptionKind::ExtraIndexUrl => self.extra_index_urls.push(located()),
            OptionKind::FindLinks => self.find_links.push(located()),
            OptionKind::NoBinary => self.no_binary.push(located()),
            OptionKind::OnlyBinary => self.only_binary.push(located()),
            OptionKind::TrustedHost => self.trusted_hosts.push(located()),
            OptionKind::UseFeature => self.use_features.push(located()),
            OptionKind::NoIndex => self.no_index = true,
            OptionKind::Pre => self.pre = true,
            OptionKind::PreferBinary => self.prefer_binary = true,
            OptionKind::RequireHashes => self.require_hashes = true,
            OptionKind::Requirement
            | OptionKind::Constraint
            | OptionKind::Editable
            | OptionKind::Hash
            | OptionKind::ConfigSettings
            | OptionKind::GlobalOption => return Ok(false),
        }
        Ok(true)
    }

    /// Adds the options of another tree of files, as if its lines followed.
    pub(crate) fn extend(&mut self, other: &IndexOptions) -> Result<(), (Location, SyntaxError)> {
        if let Some(index_url) = &other.index_url {
            self.set_index_url(index_url.clone())
                .map_err(|error| (index_url.location.clone(), error))?;
        }
        self.extra_index_urls
            .extend(other.extra_index_urls.iter().cloned());
        self.find_links.extend(other.find_links.iter().cloned());
        self.trusted_hosts
            .extend(other.trusted_hosts.iter().cloned());
        self.no_binary.extend(other.no_binary.iter().cloned());
        self.only_binary.extend(other.only_binary.iter().cloned());
        self.use_features.extend(other.use_features.iter().cloned());
        self.no_index |= other.no_index;
        self.pre |= other.pre;
        self.prefer_binary |= other.prefer_binary;
        self.require_hashes |= other.require_hashes;
        self.dedupe();
        Ok(())
    }

    /// Drops repeated URLs, hosts and features, keeping the first location of each.
    pub(crate) fn dedupe(&mut self) {
        for values in [
            &mut self.extra_index_urls,
            &mut self.find_links,
            &mut self.trusted_hosts,
            &mut self.use_features,
        ] {
            let mut seen = HashSet::new();
            values.retain(|v| seen.insert(v.value.clone()));
        }
    }

    /// pip would silently take the last `--index-url`; two different ones are more likely a
    /// mistake than a wish, so they are an error naming both.
    fn set_index_url(&mut self, url: Located<String>) -> Result<(), SyntaxError> {
        match &self.index_url {
            Some(previous) if previous.value != url.value => {
                Err(SyntaxError::ConflictingIndexUrl {
                    value: snippet(&url.value),
                    previous: snippet(&previous.value),
                    previous_location: previous.location.clone(),
                })
            }
            Some(_) => Ok(()),
            None => {
                self.index_url = Some(url);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn at(line: u32) -> Location {
        Location {
            file: PathBuf::from("r.txt"),
            line,
            column: 1,
        }
    }

    #[test]
    fn records_values_and_flags() {
        let mut index = IndexOptions::default();
        let url = "https://download.pytorch.org/whl/cu130";
        assert!(
            index
                .record(OptionKind::ExtraIndexUrl, Some(url), &at(1))
                .unwrap()
        );
        assert!(
            index
                .record(OptionKind::ExtraIndexUrl, Some(url), &at(2))
                .unwrap()
        );
        assert!(index.record(OptionKind::Pre, None, &at(3)).unwrap());
        assert!(!index.record(OptionKind::Hash, Some("x"), &at(4)).unwrap());
        assert!(
            !index
                .record(OptionKind::ConfigSettings, Some("k=v"), &at(4))
                .unwrap()
        );
        for line in [5, 6] {
            assert!(
                index
                    .record(OptionKind::UseFeature, Some("fast-deps"), &at(line))
                    .unwrap()
            );
        }
        index.dedupe();
        assert_eq!(index.use_features.len(), 1);
        assert_eq!(index.use_features[0].location.line, 5);
        assert_eq!(index.extra_index_urls.len(), 1);
        assert_eq!(index.extra_index_urls[0].location.line, 1);
        assert!(index.pre && !index.no_index);
    }

    #[test]
    fn two_different_index_urls_conflict() {
        let mut index = IndexOptions::default();
        index
            .record(OptionKind::IndexUrl, Some("https://a/simple"), &at(1))
            .unwrap();
        index
            .record(OptionKind::IndexUrl, Some("https://a/simple"), &at(2))
            .unwrap();
        let error = index
            .record(OptionKind::IndexUrl, Some("https://b/simple"), &at(3))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Option `--index-url` `https://b/simple` conflicts with `https://a/simple` given at r.txt:1:1"
        );
    }
}
