"""The everyday `Trace` and `Stream` methods that need no Rust engine (statistics, list handling, gaps,
printing, sliding windows, rotation), with ObsPy's semantics. `Trace` and `Stream` inherit them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from math import cos, radians, sin
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from seispool._time import TimeLike, UTCTime, to_ns

if TYPE_CHECKING:
    from seispool._stats import Stats
    from seispool.core import Stream, Trace

_S = TypeVar("_S", bound="StreamMethods")
_T = TypeVar("_T", bound="TraceMethods")

_SORT_KEYS = ["network", "station", "location", "channel", "starttime", "endtime"]


class TraceMethods:
    """ObsPy's `Trace` conveniences: ``max``, ``std``, ``count``, ``get_id``, ``verify``, ``times``,
    ``split``, ``__str__``."""

    __slots__ = ()
    if TYPE_CHECKING:
        stats: Stats
        data: np.ndarray

        @property
        def id(self) -> str: ...

        def copy(self) -> Trace: ...

        def _stream(self, traces: list[Trace]) -> Stream: ...

    def max(self) -> Any:
        """The sample with the largest absolute value, its sign kept (ObsPy's ``Trace.max``)."""
        value = self.data.max()
        low = self.data.min()
        return low if abs(low) > abs(value) else value

    def std(self) -> Any:
        """Standard deviation of the samples (``numpy.std``)."""
        return self.data.std()

    def count(self) -> int:
        """Number of samples."""
        return len(self.data)

    def get_id(self) -> str:
        """``NET.STA.LOC.CHA``."""
        return self.stats.id

    def verify(self: _T) -> _T:
        """Checks that ``npts`` matches the data and the data is a 1-d array; returns the trace, or raises
        ``ValueError``."""
        if not isinstance(self.data, np.ndarray) or self.data.ndim != 1:
            raise ValueError(f"{self.id}: data must be a 1-d numpy array")
        if len(self.data) != self.stats.npts:
            raise ValueError(f"{self.id}: npts {self.stats.npts} does not match the {len(self.data)} samples")
        return self

    def times(self, type: str = "relative", reftime: TimeLike | None = None) -> np.ndarray:
        """Sample times: ``"relative"`` seconds (to the start, or to ``reftime``), ``"timestamp"`` POSIX
        seconds, ``"utcdatetime"`` `UTCTime` objects, ``"matplotlib"`` day numbers (ObsPy's ``times``)."""
        kind = type.lower()
        t = np.arange(self.stats.npts) / self.stats.sampling_rate
        start = self.stats.starttime
        if kind == "relative":
            if reftime is not None:
                t += round((start.ns - to_ns(reftime)) / 1e9, 6)  # ObsPy's UTCDateTime difference
            return t
        if kind == "timestamp":
            return t + start.timestamp
        if kind == "utcdatetime":
            return np.array([start + x for x in t], dtype=object)
        if kind == "matplotlib":
            return start.matplotlib_date + t / 86400.0
        raise ValueError(f"times(type={type!r}): expected 'relative', 'timestamp', 'utcdatetime' or 'matplotlib'")

    def split(self) -> Stream:
        """A new `Stream` of the contiguous pieces: a copy of this trace (seispool traces have no gaps).
        Like ObsPy's, it records ``split()`` in this trace's ``stats.processing``."""
        from seispool import _seispool

        self.stats.processing.append(f"seispool {_seispool.__version__}: split()")
        return self._stream([self.copy()])

    def __str__(self, id_length: int | None = None) -> str:
        s = self.stats
        tid = f"{s.id:<{id_length}}" if id_length else s.id
        rate = f"{s.delta:.1f} s" if s.sampling_rate < 0.1 else f"{s.sampling_rate:.1f} Hz"
        return f"{tid} | {s.starttime} - {s.endtime} | {rate}, {s.npts} samples"


class StreamMethods:
    """ObsPy's `Stream` list handling, statistics, gaps, printing, ``slide`` and ``rotate``."""

    __slots__ = ()
    if TYPE_CHECKING:
        traces: list[Trace]

        def slice(
            self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, keep_empty_traces: bool = False, nearest_sample: bool = True
        ) -> Stream: ...

    # -- list handling -----------------------------------------------------------------------------------

    def count(self) -> int:
        """Number of traces."""
        return len(self.traces)

    def pop(self, index: int = -1) -> Trace:
        """Removes and returns the trace at ``index`` (default: the last)."""
        return self.traces.pop(index)

    def remove(self: _S, trace: Trace) -> _S:
        """Removes the first trace equal to ``trace``; ``ValueError`` when there is none."""
        self.traces.remove(trace)
        return self

    def insert(self: _S, position: int, object: Trace | Stream | list[Trace]) -> _S:
        """Inserts a trace, a list of traces or a stream's traces at ``position``."""
        items = _traces_of(object, "insert")
        self.traces[position:position] = items
        return self

    def extend(self: _S, trace_list: Stream | Iterable[Trace]) -> _S:
        """Adds a list of traces or a stream's traces at the end."""
        self.traces.extend(_traces_of(trace_list, "extend", single=False))
        return self

    def reverse(self: _S) -> _S:
        """Reverses the order of the traces in place."""
        self.traces.reverse()
        return self

    def sort(self: _S, keys: list[str] | None = None, reverse: bool = False) -> _S:
        """Sorts in place by ``keys`` (stats fields; default network, station, location, channel,
        starttime, endtime), the first key deciding first; stable, as ObsPy's."""
        keys = list(_SORT_KEYS) if keys is None else keys
        if not isinstance(keys, list):
            raise TypeError("sort(keys=): expected a list of stats field names such as ['network', 'starttime']")
        for key in keys[::-1]:
            self.traces.sort(key=lambda t: t.stats[key], reverse=reverse)
        return self

    # -- statistics ----------------------------------------------------------------------------------------

    def max(self) -> list[Any]:
        """``Trace.max()`` of every trace."""
        return [t.max() for t in self.traces]

    def std(self) -> list[Any]:
        """``Trace.std()`` of every trace."""
        return [t.std() for t in self.traces]

    def normalize(self: _S, global_max: bool = False) -> _S:
        """Divides each trace by its absolute maximum, or all by the stream's with ``global_max=True``."""
        norm = max(abs(v) for v in self.max()) if global_max and self.traces else None
        for t in self.traces:
            t.normalize(norm=norm)
        return self

    # -- gaps and printing -----------------------------------------------------------------------------------

    def get_gaps(self, min_gap: float | None = None, max_gap: float | None = None) -> list[list[Any]]:
        """Gaps and overlaps as ObsPy's rows ``[network, station, location, channel, last sample,
        next sample, seconds (negative: overlap), samples]``; ``min_gap``/``max_gap`` filter on seconds."""
        from seispool import _seispool

        rows = []
        for gid, a, b, delta, n in _seispool.get_gaps([t._raw() for t in self.traces]):
            if (min_gap and delta < min_gap) or (max_gap and delta > max_gap):
                continue
            rows.append([*gid.split("."), UTCTime.from_ns(a), UTCTime.from_ns(b), delta, n])
        return rows

    def print_gaps(self, min_gap: float | None = None, max_gap: float | None = None) -> None:
        """Prints `get_gaps` as ObsPy's table."""
        rows = self.get_gaps(min_gap, max_gap)
        print("%-17s %-27s %-27s %-15s %-8s" % ("Source", "Last Sample", "Next Sample", "Delta", "Samples"))
        for r in rows:
            print("%-17s %-27s %-27s %-15.6f %-8d" % (".".join(r[0:4]), r[4], r[5], r[6], r[7]))
        gaps = sum(1 for r in rows if r[6] > 0)
        print("Total: %d gap(s) and %d overlap(s)" % (gaps, len(rows) - gaps))

    def __str__(self, extended: bool = False) -> str:
        n = len(self.traces)
        width = max((len(t.id) for t in self.traces), default=0)
        out = f"{n} Trace(s) in Stream:\n"
        if n <= 20 or extended:
            return out + "\n".join(t.__str__(width) for t in self.traces)
        return (
            out
            + f"\n{self.traces[0]}\n...\n({n - 2} other traces)\n...\n{self.traces[-1]}"
            + '\n\n[Use "print(Stream.__str__(extended=True))" to print all Traces]'
        )

    # -- windows and rotation ------------------------------------------------------------------------------

    def slide(
        self, window_length: float, step: float, offset: float = 0, include_partial_windows: bool = False, nearest_sample: bool = True
    ) -> Iterator[Stream]:
        """Yields `slice` views of consecutive windows (ObsPy's ``slide``; window times computed as it does)."""
        if not self.traces:
            return
        start = min(t.stats.starttime for t in self.traces).timestamp
        end = max(t.stats.endtime for t in self.traces).timestamp
        stop = end - 0.001 * step if step > 0 else start - 0.001 * abs(step)
        lefts = np.arange(start + offset, stop, step, dtype=np.float64)
        if step > 0:
            windows = [(float(a), min(float(a) + window_length, end)) for a in lefts]
        else:
            windows = [(max(float(a) - window_length, start), float(a)) for a in lefts]
        if not include_partial_windows:
            windows = [w for w in windows if abs(w[1] - w[0]) > 0.999 * window_length]
        for a, b in windows:
            part = self.slice(UTCTime(float(a)), UTCTime(float(b)), nearest_sample=nearest_sample)
            if len(part):
                yield part

    def rotate(self: _S, method: str, back_azimuth: float | None = None, inclination: float | None = None, **kwargs: Any) -> _S:
        """Rotates components in place: ``"NE->RT"``, ``"RT->NE"`` (``back_azimuth`` in degrees, or each
        trace's ``stats.back_azimuth``), ``"ZNE->LQT"``, ``"LQT->ZNE"`` (also ``inclination``), with ObsPy's
        formulas; channels are renamed and ``stats.back_azimuth``/``inclination`` set. ``"->ZNE"`` needs
        an inventory and is not supported."""
        if kwargs or method == "->ZNE":
            raise ValueError(f"rotate({method!r}): seispool rotates NE->RT, RT->NE, ZNE->LQT and LQT->ZNE; '->ZNE' and inventory= are not supported")
        if method not in _ROTATIONS:
            raise ValueError(f"rotate method {method!r}: expected one of {sorted(_ROTATIONS)} (or '->ZNE', not supported)")
        groups: dict[tuple[str, str, str, str], list[Trace]] = {}
        for t in self.traces:
            if not t.stats.channel:
                raise ValueError(f"{t.id}: rotate needs a channel code of at least one character")
            s = t.stats
            groups.setdefault((s.network, s.station, s.location, s.channel[:-1]), []).append(t)
        for traces in groups.values():
            _rotate_group(traces, method, back_azimuth, inclination)
        return self


def _traces_of(obj: Any, what: str, single: bool = True) -> list[Trace]:
    # Duck-typed (a Trace has `stats`, a Stream `traces`) so that this module needs nothing of seispool.core.
    if single and hasattr(obj, "stats") and hasattr(obj, "data"):
        return [obj]
    if hasattr(obj, "traces"):
        return list(obj.traces)
    if isinstance(obj, (list, tuple)) and all(hasattr(t, "stats") and hasattr(t, "data") for t in obj):
        return list(obj)
    raise TypeError(f"{what}: expected {'a Trace, ' if single else ''}a list of Traces or a Stream, got {type(obj).__name__}")


def _ne_rt(n: np.ndarray, e: np.ndarray, ba: float) -> tuple[np.ndarray, np.ndarray]:
    if not 0 <= ba <= 360:
        raise ValueError(f"back_azimuth {ba} must be between 0 and 360 degrees")
    b = radians(ba)
    return -e * sin(b) - n * cos(b), -e * cos(b) + n * sin(b)


def _rt_ne(r: np.ndarray, t: np.ndarray, ba: float) -> tuple[np.ndarray, np.ndarray]:
    return _ne_rt(r, t, 360.0 - ba)


def _angles(ba: float, inc: float) -> tuple[float, float]:
    if not 0 <= ba <= 360:
        raise ValueError(f"back_azimuth {ba} must be between 0 and 360 degrees")
    if not 0 <= inc <= 360:
        raise ValueError(f"inclination {inc} must be between 0 and 360 degrees")
    return radians(ba), radians(inc)


def _zne_lqt(z: np.ndarray, n: np.ndarray, e: np.ndarray, ba: float, inc: float) -> tuple[np.ndarray, ...]:
    b, i = _angles(ba, inc)
    return (
        z * cos(i) - n * sin(i) * cos(b) - e * sin(i) * sin(b),
        z * sin(i) + n * cos(i) * cos(b) + e * cos(i) * sin(b),
        n * sin(b) - e * cos(b),
    )


def _lqt_zne(l: np.ndarray, q: np.ndarray, t: np.ndarray, ba: float, inc: float) -> tuple[np.ndarray, ...]:  # noqa: E741
    b, i = _angles(ba, inc)
    return (
        l * cos(i) + q * sin(i),
        -l * sin(i) * cos(b) + q * cos(i) * cos(b) + t * sin(b),
        -l * sin(i) * sin(b) + q * cos(i) * sin(b) - t * cos(b),
    )


_ROTATIONS: dict[str, Any] = {"NE->RT": _ne_rt, "RT->NE": _rt_ne, "ZNE->LQT": _zne_lqt, "LQT->ZNE": _lqt_zne}


def _rotate_group(traces: list[Trace], method: str, back_azimuth: float | None, inclination: float | None) -> None:
    inputs, outputs = method.split("->")
    by_comp = [[t for t in traces if t.stats.channel[-1:] == c] for c in inputs]
    for group in zip(*by_comp):
        first = group[0]
        for other in group[1:]:
            if (
                len(other) != len(first)
                or abs(other.stats.starttime - first.stats.starttime) > 0.5 * first.stats.delta
                or other.stats.sampling_rate != first.stats.sampling_rate
            ):
                raise ValueError(f"rotate {method}: {first.id} and {other.id} need the same time span, sampling rate and length")
    for group in zip(*by_comp):
        baz = back_azimuth if back_azimuth is not None else getattr(group[0].stats, "back_azimuth", None)
        if baz is None:
            raise TypeError(f"rotate {method}: no back_azimuth given and {group[0].id} has no stats.back_azimuth")
        args: list[Any] = [t.data for t in group] + [baz]
        inc = None
        if len(inputs) == 3:
            inc = inclination if inclination is not None else getattr(group[0].stats, "inclination", None)
            if inc is None:
                raise TypeError(f"rotate {method}: no inclination given and {group[0].id} has no stats.inclination")
            args.append(inc)
        results = _ROTATIONS[method](*args)
        for t, data, comp in zip(group, results, outputs):
            t.data = data
            t.stats.channel = t.stats.channel[:-1] + comp
            t.stats.back_azimuth = baz
            if inc is not None:
                t.stats.inclination = inc
