//! ObsPy `Trace.remove_response` and `remove_sensitivity`, step by step: demean, SAC cosine taper,
//! `_npts2nfft`, rfft, `cosine_sac_taper` pre-filter, `invert_spectrum` water level, multiply, the
//! Nyquist bin set to its modulus, irfft. The spectral multiplier (pre-filter × inverted response)
//! depends only on the response, the sampling interval and `nfft`, so callers can cache it per
//! channel epoch ([`ResponseRemover::multiplier`]) and apply it to many traces ([`ResponseRemover::apply`]).

use std::sync::Arc;

use num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use seispool_core::inventory::{Filter, Response};

use super::split_fft::SplitFft;
use super::{Output, ResponseError, evaluate_threads};
use crate::complex::C64;

/// The four corner frequencies of ObsPy's frequency-domain pre-filter (`pre_filt`).
pub type PreFilt = [f64; 4];

/// `remove_response` options with ObsPy's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveOptions {
    /// `output` (default VEL).
    pub output: Output,
    /// `water_level` in dB (default 60; `None` = plain inversion).
    pub water_level: Option<f64>,
    /// `pre_filt` corners in Hz (default none).
    pub pre_filt: Option<PreFilt>,
    /// `zero_mean` (default true).
    pub zero_mean: bool,
    /// `taper` (default true).
    pub taper: bool,
    /// `taper_fraction` (default 0.05).
    pub taper_fraction: f64,
}

impl Default for RemoveOptions {
    fn default() -> Self {
        RemoveOptions {
            output: Output::Vel,
            water_level: Some(60.0),
            pre_filt: None,
            zero_mean: true,
            taper: true,
            taper_fraction: 0.05,
        }
    }
}

impl RemoveOptions {
    /// Rejects parameters ObsPy would turn into NaNs or exceptions.
    pub fn validate(&self) -> Result<(), ResponseError> {
        if let Some(wl) = self.water_level
            && !wl.is_finite()
        {
            return Err(ResponseError::new(format!(
                "water_level {wl} must be a finite number of dB"
            )));
        }
        if let Some(p) = self.pre_filt
            && !(p.iter().all(|v| v.is_finite() && *v >= 0.0) && p[0] < p[1] && p[1] <= p[2] && p[2] < p[3])
        {
            return Err(ResponseError::new(format!(
                "pre_filt {p:?} must be four frequencies f1 < f2 <= f3 < f4, all >= 0"
            )));
        }
        if !(0.0..=1.0).contains(&self.taper_fraction) {
            return Err(ResponseError::new(format!(
                "taper_fraction {} must be between 0 and 1",
                self.taper_fraction
            )));
        }
        Ok(())
    }
}

/// The factors `(N1, N2)` of `nfft/2` the deconvolution of an `nfft`-point FFT is split into, or
/// `None` when that length goes through one realfft transform.
pub fn split_factors(nfft: usize) -> Option<(usize, usize)> {
    SplitFft::new(nfft).map(|s| s.factors())
}

/// ObsPy `obspy.signal.util._npts2nfft`: at least `2·npts` (even), nudged to a length without prime
/// factors ≥ 500, or the next power of two.
pub fn npts2nfft(npts: usize) -> usize {
    let nfft = if npts & 1 == 1 { 2 * (npts + 1) } else { 2 * npts };
    if nfft > 5000 && !good_factorization(nfft) {
        for i in 1..=10 {
            let trial = nfft + 2 * i;
            if good_factorization(trial) {
                return trial;
            }
        }
        return nfft.next_power_of_two();
    }
    nfft
}

fn good_factorization(mut x: usize) -> bool {
    let mut p = 2;
    let mut largest = 1;
    while p * p <= x {
        while x.is_multiple_of(p) {
            largest = p;
            x /= p;
        }
        p += 1;
    }
    if x > 1 {
        largest = largest.max(x);
    }
    largest < 500
}

/// ObsPy `cosine_sac_taper(freqs, flimit)`: 0 below f1, cosine rise to f2, 1 to f3, cosine fall to f4.
pub fn cosine_sac_taper(freqs: &[f64], flimit: PreFilt) -> Vec<f64> {
    freqs.iter().map(|&f| sac_taper_at(f, flimit)).collect()
}

