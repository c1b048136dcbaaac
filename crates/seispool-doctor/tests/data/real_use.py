"""Ground truth for the doctor: use a package's own OpenMP code in the parent, then map the same use over a
pool of 2 workers. argv: PACKAGE (pykdtree | finufft) and POOL (multiprocessing | seispool). Prints the
start method, then "done" once every task came back; a fork-unsafe runtime makes it hang instead."""
import multiprocessing
import os
import sys

import numpy as np


def use(package):
    """One call into the package's compiled code that starts its OpenMP team."""
    rng = np.random.default_rng(0)
    if package == "pykdtree":
        from pykdtree.kdtree import KDTree

        KDTree(rng.random((2000, 3))).query(rng.random((2000, 3)), k=2)
    elif package == "finufft":
        import finufft

        x = rng.uniform(-np.pi, np.pi, 2000)
        finufft.nufft1d1(x, rng.random(2000) + 1j, 64)
    else:
        raise SystemExit("unknown package " + package)
    return len(os.listdir("/proc/self/task"))


if __name__ == "__main__":
    package, pool_kind = sys.argv[1:3]
    print("parent threads", use(package), flush=True)
    if pool_kind == "seispool":
        from seispool import mp

        pool = mp.Pool(2)
    else:
        pool = multiprocessing.Pool(2)
    print("start method", pool._ctx.get_start_method(), flush=True)
    with pool:
        pool.map(use, [package] * 4)
    print("done", flush=True)
