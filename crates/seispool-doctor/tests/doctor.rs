//! seispool-doctor against real hazards built here: a libgomp extension that hangs a forked child, a
//! module that crashes pool workers, an import that never finishes, and the oracle venv's numpy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use seispool_doctor::{
    DoctorError, DoctorOptions, Fix, Outcome, RemedyStatus, Report, Runtime, RuntimeKind, Safety, diagnose,
};
use seispool_testkit::{TempDir, oracle_script, python, run_python, tempdir};

/// Options for the oracle interpreter with `dir` on PYTHONPATH (also the marker for leftover processes).
fn options(dir: &Path, imports: &[&str], timeout_s: u64) -> DoctorOptions {
    let mut opts = DoctorOptions::new(python());
    opts.imports = imports.iter().map(|s| s.to_string()).collect();
    opts.timeout = Duration::from_secs(timeout_s);
    opts.extra_env = vec![("PYTHONPATH".into(), dir.display().to_string())];
    opts
}

/// Compiles tests/oracle/doctor_omp_hazard.c into `dir` with `gcc -fopenmp` against the oracle's headers.
fn build_omp_extension() -> TempDir {
    let dir = tempdir().unwrap();
    let out = run_python(
        "import sysconfig; print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))",
        &[],
    );
    let mut lines = out.lines();
    let (include, suffix) = (lines.next().unwrap(), lines.next().unwrap());
    assert!(Path::new(include).join("Python.h").exists(), "no Python.h in {include}");
    let target = dir.path().join(format!("doctor_omp_hazard{suffix}"));
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-fopenmp", "-O1", "-I", include])
        .arg(oracle_script("doctor_omp_hazard.c"))
        .arg("-o")
        .arg(&target)
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc failed building the libgomp test extension");
    dir
}

/// A temp dir holding a copy of the tests/oracle module `name`.py.
fn module_dir(name: &str) -> TempDir {
    let dir = tempdir().unwrap();
    std::fs::copy(
        oracle_script(&format!("{name}.py")),
        dir.path().join(format!("{name}.py")),
    )
    .unwrap();
    dir
}

/// Pids of live processes whose environment mentions `marker` (every child of a diagnosis carries it).
fn processes_with(marker: &Path) -> Vec<u32> {
    let marker = marker.display().to_string();
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            env.windows(marker.len()).any(|w| w == marker.as_bytes())
        })
        .collect()
}

