#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/ (not committed: the committed,
minimised corpora are fuzz/corpus/<target>/, made by `scripts/fuzz` from these seeds).

Sources: ObsPy's shipped MiniSEED and SAC test files (path given as argv[1], the obspy package dir),
MiniSEED 3 files written by seispool from them (argv[2], the seispool binary), and hand-written texts.
Files are cut to 16 KiB: fuzzing mutates records, whole archives only slow it down."""
import os
import struct
import subprocess
import sys
import tempfile

obspy, seispool = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
MAX = 16 * 1024


def put(target, name, data):
    d = os.path.join(here, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:MAX])


mseed_dirs = [os.path.join(obspy, "io/mseed/tests/data"), os.path.join(obspy, "io/mseed/tests/data/encoding")]
mseed_files = []
for d in mseed_dirs:
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if os.path.isfile(p):
            mseed_files.append(p)
            with open(p, "rb") as f:
                put("mseed", n, f.read())

def put_converted(r, out, name):
    """The file `seispool convert` wrote (under the --out directory when it is one)."""
    if r.returncode != 0:
        return
    if os.path.isdir(out):
        files = [os.path.join(dp, f) for dp, _, fs in os.walk(out) for f in fs]
        out = files[0] if files else None
    if out:
        with open(out, "rb") as f:
            put("mseed", name, f.read())


# MiniSEED 3: convert a few v2 files with seispool itself.
with tempfile.TemporaryDirectory() as tmp:
    for n in ["test.mseed", "gaps.mseed", "two_channels.mseed", "steim2.mseed"]:
        src = os.path.join(mseed_dirs[0], n)
        out = os.path.join(tmp, n + "3")
        r = subprocess.run([seispool, "convert", src, "--out", out, "--format", "mseed3"], capture_output=True)
        put_converted(r, out, n + "3")
    for n in ["int16_INT16_bigEndian.mseed", "float64_Float64_littleEndian.mseed", "fullASCII_bigEndian.mseed"]:
        src = os.path.join(mseed_dirs[1], n)
        out = os.path.join(tmp, n + "3")
        r = subprocess.run([seispool, "convert", src, "--out", out, "--format", "mseed3"], capture_output=True)
        put_converted(r, out, n + "3")

# Decoders: byte 0 = encoding index (+0x80 big-endian), bytes 1..3 = nsamples (LE), then the payload
# of the first record of each file (big-endian SEED records only; the byte order bit follows blockette 1000).
codes = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 16, 30, 32]
for p in mseed_files:
    with open(p, "rb") as f:
        rec = f.read(4096)
    if len(rec) < 64 or rec[6:7] not in (b"D", b"R", b"Q", b"M"):
        continue
    for order in (">", "<"):
        day = struct.unpack(order + "H", rec[22:24])[0]
        if 1 <= day <= 366:
            break
    nsamp, = struct.unpack(order + "H", rec[30:32])
    data_off, = struct.unpack(order + "H", rec[44:46])
    off, = struct.unpack(order + "H", rec[46:48])
    enc, word, reclen = None, 1, 4096
    for _ in range(8):
        if off == 0 or off + 8 > len(rec):
            break
        kind, nxt = struct.unpack(order + "HH", rec[off:off + 4])
        if kind == 1000:
            enc, word, exp = rec[off + 4], rec[off + 5], rec[off + 6]
            reclen = 1 << exp
        off = nxt
    if enc not in codes or data_off >= reclen:
        continue
    sel = codes.index(enc) | (0x80 if word == 1 else 0)
    put("decoders", os.path.basename(p), bytes([sel]) + struct.pack("<H", nsamp) + rec[data_off:reclen])

sac_dir = os.path.join(obspy, "io/sac/tests/data")
for n in sorted(os.listdir(sac_dir)):
    p = os.path.join(sac_dir, n)
    if n.endswith((".sac", ".SAC", ".swap")) or n.startswith(("seism", "dis.")):
        with open(p, "rb") as f:
            data = f.read()
        if len(data) <= MAX:
            put("sac", n, data)

sx_dir = os.path.join(obspy, "io/stationxml/tests/data")
for n in sorted(os.listdir(sx_dir)):
    p = os.path.join(sx_dir, n)
    if n.endswith(".xml") and os.path.getsize(p) <= 64 * 1024:
        with open(p, "rb") as f:
            data = f.read()
        d = os.path.join(here, "seeds", "stationxml")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, n), "wb") as f:
            f.write(data)

for i, t in enumerate([
    "2024/IU/ANMO/BHZ.D/IU.ANMO..BHZ.D.2024.060",
    "IU.ANMO.00.BHZ.D.2024.366",
    "2023/XX/STA/HHZ.D/XX.STA.10.HHZ.D.2023.001",
    "../x/y/z/XX.STA.10.HHZ.D.2023.001",
    "XX\0STA\0..\0/etc\0\x00\x00\x00\x00\x00\x00\x00\x80",
]):
    put("sds_path", f"seed{i}", t.encode())

for i, t in enumerate([
    'merge(method=1, fill_value="interpolate"); detrend("linear"); taper(max_percentage=0.05, type="hann")',
    'filter("bandpass", freqmin=0.05, freqmax=0.4, corners=4, zerophase=True); decimate(2)',
    'resample(0.5); interpolate(sampling_rate=0.25, method="linear")',
    'st.detrend("demean").taper(0.1).integrate(); differentiate(); normalize()',
    'trim("2023-11-14T22:13:30", "2023-11-14T22:14:00", pad=True, fill_value=0)',
    'detrend("polynomial", order=3)\nfilter("highpass", freq=0.1)\n# comment\nsplit()',
    'select(component="Z"); slice("2023-11-14T22:13:25"); merge(fill_value="latest")',
    'interpolate(0.5, method="lanczos", a=20); detrend("spline", order=2, dspline=10)',
    'filter("lowpass_cheby_2", freq=0.2); taper(0.2, type="cosine", p=0.3)',
    'detrend("linaer")',
]):
    put("pipeline", f"seed{i}", t.encode())

for i, t in enumerate([
    "2024-01-01T00:00:00.000000Z", "2024-060", "20240229", "2024-02-29 12:34", "1970-01-01T00:00:00.123456789",
    "2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192", "2024-13-01", "20240101T120000.5",
]):
    put("time", f"seed{i}", t.encode())
