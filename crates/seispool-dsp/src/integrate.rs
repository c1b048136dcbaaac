//! Time integration and differentiation: ObsPy `Trace.integrate` and `Trace.differentiate`.

use crate::OpError;
use crate::fitpack;

/// ObsPy `Trace.integrate(method="cumtrapz")` (`scipy.integrate.cumulative_trapezoid(dx=delta,
/// initial=0)`), in place. Empty data is left alone.
pub fn integrate_cumtrapz(data: &mut [f64], delta: f64) {
    let Some(&first) = data.first() else { return };
    let mut prev = first;
    let mut acc = 0.0;
    data[0] = 0.0;
    for v in data.iter_mut().skip(1) {
        let cur = *v;
        acc += delta * (prev + cur) / 2.0;
        *v = acc;
        prev = cur;
    }
}

/// ObsPy `Trace.integrate(method="spline", k=k)`: the antiderivative of SciPy's interpolating spline of
/// degree `k` (1..=5) through the samples, evaluated at the samples. Needs more than `k` samples.
pub fn integrate_spline(data: &mut [f64], delta: f64, k: usize) -> Result<(), OpError> {
    let n = data.len();
    if n == 0 {
        return Ok(());
    }
    if !(delta.is_finite() && delta > 0.0) {
        return Err(OpError::new(
            "integrate",
            format!("x must be strictly increasing: sample interval {delta}"),
        ));
    }
    let x = numpy_linspace(0.0, (n - 1) as f64 * delta, n);
    let (t, c) = fitpack::interpolating_spline("integrate", &x, data, k)?;
    let (ti, ci, ki) = fitpack::antiderivative(&t, &c, k);
    fitpack::splev(&ti, &ci, ki, &x, data);
    Ok(())
}

/// ObsPy `Trace.differentiate(method="gradient")` (`numpy.gradient(data, delta)`, edge order 1), in place.
/// Needs at least two samples, as numpy does; empty data is left alone.
pub fn differentiate_gradient(data: &mut [f64], delta: f64) -> Result<(), OpError> {
    let n = data.len();
    if n == 0 {
        return Ok(());
    }
    if n < 2 {
        return Err(OpError::new(
            "differentiate",
            "shape of array too small to calculate a numerical gradient, at least 2 samples are required",
        ));
    }
    let mut prev = data[0];
    data[0] = (data[1] - data[0]) / delta;
    for i in 1..n - 1 {
        let cur = data[i];
        data[i] = (data[i + 1] - prev) / (2.0 * delta);
        prev = cur;
    }
    data[n - 1] = (data[n - 1] - prev) / delta;
    Ok(())
}

/// `numpy.linspace(start, stop, num)` (endpoint included): `i * step + start`, last value exactly `stop`.
pub(crate) fn numpy_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let mut y: Vec<f64> = Vec::with_capacity(num);
    if num == 1 {
        y.push(start);
        return y;
    }
    let delta = stop - start;
    let div = num.saturating_sub(1) as f64;
    let step = delta / div;
    for i in 0..num {
        let v = if step == 0.0 {
            i as f64 / div * delta
        } else {
            i as f64 * step
        };
        y.push(v + start);
    }
    if let Some(last) = y.last_mut() {
        *last = stop;
    }
    y
}
