"""Oracle for `seispool process`: build ObsPy-written inputs, and run the same pipelines in ObsPy.

usage:
  obspy_pipeline.py make DIR          writes the input files (MiniSEED written by ObsPy) under DIR
  obspy_pipeline.py make-huge DIR     float64 inputs whose magnitudes approach float64's limit (sums overflow)
  obspy_pipeline.py make-zero-piece DIR  int32 channels with an all-zero piece beside others (gaps)
  obspy_pipeline.py make-nonfinite DIR  float64 inputs holding NaN or infinite samples (1, 2, 6, 100, 102 samples)
  obspy_pipeline.py check CASES.json  CASES = [{"pipeline": P, "inputs": DIR, "out": OUT}, ...]; for every input
                                      file runs P's method calls on obspy.read(file) and compares with
                                      obspy.read(OUT/<relative path>); prints a JSON list of mismatches
                                      (one string per problem; empty = all equal).
The pipeline text is ObsPy syntax; the oracle only turns time strings into UTCDateTime (trim/slice/
interpolate), calls normalize per trace (Trace.normalize(norm=...)), and splits masked results, which is
what seispool documents it does instead of masked arrays.
"""
import ast
import json
import os
import sys
import warnings

import numpy as np
import obspy
from obspy import Stream, Trace, UTCDateTime


def make(root):
    rng = np.random.default_rng(12345)
    t0 = UTCDateTime("2024-03-01T00:00:00.000000Z")

    def tr(net, sta, loc, cha, start, rate, data):
        t = Trace(data=data)
        t.stats.network, t.stats.station, t.stats.location, t.stats.channel = net, sta, loc, cha
        t.stats.starttime, t.stats.sampling_rate = start, rate
        return t

    # Integer counts at 100 Hz with a trend, an event, a gap and an overlap (odd lengths).
    n = 6001
    x = np.cumsum(rng.normal(0, 50, 3 * n)).astype(np.int64) + 1000 + np.arange(3 * n) // 3
    x[4000:4200] += (20000 * np.sin(np.arange(200) / 5.0)).astype(np.int64)
    x = x.astype(np.int32)
    a = tr("XX", "AAA", "00", "HHZ", t0, 100.0, x[:n].copy())
    b = tr("XX", "AAA", "00", "HHZ", t0 + (n + 57) / 100.0, 100.0, x[n + 57:2 * n + 3].copy())
    c = tr("XX", "AAA", "00", "HHZ", t0 + (2 * n - 40) / 100.0, 100.0, x[2 * n - 40:3 * n].copy())
    c.data[:10] += 7  # overlap that disagrees with the previous trace
    os.makedirs(os.path.join(root, "int"), exist_ok=True)
    Stream([a, b, c]).write(os.path.join(root, "int", "XX.AAA.00.HHZ.mseed"), format="MSEED",
                            encoding="STEIM2", reclen=512)
    # Float64 at 20 Hz, large offset, odd length, little-endian 1024-byte records.
    m = 2001
    y = 1e6 + 3.5 * np.arange(m) + np.cumsum(rng.normal(0, 1, m))
    d = tr("XX", "BBB", "", "BHN", t0 + 0.25, 20.0, y)
    os.makedirs(os.path.join(root, "flt"), exist_ok=True)
    Stream([d]).write(os.path.join(root, "flt", "XX.BBB..BHN.mseed"), format="MSEED", encoding="FLOAT64",
                      reclen=1024, byteorder="<")
    # Float32 at 40 Hz, two channels in one file, short second trace.
    e = tr("XX", "CCC", "10", "EHE", t0 + 1.5, 40.0, rng.normal(0, 1e-3, 1203).astype(np.float32))
    f = tr("XX", "CCC", "10", "EHN", t0 + 1.5, 40.0, rng.normal(0, 1e-3, 97).astype(np.float32))
    Stream([e, f]).write(os.path.join(root, "flt", "XX.CCC.10.EH.mseed"), format="MSEED", encoding="FLOAT32",
                         reclen=4096)


