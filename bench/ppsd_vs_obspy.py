"""`seispool ppsd` vs ObsPy's `PPSD.add` on the same 100 Hz demo archive, same machine, same run.

ObsPy runs serially (one core), each channel's files read and added as one stream, `save_npz` per channel;
seispool runs with `--jobs 1` and with `--jobs N`. CPU seconds are the children's user+sys (getrusage); the
results are checked equal (binned PSDs within 1e-3 dB, same window times).

    .venv/bin/python bench/ppsd_vs_obspy.py --seispool target/release/seispool --days 1 --select XS.ST01.00.HHZ
    .venv/bin/python bench/ppsd_vs_obspy.py --seispool target/release/seispool --days 10   # 30 channel-days
"""

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

OBSPY = r'''
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
'''

PAZ = {"poles": [[-0.037004, 0.037016], [-0.037004, -0.037016], [-251.33, 0], [-131.04, -467.29], [-131.04, 467.29]],
       "zeros": [[0, 0], [0, 0]], "gain": 60077000.0, "sensitivity": 2516778400.0}


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", required=True)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--stations", type=int, default=1)
    ap.add_argument("--select", default="*")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([a.seispool, "demo", "--dir", d, "--days", str(a.days), "--stations", str(a.stations),
                        "--no-process", "--quiet", "--sampling-rate", "100"], check=True)
        archive = os.path.join(d, "archive")
        paz = os.path.join(d, "paz.json")
        json.dump(PAZ, open(paz, "w"))
        sel = [] if a.select == "*" else ["--select", a.select]
        rows = {}
        for jobs in (1, a.jobs):
            out = os.path.join(d, f"sp{jobs}")
            rows[f"seispool -j {jobs}"] = timed([a.seispool, "ppsd", archive, "--paz", paz, "--out", out, "-j",
                                                  str(jobs), "--quiet", *sel])
        ob = os.path.join(d, "obspy")
        os.mkdir(ob)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        subprocess.run([sys.executable, "-c", OBSPY, archive, ob, a.select], check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows["ObsPy (serial)"] = (time.time() - t0,
                                  (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        import numpy as np
        from obspy.signal import PPSD
        worst, n = 0.0, 0
        for f in sorted(glob.glob(os.path.join(ob, "*.npz"))):
            ref = PPSD.load_npz(f)
            ours = PPSD.load_npz(os.path.join(d, "sp1", os.path.basename(f)))
            assert ours._times_processed == ref._times_processed
            worst = max(worst, float(np.abs(np.array(ours._binned_psds) - np.array(ref._binned_psds)).max()))
            n += 1
        ob_wall, ob_cpu = rows["ObsPy (serial)"]
        print(f"{n} channels x {a.days} day(s), 100 Hz; max |dB difference| {worst:.2e}; load {os.getloadavg()[0]:.1f}")
        print("| run | wall s | CPU s | ObsPy wall / wall | ObsPy CPU / CPU |")
        print("|---|---:|---:|---:|---:|")
        for k, (w, c) in rows.items():
            print(f"| {k} | {w:.2f} | {c:.2f} | {ob_wall / w:.1f}× | {ob_cpu / c:.1f}× |")


main()
