"""A Rust panic inside any call surfaces as a SeispoolError; the interpreter never aborts."""

import subprocess
import sys

import pytest

import seispool
from seispool import _seispool


def test_panic_on_a_worker_thread_becomes_seispool_error():
    with pytest.raises(seispool.SeispoolError) as info:
        _seispool._panic_for_tests("boom at record 7")
    assert isinstance(info.value, seispool.InternalError)
    assert "boom at record 7" in str(info.value)
    assert "_panic_for_tests" in str(info.value)
    # The process is unharmed: the next call works.
    assert _seispool.parse_time("2024-01-01") == 1704067200 * 10**9


def test_panic_is_caught_by_except_exception():
    try:
        _seispool._panic_for_tests("x")
    except Exception as exc:  # noqa: BLE001 - the point: a plain `except Exception` catches it
        caught = exc
    assert isinstance(caught, seispool.SeispoolError)


def test_interpreter_survives_a_panic_in_a_subprocess():
    code = (
        "import seispool\n"
        "from seispool import _seispool\n"
        "try:\n"
        "    _seispool._panic_for_tests('deep')\n"
        "except seispool.SeispoolError as e:\n"
        "    print('caught', type(e).__name__)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "caught InternalError"


def test_every_extension_function_is_guarded():
    names = [n for n in dir(_seispool) if callable(getattr(_seispool, n)) and not isinstance(getattr(_seispool, n), type)]
    assert "read" in names and "process" in names
    for n in names:
        assert getattr(getattr(_seispool, n), "__seispool_guarded__", False), n


def test_absurd_op_parameters_raise_before_allocating():
    """resample(1e9) on a small trace once aborted the interpreter on a failed allocation."""
    import os

    import obspy

    path = os.path.join(os.path.dirname(obspy.__file__), "io", "mseed", "tests", "data", "test.mseed")
    st = seispool.read(path)
    with pytest.raises(seispool.PipelineError, match="more than the limit of 268435456 samples"):
        st.copy().resample(1e9)
    with pytest.raises(seispool.PipelineError, match="above the supported maximum of 1000"):
        st.copy().filter("lowpass", freq=1.0, corners=100_000_000)
    assert len(st.copy().resample(20.0)[0].data) > 0
