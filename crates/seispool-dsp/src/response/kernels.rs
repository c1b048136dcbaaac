//! evalresp's per-filter transfer functions, evaluated for a block of frequencies at once.
//!
//! evalresp loops frequency by frequency and calls `cos`/`sin` for every FIR coefficient. Here each
//! kernel runs over a block of angular frequencies with the coefficient loop outside, so the inner
//! loop is plain arithmetic the compiler vectorises. Trigonometric sums use Reinsch's stable form of
//! the Goertzel/Clenshaw recurrence (error `O(N·eps)` at every angle, unlike plain Goertzel near 0
//! and π), which needs one `cos`/`sin` per frequency instead of one per coefficient. Pole-zero
//! products keep evalresp's operation order.

use num_complex::Complex64 as C;

/// Frequencies per block: small enough that the block's work arrays stay in L1.
pub(crate) const BLOCK: usize = 256;

/// `Σ c[m]·cos(mθ)` and `Σ c[m]·sin(mθ)` for each `θ` in `theta` (Reinsch's recurrence).
pub(crate) fn trig_sums(c: &[f64], theta: &[f64], cos_sum: &mut [f64], sin_sum: &mut [f64]) {
    let n = theta.len();
    debug_assert!(n <= BLOCK && cos_sum.len() >= n && sin_sum.len() >= n);
    let mut lam = [0.0; BLOCK];
    let mut pos = [false; BLOCK];
    for i in 0..n {
        let half = 0.5 * theta[i];
        let cs = theta[i].cos();
        pos[i] = cs > 0.0;
        lam[i] = if pos[i] {
            let s = half.sin();
            -4.0 * s * s
        } else {
            let c = half.cos();
            4.0 * c * c
        };
    }
    // b_k = d_k ± b_{k+1}, d_k = c_k + λ b_{k+1} ± d_{k+1}: sign + where cos θ > 0, − elsewhere.
    let mut b = [0.0; BLOCK];
    let mut d = [0.0; BLOCK];
    let mut b1 = [0.0; BLOCK];
    for (k, &ck) in c.iter().enumerate().rev() {
        if k == 0 {
            b1[..n].copy_from_slice(&b[..n]);
        }
        for i in 0..n {
            let sgn = if pos[i] { 1.0 } else { -1.0 };
            d[i] = ck + lam[i] * b[i] + sgn * d[i];
            b[i] = d[i] + sgn * b[i];
        }
    }
    for i in 0..n {
        // cos sum = b_0 − cosθ·b_1 = d_0 − (λ/2)·b_1 in both branches; sin sum = b_1·sinθ.
        let bb1 = if c.is_empty() { 0.0 } else { b1[i] };
        cos_sum[i] = d[i] - 0.5 * lam[i] * bb1;
        sin_sum[i] = bb1 * theta[i].sin();
    }
}

/// evalresp `analog_trans`: `h0 · Π(s − z) / Π(s − p)` with `s = iω` (ω = 2πf for rad/s stages, f for Hz).
pub(crate) fn analog(zeros: &[C], poles: &[C], h0: f64, omega: &[f64], out: &mut [C]) {
    let n = omega.len();
    let mut num = [C::new(1.0, 1.0); BLOCK];
    let mut den = [C::new(1.0, 1.0); BLOCK];
    for z in zeros {
        for i in 0..n {
            num[i] = zmul(num[i], C::new(-z.re, omega[i] - z.im));
        }
    }
    for p in poles {
        for i in 0..n {
            den[i] = zmul(den[i], C::new(-p.re, omega[i] - p.im));
        }
    }
    for i in 0..n {
        let d = den[i];
        let mut t = zmul(C::new(d.re, -d.im), num[i]);
        let mod_squared = d.re * d.re + d.im * d.im;
        if mod_squared != 0.0 {
            t = C::new(t.re / mod_squared, t.im / mod_squared);
        }
        out[i] = C::new(h0 * t.re, h0 * t.im);
    }
}

/// evalresp `iir_pz_trans`: digital poles and zeros on `z = e^{iωΔt}`, through modulus and phase.
pub(crate) fn iir_pz(zeros: &[C], poles: &[C], h0: f64, wsint: &[f64], out: &mut [C]) {
    for (o, &ws) in out.iter_mut().zip(wsint) {
        let (c, s) = (ws.cos(), ws.sin());
        let mut modulus = 1.0;
        let mut pha = 0.0;
        for z in zeros {
            let (r, i) = (c - z.re, s - z.im);
            modulus *= (r * r + i * i).sqrt();
            if r != 0.0 || i != 0.0 {
                pha += i.atan2(r);
            }
        }
        for p in poles {
            let (r, i) = (c - p.re, s - p.im);
            modulus /= (r * r + i * i).sqrt();
            if r != 0.0 || i != 0.0 {
                pha -= i.atan2(r);
            }
        }
        *o = C::new(modulus * pha.cos() * h0, modulus * pha.sin() * h0);
    }
}

