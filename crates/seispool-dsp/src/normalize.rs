//! Amplitude normalisation: ObsPy `Trace.normalize`.

use crate::OpError;

/// ObsPy `Trace.max()`: the sample with the largest magnitude (the minimum wins only if strictly larger
/// in magnitude). `None` for empty data.
pub fn abs_max_value(data: &[f64]) -> Option<f64> {
    let first = *data.first()?;
    // numpy's max/min propagate NaN.
    let (mut hi, mut lo) = (first, first);
    for &v in data {
        if v.is_nan() || hi.is_nan() {
            hi = f64::NAN;
            lo = f64::NAN;
            break;
        }
        hi = hi.max(v);
        lo = lo.min(v);
    }
    Some(if lo.abs() > hi.abs() { lo } else { hi })
}

/// ObsPy's warnings for `Trace.normalize(norm)` on `data`, in its order: a negative `norm` (its absolute
/// value is used), and a zero norm or maximum (the data is left unchanged).
pub fn normalize_warnings(data: &[f64], norm: Option<f64>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if norm.is_some_and(|n| n < 0.0) {
        out.push("Normalizing with negative values is forbidden. Using absolute value.");
    }
    // ObsPy's `if not norm` (NaN is true, so it divides); an empty trace's maximum raises instead.
    if norm.or_else(|| abs_max_value(data)) == Some(0.0) {
        out.push(
            "Attempting to normalize by dividing through zero. This is not allowed and the data will thus \
             not be changed.",
        );
    }
    out
}

/// ObsPy `Trace.normalize(norm)`: divides by `|norm|`, or by the absolute maximum when `norm` is `None`.
/// A zero norm leaves the data unchanged (ObsPy warns); empty data is an error, as `Trace.max()` raises.
pub fn normalize(data: &mut [f64], norm: Option<f64>) -> Result<(), OpError> {
    let norm = match norm {
        Some(n) => n,
        None => abs_max_value(data).ok_or_else(|| OpError::new("normalize", "cannot normalize an empty trace"))?,
    };
    if norm == 0.0 {
        return Ok(());
    }
    let d = norm.abs();
    data.iter_mut().for_each(|v| *v /= d);
    Ok(())
}
