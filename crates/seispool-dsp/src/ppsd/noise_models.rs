//! Peterson's (1993) New Low and New High Noise Models (USGS Open-File Report 93-322, table 1), evaluated
//! as `A + B·log10(P)` on the grid of ObsPy's `noise_models.npz` (1001 periods from 0.1 to 100 000 s,
//! log-spaced), the curves `obspy.signal.spectral_estimation.get_nlnm()` / `get_nhnm()` return.

/// NLNM segments: (period from which the segment applies in s, A, B).
const NLNM: [(f64, f64, f64); 21] = [
    (0.10, -162.36, 5.64),
    (0.17, -166.7, 0.00),
    (0.40, -170.00, -8.30),
    (0.80, -166.40, 28.90),
    (1.24, -168.60, 52.48),
    (2.40, -159.98, 29.81),
    (4.30, -141.10, 0.00),
    (5.00, -71.36, -99.77),
    (6.00, -97.26, -66.49),
    (10.00, -132.18, -31.57),
    (12.00, -205.27, 36.16),
    (15.60, -37.65, -104.33),
    (21.90, -114.37, -47.10),
    (31.60, -160.58, -16.28),
    (45.00, -187.50, 0.00),
    (70.00, -216.47, 15.70),
    (101.00, -185.00, 0.00),
    (154.00, -168.34, -7.61),
    (328.00, -217.43, 11.90),
    (600.00, -258.28, 26.60),
    (10000.00, -346.88, 48.75),
];

/// NHNM segments: (period from which the segment applies in s, A, B).
const NHNM: [(f64, f64, f64); 11] = [
    (0.10, -108.73, -17.23),
    (0.22, -150.34, -80.50),
    (0.32, -122.31, -23.87),
    (0.80, -116.85, 32.51),
    (3.80, -108.48, 18.08),
    (4.60, -74.66, -32.95),
    (6.30, 0.66, -127.18),
    (7.90, -93.37, -22.42),
    (15.40, 73.54, -162.98),
    (20.00, -151.52, 10.01),
    (354.80, -206.66, 31.63),
];

/// The model grid: 1001 periods log-spaced from 100 000 s down to 0.1 s (ObsPy's order).
pub fn noise_model_periods() -> Vec<f64> {
    (0..=1000).map(|i| 10f64.powf(5.0 - 6.0 * i as f64 / 1000.0)).collect()
}

fn evaluate(table: &[(f64, f64, f64)], period: f64) -> f64 {
    let idx = table.partition_point(|s| s.0 <= period).saturating_sub(1);
    let (_, a, b) = table[idx];
    a + b * period.log10()
}

/// The New Low Noise Model as (period s, dB rel. 1 (m/s²)²/Hz) points, long periods first.
pub fn nlnm() -> Vec<(f64, f64)> {
    noise_model_periods()
        .into_iter()
        .map(|p| (p, evaluate(&NLNM, p)))
        .collect()
}

/// The New High Noise Model as (period s, dB rel. 1 (m/s²)²/Hz) points, long periods first.
pub fn nhnm() -> Vec<(f64, f64)> {
    noise_model_periods()
        .into_iter()
        .map(|p| (p, evaluate(&NHNM, p)))
        .collect()
}
