"""The Python API around the Rust calls: read (formats, globs, windows, selection, headonly, parallel),
write (formats, encodings), process/info summaries, times, errors, Stream/Trace container behaviour."""

import datetime
import os

import numpy as np
import pytest

import seispool
from conftest import example

obspy = pytest.importorskip("obspy")


@pytest.fixture
def day(tmp_path):
    """ObsPy-written MiniSEED: two channels, a gap, Steim2 in 512-byte records."""
    st = example(np.int32)
    t0 = st[0].stats.starttime
    out = obspy.Stream([st[0].copy().trim(t0, t0 + 10), st[0].copy().trim(t0 + 15, t0 + 29), st[1]])
    path = tmp_path / "day.mseed"
    out.write(str(path), format="MSEED", encoding="STEIM2", reclen=512)
    return path, obspy.read(str(path))


def test_read_mseed_equals_obspy(day):
    path, o = day
    s = seispool.read(path)
    assert [t.id for t in s] == [t.id for t in o]
    for a, b in zip(o, s):
        np.testing.assert_array_equal(a.data, b.data)
        assert b.data.dtype == a.data.dtype == np.int32
        assert b.stats.starttime_ns == a.stats.starttime.ns and b.stats.npts == a.stats.npts
        assert b.stats.mseed["encoding"] == "STEIM2" and b.stats.mseed["record_length"] == 512
    gaps = s.get_gaps()
    assert gaps == o.get_gaps()  # ObsPy's 8-field rows, UTCTime == UTCDateTime


def test_read_window_select_headonly_and_globs(day, tmp_path):
    path, o = day
    t0 = o[0].stats.starttime
    s = seispool.read(str(path), starttime=t0 + 16, endtime=datetime.datetime(2009, 8, 24, 0, 20, 25), select="*.EHN")
    expected = obspy.read(str(path), starttime=t0 + 16, endtime=t0 + 22, sourcename="*.EHN")
    assert [t.id for t in s] == ["BW.RJOB..EHN"] == [t.id for t in expected]
    assert s[0].stats.starttime_ns == expected[0].stats.starttime.ns == (t0 + 16).ns  # cut like obspy.read
    np.testing.assert_array_equal(s[0].data, expected[0].data)
    h = seispool.read(path, headonly=True)
    assert [t.stats.npts for t in h] == [t.stats.npts for t in o]
    assert all(len(t.data) == 0 for t in h)
    other = tmp_path / "sub" / "b.mseed"
    other.parent.mkdir()
    o.write(str(other), format="MSEED")
    assert len(seispool.read(str(tmp_path / "**" / "*.mseed"))) == 2 * len(o)
    assert len(seispool.read(tmp_path / "sub")) == len(o)  # directories are walked
    assert len(seispool.read([path, other], jobs=1)) == len(seispool.read([path, other], jobs=2))
    with pytest.raises(seispool.IoError, match="no file matches"):
        seispool.read(str(tmp_path / "*.nothing"))


def test_read_errors_are_format_errors_with_location(tmp_path):
    bad = tmp_path / "bad.mseed"
    bad.write_bytes(b"000001D " + b"\xff" * 600)
    with pytest.raises(seispool.FormatError, match="bad.mseed") as e:
        seispool.read(bad, format="MSEED")
    assert isinstance(e.value, seispool.SeispoolError)
    with pytest.raises(seispool.IoError, match="missing"):
        seispool.read(tmp_path / "missing.mseed")
    with pytest.raises(ValueError, match="unknown format"):
        seispool.read(bad, format="segy")


