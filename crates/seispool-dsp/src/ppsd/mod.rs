//! ObsPy's probabilistic PSD (`obspy.signal.PPSD`, McNamara & Buland 2004) as plain math: the setup that
//! `PPSD.__init__` derives (nfft, overlap, period and dB binning), one window's binned PSD as
//! `PPSD.__process` computes it (Welch PSD as `matplotlib.mlab.psd`, response removal, dB, octave
//! smoothing), the histogram, mode and mean, and Peterson's (1993) noise models.

mod binning;
mod noise_models;
mod welch;

pub use binning::{Histogram, ResponseTerm, binned_psd, binned_psd_with, histogram, paz_response};
pub use noise_models::{nhnm, nlnm, noise_model_periods};
pub use welch::WelchPsd;

use crate::OpError;

/// `special_handling` of ObsPy's PPSD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialHandling {
    /// Rotational data: no response removal, only division by the sensitivity squared.
    Ringlaser,
    /// Response removed, no differentiation to acceleration.
    Hydrophone,
    /// As hydrophone (pressure in Pa).
    Infrasound,
}

impl SpecialHandling {
    /// Parses ObsPy's names (case-insensitive, as ObsPy lowercases them).
    pub fn from_name(name: &str) -> Result<SpecialHandling, OpError> {
        match name.to_ascii_lowercase().as_str() {
            "ringlaser" => Ok(SpecialHandling::Ringlaser),
            "hydrophone" => Ok(SpecialHandling::Hydrophone),
            "infrasound" => Ok(SpecialHandling::Infrasound),
            other => Err(OpError::new(
                "ppsd",
                format!(
                    "unsupported value for 'special_handling': {other:?} (expected ringlaser, hydrophone or infrasound)"
                ),
            )),
        }
    }

    /// ObsPy's name.
    pub fn name(self) -> &'static str {
        match self {
            SpecialHandling::Ringlaser => "ringlaser",
            SpecialHandling::Hydrophone => "hydrophone",
            SpecialHandling::Infrasound => "infrasound",
        }
    }
}

/// The keyword arguments of `PPSD(...)`, with ObsPy's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct PpsdParams {
    /// Seconds per PSD window (3600).
    pub ppsd_length: f64,
    /// Fraction of overlap between windows (0.5).
    pub overlap: f64,
    /// Octaves averaged around each period bin centre (1.0).
    pub period_smoothing_width_octaves: f64,
    /// Octaves between period bin centres (0.125).
    pub period_step_octaves: f64,
    /// Centre of the first period bin and the period after which no bins are added (None: the PSD's range).
    pub period_limits: Option<(f64, f64)>,
    /// dB histogram `(min, max, step)` ((-200, -50, 1)).
    pub db_bins: (f64, f64, f64),
    /// Skip windows with gaps instead of filling them with zeros (false).
    pub skip_on_gaps: bool,
    /// ObsPy's `special_handling` (None).
    pub special_handling: Option<SpecialHandling>,
}

impl Default for PpsdParams {
    fn default() -> Self {
        PpsdParams {
            ppsd_length: 3600.0,
            overlap: 0.5,
            period_smoothing_width_octaves: 1.0,
            period_step_octaves: 0.125,
            period_limits: None,
            db_bins: (-200.0, -50.0, 1.0),
            skip_on_gaps: false,
            special_handling: None,
        }
    }
}

/// Longest PSD window accepted (samples), so that absurd parameters fail before allocation.
const MAX_WINDOW_SAMPLES: f64 = 1u64.wrapping_shl(31) as f64;
/// Most histogram cells accepted (period bins are bounded by the PSD; dB bins by this).
const MAX_DB_BINS: f64 = 1_000_000.0;

