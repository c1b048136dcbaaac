//! `remove_response(...)` and `remove_sensitivity()`: binders with ObsPy's signatures, the canonical
//! printer and the application to a trace through the run's [`Responses`].

use std::fmt;

use seispool_core::Trace;
use seispool_dsp::response::{Output, RemoveOptions, ResponseRemover, npts2nfft, remove_sensitivity};

use super::Op;
use super::bind::Sig;
use crate::lang::{Call, PipelineError, Source, Spanned, Value, fmt_float};
use crate::responses::Responses;

const INVENTORY_WHY: &str = "give the inventory to the run (its inventory option), not to the op";

/// `remove_response(inventory=None, output="VEL", water_level=60, pre_filt=None, zero_mean=True,
/// taper=True, taper_fraction=0.05, plot=False)`.
pub(super) fn remove_response(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let params = [
        "inventory",
        "output",
        "water_level",
        "pre_filt",
        "zero_mean",
        "taper",
        "taper_fraction",
        "plot",
    ];
    let sig = Sig::new("remove_response", &params, params.len()).unsupported(&[
        ("fig", "it draws a figure"),
        ("start_stage", "responses are always evaluated from the first stage"),
        ("end_stage", "responses are always evaluated to the last stage"),
    ]);
    let b = sig.bind(src, call)?;
    if let Some(v) = b.given("inventory") {
        return Err(src.error(
            v.pos,
            format!("remove_response() argument 'inventory': {INVENTORY_WHY}"),
        ));
    }
    b.only_false("plot", "draws a figure; seispool does not plot in a pipeline")?;
    let output = b.choice("output", "output", "vel", &["disp", "vel", "acc", "def"])?;
    let output = Output::from_name(&output).map_err(|e| src.error(call.pos, e.what))?;
    let water_level = match b.get("water_level") {
        Some(v) if v.value == Value::None => None,
        _ => Some(b.f64("water_level", 60.0)?),
    };
    let pre_filt = match b.given("pre_filt") {
        None => None,
        Some(v) => Some(pre_filt(src, v)?),
    };
    let opts = RemoveOptions {
        output,
        water_level,
        pre_filt,
        zero_mean: b.bool("zero_mean", true)?,
        taper: b.bool("taper", true)?,
        taper_fraction: b.f64_where("taper_fraction", 0.05, |x| (0.0..=1.0).contains(&x), "between 0 and 1")?,
    };
    opts.validate()
        .map_err(|e| src.error(call.pos, format!("remove_response(): {e}")))?;
    Ok(Op::RemoveResponse(opts))
}

/// Four corner frequencies `[f1, f2, f3, f4]` (list or tuple of numbers).
fn pre_filt(src: Source, v: &Spanned) -> Result<[f64; 4], PipelineError> {
    let bad = || {
        src.error(
            v.pos,
            format!(
                "remove_response() argument 'pre_filt' expects four frequencies [f1, f2, f3, f4], got {}",
                v.value
            ),
        )
    };
    let (Value::List(items) | Value::Tuple(items)) = &v.value else {
        return Err(bad());
    };
    let nums: Vec<f64> = items
        .iter()
        .map(|i| match i.value {
            Value::Int(n) => Some(n as f64),
            Value::Float(x) => Some(x),
            _ => None,
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    <[f64; 4]>::try_from(nums).map_err(|_| bad())
}

/// `remove_sensitivity(inventory=None)`.
pub(super) fn remove_sensitivity_op(src: Source, call: &Call) -> Result<Op, PipelineError> {
    let b = Sig::new("remove_sensitivity", &["inventory"], 1).bind(src, call)?;
    if let Some(v) = b.given("inventory") {
        return Err(src.error(
            v.pos,
            format!("remove_sensitivity() argument 'inventory': {INVENTORY_WHY}"),
        ));
    }
    Ok(Op::RemoveSensitivity)
}

/// Canonical text of `remove_response`.
pub(super) fn fmt_remove_response(f: &mut fmt::Formatter<'_>, o: &RemoveOptions) -> fmt::Result {
    write!(f, "remove_response(output='{}', water_level=", o.output.name())?;
    match o.water_level {
        Some(w) => fmt_float(w, f)?,
        None => f.write_str("None")?,
    }
    f.write_str(", pre_filt=")?;
    match o.pre_filt {
        Some(p) => {
            f.write_str("[")?;
            for (i, x) in p.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                fmt_float(*x, f)?;
            }
            f.write_str("]")?;
        }
        None => f.write_str("None")?,
    }
    let b = |x: bool| if x { "True" } else { "False" };
    write!(
        f,
        ", zero_mean={}, taper={}, taper_fraction=",
        b(o.zero_mean),
        b(o.taper)
    )?;
    fmt_float(o.taper_fraction, f)?;
    f.write_str(")")
}

/// Per-worker FFT plans and buffers, one remover per distinct option set.
#[derive(Default)]
pub(super) struct Removers(Vec<ResponseRemover>);

impl Removers {
    fn get(&mut self, opts: &RemoveOptions) -> Result<&mut ResponseRemover, String> {
        let i = match self.0.iter().position(|r| r.options() == opts) {
            Some(i) => i,
            None => {
                self.0
                    .push(ResponseRemover::new(opts.clone()).map_err(|e| e.to_string())?);
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[i])
    }
}

/// `Trace.remove_response` / `remove_sensitivity` with the run's responses (`opts = None`: sensitivity).
pub(super) fn apply(
    removers: &mut Removers,
    threads: usize,
    responses: Option<&Responses>,
    opts: Option<&RemoveOptions>,
    tr: &mut Trace,
) -> Result<(), String> {
    let responses = responses.ok_or_else(|| "no inventory was given to the run".to_string())?;
    let (id, t) = (tr.stats.id.clone(), tr.stats.starttime);
    if tr.stats.npts == 0 {
        // The response must still exist (ObsPy looks it up first); there is nothing to deconvolve.
        return responses.find(&id, t).map(|_| ());
    }
    let Some(opts) = opts else {
        let (_, resp) = responses.find(&id, t)?;
        return remove_sensitivity(resp, tr.data_f64_mut()).map_err(|e| format!("response of {id} at {t}: {e}"));
    };
    let remover = removers.get(opts)?;
    remover.set_threads(threads);
    let delta = tr.stats.delta();
    let removal = responses.removal(remover, &id, t, delta, npts2nfft(tr.stats.npts))?;
    remover
        .apply_in_place(tr.data_f64_mut(), &removal)
        .map_err(|e| format!("response of {id} at {t}: {e}"))
}
