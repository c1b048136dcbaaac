"""Oracle for the SAC tests: ObsPy makes, reads and writes SAC files.

usage:
  sac_oracle.py make OUTDIR SEED N      write N varied SAC files (both byte orders) with ObsPy's
                                        SACTrace and raw header arrays; print their paths, one a line
  sac_oracle.py read HEADONLY FILE...   obspy.read(FILE, format="SAC") each; print one JSON line per file
  sac_oracle.py write SPECS.json        build traces as described and write them with Trace.write(format="SAC")

Floats are reported as float32 bit patterns (["f", bits]) so that NaN and -0.0 compare exactly.
"""
import io
import json
import random
import sys
import warnings

import numpy as np
import obspy
from obspy import Trace, UTCDateTime
from obspy.io.sac import SACTrace
from obspy.io.sac.arrayio import init_header_arrays, write_sac

warnings.simplefilter("ignore")


def f32_bits(x):
    return int(np.array([x], dtype="<f4").view("<u4")[0])


def encode_value(v):
    if isinstance(v, (np.floating, float)):
        return ["f", f32_bits(v)]
    if isinstance(v, (np.integer, int, bool)):
        return ["i", int(v)]
    return ["s", str(v)]


def read_one(path, headonly):
    try:
        tr = obspy.read(path, format="SAC", headonly=headonly)[0]
    except Exception as e:  # ObsPy's refusal is data for the test
        return {"error": f"{type(e).__name__}: {e}"}
    s = tr.stats
    return {
        "error": None,
        "id": [s.network, s.station, s.location, s.channel],
        "starttime_ns": s.starttime.ns,
        "sampling_rate": float(s.sampling_rate),
        "npts": int(s.npts),
        "data": [int(b) for b in np.asarray(tr.data, dtype="<f4").view("<u4")],
        "sac": {k: encode_value(v) for k, v in s.sac.items()},
    }


def random_code(rng, maxlen):
    kind = rng.random()
    if kind < 0.2:
        return None  # unset: null string
    if kind < 0.3:
        return ""
    if kind < 0.4:
        return " " + "".join(rng.choice("ABC") for _ in range(rng.randint(1, 3)))
    return "".join(rng.choice("ABCXYZ019") for _ in range(rng.randint(1, maxlen)))


def sactrace_case(rng, i):
    """A SACTrace with random ids, reference time, b, delta and assorted other headers."""
    n = rng.choice([1, 2, 3, 7, 100, 1001])
    data = (np.random.default_rng(i).standard_normal(n) * 10 ** rng.randint(-3, 6)).astype("<f4")
    delta = rng.choice([0.01, 0.04, 0.025, 1.0, 0.005, 1 / 3, 0.1, 20.0, float(np.float32(rng.uniform(1e-4, 10)))])
    hdr = dict(
        nzyear=rng.choice([1970, 1999, 2000, 2020, 2024, 2100, 1969, 1950]), nzjday=rng.randint(1, 365),
        nzhour=rng.randint(0, 23), nzmin=rng.randint(0, 59), nzsec=rng.randint(0, 59), nzmsec=rng.randint(0, 999),
        b=rng.choice([0.0, -3.25, 12.5e-6, rng.uniform(-1e5, 1e5), rng.uniform(-1, 1), 1e-7]),
        delta=delta, data=data, lcalda=False,
    )
    for name, maxlen in [("knetwk", 2), ("kstnm", 5), ("khole", 2), ("kcmpnm", 3)]:
        code = random_code(rng, maxlen)
        if code is not None:
            hdr[name] = code
    if rng.random() < 0.5:
        hdr.update(stla=rng.uniform(-90, 90), evdp=rng.uniform(0, 600), user3=rng.uniform(-1, 1), mag=5.5,
                   kevnm=rng.choice(["EVENTNAME1234567", "SHORT", "EIGHTCHR9"]), kt0="P", t0=rng.uniform(0, 100),
                   idep="ivel", iztype="ib", nevid=rng.randint(0, 99))
    return SACTrace(**hdr)