fn runtime(report: &Report, kind: RuntimeKind) -> &Runtime {
    report
        .runtimes
        .iter()
        .find(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {report}"))
}

fn remedy_status(report: &Report, title: &str) -> RemedyStatus {
    let r = report.remedies.iter().find(|r| r.fix.title() == title);
    r.unwrap_or_else(|| panic!("no remedy {title} in {report}")).status
}

#[test]
fn libgomp_extension_hangs_forked_child_and_omp_num_threads_fixes_it() {
    let dir = build_omp_extension();
    let mut opts = options(dir.path(), &["doctor_omp_hazard"], 20);
    opts.probe = true;
    let start = Instant::now();
    let report = diagnose(&opts).unwrap();
    // Baseline hang plus the remedies run side by side: two timeouts, never more.
    assert!(start.elapsed() < Duration::from_secs(55), "took {:?}", start.elapsed());
    assert!(
        processes_with(dir.path()).is_empty(),
        "orphans left: {:?}",
        processes_with(dir.path())
    );

    let gomp = runtime(&report, RuntimeKind::GnuOpenMp);
    assert_eq!(gomp.fork_safety, Safety::Unsafe);
    assert_eq!(report.verdict.predicted, Safety::Unsafe);
    // The system libgomp belongs to no package: the extension that links it is named instead.
    assert_eq!(gomp.owner.as_deref(), Some("doctor_omp_hazard"), "{report}");
    assert_eq!(gomp.probe, Some(seispool_doctor::DriveOutcome::Hang), "{report}");
    let seispool = remedy_status(&report, "seispool.mp.Pool");
    let want = if report.interpreter.seispool {
        RemedyStatus::Verified
    } else {
        RemedyStatus::Unavailable
    };
    assert_eq!(seispool, want, "{report}");
    let probe = report.probe.as_ref().unwrap();
    assert_eq!(probe.outcome, Outcome::Hang, "{report}");
    assert_eq!(probe.start_method, "fork");
    assert!(
        probe
            .exercised
            .contains(&"doctor_omp_hazard._doctor_probe()".to_string()),
        "{probe:?}"
    );
    assert_eq!(probe.tasks_done, 0, "{probe:?}");
    assert_eq!(report.verdict.level, Safety::Unsafe);

    assert_eq!(
        remedy_status(&report, "OMP_NUM_THREADS=1"),
        RemedyStatus::Verified,
        "{report}"
    );
    assert_eq!(
        remedy_status(&report, "OPENBLAS_NUM_THREADS=1"),
        RemedyStatus::Failed,
        "{report}"
    );
    assert_eq!(
        remedy_status(&report, "start method forkserver"),
        RemedyStatus::Verified,
        "{report}"
    );
    let limits = remedy_status(&report, "threadpoolctl.threadpool_limits(1)");
    let want = if report.interpreter.threadpoolctl.is_some() {
        RemedyStatus::Verified
    } else {
        RemedyStatus::Unavailable
    };
    assert_eq!(limits, want, "{report}");
    let failed = report
        .remedies
        .iter()
        .find(|r| r.fix.title() == "OPENBLAS_NUM_THREADS=1")
        .unwrap();
    assert_eq!(failed.probe.as_ref().map(|p| p.outcome), Some(Outcome::Hang));

    let linked = report
        .vendored
        .iter()
        .find(|v| v.package == "doctor_omp_hazard")
        .expect("extension scanned");
    assert_eq!(linked.kind, RuntimeKind::GnuOpenMp);
    assert!(linked.linked_from.is_some() && linked.bundled.is_none());

    let text = report.to_string();
    let verdict = "VERDICT: UNSAFE — multiprocessing hangs here: fork after using GNU OpenMP (libgomp) from \
                   doctor_omp_hazard (probe: HANG); fix: OMP_NUM_THREADS=1, or ";
    assert!(text.starts_with(verdict), "{text}");
    assert!(text.contains("verified fixes: OMP_NUM_THREADS=1"), "{text}");

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"]["level"], "unsafe");
    assert_eq!(json["probe"]["outcome"], "hang");
    let remedies = json["remedies"].as_array().unwrap();
    let omp = remedies.iter().find(|r| r["fix"]["name"] == "OMP_NUM_THREADS").unwrap();
    assert_eq!(
        (&omp["fix"]["kind"], &omp["fix"]["value"], &omp["status"]),
        (&"env".into(), &"1".into(), &"verified".into())
    );
    let gomp_json = json["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "gnu_open_mp")
        .unwrap();
    assert_eq!(gomp_json["fork_safety"], "unsafe");
}

#[test]
fn libgomp_hazard_is_predicted_without_probe_and_remedies_left_untried() {
    let dir = build_omp_extension();
    let report = diagnose(&options(dir.path(), &["doctor_omp_hazard"], 30)).unwrap();
    assert!(report.probe.is_none());
    assert_eq!(report.verdict.level, Safety::Unsafe);
    assert_eq!(report.verdict.observed, None);
    assert!(
        report.verdict.summary.contains("GNU OpenMP (libgomp)"),
        "{}",
        report.verdict.summary
    );
    assert_eq!(remedy_status(&report, "OMP_NUM_THREADS=1"), RemedyStatus::NotRun);
    let import = report
        .interpreter
        .imports
        .iter()
        .find(|i| i.name == "doctor_omp_hazard")
        .unwrap();
    assert!(import.user && import.ok && import.has_probe);
}

#[test]
fn omp_num_threads_1_in_environment_makes_libgomp_safe() {
    let dir = build_omp_extension();
    let mut opts = options(dir.path(), &["doctor_omp_hazard"], 30);
    opts.extra_env.push(("OMP_NUM_THREADS".into(), "1".into()));
    let report = diagnose(&opts).unwrap();
    let gomp = runtime(&report, RuntimeKind::GnuOpenMp);
    assert_eq!(
        (gomp.num_threads, gomp.fork_safety),
        (Some(1), Safety::Safe),
        "{report}"
    );
    assert_eq!(
        report.interpreter.env.get("OMP_NUM_THREADS").map(String::as_str),
        Some("1")
    );
}

#[test]
fn venv_numpy_openblas_is_safe_and_probe_ok_with_the_wikis_obspy_detrend() {
    let dir = tempdir().unwrap();
    let mut opts = options(dir.path(), &["obspy"], 30);
    opts.probe = true;
    let report = diagnose(&opts).unwrap();
    assert!(processes_with(dir.path()).is_empty());

    // numpy's own account of its BLAS is the oracle for what the doctor read through ctypes.
    let oracle = run_python(
        "import numpy; b = numpy.show_config(mode='dicts')['Build Dependencies']['blas']; print(b['name']); print(b['version'])",
        &[],
    );
    let mut lines = oracle.lines();
    let (name, version) = (lines.next().unwrap(), lines.next().unwrap());
    assert_eq!(report.interpreter.numpy_blas.as_deref(), Some(name));
    let numpy_blas = report
        .runtimes
        .iter()
        .find(|r| r.package.as_deref() == Some("numpy"))
        .unwrap();
    assert_eq!(numpy_blas.kind, RuntimeKind::OpenBlas);
    assert_eq!(numpy_blas.version.as_deref(), Some(version));
    assert_eq!(numpy_blas.threading.as_deref(), Some("pthreads"));
    assert_eq!(numpy_blas.fork_safety, Safety::Safe);
    assert!(
        report.runtimes.iter().all(|r| r.fork_safety == Safety::Safe),
        "{report}"
    );

    let probe = report.probe.as_ref().unwrap();
    assert_eq!(probe.outcome, Outcome::Ok, "{report}");
    assert_eq!((probe.workers_started, probe.tasks_done), (2, probe.tasks_total));
    // Each BLAS library driven through its own dgemm, then the everyday calls.
    let (drives, calls) = probe.exercised.split_at(probe.exercised.len() - 3);
    assert_eq!(calls, ["numpy matmul", "scipy dgemm", "obspy detrend"]);
    for rt in &report.runtimes {
        let name = rt.path.file_name().unwrap().to_str().unwrap();
        assert!(
            drives.iter().any(|d| d.starts_with(name) && d.contains("dgemm")),
            "{name}: {drives:?}"
        );
        assert_eq!(rt.probe, Some(seispool_doctor::DriveOutcome::Ok), "{report}");
    }
    assert_eq!(report.verdict.level, Safety::Safe);
    assert!(report.remedies.is_empty(), "{report}");
    let numpy = report
        .vendored
        .iter()
        .find(|v| v.package == "numpy" && v.kind == RuntimeKind::OpenBlas)
        .unwrap();
    assert!(numpy.bundled.is_some() && numpy.linked_from.is_some(), "{numpy:?}");

    assert!(report.to_string().starts_with("VERDICT: SAFE"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        (&json["verdict"]["level"], &json["probe"]["outcome"]),
        (&"safe".into(), &"ok".into())
    );
    assert_eq!(json["interpreter"]["start_method"], "fork");
}

#[test]
fn openblas_num_threads_1_is_seen_as_one_thread() {
    let dir = tempdir().unwrap();
    let mut opts = options(dir.path(), &[], 30);
    opts.extra_env.push(("OPENBLAS_NUM_THREADS".into(), "1".into()));
    let report = diagnose(&opts).unwrap();
    let blas = runtime(&report, RuntimeKind::OpenBlas);
    assert_eq!(blas.num_threads, Some(1), "{report}");
    assert!(blas.reason.contains("1 thread"), "{}", blas.reason);
}

#[test]
fn worker_crash_is_classified_crash_and_no_remedy_claims_a_fix() {
    let dir = module_dir("doctor_crash_worker");
    let mut opts = options(dir.path(), &["doctor_crash_worker"], 20);
    opts.probe = true;
    let report = diagnose(&opts).unwrap();
    assert!(processes_with(dir.path()).is_empty(), "orphans left");
    // Seen as soon as the worker dies, not at the timeout: every run saw the dead worker itself.
    let runs = report
        .probe
        .iter()
        .chain(report.remedies.iter().filter_map(|r| r.probe.as_ref()));
    for run in runs {
        let detail = run.detail.as_deref().unwrap_or_default();
        assert!(detail.starts_with("a pool worker was killed by signal 11"), "{run:?}");
    }
    let probe = report.probe.as_ref().unwrap();
    assert_eq!(probe.outcome, Outcome::Crash, "{report}");
    let detail = probe.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("killed by signal 11 (Fatal Python error: Segmentation fault)"),
        "{probe:?}"
    );
    assert_eq!(report.verdict.level, Safety::Unsafe);
    let text = report.to_string();
    assert!(
        text.starts_with("VERDICT: UNSAFE — multiprocessing crashes here: no known-unsafe runtime"),
        "{text}"
    );
    assert!(text.contains("no remedy tried here fixed it"), "{text}");
    for r in &report.remedies {
        assert_ne!(r.status, RemedyStatus::Verified, "{report}");
    }
    let forkserver = report
        .remedies
        .iter()
        .find(|r| matches!(r.fix, Fix::StartMethod { .. }))
        .unwrap();
    assert_eq!(forkserver.probe.as_ref().map(|p| p.outcome), Some(Outcome::Crash));
}

#[test]
fn parent_hang_before_fork_is_not_blamed_on_fork() {
    let dir = module_dir("doctor_parent_hang");
    let mut opts = options(dir.path(), &["doctor_parent_hang"], 10);
    opts.probe = true;
    let report = diagnose(&opts).unwrap();
    assert!(processes_with(dir.path()).is_empty(), "orphans left");
    let probe = report.probe.as_ref().unwrap();
    assert_eq!(
        (probe.outcome, probe.stage.as_str()),
        (Outcome::Failed, "parent_start"),
        "{report}"
    );
    assert!(
        probe.detail.as_deref().unwrap_or_default().contains("before forking"),
        "{probe:?}"
    );
    assert_eq!(report.verdict.level, Safety::Unknown, "{report}");
    assert!(
        report.remedies.is_empty(),
        "no remedy runs without a fork problem: {report}"
    );
}

#[test]
fn hanging_import_times_out_and_leaves_no_process() {
    let dir = module_dir("doctor_slow_import");
    let start = Instant::now();
    let err = diagnose(&options(dir.path(), &["doctor_slow_import"], 2)).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(matches!(err, DoctorError::InspectTimeout { .. }), "{err}");
    assert!(err.to_string().contains("within 2 s"), "{err}");
    assert!(processes_with(dir.path()).is_empty(), "orphans left");
}

#[test]
fn failing_user_import_is_an_error_naming_the_module() {
    let dir = tempdir().unwrap();
    let err = diagnose(&options(dir.path(), &["doctor_no_such_module"], 30)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DoctorError::Import { .. }), "{msg}");
    assert!(
        msg.contains("import doctor_no_such_module failed: ModuleNotFoundError"),
        "{msg}"
    );
}

#[test]
fn missing_interpreter_is_a_spawn_error() {
    let err = diagnose(&DoctorOptions::new("/nonexistent/doctor/python3")).unwrap_err();
    assert!(matches!(err, DoctorError::Spawn { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("/nonexistent/doctor/python3: cannot run the interpreter"),
        "{err}"
    );
}

#[test]
fn fork_warning_matches_python_version() {
    // The venv's interpreter always; other installed CPythons (3.12+ warn) when present.
    let mut pythons = vec![python()];
    for v in ["3.12.1", "3.13.0"] {
        let p = PathBuf::from(format!("/root/.pyenv/versions/{v}/bin/python3"));
        if p.exists() {
            pythons.push(p);
        }
    }
    for p in pythons {
        let report = diagnose(&DoctorOptions::new(&p)).unwrap();
        let i = &report.interpreter;
        let minor: u32 = i.version.split('.').nth(1).unwrap().parse().unwrap();
        assert_eq!(
            i.fork_warns_with_threads,
            Some(minor >= 12),
            "{}: {}",
            p.display(),
            i.version
        );
        assert!(report.to_string().starts_with("VERDICT: "));
    }
}
