"""Two seispool builds on the same `process` job, in alternating pairs: which one is faster, and by how much.

On this VM a run right after another is ~1.5x faster than a run after a few seconds of idle (free page
reporting hands idle memory back to the host, docs/performance.md "Session 8"), so builds are compared in
pairs that alternate their order (A B, B A, ...), with the same sleep (`--gap`) before every run, and with the
previous output removed and `sync`ed outside the timing. Prints, for wall, CPU (user + sys) and sys time, the
median of each build and the median of the pairwise ratios A/B, and each build's median peak RSS.

usage: python bench/ab_builds.py A_BINARY B_BINARY ARCHIVE [--jobs N] [--pairs N] [--gap SECONDS]
                                 [--pipeline TEXT] [--encoding ENC] [--out-dir D]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

PIPELINE = (
    'merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); '
    'filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)'
)


def run(binary, a, out):
    """One timed run: (wall s, cpu s, sys s, peak RSS MiB)."""
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    cmd = [binary, "process", a.archive, "--out", out, "--jobs", str(a.jobs), "-q", "--encoding", a.encoding]
    cmd += ["--pipeline", a.pipeline]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{binary} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_stime, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", help="build A (its ratio to B is printed)")
    ap.add_argument("b", help="build B (the baseline)")
    ap.add_argument("archive")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=11)
    ap.add_argument("--gap", type=float, default=0.0, help="seconds of idle before every run")
    ap.add_argument("--pipeline", default=PIPELINE)
    ap.add_argument("--encoding", default="FLOAT32")
    ap.add_argument("--out-dir", default=None, help="where the outputs go (default: a temporary directory)")
    a = ap.parse_args()
    if a.pairs < 1 or a.gap < 0 or a.jobs < 1:
        raise SystemExit("--pairs and --jobs must be at least 1, --gap not negative")
    work = a.out_dir or tempfile.mkdtemp(prefix="ab-builds-")
    outs = {"A": os.path.join(work, "out-a"), "B": os.path.join(work, "out-b")}
    builds = {"A": a.a, "B": a.b}
    runs = {"A": [], "B": []}
    try:
        for i in range(a.pairs):
            for key in ("A", "B") if i % 2 == 0 else ("B", "A"):
                time.sleep(a.gap)
                runs[key].append(run(builds[key], a, outs[key]))
    finally:
        if not a.out_dir:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{a.pairs} pairs, --jobs {a.jobs}, {a.gap} s idle before each run; A = {a.a}, B = {a.b}")
    print("| | A median | B median | A/B (median of pairs) |")
    print("|---|---:|---:|---:|")
    for name, k in (("wall s", 0), ("CPU s", 1), ("sys s", 2)):
        ma = statistics.median(r[k] for r in runs["A"])
        mb = statistics.median(r[k] for r in runs["B"])
        ratio = statistics.median(x[k] / y[k] for x, y in zip(runs["A"], runs["B"]) if y[k] > 0)
        print(f"| {name} | {ma:.3f} | {mb:.3f} | {ratio:.3f} |")
    ra = statistics.median(r[3] for r in runs["A"])
    rb = statistics.median(r[3] for r in runs["B"])
    print(f"| peak RSS MiB | {ra:.0f} | {rb:.0f} | |")


if __name__ == "__main__":
    main()
