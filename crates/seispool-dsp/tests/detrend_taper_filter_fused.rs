//! The fused `detrend("linear")` + `taper(...)` + `filter(...)` of integer samples
//! ([`detrend_taper_filter_i32`]) against the three ops run one after the other
//! ([`detrend_linear_i32`], [`TaperPlan::apply`], [`FilterPlan::apply`]) on the same CPU path: every
//! output sample must have the same bits, for every length (tiny, odd, either side of the lanes'
//! threshold of 4 · 16 384 samples, days at 100 and 200 Hz), taper side, shape and length,
//! direction and filter kind, and for extreme samples.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::{
    DesignCache, FilterPlan, IirOptions, TaperPlan, TaperSide, TaperType, design_bandpass, design_bandstop,
    design_highpass, design_lowpass, design_lowpass_cheby_2, detrend_linear_i32, detrend_taper_filter_i32,
};
use seispool_testkit::Rng;

/// The lanes' threshold: `LANES · MIN_BLOCK` samples.
const LANES_MIN: usize = 4 * 16_384;

/// A taper as the pipeline's `taper(max_percentage, type, max_length, side)` gives it.
#[derive(Clone, Copy, Debug)]
struct Taper {
    max_percentage: Option<f64>,
    kind: &'static str,
    kwargs: &'static [(&'static str, f64)],
    max_length: Option<f64>,
    side: TaperSide,
}

const fn taper(p: f64, kind: &'static str, side: TaperSide) -> Taper {
    Taper {
        max_percentage: Some(p),
        kind,
        kwargs: &[],
        max_length: None,
        side,
    }
}

/// Tapers of every side, several shapes (flattop has negative factors, so `0 · w` is −0), lengths
/// from none to half the trace, and `max_length` limits.
fn tapers() -> Vec<Option<Taper>> {
    vec![
        None,
        Some(taper(0.05, "hann", TaperSide::Both)),
        Some(taper(0.05, "cosine", TaperSide::Left)),
        Some(taper(0.1, "hamming", TaperSide::Right)),
        Some(taper(0.5, "flattop", TaperSide::Both)),
        Some(taper(0.0, "hann", TaperSide::Both)),
        Some(taper(0.2, "blackman", TaperSide::Both)),
        Some(Taper {
            kwargs: &[("sactaper", 1.0)],
            ..taper(0.3, "cosine", TaperSide::Both)
        }),
        Some(Taper {
            max_length: Some(2.5),
            ..taper(0.05, "hann", TaperSide::Both)
        }),
        Some(Taper {
            max_percentage: None,
            max_length: Some(0.37),
            ..taper(0.0, "triang", TaperSide::Left)
        }),
    ]
}

/// Every filter kind, zero-phase and not; the last is a cascade too long for the lanes.
fn filters(df: f64, cache: &mut DesignCache) -> Vec<(String, FilterPlan)> {
    let mut out = Vec::new();
    for zerophase in [true, false] {
        let opts = |corners| IirOptions {
            corners,
            zerophase,
            ..IirOptions::default()
        };
        let z = if zerophase { "zerophase" } else { "causal" };
        let designs = [
            ("bandpass", design_bandpass(0.5, 10.0, df, &opts(4), cache)),
            ("bandstop", design_bandstop(1.0, 5.0, df, &opts(3), cache)),
            ("lowpass", design_lowpass(2.0, df, &opts(6), cache)),
            ("highpass", design_highpass(0.05, df, &opts(2), cache)),
            ("bandpass 20 corners", design_bandpass(0.5, 10.0, df, &opts(20), cache)),
        ];
        for (name, plan) in designs {
            out.push((format!("{name} {z}"), plan.unwrap()));
        }
    }
    let cheby = design_lowpass_cheby_2(df / 8.0, df, 12, cache).unwrap();
    out.push(("lowpass_cheby_2".into(), cheby.plan));
    out
}

fn taper_plan(t: &Taper, npts: usize, df: f64) -> Option<TaperPlan> {
    let kind = TaperType::from_name(t.kind, t.kwargs).unwrap();
    // Some tiny windows are errors in ObsPy too (cosine with sactaper): nothing to compare then.
    TaperPlan::new(npts, df, t.max_percentage, &kind, t.max_length, t.side).ok()
}

/// The three ops one after the other.
fn unfused(src: &[i32], taper: Option<&TaperPlan>, filter: &FilterPlan) -> Vec<f64> {
    let mut v = Vec::new();
    detrend_linear_i32(src, &mut v);
    if let Some(t) = taper {
        t.apply(&mut v);
    }
    filter.apply(&mut v).unwrap();
    v
}

fn assert_same_bits(src: &[i32], taper: Option<&TaperPlan>, filter: &FilterPlan, what: &str) {
    let want = unfused(src, taper, filter);
    // A dirty output buffer: the fused path must overwrite (not add to) what it holds.
    let mut got = vec![f64::NAN; 17];
    detrend_taper_filter_i32(src, taper, filter, &mut got).unwrap();
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = (0..want.len()).find(|&i| got[i].to_bits() != want[i].to_bits()) {
        panic!(
            "{what}: sample {i} of {}: fused {} unfused {}",
            want.len(),
            got[i],
            want[i]
        );
    }
}

