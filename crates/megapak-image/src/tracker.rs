//! Follows Nix's internal-json log: which derivations are built, how many are done out of how
//! many, what is being downloaded, each build's last log lines, and every error message. What
//! changed goes to a [`Progress`] sink as it happens; the errors become [`Failure`]s at the end.

use std::collections::{HashMap, VecDeque};

use crate::activity::{ActivityType, Level, ResultType};
use crate::failure::{Failure, LOG_TAIL_LINES};
use crate::log::{Event, Field, Line, Message, store_name};
use crate::packages::KnownPackages;
use crate::progress::{Progress, Update};

/// Counters, as Nix's own progress bar shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub builds_done: u64,
    pub builds_expected: u64,
    /// Builds started so far (each build's ordinal as it starts).
    pub builds_started: u64,
    pub builds_failed: u64,
    /// Store paths fetched from substituters (binary caches).
    pub fetched: u64,
    pub fetch_expected: u64,
    /// Derivations being built now, oldest first.
    pub running: Vec<String>,
    /// Bytes downloaded, and expected, over every file transfer so far.
    pub download_done: u64,
    pub download_expected: u64,
    pub downloads_running: usize,
}

#[derive(Debug)]
struct BuildActivity {
    drv_path: String,
    name: String,
}

/// The state of one `nix build`.
#[derive(Debug, Default)]
pub struct Tracker {
    status: Status,
    kinds: HashMap<u64, ActivityType>,
    builds: HashMap<u64, BuildActivity>,
    logs: HashMap<String, VecDeque<String>>,
    transfers: HashMap<u64, (u64, u64)>,
    finished_download: (u64, u64),
    errors: Vec<Message>,
    text: VecDeque<String>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Takes one line of Nix's stderr.
    pub fn feed(&mut self, line: Line, sink: &mut dyn Progress) {
        match line {
            Line::Text(text) => {
                if text.trim().is_empty() {
                    return;
                }
                if self.text.len() == LOG_TAIL_LINES {
                    self.text.pop_front();
                }
                self.text.push_back(text.clone());
                sink.update(Update::Text(&text), &self.status);
            }
            Line::Event(event) => self.event(event, sink),
        }
    }

    fn event(&mut self, event: Event, sink: &mut dyn Progress) {
        match event {
            Event::Start {
                id,
                activity,
                fields,
                text,
                ..
            } => {
                self.kinds.insert(id, activity);
                match activity {
                    ActivityType::Build => {
                        let drv_path = fields
                            .first()
                            .and_then(Field::as_text)
                            .map(str::to_owned)
                            .unwrap_or(text);
                        let name = store_name(&drv_path).to_owned();
                        let machine = fields
                            .get(1)
                            .and_then(Field::as_text)
                            .filter(|m| !m.is_empty())
                            .map(str::to_owned);
                        self.status.builds_started += 1;
                        self.status.running.push(name.clone());
                        self.logs.insert(drv_path.clone(), VecDeque::new());
                        sink.update(
                            Update::BuildStarted {
                                name: &name,
                                machine: machine.as_deref(),
                            },
                            &self.status,
                        );
                        self.builds.insert(id, BuildActivity { drv_path, name });
                    }
                    ActivityType::FileTransfer => {
                        self.transfers.insert(id, (0, 0));
                        self.status.downloads_running = self.transfers.len();
                        let url = text
                            .strip_prefix("downloading '")
                            .and_then(|t| t.strip_suffix('\''))
                            .unwrap_or(&text);
                        sink.update(Update::Download { url }, &self.status);
                    }
                    _ => {}
                }
            }
            Event::Stop { id } => match self.kinds.remove(&id) {
                Some(ActivityType::Build) => {
                    if let Some(build) = self.builds.remove(&id) {
                        if let Some(at) = self.status.running.iter().position(|n| *n == build.name)
                        {
                            self.status.running.remove(at);
                        }
                        sink.update(Update::BuildStopped { name: &build.name }, &self.status);
                    }
                }
                Some(ActivityType::FileTransfer) => {
                    if let Some((done, expected)) = self.transfers.remove(&id) {
                        self.finished_download.0 += done;
                        self.finished_download.1 += expected.max(done);
                        self.status.downloads_running = self.transfers.len();
                        self.sum_downloads();
                        sink.update(Update::Progress, &self.status);
                    }
                }
                _ => {}
            },
            Event::Result { id, result, fields } => self.result(id, result, &fields, sink),
            Event::Message(message) => match message.level {
                // Nix 2.8 sends its "(use '--show-trace' …)" advice as an error of its own.
                Level::Error if message.text.trim_start().starts_with("(use '--show-trace'") => {}
                Level::Error => self.errors.push(message),
                Level::Warning => sink.update(Update::Warning(&message.text), &self.status),
                _ => {}
            },
        }
    }

