"""End-to-end benchmark: `seispool process` vs the equivalent ObsPy script on a multiprocessing.Pool, and how
seispool scales with the archive size and the number of jobs.

Generates synthetic SDS archives (`seispool demo --no-process`: N stations x 3 channels x D days, 100 Hz,
Steim2, with a gap and an overlap) and runs the same pipeline (FLOAT32 output) with:

* A: `seispool process --jobs J`;
* B: ObsPy at its best: `bench/obspy_process.py` (forkserver `Pool(J)`) with `OPENBLAS_NUM_THREADS=1`;
* C: ObsPy in its default configuration: the same script with the BLAS/OpenMP thread variables unset, so
  each pool worker's OpenBLAS starts one thread per core (the start method stays forkserver: the default
  `fork` can hang on those threads, the seed bug).

A, B and C run in turn (A B C A B C ...), `--runs` times; the script prints the medians of wall time, CPU time
(user + sys: `wait4`, or the sum over the command's processes sampled every 20 ms when larger, as for a
pool's workers) and peak resident memory (sampled every
20 ms over all processes of the command's session: the sum, and for ObsPy the largest single process), and
the ratios B/A and C/A taken pair by pair (median). The outputs of A and B are checked equal (<= 1e-6
relative after the FLOAT32 write) once.

`--scaling` then runs seispool alone on 6, 24 and 60 channel-days (2 x 1, 4 x 2 and 10 x 2 stations x days)
at 1 and 2 jobs and at 1 job held to one CPU, in turn, and prints the 1 -> 2 core efficiency (t1 / (2 t2), with t1
of `--jobs 1` as it runs, its writer threads free to use the second core, and held to one core), the cost per
input sample (wall and CPU ns) and the peak RSS. The 60 channel-day archive takes ~0.55 GB plus ~0.5 GB of output; every archive
this script made is deleted at the end unless `--keep` (or `--dir` names a directory to reuse).

Both tables are printed as ready-to-paste markdown, with the load average before and after.

usage: python bench/process_vs_obspy.py [--seispool PATH] [--jobs N] [--stations N] [--days N] [--runs N]
                                        [--dir D] [--scaling] [--scaling-runs N] [--keep]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE = (
    'merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); '
    'filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)'
)
THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
# (stations, days) of the scaling archives: 3 channels each, so 6, 24 and 60 channel-days.
SCALING = ((2, 1), (4, 2), (10, 2))


def _session_sample(sid, cpu):
    """(sum, max) resident MiB over the live processes of session `sid`; records each one's CPU seconds so
    far (utime + stime) in `cpu` (pid -> seconds)."""
    total, biggest = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # field 6 (session) after the comm
                continue
            cpu[pid] = max(cpu.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / tick)  # fields 14, 15
            with open(f"/proc/{pid}/statm") as fh:
                rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
        total += rss
        biggest = max(biggest, rss)
    return total, biggest


def timed(cmd, env=None, cpus=None):
    """Run cmd in its own session (on the CPUs `cpus` only, when given); returns {wall, cpu, rss_sum, rss_one}
    (seconds, MiB).

    CPU is the larger of `wait4`'s (the command and the children it waited for) and the sum over every
    process of the session sampled every 20 ms (a pool's workers are not children the command waits for;
    a process's last < 20 ms escape the sampling)."""
    t0 = time.perf_counter()
    pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, preexec_fn=pin)
    peak_sum = peak_one = 0.0
    cpu = {}
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        total, biggest = _session_sample(proc.pid, cpu)
        peak_sum, peak_one = max(peak_sum, total), max(peak_one, biggest)
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return {
        "wall": wall,
        "cpu": max(usage.ru_utime + usage.ru_stime, sum(cpu.values())),
        "rss_sum": peak_sum,
        "rss_one": peak_one,
    }


def compare(ours, theirs):
    import numpy as np
    import obspy

    worst, files = 0.0, 0
    for root, _, names in os.walk(theirs):
        for name in names:
            ref_path = os.path.join(root, name)
            got_path = os.path.join(ours, os.path.relpath(ref_path, theirs))
            ref, got = obspy.read(ref_path), obspy.read(got_path)
            ref.sort(), got.sort()
            assert len(ref) == len(got), f"{name}: {len(got)} traces vs ObsPy's {len(ref)}"
            for a, b in zip(got, ref):
                assert a.id == b.id and a.stats.starttime == b.stats.starttime and a.stats.npts == b.stats.npts, f"{name}: {a} vs {b}"
                scale = max(np.abs(b.data).max(), 1e-30)
                worst = max(
                    worst,
                    float(np.abs(a.data.astype("f8") - b.data.astype("f8")).max() / scale),
                )
            files += 1
    return files, worst


