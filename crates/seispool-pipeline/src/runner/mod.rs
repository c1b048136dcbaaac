//! The parallel runner: work units (one output file each) run on a per-run rayon pool, each output written
//! atomically, finished units recorded for `--resume`, failures reported and skipped, a summary at the end.

mod atomic;
mod manifest;
mod pool;

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

pub use atomic::{check_output_name, remove_stale_temps, temp_path, write_atomic};
pub use manifest::{Fingerprint, Manifest, fingerprint};
pub use pool::{JoinedPool, build_joined_pool, build_pool, effective_jobs};

/// One piece of work: read `inputs` (plus `context` for edge effects), process, write `output`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Files whose data the output holds.
    pub inputs: Vec<PathBuf>,
    /// Neighbouring files read only for context (`--overlap`), trimmed away after processing.
    pub context: Vec<PathBuf>,
    /// Output path relative to the output directory.
    pub output: PathBuf,
}

/// What processing one unit produced.
#[derive(Debug, Default)]
pub struct UnitOutput {
    /// Encoded output file; None when the pipeline left no data (nothing is written).
    pub bytes: Option<Vec<u8>>,
    /// Samples read.
    pub samples_in: u64,
    /// Samples written.
    pub samples_out: u64,
    /// Non-fatal warnings (e.g. Steim integration constant mismatch).
    pub warnings: Vec<String>,
}

/// How to run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Output directory.
    pub out: PathBuf,
    /// Worker threads (None = available cores).
    pub jobs: Option<usize>,
    /// Skip units finished by an earlier run with the same fingerprint.
    pub resume: bool,
    /// Pipeline text + output options + version: part of every unit's fingerprint.
    pub config: String,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// A unit that failed: which output, from which inputs, why.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// Output path relative to `--out`.
    pub output: String,
    /// Input files.
    pub inputs: Vec<String>,
    /// The error message (file, record, offset, reason).
    pub error: String,
}

/// The end-of-run summary (`--json` prints it).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Output directory.
    pub out: String,
    /// Worker threads used.
    pub jobs: usize,
    /// Units in the run.
    pub units: usize,
    /// Units processed and written.
    pub ok: usize,
    /// Units processed that had nothing to write (nothing selected, or every trace empty).
    pub empty: usize,
    /// Units that failed.
    pub failed: usize,
    /// Units skipped by `--resume`.
    pub skipped: usize,
    /// Samples read.
    pub samples_in: u64,
    /// Samples written.
    pub samples_out: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Samples read per second, in millions.
    pub msamples_per_s: f64,
    /// The failed units, in unit order.
    pub failures: Vec<Failure>,
    /// Warnings, each prefixed by its unit's output path.
    pub warnings: Vec<String>,
}

/// A run that could not start (a usage/config problem: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The output directory overlaps an input.
    #[error("{0}")]
    OutOverlapsInput(String),
    /// Two units would write the same output file.
    #[error("two inputs map to the same output {0}; give inputs with distinct relative paths")]
    DuplicateOutput(String),
    /// The inputs cannot be listed (missing path, unreadable directory).
    #[error("{0}")]
    Inputs(String),
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Pool(String),
    /// The output directory cannot be created.
    #[error("{}: cannot create output directory: {source}", path.display())]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Absolute, lexically normalised path; existing prefixes resolved through symlinks.
fn normalize(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    // Resolve the longest existing prefix so symlinked roots compare equal.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return out,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    resolved.extend(rest.into_iter().rev());
    resolved
}

/// How an output directory and an input overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutOverlap {
    /// The output directory equals or lies inside this input.
    OutInsideInput(PathBuf),
    /// This input lies inside the output directory.
    InputInsideOut(PathBuf),
}

/// The first input that the output directory equals, lies inside, or contains.
pub fn find_out_overlap(out: &Path, inputs: &[PathBuf]) -> Option<OutOverlap> {
    let o = normalize(out);
    inputs.iter().find_map(|input| {
        let i = normalize(input);
        if o == i || o.starts_with(&i) {
            Some(OutOverlap::OutInsideInput(input.clone()))
        } else if i.starts_with(&o) {
            Some(OutOverlap::InputInsideOut(input.clone()))
        } else {
            None
        }
    })
}

