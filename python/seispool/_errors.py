"""Exception classes defined on the Python side and the translation of the Rust module's errors into them.

`OptionError` is a `SeispoolError` *and* a `ValueError` (a bad argument value: unknown format or
encoding, a negative ``jobs``, a NaN); `NotFoundError` is an `IoError` *and* a `FileNotFoundError`, so
``except FileNotFoundError`` catches a missing input as it does with ObsPy.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator

from seispool._seispool import IoError, PipelineError, SeispoolError


class OptionError(SeispoolError, ValueError):
    """An argument seispool does not accept (the message names it and what is expected)."""


class OpError(PipelineError, ValueError):
    """A method's op refused its arguments or the trace (``filter`` above Nyquist, ``decimate`` with
    ``strict_length``, ...): a `PipelineError` and, as ObsPy's methods raise there, a ``ValueError``."""


class NotFoundError(IoError, FileNotFoundError):
    """An input file or pattern that does not exist."""

    def __init__(self, message: str, filename: str | None = None) -> None:
        FileNotFoundError.__init__(self, errno.ENOENT, message, filename)

    def __str__(self) -> str:
        return str(self.strerror)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raises the Rust module's plain `ValueError` as `OptionError`, a `PipelineError` as `OpError` (also a
    ``ValueError``, as ObsPy's methods raise) and a missing-file `IoError` as `NotFoundError` (all keep the
    message)."""
    try:
        yield
    except PipelineError as e:
        if isinstance(e, ValueError):
            raise
        raise OpError(str(e)) from None
    except SeispoolError as e:
        missing = "(os error 2)" in str(e) or "no such file or directory" in str(e).lower()
        if isinstance(e, IoError) and not isinstance(e, NotFoundError) and missing:
            raise NotFoundError(str(e)) from None
        raise
    except OverflowError as e:
        raise OptionError(f"a number is out of range: {e}") from None
    except ValueError as e:
        raise OptionError(str(e)) from None


def non_negative_int(name: str, value: object) -> int | None:
    """``value`` as a non-negative int (None stays None), or `OptionError` naming ``name``. Zero and the
    upper bounds are the library's to judge (``jobs=0`` means all cores, as on the command line)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OptionError(f"{name}={value!r}: expected a non-negative integer or None")
    return value