    fn result(&mut self, id: u64, result: ResultType, fields: &[Field], sink: &mut dyn Progress) {
        let ints: Vec<u64> = fields.iter().filter_map(Field::as_int).collect();
        match (result, self.kinds.get(&id)) {
            (ResultType::BuildLogLine | ResultType::PostBuildLogLine, _) => {
                let Some(build) = self.builds.get(&id) else {
                    return;
                };
                let line =
                    crate::log::strip_ansi(fields.first().and_then(Field::as_text).unwrap_or(""));
                if let Some(log) = self.logs.get_mut(&build.drv_path) {
                    if log.len() == LOG_TAIL_LINES {
                        log.pop_front();
                    }
                    log.push_back(line.clone());
                }
                sink.update(
                    Update::LogLine {
                        build: &build.name,
                        line: &line,
                    },
                    &self.status,
                );
            }
            (ResultType::Progress, Some(ActivityType::Builds)) if ints.len() >= 4 => {
                let changed = (ints[0], ints[1], ints[3])
                    != (
                        self.status.builds_done,
                        self.status.builds_expected,
                        self.status.builds_failed,
                    );
                self.status.builds_done = ints[0];
                self.status.builds_expected = ints[1];
                self.status.builds_failed = ints[3];
                if changed {
                    sink.update(Update::Progress, &self.status);
                }
            }
            (ResultType::Progress, Some(ActivityType::CopyPaths)) if ints.len() >= 2 => {
                let changed =
                    (ints[0], ints[1]) != (self.status.fetched, self.status.fetch_expected);
                self.status.fetched = ints[0];
                self.status.fetch_expected = ints[1];
                if changed {
                    sink.update(Update::Progress, &self.status);
                }
            }
            (ResultType::Progress, Some(ActivityType::FileTransfer)) if ints.len() >= 2 => {
                self.transfers.insert(id, (ints[0], ints[1]));
                self.sum_downloads();
                sink.update(Update::Progress, &self.status);
            }
            _ => {}
        }
    }

    fn sum_downloads(&mut self) {
        let (mut done, mut expected) = self.finished_download;
        for (d, e) in self.transfers.values() {
            done += d;
            expected += e.max(d);
        }
        self.status.download_done = done;
        self.status.download_expected = expected;
    }

    /// Every error Nix reported, read as failures. "Dependencies failed" is left out when another
    /// failure says why; identical failures are given once.
    pub fn failures(&self, known: &KnownPackages) -> Vec<Failure> {
        let logs: HashMap<String, Vec<String>> = self
            .logs
            .iter()
            .map(|(drv, lines)| (drv.clone(), lines.iter().cloned().collect()))
            .collect();
        let mut failures: Vec<Failure> = Vec::new();
        for message in &self.errors {
            let failure = Failure::classify(&message.text, message.position.as_ref(), &logs, known);
            if !failures.contains(&failure) {
                failures.push(failure);
            }
        }
        if failures.iter().any(|f| !f.is_dependency_failure()) {
            failures.retain(|f| !f.is_dependency_failure());
        }
        failures
    }

