//! Trend removal: ObsPy `Trace.detrend` (`obspy.signal.detrend` and `scipy.signal.detrend`).

use std::mem::MaybeUninit;

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

impl Detrend {
    /// Resolves ObsPy's detrend `type` (case-insensitive) and its options like `Trace.detrend` does:
    /// `polynomial` needs `order`, `spline` needs `order` and `dspline`; unknown names list the valid ones.
    pub fn from_name(name: &str, order: Option<usize>, dspline: Option<f64>) -> Result<Detrend, OpError> {
        let need_order = || order.ok_or_else(|| OpError::new(OP, format!("{name}: missing required argument 'order'")));
        Ok(match name.to_lowercase().as_str() {
            "simple" => Detrend::Simple,
            "linear" => Detrend::Linear,
            "constant" | "demean" => Detrend::Constant,
            "polynomial" => Detrend::Polynomial { order: need_order()? },
            "spline" => Detrend::Spline {
                order: need_order()?,
                dspline: dspline.ok_or_else(|| OpError::new(OP, "spline: missing required argument 'dspline'"))?,
            },
            other => {
                return Err(OpError::new(
                    OP,
                    format!(
                        "unknown detrend type '{other}'; valid: constant, demean, linear, polynomial, simple, spline"
                    ),
                ));
            }
        })
    }
}

