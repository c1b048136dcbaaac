"""Panics never cross into Python as anything but a `SeispoolError`.

pyo3 already stops a Rust panic at the boundary of every call (the process does not abort: unwinding
is caught and re-raised as `pyo3_runtime.PanicException`). That exception derives from
`BaseException`, so `except Exception` and `except SeispoolError` would both miss it. Importing this
module (the package does, before anything else) wraps every function of the extension module so that
such a panic surfaces as `InternalError`, a `SeispoolError` carrying the panic message.
"""

import functools

from seispool import _seispool


class InternalError(_seispool.SeispoolError):
    """A bug inside seispool (a Rust panic), caught at the call boundary; the process is unharmed."""


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def _guard(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            if _is_panic(exc):
                raise InternalError(f"internal error in seispool.{fn.__name__}: {exc} (a bug in seispool: please report it)") from exc
            raise

    call.__seispool_guarded__ = True
    return call


def install() -> None:
    """Wraps every builtin function of the extension module once."""
    for name in dir(_seispool):
        obj = getattr(_seispool, name)
        if type(obj).__name__ == "builtin_function_or_method" and not getattr(obj, "__seispool_guarded__", False):
            setattr(_seispool, name, _guard(obj))


install()
