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
    /// Output samples where ObsPy's result is undefined (its C code reads past its arrays).
    undefined: Vec<usize>,
    /// Floor of the comparison scale as a fraction of the input's maximum magnitude.
    floor: f64,
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
                if let Some(msg) = compare(c, out, &reference, &meta) {
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

fn compare(c: &Case, out: &Out, reference: &[f64], meta: &Value) -> Option<String> {
    let (input, undefined) = (&c.input, &c.undefined);
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
    let scale = max_abs(reference).max(c.floor * max_abs(input)).max(f64::MIN_POSITIVE);
    let mut worst = (0.0f64, 0);
    for (i, (a, b)) in out.data.iter().zip(reference).enumerate() {
        if (a.is_nan() && b.is_nan()) || undefined.contains(&i) {
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
        undefined: Vec::new(),
        floor: 1e-5,
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
        // Beyond ~order 10 numpy.polyfit (raw-index Vandermonde, rank truncation) is itself inaccurate.
        for order in [7, 8, 10] {
            let x = signal("trend", n);
            let calls = json!([["detrend", ["polynomial"], {"order": order}]]);
            let ours = in_place(&x, 100.0, |d| detrend(d, Detrend::Polynomial { order }));
            let mut c = case(
                format!("detrend polynomial order={order}"),
                x.clone(),
                100.0,
                calls,
                ours,
            );
            if order + 1 >= n {
                // An interpolating high-order polynomial leaves only numpy's rounding noise (~1e-13 of
                // the input, from its ill-conditioned Vandermonde); we return exact zeros.
                c.floor = 1e-3;
            }
            cases.push(c);
        }
    }
    for n in LENGTHS {
        for sig in SIGNALS {
            let calls = json!([["detrend", ["spline"], {"order": 3, "dspline": 100}]]);
            let x = signal(sig, n);
            let ours = in_place(&x, 100.0, |d| {
                detrend(
                    d,
                    Detrend::Spline {
                        order: 3,
                        dspline: 100.0,
                    },
                )
            });
            cases.push(case(
                format!("detrend spline order=3 dspline=100 {sig}"),
                x,
                100.0,
                calls,
                ours,
            ));
        }
    }
    for n in LENGTHS {
        let x = signal("trend", n);
        for order in 0..=6 {
            for dspline in [1.0, 2.0, 3.0, 10.0, 100.0, 1000.0, 7.5, 0.5, 1e-3] {
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

/// Taper kwargs as ObsPy receives them and as our parser takes them.
fn taper_kwargs(name: &str) -> Vec<(&'static str, f64)> {
    match name {
        "kaiser" => vec![("beta", 8.6)],
        "gaussian" => vec![("std", 5.0)],
        "general_gaussian" => vec![("p", 1.5), ("sig", 7.0)],
        "chebwin" => vec![("at", 100.0)],
        "dpss" => vec![("NW", 1.2)],
        _ => vec![],
    }
}

fn taper_case(x: &[f64], name: &str, kwargs: &[(&str, f64)], p: Option<f64>, len: Option<f64>, side: &str) -> Case {
    let sr = 100.0;
    let mut kw = serde_json::Map::new();
    kw.insert("type".into(), json!(name));
    kw.insert("max_length".into(), json!(len));
    kw.insert("side".into(), json!(side));
    for (k, v) in kwargs {
        let v = if *k == "halfcosine" || *k == "sactaper" || *k == "sym" {
            json!(*v != 0.0)
        } else {
            json!(v)
        };
        kw.insert((*k).into(), v);
    }
    let calls = json!([["taper", [p], kw]]);
    let ours = in_place(x, sr, |d| {
        let kind = TaperType::from_name(name, kwargs)?;
        taper(d, sr, p, &kind, len, Side::from_name(side)?)
    });
    case(
        format!("taper {name} {kwargs:?} p={p:?} len={len:?} side={side}"),
        x.to_vec(),
        sr,
        calls,
        ours,
    )
}

#[test]
fn taper_matches_obspy() {
    let mut cases = Vec::new();
    for n in LENGTHS {
        let x = signal("trend", n);
        for name in TAPER_TYPES {
            let kw = taper_kwargs(name);
            cases.push(taper_case(&x, name, &kw, Some(0.05), None, "both"));
            cases.push(taper_case(&x, name, &kw, Some(0.5), None, "left"));
            cases.push(taper_case(&x, name, &kw, Some(0.3), Some(2.0), "right"));
            cases.push(taper_case(&x, name, &kw, None, None, "both"));
            cases.push(taper_case(&x, name, &kw, Some(0.5), Some(0.11), "both"));
        }
        for sig in SIGNALS {
            cases.push(taper_case(&signal(sig, n), "hann", &[], Some(0.1), None, "both"));
        }
        for kw in [
            [("halfcosine", 0.0), ("sactaper", 0.0)],
            [("halfcosine", 1.0), ("sactaper", 1.0)],
        ] {
            cases.push(taper_case(&x, "cosine", &kw, Some(0.2), None, "both"));
            cases.push(taper_case(&x, "cosine", &kw, Some(0.5), None, "both"));
        }
        cases.push(taper_case(&x, "hann", &[("sym", 0.0)], Some(0.2), None, "both"));
        cases.push(taper_case(&x, "dpss", &[("NW", 4.0)], Some(0.5), None, "both"));
        cases.push(taper_case(&x, "chebwin", &[("at", 30.0)], Some(0.5), None, "both"));
        // Error cases: names ObsPy does not know, missing parameters, bad side or length.
        cases.push(taper_case(&x, "tukey", &[], Some(0.1), None, "both"));
        cases.push(taper_case(&x, "kaiser", &[], Some(0.1), None, "both"));
        cases.push(taper_case(&x, "hann", &[], Some(0.1), None, "middle"));
        cases.push(taper_case(&x, "hann", &[], Some(1e300), None, "both"));
        cases.push(taper_case(&x, "hann", &[], Some(-0.2), None, "both"));
    }
    check(cases);
}

/// A `get_window` name with its parameters.
type NamedWindow<'a> = (&'a str, &'a [(&'a str, f64)]);

fn resample_case(x: &[f64], sr: f64, new_sr: f64, window: Option<NamedWindow>, strict: bool) -> Case {
    let wjson = match window {
        None => Value::Null,
        Some((name, [])) => json!(name),
        Some((name, params)) => {
            let mut t = vec![json!(name)];
            t.extend(params.iter().map(|(_, v)| json!(v)));
            json!({ "tuple": t })
        }
    };
    let calls = json!([["resample", [new_sr], {"window": wjson, "strict_length": strict}]]);
    let ours = (|| {
        resample_prepare(x.len(), sr, new_sr, true, strict)?;
        let w = window
            .map(|(name, params)| Window::from_get_window(name, params))
            .transpose()?;
        let data = Resampler::new().resample(x, sr, new_sr, w.as_ref())?;
        Ok(same(data, new_sr))
    })();
    case(
        format!("resample {sr}->{new_sr} window={window:?} strict={strict}"),
        x.to_vec(),
        sr,
        calls,
        ours,
    )
}

#[test]
fn resample_matches_obspy() {
    let mut cases = Vec::new();
    let windows: [Option<NamedWindow>; 12] = [
        Some(("general_hamming", &[("alpha", 0.6)])),
        Some(("exponential", &[("center", 3.0), ("tau", 30.0)])),
        Some(("lanczos", &[])),
        Some(("chebwin", &[("at", 80.0)])),
        Some(("tukey", &[("alpha", 0.3)])),
        Some(("cosine", &[])),
        Some(("hann", &[])),
        None,
        Some(("hamming", &[])),
        Some(("blackman", &[])),
        Some(("kaiser", &[("beta", 8.0)])),
        Some(("triang", &[])),
    ];
    for n in LENGTHS {
        for sig in SIGNALS {
            let x = signal(sig, n);
            for new_sr in [100.0, 50.0, 33.3, 20.0, 7.0, 1.0, 200.0, 1000.0 / 3.0, 0.5] {
                cases.push(resample_case(&x, 100.0, new_sr, Some(("hann", &[])), false));
            }
        }
        let x = signal("noise", n);
        for w in windows {
            for new_sr in [40.0, 250.0, 101.0] {
                cases.push(resample_case(&x, 100.0, new_sr, w, false));
            }
        }
        cases.push(resample_case(&x, 100.0, 50.0, None, true));
        cases.push(resample_case(&x, 100.0, 30.0, None, true));
        cases.push(resample_case(&x, 20.0, 40.0, None, true));
    }
    check(cases);
}

#[test]
fn resample_prepare_follows_obspy_filter_rules() {
    assert_eq!(
        resample_prepare(1000, 100.0, 10.0, false, false).unwrap().lowpass_freq,
        Some(5.0)
    );
    assert_eq!(resample_prepare(1000, 100.0, 10.0, true, false).unwrap().num, 100);
    assert!(
        resample_prepare(1000, 100.0, 5.0, false, false).is_err(),
        "factor 20 > 16 must be refused"
    );
    assert!(resample_prepare(1000, 100.0, 0.0, true, false).is_err());
    assert_eq!(resample_prepare(3, 100.0, 1.0, true, false).unwrap().num, 1);
}

struct InterpArgs {
    new_sr: f64,
    starttime_offset_ns: Option<i64>,
    npts: Option<i64>,
    time_shift: f64,
}

fn interp_case(x: &[f64], sr: f64, method: &str, a: Option<i64>, args: &InterpArgs) -> Case {
    let mut kw = serde_json::Map::new();
    kw.insert("method".into(), json!(method));
    kw.insert("time_shift".into(), json!(args.time_shift));
    if let Some(off) = args.starttime_offset_ns {
        kw.insert("starttime".into(), json!({"utc_ns": START_NS + off}));
    }
    if let Some(n) = args.npts {
        kw.insert("npts".into(), json!(n));
    }
    if let Some(a) = a {
        kw.insert("a".into(), json!(a));
    }
    let method_json = method.parse::<i64>().map_or(json!(method), |k| json!(k));
    kw.insert("method".into(), method_json);
    let calls = json!([["interpolate", [args.new_sr], kw]]);
    let mut undefined = Vec::new();
    let ours = (|| {
        let m = match method.parse::<usize>() {
            Ok(k) => InterpMethod::Spline(k),
            Err(_) => InterpMethod::from_name(method, a)?,
        };
        let start = args.starttime_offset_ns.map(|o| START_NS + o);
        let plan = interpolate_plan(START_NS, sr, x.len(), args.new_sr, start, args.npts, args.time_shift)?.unwrap();
        let data = interpolate(x, &plan, m)?;
        if m == InterpMethod::WeightedAverageSlopes {
            undefined = past_the_end(&plan, x.len());
        }
        Ok(Out {
            data,
            sampling_rate: plan.new_sampling_rate,
            starttime_ns: plan.new_starttime_ns,
        })
    })();
    let name = format!(
        "interpolate {method} a={a:?} sr={sr}->{} start+={:?} npts={:?} shift={}",
        args.new_sr, args.starttime_offset_ns, args.npts, args.time_shift
    );
    let mut c = case(name, x.to_vec(), sr, calls, ours);
    c.undefined = undefined;
    c
}

/// Output indices whose float position lies past the last input sample, where ObsPy's C Hermite
/// interpolation reads beyond its arrays.
fn past_the_end(plan: &InterpolatePlan, n: usize) -> Vec<usize> {
    let new_end = plan.new_start + plan.new_dt * (plan.new_npts as f64 - 1.0);
    let step = (new_end - plan.new_start) / (plan.new_npts as f64 - 1.0);
    (0..plan.new_npts)
        .filter(|&i| {
            let x = if i + 1 == plan.new_npts {
                new_end
            } else {
                i as f64 * step + plan.new_start
            };
            let pos = (x - plan.old_start) / plan.old_dt;
            pos.trunc() as usize + 1 >= n && pos != pos.trunc()
        })
        .collect()
}

const INTERP_METHODS: [(&str, Option<i64>); 12] = [
    ("linear", None),
    ("nearest", None),
    ("zero", None),
    ("slinear", None),
    ("quadratic", None),
    ("cubic", None),
    ("4", None),
    ("5", None),
    ("lanczos", Some(1)),
    ("lanczos", Some(20)),
    ("weighted_average_slopes", None),
    ("Linear", None),
];

#[test]
fn interpolate_matches_obspy() {
    let mut cases = Vec::new();
    let plain = |new_sr: f64| InterpArgs {
        new_sr,
        starttime_offset_ns: None,
        npts: None,
        time_shift: 0.0,
    };
    for n in LENGTHS {
        let x = signal("trend", n);
        for (method, a) in INTERP_METHODS {
            for new_sr in [100.0, 137.0, 33.333, 400.0, 7.0] {
                cases.push(interp_case(&x, 100.0, method, a, &plain(new_sr)));
            }
            let shifted = InterpArgs {
                new_sr: 50.0,
                starttime_offset_ns: Some(12_300_000),
                npts: None,
                time_shift: 0.0,
            };
            cases.push(interp_case(&x, 100.0, method, a, &shifted));
            let counted = InterpArgs {
                new_sr: 80.0,
                starttime_offset_ns: Some(5_000_000),
                npts: Some(3),
                time_shift: 0.25,
            };
            cases.push(interp_case(&x, 100.0, method, a, &counted));
            // Errors: extrapolation before the start or past the end, negative counts.
            let early = InterpArgs {
                new_sr: 100.0,
                starttime_offset_ns: Some(-1),
                npts: None,
                time_shift: 0.0,
            };
            cases.push(interp_case(&x, 100.0, method, a, &early));
            let long = InterpArgs {
                new_sr: 100.0,
                starttime_offset_ns: None,
                npts: Some(n as i64 + 1),
                time_shift: 0.0,
            };
            cases.push(interp_case(&x, 100.0, method, a, &long));
            let zero = InterpArgs {
                new_sr: 100.0,
                starttime_offset_ns: None,
                npts: Some(0),
                time_shift: 0.0,
            };
            cases.push(interp_case(&x, 100.0, method, a, &zero));
        }
        for sig in SIGNALS {
            for (method, a) in INTERP_METHODS {
                if matches!(n, 2 | 7 | 1001) {
                    cases.push(interp_case(&signal(sig, n), 100.0, method, a, &plain(123.0)));
                }
            }
        }
        cases.push(interp_case(&x, 100.0, "lanczos", Some(0), &plain(50.0)));
        cases.push(interp_case(&x, 100.0, "linear", None, &plain(-5.0)));
        cases.push(interp_case(&x, 100.0, "6", None, &plain(50.0)));
        cases.push(interp_case(&x, 3.7, "cubic", None, &plain(1.1)));
    }
    // ObsPy 1.5.1 passes kernel 0 to its C code whatever `window` says: lanczos_window_is_ignored_like_obspy.
    let x = signal("noise", 100);
    let plan = interpolate_plan(START_NS, 100.0, 100, 77.0, None, None, 0.0)
        .unwrap()
        .unwrap();
    let data = interpolate(&x, &plan, InterpMethod::Lanczos { a: 4 }).unwrap();
    let ours = Ok(Out {
        data,
        sampling_rate: plan.new_sampling_rate,
        starttime_ns: plan.new_starttime_ns,
    });
    let calls = json!([["interpolate", [77.0], {"method": "lanczos", "a": 4, "window": "blackman"}]]);
    cases.push(case("lanczos window=blackman".into(), x, 100.0, calls, ours));
    // Flat data: every weighted-average slope is 0/0.
    cases.push(interp_case(
        &[5.0; 10],
        100.0,
        "weighted_average_slopes",
        None,
        &plain(130.0),
    ));
    check(cases);
}

#[test]
fn integrate_differentiate_normalize_match_obspy() {
    let mut cases = Vec::new();
    for n in LENGTHS {
        for sig in SIGNALS {
            let x = signal(sig, n);
            let sr = 40.0;
            let delta = 1.0 / sr;
            let calls = json!([["integrate", [], {}]]);
            let ours = in_place(&x, sr, |d| {
                integrate_cumtrapz(d, delta);
                Ok(())
            });
            cases.push(case(format!("integrate cumtrapz {sig}"), x.clone(), sr, calls, ours));
            for k in 1..=6 {
                let calls = json!([["integrate", ["spline"], {"k": k}]]);
                let ours = in_place(&x, sr, |d| integrate_spline(d, delta, k));
                cases.push(case(
                    format!("integrate spline k={k} {sig}"),
                    x.clone(),
                    sr,
                    calls,
                    ours,
                ));
            }
            let calls = json!([["differentiate", [], {}]]);
            let ours = in_place(&x, sr, |d| differentiate_gradient(d, delta));
            cases.push(case(format!("differentiate {sig}"), x.clone(), sr, calls, ours));
            for norm in [None, Some(2.5), Some(-3.0), Some(0.0)] {
                let calls = json!([["normalize", [], {"norm": norm}]]);
                let ours = in_place(&x, sr, |d| normalize(d, norm));
                cases.push(case(format!("normalize {norm:?} {sig}"), x.clone(), sr, calls, ours));
            }
        }
    }
    let zeros = vec![0.0; 5];
    let calls = json!([["normalize", [], {}]]);
    let ours = in_place(&zeros, 1.0, |d| normalize(d, None));
    cases.push(case("normalize zero data".into(), zeros, 1.0, calls, ours));
    let neg = vec![1.0, -3.0, 3.0, -2.0];
    let calls = json!([["normalize", [], {}]]);
    let ours = in_place(&neg, 1.0, |d| normalize(d, None));
    cases.push(case("normalize tie keeps the maximum".into(), neg, 1.0, calls, ours));
    check(cases);
}

#[test]
fn empty_data_follows_obspy() {
    let mut cases = Vec::new();
    let sr = 10.0;
    let e: Vec<f64> = Vec::new();
    let push = |cases: &mut Vec<Case>, name: &str, calls: Value, ours: Result<Out, OpError>| {
        cases.push(case(name.into(), Vec::new(), sr, calls, ours));
    };
    push(
        &mut cases,
        "detrend",
        json!([["detrend", ["linear"], {}]]),
        in_place(&e, sr, |d| detrend(d, Detrend::Linear)),
    );
    let hann = TaperType::from_name("hann", &[]).unwrap();
    let ours = in_place(&e, sr, |d| taper(d, sr, Some(0.1), &hann, None, Side::Both));
    push(&mut cases, "taper", json!([["taper", [0.1], {}]]), ours);
    let ours = in_place(&e, sr, |d| {
        integrate_cumtrapz(d, 0.1);
        Ok(())
    });
    push(&mut cases, "integrate", json!([["integrate", [], {}]]), ours);
    let ours = in_place(&e, sr, |d| differentiate_gradient(d, 0.1));
    push(&mut cases, "differentiate", json!([["differentiate", [], {}]]), ours);
    push(
        &mut cases,
        "normalize",
        json!([["normalize", [], {}]]),
        in_place(&e, sr, |d| normalize(d, None)),
    );
    let ours = Resampler::new().resample(&e, sr, 5.0, None).map(|d| same(d, sr));
    push(&mut cases, "resample", json!([["resample", [5.0], {}]]), ours);
    let ours = interpolate_plan(START_NS, sr, 0, 5.0, None, None, 0.0).map(|p| {
        assert!(p.is_none(), "an empty trace is left unchanged");
        same(Vec::new(), sr)
    });
    push(
        &mut cases,
        "interpolate",
        json!([["interpolate", [5.0], {"method": "linear"}]]),
        ours,
    );
    check(cases);
}

#[test]
fn weighted_average_slopes_point_past_last_sample_returns_last_sample() {
    // Old start 0.1 s, 3 samples at 0.1 s: float rounding puts the last new point just past sample 2.
    let data = [1.0, 2.0, 4.0];
    let out = interpolate_kernel(&data, 0.1, 0.1, 0.1, 0.1, 3, InterpMethod::WeightedAverageSlopes).unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(out[2], 4.0);
}

#[test]
fn bad_parameters_return_errors_without_panicking() {
    let x = signal("noise", 50);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            integrate_spline(&mut x.clone(), bad, 3).is_err(),
            "integrate_spline delta={bad}"
        );
        assert!(
            Resampler::new().resample(&x, bad, 10.0, None).is_err(),
            "resample from rate {bad}"
        );
        assert!(
            Resampler::new().resample(&x, 100.0, bad, None).is_err(),
            "resample to rate {bad}"
        );
        assert!(
            interpolate_kernel(&x, 0.0, bad, 0.0, 0.1, 5, InterpMethod::Linear).is_err(),
            "old_dt={bad}"
        );
        assert!(
            interpolate_kernel(&x, 0.0, 0.1, 0.0, bad, 5, InterpMethod::Linear).is_err(),
            "new_dt={bad}"
        );
        assert!(
            interpolate_plan(START_NS, 100.0, 50, bad, None, None, 0.0).is_err(),
            "new rate {bad}"
        );
    }
    assert!(
        interpolate_plan(i64::MAX - 5, 100.0, 50, 10.0, None, None, 1e3).is_err(),
        "time overflow"
    );
    assert!(detrend_spline(&mut [], 3, 10.0).is_ok());
    assert!(detrend(&mut x.clone(), Detrend::Spline { order: 3, dspline: 0.0 }).is_err());
    assert!(
        detrend(
            &mut x.clone(),
            Detrend::Spline {
                order: 3,
                dspline: f64::NAN
            }
        )
        .is_err()
    );
    let hann = TaperType::from_name("hann", &[]).unwrap();
    assert!(taper(&mut x.clone(), 100.0, Some(f64::NAN), &hann, None, Side::Both).is_err());
    assert!(taper(&mut x.clone(), f64::NAN, None, &hann, Some(1.0), Side::Both).is_err());
    let err = TaperType::from_name("tukey", &[]).unwrap_err().to_string();
    assert!(
        err.contains("valid: barthann, bartlett"),
        "error names the valid types: {err}"
    );
}

/// `detrend("spline", dspline=0.001)` on a day at 100 Hz asked for 8.6 billion knots (69 GB) and the
/// failed allocation aborted the whole run. Knots closer than the samples are what SciPy refuses
/// (the Schoenberg-Whitney check, as `detrend_matches_obspy` shows for 0.5 and 1e-3): the same error,
/// before anything is allocated.
#[test]
fn spline_detrend_with_knots_closer_than_samples_aborted_allocating_them() {
    let x = signal("trend", 100_000);
    for dspline in [1e-3, 1e-12, 1e-300] {
        let err = detrend(&mut x.clone(), Detrend::Spline { order: 3, dspline })
            .unwrap_err()
            .to_string();
        assert!(err.contains("schoenberg-whitney"), "dspline={dspline}: {err}");
    }
}

/// `detrend("polynomial", order=100000)` on a day at 100 Hz ran for hours (time in proportion to
/// samples × order; ObsPy would build an 8.64 M × 100 001 matrix). Refused up front, naming the size.
#[test]
fn polynomial_detrend_of_absurd_order_ran_for_hours() {
    let x = signal("trend", 8_640_000);
    let err = detrend(&mut x.clone(), Detrend::Polynomial { order: 100_000 })
        .unwrap_err()
        .to_string();
    assert!(err.contains("order 100000 on 8640000 samples"), "{err}");
    // An order ObsPy handles on a shorter trace still runs.
    assert!(detrend(&mut x[..10_000].to_vec(), Detrend::Polynomial { order: 5 }).is_ok());
}

/// `interpolate(method="lanczos", a=1000000000)` on a day at 100 Hz visited the whole trace for every
/// output sample (4.3 M × 8.6 M kernel evaluations: days). Refused up front, naming `a`; a long but
/// sane half width still runs.
#[test]
fn lanczos_interpolation_with_a_huge_half_width_ran_for_days() {
    let x = signal("noise", 8_640_000);
    let method = InterpMethod::from_name("lanczos", Some(1_000_000_000)).unwrap();
    let err = interpolate_kernel(&x, 0.0, 0.01, 0.0, 0.02, 4_320_000, method)
        .unwrap_err()
        .to_string();
    assert!(err.contains("a=1000000000 on 4320000 output samples"), "{err}");
    let method = InterpMethod::from_name("lanczos", Some(1_000)).unwrap();
    assert!(interpolate_kernel(&x[..20_000], 0.0, 0.01, 0.0, 0.02, 9_000, method).is_ok());
}

#[test]
fn detrend_names_resolve_like_obspy() {
    assert_eq!(Detrend::from_name("DEMEAN", None, None).unwrap(), Detrend::Constant);
    assert_eq!(
        Detrend::from_name("polynomial", Some(2), None).unwrap(),
        Detrend::Polynomial { order: 2 }
    );
    assert!(Detrend::from_name("polynomial", None, None).is_err());
    assert!(Detrend::from_name("spline", Some(3), None).is_err());
    let err = Detrend::from_name("quadratic", None, None).unwrap_err().to_string();
    assert!(err.contains("valid: constant"), "{err}");
}
