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

/// `cos(θ/2)` and `sin(θ/2)` for a block of angles: everything the kernels need (`cos θ`, `sin θ`,
/// Reinsch's `λ`) follows without cancellation near 0 and π.
pub(crate) struct Angles {
    ch: [f64; BLOCK],
    sh: [f64; BLOCK],
    n: usize,
}

/// Half-angle `cos`/`sin` of `m·δ` for `m < BLOCK`: built once per stage, so a block of a uniform
/// frequency grid costs one `sin_cos` instead of one per frequency.
pub(crate) struct GridTable {
    h: f64,
    t: Vec<(f64, f64)>,
}

impl GridTable {
    /// The table for angle step `delta`.
    pub(crate) fn new(delta: f64) -> GridTable {
        let h = 0.5 * delta;
        let t = (0..BLOCK)
            .map(|m| {
                let (s, c) = (m as f64 * h).sin_cos();
                (c, s)
            })
            .collect();
        GridTable { h, t }
    }

    /// The angle step `δ` the table was made for.
    pub(crate) fn delta(&self) -> f64 {
        2.0 * self.h
    }
}

impl Angles {
    /// The half-angle sines and cosines of each `θ`.
    pub(crate) fn exact(theta: &[f64]) -> Angles {
        let n = theta.len();
        let mut a = Angles {
            ch: [0.0; BLOCK],
            sh: [0.0; BLOCK],
            n,
        };
        for (i, th) in theta.iter().enumerate() {
            let (s, c) = (0.5 * th).sin_cos();
            a.ch[i] = c;
            a.sh[i] = s;
        }
        a
    }

    /// `θ_j = j·delta` for `j` in `j0..j0 + n` (`n ≤ BLOCK`).
    #[cfg(test)]
    pub(crate) fn grid(j0: usize, n: usize, delta: f64) -> Angles {
        Angles::from_table(j0, n, &GridTable::new(delta))
    }

    /// `θ_j = j·delta` for `j` in `j0..j0 + n` (`n ≤ BLOCK`) with `table` made for `delta`: one exact
    /// `sin`/`cos` at `j0`, then one angle addition per point (error 2 ulp, not accumulating).
    pub(crate) fn from_table(j0: usize, n: usize, table: &GridTable) -> Angles {
        let mut a = Angles {
            ch: [0.0; BLOCK],
            sh: [0.0; BLOCK],
            n,
        };
        let (sb, cb) = (j0 as f64 * table.h).sin_cos();
        for (m, &(cm, sm)) in table.t.iter().enumerate().take(n) {
            a.ch[m] = cb * cm - sb * sm;
            a.sh[m] = sb * cm + cb * sm;
        }
        a
    }

    /// `cos θ` of element `i`.
    #[inline]
    pub(crate) fn cos(&self, i: usize) -> f64 {
        (self.ch[i] - self.sh[i]) * (self.ch[i] + self.sh[i])
    }

    /// `sin θ` of element `i`.
    #[inline]
    pub(crate) fn sin(&self, i: usize) -> f64 {
        2.0 * self.sh[i] * self.ch[i]
    }

    /// Number of angles.
    pub(crate) fn len(&self) -> usize {
        self.n
    }
}

/// `Σ c[m]·cos(mθ)` and `Σ c[m]·sin(mθ)` for each angle (Reinsch's recurrence): the AVX2 build when
/// the CPU has it (four angles per instruction instead of two; the same operations, no fused
/// multiply-add, so the same bits), the portable one otherwise.
pub(crate) fn trig_sums(c: &[f64], a: &Angles, cos_sum: &mut [f64], sin_sum: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 (checked above), the only requirement of the target feature;
        // `trig_sums_avx2` is otherwise safe code (no pointers, every access bounds-checked).
        return unsafe { trig_sums_avx2(c, a, cos_sum, sin_sum) };
    }
    trig_sums_body(c, a, cos_sum, sin_sum)
}

/// The AVX2 build of [`trig_sums_body`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn trig_sums_avx2(c: &[f64], a: &Angles, cos_sum: &mut [f64], sin_sum: &mut [f64]) {
    trig_sums_body(c, a, cos_sum, sin_sum)
}

#[inline(always)]
fn trig_sums_body(c: &[f64], a: &Angles, cos_sum: &mut [f64], sin_sum: &mut [f64]) {
    let n = a.len();
    let mut lam = [0.0; BLOCK];
    let mut sgn = [0.0; BLOCK];
    for i in 0..n {
        let pos = a.cos(i) > 0.0;
        sgn[i] = if pos { 1.0 } else { -1.0 };
        lam[i] = if pos {
            -4.0 * a.sh[i] * a.sh[i]
        } else {
            4.0 * a.ch[i] * a.ch[i]
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
            d[i] = ck + lam[i] * b[i] + sgn[i] * d[i];
            b[i] = d[i] + sgn[i] * b[i];
        }
    }
    for i in 0..n {
        // cos sum = b_0 − cosθ·b_1 = d_0 − (λ/2)·b_1 in both branches; sin sum = b_1·sinθ.
        cos_sum[i] = d[i] - 0.5 * lam[i] * b1[i];
        sin_sum[i] = b1[i] * a.sin(i);
    }
}

