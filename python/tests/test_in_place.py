"""Chained processing methods work on the trace's own sample array: a chain copies the samples at most once
(the first call, when the array is the caller's), and results still match ObsPy's same chain (issue #13)."""

import weakref

import numpy as np
import pytest

import seispool
from conftest import example

obspy = pytest.importorskip("obspy")


def chain(st):
    return st.detrend("linear").taper(0.05).filter("bandpass", freqmin=1.0, freqmax=10.0, corners=4, zerophase=True).normalize()


def assert_matches_obspy(o, s, rtol=1e-9):
    assert len(o) == len(s)
    for a, b in zip(o, s):
        assert a.id == b.id and b.stats.npts == len(b.data) == a.stats.npts
        assert b.data.dtype == a.data.dtype
        scale = np.max(np.abs(a.data))
        assert np.max(np.abs(a.data - b.data)) <= rtol * scale


def test_regression_chained_methods_copied_the_samples_on_every_call():
    o = example()
    s = seispool.from_obspy(o.copy())
    s.detrend("demean")  # the first call may copy the caller's arrays; from here on seispool's own
    traces = list(s.traces)
    arrays = [weakref.ref(tr.data) for tr in s]  # weak: holding the arrays would make the calls copy
    pointers = [tr.data.ctypes.data for tr in s]
    assert chain(s) is s
    for tr, t0, ref, ptr in zip(s, traces, arrays, pointers):
        assert tr is t0
        assert ref() is tr.data, "the samples were copied into a new array"
        assert tr.data.ctypes.data == ptr
    o.detrend("demean")
    assert_matches_obspy(chain(o), s)
    assert s[0].stats.processing[-1].endswith("normalize(norm=None)")


def test_trace_methods_chain_in_place_too():
    o = example()[0]
    tr = seispool.read(_write(o))[0]  # read's arrays are seispool's own: no copy even on the first call
    ref = weakref.ref(tr.data)
    out = tr.detrend("linear").taper(0.05).filter("lowpass", freq=5.0)
    assert out is tr and ref() is tr.data
    o.data = o.data.astype(np.float64)
    expected = o.detrend("linear").taper(0.05).filter("lowpass", freq=5.0)
    assert_matches_obspy(obspy.Stream([expected]), seispool.Stream([tr]))


def _write(tr):
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "one.mseed")
    t = tr.copy()
    t.data = t.data.astype(np.float64)
    t.write(path, format="MSEED", encoding="FLOAT64")
    return path


def test_an_array_the_caller_still_holds_is_not_changed():
    o = example()
    s = seispool.from_obspy(o.copy())
    held = [tr.data for tr in s]
    before = [h.copy() for h in held]
    views = [tr.data[:] for tr in s]
    chain(s)
    for h, b, v, tr in zip(held, before, views, s):
        assert np.array_equal(h, b) and np.array_equal(v, b)
        assert not np.shares_memory(h, tr.data)
    assert_matches_obspy(chain(o), s)


def test_a_view_of_seispools_array_keeps_it_from_being_changed():
    s = seispool.from_obspy(example())
    s.detrend("demean")
    view = s[0].data[10:20]  # its base is the buffer seispool handed over, not the array
    before = view.copy()
    s.taper(0.5)
    assert np.array_equal(view, before)


@pytest.mark.parametrize("kind", ["int32", "float32", "readonly", "strided", "big_endian", "shared"])
def test_arrays_that_cannot_be_borrowed_still_work(kind):
    o = example()
    s = seispool.from_obspy(o.copy())
    for tr in s:
        d = tr.data.astype(np.float64)
        if kind == "int32":
            d = np.round(d).astype(np.int32)
        elif kind == "float32":
            d = d.astype(np.float32)
        elif kind == "readonly":
            d.setflags(write=False)
        elif kind == "strided":
            d = np.repeat(d, 2)[::2]
        elif kind == "big_endian":
            d = d.astype(">f8")
        tr.data = d
    if kind == "shared":
        s[1].data = s[0].data
        s[2].data = s[0].data
    originals = [tr.data for tr in s]
    copies = [d.copy() for d in originals]
    for a, b in zip(o, s):
        a.data = b.data.astype(b.data.dtype.newbyteorder("=")).copy()
    chain(s)
    for d, c in zip(originals, copies):
        assert np.array_equal(d, c), "the caller's array changed"
    # ObsPy's detrend keeps float32 input in float32 until the filter; seispool works in float64 throughout.
    assert_matches_obspy(chain(o), s, rtol=1e-6 if kind == "float32" else 1e-9)


def test_a_failing_op_on_borrowed_samples_raises_as_before():
    s = seispool.from_obspy(example())
    s.detrend("demean")
    with pytest.raises(seispool.PipelineError, match="freq"):
        s.filter("lowpass", freq=-1.0)
