"""Oracle: pymseed (libmseed 3) writes MiniSEED files for the Rust MiniSEED 3 reader tests.

usage: pymseed_write.py MANIFEST.json
The manifest is a list of cases {"out": path, "traces": [...]}. Each trace is packed with
MS3Record.generate and appended to "out" in order; its fields: sid, starttime_ns, samprate (as libmseed
takes it: Hz, or a negative period in seconds), encoding (code), reclen, formatversion (3, or 2 for
MiniSEED 2 records), pubversion, flags, extra (JSON text or ""), dtype (int32/float32/float64/text) and
data (path of raw little-endian samples, or of the text bytes).
When packing raises, "out.err" receives the exception instead of "out".
"""
import json
import sys

import numpy as np
import pymseed

DTYPES = {"int32": ("<i4", "i"), "float32": ("<f4", "f"), "float64": ("<f8", "d"), "text": ("u1", "t")}


def pack(spec):
    dtype, kind = DTYPES[spec["dtype"]]
    data = np.fromfile(spec["data"], dtype=dtype).astype(np.dtype(dtype).newbyteorder("="))
    msr = pymseed.MS3Record()
    msr.sourceid = spec["sid"]
    msr.starttime = spec["starttime_ns"]
    msr.samprate = spec["samprate"]
    msr.encoding = spec["encoding"]
    msr.reclen = spec["reclen"]
    msr.formatversion = spec["formatversion"]
    msr.pubversion = spec["pubversion"]
    msr.flags = spec["flags"]
    if spec["extra"]:
        msr.extra = spec["extra"]
    return b"".join(msr.generate(data, kind))


def main():
    for case in json.load(open(sys.argv[1])):
        try:
            blob = b"".join(pack(t) for t in case["traces"])
        except Exception as e:  # the oracle reports pymseed's refusal as data
            with open(case["out"] + ".err", "w") as f:
                f.write(f"{type(e).__name__}: {e}")
            continue
        with open(case["out"], "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
