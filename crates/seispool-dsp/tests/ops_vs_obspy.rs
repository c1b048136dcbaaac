//! seispool-dsp processing kernels against ObsPy's Trace methods, run in one oracle process per test.
//!
//! Each case feeds the same f64 input to ObsPy (`tests/oracle/obspy_ops.py`) and to our kernel; where
//! ObsPy raises we must return `Err`, otherwise samples must agree to 1e-9 relative to the reference's
//! maximum magnitude. That scale has a floor of 1e-5 × the input's maximum magnitude, so outputs that are
//! pure rounding noise in ObsPy (e.g. a line detrended from two samples, ~1e-15 × input) compare at ~50 ulps of
//! the input instead of noise against noise.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::*;
use seispool_testkit::{read_f64_file, run_oracle, tempdir, write_f64_file};
use serde_json::{Value, json};

/// What a kernel produced: samples plus the stats ObsPy would report.
#[derive(Debug)]
struct Out {
    data: Vec<f64>,
    sampling_rate: f64,
    starttime_ns: i64,
}

struct Case {
    name: String,
    input: Vec<f64>,
    sampling_rate: f64,
    starttime_ns: i64,
    calls: Value,
    ours: Result<Out, OpError>,
}

const LENGTHS: [usize; 7] = [1, 2, 3, 7, 100, 1001, 4096];
const START_NS: i64 = 1_700_000_000_123_456_789;

/// Deterministic test signals by name.
fn signal(kind: &str, n: usize) -> Vec<f64> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D ^ n as u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    (0..n)
        .map(|i| {
            let t = i as f64;
            let base = noise() + (t * 0.07).sin() * 2.0;
            match kind {
                "noise" => base,
                "trend" => 3.0 + 0.01 * t - 2e-6 * t * t + base,
                "offset" => 1e9 + 1e4 * base,
                "tiny" => 1e-200 * base,
                "huge" => 1e150 * (base + 0.3 * t / 100.0),
                "ramp" => (i as f64 * 3.0 - 7.0).round(),
                _ => panic!("unknown signal {kind}"),
            }
        })
        .collect()
}

fn same(data: Vec<f64>, sampling_rate: f64) -> Out {
    Out {
        data,
        sampling_rate,
        starttime_ns: START_NS,
    }
}

/// Runs every case through the oracle and our kernels; panics listing all mismatches.
fn check(cases: Vec<Case>) {
    let dir = tempdir().unwrap();
    let mut list = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let file = format!("in_{i}.f64");
        write_f64_file(&dir.path().join(&file), &c.input);
        list.push(
            json!({"input": file, "sampling_rate": c.sampling_rate, "starttime_ns": c.starttime_ns,
                         "calls": c.calls}),
        );
    }
    std::fs::write(dir.path().join("cases.json"), serde_json::to_vec(&list).unwrap()).unwrap();
    run_oracle("obspy_ops.py", &[dir.path().to_str().unwrap()]);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let meta: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(format!("out_{i}.json"))).unwrap()).unwrap();
        let what = format!("{} (n={})", c.name, c.input.len());
        match (&c.ours, meta["ok"].as_bool().unwrap()) {
            (Err(e), false) => {
                let _ = e;
            }
            (Err(e), true) => failures.push(format!("{what}: we failed ({e}) where ObsPy succeeded")),
            (Ok(_), false) => failures.push(format!("{what}: ObsPy raised {} but we succeeded", meta["error"])),
            (Ok(out), true) => {
                let reference = read_f64_file(&dir.path().join(format!("out_{i}.f64")));
                if let Some(msg) = compare(&c.input, out, &reference, &meta) {
                    failures.push(format!("{what}: {msg}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

fn compare(input: &[f64], out: &Out, reference: &[f64], meta: &Value) -> Option<String> {
    if out.data.len() != reference.len() {
        return Some(format!("length {} vs ObsPy {}", out.data.len(), reference.len()));
    }
    let sr = meta["sampling_rate"].as_f64().unwrap();
    if out.sampling_rate != sr {
        return Some(format!("sampling rate {} vs ObsPy {sr}", out.sampling_rate));
    }
    let st = meta["starttime_ns"].as_i64().unwrap();
    if out.starttime_ns != st {
        return Some(format!("starttime {} vs ObsPy {st}", out.starttime_ns));
    }
    let scale = max_abs(reference).max(1e-5 * max_abs(input)).max(f64::MIN_POSITIVE);
    let mut worst = (0.0f64, 0);
    for (i, (a, b)) in out.data.iter().zip(reference).enumerate() {
        if a.is_nan() && b.is_nan() {
            continue;
        }
        let e = if a == b { 0.0 } else { (a - b).abs() / scale };
        if e.is_nan() || e > worst.0 {
            worst = (if e.is_nan() { f64::INFINITY } else { e }, i);
        }
    }
    (worst.0 > 1e-9).then(|| {
        let i = worst.1;
        format!(
            "max relative error {:e} at sample {i}: ours {} ObsPy {}",
            worst.0, out.data[i], reference[i]
        )
    })
}

fn case(name: String, input: Vec<f64>, sr: f64, calls: Value, ours: Result<Out, OpError>) -> Case {
    Case {
        name,
        input,
        sampling_rate: sr,
        starttime_ns: START_NS,
        calls,
        ours,
    }
}

fn in_place(input: &[f64], sr: f64, f: impl FnOnce(&mut Vec<f64>) -> Result<(), OpError>) -> Result<Out, OpError> {
    let mut d = input.to_vec();
    f(&mut d).map(|()| same(d, sr))
}

const SIGNALS: [&str; 6] = ["noise", "trend", "offset", "tiny", "huge", "ramp"];

#[test]
fn detrend_matches_obspy() {
    let mut cases = Vec::new();
    let kinds: Vec<(Value, Detrend)> = vec![
        (json!(["simple", {}]), Detrend::Simple),
        (json!(["linear", {}]), Detrend::Linear),
        (json!(["constant", {}]), Detrend::Constant),
        (json!(["demean", {}]), Detrend::Constant),
        (json!(["polynomial", {"order": 0}]), Detrend::Polynomial { order: 0 }),
        (json!(["polynomial", {"order": 1}]), Detrend::Polynomial { order: 1 }),
        (json!(["polynomial", {"order": 2}]), Detrend::Polynomial { order: 2 }),
        (json!(["polynomial", {"order": 3}]), Detrend::Polynomial { order: 3 }),
        (json!(["polynomial", {"order": 5}]), Detrend::Polynomial { order: 5 }),
    ];
    for n in LENGTHS {
        for sig in SIGNALS {
            let x = signal(sig, n);
            for (spec, kind) in &kinds {
                let calls = json!([["detrend", [spec[0]], spec[1]]]);
                let ours = in_place(&x, 100.0, |d| detrend(d, *kind));
                cases.push(case(format!("detrend {spec} {sig}"), x.clone(), 100.0, calls, ours));
            }
        }
    }
    for n in LENGTHS {
        let x = signal("trend", n);
        for order in 0..=6 {
            for dspline in [1.0, 2.0, 3.0, 10.0, 100.0, 1000.0, 7.5] {
                let calls = json!([["detrend", ["spline"], {"order": order, "dspline": dspline}]]);
                let ours = in_place(&x, 100.0, |d| detrend(d, Detrend::Spline { order, dspline }));
                cases.push(case(
                    format!("detrend spline order={order} dspline={dspline}"),
                    x.clone(),
                    100.0,
                    calls,
                    ours,
                ));
            }
        }
    }
    check(cases);
}
