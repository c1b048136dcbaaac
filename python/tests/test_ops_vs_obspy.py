"""Every Stream/Trace method runs the Rust op and matches ObsPy 1.5's method of the same name and arguments."""

import numpy as np
import pytest

import seispool
from conftest import example, gappy

obspy = pytest.importorskip("obspy")


def assert_same(o, s, rtol=1e-9):
    assert len(o) == len(s), (o, s)
    for a, b in zip(o, s):
        assert a.id == b.id
        assert a.stats.starttime.ns == b.stats.starttime_ns
        assert a.stats.endtime.ns == b.stats.endtime_ns
        assert a.stats.sampling_rate == b.stats.sampling_rate
        assert a.stats.npts == b.stats.npts == len(b.data)
        scale = max(np.max(np.abs(a.data)) if len(a.data) else 0.0, 1e-300)
        assert np.max(np.abs(a.data.astype(np.float64) - b.data.astype(np.float64)), initial=0.0) <= rtol * scale


T0 = obspy.UTCDateTime(2009, 8, 24, 0, 20, 3)

TRACE_OPS = [
    ("detrend", ("simple",), {}),
    ("detrend", ("linear",), {}),
    ("detrend", ("demean",), {}),
    ("detrend", ("constant",), {}),
    ("detrend", ("polynomial",), {"order": 3}),
    ("detrend", ("spline",), {"order": 2, "dspline": 500}),
    ("taper", (0.05,), {}),
    ("taper", (0.1,), {"type": "cosine", "side": "left"}),
    ("taper", (0.2,), {"type": "kaiser", "beta": 3.0, "max_length": 2.0, "side": "right"}),
    ("filter", ("bandpass",), {"freqmin": 1.0, "freqmax": 10.0, "corners": 4, "zerophase": True}),
    ("filter", ("bandstop",), {"freqmin": 2, "freqmax": 5}),
    ("filter", ("lowpass",), {"freq": 5}),
    ("filter", ("highpass",), {"freq": 2.0, "corners": 2}),
    ("filter", ("lowpass_cheby_2",), {"freq": 10}),
    ("decimate", (4,), {}),
    ("decimate", (3,), {"no_filter": True}),
    ("resample", (40.0,), {}),
    ("resample", (33.0,), {"window": "hamming"}),
    ("interpolate", (50.0,), {"method": "linear"}),
    ("interpolate", (30.0,), {"method": "cubic", "starttime": T0 + 0.013}),
    ("integrate", (), {}),
    ("differentiate", (), {}),
    ("normalize", (), {}),
    ("normalize", (), {"norm": 1000.0}),
    ("trim", (), {"starttime": T0 + 2.004, "endtime": T0 + 20.5}),
    ("trim", (), {"starttime": T0 - 1, "endtime": T0 + 40, "pad": True, "fill_value": 0}),
]


@pytest.mark.parametrize("name,args,kwargs", TRACE_OPS, ids=lambda v: repr(v)[:40])
@pytest.mark.parametrize("level", ["stream", "trace"])
def test_method_matches_obspy(name, args, kwargs, level):
    o = example()
    s = seispool.from_obspy(o.copy())
    if level == "stream":
        out = getattr(s, name)(*args, **kwargs)
        assert out is s
        if name == "normalize" and kwargs:  # ObsPy's Stream.normalize has no norm; the pipeline uses Trace's
            for a in o:
                a.normalize(**kwargs)
        else:
            getattr(o, name)(*args, **kwargs)
    else:
        for a, b in zip(o, s):
            assert getattr(b, name)(*args, **kwargs) is b
            getattr(a, name)(*args, **kwargs)
    assert_same(o, s)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"method": 1},
        {"method": 1, "fill_value": "interpolate"},
        {"method": 0, "fill_value": 0},
        {"method": 1, "fill_value": "latest", "interpolation_samples": 3},
    ],
)
def test_merge_matches_obspy(kwargs):
    o = gappy()
    s = seispool.from_obspy(o.copy())
    s.merge(**kwargs)
    o.merge(**kwargs)
    # ObsPy leaves gaps masked; seispool splits them exactly where ObsPy's split() does.
    assert_same(o.split(), s)


def test_stream_trim_slice_select_match_obspy():
    o = gappy()
    s = seispool.from_obspy(o.copy())
    assert_same(o.slice(T0 + 5, T0 + 12.0049), s.slice(T0 + 5, T0 + 12.0049))
    assert_same(o, s)  # slice leaves the stream as it was
    assert_same(o.copy().trim(T0 + 9, T0 + 16), s.copy().trim(T0 + 9, T0 + 16))
    assert_same(o.copy().trim(T0 + 3, T0 + 20, nearest_sample=False), s.copy().trim(T0 + 3, T0 + 20, nearest_sample=False))
    ex_o, ex_s = example(), seispool.from_obspy(example())
    for kw in [{"channel": "EH[NE]"}, {"component": "z"}, {"id": "BW.RJOB..EHE"}, {"station": "X*"}, {"npts": 3000, "sampling_rate": 100}]:
        sel = ex_s.select(**kw)
        assert [t.id for t in sel] == [t.id for t in ex_o.select(**kw)]
        assert all(any(t is u for u in ex_s) for t in sel)  # the same objects, as ObsPy


def test_process_equals_method_chain_and_times_accept_every_kind():
    import datetime

    s1 = seispool.from_obspy(example())
    s2 = s1.copy()
    s1.process('detrend("linear"); taper(max_percentage=0.05); filter("lowpass", freq=4.0); trim("2009-08-24T00:20:05", "2009-08-24T00:20:25")')
    s2.detrend("linear").taper(0.05).filter("lowpass", freq=4.0)
    start = datetime.datetime(2009, 8, 24, 0, 20, 5)
    end = seispool.UTCTime("2009-08-24T00:20:25Z")
    s3 = s2.copy().trim(start, end)
    s4 = s2.copy().trim(T0 + 2, seispool.UTCTime.from_ns(end.ns))
    s5 = s2.copy().trim(T0.timestamp + 2, end.timestamp)  # numbers are POSIX seconds, as in ObsPy
    assert s1 == s4 == s5
    for a, b in zip(s1, s3):  # equal but for the time text in stats.processing
        assert a.stats.processing[:3] == b.stats.processing[:3] and np.array_equal(a.data, b.data)


def test_filter_warning_is_a_python_warning():
    s = seispool.from_obspy(example())
    with pytest.warns(UserWarning, match="(?i)nyquist"):
        s.filter("bandpass", freqmin=1, freqmax=60)


def test_pipeline_errors_carry_the_rust_message():
    s = seispool.from_obspy(example())
    with pytest.raises(seispool.PipelineError, match="freqmn.*did you mean 'freqmin'") as e:
        s.process('filter("bandpass", freqmn=1, freqmax=5)')
    assert isinstance(e.value, seispool.SeispoolError)
    with pytest.raises(seispool.PipelineError, match="decimate"):
        s.decimate(0)
    with pytest.raises(seispool.PipelineError):
        s.filter("lowpass", freq=80)  # at/above Nyquist, an error in ObsPy too
