//! The probe: a real fork-after-use experiment in a child interpreter, classified ok / hang / crash.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::child::{self, Ending};
use crate::drive::{DriveLog, RuntimeDrive};
use crate::{DoctorError, DoctorOptions};

/// The probe script, written next to nothing else in a private temp folder so that spawn/forkserver
/// workers can re-import it by path.
pub(crate) const SCRIPT: &str = include_str!("doctor_probe.py");
/// Drives each mapped runtime through its own entry points; written beside the probe as `seispool_doctor_drive.py`.
pub(crate) const DRIVE_SCRIPT: &str = include_str!("doctor_drive.py");
/// Progress lines start with this tag.
const TAG: &str = "@@seispool-doctor ";
const WORKERS: u32 = 2;
const TASKS: u32 = 4;
/// Large enough that OpenBLAS splits the product over its threads.
const MATRIX_SIZE: u32 = 256;
/// A worker inside one runtime call this long, and this many times longer than the parent's same call,
/// is hung: the probe ends there instead of waiting for the timeout.
const STALL_MIN_S: f64 = 10.0;
const STALL_FACTOR: f64 = 100.0;
/// After a hang, calls still open that began at least this long before the end are blamed.
const BLAME_MIN_S: f64 = 5.0;

/// How the probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Parent and all pool tasks finished.
    Ok,
    /// Still running at the timeout; the whole process group was killed.
    Hang,
    /// A process died of a signal (or a worker did and the pool stalled).
    Crash,
    /// The script stopped with a Python error (e.g. an import failed): no verdict on fork safety.
    Failed,
}

impl Outcome {
    /// Upper-case label for the human report.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "OK",
            Outcome::Hang => "HANG",
            Outcome::Crash => "CRASH",
            Outcome::Failed => "FAILED",
        }
    }

    /// True for the outcomes that show the hazard.
    pub fn is_problem(self) -> bool {
        matches!(self, Outcome::Hang | Outcome::Crash)
    }
}

/// What one probe run showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    /// How it ended.
    pub outcome: Outcome,
    /// The multiprocessing start method the pool used.
    pub start_method: String,
    /// Thread pools the parent exercised before forking (`numpy matmul`, `mod._doctor_probe()`, …).
    pub exercised: Vec<String>,
    /// Last stage reached: `start`, `parent_start`, `parent_ready`, `workers`, `done`.
    pub stage: String,
    /// Pool workers that started.
    pub workers_started: u32,
    /// Pool tasks that finished, of `tasks_total`.
    pub tasks_done: u32,
    /// Tasks mapped over the pool.
    pub tasks_total: u32,
    /// Wall time in seconds.
    pub elapsed_s: f64,
    /// Signal, exit code or last error line, when not ok.
    pub detail: Option<String>,
    /// Each thread runtime driven through its own entry points, and how that went.
    pub runtimes: Vec<RuntimeDrive>,
}

/// One probe variant: the environment and Python-side settings it adds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Variant {
    /// Environment added after `extra_env`.
    pub env: Vec<(String, String)>,
    /// Start method instead of the default.
    pub start_method: Option<String>,
    /// `threadpool_limits(N)` around the pool's creation.
    pub threadpool_limit: Option<u32>,
    /// Create the pool with `seispool.mp.Pool` instead of `multiprocessing.Pool`.
    pub seispool_pool: bool,
}

/// Runs the probe once under `opts.timeout`; `script` is the probe file written by the caller.
pub(crate) fn run(opts: &DoctorOptions, script: &Path, variant: &Variant) -> Result<ProbeResult, DoctorError> {
    let config = serde_json::json!({
        "imports": opts.imports,
        "start_method": variant.start_method,
        "threadpool_limit": variant.threadpool_limit,
        "pool": if variant.seispool_pool { "seispool" } else { "multiprocessing" },
        "workers": WORKERS,
        "tasks": TASKS,
        "size": MATRIX_SIZE,
    });
    let mut cmd = Command::new(&opts.python);
    cmd.arg(script).arg(config.to_string());
    cmd.envs(opts.extra_env.iter().chain(&variant.env).map(|(k, v)| (k, v)));
    let finished = child::run_watched(cmd, opts.timeout, &|out| stalled_call(out, unix_now())).map_err(|source| {
        DoctorError::Spawn {
            python: opts.python.clone(),
            source,
        }
    })?;
    Ok(classify(&finished, variant))
}

#[derive(Default)]
struct Progress {
    stage: String,
    start_method: Option<String>,
    exercised: Vec<String>,
    workers: u32,
    tasks: u32,
    worker_signal: Option<i64>,
    dead_worker: Option<i64>,
    parent_pid: Option<i64>,
    drives: DriveLog,
}

