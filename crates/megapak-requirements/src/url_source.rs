//! URLs in requirements: telling VCS URLs from archive URLs, taking VCS URLs apart, and
//! finding the package name of a URL written without one.

use url::Url;

use crate::entry::{EntrySource, VcsKind, VcsSource};
use crate::error::{SyntaxError, snippet};
use megapak_types::PackageName;

/// Schemes an archive can be downloaded from.
const ARCHIVE_SCHEMES: &[&str] = &["http", "https", "file", "ftp"];

/// Whether a requirement starts with a URL pip would install (`https://`, `git+ssh://`...)
/// rather than a package name.
pub(crate) fn looks_like_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    if !rest.starts_with("//")
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    let scheme = scheme.to_ascii_lowercase();
    match scheme.split_once('+') {
        Some((vcs, _)) => VcsKind::from_prefix(vcs).is_some(),
        None => ARCHIVE_SCHEMES.contains(&scheme.as_str()),
    }
}

/// The source a URL stands for: a VCS checkout for `git+...`, `hg+...`, `svn+...`, `bzr+...`,
/// an archive for `http`, `https`, `file` and `ftp`.
pub(crate) fn source_of_url(url: &Url) -> Result<EntrySource, SyntaxError> {
    let scheme = url.scheme();
    let invalid = |message: String| SyntaxError::InvalidUrl {
        url: snippet(url.as_str()),
        message,
    };
    if let Some((prefix, inner)) = scheme.split_once('+') {
        let vcs = VcsKind::from_prefix(prefix).ok_or_else(|| {
            invalid(format!(
                "unknown VCS `{prefix}`: expected `git+`, `hg+`, `svn+` or `bzr+`"
            ))
        })?;
        if inner.is_empty() {
            return Err(invalid(format!("expected a URL scheme after `{prefix}+`")));
        }
        return Ok(EntrySource::Vcs(vcs_source(vcs, url)));
    }
    if ARCHIVE_SCHEMES.contains(&scheme) {
        Ok(EntrySource::DirectUrl {
            url: url.to_string(),
        })
    } else {
        Err(invalid(format!(
            "unsupported scheme `{scheme}`: expected `https://`, `http://`, `file://`, `ftp://` or a VCS URL such as `git+https://`"
        )))
    }
}

/// Takes `git+https://host/o/r@rev#egg=x&subdirectory=dir` apart. The revision is what follows
/// the last `@` of the path (never the user name of `git+ssh://git@host/...`).
fn vcs_source(vcs: VcsKind, url: &Url) -> VcsSource {
    let mut repository = url.clone();
    repository.set_fragment(None);
    let rev = match url.path().rsplit_once('@') {
        Some((path, rev)) => {
            repository.set_path(path);
            (!rev.is_empty()).then(|| rev.to_string())
        }
        None => None,
    };
    let repository = repository.as_str();
    VcsSource {
        vcs,
        url: repository
            .split_once('+')
            .map_or(repository, |(_, rest)| rest)
            .to_string(),
        rev,
        subdirectory: fragment_value(url, "subdirectory").map(str::to_string),
    }
}

/// A `key=value` of the fragment (`#egg=name&subdirectory=dir`).
fn fragment_value<'a>(url: &'a Url, key: &str) -> Option<&'a str> {
    url.fragment()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// The name of a URL written without one: the `#egg=` fragment; else, for a VCS URL, the last
/// segment of the repository path without `.git`; for an archive, the wheel file name's
/// distribution. Returns the name as found; [`PackageName::new`] normalizes it.
pub(crate) fn name_of_url(url: &Url, source: &EntrySource) -> Result<String, SyntaxError> {
    if let Some(egg) = fragment_value(url, "egg") {
        PackageName::new(egg).map_err(|_| SyntaxError::InvalidUrl {
            url: snippet(url.as_str()),
            message: format!(
                "the `#egg=` fragment `{}` is not a valid package name",
                snippet(egg)
            ),
        })?;
        return Ok(egg.to_string());
    }
    let unnamed = || SyntaxError::UnnamedUrl {
        url: snippet(url.as_str()),
    };
    let name = match source {
        EntrySource::Vcs(vcs) => {
            let path = vcs.url.split(['?', '#']).next().unwrap_or_default();
            let path = path.split_once("://").map_or(path, |(_, rest)| rest);
            // The repository name: the last segment of the path (not the host).
            let (_, path) = path.split_once('/').ok_or_else(unnamed)?;
            let last = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            last.strip_suffix(".git").unwrap_or(last)
        }
        EntrySource::DirectUrl { .. } => {
            let file = url
                .path_segments()
                .and_then(|mut segments| segments.next_back())
                .unwrap_or_default();
            wheel_distribution(file).ok_or_else(unnamed)?
        }
        EntrySource::Registry { .. } => return Err(unnamed()),
    };
    PackageName::new(name).map_err(|_| unnamed())?;
    Ok(name.to_string())
}

