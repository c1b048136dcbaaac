//! The two-pass linear detrend against the three-pass centred fit it replaced (mean, then
//! `Σ(i − x̄)(y − ȳ)`, `Σ(i − x̄)²`), here with compensated sums as an accurate reference: within 1e-12 of the
//! input trace's maximum on long traces with large offsets, steep trends and odd lengths. (Relative to
//! the input: with an offset of 1e7 on unit noise the subtracted mean alone carries 1e7 · 2⁻⁵³, so no
//! two summation orders, SciPy's included, agree to 1e-12 of the residual.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::detrend_linear;

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
    let mut s: u64 = 0x5EED_0021;
    let mut noise = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
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
