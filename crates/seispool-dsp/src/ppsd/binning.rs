//! One window's binned PSD (`PPSD.__process` after `mlab.psd`) and the histogram, mode and mean
//! (`PPSD.calculate_histogram`, `get_mode`, `get_mean`).

use num_complex::Complex;

use super::{PpsdSetup, SpecialHandling};
use crate::OpError;

/// What turns a window's raw PSD (DC left out, reversed to ascending period) into ground motion power:
/// one factor per PSD period.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseTerm {
    /// Divide by `sensitivity²` (`special_handling="ringlaser"`).
    Sensitivity(f64),
    /// `w² / |H|²` (seismometers: velocity response to acceleration power) or `1 / |H|²` (hydrophone,
    /// infrasound), in ascending period order.
    Factors(Vec<f64>),
}

impl ResponseTerm {
    /// From the complex response on ObsPy's grid (`nfft / 2 + 1` frequencies `0..=fs/2`, as
    /// `get_evalresp_response(t_samp, nfft, output="VEL")` or `paz_to_freq_resp` give it).
    pub fn from_response(
        setup: &PpsdSetup,
        response: &[Complex<f64>],
        special: Option<SpecialHandling>,
    ) -> Result<ResponseTerm, OpError> {
        let want = setup.nfft / 2 + 1;
        if response.len() != want {
            return Err(OpError::new(
                "ppsd",
                format!(
                    "the response has {} frequencies, expected nfft/2+1 = {want}",
                    response.len()
                ),
            ));
        }
        // mlab's frequencies: np.fft.fftfreq(nfft, 1/fs)[:nfft/2+1], the last made positive.
        let val = 1.0 / (setup.nfft as f64 * (1.0 / setup.sampling_rate));
        let differentiate = special.is_none();
        let factors = (1..want)
            .rev()
            .map(|k| {
                let r = response[k];
                let respamp = (r * r.conj()).norm();
                let w = 2.0 * std::f64::consts::PI * (k as f64 * val);
                if differentiate { w * w / respamp } else { 1.0 / respamp }
            })
            .collect();
        Ok(ResponseTerm::Factors(factors))
    }
}

/// The smoothed, binned PSD in dB of one window's raw one-sided PSD `psd` (`nfft / 2 + 1` values), as
/// `PPSD.__process` stores it in `_binned_psds` (float32).
pub fn binned_psd(setup: &PpsdSetup, psd: &[f64], term: &ResponseTerm, out: &mut Vec<f32>) {
    binned_psd_with(setup, psd, term, &mut Vec::new(), out);
}

/// [`binned_psd`] with a caller's scratch buffer (no allocation once it has grown).
///
/// ObsPy averages the dB values of every PSD bin in each smoothing window. The sum of `10·log10(v)` over
/// a run of bins is `10·log10(2)·(Σ exponent + log2 Π mantissa)` of the values' binary forms, so the
/// logarithm is taken once per run of up to 256 bins instead of once per bin (the runs split at every
/// smoothing window's edge; each window's sum adds its runs' sums). Against the per-bin logarithms and
/// numpy's pairwise mean this differs by rounding only (≈1e-13 dB; `log_sums_match_per_bin_logarithms`).
pub fn binned_psd_with(setup: &PpsdSetup, psd: &[f64], term: &ResponseTerm, db: &mut Vec<f64>, out: &mut Vec<f32>) {
    let tiny = f64::MIN_POSITIVE;
    // Leave out DC, reverse to ascending period, remove the response, clamp at the smallest normal
    // (`spec[spec < dtiny] = dtiny` leaves NaN alone).
    db.clear();
    let clamp = |v: f64| if v < tiny { tiny } else { v };
    match term {
        ResponseTerm::Sensitivity(s) => db.extend(psd[1..].iter().rev().map(|&p| clamp(p / (s * s)))),
        ResponseTerm::Factors(f) => db.extend(psd[1..].iter().rev().zip(f).map(|(&p, &f)| clamp(p * f))),
    }
    let mut edges: Vec<usize> = Vec::with_capacity(setup.bin_ranges.len() * 2 + 2);
    for &(lo, hi) in &setup.bin_ranges {
        edges.push(lo.min(db.len()));
        edges.push(hi.max(lo).min(db.len()));
    }
    edges.sort_unstable();
    edges.dedup();
    let runs: Vec<f64> = edges.windows(2).map(|w| db_sum(&db[w[0]..w[1]])).collect();
    out.clear();
    out.extend(setup.bin_ranges.iter().map(|&(lo, hi)| {
        let (lo, hi) = (lo.min(db.len()), hi.max(lo).min(db.len()));
        let (a, b) = (edges.partition_point(|&e| e < lo), edges.partition_point(|&e| e < hi));
        let sum: f64 = runs[a..b.max(a)].iter().sum();
        // numpy's mean of an empty selection is NaN.
        (sum / (hi - lo) as f64) as f32
    }));
}

