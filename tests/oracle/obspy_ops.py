"""Batch oracle for seispool-dsp processing kernels: applies ObsPy Trace methods to many inputs.

usage: obspy_ops.py DIR
DIR/cases.json is a list of {"input": file, "sampling_rate": f, "starttime_ns": i, "calls": [[method, args, kwargs], ...]}.
Input files are little-endian f64. For case i the script writes DIR/out_i.f64 and DIR/out_i.json with
{"ok": true, "npts", "sampling_rate", "starttime_ns"} or {"ok": false, "error": "Type: message"}.
Values given as {"utc_ns": n} become UTCDateTime(ns=n), {"tuple": [...]} a tuple.
"""
import json
import os
import sys
import warnings

import numpy as np
from obspy import Trace, UTCDateTime


def convert(v):
    if isinstance(v, dict) and "utc_ns" in v:
        return UTCDateTime(ns=v["utc_ns"])
    if isinstance(v, dict) and "tuple" in v:
        return tuple(v["tuple"])
    return v


def run_case(d, i, case):
    data = np.fromfile(os.path.join(d, case["input"]), dtype="<f8")
    tr = Trace(data=data)
    tr.stats.sampling_rate = case["sampling_rate"]
    tr.stats.starttime = UTCDateTime(ns=case["starttime_ns"])
    meta = {"ok": True}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, args, kwargs in case["calls"]:
                kwargs = {k: convert(v) for k, v in kwargs.items()}
                getattr(tr, name)(*[convert(a) for a in args], **kwargs)
        out = np.require(tr.data, dtype="<f8")
        out.tofile(os.path.join(d, "out_%d.f64" % i))
        meta.update(npts=int(tr.stats.npts), sampling_rate=float(tr.stats.sampling_rate),
                    starttime_ns=int(tr.stats.starttime.ns))
    except Exception as e:  # the error itself is the reference result
        meta = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    with open(os.path.join(d, "out_%d.json" % i), "w") as f:
        json.dump(meta, f)


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "cases.json")) as f:
        cases = json.load(f)
    for i, case in enumerate(cases):
        run_case(d, i, case)


if __name__ == "__main__":
    main()
