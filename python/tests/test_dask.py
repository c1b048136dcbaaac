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


@pytest.fixture(autouse=True)
def _restore_environ():
    """distributed's LocalCluster writes OMP_NUM_THREADS=1 (and MKL/OpenBLAS) into this process's os.environ
    for its workers and leaves it there; later tests' subprocesses would inherit it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


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


def stations_xml(path, stations=3):
    """An ObsPy-written StationXML with a PAZ response for every channel of `archive`."""
    obspy = pytest.importorskip("obspy")
    from obspy.core.inventory import Channel, Inventory, Network, Response, Station

    resp = Response.from_paz(zeros=[0j, 0j], poles=[-0.037 + 0.037j, -0.037 - 0.037j], stage_gain=1500.0, input_units="M/S", output_units="COUNTS")
    chans = lambda: [Channel("HHZ", "", 0.0, 0.0, 0.0, 0.0, sample_rate=20.0, response=resp)]  # noqa: E731
    stas = [Station(f"S{i}", 0.0, 0.0, 0.0, channels=chans(), creation_date=obspy.UTCDateTime(2020, 1, 1)) for i in range(stations)]
    inv = Inventory(networks=[Network("XX", stations=stas)], source="test")
    inv.write(str(path), format="STATIONXML")
    return inv


def test_inventory_reaches_the_workers_as_a_path_or_an_obspy_inventory(tmp_path):
    src = str(tmp_path / "in")
    archive(src)
    inv = stations_xml(tmp_path / "stations.xml")
    pipeline = 'remove_response(output="VEL", pre_filt=[0.05, 0.1, 8, 9])'
    local = seispool.process(src, str(tmp_path / "local"), pipeline, inventory=str(tmp_path / "stations.xml"), jobs=2)
    with pytest.raises(seispool.SeispoolError, match="inventory"):
        seispool.dask.process(src, str(tmp_path / "none"), pipeline, client=object())
    with pytest.raises(TypeError, match="StationXML path"):
        seispool.dask.process(src, str(tmp_path / "parsed"), pipeline, client=object(), inventory=seispool.read_inventory(tmp_path / "stations.xml"))
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        by_path = seispool.dask.process(src, str(tmp_path / "path"), pipeline, client=client, inventory=tmp_path / "stations.xml")
        by_object = seispool.dask.process(src, str(tmp_path / "object"), pipeline, client=client, inventory=inv)
    assert local["ok"] == by_path["ok"] == by_object["ok"] == 6
    for out in ("path", "object"):
        assert tree(str(tmp_path / out)) == tree(str(tmp_path / "local"))
        for f in tree(str(tmp_path / "local")):
            assert (tmp_path / out / f).read_bytes() == (tmp_path / "local" / f).read_bytes(), f
