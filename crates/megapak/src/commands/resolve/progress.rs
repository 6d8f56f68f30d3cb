//! Progress of a solve on stderr: how many names were asked about, the calls in flight and
//! which resolver is slow. A [`Watched`] provider wraps each resolver and reports its calls;
//! nothing is drawn when stderr is not a terminal.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use megapak_plugin_host::abi::wire::{
    CandidatesAnswer, CandidatesQuery, DetailsAnswer, DetailsQuery,
};
use megapak_solve::{Provider, ProviderError};

/// The spinner and what it counts.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    bar: ProgressBar,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    names_asked: usize,
    versions_detailed: usize,
    /// (resolver, call, packages, since)
    in_flight: Vec<(u64, String, &'static str, usize, Instant)>,
    next_id: u64,
}

impl Progress {
    /// A spinner on stderr, hidden when stderr is not a terminal.
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} Resolving: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self {
            bar,
            state: Arc::default(),
        }
    }

    /// Wraps `provider` so that its calls show here.
    pub(crate) fn watch<'p>(&self, provider: &'p dyn Provider) -> Watched<'p> {
        Watched {
            inner: provider,
            progress: self.clone(),
        }
    }

    /// Removes the spinner.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn start(&self, provider: &str, call: &'static str, count: usize) -> u64 {
        let mut state = self.lock();
        match call {
            "candidates" => state.names_asked += count,
            _ => state.versions_detailed += count,
        }
        let id = state.next_id;
        state.next_id += 1;
        state
            .in_flight
            .push((id, provider.to_owned(), call, count, Instant::now()));
        self.bar.set_message(message(&state));
        id
    }

    fn end(&self, id: u64) {
        let mut state = self.lock();
        state.in_flight.retain(|call| call.0 != id);
        self.bar.set_message(message(&state));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `312 names asked, 180 versions detailed; in flight: pypi details (40) for 3.2 s`.
fn message(state: &State) -> String {
    let mut text = format!(
        "{} names asked, {} versions detailed",
        state.names_asked, state.versions_detailed
    );
    if let Some((_, provider, call, count, since)) = state
        .in_flight
        .iter()
        .min_by_key(|(_, _, _, _, since)| *since)
    {
        text.push_str(&format!(
            "; {} call(s) in flight, slowest: {provider} {call} ({count}) for {:.1} s",
            state.in_flight.len(),
            since.elapsed().as_secs_f64()
        ));
    }
    text
}

/// A resolver whose calls are shown by a [`Progress`].
pub(crate) struct Watched<'p> {
    inner: &'p dyn Provider,
    progress: Progress,
}

impl std::fmt::Debug for Watched<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watched")
            .field("provider", &self.inner.name())
            .finish_non_exhaustive()
    }
}

impl Provider for Watched<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn candidates(
        &self,
        queries: &[CandidatesQuery],
    ) -> Result<Vec<CandidatesAnswer>, ProviderError> {
        let id = self
            .progress
            .start(self.inner.name(), "candidates", queries.len());
        let answer = self.inner.candidates(queries);
        self.progress.end(id);
        answer
    }

    fn details(&self, queries: &[DetailsQuery]) -> Result<Vec<DetailsAnswer>, ProviderError> {
        let id = self
            .progress
            .start(self.inner.name(), "details", queries.len());
        let answer = self.inner.details(queries);
        self.progress.end(id);
        answer
    }
}
