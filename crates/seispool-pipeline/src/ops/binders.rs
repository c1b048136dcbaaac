//! One binder per op: ObsPy's signature (names, positional order, defaults) and the value checks ObsPy makes
//! before touching data.

use seispool_core::Time;
use seispool_dsp::TAPER_TYPES;

use super::bind::{Bound, Sig, check_selector, selector, selector_name};
use super::{
    DetrendKind, DifferentiateMethod, FillValue, FilterSpec, IntegrateMethod, InterpMethod, MergeMethod, Number, Op,
    Selection, TaperSide, TaperWindow,
};
use crate::lang::{Call, PipelineError, Source, Spanned, Value};
use crate::suggest::closest;

/// Names ObsPy has that seispool cannot run yet, with the reason.
const NOT_SUPPORTED: &[(&str, &str)] = &[
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
    "remove_response",
    "remove_sensitivity",
];

pub(super) fn op_from_call(src: Source, call: &Call) -> Result<Op, PipelineError> {
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
        "remove_response" => super::response::remove_response(src, call),
        "remove_sensitivity" => super::response::remove_sensitivity_op(src, call),
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
        _ => MergeMethod::Overwrite,
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
        Value::Int(i) => Ok(Some(FillValue::Number(Number::Int(*i)))),
        Value::Float(x) => Ok(Some(FillValue::Number(Number::Float(*x)))),
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

fn taper(src: Source, call: &Call) -> Result<Op, PipelineError> {
    check_selector(src, call, (1, "type"), "taper type", &TAPER_TYPES)?;
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
    let kind = b.choice("type", "taper type", "hann", &TAPER_TYPES)?;
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
        keep_empty_traces: keep_empty_traces(&b)?,
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
        keep_empty_traces: keep_empty_traces(&b)?,
        nearest_sample: b.bool("nearest_sample", true)?,
    })
}

/// `keep_empty_traces`: only `False`. A pipeline drops the traces a window empties (no file holds an
/// empty trace, and ObsPy's ops after it would meet them), so `True` is refused with the pipeline,
/// before any file is read, not by every file as it is processed.
fn keep_empty_traces(b: &Bound) -> Result<bool, PipelineError> {
    b.only_false(
        "keep_empty_traces",
        "is not supported: traces the window empties are dropped",
    )?;
    Ok(false)
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
