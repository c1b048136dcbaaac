"""remove_response: `seispool process --inventory` vs ObsPy on one 100 Hz trace of 6 h and of 24 h.

usage: .venv/bin/python bench/response_vs_obspy.py --seispool target/release/seispool [--runs 3]

Both sides read the same MiniSEED (Steim2 random walk, id IU.ANMO.00.BHZ), remove the response of
ObsPy's test inventory IU_ANMO_00_BHZ.xml (STS-2 poles and zeros, Q330 digitiser, 67-tap FIR) with
output="DISP", pre_filt=[0.005, 0.01, 20, 40], and write FLOAT64 MiniSEED; the outputs are compared
(max difference relative to the trace's max). Runs alternate A/B; medians of wall time. One thread each
(seispool --jobs 1); the machine is shared, so compare the ratio, not the seconds.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import obspy
from obspy import Trace, UTCDateTime, read, read_inventory

XML = os.path.join(os.path.dirname(obspy.__file__), "core", "tests", "data", "IU_ANMO_00_BHZ.xml")
PRE_FILT = [0.005, 0.01, 20, 40]
PIPELINE = f"remove_response(output='DISP', pre_filt={PRE_FILT})"

OBSPY_RUN = """
import sys
from obspy import read, read_inventory
src, dst, xml = sys.argv[1:4]
st = read(src)
st.remove_response(inventory=read_inventory(xml), output="DISP", pre_filt=[0.005, 0.01, 20, 40])
st.write(dst, format="MSEED", encoding="FLOAT64")
"""


def make_input(path, hours):
    rng = np.random.default_rng(int(hours))
    n = int(hours * 3600 * 100)
    data = np.cumsum(rng.integers(-500, 500, n)).astype(np.int32)
    tr = Trace(data, header={"network": "IU", "station": "ANMO", "location": "00", "channel": "BHZ",
                             "sampling_rate": 100.0, "starttime": UTCDateTime(2020, 1, 1)})
    tr.write(path, format="MSEED", encoding="STEIM2")


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print("| trace | seispool s | ObsPy s | speed-up | max difference / max |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as d:
        for hours in (6, 24):
            src_dir = os.path.join(d, f"in{hours}")
            os.makedirs(src_dir)
            src = os.path.join(src_dir, "trace.mseed")
            make_input(src, hours)
            ours_out = os.path.join(d, f"out{hours}")
            theirs = os.path.join(d, f"obspy{hours}.mseed")
            a, b = [], []
            for _ in range(args.runs):
                a.append(timed([args.seispool, "process", src_dir, "--inventory", XML, "--out", ours_out,
                                "--encoding", "FLOAT64", "--jobs", "1", "--quiet", "--pipeline", PIPELINE]))
                b.append(timed([sys.executable, "-c", OBSPY_RUN, src, theirs, XML]))
            got = read(os.path.join(ours_out, "trace.mseed"))[0].data
            want = read(theirs)[0].data
            diff = np.abs(got - want).max() / np.abs(want).max()
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"| {hours} h, 100 Hz ({int(hours * 360000)} samples) | {ma:.2f} | {mb:.2f} | {mb / ma:.1f}× | {diff:.1e} |")


if __name__ == "__main__":
    main()
