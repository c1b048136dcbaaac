//! PPSD math (setup, Welch PSD, response removal, dB, period smoothing, histogram, mode, mean, noise
//! models) compared with ObsPy 1.5.1's `PPSD.add` on gap-free synthetic noise (tests/oracle/ppsd_oracle.py,
//! one Python process for all cases). Per-window binned PSDs must agree within 1e-3 dB.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use num_complex::Complex;
use seispool_dsp::ppsd::{
    PpsdParams, PpsdSetup, ResponseTerm, SpecialHandling, WelchPsd, binned_psd, histogram, nhnm, nlnm,
};
use seispool_testkit::{run_oracle, tempdir, write_f64_file};
use serde_json::{Value, json};

const DB_TOL: f64 = 1e-3;

/// Deterministic noise with a known spectrum: white + red (random walk) + a sinusoid, in counts.
fn noise(n: usize, fs: f64, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut uni = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut walk = 0.0;
    (0..n)
        .map(|i| {
            let g = (-2.0 * (uni().max(1e-300)).ln()).sqrt() * (2.0 * std::f64::consts::PI * uni()).cos();
            walk += 0.05 * g;
            1000.0 * g + 200.0 * walk + 500.0 * (2.0 * std::f64::consts::PI * 0.2 * i as f64 / fs).sin()
        })
        .collect()
}

fn paz_json() -> Value {
    json!({"poles": [[-0.037004, 0.037016], [-0.037004, -0.037016], [-251.33, 0.0], [-131.04, -467.29],
                      [-131.04, 467.29]],
           "zeros": [[0.0, 0.0], [0.0, 0.0]], "gain": 60077000.0, "sensitivity": 2516778400.0})
}

struct Case {
    fs: f64,
    seconds: f64,
    params: PpsdParams,
    params_json: Value,
    ringlaser: Option<f64>,
}