@pytest.mark.parametrize(
    "fmt,encoding,dtype",
    [
        ("MSEED", "STEIM1", np.int32),
        ("MSEED", "STEIM2", np.int32),
        ("MSEED", "INT16", np.int32),
        ("MSEED", "INT32", np.int32),
        ("MSEED", "FLOAT32", np.float32),
        ("MSEED", "FLOAT64", np.float64),
        ("MSEED3", "STEIM2", np.int32),
        ("MSEED3", "FLOAT64", np.float64),
        ("SAC", None, np.float32),
    ],
)
def test_write_is_read_back_by_obspy(tmp_path, fmt, encoding, dtype):
    src = example(np.int32)[:1]
    for tr in src:
        tr.data = (tr.data // 4).astype(np.int32)
    s = seispool.from_obspy(src)
    path = tmp_path / "w.out"
    s.write(path, format=fmt, encoding=encoding, record_length=512, byteorder="<")
    if fmt == "MSEED3":  # ObsPy 1.5 reads no MiniSEED 3: check with seispool's reader (tested against pymseed)
        back = seispool.read(path).to_obspy()
    else:
        back = obspy.read(str(path))
    assert back[0].stats.starttime == src[0].stats.starttime and back[0].id == src[0].id
    assert back[0].data.dtype == dtype
    np.testing.assert_array_equal(back[0].data, src[0].data.astype(dtype))
    np.testing.assert_array_equal(seispool.read(path)[0].data, back[0].data)


def test_write_refusals(tmp_path):
    s = seispool.from_obspy(example())
    with pytest.raises(seispool.IoError, match="one trace"):
        s.write(tmp_path / "x.sac", format="SAC")
    with pytest.raises(ValueError, match="unknown encoding"):
        s.write(tmp_path / "x.mseed", encoding="STEIM9")
    with pytest.raises(seispool.IoError):
        s.write(tmp_path / "x.mseed", encoding="STEIM2")  # float data never silently rounded to ints


def test_process_and_info(day, tmp_path):
    path, o = day
    (tmp_path / "in").mkdir()
    os.replace(path, tmp_path / "in" / "day.mseed")
    (tmp_path / "in" / "junk.mseed").write_bytes(b"\x00" * 100)
    pipeline = 'merge(method=1, fill_value="interpolate"); detrend("linear"); filter("lowpass", freq=4.0)'
    s = seispool.process(tmp_path / "in", tmp_path / "out", pipeline, jobs=2, encoding="FLOAT64")
    assert (s["units"], s["ok"], s["failed"], s["skipped"]) == (2, 1, 1, 0)
    assert "junk.mseed" in s["failures"][0]["error"] and s["samples_in"] == sum(t.stats.npts for t in o)
    r = seispool.process([tmp_path / "in"], tmp_path / "out", pipeline, jobs=1, resume=True, encoding="FLOAT64")
    assert (r["ok"], r["skipped"]) == (0, 1)
    expected = o.copy().merge(method=1, fill_value="interpolate").detrend("linear").filter("lowpass", freq=4.0)
    got = seispool.read(tmp_path / "out" / "day.mseed")
    for a, b in zip(expected, got):
        assert a.id == b.id and a.stats.starttime.ns == b.stats.starttime_ns
        assert np.max(np.abs(a.data - b.data)) <= 1e-9 * np.max(np.abs(a.data))
    with pytest.raises(seispool.PipelineError, match="column"):
        seispool.process(tmp_path / "in", tmp_path / "out2", "detrend(typ='linear')")
    with pytest.raises(seispool.SeispoolError, match="inside"):
        seispool.process(tmp_path / "in", tmp_path / "in" / "o", "detrend()")
    inv = seispool.info(tmp_path / "in")
    assert [os.path.basename(f["path"]) for f in inv] == ["day.mseed", "junk.mseed"]
    assert inv[1]["error"] and not inv[0]["error"]
    assert [(t["id"], t["npts"], t["encoding"]) for t in inv[0]["traces"]] == [(t.id, t.stats.npts, "STEIM2") for t in o]
    assert [g["kind"] for g in inv[0]["gaps"]] == ["gap"]


def test_follow_symlinks_reads_a_linked_year_directory_only_when_asked(day, tmp_path):
    # An archive whose year directory is a link onto another disk: not followed unless asked.
    path, o = day
    archive, disk2 = tmp_path / "archive", tmp_path / "disk2"
    (archive / "2023").mkdir(parents=True)
    (disk2 / "2024").mkdir(parents=True)
    (archive / "2023" / "a.mseed").write_bytes(path.read_bytes())
    (disk2 / "2024" / "b.mseed").write_bytes(path.read_bytes())
    (archive / "2024").symlink_to(disk2 / "2024")
    assert len(seispool.read(archive)) == len(o)
    assert len(seispool.read(archive, follow_symlinks=True)) == 2 * len(o)
    assert [os.path.basename(f["path"]) for f in seispool.info(archive)] == ["a.mseed"]
    assert [os.path.basename(f["path"]) for f in seispool.info(archive, follow_symlinks=True)] == ["a.mseed", "b.mseed"]
    summary = seispool.process(archive, tmp_path / "out", "detrend()", follow_symlinks=True)
    assert summary["ok"] == 2 and (tmp_path / "out" / "2024" / "b.mseed").is_file()


def test_times():
    t = seispool.UTCTime("2024-01-01T00:00:00.000000001Z")
    assert t.ns == 1_704_067_200_000_000_001
    assert str(t) == "2024-01-01T00:00:00.000000001Z" and str(seispool.UTCTime.from_ns(t.ns - 1)) == "2024-01-01T00:00:00.000000Z"
    assert t == obspy.UTCDateTime(ns=t.ns)
    assert t == seispool.UTCTime.from_ns(t.ns) and t == "2024-01-01T00:00:00.000000001" and t != t.ns
    assert seispool.UTCTime(datetime.datetime(2024, 1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))) == t - 1e-9
    assert seispool.UTCTime(datetime.date(2024, 1, 1)).ns == t.ns - 1
    assert seispool.UTCTime(np.datetime64("2024-01-01T00:00:00.000000001")) == t
    assert (t + 1.5) - t == 1.5 and t + 1.5 > t and sorted([t + 1, t]) == [t, t + 1]
    assert seispool.UTCTime.from_timestamp(1.25).ns == 1_250_000_000
    assert t.datetime == datetime.datetime(2024, 1, 1)
    for bad in [True, object()]:
        with pytest.raises(TypeError):
            seispool.UTCTime(bad)
    with pytest.raises(ValueError):
        seispool.UTCTime("yesterday")


