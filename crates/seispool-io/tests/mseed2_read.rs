//! MiniSEED 2.4 reader against ObsPy 1.5.1: every waveform file of ObsPy's own MiniSEED test data, files
//! ObsPy writes at test time for every encoding, record length, byte order and awkward signal, and the
//! time-window / selection / header-only options. Samples must be bit-exact and of ObsPy's dtype.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use seispool_core::{Samples, Time};
use seispool_io::mseed::{MseedFile, ReadOptions, read_file};
use seispool_testkit::{OracleTrace, files_below, obspy_mseed_data, obspy_read_many, run_python};

/// Bit patterns, so that NaNs compare equal to themselves.
fn bits(s: &Samples) -> (String, Vec<u64>) {
    match s {
        Samples::I32(v) => ("int32".into(), v.iter().map(|&x| x as u32 as u64).collect()),
        Samples::F32(v) => ("float32".into(), v.iter().map(|x| u64::from(x.to_bits())).collect()),
        Samples::F64(v) => ("float64".into(), v.iter().map(|x| x.to_bits()).collect()),
        Samples::Text(v) => ("text".into(), v.iter().map(|&x| u64::from(x)).collect()),
    }
}

/// Asserts our read equals ObsPy's (ids, times, rates, npts, samples bit-exact and dtype).
fn assert_same(what: &str, ours: &MseedFile, oracle: &[OracleTrace], headonly: bool) {
    let got: Vec<String> = ours
        .stream
        .traces
        .iter()
        .map(|t| {
            format!(
                "{} {} {} {}",
                t.stats.id, t.stats.starttime.0, t.stats.sampling_rate, t.stats.npts
            )
        })
        .collect();
    let want: Vec<String> = oracle
        .iter()
        .map(|t| format!("{} {} {} {}", t.id, t.starttime.0, t.sampling_rate, t.npts))
        .collect();
    assert_eq!(got, want, "{what}: traces differ");
    for (k, (t, o)) in ours.stream.traces.iter().zip(oracle).enumerate() {
        if headonly {
            assert!(t.data.is_empty(), "{what}: trace {k} has samples in a header-only read");
            continue;
        }
        let (ta, va) = bits(&t.data);
        let (tb, vb) = bits(&o.data);
        if tb != "float64" || !vb.is_empty() {
            assert_eq!(ta, tb, "{what}: trace {k} sample type");
        }
        if va != vb {
            let i = va
                .iter()
                .zip(&vb)
                .position(|(a, b)| a != b)
                .unwrap_or(va.len().min(vb.len()));
            panic!(
                "{what}: trace {k} samples differ first at {i} (ours {} vs obspy {})",
                va.len(),
                vb.len()
            );
        }
        assert_eq!(t.stats.npts, t.data.len(), "{what}: npts");
        let enc = t.stats.mseed.as_ref().map(|m| m.encoding);
        let name = enc
            .and_then(seispool_io::mseed::DataEncoding::from_code)
            .map(|e| e.name().to_string());
        assert_eq!(name, o.encoding, "{what}: trace {k} encoding");
    }
}

/// Every file of ObsPy's MiniSEED test data (recursively).
fn corpus() -> Vec<PathBuf> {
    let out = files_below(&obspy_mseed_data());
    assert!(out.len() > 40, "ObsPy test data not found");
    out
}

