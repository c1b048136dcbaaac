"""Steim-2 decode speed of ObsPy (libmseed 2) and pymseed (libmseed 3) on the same file.

usage: steim2_decode_vs.py [N_SAMPLES]
Writes a random-walk int32 trace (same kind of signal as crates/seispool-io/benches/steim2_decode.rs)
as STEIM2 in 4096-byte records, then times obspy.read and pymseed's MS3TraceList.from_file(unpack_data=True)
(best of 7) and prints Msamples/s for each.
"""

import os
import sys
import tempfile
import time

import numpy as np
import obspy
import pymseed


def best(f, reps=7):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.integers(-1000, 1001, n)).astype(np.int32)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "steim2.mseed")
        tr = obspy.Trace(x)
        tr.stats.sampling_rate = 100.0
        obspy.Stream([tr]).write(path, format="MSEED", encoding="STEIM2", reclen=4096)
        assert np.array_equal(obspy.read(path)[0].data, x)
        t_obspy = best(lambda: obspy.read(path, format="MSEED"))
        t_pymseed = best(lambda: pymseed.MS3TraceList.from_file(path, unpack_data=True))
    print(f"obspy.read (libmseed 2): {n / t_obspy / 1e6:.1f} Msamples/s")
    print(f"pymseed (libmseed 3):    {n / t_pymseed / 1e6:.1f} Msamples/s")


if __name__ == "__main__":
    main()