/// ObsPy `Trace.detrend(type)`: removes the trend in place. Empty data is left alone, as in ObsPy.
pub fn detrend(data: &mut [f64], kind: Detrend) -> Result<(), OpError> {
    if data.is_empty() {
        return Ok(());
    }
    match kind {
        Detrend::Simple => detrend_simple(data),
        Detrend::Linear => return detrend_linear_finite(data),
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

/// `scipy.signal.detrend(type="linear")`: subtracts the least-squares line (the unique solution SciPy's
/// `lstsq` also finds; one sample becomes 0 like SciPy's minimum-norm fit). Two passes over memory: one
/// fused pass for both sums ([`line_sums`]), one to subtract; `Σ(i − x̄)²` is `n(n² − 1)/12`. Not
/// bit-identical to SciPy (its sums run in another order); within 1e-12 of the detrended trace's
/// maximum on the ObsPy comparison cases (tests/ops_vs_obspy.rs). Data holding a NaN or infinite
/// sample is left as it is (SciPy raises; [`detrend`] reports it).
pub fn detrend_linear(data: &mut [f64]) {
    // The only error is a non-finite sample, reported by `detrend`.
    let _ = detrend_linear_finite(data);
}

/// [`detrend_linear`], refusing NaN or infinite samples (data untouched) as SciPy's `lstsq`
/// (`check_finite`) does, with its message. They are looked for only when the sums are not finite,
/// which any such sample makes them: no extra pass over finite data.
fn detrend_linear_finite(data: &mut [f64]) -> Result<(), OpError> {
    let non_finite = |data: &[f64]| data.iter().any(|v| !v.is_finite());
    let refused = || OpError::new(OP, "linear: array must not contain infs or NaNs");
    let n = data.len();
    if n < 2 {
        if non_finite(data) {
            return Err(refused());
        }
        data.iter_mut().for_each(|v| *v = 0.0);
        return Ok(());
    }
    let nf = n as f64;
    let xm = (nf - 1.0) / 2.0;
    let (sum, sxy) = line_sums(data, xm);
    let sxx = nf * (nf * nf - 1.0) / 12.0;
    if sum.is_finite() && sxy.is_finite() {
        subtract_line(data, sum / nf, sxy / sxx, xm);
        return Ok(());
    }
    if non_finite(data) {
        return Err(refused());
    }
    // Finite samples whose sums overflow (magnitudes near f64's limit, where SciPy's SVD still fits
    // the line): fit and subtract it in samples scaled down by a power of two, then scale back (both
    // exact but for samples far below the largest, which the fit cannot see anyway).
    let largest = data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // At most 2¹⁰²³ (2¹⁰²⁴ is infinite): the scaled samples stay within ±2.
    let scale = 2f64.powi((largest.log2().ceil() as i32).min(f64::MAX_EXP - 1));
    data.iter_mut().for_each(|v| *v /= scale);
    let (sum, sxy) = line_sums(data, xm);
    subtract_line(data, sum / nf, sxy / sxx, xm);
    data.iter_mut().for_each(|v| *v *= scale);
    Ok(())
}

/// Subtracts the line `ym + slope · (i − xm)` from `data`.
fn subtract_line(data: &mut [f64], ym: f64, slope: f64, xm: f64) {
    // The abscissa runs as an f64 counter per lane (exact: integers below 2⁵³), since converting a
    // `usize` per sample does not vectorise.
    let mut dx: [f64; LANES] = std::array::from_fn(|k| k as f64 - xm);
    let mut lanes = data.chunks_exact_mut(LANES);
    for group in lanes.by_ref() {
        for k in 0..LANES {
            group[k] -= ym + slope * dx[k];
            dx[k] += LANES as f64;
        }
    }
    for (v, d) in lanes.into_remainder().iter_mut().zip(dx) {
        *v -= ym + slope * d;
    }
}

/// [`detrend_linear`] of integer samples, written as f64 into `out` (cleared first) in the same pass that
/// converts them: two passes over the integers instead of a conversion pass and two passes over f64.
/// The sums are exact (integers below 2⁵³ in f64 within a block, blocks added in i128), so the fitted
/// line is at least as close to the least-squares line as [`detrend_linear`]'s; within 1e-12 of the
/// detrended trace's maximum of ObsPy's (tests/detrend_fused.rs, and the ObsPy comparison of the seed
/// pipeline).
pub fn detrend_linear_i32(src: &[i32], out: &mut Vec<f64>) {
    out.clear();
    out.reserve_exact(src.len());
    let spare = &mut out.spare_capacity_mut()[..src.len()];
    LineFit::of_i32(src).write(src, 0, None, spare);
    #[allow(unsafe_code)]
    // SAFETY: `write` initialised all `src.len()` values of the spare capacity (its contract).
    unsafe {
        out.set_len(src.len());
    }
}

/// The least-squares line [`detrend_linear_i32`] subtracts: `ym + slope · (i − xm)` at sample `i`
/// (or nothing to subtract from, for fewer than two samples: those become 0).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineFit {
    /// `(n − 1) / 2`, the mean abscissa.
    pub(crate) xm: f64,
    /// The mean sample.
    pub(crate) ym: f64,
    /// The fitted slope.
    pub(crate) slope: f64,
    /// Fewer than two samples: every detrended value is 0.
    pub(crate) zero: bool,
}

impl LineFit {
    /// The fit of `src` from exact sums: `Σ x` and `Σ (2i − (n − 1))·x`.
    pub(crate) fn of_i32(src: &[i32]) -> LineFit {
        let n = src.len();
        if n < 2 {
            return LineFit {
                xm: 0.0,
                ym: 0.0,
                slope: 0.0,
                zero: true,
            };
        }
        let (sum, cross2) = exact_sums(src);
        let nf = n as f64;
        let xm = (nf - 1.0) / 2.0;
        let ym = sum as f64 / nf;
        let sxx = nf * (nf * nf - 1.0) / 12.0;
        let slope = (cross2 as f64 / 2.0) / sxx;
        LineFit {
            xm,
            ym,
            slope,
            zero: false,
        }
    }

    /// Detrended sample `i` of `x = src[i]`: `x − (ym + slope · (i − xm))`. The abscissa `i − xm`
    /// is exact in f64 (a multiple of ½ below 2⁵²), so this is the value [`LineFit::write`]'s lane
    /// counters (and the fused AVX2 pass's) give, bit for bit (the unit test below).
    #[cfg(test)]
    pub(crate) fn value(&self, i: usize, x: i32) -> f64 {
        if self.zero {
            return 0.0;
        }
        f64::from(x) - (self.ym + self.slope * (i as f64 - self.xm))
    }

    /// Writes the detrended `src` (samples `first ..` of the trace), each times the matching
    /// `window` factor when one is given (`window.len() == src.len()`), into `out`; initialises all
    /// `src.len()` values of `out` (which is at least that long).
    pub(crate) fn write(&self, src: &[i32], first: usize, window: Option<&[f64]>, out: &mut [MaybeUninit<f64>]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            #[allow(unsafe_code)]
            // SAFETY: the CPU supports AVX2 (checked above), the only requirement of the target feature.
            unsafe {
                self.write_avx2(src, first, window, out);
            }
            return;
        }
        self.write_in(src, first, window, out);
    }

    /// [`LineFit::write`] compiled for AVX2: four lanes per instruction instead of two. The same
    /// operations in the same order (Rust never contracts `a · b + c` into a fused multiply-add), so
    /// the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn write_avx2(&self, src: &[i32], first: usize, window: Option<&[f64]>, out: &mut [MaybeUninit<f64>]) {
        self.write_in(src, first, window, out);
    }

    /// The loop of [`LineFit::write`].
    #[inline(always)]
    fn write_in(&self, src: &[i32], first: usize, window: Option<&[f64]>, out: &mut [MaybeUninit<f64>]) {
        let out = &mut out[..src.len()];
        if self.zero {
            // 0, tapered as `taper` would taper it (`0 · w` is −0 for a negative factor).
            match window {
                Some(w) => out.iter_mut().zip(w).for_each(|(o, w)| {
                    o.write(0.0 * w);
                }),
                None => out.iter_mut().for_each(|o| {
                    o.write(0.0);
                }),
            }
            return;
        }
        let (ym, slope) = (self.ym, self.slope);
        // The abscissa runs as an f64 counter per lane (exact: multiples of ½ below 2⁵²), since
        // converting a `usize` per sample does not vectorise.
        let mut dx: [f64; LANES] = std::array::from_fn(|k| (first + k) as f64 - self.xm);
        let mut lanes = src.chunks_exact(LANES).zip(out.chunks_exact_mut(LANES));
        match window {
            None => {
                for (group, o) in lanes.by_ref() {
                    for k in 0..LANES {
                        o[k].write(f64::from(group[k]) - (ym + slope * dx[k]));
                        dx[k] += LANES as f64;
                    }
                }
            }
            Some(w) => {
                for ((group, o), w) in lanes.by_ref().zip(w.chunks_exact(LANES)) {
                    for k in 0..LANES {
                        o[k].write((f64::from(group[k]) - (ym + slope * dx[k])) * w[k]);
                        dx[k] += LANES as f64;
                    }
                }
            }
        }
        let done = src.len() / LANES * LANES;
        for (j, (&x, d)) in src[done..].iter().zip(dx).enumerate() {
            let v = f64::from(x) - (ym + slope * d);
            out[done + j].write(window.map_or(v, |w| v * w[done + j]));
        }
    }
}