fn case(fs: f64, seconds: f64, params_json: Value) -> Case {
    let mut params = PpsdParams::default();
    let g = |k: &str| params_json.get(k).and_then(Value::as_f64);
    if let Some(v) = g("ppsd_length") {
        params.ppsd_length = v;
    }
    if let Some(v) = g("overlap") {
        params.overlap = v;
    }
    if let Some(v) = g("period_smoothing_width_octaves") {
        params.period_smoothing_width_octaves = v;
    }
    if let Some(v) = g("period_step_octaves") {
        params.period_step_octaves = v;
    }
    if let Some(a) = params_json.get("period_limits").and_then(Value::as_array) {
        params.period_limits = Some((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
    }
    if let Some(a) = params_json.get("db_bins").and_then(Value::as_array) {
        params.db_bins = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap());
    }
    if let Some(s) = params_json.get("special_handling").and_then(Value::as_str) {
        params.special_handling = Some(SpecialHandling::from_name(s).unwrap());
    }
    Case {
        fs,
        seconds,
        params,
        params_json,
        ringlaser: None,
    }
}

fn close(what: &str, a: &[f64], b: &[Value], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let y = y.as_f64().unwrap_or(f64::NAN);
        let ok = (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol * y.abs().max(1.0);
        assert!(ok, "{what}[{i}]: ours {x}, ObsPy {y}");
    }
}

#[test]
fn ppsd_windows_match_obspy_binned_psds_within_1e3_db() {
    let mut cases = [
        case(1.0, 4.0 * 3600.0, json!({})),
        case(20.0, 2.0 * 3600.0, json!({"ppsd_length": 1800.0, "overlap": 0.3})),
        case(
            40.0,
            1500.0,
            json!({"ppsd_length": 600.0, "period_limits": [0.05, 50.0], "period_step_octaves": 0.25,
                   "period_smoothing_width_octaves": 0.5, "db_bins": [-250.0, 0.0, 0.5]}),
        ),
        case(100.0, 700.0, json!({"ppsd_length": 300.0, "overlap": 0.0})),
        case(
            20.0,
            1300.0,
            json!({"ppsd_length": 600.0, "special_handling": "hydrophone"}),
        ),
        case(
            20.0,
            1300.0,
            json!({"ppsd_length": 600.0, "special_handling": "infrasound"}),
        ),
        case(
            20.0,
            1300.0,
            json!({"ppsd_length": 600.0, "special_handling": "ringlaser"}),
        ),
        // Narrow smoothing leaves long-period bins without PSD values: NaN as numpy's empty mean.
        case(
            5.0,
            1300.0,
            json!({"ppsd_length": 600.0, "period_smoothing_width_octaves": 0.02}),
        ),
    ];
    cases[6].ringlaser = Some(3.5e9);
    let dir = tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut datas = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let data = noise((c.seconds * c.fs) as usize, c.fs, i as u64 + 1);
        let raw = dir.path().join(format!("case{i}.f64"));
        write_f64_file(&raw, &data);
        let metadata = match c.ringlaser {
            Some(s) => json!({"sensitivity": s}),
            None => json!({"paz": paz_json()}),
        };
        jobs.push(
            json!({"raw": raw, "sampling_rate": c.fs, "starttime": "2024-01-01T00:00:00",
                         "id": "XX.ST..HHZ", "metadata": metadata, "params": c.params_json}),
        );
        datas.push(data);
    }
    let jobs_path = dir.path().join("cases.json");
    std::fs::write(&jobs_path, serde_json::to_vec(&jobs).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&run_oracle("ppsd_oracle.py", &[jobs_path.to_str().unwrap()])).unwrap();

    for (i, (c, data)) in cases.iter().zip(&datas).enumerate() {
        let o = &out["cases"][i];
        let setup = PpsdSetup::new(c.fs, &c.params).unwrap();
        assert_eq!(setup.nfft as u64, o["nfft"].as_u64().unwrap(), "case {i} nfft");
        assert_eq!(setup.nlap as u64, o["nlap"].as_u64().unwrap(), "case {i} nlap");
        assert_eq!(setup.len as u64, o["len"].as_u64().unwrap(), "case {i} len");
        close(
            "psd_periods",
            &setup.psd_periods,
            o["psd_periods"].as_array().unwrap(),
            1e-12,
        );
        for r in 0..5 {
            close(
                "period_binning",
                &setup.period_binning[r],
                o["period_binning"][r].as_array().unwrap(),
                1e-12,
            );
        }
        close(
            "db_bin_edges",
            &setup.db_bin_edges,
            o["db_bin_edges"].as_array().unwrap(),
            1e-12,
        );
        let term = match c.ringlaser {
            Some(s) => ResponseTerm::Sensitivity(s),
            None => {
                let re = o["response_re"].as_array().unwrap();
                let im = o["response_im"].as_array().unwrap();
                let resp: Vec<Complex<f64>> = re
                    .iter()
                    .zip(im)
                    .map(|(a, b)| Complex::new(a.as_f64().unwrap(), b.as_f64().unwrap()))
                    .collect();
                ResponseTerm::from_response(&setup, &resp, c.params.special_handling).unwrap()
            }
        };
        // Gap-free data starting on a whole second: window k starts at sample k * step * fs.
        let step = (setup.step() * c.fs).round() as usize;
        let mut welch = WelchPsd::new(setup.nfft, setup.nlap, c.fs).unwrap();
        let (mut psd, mut binned, mut all) = (Vec::new(), Vec::new(), Vec::new());
        let mut start = 0;
        while start + setup.len <= data.len() {
            welch.psd(&data[start..start + setup.len], &mut psd);
            binned_psd(&setup, &psd, &term, &mut binned);
            all.push(binned.clone());
            start += step;
        }
        let theirs = o["binned_psds"].as_array().unwrap();
        assert_eq!(all.len(), theirs.len(), "case {i}: windows");
        assert!(!all.is_empty(), "case {i}: no windows");
        for (w, (ours, theirs)) in all.iter().zip(theirs).enumerate() {
            let ours: Vec<f64> = ours.iter().map(|&v| f64::from(v)).collect();
            let theirs = theirs.as_array().unwrap();
            for (j, (x, y)) in ours.iter().zip(theirs).enumerate() {
                match y.as_f64() {
                    Some(y) => assert!(
                        (x - y).abs() <= DB_TOL,
                        "case {i} window {w} bin {j}: ours {x} ObsPy {y}"
                    ),
                    None => assert!(x.is_nan(), "case {i} window {w} bin {j}: ours {x}, ObsPy NaN"),
                }
            }
        }
        let h = histogram(&setup, &all);
        let theirs_h: Vec<u64> = o["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
            .collect();
        assert_eq!(h.counts, theirs_h, "case {i}: histogram counts");
        let centers = setup.db_bin_centers();
        close("mode", &h.mode(&centers), o["mode"].as_array().unwrap(), 1e-12);
        close("mean", &h.mean(&centers), o["mean"].as_array().unwrap(), 1e-9);
    }
    if cases.len() == 8 {
        let periods: Vec<f64> = nlnm().iter().map(|p| p.0).collect();
        close(
            "noise model periods",
            &periods,
            out["nlnm"][0].as_array().unwrap(),
            1e-5,
        );
        let lo: Vec<f64> = nlnm().iter().map(|p| p.1).collect();
        let hi: Vec<f64> = nhnm().iter().map(|p| p.1).collect();
        close_abs("nlnm", &lo, out["nlnm"][1].as_array().unwrap(), 1e-3);
        close_abs("nhnm", &hi, out["nhnm"].as_array().unwrap(), 1e-3);
    }
}

fn close_abs(what: &str, a: &[f64], b: &[Value], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let y = y.as_f64().unwrap();
        assert!((x - y).abs() <= tol, "{what}[{i}]: ours {x}, ObsPy {y}");
    }
}

