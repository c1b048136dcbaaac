//! ObsPy's `Trace.decimate(factor, no_filter, strict_length)`: an automatic Chebyshev II anti-alias
//! lowpass (`lowpass_cheby_2` at `sampling_rate * 0.5 / factor`, `maxorder=12`) followed by keeping
//! every `factor`-th sample.

use crate::filter::{Cheby2Design, FilterError, design_lowpass_cheby_2};
use crate::iir::DesignCache;
use crate::sosfilt::sosfilt_keep_every;

/// `Trace.decimate` options (both default to false, like ObsPy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecimateOptions {
    /// Skip the anti-alias filter (`no_filter=True`).
    pub no_filter: bool,
    /// Refuse when `npts % factor != 0` (`strict_length=True`).
    pub strict_length: bool,
}

/// The checks `Trace.decimate` makes before touching data, in ObsPy's order: `strict_length`, then the
/// factor limit of 16 for the automatic filter. Callers decimating integer samples with
/// `no_filter` use this with [`integer_decimation`].
pub fn check_decimate(npts: usize, factor: usize, opts: DecimateOptions) -> Result<(), FilterError> {
    if factor == 0 {
        return Err(FilterError::ZeroFactor);
    }
    if opts.strict_length && !npts.is_multiple_of(factor) {
        return Err(FilterError::StrictLength { npts, factor });
    }
    if !opts.no_filter && factor > 16 {
        return Err(FilterError::UnstableFactor(factor));
    }
    Ok(())
}

/// `obspy.signal.filter.integer_decimation`: keeps samples `0, factor, 2·factor, …` in place
/// (`data[::factor]`, so `ceil(npts / factor)` remain).
pub fn integer_decimation<T: Copy>(data: &mut Vec<T>, factor: usize) -> Result<(), FilterError> {
    if factor == 0 {
        return Err(FilterError::ZeroFactor);
    }
    let kept = data.len().div_ceil(factor);
    for i in 1..kept {
        data[i] = data[i * factor];
    }
    data.truncate(kept);
    Ok(())
}

/// `Trace.decimate(factor, no_filter, strict_length)` on float samples in place. Returns the new
/// sampling rate (`sampling_rate / factor`); the new npts is `data.len()`. The caller updates stats.
pub fn decimate(
    data: &mut Vec<f64>,
    sampling_rate: f64,
    factor: usize,
    opts: DecimateOptions,
    cache: &mut DesignCache,
) -> Result<f64, FilterError> {
    let design = decimate_filter(data.len(), sampling_rate, factor, opts, cache)?;
    match design {
        None => integer_decimation(data, factor)?,
        Some(design) => {
            if data.is_empty() {
                // What `FilterPlan::apply` (SciPy's sosfilt) says about empty data.
                return Err(FilterError::EmptyData);
            }
            // The filter never runs zerophase; filtering and `integer_decimation` in one pass.
            sosfilt_keep_every(design.plan.sos(), data, factor);
        }
    }
    Ok(sampling_rate / factor as f64)
}

/// `Trace.decimate`'s checks ([`check_decimate`]) for `npts` samples, then its anti-alias design
/// (`lowpass_cheby_2` at `sampling_rate * 0.5 / factor`, `maxorder=12`), or `None` with `no_filter`.
pub fn decimate_filter(
    npts: usize,
    sampling_rate: f64,
    factor: usize,
    opts: DecimateOptions,
    cache: &mut DesignCache,
) -> Result<Option<Cheby2Design>, FilterError> {
    check_decimate(npts, factor, opts)?;
    if opts.no_filter {
        return Ok(None);
    }
    let freq = sampling_rate * 0.5 / factor as f64;
    design_lowpass_cheby_2(freq, sampling_rate, 12, cache).map(Some)
}
