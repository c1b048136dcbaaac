"""Is it safe to fork this process right now? And a `multiprocessing.Pool` that only forks when it is.

The hazard (ObsPy's wiki, the seed of seispool): `fork` copies only the calling thread. A runtime whose
worker threads were running in the parent (GNU OpenMP, MKL with GNU threading, Apple Accelerate) keeps
its pool bookkeeping in the child but not its threads, so the child's first parallel region waits forever.
OpenBLAS (pthreads), LLVM libomp and Intel libiomp5 register fork handlers and rebuild their pools.

seispool itself is safe to fork at any time: every call that uses threads builds its own pool and joins
its threads before returning, and nothing of a pool lives in process-global state. So

* a process that used seispool and is idle has no seispool threads (the test suite checks
  ``/proc/self/task``); forking it copies a single-threaded process, and Python 3.12+'s
  ``DeprecationWarning: This process is multi-threaded, use of fork() may lead to deadlocks`` is never
  caused by seispool (it still is by other libraries' idle threads, e.g. a ``distributed`` client);
* a child forked while another thread of the parent is inside a seispool call does not inherit that
  call's workers (fork copies only the calling thread) and builds its own pool on its first call;
* `Pool` below avoids fork when threads are alive on 3.12+, so it never triggers the warning.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from multiprocessing.pool import Pool as _PoolType

log = logging.getLogger("seispool")

# Shared-library name fragments of runtimes whose thread pools do not survive fork.
_UNSAFE = {
    "libgomp": "GNU OpenMP (libgomp) has no fork handler: a forked child hangs in its first parallel region",
    "libmkl_gnu_thread": "MKL with GNU threading runs on libgomp, which does not survive fork",
    "Accelerate.framework": "Apple Accelerate's thread pool does not survive fork",
    "libvecLib": "Apple vecLib's thread pool does not survive fork",
}


def _loaded_libraries() -> list[str]:
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f if "/" in line and ".so" in line})
    except OSError:
        return []


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def fork_is_safe() -> tuple[bool, str]:
    """Whether forking the live process now is safe, and why.

    Unsafe when a runtime without fork handlers (GNU libgomp, MKL-GNU, Accelerate) is loaded while other
    threads are alive. seispool's own worker threads exist only during a call, so they never count.

    >>> ok, reason = fork_is_safe()
    """
    threads = _thread_count()
    if threads <= 1:
        return True, "no other threads are alive: fork copies the whole process state"
    libs = _loaded_libraries()
    for fragment, why in _UNSAFE.items():
        hits = [lib for lib in libs if fragment in os.path.basename(lib) or fragment in lib]
        if hits:
            return False, f"{why} ({os.path.basename(hits[0])} loaded, {threads} threads alive)"
    return True, f"{threads} threads alive, but no loaded runtime is known to break after fork"


def _choose_start_method() -> tuple[str, str]:
    safe, reason = fork_is_safe()
    if "fork" not in multiprocessing.get_all_start_methods():
        return "spawn", "fork is not available on this platform"
    if not safe:
        return "forkserver", reason
    if sys.version_info >= (3, 12) and _thread_count() > 1:
        # Python 3.12+ warns (DeprecationWarning) on fork with threads; forkserver avoids it.
        return "forkserver", "threads are alive and this Python deprecates fork with threads"
    return "fork", reason


def Pool(processes: int | None = None, *args, **kwargs) -> _PoolType:
    """A drop-in `multiprocessing.Pool` that uses fork when it is safe and forkserver otherwise.

    Logs its choice on the ``seispool`` logger (INFO)::

        >>> from seispool import mp
        >>> with mp.Pool(2) as pool:  # doctest: +SKIP
        ...     pool.map(work, items)
    """
    method, reason = _choose_start_method()
    log.info("seispool.mp.Pool: start method %s (%s)", method, reason)
    return multiprocessing.get_context(method).Pool(processes, *args, **kwargs)
