//! Typed pipeline ops: ObsPy's method signatures (names, positional order, defaults) bound and validated.
//!
//! Binding follows Python: positional arguments fill the parameters in order, keywords by name, no
//! positional after a keyword, no argument twice. Values are checked where ObsPy would raise before
//! touching data (a bad filter type, `decimate(0)`, `interpolate(sampling_rate=-1)`, ...). Unlike ObsPy,
//! keyword arguments that ObsPy passes on to a function that silently swallows them (`integrate(foo=1)`)
//! are rejected: in a pipeline a typo must not be ignored.

use std::fmt;

use seispool_core::Time;

use crate::lang::{Arg, Call, PipelineError, Pos, Source, Spanned, Value, fmt_float, fmt_str, parse_calls};
use crate::suggest::closest;

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
}

/// A Python number: ints and floats stay distinct (an int fill keeps integer data integer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A Python int.
    Int(i64),
    /// A Python float.
    Float(f64),
}

/// `merge`'s `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    /// `-1`: only merge exactly matching or contained traces.
    Cleanup,
    /// `0`: overlaps are masked (or filled).
    Discard,
    /// `1`: overlaps take the later trace's values, optionally interpolated.
    Interpolate,
}

/// `merge`'s `fill_value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FillValue {
    /// A constant.
    Value(Number),
    /// `"latest"`: repeat the last sample before the gap.
    Latest,
    /// `"interpolate"`: linear interpolation across the gap.
    Interpolate,
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

/// `taper`'s `side`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaperSide {
    /// Both ends.
    Both,
    /// The start only.
    Left,
    /// The end only.
    Right,
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

/// Names ObsPy has that seispool cannot run yet, with the reason.
const NOT_SUPPORTED: &[(&str, &str)] = &[
    ("remove_response", "it needs an inventory"),
    ("remove_sensitivity", "it needs an inventory"),
    ("attach_response", "it needs an inventory"),
    ("simulate", "it needs an instrument response"),
    ("rotate", "it needs several components and an inventory"),
    ("trigger", "it is not a processing step"),
    ("plot", "it is not a processing step"),
    ("write", "seispool writes the output itself"),
    ("copy", "ops never modify the input files"),
];

/// Op names understood, in suggestion order.
const OP_NAMES: &[&str] = &[
    "merge",
    "detrend",
    "taper",
    "filter",
    "decimate",
    "resample",
    "interpolate",
    "integrate",
    "differentiate",
    "normalize",
    "trim",
    "slice",
    "select",
    "split",
];

fn op_from_call(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let name = call.name.as_str();
    match name {
        "merge" => merge(src, call),
        "detrend" => detrend(src, call),
        "taper" => taper(src, call),
        "filter" => filter(src, call),
        "decimate" => decimate(src, call),
        "resample" => resample(src, call),
        "interpolate" => interpolate(src, call),
        "integrate" => integrate(src, call),
        "differentiate" => differentiate(src, call),
        "normalize" => normalize(src, call),
        "trim" => trim(src, call),
        "slice" => slice(src, call),
        "select" => select(src, call),
        "split" => Sig::new("split", &[], 0).bind(src, call).map(|_| Op::Split),
        _ => match NOT_SUPPORTED.iter().find(|(n, _)| *n == name) {
            Some((_, why)) => Err(src.error(call.pos, format!("{name}() is not supported yet ({why})"))),
            None => Err(src.error_suggest(
                call.pos,
                format!("unknown op '{name}' (valid: {})", OP_NAMES.join(", ")),
                closest(name, OP_NAMES),
            )),
        },
    }
}

/// An op's signature: parameter names in positional order, how many may be positional, which are required.
struct Sig {
    op: String,
    params: Vec<&'static str>,
    positional: usize,
    required: Vec<&'static str>,
    /// Parameters ObsPy accepts that seispool does not, with the reason.
    unsupported: Vec<(&'static str, &'static str)>,
}

impl Sig {
    fn new(op: &str, params: &[&'static str], positional: usize) -> Self {
        Sig {
            op: format!("{op}()"),
            params: params.to_vec(),
            positional,
            required: Vec::new(),
            unsupported: Vec::new(),
        }
    }

    fn required(mut self, names: &[&'static str]) -> Self {
        self.required = names.to_vec();
        self
    }

    fn unsupported(mut self, names: &[(&'static str, &'static str)]) -> Self {
        self.unsupported = names.to_vec();
        self
    }

    /// Binds the call's arguments to parameters with Python's rules; checks the first offence in text order.
    fn bind<'c>(self, src: Source<'c>, call: &'c Call) -> Result<Bound<'c>, PipelineError> {
        let mut bound: Vec<(&'static str, &'c Spanned)> = Vec::new();
        let mut seen_keyword = false;
        for (i, Arg { name, value }) in call.args.iter().enumerate() {
            let (param, pos) = match name {
                None if seen_keyword => {
                    return Err(src.error(value.pos, "positional argument follows keyword argument"));
                }
                None if i >= self.positional.min(self.params.len()) => {
                    let what = format!(
                        "too many positional arguments to {}: it takes at most {}, got {}",
                        self.op,
                        self.positional.min(self.params.len()),
                        call.args.iter().filter(|a| a.name.is_none()).count()
                    );
                    return Err(src.error(value.pos, what));
                }
                None => (self.params[i], value.pos),
                Some((kw, pos)) => {
                    seen_keyword = true;
                    (self.keyword(src, kw, *pos)?, *pos)
                }
            };
            if bound.iter().any(|(p, _)| *p == param) {
                return Err(src.error(pos, format!("duplicate argument '{param}' to {}", self.op)));
            }
            bound.push((param, value));
        }
        if let Some(missing) = self.required.iter().find(|r| !bound.iter().any(|(p, _)| p == *r)) {
            let what = format!("{} missing required argument '{missing}'", self.op);
            return Err(src.error(call.pos, what));
        }
        Ok(Bound {
            src,
            op: self.op,
            args: bound,
        })
    }

    fn keyword(&self, src: Source, kw: &str, pos: Pos) -> Result<&'static str, PipelineError> {
        if let Some(p) = self.params.iter().find(|p| **p == kw) {
            return Ok(p);
        }
        if let Some((_, why)) = self.unsupported.iter().find(|(n, _)| *n == kw) {
            return Err(src.error(
                pos,
                format!("argument '{kw}' to {} is not supported yet ({why})", self.op),
            ));
        }
        let what = format!("unknown argument '{kw}' to {}", self.op);
        match closest(kw, &self.params) {
            Some(s) => Err(src.error_suggest(pos, what, Some(s))),
            None if self.params.is_empty() => Err(src.error(pos, format!("{what}: it takes no arguments"))),
            None => Err(src.error(pos, format!("{what} (valid: {})", self.params.join(", ")))),
        }
    }
}

/// Arguments bound to parameter names, with typed accessors that report errors at the value.
struct Bound<'c> {
    src: Source<'c>,
    op: String,
    args: Vec<(&'static str, &'c Spanned)>,
}

