"""`Stats`, `Trace`, `Stream` and `read`: ObsPy's names, seispool's Rust engine underneath.

Every processing method builds pipeline text (the ``seispool process --pipeline`` language) and runs it
through the Rust processor, so a method call and the same line in ``seispool process`` give identical
results. Methods change the object in place and return it, as ObsPy's do (``slice``, ``select`` and
``split`` return new objects, as in ObsPy). The shared op methods live in `seispool._ops`, the
everyday conveniences in `seispool._everyday`.
"""

from __future__ import annotations

import glob as _glob
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, Union, overload

import numpy as np

from seispool import _seispool
from seispool._errors import NotFoundError, OptionError, non_negative_int, translated
from seispool._everyday import StreamMethods, TraceMethods
from seispool._ops import ProcessingOps
from seispool._pipeline import call, split_calls
from seispool._raw import RawTrace, encoding_name, mseed_from_obspy, mseed_to_obspy
from seispool._stats import AttribDict, Stats
from seispool._time import TimeLike, UTCTime, to_ns

PathLike = Union[str, "os.PathLike[str]"]

_GLOB_CHARS = set("*?[")
_TAG = "__seispool_index"
_NO_INVENTORY = object()  # `Stream._run` without metadata (``inventory=None`` still means "as ObsPy: none given")

__all__ = ["AttribDict", "PathLike", "Stats", "Stream", "Trace", "expand_paths", "read"]


def _warn_all(messages: Iterable[str], stacklevel: int = 3) -> None:
    for m in messages:
        warnings.warn(m, UserWarning, stacklevel=stacklevel + 1)


