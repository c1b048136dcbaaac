"""`seispool.ppsd` against ObsPy 1.5.1's `PPSD.add` on the same files: same windows, binned PSDs within
1e-3 dB, same histogram; `to_obspy()` plots; ringlaser; errors."""

import warnings

import matplotlib
import numpy as np
import pytest

import seispool

obspy = pytest.importorskip("obspy")
from obspy.signal import PPSD  # noqa: E402

matplotlib.use("Agg")

PAZ = {
    "gain": 60077000.0,
    "poles": [-0.037004 + 0.037016j, -0.037004 - 0.037016j, -251.33 + 0j, -131.04 - 467.29j, -131.04 + 467.29j],
    "sensitivity": 2516778400.0,
    "zeros": [0j, 0j],
}


def archive(tmp_path):
    """Two 20 Hz channels, 40 minutes, with a 50 s gap in one of them."""
    rng = np.random.default_rng(7)
    st = obspy.Stream()
    t0 = obspy.UTCDateTime("2024-03-01")
    for cha, pieces in (("HHZ", [(0, 2400)]), ("HHN", [(0, 1000), (1050, 2400)])):
        for a, b in pieces:
            data = np.cumsum(rng.normal(0, 30, int((b - a) * 20))).astype(np.int32)
            tr = obspy.Trace(data, {"network": "XX", "station": "PP", "channel": cha, "sampling_rate": 20.0})
            tr.stats.starttime = t0 + a
            st += tr
    path = tmp_path / "data.mseed"
    st.write(str(path), format="MSEED", encoding="STEIM2")
    return path, st


def obspy_ppsd(st, seed_id, metadata, **kw):
    sel = st.select(id=seed_id).copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = PPSD(sel[0].stats, metadata, **kw)
        p.add(sel)
    return p


def test_ppsd_matches_obspy_and_to_obspy_plots(tmp_path):
    path, st = archive(tmp_path)
    res = seispool.ppsd(path, PAZ, ppsd_length=600.0, jobs=2)
    assert [r.id for r in res] == ["XX.PP..HHN", "XX.PP..HHZ"]
    for r in res:
        ref = obspy_ppsd(st, r.id, PAZ, ppsd_length=600.0)
        assert r.times_processed.tolist() == ref._times_processed
        assert r.binned_psds.shape == (len(ref._binned_psds), len(ref.period_bin_centers))
        assert np.abs(r.binned_psds - np.array(ref._binned_psds)).max() <= 1e-3
        assert r.times_gaps.tolist() == ref._times_gaps
        ours = r.to_obspy()
        ours.calculate_histogram()
        ref.calculate_histogram()
        np.testing.assert_array_equal(ours.current_histogram, ref.current_histogram)
        out = tmp_path / f"{r.id}.png"
        ours.plot(filename=str(out), show=False)
        assert out.stat().st_size > 10000
        r.save_npz(tmp_path / f"{r.id}.npz")
        assert PPSD.load_npz(str(tmp_path / f"{r.id}.npz"))._times_processed == ref._times_processed


def test_ppsd_ringlaser_and_options(tmp_path):
    path, st = archive(tmp_path)
    res = seispool.ppsd(path, {"sensitivity": 2.5e9}, special_handling="ringlaser", ppsd_length=600.0, select="XX.PP..HHZ")
    assert len(res) == 1
    ref = obspy_ppsd(st, "XX.PP..HHZ", {"poles": [], "zeros": [], "gain": 1.0, "sensitivity": 2.5e9}, special_handling="ringlaser", ppsd_length=600.0)
    assert np.abs(res[0].binned_psds - np.array(ref._binned_psds)).max() <= 1e-3
    res = seispool.ppsd(path, PAZ, ppsd_length=600.0, skip_on_gaps=True, select="XX.PP..HHN")
    ref = obspy_ppsd(st, "XX.PP..HHN", PAZ, ppsd_length=600.0, skip_on_gaps=True)
    assert res[0].times_processed.tolist() == ref._times_processed


def test_ppsd_errors(tmp_path):
    path, _ = archive(tmp_path)
    with pytest.raises(ValueError, match="poles"):
        seispool.ppsd(path, {"gain": 1.0, "sensitivity": 1.0})
    with pytest.raises(ValueError, match="overlap"):
        seispool.ppsd(path, PAZ, overlap=1.5)
    with pytest.raises(ValueError, match="special_handling"):
        seispool.ppsd(path, PAZ, special_handling="seismometer")
    with pytest.raises(seispool.SeispoolError, match="sensitivity"):
        seispool.ppsd(path, {"gain": 1.0}, special_handling="ringlaser")


def test_ppsd_with_stationxml_matches_obspy():
    import os

    import obspy.signal

    data = os.path.join(os.path.dirname(obspy.signal.__file__), "tests", "data")
    seed, xml = os.path.join(data, "IUANMO.seed"), os.path.join(data, "IUANMO.xml")
    (res,) = seispool.ppsd(seed, xml)
    st = obspy.read(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = PPSD(st[0].stats, obspy.read_inventory(xml))
        ref.add(st)
    assert res.times_processed.tolist() == ref._times_processed
    assert np.abs(res.binned_psds - np.array(ref._binned_psds)).max() <= 1e-3