def make_nonfinite(root):
    """Float64 traces with a NaN or an infinite sample, one file each; lengths such that no interpolation
    of the tests lands on the last sample (where ObsPy's default interpolation may read past its arrays)."""
    rng = np.random.default_rng(7)
    os.makedirs(root, exist_ok=True)
    for k, (n, at, bad) in enumerate([(100, 37, np.nan), (100, 0, np.nan), (102, 50, np.inf),
                                      (6, 2, -np.inf), (1, 0, np.nan), (2, 0, np.nan)]):
        t = Trace(data=np.cumsum(rng.normal(0, 1, n)))
        t.data[at] = bad
        t.stats.network, t.stats.station, t.stats.channel = "XX", "NAN%d" % k, "HHZ"
        t.stats.starttime, t.stats.sampling_rate = UTCDateTime("2024-03-01T00:00:00"), 20.0
        t.write(os.path.join(root, "XX.NAN%d..HHZ.mseed" % k), format="MSEED", encoding="FLOAT64")


def make_huge(root):
    """Float64 traces of finite samples near float64's limit, whose plain sums overflow (one file each)."""
    rng = np.random.default_rng(11)
    os.makedirs(root, exist_ok=True)
    cases = [(150001, 1e300 * rng.normal(0, 1, 150001) + 1e296 * np.arange(150001)),
             (5, np.array([1.5e308, -1.7e308, 1.6e308, 1e308, -1.2e308])),
             (1000, 1e307 * np.linspace(-1, 1, 1000) + 1e306 * rng.normal(0, 1, 1000))]
    for k, (n, x) in enumerate(cases):
        t = Trace(data=np.asarray(x, dtype=np.float64))
        t.stats.network, t.stats.station, t.stats.channel = "XX", "HUGE%d" % k, "HHZ"
        t.stats.starttime, t.stats.sampling_rate = UTCDateTime("2024-03-01T00:00:00"), 20.0
        t.write(os.path.join(root, "XX.HUGE%d..HHZ.mseed" % k), format="MSEED", encoding="FLOAT64")


def make_zero_piece(root):
    """A Steim2 channel whose first piece is all zeros and whose second is not (a gap between), and one
    whose pieces are both zeros."""
    rng = np.random.default_rng(13)
    os.makedirs(root, exist_ok=True)
    t0 = UTCDateTime("2024-03-01T00:00:00")
    for k, second in enumerate([np.cumsum(rng.integers(-50, 50, 300)), np.zeros(300)]):
        traces = []
        for start, x in [(t0, np.zeros(200)), (t0 + 12.5, second)]:
            t = Trace(data=np.asarray(x, dtype=np.int32))
            t.stats.network, t.stats.station, t.stats.channel = "XX", "ZERO%d" % k, "HHZ"
            t.stats.starttime, t.stats.sampling_rate = start, 20.0
            traces.append(t)
        Stream(traces).write(os.path.join(root, "XX.ZERO%d..HHZ.mseed" % k), format="MSEED", encoding="STEIM2",
                             reclen=512)


TIME_ARGS = {"trim": (0, 1, "starttime", "endtime"), "slice": (0, 1, "starttime", "endtime"),
             "interpolate": (None, None, "starttime", None)}


def parse(call):
    node = ast.parse(call.strip(), mode="eval").body
    name = node.func.id
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    if name in TIME_ARGS:
        p0, p1, k0, k1 = TIME_ARGS[name]
        for i in (p0, p1):
            if i is not None and i < len(args) and isinstance(args[i], str):
                args[i] = UTCDateTime(args[i])
        for k in (k0, k1):
            if k and isinstance(kwargs.get(k), str):
                kwargs[k] = UTCDateTime(kwargs[k])
    return name, args, kwargs


def calls(pipeline):
    out = []
    for line in pipeline.splitlines():
        line = line.split("#", 1)[0]
        depth, cur, quote = 0, "", None
        for ch in line:
            if quote:
                quote = None if ch == quote else quote
            elif ch in "\"'":
                quote = ch
            elif ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == ";" and depth == 0:
                out.append(cur)
                cur = ""
                continue
            cur += ch
        out.append(cur)
    return [c.strip() for c in out if c.strip()]


def run(st, pipeline):
    for call in calls(pipeline):
        name, args, kwargs = parse(call)
        if name == "normalize":
            for t in st:
                t.normalize(*args, **kwargs)
        else:
            res = getattr(st, name)(*args, **kwargs)
            if name in ("select", "slice"):
                st = res
        if any(isinstance(t.data, np.ma.MaskedArray) for t in st):
            st = st.split()
    return st


def key(t):
    return (t.id, t.stats.starttime.ns)