/// `(Σ x, Σ (2i − (n − 1))·x)` of `src`, both exact: `2·Σ (i − x̄)·x` without the cancellation of
/// `Σ i·x − x̄·Σ x`. Every partial sum is an integer below 2⁵³, so any summation order (and a fused
/// multiply-add, exact here like the product and the sum it replaces) gives the same values: with
/// AVX2 and FMA (runtime-detected) [`exact_sums_avx2`] vectorises what the compiler's lanes spill.
///
/// Called on a worker of a rayon pool, a long `src` is summed in halves offered to the pool's idle
/// workers (the last unit of a run gets the cores the others have left); the halves' sums are exact
/// integers and combine exactly, so the values do not depend on the split.
fn exact_sums(src: &[i32]) -> (i128, i128) {
    let n = src.len();
    if n >= PARALLEL_SUMS && rayon::current_thread_index().is_some() {
        let mid = n / 2;
        let (a, b) = src.split_at(mid);
        let ((sa, ca), (sb, cb)) = rayon::join(|| exact_sums(a), || exact_sums(b));
        // A part's cross sum takes its own abscissa `2j − (len − 1)`; sample `off + j` of the whole
        // has `2(off + j) − (n − 1)`, which is that plus `2·off − (n − 1) + (len − 1)`.
        let shift = |off: usize, len: usize| 2 * off as i128 - (n as i128 - 1) + (len as i128 - 1);
        return (sa + sb, ca + shift(0, mid) * sa + cb + shift(mid, n - mid) * sb);
    }
    exact_sums_here(src)
}

