//! seispool-doctor against real PyPI wheels in throwaway venvs: two unrelated packages that vendor GNU
//! libgomp and use it from compiled code (pykdtree's kd-tree query, finufft's non-uniform FFT), and a
//! numpy/OpenBLAS-only environment. For each libgomp package the ground truth comes first — a plain
//! `multiprocessing.Pool` after one use in the parent hangs, `seispool.mp.Pool` picks forkserver and
//! finishes — then the doctor must see the same hang by driving the runtimes it finds mapped, without
//! knowing the package, and verify the remedies.
//!
//! The venvs live under `CARGO_TARGET_TMPDIR/doctor-venvs/` and pip uses its usual cache, so reruns are quick.
//! When the package index cannot be reached the tests say so and skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{ThrowawayVenv, run_limited, seispool_fork_layer};
use seispool_doctor::{DoctorOptions, DriveOutcome, Outcome, RemedyStatus, Report, RuntimeKind, Safety, diagnose};

const GOMP_PACKAGES: &[&str] = &[
    "numpy==2.4.6",
    "pykdtree==1.4.3",
    "finufft==2.5.1",
    "threadpoolctl==3.8.0",
    "intel-openmp==2021.4.0",
];
/// Probe timeout: long enough for a healthy forkserver probe on a loaded 2-core machine. A hang costs
/// less: the doctor stops a probe once a worker sits in a runtime call 10 s longer than the parent did.
const TIMEOUT_S: u64 = 30;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn real_use() -> PathBuf {
    data_dir().join("real_use.py")
}

/// Runs tests/data/real_use.py; None when it was still running after `secs` (its process group is killed).
fn ground_truth(venv: &Path, pythonpath: &Path, package: &str, pool: &str, secs: u64) -> Option<String> {
    let mut cmd = Command::new(venv.join("bin/python"));
    cmd.arg(real_use()).args([package, pool]).env("PYTHONPATH", pythonpath);
    let (finished, stdout) = run_limited(cmd, Duration::from_secs(secs));
    finished.then_some(stdout)
}

fn remedy(report: &Report, title: &str) -> RemedyStatus {
    let r = report.remedies.iter().find(|r| r.fix.title() == title);
    r.unwrap_or_else(|| panic!("no remedy {title} in {report}")).status
}

