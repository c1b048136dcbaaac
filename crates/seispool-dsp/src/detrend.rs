//! Trend removal: ObsPy `Trace.detrend` (`obspy.signal.detrend` and `scipy.signal.detrend`).

use crate::OpError;
use crate::fitpack;

/// A detrend method, as named by ObsPy `Trace.detrend(type, **options)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detrend {
    /// `"simple"`: subtract the line through the first and last sample.
    Simple,
    /// `"linear"`: subtract the least-squares line (`scipy.signal.detrend(type="linear")`).
    Linear,
    /// `"constant"` or `"demean"`: subtract the mean.
    Constant,
    /// `"polynomial"`: subtract the least-squares polynomial of this order (`numpy.polyfit`).
    Polynomial {
        /// Polynomial order (`order=`).
        order: usize,
    },
    /// `"spline"`: subtract a least-squares spline (`LSQUnivariateSpline`) with knots every `dspline` samples.
    Spline {
        /// Spline degree, 1 to 5 (`order=`).
        order: usize,
        /// Distance between knots in samples (`dspline=`).
        dspline: f64,
    },
}

const OP: &str = "detrend";

/// ObsPy `Trace.detrend(type)`: removes the trend in place. Empty data is left alone, as in ObsPy.
pub fn detrend(data: &mut [f64], kind: Detrend) -> Result<(), OpError> {
    if data.is_empty() {
        return Ok(());
    }
    match kind {
        Detrend::Simple => detrend_simple(data),
        Detrend::Linear => detrend_linear(data),
        Detrend::Constant => detrend_constant(data),
        Detrend::Polynomial { order } => return detrend_polynomial(data, order),
        Detrend::Spline { order, dspline } => return detrend_spline(data, order, dspline),
    }
    Ok(())
}

/// `obspy.signal.detrend.simple`. One sample gives NaN, as ObsPy's `0/0` does.
pub fn detrend_simple(data: &mut [f64]) {
    let Some((&x1, &x2)) = data.first().zip(data.last()) else {
        return;
    };
    let slope = (x2 - x1) / (data.len() - 1) as f64;
    for (i, v) in data.iter_mut().enumerate() {
        *v -= x1 + i as f64 * slope;
    }
}

/// `scipy.signal.detrend(type="constant")`: subtracts numpy's (pairwise-summed) mean.
pub fn detrend_constant(data: &mut [f64]) {
    let mean = pairwise_sum(data) / data.len() as f64;
    data.iter_mut().for_each(|v| *v -= mean);
}

/// `scipy.signal.detrend(type="linear")`: subtracts the least-squares line, computed with centred sums
/// (the unique solution SciPy's `lstsq` also finds; one sample becomes 0 like SciPy's minimum-norm fit).
pub fn detrend_linear(data: &mut [f64]) {
    let n = data.len();
    if n < 2 {
        data.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    let nf = n as f64;
    let xm = (nf - 1.0) / 2.0;
    let ym = pairwise_sum(data) / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &y) in data.iter().enumerate() {
        let dx = i as f64 - xm;
        sxy += dx * (y - ym);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    for (i, v) in data.iter_mut().enumerate() {
        *v -= ym + slope * (i as f64 - xm);
    }
}

/// `obspy.signal.detrend.polynomial(order)`: subtracts the least-squares polynomial of `order` in the
/// sample index (`numpy.polyfit` + `polyval`). Solved by Householder QR on a Chebyshev basis (well
/// conditioned) with one step of iterative refinement, so the residual is accurate to rounding of the data.
pub fn detrend_polynomial(data: &mut [f64], order: usize) -> Result<(), OpError> {
    let n = data.len();
    if n == 1 && order > 0 {
        // numpy scales the Vandermonde columns by their norms, which are 0 for x = [0]: lstsq fails.
        return Err(OpError::new(
            OP,
            "polynomial: svd did not converge in linear least squares (one sample)",
        ));
    }
    let m = order + 1;
    if m >= n {
        // The polynomial interpolates every sample: nothing remains.
        data.iter_mut().for_each(|v| *v = 0.0);
        return Ok(());
    }
    let design = chebyshev_design(n, m);
    let qr = HouseholderQr::new(design.clone(), n, m);
    let mut work = vec![0.0; n];
    for _ in 0..2 {
        let c = qr.solve(data, &mut work);
        for (i, v) in data.iter_mut().enumerate() {
            let fit = (0..m).fold(0.0, |s, j| s + c[j] * design[j * n + i]);
            *v -= fit;
        }
    }
    Ok(())
}

/// Column-major `n × m` design matrix of Chebyshev polynomials T_j on the samples mapped to [-1, 1].
fn chebyshev_design(n: usize, m: usize) -> Vec<f64> {
    let mut a = vec![0.0; n * m];
    let scale = 2.0 / (n - 1) as f64;
    for i in 0..n {
        let u = i as f64 * scale - 1.0;
        let (mut t0, mut t1) = (1.0, u);
        for j in 0..m {
            a[j * n + i] = t0;
            let t2 = 2.0 * u * t1 - t0;
            (t0, t1) = (t1, t2);
        }
    }
    a
}

/// Householder QR of a column-major `n × m` matrix (`n > m`), for least-squares solves.
struct HouseholderQr {
    /// Reflection vectors below/on the diagonal, R above it, column-major.
    a: Vec<f64>,
    /// R's diagonal.
    diag: Vec<f64>,
    betas: Vec<f64>,
    n: usize,
    m: usize,
}

impl HouseholderQr {
    fn new(mut a: Vec<f64>, n: usize, m: usize) -> Self {
        let mut betas = vec![0.0; m];
        let mut diag = vec![0.0; m];
        for j in 0..m {
            let (left, right) = a.split_at_mut((j + 1) * n);
            let col = &mut left[j * n..];
            let norm = pairwise_sum_sq(&col[j..]).sqrt();
            let alpha = if col[j] > 0.0 { -norm } else { norm };
            diag[j] = alpha;
            col[j] -= alpha;
            let vnorm2 = pairwise_sum_sq(&col[j..]);
            betas[j] = if vnorm2 > 0.0 { 2.0 / vnorm2 } else { 0.0 };
            for other in right.chunks_exact_mut(n) {
                reflect(col, betas[j], j, other);
            }
        }
        HouseholderQr { a, diag, betas, n, m }
    }

    /// Least-squares coefficients for right-hand side `y` (`work` is scratch of length n).
    fn solve(&self, y: &[f64], work: &mut [f64]) -> Vec<f64> {
        let (n, m) = (self.n, self.m);
        work.copy_from_slice(y);
        for j in 0..m {
            reflect(&self.a[j * n..(j + 1) * n], self.betas[j], j, work);
        }
        let mut c = vec![0.0; m];
        for j in (0..m).rev() {
            let s = (j + 1..m).fold(work[j], |s, l| s - self.a[l * n + j] * c[l]);
            c[j] = s / self.diag[j];
        }
        c
    }
}

/// Applies the reflection `I - beta v vᵀ` (v non-zero from `from`) to `x`.
fn reflect(v: &[f64], beta: f64, from: usize, x: &mut [f64]) {
    let dot = pairwise_dot(&v[from..], &x[from..]);
    let f = beta * dot;
    x[from..].iter_mut().zip(&v[from..]).for_each(|(xi, vi)| *xi -= f * vi);
}

/// Dot product with pairwise summation (error grows with log n, not n).
fn pairwise_dot(a: &[f64], b: &[f64]) -> f64 {
    if a.len() <= 16 {
        return a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y);
    }
    let h = a.len() / 2;
    pairwise_dot(&a[..h], &b[..h]) + pairwise_dot(&a[h..], &b[h..])
}

