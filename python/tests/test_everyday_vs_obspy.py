"""The everyday API, one script run through ObsPy and through seispool on the same file; results compared.

`everyday(lib, path)` is written once against the names both libraries share (`read`, the time class,
`Stream`/`Trace`/`Stats` methods); it runs once per library (module fixture) and each test compares one
part of what it returned.
"""

import contextlib
import datetime
import io
import types

import numpy as np
import pytest

import seispool
from conftest import example

obspy = pytest.importorskip("obspy")

OBSPY = types.SimpleNamespace(name="obspy", read=obspy.read, Time=obspy.UTCDateTime, Stream=obspy.Stream)
SEISPOOL = types.SimpleNamespace(name="seispool", read=seispool.read, Time=seispool.UTCTime, Stream=seispool.Stream)


def _printed(f, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        f(*args, **kwargs)
    return out.getvalue()


def everyday(lib, path):
    """The script: what an ObsPy user writes every day. Returns {name: value}."""
    r = {}
    st = lib.read(path)
    tr = st[0]
    t0 = tr.stats.starttime
    # Trace
    r["trace.max"] = [t.max() for t in st]
    r["trace.std"] = [t.std() for t in st]
    r["trace.count"] = [t.count() for t in st]
    r["trace.get_id"] = [t.get_id() for t in st]
    r["trace.verify"] = tr.verify() is tr
    r["times.relative"] = tr.times()
    r["times.reftime"] = tr.times(reftime=t0 - 1.25)
    r["times.timestamp"] = tr.times("timestamp")
    r["times.utcdatetime"] = [t.ns for t in tr.times("utcdatetime")[:50]]
    r["times.matplotlib"] = tr.times("matplotlib")
    r["trace.split"] = [(len(t), t.stats.starttime.ns) for t in tr.split()]
    a, b = tr.slice(t0, t0 + 10), tr.slice(t0 + 10.01, t0 + 20)
    added = a + b
    r["trace.add"] = (added.stats.starttime.ns, added.stats.npts, added.data)
    r["trace.str"] = str(tr)
    # Stats
    s = tr.stats
    r["stats.calib"] = s.calib
    r["stats.core"] = {k: s[k] for k in ("network", "station", "location", "channel", "sampling_rate", "delta", "npts", "calib")}
    r["stats.times"] = (s["starttime"].ns, s["endtime"].ns, dict(s)["endtime"].ns)
    r["stats.keys"] = sorted(
        k for k in s.keys() if k in ("network", "station", "location", "channel", "starttime", "endtime", "sampling_rate", "delta", "npts", "calib", "mseed")
    )
    r["stats.mseed"] = {k: s.mseed[k] for k in ("encoding", "record_length", "byteorder", "dataquality", "number_of_records")}
    r["stats.mseed.attr"] = (s.mseed.encoding, s.mseed.record_length, s.mseed.byteorder)
    c = st.copy()
    c[0].stats.back_azimuth = 42.5
    c[0].stats["my_note"] = "kept"
    c.detrend("linear").filter("lowpass", freq=5.0)
    r["stats.custom"] = (c[0].stats.back_azimuth, c[0].stats.my_note, "my_note" in c[0].stats.keys())
    r["stats.processing.count"] = len(c[0].stats.processing)
    # Stream list handling
    st2 = st.copy()
    popped = st2.pop()
    r["stream.pop"] = (popped.id, len(st2))
    st2.insert(0, popped)
    r["stream.insert"] = [t.id for t in st2]
    st2.remove(st2[1])
    r["stream.remove"] = [t.id for t in st2]
    st2.extend([st[1].copy()])
    r["stream.extend"] = [t.id for t in st2]
    st2.reverse()
    r["stream.reverse"] = [t.id for t in st2]
    st2.sort(keys=["channel"], reverse=True)
    r["stream.sort.channel.reverse"] = [t.id for t in st2]
    st2.sort()
    r["stream.sort"] = [t.id for t in st2]
    r["stream.max"] = st.max()
    r["stream.std"] = st.std()
    r["stream.str"] = str(st)
    many = lib.Stream([t.copy() for t in st] * 8)
    r["stream.str.short"] = str(many)
    r["stream.str.extended"] = many.__str__(extended=True)
    # Gaps
    g = st.copy()
    g.traces = [g[0].slice(t0, t0 + 8), g[0].slice(t0 + 9.5, t0 + 15), g[0].slice(t0 + 14.5, t0 + 22)]
    r["stream.get_gaps"] = [[*row[:4], row[4].ns, row[5].ns, row[6], row[7]] for row in g.get_gaps()]
    r["stream.get_gaps.min_gap"] = len(g.get_gaps(min_gap=1.0))
    r["stream.print_gaps"] = _printed(g.print_gaps)
    # normalize, slide, rotate
    n1 = st.copy().normalize()
    n2 = st.copy().normalize(global_max=True)
    r["stream.normalize"] = [t.data for t in n1]
    r["stream.normalize.global_max"] = [t.data for t in n2]
    r["stream.slide"] = [[(t.stats.starttime.ns, t.stats.npts) for t in w] for w in st.slide(window_length=7.5, step=5.0)]
    r["stream.slide.offset.partial"] = [[(t.stats.starttime.ns, t.stats.npts) for t in w] for w in st.slide(7.5, 5.0, offset=1.0, include_partial_windows=True)]
    ne = st.copy().select(component="[NE]")
    ne.rotate("NE->RT", back_azimuth=30.0)
    r["rotate.NE->RT"] = [(t.stats.channel, t.data) for t in ne]
    ne.rotate("RT->NE", back_azimuth=30.0)
    r["rotate.RT->NE"] = [(t.stats.channel, t.data) for t in ne]
    zne = st.copy()
    for t in zne:
        t.stats.back_azimuth, t.stats.inclination = 120.0, 20.0
    zne.rotate("ZNE->LQT")
    r["rotate.ZNE->LQT"] = sorted((t.stats.channel, t.data.tolist()) for t in zne)
    zne.rotate("LQT->ZNE")
    r["rotate.LQT->ZNE"] = sorted((t.stats.channel, t.data.tolist()) for t in zne)
    return r


def timescript(T):
    """UTCTime / UTCDateTime: construction, fields, formatting, arithmetic."""
    r = {}
    forms = [
        "2024-01-01",
        "2024/01/01",
        "20240101T120000",
        "2024-01-01T12:00:00+01:00",
        "2024-01-01T12:00:00-0130",
        "2024-001",
        "2024-366T23:59:59.5",
        "2024,032,12:00:00",
        "2024-02-29T23:59:59.999999Z",
    ]
    r["parse"] = [T(f).ns for f in forms]
    t = T("2024-02-29T13:04:05.123456Z")
    r["from.int"] = T(1704087000).ns
    r["from.float"] = T(1704087000.25).ns
    r["fields"] = (t.year, t.month, t.day, t.julday, t.hour, t.minute, t.second, t.microsecond, t.weekday)
    r["timestamp"] = t.timestamp
    r["datetime"] = t.datetime
    r["strftime"] = t.strftime("%Y-%j %H:%M:%S.%f")
    r["isoformat"] = (t.isoformat(), T("2024-01-01").isoformat(), t.isoformat(sep=" "))
    r["format_seed"] = (t.format_seed(), T("2024-01-01").format_seed(), T("2024-01-01T05:30").format_seed(compact=True), t.format_seed(compact=True))
    r["str"] = str(t)
    r["add"] = [(t + x).ns for x in (1, 0.5, -2.25, datetime.timedelta(days=1, microseconds=7))]
    r["sub"] = [(t - x).ns for x in (1, 0.5, datetime.timedelta(hours=1))]
    r["diff"] = t - T("2024-01-01")
    r["cmp"] = (t > T("2024-01-01"), t < T("2025-01-01"), t == T("2024-02-29T13:04:05.123456"), t != T(0))
    r["matplotlib_date"] = t.matplotlib_date
    return r


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("every") / "x.mseed")
    example(np.int32).write(path, format="MSEED", encoding="STEIM2", reclen=512)
    return everyday(OBSPY, path), everyday(SEISPOOL, path)


