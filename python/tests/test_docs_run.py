"""Every ```python block of README.md, python/README.md and docs/*.md runs, as written, on the archive that
``seispool demo`` builds (one station, one day at 100 Hz, made once for the module). Blocks of one file run
in order in one namespace, the way a reader pastes them; a ``>>>`` block runs as a doctest."""

import doctest
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "python" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(path):
    return FENCE.findall(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("docs")
    r = subprocess.run(
        [sys.executable, "-m", "seispool", "demo", "--no-process", "--stations", "1", "--quiet"], cwd=d, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    return d


def test_docs_have_python_blocks():
    assert blocks(ROOT / "README.md") and blocks(ROOT / "python" / "README.md")


@pytest.mark.parametrize("doc", [p for p in DOCS if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_readme_python_example_fails_as_written(doc, demo_dir, monkeypatch):
    monkeypatch.chdir(demo_dir)
    namespace = {"__name__": "__readme__"}
    for i, code in enumerate(blocks(doc)):
        if code.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(code, namespace, f"{doc.name}[{i}]", str(doc), 0)
            result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
            assert result.failed == 0, f"{doc}: block {i}"
        else:
            exec(compile(code, f"{doc}: python block {i}", "exec"), namespace)
    assert os.getcwd() == str(demo_dir)