impl Progress {
    fn forked(&self) -> bool {
        !matches!(self.stage.as_str(), "start" | "parent_start")
    }
}

fn progress(stdout: &str) -> Progress {
    let mut p = Progress {
        stage: "start".into(),
        ..Progress::default()
    };
    for line in stdout.lines() {
        let Some(json) = line.strip_prefix(TAG) else { continue };
        let Ok(ev) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        match ev["event"].as_str().unwrap_or_default() {
            "parent_start" => {
                p.stage = "parent_start".into();
                p.start_method = ev["start_method"].as_str().map(str::to_string);
                p.parent_pid = ev["pid"].as_i64();
            }
            "pool" => {
                if let Some(m) = ev["start_method"].as_str() {
                    p.start_method = Some(m.to_string());
                }
            }
            "drive" => p.drives.record(&ev, p.parent_pid),
            "parent_ready" => {
                p.stage = "parent_ready".into();
                let ran = ev["ran"].as_array().into_iter().flatten();
                p.exercised = ran.filter_map(|r| r.as_str().map(str::to_string)).collect();
            }
            "worker_start" => {
                p.stage = "workers".into();
                p.workers += 1;
            }
            "task_done" => p.tasks += 1,
            "worker_died" => {
                p.worker_signal = ev["signal"].as_i64();
                p.dead_worker = ev["worker"].as_i64();
            }
            "done" => p.stage = "done".into(),
            _ => {}
        }
    }
    p
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn events(stdout: &str) -> impl Iterator<Item = serde_json::Value> + '_ {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(TAG))
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
}

/// A worker call into a runtime that has outlasted the parent's same call by far: the hang, seen early.
fn stalled_call(stdout: &str, now: f64) -> Option<String> {
    let mut parent = None;
    let mut parent_took: BTreeMap<String, f64> = BTreeMap::new();
    let mut open: BTreeMap<(String, i64), f64> = BTreeMap::new();
    for ev in events(stdout) {
        let pid = ev["pid"].as_i64();
        match ev["event"].as_str() {
            Some("parent_start") => parent = pid,
            Some("drive") => {
                let (Some(lib), Some(pid)) = (ev["lib"].as_str(), pid) else {
                    continue;
                };
                let t = ev["t"].as_f64().unwrap_or(0.0);
                let key = (lib.to_string(), pid);
                if ev["phase"] == "start" {
                    open.insert(key, t);
                } else if let Some(t0) = open.remove(&key).filter(|_| Some(pid) == parent) {
                    parent_took.insert(lib.to_string(), t - t0);
                }
            }
            _ => {}
        }
    }
    open.iter().filter(|((_, pid), _)| Some(*pid) != parent).find_map(|((lib, _), t0)| {
        let took = *parent_took.get(lib)?;
        let inside = now - t0;
        let name = Path::new(lib).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        (inside > STALL_MIN_S.max(STALL_FACTOR * took)).then(|| {
            format!("a worker has been inside {name} for {inside:.0} s, where the parent's call took {took:.3} s; process group killed")
        })
    })
}

fn classify(f: &child::Finished, variant: &Variant) -> ProbeResult {
    let p = progress(&f.stdout);
    let (outcome, detail) = verdict(f, &p);
    let start_method = p
        .start_method
        .or_else(|| variant.start_method.clone())
        .unwrap_or_else(|| "default".into());
    ProbeResult {
        outcome,
        start_method,
        exercised: p.exercised,
        stage: p.stage,
        workers_started: p.workers,
        tasks_done: p.tasks,
        tasks_total: TASKS,
        elapsed_s: f.elapsed.as_secs_f64(),
        detail,
        runtimes: p.drives.finish(
            outcome,
            p.dead_worker,
            unix_now() - BLAME_MIN_S.min(f.elapsed.as_secs_f64() / 2.0),
        ),
    }
}

fn verdict(f: &child::Finished, p: &Progress) -> (Outcome, Option<String>) {
    let fatal = fatal_error(&f.stderr);
    if let Some(sig) = p.worker_signal {
        let fatal = fatal.map(|l| format!(" ({l})")).unwrap_or_default();
        return (
            Outcome::Crash,
            Some(format!("a pool worker was killed by signal {sig}{fatal}")),
        );
    }
    match f.ending {
        // Before `parent_ready` nothing has forked: a hang or crash there is the parent's own, not fork's.
        Ending::TimedOut | Ending::Signal(_) if !p.forked() => {
            let how = if f.ending == Ending::TimedOut {
                "hung"
            } else {
                "crashed"
            };
            (
                Outcome::Failed,
                Some(format!(
                    "the parent {how} before forking (stage {}): not a fork problem",
                    p.stage
                )),
            )
        }
        Ending::Code(0) if p.stage == "done" => (Outcome::Ok, None),
        Ending::TimedOut if f.stalled.is_some() => (Outcome::Hang, f.stalled.clone()),
        Ending::TimedOut if fatal.is_some() => (Outcome::Crash, fatal),
        Ending::TimedOut => {
            let secs = f.elapsed.as_secs_f64();
            (
                Outcome::Hang,
                Some(format!("still running after {secs:.0} s; process group killed")),
            )
        }
        Ending::Signal(sig) => (Outcome::Crash, Some(format!("killed by signal {sig}"))),
        Ending::Code(_) if fatal.is_some() => (Outcome::Crash, fatal),
        Ending::Code(code) => (Outcome::Failed, Some(last_error_line(&f.stderr, code))),
    }
}

