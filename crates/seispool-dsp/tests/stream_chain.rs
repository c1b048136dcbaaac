//! The block-by-block filter chain (src/stream_chain.rs) against SciPy's exact recurrences run trace
//! by trace (`sosfilt_exact`, bit-identical to SciPy's `_sosfilt`, tests/sosfilt_bit_identity.rs):
//! `sosfilt` forwards (and backwards for `zerophase`), then `decimate`'s Chebyshev II and `[::factor]`.
//! Tolerance: **within 1e-12 of the exact output's max**, on days at 100 and 200 Hz, every chain shape
//! (zerophase or not, with or without a decimation), ObsPy's designs (Butterworth bandpass, lowpass,
//! highpass, bandstop; `decimate`'s Chebyshev II for factors 2 to 16), large offsets, and lengths at
//! and around the block size. Chains the blocks cannot take (too short, poles too near the unit circle)
//! are refused, leaving the output alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::{
    DesignCache, FilterChain, IirOptions, Sos, TaperPlan, TaperSide, TaperType, design_bandpass, design_bandstop,
    design_highpass, design_lowpass, design_lowpass_cheby_2, detrend_linear_i32, filter_chain, filter_chain_four_lanes,
    filter_chain_i32, sosfilt_exact, sosfilt_zerophase_exact,
};
use seispool_testkit::Rng;

const TOL: f64 = 1e-12;

/// Shortest trace the chain takes (4 lanes of 32 768).
const MIN: usize = 131_072;

/// Samples per block of the chain's four-lane build (4 lanes of 65 536).
const BLOCK: usize = 262_144;

/// Samples per block of the chain on CPUs with AVX-512F (8 interleaved lanes of 65 536).
const WIDE_BLOCK: usize = 524_288;

use seispool_testkit::noisy_trace as trace;

fn opts(corners: usize) -> IirOptions {
    IirOptions {
        corners,
        ..IirOptions::default()
    }
}

fn cheby(df: f64, factor: usize) -> Sos {
    design_lowpass_cheby_2(df * 0.5 / factor as f64, df, 12, &mut DesignCache::new())
        .unwrap()
        .plan
        .sos()
        .clone()
}

/// The chain trace by trace with SciPy's exact recurrences.
fn exact(input: &[f64], first: &Sos, zerophase: bool, decimate: Option<(&Sos, usize)>) -> Vec<f64> {
    let mut v = input.to_vec();
    if zerophase {
        sosfilt_zerophase_exact(first, &mut v);
    } else {
        sosfilt_exact(first, &mut v);
    }
    match decimate {
        Some((sos, factor)) => {
            sosfilt_exact(sos, &mut v);
            v.into_iter().step_by(factor).collect()
        }
        None => v,
    }
}

/// Runs the chain over `input` in the build this CPU takes; None when it refuses.
fn blocks(input: &[f64], first: &Sos, zerophase: bool, decimate: Option<(&Sos, usize)>) -> Option<Vec<f64>> {
    blocks_in(filter_chain, input, first, zerophase, decimate)
}

type Build = fn(usize, &(dyn Fn(usize, &mut [f64]) + Sync), &FilterChain, &mut Vec<f64>) -> bool;

/// The chain's builds: the one this CPU takes (eight interleaved lanes where it has AVX-512F) and the
/// four-lane one (which CPUs without AVX-512F take).
const BUILDS: [(&str, Build); 2] = [("this CPU's", filter_chain), ("four-lane", filter_chain_four_lanes)];

/// Runs the chain over `input` with `build`; None when it refuses.
fn blocks_in(
    build: Build,
    input: &[f64],
    first: &Sos,
    zerophase: bool,
    decimate: Option<(&Sos, usize)>,
) -> Option<Vec<f64>> {
    let chain = FilterChain {
        first: first.sections(),
        zerophase,
        decimate: decimate.map(|(s, f)| (s.sections(), f)),
    };
    let mut out = vec![7.0; 3];
    let get = |start: usize, buf: &mut [f64]| buf.copy_from_slice(&input[start..start + buf.len()]);
    if build(input.len(), &get, &chain, &mut out) {
        Some(out)
    } else {
        assert_eq!(out, vec![7.0; 3], "a refused chain leaves the output alone");
        None
    }
}

fn rel_err(got: &[f64], want: &[f64], what: &str) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let max = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let err = got.iter().zip(want).fold(0.0f64, |m, (g, w)| m.max((g - w).abs()));
    if max == 0.0 { err } else { err / max }
}

/// Both builds of the chain within [`TOL`] of the exact chain.
fn check(input: &[f64], first: &Sos, zerophase: bool, decimate: Option<(&Sos, usize)>, what: &str) {
    let want = exact(input, first, zerophase, decimate);
    for (name, build) in BUILDS {
        let got = blocks_in(build, input, first, zerophase, decimate)
            .unwrap_or_else(|| panic!("{what}, {name} build: refused"));
        let e = rel_err(&got, &want, what);
        assert!(e <= TOL, "{what}, {name} build: {e:e} of max");
    }
}

