"""Oracle: ObsPy writes MiniSEED 2 files covering what the reader must handle, for the Rust reader tests.

usage: mseed2_read_cases.py OUTDIR
Writes OUTDIR/NAME.mseed for every case and prints the file names, one a line. Cases: every encoding
ObsPy writes x record lengths 128..65536 x both byte orders x signals (random walks, odd lengths,
extremes, constants, alternating signs, single samples), plus multi-trace files with gaps, overlaps,
interleaved channels, microsecond start times (blockette 1001), blockette 100 rates and data qualities.
Deterministic: numpy's generator is seeded.
"""
import os
import sys
import warnings

import numpy as np
from obspy import Stream, Trace, UTCDateTime

RNG = np.random.default_rng(20240601)
T0 = UTCDateTime(2024, 2, 29, 23, 59, 50)


def signals(dtype):
    """Named signals that the given dtype (and its encodings) can hold."""
    out = {}
    if dtype in ("int32", "int16"):
        hi = 32767 if dtype == "int16" else 2**31 - 1
        lo = -32768 if dtype == "int16" else -(2**31)
        step = 300 if dtype == "int16" else 2**27
        walk = np.cumsum(RNG.integers(-step, step, 3001)).clip(lo, hi)
        out["walk"] = walk
        out["odd"] = walk[:777]
        out["extremes"] = np.tile([hi, lo, 0, -1, hi, hi - 1], 171)
        out["alternating"] = np.tile([hi // 3, -(hi // 3)], 500)
        out["constant"] = np.full(1234, -7)
        out["one"] = np.array([42])
    elif dtype in ("float32", "float64"):
        x = RNG.standard_normal(2501) * 1e3
        out["noise"] = x
        out["odd"] = x[:333]
        big = np.finfo(dtype).max
        out["extremes"] = np.tile([big, -big, np.finfo(dtype).tiny, 0.0, -0.0, 1e-30], 100)
        out["one"] = np.array([3.5])
    else:
        out["text"] = np.frombuffer(b"seispool reads ascii records " * 50, dtype="|S1")
    return {k: v.astype(dtype if dtype != "text" else "|S1") for k, v in out.items()}


def trace(data, rate=100.0, start=T0, sta="ST01", cha="HHZ", loc="00", quality=None):
    tr = Trace(data=data)
    tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel = "XX", sta, loc, cha
    tr.stats.sampling_rate = rate
    tr.stats.starttime = start
    if quality:
        tr.stats.mseed = {"dataquality": quality}
    return tr


def write(outdir, name, st, **kw):
    path = os.path.join(outdir, name + ".mseed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st.write(path, format="MSEED", **kw)
    print(os.path.basename(path))


def main():
    outdir = sys.argv[1]
    encodings = {
        "int16": ["INT16"], "int32": ["INT32", "STEIM1", "STEIM2"],
        "float32": ["FLOAT32"], "float64": ["FLOAT64"], "text": ["ASCII"],
    }
    for dtype, encs in encodings.items():
        for sig, data in signals(dtype).items():
            for enc in encs:
                if enc == "STEIM2" and sig in ("extremes", "alternating", "walk", "odd") and dtype == "int32":
                    d = np.diff(data.astype(np.int64))
                    if np.any(np.abs(d) >= 2**29):
                        continue
                for reclen in (256, 512, 1024, 4096, 8192, 65536):
                    for bo in (">", "<"):
                        name = f"{enc}_{sig}_{reclen}_{'be' if bo == '>' else 'le'}"
                        write(outdir, name, Stream([trace(data.copy())]),
                              encoding=enc, reclen=reclen, byteorder=bo)
    walk = np.cumsum(RNG.integers(-1000, 1000, 5000)).astype("int32")
    # Steim-2 safe extremes: differences below 2**29.
    s2 = np.tile(np.array([2**28, -(2**28), 2**28 - 1, 0, -1], dtype="int32"), 300)
    write(outdir, "steim2_big_diffs_256", Stream([trace(s2)]), encoding="STEIM2", reclen=256)
    write(outdir, "steim1_extremes_256",
          Stream([trace(np.tile(np.array([2**31 - 1, -(2**31), 0], dtype="int32"), 200))]),
          encoding="STEIM1", reclen=256)
    # The largest records ObsPy writes (and libmseed 2 reads): 128 KiB and 1 MiB.
    long = np.cumsum(RNG.integers(-50, 50, 400000)).astype("int32")
    for reclen in (131072, 1048576):
        for bo in (">", "<"):
            write(outdir, f"big_records_{reclen}_{'be' if bo == '>' else 'le'}", Stream([trace(long)]),
                  encoding="STEIM2", reclen=reclen, byteorder=bo)
    # Gaps and overlaps of one channel, out of order too.
    parts = [trace(walk[:1000]), trace(walk[1000:2000], start=T0 + 10.0 + 5.0),
             trace(walk[2000:3000], start=T0 + 20.0), trace(walk[3000:], start=T0 - 30.0)]
    write(outdir, "gaps_overlaps", Stream(parts), encoding="STEIM2", reclen=512)
    # Gap below half a sample: joined by libmseed; above: split.
    write(outdir, "tolerance_joined",
          Stream([trace(walk[:500]), trace(walk[500:1000], start=T0 + 5.0 + 0.004)]),
          encoding="INT32", reclen=512)
    write(outdir, "tolerance_split",
          Stream([trace(walk[:500]), trace(walk[500:1000], start=T0 + 5.0 + 0.006)]),
          encoding="INT32", reclen=512)
    # Microsecond start times (blockette 1001) and odd rates (blockette 100).
    for k, (rate, us) in enumerate([(100.0, 123456), (33.333, 1), (0.1, 999999), (1234.5678, 500001),
                                    (1.0 / 3.0, 7), (20000.0, 50)]):
        write(outdir, f"usec_rate_{k}",
              Stream([trace(walk[:2000], rate=rate, start=T0 + us / 1e6)]),
              encoding="STEIM2", reclen=512)
    # Interleaved channels: records of three channels alternate in the file.
    chans = [trace(walk[i::3][:1500], cha=c) for i, c in enumerate(["HHZ", "HHN", "HHE"])]
    write(outdir, "three_channels", Stream(chans), encoding="STEIM1", reclen=256)
    # Data qualities split traces of the same id.
    write(outdir, "qualities",
          Stream([trace(walk[:300], quality="R"), trace(walk[300:600], start=T0 + 3.0, quality="Q")]),
          encoding="INT32", reclen=256)
    # Empty location, one-character codes, zero rate.
    write(outdir, "codes_zero_rate",
          Stream([trace(walk[:400], rate=0.0, sta="A", loc="", cha="L")]), encoding="INT32", reclen=256)


if __name__ == "__main__":
    main()