/// The distribution of a wheel file name:
/// `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
fn wheel_distribution(file: &str) -> Option<&str> {
    let stem = file
        .len()
        .checked_sub(4)
        .filter(|&cut| file.is_char_boundary(cut) && file[cut..].eq_ignore_ascii_case(".whl"))
        .map(|cut| &file[..cut])?;
    let parts = stem.split('-').count();
    if !(5..=6).contains(&parts) {
        return None;
    }
    stem.split('-').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vcs(url: &str) -> VcsSource {
        match source_of_url(&Url::parse(url).unwrap()).unwrap() {
            EntrySource::Vcs(source) => source,
            other => panic!("not a VCS source: {other:?}"),
        }
    }

    fn name(url: &str) -> Result<String, SyntaxError> {
        let url = Url::parse(url).unwrap();
        name_of_url(&url, &source_of_url(&url).unwrap())
    }

    #[test]
    fn recognizes_urls() {
        for yes in [
            "https://x/y.whl",
            "HTTP://x",
            "file:///tmp/x.whl",
            "git+https://github.com/o/r",
            "git+ssh://git@github.com/o/r.git",
            "hg+https://x/r",
        ] {
            assert!(looks_like_url(yes), "{yes}");
        }
        for no in [
            "torch",
            "torch>=2",
            "x @ https://y",
            "cvs+https://x",
            "c:/x",
            "s3://b/k",
        ] {
            assert!(!looks_like_url(no), "{no}");
        }
    }

    #[test]
    fn takes_vcs_urls_apart() {
        let source = vcs("git+https://github.com/cozy-comfyui/cozy_comfyui@main#egg=cozy_comfyui");
        assert_eq!(source.vcs, VcsKind::Git);
        assert_eq!(source.url, "https://github.com/cozy-comfyui/cozy_comfyui");
        assert_eq!(source.rev.as_deref(), Some("main"));
        assert_eq!(source.subdirectory, None);

        let source = vcs("git+ssh://git@github.com/o/r.git@v1.2#subdirectory=py&egg=x");
        assert_eq!(source.url, "ssh://git@github.com/o/r.git");
        assert_eq!(source.rev.as_deref(), Some("v1.2"));
        assert_eq!(source.subdirectory.as_deref(), Some("py"));

        let source = vcs("git+https://github.com/openai/CLIP.git");
        assert_eq!(source.url, "https://github.com/openai/CLIP.git");
        assert_eq!(source.rev, None);
        assert_eq!(source.to_string(), "git+https://github.com/openai/CLIP.git");
    }

    #[test]
    fn rejects_unknown_schemes() {
        let error = source_of_url(&Url::parse("s3://bucket/x.whl").unwrap()).unwrap_err();
        assert!(
            error.to_string().contains("unsupported scheme `s3`"),
            "{error}"
        );
        let error = source_of_url(&Url::parse("cvs+https://x/r").unwrap()).unwrap_err();
        assert!(error.to_string().contains("unknown VCS `cvs`"), "{error}");
    }

    #[test]
    fn names_urls_without_a_name() {
        assert_eq!(
            name("git+https://github.com/openai/CLIP.git").unwrap(),
            "CLIP"
        );
        assert_eq!(name("git+https://github.com/o/r/").unwrap(), "r");
        assert_eq!(
            name("git+https://github.com/o/r@main#egg=other_name").unwrap(),
            "other_name"
        );
        assert_eq!(
            name("https://files/torch-2.10.0%2Bcu130-cp312-cp312-manylinux_2_28_x86_64.whl")
                .unwrap(),
            "torch"
        );
        assert_eq!(
            name("https://x/Foo_Bar-1.0-1-py3-none-any.WHL").unwrap(),
            "Foo_Bar"
        );
        assert_eq!(name("https://x/y-1.0.tar.gz#egg=y").unwrap(), "y");
        for unnamed in [
            "https://x/y-1.0.tar.gz",
            "https://x/not-a-wheel.whl",
            "https://x/",
            "git+https://github.com",
            "git+https://github.com/o/.git",
        ] {
            assert!(
                matches!(name(unnamed), Err(SyntaxError::UnnamedUrl { .. })),
                "{unnamed}"
            );
        }
        assert!(matches!(
            name("git+https://x/r#egg=-bad"),
            Err(SyntaxError::InvalidUrl { .. })
        ));
    }
}
