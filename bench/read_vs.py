"""`seispool.read` vs pymseed (libmseed 3) vs `obspy.read` (libmseed 2) on real-shaped channel-days.

Run: python bench/read_vs.py [--reps 7] [--only 100-steim2-4096-gaps]
Writes (once, cached in $TMPDIR/seispool-read-bench) one channel-day per case: 100 Hz or 20 Hz; STEIM1 or
STEIM2; 512- or 4096-byte records; with gaps (three: 90 s, 4 min and 11 s) or without. The signal is
shaped like a broadband channel: microseism (0.15-0.3 Hz) plus coloured noise and a few earthquake
wavelets, in counts (about ±2e4, bursts to ±2e6), so Steim packs it as it packs real data (mostly
4- to 10-bit differences). Page cache warm. Each round times every reader once, in turn (interleaved, so
load from other jobs on a shared machine hits all of them alike); reported: best of --reps rounds.
The outputs are compared first: same traces, same samples (bit for bit).
"""

import argparse
import os
import tempfile
import time

import numpy as np
import obspy
import pymseed

import seispool

CASES = [(rate, enc, reclen, gaps) for rate in (100, 20) for enc in ("STEIM2", "STEIM1") for reclen in (4096, 512) for gaps in (True, False)]


def signal(rate, seed):
    n = int(86400 * rate)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    x = 8000 * np.sin(2 * np.pi * 0.2 * t + 0.3 * np.sin(2 * np.pi * t / 600)) + 3000 * np.sin(2 * np.pi * 0.13 * t)
    noise = rng.normal(0, 600, n)
    noise = np.convolve(noise, np.ones(4) / 2, mode="same")  # some colour
    x += noise
    for _ in range(6):  # earthquake wavelets
        t0 = rng.uniform(0, 86000)
        i0 = int(t0 * rate)
        m = min(n - i0, int(300 * rate))
        tt = np.arange(m) / rate
        amp = 10 ** rng.uniform(4, 6.3)
        x[i0 : i0 + m] += amp * np.exp(-tt / 40) * (1 - np.exp(-tt / 0.5)) * np.sin(2 * np.pi * 1.5 * tt) * rng.normal(1, 0.1, m)
    return np.round(x).astype(np.int32)


def make(path, rate, enc, reclen, gaps):
    x = signal(rate, 7)
    st = obspy.Stream()
    t0 = obspy.UTCDateTime(2024, 1, 1)
    cuts = [(int(20000 * rate), int(90 * rate)), (int(50000 * rate), int(240 * rate)), (int(70000 * rate), int(11 * rate))] if gaps else []
    start = 0
    for at, length in cuts + [(len(x), 0)]:
        tr = obspy.Trace(x[start:at])
        tr.stats.update(dict(network="XX", station="BNCH", location="00", channel="HHZ", sampling_rate=rate, starttime=t0 + start / rate))
        st.append(tr)
        start = at + length
    st.write(path, format="MSEED", encoding=enc, reclen=reclen)


def ensure(case):
    rate, enc, reclen, gaps = case
    d = os.path.join(tempfile.gettempdir(), "seispool-read-bench")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"{rate}hz-{enc.lower()}-{reclen}-{'gaps' if gaps else 'nogaps'}.mseed")
    if not os.path.exists(path):
        make(path, *case)
    return path


def same(path):
    a = seispool.read(path)
    b = obspy.read(path)
    c = pymseed.MS3TraceList.from_file(path, unpack_data=True)
    pm = [seg.np_datasamples for tid in c for seg in tid]
    assert len(a) == len(b) == len(pm), (len(a), len(b), len(pm))
    for ta, tb, tc in zip(a, b, pm):
        assert ta.data.dtype == tb.data.dtype and np.array_equal(ta.data, tb.data) and np.array_equal(ta.data, tc)
    return sum(len(t.data) for t in b), len(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default=None, help="run the cases whose name contains this")
    args = ap.parse_args()
    readers = {
        "seispool 1 thread": lambda p: seispool.read(p, jobs=1),
        "seispool all threads": lambda p: seispool.read(p),
        "pymseed": lambda p: pymseed.MS3TraceList.from_file(p, unpack_data=True),
        "obspy.read": lambda p: obspy.read(p, format="MSEED"),
    }
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    head = "| case | MiB | samples | traces | " + " | ".join(f"{k} ms" for k in readers) + " | all/pymseed | 1 thread/pymseed |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for case in CASES:
        rate, enc, reclen, gaps = case
        name = f"{rate}-{enc.lower()}-{reclen}-{'gaps' if gaps else 'nogaps'}"
        if args.only and args.only not in name:
            continue
        path = ensure(case)
        n, ntr = same(path)
        best = {k: float("inf") for k in readers}
        for _ in range(args.reps):
            for k, f in readers.items():
                t = time.perf_counter()
                f(path)
                best[k] = min(best[k], time.perf_counter() - t)
        ms = [f"{best[k] * 1e3:.1f}" for k in readers]
        speed_all = best["pymseed"] / best["seispool all threads"]
        speed_one = best["pymseed"] / best["seispool 1 thread"]
        size = os.path.getsize(path) / 2**20
        print(f"| {name} | {size:.1f} | {n} | {ntr} | " + " | ".join(ms) + f" | {speed_all:.2f}× | {speed_one:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
