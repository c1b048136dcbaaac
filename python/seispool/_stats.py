"""`Stats`: a trace's header with ObsPy's fields, item and attribute access, and custom attributes."""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterator
from typing import Any

from seispool._time import TimeLike, UTCTime, to_ns


class AttribDict(dict):  # type: ignore[type-arg]
    """A dict whose items are also attributes (``stats.mseed.encoding``), as ObsPy's ``AttribDict``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __deepcopy__(self, memo: dict[int, Any]) -> AttribDict:
        return AttribDict({k: _copy.deepcopy(v, memo) for k, v in self.items()})


_CORE = ("network", "station", "location", "channel", "starttime", "endtime", "sampling_rate", "delta", "npts", "calib")
_DERIVED = {"endtime", "delta", "id", "starttime", "endtime_ns", "headers"}
_READONLY = {"endtime", "endtime_ns"}
_INTERNAL = {"network", "station", "location", "channel", "starttime_ns", "sampling_rate", "npts", "calib", "processing", "mseed", "sac"}


class Stats:
    """Header of a `Trace` (ObsPy's `Stats`): id codes, start time, rate, npts, calib; endtime/delta derived.

    Times are `UTCTime` objects; ``starttime_ns``/``endtime_ns`` give the integer nanoseconds. Assigning
    ``starttime`` accepts any time-like value. ``stats.mseed`` (``encoding`` by ObsPy's name,
    ``record_length``, ``byteorder``, ...) and ``stats.sac`` (SAC headers by ObsPy's names) are attribute
    dicts present for MiniSEED and SAC data; ``processing`` lists the ops applied; any other attribute
    can be set and is kept by processing, as in ObsPy.

    >>> s = Stats(network="XX", station="STA", channel="HHZ", sampling_rate=100.0, npts=101,
    ...           starttime="2024-01-01")
    >>> s.id, str(s.endtime), s.delta, s["calib"]
    ('XX.STA..HHZ', '2024-01-01T00:00:01.000000Z', 0.01, 1.0)
    """

    network: str
    station: str
    location: str
    channel: str
    starttime_ns: int
    sampling_rate: float
    npts: int
    calib: float
    processing: list[str]
    mseed: AttribDict | None
    sac: AttribDict

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
        calib: float = 1.0,
        sac: dict[str, Any] | None = None,
        **custom: Any,
    ) -> None:
        d = self.__dict__
        d["network"], d["station"], d["location"], d["channel"] = network, station, location, channel
        d["starttime_ns"] = to_ns(starttime)
        d["sampling_rate"] = float(sampling_rate)
        d["npts"] = int(npts)
        d["calib"] = float(calib)
        d["processing"] = []
        d["mseed"] = None if mseed is None else AttribDict(mseed)
        d["sac"] = AttribDict(sac if sac is not None else (headers or {}))
        if delta is not None:
            self.delta = delta
        for k, v in custom.items():
            if k not in _READONLY:  # ObsPy's update skips them: Stats(**dict(other_stats)) works
                setattr(self, k, v)

    # -- derived fields ----------------------------------------------------------------------------------

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
        self.__dict__["starttime_ns"] = to_ns(value)

    @property
    def delta(self) -> float:
        """Sample interval in seconds (0 when the rate is 0)."""
        return 0.0 if self.sampling_rate == 0 else 1.0 / self.sampling_rate

    @delta.setter
    def delta(self, value: float) -> None:
        self.__dict__["sampling_rate"] = 0.0 if value == 0 else 1.0 / float(value)

    @property
    def endtime_ns(self) -> int:
        """Nanoseconds of the last sample: ``starttime + (npts - 1) * delta`` rounded like ObsPy."""
        if self.npts == 0:
            return int(self.starttime_ns)
        return int(self.starttime_ns + round((self.npts - 1) * self.delta * 1e9))

    @property
    def endtime(self) -> UTCTime:
        """Time of the last sample."""
        return UTCTime.from_ns(self.endtime_ns)

    @property
    def headers(self) -> AttribDict:
        """The SAC headers (same object as `sac`; the name seispool used before ``stats.sac``)."""
        return self.__dict__["sac"]  # type: ignore[no-any-return]

    @headers.setter
    def headers(self, value: dict[str, Any]) -> None:
        self.__dict__["sac"] = AttribDict(value or {})

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("sampling_rate", "calib"):
            value = float(value)
        elif name == "npts":
            value = int(value)
        elif name in ("mseed", "sac") and value is not None:
            value = AttribDict(value)
        object.__setattr__(self, name, value)

    # -- mapping interface -------------------------------------------------------------------------------

    def _custom(self) -> list[str]:
        return [k for k in self.__dict__ if k not in _INTERNAL]

    def keys(self) -> list[str]:
        """Field names as ObsPy lists them: the core fields, ``processing``/``mseed``/``sac`` when present,
        then custom attributes."""
        keys = list(_CORE)
        if self.processing:
            keys.append("processing")
        if self.mseed is not None:
            keys.append("mseed")
        if self.sac:
            keys.append("sac")
        return keys + self._custom()

    def values(self) -> list[Any]:
        return [self[k] for k in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self[k]) for k in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or (key not in self.keys() and key not in _DERIVED and key != "starttime_ns"):
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        if key in _CORE or key in _INTERNAL:
            raise KeyError(f"{key} cannot be deleted")
        del self.__dict__[key]

    def __contains__(self, key: object) -> bool:
        return key in self.keys() or key in _DERIVED or key == "starttime_ns"

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (``stats.get("mseed")``), or ``default`` when absent."""
        return self[key] if key in self else default

    def update(self, other: Any = (), **kwargs: Any) -> None:
        """Sets fields from a mapping and keywords (the derived ``endtime``, ``id`` and ``endtime_ns`` are
        skipped, as ObsPy's ``update`` skips ``endtime``)."""
        for k, v in dict(other, **kwargs).items():
            if k not in _READONLY:
                setattr(self, k, v)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stats):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Stats:
        """A deep copy."""
        return _copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Stats:
        new = Stats.__new__(Stats)
        new.__dict__.update({k: _copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return new

    def _extras(self) -> dict[str, Any]:
        """What the Rust engine does not carry: calib, processing, custom attributes."""
        return {k: v for k, v in self.__dict__.items() if k in ("calib", "processing") or k not in _INTERNAL}

    def __repr__(self) -> str:
        rows: list[tuple[str, Any]] = [(k, self[k]) for k in _CORE]
        rows += [(k, self[k]) for k in self._custom()]
        if self.processing:
            rows.append(("processing", self.processing))
        if self.mseed is not None:
            rows.append(("mseed", self.mseed))
        if self.sac:
            rows.append(("sac", self.sac))
        return "\n".join(f"{k:>15}: {v}" for k, v in rows)

    __str__ = __repr__