/// `Σ 10·log10(v)` over `v` (values clamped at the smallest normal, or NaN): exponents summed as
/// integers, mantissas (in [1, 2)) multiplied in runs of 256 (product < 2^256) with one `log2` per run.
/// Infinite or NaN values take the per-value logarithms (their sum is then infinite or NaN as numpy's).
fn db_sum(v: &[f64]) -> f64 {
    const DB_PER_OCTAVE: f64 = 10.0 * std::f64::consts::LOG10_2;
    if !v.iter().all(|x| x.is_finite()) {
        return v.iter().map(|x| 10.0 * x.log10()).sum();
    }
    const MANTISSA: u64 = (1 << 52) - 1;
    const ONE: u64 = 1023 << 52;
    let (mut exponents, mut logs) = (0i64, 0.0f64);
    for run in v.chunks(256) {
        // Four products so that the multiplications overlap.
        let mut prod = [1.0f64; 4];
        let mut exps = [0i64; 4];
        let quads = run.chunks_exact(4);
        let tail = quads.remainder();
        for q in quads {
            for k in 0..4 {
                let bits = q[k].to_bits();
                exps[k] += ((bits >> 52) & 0x7ff) as i64;
                prod[k] *= f64::from_bits((bits & MANTISSA) | ONE);
            }
        }
        for (k, x) in tail.iter().enumerate() {
            let bits = x.to_bits();
            exps[k] += ((bits >> 52) & 0x7ff) as i64;
            prod[k] *= f64::from_bits((bits & MANTISSA) | ONE);
        }
        exponents += exps.iter().sum::<i64>() - 1023 * run.len() as i64;
        logs += ((prod[0] * prod[1]) * (prod[2] * prod[3])).log2();
    }
    DB_PER_OCTAVE * (exponents as f64 + logs)
}

/// numpy's pairwise summation (blocks of 8 accumulators below 128 elements): the reference the log sums
/// are tested against.
#[cfg(test)]
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut s = 0.0;
        for v in a {
            s += v;
        }
        s
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// The 2-D histogram of binned PSDs with its mode and mean curves.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Counts `[period][db]`, row-major (`current_histogram`).
    pub counts: Vec<u64>,
    /// Period bins.
    pub periods: usize,
    /// dB bins.
    pub dbs: usize,
    /// Windows counted.
    pub windows: u64,
}

/// `PPSD.calculate_histogram()` over all `psds` (each one value per period bin).
pub fn histogram(setup: &PpsdSetup, psds: &[Vec<f32>]) -> Histogram {
    let (np, nd) = (setup.period_bins(), setup.db_bins());
    let mut counts = vec![0u64; np * nd];
    let edges = &setup.db_bin_edges;
    for psd in psds {
        for (i, &v) in psd.iter().enumerate().take(np) {
            let v = f64::from(v);
            // searchsorted(side="left") - 1, NaN sorting last, clipped into the outer bins.
            let idx = if v.is_nan() {
                edges.len()
            } else {
                edges.partition_point(|&e| e < v)
            };
            let bin = idx.saturating_sub(1).min(nd - 1);
            counts[i * nd + bin] += 1;
        }
    }
    Histogram {
        counts,
        periods: np,
        dbs: nd,
        windows: psds.len() as u64,
    }
}

impl Histogram {
    /// `get_mode()`: per period bin the centre of the most populated dB bin (the first on ties).
    pub fn mode(&self, db_bin_centers: &[f64]) -> Vec<f64> {
        self.counts
            .chunks(self.dbs.max(1))
            .map(|row| {
                let mut best = 0;
                for (j, &c) in row.iter().enumerate() {
                    if c > row[best] {
                        best = j;
                    }
                }
                db_bin_centers.get(best).copied().unwrap_or(f64::NAN)
            })
            .collect()
    }

