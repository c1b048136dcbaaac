"""`seispool.mp.Pool`: a `multiprocessing.Pool` that forks only when the live process is fork-safe."""

from seispool._fork import Pool, fork_is_safe

__all__ = ["Pool", "fork_is_safe"]
