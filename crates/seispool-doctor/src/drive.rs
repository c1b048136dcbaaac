//! What the probe learned about each thread runtime it drove through its own entry points
//! (`doctor_drive.py`): which processes drove it, which never came back.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::probe::{Outcome, ProbeResult};
use crate::remedy::Remedy;
use crate::runtime::{Runtime, RuntimeRemedy, Safety};
use crate::vendored::VendoredRuntime;

/// How driving one runtime went over the whole probe run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriveOutcome {
    /// Driven in the parent and in every worker that reached it.
    Ok,
    /// A process entered it and never returned: this runtime hangs.
    Hang,
    /// A process entered it and died.
    Crash,
    /// Driven in the parent, but no worker got to it (another runtime or the workers' start stalled).
    NotReached,
    /// It could not be driven (no known entry point, or the call raised).
    Failed,
}

impl DriveOutcome {
    /// Upper-case label for the human report.
    pub fn label(self) -> &'static str {
        match self {
            DriveOutcome::Ok => "OK",
            DriveOutcome::Hang => "HANG",
            DriveOutcome::Crash => "CRASH",
            DriveOutcome::NotReached => "NOT REACHED",
            DriveOutcome::Failed => "FAILED",
        }
    }
}

/// One runtime library as the probe drove it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimeDrive {
    /// The library, as mapped in the probe's processes.
    pub path: PathBuf,
    /// Its kind, as the probe named it (`gnu_open_mp`, `open_blas`, …).
    pub kind: String,
    /// The entry point called: `GOMP_parallel`, `__kmpc_fork_call`, `scipy_dgemm_64_`, ….
    pub entry: Option<String>,
    /// OpenMP team size in the parent's parallel region.
    pub parent_team: Option<i64>,
    /// `omp_get_max_threads()` in the parent before it.
    pub parent_max_threads: Option<i64>,
    /// The parent asked for a team of 2 because the machine offered only one thread.
    pub forced_team: bool,
    /// The parent drove it and it returned.
    pub parent_done: bool,
    /// Worker calls that returned.
    pub worker_calls_done: u32,
    /// Processes that entered it and had not returned when the run ended.
    pub stuck: u32,
    /// How it went.
    pub outcome: DriveOutcome,
    /// The error, when it could not be driven.
    pub error: Option<String>,
}

/// Collects `drive` events (in order) and settles each library's outcome once the run's outcome is known.
#[derive(Default)]
pub(crate) struct DriveLog {
    libs: BTreeMap<String, RuntimeDrive>,
    order: Vec<String>,
    /// (library, pid) calls entered and not yet returned, with when they were entered (unix time).
    open: BTreeMap<(String, i64), f64>,
    /// The parent's pid, once seen.
    parent: Option<i64>,
}

impl DriveLog {
    /// Records one `drive` event; `parent` is the parent's pid.
    pub(crate) fn record(&mut self, ev: &serde_json::Value, parent: Option<i64>) {
        let (Some(lib), Some(pid)) = (ev["lib"].as_str(), ev["pid"].as_i64()) else {
            return;
        };
        self.parent = parent;
        if !self.libs.contains_key(lib) {
            self.order.push(lib.to_string());
            self.libs.insert(
                lib.to_string(),
                new_drive(lib, ev["kind"].as_str().unwrap_or("unknown")),
            );
        }
        let Some(d) = self.libs.get_mut(lib) else { return };
        let key = (lib.to_string(), pid);
        let in_parent = parent == Some(pid);
        match ev["phase"].as_str().unwrap_or_default() {
            "start" => {
                self.open.insert(key, ev["t"].as_f64().unwrap_or(0.0));
            }
            "done" => {
                self.open.remove(&key);
                d.entry = ev["entry"].as_str().map(str::to_string).or(d.entry.take());
                if in_parent {
                    d.parent_done = true;
                    d.parent_team = ev["team"].as_i64();
                    d.parent_max_threads = ev["max_threads"].as_i64();
                    d.forced_team = ev["forced_team"].as_i64().is_some();
                } else {
                    d.worker_calls_done += 1;
                }
            }
            "error" => {
                self.open.remove(&key);
                d.error = ev["error"].as_str().map(str::to_string);
            }
            _ => {
                // "skip": nothing to drive in this library.
                self.open.remove(&key);
                d.parent_done |= in_parent;
            }
        }
    }