/// Traces from this many samples have their sums split over the pool (see [`exact_sums`]).
const PARALLEL_SUMS: usize = 1 << 20;

/// [`exact_sums`] on the calling thread.
fn exact_sums_here(src: &[i32]) -> (i128, i128) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 and FMA (checked above), the only requirement of the
        // target features.
        return unsafe { exact_sums_avx2(src) };
    }
    exact_sums_in(src)
}

/// [`exact_sums`] in two AVX2 vectors of four lanes per sum, blocks as in [`exact_sums_in`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exact_sums_avx2(src: &[i32]) -> (i128, i128) {
    use std::arch::x86_64::{
        __m256d, _mm_loadu_si128, _mm256_add_pd, _mm256_cvtepi32_pd, _mm256_fmadd_pd, _mm256_set1_pd, _mm256_setr_pd,
        _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let total = |a: __m256d, b: __m256d| {
        let mut v = [0.0f64; 4];
        #[allow(unsafe_code)]
        // SAFETY: `v` has room for the four f64 stored (unaligned store).
        unsafe {
            _mm256_storeu_pd(v.as_mut_ptr(), _mm256_add_pd(a, b));
        }
        v.iter().sum::<f64>()
    };
    let n = src.len();
    let (mut sum, mut cross2) = (0i128, 0i128);
    let eight = _mm256_set1_pd(8.0);
    for (b, block) in src.chunks(I32_BLOCK).enumerate() {
        let (mut s, mut t) = ([_mm256_setzero_pd(); 2], [_mm256_setzero_pd(); 2]);
        let mut k = [_mm256_setr_pd(0.0, 1.0, 2.0, 3.0), _mm256_setr_pd(4.0, 5.0, 6.0, 7.0)];
        let mut groups = block.chunks_exact(8);
        for group in groups.by_ref() {
            for (h, four) in group.chunks_exact(4).enumerate() {
                #[allow(unsafe_code)]
                // SAFETY: `four` holds the four i32 loaded (unaligned load).
                let x = _mm256_cvtepi32_pd(unsafe { _mm_loadu_si128(four.as_ptr().cast()) });
                s[h] = _mm256_add_pd(s[h], x);
                t[h] = _mm256_fmadd_pd(k[h], x, t[h]);
                k[h] = _mm256_add_pd(k[h], eight);
            }
        }
        let done = block.len() / 8 * 8;
        let (mut bs, mut bt) = (total(s[0], s[1]), total(t[0], t[1]));
        for (j, &x) in groups.remainder().iter().enumerate() {
            let x = f64::from(x);
            bs += x;
            bt += (done + j) as f64 * x;
        }
        // 2·(b·BLOCK + k) − (n − 1) = c_b + 2k.
        let c_b = 2 * (b * I32_BLOCK) as i128 - (n as i128 - 1);
        sum += bs as i128;
        cross2 += c_b * bs as i128 + 2 * bt as i128;
    }
    (sum, cross2)
}

/// The loop of [`exact_sums`].
#[inline(always)]
fn exact_sums_in(src: &[i32]) -> (i128, i128) {
    let n = src.len();
    let (mut sum, mut cross2) = (0i128, 0i128);
    for (b, block) in src.chunks(I32_BLOCK).enumerate() {
        // Within a block k < 1024 and |x| ≤ 2³¹, so every product and partial sum is an integer below
        // 2⁵¹: exact in f64, whose lanes vectorise (i64 products do not on AVX2).
        let (mut s, mut t) = ([0.0f64; LANES], [0.0f64; LANES]);
        let mut k: [f64; LANES] = std::array::from_fn(|j| j as f64);
        let mut lanes = block.chunks_exact(LANES);
        for group in lanes.by_ref() {
            for j in 0..LANES {
                let x = f64::from(group[j]);
                s[j] += x;
                t[j] += k[j] * x;
                k[j] += LANES as f64;
            }
        }
        for (j, &x) in lanes.remainder().iter().enumerate() {
            let x = f64::from(x);
            s[j] += x;
            t[j] += k[j] * x;
        }
        let bs = s.iter().sum::<f64>() as i128;
        let bt = t.iter().sum::<f64>() as i128;
        // 2·(b·BLOCK + k) − (n − 1) = c_b + 2k.
        let c_b = 2 * (b * I32_BLOCK) as i128 - (n as i128 - 1);
        sum += bs;
        cross2 += c_b * bs + 2 * bt;
    }
    (sum, cross2)
}

