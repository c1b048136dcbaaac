//! SAC read/write against ObsPy 1.5 (the oracle runs at test time, see tests/oracle/sac_oracle.py).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seispool_core::{ChannelId, HeaderValue, Samples, Time, Trace};
use seispool_io::{IoError, sac};
use seispool_testkit::{run_oracle, run_python, tempdir};

/// One file as `obspy.read(format="SAC")` saw it.
#[derive(serde::Deserialize, Debug)]
struct Oracle {
    error: Option<String>,
    #[serde(default)]
    id: Vec<String>,
    #[serde(default)]
    starttime_ns: i64,
    #[serde(default)]
    sampling_rate: f64,
    #[serde(default)]
    npts: usize,
    #[serde(default)]
    data: Vec<u32>,
    #[serde(default)]
    sac: BTreeMap<String, (String, serde_json::Value)>,
}

fn oracle_read(paths: &[PathBuf], headonly: bool) -> Vec<Oracle> {
    let mut args = vec!["read".to_string(), if headonly { "1" } else { "0" }.to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_oracle("sac_oracle.py", &argv);
    let rows: Vec<Oracle> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), paths.len());
    rows
}

fn oracle_make(dir: &Path, seed: u32, count: usize) -> Vec<PathBuf> {
    let out = run_oracle(
        "sac_oracle.py",
        &[
            "make",
            &dir.display().to_string(),
            &seed.to_string(),
            &count.to_string(),
        ],
    );
    out.lines().map(PathBuf::from).collect()
}

fn header_matches(ours: &HeaderValue, (kind, value): &(String, serde_json::Value)) -> bool {
    match (kind.as_str(), ours) {
        ("f", HeaderValue::Float(v)) => u64::from((*v as f32).to_bits()) == value.as_u64().unwrap(),
        ("i", HeaderValue::Int(v)) => *v == value.as_i64().unwrap(),
        ("s", HeaderValue::Text(v)) => v == value.as_str().unwrap(),
        _ => false,
    }
}

/// Asserts that our result for `path` is what ObsPy got: the same error-or-not, and equal traces.
fn assert_same(path: &Path, ours: &Result<Trace, IoError>, want: &Oracle) {
    let tr = match (ours, &want.error) {
        (Err(_), Some(_)) => return,
        (Ok(_), Some(e)) => panic!("{}: obspy refused ({e}) but we read it", path.display()),
        (Err(e), None) => panic!("{}: obspy read it but we failed: {e}", path.display()),
        (Ok(tr), None) => tr,
    };
    let s = &tr.stats;
    let id = ChannelId::new(&want.id[0], &want.id[1], &want.id[2], &want.id[3]);
    assert_eq!(s.id, id, "{}", path.display());
    assert_eq!(s.starttime, Time(want.starttime_ns), "{}: starttime", path.display());
    assert_eq!(
        s.sampling_rate.to_bits(),
        want.sampling_rate.to_bits(),
        "{}: rate",
        path.display()
    );
    assert_eq!(s.npts, want.npts, "{}: npts", path.display());
    let Samples::F32(data) = &tr.data else {
        panic!("sac data must be f32")
    };
    let bits: Vec<u32> = data.iter().map(|x| x.to_bits()).collect();
    assert_eq!(bits, want.data, "{}: samples", path.display());
    let keys: Vec<&String> = s.headers.keys().collect();
    let want_keys: Vec<&String> = want.sac.keys().collect();
    assert_eq!(keys, want_keys, "{}: stats.sac keys", path.display());
    for (k, v) in &want.sac {
        assert!(
            header_matches(&s.headers[k], v),
            "{}: sac.{k} = {:?}, obspy {v:?}",
            path.display(),
            s.headers[k]
        );
    }
}

fn compare_reads(paths: &[PathBuf]) {
    for headonly in [false, true] {
        let want = oracle_read(paths, headonly);
        for (path, want) in paths.iter().zip(&want) {
            assert_same(path, &sac::read_file(path, headonly), want);
            let bytes = std::fs::read(path).unwrap();
            assert_same(path, &sac::read_bytes(path, &bytes, headonly), want);
        }
    }
}

#[test]
fn reads_obspy_made_files_like_obspy() {
    let dir = tempdir().unwrap();
    let paths = oracle_make(dir.path(), 11, 90);
    assert_eq!(paths.len(), 180);
    compare_reads(&paths);
}

fn obspy_sac_data() -> PathBuf {
    let out = run_python("import obspy, os; print(os.path.dirname(obspy.__file__))", &[]);
    PathBuf::from(out.trim()).join("io/sac/tests/data")
}