/// Everything `PPSD.__init__` derives from the sampling rate and the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct PpsdSetup {
    /// The parameters.
    pub params: PpsdParams,
    /// Sampling rate in Hz.
    pub sampling_rate: f64,
    /// Welch segment length (`_nfft`): the power of two at or below a quarter of the window.
    pub nfft: usize,
    /// Welch segment overlap (`_nlap`, 75 % of nfft).
    pub nlap: usize,
    /// Samples per PSD window (`_len`).
    pub len: usize,
    /// Periods of the PSD without the DC bin, ascending (`_psd_periods`).
    pub psd_periods: Vec<f64>,
    /// `_period_binning`: rows left smoothing edge, left x-edge, centre, right x-edge, right smoothing edge.
    pub period_binning: [Vec<f64>; 5],
    /// dB bin edges (`_db_bin_edges`).
    pub db_bin_edges: Vec<f64>,
    /// Per period bin, the range of `psd_periods` indices its smoothing window averages.
    pub bin_ranges: Vec<(usize, usize)>,
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<(), OpError> {
    if ok { Ok(()) } else { Err(OpError::new("ppsd", msg())) }
}

impl PpsdParams {
    /// Refuses parameters no sampling rate can make valid (before any allocation).
    pub fn check(&self) -> Result<(), OpError> {
        let p = self;
        check(p.ppsd_length.is_finite() && p.ppsd_length > 0.0, || {
            format!("ppsd_length must be positive, got {}", p.ppsd_length)
        })?;
        check((0.0..1.0).contains(&p.overlap), || {
            format!("overlap must be in [0, 1), got {}", p.overlap)
        })?;
        for (name, v) in [
            ("period_smoothing_width_octaves", p.period_smoothing_width_octaves),
            ("period_step_octaves", p.period_step_octaves),
        ] {
            check(v.is_finite() && v > 0.0 && v <= 64.0, || {
                format!("{name} must be in (0, 64], got {v}")
            })?;
        }
        let (db_min, db_max, db_step) = p.db_bins;
        check(
            db_min.is_finite() && db_max.is_finite() && db_step.is_finite() && db_step > 0.0,
            || format!("db_bins must be finite with a positive step, got {:?}", p.db_bins),
        )?;
        let num_db = ((db_max - db_min) / db_step).trunc();
        check((1.0..=MAX_DB_BINS).contains(&num_db), || {
            format!(
                "db_bins {:?} give {num_db} bins (expected 1 to {MAX_DB_BINS})",
                p.db_bins
            )
        })?;
        if let Some((lo, hi)) = p.period_limits {
            check(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo, || {
                format!("period_limits must be positive and ascending, got ({lo}, {hi})")
            })?;
            let bins = (hi / lo).log2() / p.period_step_octaves;
            check(bins < 100_000.0, || {
                format!(
                    "period_limits ({lo}, {hi}) with period_step_octaves {} give too many bins",
                    p.period_step_octaves
                )
            })?;
        }
        Ok(())
    }
}

