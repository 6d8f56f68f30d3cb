//! URLs that would be fetched without TLS (`http://`, `git://`): anyone on the path could
//! change the packages. pip ignores an `http://` index unless `--trusted-host` names its host;
//! megapak warns about every such URL its pak files name, but not about hosts named by
//! `--trusted-host`.

use megapak_requirements::{EntrySource, Location, RequirementsFile};

/// One URL fetched without TLS, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsecureUrl {
    pub(crate) url: String,
    pub(crate) location: Location,
}

impl std::fmt::Display for InsecureUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}`: `{}` is fetched without TLS: anyone on the network path could change what it serves",
            self.location, self.url
        )
    }
}

impl InsecureUrl {
    pub(crate) fn hint(&self) -> String {
        "use `https://`, or name the host with `--trusted-host` if its network is one you trust"
            .to_owned()
    }
}

/// Every URL of `files` (index options, direct URLs, VCS URLs) that has no TLS and whose host
/// no `--trusted-host` of its tree names, in reading order.
pub(crate) fn insecure_urls(files: &[RequirementsFile]) -> Vec<InsecureUrl> {
    let mut found = Vec::new();
    for file in files {
        let trusted: Vec<&str> = file
            .index
            .trusted_hosts
            .iter()
            .map(|host| host.value.as_str())
            .collect();
        let mut check = |url: &str, location: &Location| {
            if let Some(host) = host_without_tls(url)
                && !trusted
                    .iter()
                    .any(|t| *t == host || t.split(':').next() == Some(host))
            {
                found.push(InsecureUrl {
                    url: url.to_owned(),
                    location: location.clone(),
                });
            }
        };
        let index = &file.index;
        for option in index
            .index_url
            .iter()
            .chain(&index.extra_index_urls)
            .chain(&index.find_links)
        {
            check(&option.value, &option.location);
        }
        for entry in file.entries.iter().chain(&file.constraints) {
            match &entry.source {
                EntrySource::DirectUrl { url } => check(url, &entry.location),
                EntrySource::Vcs(vcs) => check(&vcs.to_string(), &entry.location),
                EntrySource::Registry { .. } => {}
            }
        }
    }
    found
}

/// The host of a URL fetched without TLS: `http://`, `git://`, and VCS URLs over them
/// (`git+http://`); `None` for any other.
fn host_without_tls(url: &str) -> Option<&str> {
    let url = url.split_once('+').map_or(url, |(vcs, rest)| {
        if ["git", "hg", "svn", "bzr"].contains(&vcs) {
            rest
        } else {
            url
        }
    });
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "git" | "svn") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    Some(host_port.split(':').next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use megapak_requirements::{MemoryLoader, parse_requirements_str_with};

    use super::*;

    #[test]
    fn urls_without_tls_are_found_unless_their_host_is_trusted() {
        let text = "--index-url http://mirror.local/simple\n--extra-index-url https://ok/simple\n-f http://files.lan/wheels\n--trusted-host files.lan\npkg @ http://h/pkg-1.0-py3-none-any.whl\ngit+git://github.com/o/r@v1#egg=r\ngit+https://github.com/o/s#egg=s\n";
        let file = parse_requirements_str_with(text, Path::new("p.txt"), &mut MemoryLoader::new())
            .unwrap();
        let found: Vec<String> = insecure_urls(&[file])
            .iter()
            .map(ToString::to_string)
            .collect();
        insta::assert_snapshot!(found.join("\n"), @r"
        `p.txt:1:13`: `http://mirror.local/simple` is fetched without TLS: anyone on the network path could change what it serves
        `p.txt:5:1`: `http://h/pkg-1.0-py3-none-any.whl` is fetched without TLS: anyone on the network path could change what it serves
        `p.txt:6:1`: `git+git://github.com/o/r@v1` is fetched without TLS: anyone on the network path could change what it serves
        ");
    }

    #[test]
    fn hosts_of_urls_without_tls() {
        assert_eq!(host_without_tls("http://user@h:8080/x"), Some("h"));
        assert_eq!(host_without_tls("git+http://h/r"), Some("h"));
        assert_eq!(host_without_tls("HTTP://h"), Some("h"));
        assert_eq!(host_without_tls("https://h/x"), None);
        assert_eq!(host_without_tls("git+ssh://git@h/r"), None);
        assert_eq!(host_without_tls("file:///x"), None);
    }
}
