"""`seispool.ppsd`: ObsPy's probabilistic power spectral densities (``obspy.signal.PPSD``) for every channel
of files, directories or SDS archives, computed in parallel by the Rust engine."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from seispool import _seispool
from seispool._time import TimeLike, to_ns
from seispool.core import PathLike


class PPSDResult:
    """One channel's PPSD: ObsPy's stored arrays as numpy arrays, and `to_obspy()`.

    Attributes (ObsPy's names without the underscore): ``id``, ``sampling_rate``, ``times_processed`` (int64
    ns), ``binned_psds`` (float32, one row per window), ``psd_periods``, ``period_binning`` (5 rows),
    ``db_bin_edges``, ``times_data``, ``times_gaps`` (int64 ns pairs), ``warnings``.
    """

    def __init__(self, channel_id: str, npz: bytes, warnings: list[str]) -> None:
        self._npz = npz
        self.id = channel_id
        self.warnings = warnings
        with np.load(io.BytesIO(npz)) as data:
            self.sampling_rate = float(data["sampling_rate"])
            self.times_processed = np.asarray(data["_times_processed"], dtype=np.int64)
            psds = data["_binned_psds"]
            nbins = data["_period_binning"].shape[1]
            self.binned_psds = np.asarray(psds, dtype=np.float32).reshape(-1, nbins)
            self.psd_periods = data["_psd_periods"]
            self.period_binning = data["_period_binning"]
            self.db_bin_edges = data["_db_bin_edges"]
            self.times_data = np.asarray(data["_times_data"], dtype=np.int64).reshape(-1, 2)
            self.times_gaps = np.asarray(data["_times_gaps"], dtype=np.int64).reshape(-1, 2)

    def __repr__(self) -> str:
        return f"PPSDResult({self.id!r}, {len(self.times_processed)} windows)"

    def save_npz(self, path: PathLike) -> None:
        """Writes the PPSD in ObsPy's ``PPSD.save_npz`` format."""
        with open(os.fspath(path), "wb") as f:
            f.write(self._npz)

    def to_obspy(self, metadata: Any = None) -> Any:
        """The ObsPy ``PPSD`` (via ``PPSD.load_npz``; pass ``metadata`` to add more data to it in ObsPy)."""
        from obspy.signal import PPSD  # type: ignore[import-untyped]

        return PPSD.load_npz(io.BytesIO(self._npz), metadata=metadata)


def _paz_json(paz: Mapping[str, Any]) -> str:
    def pairs(key: str) -> list[list[float]]:
        return [[complex(z).real, complex(z).imag] for z in paz.get(key, [])]

    missing = [k for k in ("poles", "zeros", "gain", "sensitivity") if k not in paz]
    if missing:
        raise ValueError(f"PAZ dict lacks {', '.join(missing)} (ObsPy's keys: poles, zeros, gain, sensitivity)")
    return json.dumps({"poles": pairs("poles"), "zeros": pairs("zeros"), "gain": float(paz["gain"]), "sensitivity": float(paz["sensitivity"])})


def ppsd(
    paths: PathLike | Iterable[PathLike],
    inventory: PathLike | Mapping[str, Any] | None = None,
    *,
    skip_on_gaps: bool = False,
    db_bins: tuple[float, float, float] = (-200.0, -50.0, 1.0),
    ppsd_length: float = 3600.0,
    overlap: float = 0.5,
    special_handling: str | None = None,
    period_smoothing_width_octaves: float = 1.0,
    period_step_octaves: float = 0.125,
    period_limits: tuple[float, float] | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
    jobs: int | None = None,
    follow_symlinks: bool = False,
) -> list[PPSDResult]:
    """ObsPy's ``PPSD(stats, metadata, **params).add(stream)`` for every channel of ``paths``.

    ``inventory`` is the response: a StationXML file (or directory of them; each channel epoch's response
    evaluated once, as ObsPy's PPSD does with an ``Inventory``), or ObsPy's PAZ dict (``poles``, ``zeros``,
    ``gain``, ``sensitivity``); with ``special_handling="ringlaser"`` only ``{"sensitivity": S}`` is needed. The keyword arguments are
    ObsPy's, with its defaults. Channels and windows run on a pool of ``jobs`` threads (default: all cores)
    with the GIL released. Returns one `PPSDResult` per channel, sorted by id; a channel that fails raises
    `SeispoolError` naming it.

    >>> res = seispool.ppsd("archive/", paz)  # doctest: +SKIP
    >>> res[0].binned_psds.shape, res[0].to_obspy().plot()  # doctest: +SKIP
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    ringlaser = special_handling is not None and special_handling.lower() == "ringlaser"
    if inventory is None:
        raise ValueError("ppsd needs the instrument response: a StationXML path or a PAZ dict")
    inventory_path = None
    sensitivity = None
    paz = None
    if isinstance(inventory, (str, os.PathLike)):
        inventory_path = os.fspath(inventory)
    elif isinstance(inventory, Mapping):
        sensitivity = float(inventory["sensitivity"]) if "sensitivity" in inventory else None
        paz = None if ringlaser else _paz_json(inventory)
    else:
        raise TypeError(f"inventory must be a StationXML path or a PAZ dict, got {type(inventory).__name__}")
    rows = _seispool.ppsd(
        [os.fspath(p) for p in items],
        inventory_path,
        paz,
        sensitivity,
        float(ppsd_length),
        float(overlap),
        float(period_smoothing_width_octaves),
        float(period_step_octaves),
        None if period_limits is None else (float(period_limits[0]), float(period_limits[1])),
        (float(db_bins[0]), float(db_bins[1]), float(db_bins[2])),
        bool(skip_on_gaps),
        special_handling,
        None if starttime is None else to_ns(starttime),
        None if endtime is None else to_ns(endtime),
        select,
        jobs,
        follow_symlinks=bool(follow_symlinks),
    )
    results = []
    for channel_id, npz, error, warnings in rows:
        if error is not None or npz is None:
            raise _seispool.SeispoolError(f"{channel_id}: {error}")
        results.append(PPSDResult(channel_id, npz, warnings))
    return results