/// The whole check for one package that vendors libgomp: ground truth, then the doctor's probe.
fn vendored_libgomp_case(package: &str, import: &str) {
    let Some(venv) = ThrowawayVenv::get("gomp", GOMP_PACKAGES) else {
        return;
    };
    let fork_layer = seispool_fork_layer();

    // Ground truth, run beside the doctor. A hang needs no long wait: the healthy run takes about a second.
    let truth = std::thread::spawn({
        let (venv, layer) = (venv.dir().to_path_buf(), fork_layer.path().to_path_buf());
        let package = package.to_string();
        move || {
            let plain = ground_truth(&venv, &layer, &package, "multiprocessing", 8);
            (plain, ground_truth(&venv, &layer, &package, "seispool", 60))
        }
    });

    // The doctor, told nothing but the module to import.
    let mut opts = DoctorOptions::new(venv.dir().join("bin/python"));
    opts.imports = vec![import.to_string()];
    opts.probe = true;
    opts.timeout = Duration::from_secs(TIMEOUT_S);
    opts.extra_env = vec![("PYTHONPATH".into(), fork_layer.path().display().to_string())];
    let start = Instant::now();
    let report = diagnose(&opts).unwrap();
    // Baseline hang, then the remedies side by side: two timeouts and a little.
    assert!(
        start.elapsed() < Duration::from_secs(3 * TIMEOUT_S),
        "took {:?}",
        start.elapsed()
    );

    let (plain, seispool) = truth.join().unwrap();
    let plain = plain.map(|out| format!("finished: {out}"));
    assert_eq!(
        plain, None,
        "{package}: a plain fork pool after use in the parent should hang"
    );
    let out = seispool.unwrap_or_else(|| panic!("{package}: seispool.mp.Pool hung"));
    assert!(out.contains("start method forkserver\n"), "{out}");
    assert!(out.ends_with("done\n"), "{out}");
    let threads: u32 = out.lines().next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(threads >= 3, "{package} started no OpenMP team in the parent: {out}");

    let probe = report.probe.as_ref().unwrap();
    assert_eq!(
        (probe.outcome, probe.start_method.as_str()),
        (Outcome::Hang, "fork"),
        "{report}"
    );
    let stall = probe.detail.as_deref().unwrap_or_default();
    assert!(stall.starts_with("a worker has been inside libgomp-"), "{stall}");
    let gomp = report
        .runtimes
        .iter()
        .find(|r| r.kind == RuntimeKind::GnuOpenMp)
        .unwrap_or_else(|| panic!("no libgomp in {report}"));
    let libs_dir = format!("/site-packages/{package}.libs/libgomp-");
    assert!(
        gomp.path.display().to_string().contains(&libs_dir),
        "{}",
        gomp.path.display()
    );
    assert_eq!(gomp.owner.as_deref(), Some(package));
    assert_eq!(gomp.probe, Some(DriveOutcome::Hang), "{report}");
    let drive = probe.runtimes.iter().find(|d| d.path == gomp.path).unwrap();
    assert_eq!(drive.entry.as_deref(), Some("GOMP_parallel"));
    assert!(drive.parent_done && drive.parent_team >= Some(2), "{drive:?}");
    assert_eq!(
        drive.stuck, 2,
        "both workers entered GOMP_parallel and never returned: {drive:?}"
    );
    let blas = report
        .runtimes
        .iter()
        .find(|r| r.kind == RuntimeKind::OpenBlas)
        .unwrap();
    assert_eq!(
        (blas.owner.as_deref(), blas.probe),
        (Some("numpy"), Some(DriveOutcome::Ok)),
        "{report}"
    );

    assert_eq!(remedy(&report, "OMP_NUM_THREADS=1"), RemedyStatus::Verified, "{report}");
    assert_eq!(
        remedy(&report, "OPENBLAS_NUM_THREADS=1"),
        RemedyStatus::Failed,
        "{report}"
    );
    assert_eq!(
        remedy(&report, "start method forkserver"),
        RemedyStatus::Verified,
        "{report}"
    );
    assert_eq!(remedy(&report, "seispool.mp.Pool"), RemedyStatus::Verified, "{report}");
    let limits = "threadpoolctl.threadpool_limits(1)";
    assert_eq!(remedy(&report, limits), RemedyStatus::Verified, "{report}");
    let seispool = report
        .remedies
        .iter()
        .find(|r| r.fix.title() == "seispool.mp.Pool")
        .unwrap();
    assert_eq!(seispool.probe.as_ref().unwrap().start_method, "forkserver");
    let under = |fix: &str| gomp.remedies.iter().find(|r| r.fix == fix).and_then(|r| r.outcome);
    assert_eq!(under("OPENBLAS_NUM_THREADS=1"), Some(DriveOutcome::Hang));
    assert_eq!(under("OMP_NUM_THREADS=1"), Some(DriveOutcome::Ok));

    let text = report.to_string();
    let want = format!(
        "VERDICT: UNSAFE — multiprocessing hangs here: fork after using GNU OpenMP (libgomp) from {package} \
         (probe: HANG); fix: OMP_NUM_THREADS=1, or seispool.mp.Pool\n"
    );
    assert!(text.starts_with(&want), "{text}");

    let json = serde_json::to_value(&report).unwrap();
    let rt = json["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "gnu_open_mp")
        .unwrap();
    assert_eq!((&rt["owner"], &rt["probe"]), (&package.into(), &"hang".into()));
    assert_eq!(rt["path"], gomp.path.display().to_string());
    let tried = rt["remedies"].as_array().unwrap();
    let omp = tried.iter().find(|r| r["fix"] == "OMP_NUM_THREADS=1").unwrap();
    assert_eq!((&omp["probe"], &omp["outcome"]), (&"ok".into(), &"ok".into()));
    assert_eq!(
        json["verdict"]["runtime"],
        format!("GNU OpenMP (libgomp) from {package}")
    );
}

#[test]
fn pykdtree_vendored_libgomp_hangs_fork_and_the_probe_reproduces_it() {
    vendored_libgomp_case("pykdtree", "pykdtree.kdtree");
}

#[test]
fn finufft_vendored_libgomp_hangs_fork_and_the_probe_reproduces_it() {
    vendored_libgomp_case("finufft", "finufft");
}

#[test]
fn numpy_openblas_only_venv_is_judged_safe_after_driving_openblas_in_every_worker() {
    let Some(venv) = ThrowawayVenv::get("numpy", &["numpy==2.4.6"]) else {
        return;
    };
    let mut opts = DoctorOptions::new(venv.dir().join("bin/python"));
    opts.probe = true;
    opts.timeout = Duration::from_secs(TIMEOUT_S);
    let report = diagnose(&opts).unwrap();
    let probe = report.probe.as_ref().unwrap();
    assert_eq!(probe.outcome, Outcome::Ok, "{report}");
    assert_eq!(report.runtimes.len(), 1, "{report}");
    let blas = &report.runtimes[0];
    assert_eq!((blas.kind, blas.fork_safety), (RuntimeKind::OpenBlas, Safety::Safe));
    assert_eq!(
        (blas.owner.as_deref(), blas.probe),
        (Some("numpy"), Some(DriveOutcome::Ok))
    );
    let drive = &probe.runtimes[0];
    assert_eq!(drive.entry.as_deref(), Some("scipy_dgemm_64_"), "{drive:?}");
    assert!(
        drive.parent_done && drive.worker_calls_done == probe.tasks_total,
        "{drive:?}"
    );
    assert_eq!(report.verdict.level, Safety::Safe);
    assert!(report.remedies.is_empty(), "{report}");
    assert!(
        report
            .to_string()
            .starts_with("VERDICT: SAFE — every thread runtime loaded is fork-safe (probe: OK)")
    );
}

#[test]
fn intel_openmp_is_driven_through_its_gomp_entry_point_and_survives_fork() {
    let Some(venv) = ThrowawayVenv::get("gomp", GOMP_PACKAGES) else {
        return;
    };
    let mut opts = DoctorOptions::new(venv.dir().join("bin/python"));
    opts.imports = vec!["doctor_uses_iomp".into()];
    opts.probe = true;
    opts.timeout = Duration::from_secs(TIMEOUT_S);
    opts.extra_env = vec![("PYTHONPATH".into(), data_dir().display().to_string())];
    let report = diagnose(&opts).unwrap();
    let probe = report.probe.as_ref().unwrap();
    assert_eq!(probe.outcome, Outcome::Ok, "{report}");
    let iomp = report
        .runtimes
        .iter()
        .find(|r| r.kind == RuntimeKind::IntelOpenMp)
        .unwrap();
    assert!(iomp.path.ends_with("lib/libiomp5.so"), "{}", iomp.path.display());
    assert_eq!(iomp.owner.as_deref(), Some("intel-openmp"), "{report}");
    assert_eq!(
        (iomp.fork_safety, iomp.probe),
        (Safety::Caution, Some(DriveOutcome::Ok))
    );
    let drive = probe.runtimes.iter().find(|d| d.path == iomp.path).unwrap();
    assert_eq!(drive.entry.as_deref(), Some("GOMP_parallel"), "{drive:?}");
    assert!(drive.parent_team >= Some(2), "{drive:?}");
    assert_eq!(drive.worker_calls_done, probe.tasks_total, "{drive:?}");
    let want = "VERDICT: CAUTION — fork after using Intel OpenMP (libiomp5) from intel-openmp works in practice, \
                but is not guaranteed (probe: OK)\n";
    assert!(report.to_string().starts_with(want), "{report}");
}

#[test]
fn kmpc_fork_call_fallback_runs_a_team_on_intel_openmp_in_parent_and_forked_child() {
    let Some(venv) = ThrowawayVenv::get("gomp", GOMP_PACKAGES) else {
        return;
    };
    // The driver's __kmpc_fork_call path (used when a runtime lacks the GOMP entry points), called directly.
    let code = r#"
import os, sys, doctor_uses_iomp, doctor_drive as d
lib = d.handle(os.path.join(sys.prefix, "lib", "libiomp5.so"))
team = []
num = d.fn(lib, "omp_get_num_threads", d.ctypes.c_int)
d.kmpc_fork_call(lib, lambda: team.append(num()))
print("parent", len(team), max(team))
pid = os.fork()
if pid == 0:
    del team[:]
    d.kmpc_fork_call(lib, lambda: team.append(num()))
    print("child", len(team), max(team), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"#;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let path = std::env::join_paths([data_dir(), src]).unwrap();
    let mut cmd = Command::new(venv.dir().join("bin/python"));
    cmd.args(["-c", code]).env("PYTHONPATH", path);
    let (finished, out) = run_limited(cmd, Duration::from_secs(60));
    assert!(finished, "hung or failed: {out}");
    // Each line: who, how many threads ran the body, the team size they saw; a team, in both processes.
    let teams: Vec<(String, u32, u32)> = out
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            (w[0].to_string(), w[1].parse().unwrap(), w[2].parse().unwrap())
        })
        .collect();
    assert_eq!(teams.len(), 2, "{out}");
    for ((who, ran, team), want) in teams.iter().zip(["parent", "child"]) {
        assert!(who == want && ran == team && *team >= 2, "{out}");
    }
}