/// The seed's chain (bandpass 0.5–10 Hz, 4 corners, zerophase; `decimate(4)`) on a day at 100 Hz, and
/// the same at 200 Hz with `decimate(5)`; the other shapes (no zerophase, no decimation) on a quarter
/// of a day (the day-long exact references are what make this test slow in a debug build).
#[test]
fn seed_chain_within_1e_12_on_days_at_100_and_200_hz() {
    let mut rng = Rng(0x5EED_C4A1);
    for (df, factor) in [(100.0, 4), (200.0, 5)] {
        let n = (86_400.0 * df) as usize + 13;
        let input = trace(&mut rng, n, 1000.0, 250.0);
        let bp = design_bandpass(0.5, 10.0, df, &opts(4), &mut DesignCache::new())
            .unwrap()
            .sos()
            .clone();
        let dec = cheby(df, factor);
        check(&input, &bp, true, Some((&dec, factor)), &format!("a day at {df} Hz"));
        let quarter = &input[..n / 4];
        for zerophase in [true, false] {
            for decimate in [Some((&dec, factor)), None] {
                if zerophase && decimate.is_some() {
                    continue;
                }
                check(
                    quarter,
                    &bp,
                    zerophase,
                    decimate,
                    &format!("{df} Hz, zerophase {zerophase}, decimate {:?}", decimate.map(|d| d.1)),
                );
            }
        }
    }
}

/// Lengths at and around whole blocks of both builds (the last block short by one, one sample into a
/// new block, an odd remainder in the last lane), where a block's segments and warm-ups meet the
/// trace's ends.
#[test]
fn lengths_around_whole_blocks_within_1e_12() {
    let mut rng = Rng(0x5EED_C4A2);
    let bp = design_bandpass(1.0, 20.0, 100.0, &opts(4), &mut DesignCache::new())
        .unwrap()
        .sos()
        .clone();
    let dec = cheby(100.0, 3);
    for n in [
        MIN,
        MIN + 1,
        MIN + 3,
        BLOCK - 1,
        BLOCK,
        BLOCK + 5,
        BLOCK + MIN + 4097,
        2 * BLOCK - 1,
        WIDE_BLOCK + 7,
        WIDE_BLOCK + BLOCK + 4,
    ] {
        let input = trace(&mut rng, n, 300.0, -40.0);
        check(&input, &bp, true, Some((&dec, 3)), &format!("{n} samples"));
        check(&input, &bp, true, None, &format!("{n} samples, no decimation"));
    }
}

/// ObsPy's other Butterworth designs and every `decimate` factor's Chebyshev II, on a large offset
/// (the filters remove it; the state holds it).
#[test]
fn other_designs_and_factors_within_1e_12() {
    let mut rng = Rng(0x5EED_C4A3);
    let df = 100.0;
    let n = 5 * MIN + 123;
    let input = trace(&mut rng, n, 50.0, 2e6);
    let mut cache = DesignCache::new();
    let firsts = [
        ("lowpass 5 Hz", design_lowpass(5.0, df, &opts(4), &mut cache).unwrap()),
        ("highpass 1 Hz", design_highpass(1.0, df, &opts(2), &mut cache).unwrap()),
        (
            "bandstop 2-8 Hz",
            design_bandstop(2.0, 8.0, df, &opts(4), &mut cache).unwrap(),
        ),
        (
            "bandpass 0.5-10 Hz, 6 corners",
            design_bandpass(0.5, 10.0, df, &opts(6), &mut cache).unwrap(),
        ),
    ];
    for (name, plan) in &firsts {
        for zerophase in [true, false] {
            check(
                &input,
                plan.sos(),
                zerophase,
                None,
                &format!("{name}, zerophase {zerophase}"),
            );
        }
    }
    for factor in [2, 5, 8, 16] {
        let dec = cheby(df, factor);
        check(
            &input,
            firsts[0].1.sos(),
            true,
            Some((&dec, factor)),
            &format!("decimate({factor})"),
        );
    }
}

/// Refused: shorter than one block, and poles so near the unit circle (a 0.01 Hz highpass at 100 Hz)
/// that the warm-ups would be longer than the blocks.
#[test]
fn short_traces_and_slow_poles_are_refused() {
    let mut rng = Rng(0x5EED_C4A4);
    let bp = design_bandpass(0.5, 10.0, 100.0, &opts(4), &mut DesignCache::new())
        .unwrap()
        .sos()
        .clone();
    let short = trace(&mut rng, MIN - 1, 10.0, 0.0);
    for (_, build) in BUILDS {
        assert!(blocks_in(build, &short, &bp, true, None).is_none());
    }
    let slow = design_highpass(0.01, 100.0, &opts(4), &mut DesignCache::new())
        .unwrap()
        .sos()
        .clone();
    let long = trace(&mut rng, 2 * MIN, 10.0, 0.0);
    assert!(blocks(&long, &slow, true, None).is_none());
    let dec = cheby(100.0, 4);
    assert!(blocks(&long, &bp, true, Some((&dec, 0))).is_none(), "factor 0");
}