def _same(a, b, key):
    if isinstance(a, (list, tuple)) and not isinstance(a, str):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), key
        for x, y in zip(a, b):
            _same(x, y, key)
    elif isinstance(a, dict):
        assert sorted(a) == sorted(b), key
        for k in a:
            _same(a[k], b[k], f"{key}.{k}")
    elif isinstance(a, np.ndarray):
        b = np.asarray(b)
        assert a.shape == b.shape, key
        if a.dtype.kind == "f":
            scale = max(float(np.abs(a).max()) if a.size else 0.0, 1e-300)
            assert np.max(np.abs(a - b), initial=0.0) <= 1e-9 * scale, key
        else:
            np.testing.assert_array_equal(a, b, err_msg=key)
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-12, abs=1e-12), key
    else:
        assert a == b, key


KEYS = [
    "trace.max",
    "trace.std",
    "trace.count",
    "trace.get_id",
    "trace.verify",
    "times.relative",
    "times.reftime",
    "times.timestamp",
    "times.utcdatetime",
    "times.matplotlib",
    "trace.split",
    "trace.add",
    "trace.str",
    "stats.calib",
    "stats.core",
    "stats.times",
    "stats.keys",
    "stats.mseed",
    "stats.mseed.attr",
    "stats.custom",
    "stats.processing.count",
    "stream.pop",
    "stream.insert",
    "stream.remove",
    "stream.extend",
    "stream.reverse",
    "stream.sort.channel.reverse",
    "stream.sort",
    "stream.max",
    "stream.std",
    "stream.str",
    "stream.str.short",
    "stream.str.extended",
    "stream.get_gaps",
    "stream.get_gaps.min_gap",
    "stream.print_gaps",
    "stream.normalize",
    "stream.normalize.global_max",
    "stream.slide",
    "stream.slide.offset.partial",
    "rotate.NE->RT",
    "rotate.RT->NE",
    "rotate.ZNE->LQT",
    "rotate.LQT->ZNE",
]


