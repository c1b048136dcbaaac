"""The FFT floor of ObsPy's PPSD algorithm on this machine (issue 16: "≥20× ObsPy per channel-day").

A 100 Hz channel-day is 47 one-hour windows × 18 Welch segments of nfft = 65536 (ObsPy's defaults), i.e. 846
real FFTs of 65536 points, fixed by the algorithm. This script measures, in one run:

* seispool's Welch segment (detrend, taper, FFT, |X|²) and the FFTs alone (rustfft's 32768-point complex FFT
  that each real 65536-point transform is made of, and realfft's real FFT), via the `fft_floor` example;
* numpy's `rfft` (what ObsPy's `mlab.psd` calls) and, when `pyfftw` is importable, FFTW's (FFTW_MEASURE plans);
* ObsPy's own CPU time for one channel-day of `PPSD.add` (in this process, imports excluded),

and prints the ceiling each transform puts on "ObsPy per channel-day / seispool per channel-day" if the FFTs
were the only cost.

    .venv/bin/python bench/fft_floor.py [--example target/release/examples/fft_floor]
"""

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NFFT = 65536
FFTS_PER_DAY = 47 * 18


def best_us(f, number, repeat=7):
    return min(timeit.repeat(f, number=number, repeat=repeat)) / number * 1e6


def obspy_day_cpu():
    """CPU seconds of ObsPy's PPSD.add on one synthetic 100 Hz channel-day (noise, a PAZ response)."""
    from obspy import Stream, Trace, UTCDateTime
    from obspy.signal import PPSD

    rng = np.random.default_rng(1)
    tr = Trace((rng.standard_normal(8_640_000) * 1000).astype(np.int32))
    tr.stats.update(
        {
            "network": "XX",
            "station": "FFT",
            "channel": "HHZ",
            "sampling_rate": 100.0,
            "starttime": UTCDateTime(2024, 1, 1),
        }
    )
    paz = {
        "poles": [-0.037004 + 0.037016j, -0.037004 - 0.037016j, -251.33 + 0j],
        "zeros": [0j, 0j],
        "gain": 60077000.0,
        "sensitivity": 2516778400.0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.process_time()
        p = PPSD(tr.stats, paz)
        p.add(Stream([tr]))
        cpu = time.process_time() - t0
    return cpu, len(p.times_processed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--example", help="the built fft_floor example (default: build it with cargo)")
    a = ap.parse_args()
    if a.example:
        cmd = [a.example]
    else:
        cmd = [
            "cargo",
            "run",
            "--release",
            "-q",
            "-p",
            "seispool-dsp",
            "--example",
            "fft_floor",
            "--",
        ]
    ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=os.path.dirname(HERE)).stdout)

    x = np.random.default_rng(0).standard_normal(NFFT)
    rows = [
        (
            "seispool Welch segment (detrend, taper, FFT, power)",
            ours["welch_segment_us"],
        ),
        (
            "rustfft 32768-point complex FFT (the FFT of each segment)",
            ours["rustfft_complex_32768_us"],
        ),
        ("realfft 65536-point real FFT", ours["realfft_65536_us"]),
        ("numpy rfft 65536 (what mlab.psd calls)", best_us(lambda: np.fft.rfft(x), 50)),
    ]
    try:
        import pyfftw

        a_in = pyfftw.empty_aligned(NFFT, dtype="float64")
        a_in[:] = x
        plan = pyfftw.FFTW(
            a_in,
            pyfftw.empty_aligned(NFFT // 2 + 1, dtype="complex128"),
            flags=("FFTW_MEASURE",),
        )
        rows.append(("FFTW r2c 65536 (pyfftw, FFTW_MEASURE)", best_us(plan, 200)))
        c_in = pyfftw.empty_aligned(NFFT // 2, dtype="complex128")
        c_in[:] = x[: NFFT // 2]
        cplan = pyfftw.FFTW(
            c_in,
            pyfftw.empty_aligned(NFFT // 2, dtype="complex128"),
            flags=("FFTW_MEASURE",),
        )
        rows.append(("FFTW complex 32768 (pyfftw, FFTW_MEASURE)", best_us(cplan, 200)))
    except ImportError:
        print("(pyfftw not installed: no FFTW rows)", file=sys.stderr)

    obspy_cpu, windows = obspy_day_cpu()
    print(f"ObsPy PPSD.add, one 100 Hz channel-day: {obspy_cpu:.2f} s CPU, {windows} windows (imports excluded)")
    print(f"{FFTS_PER_DAY} FFTs of {NFFT} points per channel-day\n")
    print("| per transform | µs | × 846 = s per channel-day | ObsPy / that (ceiling if FFTs were all) |")
    print("|---|---:|---:|---:|")
    for name, us in rows:
        day = us * FFTS_PER_DAY / 1e6
        print(f"| {name} | {us:.0f} | {day:.3f} | {obspy_cpu / day:.1f}× |")
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