def test_stream_and_trace_containers():
    s = seispool.from_obspy(example())
    assert len(s) == 3 and [t.stats.channel for t in s] == ["EHZ", "EHN", "EHE"]
    assert isinstance(s[0], seispool.Trace) and isinstance(s[1:], seispool.Stream) and len(s[1:]) == 2
    both = s + s[0]
    assert len(both) == 4 and both[3] is s[0]
    c = s.copy()
    assert c == s and c[0] is not s[0] and not np.shares_memory(c[0].data, s[0].data)
    c[0].data[:] = 0
    assert c != s
    assert s.copy().split() == s  # seispool traces hold no masked samples: split changes nothing
    tr = seispool.Trace(np.arange(5, dtype=np.int64), {"station": "X", "delta": 0.5, "starttime": "2024-01-01"})
    assert tr.stats.sampling_rate == 2.0 and tr.stats.npts == 5 and tr.stats["npts"] == 5
    assert "npts" in tr.stats and "mseed" not in tr.stats and tr.stats.get("mseed", 1) == 1
    assert str(tr.stats.endtime) == "2024-01-01T00:00:02.000000Z"
    tr.stats.id = "AA.BB.CC.DDD"
    assert (tr.stats.network, tr.id) == ("AA", "AA.BB.CC.DDD")
    tr.normalize()  # int64 data goes in as int32 and comes back float64, as ObsPy's processing promotes
    assert tr.data.dtype == np.float64 and tr.data.max() == 1.0
    part = tr.slice("2024-01-01T00:00:00.5", "2024-01-01T00:00:01.5")
    assert part.stats.npts == 3 and tr.stats.npts == 5
    tr.trim("2025-01-01", "2025-01-02")
    assert tr.stats.npts == 0
