"""`Stats`, `Trace`, `Stream` and `read`: ObsPy's names, seispool's Rust engine underneath.

Every processing method builds pipeline text (DESIGN.md §4) and runs it through the Rust processor, so a
method call and the same line in ``seispool process --pipeline`` give identical results. Methods change the
object in place and return it, as ObsPy's do (``slice`` and ``select`` return new objects, as in ObsPy).
"""

from __future__ import annotations

import copy as _copy
import glob as _glob
import os
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, Union, overload

import numpy as np

from seispool import _seispool
from seispool._pipeline import call
from seispool._time import TimeLike, UTCTime, to_ns

PathLike = Union[str, "os.PathLike[str]"]

_GLOB_CHARS = set("*?[")


def _warn_all(messages: Iterable[str], stacklevel: int = 3) -> None:
    for m in messages:
        warnings.warn(m, UserWarning, stacklevel=stacklevel + 1)


class Stats:
    """Header of a `Trace` (ObsPy's `Stats`): id codes, start time, rate, npts; endtime/delta derived.

    Times are `UTCTime` objects; ``starttime_ns``/``endtime_ns`` give the integer nanoseconds. Assigning
    ``starttime`` accepts any time-like value (ISO string, ``datetime``, ObsPy ``UTCDateTime``, ns ``int``).

    >>> s = Stats(network="XX", station="STA", channel="HHZ", sampling_rate=100.0, npts=101,
    ...           starttime="2024-01-01")
    >>> s.id, str(s.endtime), s.delta
    ('XX.STA..HHZ', '2024-01-01T00:00:01.000000Z', 0.01)
    """

    __slots__ = ("network", "station", "location", "channel", "starttime_ns", "sampling_rate", "npts", "mseed", "headers")

    def __init__(
        self,
        network: str = "",
        station: str = "",
        location: str = "",
        channel: str = "",
        starttime: TimeLike = 0,
        sampling_rate: float = 1.0,
        npts: int = 0,
        mseed: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        delta: float | None = None,
    ) -> None:
        self.network = network
        self.station = station
        self.location = location
        self.channel = channel
        self.starttime_ns = to_ns(starttime)
        self.sampling_rate = float(sampling_rate)
        if delta is not None:
            self.delta = delta
        self.npts = int(npts)
        self.mseed = mseed
        self.headers = dict(headers or {})

    @property
    def id(self) -> str:
        """``NET.STA.LOC.CHA``."""
        return f"{self.network}.{self.station}.{self.location}.{self.channel}"

    @id.setter
    def id(self, value: str) -> None:
        parts = value.split(".")
        if len(parts) != 4:
            raise ValueError(f"id {value!r}: expected NET.STA.LOC.CHA")
        self.network, self.station, self.location, self.channel = parts

    @property
    def starttime(self) -> UTCTime:
        """Time of the first sample."""
        return UTCTime.from_ns(self.starttime_ns)

    @starttime.setter
    def starttime(self, value: TimeLike) -> None:
        self.starttime_ns = to_ns(value)

    @property
    def delta(self) -> float:
        """Sample interval in seconds (0 when the rate is 0)."""
        return 0.0 if self.sampling_rate == 0 else 1.0 / self.sampling_rate

    @delta.setter
    def delta(self, value: float) -> None:
        self.sampling_rate = 0.0 if value == 0 else 1.0 / float(value)

    @property
    def endtime_ns(self) -> int:
        """Nanoseconds of the last sample: ``starttime + (npts - 1) * delta`` rounded like ObsPy."""
        if self.npts == 0:
            return self.starttime_ns
        return self.starttime_ns + round((self.npts - 1) * self.delta * 1e9)

    @property
    def endtime(self) -> UTCTime:
        """Time of the last sample."""
        return UTCTime.from_ns(self.endtime_ns)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    _KEYS = ("network", "station", "location", "channel", "starttime", "endtime", "sampling_rate", "delta", "npts")

    def __contains__(self, key: object) -> bool:
        if key == "mseed":
            return self.mseed is not None
        return key in self._KEYS or key in ("id", "starttime_ns", "endtime_ns", "headers")

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (``stats.get("mseed")``), or ``default`` when absent."""
        return getattr(self, key) if key in self else default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stats):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def copy(self) -> Stats:
        """A deep copy."""
        return _copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Stats:
        new = Stats.__new__(Stats)
        for k in self.__slots__:
            setattr(new, k, _copy.deepcopy(getattr(self, k), memo))
        return new

    def __repr__(self) -> str:
        rows = [
            ("network", self.network),
            ("station", self.station),
            ("location", self.location),
            ("channel", self.channel),
            ("starttime", self.starttime),
            ("endtime", self.endtime),
            ("sampling_rate", self.sampling_rate),
            ("delta", self.delta),
            ("npts", self.npts),
        ]
        if self.mseed is not None:
            rows.append(("mseed", self.mseed))
        if self.headers:
            rows.append(("headers", self.headers))
        return "\n".join(f"{k:>15}: {v}" for k, v in rows)


class Trace:
    """One contiguous, evenly sampled time series: `stats` and `data` (a 1-D numpy array).

    >>> import numpy as np
    >>> tr = Trace(np.arange(10, dtype=np.float64), {"station": "STA", "sampling_rate": 10.0})
    >>> tr.detrend("linear").stats.npts
    10
    """

    __slots__ = ("stats", "_data")

    def __init__(self, data: Any = None, header: dict[str, Any] | Stats | None = None) -> None:
        if isinstance(header, Stats):
            self.stats = header
        else:
            self.stats = Stats(**(header or {}))
        self._data: np.ndarray = np.zeros(0, dtype=np.float64)
        if data is not None:
            self.data = data

    @property
    def data(self) -> np.ndarray:
        """The samples (int32, float32 or float64; ``S1`` for MiniSEED text). Setting it updates npts."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"trace data must be 1-d, got shape {arr.shape}")
        self._data = arr
        self.stats.npts = len(arr)

    @property
    def id(self) -> str:
        """``NET.STA.LOC.CHA``."""
        return self.stats.id

    def __len__(self) -> int:
        return len(self._data)

    def times(self) -> np.ndarray:
        """Seconds of each sample relative to the start time (ObsPy's ``Trace.times()``)."""
        return np.arange(self.stats.npts) * self.stats.delta

    def copy(self) -> Trace:
        """A deep copy (data copied)."""
        return Trace(self._data.copy(), self.stats.copy())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trace):
            return NotImplemented
        return (
            self.stats == other.stats
            and self._data.dtype == other._data.dtype
            and np.array_equal(self._data, other._data)
        )

    def __repr__(self) -> str:
        s = self.stats
        return f"{s.id} | {s.starttime} - {s.endtime} | {s.sampling_rate:.1f} Hz, {s.npts} samples"

    # -- raw tuples shared with the Rust module ------------------------------------------------------

    def _raw(self) -> tuple[Any, ...]:
        s, d = self.stats, self._data
        text = d.dtype.kind == "S"
        if text:
            d = np.ascontiguousarray(d).view(np.uint8)
        elif not d.dtype.isnative:
            d = d.astype(d.dtype.newbyteorder("="))
        if not text and d.dtype not in (np.int32, np.float32, np.float64):
            d = _native(d)
        return (s.network, s.station, s.location, s.channel, s.starttime_ns, s.sampling_rate, s.npts, d, text, s.mseed, s.headers)

    @classmethod
    def _from_raw(cls, raw: tuple[Any, ...]) -> Trace:
        net, sta, loc, cha, start, rate, npts, data, text, mseed, headers = raw
        tr = cls.__new__(cls)
        tr.stats = Stats(net, sta, loc, cha, start, rate, npts, mseed, headers)
        tr._data = data.view("S1") if text else data
        return tr

    def _assign(self, other: Trace) -> None:
        self.stats = other.stats
        self._data = other._data

    # -- processing ------------------------------------------------------------------------------------

    def process(self, pipeline: str) -> Trace:
        """Applies a pipeline (ObsPy method-call syntax) to this trace in place.

        The trace must stay one trace (``merge``/``select`` are stream ops).

        >>> tr.process('detrend("demean"); taper(0.05)')  # doctest: +SKIP
        """
        result = Stream([self])._processed(pipeline, stacklevel=3)
        if len(result) == 0 and pipeline.startswith(("trim(", "slice(")):
            # The window holds no sample: ObsPy's Trace.trim leaves an empty trace.
            self.data = self._data[:0].copy()
            return self
        if len(result) != 1:
            raise _seispool.PipelineError(f"{pipeline!r} turned one trace into {len(result)}; use Stream.process")
        self._assign(result.traces[0])
        return self

    def detrend(self, type: str = "simple", **options: Any) -> Trace:
        """``detrend(type, **options)``: simple, linear, constant/demean, polynomial(order), spline(order, dspline)."""
        return self.process(call("detrend", type, **options))

    def taper(self, max_percentage: float | None, type: str = "hann", max_length: float | None = None, side: str = "both", **kwargs: Any) -> Trace:
        """``taper(max_percentage, type="hann", max_length=None, side="both", **window_options)``."""
        return self.process(call("taper", max_percentage, type=type, max_length=max_length, side=side, **kwargs))

    def filter(self, type: str, **options: Any) -> Trace:
        """``filter(type, **options)``: bandpass, bandstop, lowpass, highpass, lowpass_cheby_2 (ObsPy's options)."""
        return self.process(call("filter", type, **options))

    def decimate(self, factor: int, no_filter: bool = False, strict_length: bool = False) -> Trace:
        """``decimate(factor, no_filter=False, strict_length=False)`` with ObsPy's anti-alias filter."""
        return self.process(call("decimate", factor, no_filter=no_filter, strict_length=strict_length))

    def resample(self, sampling_rate: float, **options: Any) -> Trace:
        """``resample(sampling_rate, window="hann", no_filter=True, strict_length=False)`` (FFT method)."""
        return self.process(call("resample", sampling_rate, **options))

    def interpolate(self, sampling_rate: float, method: str = "weighted_average_slopes", starttime: TimeLike | None = None, **options: Any) -> Trace:
        """``interpolate(sampling_rate, method, starttime=None, npts=None, time_shift=0.0)``."""
        kw = dict(options)
        if starttime is not None:
            kw["starttime"] = starttime
        return self.process(call("interpolate", sampling_rate, method=method, **kw))

    def integrate(self, method: str = "cumtrapz", **options: Any) -> Trace:
        """``integrate(method="cumtrapz")``."""
        return self.process(call("integrate", method=method, **options))

    def differentiate(self, method: str = "gradient") -> Trace:
        """``differentiate(method="gradient")``."""
        return self.process(call("differentiate", method=method))

    def normalize(self, norm: float | None = None) -> Trace:
        """``normalize(norm=None)``: divide by ``|norm|`` or by the absolute maximum."""
        return self.process(call("normalize", norm=norm))

    def trim(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, pad: bool = False, nearest_sample: bool = True, fill_value: float | None = None) -> Trace:
        """``trim(starttime, endtime, pad=False, nearest_sample=True, fill_value=None)``; the trace may become empty."""
        return self.process(call("trim", starttime=starttime, endtime=endtime, pad=pad, nearest_sample=nearest_sample, fill_value=fill_value))

    def slice(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, nearest_sample: bool = True) -> Trace:
        """A new trace cut to the window (``slice``); this trace is unchanged."""
        return self.copy().process(call("slice", starttime=starttime, endtime=endtime, nearest_sample=nearest_sample))

    def write(self, path: PathLike, format: str = "MSEED", encoding: str | None = None, record_length: int | None = None, byteorder: str | None = None) -> None:
        """Writes this trace (see `Stream.write`)."""
        Stream([self]).write(path, format=format, encoding=encoding, record_length=record_length, byteorder=byteorder)