class Trace(ProcessingOps, TraceMethods):
    """One contiguous, evenly sampled time series: `stats` and `data` (a 1-D numpy array).

    >>> import numpy as np
    >>> tr = Trace(np.arange(10, dtype=np.float64), {"station": "STA", "sampling_rate": 10.0})
    >>> tr.detrend("linear").stats.npts
    10
    """

    __slots__ = ("stats", "_data")

    def __init__(self, data: Any = None, header: dict[str, Any] | Stats | None = None) -> None:
        if header is not None and not isinstance(header, Stats) and "delta" in header and "sampling_rate" in header:
            # ObsPy sets a header's fields in order: of delta and sampling_rate, the later one wins.
            keys = list(header)
            drop = "delta" if keys.index("delta") < keys.index("sampling_rate") else "sampling_rate"
            header = {k: v for k, v in header.items() if k != drop}
        self.stats = header if isinstance(header, Stats) else Stats(**(header or {}))
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

    def copy(self) -> Trace:
        """A deep copy (data copied)."""
        return Trace(self._data.copy(), self.stats.copy())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trace):
            return NotImplemented
        return self.stats == other.stats and self._data.dtype == other._data.dtype and np.array_equal(self._data, other._data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return self.__str__()

    def __add__(self, trace: Trace) -> Trace:
        """The two traces merged into a new one (``method=0``, as ObsPy's ``tr1 + tr2``); a gap between them,
        or an overlap whose samples differ, raises, since seispool traces hold no masked samples (use
        `Stream.merge` with a ``fill_value``)."""
        if not isinstance(trace, Trace):
            return NotImplemented
        if trace.id != self.id:
            raise TypeError(f"cannot add traces with different ids: {self.id} and {trace.id}")
        merged = Stream([self.copy(), trace.copy()]).merge(method=0)
        if len(merged) != 1:
            gap = self.stats.endtime_ns < trace.stats.starttime_ns or trace.stats.endtime_ns < self.stats.starttime_ns
            what = "leave a gap" if gap else "overlap with samples that differ"
            raise ValueError(
                f"{self.id}: the traces {what}, which ObsPy masks; merge them with Stream.merge(fill_value=...) instead (seispool has no masked traces)"
            )
        return merged.traces[0]

    # -- raw records shared with the Rust module --------------------------------------------------------

    def _raw(self, tag: int | None = None) -> RawTrace:
        s, d = self.stats, self._data
        text = d.dtype.kind == "S"
        if text:
            d = np.ascontiguousarray(d).view(np.uint8)
        elif not d.dtype.isnative:
            d = d.astype(d.dtype.newbyteorder("="))
        if not text and d.dtype not in (np.int32, np.float32, np.float64):
            d = _native(d)
        mseed = None if s.mseed is None else mseed_from_obspy(s.mseed)
        headers = {k: v.item() if isinstance(v, np.generic) else v for k, v in s.sac.items()}
        if tag is not None:
            headers[_TAG] = tag
        return RawTrace(s.network, s.station, s.location, s.channel, s.starttime_ns, s.sampling_rate, s.npts, d, text, mseed, headers)

    @classmethod
    def _from_raw(cls, raw: tuple[Any, ...]) -> Trace:
        r = RawTrace._make(raw)
        tr = cls.__new__(cls)
        mseed = None if r.mseed is None else mseed_to_obspy(r.mseed)
        if mseed is not None and r.mseed is not None and r.mseed.get("version", 2) != 2:
            mseed["version"] = r.mseed["version"]
        tr.stats = Stats(r.network, r.station, r.location, r.channel, UTCTime.from_ns(r.starttime_ns), r.sampling_rate, r.npts, mseed, _sac_types(r.headers))
        tr._data = r.data.view("S1") if r.is_text else r.data
        return tr

    def _stream(self, traces: list[Trace]) -> Stream:
        return Stream(traces)

    def _assign(self, other: Trace) -> None:
        self.stats = other.stats
        self._data = other._data

    # -- processing ------------------------------------------------------------------------------------

    def process(self, pipeline: str) -> Trace:
        """Applies a pipeline (ObsPy method-call syntax) to this trace in place.

        The trace must stay one trace (``merge``/``select`` are stream ops).

        >>> tr.process('detrend("demean"); taper(0.05)')  # doctest: +SKIP
        """
        if Stream([self])._processed_in_place(pipeline, stacklevel=3):
            return self
        result = Stream([self])._processed(pipeline, stacklevel=3)
        if len(result) != 1:
            raise _seispool.PipelineError(f"{pipeline!r} turned one trace into {len(result)}; use Stream.process")
        self._assign(result.traces[0])
        return self

    def _process_with(self, pipeline: str, inventory: Any) -> Trace:
        result = Stream([self])._run(pipeline, stacklevel=4, inventory=inventory)[0]
        self._assign(_one(result, pipeline.split("(")[0]))
        return self

    def normalize(self, norm: float | None = None) -> Trace:
        """``normalize(norm=None)``: divide by ``|norm|`` or by the absolute maximum."""
        return self.process(call("normalize", norm=norm))

    def trim(
        self,
        starttime: TimeLike | None = None,
        endtime: TimeLike | None = None,
        pad: bool = False,
        nearest_sample: bool = True,
        fill_value: float | None = None,
    ) -> Trace:
        """``trim(starttime, endtime, pad=False, nearest_sample=True, fill_value=None)``; the trace may become
        empty (its start time then set as ObsPy sets it)."""
        # ObsPy's Trace.trim cuts on this trace's own grid; Stream.trim would first move the window onto it.
        st = Stream([self])._window("trim", starttime, endtime, True, nearest_sample, snap=False, pad=pad, fill_value=fill_value)
        self._assign(st.traces[0])
        return self

    def slice(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, nearest_sample: bool = True) -> Trace:
        """A new trace cut to the window (``slice``); this trace is unchanged."""
        return Stream([self])._window("slice", starttime, endtime, True, nearest_sample, snap=False).traces[0]

    def write(
        self,
        path: PathLike,
        format: str = "MSEED",
        encoding: str | int | None = None,
        record_length: int | None = None,
        byteorder: str | int | None = None,
        reclen: int | None = None,
    ) -> None:
        """Writes this trace (see `Stream.write`)."""
        Stream([self]).write(path, format=format, encoding=encoding, record_length=record_length, byteorder=byteorder, reclen=reclen)


def _refs(holder: Any) -> int:
    return sys.getrefcount(holder._data)


def _base_refs(data: np.ndarray) -> int:
    return sys.getrefcount(data.base)


class _Holder:
    __slots__ = ("_data",)
    _data: np.ndarray


def _sole_counts() -> tuple[int, int]:
    """The reference counts `_refs` and `_base_refs` see when nothing else refers to the array or its base
    (measured on this interpreter, so they hold for its version)."""
    h = _Holder()
    h._data = np.frombuffer(bytearray(8), dtype=np.float64)
    return _refs(h), _base_refs(h._data)


_SOLE_REFS, _SOLE_BASE_REFS = _sole_counts()


def _borrowable(tr: Trace) -> bool:
    """Whether the Rust engine may change ``tr``'s sample array in place: a writable, C-contiguous, native
    float64 array that nothing but this trace can see: no other reference to it, and its memory its own
    (numpy's) or a buffer seispool handed over that nothing else refers to (a view's base is that buffer).
    Otherwise the op works on a copy as before (the caller's array stays as it was; ObsPy's filter and
    detrend also leave it)."""
    data = tr._data
    flags = data.flags  # holds a reference to the array: dropped before counting
    if not (data.dtype == np.float64 and flags.writeable and flags.c_contiguous and data.ndim == 1):
        return False
    owndata = bool(flags.owndata)
    no_base = data.base is None
    del data, flags
    if _refs(tr) != _SOLE_REFS:
        return False
    if no_base:
        return owndata
    return type(tr._data.base).__name__ == "PySliceContainer" and _base_refs(tr._data) == _SOLE_BASE_REFS


def _one(st: Stream, op: str) -> Trace:
    if len(st) != 1:
        raise _seispool.PipelineError(f"{op} turned one trace into {len(st)} (a gap without fill_value splits it); use Stream.{op}")
    return st.traces[0]


def _big_endian(byteorder: str | int | None) -> bool | None:
    if byteorder is None:
        return None
    if byteorder in (">", "big", 1):
        return True
    if byteorder in ("<", "little", 0):
        return False
    raise OptionError(f"byteorder={byteorder!r}: expected '>' (or 1, big-endian) or '<' (or 0, little-endian)")


def _sac_types(headers: dict[str, Any]) -> dict[str, Any]:
    """SAC header values with ObsPy's types: ``numpy.float32`` and ``numpy.int32`` (the file's), where that
    keeps the value (a float set in Python that float32 cannot hold stays a float)."""
    out: dict[str, Any] = {}
    for k, v in headers.items():
        if isinstance(v, float) and (np.isnan(v) or float(np.float32(v)) == v):
            v = np.float32(v)
        elif isinstance(v, int) and not isinstance(v, bool) and -(2**31) <= v < 2**31:
            v = np.int32(v)
        out[k] = v
    return out


def _raw_for_default_encoding(tr: Trace) -> RawTrace:
    """``tr._raw()``, with ObsPy's default encoding for int16 samples (INT16) unless ``stats.mseed`` names it
    already: the Rust engine sees the samples as int32, whose default is STEIM2."""
    raw = tr._raw()
    mseed: dict[str, Any] = dict(tr.stats.mseed or {})
    if tr._data.dtype.kind != "i" or tr._data.dtype.itemsize != 2 or mseed.get("encoding") in ("INT16", 1):
        return raw
    return raw._replace(mseed=mseed_from_obspy({**mseed, "encoding": "INT16"}))


def _native(d: np.ndarray) -> np.ndarray:
    """int32/float32/float64 array for arbitrary numeric data (ints that fit stay int32)."""
    if d.dtype.kind in "iub":
        if d.size == 0 or (d.min() >= np.iinfo(np.int32).min and d.max() <= np.iinfo(np.int32).max):
            return d.astype(np.int32)
        return d.astype(np.float64)
    if d.dtype == np.float16:
        return d.astype(np.float32)
    return d.astype(np.float64)


class Stream(ProcessingOps, StreamMethods):
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
        # Over a copy of the list, as ObsPy's: `for tr in st: st.remove(tr)` visits every trace.
        return iter(list(self.traces))

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

    def __mul__(self, num: int) -> Stream:
        """A new stream of `num` copies of this one (data copied), as ObsPy's `st * num`."""
        if not isinstance(num, int):
            raise TypeError("Integer expected")
        return Stream([t.copy() for _ in range(num) for t in self.traces])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stream):
            return NotImplemented
        return self.traces == other.traces

    __hash__ = None  # type: ignore[assignment]

    def append(self, trace: Trace) -> Stream:
        """Adds a trace at the end."""
        if not isinstance(trace, Trace):
            raise TypeError(f"append: expected a Trace, got {type(trace).__name__}")
        self.traces.append(trace)
        return self

    def copy(self) -> Stream:
        """A deep copy (data copied)."""
        return Stream([t.copy() for t in self.traces])

    def __repr__(self) -> str:
        return f"<seispool.Stream of {len(self)} traces>"

    # -- processing ------------------------------------------------------------------------------------

    def _processed(self, pipeline: str, stacklevel: int = 2) -> Stream:
        return self._run(pipeline, stacklevel + 1)[0]

    def _processed_in_place(self, pipeline: str, stacklevel: int) -> bool:
        """Runs ``pipeline`` on the traces' own sample arrays without copying them, when every op changes
        only the samples (detrend, taper, filter, integrate, differentiate, normalize) and every array is
        one only its trace can see (`_borrowable`); ``False`` (nothing touched) otherwise. A chain of
        method calls thus copies the samples at most once (the first call, when the array came from the
        caller), then works on the array seispool made. The traces stay the same objects, as in ObsPy."""
        traces = self.traces
        if not all(_borrowable(t) for t in traces):
            return False
        with translated():
            warns = _seispool.apply_in_place(pipeline, [t._raw() for t in traces])
            if warns is None:
                return False
            calls = split_calls(_seispool.check_pipeline(pipeline))
        _warn_all(warns, stacklevel)
        notes = [f"seispool {_seispool.__version__}: {c}" for c in calls]
        for t in traces:
            t.stats.processing.extend(notes)
        return True

    def _run(self, pipeline: str, stacklevel: int, inventory: Any = _NO_INVENTORY) -> tuple[Stream, list[int]]:
        """The processed stream and, per result trace, the index of the input trace it came from (whose
        calib, processing and custom stats it inherits). ``inventory`` (for remove_response and
        remove_sensitivity) is a seispool or ObsPy ``Inventory`` or a StationXML path."""
        tagged = [t._raw(i) for i, t in enumerate(self.traces)]
        with translated():
            if inventory is _NO_INVENTORY:
                raws, warns = _seispool.apply(pipeline, tagged)
            else:
                from seispool.inventory import as_inventory

                raws, warns = _seispool.apply_with_inventory(pipeline, tagged, as_inventory(inventory))
            calls = split_calls(_seispool.check_pipeline(pipeline))
        _warn_all(warns, stacklevel)
        notes = [f"seispool {_seispool.__version__}: {c}" for c in calls]
        out, origins = [], []
        for raw in raws:
            tr = Trace._from_raw(raw)
            index = int(tr.stats.sac.pop(_TAG))
            for k, v in self.traces[index].stats._extras().items():
                setattr(tr.stats, k, list(v) if k == "processing" else v)
            tr.stats.processing.extend(notes)
            out.append(tr)
            origins.append(index)
        return Stream(out), origins

    def process(self, pipeline: str) -> Stream:
        """Applies a pipeline (ObsPy method-call syntax, as ``seispool process --pipeline``) in place; returns
        self. Each op is recorded in the traces' ``stats.processing``.

        The GIL is released while the Rust engine works.

        >>> st.process('merge(method=1); detrend("linear"); taper(0.05); filter("lowpass", freq=5)')  # doctest: +SKIP
        """
        if not self._processed_in_place(pipeline, stacklevel=3):
            self.traces = self._processed(pipeline, stacklevel=3).traces
        return self

    def merge(self, method: int = 0, fill_value: Any = None, interpolation_samples: int = 0, **kwargs: Any) -> Stream:
        """``merge(method=0, fill_value=None, interpolation_samples=0)``; gaps without a fill value stay split."""
        return self.process(call("merge", method=method, fill_value=fill_value, interpolation_samples=interpolation_samples, **kwargs))

    def split(self) -> Stream:
        """A new stream of contiguous traces, as ObsPy's ``split()`` (this stream is unchanged; seispool's
        traces never hold masked samples, so the traces are copies)."""
        return self.copy()

    def normalize(self, global_max: bool = False, *, norm: float | None = None) -> Stream:  # type: ignore[override]
        """Divides each trace by its absolute maximum, or all by the stream's with ``global_max=True``
        (ObsPy's ``Stream.normalize``); ``norm=`` (seispool's, the pipeline op's) divides all by ``|norm|``."""
        if norm is not None:
            return self.process(call("normalize", norm=norm))
        return StreamMethods.normalize(self, global_max=global_max)

    def _window(
        self,
        op: str,
        starttime: TimeLike | None,
        endtime: TimeLike | None,
        keep_empty_traces: bool,
        nearest_sample: bool,
        snap: bool = True,
        pad: bool = False,
        fill_value: float | None = None,
    ) -> Stream:
        """The traces cut to the window as ObsPy's ``Stream.trim``/``slice`` (``snap``: the window moved onto
        the first trace's grid) or ``Trace.trim``/``slice`` of each trace alone; traces the window empties
        are kept, with no samples and the start time ObsPy leaves them, when ``keep_empty_traces``."""
        start = None if starttime is None else to_ns(starttime)
        end = None if endtime is None else to_ns(endtime)
        if start is not None and end is not None and start > end:
            raise OptionError(f"{op}: starttime {UTCTime.from_ns(start)} is after endtime {UTCTime.from_ns(end)}")
        kw: dict[str, Any] = {"pad": pad, "fill_value": fill_value} if op == "trim" else {}
        text = call(op, starttime=starttime, endtime=endtime, nearest_sample=nearest_sample, **kw)
        if isinstance(fill_value, (int, np.integer)) and not isinstance(fill_value, bool):
            fill_value = int(fill_value)
        elif fill_value is not None:
            fill_value = float(fill_value)
        with translated():
            calls = split_calls(_seispool.check_pipeline(text))  # the op's checks and its canonical text
            raws = _seispool.trim_traces([t._raw() for t in self.traces], start, end, pad, nearest_sample, fill_value, snap)
        notes = [f"seispool {_seispool.__version__}: {c}" for c in calls]
        out = []
        for old, raw in zip(self.traces, raws):
            tr = Trace._from_raw(raw)
            if not (tr.stats.npts or keep_empty_traces):
                continue
            for k, v in old.stats._extras().items():
                setattr(tr.stats, k, list(v) if k == "processing" else v)
            tr.stats.processing.extend(notes)
            out.append(tr)
        return Stream(out)

    def trim(
        self,
        starttime: TimeLike | None = None,
        endtime: TimeLike | None = None,
        pad: bool = False,
        keep_empty_traces: bool = False,
        nearest_sample: bool = True,
        fill_value: float | None = None,
    ) -> Stream:
        """``trim(starttime, endtime, pad=False, keep_empty_traces=False, nearest_sample=True, fill_value=None)``
        in place; with ``keep_empty_traces`` traces outside the window stay, empty."""
        self.traces = self._window("trim", starttime, endtime, keep_empty_traces, nearest_sample, pad=pad, fill_value=fill_value).traces
        return self

    def _process_with(self, pipeline: str, inventory: Any) -> Stream:
        self.traces = self._run(pipeline, stacklevel=4, inventory=inventory)[0].traces
        return self

    def slice(self, starttime: TimeLike | None = None, endtime: TimeLike | None = None, keep_empty_traces: bool = False, nearest_sample: bool = True) -> Stream:
        """A new stream cut to the window; this stream is unchanged."""
        return self._window("slice", starttime, endtime, keep_empty_traces, nearest_sample)

    def select(
        self,
        network: str | None = None,
        station: str | None = None,
        location: str | None = None,
        channel: str | None = None,
        sampling_rate: float | None = None,
        npts: int | None = None,
        component: str | None = None,
        id: str | None = None,
    ) -> Stream:
        """A new stream of the (same, not copied) traces matching every given criterion (globs, as ObsPy)."""
        text = call(
            "select", network=network, station=station, location=location, channel=channel, sampling_rate=sampling_rate, npts=npts, component=component, id=id
        )
        # Run the op on header-only stand-ins tagged with their index, then keep the original objects.
        stubs = []
        for i, t in enumerate(self.traces):
            s = t.stats
            stubs.append(
                RawTrace(s.network, s.station, s.location, s.channel, s.starttime_ns, s.sampling_rate, s.npts, np.zeros(0, np.float64), False, None, {_TAG: i})
            )
        with translated():
            raws, _ = _seispool.apply(text, stubs)
        return Stream(self.traces[RawTrace._make(r).headers[_TAG]] for r in raws)

    def write(
        self,
        path: PathLike,
        format: str = "MSEED",
        encoding: str | int | None = None,
        record_length: int | None = None,
        byteorder: str | int | None = None,
        reclen: int | None = None,
    ) -> None:
        """Writes the stream: ``format`` MSEED (2.4), MSEED3 or SAC (one trace); ``encoding`` STEIM1, STEIM2,
        INT16, INT32, FLOAT32, FLOAT64 or ASCII, or ObsPy's integer code (11 = STEIM2); ``record_length``
        (or ObsPy's ``reclen``) in bytes; ``byteorder`` ``">"``/``"<"`` (or 1/0).

        Without ``encoding`` each trace keeps its MiniSEED encoding when it fits, else ObsPy's default for the
        dtype (int16 samples: INT16, as ObsPy). An explicit encoding converts the samples to what it stores (ints widen to floats, float64
        narrows to float32); floats are never rounded to integers: STEIM1/STEIM2/INT* on float data raise,
        as in ObsPy. Encoding and writing run with the GIL released.

        >>> st.write("out.mseed", format="MSEED", encoding="STEIM2", record_length=512)  # doctest: +SKIP
        """
        if reclen is not None and record_length is not None and reclen != record_length:
            raise OptionError(f"reclen={reclen} and record_length={record_length} disagree; give one")
        raws = [t._raw() if encoding is not None else _raw_for_default_encoding(t) for t in self.traces]
        with translated():
            _seispool.write(
                os.fspath(path),
                raws,
                format=format,
                encoding=encoding_name(encoding),
                record_length=non_negative_int("record_length", record_length if reclen is None else reclen),
                big_endian=_big_endian(byteorder),
            )

    def plot(
        self,
        path: PathLike,
        starttime: TimeLike | None = None,
        endtime: TimeLike | None = None,
        interval: float | None = None,
        width: int = 1000,
        height: int | None = None,
    ) -> str:
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
        from seispool._to_obspy import to_obspy

        return to_obspy(self)