/// Samples like a seismometer's counts: an offset, a trend and noise.
fn counts(n: usize, seed: u64) -> Vec<i32> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| (12_345.0 + 0.01 * i as f64 + 4e3 * (rng.next_f64() - 0.5)).round() as i32)
        .collect()
}

#[test]
fn fused_equals_unfused_bits_for_every_length_taper_and_filter() {
    let mut cache = DesignCache::new();
    let df = 100.0;
    let filters = filters(df, &mut cache);
    let lengths = [
        1,
        2,
        3,
        4,
        5,
        7,
        64,
        1001,
        4096,
        LANES_MIN - 1,
        LANES_MIN,
        LANES_MIN + 1,
        LANES_MIN + 2,
        LANES_MIN + 3,
        4 * (16_384 + 3) + 3,
        4 * (16_384 + 256) + 1,
        300_007,
    ];
    let tapers = tapers();
    for n in lengths {
        let src = counts(n, 0x5EED_0000 + n as u64);
        for (ti, t) in tapers.iter().enumerate() {
            let plan = t.as_ref().and_then(|t| taper_plan(t, n, df));
            if t.is_some() && plan.is_none() {
                continue;
            }
            for (fi, (name, filter)) in filters.iter().enumerate() {
                // Lanes-long traces take every filter with one taper each, the taper rotating with the
                // length (every pair at the short lengths; all pairs at every length were 10× the time
                // of a debug build's test run for no other path).
                if n >= LANES_MIN && (fi + n) % tapers.len() != ti {
                    continue;
                }
                let what = format!("{n} samples, {t:?}, {name}");
                assert_same_bits(&src, plan.as_ref(), filter, &what);
            }
        }
    }
}

#[test]
fn fused_equals_unfused_bits_on_days_at_100_and_200_hz() {
    let mut cache = DesignCache::new();
    for df in [100.0, 200.0] {
        let n = 86_400 * df as usize;
        let src = counts(n, 0xDA7);
        let opts = IirOptions {
            corners: 4,
            zerophase: true,
            ..IirOptions::default()
        };
        let seed = design_bandpass(0.5, 10.0, df, &opts, &mut cache).unwrap();
        let causal = design_bandpass(
            0.5,
            10.0,
            df,
            &IirOptions {
                zerophase: false,
                ..opts
            },
            &mut cache,
        )
        .unwrap();
        let cheby = design_lowpass_cheby_2(df / 8.0, df, 12, &mut cache).unwrap().plan;
        let hann = taper_plan(&taper(0.05, "hann", TaperSide::Both), n, df).unwrap();
        assert_same_bits(&src, Some(&hann), &seed, &format!("a day at {df} Hz, seed job"));
        // The other shapes on a quarter of the day (the day-long unfused references are what make
        // this test slow in a debug build).
        let q = n / 4 + 3;
        let hann = taper_plan(&taper(0.05, "hann", TaperSide::Both), q, df).unwrap();
        let right = taper_plan(&taper(0.1, "cosine", TaperSide::Right), q, df).unwrap();
        for (taper, filter, what) in [
            (None, &causal, "no taper, causal"),
            (Some(&right), &cheby, "right cosine, cheby2"),
            (Some(&hann), &causal, "hann, causal"),
        ] {
            assert_same_bits(&src[..q], taper, filter, &format!("a quarter day at {df} Hz, {what}"));
        }
    }
}

#[test]
fn fused_equals_unfused_bits_for_extreme_and_constant_samples() {
    let mut cache = DesignCache::new();
    let df = 100.0;
    let filters = filters(df, &mut cache);
    let mut rng = Rng(0xE87);
    for n in [1, 2, 3, 9, LANES_MIN - 1, LANES_MIN + 5] {
        let extremes: Vec<i32> = (0..n)
            .map(|i| match i % 4 {
                0 => i32::MIN,
                1 => i32::MAX,
                2 => {
                    if rng.next_f64() < 0.5 {
                        i32::MIN
                    } else {
                        i32::MAX
                    }
                }
                _ => 0,
            })
            .collect();
        let ramp: Vec<i32> = (0..n)
            .map(|i| (i32::MIN as i64 + (i as i64 * 65_537) % (u32::MAX as i64)) as i32)
            .collect();
        let cases = [
            ("alternating extremes", extremes),
            ("i32::MIN", vec![i32::MIN; n]),
            ("i32::MAX", vec![i32::MAX; n]),
            ("zeros", vec![0; n]),
            ("constant 7", vec![7; n]),
            ("wrapping ramp", ramp),
        ];
        for (name, src) in &cases {
            for t in [
                None,
                Some(taper(0.05, "hann", TaperSide::Both)),
                Some(taper(0.5, "flattop", TaperSide::Both)),
            ] {
                let plan = t.as_ref().and_then(|t| taper_plan(t, n, df));
                for (fname, filter) in &filters {
                    let what = format!("{name}, {n} samples, {t:?}, {fname}");
                    assert_same_bits(src, plan.as_ref(), filter, &what);
                }
            }
        }
    }
}

#[test]
fn fused_rejects_no_samples_like_the_filter() {
    let mut cache = DesignCache::new();
    let filter = design_lowpass(2.0, 100.0, &IirOptions::default(), &mut cache).unwrap();
    let mut out = Vec::new();
    let fused = detrend_taper_filter_i32(&[], None, &filter, &mut out).unwrap_err();
    let plain = filter.apply(&mut []).unwrap_err();
    assert_eq!(fused, plain);
}
