//! The canonical printer: every op with all its arguments by keyword, in a form that parses back to the
//! same op (the pipeline's identity is the hash of this text).

use std::fmt;

use seispool_core::Time;

use super::{
    DetrendKind, DifferentiateMethod, FillValue, FilterSpec, IntegrateMethod, InterpMethod, MergeMethod, Number, Op,
    Selection, TaperSide, TaperWindow,
};
use crate::lang::{fmt_float, fmt_str};

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
            } => fmt_merge(f, *method, *fill_value, *interpolation_samples, *misalignment_threshold),
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
                let flags = (*pad, *keep_empty_traces, *nearest_sample);
                fmt_trim(f, *starttime, *endtime, flags, *fill_value)
            }
            Op::Slice {
                starttime,
                endtime,
                keep_empty_traces,
                nearest_sample,
            } => fmt_slice(f, *starttime, *endtime, *keep_empty_traces, *nearest_sample),
            Op::Select(sel) => fmt_select(f, sel),
            Op::Split => f.write_str("split()"),
            Op::RemoveResponse(o) => super::response::fmt_remove_response(f, o),
            Op::RemoveSensitivity => f.write_str("remove_sensitivity()"),
        }
    }
}

fn fmt_merge(
    f: &mut fmt::Formatter<'_>,
    method: MergeMethod,
    fill_value: Option<FillValue>,
    interpolation_samples: i64,
    misalignment_threshold: f64,
) -> fmt::Result {
    let method = match method {
        MergeMethod::Cleanup => -1,
        MergeMethod::Discard => 0,
        MergeMethod::Overwrite => 1,
    };
    let fill = match fill_value {
        None => Lit::None,
        Some(FillValue::Number(n)) => Lit::number(&n),
        Some(FillValue::Latest) => Lit::Str("latest"),
        Some(FillValue::Interpolate) => Lit::Str("interpolate"),
    };
    let args = [
        ("method", Lit::Int(method)),
        ("fill_value", fill),
        ("interpolation_samples", Lit::Int(interpolation_samples)),
        ("misalignment_threshold", Lit::Float(misalignment_threshold)),
    ];
    write_call(f, "merge", &args)
}

/// `trim(...)`; `flags` are `(pad, keep_empty_traces, nearest_sample)`.
fn fmt_trim(
    f: &mut fmt::Formatter<'_>,
    starttime: Option<Time>,
    endtime: Option<Time>,
    flags: (bool, bool, bool),
    fill_value: Option<Number>,
) -> fmt::Result {
    let (pad, keep_empty_traces, nearest_sample) = flags;
    let args = [
        ("starttime", starttime.map_or(Lit::None, Lit::Time)),
        ("endtime", endtime.map_or(Lit::None, Lit::Time)),
        ("pad", Lit::Bool(pad)),
        ("keep_empty_traces", Lit::Bool(keep_empty_traces)),
        ("nearest_sample", Lit::Bool(nearest_sample)),
        ("fill_value", fill_value.map_or(Lit::None, |n| Lit::number(&n))),
    ];
    write_call(f, "trim", &args)
}

fn fmt_slice(
    f: &mut fmt::Formatter<'_>,
    starttime: Option<Time>,
    endtime: Option<Time>,
    keep_empty_traces: bool,
    nearest_sample: bool,
) -> fmt::Result {
    let args = [
        ("starttime", starttime.map_or(Lit::None, Lit::Time)),
        ("endtime", endtime.map_or(Lit::None, Lit::Time)),
        ("keep_empty_traces", Lit::Bool(keep_empty_traces)),
        ("nearest_sample", Lit::Bool(nearest_sample)),
    ];
    write_call(f, "slice", &args)
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
