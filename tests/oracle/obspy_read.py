"""Oracle: obspy.read() each file and dump what ObsPy read, for the Rust tests.

usage: obspy_read.py OUTDIR KWARGS FILE...
For file i writes OUTDIR/i/meta.json ({"error": str|None, "traces": [...]}) and one raw
little-endian sample file per trace (int32/float32/float64, or the bytes of text data).
"""
import ast
import json
import os
import sys
import warnings

import numpy as np
import obspy


def dump(path, outdir, kwargs):
    os.makedirs(outdir, exist_ok=True)
    meta = {"error": None, "traces": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kwargs.get("raw_mseed"):
                # The MiniSEED reader itself: record selection without obspy.read's final trim.
                from obspy.io.mseed.core import _read_mseed
                st = _read_mseed(path, **{k: v for k, v in kwargs.items() if k not in ("raw_mseed", "format")})
            else:
                st = obspy.read(path, **kwargs)
    except Exception as e:  # the oracle reports ObsPy's refusal as data
        meta["error"] = f"{type(e).__name__}: {e}"
        st = []
    for j, tr in enumerate(st):
        data = tr.data
        if isinstance(data, np.ma.MaskedArray):
            data = data.filled(0)
        kind = data.dtype.kind
        if kind in "SU":
            dtype, raw = "text", data.tobytes()
        else:
            dtype = {"i": "int32", "f": "float64" if data.dtype.itemsize == 8 else "float32"}[kind]
            raw = data.astype("<" + {"int32": "i4", "float32": "f4", "float64": "f8"}[dtype]).tobytes()
        name = f"{j}.bin"
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(raw)
        s = tr.stats
        meta["traces"].append({
            "network": s.network, "station": s.station, "location": s.location,
            "channel": s.channel, "starttime_ns": s.starttime.ns,
            "sampling_rate": float(s.sampling_rate), "npts": int(s.npts), "dtype": dtype,
            "encoding": s.mseed.encoding if "mseed" in s else None, "file": name,
        })
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f)


def main():
    outdir, kwargs = sys.argv[1], ast.literal_eval(sys.argv[2])
    # Times cannot be Python literals: "starttime_ns"/"endtime_ns" become UTCDateTime(ns=...).
    for key in ("starttime", "endtime"):
        if key + "_ns" in kwargs:
            kwargs[key] = obspy.UTCDateTime(ns=kwargs.pop(key + "_ns"))
    for i, path in enumerate(sys.argv[3:]):
        dump(path, os.path.join(outdir, str(i)), kwargs)


if __name__ == "__main__":
    main()