/// Samples per block of [`detrend_linear_i32`]'s exact sums (products below 2⁵¹).
const I32_BLOCK: usize = 1024;

/// Blocks of [`LANES`] × 16 samples summed in independent lanes (the compiler vectorises them), block
/// totals added with Neumaier's compensation: the error stays near one block's, as numpy's pairwise
/// sum's does.
const LANES: usize = 8;
const BLOCK: usize = LANES * 16;

/// `(Σ y, Σ (i − xm)(y − y₀))` in one pass. Centring `y` on its first sample keeps the cross sum free of
/// the cancellation a large offset would cause; `Σ (i − xm) = 0`, so the shift leaves the slope alone.
fn line_sums(data: &[f64], xm: f64) -> (f64, f64) {
    let y0 = data[0];
    let (mut sum, mut sum_c) = (0.0f64, 0.0f64);
    let (mut sxy, mut sxy_c) = (0.0f64, 0.0f64);
    // Per-lane abscissae `i − xm` as f64 counters (exact: integers below 2⁵³, offset by xm, a half-integer).
    let mut dx: [f64; LANES] = std::array::from_fn(|k| k as f64 - xm);
    for block in data.chunks(BLOCK) {
        let (mut s, mut c) = ([0.0f64; LANES], [0.0f64; LANES]);
        let mut lanes = block.chunks_exact(LANES);
        for group in lanes.by_ref() {
            for k in 0..LANES {
                let dy = group[k] - y0;
                s[k] += dy;
                c[k] += dx[k] * dy;
                dx[k] += LANES as f64;
            }
        }
        for (k, &y) in lanes.remainder().iter().enumerate() {
            let dy = y - y0;
            s[k] += dy;
            c[k] += dx[k] * dy;
        }
        neumaier(&mut sum, &mut sum_c, s.iter().sum());
        neumaier(&mut sxy, &mut sxy_c, c.iter().sum());
    }
    (y0 * data.len() as f64 + (sum + sum_c), sxy + sxy_c)
}

/// Adds `v` to `total` with Neumaier's running compensation `comp`.
fn neumaier(total: &mut f64, comp: &mut f64, v: f64) {
    let t = *total + v;
    *comp += if total.abs() >= v.abs() {
        (*total - t) + v
    } else {
        (v - t) + *total
    };
    *total = t;
}

/// `obspy.signal.detrend.polynomial(order)`: subtracts the least-squares polynomial of `order` in the
/// sample index (`numpy.polyfit` + `polyval`). Projects the data off polynomials orthogonal on the
/// samples (Forsythe's three-term recurrence on [-1, 1]), twice for accuracy: O(n · order) time and
/// three scratch vectors, where a Vandermonde QR would need n · (order + 1).
pub fn detrend_polynomial(data: &mut [f64], order: usize) -> Result<(), OpError> {
    let n = data.len();
    if n == 1 && order > 0 {
        // numpy scales the Vandermonde columns by their norms, which are 0 for x = [0]: lstsq fails.
        return Err(OpError::new(
            OP,
            "polynomial: svd did not converge in linear least squares (one sample)",
        ));
    }
    if order + 1 >= n {
        // The polynomial interpolates every sample: nothing remains, unless a sample is NaN or infinite,
        // which makes numpy's whole fit NaN.
        let rest = if data.iter().all(|v| v.is_finite()) {
            0.0
        } else {
            f64::NAN
        };
        data.iter_mut().for_each(|v| *v = rest);
        return Ok(());
    }
    // numpy's fit is an n × (order + 1) least-squares system; ours takes time in proportion to its
    // size. Beyond 2³¹ values (16 GiB as float64) the request is refused before any work.
    const MAX_SYSTEM: usize = 1 << 31;
    if n.saturating_mul(order + 1) > MAX_SYSTEM {
        return Err(OpError::new(
            OP,
            format!(
                "polynomial: order {order} on {n} samples is a least-squares system of {n} x {} values, \
                 more than the limit of {MAX_SYSTEM} (16 GiB as float64); check the parameters",
                order + 1
            ),
        ));
    }
    let u: Vec<f64> = (0..n).map(|i| i as f64 * (2.0 / (n - 1) as f64) - 1.0).collect();
    for _ in 0..2 {
        project_out_polynomials(data, &u, order);
    }
    Ok(())
}

