//! Fourier resampling: ObsPy `Trace.resample` (its own spectrum interpolation, not `scipy.signal.resample`).

use std::sync::Arc;

use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::OpError;
use crate::interpolate::np_interp;
use crate::window::Window;

const OP: &str = "resample";

/// ObsPy's warning when `int(npts / factor)` is 0 and one sample is kept instead.
pub const RESAMPLE_ONE_SAMPLE_WARNING: &str =
    "Resampled trace would have less than one sample. Retaining exactly one sample.";

/// What `Trace.resample` will do before its FFT step, from [`resample_prepare`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResamplePlan {
    /// Output sample count (`int(npts / factor)`, at least 1).
    pub num: usize,
    /// `int(npts / factor)` was 0 and `num` is the one sample ObsPy keeps (it warns,
    /// [`RESAMPLE_ONE_SAMPLE_WARNING`]).
    pub retains_one: bool,
    /// Corner of the `lowpass_cheby_2` filter (`maxorder=12`) the caller must apply first, when
    /// `no_filter` is false (`sampling_rate * 0.5 / factor`).
    pub lowpass_freq: Option<f64>,
}

/// ObsPy `Trace.resample(sampling_rate, no_filter, strict_length)` checks and sizes: errors where ObsPy
/// raises (`strict_length` with a changing end time; filter factor above 16; non-positive rates).
/// The pipeline applies the returned low-pass (the filter kernels live elsewhere) before [`Resampler::resample`].
/// ObsPy skips traces without data (stats unchanged): `npts == 0` gives `num == 0` and no filter.
pub fn resample_prepare(
    npts: usize,
    sampling_rate: f64,
    new_sampling_rate: f64,
    no_filter: bool,
    strict_length: bool,
) -> Result<ResamplePlan, OpError> {
    if !(new_sampling_rate > 0.0 && new_sampling_rate.is_finite()) {
        return Err(OpError::new(
            OP,
            format!("sampling rate must be positive and finite, got {new_sampling_rate}"),
        ));
    }
    if npts == 0 {
        return Ok(ResamplePlan {
            num: 0,
            retains_one: false,
            lowpass_freq: None,
        });
    }
    if !(sampling_rate > 0.0 && sampling_rate.is_finite()) {
        return Err(OpError::new(
            OP,
            format!("trace sampling rate must be positive and finite, got {sampling_rate}"),
        ));
    }
    let factor = sampling_rate / new_sampling_rate;
    if strict_length && (npts as f64) % factor != 0.0 {
        return Err(OpError::new(
            OP,
            "end time of trace would change and strict_length=True.",
        ));
    }
    let lowpass_freq = if no_filter {
        None
    } else {
        if factor > 16.0 {
            return Err(OpError::new(
                OP,
                "automatic filter design is unstable for resampling factors (current sampling rate/new \
                 sampling rate) above 16. manual resampling is necessary.",
            ));
        }
        Some(sampling_rate * 0.5 / factor)
    };
    let num_f = (npts as f64 / factor).trunc();
    seispool_core::limits::check_samples_f64(
        &format!("resampling {npts} samples from {sampling_rate} Hz to {new_sampling_rate} Hz"),
        num_f,
    )
    .map_err(|e| OpError::new(OP, e))?;
    let num = (num_f as usize).max(1);
    Ok(ResamplePlan {
        num,
        retains_one: num_f == 0.0,
        lowpass_freq,
    })
}

/// ObsPy's FFT resampler with cached FFT plans; keep one per worker thread and reuse it across traces.
pub struct Resampler {
    planner: RealFftPlanner<f64>,
    forward: Option<Arc<dyn RealToComplex<f64>>>,
    inverse: Option<Arc<dyn ComplexToReal<f64>>>,
}

impl Default for Resampler {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resampler")
    }
}

impl Resampler {
    /// A resampler with an empty plan cache.
    pub fn new() -> Self {
        Resampler {
            planner: RealFftPlanner::new(),
            forward: None,
            inverse: None,
        }
    }