#[test]
fn reads_every_obspy_test_file_like_obspy() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(obspy_sac_data())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "obspy sac test data not found");
    compare_reads(&paths);
    // Known files: both byte orders read, and the size checks ObsPy makes.
    let data = obspy_sac_data();
    let le = sac::read_file(&data.join("test.sac"), false).unwrap();
    let be = sac::read_file(&data.join("test.sac.swap"), false).unwrap();
    assert_eq!(
        (&le.stats.id, le.stats.starttime, &le.data),
        (&be.stats.id, be.stats.starttime, &be.data)
    );
    assert!(sac::read_file(&data.join("seism-longer.sac"), false).is_err());
    assert!(sac::read_file(&data.join("testxy.sac"), false).is_err());
}

/// A trace for the writer tests: `n` samples of type `kind` (0 i32, 1 f32, 2 f64).
fn synthetic(id: [&str; 4], start: Time, rate: f64, n: usize, kind: usize, seed: u64) -> Trace {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2e4
    };
    let data = match kind {
        0 => Samples::I32((0..n).map(|_| (next() * 1e5) as i32).collect()),
        1 => Samples::F32((0..n).map(|_| next() as f32).collect()),
        _ => Samples::F64((0..n).map(|_| next() * 1.000_000_1).collect()),
    };
    Trace::new(ChannelId::new(id[0], id[1], id[2], id[3]), start, rate, data)
}

