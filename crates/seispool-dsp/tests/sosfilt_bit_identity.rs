//! The pipelined `sosfilt` kernels against the textbook loop they replace (kept here as the
//! reference): bit-identical outputs for random sections, every cascade length from 1 to beyond
//! one wavefront group, short and long inputs, both directions, and the fused decimation path.
//! `sosfilt_exact`/`sosfilt_zerophase_exact` are bit-identical at every length; `sosfilt`,
//! `sosfilt_zerophase` and `decimate` are too below the SIMD-lane threshold (4 × 16 384 samples, all
//! lengths here), above it they are within 1e-12 of max (tests/sosfilt_blocks.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::{
    DecimateOptions, DesignCache, Sos, decimate, design_lowpass_cheby_2, sosfilt, sosfilt_exact, sosfilt_zerophase,
    sosfilt_zerophase_exact,
};
use seispool_testkit::Rng;

/// `scipy.signal._sosfilt`: per sample, every section in turn, direct form II transposed.
fn reference(sections: &[[f64; 6]], data: &mut [f64]) {
    let mut zi = vec![[0.0f64; 2]; sections.len()];
    for x in data.iter_mut() {
        let mut cur = *x;
        for (s, z) in sections.iter().zip(zi.iter_mut()) {
            let y = s[0] * cur + z[0];
            z[0] = s[1] * cur - s[4] * y + z[1];
            z[1] = s[2] * cur - s[5] * y;
            cur = y;
        }
        *x = cur;
    }
}

fn reference_zerophase(sections: &[[f64; 6]], data: &mut [f64]) {
    reference(sections, data);
    data.reverse();
    reference(sections, data);
    data.reverse();
}

/// A random section: stable poles (radius < 1) unless `unstable`, arbitrary signed numerator with
/// exact zeros and negative zeros now and then (they decide signs of zero in the state).
fn section(rng: &mut Rng, unstable: bool) -> [f64; 6] {
    let r = if unstable {
        rng.range(0.9, 1.1)
    } else {
        rng.range(0.0, 0.999)
    };
    let theta = rng.range(0.0, std::f64::consts::PI);
    let mut b = [rng.range(-2.0, 2.0), rng.range(-2.0, 2.0), rng.range(-2.0, 2.0)];
    for c in &mut b {
        match (rng.next_f64() * 8.0) as u32 {
            0 => *c = 0.0,
            1 => *c = -0.0,
            _ => {}
        }
    }
    [b[0], b[1], b[2], 1.0, -2.0 * r * theta.cos(), r * r]
}

fn signal(rng: &mut Rng, n: usize, specials: bool) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let u = rng.next_f64();
            match (specials, (u * 64.0) as u32) {
                (true, 0) => 0.0,
                (true, 1) => -0.0,
                (true, 2) => f64::INFINITY,
                (true, 3) => f64::NAN,
                (true, 4) => 1e300,
                _ => rng.range(-1e3, 1e3),
            }
        })
        .collect()
}

/// Bit equality, except that any NaN matches any NaN (payload choice between two NaN operands of
/// a commutative operation is not part of the contract).
fn assert_same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{what}: sample {i}: got {g:e} ({:#x}), reference {w:e} ({:#x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

const LENGTHS: [usize; 14] = [0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 24, 25, 257, 20_001];

#[test]
fn sosfilt_matches_reference_bit_for_bit() {
    let mut rng = Rng(0x5EED_0001);
    for nsec in (1..=14).chain([24, 25, 37]) {
        for (case, &n) in LENGTHS.iter().enumerate() {
            let unstable = case % 5 == 4;
            let sections: Vec<[f64; 6]> = (0..nsec).map(|_| section(&mut rng, unstable)).collect();
            let sos = Sos::new(sections.clone()).unwrap();
            let input = signal(&mut rng, n, case % 3 == 0);
            let what = format!("{nsec} sections, {n} samples");

            let (mut got, mut want) = (input.clone(), input.clone());
            sosfilt(&sos, &mut got);
            reference(&sections, &mut want);
            assert_same(&got, &want, &format!("sosfilt, {what}"));
            let mut exact = input.clone();
            sosfilt_exact(&sos, &mut exact);
            assert_same(&exact, &want, &format!("sosfilt_exact, {what}"));

            let (mut got, mut want) = (input.clone(), input.clone());
            sosfilt_zerophase(&sos, &mut got);
            reference_zerophase(&sections, &mut want);
            assert_same(&got, &want, &format!("zerophase, {what}"));
            let mut exact = input.clone();
            sosfilt_zerophase_exact(&sos, &mut exact);
            assert_same(&exact, &want, &format!("zerophase_exact, {what}"));
        }
    }
}

#[test]
fn sosfilt_without_sections_leaves_data_alone() {
    let sos = Sos::new(Vec::new()).unwrap();
    let input = signal(&mut Rng(7), 9, true);
    let mut got = input.clone();
    sosfilt(&sos, &mut got);
    sosfilt_zerophase(&sos, &mut got);
    assert_same(&got, &input, "no sections");
}

/// The signs of zero in the state depend on which sections have run: a section must not step
/// before its first sample arrives or after its last one left. Coefficients and samples drawn from
/// signed zeros and small integers make those signs visible in the output.
#[test]
fn sosfilt_keeps_signed_zero_state_of_idle_sections() {
    const VALUES: [f64; 5] = [0.0, -0.0, 1.0, -1.0, 0.5];
    let mut rng = Rng(0x5EED_0003);
    let pick = |rng: &mut Rng| VALUES[(rng.next_f64() * VALUES.len() as f64) as usize];
    for case in 0..3000 {
        let nsec = 2 + case % 6;
        let sections: Vec<[f64; 6]> = (0..nsec)
            .map(|_| {
                [
                    pick(&mut rng),
                    pick(&mut rng),
                    pick(&mut rng),
                    1.0,
                    pick(&mut rng),
                    pick(&mut rng),
                ]
            })
            .collect();
        let input: Vec<f64> = (0..1 + case % 9).map(|_| pick(&mut rng)).collect();
        let sos = Sos::new(sections.clone()).unwrap();
        let (mut got, mut want) = (input.clone(), input.clone());
        sosfilt(&sos, &mut got);
        reference(&sections, &mut want);
        assert_same(&got, &want, &format!("{sections:?} on {input:?}"));
        let (mut got, mut want) = (input.clone(), input);
        sosfilt_zerophase(&sos, &mut got);
        reference_zerophase(&sections, &mut want);
        assert_same(&got, &want, &format!("zerophase {sections:?}"));
    }
}

#[test]
fn decimate_matches_reference_filter_then_every_nth() {
    let mut rng = Rng(0x5EED_0002);
    for factor in 1..=16 {
        for df in [100.0, 40.0, 1.0] {
            let design = design_lowpass_cheby_2(df * 0.5 / factor as f64, df, 12, &mut DesignCache::new()).unwrap();
            let sections = design.plan.sos().sections().to_vec();
            for n in [1, 2, 3, factor, factor + 1, 4 * factor - 1, 1001, 40_000 + factor] {
                let input = signal(&mut rng, n, n % 2 == 1);
                let mut want = input.clone();
                reference(&sections, &mut want);
                let want: Vec<f64> = want.iter().step_by(factor).copied().collect();
                let mut got = input;
                let rate = decimate(
                    &mut got,
                    df,
                    factor,
                    DecimateOptions::default(),
                    &mut DesignCache::new(),
                )
                .unwrap();
                assert_eq!(rate, df / factor as f64);
                assert_same(&got, &want, &format!("decimate({factor}) at {df} Hz, {n} samples"));
            }
        }
    }
}
