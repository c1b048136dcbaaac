"""seispool doctor: drive every thread runtime mapped into this process through its own library handle.

Whichever package loaded it (numpy's OpenBLAS, a wheel's vendored `libgomp-<hash>.so`, the system libgomp
an extension links), each runtime found in /proc/self/maps is woken through its own entry points:

* GNU libgomp, LLVM libomp, Intel libiomp5: `GOMP_parallel` (libomp and libiomp5 export GOMP-compatible
  entry points), else `GOMP_parallel_start`/`_end`, else `__kmpc_fork_call`, with a callback that does a
  little work; `omp_get_max_threads` / `omp_get_num_threads` tell the team size.
* OpenBLAS, MKL, BLIS: a `dgemm` big enough to wake their thread pools.

Library kinds follow `RuntimeKind::from_library_name` in runtime.rs. Progress is reported through `event`,
one line per start and end of each drive, so a hang names the runtime that never returned.
"""
import ctypes
import os
import sys

OPENMP = ("gnu_open_mp", "intel_open_mp", "llvm_open_mp")
BLAS = ("open_blas", "mkl", "blis")
# Fortran dgemm names: LP64 first, then ILP64 (scipy-openblas "scipy_…64_", OpenBLAS "…64_", MKL "…_64").
DGEMM_LP64 = ("dgemm_", "scipy_dgemm_")
DGEMM_ILP64 = ("dgemm_64_", "scipy_dgemm_64_", "dgemm_64")


def kind_of(path):
    name = os.path.basename(path).lower()
    if "openblas" in name:
        return "open_blas"
    for prefix, kind in (("libmkl_", "mkl"), ("libblis", "blis"), ("libgomp", "gnu_open_mp"),
                         ("libiomp", "intel_open_mp"), ("libomp.", "llvm_open_mp"), ("libomp-", "llvm_open_mp")):
        if name.startswith(prefix):
            return kind
    return None


def mapped_runtimes():
    """(path, kind) of every thread runtime mapped now, BLAS first: an OpenMP hang then stops nothing else."""
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/"):
            kind = kind_of(parts[5])
            if kind and (parts[5], kind) not in found:
                found.append((parts[5], kind))
    return sorted(found, key=lambda f: f[1] in OPENMP)


def handle(path):
    """The already-loaded library's own handle (never a second copy)."""
    return ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LOCAL", 0))


def fn(lib, name, restype, *argtypes):
    try:
        f = getattr(lib, name)
    except AttributeError:
        return None
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


def drive_openmp(lib, config, first):
    """Runs one parallel region on `lib`'s own runtime; returns facts about it."""
    max_threads = fn(lib, "omp_get_max_threads", ctypes.c_int)
    set_threads = fn(lib, "omp_set_num_threads", None, ctypes.c_int)
    team_of = fn(lib, "omp_get_num_threads", ctypes.c_int)
    facts = {"max_threads": max_threads() if max_threads else None}
    # A team of one needs no pool: on a one-CPU machine the parent asks for two, as packages that pass an
    # explicit thread count do, unless the user (OMP_NUM_THREADS) or a remedy (threadpoolctl) chose one.
    if (first and facts["max_threads"] == 1 and set_threads and "OMP_NUM_THREADS" not in os.environ
            and config.get("threadpool_limit") is None):
        set_threads(2)
        facts["forced_team"] = 2
    teams = []

    def body(*_):
        sum(i * i for i in range(2000))
        teams.append(team_of() if team_of else 0)

    for entry in ("GOMP_parallel", "GOMP_parallel_start", "__kmpc_fork_call"):
        if getattr_or_none(lib, entry) is None:
            continue
        facts["entry"] = entry
        if entry == "GOMP_parallel":
            callback = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(body)
            fn(lib, entry, None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint)(
                ctypes.cast(callback, ctypes.c_void_p), None, 0, 0)
        elif entry == "GOMP_parallel_start":
            callback = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(body)
            fn(lib, entry, None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint)(
                ctypes.cast(callback, ctypes.c_void_p), None, 0)
            body()
            fn(lib, "GOMP_parallel_end", None)()
        else:
            kmpc_fork_call(lib, body)
        break
    else:
        raise RuntimeError("exports no GOMP_parallel, GOMP_parallel_start or __kmpc_fork_call")
    facts["team"] = max(teams) if teams else None
    return facts


