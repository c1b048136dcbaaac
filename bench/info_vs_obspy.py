"""`seispool info` (header-only scan) vs ObsPy `read(headonly=True)` over a synthetic SDS archive: files/s.

usage: python bench/info_vs_obspy.py [--seispool PATH] [--stations N] [--days N] [--dir D] [--jobs N]
ObsPy runs in this process, one file after the other (it has no parallel reader); seispool uses --jobs threads.
Both also run once on a single thread for a per-core comparison.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", default=shutil.which("seispool") or "target/release/seispool")
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="seispool-info-bench-")
    archive = os.path.join(work, "archive")
    if not os.path.isdir(archive):
        subprocess.run([a.seispool, "demo", "--dir", work, "--stations", str(a.stations), "--days", str(a.days),
                        "--no-process", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(r, n) for r, _, ns in os.walk(archive) for n in ns)
    # Warm the page cache for both.
    for f in files:
        with open(f, "rb") as fh:
            fh.read()
    out = {}
    for jobs in (1, a.jobs):
        t0 = time.perf_counter()
        res = subprocess.run([a.seispool, "info", archive, "--json", "--jobs", str(jobs)], check=True,
                             capture_output=True)
        secs = time.perf_counter() - t0
        inv = json.loads(res.stdout)
        assert inv["opened"] == len(files) and inv["failed"] == 0
        out[f"seispool_files_per_s_jobs{jobs}"] = round(len(files) / secs, 1)
    import obspy

    t0 = time.perf_counter()
    for f in files:
        obspy.read(f, headonly=True)
    secs = time.perf_counter() - t0
    out["obspy_files_per_s"] = round(len(files) / secs, 1)
    out["files"] = len(files)
    out["mib_per_file"] = round(sum(os.path.getsize(f) for f in files) / len(files) / 2**20, 2)
    out["speedup_same_cores"] = round(out[f"seispool_files_per_s_jobs{a.jobs}"] / out["obspy_files_per_s"], 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
