//! MiniSEED 2.4 reader against ObsPy 1.5.1: every waveform file of ObsPy's own MiniSEED test data, files
//! ObsPy writes at test time for every encoding, record length, byte order and awkward signal, and the
//! time-window / selection / header-only options. Samples must be bit-exact and of ObsPy's dtype.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use seispool_core::{Samples, Time};
use seispool_io::mseed::{MseedFile, ReadOptions, read_file};
use seispool_testkit::{OracleTrace, obspy_mseed_data, obspy_read_many, run_python};

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
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&obspy_mseed_data(), &mut out);
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
