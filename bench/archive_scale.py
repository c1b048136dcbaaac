"""Archive scale (issue 20): peak memory of `seispool process` as the archive grows, and `--select` cost.

Run: python bench/archive_scale.py --seispool target/release/seispool [--before OTHER_BINARY] [--jobs 2]

Builds (once, cached in $TMPDIR/seispool-scale) a demo archive of 10 stations x 3 channels x 2 days
(60 Steim2 channel-days, 100 Hz, ~9 MiB each), a 6-channel-day subset (one station) and a 600-channel-day
archive (the 60 files hard-linked ten times under other station names: same bytes, no extra disk).
Then, for each binary given, paired and interleaved:
* peak RSS (`/usr/bin/time -v`, "Maximum resident set size") of `process` over 6, 60 and 600 channel-days
  at --jobs N with the pipeline of bench/README.md;
* `process --select` and `info --select` for one station on the 60-channel-day archive, vs the same
  command on that station's files alone (best of 3 wall times).
"""

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time

PIPELINE = (
    'merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); '
    'filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)'
)


def archives(seispool):
    base = os.path.join(tempfile.gettempdir(), "seispool-scale")
    a60 = os.path.join(base, "demo", "archive")
    if not os.path.isdir(a60):
        subprocess.run([seispool, "demo", "--dir", os.path.join(base, "demo"), "--stations", "10", "--days", "2", "--no-process", "--quiet"], check=True)
    a6 = os.path.join(base, "a6")
    if not os.path.isdir(a6):
        for year in os.listdir(a60):
            shutil.copytree(os.path.join(a60, year, "XS", "ST01"), os.path.join(a6, year, "XS", "ST01"))
    a600 = os.path.join(base, "a600")
    if not os.path.isdir(a600):
        for k in range(10):
            for dirpath, _, files in os.walk(a60):
                for f in files:
                    src = os.path.join(dirpath, f)
                    rel = os.path.relpath(src, a60)
                    parts = rel.split(os.sep)  # YEAR/NET/STA/CHA.D/NAME
                    sta = f"{parts[2]}K{k}"
                    name = parts[4].split(".")
                    name[1] = sta
                    dst = os.path.join(a600, parts[0], parts[1], sta, parts[3], ".".join(name))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    os.link(src, dst)
    return a6, a60, a600


def peak_rss_mib(cmd):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, check=False, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {r.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) / 1024


def wall(cmd, reps=3):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", required=True)
    ap.add_argument("--before", help="an older binary to compare with, run in turn")
    ap.add_argument("--jobs", default="2")
    ap.add_argument("--skip-600", action="store_true")
    a = ap.parse_args()
    bins = {"after": a.seispool} | ({"before": a.before} if a.before else {})
    a6, a60, a600 = archives(a.seispool)
    out = tempfile.mkdtemp(prefix="seispool-scale-out")
    print(f"load average {os.getloadavg()[0]:.1f}, jobs {a.jobs}")
    sizes = [("6", a6), ("60", a60)] + ([] if a.skip_600 else [("600", a600)])
    for label, arch in sizes:
        for name, b in bins.items():
            o = os.path.join(out, f"{name}-{label}")
            shutil.rmtree(o, ignore_errors=True)
            rss = peak_rss_mib([b, "process", arch, "--out", o, "--pipeline", PIPELINE, "--jobs", a.jobs, "--quiet"])
            shutil.rmtree(o, ignore_errors=True)
            print(f"| {name} | process, {label} channel-days | peak RSS {rss:.0f} MiB |", flush=True)
    sel = ["--select", "XS.ST01.*.*"]
    for name, b in bins.items():
        o = os.path.join(out, f"sel-{name}")
        t_sel = wall([b, "process", a60, "--out", o, "--pipeline", PIPELINE, "--jobs", a.jobs, "--quiet"] + sel)
        t_alone = wall([b, "process", a6, "--out", o + "-alone", "--pipeline", PIPELINE, "--jobs", a.jobs, "--quiet"])
        i_sel = wall([b, "info", a60, "--jobs", a.jobs] + sel)
        i_alone = wall([b, "info", a6, "--jobs", a.jobs])
        print(
            f"| {name} | process --select one station: {t_sel:.2f} s, alone {t_alone:.2f} s ({t_sel / t_alone:.2f}×) "
            f"| info --select: {i_sel:.3f} s, alone {i_alone:.3f} s ({i_sel / i_alone:.2f}×) |",
            flush=True,
        )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
