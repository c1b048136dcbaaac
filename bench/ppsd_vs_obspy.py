"""`seispool ppsd` vs ObsPy's `PPSD.add` on the same demo archive, same machine, same run.

ObsPy runs serially (one core), each channel's files read and added as one stream, `save_npz` per channel;
seispool runs with `--jobs 1` (the one-core figure) and with `--jobs N` (all cores). CPU seconds are each
child's user+sys and peak RSS its own maximum resident set (os.wait4). Runs are paired (seispool, ObsPy,
seispool, ObsPy, ...) and medians printed; the results are checked equal (binned PSDs within 1e-3 dB, same
window times). `--baseline BIN` times a second seispool build in the same pairs (before/after figures).

    .venv/bin/python bench/ppsd_vs_obspy.py --seispool target/release/seispool --days 1 --select XS.ST01.00.HHZ
    .venv/bin/python bench/ppsd_vs_obspy.py --seispool target/release/seispool --days 10   # 30 channel-days
    .venv/bin/python bench/ppsd_vs_obspy.py --seispool target/release/seispool --days 1 --rate 20
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

OBSPY = r"""
import glob, os, sys, warnings
from obspy import read, Stream
from obspy.signal import PPSD
archive, out, select = sys.argv[1:4]
paz = {"poles": [-0.037004+0.037016j, -0.037004-0.037016j, -251.33+0j, -131.04-467.29j, -131.04+467.29j],
       "zeros": [0j, 0j], "gain": 60077000.0, "sensitivity": 2516778400.0}
files = sorted(glob.glob(os.path.join(archive, "**", "*.D.*"), recursive=True))
ids = sorted({os.path.basename(f).rsplit(".D.", 1)[0] for f in files})
for i in ids:
    if select != "*" and i != select:
        continue
    st = Stream()
    for f in files:
        if os.path.basename(f).startswith(i + ".D."):
            st += read(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = PPSD(st[0].stats, paz)
        p.add(st)
    p.save_npz(os.path.join(out, i + ".npz"))
"""

PAZ = {
    "poles": [[-0.037004, 0.037016], [-0.037004, -0.037016], [-251.33, 0], [-131.04, -467.29], [-131.04, 467.29]],
    "zeros": [[0, 0], [0, 0]],
    "gain": 60077000.0,
    "sensitivity": 2516778400.0,
}


def timed(cmd, env=None):
    """(wall s, CPU s, peak RSS MiB) of one child process."""
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.time() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with {p.returncode}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", required=True)
    ap.add_argument("--baseline", help="another seispool build timed in the same pairs")
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--stations", type=int, default=1)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--select", default="*")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    builds = {"seispool": a.seispool}
    if a.baseline:
        builds["baseline"] = a.baseline
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as d:
        subprocess.run(
            [a.seispool, "demo", "--dir", d, "--days", str(a.days), "--stations", str(a.stations), "--no-process", "--quiet", "--sampling-rate", str(a.rate)],
            check=True,
        )
        archive = os.path.join(d, "archive")
        paz = os.path.join(d, "paz.json")
        with open(paz, "w") as f:
            json.dump(PAZ, f)
        sel = [] if a.select == "*" else ["--select", a.select]
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        runs = {}
        loads = []
        for _ in range(a.repeat):
            for name, exe in builds.items():
                for jobs in (1, a.jobs):
                    out = os.path.join(d, f"{name}{jobs}")
                    runs.setdefault(f"{name} -j {jobs}", []).append(timed([exe, "ppsd", archive, "--paz", paz, "--out", out, "-j", str(jobs), "--quiet", *sel]))
            ob = os.path.join(d, "obspy")
            os.makedirs(ob, exist_ok=True)
            runs.setdefault("ObsPy (serial)", []).append(timed([sys.executable, "-c", OBSPY, archive, ob, a.select], env=env))
            runs.setdefault("ObsPy imports only", []).append(
                timed([sys.executable, "-c", "from obspy import read, Stream; from obspy.signal import PPSD"], env=env)
            )
            loads.append(os.getloadavg()[0])
        import numpy as np
        from obspy.signal import PPSD

        worst, n = 0.0, 0
        for f in sorted(glob.glob(os.path.join(d, "obspy", "*.npz"))):
            ref = PPSD.load_npz(f)
            for name in builds:
                ours = PPSD.load_npz(os.path.join(d, f"{name}1", os.path.basename(f)))
                assert ours._times_processed == ref._times_processed
                worst = max(worst, float(np.abs(np.array(ours._binned_psds) - np.array(ref._binned_psds)).max()))
            n += 1
        med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in runs.items()}
        chdays = n * a.days
        ob_cpu = med["ObsPy (serial)"][1]
        ob_work = ob_cpu - med["ObsPy imports only"][1]
        print(
            f"{n} channel(s) x {a.days} day(s) = {chdays} channel-days at {a.rate:g} Hz; "
            f"max |dB difference| {worst:.2e}; {a.repeat} pair(s), medians; "
            f"load average {min(loads):.1f}-{max(loads):.1f}"
        )
        print("| run | wall s | CPU s | CPU s per channel-day | ObsPy CPU / CPU | (ObsPy CPU - imports) / CPU | peak RSS MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for k, (w, c, rss) in med.items():
            print(f"| {k} | {w:.2f} | {c:.2f} | {c / chdays:.3f} | {ob_cpu / c:.1f}× | {ob_work / c:.1f}× | {rss:.0f} |")


main()
