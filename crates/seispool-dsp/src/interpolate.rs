//! Resampling by interpolation: ObsPy `Trace.interpolate` and the `obspy.signal.interpolation` kernels.
//!
//! Times are float POSIX seconds, as ObsPy computes them (`UTCDateTime.timestamp`), so interpolation
//! points round exactly like ObsPy's.

use std::f64::consts::PI;

use crate::OpError;
use crate::fitpack;
use crate::integrate::numpy_linspace;

const OP: &str = "interpolate";

/// An interpolation method of `Trace.interpolate(method=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpMethod {
    /// `"linear"` (`interp1d`, i.e. `numpy.interp`).
    Linear,
    /// `"nearest"` (`interp1d`; halfway rounds down).
    Nearest,
    /// `"zero"`: previous sample (`interp1d`, order 0 spline).
    Zero,
    /// `"slinear"`, `"quadratic"`, `"cubic"` or an integer `k`: `InterpolatedUnivariateSpline` of degree `k`.
    Spline(usize),
    /// `"lanczos"` with half width `a` samples (ObsPy 1.5.1 always uses the Lanczos taper; `window=` is ignored).
    Lanczos {
        /// Kernel half width in samples (>= 1).
        a: i64,
    },
    /// `"weighted_average_slopes"` (SAC's Wiggins scheme, ObsPy's default).
    WeightedAverageSlopes,
}

impl InterpMethod {
    /// Parses ObsPy's method name (case-insensitive); `lanczos_a` is the `a=` argument lanczos requires.
    pub fn from_name(name: &str, lanczos_a: Option<i64>) -> Result<InterpMethod, OpError> {
        Ok(match name.to_lowercase().as_str() {
            "linear" => InterpMethod::Linear,
            "nearest" => InterpMethod::Nearest,
            "zero" => InterpMethod::Zero,
            "slinear" => InterpMethod::Spline(1),
            "quadratic" => InterpMethod::Spline(2),
            "cubic" => InterpMethod::Spline(3),
            "weighted_average_slopes" => InterpMethod::WeightedAverageSlopes,
            "lanczos" => InterpMethod::Lanczos {
                a: lanczos_a
                    .ok_or_else(|| OpError::new(OP, "lanczos_interpolation() missing required argument 'a'"))?,
            },
            other => {
                return Err(OpError::new(
                    OP,
                    format!(
                        "unknown method '{other}'; valid: linear, nearest, zero, slinear, quadratic, cubic, \
                         lanczos, weighted_average_slopes, or an integer spline order"
                    ),
                ));
            }
        })
    }
}

/// The new trace geometry `Trace.interpolate` computes, from [`interpolate_plan`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterpolatePlan {
    /// Old start as ObsPy's float timestamp (after `time_shift`).
    pub old_start: f64,
    /// Old sample interval (`stats.delta`).
    pub old_dt: f64,
    /// New start as float timestamp.
    pub new_start: f64,
    /// New sample interval (`1 / sampling_rate`).
    pub new_dt: f64,
    /// New sample count.
    pub new_npts: usize,
    /// New `stats.starttime` in ns (`UTCDateTime(new_start)`).
    pub new_starttime_ns: i64,
    /// New `stats.sampling_rate` (`1 / new_dt`, as Stats derives it from delta).
    pub new_sampling_rate: f64,
}

