//! Thread runtimes: recognising them by library name, and whether a `fork()` after using them is safe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::drive::DriveOutcome;
use crate::probe::Outcome;

/// A BLAS library or OpenMP runtime that may keep a thread pool alive across `fork()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeKind {
    /// OpenBLAS (including the `scipy_openblas` wheels).
    OpenBlas,
    /// Intel oneMKL.
    Mkl,
    /// BLIS.
    Blis,
    /// Apple Accelerate / vecLib.
    Accelerate,
    /// GNU OpenMP, `libgomp`.
    GnuOpenMp,
    /// Intel OpenMP, `libiomp5`.
    IntelOpenMp,
    /// LLVM OpenMP, `libomp`.
    LlvmOpenMp,
}

impl RuntimeKind {
    /// The runtime a shared library file name belongs to, if any.
    pub fn from_library_name(file_name: &str) -> Option<RuntimeKind> {
        let name = file_name.to_ascii_lowercase();
        let kind = if name.contains("openblas") {
            RuntimeKind::OpenBlas
        } else if name.starts_with("libmkl_") {
            RuntimeKind::Mkl
        } else if name.starts_with("libblis") {
            RuntimeKind::Blis
        } else if name.contains("accelerate") || name.contains("veclib") {
            RuntimeKind::Accelerate
        } else if name.starts_with("libgomp") {
            RuntimeKind::GnuOpenMp
        } else if name.starts_with("libiomp") {
            RuntimeKind::IntelOpenMp
        } else if name.starts_with("libomp.") || name.starts_with("libomp-") {
            RuntimeKind::LlvmOpenMp
        } else {
            return None;
        };
        Some(kind)
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::OpenBlas => "OpenBLAS",
            RuntimeKind::Mkl => "MKL",
            RuntimeKind::Blis => "BLIS",
            RuntimeKind::Accelerate => "Accelerate",
            RuntimeKind::GnuOpenMp => "GNU OpenMP (libgomp)",
            RuntimeKind::IntelOpenMp => "Intel OpenMP (libiomp5)",
            RuntimeKind::LlvmOpenMp => "LLVM OpenMP (libomp)",
        }
    }

    fn is_openmp(self) -> bool {
        matches!(
            self,
            RuntimeKind::GnuOpenMp | RuntimeKind::IntelOpenMp | RuntimeKind::LlvmOpenMp
        )
    }
}

/// Whether a child forked after the parent used a runtime can use it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Fork after use is known to work.
    Safe,
    /// Fork handlers exist; works in practice but is not guaranteed.
    Caution,
    /// Not enough facts to tell.
    Unknown,
    /// The child can hang or crash.
    Unsafe,
}

impl Safety {
    /// Upper-case label for the human report.
    pub fn label(self) -> &'static str {
        match self {
            Safety::Safe => "SAFE",
            Safety::Caution => "CAUTION",
            Safety::Unknown => "UNKNOWN",
            Safety::Unsafe => "UNSAFE",
        }
    }
}

/// A thread runtime loaded in the interpreter after the imports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runtime {
    /// Which runtime.
    pub kind: RuntimeKind,
    /// The loaded library.
    pub path: PathBuf,
    /// The site-packages entry that ships it (`numpy.libs` → `numpy`), when it comes from one.
    pub package: Option<String>,
    /// Who brought it: the installed distribution whose RECORD lists it (a wheel's vendored copy), else
    /// the imported package whose extension links it (a system library), else `package`.
    pub owner: Option<String>,
    /// How driving it through its own entry points went in the probe, when the probe ran.
    pub probe: Option<DriveOutcome>,
    /// Each remedy tried, and how driving this runtime went with it applied.
    pub remedies: Vec<RuntimeRemedy>,
    /// Version the library reports (OpenBLAS, MKL, BLIS).
    pub version: Option<String>,
    /// Threading layer: `pthreads`, `openmp`, `sequential`, `gnu`, `intel`, `tbb`.
    pub threading: Option<String>,
    /// Threads the runtime would use now.
    pub num_threads: Option<i64>,
    /// Fork-after-use verdict.
    pub fork_safety: Safety,
    /// One line: why that verdict.
    pub reason: String,
}

