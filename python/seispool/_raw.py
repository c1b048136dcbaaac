"""The raw trace record exchanged with the Rust module, and the MiniSEED header names ObsPy uses."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class RawTrace(NamedTuple):
    """One trace as `seispool._seispool` takes and returns it (``python/src/convert.rs``)."""

    network: str
    station: str
    location: str
    channel: str
    starttime_ns: int
    sampling_rate: float
    npts: int
    data: np.ndarray
    is_text: bool
    mseed: dict[str, Any] | None
    headers: dict[str, Any]


ENCODING_NAMES: dict[int, str] = {
    0: "ASCII",
    1: "INT16",
    2: "INT24",
    3: "INT32",
    4: "FLOAT32",
    5: "FLOAT64",
    10: "STEIM1",
    11: "STEIM2",
    12: "GEOSCOPE24",
    13: "GEOSCOPE16_3",
    14: "GEOSCOPE16_4",
    16: "CDSN",
    30: "SRO",
    32: "DWWSSN",
}
"""MiniSEED data encoding codes and ObsPy's names for them (``obspy.io.mseed.headers.ENCODINGS``)."""

ENCODING_CODES: dict[str, int] = {name: code for code, name in ENCODING_NAMES.items()}


def encoding_name(encoding: str | int | None) -> str | None:
    """The encoding name for an ObsPy encoding code or name (``11`` or ``"STEIM2"`` → ``"STEIM2"``)."""
    if encoding is None or isinstance(encoding, str):
        return encoding
    if isinstance(encoding, bool) or not isinstance(encoding, (int, np.integer)):
        raise TypeError(f"encoding {encoding!r}: expected a name such as 'STEIM2' or an ObsPy code such as 11")
    try:
        return ENCODING_NAMES[int(encoding)]
    except KeyError:
        from seispool._errors import OptionError

        raise OptionError(f"encoding {encoding}: not a MiniSEED encoding code (known: {sorted(ENCODING_NAMES)})") from None


def mseed_to_obspy(m: dict[str, Any]) -> dict[str, Any]:
    """The raw `mseed` dict as ObsPy's ``stats.mseed`` fields."""
    code = m.get("encoding", -1)
    out = {
        "dataquality": m.get("dataquality", "D"),
        "number_of_records": m.get("number_of_records", 0),
        "encoding": ENCODING_NAMES.get(code, str(code)),
        "byteorder": ">" if m.get("big_endian", True) else "<",
        "record_length": m.get("record_length", 0),
    }
    if "filesize" in m:
        out["filesize"] = m["filesize"]
    return out


def mseed_from_obspy(m: Any) -> dict[str, Any]:
    """ObsPy-style ``stats.mseed`` fields as the raw `mseed` dict (names or codes accepted)."""
    enc = m.get("encoding", "STEIM2")
    code = ENCODING_CODES.get(enc, enc) if isinstance(enc, str) else enc
    return {
        "encoding": int(code) if isinstance(code, (int, np.integer)) else 11,
        "record_length": int(m.get("record_length", 4096)),
        "big_endian": m.get("byteorder", ">") != "<",
        "dataquality": str(m.get("dataquality", "D")),
        "number_of_records": int(m.get("number_of_records", 0)),
        "version": int(m.get("version", 2)),
    }
