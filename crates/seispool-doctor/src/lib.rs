//! `seispool doctor`: diagnoses, demonstrates and fixes the deadlock of `multiprocessing` with the fork
//! start method after the parent used a BLAS or OpenMP thread pool (the ObsPy wiki's "Notes on Parallel
//! Processing"). Every child interpreter runs in its own process group under a hard timeout.

use std::path::PathBuf;
use std::time::Duration;

mod child;
mod drive;
pub mod elf;
mod inspect;
mod probe;
mod remedy;
mod report;
mod runtime;
mod vendored;

pub use drive::{DriveOutcome, RuntimeDrive};
pub use inspect::{Import, Interpreter};
pub use probe::{Outcome, ProbeResult};
pub use remedy::{Fix, Remedy, RemedyStatus};
pub use report::{Report, Verdict};
pub use runtime::{Runtime, RuntimeKind, Safety};
pub use vendored::VendoredRuntime;

/// What to diagnose and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorOptions {
    /// The interpreter to diagnose.
    pub python: PathBuf,
    /// Modules to import besides numpy and scipy (`--import MOD`); a callable `_doctor_probe` is run by the probe.
    pub imports: Vec<String>,
    /// Run the fork experiment (and, when it fails, verify the remedies).
    pub probe: bool,
    /// Hard limit for each child interpreter.
    pub timeout: Duration,
    /// Environment added to every child interpreter.
    pub extra_env: Vec<(String, String)>,
    /// Verify the remedies with the probe even when the probe passed.
    pub verify_remedies: bool,
}

impl DoctorOptions {
    /// Options for `python` with defaults: no extra imports, no probe, 30 s timeout.
    pub fn new(python: impl Into<PathBuf>) -> DoctorOptions {
        DoctorOptions {
            python: python.into(),
            imports: Vec::new(),
            probe: false,
            timeout: Duration::from_secs(30),
            extra_env: Vec::new(),
            verify_remedies: false,
        }
    }

    /// Sets the per-child timeout from seconds; the error is the problem without the option's name (each
    /// front end names it: `--timeout`, `timeout`).
    pub fn timeout_seconds(mut self, seconds: f64) -> Result<DoctorOptions, String> {
        if !(seconds.is_finite() && seconds > 0.0) || Duration::try_from_secs_f64(seconds).is_err() {
            return Err("must be a positive number of seconds".into());
        }
        self.timeout = Duration::from_secs_f64(seconds);
        Ok(self)
    }
}

/// Why the diagnosis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// The interpreter could not be started.
    #[error("{}: cannot run the interpreter: {source}", python.display())]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The inspection did not finish in time (an import may hang).
    #[error("{}: inspection did not finish within {:.0} s (an import may hang)", python.display(), timeout.as_secs_f64())]
    InspectTimeout {
        /// The interpreter.
        python: PathBuf,
        /// The limit.
        timeout: Duration,
    },
    /// The inspection script failed.
    #[error("{}: inspection failed ({how}): {stderr}", python.display())]
    InspectFailed {
        /// The interpreter.
        python: PathBuf,
        /// Exit code or signal.
        how: String,
        /// Last line of its error output.
        stderr: String,
    },
    /// The inspection printed something that is not its JSON.
    #[error("{}: inspection output is not the expected json: {what}", python.display())]
    BadInspection {
        /// The interpreter.
        python: PathBuf,
        /// The parse error.
        what: String,
    },
    /// A module given with `--import` failed to import.
    #[error("{}: import {module} failed: {error}", python.display())]
    Import {
        /// The interpreter.
        python: PathBuf,
        /// The module.
        module: String,
        /// The Python exception.
        error: String,
    },
    /// The probe script could not be written to a temp folder.
    #[error("{}: cannot write the probe script: {source}", path.display())]
    Script {
        /// Where.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A thread running a probe panicked.
    #[error("probe thread panicked")]
    ProbeThread,
}

/// Inspects `opts.python`, classifies its thread runtimes and, with `opts.probe`, runs the fork experiment
/// and verifies the fitting remedies when it fails.
pub fn diagnose(opts: &DoctorOptions) -> Result<Report, DoctorError> {
    let insp = inspect::inspect(opts)?;
    let mut runtimes = runtime::classify(&insp.libraries, &insp.facts);
    let modules: Vec<(String, PathBuf)> = insp
        .interpreter
        .imports
        .iter()
        .filter(|m| m.user)
        .filter_map(|m| Some((m.name.clone(), m.file.clone()?)))
        .collect();
    let vendored = vendored::scan(&insp.site_packages, &modules);
    let predicted = runtimes.iter().map(|r| r.fork_safety).max().unwrap_or(Safety::Safe);
    let mut remedies = remedy::candidates(&insp.interpreter, &runtimes);
    let probe = if opts.probe {
        let script = ProbeScript::write()?;
        let result = probe::run(opts, &script.path, &probe::Variant::default())?;
        if result.outcome.is_problem() || opts.verify_remedies {
            remedy::verify(opts, &script.path, &mut remedies)?;
        }
        Some(result)
    } else {
        None
    };
    let problem = probe.as_ref().is_some_and(|p| p.outcome.is_problem());
    if predicted == Safety::Safe && !problem && !opts.verify_remedies {
        remedies.clear(); // nothing to fix
    }
    if let Some(p) = &probe {
        // A runtime loaded only while the probe worked (a lazy dlopen) still counts.
        let late: Vec<PathBuf> = p
            .runtimes
            .iter()
            .map(|d| d.path.clone())
            .filter(|path| !runtimes.iter().any(|r| &r.path == path))
            .collect();
        runtimes.extend(runtime::classify(&late, &Default::default()));
    }
    drive::annotate(&mut runtimes, &insp.owners, &vendored, probe.as_ref(), &remedies);
    runtimes.sort_by(|a, b| b.fork_safety.cmp(&a.fork_safety).then(a.kind.cmp(&b.kind)));
    let verdict = report::decide(&insp.interpreter, &runtimes, probe.as_ref(), &remedies);
    Ok(Report {
        interpreter: insp.interpreter,
        runtimes,
        vendored,
        verdict,
        probe,
        remedies,
    })
}

/// The probe script in a private temp folder (spawn and forkserver workers re-import it by path);
/// removed on drop.
struct ProbeScript {
    dir: PathBuf,
    path: PathBuf,
}

impl ProbeScript {
    fn write() -> Result<ProbeScript, DoctorError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("seispool-doctor-{}-{}", std::process::id(), nanos.as_nanos()));
        let path = dir.join("seispool_doctor_probe.py");
        let err = |source| DoctorError::Script {
            path: path.clone(),
            source,
        };
        std::fs::create_dir(&dir).map_err(err)?;
        let script = ProbeScript {
            dir,
            path: path.clone(),
        };
        std::fs::write(&path, probe::SCRIPT).map_err(err)?;
        let drive = script.dir.join("seispool_doctor_drive.py");
        std::fs::write(&drive, probe::DRIVE_SCRIPT).map_err(|source| DoctorError::Script { path: drive, source })?;
        Ok(script)
    }
}

impl Drop for ProbeScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