/// One remedy as seen by one runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeRemedy {
    /// The remedy's title (`OMP_NUM_THREADS=1`, `start method forkserver`, …).
    pub fix: String,
    /// How the whole probe ended with it.
    pub probe: Outcome,
    /// How driving this runtime went with it; None when that run never loaded it.
    pub outcome: Option<DriveOutcome>,
}

/// What the inspection script learned about one library through ctypes.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct LibraryFacts {
    openblas_config: Option<String>,
    openblas_parallel: Option<i64>,
    openblas_num_threads: Option<i64>,
    omp_max_threads: Option<i64>,
    mkl_max_threads: Option<i64>,
    mkl_version: Option<String>,
    mkl_threading_layer: Option<i64>,
    blis_num_threads: Option<i64>,
    blis_version: Option<String>,
    blis_openmp: Option<i64>,
    blis_pthreads: Option<i64>,
    tpc_version: Option<String>,
    tpc_threading_layer: Option<String>,
    tpc_num_threads: Option<i64>,
}

/// Versions from 0.2.9 on register `pthread_atfork` handlers for the pthreads pool (OpenBLAS PR #343).
const OPENBLAS_FORK_SAFE: (u32, u32, u32) = (0, 2, 9);

/// The runtimes among `libraries`, one per library (MKL's many parts folded into one), with verdicts.
pub(crate) fn classify(libraries: &[PathBuf], facts: &BTreeMap<PathBuf, LibraryFacts>) -> Vec<Runtime> {
    let mut found: Vec<(RuntimeKind, &PathBuf)> = Vec::new();
    for path in libraries {
        let Some(kind) = file_name(path).and_then(RuntimeKind::from_library_name) else {
            continue;
        };
        if kind == RuntimeKind::Mkl && found.iter().any(|(k, _)| *k == RuntimeKind::Mkl) {
            continue;
        }
        found.push((kind, mkl_representative(kind, path, libraries)));
    }
    let openmp: Vec<RuntimeKind> = found.iter().map(|(k, _)| *k).filter(|k| k.is_openmp()).collect();
    let mut runtimes: Vec<Runtime> = found
        .into_iter()
        .map(|(kind, path)| {
            let f = facts.get(path).cloned().unwrap_or_default();
            describe(kind, path, &f, libraries, &openmp)
        })
        .collect();
    runtimes.sort_by(|a, b| b.fork_safety.cmp(&a.fork_safety).then(a.kind.cmp(&b.kind)));
    runtimes
}

/// MKL's facts live in `libmkl_rt` (or `libmkl_core`); prefer those over the interface libraries.
fn mkl_representative<'a>(kind: RuntimeKind, path: &'a PathBuf, libraries: &'a [PathBuf]) -> &'a PathBuf {
    if kind != RuntimeKind::Mkl {
        return path;
    }
    ["libmkl_rt", "libmkl_core"]
        .iter()
        .find_map(|want| {
            libraries
                .iter()
                .find(|p| file_name(p).is_some_and(|n| n.starts_with(want)))
        })
        .unwrap_or(path)
}

/// The file name of `path` as UTF-8.
pub(crate) fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

fn describe(kind: RuntimeKind, path: &Path, f: &LibraryFacts, libs: &[PathBuf], openmp: &[RuntimeKind]) -> Runtime {
    let (version, threading, num_threads) = match kind {
        RuntimeKind::OpenBlas => (
            f.openblas_config.as_deref().and_then(openblas_version),
            f.openblas_parallel.map(|p| openblas_layer(p).to_string()),
            f.openblas_num_threads,
        ),
        RuntimeKind::Mkl => (f.mkl_version.clone(), mkl_layer(f, libs), f.mkl_max_threads),
        RuntimeKind::Blis => (f.blis_version.clone(), blis_layer(f), f.blis_num_threads),
        _ => (None, None, f.omp_max_threads),
    };
    // threadpoolctl fills what ctypes could not read.
    let version = version.or_else(|| f.tpc_version.clone());
    let threading = threading.or_else(|| f.tpc_threading_layer.clone());
    let num_threads = num_threads.or(f.tpc_num_threads);
    let (fork_safety, reason) = verdict(kind, version.as_deref(), threading.as_deref(), num_threads, openmp);
    Runtime {
        kind,
        path: path.to_path_buf(),
        package: package_of(path),
        owner: None,
        probe: None,
        remedies: Vec::new(),
        version,
        threading,
        num_threads,
        fork_safety,
        reason,
    }
}