impl<'c> Bound<'c> {
    fn get(&self, name: &str) -> Option<&'c Spanned> {
        self.args.iter().find(|(p, _)| *p == name).map(|(_, v)| *v)
    }

    /// The argument's value unless absent or `None`.
    fn given(&self, name: &str) -> Option<&'c Spanned> {
        self.get(name).filter(|v| v.value != Value::None)
    }

    fn type_error(&self, name: &str, v: &Spanned, expected: &str) -> PipelineError {
        let what = format!(
            "{} argument '{name}' expects {expected}, got {}",
            self.op,
            v.value.describe()
        );
        self.src.error(v.pos, what)
    }

    fn range_error(&self, name: &str, v: &Spanned, rule: &str) -> PipelineError {
        let what = format!("{} argument '{name}' must be {rule}, got {}", self.op, v.value);
        self.src.error(v.pos, what)
    }

    fn opt_number(&self, name: &str) -> Result<Option<Number>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(v) => match v.value {
                Value::Int(i) => Ok(Some(Number::Int(i))),
                Value::Float(f) => Ok(Some(Number::Float(f))),
                _ => Err(self.type_error(name, v, "a number")),
            },
        }
    }

    fn opt_f64(&self, name: &str) -> Result<Option<f64>, PipelineError> {
        Ok(self.opt_number(name)?.map(|n| match n {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }))
    }

    /// An optional non-negative float.
    fn opt_f64_min0(&self, name: &str) -> Result<Option<f64>, PipelineError> {
        match (self.opt_f64(name)?, self.get(name)) {
            (Some(x), Some(v)) if x < 0.0 => Err(self.range_error(name, v, "non-negative")),
            (x, _) => Ok(x),
        }
    }

    /// A float where `None` is not allowed.
    fn f64(&self, name: &str, default: f64) -> Result<f64, PipelineError> {
        match self.get(name) {
            Some(v) if v.value == Value::None => Err(self.type_error(name, v, "a number")),
            _ => Ok(self.opt_f64(name)?.unwrap_or(default)),
        }
    }

    /// A float that must satisfy `ok` (described by `rule`).
    fn f64_where(&self, name: &str, default: f64, ok: fn(f64) -> bool, rule: &str) -> Result<f64, PipelineError> {
        let x = self.f64(name, default)?;
        match self.get(name) {
            Some(v) if !ok(x) => Err(self.range_error(name, v, rule)),
            _ => Ok(x),
        }
    }

    fn opt_int(&self, name: &str) -> Result<Option<(i64, &'c Spanned)>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(v) => match v.value {
                Value::Int(i) => Ok(Some((i, v))),
                _ => Err(self.type_error(name, v, "an integer")),
            },
        }
    }

    /// An integer in `lo..=hi`.
    fn int_in(&self, name: &str, default: i64, lo: i64, hi: i64) -> Result<i64, PipelineError> {
        if let Some(v) = self.get(name).filter(|v| v.value == Value::None) {
            return Err(self.type_error(name, v, "an integer"));
        }
        match self.opt_int(name)? {
            None => Ok(default),
            Some((i, _)) if (lo..=hi).contains(&i) => Ok(i),
            Some((_, v)) if hi == i64::MAX => Err(self.range_error(name, v, &format!("at least {lo}"))),
            Some((_, v)) => Err(self.range_error(name, v, &format!("between {lo} and {hi}"))),
        }
    }

    /// A non-negative integer that fits `u32`, at least `lo`.
    fn u32_min(&self, name: &str, default: u32, lo: u32) -> Result<u32, PipelineError> {
        let i = self.int_in(name, i64::from(default), i64::from(lo), i64::MAX)?;
        match (u32::try_from(i), self.get(name)) {
            (Ok(n), _) => Ok(n),
            (Err(_), Some(v)) => Err(self.range_error(name, v, &format!("at most {}", u32::MAX))),
            (Err(_), None) => Ok(default),
        }
    }

    /// An optional integer of at least `lo` (≥ 0).
    fn opt_u64(&self, name: &str, lo: i64) -> Result<Option<u64>, PipelineError> {
        match self.opt_int(name)? {
            None => Ok(None),
            Some((_, _)) => Ok(Some(self.int_in(name, lo, lo, i64::MAX)?.unsigned_abs())),
        }
    }

    fn bool(&self, name: &str, default: bool) -> Result<bool, PipelineError> {
        match self.get(name) {
            None => Ok(default),
            Some(Spanned {
                value: Value::Bool(b), ..
            }) => Ok(*b),
            Some(v) => Err(self.type_error(name, v, "True or False")),
        }
    }

    fn opt_str(&self, name: &str) -> Result<Option<(&'c str, Pos)>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(Spanned {
                value: Value::Str(s),
                pos,
            }) => Ok(Some((s.as_str(), *pos))),
            Some(v) => Err(self.type_error(name, v, "a string")),
        }
    }

    fn opt_string(&self, name: &str) -> Result<Option<String>, PipelineError> {
        Ok(self.opt_str(name)?.map(|(s, _)| s.to_string()))
    }

    /// A name from `choices` (case-insensitive, as ObsPy lowercases), or `default` when absent.
    fn choice(&self, name: &str, what: &str, default: &str, choices: &[&'static str]) -> Result<String, PipelineError> {
        if let Some(v) = self.get(name).filter(|v| v.value == Value::None) {
            return Err(self.type_error(name, v, "a string"));
        }
        let Some((s, pos)) = self.opt_str(name)? else {
            return Ok(default.to_string());
        };
        let lower = s.to_lowercase();
        if choices.contains(&lower.as_str()) {
            return Ok(lower);
        }
        let bad = format!("unknown {what} '{s}'");
        match closest(&lower, choices) {
            Some(c) => Err(self.src.error_suggest(pos, bad, Some(c))),
            None => Err(self.src.error(pos, format!("{bad} (valid: {})", choices.join(", ")))),
        }
    }

    /// An ISO-8601 time string.
    fn time(&self, name: &str) -> Result<Option<Time>, PipelineError> {
        let Some(v) = self.given(name) else {
            return Ok(None);
        };
        let Value::Str(s) = &v.value else {
            return Err(self.type_error(name, v, "a time string such as '2024-01-01T00:00:00'"));
        };
        Time::parse(s)
            .map(Some)
            .map_err(|e| self.src.error(v.pos, format!("{} argument '{name}': {e}", self.op)))
    }

    /// Rejects `name` when given with a truthy value ObsPy supports but seispool cannot run.
    fn only_false(&self, name: &str, why: &str) -> Result<(), PipelineError> {
        match (self.bool(name, false)?, self.get(name)) {
            (true, Some(v)) => Err(self
                .src
                .error(v.pos, format!("{} argument '{name}=True' {why}", self.op))),
            _ => Ok(()),
        }
    }
}