/// Subtracts from `r` its projection on polynomials of degree `0..=order` in `u` (modified Gram-Schmidt
/// against the discrete orthogonal polynomials, generated by their three-term recurrence).
fn project_out_polynomials(r: &mut [f64], u: &[f64], order: usize) {
    let n = r.len();
    let mut prev = vec![0.0; n];
    let mut cur = vec![1.0; n];
    let mut next = vec![0.0; n];
    let mut prev_norm = 1.0;
    for j in 0..=order {
        let norm = pairwise_dot(&cur, &cur);
        let c = pairwise_dot(r, &cur) / norm;
        r.iter_mut().zip(&cur).for_each(|(ri, pi)| *ri -= c * pi);
        if j == order {
            break;
        }
        let alpha = pairwise_dot3(u, &cur, &cur) / norm;
        let beta = if j == 0 { 0.0 } else { norm / prev_norm };
        for i in 0..n {
            next[i] = (u[i] - alpha) * cur[i] - beta * prev[i];
        }
        std::mem::swap(&mut prev, &mut cur);
        std::mem::swap(&mut cur, &mut next);
        prev_norm = norm;
    }
}

/// Dot product with pairwise summation (error grows with log n, not n).
fn pairwise_dot(a: &[f64], b: &[f64]) -> f64 {
    if a.len() <= 16 {
        return a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y);
    }
    let h = a.len() / 2;
    pairwise_dot(&a[..h], &b[..h]) + pairwise_dot(&a[h..], &b[h..])
}