@pytest.mark.parametrize("key", KEYS)
def test_everyday_api_matches_obspy(results, key):
    o, s = results
    _same(o[key], s[key], key)


def test_every_result_is_compared(results):
    assert sorted(KEYS) == sorted(results[0]) == sorted(results[1])


def test_time_api_matches_obspy():
    o, s = timescript(obspy.UTCDateTime), timescript(seispool.UTCTime)
    assert sorted(o) == sorted(s)
    for key in o:
        _same(o[key], s[key], key)


def test_write_reclen_and_obspy_encoding_codes(tmp_path):
    st = seispool.from_obspy(example(np.int32))
    for code, name in [(10, "STEIM1"), (11, "STEIM2"), (3, "INT32"), (1, "INT16")]:
        path = str(tmp_path / f"{code}.mseed")
        data = st.copy()
        if code == 1:  # ObsPy needs int16 data for INT16
            for t in data:
                t.data = (t.data // 100).astype(np.int16)
        data.write(path, encoding=code, reclen=512)
        back = obspy.read(path)
        assert [t.stats.mseed.encoding for t in back] == [name] * 3
        assert {t.stats.mseed.record_length for t in back} == {512}
        np.testing.assert_array_equal(back[0].data, data[0].data)
        # ObsPy writes the same bytes for the same call
        ref = str(tmp_path / f"{code}.obspy.mseed")
        data.to_obspy().write(ref, format="MSEED", encoding=code, reclen=512)
        assert (tmp_path / f"{code}.mseed").read_bytes() == (tmp_path / f"{code}.obspy.mseed").read_bytes()
    with pytest.raises(seispool.SeispoolError, match="encoding 99"):
        st.write(str(tmp_path / "bad.mseed"), encoding=99)
    with pytest.raises(ValueError, match="disagree"):
        st.write(str(tmp_path / "bad.mseed"), reclen=512, record_length=4096)


def test_stats_sac_uses_obspy_names(tmp_path):
    path = str(tmp_path / "x.sac")
    example()[0].write(path, format="SAC")
    o, s = obspy.read(path)[0].stats, seispool.read(path)[0].stats
    assert dict(s.sac) == {k: (v.item() if hasattr(v, "item") else v) for k, v in o.sac.items()}
    assert s.sac.kstnm == o.sac.kstnm == "RJOB" and "sac" in s and s.get("mseed") is None


def test_obspy_stats_round_trip_keeps_calib_processing_and_custom():
    o = example()
    o[0].stats.calib = 2.5
    o[0].detrend("demean")
    s = seispool.from_obspy(o)
    assert s[0].stats.calib == 2.5 and s[0].stats.processing == o[0].stats.processing
    assert s[0].stats.back_azimuth == o[0].stats.back_azimuth  # a custom field of ObsPy's example
    back = s.to_obspy()
    assert back[0].stats.calib == 2.5 and back[0].stats.processing == o[0].stats.processing
