"""Archive-level calls: `process` (the parallel runner), `info` (inventory) and `doctor` (fork hazard)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from seispool import _seispool
from seispool._fork import _thread_count, fork_is_safe
from seispool._time import TimeLike, to_ns
from seispool.core import PathLike, expand_paths, read


def _paths(inputs: PathLike | Iterable[PathLike]) -> list[str]:
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    return [os.fspath(p) for p in items]


def process(
    inputs: PathLike | Iterable[PathLike],
    out: PathLike,
    pipeline: str,
    jobs: int | None = None,
    resume: bool = False,
    format: str | None = None,
    encoding: str | None = None,
    record_length: int | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
) -> dict[str, Any]:
    """Runs ``seispool process``: every input file/directory/SDS root → one output per channel-day under ``out``.

    Runs on a thread pool of ``jobs`` threads built for this call (default: all cores) with the GIL released;
    the pool is gone when the call returns. Returns the run summary (``units``, ``ok``, ``failed``,
    ``skipped``, ``samples_in``, ``samples_out``, ``wall_seconds``, ``msamples_per_s``, ``failures``,
    ``warnings``). A unit that fails is listed in ``failures`` and the run goes on; problems that stop the
    run before it starts (bad pipeline, ``out`` inside an input) raise.

    >>> s = seispool.process("archive/", "out/", 'detrend("linear"); filter("lowpass", freq=5)', jobs=2)  # doctest: +SKIP
    >>> s["ok"], s["failed"]  # doctest: +SKIP
    """
    text = _seispool.process(
        _paths(inputs),
        os.fspath(out),
        pipeline,
        jobs=jobs,
        resume=resume,
        format=format,
        encoding=encoding,
        record_length=record_length,
        starttime=None if starttime is None else to_ns(starttime),
        endtime=None if endtime is None else to_ns(endtime),
        select=select,
    )
    result: dict[str, Any] = json.loads(text)
    return result


def info(paths: PathLike | Iterable[PathLike], format: str | None = None) -> list[dict[str, Any]]:
    """Inventory of waveform files (headers only): one dict per trace, then gaps.

    Each dict has ``path``, ``id``, ``network``, ``station``, ``location``, ``channel``, ``starttime`` and
    ``endtime`` (ISO), ``starttime_ns``, ``endtime_ns``, ``sampling_rate``, ``npts``, ``encoding``,
    ``record_length``, ``number_of_records`` (MiniSEED) and ``gaps``: the gaps/overlaps of that file as
    ``{"start", "end", "seconds", "samples"}``.

    >>> [(d["id"], d["npts"]) for d in seispool.info("day.mseed")]  # doctest: +SKIP
    [('XX.STA..HHZ', 8640000)]
    """
    rows: list[dict[str, Any]] = []
    for path in expand_paths(paths):
        st = read(path, format=format, headonly=True, jobs=1)
        gaps: dict[str, list[dict[str, Any]]] = {}
        for gid, start, end, seconds, samples in st.get_gaps():
            gaps.setdefault(gid, []).append({"start": str(start), "end": str(end), "seconds": seconds, "samples": samples})
        for tr in st:
            s = tr.stats
            m = s.mseed or {}
            rows.append(
                {
                    "path": path,
                    "id": s.id,
                    "network": s.network,
                    "station": s.station,
                    "location": s.location,
                    "channel": s.channel,
                    "starttime": str(s.starttime),
                    "endtime": str(s.endtime),
                    "starttime_ns": s.starttime_ns,
                    "endtime_ns": s.endtime_ns,
                    "sampling_rate": s.sampling_rate,
                    "npts": s.npts,
                    "encoding": m.get("encoding"),
                    "record_length": m.get("record_length"),
                    "number_of_records": m.get("number_of_records"),
                    "gaps": gaps.get(s.id, []),
                }
            )
    return rows


def doctor(imports: Sequence[str] = (), probe: bool = False, timeout: float = 30.0, verify_remedies: bool = False) -> dict[str, Any]:
    """``seispool doctor`` for this interpreter: thread runtimes, fork verdict, optional probe and remedies.

    The Rust doctor examines a fresh child of ``sys.executable`` importing numpy, scipy and ``imports``
    (every child under ``timeout`` seconds); ``report["live"]`` adds what holds in *this* process right now:
    `fork_is_safe`, the thread count and the multiprocessing start method.

    >>> report = seispool.doctor()  # doctest: +SKIP
    >>> report["verdict"], report["live"]["fork_is_safe"]  # doctest: +SKIP
    """
    text = _seispool.doctor(sys.executable, list(imports), probe=probe, timeout=timeout, verify_remedies=verify_remedies)
    report: dict[str, Any] = json.loads(text)
    safe, reason = fork_is_safe()
    report["live"] = {
        "pid": os.getpid(),
        "threads": _thread_count(),
        "fork_is_safe": safe,
        "reason": reason,
        "start_method": multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_context().get_start_method(),
    }
    return report


__all__ = ["doctor", "info", "process"]