/// Refuses an output directory that equals, lies inside, or contains one of the inputs:
/// outputs must never overwrite or mix with inputs.
pub fn check_out_dir(out: &Path, inputs: &[PathBuf]) -> Result<(), RunError> {
    match find_out_overlap(out, inputs) {
        None => Ok(()),
        Some(OutOverlap::OutInsideInput(input)) => Err(RunError::OutOverlapsInput(format!(
            "output directory {} is inside input {}; choose an output directory outside the inputs",
            out.display(),
            input.display()
        ))),
        Some(OutOverlap::InputInsideOut(input)) => Err(RunError::OutOverlapsInput(format!(
            "input {} is inside output directory {}; choose an output directory that holds no inputs",
            input.display(),
            out.display()
        ))),
    }
}

fn progress_bar(total: usize, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} units  {msg}  ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

enum Outcome {
    Done(UnitOutput),
    Skipped,
    Failed(String),
}

/// Most writer threads of a run (see [`run`]): enough for the last units' outputs to be written
/// side by side, few enough not to scatter a disk's writes.
const MAX_WRITERS: usize = 4;

/// A finished unit on its way to a writer thread.
struct Pending {
    index: usize,
    target: PathBuf,
    /// None when the pipeline left no data: nothing is written, the unit is still recorded.
    bytes: Option<Vec<u8>>,
    rel: String,
    fp: Option<Fingerprint>,
}

impl Pending {
    /// Writes the output atomically, then records it in the manifest (only once it is durable). The
    /// bytes stay in `self` (see `run`'s spares).
    fn finish(&self, manifest: &Manifest) -> Result<(), String> {
        if let Some(bytes) = &self.bytes
            && let Err(e) = write_atomic(&self.target, bytes)
        {
            return Err(format!("{}: cannot write output: {e}", self.target.display()));
        }
        if let Some(fp) = &self.fp {
            // A lost manifest line only means the unit is redone on resume.
            let _ = manifest.record(&self.rel, fp);
        }
        Ok(())
    }
}