/// The value of a `type`/`method`-like selector: the `index`-th positional argument or the keyword.
fn selector<'c>(call: &'c Call, index: usize, keyword: &str) -> Option<&'c Spanned> {
    let positional = call.args.iter().take_while(|a| a.name.is_none()).nth(index);
    let named = || {
        call.args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|(n, _)| n == keyword))
    };
    positional.or_else(named).map(|a| &a.value)
}

/// The selector as a lowercase string, `default` when absent; type errors are left to the binder.
fn selector_name(call: &Call, index: usize, keyword: &str, default: &str) -> String {
    match selector(call, index, keyword).map(|v| &v.value) {
        Some(Value::Str(s)) => s.to_lowercase(),
        _ => default.to_string(),
    }
}

/// Checks the selector (`type`/`method`) before binding, since it decides which other arguments exist.
fn check_selector(
    src: Source,
    call: &Call,
    sel: (usize, &str),
    what: &str,
    choices: &[&str],
) -> Result<(), PipelineError> {
    let (index, keyword) = sel;
    let Some(v) = selector(call, index, keyword) else {
        return Ok(());
    };
    let Value::Str(s) = &v.value else {
        let what = format!(
            "{}() argument '{keyword}' expects a string, got {}",
            call.name,
            v.value.describe()
        );
        return Err(src.error(v.pos, what));
    };
    let lower = s.to_lowercase();
    if choices.contains(&lower.as_str()) {
        return Ok(());
    }
    let bad = format!("unknown {what} '{s}'");
    match closest(&lower, choices) {
        Some(c) => Err(src.error_suggest(v.pos, bad, Some(c))),
        None => Err(src.error(v.pos, format!("{bad} (valid: {})", choices.join(", ")))),
    }
}

fn merge(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = [
        "method",
        "fill_value",
        "interpolation_samples",
        "misalignment_threshold",
    ];
    let b = Sig::new("merge", &params, 3).bind(src, call)?;
    let method = match b.int_in("method", 0, -1, 1)? {
        -1 => MergeMethod::Cleanup,
        0 => MergeMethod::Discard,
        _ => MergeMethod::Interpolate,
    };
    let fill_value = merge_fill(&b)?;
    Ok(Op::Merge {
        method,
        fill_value,
        interpolation_samples: b.int_in("interpolation_samples", 0, -1, i64::MAX)?,
        misalignment_threshold: b.f64_where("misalignment_threshold", 0.01, |x| x >= 0.0, "non-negative")?,
    })
}

/// `fill_value`: a number, or ObsPy's keywords (compared case-sensitively, as ObsPy does).
fn merge_fill(b: &Bound) -> Result<Option<FillValue>, PipelineError> {
    let Some(v) = b.given("fill_value") else {
        return Ok(None);
    };
    match &v.value {
        Value::Int(i) => Ok(Some(FillValue::Value(Number::Int(*i)))),
        Value::Float(x) => Ok(Some(FillValue::Value(Number::Float(*x)))),
        Value::Str(s) if s == "latest" => Ok(Some(FillValue::Latest)),
        Value::Str(s) if s == "interpolate" => Ok(Some(FillValue::Interpolate)),
        Value::Str(s) => {
            let what = format!("unknown fill_value '{s}' (valid: a number, 'latest', 'interpolate')");
            Err(b.src.error_suggest(v.pos, what, closest(s, &["latest", "interpolate"])))
        }
        _ => Err(b.type_error("fill_value", v, "a number, 'latest' or 'interpolate'")),
    }
}

const DETREND_TYPES: &[&str] = &["simple", "linear", "constant", "demean", "polynomial", "spline"];