/// `numpy.libs/…` → `numpy`; `sklearn/.dylibs/…` → `sklearn`; anything outside site-packages → None.
pub(crate) fn package_of(path: &Path) -> Option<String> {
    let mut parts = path.iter().map(|p| p.to_string_lossy());
    parts.position(|p| p == "site-packages" || p == "dist-packages")?;
    let top = parts.next()?;
    let top = top.strip_suffix(".libs").unwrap_or(&top);
    Some(top.split('.').next().unwrap_or(top).to_string())
}

/// "OpenBLAS 0.3.31.188.0  USE64BITINT …" → "0.3.31.188.0".
fn openblas_version(config: &str) -> Option<String> {
    let mut words = config.split_whitespace();
    words.find(|w| w.eq_ignore_ascii_case("openblas"))?;
    words.next().map(str::to_string)
}

fn openblas_layer(parallel: i64) -> &'static str {
    match parallel {
        0 => "sequential",
        1 => "pthreads",
        2 => "openmp",
        _ => "unknown",
    }
}

fn mkl_layer(f: &LibraryFacts, libs: &[PathBuf]) -> Option<String> {
    let by_call = match f.mkl_threading_layer {
        Some(0) => Some("intel"),
        Some(1) => Some("sequential"),
        Some(3) => Some("gnu"),
        Some(4) => Some("tbb"),
        _ => None,
    };
    let by_library = || {
        let loaded = |stem: &str| libs.iter().any(|p| file_name(p).is_some_and(|n| n.starts_with(stem)));
        [
            ("libmkl_gnu_thread", "gnu"),
            ("libmkl_intel_thread", "intel"),
            ("libmkl_sequential", "sequential"),
        ]
        .into_iter()
        .chain([("libmkl_tbb_thread", "tbb")])
        .find(|(stem, _)| loaded(stem))
        .map(|(_, layer)| layer)
    };
    by_call.or_else(by_library).map(str::to_string)
}

fn blis_layer(f: &LibraryFacts) -> Option<String> {
    match (f.blis_openmp, f.blis_pthreads) {
        (Some(1), _) => Some("openmp".into()),
        (_, Some(1)) => Some("pthreads".into()),
        (Some(0), Some(0)) => Some("sequential".into()),
        _ => None,
    }
}