def raw_case(rng, i):
    """Header arrays filled by hand: odd strings, null and out-of-range time fields."""
    hf, hi, hs = init_header_arrays()
    n = rng.choice([0, 5, 17])
    hf[0] = rng.choice([0.01, 0.5, 2.0])
    hf[5] = rng.choice([-12345.0, 0.0, 3.5, rng.uniform(-10, 10), rng.uniform(-1e-3, 1e-3)])
    hi[6], hi[9], hi[15], hi[35] = 6, n, 1, 1
    hi[0:6] = rng.choice([
        [2020, 60, 1, 2, 3, 4], [95, 10, 0, 0, 0, 0], [999, 1, 0, 0, 0, 0], [2023, 366, 0, 0, 0, 0],
        [2024, 366, 23, 59, 59, 999], [2020, 1, 24, 0, 0, 0], [2020, 1, 0, 0, 60, 0], [2020, 1, 0, 0, 0, 1000],
        [-12345, 1, 0, 0, 0, 0], [2020, 1, 0, 0, 0, -12345], [0, 1, 0, 0, 0, 0], [99, 365, 0, 0, 0, 0],
        [2020, 1, 0, 0, 0, -1], [10000, 1, 0, 0, 0, 0], [2020, 0, 0, 0, 0, 0],
        [1699, 365, 23, 59, 59, 999], [2261, 1, 0, 0, 0, 0],
    ])
    odd = [b"AB\x00CD\x00\x00\x00", b"-12345XY", b"\xffST\xe9    ", b"\x1cK\x0b     ", b"\x00" * 8, b"  N  \t  ",
           b"-12345  ", b"12345678"]
    for slot in (0, 1, 2, 3, 20, 21, 17):
        hs[slot] = rng.choice(odd)
    if rng.random() < 0.7:
        # Coordinates with lcalda set and dist unset: ObsPy computes dist/az/baz/gcarc on reading.
        hi[38] = rng.choice([1, 1, 1, 0, -12345, 2])
        ev = (rng.uniform(-90, 90), rng.uniform(-180, 180))
        st = rng.choice([
            (rng.uniform(-90, 90), rng.uniform(-180, 180)), ev, (-ev[0], ev[1] + 180), (90.0, 10.0),
            (95.0, 0.0), (ev[0], ev[1] + 360), (10.0, 190.0), (-10.0, -540.0), (0.0, ev[1] + 179.9),
        ])
        if rng.random() < 0.2:
            ev = (0.0, 0.0)
            st = rng.choice([(0.0, 180.0), (0.0, 179.5), (0.5, 179.7), (0.0, 90.0)])
        hf[35], hf[36] = ev
        hf[31], hf[32] = st
        if rng.random() < 0.1:
            hf[50] = 123.0
    data = np.random.default_rng(i).standard_normal(n).astype("<f4")
    return hf, hi, hs, data


def make(outdir, seed, count):
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        for order in ("little", "big"):
            path = f"{outdir}/case{i:03d}_{order}.sac"
            if i % 3 == 2:
                hf, hi, hs, data = raw_case(random.Random(seed * 1000 + i), i)
                write_sac(path, hf, hi, hs, data, byteorder=order)
            else:
                sactrace_case(random.Random(seed * 1000 + i), i).write(path, byteorder=order)
            paths.append(path)
    print("\n".join(paths))


def build_trace(spec):
    if "source" in spec:
        tr = obspy.read(spec["source"], format="SAC")[0]
        a, b = spec["slice"]
        tr.data = tr.data[a:b]
    else:
        dtype = {"i32": "<i4", "f32": "<f4", "f64": "<f8"}[spec["dtype"]]
        tr = Trace(data=np.fromfile(spec["data"], dtype=dtype).astype(dtype[1:]))
        tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel = spec["id"]
        tr.stats.sampling_rate = spec["sampling_rate"]
    tr.stats.starttime = UTCDateTime(ns=spec["starttime_ns"])
    return tr


def write(specs_path):
    with open(specs_path) as f:
        specs = json.load(f)
    for spec in specs:
        tr = build_trace(spec)
        # A buffer, not a file name: ObsPy can write an empty trace only to a buffer.
        buf = io.BytesIO()
        tr.write(buf, format="SAC", byteorder=">" if spec["big_endian"] else "<")
        with open(spec["out"], "wb") as f:
            f.write(buf.getvalue())


def main():
    mode = sys.argv[1]
    if mode == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "read":
        headonly = sys.argv[2] == "1"
        for path in sys.argv[3:]:
            print(json.dumps(read_one(path, headonly)))
    elif mode == "write":
        write(sys.argv[2])


if __name__ == "__main__":
    main()