def _big_endian(byteorder: str | None) -> bool | None:
    if byteorder is None:
        return None
    if byteorder in (">", "big"):
        return True
    if byteorder in ("<", "little"):
        return False
    raise ValueError(f"byteorder {byteorder!r}: expected '>' or '<'")


def _native(d: np.ndarray) -> np.ndarray:
    """int32/float32/float64 array for arbitrary numeric data (ints that fit stay int32)."""
    if d.dtype.kind in "iub":
        if d.size == 0 or (d.min() >= np.iinfo(np.int32).min and d.max() <= np.iinfo(np.int32).max):
            return d.astype(np.int32)
        return d.astype(np.float64)
    if d.dtype == np.float16:
        return d.astype(np.float32)
    return d.astype(np.float64)


class Stream:
    """An ordered list of traces with ObsPy's stream methods, processed by seispool's Rust engine.

    >>> st = read("data/*.mseed")  # doctest: +SKIP
    >>> st.merge(method=1, fill_value="interpolate").detrend("linear").filter("bandpass", freqmin=1, freqmax=10)  # doctest: +SKIP
    >>> st.write("out.mseed", encoding="FLOAT32")  # doctest: +SKIP
    """

    __slots__ = ("traces",)

    def __init__(self, traces: Iterable[Trace] | Trace | None = None) -> None:
        if isinstance(traces, Trace):
            traces = [traces]
        self.traces: list[Trace] = list(traces or [])

    def __len__(self) -> int:
        return len(self.traces)

    def __iter__(self) -> Iterator[Trace]:
        return iter(self.traces)

    @overload
    def __getitem__(self, index: int) -> Trace: ...
    @overload
    def __getitem__(self, index: slice) -> Stream: ...
    def __getitem__(self, index: int | slice) -> Trace | Stream:
        if isinstance(index, slice):
            return Stream(self.traces[index])
        return self.traces[index]

    def __setitem__(self, index: int, trace: Trace) -> None:
        self.traces[index] = trace

    def __delitem__(self, index: int | slice) -> None:
        del self.traces[index]

    def __add__(self, other: Stream | Trace) -> Stream:
        if isinstance(other, Trace):
            return Stream([*self.traces, other])
        if isinstance(other, Stream):
            return Stream([*self.traces, *other.traces])
        return NotImplemented

    def __iadd__(self, other: Stream | Trace) -> Stream:
        if isinstance(other, Trace):
            self.traces.append(other)
        elif isinstance(other, Stream):
            self.traces.extend(other.traces)
        else:
            return NotImplemented
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stream):
            return NotImplemented
        return self.traces == other.traces

    def append(self, trace: Trace) -> Stream:
        """Adds a trace at the end."""
        self.traces.append(trace)
        return self

    def extend(self, traces: Iterable[Trace]) -> Stream:
        """Adds traces at the end."""
        self.traces.extend(traces)
        return self

    def copy(self) -> Stream:
        """A deep copy (data copied)."""
        return Stream([t.copy() for t in self.traces])

    def __str__(self) -> str:
        lines = [f"{len(self)} Trace(s) in Stream:"] + [repr(t) for t in self.traces]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<seispool.Stream of {len(self)} traces>"

    def sort(self) -> Stream:
        """Sorts by network, station, location, channel, starttime, endtime (ObsPy's default)."""
        self.traces.sort(key=lambda t: (t.stats.network, t.stats.station, t.stats.location, t.stats.channel, t.stats.starttime_ns, t.stats.endtime_ns))
        return self

    def get_gaps(self) -> list[tuple[str, UTCTime, UTCTime, float, int]]:
        """Gaps (and overlaps, negative) as ``(id, last sample before, first after, seconds, samples)``."""
        return [
            (i, UTCTime.from_ns(a), UTCTime.from_ns(b), d, n)
            for i, a, b, d, n in _seispool.get_gaps([t._raw() for t in self.traces])
        ]

    # -- processing ------------------------------------------------------------------------------------

    def _processed(self, pipeline: str, stacklevel: int = 2) -> Stream:
        raws, warns = _seispool.apply(pipeline, [t._raw() for t in self.traces])
        _warn_all(warns, stacklevel)
        return Stream(Trace._from_raw(r) for r in raws)

    def process(self, pipeline: str) -> Stream:
        """Applies a pipeline (ObsPy method-call syntax, DESIGN.md §4) in place; returns self.

        The GIL is released while the Rust engine works.

        >>> st.process('merge(method=1); detrend("linear"); taper(0.05); filter("lowpass", freq=5)')  # doctest: +SKIP
        """
        self.traces = self._processed(pipeline, stacklevel=3).traces
        return self

    def merge(self, method: int = 0, fill_value: Any = None, interpolation_samples: int = 0, **kwargs: Any) -> Stream:
        """``merge(method=0, fill_value=None, interpolation_samples=0)``; gaps without a fill value stay split."""
        return self.process(call("merge", method=method, fill_value=fill_value, interpolation_samples=interpolation_samples, **kwargs))

    def split(self) -> Stream:
        """``split()``: traces with masked gaps become contiguous pieces (seispool's traces never hold
        masked samples, so this only matters for streams built from ObsPy data)."""
        return self.process("split()")

    def detrend(self, type: str = "simple", **options: Any) -> Stream:
        """``detrend(type, **options)`` on every trace."""
        return self.process(call("detrend", type, **options))

    def taper(self, max_percentage: float | None, type: str = "hann", max_length: float | None = None, side: str = "both", **kwargs: Any) -> Stream:
        """``taper(max_percentage, type="hann", max_length=None, side="both", **window_options)``."""
        return self.process(call("taper", max_percentage, type=type, max_length=max_length, side=side, **kwargs))

    def filter(self, type: str, **options: Any) -> Stream:
        """``filter(type, **options)`` on every trace."""
        return self.process(call("filter", type, **options))

    def decimate(self, factor: int, no_filter: bool = False, strict_length: bool = False) -> Stream:
        """``decimate(factor, no_filter=False, strict_length=False)``."""
        return self.process(call("decimate", factor, no_filter=no_filter, strict_length=strict_length))

    def resample(self, sampling_rate: float, **options: Any) -> Stream:
        """``resample(sampling_rate, window="hann", no_filter=True, strict_length=False)``."""
        return self.process(call("resample", sampling_rate, **options))

    def interpolate(self, sampling_rate: float, method: str = "weighted_average_slopes", starttime: TimeLike | None = None, **options: Any) -> Stream:
        """``interpolate(sampling_rate, method, starttime=None, npts=None, time_shift=0.0)``."""
        kw = dict(options)
        if starttime is not None:
            kw["starttime"] = starttime
        return self.process(call("interpolate", sampling_rate, method=method, **kw))

    def integrate(self, method: str = "cumtrapz", **options: Any) -> Stream:
        """``integrate(method="cumtrapz")``."""
        return self.process(call("integrate", method=method, **options))

    def differentiate(self, method: str = "gradient") -> Stream:
        """``differentiate(method="gradient")``."""
        return self.process(call("differentiate", method=method))

    def normalize(self, norm: float | None = None) -> Stream:
        """``normalize(norm=None)`` per trace."""
        return self.process(call("normalize", norm=norm))

    def trim(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, pad: bool = False, keep_empty_traces: bool = False, nearest_sample: bool = True, fill_value: float | None = None) -> Stream:
        """``trim(starttime, endtime, pad=False, keep_empty_traces=False, nearest_sample=True, fill_value=None)``."""
        return self.process(
            call("trim", starttime=starttime, endtime=endtime, pad=pad, keep_empty_traces=keep_empty_traces, nearest_sample=nearest_sample, fill_value=fill_value)
        )

    def slice(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, keep_empty_traces: bool = False, nearest_sample: bool = True) -> Stream:
        """A new stream cut to the window; this stream is unchanged."""
        text = call("slice", starttime=starttime, endtime=endtime, keep_empty_traces=keep_empty_traces, nearest_sample=nearest_sample)
        return self._processed(text, stacklevel=3)

    def select(self, network: str | None = None, station: str | None = None, location: str | None = None, channel: str | None = None, sampling_rate: float | None = None, npts: int | None = None, component: str | None = None, id: str | None = None) -> Stream:
        """A new stream of the (same, not copied) traces matching every given criterion (globs, as ObsPy)."""
        text = call("select", network=network, station=station, location=location, channel=channel, sampling_rate=sampling_rate, npts=npts, component=component, id=id)
        # Run the op on header-only stand-ins tagged with their index, then keep the original objects.
        stubs = []
        for i, t in enumerate(self.traces):
            s = t.stats
            stubs.append((s.network, s.station, s.location, s.channel, s.starttime_ns, s.sampling_rate, s.npts, np.zeros(0, np.float64), False, None, {"_index": i}))
        raws, _ = _seispool.apply(text, stubs)
        return Stream(self.traces[r[10]["_index"]] for r in raws)

    def write(self, path: PathLike, format: str = "MSEED", encoding: str | None = None, record_length: int | None = None, byteorder: str | None = None) -> None:
        """Writes the stream: ``format`` MSEED (2.4), MSEED3 or SAC (one trace); ``encoding`` STEIM1, STEIM2,
        INT16, INT32, FLOAT32, FLOAT64 or ASCII; ``record_length`` in bytes; ``byteorder`` ``">"`` or ``"<"``.

        Without ``encoding`` each trace keeps its MiniSEED encoding when it fits, else ObsPy's default for the
        dtype. An explicit encoding converts the samples to what it stores (ints widen to floats, float64
        narrows to float32). Encoding and writing run with the GIL released.

        >>> st.write("out.mseed", format="MSEED", encoding="STEIM2", record_length=512)  # doctest: +SKIP
        """
        _seispool.write(
            os.fspath(path),
            [t._raw() for t in self.traces],
            format=format,
            encoding=encoding,
            record_length=record_length,
            big_endian=_big_endian(byteorder),
        )

    def plot(self, path: PathLike, starttime: TimeLike | None = None, endtime: TimeLike | None = None, interval: float | None = None, width: int = 1000, height: int | None = None) -> str:
        """Draws one channel to the PNG ``path`` (no matplotlib) and returns ``path``.

        Up to an hour of data is one waveform panel; longer spans are a day plot (ObsPy's
        ``type="dayplot"`` look), 15-minute lines up to 6 h and 60-minute lines beyond, or ``interval``
        minutes per line (``interval=0``: always one waveform panel). Min/max per pixel column, so no peak is
        lost; gaps stay blank. Same drawing as ``seispool plot``.

        >>> seispool.read("day.mseed").plot("day.png")  # doctest: +SKIP
        'day.png'
        """
        _seispool.plot_stream(
            [t._raw() for t in self.traces],
            os.fspath(path),
            starttime=None if starttime is None else to_ns(starttime),
            endtime=None if endtime is None else to_ns(endtime),
            interval=interval,
            width=width,
            height=height,
        )
        return os.fspath(path)

    def to_obspy(self) -> Any:
        """An ``obspy.Stream`` with equal data (shared arrays), dtypes and stats (see `seispool.obspy`)."""
        from seispool.obspy import to_obspy

        return to_obspy(self)