impl PpsdSetup {
    /// Derives the setup as `PPSD.__init__` does; absurd parameters are an error before allocation.
    pub fn new(sampling_rate: f64, params: &PpsdParams) -> Result<PpsdSetup, OpError> {
        let p = params;
        p.check()?;
        check(sampling_rate.is_finite() && sampling_rate > 0.0, || {
            format!("sampling rate must be positive, got {sampling_rate}")
        })?;
        let samples = p.ppsd_length * sampling_rate;
        check(samples <= MAX_WINDOW_SAMPLES, || {
            format!("ppsd_length × sampling rate = {samples} samples per window is too large (at most 2^31)")
        })?;
        check(samples / 4.0 >= 4.0, || {
            format!("ppsd_length × sampling rate = {samples} samples is too short for a Welch PSD (at least 16)")
        })?;
        // An overlap just below 1 starts windows less than a sample apart: each repeats the last one's
        // samples, and a day would be hundreds of millions of windows (kept in memory, each a PSD).
        let step = p.ppsd_length * (1.0 - p.overlap);
        check(step * sampling_rate >= 1.0, || {
            format!(
                "overlap {} with ppsd_length {} s starts a window every {step} s, less than one sample \
                 ({} s at {sampling_rate} Hz); windows must start at least a sample apart",
                p.overlap,
                p.ppsd_length,
                1.0 / sampling_rate
            )
        })?;
        let (db_min, db_max, db_step) = p.db_bins;
        let num_db = ((db_max - db_min) / db_step).trunc();
        // prev_pow_2: int(2 ** floor(log2(x))).
        let nfft = 2f64.powf((samples / 4.0).log2().floor()) as usize;
        let nlap = (0.75 * nfft as f64) as usize;
        let len = samples.trunc() as usize;
        // np.fft.rfftfreq(nfft, 1/fs)[1:], reversed and inverted.
        let d = 1.0 / sampling_rate;
        let val = 1.0 / (nfft as f64 * d);
        let psd_periods: Vec<f64> = (1..=nfft / 2).rev().map(|k| 1.0 / (k as f64 * val)).collect();
        let limits = match p.period_limits {
            Some((lo, hi)) => {
                check(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo, || {
                    format!("period_limits must be positive and ascending, got ({lo}, {hi})")
                })?;
                (lo, hi)
            }
            None => (psd_periods[0], psd_periods[psd_periods.len() - 1]),
        };
        let step_bins = (limits.1 / limits.0).log2() / p.period_step_octaves;
        check(step_bins < 100_000.0, || {
            format!(
                "period_limits {limits:?} with period_step_octaves {} give too many bins",
                p.period_step_octaves
            )
        })?;
        let period_binning = period_binning(p, limits, &psd_periods);
        check(!period_binning[2].is_empty(), || {
            format!(
                "period_limits {limits:?} leave no period bin within the PSD's periods {} to {} s",
                psd_periods[0],
                psd_periods[psd_periods.len() - 1]
            )
        })?;
        let db_bin_edges = linspace(db_min, db_max, num_db as usize + 1);
        let bin_ranges = period_binning[0]
            .iter()
            .zip(&period_binning[4])
            .map(|(&left, &right)| {
                let lo = psd_periods.partition_point(|&p| p < left);
                (lo, psd_periods.partition_point(|&p| p <= right).max(lo))
            })
            .collect();
        Ok(PpsdSetup {
            params: p.clone(),
            sampling_rate,
            nfft,
            nlap,
            len,
            psd_periods,
            period_binning,
            db_bin_edges,
            bin_ranges,
        })
    }

    /// Seconds between window starts on gap-free data (`PPSD.step`).
    pub fn step(&self) -> f64 {
        self.params.ppsd_length * (1.0 - self.params.overlap)
    }

    /// Sample spacing (`1 / sampling_rate`).
    pub fn delta(&self) -> f64 {
        1.0 / self.sampling_rate
    }

    /// Number of period bins.
    pub fn period_bins(&self) -> usize {
        self.period_binning[2].len()
    }

    /// Number of dB bins.
    pub fn db_bins(&self) -> usize {
        self.db_bin_edges.len() - 1
    }

    /// dB bin centres (`db_bin_centers`).
    pub fn db_bin_centers(&self) -> Vec<f64> {
        self.db_bin_edges.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect()
    }
}

/// `PPSD._setup_period_binning`.
fn period_binning(p: &PpsdParams, limits: (f64, f64), psd_periods: &[f64]) -> [Vec<f64>; 5] {
    let step = 2f64.powf(p.period_step_octaves);
    let width = 2f64.powf(p.period_smoothing_width_octaves);
    let mut left = limits.0 / width.powf(0.5);
    let mut right = left * width;
    let mut center = (left * right).sqrt();
    let mut rows: [Vec<f64>; 5] = Default::default();
    let mut push = |l: f64, c: f64, r: f64| {
        let (pmin, pmax) = (psd_periods[0], psd_periods[psd_periods.len() - 1]);
        if r > pmin && l < pmax {
            rows[0].push(l);
            rows[1].push(c / step.powf(0.5));
            rows[2].push(c);
            rows[3].push(c * step.powf(0.5));
            rows[4].push(r);
        }
    };
    push(left, center, right);
    while center < limits.1 {
        left *= step;
        right = left * width;
        center = (left * right).sqrt();
        push(left, center, right);
    }
    rows
}

/// `np.linspace(start, stop, num, endpoint=True)`.
pub(crate) fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut v: Vec<f64> = (0..num).map(|i| start + i as f64 * step).collect();
    v[num - 1] = stop;
    v
}
