//! Welch PSD exactly as ObsPy calls `matplotlib.mlab.psd`: segments of `nfft` samples overlapping by
//! `nlap`, each linearly detrended (`mlab.detrend_linear`) and multiplied by a 20 % cosine taper
//! (`fft_taper`), one-sided, scaled by frequency and by the window's energy.

use std::sync::Arc;

use num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::OpError;

/// A reusable Welch PSD for one (nfft, nlap, sampling rate): FFT plan, taper and scratch buffers.
pub struct WelchPsd {
    nfft: usize,
    nlap: usize,
    fs: f64,
    window: Vec<f64>,
    window_energy: f64,
    fft: Arc<dyn RealToComplex<f64>>,
    seg: Vec<f64>,
    spec: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    blocks: Vec<(f64, f64)>,
}

impl WelchPsd {
    /// Plans the PSD; `nfft` must be at least 4 and `nlap < nfft`.
    pub fn new(nfft: usize, nlap: usize, sampling_rate: f64) -> Result<WelchPsd, OpError> {
        if nfft < 4 || nlap >= nfft {
            return Err(OpError::new(
                "ppsd",
                format!("Welch segments need nfft >= 4 and noverlap < nfft, got nfft {nfft}, noverlap {nlap}"),
            ));
        }
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(nfft);
        let window = cosine_taper_p(nfft, 0.2);
        let window_energy = window.iter().map(|w| w * w).sum();
        Ok(WelchPsd {
            nfft,
            nlap,
            fs: sampling_rate,
            window,
            window_energy,
            seg: fft.make_input_vec(),
            spec: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            blocks: Vec::new(),
            fft,
        })
    }

    /// The one-sided PSD of `x` (`nfft / 2 + 1` values, DC first), as `mlab.psd(...)[0]`.
    pub fn psd(&mut self, x: &[f64], out: &mut Vec<f64>) {
        let n = self.nfft;
        out.clear();
        out.resize(n / 2 + 1, 0.0);
        let step = n - self.nlap;
        // mlab zero-pads data shorter than one segment.
        let nseg = if x.len() < n { 1 } else { (x.len() - n) / step + 1 };
        // When segments are made of whole hops (75 % overlap: four), each hop's trend sums are computed
        // once and shared by the segments that contain it, instead of summing every segment anew.
        let per_seg = n / step;
        let shared = x.len() >= n && n.is_multiple_of(step);
        if shared {
            self.blocks.clear();
            self.blocks
                .extend((0..nseg - 1 + per_seg).map(|k| trend_sums(&x[k * step..(k + 1) * step], 0)));
        }
        for s in 0..nseg {
            let start = s * step;
            let avail = x.len().saturating_sub(start).min(n);
            let sums = if shared {
                let mut acc = (0.0, 0.0);
                for (q, &(b0, b1)) in self.blocks[s..s + per_seg].iter().enumerate() {
                    acc.0 += b0;
                    acc.1 += b1 + (q * step) as f64 * b0;
                }
                acc
            } else {
                trend_sums(&x[start..start + avail], 0)
            };
            detrend_linear_taper(&x[start..start + avail], sums, &self.window, &mut self.seg);
            // The plan's buffers are sized by the plan itself, so this cannot fail.
            if self
                .fft
                .process_with_scratch(&mut self.seg, &mut self.spec, &mut self.scratch)
                .is_err()
            {
                continue;
            }
            for (o, c) in out.iter_mut().zip(&self.spec) {
                *o += c.re * c.re + c.im * c.im;
            }
        }
        let last = out.len() - 1;
        let norm = nseg as f64 * self.fs * self.window_energy;
        let (inner, edge) = (2.0 / norm, 1.0 / norm);
        for o in out.iter_mut() {
            *o *= inner;
        }
        out[0] *= edge / inner;
        out[last] *= edge / inner;
    }
}

/// `(Σ y, Σ (first + i)·y)` over `y`, eight independent accumulators so the sums vectorise.
fn trend_sums(y: &[f64], first: usize) -> (f64, f64) {
    const L: usize = 8;
    let (mut sy8, mut siy8) = ([0.0f64; L], [0.0f64; L]);
    let mut base = [0.0f64; L];
    for (k, b) in base.iter_mut().enumerate() {
        *b = (first + k) as f64;
    }
    let chunks = y.chunks_exact(L);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..L {
            sy8[k] += c[k];
            siy8[k] += base[k] * c[k];
            base[k] += L as f64;
        }
    }
    let (mut sy, mut siy) = (sy8.iter().sum::<f64>(), siy8.iter().sum::<f64>());
    let start = first + y.len() - tail.len();
    for (j, v) in tail.iter().enumerate() {
        sy += v;
        siy += (start + j) as f64 * v;
    }
    (sy, siy)
}

/// `y - (b*x + a)` with `b = cov(x, y) / var(x)` over `x = 0..n` (`mlab.detrend_linear` on the segment
/// `y`, zero-padded to the window's length as mlab pads short data), times the window, into `out`;
/// `(sy, siy)` are `y`'s [`trend_sums`] (`cov = Σ i·y / n - x̄·ȳ`, `var` in closed form).
fn detrend_linear_taper(y: &[f64], (sy, siy): (f64, f64), window: &[f64], out: &mut [f64]) {
    let n = window.len() as f64;
    let xm = (n - 1.0) / 2.0;
    let ym = sy / n;
    let cxy = siy / n - xm * ym;
    let cxx = (n * n - 1.0) / 12.0;
    let b = cxy / cxx;
    let a = ym - b * xm;
    let m = y.len().min(out.len());
    for (i, ((o, w), v)) in out[..m].iter_mut().zip(&window[..m]).zip(y).enumerate() {
        *o = (v - (b * i as f64 + a)) * w;
    }
    for (i, (o, w)) in out.iter_mut().zip(window).enumerate().skip(m) {
        *o = (0.0 - (b * i as f64 + a)) * w;
    }
}

/// `obspy.signal.invsim.cosine_taper(npts, p)` with `halfcosine=True` and no frequency limits.
pub(crate) fn cosine_taper_p(npts: usize, p: f64) -> Vec<f64> {
    use std::f64::consts::PI;
    let n = npts as i64;
    let frac = if p == 0.0 || p == 1.0 {
        (npts as f64 * p / 2.0) as i64
    } else {
        (npts as f64 * p / 2.0 + 0.5) as i64
    };
    let (idx1, mut idx2, mut idx3, idx4) = (0i64, frac - 1, n - frac, n - 1);
    if idx1 == idx2 {
        idx2 += 1;
    }
    if idx3 == idx4 {
        idx3 -= 1;
    }
    let mut w = vec![0.0; npts];
    for i in 0..n {
        let v = if i <= idx2 {
            0.5 * (1.0 - (PI * (i - idx1) as f64 / (idx2 - idx1) as f64).cos())
        } else if i < idx3 {
            1.0
        } else {
            0.5 * (1.0 + (PI * (idx3 - i) as f64 / (idx4 - idx3) as f64).cos())
        };
        w[i as usize] = v;
    }
    w
}