    /// `get_mean()`: per period bin `sum(count * centre / windows)`.
    pub fn mean(&self, db_bin_centers: &[f64]) -> Vec<f64> {
        let n = self.windows as f64;
        self.counts
            .chunks(self.dbs.max(1))
            .map(|row| row.iter().zip(db_bin_centers).map(|(&c, &d)| c as f64 * d / n).sum())
            .collect()
    }
}

/// `obspy.signal.invsim.paz_to_freq_resp(poles, zeros, scale, t_samp, nfft)`: the response at
/// `nfft / 2 + 1` frequencies from 0 to Nyquist (as a product of root terms, not polynomials).
pub fn paz_response(
    poles: &[Complex<f64>],
    zeros: &[Complex<f64>],
    scale: f64,
    delta: f64,
    nfft: usize,
) -> Vec<Complex<f64>> {
    let n = nfft / 2;
    let fy = 1.0 / (delta * 2.0);
    super::linspace(0.0, fy, n + 1)
        .into_iter()
        .map(|f| {
            let s = Complex::new(0.0, f * 2.0 * std::f64::consts::PI);
            let num = zeros.iter().fold(Complex::new(scale, 0.0), |acc, z| acc * (s - z));
            poles.iter().fold(num, |acc, p| acc / (s - p))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ppsd::PpsdParams;

    /// The binning as ObsPy writes it: `10·log10` of every bin, numpy's pairwise mean per window.
    fn per_bin_logarithms(setup: &PpsdSetup, psd: &[f64], factors: &[f64]) -> Vec<f32> {
        let db: Vec<f64> = psd[1..]
            .iter()
            .rev()
            .zip(factors)
            .map(|(&p, &f)| {
                let v = p * f;
                10.0 * (if v < f64::MIN_POSITIVE { f64::MIN_POSITIVE } else { v }).log10()
            })
            .collect();
        setup
            .bin_ranges
            .iter()
            .map(|&(lo, hi)| (pairwise_sum(&db[lo..hi]) / (hi - lo) as f64) as f32)
            .collect()
    }

    /// Summing exponents and multiplying mantissas (one logarithm per run) against a logarithm per bin:
    /// within 1e-9 dB (float32 results, so mostly identical) on PSDs spanning 1e-300 to 1e300 with
    /// zeros and subnormals (clamped), at 100 Hz and 1 Hz, and NaN / infinity propagating as numpy's
    /// mean does.
    #[test]
    fn log_sums_match_per_bin_logarithms() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut uni = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for fs in [100.0, 1.0] {
            let setup = PpsdSetup::new(fs, &PpsdParams::default()).unwrap();
            let n = setup.nfft / 2 + 1;
            for case in 0..4 {
                let mut psd: Vec<f64> = (0..n)
                    .map(|i| match case {
                        0 => uni() * 1e-12,
                        1 => 10f64.powf(600.0 * uni() - 300.0),
                        2 => 10f64.powf(-20.0 - 100.0 * i as f64 / n as f64) * (0.5 + uni()),
                        _ => (uni() - 0.5).max(0.0) * 1e-300,
                    })
                    .collect();
                if case == 3 {
                    psd[n / 3] = 5e-320;
                }
                let factors: Vec<f64> = (0..n - 1).map(|_| 1.0 + 1e3 * uni()).collect();
                let want = per_bin_logarithms(&setup, &psd, &factors);
                let mut got = Vec::new();
                binned_psd_with(
                    &setup,
                    &psd,
                    &ResponseTerm::Factors(factors.clone()),
                    &mut Vec::new(),
                    &mut got,
                );
                assert_eq!(got.len(), want.len());
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= 1e-9 + f32::EPSILON * w.abs(),
                        "fs {fs} case {case} bin {i}: {g} vs {w}"
                    );
                }
                // A NaN and an infinity reach exactly the windows containing them, as in numpy.
                let (a, b) = (n / 5, n / 2);
                psd[a] = f64::NAN;
                psd[b] = f64::INFINITY;
                let want = per_bin_logarithms(&setup, &psd, &factors);
                binned_psd_with(&setup, &psd, &ResponseTerm::Factors(factors), &mut Vec::new(), &mut got);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    let same = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= 1e-9 + f32::EPSILON * w.abs();
                    assert!(same, "fs {fs} case {case} bin {i} with NaN/inf: {g} vs {w}");
                }
                assert!(got.iter().any(|v| v.is_nan()) && got.iter().any(|v| v.is_infinite()));
            }
        }
    }
}