/// Parses the leading `major.minor.patch` of a version string.
fn version_triple(v: &str) -> Option<(u32, u32, u32)> {
    let mut it = v
        .split('.')
        .map(|p| p.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
}

fn verdict(
    kind: RuntimeKind,
    version: Option<&str>,
    threading: Option<&str>,
    threads: Option<i64>,
    openmp: &[RuntimeKind],
) -> (Safety, String) {
    if threads == Some(1) {
        return (
            Safety::Safe,
            "limited to 1 thread: there is no pool for a child to lose".into(),
        );
    }
    match (kind, threading) {
        (RuntimeKind::OpenBlas, Some("pthreads")) => match version.and_then(version_triple) {
            Some(v) if v >= OPENBLAS_FORK_SAFE => (
                Safety::Safe,
                "pthreads pool with pthread_atfork handlers (OpenBLAS >= 0.2.9): shut down before fork, rebuilt after"
                    .into(),
            ),
            Some(_) => (
                Safety::Unsafe,
                "pthreads pool without fork handlers (OpenBLAS < 0.2.9): the child waits on threads fork did not copy"
                    .into(),
            ),
            None => (Safety::Unknown, "pthreads pool of unknown version (fork handlers exist since 0.2.9)".into()),
        },
        (RuntimeKind::OpenBlas | RuntimeKind::Blis, Some("openmp")) => openmp_verdict_for(kind, openmp),
        (RuntimeKind::OpenBlas | RuntimeKind::Blis | RuntimeKind::Mkl, Some("sequential")) => {
            (Safety::Safe, "single-threaded build: no thread pool".into())
        }
        (RuntimeKind::Blis, Some("pthreads")) => {
            (Safety::Caution, "pthreads mode starts and joins its threads per call; no persistent pool".into())
        }
        (RuntimeKind::Mkl, Some("gnu")) => {
            (Safety::Unsafe, "GNU threading layer runs on libgomp, which has no fork handler".into())
        }
        (RuntimeKind::Mkl, Some("intel")) => {
            (Safety::Caution, "Intel threading layer runs on libiomp5, which resets itself in the child".into())
        }
        (RuntimeKind::Accelerate, _) => (
            Safety::Unsafe,
            "Grand Central Dispatch queues are not fork-safe; no thread setting fully avoids it".into(),
        ),
        (RuntimeKind::GnuOpenMp, _) => (
            Safety::Unsafe,
            "no fork handler: the child's first parallel region waits for pool threads fork did not copy (GCC bug 60035)"
                .into(),
        ),
        (RuntimeKind::IntelOpenMp | RuntimeKind::LlvmOpenMp, _) => (
            Safety::Caution,
            "registers pthread_atfork handlers that reinitialise the runtime in the child".into(),
        ),
        (_, layer) => (Safety::Unknown, format!("threading layer {} not recognised", layer.unwrap_or("unknown"))),
    }
}

/// A BLAS built on OpenMP is as fork-safe as the OpenMP runtime it loaded.
fn openmp_verdict_for(kind: RuntimeKind, openmp: &[RuntimeKind]) -> (Safety, String) {
    let blas = kind.name();
    if openmp.contains(&RuntimeKind::GnuOpenMp) {
        (
            Safety::Unsafe,
            format!("{blas} built with OpenMP on libgomp, which has no fork handler"),
        )
    } else if let Some(rt) = openmp.first() {
        (
            Safety::Caution,
            format!("{blas} built with OpenMP on {}, which has fork handlers", rt.name()),
        )
    } else {
        (
            Safety::Unknown,
            format!("{blas} built with OpenMP, but no OpenMP runtime was found loaded"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_names_are_recognised() {
        let cases = [
            ("libscipy_openblas64_-32a4b2a6.so", Some(RuntimeKind::OpenBlas)),
            ("libopenblasp-r0.2.18.so", Some(RuntimeKind::OpenBlas)),
            ("libgomp-a34b3233.so.1.0.0", Some(RuntimeKind::GnuOpenMp)),
            ("libgomp.so.1", Some(RuntimeKind::GnuOpenMp)),
            ("libiomp5.so", Some(RuntimeKind::IntelOpenMp)),
            ("libomp.so.5", Some(RuntimeKind::LlvmOpenMp)),
            ("libomp.dylib", Some(RuntimeKind::LlvmOpenMp)),
            ("libmkl_rt.so.2", Some(RuntimeKind::Mkl)),
            ("libblis.so.4", Some(RuntimeKind::Blis)),
            ("libgfortran-040039e1-0352e75f.so.5.0.0", None),
            ("libompitrace.so", None),
        ];
        for (name, want) in cases {
            assert_eq!(RuntimeKind::from_library_name(name), want, "{name}");
        }
    }

    #[test]
    fn openblas_versions_before_0_2_9_are_unsafe() {
        let v = |s| verdict(RuntimeKind::OpenBlas, Some(s), Some("pthreads"), Some(4), &[]).0;
        assert_eq!(v("0.2.8"), Safety::Unsafe);
        assert_eq!(v("0.2.9"), Safety::Safe);
        assert_eq!(v("0.3.31.188.0"), Safety::Safe);
        assert_eq!(
            openblas_version("OpenBLAS 0.3.30 DYNAMIC_ARCH").as_deref(),
            Some("0.3.30")
        );
    }

    /// Classifies `libs` with ctypes facts given as JSON per library file name.
    fn classify_with(libs: &[&str], facts: serde_json::Value) -> Vec<Runtime> {
        let libs: Vec<PathBuf> = libs.iter().map(|l| PathBuf::from(format!("/env/lib/{l}"))).collect();
        let facts = libs
            .iter()
            .filter_map(|p| {
                let f = facts.get(file_name(p)?)?;
                Some((p.clone(), serde_json::from_value(f.clone()).ok()?))
            })
            .collect();
        classify(&libs, &facts)
    }

    fn safety_of(runtimes: &[Runtime], kind: RuntimeKind) -> Option<Safety> {
        runtimes.iter().find(|r| r.kind == kind).map(|r| r.fork_safety)
    }

    #[test]
    fn openblas_with_openmp_is_as_safe_as_its_openmp_runtime() {
        let facts = serde_json::json!({"libopenblas.so.0": {"openblas_parallel": 2, "openblas_num_threads": 4}});
        let on_gomp = classify_with(&["libopenblas.so.0", "libgomp.so.1"], facts.clone());
        assert_eq!(safety_of(&on_gomp, RuntimeKind::OpenBlas), Some(Safety::Unsafe));
        assert_eq!(on_gomp[0].fork_safety, Safety::Unsafe, "most hazardous first");
        let on_llvm = classify_with(&["libopenblas.so.0", "libomp.so.5"], facts.clone());
        assert_eq!(safety_of(&on_llvm, RuntimeKind::OpenBlas), Some(Safety::Caution));
        assert_eq!(safety_of(&on_llvm, RuntimeKind::LlvmOpenMp), Some(Safety::Caution));
        let alone = classify_with(&["libopenblas.so.0"], facts);
        assert_eq!(safety_of(&alone, RuntimeKind::OpenBlas), Some(Safety::Unknown));
    }

    #[test]
    fn mkl_parts_fold_into_one_runtime_with_its_threading_layer() {
        let libs = [
            "libmkl_intel_lp64.so.2",
            "libmkl_gnu_thread.so.2",
            "libmkl_core.so.2",
            "libgomp.so.1",
        ];
        let by_library = classify_with(&libs, serde_json::json!({}));
        assert_eq!(by_library.iter().filter(|r| r.kind == RuntimeKind::Mkl).count(), 1);
        let mkl = by_library.iter().find(|r| r.kind == RuntimeKind::Mkl);
        assert_eq!(
            mkl.map(|r| (r.threading.as_deref(), r.fork_safety)),
            Some((Some("gnu"), Safety::Unsafe))
        );
        assert!(mkl.is_some_and(|r| r.path.ends_with("libmkl_core.so.2")));
        let by_call = classify_with(
            &["libmkl_rt.so.2"],
            serde_json::json!({"libmkl_rt.so.2": {"mkl_threading_layer": 0}}),
        );
        assert_eq!(safety_of(&by_call, RuntimeKind::Mkl), Some(Safety::Caution));
        let seq = classify_with(
            &["libmkl_rt.so.2"],
            serde_json::json!({"libmkl_rt.so.2": {"mkl_threading_layer": 1}}),
        );
        assert_eq!(safety_of(&seq, RuntimeKind::Mkl), Some(Safety::Safe));
    }

    #[test]
    fn accelerate_blis_and_intel_openmp_verdicts() {
        let rts = classify_with(
            &["libBLAS.dylib-Accelerate", "libblis.so.4", "libiomp5.so"],
            serde_json::json!({"libblis.so.4": {"blis_pthreads": 1, "blis_openmp": 0, "blis_num_threads": 2}}),
        );
        assert_eq!(safety_of(&rts, RuntimeKind::Accelerate), Some(Safety::Unsafe));
        assert_eq!(safety_of(&rts, RuntimeKind::Blis), Some(Safety::Caution));
        assert_eq!(safety_of(&rts, RuntimeKind::IntelOpenMp), Some(Safety::Caution));
    }

    #[test]
    fn threadpoolctl_fills_what_ctypes_missed() {
        let facts = serde_json::json!({"libopenblas.so.0": {"tpc_version": "0.3.21", "tpc_threading_layer": "pthreads", "tpc_num_threads": 8}});
        let rts = classify_with(&["libopenblas.so.0"], facts);
        let r = &rts[0];
        assert_eq!(
            (r.version.as_deref(), r.threading.as_deref(), r.num_threads),
            (Some("0.3.21"), Some("pthreads"), Some(8))
        );
        assert_eq!(r.fork_safety, Safety::Safe);
    }

    #[test]
    fn package_of_site_packages_paths() {
        let p = |s: &str| package_of(Path::new(s));
        assert_eq!(
            p("/v/lib/python3.11/site-packages/numpy.libs/libx.so").as_deref(),
            Some("numpy")
        );
        assert_eq!(
            p("/v/lib/python3.11/site-packages/sklearn/.dylibs/libomp.dylib").as_deref(),
            Some("sklearn")
        );
        assert_eq!(
            p("/v/site-packages/_cffi_backend.cpython-311-x86_64-linux-gnu.so").as_deref(),
            Some("_cffi_backend")
        );
        assert_eq!(p("/usr/lib/x86_64-linux-gnu/libgomp.so.1"), None);
    }
}