/// Every block is computed from the input alone, so blocks run by a pool's workers (the idle ones
/// take blocks: how the last unit of a run gets both cores) give the same bits as blocks run one
/// after the other on the calling thread; with and without zerophase before the decimation (without,
/// the decimation's warm-up in each lane comes from the forward pass alone).
#[test]
fn blocks_run_by_a_pool_give_the_bits_of_blocks_run_in_order() {
    let mut rng = Rng(0x5EED_C4A5);
    let input = trace(&mut rng, 2 * WIDE_BLOCK + 999, 80.0, 1e3);
    let bp = design_bandpass(0.5, 10.0, 100.0, &opts(4), &mut DesignCache::new())
        .unwrap()
        .sos()
        .clone();
    let dec = cheby(100.0, 4);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for zerophase in [true, false] {
        let here = blocks(&input, &bp, zerophase, Some((&dec, 4))).unwrap();
        let pooled = pool
            .install(|| blocks(&input, &bp, zerophase, Some((&dec, 4))))
            .unwrap();
        assert_eq!(here.len(), pooled.len());
        let differ = here.iter().zip(&pooled).position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(differ, None, "zerophase {zerophase}: first differing output");
        check(
            &input,
            &bp,
            zerophase,
            Some((&dec, 4)),
            &format!("zerophase {zerophase}, decimate(4)"),
        );
    }
}

/// An integer trace's chain (`filter_chain_i32`) reads its detrended, tapered samples as it goes; on
/// CPUs with AVX-512F the pieces of eight lanes that lie between the taper's flanks are converted and
/// detrended straight into the interleaved lanes (`interleave_line`), the others go through the
/// generic fill. Either way, the outputs have the bits of the chain run over `detrend_linear_i32`'s
/// samples tapered by `TaperPlan::apply`: flanks from none to half the trace (pieces of lanes inside,
/// across and outside them), lengths around the wide blocks, large offsets and trends, with and without
/// zerophase and a decimation.
#[test]
fn integer_traces_give_the_bits_of_their_detrended_tapered_samples_through_the_chain() {
    if !seispool_dsp::filter_chain_is_wide() {
        eprintln!("note: the CPU lacks AVX-512F: only the generic fill is compared");
    }
    let mut rng = Rng(0x1A7E_4EAF);
    let df = 100.0;
    let hann = TaperType::from_name("hann", &[]).unwrap();
    let dec = cheby(df, 4);
    for (k, &n) in [MIN, WIDE_BLOCK - 3, WIDE_BLOCK + 8_193, 2 * WIDE_BLOCK + 999]
        .iter()
        .enumerate()
    {
        let src: Vec<i32> = (0..n)
            .map(|i| {
                let noise = (rng.next_f64() - 0.5) * 4e4;
                (3e6 * (k as f64 - 1.5) + 25.0 * i as f64 / n as f64 * 1e3 + noise) as i32
            })
            .collect();
        let mut line = Vec::new();
        detrend_linear_i32(&src, &mut line);
        for (percentage, side) in [
            (None, TaperSide::Both),
            (Some(0.05), TaperSide::Both),
            (Some(0.0003), TaperSide::Left),
            (Some(0.5), TaperSide::Right),
        ] {
            let taper = percentage.map(|p| TaperPlan::new(n, df, Some(p), &hann, None, side).unwrap());
            let mut input = line.clone();
            if let Some(t) = &taper {
                t.apply(&mut input);
            }
            for zerophase in [true, false] {
                let o = IirOptions {
                    corners: 4,
                    zerophase,
                    ..IirOptions::default()
                };
                let bp = design_bandpass(0.5, 10.0, df, &o, &mut DesignCache::new()).unwrap();
                for decimate in [Some((&dec, 4)), None] {
                    let what = format!(
                        "n {n}, taper {percentage:?} {side:?}, zerophase {zerophase}, decimate {}",
                        decimate.is_some()
                    );
                    let chain = FilterChain {
                        first: bp.sos().sections(),
                        zerophase,
                        decimate: decimate.map(|(s, f)| (s.sections(), f)),
                    };
                    let get = |start: usize, buf: &mut [f64]| buf.copy_from_slice(&input[start..start + buf.len()]);
                    let mut want = Vec::new();
                    assert!(filter_chain(n, &get, &chain, &mut want), "{what}: refused");
                    let mut got = Vec::new();
                    assert!(
                        filter_chain_i32(&src, taper.as_ref(), &bp, decimate, &mut got),
                        "{what}: refused"
                    );
                    assert_eq!(got.len(), want.len(), "{what}");
                    let differ = got
                        .iter()
                        .zip(&want)
                        .position(|(a, b): (&f64, &f64)| a.to_bits() != b.to_bits());
                    assert_eq!(differ, None, "{what}: first differing output");
                }
            }
        }
    }
}
