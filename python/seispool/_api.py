"""Archive-level calls: `process` (the parallel runner), `info` (inventory) and `doctor` (fork hazard)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from seispool import _seispool
from seispool._errors import non_negative_int, translated
from seispool._fork import _thread_count, fork_is_safe
from seispool._raw import encoding_name
from seispool._time import TimeLike, to_ns
from seispool.core import PathLike, _big_endian, expand_paths


def _paths(inputs: PathLike | Iterable[PathLike]) -> list[str]:
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    items = list(inputs) if isinstance(inputs, Iterable) else None
    if items is None or not all(isinstance(p, (str, os.PathLike)) for p in items):
        raise TypeError(f"inputs: expected a path or a list of paths, got {type(inputs).__name__} {inputs!r}")
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
    byteorder: str | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
    input_format: str | None = None,
    overlap: float = 0.0,
    inventory: Any = None,
    follow_symlinks: bool = False,
) -> dict[str, Any]:
    """Runs ``seispool process``: every file under ``inputs`` (files, directories, SDS roots) → one output
    under ``out`` mirroring its path, processed by ``pipeline`` (ObsPy method calls).

    The units run on a thread pool of ``jobs`` threads built for this call (default: all cores) with the GIL
    released; the pool is gone when the call returns. Returns the run summary: ``units``, ``ok``, ``failed``,
    ``skipped``, ``samples_in``, ``samples_out``, ``wall_seconds``, ``msamples_per_s``, ``failures`` (output,
    inputs, error), ``warnings``. A unit that fails is listed in ``failures`` and the run goes on; problems
    that stop the run before it starts raise (`PipelineError` for the pipeline, `IoError` for inputs,
    `SeispoolError` for ``out`` inside an input). ``resume=True`` skips outputs finished by an earlier run
    with the same inputs and options. ``format``/``encoding``/``record_length``/``byteorder`` choose the
    output (default: the input's format and encoding); ``overlap`` seconds of neighbouring SDS days are read
    for context and cut away. ``inventory`` (a seispool ``Inventory``, a StationXML file or directory, or an
    ObsPy ``Inventory``) gives the responses for ``remove_response()``/``remove_sensitivity()``; it is read
    once and each channel epoch's response is evaluated once per sampling interval and FFT length.
    ``follow_symlinks=True`` follows symbolic links in input directories wherever they lead (by default a
    link that leaves the input tree is not followed).

    >>> s = seispool.process("archive/", "out/", 'detrend("linear"); filter("lowpass", freq=5)', jobs=2)  # doctest: +SKIP
    >>> s["ok"], s["failed"]  # doctest: +SKIP
    """
    with translated():
        text = _process_call(
            inputs,
            out,
            pipeline,
            jobs,
            resume,
            format,
            encoding,
            record_length,
            byteorder,
            starttime,
            endtime,
            select,
            input_format,
            overlap,
            inventory,
            follow_symlinks,
        )
    result: dict[str, Any] = json.loads(text)
    return result


def _process_call(
    inputs: Any,
    out: Any,
    pipeline: str,
    jobs: Any,
    resume: bool,
    format: Any,
    encoding: Any,
    record_length: Any,
    byteorder: Any,
    starttime: Any,
    endtime: Any,
    select: Any,
    input_format: Any,
    overlap: float,
    inventory: Any = None,
    follow_symlinks: bool = False,
) -> str:
    from seispool.inventory import as_inventory

    return _seispool.process(  # type: ignore[no-any-return]
        _paths(inputs),
        os.fspath(out),
        pipeline,
        jobs=non_negative_int("jobs", jobs),
        resume=resume,
        format=format,
        input_format=input_format,
        encoding=encoding_name(encoding),
        record_length=non_negative_int("record_length", record_length),
        big_endian=_big_endian(byteorder),
        starttime=None if starttime is None else to_ns(starttime),
        endtime=None if endtime is None else to_ns(endtime),
        select=select,
        overlap=overlap,
        inventory=None if inventory is None else as_inventory(inventory),
        follow_symlinks=bool(follow_symlinks),
    )


def info(
    paths: PathLike | Iterable[PathLike],
    format: str | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
    jobs: int | None = None,
    follow_symlinks: bool = False,
) -> list[dict[str, Any]]:
    """``seispool info``: inventory of files, directories and SDS roots from their headers, one dict per file.

    Each dict has ``path``, ``size``, ``format``, ``records``, ``traces`` (``id``, ``starttime``/``endtime``
    ISO and ``_ns``, ``sampling_rate``, ``npts``, ``encoding``, ``record_length``, ``records``), ``gaps``
    (``id``, ``kind`` gap/overlap, ``start``, ``end``, ``duration``, ``samples``), ``warnings`` and
    ``error`` (a file that cannot be read is reported there, not raised). Files are read in parallel with
    the GIL released.

    >>> [(t["id"], t["npts"]) for f in seispool.info("day.mseed") for t in f["traces"]]  # doctest: +SKIP
    [('XX.STA..HHZ', 8640000)]
    """
    with translated():
        text = _seispool.info(
            expand_paths(paths),
            format=format,
            starttime=None if starttime is None else to_ns(starttime),
            endtime=None if endtime is None else to_ns(endtime),
            select=select,
            jobs=non_negative_int("jobs", jobs),
            follow_symlinks=bool(follow_symlinks),
        )
    result: list[dict[str, Any]] = json.loads(text)
    return result


def plot_availability(
    paths: PathLike | Iterable[PathLike],
    path: PathLike,
    format: str | None = None,
    starttime: TimeLike | None = None,
    endtime: TimeLike | None = None,
    select: str | None = None,
    jobs: int | None = None,
    width: int = 1000,
) -> str:
    """``seispool info --plot``: availability of files, directories and SDS roots as the PNG ``path``.

    One row per channel with the percentage of the time covered, data as bars, gaps in red and overlaps in
    orange (``obspy-scan``'s rules), from the headers only, read in parallel with the GIL released. With
    ``starttime``/``endtime`` the axis spans that window and missing data at its edges counts as gaps.
    Returns ``path``.

    >>> seispool.plot_availability("archive/", "avail.png", starttime="2024-01-01", endtime="2024-02-01")  # doctest: +SKIP
    'avail.png'
    """
    _seispool.plot_availability(
        expand_paths(paths),
        os.fspath(path),
        format=format,
        starttime=None if starttime is None else to_ns(starttime),
        endtime=None if endtime is None else to_ns(endtime),
        select=select,
        jobs=jobs,
        width=width,
    )
    return os.fspath(path)


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
