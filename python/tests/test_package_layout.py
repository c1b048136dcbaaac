"""Issue 11's Python items: no import cycle inside the package (not even through imports inside
functions), the raw record is one NamedTuple, and the op methods are written once for Trace and Stream."""

import ast
import pathlib

import numpy as np

import seispool
from seispool._ops import ProcessingOps
from seispool._raw import RawTrace

PKG = pathlib.Path(seispool.__file__).parent


def _runtime_nodes(tree):
    """Every node, skipping `if TYPE_CHECKING:` blocks (imports for annotations only)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def _imports(path):
    """Every seispool module a module imports at run time, at any depth of its code."""
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("seispool"):
            if node.module == "seispool":
                out |= {f"seispool.{a.name}" for a in node.names}
            else:
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("seispool")}
    return out


def test_core_and_obspy_import_each_other():
    modules = {f"seispool.{p.stem}": p for p in PKG.glob("*.py") if p.stem != "__init__"}
    graph = {m: {i for i in _imports(p) if i in modules and i != m} for m, p in modules.items()}

    def visit(m, stack):
        assert m not in stack, f"import cycle: {' -> '.join([*stack, m])}"
        for n in graph[m]:
            visit(n, [*stack, m])

    for m in graph:
        visit(m, [])
    assert "seispool.obspy" not in graph["seispool.core"] and "seispool.core" not in graph["seispool._everyday"]


def test_trace_and_stream_op_methods_are_copied():
    for name in ("detrend", "taper", "filter", "decimate", "resample", "interpolate", "integrate", "differentiate", "remove_response", "remove_sensitivity"):
        assert getattr(seispool.Trace, name) is getattr(seispool.Stream, name) is getattr(ProcessingOps, name)


def test_raw_tuple_rebuilt_by_hand(tmp_path):
    st = seispool.Stream([seispool.Trace(np.array([1, 2, 3], np.int32), {"station": "A", "sampling_rate": 2.0})])
    raw = st[0]._raw()
    assert isinstance(raw, RawTrace) and raw.station == "A" and raw.npts == 3
    assert seispool.Trace._from_raw(tuple(raw)) == st[0]