    /// Every library driven, in first-seen order, with outcomes given how the whole run ended. After a
    /// crash only the dead worker's open call counts, after a hang only calls entered by `hung_since`
    /// (unix time): the others were merely cut short.
    pub(crate) fn finish(mut self, run: Outcome, dead_worker: Option<i64>, hung_since: f64) -> Vec<RuntimeDrive> {
        for ((lib, pid), t0) in &self.open {
            if Some(*pid) == self.parent && run == Outcome::Failed {
                // The parent never came back from it, before any fork: the runtime itself is broken.
                if let Some(d) = self.libs.get_mut(lib) {
                    d.error = Some("the parent never returned from it (before any fork)".into());
                }
                continue;
            }
            let blamed = match run {
                Outcome::Hang => *t0 <= hung_since,
                Outcome::Crash => dead_worker == Some(*pid) || dead_worker.is_none(),
                Outcome::Ok | Outcome::Failed => false,
            };
            if let Some(d) = self.libs.get_mut(lib).filter(|_| blamed) {
                d.stuck += 1;
            }
        }
        let mut out = Vec::new();
        for lib in &self.order {
            let Some(mut d) = self.libs.remove(lib) else { continue };
            d.outcome = if d.error.is_some() {
                DriveOutcome::Failed
            } else if d.stuck > 0 {
                if run == Outcome::Crash {
                    DriveOutcome::Crash
                } else {
                    DriveOutcome::Hang
                }
            } else if d.worker_calls_done > 0 {
                DriveOutcome::Ok
            } else if d.entry.is_none() && d.parent_done {
                continue; // nothing in it to drive (an MKL interface library, say)
            } else {
                DriveOutcome::NotReached
            };
            out.push(d);
        }
        out
    }
}

/// Fills each runtime's owner, its probe outcome and its outcome under each remedy tried.
pub(crate) fn annotate(
    runtimes: &mut [Runtime],
    owners: &BTreeMap<PathBuf, String>,
    vendored: &[VendoredRuntime],
    probe: Option<&ProbeResult>,
    remedies: &[Remedy],
) {
    for rt in runtimes.iter_mut() {
        rt.owner = owners
            .get(&rt.path)
            .cloned()
            .or_else(|| linker_of(rt, vendored))
            .or(rt.package.clone());
        rt.probe = probe.and_then(|p| outcome_of(p, rt));
        if let Some(seen @ (DriveOutcome::Hang | DriveOutcome::Crash)) = rt.probe {
            // What the probe saw outranks what the library's name and version predicted.
            rt.fork_safety = Safety::Unsafe;
            rt.reason = format!("the probe saw it {} a forked worker; {}", seen_word(seen), rt.reason);
        }
        rt.remedies = remedies
            .iter()
            .filter_map(|r| {
                let p = r.probe.as_ref()?;
                Some(RuntimeRemedy {
                    fix: r.fix.title(),
                    probe: p.outcome,
                    outcome: outcome_of(p, rt),
                })
            })
            .collect();
    }
}

fn seen_word(seen: DriveOutcome) -> &'static str {
    if seen == DriveOutcome::Hang { "hang" } else { "crash" }
}

/// A library outside any package (the system libgomp): the imported package whose extension links it.
fn linker_of(rt: &Runtime, vendored: &[VendoredRuntime]) -> Option<String> {
    if rt.package.is_some() {
        return None;
    }
    vendored
        .iter()
        .find(|v| v.kind == rt.kind && v.bundled.is_none() && v.linked_from.is_some())
        .map(|v| v.package.clone())
}

fn outcome_of(p: &ProbeResult, rt: &Runtime) -> Option<DriveOutcome> {
    p.runtimes.iter().find(|d| d.path == rt.path).map(|d| d.outcome)
}

