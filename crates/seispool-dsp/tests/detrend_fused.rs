//! The two-pass linear detrend against the three-pass centred fit it replaced (mean, then
//! `Σ(i − x̄)(y − ȳ)`, `Σ(i − x̄)²`), here with compensated sums as an accurate reference: within 1e-12 of the
//! input trace's maximum on long traces with large offsets, steep trends and odd lengths. (Relative to
//! the input: with an offset of 1e7 on unit noise the subtracted mean alone carries 1e7 · 2⁻⁵³, so no
//! two summation orders, SciPy's included, agree to 1e-12 of the residual.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::detrend_linear;
use seispool_testkit::Rng;

/// Neumaier-compensated sum: accurate to about one rounding of the result.
fn accurate_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in terms {
        let t = sum + v;
        comp += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + comp
}

/// The centred least-squares fit with compensated sums (a more accurate reference than SciPy's).
fn reference(data: &mut [f64]) {
    let nf = data.len() as f64;
    let xm = (nf - 1.0) / 2.0;
    let ym = accurate_sum(data.iter().copied()) / nf;
    let sxy = accurate_sum(data.iter().enumerate().map(|(i, &y)| (i as f64 - xm) * (y - ym)));
    let sxx = accurate_sum((0..data.len()).map(|i| (i as f64 - xm) * (i as f64 - xm)));
    let slope = sxy / sxx;
    for (i, v) in data.iter_mut().enumerate() {
        *v -= ym + slope * (i as f64 - xm);
    }
}

#[test]
fn two_pass_linear_detrend_within_1e_12_of_the_centred_fit() {
    let mut rng = Rng(0x5EED_0021);
    let mut noise = move || rng.next_f64() - 0.5;
    for n in [2, 3, 7, 127, 128, 129, 1001, 8_640_000 + 13] {
        for (offset, trend, amp) in [
            (250.0, 1e-4, 1000.0),
            (1e7, 0.0, 1.0),
            (-3e5, 5.0, 1e-3),
            (0.0, 0.0, 1e-300),
        ] {
            let x: Vec<f64> = (0..n).map(|i| offset + trend * i as f64 + amp * noise()).collect();
            let scale = x.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
            let (mut got, mut want) = (x.clone(), x);
            detrend_linear(&mut got);
            reference(&mut want);
            let err = got.iter().zip(&want).fold(0.0f64, |m, (g, w)| m.max((g - w).abs())) / scale;
            assert!(
                err <= 1e-12,
                "n={n}, offset {offset}, trend {trend}, noise {amp}: {err:e}"
            );
        }
    }
}

/// The exact least-squares line of integer samples: sums in i128, the line evaluated in f64 only at the end.
fn exact_reference(x: &[i32]) -> Vec<f64> {
    let n = x.len() as i128;
    let sum: i128 = x.iter().map(|&v| i128::from(v)).sum();
    // 2·Σ (i − x̄)·x = Σ (2i − (n − 1))·x, exactly.
    let cross2: i128 = x
        .iter()
        .enumerate()
        .map(|(i, &v)| (2 * i as i128 - (n - 1)) * i128::from(v))
        .sum();
    let nf = x.len() as f64;
    let xm = (nf - 1.0) / 2.0;
    let ym = sum as f64 / nf;
    let slope = (cross2 as f64 / 2.0) / (nf * (nf * nf - 1.0) / 12.0);
    x.iter()
        .enumerate()
        .map(|(i, &v)| f64::from(v) - (ym + slope * (i as f64 - xm)))
        .collect()
}

#[test]
fn integer_linear_detrend_in_the_conversion_pass_within_1e_12_of_the_exact_fit() {
    let mut rng = Rng(0x1D37_2E0D);
    let mut next = move || rng.next_u64();
    for n in [0usize, 1, 2, 3, 7, 8, 9, 1023, 1024, 1025, 4097, 100_003, 1_000_003] {
        for case in 0..4 {
            let x: Vec<i32> = (0..n)
                .map(|i| match case {
                    // Full-scale noise: the products' bounds.
                    0 => next() as i32,
                    // Extremes only.
                    1 => {
                        if next() & 1 == 0 {
                            i32::MAX
                        } else {
                            i32::MIN
                        }
                    }
                    // A big offset with a small signal and a trend.
                    2 => 2_000_000_000 - (i as i32 % 1000) - (next() % 7) as i32,
                    // A typical seismometer count series.
                    _ => ((i as f64 * 0.01).sin() * 4e5) as i32 + (next() % 101) as i32 - 50,
                })
                .collect();
            let mut got = vec![123.0; 5];
            seispool_dsp::detrend_linear_i32(&x, &mut got);
            assert_eq!(got.len(), n);
            if n < 2 {
                assert!(got.iter().all(|&v| v == 0.0), "{got:?}");
                continue;
            }
            let want = exact_reference(&x);
            let scale = x.iter().fold(1.0f64, |m, &v| m.max(f64::from(v).abs()));
            let err = got.iter().zip(&want).fold(0.0f64, |m, (g, w)| m.max((g - w).abs())) / scale;
            assert!(err <= 1e-12, "n={n} case {case}: {err:e}");
            // And the f64 kernel on the converted samples agrees to the same tolerance.
            let mut f: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            detrend_linear(&mut f);
            let err = got.iter().zip(&f).fold(0.0f64, |m, (g, w)| m.max((g - w).abs())) / scale;
            assert!(err <= 1e-12, "n={n} case {case} vs detrend_linear: {err:e}");
        }
    }
}
