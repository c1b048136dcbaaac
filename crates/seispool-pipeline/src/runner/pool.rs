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

/// A per-call pool whose worker threads have all exited once it is dropped. rayon's own drop only tells
/// the workers to stop, so right after a call the process could still show them (and Python 3.12+ would
/// warn about a fork with threads); this one joins them.
pub struct JoinedPool {
    pool: Option<ThreadPool>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl std::ops::Deref for JoinedPool {
    type Target = ThreadPool;
    fn deref(&self) -> &ThreadPool {
        match &self.pool {
            Some(p) => p,
            None => unreachable!("the pool is only taken in drop"),
        }
    }
}

impl Drop for JoinedPool {
    fn drop(&mut self) {
        drop(self.pool.take());
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

/// Like [`build_pool`], but dropping the pool waits until its threads have exited.
pub fn build_joined_pool(jobs: usize) -> Result<JoinedPool, rayon::ThreadPoolBuildError> {
    let mut handles = Vec::new();
    let pool = ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .thread_name(|i| format!("seispool-{i}"))
        .spawn_handler(|thread| {
            let mut b = std::thread::Builder::new();
            if let Some(name) = thread.name() {
                b = b.name(name.to_owned());
            }
            if let Some(size) = thread.stack_size() {
                b = b.stack_size(size);
            }
            handles.push(b.spawn(|| thread.run())?);
            Ok(())
        })
        .build()?;
    Ok(JoinedPool {
        pool: Some(pool),
        handles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_threads_linger_after_drop() {
        if !std::path::Path::new("/proc/thread-self").exists() {
            return; // not Linux
        }
        for _ in 0..20 {
            let pool = build_joined_pool(3).expect("pool");
            // each worker's /proc/<pid>/task/<tid>
            let tasks: Vec<std::path::PathBuf> = pool
                .broadcast(|_| std::fs::read_link("/proc/thread-self").map(|l| std::path::Path::new("/proc").join(l)))
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("proc");
            assert_eq!(tasks.len(), 3);
            assert!(tasks.iter().all(|t| t.exists()));
            drop(pool);
            // The join returns when each thread has finished; the kernel may take a moment more to remove
            // its /proc entry (release after the exit futex wake), so allow that, on a loaded machine too.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while tasks.iter().any(|t| t.exists()) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let alive: Vec<_> = tasks.iter().filter(|t| t.exists()).collect();
            assert!(alive.is_empty(), "{alive:?} still alive after the pool was dropped");
        }
    }
}
