"""seispool in multiprocessing workers after the parent used it (its pool threads ran): fork, forkserver and
spawn all finish, over and over. And an idle seispool process holds no threads of its own, so forking it is
safe and Python 3.12+'s fork-with-threads DeprecationWarning is never caused by seispool between calls."""

import multiprocessing as mp
import os
import threading
import time

import numpy as np
import pytest

import seispool

PIPELINE = 'detrend("linear"); taper(0.05); filter("bandpass", freqmin=1.0, freqmax=10.0, zerophase=True); decimate(2)'


def make_files(directory, n=4):
    paths = []
    rng = np.random.default_rng(3)
    for i in range(n):
        tr = seispool.Trace(
            rng.integers(-5000, 5000, 6000).astype(np.int32),
            {"network": "XX", "station": f"S{i}", "channel": "HHZ", "sampling_rate": 100.0, "starttime": "2024-01-01"},
        )
        p = os.path.join(directory, f"s{i}.mseed")
        tr.write(p, encoding="STEIM2", record_length=512)
        paths.append(p)
    return paths


def work(path):
    """A worker's job: read + process + write-free digest, plus the parallel runner on one file."""
    st = seispool.read(path, jobs=2).process(PIPELINE)
    return st[0].stats.npts, float(np.sum(st[0].data))


def task_count():
    return len(os.listdir("/proc/self/task"))


def use_seispool_in_parent(paths, out):
    """Run every threaded entry point in the parent so its Rust pools have existed."""
    seispool.read(paths, jobs=2)
    summary = seispool.process(paths, out, PIPELINE, jobs=2)
    assert summary["ok"] == len(paths)
    seispool.info(paths, jobs=2)


@pytest.fixture
def files(tmp_path):
    return make_files(str(tmp_path))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_no_threads_linger_after_calls(files, tmp_path):
    before = task_count()
    use_seispool_in_parent(files, str(tmp_path / "out"))
    seispool.read(files, jobs=2).process(PIPELINE)
    # Pools are per call: their workers have exited (joined) once the call returned. The kernel may take a
    # moment more to drop a joined thread's /proc entry, so allow that.
    deadline = time.monotonic() + 2.0
    while task_count() != before and time.monotonic() < deadline:
        time.sleep(0.001)
    assert task_count() == before, (before, task_count(), threading.enumerate())


# Python 3.12+ warns on fork while *any* thread is alive; earlier tests leave other libraries' threads
# (distributed's offload thread). seispool's own are gone after each call: test_no_threads_linger_after_calls.
FORK_WARNING = "ignore:This process .* is multi-threaded:DeprecationWarning"


@pytest.mark.filterwarnings(FORK_WARNING)
@pytest.mark.parametrize("method,rounds", [("fork", 30), ("forkserver", 4), ("spawn", 2)])
def test_pool_workers_after_parent_used_seispool(files, tmp_path, method, rounds):
    expected = [work(p) for p in files]
    ctx = mp.get_context(method)
    for i in range(rounds):
        use_seispool_in_parent(files, str(tmp_path / f"out{i}"))
        with ctx.Pool(2) as pool:
            result = pool.map_async(work, files)
            assert result.get(timeout=120) == expected, method


@pytest.mark.filterwarnings(FORK_WARNING)
def test_os_fork_child_runs_the_runner_while_parent_threads_are_gone(files, tmp_path):
    """Fork straight after a threaded call (the parent's pool just finished) 30 times; each child runs
    the parallel runner and exits 0 within the timeout."""
    for i in range(30):
        seispool.read(files, jobs=2)
        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            code = 1
            try:
                s = seispool.process(files, str(tmp_path / f"child{i}"), PIPELINE, jobs=2)
                code = 0 if s["ok"] == len(files) else 3
            finally:
                os._exit(code)
        deadline = 60.0
        import time

        t0 = time.monotonic()
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - t0 > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail(f"forked child {i} hung")
            time.sleep(0.01)
        assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.filterwarnings(FORK_WARNING)
def test_mp_pool_chooses_and_works(files):
    with seispool.mp.Pool(2) as pool:
        assert pool.map(work, files) == [work(p) for p in files]
