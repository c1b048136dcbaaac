"""Batch oracle for seispool-core's Stream.merge/trim/slice: runs ObsPy on many streams in one process.

usage: stream_ops.py IN.json OUT.json
IN.json is a list of cases {"traces": [trace...], "op": op}; a trace is
{"id": "NET.STA.LOC.CHA", "start_ns": int, "sampling_rate": float, "dtype": "int32"|"float32"|"float64",
 "data": [numbers]}. op is one of
  {"op": "merge", "method": -1|0|1, "fill": FILL, "interpolation_samples": int,
   "misalignment_threshold": float (optional, default 0.01)}
  {"op": "trim", "start_ns": int|null, "end_ns": int|null, "pad": bool, "nearest_sample": bool, "fill": FILL}
  {"op": "slice", "start_ns": int|null, "end_ns": int|null, "nearest_sample": bool}
with FILL null, {"int": n}, {"float": x}, "latest" or "interpolate".
The result of every op is passed through Stream.split() (masked arrays -> contiguous traces).
Non-finite samples are written as "inf", "-inf" or "nan".
OUT.json is a list of {"ok": true, "traces": [trace...]} or {"ok": false, "error": "Type: message"}.
"""
import json
import math
import sys
import warnings

import numpy as np
from obspy import Stream, Trace, UTCDateTime


def fill_value(f):
    if f is None or isinstance(f, str):
        return f
    if "int" in f:
        return int(f["int"])
    return float(f["float"])


def finite_or_name(x):
    """JSON has no inf/nan: those are written as "inf", "-inf", "nan"."""
    return x if isinstance(x, int) or math.isfinite(x) else str(x)


def utc(ns):
    return None if ns is None else UTCDateTime(ns=ns)


def run(case):
    traces = []
    for t in case["traces"]:
        tr = Trace(data=np.array(t["data"], dtype=t["dtype"]))
        net, sta, loc, cha = t["id"].split(".")
        tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel = net, sta, loc, cha
        tr.stats.sampling_rate = t["sampling_rate"]
        tr.stats.starttime = UTCDateTime(ns=t["start_ns"])
        traces.append(tr)
    st = Stream(traces)
    op = case["op"]
    kind = op["op"]
    if kind == "merge":
        st.merge(method=op["method"], fill_value=fill_value(op["fill"]),
                 interpolation_samples=op["interpolation_samples"],
                 misalignment_threshold=op.get("misalignment_threshold", 1e-2))
    elif kind == "trim":
        st.trim(utc(op["start_ns"]), utc(op["end_ns"]), pad=op["pad"],
                nearest_sample=op["nearest_sample"], fill_value=fill_value(op["fill"]))
    elif kind == "slice":
        st = st.slice(utc(op["start_ns"]), utc(op["end_ns"]), nearest_sample=op["nearest_sample"])
    else:
        raise ValueError(kind)
    out = []
    for tr in st.split():
        data = np.asarray(tr.data)
        out.append({"id": tr.id, "start_ns": int(tr.stats.starttime.ns),
                    "sampling_rate": float(tr.stats.sampling_rate), "npts": int(tr.stats.npts),
                    "dtype": str(data.dtype), "data": [finite_or_name(x) for x in data.tolist()]})
    return {"ok": True, "traces": out}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    results = []
    for case in cases:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(run(case))
        except Exception as e:  # the error itself is the reference result
            results.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
    with open(sys.argv[2], "w") as f:
        json.dump(results, f, allow_nan=True)


if __name__ == "__main__":
    main()
