"""End-to-end benchmark: `seispool process` vs the equivalent ObsPy script on a multiprocessing.Pool.

Generates a synthetic SDS archive (`seispool demo --no-process`: N stations x 3 channels x D days, 100 Hz,
Steim2, with a gap and an overlap), runs both on the same cores with the same pipeline, checks that the
outputs agree (<= 1e-6 relative after the FLOAT32 write) and prints wall times, the speed ratio and both
peak memories (resident memory sampled every 20 ms over every process the command started: the sum,
and for ObsPy also the largest single process).

usage: python bench/process_vs_obspy.py [--seispool PATH] [--jobs N] [--stations N] [--days N] [--dir D]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE = ('merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); '
            'filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)')


def _session_rss_mib(sid):
    """(sum, max) resident MiB over the live processes of session `sid`."""
    total, biggest = 0.0, 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # field 6 (session) after the comm
                continue
            with open(f"/proc/{pid}/statm") as fh:
                rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
        total += rss
        biggest = max(biggest, rss)
    return total, biggest


def timed(cmd, env=None):
    """Run cmd in its own session; return (seconds, peak summed RSS MiB of all its processes, peak of one)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    peak_sum = peak_one = 0.0
    while proc.poll() is None:
        total, biggest = _session_rss_mib(proc.pid)
        peak_sum, peak_one = max(peak_sum, total), max(peak_one, biggest)
        time.sleep(0.02)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return secs, peak_sum, peak_one


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
                assert a.id == b.id and a.stats.starttime == b.stats.starttime and a.stats.npts == b.stats.npts, \
                    f"{name}: {a} vs {b}"
                scale = max(np.abs(b.data).max(), 1e-30)
                worst = max(worst, float(np.abs(a.data.astype('f8') - b.data.astype('f8')).max() / scale))
            files += 1
    return files, worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", default=shutil.which("seispool") or "target/release/seispool")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--stations", type=int, default=2)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--pipeline", default=PIPELINE)
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="seispool-bench-")
    archive = os.path.join(work, "archive")
    if not os.path.isdir(archive):
        subprocess.run([a.seispool, "demo", "--dir", work, "--stations", str(a.stations), "--days", str(a.days),
                        "--no-process"], check=True, stdout=subprocess.DEVNULL)
    ours, theirs = os.path.join(work, "out-seispool"), os.path.join(work, "out-obspy")
    for d in (ours, theirs):
        shutil.rmtree(d, ignore_errors=True)
    env = dict(os.environ)
    t_ours, m_ours, _ = timed([a.seispool, "process", archive, "--out", ours, "--pipeline", a.pipeline,
                            "--jobs", str(a.jobs), "--encoding", "FLOAT32", "--quiet"], env)
    t_obspy, m_obspy, m_obspy_one = timed([sys.executable, os.path.join(HERE, "obspy_process.py"), archive, theirs,
                              a.pipeline, str(a.jobs), "FLOAT32"], env)
    files, worst = compare(ours, theirs)
    result = {"files": files, "jobs": a.jobs, "seispool_s": round(t_ours, 3), "obspy_s": round(t_obspy, 3),
              "speedup": round(t_obspy / t_ours, 1), "seispool_peak_rss_mib": round(m_ours, 1),
              "obspy_peak_rss_mib_all_processes": round(m_obspy, 1),
              "obspy_peak_rss_mib_one_process": round(m_obspy_one, 1), "max_rel_diff": worst}
    print(json.dumps(result))
    if worst > 1e-6:
        sys.exit(f"outputs disagree: max relative difference {worst:g} > 1e-6")


if __name__ == "__main__":
    main()