#[test]
fn ppsd_setup_rejects_absurd_parameters_before_allocation() {
    let bad = [
        PpsdParams {
            ppsd_length: 1e12,
            ..Default::default()
        },
        PpsdParams {
            ppsd_length: -1.0,
            ..Default::default()
        },
        PpsdParams {
            overlap: 1.0,
            ..Default::default()
        },
        PpsdParams {
            db_bins: (-200.0, -50.0, 0.0),
            ..Default::default()
        },
        PpsdParams {
            db_bins: (-200.0, 1e300, 1e-300),
            ..Default::default()
        },
        PpsdParams {
            period_step_octaves: 1e-300,
            period_limits: Some((0.01, 1e6)),
            ..Default::default()
        },
        PpsdParams {
            period_limits: Some((1e9, 1e10)),
            ..Default::default()
        },
        PpsdParams {
            ppsd_length: 0.1,
            ..Default::default()
        },
    ];
    for p in &bad {
        let err = PpsdSetup::new(100.0, p).unwrap_err();
        assert!(err.to_string().starts_with("ppsd:"), "{err}");
    }
    assert!(PpsdSetup::new(f64::NAN, &PpsdParams::default()).is_err());
    assert!(SpecialHandling::from_name("seismometer").is_err());
    assert_eq!(
        SpecialHandling::from_name("RingLaser").unwrap(),
        SpecialHandling::Ringlaser
    );
}

/// `--overlap 0.9999999` with the default hour-long windows started a window every 0.36 ms, 240 million
/// windows of the same samples for one day at 100 Hz: the run grew past 8 GB and did not end. Windows
/// less than a sample apart are refused when the setup is made; one sample apart is the last overlap
/// taken.
#[test]
fn ppsd_overlap_with_windows_less_than_a_sample_apart_enumerated_hundreds_of_millions_of_windows() {
    let p = |overlap| PpsdParams {
        overlap,
        ..Default::default()
    };
    let err = PpsdSetup::new(100.0, &p(0.9999999)).unwrap_err().to_string();
    assert!(err.contains("less than one sample"), "{err}");
    // Windows just over and just under one sample (0.01 s at 100 Hz) apart.
    assert!(PpsdSetup::new(100.0, &p(1.0 - 0.01 / 3600.0 * 1.000001)).is_ok());
    assert!(PpsdSetup::new(100.0, &p(1.0 - 0.01 / 3600.0 * 0.999)).is_err());
    assert!(PpsdSetup::new(100.0, &p(0.99)).is_ok());
}
