//! The binary against ObsPy 1.5.1 / pymseed for what the per-op tests do not cover: `--overlap` across SDS
//! day files, `--start/--end/--select`, MiniSEED 3 and SAC through `convert`, `info` on a mixed directory,
//! and `--pipeline-file`. Each test states the ObsPy program it asserts equivalence with; ObsPy runs in
//! one Python call per test where the inputs allow (plus one to write inputs that only Python writes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use seispool_testkit::{oracle_script, run_python, tempdir};

mod common;
use common::{demo_archive, s, seispool_exit, tree_bytes};

/// The 3-day demo archive, built once per test run (under Cargo's target tmp dir, replaced by the next run)
/// and shared read-only by the tests that need it: building it dominates their time.
fn demo_archive_3_days() -> &'static Path {
    static ARCHIVE: OnceLock<PathBuf> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("window_overlap_formats");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        demo_archive(&dir, "3", "2")
    })
}

/// Python prelude: ObsPy, the pipeline runner and the comparison of `tests/oracle/obspy_pipeline.py`
/// (ids, µs-rounded start, rate and npts exact; samples ≤1e-9 of max abs), and `outputs(dir)`.
fn py(body: &str) -> String {
    let oracle_dir = oracle_script("obspy_pipeline.py")
        .parent()
        .unwrap()
        .display()
        .to_string();
    format!(
        r#"
import sys, os, json, warnings, fnmatch
import numpy as np, obspy
from obspy import UTCDateTime, Stream, read
sys.path.insert(0, {oracle_dir:?})
from obspy_pipeline import run, compare
warnings.simplefilter("ignore")

def outputs(root):
    found = set()
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".seispool"]
        found.update(os.path.relpath(os.path.join(d, n), root) for n in names)
    return found

def sds_files(root):
    return sorted(p for p in outputs(root))

problems = []
{body}
print(json.dumps(problems))
"#
    )
}

