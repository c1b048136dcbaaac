//! Typed pipeline ops: ObsPy's method signatures (names, positional order, defaults) bound and validated.
//!
//! Binding follows Python: positional arguments fill the parameters in order, keywords by name, no
//! positional after a keyword, no argument twice. Values are checked where ObsPy would raise before
//! touching data (a bad filter type, `decimate(0)`, `interpolate(sampling_rate=-1)`, ...). Unlike ObsPy,
//! keyword arguments that ObsPy passes on to a function that silently swallows them (`integrate(foo=1)`)
//! are rejected: in a pipeline a typo must not be ignored.
//!
//! Everything about an op lives in this directory: the op types (this file); [`bind`] binds call
//! arguments to a signature, [`binders`] has one binder per op, [`print`] the canonical printer (`Display`,
//! which parses back to the same op) and [`apply`] runs each op on a stream.

pub mod apply;
mod bind;
mod binders;
mod print;
mod response;

use std::fmt;

use seispool_core::Time;

pub use seispool_core::{FillValue, MergeMethod, Number};
pub use seispool_dsp::TaperSide;

use crate::lang::{PipelineError, Source, parse_calls};
use binders::op_from_call;

/// A parsed and validated pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The ops, in order of application.
    pub ops: Vec<Op>,
    /// The canonical text of `ops` (stable across spellings; hash it to identify the pipeline).
    pub text: String,
}

impl Pipeline {
    /// Every op printed in canonical syntax with all its arguments, separated by `; `.
    pub fn canonical(&self) -> String {
        let ops: Vec<String> = self.ops.iter().map(Op::to_string).collect();
        ops.join("; ")
    }
}

impl fmt::Display for Pipeline {
    /// The canonical text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl std::str::FromStr for Pipeline {
    type Err = PipelineError;
    /// Same as [`parse_pipeline`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_pipeline(text)
    }
}

