"""Shared fixtures: ObsPy's example stream (the oracle's own data) in several dtypes and with gaps."""

import numpy as np
import pytest

obspy = pytest.importorskip("obspy")


def example(dtype=np.float64):
    """ObsPy's example stream (3 traces, 100 Hz, 3000 samples) with data of `dtype`."""
    st = obspy.read()
    for tr in st:
        tr.data = np.require(tr.data, dtype=dtype) if dtype != np.int32 else np.round(tr.data).astype(np.int32)
    return st


def gappy():
    """One channel in four pieces: a 1.5 s gap, a 0.5 s overlap, and a piece at a sub-sample offset."""
    tr = example()[0]
    t0 = tr.stats.starttime
    a = tr.slice(t0, t0 + 8)
    b = tr.slice(t0 + 9.5, t0 + 15)
    c = tr.slice(t0 + 14.5, t0 + 22).copy()
    d = tr.slice(t0 + 23, t0 + 29).copy()
    d.stats.starttime += 0.001
    return obspy.Stream([a.copy(), b.copy(), c, d])


@pytest.fixture
def ex():
    return example()


@pytest.fixture
def gaps():
    return gappy()
