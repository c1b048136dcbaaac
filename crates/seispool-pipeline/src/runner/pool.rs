//! The runner's thread pool: one rayon `ThreadPool` per run, never rayon's global pool.
//!
//! Fork safety by construction: no pool outlives the call that built it and nothing about a pool is kept
//! in process-global state. A process forked while (or after) a pool ran has no reference to the parent's
//! threads — those threads do not exist in the child — so the child builds its own pool on its next run and
//! never waits on, joins or locks anything of the parent's. When a run ends the pool is dropped, its
//! workers exit, and an idle seispool process holds no extra threads (so Python's fork-with-threads
//! warning is not triggered by us between calls).

use rayon::{ThreadPool, ThreadPoolBuilder};

/// Number of worker threads for `jobs` (None or 0 = available cores).
pub fn effective_jobs(jobs: Option<usize>) -> usize {
    match jobs {
        Some(n) if n > 0 => n,
        _ => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }
}

/// Builds a fresh pool of `jobs` threads named `seispool-<i>`.
pub fn build_pool(jobs: usize) -> Result<ThreadPool, rayon::ThreadPoolBuildError> {
    ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .thread_name(|i| format!("seispool-{i}"))
        .build()
}
