"""`UTCTime`: a nanosecond UTC time (like ObsPy's `UTCDateTime.ns`), and conversion of time-like inputs."""

from __future__ import annotations

import datetime as _dt
import numbers
from typing import Any, Union

from seispool import _seispool

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

TimeLike = Union["UTCTime", str, int, _dt.datetime, _dt.date, Any]
"""Anything `to_ns` accepts: `UTCTime`, ISO-8601 `str`, `int` nanoseconds, `datetime`/`date`,
ObsPy `UTCDateTime`, `numpy.datetime64`."""


def to_ns(value: TimeLike) -> int:
    """Nanoseconds since 1970-01-01T00:00:00Z of a time-like value.

    Accepts `UTCTime`, ObsPy `UTCDateTime` (anything with an integer ``.ns``), ISO-8601 strings
    (``"2024-01-01T00:00:00.5Z"``, ``"2024-001"``), ``int`` nanoseconds, ``datetime`` (naive = UTC),
    ``date`` (midnight) and ``numpy.datetime64``. Floats are refused: use `UTCTime.from_timestamp`.

    >>> to_ns("1970-01-01T00:00:01Z")
    1000000000
    >>> to_ns(_dt.datetime(1970, 1, 1, 0, 0, 0, 5))
    5000
    """
    if isinstance(value, UTCTime):
        return value.ns
    if isinstance(value, bool):
        raise TypeError("a bool is not a time")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        return _seispool.parse_time(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        td = value - _EPOCH
        return (td.days * 86_400 + td.seconds) * 1_000_000_000 + td.microseconds * 1_000
    if isinstance(value, _dt.date):
        return to_ns(_dt.datetime(value.year, value.month, value.day))
    ns = getattr(value, "ns", None)  # ObsPy UTCDateTime
    if isinstance(ns, numbers.Integral) and not isinstance(ns, bool):
        return int(ns)
    if type(value).__name__ == "datetime64":
        import numpy as np

        return int(np.datetime64(value, "ns").astype(np.int64))
    if isinstance(value, numbers.Real):
        raise TypeError(
            f"ambiguous time {value!r}: ints are nanoseconds; use UTCTime.from_timestamp(seconds) for float seconds"
        )
    raise TypeError(f"cannot interpret {type(value).__name__} {value!r} as a time")


class UTCTime:
    """A UTC time with nanosecond resolution (no leap seconds), like ObsPy's `UTCDateTime`.

    >>> t = UTCTime("2024-01-01T00:00:00.25Z")
    >>> t.ns
    1704067200250000000
    >>> str(t + 0.5)
    '2024-01-01T00:00:00.750000Z'
    >>> (t + 60) - t
    60.0
    """

    __slots__ = ("ns",)
    ns: int

    def __init__(self, value: TimeLike) -> None:
        self.ns = to_ns(value)

    @classmethod
    def from_ns(cls, ns: int) -> UTCTime:
        """From integer nanoseconds since the epoch."""
        t = cls.__new__(cls)
        t.ns = int(ns)
        return t

    @classmethod
    def from_timestamp(cls, seconds: float) -> UTCTime:
        """From float seconds since the epoch, rounded to the nearest ns like ObsPy."""
        return cls.from_ns(round(seconds * 1e9))

    @property
    def timestamp(self) -> float:
        """Float seconds since the epoch (ObsPy's `UTCDateTime.timestamp`)."""
        return self.ns / 1e9

    @property
    def datetime(self) -> _dt.datetime:
        """Naive UTC `datetime` (microsecond resolution, truncated), like ObsPy's `.datetime`."""
        return _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=self.ns // 1000)

    def isoformat(self, digits: int | None = None) -> str:
        """ISO-8601 with `digits` fractional digits (default 6, or 9 when the time has sub-µs parts)."""
        if digits is None:
            digits = 6 if self.ns % 1000 == 0 else 9
        return _seispool.format_time(self.ns, digits)

    def __str__(self) -> str:
        return self.isoformat()

    def __repr__(self) -> str:
        return f"UTCTime({self.isoformat()!r})"

    def __hash__(self) -> int:
        return hash(self.ns)

    def _other(self, other: object) -> int | None:
        try:
            return to_ns(other)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        return o is not None and self.ns == o

    def __lt__(self, other: TimeLike) -> bool:
        return self.ns < to_ns(other)

    def __le__(self, other: TimeLike) -> bool:
        return self.ns <= to_ns(other)

    def __gt__(self, other: TimeLike) -> bool:
        return self.ns > to_ns(other)

    def __ge__(self, other: TimeLike) -> bool:
        return self.ns >= to_ns(other)

    def __add__(self, seconds: float) -> UTCTime:
        if not isinstance(seconds, numbers.Real) or isinstance(seconds, bool):
            return NotImplemented
        return UTCTime.from_ns(self.ns + round(float(seconds) * 1e9))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return UTCTime.from_ns(self.ns - round(float(other) * 1e9))
        o = self._other(other)
        if o is None:
            return NotImplemented
        return (self.ns - o) / 1e9
