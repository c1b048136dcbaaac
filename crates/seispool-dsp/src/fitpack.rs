//! The parts of FITPACK (Dierckx) behind SciPy's `LSQUnivariateSpline`, `InterpolatedUnivariateSpline`
//! and `splev`, translated routine by routine so results agree with SciPy to rounding.
//!
//! Knot vectors `t` hold all `n` knots; coefficient vectors hold `n - k - 1` entries.

use crate::OpError;

/// Highest spline degree FITPACK supports.
pub const MAX_DEGREE: usize = 5;

/// FITPACK `fpbspl`: the `k + 1` non-zero B-splines of degree `k` at `x`, where `t[l] <= x < t[l + 1]`
/// (0-based `l`, `k <= l`). Result in `h[..=k]`.
fn fpbspl(t: &[f64], k: usize, x: f64, l: usize, h: &mut [f64; MAX_DEGREE + 2]) {
    let mut hh = [0.0; MAX_DEGREE + 1];
    h[0] = 1.0;
    for j in 1..=k {
        hh[..j].copy_from_slice(&h[..j]);
        h[0] = 0.0;
        for i in 1..=j {
            // 1-based Fortran: li = l + i, lj = li - j with l the 1-based interval index.
            let li = l + i;
            let lj = li - j;
            if t[li] == t[lj] {
                h[i] = 0.0;
                continue;
            }
            let f = hh[i - 1] / (t[li] - t[lj]);
            h[i - 1] += f * (t[li] - x);
            h[i] = f * (x - t[lj]);
        }
    }
}

/// FITPACK `fpgivs`: Givens rotation that zeroes `piv` against `ww` (updated in place); returns (cos, sin).
fn fpgivs(piv: f64, ww: &mut f64) -> (f64, f64) {
    let store = piv.abs();
    let dd = if store >= *ww {
        store * (1.0 + (*ww / piv) * (*ww / piv)).sqrt()
    } else {
        *ww * (1.0 + (piv / *ww) * (piv / *ww)).sqrt()
    };
    let (c, s) = (*ww / dd, piv / dd);
    *ww = dd;
    (c, s)
}

/// FITPACK `fprota`: applies the rotation (cos, sin) to the pair (a, b).
fn fprota(c: f64, s: f64, a: &mut f64, b: &mut f64) {
    let (s1, s2) = (*a, *b);
    *b = c * s2 + s * s1;
    *a = c * s1 - s * s2;
}

/// FITPACK `fpchec`: whether knots `t` of degree `k` suit the data abscissae `x` (Schoenberg-Whitney).
pub fn fpchec(x: &[f64], t: &[f64], k: usize) -> bool {
    let (m, n) = (x.len(), t.len());
    let k1 = k + 1;
    if n < 2 * k1 || n - k1 < k1 || n - k1 > m || m == 0 {
        return false;
    }
    let nk1 = n - k1;
    // 1-based accessor, as in the Fortran.
    let tt = |i: usize| t[i - 1];
    let xx = |i: usize| x[i - 1];
    let mut j = n;
    for i in 1..=k {
        if tt(i) > tt(i + 1) || tt(j) < tt(j - 1) {
            return false;
        }
        j -= 1;
    }
    for i in (k1 + 1)..=(nk1 + 1) {
        if tt(i) <= tt(i - 1) {
            return false;
        }
    }
    if xx(1) < tt(k1) || xx(m) > tt(nk1 + 1) {
        return false;
    }
    if xx(1) >= tt(k1 + 1) || xx(m) <= tt(nk1) {
        return false;
    }
    let mut i = 1;
    let mut l = k1 + 1;
    if nk1 < 3 {
        return true;
    }
    for j in 2..nk1 {
        let tj = tt(j);
        l += 1;
        let tl = tt(l);
        loop {
            i += 1;
            if i >= m {
                return false;
            }
            if xx(i) > tj {
                break;
            }
        }
        if xx(i) >= tl {
            return false;
        }
    }
    true
}

/// The knot vector FITPACK `fpcurf` builds for interpolation (`s = 0`): `k + 1` end knots at each
/// end, interior knots at data points (odd `k`) or midpoints (even `k`).
pub fn interpolation_knots(x: &[f64], k: usize) -> Vec<f64> {
    let m = x.len();
    let n = m + k + 1;
    let mut t = vec![0.0; n];
    for j in 0..=k {
        t[j] = x[0];
        t[n - 1 - j] = x[m - 1];
    }
    let k3 = k / 2;
    for l in 0..m.saturating_sub(k + 1) {
        // Fortran: t(k+2+l) = x(k3+2+l) or the midpoint of x(k3+1+l), x(k3+2+l).
        let j = k3 + 1 + l;
        t[k + 1 + l] = if k % 2 == 1 { x[j] } else { (x[j] + x[j - 1]) * 0.5 };
    }
    t
}