fn data_file(dir: &Path, i: usize, data: &Samples) -> (String, PathBuf) {
    let path = dir.join(format!("data{i}.bin"));
    let (kind, bytes): (&str, Vec<u8>) = match data {
        Samples::I32(v) => ("i32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Samples::F32(v) => ("f32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Samples::F64(v) => ("f64", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Samples::Text(_) => unreachable!("no text in these tests"),
    };
    std::fs::write(&path, bytes).unwrap();
    (kind.to_string(), path)
}

fn fresh_traces() -> Vec<Trace> {
    let starts = [
        "2024-02-29T12:34:56.789012Z",
        "2020-12-31T23:59:59.999999600Z",
        "1969-12-31T23:59:59.123456789Z",
        "2021-06-01T00:00:00.000000500Z",
        "2021-06-01T00:00:00.000001500Z",
        "1900-01-01T00:00:00Z",
        "2100-07-04T05:06:07.000999Z",
    ];
    let ids = [
        ["IU", "ANMO", "00", "BHZ"],
        ["", "STA", "", "HHZ"],
        ["NETWORKS", "STATIONNAME", "LOCATIONX", "CHANNELXYZ"],
        ["", "", "", ""],
    ];
    let rates = [100.0, 40.0, 3.0, 0.1, 1.0 / 3.0, 200.0, 25.0];
    let sizes = [1, 2, 3, 8, 129, 1000, 20_000, 0];
    let mut out = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        for (j, id) in ids.iter().enumerate() {
            let k = i * ids.len() + j;
            let start = Time::parse(start).unwrap();
            out.push(synthetic(
                *id,
                start,
                rates[k % rates.len()],
                sizes[k % sizes.len()],
                k % 3,
                k as u64,
            ));
        }
    }
    out
}

/// Writes every trace with ObsPy (as `spec_for` describes it) and with us; the bytes must be identical.
fn assert_writes_like_obspy(dir: &Path, traces: &[Trace], spec_for: impl Fn(usize, &Trace) -> serde_json::Value) {
    let mut specs = Vec::new();
    for (i, tr) in traces.iter().enumerate() {
        for big_endian in [false, true] {
            let out = dir.join(format!("obspy{i}_{big_endian}.sac"));
            let mut spec = spec_for(i, tr);
            spec["out"] = out.display().to_string().into();
            spec["big_endian"] = big_endian.into();
            specs.push(spec);
        }
    }
    let specs_path = dir.join("specs.json");
    std::fs::write(&specs_path, serde_json::to_vec(&specs).unwrap()).unwrap();
    run_oracle("sac_oracle.py", &["write", &specs_path.display().to_string()]);
    for (i, tr) in traces.iter().enumerate() {
        for big_endian in [false, true] {
            let want = std::fs::read(dir.join(format!("obspy{i}_{big_endian}.sac"))).unwrap();
            let ours_path = dir.join(format!("ours{i}_{big_endian}.sac"));
            sac::write_file(&ours_path, tr, big_endian).unwrap();
            let ours = std::fs::read(&ours_path).unwrap();
            assert_eq!(
                ours.len(),
                want.len(),
                "trace {i} ({}) big_endian={big_endian}",
                tr.id()
            );
            if let Some(at) = ours.iter().zip(&want).position(|(a, b)| a != b) {
                panic!(
                    "trace {i} ({}) big_endian={big_endian}: first differing byte {at}",
                    tr.id()
                );
            }
        }
    }
}

#[test]
fn writes_the_same_bytes_as_obspy_for_new_traces() {
    let dir = tempdir().unwrap();
    let traces = fresh_traces();
    assert_writes_like_obspy(dir.path(), &traces, |i, tr| {
        let (dtype, data) = data_file(dir.path(), i, &tr.data);
        let s = &tr.stats;
        serde_json::json!({
            "id": [s.id.network, s.id.station, s.id.location, s.id.channel],
            "starttime_ns": s.starttime.ns(), "sampling_rate": s.sampling_rate,
            "dtype": dtype, "data": data.display().to_string(),
        })
    });
}

#[test]
fn writes_the_same_bytes_as_obspy_for_traces_read_from_sac() {
    let dir = tempdir().unwrap();
    let sources = oracle_make(dir.path(), 23, 90);
    let mut traces = Vec::new();
    let mut plans = Vec::new();
    for (k, src) in sources.iter().enumerate() {
        let Ok(mut tr) = sac::read_file(src, false) else {
            continue;
        };
        let Samples::F32(v) = &tr.data else { unreachable!() };
        // Trim some samples off the front (and shift the start accordingly), or move the trace.
        let cut = (k % 3).min(v.len());
        let data = v[cut..].to_vec();
        let odd_ns = (k as i64 * 7_919_993) % 1_000_000_007 - 500_000_000;
        let shift = [0, 1_000, 1_500_000_250, -86_400_000_000_000, odd_ns][k % 5];
        let start = tr.stats.starttime.add_seconds(cut as f64 * tr.stats.delta()) + shift;
        tr.set_data(Samples::F32(data));
        tr.stats.starttime = start;
        plans.push((src.clone(), cut, tr.stats.npts + cut, start));
        traces.push(tr);
    }
    assert!(traces.len() > 40);
    assert_writes_like_obspy(dir.path(), &traces, |i, _| {
        let (src, a, b, start) = &plans[i];
        serde_json::json!({"source": src.display().to_string(), "slice": [a, b], "starttime_ns": start.ns()})
    });
}

/// Regression: without a valid reference time ObsPy shifts by the old float32 `b` computed in single
/// precision (`b * 1e9` as float32), which moves the written `nz*`/`b` across microsecond boundaries.
#[test]
fn writes_like_obspy_when_the_reference_time_is_invalid() {
    let dir = tempdir().unwrap();
    let mut traces = Vec::new();
    let mut plans = Vec::new();
    for (i, b) in [7.690427f32, -9.392751, 123.456, 0.1].into_iter().enumerate() {
        let src = dir.path().join(format!("noref{i}.sac"));
        let bytes = header_with(|h| {
            h[280..284].copy_from_slice(&(-12345i32).to_le_bytes());
            h[20..24].copy_from_slice(&b.to_le_bytes());
        });
        std::fs::write(&src, bytes).unwrap();
        let tr = sac::read_file(&src, false).unwrap();
        for offset in (-1_200..1_200).step_by(41) {
            let mut t = tr.clone();
            t.stats.starttime = tr.stats.starttime + offset;
            plans.push((src.clone(), t.stats.starttime));
            traces.push(t);
        }
    }
    assert_writes_like_obspy(dir.path(), &traces, |i, tr| {
        let (src, start) = &plans[i];
        serde_json::json!({"source": src.display().to_string(), "slice": [0, tr.stats.npts], "starttime_ns": start.ns()})
    });
}

#[test]
fn written_files_read_back_equal_by_obspy_and_by_us() {
    let dir = tempdir().unwrap();
    let traces = fresh_traces();
    let mut paths = Vec::new();
    for (i, tr) in traces.iter().enumerate() {
        let path = dir.path().join(format!("rt{i}.sac"));
        sac::write_file(&path, tr, i % 2 == 1).unwrap();
        paths.push(path);
    }
    let want = oracle_read(&paths, false);
    for ((path, tr), want) in paths.iter().zip(&traces).zip(&want) {
        let back = sac::read_file(path, false);
        assert_same(path, &back, want);
        let back = back.unwrap();
        assert_eq!(
            back.stats.id.network,
            tr.stats.id.network.chars().take(8).collect::<String>()
        );
        // Starttime survives to the microsecond (SAC keeps ms in nz* and the rest in a float32 b).
        let err = (back.stats.starttime - tr.stats.starttime).abs();
        assert!(err <= 1_000, "{}: start moved by {err} ns", path.display());
        // A second round trip keeps every header value except those ObsPy recomputes: delta from the
        // µs-rounded rate, e from it, depmen from f32 rather than the original sample type.
        let again = dir.path().join("again.sac");
        sac::write_file(&again, &back, false).unwrap();
        let twice = sac::read_file(&again, false).unwrap();
        // Compared as text so that NaN (empty traces' depmin/depmax) equals itself.
        let kept = |t: &Trace| {
            let mut h = t.stats.headers.clone();
            h.retain(|k, _| !matches!(k.as_str(), "delta" | "e" | "depmen"));
            format!("{h:?}")
        };
        assert_eq!(kept(&twice), kept(&back), "{}", path.display());
        assert_eq!(twice.data, back.data);
        assert_eq!(
            (twice.stats.starttime, twice.stats.sampling_rate),
            (back.stats.starttime, back.stats.sampling_rate)
        );
    }
}

#[test]
fn truncation_at_every_offset_is_an_error_not_a_panic() {
    let bytes = std::fs::read(obspy_sac_data().join("test.sac")).unwrap();
    let label = Path::new("test.sac");
    for len in 0..bytes.len() {
        for headonly in [false, true] {
            assert!(
                sac::read_bytes(label, &bytes[..len], headonly).is_err(),
                "prefix of {len} bytes"
            );
        }
    }
    assert!(sac::read_bytes(label, &bytes, false).is_ok());
}

#[test]
fn corrupted_headers_never_panic() {
    let bytes = std::fs::read(obspy_sac_data().join("seism.sac")).unwrap();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..20_000 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = (x as usize) % 632;
            b[at] = (x >> 32) as u8;
        }
        let _ = sac::read_bytes(Path::new("fuzz.sac"), &b, false);
    }
}