def make_archive(seispool, work, stations, days):
    archive = os.path.join(work, "archive")
    if not os.path.isdir(archive):
        subprocess.run(
            [
                seispool,
                "demo",
                "--dir",
                work,
                "--stations",
                str(stations),
                "--days",
                str(days),
                "--no-process",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return archive


def input_samples(seispool, archive):
    """Samples in the archive (from the headers, `seispool info --json`)."""
    res = subprocess.run([seispool, "info", archive, "--json"], check=True, capture_output=True)
    return sum(t["npts"] for f in json.loads(res.stdout)["files"] for t in f["traces"])


def seispool_cmd(a, archive, out, jobs):
    return [
        a.seispool,
        "process",
        archive,
        "--out",
        out,
        "--pipeline",
        a.pipeline,
        "--jobs",
        str(jobs),
        "--encoding",
        "FLOAT32",
        "--quiet",
    ]


def obspy_cmd(a, archive, out, jobs):
    return [
        sys.executable,
        os.path.join(HERE, "obspy_process.py"),
        archive,
        out,
        a.pipeline,
        str(jobs),
        "FLOAT32",
    ]


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def load():
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def vs_obspy(a, work):
    archive = make_archive(a.seispool, work, a.stations, a.days)
    ours, theirs, theirs_default = (os.path.join(work, d) for d in ("out-seispool", "out-obspy", "out-obspy-default"))
    env_best = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env_best["OPENBLAS_NUM_THREADS"] = "1"
    env_default = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    runs = {"A": [], "B": [], "C": []}
    load_before = load()
    for _ in range(a.runs):
        for key, cmd, env, out in (
            ("A", seispool_cmd(a, archive, ours, a.jobs), None, ours),
            ("B", obspy_cmd(a, archive, theirs, a.jobs), env_best, theirs),
            (
                "C",
                obspy_cmd(a, archive, theirs_default, a.jobs),
                env_default,
                theirs_default,
            ),
        ):
            shutil.rmtree(out, ignore_errors=True)
            runs[key].append(timed(cmd, env))
    load_after = load()
    files, worst = compare(ours, theirs)
    ratio = {k: statistics.median(r["wall"] / s["wall"] for r, s in zip(runs[k], runs["A"])) for k in ("B", "C")}
    ratio_cpu = {k: statistics.median(r["cpu"] / s["cpu"] for r, s in zip(runs[k], runs["A"])) for k in ("B", "C")}
    result = {
        "files": files,
        "jobs": a.jobs,
        "runs": a.runs,
        "load_before": load_before,
        "load_after": load_after,
        "seispool_s": round(med(runs["A"], "wall"), 3),
        "obspy_best_s": round(med(runs["B"], "wall"), 3),
        "obspy_default_s": round(med(runs["C"], "wall"), 3),
        "speedup_vs_obspy_best": round(ratio["B"], 2),
        "speedup_vs_obspy_default": round(ratio["C"], 2),
        "seispool_peak_rss_mib": round(med(runs["A"], "rss_sum"), 1),
        "obspy_peak_rss_mib_all_processes": round(med(runs["B"], "rss_sum"), 1),
        "obspy_peak_rss_mib_one_process": round(med(runs["B"], "rss_one"), 1),
        "max_rel_diff": worst,
    }
    print(json.dumps(result))
    rows = [
        (f"A: `seispool process --jobs {a.jobs}`", "A"),
        (
            f"B: ObsPy at its best: forkserver `Pool({a.jobs})`, `OPENBLAS_NUM_THREADS=1`",
            "B",
        ),
        (f"C: ObsPy default: forkserver `Pool({a.jobs})`, BLAS threads unset", "C"),
    ]
    print()
    print(
        f"{a.stations} stations x 3 channels x {a.days} day(s), {files} output files, {a.runs} runs in turn "
        f"(A B C ...), medians; load average (1/5/15 min) {load_before} before, {load_after} after; "
        f"outputs A vs B max relative difference {worst:.1e}."
    )
    print()
    print("| | wall s | CPU s (user+sys) | peak RSS MiB (all processes / largest) | speed-up of A (pair by pair, wall / CPU) |")
    print("|---|---:|---:|---:|---:|")
    for label, k in rows:
        sp = "" if k == "A" else f"**{ratio[k]:.1f}×** / {ratio_cpu[k]:.1f}×"
        print(f"| {label} | {med(runs[k], 'wall'):.2f} | {med(runs[k], 'cpu'):.2f} | {med(runs[k], 'rss_sum'):.0f} / {med(runs[k], 'rss_one'):.0f} | {sp} |")
    print()
    if worst > 1e-6:
        sys.exit(f"outputs disagree: max relative difference {worst:g} > 1e-6")


def scaling(a, base):
    rows = []
    load_before = load()
    for stations, days in SCALING:
        work = os.path.join(base, f"scaling-{stations}x{days}")
        os.makedirs(work, exist_ok=True)
        archive = make_archive(a.seispool, work, stations, days)
        samples = input_samples(a.seispool, archive)
        out = os.path.join(work, "out")
        # "core": `--jobs 1` held to one CPU. Unpinned, `--jobs 1` is one worker, but its output writer
        # threads (copies into the page cache, fdatasync) run on the other core meanwhile.
        runs = {1: [], 2: [], "core": []}
        one_cpu = {min(os.sched_getaffinity(0))}
        for _ in range(a.scaling_runs):
            for jobs, cpus in ((1, None), (2, None), ("core", one_cpu)):
                shutil.rmtree(out, ignore_errors=True)
                runs[jobs].append(timed(seispool_cmd(a, archive, out, 1 if jobs == "core" else jobs), cpus=cpus))
        shutil.rmtree(out, ignore_errors=True)
        if not a.keep and not a.dir:
            shutil.rmtree(work, ignore_errors=True)
        t1, t2 = med(runs[1], "wall"), med(runs[2], "wall")
        eff = statistics.median(r1["wall"] / (2 * r2["wall"]) for r1, r2 in zip(runs[1], runs[2]))
        core_eff = statistics.median(rc["wall"] / (2 * r2["wall"]) for rc, r2 in zip(runs["core"], runs[2]))
        rows.append(
            {
                "channel_days": stations * 3 * days,
                "samples": samples,
                "t1": t1,
                "t2": t2,
                "eff": eff,
                "tcore": med(runs["core"], "wall"),
                "core_eff": core_eff,
                "cpu1": med(runs[1], "cpu"),
                "cpu2": med(runs[2], "cpu"),
                "rss1": med(runs[1], "rss_sum"),
                "rss2": med(runs[2], "rss_sum"),
            }
        )
        print(json.dumps(rows[-1]))
    load_after = load()
    print()
    print(
        f"seispool alone, {a.scaling_runs} runs per cell, 1 job, 2 jobs and 1 job on one CPU in turn, medians; "
        f"load average (1/5/15 min) {load_before} before, {load_after} after. 1→2 efficiency: t1 / (2 t2), "
        "t1 of `--jobs 1` free to use both cores (its writer threads do) and held to one (1 core)."
    )
    print()
    print(
        "| channel-days (samples) | 1 job s | 1 job, 1 core s | 2 jobs s | 1→2 efficiency (1 job / 1 core) | "
        "ns/sample wall, 2 jobs | CPU ns/sample (1 / 2 jobs) | peak RSS MiB (1 / 2 jobs) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        n = r["samples"]
        print(
            f"| {r['channel_days']} ({n / 1e6:.1f} M) | {r['t1']:.2f} | {r['tcore']:.2f} | {r['t2']:.2f} | "
            f"{100 * r['eff']:.0f} % / {100 * r['core_eff']:.0f} % | "
            f"{1e9 * r['t2'] / n:.1f} | {1e9 * r['cpu1'] / n:.1f} / {1e9 * r['cpu2'] / n:.1f} | "
            f"{r['rss1']:.0f} / {r['rss2']:.0f} |"
        )
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", default=shutil.which("seispool") or "target/release/seispool")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--stations", type=int, default=2)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3, help="paired runs of A, B and C")
    ap.add_argument("--dir", default=None, help="work directory (archives are reused and kept)")
    ap.add_argument("--pipeline", default=PIPELINE)
    ap.add_argument(
        "--scaling",
        action="store_true",
        help="also the 6/24/60 channel-day table (seispool alone)",
    )
    ap.add_argument("--scaling-runs", type=int, default=3)
    ap.add_argument("--no-obspy", action="store_true", help="only the scaling table")
    ap.add_argument("--keep", action="store_true", help="keep the archives this script made")
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="seispool-bench-")
    try:
        if not a.no_obspy:
            vs_obspy(a, work)
        if a.scaling or a.no_obspy:
            scaling(a, work)
    finally:
        if not a.dir and not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