fn pairwise_sum_sq(a: &[f64]) -> f64 {
    pairwise_dot(a, a)
}

/// `obspy.signal.detrend.spline(order, dspline)`: subtracts `LSQUnivariateSpline(x, data, t, k=order)`
/// with interior knots `arange(dspline/2, n - dspline/2 + 2, dspline)`, refusing knots as SciPy does.
pub fn detrend_spline(data: &mut [f64], order: usize, dspline: f64) -> Result<(), OpError> {
    let k = order;
    if data.is_empty() {
        return Ok(());
    }
    if !(1..=fitpack::MAX_DEGREE).contains(&k) {
        return Err(OpError::new(OP, "spline: k should be 1 <= k <= 5"));
    }
    let n = data.len();
    let interior = numpy_arange(dspline / 2.0, n as f64 - dspline / 2.0 + 2.0, dspline)?;
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let (xb, xe) = (x[0], x[n - 1]);
    let mut t = vec![xb; k + 1];
    t.extend_from_slice(&interior);
    t.extend(std::iter::repeat_n(xe, k + 1));
    let nt = t.len();
    if t[k..nt - k]
        .windows(2)
        .any(|w| (w[1] - w[0]).is_nan() || w[1] - w[0] <= 0.0)
    {
        return Err(OpError::new(
            OP,
            "spline: interior knots t must satisfy schoenberg-whitney conditions",
        ));
    }
    if !fitpack::fpchec(&x, &t, k) {
        return Err(OpError::new(
            OP,
            "spline: the knots were rejected by fpchec (too few samples per knot)",
        ));
    }
    let c = fitpack::lsq_coefficients(&x, data, &t, k);
    let mut fit = vec![0.0; n];
    fitpack::splev(&t, &c, k, &x, &mut fit);
    data.iter_mut().zip(&fit).for_each(|(v, f)| *v -= f);
    Ok(())
}

/// `numpy.arange(start, stop, step)` for floats: `ceil((stop - start) / step)` values `start + i * delta`
/// where `delta` is numpy's `(start + step) - start`.
fn numpy_arange(start: f64, stop: f64, step: f64) -> Result<Vec<f64>, OpError> {
    let len = ((stop - start) / step).ceil();
    if !len.is_finite() || step == 0.0 {
        return Err(OpError::new(OP, format!("spline: invalid knot spacing dspline={step}")));
    }
    let len = if len > 0.0 { len as usize } else { 0 };
    let delta = (start + step) - start;
    Ok((0..len)
        .map(|i| match i {
            0 => start,
            1 => start + step,
            _ => start + i as f64 * delta,
        })
        .collect())
}

/// numpy's pairwise summation (blocks of 8 unrolled, split at 128), so means match `np.mean` closely.
pub(crate) fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(-0.0, |s, v| s + v);
    }
    if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i + 8 <= n {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        return res;
    }
    let n2 = (n / 2) & !7;
    pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
}
