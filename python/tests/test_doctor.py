"""`seispool.doctor()` wraps the Rust doctor for this interpreter and adds the live process's facts."""

import json
import os
import sys

import pytest

import seispool


def test_doctor_reports_this_interpreter():
    report = seispool.doctor(timeout=60.0)
    json.dumps(report)  # plain data
    assert report["interpreter"]["python"] == sys.executable
    assert report["interpreter"]["version"] == "%d.%d.%d" % sys.version_info[:3]
    live = report["live"]
    assert live["pid"] == os.getpid()
    assert live["fork_is_safe"] == seispool.fork_is_safe()[0]
    assert live["threads"] >= 1 and live["start_method"] in ("fork", "forkserver", "spawn")
    assert "verdict" in report and "runtimes" in report
    # numpy's BLAS is among the runtimes the child interpreter loaded
    assert any("blas" in r["kind"] for r in report["runtimes"]), report["runtimes"]


def test_doctor_bad_arguments():
    with pytest.raises(ValueError, match="timeout"):
        seispool.doctor(timeout=0)
    with pytest.raises(seispool.SeispoolError, match="no_such_module_xyz"):
        seispool.doctor(imports=["no_such_module_xyz"], timeout=60.0)


def test_fork_is_safe_in_a_clean_process():
    ok, reason = seispool.fork_is_safe()
    assert isinstance(ok, bool) and reason
    assert sys.modules["seispool.mp"].Pool is seispool.mp.Pool
