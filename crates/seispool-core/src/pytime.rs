//! The arithmetic ObsPy's `UTCDateTime` and Python floats do, reproduced so boundary cases round the same.
//!
//! - `UTCDateTime - UTCDateTime` is `round((ns_a - ns_b) / 1e9, 6)` (default precision 6), see [`utc_sub`];
//! - comparisons (`<`, `<=`, `==`, ...) compare `round(ns, -3)` (microseconds, ties to even), see [`utc_cmp`];
//! - `UTCDateTime + float` adds `round(secs * 1e9)` ns (ties to even): [`crate::Time::add_seconds`].

use std::cmp::Ordering;

use crate::Time;

/// Python's `round(ns, -3) // 1000`: the time in microseconds, halves to even.
pub(crate) fn micros(t: Time) -> i64 {
    let q = t.0.div_euclid(1000);
    let r = t.0.rem_euclid(1000);
    if r > 500 || (r == 500 && q.rem_euclid(2) == 1) {
        q + 1
    } else {
        q
    }
}

/// ObsPy's rich comparison of two `UTCDateTime`s (precision 6: rounded to microseconds).
pub fn utc_cmp(a: Time, b: Time) -> Ordering {
    micros(a).cmp(&micros(b))
}

/// `a < b` as ObsPy compares.
pub(crate) fn utc_lt(a: Time, b: Time) -> bool {
    utc_cmp(a, b) == Ordering::Less
}

/// `a - b` in seconds as ObsPy computes it: `round((a.ns - b.ns) / 1e9, 6)`.
pub fn utc_sub(a: Time, b: Time) -> f64 {
    py_round((i128::from(a.0) - i128::from(b.0)) as f64 / 1e9, 6)
}

/// Python's `round(x, ndigits)` for floats: the exact binary value rounded to `ndigits` decimals
/// (halves to even), read back as the nearest double.
pub(crate) fn py_round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's fixed-precision formatting is exact and rounds exact halves to even, like Python's dtoa.
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// Python's float `a % b` (result takes the sign of `b`); None where Python raises ZeroDivisionError.
pub(crate) fn py_mod(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 {
        return None;
    }
    let m = a % b;
    Some(if m != 0.0 {
        if (m < 0.0) != (b < 0.0) { m + b } else { m }
    } else {
        0.0f64.copysign(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_like_python() {
        // round(0.0078125, 6) == 0.007812 in Python (exact half, to even).
        assert_eq!(py_round(0.0078125, 6), 0.007812);
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(py_round(-0.0000004, 6), 0.0);
        assert_eq!(utc_sub(Time(1_500), Time(0)), 0.000002);
        assert_eq!(utc_cmp(Time(1_500), Time(2_499)), Ordering::Equal);
        assert_eq!(utc_cmp(Time(2_500), Time(2_501)), Ordering::Less);
        assert_eq!(utc_cmp(Time(-1_500), Time(-2_000)), Ordering::Equal);
        assert_eq!(py_mod(-0.5, 2.0), Some(1.5));
        assert_eq!(py_mod(0.5, -2.0), Some(-1.5));
        assert_eq!(py_mod(1.0, 0.0), None);
    }
}
