//! Resolvers that fail: a whole call, one package, offline.

use megapak_plugin_abi::wire::CandidatesOutcome;
use megapak_solve::{FixtureProvider, Provider};

use crate::helpers::{report, run};

#[test]
fn a_resolver_whose_call_fails_stops_the_solve_naming_it_and_the_packages() {
    let nixpkgs = FixtureProvider::new("nixpkgs").failing(
        "Plugin `nixpkgs` (`/opt/megapak/libmegapak_plugin_nixpkgs.so`) panicked in `candidates`: index out of bounds",
    );
    let pypi = FixtureProvider::new("pypi").with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let error = run("numpy\ntorch\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
    Resolver `nixpkgs` failed in `candidates` while asked about `numpy`, `torch`: Plugin `nixpkgs` (`/opt/megapak/libmegapak_plugin_nixpkgs.so`) panicked in `candidates`: index out of bounds
    hint: Run `megapak plugins` to check resolver `nixpkgs`, or leave it out of `[resolvers] order`
    ");
}

#[test]
fn a_failing_details_call_names_the_versions_asked() {
    struct DetailsFail(FixtureProvider);
    impl Provider for DetailsFail {
        fn name(&self) -> &str {
            "pypi"
        }
        fn candidates(
            &self,
            queries: &[megapak_plugin_abi::wire::CandidatesQuery],
        ) -> Result<Vec<megapak_plugin_abi::wire::CandidatesAnswer>, megapak_solve::ProviderError>
        {
            self.0.candidates(queries)
        }
        fn details(
            &self,
            _: &[megapak_plugin_abi::wire::DetailsQuery],
        ) -> Result<Vec<megapak_plugin_abi::wire::DetailsAnswer>, megapak_solve::ProviderError>
        {
            Err(megapak_solve::ProviderError::new("The index answered 503"))
        }
    }
    let pypi = DetailsFail(FixtureProvider::new("pypi").with("numpy", "2.3.4", &[]));
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("numpy\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
    Resolver `pypi` failed in `details` while asked about `numpy` 2.3.4: The index answered 503
    hint: Run `megapak plugins` to check resolver `pypi`, or leave it out of `[resolvers] order`
    ");
}

#[test]
fn an_error_for_one_package_is_reported_for_that_package() {
    let pypi = FixtureProvider::new("pypi")
        .with("numpy", "2.3.4", &[])
        .answering(
            "nunchaku",
            CandidatesOutcome::Error {
                message: "The index answered 500 Internal Server Error for `nunchaku`".to_owned(),
            },
        );
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("numpy\nnunchaku\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
    Resolver `pypi` could not answer `candidates` for `nunchaku`: The index answered 500 Internal Server Error for `nunchaku`
    hint: Run `megapak plugins` to check resolver `pypi`, or leave it out of `[resolvers] order`
    ");
}

#[test]
fn an_offline_answer_says_what_needs_the_network() {
    let pypi = FixtureProvider::new("pypi").answering(
        "numpy",
        CandidatesOutcome::Offline {
            reason: "The index page of `numpy` is not in the cache".to_owned(),
        },
    );
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("numpy\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
    Resolver `pypi` needs the network for `numpy`: The index page of `numpy` is not in the cache
    hint: Run without `--offline` once so the resolver can fill its cache
    ");
}

#[test]
fn an_invalid_requirement_from_a_resolver_makes_that_version_unusable() {
    let pypi = FixtureProvider::new("pypi")
        .with("broken", "2.0", &["numpy>=>1"])
        .with("broken", "1.0", &["numpy"])
        .with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("broken\n", &providers).unwrap();
    assert_eq!(resolution.packages[0].version, "1.0");
}

#[test]
fn an_error_for_a_package_only_prefetched_does_not_stop_the_solve() {
    // `a` 2.0 is prefetched with its dependency `flaky`, whose answer is an error; `b` then
    // needs `a<2`, and `flaky` is never needed.
    let pypi = FixtureProvider::new("pypi")
        .with("a", "1.0", &[])
        .with("a", "2.0", &["flaky"])
        .with("b", "1.0", &["a<2"])
        .answering(
            "flaky",
            CandidatesOutcome::Error {
                message: "The index answered 500".to_owned(),
            },
        );
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("a\nb\n", &providers).unwrap();
    assert_eq!(resolution.packages[0].version, "1.0");
    assert!(
        pypi.calls().iter().any(|call| call.contains("flaky")),
        "flaky was prefetched"
    );
}