/// One value of [`cosine_sac_taper`] (later ranges overwrite earlier ones, as ObsPy's masks do).
fn sac_taper_at(f: f64, [f1, f2, f3, f4]: PreFilt) -> f64 {
    use std::f64::consts::PI;
    let mut t = 0.0;
    if f1 <= f && f <= f2 {
        t = 0.5 * (1.0 - (PI * (f - f1) / (f2 - f1)).cos());
    }
    if f2 < f && f < f3 {
        t = 1.0;
    }
    if f3 <= f && f <= f4 {
        t = 0.5 * (1.0 + (PI * (f - f3) / (f4 - f3)).cos());
    }
    t
}

/// ObsPy `invert_spectrum(spec, wlev)`: raise moduli below `max|spec|·10^(-wlev/20)` to that level
/// (phase kept), then invert; zeros stay zero. Returns how many values were raised.
pub fn invert_spectrum(spec: &mut [Complex64], wlev: f64) -> usize {
    let abs = |c: Complex64| C64::new(c.re, c.im).abs();
    let max = spec.iter().map(|&c| abs(c)).fold(f64::NAN, f64::max);
    let swamp = max * 10f64.powf(-wlev / 20.0);
    let mut found = 0;
    for c in spec.iter_mut() {
        let len = abs(*c);
        if len < swamp && len > 0.0 {
            let s = swamp / len;
            *c = Complex64::new(c.re * s, c.im * s);
            found += 1;
        }
        let len = abs(*c);
        *c = if len > 0.0 {
            reciprocal(*c)
        } else {
            Complex64::new(0.0, 0.0)
        };
    }
    found
}

/// The evaluated response `r` (on `frequencies(delta, nfft)`) → the multiplier: ObsPy's inversion
/// (water level, or plain with a zero DC value) times the pre-filter, split over `threads` scoped
/// threads. Each value is computed alone, exactly as [`invert_spectrum`] and [`cosine_sac_taper`] do.
fn finish_multiplier(
    r: &mut [Complex64],
    water_level: Option<f64>,
    pre_filt: Option<PreFilt>,
    delta: f64,
    threads: usize,
) {
    let num = r.len();
    let fy = 1.0 / (delta * 2.0);
    let step = if num > 1 { fy / (num - 1) as f64 } else { 0.0 };
    let grid = Grid { num, step, fy };
    let per = num.div_ceil(threads.max(1)).max(1);
    let swamp = water_level.map(|wl| {
        let max = par_map_chunks(r, per, |_, c| with_fma(|| max_modulus(c)))
            .into_iter()
            .fold(f64::NAN, f64::max);
        max * 10f64.powf(-wl / 20.0)
    });
    par_map_chunks(r, per, |first, chunk| {
        with_fma(|| invert_chunk(chunk, first, swamp, pre_filt, &grid))
    });
}

/// ObsPy's frequency grid without the array: `j·step`, the last one exactly the Nyquist frequency.
struct Grid {
    num: usize,
    step: f64,
    fy: f64,
}

impl Grid {
    #[inline]
    fn freq(&self, j: usize) -> f64 {
        if j + 1 == self.num && self.num > 1 {
            self.fy
        } else {
            j as f64 * self.step
        }
    }
}

