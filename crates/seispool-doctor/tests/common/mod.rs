//! Helpers for tests that install real wheels: cached throwaway venvs, a process-group time limit, and
//! seispool's pure-Python fork layer on its own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use seispool_testkit::{TempDir, python, tempdir};

/// A venv with pinned wheels under `CARGO_TARGET_TMPDIR/doctor-venvs/`, built once and reused.
pub struct ThrowawayVenv {
    dir: PathBuf,
}

/// pip's words for "the index cannot be reached" (no route, no DNS, refused, timed out).
const UNREACHABLE: &[&str] = &[
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeoutError",
    "Max retries exceeded",
    "ProxyError",
];

impl ThrowawayVenv {
    /// The venv `name` holding `packages` (pip requirement specifiers, binary wheels only); None, after
    /// saying why on stderr, when the package index cannot be reached. Any other failure panics.
    pub fn get(name: &str, packages: &[&str]) -> Option<ThrowawayVenv> {
        static BUILDING: OnceLock<Mutex<()>> = OnceLock::new();
        let _one_at_a_time = BUILDING
            .get_or_init(|| Mutex::new(()))
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let base = python();
        let mut h = DefaultHasher::new();
        (packages, base.display().to_string()).hash(&mut h);
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doctor-venvs");
        let dir = root.join(format!("{name}-{:016x}", h.finish()));
        if dir.join(".ready").exists() {
            return Some(ThrowawayVenv { dir });
        }
        std::fs::create_dir_all(&root).unwrap();
        // Venvs of the same name for other package lists are stale: drop them.
        for old in std::fs::read_dir(&root).unwrap().flatten() {
            if old.file_name().to_string_lossy().starts_with(&format!("{name}-")) {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        let started = Instant::now();
        // No pip inside (bootstrapping it costs more than the installs): the base interpreter's pip
        // installs into the venv through `--python`.
        let status = Command::new(&base)
            .args(["-m", "venv", "--without-pip"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "{}: python -m venv {} failed",
            base.display(),
            dir.display()
        );
        let out = Command::new(&base)
            .args(["-m", "pip", "--python"])
            .arg(dir.join("bin/python"))
            .args(["install", "--disable-pip-version-check", "--only-binary=:all:"])
            .args(["--retries", "1", "--timeout", "20"])
            .args(packages)
            .output()
            .unwrap();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let _ = std::fs::remove_dir_all(&dir);
            if UNREACHABLE.iter().any(|w| err.contains(w)) {
                eprintln!("SKIPPED: the package index cannot be reached, so no venv with {packages:?}:\n{err}");
                return None;
            }
            panic!("pip install {packages:?} failed:\n{err}");
        }
        std::fs::write(dir.join(".ready"), packages.join("\n")).unwrap();
        eprintln!(
            "venv {name}: {packages:?} installed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Some(ThrowawayVenv { dir })
    }

    /// The venv's folder (its interpreter is `bin/python`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Runs `cmd` as the leader of a new process group for at most `limit`, then kills the whole group.
/// Returns whether it exited by itself, and its standard output.
#[allow(unsafe_code)]
pub fn run_limited(mut cmd: Command, limit: Duration) -> (bool, String) {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let finished = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if start.elapsed() >= limit {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let pgid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: killpg has no memory-safety preconditions; the group may already be gone.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let status = child.wait().unwrap();
    let out = reader.join().unwrap();
    (finished && status.success(), out)
}

/// A folder for PYTHONPATH holding a `seispool` package made of seispool's real pure-Python fork layer
/// (python/seispool/_fork.py and mp.py) without the compiled engine, so `seispool.mp.Pool` runs in a venv
/// that cannot build seispool itself.
pub fn seispool_fork_layer() -> TempDir {
    let dir = tempdir().unwrap();
    let pkg = dir.path().join("seispool");
    std::fs::create_dir(&pkg).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python/seispool");
    for f in ["_fork.py", "mp.py"] {
        std::fs::copy(src.join(f), pkg.join(f)).unwrap();
    }
    std::fs::write(pkg.join("__init__.py"), "").unwrap();
    dir
}