/// Runs `work` over `units` on a fresh pool; writes each output atomically under `cfg.out`.
/// Unit failures are collected in the summary; only setup problems return `Err`.
pub fn run<F>(units: &[Unit], cfg: &RunConfig, work: F) -> Result<Summary, RunError>
where
    F: Fn(&Unit) -> Result<UnitOutput, String> + Sync,
{
    let started = Instant::now();
    let mut seen = std::collections::HashSet::new();
    for u in units {
        if !seen.insert(&u.output) {
            return Err(RunError::DuplicateOutput(u.output.display().to_string()));
        }
    }
    std::fs::create_dir_all(&cfg.out).map_err(|source| RunError::OutDir {
        path: cfg.out.clone(),
        source,
    })?;
    let manifest = Manifest::load(&cfg.out);
    let jobs = effective_jobs(cfg.jobs);
    let pool = build_joined_pool(jobs).map_err(|e| RunError::Pool(e.to_string()))?;
    let bar = progress_bar(units.len(), cfg.progress);
    let samples_done = AtomicU64::new(0);

    // Outputs are written (and made durable with fdatasync, which waits for the disk) by writer threads,
    // so the workers go on computing instead of waiting for the device: at 8.6 MB per output the syncs
    // took 0.34 s of the seed job's ~1.4 s. One writer per worker (up to MAX_WRITERS): the last units
    // of a run finish together, and one writer wrote and synced their outputs one after the other
    // while the run waited (~40 ms of the seed job's wall with two workers). The bounded channel keeps
    // at most `jobs` outputs waiting, besides those being written and those the workers hold. The
    // writers are scoped: they end with this call (fork safety).
    let (tx, rx) = std::sync::mpsc::sync_channel::<Pending>(jobs);
    // `None` once no writer is left to take outputs (then the workers write their own).
    let rx = std::sync::Mutex::new(Some(rx));
    let write_failures = std::sync::Mutex::new(Vec::<(usize, String)>::new());
    // Written outputs' buffers, handed back to the workers for their next units' outputs (up to one
    // per worker): a unit's encoded output is ~11 MB on a 100 Hz day, faulted in afresh every unit
    // otherwise. Scoped to this run (no process-wide state; see `pool.rs` on fork safety).
    let written = std::sync::Mutex::new(Vec::<Vec<u8>>::new());

    let run_one = |index: usize, unit: &Unit, tx: &std::sync::mpsc::SyncSender<Pending>| -> Outcome {
        let rel = unit.output.display().to_string();
        if let Err(e) = check_output_name(&unit.output) {
            return Outcome::Failed(e);
        }
        let target = cfg.out.join(&unit.output);
        let fp = fingerprint(&unit.inputs, &cfg.config);
        if cfg.resume && target.exists() && fp.as_ref().is_some_and(|fp| manifest.is_done(&rel, fp)) {
            return Outcome::Skipped;
        }
        remove_stale_temps(&target);
        if let Some(spare) = written.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            seispool_core::recycle_bytes(spare);
        }
        // A bug that panics costs its unit, not the run (the other units of the batch are kept).
        let mut out = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(unit))) {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => return Outcome::Failed(e),
            Err(panic) => return Outcome::Failed(atomic::panic_failure(panic.as_ref())),
        };
        // The bytes go as soon as they are written: outcomes are kept until the end of the run, and
        // holding every unit's output made memory grow with the archive (issue 20). `Some(empty)` still
        // tells the summary that the unit wrote output.
        let bytes = out.bytes.take();
        let write = bytes.is_some();
        let pending = Pending {
            index,
            target,
            bytes,
            rel,
            fp,
        };
        if let Err(std::sync::mpsc::SendError(p)) = tx.send(pending) {
            // The writer is gone (it cannot be while workers run, but never lose an output): write here.
            if let Err(e) = p.finish(&manifest) {
                return Outcome::Failed(e);
            }
        }
        out.bytes = write.then(Vec::new);
        Outcome::Done(out)
    };

    let mut outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let writer = || {
            loop {
                // One writer waits for the next output while holding the lock, the others for the lock.
                let next = rx
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_ref()
                    .map(|rx| rx.recv());
                let Some(Ok(p)) = next else { break };
                let index = p.index;
                // As for the work itself, a bug that panics costs its unit, not the run.
                let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| p.finish(&manifest)))
                    .unwrap_or_else(|panic| Err(atomic::panic_failure(panic.as_ref())));
                if let Some(mut bytes) = p.bytes {
                    let mut spares = written.lock().unwrap_or_else(|e| e.into_inner());
                    if spares.len() < jobs {
                        bytes.clear();
                        spares.push(bytes);
                    }
                }
                if let Err(e) = done {
                    write_failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((index, e));
                }
            }
        };
        let writers: Vec<_> = (0..jobs.clamp(1, MAX_WRITERS))
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("seispool-writer".into())
                    .spawn_scoped(scope, writer)
                    .ok()
            })
            .collect();
        if writers.is_empty() {
            // No thread to write with: the workers' sends fail, and each writes its own output.
            *rx.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        let outcomes = pool.install(|| {
            units
                .par_iter()
                .enumerate()
                .map(|(i, u)| {
                    let o = run_one(i, u, &tx);
                    if let Outcome::Done(out) = &o {
                        let n = samples_done.fetch_add(out.samples_in, Ordering::Relaxed) + out.samples_in;
                        let secs = started.elapsed().as_secs_f64().max(1e-9);
                        bar.set_message(format!("{:.1} Msamples/s", n as f64 / secs / 1e6));
                    }
                    bar.inc(1);
                    o
                })
                .collect()
        });
        drop(tx);
        // The workers are done: end them now and hand the memory they freed back to the kernel, so that
        // their buffers (spares, staging: ~170 MB at two jobs on the seed job) are unmapped while the
        // writers write and sync the last outputs, not by the process's exit after them.
        drop(pool);
        seispool_core::release_free_memory();
        for handle in writers {
            // Their panics are caught per unit above.
            let _ = handle.join();
        }
        outcomes
    });
    for (index, error) in write_failures.into_inner().unwrap_or_else(|e| e.into_inner()) {
        if let Some(o) = outcomes.get_mut(index) {
            *o = Outcome::Failed(error);
        }
    }
    bar.finish_and_clear();

    let mut s = summarize(units, outcomes, cfg, jobs);
    s.wall_seconds = started.elapsed().as_secs_f64();
    s.msamples_per_s = s.samples_in as f64 / s.wall_seconds.max(1e-9) / 1e6;
    Ok(s)
}

