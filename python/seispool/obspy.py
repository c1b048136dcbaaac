"""ObsPy interop: `to_obspy(stream)` and `from_obspy(st)`. ObsPy is imported only when these are called.

Data arrays are shared, not copied, in both directions (as ObsPy's own ``Stream.copy`` would not);
call ``.copy()`` first if both sides will be modified. Mapped fields:

* ids, ``starttime`` (exact nanoseconds both ways), ``sampling_rate``, ``npts``, ``data`` and its dtype
  (int32, float32, float64; MiniSEED text as ``S1``);
* ``stats.mseed`` (``encoding`` name, ``record_length``, ``byteorder``, ``dataquality``,
  ``number_of_records``) ⇄ seispool's ``stats.mseed`` dict;
* ``stats.sac`` ⇄ seispool's ``stats.headers`` (SAC header names as ObsPy spells them).

Data of other dtypes coming from ObsPy is kept as it is; it becomes int32 (when every value fits, else
float64) only when handed to the Rust engine. Masked arrays with masked samples are refused (call
``st.split()`` first, which is also what seispool does with gaps). ``stats.calib``, ``response`` and
other ObsPy-only fields are not carried.

>>> import obspy, seispool  # doctest: +SKIP
>>> st = seispool.from_obspy(obspy.read())  # doctest: +SKIP
>>> st.filter("lowpass", freq=5).to_obspy()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seispool.core import Stats, Stream, Trace


def _encodings() -> dict[int, str]:
    from obspy.io.mseed.headers import ENCODINGS  # type: ignore[import-untyped]

    return {code: value[0] for code, value in ENCODINGS.items()}


def to_obspy(stream: Stream | Trace) -> Any:
    """An ``obspy.Stream`` (or ``obspy.Trace`` for a `Trace`) equal to ``stream`` in data, dtype and stats."""
    import obspy  # type: ignore[import-untyped]
    from obspy.core.util import AttribDict  # type: ignore[import-untyped]

    names = _encodings()

    def one(tr: Trace) -> Any:
        s = tr.stats
        header: dict[str, Any] = {
            "network": s.network,
            "station": s.station,
            "location": s.location,
            "channel": s.channel,
            "sampling_rate": s.sampling_rate,
            "starttime": obspy.UTCDateTime(ns=s.starttime_ns),
        }
        out = obspy.Trace(data=tr.data, header=header)
        out.stats.npts = s.npts  # header-only traces keep their npts
        if s.mseed is not None:
            m = s.mseed
            out.stats.mseed = AttribDict(
                {
                    "dataquality": m.get("dataquality", "D"),
                    "number_of_records": m.get("number_of_records", 0),
                    "encoding": names.get(m.get("encoding", -1), str(m.get("encoding"))),
                    "byteorder": ">" if m.get("big_endian", True) else "<",
                    "record_length": m.get("record_length", 0),
                }
            )
        if s.headers:
            out.stats.sac = AttribDict(dict(s.headers))
        return out

    if isinstance(stream, Trace):
        return one(stream)
    return obspy.Stream([one(t) for t in stream])


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
    codes = {name: code for code, name in _encodings().items()}
    out = []
    for tr in traces:
        s = tr.stats
        mseed = None
        if "mseed" in s:
            m = s.mseed
            enc = m.get("encoding")
            mseed = {
                "encoding": codes.get(enc, enc if isinstance(enc, int) else 11),
                "record_length": int(m.get("record_length", 4096)),
                "big_endian": m.get("byteorder", ">") == ">",
                "dataquality": str(m.get("dataquality", "D")),
                "number_of_records": int(m.get("number_of_records", 0)),
                "version": 2,
            }
        headers = {}
        if "sac" in s:
            for k, v in s.sac.items():
                headers[k] = v.item() if isinstance(v, np.generic) else v
        stats = Stats(
            s.network,
            s.station,
            s.location,
            s.channel,
            int(s.starttime.ns),
            float(s.sampling_rate),
            int(s.npts),
            mseed,
            headers,
        )
        t = Trace(header=stats)
        data = _data_from_obspy(tr.data)
        if len(data) or not s.npts:
            t.data = data
        out.append(t)
    return Stream(out)
