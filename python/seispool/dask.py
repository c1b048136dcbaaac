"""Run ``seispool.process`` over a Dask ``distributed`` cluster: one task per work unit (input file /
channel-day), each task runs the Rust runner on its unit, the summaries are gathered into one.

Pointing it at a real cluster: every worker needs seispool installed (``pip install seispool``) and must
see the input and output paths at the same place (a shared file system, e.g. NFS or Lustre). Then::

    from distributed import Client
    client = Client("tcp://scheduler.example.org:8786")   # or dask_jobqueue.SLURMCluster(...).get_client()
    summary = seispool.dask.process("/data/archive", "/data/out", 'detrend("linear"); decimate(4)', client=client)

Use ``threads_per_worker=1`` (or few): each task already runs on seispool's own thread pool of ``jobs``
threads, so ``jobs`` × threads per worker should match the cores of a worker machine. Outputs are written
atomically and recorded for ``resume=True`` exactly as in a local run, so a cluster run can be resumed
locally and the other way round.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from typing import Any

from seispool import _seispool
from seispool._errors import non_negative_int, translated
from seispool._raw import encoding_name
from seispool._time import TimeLike, to_ns
from seispool.core import PathLike, _big_endian

# Inventories a worker process has parsed, by their shipped form: each is read once per worker, and each
# channel epoch's response then evaluated once per (sampling interval, FFT length) there, as in a local run.
_INVENTORIES: dict[tuple[str, str], Any] = {}


def _shippable_inventory(inventory: Any) -> tuple[str, Any] | None:
    """The inventory in a form a task can carry to another process: a StationXML path, or the StationXML
    bytes of an ObsPy ``Inventory``/``Network``."""
    from seispool.inventory import Inventory, as_inventory, obspy_stationxml

    if inventory is None:
        return None
    if isinstance(inventory, (str, os.PathLike)):
        as_inventory(inventory)  # refused here, once, when it cannot be read
        return ("path", os.path.abspath(os.fspath(inventory)))
    if isinstance(inventory, Inventory):
        raise TypeError(
            "seispool.dask.process: give the inventory as a StationXML path (or an ObsPy Inventory): a parsed seispool Inventory cannot be sent to other processes"
        )
    xml = obspy_stationxml(inventory)
    if xml is not None:
        return ("xml", xml)
    raise TypeError(f"inventory must be a StationXML path or an ObsPy Inventory, not {type(inventory).__name__}")


def _worker_inventory(shipped: tuple[str, Any] | None) -> Any:
    """The parsed inventory for `shipped` in this process (parsed on first use)."""
    if shipped is None:
        return None
    kind, value = shipped
    key = (kind, value if kind == "path" else hashlib.sha256(value).hexdigest())
    if key not in _INVENTORIES:
        if kind == "path":
            _INVENTORIES[key] = _seispool.read_inventory(value)
        else:
            _INVENTORIES[key] = _seispool.inventory_from_bytes(value, "<obspy Inventory>")
    return _INVENTORIES[key]


def _run_unit(
    unit: tuple[list[str], list[str], str], out: str, pipeline: str, inputs: list[str], options: dict[str, Any], inventory: tuple[str, Any] | None = None
) -> dict[str, Any]:
    """One task: run one unit with the Rust runner on this worker."""
    text = _seispool.process(inputs, out, pipeline, units=[unit], inventory=_worker_inventory(inventory), **options)
    result: dict[str, Any] = json.loads(text)
    return result


def merge_summaries(parts: list[dict[str, Any]], out: str, wall_seconds: float, jobs: int) -> dict[str, Any]:
    """One summary from per-unit summaries (counts summed, failures and warnings in unit order)."""
    total: dict[str, Any] = json.loads(_seispool.merge_summaries(json.dumps(parts), out, wall_seconds, jobs))
    return total


def process(
    inputs: PathLike | Iterable[PathLike],
    out: PathLike,
    pipeline: str,
    client: Any = None,
    jobs: int | None = 1,
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
    follow_symlinks: bool = False,
    inventory: Any = None,
) -> dict[str, Any]:
    """`seispool.process` with its work units mapped over a Dask ``distributed`` client.

    ``client`` defaults to the current client (``distributed.get_client()``); without one, a
    ``LocalCluster`` is started for the call and closed afterwards. The units are planned here (the same
    plan as a local run, so outputs are identical), sent as one task each, and the per-unit summaries are
    gathered into one summary dict like `seispool.process`'s (``jobs`` is the number of worker threads
    of the cluster × ``jobs``). ``inventory`` (a StationXML file or directory, or an ObsPy ``Inventory``)
    gives the responses for ``remove_response()``/``remove_sensitivity()``: each worker process parses it
    once and evaluates each channel epoch's response once, as a local run does.

    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:  # doctest: +SKIP
    ...     summary = seispool.dask.process("archive/", "out/", 'detrend("linear")', client=client)
    """
    import distributed

    started = time.perf_counter()
    paths = [os.fspath(inputs)] if isinstance(inputs, (str, os.PathLike)) else [os.fspath(p) for p in inputs]
    out_s = os.fspath(out)
    start_ns = None if starttime is None else to_ns(starttime)
    end_ns = None if endtime is None else to_ns(endtime)
    options: dict[str, Any] = {
        "jobs": non_negative_int("jobs", jobs),
        "resume": resume,
        "format": format,
        "input_format": input_format,
        "encoding": encoding_name(encoding),
        "record_length": non_negative_int("record_length", record_length),
        "big_endian": _big_endian(byteorder),
        "starttime": start_ns,
        "endtime": end_ns,
        "select": select,
        "overlap": overlap,
        "follow_symlinks": bool(follow_symlinks),
    }
    # Every option is checked here as in a local run (not once per task), then the same plan is made.
    with translated():
        shipped = _shippable_inventory(inventory)
        planned = _seispool.plan(paths, out_s, pipeline=pipeline, inventory=_worker_inventory(shipped), **options)
    units = [([os.fspath(p) for p in i], [os.fspath(p) for p in c], os.fspath(o)) for i, c, o in planned]
    run = uuid.uuid4().hex[:12]  # task keys unique per call: Dask would hand back a previous call's results
    own = None
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            own = distributed.Client(distributed.LocalCluster(processes=True))
            client = own
    try:
        futures = client.map(
            _run_unit,
            units,
            out=out_s,
            pipeline=pipeline,
            inputs=paths,
            options=options,
            inventory=shipped,
            pure=False,
            key=[f"seispool-unit-{run}-{i}-{os.path.basename(u[2])}" for i, u in enumerate(units)],
        )
        parts = client.gather(futures)
        threads = sum(client.nthreads().values())
    finally:
        if own is not None:
            cluster = own.cluster
            own.close()
            if cluster is not None:
                cluster.close()
    return merge_summaries(parts, out_s, time.perf_counter() - started, threads * (jobs or 1))