/// Runs `f` from an AVX2+FMA build when the CPU has both, so the moduli's `mul_add` (numpy's
/// `np.abs`) is one instruction instead of a call into libm; `mul_add` rounds once either way, so
/// the values are the same bits.
#[inline(always)]
fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 and FMA (checked above), the only requirement of the target
        // features; `fma_build` is otherwise safe code.
        return unsafe { fma_build(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_build<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The largest `np.abs` of `c` (NaN when empty).
#[inline(always)]
fn max_modulus(c: &[Complex64]) -> f64 {
    c.iter().map(|&v| C64::new(v.re, v.im).abs()).fold(f64::NAN, f64::max)
}

/// [`finish_multiplier`] on `chunk`, whose first value is frequency index `first`.
#[inline(always)]
fn invert_chunk(chunk: &mut [Complex64], first: usize, swamp: Option<f64>, pre_filt: Option<PreFilt>, grid: &Grid) {
    let abs = |c: Complex64| C64::new(c.re, c.im).abs();
    for (i, c) in chunk.iter_mut().enumerate() {
        let j = first + i;
        *c = match swamp {
            None if j == 0 => Complex64::new(0.0, 0.0),
            None => reciprocal(*c),
            Some(swamp) => {
                let mut len = abs(*c);
                if len < swamp && len > 0.0 {
                    let s = swamp / len;
                    *c = Complex64::new(c.re * s, c.im * s);
                    len = abs(*c);
                }
                // `len` is the modulus of the value now in `c` (recomputed only when it changed).
                if len > 0.0 {
                    reciprocal(*c)
                } else {
                    Complex64::new(0.0, 0.0)
                }
            }
        };
        if let Some(pf) = pre_filt {
            // The pre-filter is real: (data·taper)·inv equals data·(taper·inv) to rounding.
            let t = sac_taper_at(grid.freq(j), pf);
            *c = Complex64::new(c.re * t, c.im * t);
        }
    }
}

/// `f(first_index, chunk)` over `per`-long chunks of `v`, the chunks spread over scoped threads
/// (one per chunk; the caller's thread takes the first); the results in chunk order.
fn par_map_chunks<T: Send, R: Send>(v: &mut [T], per: usize, f: impl Fn(usize, &mut [T]) -> R + Sync) -> Vec<R> {
    let mut chunks = v.chunks_mut(per.max(1)).enumerate();
    let Some((_, first)) = chunks.next() else {
        return Vec::new();
    };
    let rest: Vec<_> = chunks.collect();
    if rest.is_empty() {
        return vec![f(0, first)];
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = rest.into_iter().map(|(i, c)| s.spawn(move || f(i * per, c))).collect();
        let mut out = vec![f(0, first)];
        for h in handles {
            match h.join() {
                Ok(r) => out.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// numpy's `1.0 / z`.
fn reciprocal(c: Complex64) -> Complex64 {
    let r = C64::ONE.div(C64::new(c.re, c.im));
    Complex64::new(r.re, r.im)
}

/// ObsPy `Trace.remove_sensitivity`: divide by the overall sensitivity (recalculated, as ObsPy does,
/// when the first stage is a polynomial and there is no sensitivity).
pub fn remove_sensitivity(resp: &Response, data: &mut [f64]) -> Result<(), ResponseError> {
    let value = overall_sensitivity(resp)?;
    data.iter_mut().for_each(|v| *v /= value);
    Ok(())
}

/// The sensitivity `remove_sensitivity` and the polynomial shortcut of `remove_response` divide by.
fn overall_sensitivity(resp: &Response) -> Result<f64, ResponseError> {
    let first_is_polynomial = resp
        .stages
        .first()
        .is_some_and(|s| matches!(s.filter, Filter::Polynomial(_)));
    match &resp.instrument_sensitivity {
        None if first_is_polynomial => recalculated_sensitivity(resp),
        None => Err(ResponseError::new("the response has no instrument sensitivity")),
        Some(s) => s
            .value
            .ok_or_else(|| ResponseError::new("the instrument sensitivity has no value")),
    }
}

/// ObsPy `Response.recalculate_overall_sensitivity()` for a response without sensitivity but with
/// an `InstrumentPolynomial`: `|response|` at the first stage's frequency (capped at a quarter of the
/// last stage's output rate), in the polynomial's input units.
fn recalculated_sensitivity(resp: &Response) -> Result<f64, ResponseError> {
    let poly = resp.instrument_polynomial.as_ref().ok_or_else(|| {
        ResponseError::new("could not find an instrument sensitivity or polynomial to recalculate the sensitivity")
    })?;
    let units = poly.input_units.as_deref().filter(|u| !u.is_empty()).ok_or_else(|| {
        ResponseError::new("could not determine input units - will not recalculate the overall sensitivity")
    })?;
    let output = match units.to_ascii_uppercase().as_str() {
        "M" => Output::Disp,
        "M/S" | "M/SEC" => Output::Vel,
        "M/S**2" | "M/(S**2)" | "M/SEC**2" | "M/(SEC**2)" | "M/S/S" => Output::Acc,
        _ => Output::Def,
    };
    let mut frequency = resp.stages.first().and_then(|s| match &s.filter {
        Filter::Polynomial(p) => Some((p.frequency_lower_bound + p.frequency_upper_bound) / 2.0),
        Filter::PolesZeros(pz) => Some(pz.normalization_frequency),
        _ => None,
    });
    let rate = resp.stages.iter().rev().find_map(|s| {
        s.decimation
            .filter(|d| d.factor != 0)
            .map(|d| d.input_sample_rate / d.factor as f64)
    });
    if let Some(sr) = rate.filter(|&r| r != 0.0) {
        let quarter = sr / 2.0 / 2.0;
        frequency = Some(match frequency {
            Some(f) if f != 0.0 => f.min(quarter),
            _ => quarter,
        });
    }
    let frequency = frequency.ok_or_else(|| {
        ResponseError::new("could not automatically determine a frequency at which to calculate the sensitivity")
    })?;
    let v = super::evaluate_at(resp, &[frequency], output)?;
    if poly.coefficients.len() > 2 {
        return Err(ResponseError::new(format!(
            "cannot recalculate sensitivity for polynomial with more than 2 coefficients (has {})",
            poly.coefficients.len()
        )));
    }
    Ok(C64::new(v[0].re, v[0].im).abs())
}

/// What `remove_response` does for a response: evalresp deconvolution, or ObsPy's polynomial shortcuts.
#[derive(Debug, Clone)]
pub enum Removal {
    /// Multiply the spectrum (length `nfft/2 + 1`) by this.
    Spectral(Vec<Complex64>),
    /// `np.poly1d(coefficients[::-1])(data)` (an `InstrumentPolynomial` without stages).
    Polynomial(Vec<f64>),
    /// `data / gain + c0` (a linear polynomial first stage).
    Linear {
        /// The divisor.
        gain: f64,
        /// Added afterwards when non-zero.
        offset: f64,
    },
}

/// Forward and inverse plans for one FFT length.
type FftPlans = (usize, Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>);

/// FFT plans and options for removing responses from many traces; keep one per worker.
pub struct ResponseRemover {
    opts: RemoveOptions,
    planner: RealFftPlanner<f64>,
    plans: Option<FftPlans>,
    buf: Vec<f64>,
    spec: Vec<Complex64>,
    taper: Option<crate::taper::EdgeTaper>,
    /// The four-step FFT for the last `nfft` (`None` inside: that length goes through realfft).
    split: Option<(usize, Option<SplitFft>)>,
    /// The split FFT's work buffer, kept for the next trace.
    work: Vec<Complex64>,
    threads: usize,
}

impl std::fmt::Debug for ResponseRemover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseRemover").field("opts", &self.opts).finish()
    }
}

impl ResponseRemover {
    /// A remover with `opts` (validated).
    pub fn new(opts: RemoveOptions) -> Result<Self, ResponseError> {
        opts.validate()?;
        Ok(ResponseRemover {
            opts,
            planner: RealFftPlanner::new(),
            plans: None,
            buf: Vec::new(),
            spec: Vec::new(),
            taper: None,
            split: None,
            work: Vec::new(),
            threads: 1,
        })
    }

    /// Threads one deconvolution may use (scoped: they end with each call); default 1.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The threads one deconvolution may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Uses the single realfft transform instead of the split one (the reference the split path is
    /// tested against).
    #[doc(hidden)]
    pub fn use_realfft_only(&mut self) {
        self.split = Some((usize::MAX, None));
    }

    /// The options.
    pub fn options(&self) -> &RemoveOptions {
        &self.opts
    }

    /// What removing `resp` from a trace sampled every `delta` seconds with `nfft` points means:
    /// cache it per (channel epoch, delta, nfft).
    pub fn multiplier(&self, resp: &Response, delta: f64, nfft: usize) -> Result<Removal, ResponseError> {
        if resp.stages.is_empty()
            && let Some(p) = &resp.instrument_polynomial
        {
            return Ok(Removal::Polynomial(p.coefficients.clone()));
        }
        if let Some(first) = resp.stages.first()
            && let Filter::Polynomial(p) = &first.filter
        {
            let gain = if resp.stages.len() == 1 {
                first.gain.map_or(1.0, |g| g.value)
            } else {
                overall_sensitivity(resp)?
            };
            return Ok(Removal::Linear {
                gain,
                offset: p.coefficients.first().copied().unwrap_or(0.0),
            });
        }
        let mut r = evaluate_threads(resp, delta, nfft, self.opts.output, self.threads)?;
        finish_multiplier(&mut r, self.opts.water_level, self.opts.pre_filt, delta, self.threads);
        Ok(Removal::Spectral(r))
    }

    /// `remove_response` on `data` with a prepared removal; returns the new samples.
    pub fn apply(&mut self, data: &[f64], removal: &Removal) -> Result<Vec<f64>, ResponseError> {
        let mut out = data.to_vec();
        self.apply_in_place(&mut out, removal)?;
        Ok(out)
    }

    /// [`ResponseRemover::apply`] writing the result over `data` (no new trace-sized allocation).
    pub fn apply_in_place(&mut self, data: &mut [f64], removal: &Removal) -> Result<(), ResponseError> {
        match removal {
            Removal::Polynomial(c) => {
                data.iter_mut()
                    .for_each(|x| *x = c.iter().rev().fold(0.0, |y, &ci| y * *x + ci));
                Ok(())
            }
            Removal::Linear { gain, offset } => {
                data.iter_mut()
                    .for_each(|x| *x = if *offset != 0.0 { *x / gain + offset } else { *x / gain });
                Ok(())
            }
            Removal::Spectral(m) => self.deconvolve(data, m),
        }
    }

    fn deconvolve(&mut self, data: &mut [f64], mult: &[Complex64]) -> Result<(), ResponseError> {
        let npts = data.len();
        let nfft = npts2nfft(npts);
        if mult.len() != nfft / 2 + 1 {
            return Err(ResponseError::new(format!(
                "response has {} frequencies, the trace needs {}",
                mult.len(),
                nfft / 2 + 1
            )));
        }
        if self.split.as_ref().is_none_or(|(n, _)| *n != nfft && *n != usize::MAX) {
            self.split = Some((nfft, SplitFft::new(nfft)));
        }
        if let Some((_, Some(split))) = &self.split
            && split.nfft() == nfft
        {
            self.preprocess(data)?;
            if let Some((_, Some(split))) = &self.split {
                split.deconvolve(data, mult, &mut self.work, self.threads);
            }
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.extend_from_slice(data);
        buf.resize(nfft, 0.0);
        self.preprocess(&mut buf[..npts])?;
        let (fwd, inv) = self.plans(nfft);
        let mut spec = std::mem::take(&mut self.spec);
        spec.resize(nfft / 2 + 1, Complex64::new(0.0, 0.0));
        fwd.process(&mut buf, &mut spec)
            .map_err(|e| ResponseError::new(format!("forward fft: {e}")))?;
        for (s, m) in spec.iter_mut().zip(mult) {
            *s *= m;
        }
        let last = spec.len() - 1;
        spec[last] = Complex64::new(spec[last].norm(), 0.0);
        spec[0].im = 0.0;
        inv.process(&mut spec, &mut buf)
            .map_err(|e| ResponseError::new(format!("inverse fft: {e}")))?;
        let norm = 1.0 / nfft as f64;
        data.iter_mut().zip(&buf[..npts]).for_each(|(d, v)| *d = v * norm);
        // Kept for the next trace: no fresh pages to fault in.
        self.buf = buf;
        self.spec = spec;
        Ok(())
    }

    /// Demean and SAC cosine taper, as `remove_response` does before the FFT.
    fn preprocess(&mut self, data: &mut [f64]) -> Result<(), ResponseError> {
        let npts = data.len();
        if self.opts.zero_mean && npts > 0 {
            let mean = crate::detrend::pairwise_sum(data) / npts as f64;
            data.iter_mut().for_each(|v| *v -= mean);
        }
        if self.opts.taper {
            if self.taper.as_ref().is_none_or(|w| w.npts != npts) {
                let w = crate::taper::cosine_taper_fraction_edges(npts, self.opts.taper_fraction, false, true)
                    .map_err(|e| ResponseError::new(e.msg))?;
                self.taper = Some(w);
            }
            if let Some(w) = &self.taper {
                w.apply(data);
            }
        }
        Ok(())
    }

    fn plans(&mut self, nfft: usize) -> (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>) {
        match &self.plans {
            Some((n, f, i)) if *n == nfft => (Arc::clone(f), Arc::clone(i)),
            _ => {
                let f = self.planner.plan_fft_forward(nfft);
                let i = self.planner.plan_fft_inverse(nfft);
                self.plans = Some((nfft, Arc::clone(&f), Arc::clone(&i)));
                (f, i)
            }
        }
    }
}