def compare(ref, got, where, f32_ids, f32_output=False):
    problems = []
    ref, got = sorted(ref, key=key), sorted(got, key=key)
    if len(ref) != len(got):
        return [f"{where}: {len(got)} traces, ObsPy has {len(ref)}: {[str(t) for t in got]} vs {[str(t) for t in ref]}"]
    for r, g in zip(ref, got):
        # MiniSEED 2 stores microseconds.
        rstart = int(round(r.stats.starttime.ns / 1000.0)) * 1000
        if (r.id, rstart, r.stats.sampling_rate, r.stats.npts) != \
                (g.id, g.stats.starttime.ns, g.stats.sampling_rate, g.stats.npts):
            problems.append(f"{where}: stats {g.id} {g.stats.starttime.ns} {g.stats.sampling_rate!r} {g.stats.npts} "
                            f"vs ObsPy {r.id} {rstart} {r.stats.sampling_rate!r} {r.stats.npts}")
            continue
        rd, gd = np.asarray(r.data, dtype=np.float64), np.asarray(g.data, dtype=np.float64)
        # NaN where ObsPy has NaN, the same infinities; the rest is compared.
        if np.any(np.isnan(rd) != np.isnan(gd)) or np.any(np.isinf(rd) & (rd != gd)):
            i = int(np.argmax((np.isnan(rd) != np.isnan(gd)) | (np.isinf(rd) & (rd != gd))))
            problems.append(f"{where}: {r.id} non-finite samples differ at {i}: {gd[i]!r} vs {rd[i]!r}")
            continue
        finite = np.isfinite(rd)
        rd, gd = np.where(finite, rd, 0.0), np.where(finite, gd, 0.0)
        scale = max(np.max(np.abs(rd)) if rd.size else 0.0, 1e-300)
        err = np.max(np.abs(rd - gd)) / scale if rd.size else 0.0
        # float64 processing must agree to 1e-9. ObsPy computes float32 input in float32 (it only promotes
        # integers), seispool in float64: for float32 input, float32's own rounding (~6e-8 per op) is the limit.
        tol = 1e-5 if r.id in f32_ids else 1e-9
        if f32_output and rd.size:
            # Written as FLOAT32: each sample within one float32 spacing of ObsPy's float64 value (the
            # rounding of a value within 1e-9 of max of it), plus the 1e-9 of max.
            room = np.spacing(np.abs(rd).astype(np.float32)).astype(np.float64) + tol * scale
            if np.all(np.abs(rd - gd) <= room):
                continue
            err = np.inf
        if not err <= tol:
            i = int(np.argmax(np.abs(rd - gd)))
            problems.append(f"{where}: {r.id} samples differ, max rel err {err:.3e} at {i}: {gd[i]!r} vs {rd[i]!r}")
    return problems


def check(cases_path):
    # LAPACK prints to file descriptor 1 (numpy's lstsq of a NaN: "On entry to DLASCL ..."): the JSON
    # answer goes to the original stdout, everything else to stderr.
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    with open(cases_path) as fh:
        cases = json.load(fh)
    problems = []
    for case in cases:
        root, out, pipeline = case["inputs"], case["out"], case["pipeline"]
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                src = os.path.join(dirpath, name)
                rel = os.path.relpath(src, root)
                dst = os.path.join(out, rel)
                where = f"[{pipeline}] {rel}"
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        ref = run(obspy.read(src), pipeline)
                except Exception as e:  # ObsPy refuses: we must not write an output
                    if os.path.exists(dst):
                        problems.append(f"{where}: ObsPy raises {type(e).__name__}: {e}, but we wrote an output")
                    continue
                if len(ref) == 0 or all(t.stats.npts == 0 for t in ref):
                    if os.path.exists(dst):
                        problems.append(f"{where}: ObsPy leaves no data but we wrote an output")
                    continue
                if not os.path.exists(dst):
                    problems.append(f"{where}: no output written (ObsPy gives {len(ref)} traces)")
                    continue
                f32_ids = {t.id for t in obspy.read(src, headonly=False) if t.data.dtype == np.float32}
                problems.extend(compare(ref, obspy.read(dst), where, f32_ids, case.get("encoding") == "FLOAT32"))
    sys.stdout.flush()
    print(json.dumps(problems), file=answer)
    answer.flush()


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "make-huge":
        make_huge(sys.argv[2])
    elif sys.argv[1] == "make-zero-piece":
        make_zero_piece(sys.argv[2])
    elif sys.argv[1] == "make-nonfinite":
        make_nonfinite(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