fn header_with(edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = std::fs::read(obspy_sac_data().join("test.sac")).unwrap();
    edit(&mut b);
    b
}

#[test]
fn errors_name_the_file_the_byte_and_the_problem() {
    let label = Path::new("sac.sac");
    let msg = |b: &[u8]| sac::read_bytes(label, b, false).unwrap_err().to_string();
    let neg = header_with(|b| b[316..320].copy_from_slice(&(-5i32).to_le_bytes()));
    assert_eq!(msg(&neg), "sac.sac: at byte 316: npts -5 is negative");
    let long = header_with(|b| b[316..320].copy_from_slice(&101i32.to_le_bytes()));
    assert_eq!(
        msg(&long),
        "sac.sac: at byte 316: npts 101 needs a file of 1036 bytes, found 1032"
    );
    let version = header_with(|b| b[304..308].copy_from_slice(&0i32.to_le_bytes()));
    assert!(msg(&version).starts_with("sac.sac: at byte 304: header version nvhdr is 0"));
    let xy = header_with(|b| b[340..344].copy_from_slice(&4i32.to_le_bytes()));
    assert_eq!(
        msg(&xy),
        "sac.sac: at byte 340: iftype 4 is not a time series (ITIME = 1)"
    );
    let uneven = header_with(|b| b[420..424].copy_from_slice(&0i32.to_le_bytes()));
    assert!(msg(&uneven).starts_with("sac.sac: at byte 420: leven is 0"));
    let delta = header_with(|b| b[0..4].copy_from_slice(&(-1.0f32).to_le_bytes()));
    assert_eq!(
        msg(&delta),
        "sac.sac: at byte 0: delta -1 is not a positive sample interval"
    );
    assert!(msg(&[0u8; 10]).starts_with("sac.sac: at byte 10: truncated header"));
    // ObsPy reads a reference time in the year 1000; seispool's i64 nanoseconds cannot hold it.
    let year_1000 = header_with(|b| b[280..284].copy_from_slice(&1000i32.to_le_bytes()));
    assert_eq!(
        msg(&year_1000),
        "sac.sac: at byte 280: reference time nz* is outside 1677-09-21..2262-04-11"
    );
}

#[test]
fn text_data_zero_rate_and_header_only_traces_cannot_be_written() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("x.sac");
    let text = Trace::new(ChannelId::default(), Time(0), 1.0, Samples::Text(b"abc".to_vec()));
    assert!(sac::write_file(&path, &text, false).is_err());
    let zero = Trace::new(ChannelId::default(), Time(0), 0.0, Samples::F32(vec![1.0]));
    assert!(sac::write_file(&path, &zero, false).is_err());
    let headonly = sac::read_file(&obspy_sac_data().join("test.sac"), true).unwrap();
    assert_eq!((headonly.stats.npts, headonly.data.len()), (100, 0));
    assert!(sac::write_file(&path, &headonly, false).is_err());
    // An empty trace is written as a header-only file with npts 0, as ObsPy writes it to a buffer.
    let empty = Trace::new(ChannelId::new("XX", "A", "", "HHZ"), Time(0), 1.0, Samples::F32(vec![]));
    sac::write_file(&path, &empty, false).unwrap();
    let back = sac::read_file(&path, false).unwrap();
    assert_eq!((back.stats.npts, back.id()), (0, "XX.A..HHZ".to_string()));
}
