"""Oracle: ObsPy writes MiniSEED for the Rust writer tests, so that their bytes can be compared.

usage: obspy_write_mseed.py MANIFEST.json
The manifest is a list of cases {"out": path, "kwargs": {...}, "traces": [...]}; each trace has
network/station/location/channel, starttime_ns, sampling_rate, dtype (int32/int16/float32/float64/text),
data (path of raw little-endian samples, or of the text bytes) and optionally mseed_encoding and
dataquality (set in stats.mseed). For each case ObsPy's Stream.write(out, format="MSEED", **kwargs) runs;
when it raises, "out.err" receives the exception instead.
"""
import json
import sys
import warnings

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.core.util import AttribDict

DTYPES = {"int32": "<i4", "int16": "<i2", "float32": "<f4", "float64": "<f8"}


def make_trace(spec):
    if spec["dtype"] == "text":
        data = np.frombuffer(open(spec["data"], "rb").read(), dtype="|S1").copy()
    else:
        data = np.fromfile(spec["data"], dtype=DTYPES[spec["dtype"]])
        data = data.astype(np.dtype(DTYPES[spec["dtype"]]).newbyteorder("="))
    tr = Trace(data=data)
    s = tr.stats
    s.network, s.station = spec["network"], spec["station"]
    s.location, s.channel = spec["location"], spec["channel"]
    s.sampling_rate = spec["sampling_rate"]
    s.starttime = UTCDateTime(ns=spec["starttime_ns"])
    mseed = {k: spec[k] for k in ("dataquality",) if spec.get(k)}
    if spec.get("mseed_encoding"):
        mseed["encoding"] = spec["mseed_encoding"]
    if mseed:
        s.mseed = AttribDict(mseed)
    return tr


def main():
    cases = json.load(open(sys.argv[1]))
    for case in cases:
        try:
            st = Stream([make_trace(t) for t in case["traces"]])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                st.write(case["out"], format="MSEED", **case["kwargs"])
        except Exception as e:  # the oracle reports ObsPy's refusal as data
            with open(case["out"] + ".err", "w") as f:
                f.write(f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