fn new_drive(lib: &str, kind: &str) -> RuntimeDrive {
    RuntimeDrive {
        path: PathBuf::from(lib),
        kind: kind.to_string(),
        entry: None,
        parent_team: None,
        parent_max_threads: None,
        forced_team: false,
        parent_done: false,
        worker_calls_done: 0,
        stuck: 0,
        outcome: DriveOutcome::NotReached,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(pid: i64, lib: &str, phase: &str) -> serde_json::Value {
        serde_json::json!({"event": "drive", "pid": pid, "lib": lib, "kind": "gnu_open_mp", "phase": phase, "entry": "GOMP_parallel", "team": 2})
    }

    #[test]
    fn a_worker_that_never_returns_marks_that_runtime_hung_and_the_next_not_reached() {
        let mut log = DriveLog::default();
        for e in [
            ev(1, "/b", "start"),
            ev(1, "/b", "done"),
            ev(1, "/g", "start"),
            ev(1, "/g", "done"),
        ] {
            log.record(&e, Some(1));
        }
        for e in [
            ev(7, "/b", "start"),
            ev(7, "/b", "done"),
            ev(7, "/g", "start"),
            ev(8, "/b", "start"),
        ] {
            log.record(&e, Some(1));
        }
        let out = log.finish(Outcome::Hang, None, f64::MAX);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].outcome, out[0].stuck, out[0].worker_calls_done),
            (DriveOutcome::Hang, 1, 1)
        );
        assert_eq!(
            (out[1].outcome, out[1].stuck, out[1].parent_team),
            (DriveOutcome::Hang, 1, Some(2))
        );
        let mut log = DriveLog::default();
        log.record(&ev(1, "/g", "start"), Some(1));
        log.record(&ev(1, "/g", "done"), Some(1));
        let out = log.finish(Outcome::Hang, None, f64::MAX);
        assert_eq!(out[0].outcome, DriveOutcome::NotReached);
        assert!(out[0].parent_done);
    }

    #[test]
    fn after_a_crash_only_the_dead_workers_open_call_is_blamed() {
        let mut log = DriveLog::default();
        for e in [ev(7, "/b", "start"), ev(8, "/g", "start")] {
            log.record(&e, Some(1));
        }
        let out = log.finish(Outcome::Crash, Some(8), f64::MAX);
        assert_eq!((out[0].outcome, out[0].stuck), (DriveOutcome::NotReached, 0), "{out:?}");
        assert_eq!((out[1].outcome, out[1].stuck), (DriveOutcome::Crash, 1), "{out:?}");
    }

    #[test]
    fn after_a_hang_only_calls_open_long_enough_are_blamed() {
        let mut log = DriveLog::default();
        let mut early = ev(7, "/g", "start");
        early["t"] = 100.0.into();
        let mut late = ev(8, "/b", "start");
        late["t"] = 119.0.into();
        log.record(&early, Some(1));
        log.record(&late, Some(1));
        let out = log.finish(Outcome::Hang, None, 115.0);
        assert_eq!(
            (out[0].outcome, out[1].outcome),
            (DriveOutcome::Hang, DriveOutcome::NotReached),
            "{out:?}"
        );
    }

    #[test]
    fn a_parent_that_never_returns_fails_that_runtime_not_fork() {
        let mut log = DriveLog::default();
        log.record(&ev(1, "/g", "start"), Some(1));
        let out = log.finish(Outcome::Failed, None, f64::MAX);
        assert_eq!(out[0].outcome, DriveOutcome::Failed, "{out:?}");
        assert!(out[0].error.as_deref().unwrap_or_default().contains("before any fork"));
    }

    #[test]
    fn errors_and_skips() {
        let mut log = DriveLog::default();
        let mut err = ev(1, "/x", "error");
        err["error"] = "RuntimeError: no entry".into();
        log.record(&ev(1, "/x", "start"), Some(1));
        log.record(&err, Some(1));
        let mut skip = ev(1, "/mkl_core", "skip");
        skip["entry"] = serde_json::Value::Null;
        log.record(&ev(1, "/mkl_core", "start"), Some(1));
        log.record(&skip, Some(1));
        let out = log.finish(Outcome::Ok, None, f64::MAX);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].outcome, DriveOutcome::Failed);
        assert_eq!(out[0].error.as_deref(), Some("RuntimeError: no entry"));
    }
}