/// `UTCDateTime.timestamp`: ns / 1e9 in float.
fn timestamp(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// Python's `int(round(x))` (ties to even) for a finite float of nanoseconds.
fn round_ns(x: f64) -> i64 {
    x.round_ties_even() as i64
}

/// ObsPy `Trace.interpolate`'s stats rules: `time_shift` moves the old start (`UTCDateTime + float`),
/// `starttime` defaults to the (shifted) start, `npts` to `floor((endtime - starttime) * rate) + 1`.
/// `None` when the trace has no data: ObsPy then leaves the trace (stats included) unchanged.
pub fn interpolate_plan(
    starttime_ns: i64,
    sampling_rate: f64,
    npts: usize,
    new_sampling_rate: f64,
    new_starttime_ns: Option<i64>,
    new_npts: Option<i64>,
    time_shift: f64,
) -> Result<Option<InterpolatePlan>, OpError> {
    if npts == 0 {
        return Ok(None);
    }
    if new_sampling_rate.is_nan() || new_sampling_rate <= 0.0 {
        return Err(OpError::new(OP, "the time step must be positive."));
    }
    if new_sampling_rate.is_infinite() {
        // ObsPy divides by the resulting zero step and raises ZeroDivisionError.
        return Err(OpError::new(OP, "float division by zero (infinite sampling rate)"));
    }
    let dt = 1.0 / new_sampling_rate;
    let out_of_range = || OpError::new(OP, "time outside the representable range");
    let start_ns = if time_shift != 0.0 {
        starttime_ns
            .checked_add(round_ns(time_shift * 1e9))
            .ok_or_else(out_of_range)?
    } else {
        starttime_ns
    };
    let old_dt = 1.0 / sampling_rate;
    let old_start = timestamp(start_ns);
    let new_start = new_starttime_ns.map_or(old_start, timestamp);
    let timediff = (npts - 1) as f64 * old_dt;
    let endtime = timestamp(
        start_ns
            .checked_add(round_ns(timediff * 1e9))
            .ok_or_else(out_of_range)?,
    );
    let n = match new_npts {
        Some(n) => n,
        None => (((endtime - new_start) / dt).floor() as i64).saturating_add(1),
    };
    let new_npts =
        usize::try_from(n).map_err(|_| OpError::new(OP, format!("number of samples, {n}, must be non-negative.")))?;
    seispool_core::limits::check_samples(&format!("interpolating to {new_sampling_rate} Hz"), new_npts)
        .map_err(|e| OpError::new(OP, e))?;
    Ok(Some(InterpolatePlan {
        old_start,
        old_dt,
        new_start,
        new_dt: dt,
        new_npts,
        new_starttime_ns: round_ns(new_start * 1e9),
        new_sampling_rate: 1.0 / dt,
    }))
}

/// ObsPy `Trace.interpolate(...)` on data laid out by `plan`: the new samples.
pub fn interpolate(data: &[f64], plan: &InterpolatePlan, method: InterpMethod) -> Result<Vec<f64>, OpError> {
    interpolate_kernel(
        data,
        plan.old_start,
        plan.old_dt,
        plan.new_start,
        plan.new_dt,
        plan.new_npts,
        method,
    )
}

/// The `obspy.signal.interpolation` kernels (`interpolate_1d`, `lanczos_interpolation`,
/// `weighted_average_slopes`): samples at `new_start + i * new_dt` from data at `old_start + j * old_dt`.
/// Refuses extrapolation as ObsPy's `_validate_parameters` does.
pub fn interpolate_kernel(
    data: &[f64],
    old_start: f64,
    old_dt: f64,
    new_start: f64,
    new_dt: f64,
    new_npts: usize,
    method: InterpMethod,
) -> Result<Vec<f64>, OpError> {
    if new_dt.is_nan() || new_dt <= 0.0 {
        return Err(OpError::new(OP, "the time step must be positive."));
    }
    if data.is_empty() {
        return Err(OpError::new(OP, "not a 1d array."));
    }
    if !(old_dt.is_finite() && old_dt > 0.0 && old_start.is_finite() && new_start.is_finite()) {
        return Err(OpError::new(
            OP,
            format!("invalid time axis: start {old_start}, delta {old_dt}"),
        ));
    }
    let old_end = old_start + old_dt * (data.len() - 1) as f64;
    let new_end = new_start + new_dt * (new_npts as f64 - 1.0);
    if old_start > new_start || old_end < new_end {
        return Err(OpError::new(
            OP,
            "the new array must be fully contained in the old array. no extrapolation can be performed.",
        ));
    }
    match method {
        InterpMethod::Lanczos { a } => lanczos(data, old_start, old_dt, new_start, new_dt, new_npts, a),
        InterpMethod::WeightedAverageSlopes => {
            let x_new = numpy_linspace(new_start, new_end, new_npts);
            weighted_average_slopes(data, old_start, old_dt, &x_new)
        }
        _ => {
            let x_new = numpy_linspace(new_start, new_end, new_npts);
            let x_old = numpy_linspace(old_start, old_end, data.len());
            interpolate_1d(data, &x_old, &x_new, method)
        }
    }
}

/// `obspy.signal.interpolation.interpolate_1d` on explicit abscissae.
fn interpolate_1d(y: &[f64], x: &[f64], x_new: &[f64], method: InterpMethod) -> Result<Vec<f64>, OpError> {
    match method {
        InterpMethod::Linear => Ok(x_new.iter().map(|&v| np_interp(v, x, y)).collect()),
        InterpMethod::Nearest => {
            // interp1d: bounds are midpoints x/2 + x/2, searchsorted(side="left"), clipped.
            let bds: Vec<f64> = x.windows(2).map(|w| w[1] / 2.0 + w[0] / 2.0).collect();
            Ok(x_new
                .iter()
                .map(|&v| y[bds.partition_point(|&b| b < v).min(y.len() - 1)])
                .collect())
        }
        InterpMethod::Zero => Ok(x_new
            .iter()
            .map(|&v| y[x.partition_point(|&b| b <= v).saturating_sub(1).min(y.len() - 1)])
            .collect()),
        InterpMethod::Spline(k) => {
            if x.windows(2).any(|w| w[1].is_nan() || w[1] <= w[0]) {
                return Err(OpError::new(OP, "x must be strictly increasing if s = 0"));
            }
            let (t, c) = fitpack::interpolating_spline(OP, x, y, k)?;
            let mut out = vec![0.0; x_new.len()];
            fitpack::splev(&t, &c, k, x_new, &mut out);
            Ok(out)
        }
        InterpMethod::Lanczos { .. } | InterpMethod::WeightedAverageSlopes => {
            Err(OpError::new(OP, "internal: not an interpolate_1d method"))
        }
    }
}

/// `numpy.interp(x, xp, fp)` for one point (numpy's formula, clamped ends).
pub(crate) fn np_interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x.is_nan() {
        return x;
    }
    if x < xp[0] {
        return fp[0];
    }
    if x > xp[n - 1] {
        return fp[n - 1];
    }
    if x == xp[n - 1] {
        return fp[n - 1];
    }
    // j with xp[j] <= x < xp[j + 1].
    let j = xp.partition_point(|&v| v <= x).saturating_sub(1);
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + fp[j + 1];
        if r2.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return r2;
    }
    r
}