fn detrend(src: Source, call: &Call) -> Result<Op, PipelineError> {
    check_selector(src, call, (0, "type"), "detrend type", DETREND_TYPES)?;
    let kind = selector_name(call, 0, "type", "simple");
    let sig = match kind.as_str() {
        "polynomial" => Sig::new("detrend", &["type", "order", "plot"], 1).required(&["order"]),
        "spline" => Sig::new("detrend", &["type", "order", "dspline", "plot"], 1).required(&["order", "dspline"]),
        "linear" | "constant" | "demean" => Sig::new("detrend", &["type"], 1).unsupported(&[
            ("bp", "piecewise detrending"),
            ("axis", "data is one-dimensional"),
            ("overwrite_data", "data is always processed in place"),
        ]),
        _ => Sig::new("detrend", &["type"], 1),
    };
    let b = sig.bind(src, call)?;
    let kind = b.choice("type", "detrend type", "simple", DETREND_TYPES)?;
    b.bool("plot", false)?;
    Ok(Op::Detrend(match kind.as_str() {
        "simple" => DetrendKind::Simple,
        "linear" => DetrendKind::Linear,
        "constant" | "demean" => DetrendKind::Constant,
        "polynomial" => DetrendKind::Polynomial {
            order: b.u32_min("order", 0, 0)?,
        },
        _ => DetrendKind::Spline {
            order: b.int_in("order", 3, 1, 5)? as u32,
            dspline: b.f64_where("dspline", 1.0, |x| x > 0.0, "positive")?,
        },
    }))
}

const TAPER_TYPES: &[&str] = &[
    "cosine",
    "barthann",
    "bartlett",
    "blackman",
    "blackmanharris",
    "bohman",
    "boxcar",
    "chebwin",
    "dpss",
    "flattop",
    "gaussian",
    "general_gaussian",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
    "parzen",
    "triang",
];

fn taper(src: Source, call: &Call) -> Result<Op, PipelineError> {
    check_selector(src, call, (1, "type"), "taper type", TAPER_TYPES)?;
    let base = ["max_percentage", "type", "max_length", "side"];
    let window_params: &[&'static str] = match selector_name(call, 1, "type", "hann").as_str() {
        "chebwin" => &["at"],
        "dpss" => &["NW"],
        "gaussian" => &["std"],
        "general_gaussian" => &["p", "sig"],
        "kaiser" => &["beta"],
        _ => &[],
    };
    let params: Vec<&'static str> = base.iter().chain(window_params).copied().collect();
    let mut required = vec!["max_percentage"];
    required.extend_from_slice(window_params);
    let b = Sig::new("taper", &params, 4).required(&required).bind(src, call)?;
    let kind = b.choice("type", "taper type", "hann", TAPER_TYPES)?;
    let window = taper_window(&b, &kind)?;
    let side = match b
        .choice("side", "taper side", "both", &["both", "left", "right"])?
        .as_str()
    {
        "left" => TaperSide::Left,
        "right" => TaperSide::Right,
        _ => TaperSide::Both,
    };
    Ok(Op::Taper {
        max_percentage: b.opt_f64_min0("max_percentage")?,
        window,
        max_length: b.opt_f64_min0("max_length")?,
        side,
    })
}

fn taper_window(b: &Bound, kind: &str) -> Result<TaperWindow, PipelineError> {
    use TaperWindow as W;
    let num = |name| b.f64(name, 0.0);
    Ok(match kind {
        "cosine" => W::Cosine,
        "barthann" => W::Barthann,
        "bartlett" => W::Bartlett,
        "blackman" => W::Blackman,
        "blackmanharris" => W::Blackmanharris,
        "bohman" => W::Bohman,
        "boxcar" => W::Boxcar,
        "chebwin" => W::Chebwin { at: num("at")? },
        "dpss" => W::Dpss { nw: num("NW")? },
        "flattop" => W::Flattop,
        "gaussian" => W::Gaussian { std: num("std")? },
        "general_gaussian" => W::GeneralGaussian {
            p: num("p")?,
            sig: num("sig")?,
        },
        "hamming" => W::Hamming,
        "kaiser" => W::Kaiser { beta: num("beta")? },
        "nuttall" => W::Nuttall,
        "parzen" => W::Parzen,
        "triang" => W::Triang,
        _ => W::Hann,
    })
}

const FILTER_TYPES: &[&str] = &[
    "bandpass",
    "bandstop",
    "lowpass",
    "highpass",
    "lowpass_cheby_2",
    "lowpass_fir",
    "remez_fir",
];

const BUTTER_UNSUPPORTED: &[(&str, &str)] = &[
    ("rp", "only Butterworth filters are supported"),
    ("rs", "only Butterworth filters are supported"),
    ("ftype", "only Butterworth filters are supported"),
    ("axis", "data is one-dimensional"),
    ("df", "the sampling rate comes from the data"),
];