/// The summary of the units' outcomes (in unit order), without the timing.
fn summarize(units: &[Unit], outcomes: Vec<Outcome>, cfg: &RunConfig, jobs: usize) -> Summary {
    let mut s = Summary {
        out: cfg.out.display().to_string(),
        jobs,
        units: units.len(),
        ..Summary::default()
    };
    for (unit, outcome) in units.iter().zip(outcomes) {
        match outcome {
            Outcome::Done(o) => {
                if o.bytes.is_some() {
                    s.ok += 1;
                } else {
                    s.empty += 1;
                }
                s.samples_in += o.samples_in;
                s.samples_out += o.samples_out;
                s.warnings.extend(
                    o.warnings
                        .into_iter()
                        .map(|w| format!("{}: {w}", unit.output.display())),
                );
            }
            Outcome::Skipped => s.skipped += 1,
            Outcome::Failed(error) => {
                s.failed += 1;
                s.failures.push(Failure {
                    output: unit.output.display().to_string(),
                    inputs: unit.inputs.iter().map(|p| p.display().to_string()).collect(),
                    error,
                });
            }
        }
    }
    s
}

impl Summary {
    /// One summary of a run done in `parts` (e.g. one per unit on a cluster): counts summed, failures and
    /// warnings in part order, speed over `wall_seconds`.
    pub fn fold(parts: &[Summary], out: &str, wall_seconds: f64, jobs: usize) -> Summary {
        let mut s = Summary {
            out: out.to_string(),
            jobs,
            wall_seconds,
            ..Summary::default()
        };
        for p in parts {
            s.units += p.units;
            s.ok += p.ok;
            s.empty += p.empty;
            s.failed += p.failed;
            s.skipped += p.skipped;
            s.samples_in += p.samples_in;
            s.samples_out += p.samples_out;
            s.failures.extend(p.failures.iter().cloned());
            s.warnings.extend(p.warnings.iter().cloned());
        }
        s.msamples_per_s = s.samples_in as f64 / wall_seconds.max(1e-9) / 1e6;
        s
    }