/// faulthandler's report of a fatal signal in the parent or a worker.
///
/// faulthandler writes its prefix, the signal's name and the newlines as separate writes, so when
/// two workers die at once their reports interleave on the shared stderr
/// ("Fatal Python error: Fatal Python error: Segmentation fault"). The report is rebuilt from
/// the first signal name faulthandler knows, or else from what follows the last prefix.
fn fatal_error(stderr: &str) -> Option<String> {
    const PREFIX: &str = "Fatal Python error: ";
    // faulthandler's names for the fatal signals it handles (Modules/faulthandler.c).
    const NAMES: [&str; 5] = [
        "Segmentation fault",
        "Bus error",
        "Floating-point exception",
        "Illegal instruction",
        "Aborted",
    ];
    let start = stderr.find("Fatal Python error")?;
    let rest = &stderr[start..];
    let known = NAMES
        .iter()
        .filter_map(|name| rest.find(name).map(|at| (at, *name)))
        .min();
    let what = match known {
        Some((_, name)) => name.to_string(),
        None => {
            let line = rest.lines().next().unwrap_or_default();
            let tail = line.rsplit(PREFIX).next().unwrap_or_default().trim();
            tail.trim_start_matches("Fatal Python error")
                .trim_start_matches(':')
                .trim()
                .to_string()
        }
    };
    Some(format!("{PREFIX}{what}"))
}

fn last_error_line(stderr: &str, code: i32) -> String {
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no error output");
    format!("exit code {code}: {}", last.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_workers_crashing_at_once_interleave_their_fatal_error_lines() {
        let interleaved = "x\nFatal Python error: Fatal Python error: Segmentation fault\n\nSegmentation fault\n\n";
        assert_eq!(
            fatal_error(interleaved).as_deref(),
            Some("Fatal Python error: Segmentation fault")
        );
        let glued = "Fatal Python error: Segmentation faultFatal Python error: Segmentation fault\n";
        assert_eq!(
            fatal_error(glued).as_deref(),
            Some("Fatal Python error: Segmentation fault")
        );
        let plain = "Fatal Python error: Bus error\n\nCurrent thread 0x1:\n";
        assert_eq!(fatal_error(plain).as_deref(), Some("Fatal Python error: Bus error"));
        let other = "Fatal Python error: Fatal Python error: _PyMem_DebugMalloc: bad\n";
        assert_eq!(
            fatal_error(other).as_deref(),
            Some("Fatal Python error: _PyMem_DebugMalloc: bad")
        );
        assert_eq!(fatal_error("Traceback ...\nValueError: no\n"), None);
    }

    fn line(ev: serde_json::Value) -> String {
        format!("{TAG}{ev}\n")
    }

    fn drive(pid: i64, phase: &str, t: f64) -> String {
        line(serde_json::json!({"event": "drive", "pid": pid, "lib": "/x/libgomp-1.so", "phase": phase, "t": t}))
    }

    #[test]
    fn a_worker_call_far_longer_than_the_parents_is_a_stall() {
        let mut out = line(serde_json::json!({"event": "parent_start", "pid": 1, "t": 90.0}));
        out += &drive(1, "start", 99.0);
        out += &drive(1, "done", 99.01);
        out += &drive(7, "start", 100.0);
        assert_eq!(stalled_call(&out, 109.0), None);
        let why = stalled_call(&out, 111.0).unwrap();
        assert!(
            why.starts_with("a worker has been inside libgomp-1.so for 11 s"),
            "{why}"
        );
        // A slow parent call (0.2 s) allows its workers 100 times as long.
        let slow = out.replace("\"t\":99.01", "\"t\":99.2");
        assert_eq!(stalled_call(&slow, 115.0), None);
        assert!(stalled_call(&slow, 121.0).is_some());
        // The parent's own open call is never a stall (that is not fork's doing), nor one the parent never finished.
        let mut parent_only = line(serde_json::json!({"event": "parent_start", "pid": 1}));
        parent_only += &drive(1, "start", 99.0);
        parent_only += &drive(7, "start", 99.5);
        assert_eq!(stalled_call(&parent_only, 500.0), None);
    }
}
