"""`seispool info` (header-only scan) vs ObsPy `read(headonly=True)` over a synthetic SDS archive: files/s.

usage: python bench/info_vs_obspy.py [--seispool PATH] [--baseline PATH] [--stations N] [--days N] [--dir D]
                                     [--jobs N] [--runs N]
ObsPy runs in this process, one file after the other (it has no parallel reader); seispool runs as a command
(its start-up included) with --jobs 1 (per core) and --jobs N, and (when the package is installed) as
`seispool.info(archive, jobs=1)` in this interpreter, as ObsPy does. With --baseline (another seispool build) that
build runs too. The commands take turns (seispool, baseline, ObsPy, ...) `--runs` times with a warm page
cache; the script prints medians of wall time and of CPU time (user + sys: `wait4` for the commands, this
process's CPU for ObsPy), the ratios pair by pair, the load average, and a ready-to-paste markdown table.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def run(cmd):
    """(wall s, cpu s, stdout) of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", default=shutil.which("seispool") or "target/release/seispool")
    ap.add_argument(
        "--baseline",
        default=None,
        help="another seispool build to time in the same run",
    )
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="seispool-info-bench-")
    archive = os.path.join(work, "archive")
    if not os.path.isdir(archive):
        subprocess.run(
            [
                a.seispool,
                "demo",
                "--dir",
                work,
                "--stations",
                str(a.stations),
                "--days",
                str(a.days),
                "--no-process",
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = sorted(os.path.join(r, n) for r, _, ns in os.walk(archive) for n in ns)
    # Warm the page cache for both.
    for f in files:
        with open(f, "rb") as fh:
            fh.read()
    import obspy

    try:
        import seispool as sp
    except ImportError:
        sp = None

    bins = {"seispool": a.seispool}
    if a.baseline:
        bins["baseline"] = a.baseline
    jobs = sorted({1, a.jobs})
    times = {}
    reference = None
    load_before = "/".join(f"{x:.1f}" for x in os.getloadavg())
    for _ in range(a.runs):
        for name, path in bins.items():
            for j in jobs:
                wall, cpu, out = run([path, "info", archive, "--json", "--jobs", str(j)])
                inv = json.loads(out)
                assert inv["opened"] == len(files) and inv["failed"] == 0
                inv.pop("wall_seconds")
                # Every build must report the same inventory.
                reference = reference or inv
                assert inv == reference, f"{path} --jobs {j}: the inventory differs"
                times.setdefault(f"{name} --jobs {j}", []).append((wall, cpu))
        if sp is not None:
            # The same scan from Python in this interpreter (no process start-up, like ObsPy's loop).
            t0, c0 = time.perf_counter(), time.process_time()
            got = sp.info(archive, jobs=1)
            times.setdefault("python", []).append((time.perf_counter() - t0, time.process_time() - c0))
            assert len(got) == len(files) and not any(f["error"] for f in got)
        t0, c0 = time.perf_counter(), time.process_time()
        for f in files:
            obspy.read(f, headonly=True)
        times.setdefault("obspy", []).append((time.perf_counter() - t0, time.process_time() - c0))
    load_after = "/".join(f"{x:.1f}" for x in os.getloadavg())
    n = len(files)
    out = {
        "files": n,
        "mib_per_file": round(sum(os.path.getsize(f) for f in files) / n / 2**20, 2),
        "runs": a.runs,
        "load_before": load_before,
        "load_after": load_after,
    }
    obspy_runs = times["obspy"]
    for key, rows in times.items():
        out[f"{key} files/s wall"] = round(n / statistics.median(w for w, _ in rows), 1)
        out[f"{key} files/cpu-s"] = round(n / statistics.median(c for _, c in rows), 1)
        if key != "obspy":
            out[f"{key} vs obspy wall"] = round(statistics.median(o[0] / r[0] for r, o in zip(rows, obspy_runs)), 2)
            out[f"{key} vs obspy cpu"] = round(statistics.median(o[1] / r[1] for r, o in zip(rows, obspy_runs)), 2)
    print(json.dumps(out))
    print()
    print(
        f"{n} day files ({out['mib_per_file']} MiB each), page cache warm, {a.runs} runs in turn, medians; "
        f"load average (1/5/15 min) {load_before} before, {load_after} after."
    )
    print()
    print("| | files/s (wall) | files per CPU-second | × ObsPy, wall (pair by pair) | × ObsPy, CPU |")
    print("|---|---:|---:|---:|---:|")
    for key in times:
        label = (
            "ObsPy `read(headonly=True)`, one file after the other"
            if key == "obspy"
            else "`seispool.info(archive, jobs=1)` from Python, in this interpreter"
            if key == "python"
            else f"`{key.replace('seispool', 'seispool info', 1).replace('baseline', 'seispool info (baseline)', 1)}`"
        )
        ratios = (
            ("", "")
            if key == "obspy"
            else (
                f"{out[f'{key} vs obspy wall']:.1f}×",
                f"{out[f'{key} vs obspy cpu']:.1f}×",
            )
        )
        print(f"| {label} | {out[f'{key} files/s wall']:.0f} | {out[f'{key} files/cpu-s']:.0f} | {ratios[0]} | {ratios[1]} |")
    print()
    if not a.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