#[test]
fn obspy_test_corpus_reads_like_obspy() {
    let files = corpus();
    let oracle = obspy_read_many(&files, "{'format': 'MSEED'}");
    let mut failures = Vec::new();
    for (path, want) in files.iter().zip(&oracle) {
        let name = path.strip_prefix(obspy_mseed_data()).unwrap().display().to_string();
        let got = std::panic::catch_unwind(|| read_file(path, &ReadOptions::default()));
        let got = match got {
            Ok(g) => g,
            Err(_) => {
                failures.push(format!("{name}: panicked"));
                continue;
            }
        };
        match (got, want) {
            (Ok(ours), Ok(theirs)) => {
                if let Err(e) = std::panic::catch_unwind(|| assert_same(&name, &ours, theirs, false)) {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "assertion failed".into());
                    failures.push(msg);
                }
            }
            (Err(_), Err(_)) => {}
            (Ok(ours), Err(e)) => failures.push(format!(
                "{name}: obspy raised ({e}) but we read {} traces",
                ours.stream.traces.len()
            )),
            (Err(e), Ok(t)) => failures.push(format!("{name}: obspy read {} traces but we failed: {e}", t.len())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// ObsPy writes the cases of `tests/oracle/mseed2_read_cases.py` into a temporary folder.
fn obspy_written_cases() -> (seispool_testkit::TempDir, Vec<PathBuf>) {
    let dir = seispool_testkit::tempdir().unwrap();
    let out = seispool_testkit::run_oracle("mseed2_read_cases.py", &[dir.path().to_str().unwrap()]);
    let files: Vec<PathBuf> = out.lines().map(|l| dir.path().join(l.trim())).collect();
    assert!(files.len() > 300, "oracle wrote only {} cases", files.len());
    (dir, files)
}

/// Reads every file with ObsPy (`kwargs`) and with us (`opts`) and compares.
fn compare_all(files: &[PathBuf], kwargs: &str, opts: &ReadOptions) {
    let oracle = obspy_read_many(files, kwargs);
    for (path, want) in files.iter().zip(oracle) {
        let name = format!("{} with {kwargs}", path.file_name().unwrap().to_string_lossy());
        let want = want.unwrap_or_else(|e| panic!("{name}: obspy failed: {e}"));
        let ours = read_file(path, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(&name, &ours, &want, opts.headonly);
    }
}

#[test]
fn obspy_written_files_every_encoding_record_length_and_byte_order() {
    let (_dir, files) = obspy_written_cases();
    compare_all(&files, "{'format': 'MSEED'}", &ReadOptions::default());
    // Facts ObsPy keeps in stats.mseed.
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let f = read_file(path, &ReadOptions::default()).unwrap();
        let m = f.stream.traces[0].stats.mseed.clone().unwrap();
        assert_eq!(m.version, 2);
        if name.ends_with("_le.mseed") {
            assert!(!m.big_endian, "{name}");
        } else if name.ends_with("_be.mseed") {
            assert!(m.big_endian, "{name}");
        }
        if let Some(len) = name.split('_').rev().nth(1).and_then(|s| s.parse::<u32>().ok()) {
            assert_eq!(m.record_length, len, "{name}");
        }
        let total: usize = f
            .stream
            .traces
            .iter()
            .map(|t| t.stats.mseed.as_ref().unwrap().number_of_records)
            .sum();
        assert_eq!(total, f.records, "{name}: records");
        // libmseed 2 writes Xn of the u16-limited sample count into records bigger than 64 KiB, so
        // their integrity check fails (ObsPy warns too).
        if !name.starts_with("big_records") {
            assert!(f.warnings.is_empty(), "{name}: {:?}", f.warnings);
        }
    }
}

#[test]
fn headonly_time_window_and_selection_like_obspy() {
    let (_dir, files) = obspy_written_cases();
    let picked: Vec<PathBuf> = files
        .iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("gaps_")
                || n.starts_with("three_")
                || n.starts_with("usec_")
                || n.starts_with("STEIM2_walk_512")
                || n.starts_with("qualities")
        })
        .cloned()
        .collect();
    compare_all(
        &picked,
        "{'format': 'MSEED', 'headonly': True}",
        &ReadOptions {
            headonly: true,
            ..ReadOptions::default()
        },
    );
    // 2024-02-29T23:59:50 is T0 in the oracle script; windows cut through records, fall between
    // them and lie outside the data.
    let t0 = Time::parse("2024-02-29T23:59:50").unwrap().0;
    for (s, e) in [
        (Some(3_000_000_000i64), Some(7_500_000_000i64)),
        (Some(12_345_678_901), None),
        (None, Some(1_000)),
        (Some(-100_000_000_000), Some(-90_000_000_000)),
        (Some(9_995_000_500), Some(9_995_000_500)),
    ] {
        let mut kw = String::from("{'raw_mseed': True");
        if let Some(s) = s {
            kw += &format!(", 'starttime_ns': {}", t0 + s);
        }
        if let Some(e) = e {
            kw += &format!(", 'endtime_ns': {}", t0 + e);
        }
        kw += "}";
        let opts = ReadOptions {
            starttime: s.map(|s| Time(t0 + s)),
            endtime: e.map(|e| Time(t0 + e)),
            ..ReadOptions::default()
        };
        compare_all(&picked, &kw, &opts);
    }
    for pattern in ["XX.ST01.00.HHZ", "*.HH[NE]", "XX.*.??.HH?", "YY.*", "*N"] {
        let kw = format!("{{'raw_mseed': True, 'sourcename': '{pattern}'}}");
        compare_all(
            &picked,
            &kw,
            &ReadOptions {
                select: Some(pattern.into()),
                ..ReadOptions::default()
            },
        );
    }
}

#[test]
fn sniff_agrees_with_obspy_is_mseed() {
    let files: Vec<PathBuf> = corpus()
        .into_iter()
        .filter(|p| std::fs::read(p).unwrap().get(6) != Some(&b'V'))
        .collect();
    let args: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let out = run_python(
        "import sys\nfrom obspy.io.mseed.core import _is_mseed\nfor p in sys.argv[1:]: print(int(_is_mseed(p)))",
        &args,
    );
    for (path, line) in files.iter().zip(out.lines()) {
        let bytes = std::fs::read(path).unwrap();
        let ours = seispool_io::mseed::is_mseed2(&bytes[..bytes.len().min(4096)]);
        assert_eq!(ours, line.trim() == "1", "{}", path.display());
    }
}