fn filter(src: Source, call: &Call) -> Result<Op, PipelineError> {
    if selector(call, 0, "type").is_none() {
        return Err(src.error(call.pos, "filter() missing required argument 'type'"));
    }
    check_selector(src, call, (0, "type"), "filter type", FILTER_TYPES)?;
    let kind = selector_name(call, 0, "type", "");
    if kind.ends_with("_fir") {
        let pos = selector(call, 0, "type").map_or(call.pos, |v| v.pos);
        let what = format!("filter type '{kind}' is not supported (it is broken in ObsPy 1.5.1)");
        return Err(src.error(pos, what));
    }
    let sig = match kind.as_str() {
        "bandpass" | "bandstop" => Sig::new("filter", &["type", "freqmin", "freqmax", "corners", "zerophase"], 3)
            .required(&["freqmin", "freqmax"])
            .unsupported(BUTTER_UNSUPPORTED),
        "lowpass" | "highpass" => Sig::new("filter", &["type", "freq", "corners", "zerophase"], 2)
            .required(&["freq"])
            .unsupported(BUTTER_UNSUPPORTED),
        "lowpass_cheby_2" => Sig::new("filter", &["type", "freq", "maxorder", "ba", "freq_passband"], 2)
            .required(&["freq"])
            .unsupported(&BUTTER_UNSUPPORTED[4..]),
        _ => Sig::new("filter", &["type"], 1),
    };
    let b = sig.bind(src, call)?;
    let kind = b.choice("type", "filter type", "", FILTER_TYPES)?;
    let freq = |name| b.f64_where(name, 0.0, |x| x > 0.0, "positive");
    let corners = || b.u32_min("corners", 4, 0);
    let zerophase = || b.bool("zerophase", false);
    Ok(Op::Filter(match kind.as_str() {
        "bandpass" | "bandstop" => {
            let (freqmin, freqmax) = (freq("freqmin")?, freq("freqmax")?);
            let (corners, zerophase) = (corners()?, zerophase()?);
            if kind == "bandpass" {
                FilterSpec::Bandpass {
                    freqmin,
                    freqmax,
                    corners,
                    zerophase,
                }
            } else {
                FilterSpec::Bandstop {
                    freqmin,
                    freqmax,
                    corners,
                    zerophase,
                }
            }
        }
        "lowpass" => FilterSpec::Lowpass {
            freq: freq("freq")?,
            corners: corners()?,
            zerophase: zerophase()?,
        },
        "highpass" => FilterSpec::Highpass {
            freq: freq("freq")?,
            corners: corners()?,
            zerophase: zerophase()?,
        },
        _ => {
            b.only_false("ba", "returns filter coefficients instead of data")?;
            b.only_false("freq_passband", "returns a tuple instead of data")?;
            FilterSpec::LowpassCheby2 {
                freq: freq("freq")?,
                maxorder: b.u32_min("maxorder", 12, 1)?,
            }
        }
    }))
}

fn decimate(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let sig = Sig::new("decimate", &["factor", "no_filter", "strict_length"], 3).required(&["factor"]);
    let b = sig.bind(src, call)?;
    let factor = b.u32_min("factor", 1, 1)?;
    let no_filter = b.bool("no_filter", false)?;
    if factor > 16 && !no_filter {
        let pos = b.get("factor").map_or(call.pos, |v| v.pos);
        let what = "decimate() factor above 16 needs no_filter=True (the automatic filter is unstable there)";
        return Err(src.error(pos, what));
    }
    Ok(Op::Decimate {
        factor,
        no_filter,
        strict_length: b.bool("strict_length", false)?,
    })
}

/// SciPy windows that `get_window(name, n)` builds without parameters: the name first, then its aliases.
const RESAMPLE_WINDOWS: &[&[&str]] = &[
    &["hann", "han"],
    &["hamming", "hamm", "ham"],
    &["blackman", "black", "blk"],
    &["blackmanharris", "blackharr", "bkh"],
    &["bartlett", "bart", "brt"],
    &["barthann", "brthan", "bth"],
    &["bohman", "bman", "bmn"],
    &["boxcar", "box", "ones", "rect", "rectangular"],
    &["cosine", "halfcosine"],
    &["exponential", "poisson"],
    &["flattop", "flat", "flt"],
    &["lanczos", "sinc"],
    &["nuttall", "nutl", "nut"],
    &["parzen", "parz", "par"],
    &["taylor", "taylorwin"],
    &["triangle", "triang", "tri"],
    &["tukey", "tuk"],
];

/// `resample`'s window: SciPy matches names case-sensitively; aliases map to the window's main name.
fn resample_window(b: &Bound) -> Result<Option<String>, PipelineError> {
    let Some((name, pos)) = b.opt_str("window")? else {
        return Ok(match b.get("window") {
            Some(_) => None,
            None => Some("hann".to_string()),
        });
    };
    if let Some(names) = RESAMPLE_WINDOWS.iter().find(|names| names.contains(&name)) {
        return Ok(Some(names[0].to_string()));
    }
    let all: Vec<&str> = RESAMPLE_WINDOWS.iter().flat_map(|n| n.iter().copied()).collect();
    let what = format!("unknown window '{name}' (windows with parameters are not supported)");
    Err(b.src.error_suggest(pos, what, closest(name, &all)))
}

fn resample(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = ["sampling_rate", "window", "no_filter", "strict_length"];
    let b = Sig::new("resample", &params, 4)
        .required(&["sampling_rate"])
        .bind(src, call)?;
    let window = resample_window(&b)?;
    Ok(Op::Resample {
        sampling_rate: b.f64_where("sampling_rate", 1.0, |x| x > 0.0, "positive")?,
        window,
        no_filter: b.bool("no_filter", true)?,
        strict_length: b.bool("strict_length", false)?,
    })
}

const INTERP_METHODS: &[&str] = &[
    "weighted_average_slopes",
    "linear",
    "nearest",
    "zero",
    "slinear",
    "quadratic",
    "cubic",
    "lanczos",
];

fn interpolate(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let base = ["sampling_rate", "method", "starttime", "npts", "time_shift"];
    if let Some(Value::Str(_)) = selector(call, 1, "method").map(|v| &v.value) {
        check_selector(src, call, (1, "method"), "interpolation method", INTERP_METHODS)?;
    }
    let lanczos = selector_name(call, 1, "method", "") == "lanczos";
    let sig = if lanczos {
        Sig::new("interpolate", &[&base[..], &["a", "window"]].concat(), 7).required(&["sampling_rate", "a"])
    } else {
        Sig::new("interpolate", &base, 5).required(&["sampling_rate"])
    };
    let b = sig.bind(src, call)?;
    let method = match b.get("method") {
        Some(Spanned {
            value: Value::Int(_), ..
        }) => InterpMethod::Spline(b.int_in("method", 3, 1, 5)? as u32),
        _ => interp_method(&b)?,
    };
    Ok(Op::Interpolate {
        sampling_rate: b.f64_where("sampling_rate", 1.0, |x| x > 0.0, "positive")?,
        method,
        starttime: b.time("starttime")?,
        npts: b.opt_u64("npts", 0)?,
        time_shift: b.f64("time_shift", 0.0)?,
    })
}