/// Runs a [`py`] program; asserts it found no problem.
fn check_py(what: &str, body: &str, args: &[&str]) {
    let out = run_python(&py(body), args);
    let problems: Vec<String> = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{what}: {e}: {out}"));
    assert!(
        problems.is_empty(),
        "{what}: {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Edge-sensitive: the merged trace's mean and the filter's start-up transient both depend on the context.
const EDGE_PIPELINE: &str = r#"merge(method=1, fill_value="interpolate"); detrend("demean"); filter("highpass", freq=0.05, corners=2, zerophase=True)"#;

/// `process --overlap 600` equals, for every channel-day D of a 3-day archive, ObsPy doing:
///   st = read(D) + _read_mseed(D-1, starttime=D0-600, endtime=D1+600) + _read_mseed(D+1, same window)
///   (whole records overlapping the window, ObsPy's own record selection, as our reader keeps them;
///   D0 = D's midnight, D1 = the next midnight), then the pipeline, then
///   st.trim(D0, D1 - 1 ns, nearest_sample=False).
/// Without --overlap it equals the pipeline on read(D) alone. Ids, start (µs) and npts exact, samples ≤1e-9.
/// The test also proves that the context changes the result (else it could not tell the two apart).
#[test]
fn overlap_600_equals_obspy_on_neighbour_records_then_trim_to_the_day() {
    let dir = tempdir().unwrap();
    let archive = demo_archive_3_days();
    let with = dir.path().join("with");
    let without = dir.path().join("without");
    for (out, extra) in [(&with, vec!["--overlap", "600"]), (&without, vec![])] {
        let mut args = vec![
            "process",
            s(archive),
            "--out",
            s(out),
            "--pipeline",
            EDGE_PIPELINE,
            "--encoding",
            "FLOAT64",
            "--quiet",
            "-j",
            "2",
        ];
        args.extend(extra);
        seispool_exit(&args, 0);
    }
    check_py(
        "overlap",
        r#"
from obspy.io.mseed.core import _read_mseed
archive, with_dir, without_dir, pipeline = sys.argv[1:5]
files = sds_files(archive)
if len(files) != 18:
    problems.append(f"archive has {len(files)} files, expected 18")
if outputs(with_dir) != set(files) or outputs(without_dir) != set(files):
    problems.append(f"outputs {sorted(outputs(with_dir))} / {sorted(outputs(without_dir))} vs inputs {files}")
by_day = {}
for rel in files:
    base, year, doy = rel.rsplit(".", 2)
    by_day[(base, int(year), int(doy))] = rel
context_changed = 0
for (base, year, doy), rel in sorted(by_day.items()):
    d0 = UTCDateTime(year=year, julday=doy)
    d1 = d0 + 86400
    st = read(os.path.join(archive, rel))
    plain = run(st.copy(), pipeline)
    for step in (-1, 1):
        nb = by_day.get((base, year, doy + step))
        if nb is None:
            continue
        ctx = _read_mseed(os.path.join(archive, nb), starttime=d0 - 600, endtime=d1 + 600)
        if not 0 < sum(t.stats.npts for t in ctx) < 100 * 3600:
            problems.append(f"{rel}: context from {nb} has {sum(t.stats.npts for t in ctx)} samples")
        st += ctx
    ref = run(st, pipeline)
    ref.trim(d0, UTCDateTime(ns=d1.ns - 1), nearest_sample=False)
    got = read(os.path.join(with_dir, rel))
    problems += compare(ref, got, f"--overlap 600 {rel}", set())
    got_plain = read(os.path.join(without_dir, rel))
    problems += compare(plain, got_plain, f"no overlap {rel}", set())
    # The context matters: the first minute of the day differs from processing the day alone.
    if doy == 2:
        a, b = got[0].data[:6000], got_plain[0].data[:6000]
        if np.max(np.abs(a - b)) > 1e-6 * np.max(np.abs(b)):
            context_changed += 1
if context_changed != 6:
    problems.append(f"context changed day 2 of {context_changed} channels, expected all 6")
"#,
        &[s(archive), s(&with), s(&without), EDGE_PIPELINE],
    );
}

const WINDOW_PIPELINE: &str = r#"detrend("demean"); taper(0.05); filter("lowpass", freq=5, corners=4)"#;

/// `process --start T1 --end T2 --select 'XS.ST01.*.HH?'` equals, for every file of the archive, ObsPy doing
///   st = read(f, starttime=T1, endtime=T2).select(id=GLOB); pipeline; st.trim(T1, T2)  (nearest_sample=True)
/// and writes an output exactly for the files where that leaves data. T1/T2 off the sample grid; one window
/// spans midnight (both days' files contribute), one lies inside day 2.
#[test]
fn regression_start_end_pipeline_ran_on_whole_records_outside_the_window() {
    let dir = tempdir().unwrap();
    let archive = demo_archive_3_days();
    let glob = "XS.ST01.*.HH?";
    let windows = [
        ("2024-01-01T23:50:00.004321", "2024-01-02T00:10:00.005500"),
        ("2024-01-02T10:00:00.123456", "2024-01-02T10:30:00.987654"),
    ];
    let mut args = vec![s(archive).to_string(), glob.to_string(), WINDOW_PIPELINE.to_string()];
    for (i, (t1, t2)) in windows.iter().enumerate() {
        let out = dir.path().join(format!("w{i}"));
        seispool_exit(
            &[
                "process",
                s(archive),
                "--out",
                s(&out),
                "--pipeline",
                WINDOW_PIPELINE,
                "--start",
                t1,
                "--end",
                t2,
                "--select",
                glob,
                "--encoding",
                "FLOAT64",
                "--quiet",
                "-j",
                "2",
            ],
            0,
        );
        args.extend([out.display().to_string(), t1.to_string(), t2.to_string()]);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    check_py(
        "window",
        r#"
archive, glob, pipeline = sys.argv[1:4]
rest = sys.argv[4:]
expected_counts = [6, 3]
for k in range(0, len(rest), 3):
    out, t1, t2 = rest[k], UTCDateTime(rest[k + 1]), UTCDateTime(rest[k + 2])
    expected = {}
    for rel in sds_files(archive):
        st = read(os.path.join(archive, rel), starttime=t1, endtime=t2).select(id=glob)
        st = run(st, pipeline)
        st.trim(t1, t2)
        if len(st):
            expected[rel] = st
    if len(expected) != expected_counts[k // 3] or not all(fnmatch.fnmatch(t.id, glob) for st in expected.values() for t in st):
        problems.append(f"window {t1} - {t2}: ObsPy finds {sorted(expected)}")
    if outputs(out) != set(expected):
        problems.append(f"window {t1} - {t2}: outputs {sorted(outputs(out))}, ObsPy {sorted(expected)}")
        continue
    for rel, ref in expected.items():
        problems += compare(ref, read(os.path.join(out, rel)), f"{t1} - {t2} {rel}", set())
"#,
        &argv,
    );
}

/// Python that writes MiniSEED 3 files with pymseed: `write_v3(path, [(sid, start_ns, rate, enc, reclen, data, kind)])`,
/// and `signal(enc, n)`, samples of every kind an encoding holds (extremes, specials for floats).
const PY_V3_WRITE: &str = r#"
import pymseed
rng = np.random.default_rng(20240101)

def signal(enc, n):
    if enc == 1:
        x = rng.integers(-32768, 32768, n)
        x[::5] = 32767
        x[1::7] = -32768
        return x.astype(np.int32), "i"
    if enc == 3:
        x = rng.integers(-2**31, 2**31, n, dtype=np.int64)
        x[::5] = 2**31 - 1
        x[1::7] = -2**31
        return x.astype(np.int32), "i"
    if enc == 10:
        return np.clip(np.cumsum(rng.integers(-2**20, 2**20, n)), -2**30, 2**30).astype(np.int32), "i"
    if enc == 11:
        d = rng.integers(-2**14, 2**14, n)
        d[::9] = 2**29 - 1
        d[1::9] = -2**29
        return np.clip(np.cumsum(d), -2**28, 2**28).astype(np.int32), "i"
    special = [np.inf, -np.inf, np.nan, -0.0]
    if enc == 4:
        x = rng.normal(0, 1e3, n).astype(np.float32)
        x[::11] = np.finfo(np.float32).max
        x[3::13] = np.finfo(np.float32).tiny
        x[5::17] = special[0]
        x[6::17] = special[3]
        return x, "f"
    x = rng.normal(0, 1e9, n)
    x[::11] = np.finfo(np.float64).max
    x[3::13] = 5e-324
    x[5::17] = special[1]
    x[6::17] = special[2]
    return x, "d"

def write_v3(path, traces):
    blob = b""
    for sid, start, rate, enc, reclen, data, kind in traces:
        msr = pymseed.MS3Record()
        msr.sourceid, msr.starttime, msr.samprate = sid, start, rate
        msr.encoding, msr.reclen, msr.formatversion = enc, reclen, 3
        blob += b"".join(msr.generate(data, kind))
    with open(path, "wb") as f:
        f.write(blob)

def pymseed_segments(path):
    segs = []
    for tid in pymseed.MS3TraceList(path, unpack_data=True, validate_crc=True):
        nslc = ".".join(pymseed.sourceid2nslc(tid.sourceid))
        for seg in tid:
            segs.append((nslc, seg.starttime, seg.samprate, seg.sampletype, np.array(seg.np_datasamples)))
    return sorted(segs, key=lambda s: (s[0], s[1]))

def us_round(ns):
    return (ns // 1000 + (1 if ns % 1000 >= 500 else 0)) * 1000

def bits(a):
    a = np.asarray(a, dtype=np.float64)
    return a.view(np.uint64)

ENC_CODE = {"ASCII": 0, "INT16": 1, "INT32": 3, "FLOAT32": 4, "FLOAT64": 5, "STEIM1": 10, "STEIM2": 11}
"#;

/// MiniSEED 3 through `convert`, both ways:
/// - pymseed writes v3 files in every numeric encoding it writes (INT16, INT32, FLOAT32, FLOAT64, STEIM1,
///   STEIM2; record lengths 256..4096; 1, 7, 1001 samples; two channels per file; start times on and off the
///   µs grid, before 1970); `convert --format mseed2 --encoding FLOAT64`; ObsPy reads the result: ids, start
///   (pymseed's ns rounded to ObsPy's µs, halves up), rate and every sample bit equal pymseed's decode.
/// - ObsPy writes MiniSEED 2 in each encoding (both byte orders, a gap); `convert --format mseed3`; pymseed
///   reads it: ids, start ns, rate, sample type, samples exactly ObsPy's read of the input, and each record
///   keeps the input's encoding.
/// - `info --json` on the v3 files reports format mseed3 and pymseed's sample counts.
#[test]
fn miniseed3_convert_both_ways_equals_pymseed_and_obspy() {
    let dir = tempdir().unwrap();
    let (v3, v2) = (dir.path().join("v3"), dir.path().join("v2"));
    run_python(
        &py(&format!(
            "{PY_V3_WRITE}\n{}",
            r#"
v3, v2 = sys.argv[1:3]
os.makedirs(v3); os.makedirs(v2)
k = 0
for enc in (1, 3, 4, 5, 10, 11):
    for reclen in (256, 512, 4096):
        for n in (1, 7, 1001):
            start = [1_704_067_200_000_123_456, 1_704_067_200_000_000_500, -86_400_000_000_001, 0][k % 4]
            rate = [100.0, 20.0, 0.5, 250.0][k % 4]
            a, ka = signal(enc, n)
            b, kb = signal(enc, n + 3)
            write_v3(os.path.join(v3, f"e{enc}_r{reclen}_n{n}.ms3"), [
                ("FDSN:XS_V3_00_H_H_Z", start, rate, enc, reclen, a, ka),
                ("FDSN:XS_V3__B_H_N", start + 10**9, rate / 2, enc, reclen, b, kb)])
            k += 1
t0 = UTCDateTime("2024-05-06T07:08:09.123456")
for enc, dtype in (("INT16", np.int16), ("INT32", np.int32), ("FLOAT32", np.float32), ("FLOAT64", np.float64),
                   ("STEIM1", np.int32), ("STEIM2", np.int32)):
    for order in "<>":
        for reclen in (512, 4096):
            x = np.cumsum(rng.integers(-1000, 1000, 3001)).astype(dtype)
            a = obspy.Trace(x[:2000].copy(), header={"network": "XS", "station": "V2", "location": "10",
                                                  "channel": "HHZ", "starttime": t0, "sampling_rate": 40.0})
            b = obspy.Trace(x[2000:].copy(), header={"network": "XS", "station": "V2", "location": "10",
                                                  "channel": "HHZ", "starttime": t0 + 2000 / 40.0 + 3.3,
                                                  "sampling_rate": 40.0})
            name = f"{enc}_{'le' if order == '<' else 'be'}_{reclen}.mseed"
            Stream([a, b]).write(os.path.join(v2, name), format="MSEED", encoding=enc, byteorder=order,
                                 reclen=reclen)
"#
        )),
        &[s(&v3), s(&v2)],
    );
    let (to2, to3) = (dir.path().join("to2"), dir.path().join("to3"));
    let args2 = [
        "convert",
        s(&v3),
        "--out",
        s(&to2),
        "--format",
        "mseed2",
        "--encoding",
        "FLOAT64",
        "--quiet",
    ];
    seispool_exit(&args2, 0);
    seispool_exit(
        &["convert", s(&v2), "--out", s(&to3), "--format", "mseed3", "--quiet"],
        0,
    );
    let info = seispool_exit(&["info", s(&v3), "--json"], 0);
    let info_path = dir.path().join("info.json");
    std::fs::write(&info_path, &info.stdout).unwrap();
    check_py(
        "mseed3",
        &format!(
            "{PY_V3_WRITE}\n{}",
            r#"
v3, v2, to2, to3, info_path = sys.argv[1:6]
n3 = 0
for rel in sorted(outputs(v3)):
    want = pymseed_segments(os.path.join(v3, rel))
    got = sorted(read(os.path.join(to2, rel)), key=lambda t: (t.id, t.stats.starttime.ns))
    if len(want) != len(got) or len(want) != 2:
        problems.append(f"{rel}: ObsPy reads {len(got)} traces, pymseed {len(want)} segments")
        continue
    for (sid, start, rate, kind, data), t in zip(want, got):
        if (t.id, t.stats.starttime.ns, t.stats.sampling_rate, t.stats.npts, t.data.dtype) != \
                (sid, us_round(start), rate, len(data), np.float64):
            problems.append(f"{rel}: {t.id} {t.stats.starttime.ns} {t.stats.sampling_rate} {t.stats.npts} "
                            f"{t.data.dtype} vs pymseed {sid} {start} {rate} {len(data)}")
        elif not np.array_equal(bits(t.data), bits(data)):
            problems.append(f"{rel}: {sid} samples differ from pymseed's")
    n3 += 1
if n3 != 54:
    problems.append(f"{n3} v3 files checked, expected 54")
n2 = 0
for rel in sorted(outputs(v2)):
    ref = sorted(read(os.path.join(v2, rel)), key=lambda t: (t.id, t.stats.starttime.ns))
    got = pymseed_segments(os.path.join(to3, rel))
    if len(ref) != 2 or len(got) != 2:
        problems.append(f"{rel}: pymseed {len(got)} segments, ObsPy {len(ref)} traces")
        continue
    for t, (sid, start, rate, kind, data) in zip(ref, got):
        if (sid, start, rate, data.dtype) != (t.id, t.stats.starttime.ns, t.stats.sampling_rate, t.data.dtype):
            problems.append(f"{rel}: pymseed {sid} {start} {rate} {data.dtype} vs ObsPy {t.id} "
                            f"{t.stats.starttime.ns} {t.stats.sampling_rate} {t.data.dtype}")
        elif not np.array_equal(data, t.data):
            problems.append(f"{rel}: samples differ from ObsPy's read of the input")
    encs = {m.encoding for m in pymseed.MS3Record.from_file(os.path.join(to3, rel), unpack_data=False)}
    if encs != {ENC_CODE[ref[0].stats.mseed.encoding]}:
        problems.append(f"{rel}: v3 records encoded {encs}, input {ref[0].stats.mseed.encoding}")
    n2 += 1
if n2 != 24:
    problems.append(f"{n2} v2 files checked, expected 24")
inv = json.load(open(info_path))
for f in inv["files"]:
    want = pymseed_segments(f["path"])
    got = sorted((t["id"], t["npts"]) for t in f["traces"])
    if f["format"] != "mseed3" or f["error"] or got != sorted((w[0], len(w[4])) for w in want):
        problems.append(f"info {f['path']}: {f['format']} {f['error']} {got}")
if len(inv["files"]) != 54:
    problems.append(f"info lists {len(inv['files'])} files")
"#
        ),
        &[s(&v3), s(&v2), s(&to2), s(&to3), s(&info_path)],
    );
}

/// SAC through `convert`:
/// - ObsPy writes SAC (little- and big-endian; 100, 40 and 0.5 Hz; µs start times; empty location);
///   `convert --format mseed2 --encoding FLOAT32`; ObsPy reads the output as it reads the SAC file: id, start
///   (µs), npts and float32 sample bits equal; the rate equals what ObsPy itself keeps when it writes that SAC
///   trace as MiniSEED.
/// - `convert --format sac` of single-trace MiniSEED files (FLOAT32 and STEIM2) read by ObsPy equals the
///   original (samples as float32) and ObsPy's own `write(format="SAC")` of it (id, start, rate, npts).
/// - A two-trace MiniSEED file fails its unit with a message naming it and the one-trace rule; exit 1, the
///   other files are written.
#[test]
fn sac_convert_both_ways_equals_obspy_and_multi_trace_fails_alone() {
    let dir = tempdir().unwrap();
    let (sac, ms) = (dir.path().join("sac"), dir.path().join("ms"));
    run_python(
        &py(r#"
sac, ms = sys.argv[1:3]
os.makedirs(sac); os.makedirs(ms)
rng = np.random.default_rng(5)
for i, (rate, loc, start) in enumerate([(100.0, "00", "2024-02-03T04:05:06.789012"), (40.0, "", "2023-12-31T23:59:59.999999"),
                                        (0.5, "10", "2001-01-01T00:00:00.5")]):
    x = rng.normal(0, 1e4, 1001 + 2 * i).astype(np.float32)
    t = obspy.Trace(x, header={"network": "XS", "station": f"S{i}", "location": loc, "channel": "BHZ",
                               "starttime": UTCDateTime(start), "sampling_rate": rate})
    for order in "<>":
        t.write(os.path.join(sac, f"s{i}_{'le' if order == '<' else 'be'}.sac"), format="SAC", byteorder=order)
t0 = UTCDateTime("2024-01-01T12:00:00.250")
head = {"network": "XS", "station": "M", "location": "00", "channel": "HHZ", "starttime": t0, "sampling_rate": 100.0}
f = obspy.Trace(rng.normal(0, 1, 2345).astype(np.float32), header=dict(head))
f.write(os.path.join(ms, "one_f32.mseed"), format="MSEED", encoding="FLOAT32")
g = obspy.Trace(np.cumsum(rng.integers(-50, 50, 3001)).astype(np.int32), header=dict(head, channel="HHN"))
g.write(os.path.join(ms, "one_steim2.mseed"), format="MSEED", encoding="STEIM2")
h = g.copy()
h.stats.starttime += 100
Stream([g, h]).write(os.path.join(ms, "two.mseed"), format="MSEED", encoding="STEIM2")
"#),
        &[s(&sac), s(&ms)],
    );
    let (from_sac, to_sac) = (dir.path().join("from_sac"), dir.path().join("to_sac"));
    seispool_exit(
        &[
            "convert",
            s(&sac),
            "--out",
            s(&from_sac),
            "--format",
            "mseed2",
            "--encoding",
            "FLOAT32",
            "--quiet",
        ],
        0,
    );
    let o = seispool_exit(
        &[
            "convert",
            s(&ms),
            "--out",
            s(&to_sac),
            "--format",
            "sac",
            "--quiet",
            "--json",
        ],
        1,
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(1)),
        "{summary}"
    );
    let err = summary["failures"][0]["error"].as_str().unwrap();
    assert!(err.contains("two.mseed") && err.contains("one trace"), "{err}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("two.mseed"), "stderr names the failed file: {stderr}");
    assert!(!to_sac.join("two.mseed").exists());
    check_py(
        "sac",
        r#"
import io
sac, ms, from_sac, to_sac = sys.argv[1:5]
def same(got, ref, where, rate):
    if (got.id, got.stats.starttime.ns, got.stats.npts, got.stats.sampling_rate) != \
            (ref.id, round(ref.stats.starttime.ns / 1000) * 1000, ref.stats.npts, rate):
        problems.append(f"{where}: {got.id} {got.stats.starttime.ns} {got.stats.npts} {got.stats.sampling_rate!r} vs "
                        f"{ref.id} {ref.stats.starttime.ns} {ref.stats.npts} {rate!r}")
    elif got.data.dtype.kind + str(got.data.dtype.itemsize) != "f4" or not np.array_equal(got.data.astype(np.float32).view(np.uint32),
                                                            ref.data.astype(np.float32).view(np.uint32)):
        problems.append(f"{where}: samples differ ({got.data.dtype})")
names = sorted(outputs(sac))
if len(names) != 6 or outputs(from_sac) != set(names):
    problems.append(f"outputs {sorted(outputs(from_sac))} for {names}")
for rel in names:
    ref = read(os.path.join(sac, rel), format="SAC")[0]
    buf = io.BytesIO()
    ref.write(buf, format="MSEED", encoding="FLOAT32")
    buf.seek(0)
    obspy_rate = read(buf)[0].stats.sampling_rate
    got = read(os.path.join(from_sac, rel))
    if len(got) != 1 or got[0].stats._format != "MSEED":
        problems.append(f"{rel}: {got}")
        continue
    same(got[0], ref, rel, obspy_rate)
if outputs(to_sac) != {"one_f32.mseed", "one_steim2.mseed"}:
    problems.append(f"SAC outputs {sorted(outputs(to_sac))}")
for rel in ("one_f32.mseed", "one_steim2.mseed"):
    orig = read(os.path.join(ms, rel))[0]
    buf = io.BytesIO()
    orig.write(buf, format="SAC")
    buf.seek(0)
    theirs = read(buf, format="SAC")[0]
    got = read(os.path.join(to_sac, rel))
    if len(got) != 1 or got[0].stats._format != "SAC":
        problems.append(f"{rel}: {got}")
        continue
    same(got[0], orig, rel, theirs.stats.sampling_rate)
    if got[0].stats.starttime.ns != theirs.stats.starttime.ns:
        problems.append(f"{rel}: start {got[0].stats.starttime.ns} vs ObsPy's SAC {theirs.stats.starttime.ns}")
"#,
        &[s(&sac), s(&ms), s(&from_sac), s(&to_sac)],
    );
}

/// `info --json` on a directory holding MiniSEED 2 (ObsPy), MiniSEED 3 (pymseed), SAC (ObsPy), a garbage file
/// and an empty file: exit 1; every file listed; the readable ones with their format and ObsPy's / pymseed's
/// ids and sample counts; the unreadable ones with an error naming the file and a byte offset (also on stderr).
#[test]
fn info_json_on_a_mixed_directory_lists_formats_and_names_bad_files_with_offsets() {
    let dir = tempdir().unwrap();
    let mixed = dir.path().join("mixed");
    let expected = run_python(
        &py(&format!(
            "{PY_V3_WRITE}\n{}",
            r#"
d = sys.argv[1]
os.makedirs(d)
t = obspy.Trace(np.arange(1234, dtype=np.int32), header={"network": "XS", "station": "A", "channel": "HHZ",
                                                         "sampling_rate": 100.0})
t.write(os.path.join(d, "a.mseed"), format="MSEED", encoding="STEIM2", reclen=512)
t.data = t.data.astype(np.float32)[:777]
t.stats.station = "C"
t.write(os.path.join(d, "c.sac"), format="SAC")
x, kind = signal(11, 999)
write_v3(os.path.join(d, "b.ms3"), [("FDSN:XS_B_00_H_H_Z", 1_704_067_200_000_000_001, 100.0, 11, 512, x, kind)])
with open(os.path.join(d, "garbage.bin"), "wb") as f:
    f.write(b"GARBAGE!" * 100)
open(os.path.join(d, "empty.mseed"), "wb").close()
exp = {"a.mseed": ["mseed2", [[tr.id, tr.stats.npts] for tr in read(os.path.join(d, "a.mseed"))]],
       "c.sac": ["sac", [[tr.id, tr.stats.npts] for tr in read(os.path.join(d, "c.sac"))]],
       "b.ms3": ["mseed3", [[s[0], len(s[4])] for s in pymseed_segments(os.path.join(d, "b.ms3"))]]}
for bad in ("garbage.bin", "empty.mseed"):
    try:
        read(os.path.join(d, bad))
        problems.append(f"ObsPy reads {bad}")
    except Exception:
        pass
print(json.dumps(exp))
"#
        )),
        &[s(&mixed)],
    );
    let mut lines = expected.lines();
    let expected: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(lines.next(), Some("[]"), "ObsPy must refuse the bad files");
    let o = seispool_exit(&["info", s(&mixed), "--json"], 1);
    let inv: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (inv["opened"].as_u64(), inv["failed"].as_u64()),
        (Some(5), Some(2)),
        "{inv}"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    let mut seen = Vec::new();
    for f in inv["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap().to_string();
        match expected.get(&name) {
            Some(want) => {
                assert_eq!(f["format"], want[0], "{name}: {f}");
                assert!(f["error"].is_null(), "{name}: {f}");
                let traces: Vec<serde_json::Value> = f["traces"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| serde_json::json!([t["id"], t["npts"]]))
                    .collect();
                assert_eq!(serde_json::Value::Array(traces), want[1], "{name}");
            }
            None => {
                let err = f["error"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} has no error: {f}"));
                assert!(f["format"].is_null(), "{name}: {f}");
                assert!(
                    err.contains(path) && err.contains("at byte 0"),
                    "{name}: error names the file and the offset: {err}"
                );
                assert!(stderr.contains(err), "stderr has {err}: {stderr}");
            }
        }
        seen.push(name);
    }
    seen.sort();
    assert_eq!(seen, ["a.mseed", "b.ms3", "c.sac", "empty.mseed", "garbage.bin"]);
}

/// `--pipeline-file` holding comments, blank lines, one call per line and a call spread over lines writes the
/// same bytes as the same calls given as one `--pipeline` line; a pipeline file that does not parse is a
/// usage error (exit 2) naming the problem.
#[test]
fn pipeline_file_with_comments_and_newlines_writes_the_same_bytes_as_pipeline_text() {
    let dir = tempdir().unwrap();
    let archive = demo_archive(dir.path(), "1", "2");
    let file = dir.path().join("pipeline.txt");
    std::fs::write(
        &file,
        "# pre-processing, as in our ObsPy script\n\
         merge(method=1, fill_value=\"interpolate\")   # join the gap\n\
         \n\
         detrend(\"linear\"); taper(0.05)\n\
         filter(\"bandpass\",\n\
         \x20      freqmin=0.5,  # corner\n\
         \x20      freqmax=10, corners=4, zerophase=True)\n\
         decimate(4)\n\
         # end\n",
    )
    .unwrap();
    let text = r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#;
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    let common = ["--quiet", "-j", "2"];
    let mut args = vec!["process", s(&archive), "--out", s(&a), "--pipeline-file", s(&file)];
    args.extend(common);
    seispool_exit(&args, 0);
    let mut args = vec!["process", s(&archive), "--out", s(&b), "--pipeline", text];
    args.extend(common);
    seispool_exit(&args, 0);
    let (ta, tb) = (tree_bytes(&a), tree_bytes(&b));
    assert_eq!(ta.len(), 6);
    assert!(ta == tb, "--pipeline-file and --pipeline outputs differ");
    // A different pipeline gives different bytes (the comparison can fail).
    let mut args = vec![
        "process",
        s(&archive),
        "--out",
        s(&c),
        "--pipeline",
        "merge(method=1, fill_value=\"interpolate\"); decimate(4)",
    ];
    args.extend(common);
    seispool_exit(&args, 0);
    assert!(tree_bytes(&c) != ta);
    std::fs::write(
        &file,
        "detrend(\"linear\")\n# fine\nfilter(\"bandpass\", freqmn=1, freqmax=2)\n",
    )
    .unwrap();
    let o = seispool_exit(
        &[
            "process",
            s(&archive),
            "--out",
            s(&dir.path().join("d")),
            "--pipeline-file",
            s(&file),
        ],
        2,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("freqmn") && err.contains("freqmin"), "{err}");
}

/// `process --overlap 600` on an SDS channel whose next day file is empty (0 bytes: a near-real-time archive
/// creates it before its first record). ObsPy's SDS client skips such a file (`ObsPyMSEEDFilesizeTooSmallError`
/// is caught in `Client._get_waveforms`), so day 1 equals ObsPy doing
///   st = read(D1) + _read_mseed(D0, starttime=D1_0-600, endtime=D1_1+600); pipeline; st.trim(D1_0, D1_1 - 1 ns)
/// and only the empty day's own unit fails (exit 1, its summary line names the file). Before, the empty
/// neighbour failed day 1 too ("context file ...: the smallest possible record is 128 bytes").
#[test]
fn regression_overlap_empty_neighbour_day_file_failed_the_day_beside_it() {
    let dir = tempdir().unwrap();
    let archive = dir.path().join("sds");
    let out = dir.path().join("out");
    run_python(
        r#"
import sys, os, numpy as np
from obspy import Stream, Trace, UTCDateTime
root = sys.argv[1]
rng = np.random.default_rng(7)
tr = Trace((rng.normal(0, 1000, 40 * 7200).cumsum()).astype(np.int32),
           header=dict(network="XX", station="AA", channel="BHZ", sampling_rate=40.0,
                       starttime=UTCDateTime(2024, 12, 30, 23, 0, 0, 4000)))
for day, lo, hi in [(365, None, UTCDateTime(2024, 12, 31)), (366, UTCDateTime(2024, 12, 31), None)]:
    d = os.path.join(root, "2024", "XX", "AA", "BHZ.D")
    os.makedirs(d, exist_ok=True)
    tr.slice(lo, hi - 1e-6 if hi else None).write(os.path.join(d, f"XX.AA..BHZ.D.2024.{day:03d}"), format="MSEED", reclen=512)
d = os.path.join(root, "2025", "XX", "AA", "BHZ.D")
os.makedirs(d)
open(os.path.join(d, "XX.AA..BHZ.D.2025.001"), "wb").close()
"#,
        &[s(&archive)],
    );
    let o = seispool_exit(
        &[
            "process",
            s(&archive),
            "--out",
            s(&out),
            "--pipeline",
            EDGE_PIPELINE,
            "--overlap",
            "600",
            "--encoding",
            "FLOAT64",
            "-j",
            "2",
        ],
        1,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("XX.AA..BHZ.D.2025.001") && !err.contains("context file"),
        "{err}"
    );
    check_py(
        "empty neighbour",
        r#"
from obspy.io.mseed.core import _read_mseed
archive, out, pipeline = sys.argv[1:4]
expect = {"2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.365", "2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.366"}
if outputs(out) != expect:
    problems.append(f"outputs {sorted(outputs(out))}")
else:
    d0 = UTCDateTime(2024, 12, 31)
    st = read(os.path.join(archive, "2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.366"))
    st += _read_mseed(os.path.join(archive, "2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.365"), starttime=d0 - 600, endtime=d0 + 86400 + 600)
    ref = run(st, pipeline)
    ref.trim(d0, UTCDateTime(ns=(d0 + 86400).ns - 1), nearest_sample=False)
    problems += compare(ref, read(os.path.join(out, "2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.366")), "day 366", set())
"#,
        &[s(&archive), s(&out), EDGE_PIPELINE],
    );
}

/// `process --overlap 600` on a channel whose last day file (2024.366, a leap year's last day) holds 10 s of
/// the next day in its last record, as real SDS archives do, and whose next day file does not exist. The
/// samples past midnight are not context: no other unit holds them, so day 366 keeps them, as without
/// --overlap. It equals ObsPy doing
///   st = read(D366) + _read_mseed(D365, starttime=D366_0-600, endtime=D366_1+600); pipeline;
///   st.trim(D366_0, None, nearest_sample=False)   (cut only on the side where context was read)
/// and day 365 (context on its day-366 side only) is cut at its end only. Before, every day with any
/// neighbour was cut to [midnight, next midnight): the 10 s of 2025-01-01 were silently dropped.
#[test]
fn regression_overlap_dropped_samples_past_midnight_when_the_next_day_file_is_missing() {
    let dir = tempdir().unwrap();
    let archive = dir.path().join("sds");
    let out = dir.path().join("out");
    run_python(
        r#"
import sys, os, numpy as np
from obspy import Stream, Trace, UTCDateTime
root = sys.argv[1]
rng = np.random.default_rng(11)
tr = Trace((rng.normal(0, 1000, 20 * 7200).cumsum()).astype(np.int32),
           header=dict(network="XX", station="AA", channel="BHZ", sampling_rate=20.0,
                       starttime=UTCDateTime(2024, 12, 30, 23, 0, 0, 15000)))
d = os.path.join(root, "2024", "XX", "AA", "BHZ.D")
os.makedirs(d)
mid = UTCDateTime(2024, 12, 31)
tr.slice(None, mid - 1e-6).write(os.path.join(d, "XX.AA..BHZ.D.2024.365"), format="MSEED", reclen=512)
late = Trace((rng.normal(0, 1000, 20 * 3610).cumsum()).astype(np.int32),
              header=dict(network="XX", station="AA", channel="BHZ", sampling_rate=20.0,
                          starttime=UTCDateTime(2024, 12, 31, 23, 0, 0, 15000)))
Stream([tr.slice(mid, None), late]).write(os.path.join(d, "XX.AA..BHZ.D.2024.366"), format="MSEED", reclen=512)
"#,
        &[s(&archive)],
    );
    seispool_exit(
        &[
            "process",
            s(&archive),
            "--out",
            s(&out),
            "--pipeline",
            EDGE_PIPELINE,
            "--overlap",
            "600",
            "--encoding",
            "FLOAT64",
            "--quiet",
            "-j",
            "2",
        ],
        0,
    );
    check_py(
        "samples past midnight",
        r#"
from obspy.io.mseed.core import _read_mseed
archive, out, pipeline = sys.argv[1:4]
rel = {d: f"2024/XX/AA/BHZ.D/XX.AA..BHZ.D.2024.{d}" for d in (365, 366)}
if outputs(out) != set(rel.values()):
    problems.append(f"outputs {sorted(outputs(out))}")
else:
    for day, other in ((365, 366), (366, 365)):
        d0 = UTCDateTime(year=2024, julday=day)
        st = read(os.path.join(archive, rel[day]))
        st += _read_mseed(os.path.join(archive, rel[other]), starttime=d0 - 600, endtime=d0 + 86400 + 600)
        ref = run(st, pipeline)
        if day == 365:
            ref.trim(None, UTCDateTime(ns=(d0 + 86400).ns - 1), nearest_sample=False)
        else:
            ref.trim(d0, None, nearest_sample=False)
        got = read(os.path.join(out, rel[day]))
        problems += compare(ref, got, f"day {day}", set())
    last = read(os.path.join(out, rel[366]))[-1]
    if last.stats.endtime < UTCDateTime(2025, 1, 1, 0, 0, 9):
        problems.append(f"day 366 ends at {last.stats.endtime}")
"#,
        &[s(&archive), s(&out), EDGE_PIPELINE],
    );
}