/// `sinc` of ObsPy's C code (`|x| < 1e-10` is 1).
fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-10 {
        return 1.0;
    }
    (PI * x).sin() / (PI * x)
}

/// `obspy.signal.interpolation.lanczos_interpolation` (C `lanczos_resample` with the Lanczos window).
fn lanczos(
    data: &[f64],
    old_start: f64,
    old_dt: f64,
    new_start: f64,
    new_dt: f64,
    new_npts: usize,
    a: i64,
) -> Result<Vec<f64>, OpError> {
    let dt_factor = new_dt / old_dt;
    let offset = (new_start - old_start) / old_dt;
    if offset < 0.0 {
        return Err(OpError::new(OP, "cannot extrapolate."));
    }
    if a < 1 {
        return Err(OpError::new(OP, "a must be at least 1."));
    }
    let af = a as f64;
    let len = data.len() as i64;
    // Each output visits up to 2a + 1 samples (at most the whole trace): a day with `a=1e9` would
    // take days (ObsPy's loop is as long). Refused before any work past 2³⁶ kernel evaluations,
    // about a minute; a = 20..1000 on a day is well within.
    const MAX_TERMS: u128 = 1 << 36;
    let terms = (new_npts as u128) * (2 * a as u128 + 1).min(data.len() as u128);
    if terms > MAX_TERMS {
        return Err(OpError::new(
            OP,
            format!(
                "lanczos: a={a} on {new_npts} output samples is {terms} kernel evaluations, more than \
                 the limit of {MAX_TERMS}; check the parameters (runtime grows with a)"
            ),
        ));
    }
    let mut out = vec![0.0; new_npts];
    for (idx, o) in out.iter_mut().enumerate() {
        let x = dt_factor * idx as f64 + offset;
        let base = x.floor() as i64;
        // ObsPy's C loop runs m = -a..=a (i = base - m, descending) and skips i outside the data; only
        // that range is visited here, in the same order, so a huge `a` costs O(len) not O(a).
        let hi = base.saturating_add(a).min(len - 1);
        let lo = base.saturating_sub(a).max(0);
        for i in (lo..=hi).rev() {
            let xx = x - i as f64;
            if -af <= xx && xx <= af {
                *o += data[i as usize] * sinc(xx) * sinc(xx / af);
            }
        }
    }
    Ok(out)
}