/// evalresp `fir_asym_trans`: `h0 · Σ a[k] e^{-ikθ}` (the all-equal "boxcar" case is a Dirichlet kernel
/// without `h0`, as evalresp has it).
pub(crate) fn fir_asym(a: &[f64], h0: f64, wsint: &[f64], out: &mut [C]) {
    let n = wsint.len();
    if !a.is_empty() && a.iter().all(|&v| v == a[0]) {
        let na = a.len() as f64;
        for (o, &ws) in out.iter_mut().zip(wsint) {
            let re = if ws == 0.0 {
                1.0
            } else {
                ((ws / 2.0) * na).sin() / (ws / 2.0).sin() * a[0]
            };
            *o = C::new(re, 0.0);
        }
        return;
    }
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(a, wsint, &mut cs, &mut sn);
    for i in 0..n {
        out[i] = C::new(cs[i] * h0, -sn[i] * h0);
    }
}

/// evalresp `fir_sym_trans`, odd length: `h0 · (a[n-1] + 2 Σ_{k<n-1} a[k] cos((n-1-k)θ))`.
pub(crate) fn fir_sym1(a: &[f64], h0: f64, wsint: &[f64], out: &mut [C]) {
    let n = wsint.len();
    let na = a.len();
    let series: Vec<f64> = (0..na)
        .map(|m| if m == 0 { a[na - 1] } else { 2.0 * a[na - 1 - m] })
        .collect();
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(&series, wsint, &mut cs, &mut sn);
    for i in 0..n {
        out[i] = C::new(cs[i] * h0, 0.0);
    }
}

/// evalresp `fir_sym_trans`, even length: `h0 · 2 Σ a[k] cos((n-1-k+½)θ)`.
pub(crate) fn fir_sym2(a: &[f64], h0: f64, wsint: &[f64], out: &mut [C]) {
    let n = wsint.len();
    let series: Vec<f64> = a.iter().rev().copied().collect();
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(&series, wsint, &mut cs, &mut sn);
    for i in 0..n {
        let half = 0.5 * wsint[i];
        let r = half.cos() * cs[i] - half.sin() * sn[i];
        out[i] = C::new(2.0 * r * h0, 0.0);
    }
}

/// evalresp `iir_trans`: `h0 · N(e^{-iθ}) / D(e^{-iθ})` through modulus and phase.
pub(crate) fn iir_coeffs(num: &[f64], den: &[f64], h0: f64, wsint: &[f64], out: &mut [C]) {
    let n = wsint.len();
    let (mut nc, mut ns) = ([0.0; BLOCK], [0.0; BLOCK]);
    let (mut dc, mut ds) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(num, wsint, &mut nc, &mut ns);
    trig_sums(den, wsint, &mut dc, &mut ds);
    for i in 0..n {
        let (xre, xim) = (nc[i], -ns[i]);
        let (yre, yim) = (dc[i], -ds[i]);
        let amp = (xre * xre + xim * xim).sqrt() / (yre * yre + yim * yim).sqrt();
        let phase = xim.atan2(xre) - yim.atan2(yre);
        out[i] = C::new(amp * phase.cos() * h0, amp * phase.sin() * h0);
    }
}

/// evalresp `zmul`: `a · b` with its operation order.
#[inline]
pub(crate) fn zmul(a: C, b: C) -> C {
    C::new(a.re * b.re - a.im * b.im, a.im * b.re + a.re * b.im)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(c: &[f64], th: f64) -> (f64, f64) {
        c.iter().enumerate().fold((0.0, 0.0), |(a, b), (m, &v)| {
            (a + v * (m as f64 * th).cos(), b + v * (m as f64 * th).sin())
        })
    }

    #[test]
    fn reinsch_sums_match_direct_sums_at_all_angles() {
        let c: Vec<f64> = (0..97).map(|i| ((i * 37 % 11) as f64 - 5.0) * 0.01).collect();
        let theta: Vec<f64> = vec![
            0.0,
            1e-9,
            1e-4,
            0.3,
            1.5,
            std::f64::consts::FRAC_PI_2 - 1e-7,
            2.9,
            std::f64::consts::PI - 1e-8,
            3.2,
            6.0,
        ];
        let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
        trig_sums(&c, &theta, &mut cs, &mut sn);
        for (i, &th) in theta.iter().enumerate() {
            let (dc, ds) = direct(&c, th);
            assert!((cs[i] - dc).abs() < 1e-13, "cos sum at {th}: {} vs {dc}", cs[i]);
            assert!((sn[i] - ds).abs() < 1e-13, "sin sum at {th}: {} vs {ds}", sn[i]);
        }
    }

    #[test]
    fn trig_sums_of_no_coefficients_are_zero() {
        let (mut cs, mut sn) = ([1.0; BLOCK], [1.0; BLOCK]);
        trig_sums(&[], &[0.5, 2.0], &mut cs, &mut sn);
        assert_eq!((cs[0], sn[0], cs[1], sn[1]), (0.0, 0.0, 0.0, 0.0));
    }
}
