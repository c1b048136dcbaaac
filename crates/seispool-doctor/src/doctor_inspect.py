"""seispool doctor: inspection run inside the target interpreter.

argv[1] is a JSON list of the user's modules to import. Prints one JSON object on the last stdout line.
Imports numpy and scipy (when installed) and the user's modules, then reports the loaded shared
libraries and what the thread runtimes among them say about themselves (via ctypes).
"""
import ctypes
import importlib
import json
import multiprocessing
import os
import platform
import site
import sys

THREAD_ENV = [
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GOTO_NUM_THREADS", "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "MKL_THREADING_LAYER", "OMP_WAIT_POLICY",
    "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "KMP_INIT_AT_FORK", "OPENBLAS_CORETYPE",
]
RUNTIME_HINTS = ("openblas", "mkl", "blis", "gomp", "iomp", "libomp", "accelerate", "veclib")


def fork_warns_with_threads():
    """Forks once while a helper thread runs and reports whether Python warned (3.12+ does)."""
    if not hasattr(os, "fork"):
        return None
    import threading
    import warnings
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
    finally:
        stop.set()
        helper.join()
    return any(issubclass(w.category, DeprecationWarning) for w in caught)


def try_import(name, user):
    try:
        mod = importlib.import_module(name)
    except BaseException as e:  # SystemExit and friends from odd modules count as failures too
        return {"name": name, "user": user, "ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    version = getattr(mod, "__version__", None)
    return {
        "name": name, "user": user, "ok": True,
        "version": version if isinstance(version, str) else None,
        "file": getattr(mod, "__file__", None),
        "has_probe": callable(getattr(mod, "_doctor_probe", None)),
    }


def loaded_libraries():
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    paths = []
    for line in lines:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/"):
            path = parts[5]
            base = os.path.basename(path)
            if (".so" in base or base.endswith(".dylib")) and path not in paths:
                paths.append(path)
    return paths


def call(lib, names, restype, *args):
    """Calls the first of `names` that `lib` exports; None when none does or the call fails."""
    for name in names:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            continue
        fn.restype = restype
        try:
            value = fn(*args)
        except Exception:
            return None
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


def openblas_names(base):
    # scipy-openblas wheels prefix "scipy_" and suffix "64_" for the ILP64 build.
    return [pre + base + suf for pre in ("", "scipy_") for suf in ("", "64_", "_64")]


def runtime_facts(path):
    mode = getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LOCAL", 0)
    try:
        lib = ctypes.CDLL(path, mode=mode)
    except OSError as e:
        return {"error": str(e)}
    c_int, c_str = ctypes.c_int, ctypes.c_char_p
    facts = {
        "openblas_config": call(lib, openblas_names("openblas_get_config"), c_str),
        "openblas_parallel": call(lib, openblas_names("openblas_get_parallel"), c_int),
        "openblas_num_threads": call(lib, openblas_names("openblas_get_num_threads"), c_int),
        "openblas_corename": call(lib, openblas_names("openblas_get_corename"), c_str),
        "omp_max_threads": call(lib, ["omp_get_max_threads"], c_int),
        "mkl_max_threads": call(lib, ["MKL_Get_Max_Threads"], c_int),
        "blis_num_threads": call(lib, ["bli_thread_get_num_threads"], c_int),
        "blis_version": call(lib, ["bli_info_get_version_str"], c_str),
        "blis_openmp": call(lib, ["bli_info_get_enable_openmp"], c_int),
        "blis_pthreads": call(lib, ["bli_info_get_enable_pthreads"], c_int),
    }
    if hasattr(lib, "MKL_Get_Version_String"):
        buf = ctypes.create_string_buffer(256)
        call(lib, ["MKL_Get_Version_String"], None, buf, 256)
        facts["mkl_version"] = buf.value.decode("utf-8", "replace")
        # -1 does not change the layer; the call returns the current one (0 intel, 1 sequential, 3 gnu, 4 tbb).
        facts["mkl_threading_layer"] = call(lib, ["MKL_Set_Threading_Layer"], c_int, -1)
    return {k: v for k, v in facts.items() if v is not None}


def threadpoolctl_info():
    try:
        import threadpoolctl
    except Exception:
        return None
    try:
        return {"version": threadpoolctl.__version__, "pools": threadpoolctl.threadpool_info()}
    except Exception as e:
        return {"version": getattr(threadpoolctl, "__version__", None), "error": str(e), "pools": []}


def merge_threadpoolctl(tpc, libraries, runtimes):
    """Adds what threadpoolctl knows; it also finds libraries where /proc/self/maps does not exist (macOS)."""
    for pool in (tpc or {}).get("pools", []):
        path = pool.get("filepath")
        if not path:
            continue
        if path not in libraries:
            libraries.append(path)
        facts = runtimes.setdefault(path, {})
        layer = pool.get("threading_layer")
        facts.update({
            "tpc_version": pool.get("version"),
            "tpc_threading_layer": "sequential" if layer == "disabled" else layer,
            "tpc_num_threads": pool.get("num_threads"),
        })


def numpy_blas_name():
    numpy = sys.modules.get("numpy")
    try:
        return numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:
        return None


def owners(paths):
    """The installed distribution that ships each of `paths` (per its RECORD), e.g. a wheel's vendored libgomp."""
    wanted = {}
    for p in paths:
        wanted.setdefault(os.path.basename(p), []).append(os.path.realpath(p))
    found = {}
    try:
        from importlib import metadata
        dists = list(metadata.distributions())
    except Exception:
        return found
    for dist in dists:
        try:
            files = dist.files or []
            name = dist.metadata["Name"]
        except Exception:
            continue
        for f in files:
            base = os.path.basename(str(f))
            if base not in wanted:
                continue
            try:
                real = os.path.realpath(str(dist.locate_file(f)))
            except Exception:
                continue
            for p in paths:
                if os.path.realpath(p) == real:
                    found.setdefault(p, name)
    return found


def seispool_importable():
    try:
        import importlib.util
        return importlib.util.find_spec("seispool") is not None
    except Exception:
        return False


def site_dirs():
    dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    dirs += [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    return [d for i, d in enumerate(dirs) if os.path.isdir(d) and d not in dirs[:i]]


def main():
    user_imports = json.loads(sys.argv[1])
    warns = fork_warns_with_threads()
    imports = [try_import(name, False) for name in ("numpy", "scipy", "scipy.linalg")]
    imports += [try_import(name, True) for name in user_imports]
    libraries = loaded_libraries()
    runtimes = {p: runtime_facts(p) for p in libraries if any(h in os.path.basename(p).lower() for h in RUNTIME_HINTS)}
    tpc = threadpoolctl_info()
    merge_threadpoolctl(tpc, libraries, runtimes)
    report = {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "start_method": multiprocessing.get_start_method(),
        "fork_warns_with_threads": warns,
        "cpu_count": os.cpu_count(),
        "env": {k: os.environ[k] for k in THREAD_ENV if k in os.environ},
        "imports": imports,
        "libraries": libraries,
        "runtime_facts": runtimes,
        "threadpoolctl": tpc,
        "numpy_blas": numpy_blas_name(),
        "site_packages": site_dirs(),
        "owners": owners(list(runtimes)),
        "seispool": seispool_importable(),
    }
    sys.stdout.write("\n" + json.dumps(report) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
