"""Building pipeline text from Python arguments (so Python methods run exactly the pipeline's ops)."""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from typing import Any

from seispool._time import UTCTime, to_ns

_TIME_ARGS = {"starttime", "endtime"}


def literal(value: Any, *, time: bool = False) -> str:
    """The pipeline-language literal of a Python value.

    >>> literal([0.01, 0.02]), literal("hann"), literal(None), literal(True)
    ('[0.01, 0.02]', "'hann'", 'None', 'True')
    """
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if time or isinstance(value, (UTCTime, _dt.datetime, _dt.date)) or hasattr(value, "ns"):
        return repr(UTCTime.from_ns(to_ns(value))._iso(9))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"{f} is not a finite number")
        return repr(f)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if tolist is not None:
        return literal(tolist())
    raise TypeError(f"cannot pass {type(value).__name__} {value!r} to a pipeline op")


def call(name: str, *args: Any, **kwargs: Any) -> str:
    """`name(arg, ..., key=value, ...)` in pipeline syntax; time arguments become ISO strings.

    >>> call("filter", "bandpass", freqmin=1, freqmax=5.0)
    "filter('bandpass', freqmin=1, freqmax=5.0)"
    """
    from seispool._errors import OptionError

    parts = []
    for i, a in enumerate(args):
        try:
            parts.append(literal(a))
        except (TypeError, ValueError) as e:
            raise OptionError(f"{name}(): argument {i + 1} = {a!r}: {e}") from None
    for k, v in kwargs.items():
        try:
            parts.append(f"{k}={literal(v, time=k in _TIME_ARGS and v is not None)}")
        except (TypeError, ValueError) as e:
            raise OptionError(f"{name}(): {k}={v!r}: {e}") from None
    return f"{name}({', '.join(parts)})"


def split_calls(canonical: str) -> list[str]:
    """The calls of a canonical pipeline text (``a(...); b(...)``), split outside brackets and strings.

    >>> split_calls("select(id='a;b'); detrend(type='linear')")
    ["select(id='a;b')", "detrend(type='linear')"]
    """
    calls, depth, quote, start = [], 0, "", 0
    escaped = False
    for i, c in enumerate(canonical):
        if quote:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == ";" and depth == 0:
            calls.append(canonical[start:i].strip())
            start = i + 1
    tail = canonical[start:].strip()
    return calls + [tail] if tail else calls