/// `obspy.signal.interpolation.weighted_average_slopes` (slopes in numpy, C `hermite_interpolation`).
fn weighted_average_slopes(data: &[f64], old_start: f64, old_dt: f64, x_new: &[f64]) -> Result<Vec<f64>, OpError> {
    let n = data.len();
    if n < 2 {
        return Err(OpError::new(
            OP,
            "zero-size array to reduction operation maximum which has no identity",
        ));
    }
    let m: Vec<f64> = data.windows(2).map(|w| (w[1] - w[0]) / old_dt).collect();
    let wmax = m.iter().fold(f64::NEG_INFINITY, |a, &b| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.max(b.abs())
        }
    });
    // np.clip(w, eps, wmax) is minimum(maximum(w, eps), wmax), both propagating NaN (Rust's max/min
    // drop it): a NaN slope makes wmax NaN, and so every weight.
    let clip = |v: f64| {
        if v.is_nan() || wmax.is_nan() {
            f64::NAN
        } else {
            v.max(f64::EPSILON).min(wmax)
        }
    };
    let w: Vec<f64> = m.iter().map(|v| 1.0 / clip(v.abs())).collect();
    let mut slope = vec![0.0; n];
    slope[0] = m[0];
    slope[n - 1] = m[n - 2];
    for i in 1..n - 1 {
        let sign_change = m[i - 1].signum_np() != m[i].signum_np();
        slope[i] = if sign_change {
            0.0
        } else {
            (w[i - 1] * m[i - 1] + w[i] * m[i]) / (w[i - 1] + w[i])
        };
    }
    Ok(x_new
        .iter()
        .map(|&x| hermite(data, &slope, x, old_dt, old_start))
        .collect())
}

/// One point of ObsPy's C `hermite_interpolation`.
fn hermite(y: &[f64], slope: &[f64], x: f64, h: f64, x_start: f64) -> f64 {
    let i = (x - x_start) / h;
    let i0 = i.trunc() as usize;
    if i == i0 as f64 || i0 + 1 >= y.len() {
        // Float timestamps can put the last point a rounding step past the last sample; ObsPy's C code then
        // reads beyond its arrays (undefined), we return the last sample.
        return y[i0.min(y.len() - 1)];
    }
    let i1 = i0 + 1;
    if i == i1 as f64 {
        return y[i1];
    }
    let t = i - i0 as f64;
    let a0 = y[i0];
    let a1 = y[i1];
    let bm1 = h * slope[i0];
    let bp1 = h * slope[i1];
    let b0 = a1 - a0;
    let c0 = b0 - bm1;
    let c1 = bp1 - b0;
    let d0 = c1 - c0;
    a0 + (b0 + (c0 + d0 * t) * (t - 1.0)) * t
}

/// numpy's `sign` (0 for zero, NaN for NaN), used to detect slope sign changes.
trait SignumNp {
    fn signum_np(self) -> f64;
}

impl SignumNp for f64 {
    fn signum_np(self) -> f64 {
        if self > 0.0 {
            1.0
        } else if self < 0.0 {
            -1.0
        } else if self == 0.0 {
            0.0
        } else {
            f64::NAN
        }
    }
}
