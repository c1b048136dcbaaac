"""Chained `Stream` method calls in Python: samples borrowed in place vs copied on every call (issue #13).

usage: python bench/python_chain.py [--runs N] [--days D]

One trace of D days at 100 Hz (float64, 8.64 M samples a day). Each round times, in turn:
  after  - the chain as shipped (the samples stay in the trace's own array: no copy per call);
  before - the same build with the in-place path switched off (`seispool.core._borrowable` returns False,
           which is the old code path: each call copies the samples into Rust and hands back a new array);
  obspy  - ObsPy's same chain on the same data.
Medians of wall and CPU time (this process's user + sys) per chain, the ratios, and the load average.
"""

import argparse
import os
import statistics
import time

import numpy as np
import obspy

import seispool
from seispool import core

CHAINS = {
    "detrend+taper+filter": lambda st: st.detrend("linear").taper(0.05).filter("bandpass", freqmin=0.5, freqmax=10.0, corners=4, zerophase=True),
    "demean+taper+normalize": lambda st: st.detrend("demean").taper(0.05).normalize(),
}


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--days", type=float, default=1.0)
    a = ap.parse_args()
    n = int(a.days * 86400 * 100)
    data = np.random.default_rng(13).standard_normal(n).cumsum()
    header = {"network": "XX", "station": "STA", "channel": "HHZ", "sampling_rate": 100.0}
    borrowable = core._borrowable
    print(f"{n} samples, load {os.getloadavg()}")
    for name, chain in CHAINS.items():
        times = {"after": [], "before": [], "obspy": []}
        for _ in range(a.runs):
            for mode in times:
                if mode == "obspy":
                    st = obspy.Stream([obspy.Trace(data.copy(), header=dict(header))])
                else:
                    st = seispool.Stream([seispool.Trace(data.copy(), dict(header))])
                    core._borrowable = borrowable if mode == "after" else (lambda tr: False)
                times[mode].append(timed(lambda st=st, chain=chain: chain(st)))
                core._borrowable = borrowable
        med = {m: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for m, v in times.items()}
        print(f"\n{name}: median of {a.runs} (load {os.getloadavg()})")
        print("| chain | wall s | CPU s | before/after (CPU) | ObsPy/after (CPU) |")
        print("|---|---:|---:|---:|---:|")
        for m in times:
            w, c = med[m]
            print(f"| {m} | {w:.3f} | {c:.3f} | {med['before'][1] / c:.2f}x | {med['obspy'][1] / c:.2f}x |")


if __name__ == "__main__":
    main()