fn interp_method(b: &Bound) -> Result<InterpMethod, PipelineError> {
    use InterpMethod as M;
    Ok(
        match b
            .choice(
                "method",
                "interpolation method",
                "weighted_average_slopes",
                INTERP_METHODS,
            )?
            .as_str()
        {
            "linear" => M::Linear,
            "nearest" => M::Nearest,
            "zero" => M::Zero,
            "slinear" => M::Slinear,
            "quadratic" => M::Quadratic,
            "cubic" => M::Cubic,
            "lanczos" => {
                lanczos_window(b)?;
                M::Lanczos {
                    a: b.u32_min("a", 1, 1)?,
                }
            }
            _ => M::WeightedAverageSlopes,
        },
    )
}

/// ObsPy 1.5.1 accepts `window` for Lanczos interpolation but always uses the Lanczos window; any
/// other window would silently not be applied, so only `'lanczos'` is accepted.
fn lanczos_window(b: &Bound) -> Result<(), PipelineError> {
    match b.opt_str("window")? {
        Some((w, pos)) if !w.eq_ignore_ascii_case("lanczos") => {
            let what = format!(
                "interpolate() argument 'window' has no effect in ObsPy 1.5.1, which always uses 'lanczos'; got '{w}'"
            );
            Err(b.src.error(pos, what))
        }
        _ => Ok(()),
    }
}

fn integrate(src: Source, call: &Call) -> Result<Op, PipelineError> {
    check_selector(src, call, (0, "method"), "integration method", &["cumtrapz", "spline"])?;
    let spline = selector_name(call, 0, "method", "cumtrapz") == "spline";
    let sig = if spline {
        Sig::new("integrate", &["method", "k"], 1)
    } else {
        Sig::new("integrate", &["method"], 1)
    };
    let b = sig.bind(src, call)?;
    Ok(Op::Integrate(
        match b
            .choice("method", "integration method", "cumtrapz", &["cumtrapz", "spline"])?
            .as_str()
        {
            "spline" => IntegrateMethod::Spline {
                k: b.int_in("k", 3, 1, 5)? as u32,
            },
            _ => IntegrateMethod::Cumtrapz,
        },
    ))
}

fn differentiate(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let b = Sig::new("differentiate", &["method"], 1).bind(src, call)?;
    b.choice("method", "differentiation method", "gradient", &["gradient"])?;
    Ok(Op::Differentiate(DifferentiateMethod::Gradient))
}

fn normalize(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let sig = Sig::new("normalize", &["norm"], 1).unsupported(&[("global_max", "normalization is per trace")]);
    let b = sig.bind(src, call)?;
    Ok(Op::Normalize {
        norm: b.opt_f64("norm")?,
    })
}

/// Start and end times; ObsPy's `Trace.trim` raises when the start is after the end.
fn window(b: &Bound, check_order: bool) -> Result<(Option<Time>, Option<Time>), PipelineError> {
    let (start, end) = (b.time("starttime")?, b.time("endtime")?);
    if let (true, Some(s), Some(e), Some(v)) = (check_order, start, end, b.get("endtime"))
        && s > e
    {
        return Err(b
            .src
            .error(v.pos, format!("{} endtime {e} is before starttime {s}", b.op)));
    }
    Ok((start, end))
}

fn trim(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = [
        "starttime",
        "endtime",
        "pad",
        "keep_empty_traces",
        "nearest_sample",
        "fill_value",
    ];
    let b = Sig::new("trim", &params, 6).bind(src, call)?;
    let (starttime, endtime) = window(&b, true)?;
    Ok(Op::Trim {
        starttime,
        endtime,
        pad: b.bool("pad", false)?,
        keep_empty_traces: b.bool("keep_empty_traces", false)?,
        nearest_sample: b.bool("nearest_sample", true)?,
        fill_value: b.opt_number("fill_value")?,
    })
}

fn slice(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = ["starttime", "endtime", "keep_empty_traces", "nearest_sample"];
    let b = Sig::new("slice", &params, 4).bind(src, call)?;
    let (starttime, endtime) = window(&b, false)?;
    Ok(Op::Slice {
        starttime,
        endtime,
        keep_empty_traces: b.bool("keep_empty_traces", false)?,
        nearest_sample: b.bool("nearest_sample", true)?,
    })
}

fn select(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = [
        "network",
        "station",
        "location",
        "channel",
        "sampling_rate",
        "npts",
        "component",
        "id",
    ];
    let sig = Sig::new("select", &params, 8).unsupported(&[("inventory", "it needs an inventory")]);
    let b = sig.bind(src, call)?;
    let sel = Selection {
        network: b.opt_string("network")?,
        station: b.opt_string("station")?,
        location: b.opt_string("location")?,
        channel: b.opt_string("channel")?,
        sampling_rate: b.opt_f64("sampling_rate")?,
        npts: b.opt_u64("npts", 0)?,
        component: b.opt_string("component")?,
        id: b.opt_string("id")?,
    };
    check_component(&b, &sel)?;
    Ok(Op::Select(sel))
}

