"""End-to-end benchmark: `seispool process` vs the equivalent ObsPy script on a multiprocessing.Pool.

Generates a synthetic SDS archive (`seispool demo --no-process`: N stations x 3 channels x D days, 100 Hz,
Steim2, with a gap and an overlap), runs both on the same cores with the same pipeline, checks that the
outputs agree (<= 1e-6 relative after the FLOAT32 write) and prints wall times, the speed ratio and both
peak memories (max RSS of any one process; for ObsPy also the sum over its pool workers).

usage: python bench/process_vs_obspy.py [--seispool PATH] [--jobs N] [--stations N] [--days N] [--dir D]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE = ('merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); '
            'filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)')


def timed(cmd, env=None):
    """Run cmd; return (seconds, peak RSS in MiB of the largest process it started)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"command failed ({status}): {' '.join(cmd)}")
    return secs, usage.ru_maxrss / 1024.0


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
    t_ours, m_ours = timed([a.seispool, "process", archive, "--out", ours, "--pipeline", a.pipeline,
                            "--jobs", str(a.jobs), "--encoding", "FLOAT32", "--quiet"], env)
    t_obspy, m_obspy = timed([sys.executable, os.path.join(HERE, "obspy_process.py"), archive, theirs,
                              a.pipeline, str(a.jobs), "FLOAT32"], env)
    files, worst = compare(ours, theirs)
    result = {"files": files, "jobs": a.jobs, "seispool_s": round(t_ours, 3), "obspy_s": round(t_obspy, 3),
              "speedup": round(t_obspy / t_ours, 1), "seispool_peak_rss_mib": round(m_ours, 1),
              "obspy_peak_rss_mib_per_process": round(m_obspy, 1), "max_rel_diff": worst}
    print(json.dumps(result))
    if worst > 1e-6:
        sys.exit(f"outputs disagree: max relative difference {worst:g} > 1e-6")


if __name__ == "__main__":
    main()