def expand_paths(path_or_glob: PathLike | Iterable[PathLike]) -> list[str]:
    """Files named by a path, a glob pattern, or a list of them (each pattern sorted, duplicates dropped)."""
    if isinstance(path_or_glob, (str, os.PathLike)):
        items: list[Any] = [path_or_glob]
    elif isinstance(path_or_glob, Iterable) and not isinstance(path_or_glob, bytes):
        items = list(path_or_glob)
    else:
        raise TypeError(f"paths: expected a path, a glob pattern or a list of them, got {type(path_or_glob).__name__} {path_or_glob!r}")
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"paths: expected str or os.PathLike items, got {type(item).__name__} {item!r}")
        p = os.fspath(item)
        matches = sorted(_glob.glob(p, recursive=True)) if _GLOB_CHARS & set(p) else [p]
        if not matches:
            raise NotFoundError(f"{p}: no file matches this pattern", p)
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
    follow_symlinks: bool = False,
) -> Stream:
    """Reads waveform files (MiniSEED 2/3, SAC; format detected unless given) into one `Stream`.

    ``path_or_glob`` is a file, a directory or SDS archive root (walked; with a time window, day files that
    cannot hold data of it are not opened), a glob (``"archive/2024/**/*.D.*"``, ``**`` recursive) or a
    list of them. Files are decoded in parallel on ``jobs`` threads (default: all cores) with the GIL released.
    ``starttime``/``endtime`` keep only data in the window, cut as ObsPy's ``read`` cuts; ``select`` is an
    id glob (``"XX.STA*..HH?"``); ``headonly`` reads headers only (``data`` empty, ``stats.npts`` from the file).
    A missing file raises `NotFoundError` (a ``FileNotFoundError``). Symbolic links in directories are not
    followed out of them unless ``follow_symlinks=True`` (e.g. SDS year directories linked onto other disks).

    >>> st = read("day/*.mseed", starttime="2024-01-01T01:00:00", select="*.HHZ")  # doctest: +SKIP
    """
    paths = expand_paths(path_or_glob)
    start = None if starttime is None else to_ns(starttime)
    end = None if endtime is None else to_ns(endtime)
    if start is not None and end is not None and start > end:
        raise OptionError(f"read: starttime {UTCTime.from_ns(start)} is after endtime {UTCTime.from_ns(end)}")
    with translated():
        raws, warns = _seispool.read(
            paths,
            format=format,
            starttime=start,
            endtime=end,
            select=select,
            headonly=headonly,
            jobs=non_negative_int("jobs", jobs),
            follow_symlinks=bool(follow_symlinks),
        )
    _warn_all(warns, 2)
    return Stream(Trace._from_raw(r) for r in raws)