def getattr_or_none(lib, name):
    try:
        return getattr(lib, name)
    except AttributeError:
        return None


class _Ident(ctypes.Structure):
    """LLVM/Intel OpenMP's ident_t source location."""
    _fields_ = [("reserved_1", ctypes.c_int32), ("flags", ctypes.c_int32), ("reserved_2", ctypes.c_int32),
                ("reserved_3", ctypes.c_int32), ("psource", ctypes.c_char_p)]


def kmpc_fork_call(lib, body):
    """`__kmpc_fork_call(&loc, 0, microtask)`: a parallel region with no shared arguments."""
    loc = _Ident(0, 2, 0, 0, b";seispool-doctor;drive;0;0;;")  # flags: KMP_IDENT_KMPC
    micro = ctypes.CFUNCTYPE(None, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32))(
        lambda gtid, btid: body())
    call = lib.__kmpc_fork_call
    call.restype = None
    call(ctypes.byref(loc), ctypes.c_int32(0), micro)


def drive_blas(lib, config):
    """One dgemm of size×size doubles through `lib`'s own Fortran interface."""
    for names, int_t in ((DGEMM_LP64, ctypes.c_int32), (DGEMM_ILP64, ctypes.c_int64)):
        for name in names:
            if getattr_or_none(lib, name) is not None:
                n = config["size"]
                a = (ctypes.c_double * (n * n))(*([1.0] * (n * n)))
                c = (ctypes.c_double * (n * n))()
                # On little-endian machines an int64 holding n reads as n through an int32 pointer too,
                # so the call is right whichever integer size the library was built (or told) to use
                # (MKL_INTERFACE_LAYER=ILP64 turns mkl_rt's `dgemm_` into ILP64).
                int_t = ctypes.c_int64 if sys.byteorder == "little" else int_t
                dim, one, zero = int_t(n), ctypes.c_double(1.0), ctypes.c_double(0.0)
                ref = ctypes.byref
                f = getattr(lib, name)
                f.restype = None
                f(b"N", b"N", ref(dim), ref(dim), ref(dim), ref(one), a, ref(dim), a, ref(dim), ref(zero), c,
                  ref(dim), ctypes.c_size_t(1), ctypes.c_size_t(1))
                if c[0] != float(n):
                    raise RuntimeError("%s returned %r, expected %r" % (name, c[0], float(n)))
                return {"entry": name}
    return None  # this part of MKL (or a BLAS-less library) exports no dgemm: nothing to drive


def drive_all(config, event, first=False):
    """Drives every mapped runtime once; returns labels of what ran."""
    ran = []
    blas_kinds_done = set()
    for path, kind in mapped_runtimes():
        if kind == "mkl" and "mkl" in blas_kinds_done:
            continue  # one dgemm drives MKL, whichever of its libraries exports it
        event("drive", lib=path, kind=kind, phase="start")
        try:
            lib = handle(path)
            facts = drive_openmp(lib, config, first) if kind in OPENMP else drive_blas(lib, config)
        except Exception as e:
            event("drive", lib=path, kind=kind, phase="error", error="%s: %s" % (type(e).__name__, e))
            continue
        if facts is None:
            event("drive", lib=path, kind=kind, phase="skip")
            continue
        blas_kinds_done.add(kind)
        event("drive", lib=path, kind=kind, phase="done", **facts)
        team = facts.get("team")
        ran.append("%s %s%s" % (os.path.basename(path), facts.get("entry"),
                                " (team of %s)" % team if team else ""))
    return ran
