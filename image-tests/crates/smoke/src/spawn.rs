//! Starting the check processes, together or one by one, with a time limit.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a check process ended.
#[derive(Debug)]
pub enum Ending {
    Exited(ExitStatus),
    TimedOut,
    /// The binary does not exist.
    Missing,
    /// It exists but could not be started.
    NotStarted(std::io::Error),
}

/// What one check process did.
#[derive(Debug)]
pub struct Finished {
    pub name: &'static str,
    pub binary: PathBuf,
    pub ending: Ending,
    pub stdout: String,
    pub stderr: String,
    /// From spawn to exit, dynamic loading included.
    pub seconds: f64,
}

/// One check to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: &'static str,
    pub binary: PathBuf,
    pub args: Vec<String>,
}

struct Running {
    job: Job,
    child: Child,
    started: Instant,
    out: JoinHandle<String>,
    err: JoinHandle<String>,
}

/// Runs `jobs` (all at once unless `serial`), each with `env` added, killing any that outlive
/// `timeout`. Results come back in the order of `jobs`.
pub fn run_all(
    jobs: Vec<Job>,
    env: &[(String, String)],
    timeout: Duration,
    serial: bool,
) -> Vec<Finished> {
    if serial {
        return jobs
            .into_iter()
            .flat_map(|job| run_all(vec![job], env, timeout, false))
            .collect();
    }
    let mut running: Vec<Option<Running>> = Vec::new();
    let mut done: Vec<Option<Finished>> = Vec::new();
    for job in jobs {
        match start(job, env) {
            Ok(r) => {
                running.push(Some(r));
                done.push(None);
            }
            Err(f) => {
                running.push(None);
                done.push(Some(f));
            }
        }
    }
    while running.iter().any(Option::is_some) {
        for (slot, result) in running.iter_mut().zip(done.iter_mut()) {
            let Some(r) = slot else { continue };
            let ending = match r.child.try_wait() {
                Ok(Some(status)) => Ending::Exited(status),
                Ok(None) if r.started.elapsed() > timeout => {
                    let _ = r.child.kill();
                    let _ = r.child.wait();
                    Ending::TimedOut
                }
                Ok(None) => continue,
                Err(e) => Ending::NotStarted(e),
            };
            *result = slot.take().map(|r| collect(r, ending));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    done.into_iter()
        .map(|d| d.expect("every job finished"))
        .collect()
}

fn start(job: Job, env: &[(String, String)]) -> Result<Running, Finished> {
    let started = Instant::now();
    let failed = |job: Job, ending| Finished {
        name: job.name,
        binary: job.binary,
        ending,
        stdout: String::new(),
        stderr: String::new(),
        seconds: 0.0,
    };
    if !Path::new(&job.binary).exists() {
        return Err(failed(job, Ending::Missing));
    }
    let mut command = Command::new(&job.binary);
    command
        .args(&job.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return Err(failed(job, Ending::NotStarted(e))),
    };
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    Ok(Running {
        job,
        child,
        started,
        out,
        err,
    })
}

/// Reads a pipe to the end on its own thread, so a chatty child never blocks on a full pipe.
fn reader(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

fn collect(running: Running, ending: Ending) -> Finished {
    let seconds = running.started.elapsed().as_secs_f64();
    // A killed check may have left a child holding its pipes open: do not wait on those.
    let grace = if matches!(ending, Ending::TimedOut) {
        Duration::from_millis(200)
    } else {
        Duration::MAX
    };
    Finished {
        name: running.job.name,
        binary: running.job.binary,
        ending,
        stdout: join_within(running.out, grace),
        stderr: join_within(running.err, grace),
        seconds,
    }
}

/// The reader's text, or nothing if it is still reading after `grace`.
fn join_within(reader: JoinHandle<String>, grace: Duration) -> String {
    let deadline = Instant::now().checked_add(grace);
    while !reader.is_finished() {
        if deadline.is_some_and(|d| Instant::now() > d) {
            return String::new();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    reader.join().unwrap_or_default()
}
