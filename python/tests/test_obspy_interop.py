"""`Stream.to_obspy()` and `seispool.from_obspy()` against real ObsPy objects: data, dtype and stats both ways."""

import numpy as np
import pytest

import seispool
from conftest import example

obspy = pytest.importorskip("obspy")

STARTS = [
    obspy.UTCDateTime(2024, 1, 1),
    obspy.UTCDateTime("2009-08-24T00:20:03.123456Z"),  # microseconds
    obspy.UTCDateTime(ns=1_700_000_000_123_456_789),  # nanoseconds
    obspy.UTCDateTime(ns=-86_400_000_000_001),  # before the epoch
]


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.float64])
@pytest.mark.parametrize("start", STARTS, ids=str)
def test_round_trip_both_ways(dtype, start):
    o = example(dtype)
    for i, tr in enumerate(o):
        tr.stats.starttime = start + i * 0.25
        tr.stats.location = "00" if i else ""
    o[1].stats.sampling_rate = 0.1
    s = seispool.from_obspy(o)
    assert len(s) == len(o)
    for a, b in zip(o, s):
        assert b.data.dtype == a.data.dtype == dtype
        np.testing.assert_array_equal(a.data, b.data)
        assert b.stats.starttime_ns == a.stats.starttime.ns
        assert b.stats.endtime_ns == a.stats.endtime.ns
        assert (b.id, b.stats.network, b.stats.station, b.stats.location, b.stats.channel) == (
            a.id,
            a.stats.network,
            a.stats.station,
            a.stats.location,
            a.stats.channel,
        )
        assert (b.stats.sampling_rate, b.stats.delta, b.stats.npts) == (a.stats.sampling_rate, a.stats.delta, a.stats.npts)
        if a.stats.starttime.ns % 1000 == 0:  # ObsPy prints µs (rounded); seispool prints ns when there are any
            assert str(b.stats.starttime) == str(a.stats.starttime)
        else:
            assert seispool.UTCTime(str(b.stats.starttime)).ns == a.stats.starttime.ns
    back = s.to_obspy()
    assert isinstance(back, obspy.Stream)
    for a, c in zip(o, back):
        assert c.data.dtype == a.data.dtype
        np.testing.assert_array_equal(a.data, c.data)
        assert c.stats.starttime.ns == a.stats.starttime.ns
        for key in ("network", "station", "location", "channel", "sampling_rate", "delta", "npts", "endtime"):
            assert c.stats[key] == a.stats[key], key


def test_mseed_and_sac_stats_survive(tmp_path):
    o = example(np.int32)
    o.write(str(tmp_path / "x.mseed"), format="MSEED", encoding="STEIM1", reclen=512, byteorder="<")
    ro = obspy.read(str(tmp_path / "x.mseed"))
    s = seispool.from_obspy(ro)
    assert s[0].stats.mseed["encoding"] == "STEIM1" and s[0].stats.mseed["record_length"] == 512
    assert s[0].stats.mseed.byteorder == "<"
    back = s.to_obspy()
    for k in ("encoding", "record_length", "byteorder", "dataquality", "number_of_records"):
        assert back[0].stats.mseed[k] == ro[0].stats.mseed[k], k
    o[0].write(str(tmp_path / "x.sac"), format="SAC")
    rs = obspy.read(str(tmp_path / "x.sac"))
    s = seispool.from_obspy(rs)
    assert s[0].stats.headers["kstnm"] == "RJOB"
    assert dict(s.to_obspy()[0].stats.sac) == dict(rs[0].stats.sac)


def test_read_equals_obspy_read_and_data_is_zero_copy(tmp_path):
    o = example(np.float32)
    paths = []
    for i, tr in enumerate(o):
        p = tmp_path / f"t{i}.sac"
        tr.write(str(p), format="SAC")
        paths.append(p)
    st = seispool.read(str(tmp_path / "t*.sac"))
    assert [t.id for t in st] == [t.id for t in o]
    for a, b in zip(o, st):
        np.testing.assert_array_equal(a.data, b.data)
        assert b.data.dtype == np.float32
        # the array owns no copy: its buffer is the Rust Vec, kept alive by a capsule base
        assert b.data.base is not None and not isinstance(b.data.base, np.ndarray)
    assert seispool.read(paths)[2] == st[2]


def test_masked_obspy_data_is_refused_with_advice():
    o = example()
    o[0].data = np.ma.masked_array(o[0].data, mask=np.arange(3000) % 7 == 0)
    with pytest.raises(ValueError, match="split"):
        seispool.from_obspy(o)


def test_trace_level_conversion():
    a = example(np.float64)[0]
    t = seispool.from_obspy(a)[0]
    c = t.copy()
    c.data *= 2
    assert not np.array_equal(c.data, t.data)
    from seispool.obspy import to_obspy

    assert to_obspy(t).stats.starttime == a.stats.starttime