/// Parses and validates a pipeline text; no file is touched.
///
/// The text is ObsPy's method-call syntax: calls separated by `;` or newlines, `#` comments, positional
/// and keyword arguments as in Python, values `'str'`/`"str"`, ints, floats (`1e-3`, `.5`, `5.`), `True`,
/// `False`, `None`, lists and tuples. A leading `st.`/`tr.` (any name and a dot) is ignored and calls may be
/// chained (`st.detrend("linear").taper(0.05)`), so lines pasted from an ObsPy script work. Python has no
/// literal for infinity or NaN, so neither has the pipeline. Times (`starttime`, `endtime`) are ISO-8601
/// strings. Defaults are ObsPy 1.5.1's; the signatures are `Stream`'s except `normalize(norm=None)`.
pub fn parse_pipeline(text: &str) -> Result<Pipeline, PipelineError> {
    let src = Source::new(text);
    let calls = parse_calls(text)?;
    if calls.is_empty() {
        return Err(PipelineError::whole(
            "empty pipeline: expected at least one call such as detrend(\"linear\")",
        ));
    }
    let ops = calls
        .iter()
        .map(|c| op_from_call(src, c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut p = Pipeline {
        ops,
        text: String::new(),
    };
    p.text = p.canonical();
    Ok(p)
}

/// One processing step, with ObsPy's parameters and defaults.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `Stream.merge(method=0, fill_value=None, interpolation_samples=0, misalignment_threshold=0.01)`.
    Merge {
        /// How overlaps are handled.
        method: MergeMethod,
        /// Gap fill; `None` leaves gaps masked.
        fill_value: Option<FillValue>,
        /// Samples interpolated across an overlap (method 1 only); -1 means all.
        interpolation_samples: i64,
        /// Misalignment (fraction of a sample) under which traces still merge (`_cleanup`'s keyword).
        misalignment_threshold: f64,
    },
    /// `detrend(type="simple", **options)`.
    Detrend(DetrendKind),
    /// `taper(max_percentage, type="hann", max_length=None, side="both", **window_options)`.
    Taper {
        /// Taper fraction at each end; `None` = no limit from the fraction.
        max_percentage: Option<f64>,
        /// The window (with its parameters).
        window: TaperWindow,
        /// Taper length at each end in seconds; `None` = no limit from the length.
        max_length: Option<f64>,
        /// Which end(s) to taper.
        side: TaperSide,
    },
    /// `filter(type, **options)`.
    Filter(FilterSpec),
    /// `decimate(factor, no_filter=False, strict_length=False)`.
    Decimate {
        /// Integer decimation factor (≥ 1; ≤ 16 unless `no_filter`).
        factor: u32,
        /// Skip the automatic Chebyshev lowpass.
        no_filter: bool,
        /// Fail when the end time would change.
        strict_length: bool,
    },
    /// `resample(sampling_rate, window="hann", no_filter=True, strict_length=False)`.
    Resample {
        /// New sampling rate in Hz (> 0).
        sampling_rate: f64,
        /// SciPy window name applied in the frequency domain; `None` for no window.
        window: Option<String>,
        /// Skip the automatic Chebyshev lowpass.
        no_filter: bool,
        /// Fail when the end time would change.
        strict_length: bool,
    },
    /// `interpolate(sampling_rate, method="weighted_average_slopes", starttime=None, npts=None, time_shift=0.0)`.
    Interpolate {
        /// New sampling rate in Hz (> 0).
        sampling_rate: f64,
        /// Interpolation scheme.
        method: InterpMethod,
        /// First output sample; `None` = the trace's start.
        starttime: Option<Time>,
        /// Output length; `None` = up to the trace's end.
        npts: Option<u64>,
        /// Shift of the start time in seconds, applied first.
        time_shift: f64,
    },
    /// `integrate(method="cumtrapz", **options)`.
    Integrate(IntegrateMethod),
    /// `differentiate(method="gradient")`.
    Differentiate(DifferentiateMethod),
    /// `normalize(norm=None)` (Trace's signature).
    Normalize {
        /// Divide by `|norm|`; `None` = the absolute maximum.
        norm: Option<f64>,
    },
    /// `Stream.trim(starttime=None, endtime=None, pad=False, keep_empty_traces=False, nearest_sample=True, fill_value=None)`.
    Trim {
        /// Start of the window.
        starttime: Option<Time>,
        /// End of the window.
        endtime: Option<Time>,
        /// Pad to the window when the data is shorter.
        pad: bool,
        /// Keep traces left with no samples.
        keep_empty_traces: bool,
        /// Cut at the nearest sample rather than inside the window.
        nearest_sample: bool,
        /// Value for padded samples; `None` masks them.
        fill_value: Option<Number>,
    },
    /// `Stream.slice(starttime=None, endtime=None, keep_empty_traces=False, nearest_sample=True)`.
    Slice {
        /// Start of the window.
        starttime: Option<Time>,
        /// End of the window.
        endtime: Option<Time>,
        /// Keep traces left with no samples.
        keep_empty_traces: bool,
        /// Cut at the nearest sample rather than inside the window.
        nearest_sample: bool,
    },
    /// `Stream.select(network=None, station=None, location=None, channel=None, sampling_rate=None, npts=None, component=None, id=None)`.
    Select(Selection),
    /// `split()`: split traces at gaps (masked samples).
    Split,
    /// `remove_response(output="VEL", water_level=60, pre_filt=None, zero_mean=True, taper=True,
    /// taper_fraction=0.05)` with the run's inventory.
    RemoveResponse(seispool_dsp::response::RemoveOptions),
    /// `remove_sensitivity()` with the run's inventory.
    RemoveSensitivity,
}

/// `detrend`'s type with its options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DetrendKind {
    /// Line through the first and last sample.
    Simple,
    /// Least-squares line.
    Linear,
    /// Mean (`"constant"` or `"demean"`).
    Constant,
    /// Least-squares polynomial of `order`.
    Polynomial {
        /// Polynomial degree (≥ 0).
        order: u32,
    },
    /// Least-squares spline of `order` with knots every `dspline` samples.
    Spline {
        /// Spline degree 1..=5.
        order: u32,
        /// Samples between knots (> 0).
        dspline: f64,
    },
}

/// `taper`'s window type with its required parameters (ObsPy's entry points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaperWindow {
    /// ObsPy's `cosine_taper` (with `p=1.0` over the taper length).
    Cosine,
    /// `scipy.signal.windows.barthann`.
    Barthann,
    /// `scipy.signal.windows.bartlett`.
    Bartlett,
    /// `scipy.signal.windows.blackman`.
    Blackman,
    /// `scipy.signal.windows.blackmanharris`.
    Blackmanharris,
    /// `scipy.signal.windows.bohman`.
    Bohman,
    /// `scipy.signal.windows.boxcar`.
    Boxcar,
    /// `scipy.signal.windows.chebwin`.
    Chebwin {
        /// Attenuation in dB.
        at: f64,
    },
    /// `scipy.signal.windows.dpss` (a single taper).
    Dpss {
        /// Standardized half bandwidth (`NW`).
        nw: f64,
    },
    /// `scipy.signal.windows.flattop`.
    Flattop,
    /// `scipy.signal.windows.gaussian`.
    Gaussian {
        /// Standard deviation in samples.
        std: f64,
    },
    /// `scipy.signal.windows.general_gaussian`.
    GeneralGaussian {
        /// Shape (1 = Gaussian, 0.5 = Laplace).
        p: f64,
        /// Standard deviation in samples.
        sig: f64,
    },
    /// `scipy.signal.windows.hamming`.
    Hamming,
    /// `scipy.signal.windows.hann` (ObsPy's default).
    Hann,
    /// `scipy.signal.windows.kaiser`.
    Kaiser {
        /// Shape parameter.
        beta: f64,
    },
    /// `scipy.signal.windows.nuttall`.
    Nuttall,
    /// `scipy.signal.windows.parzen`.
    Parzen,
    /// `scipy.signal.windows.triang`.
    Triang,
}

