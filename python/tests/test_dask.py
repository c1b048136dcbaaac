"""`seispool.dask.process` on a LocalCluster of worker processes gives the same outputs and summary as a
local `seispool.process` run."""

import os

import numpy as np
import pytest

import seispool
import seispool.dask

distributed = pytest.importorskip("distributed")

PIPELINE = 'detrend("linear"); filter("lowpass", freq=8.0); decimate(2)'


def archive(root, stations=3):
    rng = np.random.default_rng(11)
    for i in range(stations):
        for doy in (1, 2):
            tr = seispool.Trace(
                rng.integers(-2000, 2000, 8000).astype(np.int32),
                {"network": "XX", "station": f"S{i}", "channel": "HHZ", "sampling_rate": 20.0, "starttime": f"2024-{doy:03d}T00:00:00"},
            )
            d = os.path.join(root, "2024", "XX", f"S{i}", "HHZ.D")
            os.makedirs(d, exist_ok=True)
            tr.write(os.path.join(d, f"XX.S{i}..HHZ.D.2024.{doy:03d}"), encoding="STEIM2")
    bad = os.path.join(root, "2024", "XX", "BAD")
    os.makedirs(bad)
    with open(os.path.join(bad, "broken.mseed"), "wb") as f:
        f.write(b"000001D " + b"\xff" * 600)


def tree(root):
    """Output files (the resume manifest aside: its lines are in completion order)."""
    files = (os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
    return sorted(f for f in files if not f.startswith(".seispool"))


def test_local_cluster_matches_local_run(tmp_path):
    src = str(tmp_path / "in")
    archive(src)
    local = seispool.process(src, str(tmp_path / "local"), PIPELINE, jobs=2)
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        summary = seispool.dask.process(src, str(tmp_path / "dask"), PIPELINE, client=client)
        again = seispool.dask.process(src, str(tmp_path / "dask"), PIPELINE, client=client, resume=True)
    for key in ("units", "ok", "failed", "samples_in", "samples_out"):
        assert summary[key] == local[key], key
    assert summary["units"] == 7 and summary["failed"] == 1 and summary["ok"] == 6
    assert [f["output"] for f in summary["failures"]] == [f["output"] for f in local["failures"]]
    assert again["skipped"] == 6 and again["ok"] == 0
    files = tree(str(tmp_path / "local"))
    assert files == tree(str(tmp_path / "dask")) and len(files) == 6
    for f in files:
        with open(tmp_path / "local" / f, "rb") as a, open(tmp_path / "dask" / f, "rb") as b:
            assert a.read() == b.read(), f


def test_bad_pipeline_and_overlapping_out_fail_before_any_task(tmp_path):
    src = str(tmp_path / "in")
    archive(src, stations=1)
    with pytest.raises(seispool.PipelineError):
        seispool.dask.process(src, str(tmp_path / "o"), "detrend(", client=object())
    with pytest.raises(seispool.SeispoolError, match="inside"):
        seispool.dask.process(src, os.path.join(src, "out"), PIPELINE, client=object())
