"""The pip-installed `seispool` console script runs the Rust command line in-process."""

import os
import subprocess
import sys

import seispool

SCRIPT = os.path.join(os.path.dirname(sys.executable), "seispool")


def test_version_matches_module():
    out = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"seispool {seispool.__version__}"


def test_usage_error_exits_2():
    out = subprocess.run([SCRIPT, "--no-such-flag"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "--no-such-flag" in out.stderr


def test_demo_runs_from_the_installed_command(tmp_path):
    out = subprocess.run([SCRIPT, "demo", "--dir", str(tmp_path), "--stations", "1", "--quiet"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    st = seispool.read(tmp_path / "processed")
    assert sorted(t.stats.channel for t in st) == ["HHE", "HHN", "HHZ"]
    assert {t.stats.sampling_rate for t in st} == {25.0}
