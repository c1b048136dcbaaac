"""The examples in the docstrings run (those needing files are marked +SKIP)."""

import doctest
import importlib

import pytest

MODULES = ["seispool", "seispool._time", "seispool._pipeline", "seispool.core", "seispool._api", "seispool.obspy", "seispool.dask", "seispool._fork"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_api_is_documented():
    import seispool

    for name in seispool.__all__:
        obj = getattr(seispool, name)
        if callable(obj):
            assert obj.__doc__, name
    for cls in (seispool.Stream, seispool.Trace):
        for meth in (
            "process",
            "detrend",
            "taper",
            "filter",
            "decimate",
            "resample",
            "interpolate",
            "integrate",
            "differentiate",
            "normalize",
            "trim",
            "slice",
            "write",
            "copy",
        ):
            assert getattr(cls, meth).__doc__, (cls, meth)
    for meth in ("merge", "select", "to_obspy", "get_gaps"):
        assert getattr(seispool.Stream, meth).__doc__, meth