/// FITPACK `fpcurf` with given knots (unit weights): least-squares spline coefficients for the data,
/// built by Givens rotations row by row and back substitution, as FITPACK does.
pub fn lsq_coefficients(x: &[f64], y: &[f64], t: &[f64], k: usize) -> Vec<f64> {
    let n = t.len();
    let k1 = k + 1;
    let nk1 = n - k1;
    let mut a = vec![[0.0f64; MAX_DEGREE + 1]; nk1];
    let mut z = vec![0.0; nk1];
    let mut h = [0.0; MAX_DEGREE + 2];
    // 0-based interval index l with t[l] <= xi < t[l+1]; Fortran's l is this + 1.
    let mut l = k;
    for (&xi, &y0) in x.iter().zip(y) {
        let mut yi = y0;
        while !(xi < t[l + 1] || l + 1 == nk1) {
            l += 1;
        }
        fpbspl(t, k, xi, l, &mut h);
        for (i, j) in (0..k1).zip(l - k..) {
            let piv = h[i];
            if piv != 0.0 {
                let (c, s) = fpgivs(piv, &mut a[j][0]);
                fprota(c, s, &mut yi, &mut z[j]);
                if i == k {
                    break;
                }
                for (i2, i1) in (i + 1..k1).enumerate() {
                    let (hv, av) = (&mut h[i1], &mut a[j][i2 + 1]);
                    fprota(c, s, hv, av);
                }
            }
        }
    }
    fpback(&a, &z, k1)
}

/// FITPACK `fpback`: solves the upper-triangular band system `a c = z` of bandwidth `k`.
fn fpback(a: &[[f64; MAX_DEGREE + 1]], z: &[f64], k: usize) -> Vec<f64> {
    let n = z.len();
    let mut c = vec![0.0; n];
    c[n - 1] = z[n - 1] / a[n - 1][0];
    for i in (0..n - 1).rev() {
        let mut store = z[i];
        let i1 = (k - 1).min(n - 1 - i);
        for l in 1..=i1 {
            store -= c[i + l] * a[i][l];
        }
        c[i] = store / a[i][0];
    }
    c
}

/// FITPACK `splev` inside the base interval: evaluates the spline (t, c, k) at each `x` into `out`.
pub fn splev(t: &[f64], c: &[f64], k: usize, x: &[f64], out: &mut [f64]) {
    let n = t.len();
    let k1 = k + 1;
    let nk1 = n - k1;
    let mut h = [0.0; MAX_DEGREE + 2];
    let mut l = k;
    for (&arg, o) in x.iter().zip(out.iter_mut()) {
        while arg < t[l] && l != k {
            l -= 1;
        }
        while !(arg < t[l + 1] || l + 1 == nk1) {
            l += 1;
        }
        fpbspl(t, k, arg, l, &mut h);
        *o = (0..k1).map(|j| c[l - k + j] * h[j]).fold(0.0, |s, v| s + v);
    }
}

/// SciPy `splantider` (n = 1): knots, coefficients and degree of the antiderivative spline.
pub fn antiderivative(t: &[f64], c: &[f64], k: usize) -> (Vec<f64>, Vec<f64>, usize) {
    let n = t.len();
    let mut cn = Vec::with_capacity(n + 2);
    cn.push(0.0);
    let mut acc = 0.0;
    for i in 0..n - k - 1 {
        acc += c[i] * (t[i + k + 1] - t[i]);
        cn.push(acc / (k + 1) as f64);
    }
    let last = *cn.last().unwrap_or(&0.0);
    cn.extend(std::iter::repeat_n(last, k + 2));
    let mut tn = Vec::with_capacity(n + 2);
    tn.push(t[0]);
    tn.extend_from_slice(t);
    tn.push(t[n - 1]);
    (tn, cn, k + 1)
}

/// SciPy `InterpolatedUnivariateSpline(x, y, k)` (FITPACK `curfit`, s = 0): knots and coefficients.
pub fn interpolating_spline(op: &'static str, x: &[f64], y: &[f64], k: usize) -> Result<(Vec<f64>, Vec<f64>), OpError> {
    if !(1..=MAX_DEGREE).contains(&k) {
        return Err(OpError::new(op, "k should be 1 <= k <= 5"));
    }
    if x.len() <= k {
        return Err(OpError::new(
            op,
            format!("{} samples are too few for a spline of degree {k} (need > k)", x.len()),
        ));
    }
    let t = interpolation_knots(x, k);
    let c = lsq_coefficients(x, y, &t, k);
    Ok((t, c))
}