/// Σ u·a·b with pairwise summation.
fn pairwise_dot3(u: &[f64], a: &[f64], b: &[f64]) -> f64 {
    if a.len() <= 16 {
        return u.iter().zip(a).zip(b).fold(0.0, |s, ((w, x), y)| s + w * x * y);
    }
    let h = a.len() / 2;
    pairwise_dot3(&u[..h], &a[..h], &b[..h]) + pairwise_dot3(&u[h..], &a[h..], &b[h..])
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
    let (start, stop) = (dspline / 2.0, n as f64 - dspline / 2.0 + 2.0);
    if numpy_arange_len(start, stop, dspline)? > n + k + 1 {
        // More knots than samples (`dspline` < 1): SciPy builds them all, then refuses them because
        // the last ones lie past the last sample (the check below). Refused here before allocating
        // them (a day at 100 Hz with `dspline=0.001` would be 8.6 billion knots).
        return Err(schoenberg_whitney());
    }
    let interior = numpy_arange(start, stop, dspline)?;
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
        return Err(schoenberg_whitney());
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

fn schoenberg_whitney() -> OpError {
    OpError::new(
        OP,
        "spline: interior knots t must satisfy schoenberg-whitney conditions",
    )
}

/// How many values `numpy.arange(start, stop, step)` gives (see [`numpy_arange`]).
fn numpy_arange_len(start: f64, stop: f64, step: f64) -> Result<usize, OpError> {
    let len = ((stop - start) / step).ceil();
    if !len.is_finite() || step == 0.0 {
        return Err(OpError::new(OP, format!("spline: invalid knot spacing dspline={step}")));
    }
    // Saturates above usize::MAX (the caller refuses such counts before allocating).
    Ok(if len > 0.0 { len as usize } else { 0 })
}

/// `numpy.arange(start, stop, step)` for floats: `ceil((stop - start) / step)` values `start + i * delta`
/// where `delta` is numpy's `(start + step) - start`.
fn numpy_arange(start: f64, stop: f64, step: f64) -> Result<Vec<f64>, OpError> {
    let len = numpy_arange_len(start, stop, step)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 sums are the portable loop's (both exact, so equal) for lengths around the blocks
    /// and the eight-sample groups, with extreme and random samples.
    #[test]
    fn avx2_exact_sums_equal_the_portable_loops() {
        let mut rng = seispool_testkit::Rng(0x5077);
        let mut src: Vec<i32> = (0..5000)
            .map(|i| match i % 5 {
                0 => i32::MIN,
                1 => i32::MAX,
                _ => (rng.next_f64() * 4e9 - 2e9) as i32,
            })
            .collect();
        src.extend(std::iter::repeat_n(i32::MIN, 3000));
        for n in (0..40).chain([1023, 1024, 1025, 2047, 2048, 2055, 4097, 7999, 8000]) {
            assert_eq!(exact_sums(&src[..n]), exact_sums_in(&src[..n]), "{n} samples");
            assert_eq!(
                exact_sums(&src[8000 - n..]),
                exact_sums_in(&src[8000 - n..]),
                "last {n}"
            );
        }
    }

    /// Summed in halves on a pool (idle workers take them), the exact sums are those of one pass: the
    /// halves' cross sums, each over its own abscissa, are shifted onto the whole trace's exactly.
    #[test]
    fn sums_split_over_a_pool_equal_one_pass() {
        let mut rng = seispool_testkit::Rng(0x5078);
        let src: Vec<i32> = (0..(3 << 20) + 17)
            .map(|i| match i % 97 {
                0 => i32::MIN,
                1 => i32::MAX,
                _ => (rng.next_f64() * 4e9 - 2e9) as i32,
            })
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of 2");
        for n in [PARALLEL_SUMS, PARALLEL_SUMS + 1, 2 * PARALLEL_SUMS + 333, src.len()] {
            let here = exact_sums_in(&src[..n]);
            assert_eq!(pool.install(|| exact_sums(&src[..n])), here, "{n} samples");
            assert_eq!(
                pool.install(|| exact_sums(&src[src.len() - n..])),
                exact_sums_in(&src[src.len() - n..])
            );
        }
    }

    /// The lane counters of [`LineFit::write`] (start `first + k − xm`, then `+ LANES` per step) give
    /// exactly `i as f64 − xm` for every index, which [`LineFit::value`] (the fused filter's input)
    /// computes: all those values are multiples of ½ below 2⁵², exact in f64. Checked for runs
    /// starting anywhere up to 2⁴⁸ samples into traces of odd and even lengths, with and without a
    /// window, against extreme samples.
    #[test]
    fn lane_counters_give_index_minus_mean_bits_at_every_offset() {
        let src: Vec<i32> = (0..203)
            .map(|i| match i % 3 {
                0 => i32::MIN,
                1 => i32::MAX,
                _ => i * 7919 - 100_000,
            })
            .collect();
        let window: Vec<f64> = (0..src.len()).map(|i| 1.0 - i as f64 / 300.0 - 0.1).collect();
        for n in [204usize, 205, 1 << 20, (1 << 20) + 1, 86_400 * 200, (1 << 49) + 3] {
            let nf = n as f64;
            let fit = LineFit {
                xm: (nf - 1.0) / 2.0,
                ym: -1234.5678,
                slope: 0.000_123_456_789,
                zero: false,
            };
            for first in [0, 1, 7, n / 2 - 100, n - src.len()] {
                for w in [None, Some(window.as_slice())] {
                    let mut out = vec![MaybeUninit::uninit(); src.len()];
                    fit.write(&src, first, w, &mut out);
                    for (j, o) in out.iter().enumerate() {
                        // SAFETY: `write` initialised every value.
                        #[allow(unsafe_code)]
                        let got = unsafe { o.assume_init() };
                        let v = fit.value(first + j, src[j]);
                        let want = w.map_or(v, |w| v * w[j]);
                        assert_eq!(got.to_bits(), want.to_bits(), "n {n}, first {first}, j {j}");
                    }
                }
            }
        }
    }
}