/// evalresp `analog_trans`: `h0 · Π(s − z) / Π(s − p)` with `s = iω` (ω = 2πf for rad/s stages, f for Hz).
/// The products are kept as separate real and imaginary arrays so the loops vectorise; each step
/// is evalresp's `zmul` with its operation order.
pub(crate) fn analog(zeros: &[C], poles: &[C], h0: f64, omega: &[f64], out: &mut [C]) {
    let n = omega.len();
    let (mut nr, mut ni) = ([1.0; BLOCK], [1.0; BLOCK]);
    let (mut dr, mut di) = ([1.0; BLOCK], [1.0; BLOCK]);
    let product = |re: &mut [f64; BLOCK], im: &mut [f64; BLOCK], roots: &[C]| {
        for z in roots {
            for i in 0..n {
                // zmul(acc, (-z.re, ω - z.im))
                let (br, bi) = (-z.re, omega[i] - z.im);
                let (ar, ai) = (re[i], im[i]);
                re[i] = ar * br - ai * bi;
                im[i] = ai * br + ar * bi;
            }
        }
    };
    product(&mut nr, &mut ni, zeros);
    product(&mut dr, &mut di, poles);
    for i in 0..n {
        let mut t = zmul(C::new(dr[i], -di[i]), C::new(nr[i], ni[i]));
        let mod_squared = dr[i] * dr[i] + di[i] * di[i];
        if mod_squared != 0.0 {
            t = C::new(t.re / mod_squared, t.im / mod_squared);
        }
        out[i] = C::new(h0 * t.re, h0 * t.im);
    }
}

/// evalresp `iir_pz_trans`: digital poles and zeros on `z = e^{iωΔt}`, through modulus and phase.
pub(crate) fn iir_pz(zeros: &[C], poles: &[C], h0: f64, a: &Angles, out: &mut [C]) {
    for (i, o) in out.iter_mut().enumerate().take(a.len()) {
        let (c, s) = (a.cos(i), a.sin(i));
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

/// evalresp `fir_asym_trans`: `h0 · Σ a[k] e^{-ikθ}`. (Its all-equal "boxcar" shortcut never runs
/// under ObsPy: `check_sym` has already turned every constant, hence palindromic, FIR symmetric.)
pub(crate) fn fir_asym(a: &[f64], h0: f64, ang: &Angles, out: &mut [C]) {
    let n = ang.len();
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(a, ang, &mut cs, &mut sn);
    for i in 0..n {
        out[i] = C::new(cs[i] * h0, -sn[i] * h0);
    }
}

/// evalresp `fir_sym_trans`, odd length: `h0 · (a[n-1] + 2 Σ_{k<n-1} a[k] cos((n-1-k)θ))`.
pub(crate) fn fir_sym1(a: &[f64], h0: f64, ang: &Angles, out: &mut [C]) {
    let n = ang.len();
    let na = a.len();
    let series: Vec<f64> = (0..na)
        .map(|m| if m == 0 { a[na - 1] } else { 2.0 * a[na - 1 - m] })
        .collect();
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(&series, ang, &mut cs, &mut sn);
    for i in 0..n {
        out[i] = C::new(cs[i] * h0, 0.0);
    }
}

/// evalresp `fir_sym_trans`, even length: `h0 · 2 Σ a[k] cos((n-1-k+½)θ)`.
pub(crate) fn fir_sym2(a: &[f64], h0: f64, ang: &Angles, out: &mut [C]) {
    let n = ang.len();
    let series: Vec<f64> = a.iter().rev().copied().collect();
    let (mut cs, mut sn) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(&series, ang, &mut cs, &mut sn);
    for i in 0..n {
        let r = ang.ch[i] * cs[i] - ang.sh[i] * sn[i];
        out[i] = C::new(2.0 * r * h0, 0.0);
    }
}

/// evalresp `iir_trans`: `h0 · N(e^{-iθ}) / D(e^{-iθ})` through modulus and phase.
pub(crate) fn iir_coeffs(num: &[f64], den: &[f64], h0: f64, ang: &Angles, out: &mut [C]) {
    let n = ang.len();
    let (mut nc, mut ns) = ([0.0; BLOCK], [0.0; BLOCK]);
    let (mut dc, mut ds) = ([0.0; BLOCK], [0.0; BLOCK]);
    trig_sums(num, ang, &mut nc, &mut ns);
    trig_sums(den, ang, &mut dc, &mut ds);
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
        trig_sums(&c, &Angles::exact(&theta), &mut cs, &mut sn);
        for (i, &th) in theta.iter().enumerate() {
            let (dc, ds) = direct(&c, th);
            assert!((cs[i] - dc).abs() < 1e-13, "cos sum at {th}: {} vs {dc}", cs[i]);
            assert!((sn[i] - ds).abs() < 1e-13, "sin sum at {th}: {} vs {ds}", sn[i]);
        }
    }

    #[test]
    fn grid_angles_match_exact_angles() {
        let delta = 2.0 * std::f64::consts::PI * 0.0123;
        let g = Angles::grid(1000, BLOCK, delta);
        let theta: Vec<f64> = (1000..1000 + BLOCK).map(|j| j as f64 * delta).collect();
        let e = Angles::exact(&theta);
        for (i, th) in theta.iter().enumerate() {
            // Both differ from the true angle by the rounding of j·δ (a few ulp of θ).
            let tol = 8.0 * f64::EPSILON * th.max(1.0);
            assert!(
                (g.ch[i] - e.ch[i]).abs() < tol && (g.sh[i] - e.sh[i]).abs() < tol,
                "{i}"
            );
            assert!((g.cos(i) - th.cos()).abs() < 2.0 * tol && (g.sin(i) - th.sin()).abs() < 2.0 * tol);
        }
    }

    #[test]
    fn trig_sums_of_no_coefficients_are_zero() {
        let (mut cs, mut sn) = ([1.0; BLOCK], [1.0; BLOCK]);
        trig_sums(&[], &Angles::exact(&[0.5, 2.0]), &mut cs, &mut sn);
        assert_eq!((cs[0], sn[0], cs[1], sn[1]), (0.0, 0.0, 0.0, 0.0));
    }
}
