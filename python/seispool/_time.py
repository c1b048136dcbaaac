"""`UTCTime`: a nanosecond UTC time (like ObsPy's `UTCDateTime.ns`), and conversion of time-like inputs.

Numbers are POSIX seconds, as in ObsPy (``UTCTime(1704067200)`` is 2024-01-01); integer nanoseconds
need the explicit `UTCTime.from_ns`. ObsPy's `UTCDateTime` converts both ways without rounding:
``UTCTime(utcdatetime)`` and ``UTCDateTime(utctime)`` keep every nanosecond, and mixed comparisons give
the right answer with either type on the left.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import re
from typing import Any, Union

from seispool import _seispool

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_NS = 1_000_000_000

TimeLike = Union["UTCTime", str, int, float, _dt.datetime, _dt.date, Any]
"""Anything `to_ns` accepts: `UTCTime`, ObsPy `UTCDateTime`, a time string, POSIX seconds (`int` or
`float`), `datetime`/`date`, `numpy.datetime64`."""


_MIN_NS, _MAX_NS = -(2**63), 2**63 - 1


def _in_range(ns: int) -> int:
    if not _MIN_NS <= ns <= _MAX_NS:
        raise ValueError(f"time {ns} ns is outside the years 1677-2262 that nanoseconds in 64 bits can hold")
    return ns


def _seconds_to_ns(value: Any) -> int:
    if isinstance(value, numbers.Integral):
        return _in_range(int(value) * _NS)
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"time {value!r} is not a finite number of seconds")
    return _in_range(int(round(f * 1e9)))  # as ObsPy's UTCDateTime(float)


def to_ns(value: TimeLike) -> int:
    """Nanoseconds since 1970-01-01T00:00:00Z of a time-like value.

    Accepts `UTCTime`, ObsPy `UTCDateTime`, time strings in ObsPy's forms (``"2024-01-01T00:00:00.5Z"``,
    ``"2024-001"``, ``"2024/01/01"``, ``"20240101T120000"``, ``"2024-01-01T12:00:00+01:00"``), POSIX
    seconds as ``int`` or ``float`` (floats rounded to the nearest ns as ObsPy does), ``datetime`` (naive
    = UTC), ``date`` (midnight) and ``numpy.datetime64``.

    >>> to_ns("1970-01-01T00:00:01Z"), to_ns(2), to_ns(0.5)
    (1000000000, 2000000000, 500000000)
    >>> to_ns(_dt.datetime(1970, 1, 1, 0, 0, 0, 5))
    5000
    """
    if isinstance(value, UTCTime):
        return value.ns
    if isinstance(value, bool):
        raise TypeError("a bool is not a time")
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        td = value - _EPOCH
        return (td.days * 86_400 + td.seconds) * _NS + td.microseconds * 1_000
    if isinstance(value, _dt.date):
        return to_ns(_dt.datetime(value.year, value.month, value.day))
    ns = getattr(value, "ns", None)  # ObsPy UTCDateTime
    if isinstance(ns, numbers.Integral) and not isinstance(ns, bool):
        return int(ns)
    if type(value).__name__ == "datetime64":
        import numpy as np

        return int(np.datetime64(value, "ns").astype(np.int64))  # type: ignore[call-overload]
    if isinstance(value, numbers.Real):
        return _seconds_to_ns(value)
    raise TypeError(f"cannot interpret {type(value).__name__} {value!r} as a time (expected a time string, POSIX seconds, datetime, UTCTime or UTCDateTime)")


_OFFSET = re.compile(r"^(?P<main>.*[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2})(\d{2})?(\d{2})?)?(?:[.,](\d+))?$")


def _fraction_ns(digits: str | None) -> int:
    if not digits:
        return 0
    return int((digits + "000000000")[:9])


def _from_fields(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, frac: int = 0) -> int:
    d = _dt.datetime(year, month, day, hour, minute, second)
    return to_ns(d) + frac


def _from_ordinal(year: int, jday: int, hour: int = 0, minute: int = 0, second: int = 0, frac: int = 0) -> int:
    if not 1 <= jday <= (366 if _is_leap(year) else 365):
        raise ValueError(f"day of year {jday} out of range")
    d = _dt.datetime(year, 1, 1, hour, minute, second) + _dt.timedelta(days=jday - 1)
    return to_ns(d) + frac


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def parse(text: str) -> int:
    """Nanoseconds of a time string in the forms ObsPy's `UTCDateTime` accepts.

    >>> parse("2024/01/01") == parse("20240101T000000") == parse("2024-001") == parse("2024-01-01T01:00:00+01:00")
    True
    """
    s = text.strip()
    try:
        return int(_seispool.parse_time(s))
    except ValueError as first:
        error = first
    try:
        m = _OFFSET.match(s)
        if m:  # a UTC offset after the time of day: "...T12:00:00+01:00" is 11:00Z
            offset = int(m.group("h")) * 3600 + int(m.group("m") or 0) * 60
            sign = 1 if m.group("sign") == "+" else -1
            return parse(m.group("main")) - sign * offset * _NS
        s = s.rstrip("Zz")
        c = _COMPACT.match(s)
        if c:
            y, mo, d, h, mi, sec, frac = c.groups()
            return _from_fields(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), _fraction_ns(frac))
        if re.fullmatch(r"\d{7}", s):
            return _from_ordinal(int(s[:4]), int(s[4:]))
        main, _, frac = s.partition(".")
        parts = [p for p in re.split(r"[-/T :_,]+", main) if p]
        if not parts or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
            raise ValueError
        nums = [int(p) for p in parts]
        if len(parts) > 1 and len(parts[1]) == 3:
            y, jd, h, mi, sec = (nums + [0, 0, 0])[:5]
            return _from_ordinal(y, jd, h, mi, sec, _fraction_ns(frac))
        while len(nums) < 3:  # "2024" and "2024-05" mean the first day
            nums.append(1)
        y, mo, d, h, mi, sec = (nums + [0, 0, 0])[:6]
        return _from_fields(y, mo, d, h, mi, sec, _fraction_ns(frac))
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"cannot parse time {text!r} ({error}); expected e.g. '2024-01-01T00:00:00Z', '2024-001', '2024/01/01' or '20240101T120000'") from None


class _ExactSeconds(float):
    """POSIX seconds as a float that also knows its exact nanoseconds: what `UTCTime` hands to ObsPy's
    ``UTCDateTime(value)`` (which multiplies ``value.__float__()`` by 10**9), so no nanosecond is lost."""

    __slots__ = ("ns",)
    ns: int

    def __new__(cls, ns: int) -> _ExactSeconds:
        self = super().__new__(cls, ns / 1e9)
        self.ns = ns
        return self

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, (int, float)) and not isinstance(other, bool) and other == _NS:
            return self.ns
        return float(self) * other

    __rmul__ = __mul__


class UTCTime:
    """A UTC time with nanosecond resolution (no leap seconds), like ObsPy's `UTCDateTime`.

    ``UTCTime(value)`` takes a time string, POSIX seconds (``int``/``float``), ``datetime``, ObsPy
    ``UTCDateTime`` or ``numpy.datetime64``; ``UTCTime(2024, 1, 1, 12)`` takes fields like ``datetime``.

    >>> t = UTCTime("2024-01-01T00:00:00.25Z")
    >>> t.ns, t.year, t.julday, t.microsecond
    (1704067200250000000, 2024, 1, 250000)
    >>> str(t + 0.5), str(UTCTime(1704067200)), str(UTCTime.from_ns(1))
    ('2024-01-01T00:00:00.750000Z', '2024-01-01T00:00:00.000000Z', '1970-01-01T00:00:00.000000001Z')
    >>> (t + 60) - t
    60.0
    """

    __slots__ = ("ns",)
    ns: int

    def __init__(self, *args: Any, **fields: Any) -> None:
        if len(args) == 1 and not fields:
            self.ns = _in_range(to_ns(args[0]))
        elif not args and set(fields) <= {"ns"} and fields:
            self.ns = int(fields["ns"])
        elif "julday" in fields:
            names = ("year", "julday", "hour", "minute", "second", "microsecond")
            v = dict(zip(names, args), **fields)
            self.ns = _from_ordinal(v["year"], v["julday"], v.get("hour", 0), v.get("minute", 0), v.get("second", 0), v.get("microsecond", 0) * 1000)
        elif args or fields:
            self.ns = to_ns(_dt.datetime(*args, **fields))
        else:
            raise TypeError("UTCTime() needs a time (the current time is UTCTime.now())")

    @classmethod
    def from_ns(cls, ns: int) -> UTCTime:
        """From integer nanoseconds since the epoch."""
        if isinstance(ns, bool) or not isinstance(ns, numbers.Integral):
            raise TypeError(f"from_ns needs an integer number of nanoseconds, got {type(ns).__name__} {ns!r}")
        t = cls.__new__(cls)
        t.ns = _in_range(int(ns))
        return t

    @classmethod
    def from_timestamp(cls, seconds: float) -> UTCTime:
        """From float seconds since the epoch, rounded to the nearest ns like ObsPy (same as ``UTCTime(seconds)``)."""
        return cls.from_ns(_seconds_to_ns(seconds))

    @classmethod
    def now(cls) -> UTCTime:
        """The current time."""
        return cls(_dt.datetime.now(_dt.timezone.utc))

    # -- ObsPy interop -----------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only `value.__float__()` as ObsPy's UTCDateTime(value) calls it (and through it every mixed
        # comparison with a UTCDateTime on the left): exact seconds. `float(t)` stays a TypeError
        # (`t.timestamp` is the float), so no float silently drops nanoseconds.
        if name == "__float__":
            return lambda: _ExactSeconds(self.ns)
        raise AttributeError(f"'UTCTime' object has no attribute {name!r}")

    def __mul__(self, other: Any) -> Any:
        # Reached from ObsPy's `UTCDateTime.__sub__`, which multiplies a non-UTCDateTime operand by 1e9.
        raise TypeError(
            "UTCDateTime - UTCTime is not supported by ObsPy's UTCDateTime; write UTCTime(utcdatetime) - t (seconds) or utcdatetime - UTCDateTime(t)"
        )

    # -- fields ------------------------------------------------------------------------------------------

    @property
    def timestamp(self) -> float:
        """Float seconds since the epoch (ObsPy's `UTCDateTime.timestamp`)."""
        return self.ns / 1e9

    @property
    def datetime(self) -> _dt.datetime:
        """Naive UTC `datetime`, the nanoseconds rounded to microseconds as ObsPy's ``.datetime``."""
        us = round(self.ns, -3) // 1000
        return _EPOCH_NAIVE + _dt.timedelta(microseconds=us)

    @property
    def date(self) -> _dt.date:
        """The date part."""
        return self.datetime.date()

    @property
    def time(self) -> _dt.time:
        """The time-of-day part (microseconds)."""
        return self.datetime.time()

    year = property(lambda self: self.datetime.year, doc="Year.")
    month = property(lambda self: self.datetime.month, doc="Month (1-12).")
    day = property(lambda self: self.datetime.day, doc="Day of the month.")
    hour = property(lambda self: self.datetime.hour, doc="Hour.")
    minute = property(lambda self: self.datetime.minute, doc="Minute.")
    second = property(lambda self: self.datetime.second, doc="Second.")
    microsecond = property(lambda self: self.datetime.microsecond, doc="Microsecond (nanoseconds rounded, as ObsPy).")
    julday = property(lambda self: self.datetime.timetuple().tm_yday, doc="Day of the year (1-366).")
    weekday = property(lambda self: self.datetime.weekday(), doc="Day of the week, Monday = 0.")

    @property
    def matplotlib_date(self) -> float:
        """Days since 1970-01-01 (matplotlib's default epoch), as ObsPy's ``matplotlib_date``."""
        return self.ns / (86_400 * 1e9)

    # -- formatting --------------------------------------------------------------------------------------

    def _iso(self, digits: int) -> str:
        return str(_seispool.format_time(self.ns, digits))

    def isoformat(self, sep: str = "T") -> str:
        """``datetime.isoformat`` of `datetime` (no ``Z``; fraction only when non-zero), as ObsPy."""
        return self.datetime.isoformat(sep=sep)

    def strftime(self, format: str) -> str:
        """``datetime.strftime`` of `datetime`."""
        return self.datetime.strftime(format)

    def format_seed(self, compact: bool = False) -> str:
        """SEED volume time text (``2024,001,12:30:35.0450``), as ObsPy's ``format_seed``."""
        d = self.datetime
        head = f"{d.year:04d},{self.julday:03d}"
        if d.time() == _dt.time(0):
            return head
        if not compact:
            return f"{head},{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond // 100:04d}"
        head += f",{d.hour:02d}"
        if d.microsecond:
            return f"{head}:{d.minute:02d}:{d.second:02d}.{d.microsecond // 100:04d}"
        if d.second:
            return f"{head}:{d.minute:02d}:{d.second:02d}"
        if d.minute:
            return f"{head}:{d.minute:02d}"
        return head

    def __str__(self) -> str:
        """ISO text with 6 fractional digits (9 when the time has sub-microsecond parts) and a ``Z``."""
        return self._iso(6 if self.ns % 1000 == 0 else 9)

    def __repr__(self) -> str:
        return f"UTCTime({str(self)!r})"

    def __format__(self, spec: str) -> str:
        return self.strftime(spec) if spec else str(self)

    # -- comparison and arithmetic -------------------------------------------------------------------

    def __hash__(self) -> int:
        return hash(self.ns)

    def __reduce__(self) -> tuple[Any, ...]:
        return (UTCTime.from_ns, (self.ns,))

    @staticmethod
    def _other(other: object) -> int | None:
        if isinstance(other, (UTCTime, str, _dt.date, numbers.Real)) or hasattr(other, "ns") or type(other).__name__ == "datetime64":
            try:
                return to_ns(other)
            except (TypeError, ValueError):
                return None
        return None

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        return o is not None and self.ns == o

    def __ne__(self, other: object) -> bool:
        return not self == other

    def _cmp(self, other: object) -> int:
        o = self._other(other)
        if o is None:
            raise TypeError(f"cannot compare UTCTime with {type(other).__name__} {other!r}")
        return o

    def __lt__(self, other: TimeLike) -> bool:
        return self.ns < self._cmp(other)

    def __le__(self, other: TimeLike) -> bool:
        return self.ns <= self._cmp(other)

    def __gt__(self, other: TimeLike) -> bool:
        return self.ns > self._cmp(other)

    def __ge__(self, other: TimeLike) -> bool:
        return self.ns >= self._cmp(other)

    @staticmethod
    def _delta_ns(value: Any) -> int | None:
        if isinstance(value, _dt.timedelta):
            return (value.days * 86_400 + value.seconds) * _NS + value.microseconds * 1000
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return _seconds_to_ns(value)
        return None

    def __add__(self, seconds: Any) -> UTCTime:
        d = self._delta_ns(seconds)
        if d is None:
            return NotImplemented
        return UTCTime.from_ns(self.ns + d)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        d = self._delta_ns(other)
        if d is not None:
            return UTCTime.from_ns(self.ns - d)
        if isinstance(other, (UTCTime, _dt.datetime)) or hasattr(other, "ns"):
            return (self.ns - to_ns(other)) / 1e9
        return NotImplemented

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, _dt.datetime):
            return (to_ns(other) - self.ns) / 1e9
        return NotImplemented
