"""Station metadata: ``read_inventory`` and the ``inventory`` argument of ``remove_response``.

The inventory is parsed by seispool's StationXML reader (``seispool-io``). An ObsPy ``Inventory`` (or
``Network``) is accepted too: it is written to StationXML in memory and read back, so both libraries
see the same responses.

>>> inv = seispool.read_inventory("IU_ANMO.xml")  # doctest: +SKIP
>>> st.remove_response(inventory=inv, output="DISP", pre_filt=[0.01, 0.02, 8, 10])  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from typing import Any

from seispool import _seispool
from seispool._seispool import Inventory

__all__ = ["Inventory", "as_inventory", "read_inventory"]


def read_inventory(path: str | os.PathLike[str]) -> Inventory:
    """Reads a StationXML file, or every ``*.xml`` file of a directory, into one inventory."""
    return _seispool.read_inventory(os.fspath(path))


def as_inventory(obj: Any) -> Inventory:
    """A seispool inventory from a seispool ``Inventory``, a path, or an ObsPy ``Inventory``/``Network``."""
    if isinstance(obj, Inventory):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return read_inventory(obj)
    xml = obspy_stationxml(obj)
    if xml is not None:
        return _seispool.inventory_from_bytes(xml, "<obspy Inventory>")
    if obj is None:
        raise ValueError("No response information found. Use `inventory` parameter to specify an inventory with response information.")
    raise TypeError(f"inventory must be a seispool Inventory, a StationXML path or an ObsPy Inventory, not {type(obj).__name__}")


def obspy_stationxml(obj: Any) -> bytes | None:
    """The StationXML bytes of an ObsPy ``Inventory`` or ``Network``; ``None`` for anything else."""
    if not type(obj).__module__.startswith("obspy.core.inventory"):
        return None
    if type(obj).__name__ == "Network":
        from obspy.core.inventory import Inventory as ObspyInventory  # type: ignore[import-untyped]

        obj = ObspyInventory(networks=[obj], source="seispool")
    buf = io.BytesIO()
    obj.write(buf, format="STATIONXML")
    return buf.getvalue()
