"""`to_obspy`: seispool traces as ObsPy objects. Needs only the traces' ``stats`` and ``data``, so it
imports neither `seispool.core` nor `seispool.obspy` (no import cycle); ObsPy is imported when called."""

from __future__ import annotations

from typing import Any


def to_obspy(stream: Any) -> Any:
    """An ``obspy.Stream`` (or ``obspy.Trace`` for a `Trace`) equal to ``stream`` in data, dtype and stats."""
    import obspy  # type: ignore[import-untyped]
    from obspy.core.util import AttribDict  # type: ignore[import-untyped]

    def one(tr: Any) -> Any:
        s = tr.stats
        header: dict[str, Any] = {
            "network": s.network,
            "station": s.station,
            "location": s.location,
            "channel": s.channel,
            "sampling_rate": s.sampling_rate,
            "starttime": obspy.UTCDateTime(ns=s.starttime_ns),
            "calib": s.calib,
        }
        out = obspy.Trace(data=tr.data, header=header)
        out.stats.npts = s.npts  # header-only traces keep their npts
        if s.mseed is not None:
            out.stats.mseed = AttribDict({k: v for k, v in s.mseed.items() if k != "version"})
        if s.sac:
            out.stats.sac = AttribDict(dict(s.sac))
        for k, v in s._extras().items():
            if k not in ("calib", "processing"):
                out.stats[k] = v
        if s.processing:
            out.stats.processing = list(s.processing)
        return out

    if hasattr(stream, "traces"):
        return obspy.Stream([one(t) for t in stream.traces])
    return one(stream)
