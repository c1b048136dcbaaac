"""Per-kernel timings of ObsPy 1.5 on one channel-day (8.64 M samples at 100 Hz), next to seispool's
criterion figures for the same kernels on the same length (crates/seispool-dsp/benches/dsp_kernels.rs).

usage: dsp_vs_obspy.py [CRITERION_DIR] [REPEATS]
  CRITERION_DIR  criterion output of `cargo bench -p seispool-dsp --bench dsp_kernels`
                 (default: $CARGO_TARGET_DIR/criterion or target/criterion); missing figures print as "-".
  REPEATS        ObsPy runs per kernel (default 7); the median wall time is quoted.
Prints a markdown table: kernel, seispool ms, ObsPy ms, ObsPy / seispool.
The data is noise plus a trend and an offset, like the Rust bench; IIR timings do not depend on values.
"""

import json
import os
import statistics
import sys
import time

import numpy as np
from obspy import Trace
from obspy.signal.filter import bandpass

NPTS = 8_640_000
DF = 100.0

# (criterion id, description, ObsPy call on a fresh Trace)
KERNELS = [
    ("detrend_linear", 'detrend("linear")', lambda tr: tr.detrend("linear")),
    ("taper_hann_0.05", 'taper(0.05, "hann")', lambda tr: tr.taper(max_percentage=0.05, type="hann")),
    (
        "sosfilt_bandpass_4sec",
        "bandpass 0.5-10 Hz, 4 corners (sosfilt, 4 sections)",
        lambda tr: bandpass(tr.data, 0.5, 10.0, DF, corners=4, zerophase=False),
    ),
    (
        "zerophase_bandpass_4c",
        'filter("bandpass", 0.5, 10, corners=4, zerophase=True)',
        lambda tr: tr.filter("bandpass", freqmin=0.5, freqmax=10.0, corners=4, zerophase=True),
    ),
    ("decimate_4", "decimate(4) (Chebyshev II lowpass + every 4th)", lambda tr: tr.decimate(4)),
]


def day():
    rng = np.random.default_rng(0x9E3779B97F4A7C15)
    return 1000.0 * (rng.random(NPTS) - 0.5) + 1e-4 * np.arange(NPTS) + 250.0


def obspy_ms(call, data, repeats):
    times = []
    for _ in range(repeats):
        tr = Trace(data=data.copy(), header={"sampling_rate": DF})
        t0 = time.perf_counter()
        call(tr)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def seispool_ms(criterion_dir, name):
    path = os.path.join(criterion_dir, "day_8.64M", name, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"] / 1e6
    except (OSError, KeyError, ValueError):
        return None


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    criterion_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "criterion")
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    data = day()
    print("| kernel (8.64 M samples) | seispool ms | ObsPy ms | ObsPy / seispool |")
    print("|---|---:|---:|---:|")
    for name, what, call in KERNELS:
        ours = seispool_ms(criterion_dir, name)
        theirs = obspy_ms(call, data, repeats)
        ours_s = "-" if ours is None else f"{ours:.1f}"
        ratio = "-" if ours is None else f"{theirs / ours:.1f}x"
        print(f"| {what} | {ours_s} | {theirs:.1f} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
