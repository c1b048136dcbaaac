//! Remedies that fit the runtimes found, each verified by re-running the probe with it applied.

use std::path::Path;

use serde::Serialize;

use crate::inspect::Interpreter;
use crate::probe::{self, Outcome, ProbeResult, Variant};
use crate::runtime::{Runtime, RuntimeKind, Safety};
use crate::{DoctorError, DoctorOptions};

/// A change that may avoid the hang.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// Set an environment variable before the interpreter starts.
    Env {
        /// Variable name.
        name: String,
        /// Value.
        value: String,
    },
    /// Use this `multiprocessing` start method (`multiprocessing.set_start_method(...)`).
    StartMethod {
        /// `forkserver` or `spawn`.
        method: String,
    },
    /// Wrap the pool's creation in `threadpoolctl.threadpool_limits(limits=N)`.
    ThreadpoolLimits {
        /// Thread limit.
        limit: u32,
    },
    /// Run it through seispool: `seispool.mp.Pool` forks only when the live process is fork-safe.
    SeispoolPool,
}

impl Fix {
    fn env(name: &str, value: &str) -> Fix {
        Fix::Env {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Short label: `OMP_NUM_THREADS=1`, `start method forkserver`, `threadpool_limits(1)`.
    pub fn title(&self) -> String {
        match self {
            Fix::Env { name, value } => format!("{name}={value}"),
            Fix::StartMethod { method } => format!("start method {method}"),
            Fix::ThreadpoolLimits { limit } => format!("threadpoolctl.threadpool_limits({limit})"),
            Fix::SeispoolPool => "seispool.mp.Pool".into(),
        }
    }

    fn variant(&self) -> Variant {
        match self {
            Fix::Env { name, value } => Variant {
                env: vec![(name.clone(), value.clone())],
                ..Variant::default()
            },
            Fix::StartMethod { method } => Variant {
                start_method: Some(method.clone()),
                ..Variant::default()
            },
            Fix::ThreadpoolLimits { limit } => Variant {
                threadpool_limit: Some(*limit),
                ..Variant::default()
            },
            Fix::SeispoolPool => Variant {
                seispool_pool: true,
                ..Variant::default()
            },
        }
    }
}

/// Whether a remedy was shown to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemedyStatus {
    /// The probe passed with it.
    Verified,
    /// The probe still hung, crashed or failed with it.
    Failed,
    /// Not tried (no probe, or the probe found no problem).
    NotRun,
    /// Cannot be tried here (e.g. threadpoolctl is not installed).
    Unavailable,
}

impl RemedyStatus {
    /// Label for the human report.
    pub fn label(self) -> &'static str {
        match self {
            RemedyStatus::Verified => "FIXES",
            RemedyStatus::Failed => "NO FIX",
            RemedyStatus::NotRun => "UNTRIED",
            RemedyStatus::Unavailable => "N/A",
        }
    }
}

/// A candidate fix, why it should help, and what the probe said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Remedy {
    /// The change.
    pub fix: Fix,
    /// One line: why it should (or, for the classic advice, might not) help.
    pub why: String,
    /// Verification status.
    pub status: RemedyStatus,
    /// The probe run with the fix applied.
    pub probe: Option<ProbeResult>,
}

impl Remedy {
    fn new(fix: Fix, why: impl Into<String>) -> Remedy {
        Remedy {
            fix,
            why: why.into(),
            status: RemedyStatus::NotRun,
            probe: None,
        }
    }
}

/// The remedies that fit `runtimes`, in the order worth trying.
pub(crate) fn candidates(interp: &Interpreter, runtimes: &[Runtime]) -> Vec<Remedy> {
    let mut out: Vec<Remedy> = Vec::new();
    let mut push = |r: Remedy| {
        if !out.iter().any(|o| o.fix == r.fix) {
            out.push(r);
        }
    };
    for rt in runtimes.iter().filter(|r| r.fork_safety != Safety::Safe) {
        push(governing_env(rt));
    }
    // The wiki's advice is checked wherever it might be taken: OpenBLAS is loaded, or something is at risk.
    if runtimes
        .iter()
        .any(|r| r.kind == RuntimeKind::OpenBlas || r.fork_safety != Safety::Safe)
    {
        push(Remedy::new(
            Fix::env("OPENBLAS_NUM_THREADS", "1"),
            "the ObsPy wiki's advice: makes OpenBLAS single-threaded, leaves other runtimes as they are",
        ));
    }
    if interp.start_method == "fork" && interp.platform != "win32" {
        push(Remedy::new(
            Fix::StartMethod {
                method: "forkserver".into(),
            },
            "workers fork from a clean server process that never started a thread pool",
        ));
        let mut seispool = Remedy::new(
            Fix::SeispoolPool,
            "run it through seispool: its Pool forks only when no unsafe runtime has live threads, else forkserver",
        );
        if !interp.seispool {
            seispool.status = RemedyStatus::Unavailable;
            seispool.why = "seispool is not installed in this interpreter (pip install seispool)".into();
        }
        push(seispool);
    }
    let mut limits = Remedy::new(
        Fix::ThreadpoolLimits { limit: 1 },
        "limits every BLAS/OpenMP pool to 1 thread at run time, so children have no pool to lose",
    );
    if interp.threadpoolctl.is_none() {
        limits.status = RemedyStatus::Unavailable;
        limits.why = "threadpoolctl is not installed (pip install threadpoolctl)".into();
    }
    push(limits);
    out
}

