"""Python API benchmark: one channel-day (8.64 M samples, 100 Hz, STEIM2) read and processed by
`seispool.read` + Stream methods vs `obspy.read` + the same ObsPy calls; the Python API vs the CLI on the
same work; and two Python threads processing at once (GIL released) vs one after the other.

Run: .venv/bin/python bench/python_api.py [--repeat 3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import obspy

import seispool

PIPELINE = 'detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10.0, corners=4, zerophase=True); decimate(4)'


def obspy_calls(st):
    st.detrend("linear")
    st.taper(0.05)
    st.filter("bandpass", freqmin=0.5, freqmax=10.0, corners=4, zerophase=True)
    st.decimate(4)
    return st


def seispool_calls(st):
    return st.detrend("linear").taper(0.05).filter("bandpass", freqmin=0.5, freqmax=10.0, corners=4, zerophase=True).decimate(4)


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="seispool-bench-")
    try:
        rng = np.random.default_rng(1)
        data = np.cumsum(rng.integers(-300, 301, 8_640_000)).astype(np.int32)
        tr = seispool.Trace(data, {"network": "XX", "station": "BENCH", "channel": "HHZ", "sampling_rate": 100.0, "starttime": "2024-01-01"})
        indir = os.path.join(tmp, "in")
        os.makedirs(indir)
        path = os.path.join(indir, "XX.BENCH..HHZ.D.2024.001")
        tr.write(path, encoding="STEIM2")

        # equal results first
        a = seispool_calls(seispool.read(path))
        b = obspy_calls(obspy.read(path))
        err = np.max(np.abs(a[0].data - b[0].data)) / np.max(np.abs(b[0].data))
        assert err <= 1e-9, err

        t_read_sp = best(lambda: seispool.read(path), args.repeat)
        t_read_ob = best(lambda: obspy.read(path), args.repeat)
        t_sp = best(lambda: seispool_calls(seispool.read(path)), args.repeat)
        t_ob = best(lambda: obspy_calls(obspy.read(path)), args.repeat)

        # Python object API (read, process, write) vs the runner from Python vs the CLI, same work, 1 job
        out_api = os.path.join(tmp, "api.mseed")
        t_api = best(lambda: seispool.read(path).process(PIPELINE).write(out_api, encoding="FLOAT64"), args.repeat)
        t_run = best(lambda: seispool.process(indir, os.path.join(tmp, "run"), PIPELINE, jobs=1, encoding="FLOAT64"), args.repeat)
        exe = os.path.join(os.path.dirname(sys.executable), "seispool")
        cli = [exe, "process", indir, "--out", os.path.join(tmp, "cli"), "--pipeline", PIPELINE, "--jobs", "1", "--encoding", "FLOAT64", "--quiet", "--json"]
        t_cli = best(lambda: subprocess.run(cli, check=True, capture_output=True), args.repeat)
        cli_inner = json.loads(subprocess.run(cli, check=True, capture_output=True, text=True).stdout)["wall_seconds"]
        with open(out_api, "rb") as f1, open(os.path.join(tmp, "cli", os.path.basename(path)), "rb") as f2:
            same = f1.read() == f2.read()

        # two threads
        st = seispool.read(path)
        t_serial = best(lambda: [st.copy().process(PIPELINE) for _ in range(2)], args.repeat)

        def two():
            ts = [threading.Thread(target=lambda: st.copy().process(PIPELINE)) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()

        t_two = best(two, args.repeat)
        load = os.getloadavg()[0]
        print(f"one channel-day, 8.64 M samples STEIM2, median of {args.repeat}; {os.cpu_count()} cores, load {load:.1f}")
        print("| step | seispool s | ObsPy s | ObsPy / seispool |")
        print("|---|---:|---:|---:|")
        print(f"| read | {t_read_sp:.3f} | {t_read_ob:.3f} | {t_read_ob / t_read_sp:.1f}x |")
        print(f"| read + detrend, taper, bandpass zerophase, decimate(4) | {t_sp:.3f} | {t_ob:.3f} | {t_ob / t_sp:.1f}x |")
        print()
        print("| same work, 1 job, FLOAT64 output | s | vs CLI |")
        print("|---|---:|---:|")
        print(f"| CLI `seispool process` (whole command, incl. interpreter start) | {t_cli:.3f} | 1.00 |")
        print(f"| CLI runner wall time (its summary) | {cli_inner:.3f} | {cli_inner / t_cli:.2f} |")
        print(f"| `seispool.process(...)` | {t_run:.3f} | {t_run / t_cli:.2f} |")
        print(f"| `seispool.read(f).process(p).write(o)` | {t_api:.3f} | {t_api / t_cli:.2f} |")
        print(f"(object API output byte-identical to the CLI's: {same})")
        print()
        print(f"two channel-days processed: one thread after the other {t_serial:.3f} s, two threads {t_two:.3f} s ({t_serial / t_two:.2f}x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
