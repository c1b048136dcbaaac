"""`seispool.mp.Pool` in the case the doctor calls UNSAFE: a PyPI wheel that vendors GNU libgomp (pykdtree)
used its OpenMP team in the parent. A plain fork pool then hangs; seispool's Pool must pick forkserver and
finish. pykdtree is pip-installed (cached, no dependencies: numpy is this venv's) into a temp folder; the
test skips only when the package index cannot be reached."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import multiprocessing, os, sys
    import numpy as np

    def use(_):
        from pykdtree.kdtree import KDTree
        rng = np.random.default_rng(0)
        KDTree(rng.random((2000, 3))).query(rng.random((2000, 3)), k=2)
        return len(os.listdir("/proc/self/task"))

    if __name__ == "__main__":
        print("parent threads", use(0), flush=True)
        if sys.argv[1] == "seispool":
            from seispool import mp
            pool = mp.Pool(2)
        else:
            pool = multiprocessing.Pool(2)
        print("start method", pool._ctx.get_start_method(), flush=True)
        with pool:
            pool.map(use, range(4))
        print("done", flush=True)
    """
)
UNREACHABLE = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Max retries exceeded",
)


@pytest.fixture(scope="module")
def pykdtree_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("pykdtree")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--no-deps",
        "--retries",
        "1",
        "--timeout",
        "20",
        "--target",
        str(target),
        "pykdtree==1.4.3",
    ]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        if any(w in done.stderr for w in UNREACHABLE):
            pytest.skip("the package index cannot be reached: " + done.stderr.strip().splitlines()[-1])
        raise AssertionError(done.stderr)
    assert any(name.startswith("libgomp") for name in os.listdir(target / "pykdtree.libs"))
    return target


def run(pykdtree_dir, tmp_path, pool, limit):
    """Runs the script in its own process group; returns its output, or None when it hung (group killed)."""
    script = tmp_path / "use_pykdtree.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(pykdtree_dir))
    proc = subprocess.Popen([sys.executable, str(script), pool], stdout=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    assert proc.returncode == 0, out
    return out


@pytest.mark.skipif(not os.path.isdir("/proc/self/task") or (os.cpu_count() or 1) < 2, reason="needs /proc and 2 CPUs")
def test_mp_pool_picks_forkserver_and_finishes_where_a_fork_pool_hangs(pykdtree_dir, tmp_path):
    assert run(pykdtree_dir, tmp_path, "multiprocessing", 8) is None, "a fork pool after pykdtree should hang"
    out = run(pykdtree_dir, tmp_path, "seispool", 120)
    assert out is not None, "seispool.mp.Pool hung"
    assert "start method forkserver\n" in out and out.endswith("done\n"), out
