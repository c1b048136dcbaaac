//! ObsPy 1.5's `obspy.signal.filter` IIR functions (`bandpass`, `bandstop`, `lowpass`, `highpass`,
//! `lowpass_cheby_2`) with their Nyquist rules. ObsPy's warnings are returned as values; its
//! exceptions (and SciPy's) as [`FilterError`].
//!
//! Each function comes in two forms: `design_*` builds a reusable [`FilterPlan`] through a
//! [`DesignCache`], and the plain name designs and filters a slice in place.

use std::fmt;
use std::sync::Arc;

use crate::iir::{Band, DesignCache, DesignError, FilterKind, IirSpec, Sos, cheb2ord};
use crate::sosfilt::{sosfilt, sosfilt_zerophase};

/// Options shared by ObsPy's `bandpass`, `bandstop`, `lowpass` and `highpass`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IirOptions {
    /// Filter order (`corners`, default 4).
    pub corners: usize,
    /// Filter forwards then backwards (`zerophase`, default false).
    pub zerophase: bool,
    /// Prototype (`ftype`/`rs`, default Butterworth).
    pub kind: FilterKind,
}

impl Default for IirOptions {
    fn default() -> IirOptions {
        IirOptions {
            corners: 4,
            zerophase: false,
            kind: FilterKind::Butterworth,
        }
    }
}

/// A warning ObsPy emits with `warnings.warn` (the filter still runs).
#[derive(Debug, Clone, PartialEq)]
pub enum FilterWarning {
    /// `bandpass` with `freqmax` at or above Nyquist applied a highpass at `freqmin` instead.
    HighpassInsteadOfBandpass {
        /// The requested high corner (Hz).
        freqmax: f64,
        /// Nyquist frequency (Hz).
        nyquist: f64,
    },
    /// `lowpass_cheby_2` with `freq` above Nyquist used Nyquist as the stopband edge.
    CornerAboveNyquist,
}

impl fmt::Display for FilterWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterWarning::HighpassInsteadOfBandpass { freqmax, nyquist } => write!(
                f,
                "Selected high corner frequency ({}) of bandpass is at or above Nyquist ({}). \
                 Applying a high-pass instead.",
                py_float(*freqmax),
                py_float(*nyquist)
            ),
            FilterWarning::CornerAboveNyquist => {
                f.write_str("Selected corner frequency is above Nyquist. Setting Nyquist as high corner.")
            }
        }
    }
}

/// Python's `str(float)` for ordinary values (`10.0`, not `10`).
fn py_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// Why ObsPy (or SciPy underneath) raises instead of filtering.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    /// SciPy rejected the design.
    #[error(transparent)]
    Design(#[from] DesignError),
    /// Sampling rate of zero (ObsPy divides by it and raises `ZeroDivisionError`).
    #[error("filter: sampling rate must not be zero")]
    ZeroSamplingRate,
    /// `bandpass`/`bandstop` with `freqmin` above Nyquist.
    #[error("{function}: low corner frequency {freqmin} hz is above nyquist ({nyquist} hz)")]
    LowCornerAboveNyquist {
        /// ObsPy function name.
        function: &'static str,
        /// Requested low corner (Hz).
        freqmin: f64,
        /// Nyquist frequency (Hz).
        nyquist: f64,
    },
    /// `highpass` with `freq` above Nyquist.
    #[error("highpass: corner frequency {freq} hz is above nyquist ({nyquist} hz)")]
    CornerAboveNyquist {
        /// Requested corner (Hz).
        freq: f64,
        /// Nyquist frequency (Hz).
        nyquist: f64,
    },
    /// `bandpass` fell back to `highpass`, which ObsPy calls without `rs`, so a Chebyshev II design fails.
    #[error("bandpass: highpass fallback drops rs, so a chebyshev ii design has no stopband attenuation")]
    MissingRs,
    /// `Trace.decimate(strict_length=True)` with `npts % factor != 0`.
    #[error("decimate: end time of trace would change and strict_length=true ({npts} samples, factor {factor})")]
    StrictLength {
        /// Number of samples.
        npts: usize,
        /// Decimation factor.
        factor: usize,
    },
    /// `Trace.decimate` with automatic filtering and `factor > 16`.
    #[error(
        "decimate: automatic filter design is unstable for decimation factors above 16 (got {0}); \
         manual decimation is necessary"
    )]
    UnstableFactor(usize),
    /// Filtering zero samples (SciPy's `sosfilt` fails to reshape an empty array).
    #[error("filter: cannot filter empty data")]
    EmptyData,
    /// Decimation factor of zero.
    #[error("decimate: factor must be at least 1")]
    ZeroFactor,
}

