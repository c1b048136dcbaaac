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

/// [`binned_psd`] with a caller's scratch buffer for the dB values (no allocation once it has grown).
pub fn binned_psd_with(setup: &PpsdSetup, psd: &[f64], term: &ResponseTerm, db: &mut Vec<f64>, out: &mut Vec<f32>) {
    let tiny = f64::MIN_POSITIVE;
    // Leave out DC, reverse to ascending period, remove the response, go to dB.
    db.clear();
    let to_db = |v: f64| {
        // `spec[spec < dtiny] = dtiny` leaves NaN alone.
        let v = if v < tiny { tiny } else { v };
        v.log10() * 10.0
    };
    match term {
        ResponseTerm::Sensitivity(s) => db.extend(psd[1..].iter().rev().map(|&p| to_db(p / (s * s)))),
        ResponseTerm::Factors(f) => db.extend(psd[1..].iter().rev().zip(f).map(|(&p, &f)| to_db(p * f))),
    }
    out.clear();
    out.extend(setup.bin_ranges.iter().map(|&(lo, hi)| {
        let slice = &db[lo..hi.max(lo)];
        // numpy's mean of an empty selection is NaN.
        (pairwise_sum(slice) / slice.len() as f64) as f32
    }));
}

/// numpy's pairwise summation (blocks of 8 accumulators below 128 elements), so means match to the ulp.
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
