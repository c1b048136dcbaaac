//! Fork safety of the runner's pool: after the parent ran a pool (and while one is still alive), a forked
//! child must be able to run a pool of its own and finish — every time. Looped 200 times each.

#![allow(unsafe_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use seispool_pipeline::runner::{RunConfig, Unit, UnitOutput, build_pool, run};

/// The test harness runs tests on parallel threads. Forking while *another test's* thread is inside
/// thread creation or the dynamic loader can hand the child a lock no one will release — a hazard of
/// forking arbitrary multi-threaded code that POSIX leaves undefined, not of our pool. Each test holds
/// this lock, so the only other threads at fork time are the pools under test.
static ONE_FORKER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn busy_work(n: u64) -> u64 {
    (0..n).fold(0u64, |a, x| a.wrapping_mul(31).wrapping_add(x))
}

/// Runs the full runner with 2 jobs over 8 in-memory units; true when all units succeeded.
fn run_units(out: &std::path::Path) -> bool {
    let units: Vec<Unit> = (0..8)
        .map(|i| Unit {
            inputs: vec![],
            context: vec![],
            output: PathBuf::from(format!("u{i}")),
        })
        .collect();
    let cfg = RunConfig {
        out: out.to_path_buf(),
        jobs: Some(2),
        resume: false,
        config: String::new(),
        progress: false,
    };
    run(&units, &cfg, |_| {
        Ok(UnitOutput {
            bytes: Some(busy_work(10_000).to_le_bytes().to_vec()),
            ..Default::default()
        })
    })
    .map(|s| s.ok == 8)
    .unwrap_or(false)
}

/// Forks; the child runs the runner and `_exit`s with 0 on success. Returns the child's status, or None
/// (after killing it) when it did not finish within the deadline — i.e. it hung.
fn fork_and_run_in_child(out: &std::path::Path) -> Option<i32> {
    // SAFETY: the child only runs code that builds its own threads and then calls `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = run_units(out);
        // SAFETY: `_exit` never returns and skips the parent's atexit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 3 }) };
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    loop {
        // SAFETY: plain waitpid on our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            });
        }
        if Instant::now() > deadline {
            // SAFETY: killing and reaping our own hung child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn forked_child_runs_pool_after_parent_used_it() {
    let _one = ONE_FORKER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        assert!(run_units(&dir.path().join("parent")), "parent run {i} failed");
        let status = fork_and_run_in_child(&dir.path().join(format!("child{}", i % 4)));
        assert_eq!(status, Some(0), "iteration {i}: child hung (None) or failed");
    }
}

#[test]
fn forked_child_runs_pool_while_parent_pool_is_alive() {
    let _one = ONE_FORKER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let pool = build_pool(2).unwrap();
    for i in 0..200 {
        // Keep the parent's pool threads busy-ish and alive across the fork.
        let sum: u64 = pool.install(|| {
            use rayon::prelude::*;
            (0..64u64)
                .into_par_iter()
                .map(busy_work)
                .reduce(|| 0, u64::wrapping_add)
        });
        assert_ne!(sum, 0);
        let status = fork_and_run_in_child(&dir.path().join(format!("child{}", i % 4)));
        assert_eq!(status, Some(0), "iteration {i}: child hung (None) or failed");
    }
}