/// A designed ObsPy filter: sections, direction and the warnings ObsPy emitted while designing.
#[derive(Debug, Clone)]
pub struct FilterPlan {
    sos: Arc<Sos>,
    zerophase: bool,
    warnings: Vec<FilterWarning>,
}

impl FilterPlan {
    /// Filters `data` in place (ObsPy's `sosfilt`, or forward-reverse when zerophase). Empty data is
    /// an error because SciPy's `sosfilt` raises on it (use [`sosfilt`] directly for a no-op).
    pub fn apply(&self, data: &mut [f64]) -> Result<(), FilterError> {
        if data.is_empty() {
            return Err(FilterError::EmptyData);
        }
        if self.zerophase {
            sosfilt_zerophase(&self.sos, data);
        } else {
            sosfilt(&self.sos, data);
        }
        Ok(())
    }

    /// The second-order sections.
    pub fn sos(&self) -> &Sos {
        &self.sos
    }

    /// Whether the filter runs forwards and backwards.
    pub fn zerophase(&self) -> bool {
        self.zerophase
    }

    /// Warnings ObsPy would have emitted.
    pub fn warnings(&self) -> &[FilterWarning] {
        &self.warnings
    }
}

fn nyquist(df: f64) -> Result<f64, FilterError> {
    if df == 0.0 {
        Err(FilterError::ZeroSamplingRate)
    } else {
        Ok(0.5 * df)
    }
}

fn plan(cache: &mut DesignCache, band: Band, opts: &IirOptions) -> Result<FilterPlan, FilterError> {
    let sos = cache.sos(&IirSpec {
        order: opts.corners,
        band,
        kind: opts.kind,
    })?;
    Ok(FilterPlan {
        sos,
        zerophase: opts.zerophase,
        warnings: Vec::new(),
    })
}

/// Designs `obspy.signal.filter.bandpass(data, freqmin, freqmax, df, corners, zerophase, rs=, ftype=)`.
/// With `freqmax` within 1e-6 of Nyquist or above, ObsPy warns and designs `highpass(freqmin)`.
pub fn design_bandpass(
    freqmin: f64,
    freqmax: f64,
    df: f64,
    opts: &IirOptions,
    cache: &mut DesignCache,
) -> Result<FilterPlan, FilterError> {
    let fe = nyquist(df)?;
    let (low, high) = (freqmin / fe, freqmax / fe);
    if high - 1.0 > -1e-6 {
        if let FilterKind::Chebyshev2 { .. } = opts.kind {
            return Err(FilterError::MissingRs);
        }
        let mut plan = design_highpass(freqmin, df, opts, cache)?;
        plan.warnings
            .insert(0, FilterWarning::HighpassInsteadOfBandpass { freqmax, nyquist: fe });
        return Ok(plan);
    }
    if low > 1.0 {
        return Err(FilterError::LowCornerAboveNyquist {
            function: "bandpass",
            freqmin,
            nyquist: fe,
        });
    }
    plan(cache, Band::Bandpass(low, high), opts)
}

/// Designs `obspy.signal.filter.bandstop(...)`. ObsPy warns when `freqmax` is above Nyquist but still
/// designs with it, so SciPy then raises ([`DesignError::AboveNyquist`]).
pub fn design_bandstop(
    freqmin: f64,
    freqmax: f64,
    df: f64,
    opts: &IirOptions,
    cache: &mut DesignCache,
) -> Result<FilterPlan, FilterError> {
    let fe = nyquist(df)?;
    let (low, high) = (freqmin / fe, freqmax / fe);
    if low > 1.0 {
        return Err(FilterError::LowCornerAboveNyquist {
            function: "bandstop",
            freqmin,
            nyquist: fe,
        });
    }
    plan(cache, Band::Bandstop(low, high), opts)
}

/// Designs `obspy.signal.filter.lowpass(...)`. A corner at or above Nyquist makes SciPy raise (ObsPy's
/// "setting Nyquist" warning does not change the frequency it passes on).
pub fn design_lowpass(
    freq: f64,
    df: f64,
    opts: &IirOptions,
    cache: &mut DesignCache,
) -> Result<FilterPlan, FilterError> {
    let fe = nyquist(df)?;
    plan(cache, Band::Lowpass(freq / fe), opts)
}