/// The environment variable that governs `rt`'s thread count.
fn governing_env(rt: &Runtime) -> Remedy {
    let name = rt.kind.name();
    let openmp_layer = rt.threading.as_deref() == Some("openmp");
    let (var, why) = match rt.kind {
        RuntimeKind::OpenBlas if !openmp_layer => ("OPENBLAS_NUM_THREADS", format!("governs {name}'s pthreads pool")),
        RuntimeKind::Mkl => (
            "MKL_NUM_THREADS",
            format!("governs {name}: one thread enters no parallel region"),
        ),
        RuntimeKind::Blis if !openmp_layer => ("BLIS_NUM_THREADS", format!("governs {name}'s threads")),
        RuntimeKind::Accelerate => ("VECLIB_MAXIMUM_THREADS", format!("governs {name}; may not be enough")),
        _ => (
            "OMP_NUM_THREADS",
            format!("governs {name}: a team of one thread needs no pool threads"),
        ),
    };
    Remedy::new(Fix::env(var, "1"), why)
}

/// Re-runs the probe once per untried remedy, all at once (a failing one costs a whole timeout).
pub(crate) fn verify(opts: &DoctorOptions, script: &Path, remedies: &mut [Remedy]) -> Result<(), DoctorError> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = remedies
            .iter_mut()
            .filter(|r| r.status == RemedyStatus::NotRun)
            .map(|r| {
                let variant = r.fix.variant();
                (r, scope.spawn(move || probe::run(opts, script, &variant)))
            })
            .collect();
        for (remedy, run) in runs {
            let result = run.join().map_err(|_| DoctorError::ProbeThread)??;
            remedy.status = if result.outcome == Outcome::Ok {
                RemedyStatus::Verified
            } else {
                RemedyStatus::Failed
            };
            remedy.probe = Some(result);
        }
        Ok(())
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(crate) fn interpreter(start_method: &str, threadpoolctl: Option<&str>) -> Interpreter {
        Interpreter {
            python: PathBuf::from("python3"),
            executable: PathBuf::from("/usr/bin/python3"),
            implementation: "CPython".into(),
            version: "3.11.7".into(),
            platform: "linux".into(),
            start_method: start_method.into(),
            fork_warns_with_threads: Some(false),
            cpu_count: Some(2),
            env: Default::default(),
            numpy_blas: None,
            threadpoolctl: threadpoolctl.map(str::to_string),
            seispool: false,
            imports: Vec::new(),
        }
    }

    pub(crate) fn rt(kind: RuntimeKind, threading: Option<&str>, fork_safety: Safety) -> Runtime {
        Runtime {
            kind,
            path: PathBuf::from("/lib/x.so"),
            package: None,
            owner: None,
            probe: None,
            remedies: Vec::new(),
            version: None,
            threading: threading.map(str::to_string),
            num_threads: Some(4),
            fork_safety,
            reason: String::new(),
        }
    }

    fn titles(remedies: &[Remedy]) -> Vec<String> {
        remedies.iter().map(|r| r.fix.title()).collect()
    }

    #[test]
    fn mkl_on_libgomp_gets_both_thread_variables() {
        let rts = [
            rt(RuntimeKind::Mkl, Some("gnu"), Safety::Unsafe),
            rt(RuntimeKind::GnuOpenMp, None, Safety::Unsafe),
        ];
        let r = candidates(&interpreter("fork", None), &rts);
        let want = [
            "MKL_NUM_THREADS=1",
            "OMP_NUM_THREADS=1",
            "OPENBLAS_NUM_THREADS=1",
            "start method forkserver",
            "seispool.mp.Pool",
            "threadpoolctl.threadpool_limits(1)",
        ];
        assert_eq!(titles(&r), want);
        assert_eq!(r[4].status, RemedyStatus::Unavailable);
        assert_eq!(r[5].status, RemedyStatus::Unavailable);
        assert!(r[..4].iter().all(|x| x.status == RemedyStatus::NotRun));
    }

    #[test]
    fn openblas_gets_the_wiki_advice_once_and_no_forkserver_without_fork() {
        let rts = [
            rt(RuntimeKind::OpenBlas, Some("pthreads"), Safety::Unsafe),
            rt(RuntimeKind::OpenBlas, Some("openmp"), Safety::Unsafe),
            rt(RuntimeKind::Accelerate, None, Safety::Unsafe),
        ];
        let r = candidates(&interpreter("spawn", Some("3.5.0")), &rts);
        let want = [
            "OPENBLAS_NUM_THREADS=1",
            "OMP_NUM_THREADS=1",
            "VECLIB_MAXIMUM_THREADS=1",
            "threadpoolctl.threadpool_limits(1)",
        ];
        assert_eq!(titles(&r), want);
        assert_eq!(r[3].status, RemedyStatus::NotRun);
    }
}
