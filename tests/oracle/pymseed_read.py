"""Oracle: pymseed (libmseed 3) reads MiniSEED 2/3 files for the Rust MiniSEED 3 tests.

usage: pymseed_read.py OUTDIR FILE...
For file number i, OUTDIR/i/meta.json holds {"error": message or null, "segments": [...], "records": [...]}.
Segments come from MS3TraceList(unpack_data=True, validate_crc=True) (libmseed's joining): sid,
pubversion, starttime_ns, samprate (Hz), npts, sampletype (i/f/d/t) and "file", the samples as raw
little-endian bytes in OUTDIR/i/. Records come from MS3Record.from_file: sid, formatversion,
starttime_ns, samprate, samprate_raw, encoding, pubversion, flags, extra, npts, reclen.
"""
import json
import os
import sys

import numpy as np
import pymseed

LE = {"i": "<i4", "f": "<f4", "d": "<f8", "t": "u1"}


def read(path, out):
    segments, records = [], []
    tl = pymseed.MS3TraceList(path, unpack_data=True, validate_crc=True)
    for tid in tl:
        for seg in tid:
            name = f"seg{len(segments)}.bin"
            data = np.asarray(seg.np_datasamples)
            if seg.sampletype == "t":
                data = data.view("u1")
            data.astype(LE[seg.sampletype]).tofile(os.path.join(out, name))
            segments.append({
                "sid": tid.sourceid,
                "pubversion": tid.pubversion,
                "starttime_ns": seg.starttime,
                "samprate": seg.samprate,
                "npts": seg.samplecnt,
                "sampletype": seg.sampletype,
                "file": name,
            })
    for msr in pymseed.MS3Record.from_file(path, unpack_data=False, validate_crc=True):
        records.append({
            "sid": msr.sourceid,
            "formatversion": msr.formatversion,
            "starttime_ns": msr.starttime,
            "samprate": msr.samprate,
            "samprate_raw": msr.samprate_raw,
            "encoding": msr.encoding,
            "pubversion": msr.pubversion,
            "flags": msr.flags,
            "extra": msr.extra or "",
            "npts": msr.samplecnt,
            "reclen": msr.reclen,
        })
    return segments, records


def main():
    outdir = sys.argv[1]
    for i, path in enumerate(sys.argv[2:]):
        out = os.path.join(outdir, str(i))
        os.makedirs(out, exist_ok=True)
        meta = {"error": None, "segments": [], "records": []}
        try:
            meta["segments"], meta["records"] = read(path, out)
        except Exception as e:  # reported as data; the test decides
            meta["error"] = f"{type(e).__name__}: {e}"
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump(meta, f)


if __name__ == "__main__":
    main()
