//! When a set cannot be solved, which of the packages the pak files ask for no resolver has at
//! all, and why each said no: the list a user works through ("`decord` is not in nixpkgs"),
//! beyond the one conflict PubGrub explains. Offline, which of them a resolver could answer
//! only with the network, beyond the first the solve stopped at.

use megapak_plugin_host::abi::wire::{CandidatesOutcome, CandidatesQuery};
use megapak_solve::{Provider, SolveInput};
use megapak_types::PackageName;

/// A requested package no resolver offers any version of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// The package.
    pub(crate) name: PackageName,
    /// Each resolver asked, and what it said.
    pub(crate) reasons: Vec<(String, String)>,
}

impl Missing {
    /// What each resolver said, as `provider: reason`.
    pub(crate) fn said(&self) -> Vec<String> {
        self.reasons
            .iter()
            .map(|(provider, reason)| format!("{provider}: {reason}"))
            .collect()
    }
}

/// The requested packages for which every resolver answered `not-found` (or could not answer);
/// one `candidates` call per resolver. A resolver whose whole call fails is left out of the
/// judgement rather than taken to have nothing.
pub(crate) fn missing(input: &SolveInput, providers: &[&dyn Provider]) -> Vec<Missing> {
    let answers = ask_all(input, providers);
    if answers.is_empty() {
        return Vec::new();
    }
    let mut missing = Vec::new();
    for requirement in &input.requirements {
        let mut reasons = Vec::new();
        let mut offered = false;
        for (provider, answers) in &answers {
            let reason = match answer_for(answers, &requirement.name) {
                Some(CandidatesOutcome::Found { versions, .. }) if !versions.is_empty() => {
                    offered = true;
                    break;
                }
                Some(CandidatesOutcome::Found { .. }) => "no version".to_owned(),
                Some(
                    CandidatesOutcome::NotFound { reason } | CandidatesOutcome::Offline { reason },
                ) => reason.clone(),
                Some(CandidatesOutcome::Error { message }) => message.clone(),
                None => "no answer".to_owned(),
            };
            reasons.push((provider.clone(), reason));
        }
        if !offered {
            missing.push(Missing {
                name: requirement.name.clone(),
                reasons,
            });
        }
    }
    missing
}

/// Offline: the requested packages some resolver could answer only with the network, each
/// with the first such resolver and what it would have fetched.
pub(crate) fn needing_network(input: &SolveInput, providers: &[&dyn Provider]) -> Vec<Missing> {
    let answers = ask_all(input, providers);
    input
        .requirements
        .iter()
        .filter_map(|requirement| {
            answers.iter().find_map(|(provider, answers)| {
                match answer_for(answers, &requirement.name) {
                    Some(CandidatesOutcome::Offline { reason }) => Some(Missing {
                        name: requirement.name.clone(),
                        reasons: vec![(provider.clone(), reason.clone())],
                    }),
                    _ => None,
                }
            })
        })
        .collect()
}

/// Each resolver's answers for every requested package, in one call each; a resolver whose
/// whole call fails is left out.
fn ask_all(
    input: &SolveInput,
    providers: &[&dyn Provider],
) -> Vec<(
    String,
    Vec<megapak_plugin_host::abi::wire::CandidatesAnswer>,
)> {
    let queries: Vec<CandidatesQuery> = input
        .requirements
        .iter()
        .map(|requirement| CandidatesQuery {
            name: requirement.name.to_string(),
            specifiers: (!requirement.specifiers.is_empty())
                .then(|| requirement.specifiers.to_string()),
            direct: requirement.direct.clone(),
        })
        .collect();
    providers
        .iter()
        .filter_map(|provider| {
            let answers = provider.candidates(&queries).ok()?;
            Some((provider.name().to_owned(), answers))
        })
        .collect()
}

/// A resolver's answer for `name`, by PEP 503 name.
fn answer_for<'a>(
    answers: &'a [megapak_plugin_host::abi::wire::CandidatesAnswer],
    name: &PackageName,
) -> Option<&'a CandidatesOutcome> {
    answers
        .iter()
        .find(|answer| PackageName::new(&answer.name).is_ok_and(|n| &n == name))
        .map(|answer| &answer.outcome)
}
