"""seispool doctor: the fork-after-threads probe, run inside the target interpreter.

argv[1] is a JSON object: {"imports": [...], "start_method": null | "forkserver" | ..., "threadpool_limit":
null | int, "pool": "multiprocessing" | "seispool", "workers": int, "tasks": int, "size": int}. The parent
first exercises every thread runtime it loaded: each library found in /proc/self/maps through its own entry
points (seispool_doctor_drive.py, written beside this file), then numpy and scipy BLAS by a matrix product,
ObsPy's linear detrend when obspy is imported, and each imported module's `_doctor_probe()` when it has one.
Then it maps the same work over a multiprocessing.Pool (or `seispool.mp.Pool`). Progress goes to stdout as
lines starting with "@@seispool-doctor " followed by JSON, written with one os.write so concurrent workers
never interleave.
"""
import faulthandler
import importlib
import json
import multiprocessing
import multiprocessing.pool
import os
import sys
import time

import seispool_doctor_drive

TAG = "@@seispool-doctor "
CONFIG = {}
MODULES = []
WORKERS = []
# Exit status of the probe when a pool worker died of a signal (the pool itself would wait forever).
WORKER_DIED = 70


def record_workers():
    """Makes every Pool (ours or seispool's) keep the worker processes it starts, so that a worker killed
    by a signal is seen even after the pool's maintenance thread has replaced it."""
    if sys.version_info < (3, 8):
        return  # Pool.Process became the hook in 3.8
    start = multiprocessing.pool.Pool.Process

    def process(ctx, *args, **kwds):
        proc = start(ctx, *args, **kwds)
        WORKERS.append(proc)
        return proc

    multiprocessing.pool.Pool.Process = staticmethod(process)


def event(name, **fields):
    fields["event"] = name
    fields["pid"] = os.getpid()
    fields["t"] = time.time()
    os.write(1, (TAG + json.dumps(fields) + "\n").encode())


def load(config):
    """Imports numpy, scipy.linalg (when installed) and the user's modules; returns the modules."""
    CONFIG.update(config)
    del MODULES[:]
    for name in ("numpy", "scipy.linalg"):
        try:
            MODULES.append(importlib.import_module(name))
        except ImportError:
            pass
    for name in config["imports"]:
        MODULES.append(importlib.import_module(name))
    return MODULES


def work(task):
    """Runs every thread pool once; returns the names of what ran."""
    ran = seispool_doctor_drive.drive_all(CONFIG, event, first=task < 0)
    size = CONFIG["size"]
    for mod in MODULES:
        if mod.__name__ == "numpy":
            a = mod.ones((size, size))
            a.dot(a)
            ran.append("numpy matmul")
        elif mod.__name__ == "scipy.linalg":
            import numpy
            a = numpy.ones((size, size))
            mod.blas.dgemm(1.0, a, a)
            ran.append("scipy dgemm")
        elif mod.__name__ == "obspy":
            mod.read().detrend("linear")  # the ObsPy wiki's own test: a LAPACK least-squares fit
            ran.append("obspy detrend")
        elif callable(getattr(mod, "_doctor_probe", None)):
            mod._doctor_probe()
            ran.append(mod.__name__ + "._doctor_probe()")
    return ran


def worker_init(config):
    faulthandler.enable()
    if not MODULES:  # spawn/forkserver workers start empty; fork workers inherit the parent's modules
        load(config)
    event("worker_start")


def worker_task(task):
    work(task)
    event("task_done", task=task)
    return task


def wait_for(result):
    """The map's results; exits at once when a worker died of a signal instead of waiting forever."""
    while not result.ready():
        result.wait(0.1)
        dead = [p for p in WORKERS if p.exitcode is not None and p.exitcode < 0]
        if dead:
            event("worker_died", signal=-dead[0].exitcode, worker=dead[0].pid)
            os._exit(WORKER_DIED)
    return result.get()


def make_pool(config):
    """The pool under test; reports the start method it really uses."""
    if config.get("pool") == "seispool":
        from seispool import mp as seispool_mp  # "run it through seispool": its Pool picks the start method
        pool = seispool_mp.Pool(config["workers"], worker_init, (config,))
    else:
        ctx = multiprocessing.get_context(config["start_method"])
        pool = ctx.Pool(config["workers"], initializer=worker_init, initargs=(config,))
    ctx = getattr(pool, "_ctx", None)
    event("pool", start_method=ctx.get_start_method() if ctx is not None else None)
    return pool


def main():
    faulthandler.enable()
    config = json.loads(sys.argv[1])
    sys.path.insert(1, os.getcwd())  # as `python -c` (the inspection) sees it; workers inherit sys.path
    load(config)
    record_workers()
    event("parent_start", start_method=config["start_method"] or multiprocessing.get_start_method())
    ran = work(-1)
    event("parent_ready", ran=ran)
    limiter = None
    if config["threadpool_limit"] is not None:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=config["threadpool_limit"])
    pool = make_pool(config)
    try:
        done = wait_for(pool.map_async(worker_task, range(config["tasks"]), chunksize=1))
    finally:
        pool.terminate()
        pool.join()
    if limiter is not None:
        limiter.restore_original_limits()
    event("done", tasks=len(done))


if __name__ == "__main__":
    main()