    /// Human summary: one line of counts and speed, then one line per failure.
    pub fn human(&self) -> String {
        let mut text = format!(
            "{} units: {} ok, {} empty, {} failed, {} skipped; {} samples in, {} out; {:.2} s ({:.1} Msamples/s, {} jobs)\n",
            self.units,
            self.ok,
            self.empty,
            self.failed,
            self.skipped,
            self.samples_in,
            self.samples_out,
            self.wall_seconds,
            self.msamples_per_s,
            self.jobs
        );
        for f in &self.failures {
            text.push_str(&format!("failed: {}: {}\n", f.output, f.error));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_dir_overlapping_inputs_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        assert!(check_out_dir(&input, std::slice::from_ref(&input)).is_err());
        assert!(check_out_dir(&input.join("sub"), std::slice::from_ref(&input)).is_err());
        assert!(check_out_dir(d.path(), std::slice::from_ref(&input)).is_err());
        assert!(check_out_dir(&input.join("../in/./x"), std::slice::from_ref(&input)).is_err());
        assert!(check_out_dir(&d.path().join("out"), &[input]).is_ok());
    }

    #[test]
    fn fold_dropped_the_empty_count() {
        let part = |ok, empty| Summary {
            units: ok + empty,
            ok,
            empty,
            ..Summary::default()
        };
        let s = Summary::fold(&[part(2, 1), part(0, 3)], "out", 1.0, 2);
        assert_eq!((s.units, s.ok, s.empty), (6, 2, 4));
    }

    fn unit(name: &str) -> Unit {
        Unit {
            inputs: vec![],
            context: vec![],
            output: PathBuf::from(name),
        }
    }

    /// A run into `out` on `jobs` workers, without resume or progress bar.
    fn config(out: &std::path::Path, jobs: usize, config: &str) -> RunConfig {
        RunConfig {
            out: out.to_path_buf(),
            jobs: Some(jobs),
            resume: false,
            config: config.into(),
            progress: false,
        }
    }

    #[test]
    fn failures_are_reported_and_others_written() {
        let d = tempfile::tempdir().unwrap();
        let units = vec![unit("a/1"), unit("b/2"), unit("c/3")];
        let cfg = config(d.path(), 2, "x");
        let s = run(&units, &cfg, |u| {
            if u.output.starts_with("b") {
                Err("b: broken".to_string())
            } else {
                Ok(UnitOutput {
                    bytes: Some(u.output.display().to_string().into_bytes()),
                    samples_in: 5,
                    samples_out: 4,
                    warnings: vec![],
                })
            }
        })
        .unwrap();
        assert_eq!(
            (s.ok, s.failed, s.skipped, s.samples_in, s.samples_out),
            (2, 1, 0, 10, 8)
        );
        assert_eq!(s.failures[0].output, "b/2");
        assert_eq!(std::fs::read(d.path().join("c/3")).unwrap(), b"c/3");
        assert!(!d.path().join("b/2").exists());
    }

    /// A written output's buffer goes back to the workers: a later unit's encode gets it from the
    /// thread's spares, emptied (so an output never starts with another's bytes).
    #[test]
    fn written_outputs_buffers_come_back_to_the_workers_empty() {
        let d = tempfile::tempdir().unwrap();
        let cfg = config(d.path(), 1, "");
        let seen = std::sync::Mutex::new(None);
        let s = run(&[unit("a"), unit("b"), unit("c")], &cfg, |u| {
            let bytes = match u.output.to_str() {
                Some("a") => {
                    let mut v = Vec::with_capacity(1 << 20);
                    v.resize(256 << 10, 0xa5u8);
                    v
                }
                Some("b") => {
                    // Until a's output is written (its buffer is handed back right after).
                    let t = std::time::Instant::now();
                    while !d.path().join("a").exists() && t.elapsed().as_secs() < 60 {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    b"b".to_vec()
                }
                _ => {
                    let spare = seispool_core::take_spare_bytes(512 << 10);
                    *seen.lock().unwrap() = Some((spare.capacity(), spare.len()));
                    b"c".to_vec()
                }
            };
            Ok(UnitOutput {
                bytes: Some(bytes),
                ..UnitOutput::default()
            })
        })
        .unwrap();
        assert_eq!(s.ok, 3);
        let (capacity, len) = seen.lock().unwrap().unwrap();
        assert!(capacity >= 1 << 20, "a fresh buffer ({capacity} bytes), not a's");
        assert_eq!(len, 0);
        assert_eq!(std::fs::read(d.path().join("c")).unwrap(), b"c");
        assert_eq!(std::fs::read(d.path().join("a")).unwrap().len(), 256 << 10);
    }

    #[test]
    fn duplicate_outputs_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let cfg = config(d.path(), 1, "");
        let r = run(&[unit("x"), unit("x")], &cfg, |_| Ok(UnitOutput::default()));
        assert!(matches!(r, Err(RunError::DuplicateOutput(_))));
    }
}
