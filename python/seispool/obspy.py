"""ObsPy interop: `to_obspy(stream)` and `from_obspy(st)`. ObsPy is imported only when these are called.

Data arrays are shared, not copied, in both directions (as ObsPy's own ``Stream.copy`` would not);
call ``.copy()`` first if both sides will be modified. Mapped fields:

* ids, ``starttime`` (exact nanoseconds both ways), ``sampling_rate``, ``npts``, ``data`` and its dtype
  (int32, float32, float64; MiniSEED text as ``S1``);
* ``stats.mseed`` (``encoding`` name, ``record_length``, ``byteorder``, ``dataquality``,
  ``number_of_records``) and ``stats.sac`` (SAC header names as ObsPy spells them), same names both sides;
* ``calib``, ``processing`` and custom stats attributes (``back_azimuth``, ``response``, ...).

Data of other dtypes coming from ObsPy is kept as it is; it becomes int32 (when every value fits, else
float64) only when handed to the Rust engine. Masked arrays with masked samples are refused (call
``st.split()`` first, which is also what seispool does with gaps).

>>> import obspy, seispool  # doctest: +SKIP
>>> st = seispool.from_obspy(obspy.read())  # doctest: +SKIP
>>> st.filter("lowpass", freq=5).to_obspy()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seispool._raw import mseed_from_obspy, mseed_to_obspy
from seispool._stats import AttribDict
from seispool._time import UTCTime
from seispool._to_obspy import to_obspy
from seispool.core import Stats, Stream, Trace

__all__ = ["from_obspy", "to_obspy"]

_OBSPY_FIELDS = {"network", "station", "location", "channel", "starttime", "endtime", "sampling_rate", "delta", "npts", "calib", "mseed", "sac", "_format"}


def _mseed_stats(m: Any) -> dict[str, Any]:
    """ObsPy's ``stats.mseed`` as seispool's (same names; an encoding seispool does not know becomes STEIM2)."""
    return mseed_to_obspy(mseed_from_obspy(m))


def _data_from_obspy(data: Any) -> np.ndarray:
    if np.ma.isMaskedArray(data):
        if np.ma.count_masked(data):
            raise ValueError("masked (gappy) data: call st.split() first, seispool keeps gaps as separate traces")
        data = np.ma.getdata(data)
    arr = np.asarray(data)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def from_obspy(st: Any) -> Stream:
    """A seispool `Stream` from an ``obspy.Stream`` (or a `Trace`'s stream from an ``obspy.Trace``)."""
    traces = [st] if hasattr(st, "stats") else list(st)
    out = []
    for tr in traces:
        s = tr.stats
        stats = Stats(
            s.network,
            s.station,
            s.location,
            s.channel,
            UTCTime.from_ns(int(s.starttime.ns)),
            float(s.sampling_rate),
            int(s.npts),
            calib=float(s.get("calib", 1.0)),
        )
        if "mseed" in s:
            stats.mseed = AttribDict(_mseed_stats(s.mseed))
        if "sac" in s:
            stats.sac = AttribDict(dict(s.sac))  # ObsPy's value types (numpy.float32, ...) kept
        for k, v in s.items():
            if k not in _OBSPY_FIELDS:
                setattr(stats, k, list(v) if k == "processing" else v)
        t = Trace(header=stats)
        data = _data_from_obspy(tr.data)
        if len(data) or not s.npts:
            t.data = data
        out.append(t)
    return Stream(out)