def expand_paths(path_or_glob: PathLike | Iterable[PathLike]) -> list[str]:
    """Files named by a path, a glob pattern, or a list of them (each pattern sorted, duplicates dropped)."""
    items = [path_or_glob] if isinstance(path_or_glob, (str, os.PathLike)) else list(path_or_glob)
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        p = os.fspath(item)
        matches = sorted(_glob.glob(p, recursive=True)) if _GLOB_CHARS & set(p) else [p]
        if not matches:
            raise _seispool.IoError(f"{p}: no file matches this pattern")
        for m in matches:
            if m not in seen:
                seen.add(m)
                out.append(m)
    return out


def read(
    path_or_glob: PathLike | Iterable[PathLike],
    format: str | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
    headonly: bool = False,
    jobs: int | None = None,
) -> Stream:
    """Reads waveform files (MiniSEED 2/3, SAC; format detected unless given) into one `Stream`.

    ``path_or_glob`` is a file, a directory or SDS archive root (walked; with a time window, day files that
    cannot hold data of it are not opened), a glob (``"archive/2024/**/*.D.*"``, ``**`` recursive) or a
    list of them. Files are decoded in parallel on ``jobs`` threads (default: all cores) with the GIL released.
    ``starttime``/``endtime`` keep only records overlapping the window; ``select`` is an id glob
    (``"XX.STA*..HH?"``); ``headonly`` reads headers only (``data`` empty, ``stats.npts`` from the file).

    >>> st = read("day/*.mseed", starttime="2024-01-01T01:00:00", select="*.HHZ")  # doctest: +SKIP
    """
    paths = expand_paths(path_or_glob)
    raws, warns = _seispool.read(
        paths,
        format=format,
        starttime=None if starttime is None else to_ns(starttime),
        endtime=None if endtime is None else to_ns(endtime),
        select=select,
        headonly=headonly,
        jobs=jobs,
    )
    _warn_all(warns, 2)
    return Stream(Trace._from_raw(r) for r in raws)