    /// The last lines of Nix's stderr that were not log events (what a Nix that failed before
    /// its logger was set up printed).
    pub fn text_tail(&self) -> Vec<String> {
        self.text.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::parse_line;
    use crate::progress::PlainProgress;

    /// A real Nix 2.8 log of a two-derivation build (`dep-1.0`, then `hello-1.0`).
    const TWO_BUILDS: &str = r#"@nix {"action":"start","id":1,"level":0,"text":"","type":102}
@nix {"action":"start","id":2,"level":0,"text":"","type":104}
@nix {"action":"start","id":3,"level":0,"text":"","type":103}
@nix {"action":"result","fields":[0,1,0,0],"id":2,"type":105}
@nix {"action":"result","fields":[0,0,0,0],"id":3,"type":105}
@nix {"action":"result","fields":[0,2,0,0],"id":2,"type":105}
@nix {"action":"start","fields":["/nix/store/nbwmyyn2nkpmdi7wf1v14rq9gfisnxnx-dep-1.0.drv","",1,1],"id":4,"level":3,"text":"building '/nix/store/nbwmyyn2nkpmdi7wf1v14rq9gfisnxnx-dep-1.0.drv'","type":105}
@nix {"action":"result","fields":[0,2,1,0],"id":2,"type":105}
@nix {"action":"result","fields":["building dep"],"id":4,"type":101}
@nix {"action":"result","fields":[1,2,0,0],"id":2,"type":105}
@nix {"action":"stop","id":4}
@nix {"action":"start","fields":["/nix/store/7dd56kalvcmvhvyvi5lybpakq6lbabyw-hello-1.0.drv","builder@big-machine",1,1],"id":5,"level":3,"text":"building '/nix/store/7dd56kalvcmvhvyvi5lybpakq6lbabyw-hello-1.0.drv'","type":105}
@nix {"action":"start","id":6,"level":4,"text":"downloading 'https://cache.example/nar/abc.nar.xz'","type":101}
@nix {"action":"result","fields":[1048576,4194304,0,0],"id":6,"type":105}
@nix {"action":"result","fields":[4194304,4194304,0,0],"id":6,"type":105}
@nix {"action":"stop","id":6}
@nix {"action":"result","fields":["line one"],"id":5,"type":101}
@nix {"action":"msg","level":1,"msg":"warning: something to know"}
@nix {"action":"result","fields":[2,2,0,0],"id":2,"type":105}
@nix {"action":"stop","id":5}
@nix {"action":"stop","id":3}
@nix {"action":"stop","id":2}
@nix {"action":"stop","id":1}"#;

    #[test]
    fn the_show_trace_advice_is_no_failure() {
        let mut tracker = Tracker::new();
        let mut out = Vec::new();
        let mut sink = PlainProgress::new(&mut out, false);
        for line in [
            r#"@nix {"action":"msg","column":null,"file":null,"level":0,"line":null,"msg":"\u001b[31;1merror:\u001b[0m program '\u001b[35;1mgit\u001b[0m' failed with exit code 128","raw_msg":"program '\u001b[35;1mgit\u001b[0m' failed with exit code 128"}"#,
            r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m (use '--show-trace' to show detailed location information)"}"#,
        ] {
            tracker.feed(parse_line(line), &mut sink);
        }
        let failures: Vec<String> = tracker
            .failures(&KnownPackages::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(failures, ["program 'git' failed with exit code 128"]);
    }

    #[test]
    fn a_build_is_followed_from_start_to_end() {
        let mut tracker = Tracker::new();
        let mut out = Vec::new();
        {
            let mut sink = PlainProgress::new(&mut out, true);
            for line in TWO_BUILDS.lines() {
                tracker.feed(parse_line(line), &mut sink);
            }
        }
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        Building `dep-1.0` (1/2)
        dep-1.0> building dep
        Building `hello-1.0` (2/2) on `builder@big-machine`
        Downloading `https://cache.example/nar/abc.nar.xz`
        hello-1.0> line one
        warning: something to know
        ");
        let status = tracker.status();
        assert_eq!((status.builds_done, status.builds_expected), (2, 2));
        assert_eq!(
            (status.download_done, status.download_expected),
            (4194304, 4194304)
        );
        assert!(status.running.is_empty());
        assert!(tracker.failures(&KnownPackages::default()).is_empty());
    }
}
