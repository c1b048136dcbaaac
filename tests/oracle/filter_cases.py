"""Oracle: run many ObsPy/SciPy filter cases in one process, for seispool-dsp's tests.

usage: filter_cases.py DIR
Reads DIR/cases.json, a list of cases; each has "func" and its arguments, and "input" (a raw
little-endian f64 file in DIR) where data is filtered. Writes DIR/results.json, one entry per case:
{"error": "Type: message" | null, "warnings": [str], "values": [float], "out": file | null}, and the
filtered data (or SOS matrix, row-major) as DIR/out_<i>.f64.
"""
import json
import os
import sys
import warnings

import numpy as np
from obspy import Trace
from obspy.signal import filter as of
from scipy import signal


def load(dirname, name):
    return np.fromfile(os.path.join(dirname, name), dtype="<f8")


def run(case, dirname):
    """Returns (array to write or None, list of extra scalar values)."""
    func = case["func"]
    if func == "iirfilter":
        sos = signal.iirfilter(case["N"], case["Wn"], rs=case.get("rs"), btype=case["btype"],
                               ftype=case["ftype"], output="sos")
        return np.asarray(sos).ravel(), []
    if func == "cheb2ord":
        order, wn = signal.cheb2ord(case["wp"], case["ws"], case["gpass"], case["gstop"])
        return None, [float(order), float(wn)]
    data = load(dirname, case["input"])
    if func == "lowpass_cheby_2":
        out, wp = of.lowpass_cheby_2(data, freq_passband=True, **case["kwargs"])
        return out, [float(wp)]
    if func == "decimate":
        tr = Trace(data=data)
        tr.stats.sampling_rate = case["sampling_rate"]
        tr.decimate(case["factor"], no_filter=case["no_filter"], strict_length=case["strict_length"])
        return tr.data.astype("<f8"), [float(tr.stats.sampling_rate)]
    out = getattr(of, func)(data, **case["kwargs"])
    return out, []


def main():
    dirname = sys.argv[1]
    with open(os.path.join(dirname, "cases.json")) as f:
        cases = json.load(f)
    results = []
    for i, case in enumerate(cases):
        res = {"error": None, "warnings": [], "values": [], "out": None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out, values = run(case, dirname)
                res["values"] = values
                if out is not None:
                    name = f"out_{i}.f64"
                    np.asarray(out, dtype="<f8").tofile(os.path.join(dirname, name))
                    res["out"] = name
            except Exception as e:  # the oracle reports refusals as data
                res["error"] = f"{type(e).__name__}: {e}"
        res["warnings"] = [str(w.message) for w in caught if not issubclass(w.category, RuntimeWarning)]
        results.append(res)
    with open(os.path.join(dirname, "results.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