    /// ObsPy `Trace.resample(new_sampling_rate, window)`'s FFT step on `data` sampled at `sampling_rate`:
    /// rfft, multiply by the periodic `window` (`get_window(window, npts)`, ifftshifted; `None` = no
    /// window), linearly interpolate the spectrum onto the new frequency grid, irfft to `num` samples.
    /// Call [`resample_prepare`] first (and the low-pass it asks for). The new start time is unchanged.
    /// Empty data gives an empty result; ObsPy then leaves the trace's stats (sampling rate) unchanged.
    pub fn resample(
        &mut self,
        data: &[f64],
        sampling_rate: f64,
        new_sampling_rate: f64,
        window: Option<&Window>,
    ) -> Result<Vec<f64>, OpError> {
        let npts = data.len();
        if npts == 0 {
            return Ok(Vec::new());
        }
        let plan = resample_prepare(npts, sampling_rate, new_sampling_rate, true, false)?;
        let num = plan.num;
        let (re, im) = self.spectrum(data, window)?;
        let delta = 1.0 / sampling_rate;
        let df = 1.0 / (npts as f64 * delta);
        let f: Vec<f64> = (0..re.len()).map(|i| df * i as f64).collect();
        let d_large_f = 1.0 / num as f64 * new_sampling_rate;
        let nbins = num / 2 + 1;
        let mut spec: Vec<Complex<f64>> = (0..nbins)
            .map(|i| {
                let lf = d_large_f * i as f64;
                Complex::new(np_interp(lf, &f, &re), np_interp(lf, &f, &im))
            })
            .collect();
        // numpy/fftpack drop the imaginary parts of the DC and (even length) Nyquist bins.
        spec[0].im = 0.0;
        if num.is_multiple_of(2) {
            spec[nbins - 1].im = 0.0;
        }
        let inverse = match &self.inverse {
            Some(p) if p.len() == num => Arc::clone(p),
            _ => {
                let p = self.planner.plan_fft_inverse(num);
                self.inverse = Some(Arc::clone(&p));
                p
            }
        };
        let mut out = seispool_core::limits::try_filled(OP, num, 0.0).map_err(|e| OpError::new(OP, e))?;
        inverse
            .process(&mut spec, &mut out)
            .map_err(|e| OpError::new(OP, format!("inverse fft: {e}")))?;
        let scale = num as f64 / npts as f64;
        let norm = 1.0 / num as f64;
        out.iter_mut().for_each(|v| *v = *v * norm * scale);
        Ok(out)
    }

    /// Real and imaginary parts of the rfft of `data`, windowed as ObsPy does.
    fn spectrum(&mut self, data: &[f64], window: Option<&Window>) -> Result<(Vec<f64>, Vec<f64>), OpError> {
        let npts = data.len();
        let forward = match &self.forward {
            Some(p) if p.len() == npts => Arc::clone(p),
            _ => {
                let p = self.planner.plan_fft_forward(npts);
                self.forward = Some(Arc::clone(&p));
                p
            }
        };
        let mut input = data.to_vec();
        let mut spec = forward.make_output_vec();
        forward
            .process(&mut input, &mut spec)
            .map_err(|e| OpError::new(OP, format!("forward fft: {e}")))?;
        let nb = spec.len();
        let mut re: Vec<f64> = spec.iter().map(|c| c.re).collect();
        let mut im: Vec<f64> = spec.iter().map(|c| c.im).collect();
        im[0] = 0.0;
        if npts.is_multiple_of(2) {
            im[nb - 1] = 0.0;
        }
        if let Some(w) = window {
            let win = w.samples(npts, false)?;
            let half = npts / 2;
            for i in 0..nb {
                // ifftshift: element i of the shifted window is element (i + n/2) mod n.
                let wv = win[(i + half) % npts];
                re[i] *= wv;
                im[i] *= wv;
            }
        }
        Ok((re, im))
    }
}