/// Designs `obspy.signal.filter.highpass(...)`; a corner above Nyquist raises.
pub fn design_highpass(
    freq: f64,
    df: f64,
    opts: &IirOptions,
    cache: &mut DesignCache,
) -> Result<FilterPlan, FilterError> {
    let fe = nyquist(df)?;
    let f = freq / fe;
    if f > 1.0 {
        return Err(FilterError::CornerAboveNyquist { freq, nyquist: fe });
    }
    plan(cache, Band::Highpass(f), opts)
}

/// A designed `lowpass_cheby_2` filter with the pass-band edge ObsPy's search settled on.
#[derive(Debug, Clone)]
pub struct Cheby2Design {
    /// The filter (never zerophase).
    pub plan: FilterPlan,
    /// The chosen Chebyshev II order.
    pub order: usize,
    /// Pass-band frequency in Hz (ObsPy's `freq_passband=True` second return value).
    pub freq_passband: f64,
}

/// Designs `obspy.signal.filter.lowpass_cheby_2(data, freq, df, maxorder)`: shrinks the pass band by
/// 1% per step until `cheb2ord(wp, ws, 1 dB, 96 dB)` gives an order ≤ `maxorder`, then `cheby2(order,
/// 96, wn)`. (`ba=True` output is not offered; sections only.)
pub fn design_lowpass_cheby_2(
    freq: f64,
    df: f64,
    maxorder: usize,
    cache: &mut DesignCache,
) -> Result<Cheby2Design, FilterError> {
    let nyq = nyquist(df)?;
    let (rp, rs) = (1.0, 96.0);
    let mut ws = freq / nyq;
    let mut wp = ws;
    let mut warnings = Vec::new();
    if ws > 1.0 {
        ws = 1.0;
        warnings.push(FilterWarning::CornerAboveNyquist);
    }
    let (order, wn) = loop {
        wp *= 0.99;
        let (order, wn) = cheb2ord(wp, ws, rp, rs)?;
        if order <= maxorder {
            break (order, wn);
        }
    };
    let opts = IirOptions {
        corners: order,
        zerophase: false,
        kind: FilterKind::Chebyshev2 { rs },
    };
    let mut plan = plan(cache, Band::Lowpass(wn), &opts)?;
    plan.warnings = warnings;
    Ok(Cheby2Design {
        plan,
        order,
        freq_passband: wp * nyq,
    })
}

fn run(data: &mut [f64], plan: Result<FilterPlan, FilterError>) -> Result<Vec<FilterWarning>, FilterError> {
    let plan = plan?;
    plan.apply(data)?;
    Ok(plan.warnings)
}

/// `obspy.signal.filter.bandpass` in place; returns ObsPy's warnings.
pub fn bandpass(
    data: &mut [f64],
    freqmin: f64,
    freqmax: f64,
    df: f64,
    opts: &IirOptions,
) -> Result<Vec<FilterWarning>, FilterError> {
    run(
        data,
        design_bandpass(freqmin, freqmax, df, opts, &mut DesignCache::new()),
    )
}

/// `obspy.signal.filter.bandstop` in place; returns ObsPy's warnings.
pub fn bandstop(
    data: &mut [f64],
    freqmin: f64,
    freqmax: f64,
    df: f64,
    opts: &IirOptions,
) -> Result<Vec<FilterWarning>, FilterError> {
    run(
        data,
        design_bandstop(freqmin, freqmax, df, opts, &mut DesignCache::new()),
    )
}

/// `obspy.signal.filter.lowpass` in place; returns ObsPy's warnings.
pub fn lowpass(data: &mut [f64], freq: f64, df: f64, opts: &IirOptions) -> Result<Vec<FilterWarning>, FilterError> {
    run(data, design_lowpass(freq, df, opts, &mut DesignCache::new()))
}

/// `obspy.signal.filter.highpass` in place; returns ObsPy's warnings.
pub fn highpass(data: &mut [f64], freq: f64, df: f64, opts: &IirOptions) -> Result<Vec<FilterWarning>, FilterError> {
    run(data, design_highpass(freq, df, opts, &mut DesignCache::new()))
}

/// `obspy.signal.filter.lowpass_cheby_2(data, freq, df, maxorder, freq_passband=True)` in place.
pub fn lowpass_cheby_2(data: &mut [f64], freq: f64, df: f64, maxorder: usize) -> Result<Cheby2Design, FilterError> {
    let design = design_lowpass_cheby_2(freq, df, maxorder, &mut DesignCache::new())?;
    design.plan.apply(data)?;
    Ok(design)
}