/// ObsPy raises when `component` contradicts the last letter of a non-wildcard `channel`.
fn check_component(b: &Bound, sel: &Selection) -> Result<(), PipelineError> {
    let (Some(cha), Some(comp), Some(v)) = (&sel.channel, &sel.component, b.get("component")) else {
        return Ok(());
    };
    let comp = comp.to_uppercase();
    let last = cha.chars().last().map(String::from).unwrap_or_default();
    // Python's `x in "?*"`: substring test, so an empty string counts as a wildcard too.
    let wild = |s: &str| "?*".contains(s);
    if !wild(&last) && !wild(&comp) && comp != last {
        let what = format!("select() component '{comp}' contradicts channel '{cha}'");
        return Err(b.src.error(v.pos, what));
    }
    Ok(())
}

/// A literal in canonical output.
enum Lit<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    Time(Time),
}

impl fmt::Display for Lit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Str(s) => fmt_str(s, f),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Float(x) => fmt_float(*x, f),
            Lit::Bool(true) => f.write_str("True"),
            Lit::Bool(false) => f.write_str("False"),
            Lit::None => f.write_str("None"),
            Lit::Time(t) => write!(f, "'{t}'"),
        }
    }
}

impl<'a> Lit<'a> {
    fn opt<T>(v: &'a Option<T>, lit: impl Fn(&'a T) -> Lit<'a>) -> Lit<'a> {
        v.as_ref().map_or(Lit::None, lit)
    }

    fn number(n: &Number) -> Lit<'a> {
        match n {
            Number::Int(i) => Lit::Int(*i),
            Number::Float(x) => Lit::Float(*x),
        }
    }
}

/// Writes `name(k1=v1, k2=v2)`.
fn write_call(f: &mut fmt::Formatter<'_>, name: &str, args: &[(&str, Lit)]) -> fmt::Result {
    write!(f, "{name}(")?;
    for (i, (k, v)) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}={v}")?;
    }
    f.write_str(")")
}

impl fmt::Display for Op {
    /// Canonical pipeline syntax with every argument by keyword; parses back to the same op.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Merge {
                method,
                fill_value,
                interpolation_samples,
                misalignment_threshold,
            } => {
                let method = match method {
                    MergeMethod::Cleanup => -1,
                    MergeMethod::Discard => 0,
                    MergeMethod::Interpolate => 1,
                };
                let fill = Lit::opt(fill_value, |v| match v {
                    FillValue::Value(n) => Lit::number(n),
                    FillValue::Latest => Lit::Str("latest"),
                    FillValue::Interpolate => Lit::Str("interpolate"),
                });
                let args = [
                    ("method", Lit::Int(method)),
                    ("fill_value", fill),
                    ("interpolation_samples", Lit::Int(*interpolation_samples)),
                    ("misalignment_threshold", Lit::Float(*misalignment_threshold)),
                ];
                write_call(f, "merge", &args)
            }
            Op::Detrend(kind) => fmt_detrend(f, kind),
            Op::Taper {
                max_percentage,
                window,
                max_length,
                side,
            } => fmt_taper(f, *max_percentage, window, *max_length, *side),
            Op::Filter(spec) => fmt_filter(f, spec),
            Op::Decimate {
                factor,
                no_filter,
                strict_length,
            } => {
                let args = [
                    ("factor", Lit::Int(i64::from(*factor))),
                    ("no_filter", Lit::Bool(*no_filter)),
                    ("strict_length", Lit::Bool(*strict_length)),
                ];
                write_call(f, "decimate", &args)
            }
            Op::Resample {
                sampling_rate,
                window,
                no_filter,
                strict_length,
            } => {
                let args = [
                    ("sampling_rate", Lit::Float(*sampling_rate)),
                    ("window", Lit::opt(window, |w| Lit::Str(w))),
                    ("no_filter", Lit::Bool(*no_filter)),
                    ("strict_length", Lit::Bool(*strict_length)),
                ];
                write_call(f, "resample", &args)
            }
            Op::Interpolate {
                sampling_rate,
                method,
                starttime,
                npts,
                time_shift,
            } => fmt_interpolate(f, *sampling_rate, method, *starttime, *npts, *time_shift),
            Op::Integrate(IntegrateMethod::Cumtrapz) => write_call(f, "integrate", &[("method", Lit::Str("cumtrapz"))]),
            Op::Integrate(IntegrateMethod::Spline { k }) => {
                let args = [("method", Lit::Str("spline")), ("k", Lit::Int(i64::from(*k)))];
                write_call(f, "integrate", &args)
            }
            Op::Differentiate(DifferentiateMethod::Gradient) => {
                write_call(f, "differentiate", &[("method", Lit::Str("gradient"))])
            }
            Op::Normalize { norm } => write_call(f, "normalize", &[("norm", Lit::opt(norm, |x| Lit::Float(*x)))]),
            Op::Trim {
                starttime,
                endtime,
                pad,
                keep_empty_traces,
                nearest_sample,
                fill_value,
            } => {
                let args = [
                    ("starttime", Lit::opt(starttime, |t| Lit::Time(*t))),
                    ("endtime", Lit::opt(endtime, |t| Lit::Time(*t))),
                    ("pad", Lit::Bool(*pad)),
                    ("keep_empty_traces", Lit::Bool(*keep_empty_traces)),
                    ("nearest_sample", Lit::Bool(*nearest_sample)),
                    ("fill_value", Lit::opt(fill_value, Lit::number)),
                ];
                write_call(f, "trim", &args)
            }
            Op::Slice {
                starttime,
                endtime,
                keep_empty_traces,
                nearest_sample,
            } => {
                let args = [
                    ("starttime", Lit::opt(starttime, |t| Lit::Time(*t))),
                    ("endtime", Lit::opt(endtime, |t| Lit::Time(*t))),
                    ("keep_empty_traces", Lit::Bool(*keep_empty_traces)),
                    ("nearest_sample", Lit::Bool(*nearest_sample)),
                ];
                write_call(f, "slice", &args)
            }
            Op::Select(sel) => fmt_select(f, sel),
            Op::Split => f.write_str("split()"),
        }
    }
}