impl TaperWindow {
    /// ObsPy's / SciPy's window name and its keyword parameters.
    pub fn name_and_params(&self) -> (&'static str, Vec<(&'static str, f64)>) {
        use TaperWindow as W;
        match *self {
            W::Cosine => ("cosine", vec![]),
            W::Barthann => ("barthann", vec![]),
            W::Bartlett => ("bartlett", vec![]),
            W::Blackman => ("blackman", vec![]),
            W::Blackmanharris => ("blackmanharris", vec![]),
            W::Bohman => ("bohman", vec![]),
            W::Boxcar => ("boxcar", vec![]),
            W::Chebwin { at } => ("chebwin", vec![("at", at)]),
            W::Dpss { nw } => ("dpss", vec![("NW", nw)]),
            W::Flattop => ("flattop", vec![]),
            W::Gaussian { std } => ("gaussian", vec![("std", std)]),
            W::GeneralGaussian { p, sig } => ("general_gaussian", vec![("p", p), ("sig", sig)]),
            W::Hamming => ("hamming", vec![]),
            W::Hann => ("hann", vec![]),
            W::Kaiser { beta } => ("kaiser", vec![("beta", beta)]),
            W::Nuttall => ("nuttall", vec![]),
            W::Parzen => ("parzen", vec![]),
            W::Triang => ("triang", vec![]),
        }
    }
}

/// `filter`'s type with its options (ObsPy's `obspy.signal.filter` functions, Butterworth family).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterSpec {
    /// Butterworth bandpass.
    Bandpass {
        /// Low corner in Hz.
        freqmin: f64,
        /// High corner in Hz.
        freqmax: f64,
        /// Filter order (≥ 1).
        corners: u32,
        /// Forward and backward (doubles the order).
        zerophase: bool,
    },
    /// Butterworth bandstop.
    Bandstop {
        /// Low corner in Hz.
        freqmin: f64,
        /// High corner in Hz.
        freqmax: f64,
        /// Filter order (≥ 1).
        corners: u32,
        /// Forward and backward (doubles the order).
        zerophase: bool,
    },
    /// Butterworth lowpass.
    Lowpass {
        /// Corner in Hz.
        freq: f64,
        /// Filter order (≥ 1).
        corners: u32,
        /// Forward and backward (doubles the order).
        zerophase: bool,
    },
    /// Butterworth highpass.
    Highpass {
        /// Corner in Hz.
        freq: f64,
        /// Filter order (≥ 1).
        corners: u32,
        /// Forward and backward (doubles the order).
        zerophase: bool,
    },
    /// Chebyshev type II lowpass (the one `decimate`/`resample` use).
    LowpassCheby2 {
        /// Stop-band frequency in Hz.
        freq: f64,
        /// Maximum order (≥ 1).
        maxorder: u32,
    },
}

/// `interpolate`'s method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InterpMethod {
    /// Wiggins' weighted average slopes (ObsPy's default).
    WeightedAverageSlopes,
    /// `scipy.interpolate.interp1d(kind="linear")`.
    Linear,
    /// `interp1d(kind="nearest")`.
    Nearest,
    /// `interp1d(kind="zero")`.
    Zero,
    /// Spline of order 1.
    Slinear,
    /// Spline of order 2.
    Quadratic,
    /// Spline of order 3.
    Cubic,
    /// `method=<int>`: spline of that order (1..=5).
    Spline(u32),
    /// Lanczos resampling with `a` lobes; ObsPy 1.5.1 always tapers the sinc with the Lanczos window.
    Lanczos {
        /// Window half-width in samples (≥ 1).
        a: u32,
    },
}

/// `integrate`'s method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrateMethod {
    /// Trapezoidal rule.
    Cumtrapz,
    /// Integral of an interpolating spline of order `k` (1..=5).
    Spline {
        /// Spline order.
        k: u32,
    },
}

/// `differentiate`'s method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DifferentiateMethod {
    /// `numpy.gradient`: central differences inside, one-sided at the ends.
    Gradient,
}

/// `select`'s criteria (`None` = any); strings are Unix globs as in ObsPy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// Network code glob.
    pub network: Option<String>,
    /// Station code glob.
    pub station: Option<String>,
    /// Location code glob.
    pub location: Option<String>,
    /// Channel code glob.
    pub channel: Option<String>,
    /// Exact sampling rate in Hz.
    pub sampling_rate: Option<f64>,
    /// Exact number of samples.
    pub npts: Option<u64>,
    /// Glob on the channel code's last letter (case-insensitive).
    pub component: Option<String>,
    /// Glob on `NET.STA.LOC.CHA`.
    pub id: Option<String>,
}
