"""The stubs of the compiled module match it (mypy.stubtest), and the package type-checks against them."""

import os
import subprocess
import sys

import seispool

PKG = os.path.dirname(seispool.__file__)


def run(cwd, *args):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd)


def test_stubtest_extension_module(tmp_path):
    r = run(tmp_path, "mypy.stubtest", "seispool._seispool")
    assert r.returncode == 0, r.stdout + r.stderr


def test_package_typechecks_and_ships_py_typed(tmp_path):
    assert os.path.exists(os.path.join(PKG, "py.typed"))
    assert os.path.exists(os.path.join(PKG, "_seispool.pyi"))
    r = run(tmp_path, "mypy", "--no-incremental", "-p", "seispool")
    assert r.returncode == 0, r.stdout + r.stderr