fn fmt_detrend(f: &mut fmt::Formatter<'_>, kind: &DetrendKind) -> fmt::Result {
    let args: Vec<(&str, Lit)> = match kind {
        DetrendKind::Simple => vec![("type", Lit::Str("simple"))],
        DetrendKind::Linear => vec![("type", Lit::Str("linear"))],
        DetrendKind::Constant => vec![("type", Lit::Str("constant"))],
        DetrendKind::Polynomial { order } => {
            vec![("type", Lit::Str("polynomial")), ("order", Lit::Int(i64::from(*order)))]
        }
        DetrendKind::Spline { order, dspline } => vec![
            ("type", Lit::Str("spline")),
            ("order", Lit::Int(i64::from(*order))),
            ("dspline", Lit::Float(*dspline)),
        ],
    };
    write_call(f, "detrend", &args)
}

fn fmt_taper(
    f: &mut fmt::Formatter<'_>,
    max_percentage: Option<f64>,
    window: &TaperWindow,
    max_length: Option<f64>,
    side: TaperSide,
) -> fmt::Result {
    let (name, params) = window.name_and_params();
    let side = match side {
        TaperSide::Both => "both",
        TaperSide::Left => "left",
        TaperSide::Right => "right",
    };
    let mut args = vec![
        ("max_percentage", max_percentage.map_or(Lit::None, Lit::Float)),
        ("type", Lit::Str(name)),
        ("max_length", max_length.map_or(Lit::None, Lit::Float)),
        ("side", Lit::Str(side)),
    ];
    args.extend(params.into_iter().map(|(k, v)| (k, Lit::Float(v))));
    write_call(f, "taper", &args)
}

fn fmt_filter(f: &mut fmt::Formatter<'_>, spec: &FilterSpec) -> fmt::Result {
    let butter = |kind, freqs: Vec<(&'static str, f64)>, corners: u32, zerophase: bool| {
        let mut args = vec![("type", Lit::Str(kind))];
        args.extend(freqs.into_iter().map(|(k, v)| (k, Lit::Float(v))));
        args.push(("corners", Lit::Int(i64::from(corners))));
        args.push(("zerophase", Lit::Bool(zerophase)));
        args
    };
    let args = match *spec {
        FilterSpec::Bandpass {
            freqmin,
            freqmax,
            corners,
            zerophase,
        } => butter(
            "bandpass",
            vec![("freqmin", freqmin), ("freqmax", freqmax)],
            corners,
            zerophase,
        ),
        FilterSpec::Bandstop {
            freqmin,
            freqmax,
            corners,
            zerophase,
        } => butter(
            "bandstop",
            vec![("freqmin", freqmin), ("freqmax", freqmax)],
            corners,
            zerophase,
        ),
        FilterSpec::Lowpass {
            freq,
            corners,
            zerophase,
        } => butter("lowpass", vec![("freq", freq)], corners, zerophase),
        FilterSpec::Highpass {
            freq,
            corners,
            zerophase,
        } => butter("highpass", vec![("freq", freq)], corners, zerophase),
        FilterSpec::LowpassCheby2 { freq, maxorder } => vec![
            ("type", Lit::Str("lowpass_cheby_2")),
            ("freq", Lit::Float(freq)),
            ("maxorder", Lit::Int(i64::from(maxorder))),
        ],
    };
    write_call(f, "filter", &args)
}

fn fmt_interpolate(
    f: &mut fmt::Formatter<'_>,
    sampling_rate: f64,
    method: &InterpMethod,
    starttime: Option<Time>,
    npts: Option<u64>,
    time_shift: f64,
) -> fmt::Result {
    use InterpMethod as M;
    let (method, extra) = match *method {
        M::WeightedAverageSlopes => (Lit::Str("weighted_average_slopes"), vec![]),
        M::Linear => (Lit::Str("linear"), vec![]),
        M::Nearest => (Lit::Str("nearest"), vec![]),
        M::Zero => (Lit::Str("zero"), vec![]),
        M::Slinear => (Lit::Str("slinear"), vec![]),
        M::Quadratic => (Lit::Str("quadratic"), vec![]),
        M::Cubic => (Lit::Str("cubic"), vec![]),
        M::Spline(k) => (Lit::Int(i64::from(k)), vec![]),
        M::Lanczos { a } => {
            let extra = vec![("a", Lit::Int(i64::from(a))), ("window", Lit::Str("lanczos"))];
            (Lit::Str("lanczos"), extra)
        }
    };
    let mut args = vec![
        ("sampling_rate", Lit::Float(sampling_rate)),
        ("method", method),
        ("starttime", starttime.map_or(Lit::None, Lit::Time)),
        (
            "npts",
            npts.map_or(Lit::None, |n| Lit::Int(i64::try_from(n).unwrap_or(i64::MAX))),
        ),
        ("time_shift", Lit::Float(time_shift)),
    ];
    args.extend(extra);
    write_call(f, "interpolate", &args)
}

fn fmt_select(f: &mut fmt::Formatter<'_>, sel: &Selection) -> fmt::Result {
    fn s(v: &Option<String>) -> Lit<'_> {
        v.as_deref().map_or(Lit::None, Lit::Str)
    }
    let args = [
        ("network", s(&sel.network)),
        ("station", s(&sel.station)),
        ("location", s(&sel.location)),
        ("channel", s(&sel.channel)),
        ("sampling_rate", sel.sampling_rate.map_or(Lit::None, Lit::Float)),
        (
            "npts",
            sel.npts
                .map_or(Lit::None, |n| Lit::Int(i64::try_from(n).unwrap_or(i64::MAX))),
        ),
        ("component", s(&sel.component)),
        ("id", s(&sel.id)),
    ];
    write_call(f, "select", &args)
}
