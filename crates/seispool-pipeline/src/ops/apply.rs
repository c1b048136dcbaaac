//! Applying a parsed [`Pipeline`] to a [`Stream`] with the semantics of the same ObsPy `Stream` method
//! calls: each op runs on every trace in order; processing promotes samples to f64 where ObsPy does.

use seispool_core::{Samples, Stream, Trace};
use seispool_dsp::{
    DecimateOptions, DesignCache, Detrend, FilterWarning, IirOptions, OpError, Resampler, TaperType, Window,
};

use crate::ops::{
    DetrendKind, DifferentiateMethod, FilterSpec, IntegrateMethod, InterpMethod, Op, Pipeline, Selection, TaperSide,
    TaperWindow,
};

/// Per-worker state reused across traces and units: cached filter designs and FFT plans.
#[derive(Default)]
pub struct Processor {
    designs: DesignCache,
    resampler: Resampler,
    removers: super::response::Removers,
    /// Threads one op on one trace may use (0 or 1: the calling thread only).
    threads: usize,
    /// The stream is cast to float32 after the pipeline (FLOAT32 output; see
    /// [`Processor::set_f32_output`]).
    f32_output: bool,
}

/// An op that failed on some trace: which op (1-based, as written), on which trace, why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("pipeline op {index} {op}: {trace}{what}")]
pub struct ApplyError {
    /// 1-based position of the op in the pipeline.
    pub index: usize,
    /// The op in canonical syntax.
    pub op: String,
    /// `NET.STA.LOC.CHA: ` of the trace, or empty for stream-level errors.
    pub trace: String,
    /// The reason.
    pub what: String,
}

impl Processor {
    /// A processor with empty caches.
    pub fn new() -> Processor {
        Processor::default()
    }

    /// Lets one op on one trace use up to `threads` threads (scoped: they end with the op). A run
    /// gives its spare workers this way when it has fewer units than workers; today
    /// `remove_response` uses them.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Tells the processor that every float sample is cast to float32 once the pipeline is done (the
    /// run stores FLOAT32). A pipeline that ends in a chained `decimate` then writes its output as
    /// f32 straight away: the same values as the cast of its f64 output (`as f32` rounds to nearest,
    /// as numpy's `astype(float32)` does), without the f64 trace or the cast pass.
    pub fn set_f32_output(&mut self, f32_output: bool) {
        self.f32_output = f32_output;
    }

    /// Threads one op on one trace may use.
    pub fn threads(&self) -> usize {
        self.threads.max(1)
    }

    /// Applies every op of `pipeline` to `stream` in order; returns ObsPy's warnings (deduplicated).
    pub fn apply(&mut self, pipeline: &Pipeline, stream: &mut Stream) -> Result<Vec<String>, ApplyError> {
        self.apply_with(pipeline, None, stream)
    }

    /// [`Processor::apply`] with the run's instrument responses (needed by `remove_response` and
    /// `remove_sensitivity`).
    pub fn apply_with(
        &mut self,
        pipeline: &Pipeline,
        responses: Option<&crate::responses::Responses>,
        stream: &mut Stream,
    ) -> Result<Vec<String>, ApplyError> {
        let mut warnings = Vec::new();
        let ops = &pipeline.ops;
        let err = |i: usize, trace: &str, what: String| ApplyError {
            index: i + 1,
            op: ops[i].to_string(),
            trace: if trace.is_empty() {
                String::new()
            } else {
                format!("{trace}: ")
            },
            what,
        };
        let mut i = 0;
        while i < ops.len() {
            if let Some(run) = FusedRun::at(&ops[i..]) {
                let last = i + run.ops.len() == ops.len();
                match self.apply_fused(&run, last, stream, &mut warnings) {
                    Ok(Some(done)) => {
                        i += done;
                        continue;
                    }
                    Ok(None) => {}
                    Err((j, trace, what)) => return Err(err(i + j, &trace, what)),
                }
            }
            self.apply_op(&ops[i], responses, stream, &mut warnings)
                .map_err(|(trace, what)| err(i, &trace, what))?;
            i += 1;
        }
        warnings.dedup();
        Ok(warnings)
    }

    /// Runs `detrend("linear")`, the optional `taper(...)` and `filter(...)` of `run` over the
    /// stream, integer traces in one fused pass ([`seispool_dsp::detrend_taper_filter_i32`]), the
    /// others op by op, with exactly the samples and warnings of running the ops one at a time.
    /// First every trace's taper and filter are prepared with the code those ops use; when one
    /// fails (or a trace holds text), nothing is touched and this returns false, so the ops run
    /// one at a time and fail where ObsPy fails. Warnings are appended phase by phase (all of the
    /// detrend's, then the taper's, then the filter's), as the ops one at a time give them.
    /// Errors (none are expected once prepared) name the op's offset in `run`.
    ///
    /// When the run ends in `decimate(...)` (with its filter) and every trace's decimation prepares
    /// too, an integer trace long enough for [`seispool_dsp::filter_chain_i32`] runs the whole run
    /// block by block (within 1e-12 of max of the ops one at a time, not the same bits); otherwise
    /// the decimation is left to run as an op of its own. Returns how many ops were applied.
    ///
    /// `last`: the run ends the pipeline; then, with [`Processor::set_f32_output`], a chained trace's
    /// output is written as f32, and a run without a decimation is chained too (its f64 output, only
    /// to be cast to f32, then never exists: a 100 Hz day's 69 MB, within one float32 spacing of the
    /// ops one at a time plus 1e-12 of max).
    fn apply_fused(
        &mut self,
        run: &FusedRun<'_>,
        last: bool,
        st: &mut Stream,
        warnings: &mut Vec<String>,
    ) -> Result<Option<usize>, (usize, String, String)> {
        let mut plans = Vec::with_capacity(st.traces.len());
        for tr in &st.traces {
            match self.prepare_fused(run, tr) {
                Ok(plan) => plans.push(plan),
                Err(()) => return Ok(None),
            }
        }
        let mut decimations = Vec::with_capacity(st.traces.len());
        if let Some(d) = &run.decimate {
            for (tr, plan) in st.traces.iter().zip(&plans) {
                match self.prepare_decimate(d, tr, plan.is_some()) {
                    Ok(sos) => decimations.push(sos),
                    // The decimation fails somewhere (as ObsPy's would): it runs as an op of its own.
                    Err(()) => return self.apply_fused(&run.without_decimate(), false, st, warnings),
                }
            }
        }
        // The warnings of each op of the run, in trace order.
        let mut phases = vec![Vec::new(); run.ops.len()];
        let mut decimations = decimations.into_iter();
        for (tr, plan) in st.traces.iter_mut().zip(plans) {
            let decimation = decimations.next().flatten();
            let Some((taper, filter)) = plan else {
                for (j, op) in run.ops.iter().enumerate() {
                    self.apply_to_trace(op, tr, &mut phases[j])
                        .map_err(|what| (j, tr.id(), what))?;
                }
                continue;
            };
            if let Some(Op::Taper {
                max_percentage,
                max_length,
                ..
            }) = run.taper
            {
                let taper_phase = &mut phases[1];
                taper_phase.extend(taper_warning(
                    tr.stats.npts,
                    tr.stats.sampling_rate,
                    *max_percentage,
                    *max_length,
                ));
            }
            let at = run.filter_at;
            phases[at].extend(filter.warnings().iter().map(FilterWarning::to_string));
            let (mut result, mut chained) = (Ok(()), false);
            // A chain ending a FLOAT32 run writes f32; whether the chain takes the trace does not
            // depend on the output type, so a refused one is not tried again in f64.
            let f32_chain = last && self.f32_output;
            if f32_chain {
                let decimate = decimation.as_ref().map(|(sos, factor)| (sos, *factor));
                // Without a decimation only when the run has none (not one refused for this trace).
                if decimate.is_some() || run.decimate.is_none() {
                    let len = tr.data.len().div_ceil(decimate.map_or(1, |(_, factor)| factor));
                    chained = tr.data.promote_i32_to_f32_with(len, |x, out| {
                        seispool_dsp::filter_chain_i32(x, taper.as_ref(), &filter, decimate, out)
                    });
                }
            }
            if !chained {
                tr.data.promote_i32_with(|x, out| {
                    chained = decimation.as_ref().filter(|_| !f32_chain).is_some_and(|(sos, factor)| {
                        seispool_dsp::filter_chain_i32(x, taper.as_ref(), &filter, Some((sos, *factor)), out)
                    });
                    if !chained {
                        result = seispool_dsp::detrend_taper_filter_i32(x, taper.as_ref(), &filter, out);
                    }
                });
            }
            result.map_err(|e| (at, tr.id(), e.to_string()))?;
            if let Some((op, factor, _)) = run.decimate {
                if chained {
                    // What `decimate` does to the header (its filter and `[::factor]` ran in the chain).
                    tr.stats.sampling_rate /= factor as f64;
                    tr.stats.npts = tr.data.len();
                } else {
                    self.apply_to_trace(op, tr, &mut phases[at + 1])
                        .map_err(|what| (at + 1, tr.id(), what))?;
                }
            }
        }
        warnings.extend(phases.into_iter().flatten());
        Ok(Some(run.ops.len()))
    }

    /// The anti-alias design of the run's `decimate(...)` for one trace: `Some((sections, factor))` for
    /// a trace the run fuses (`fused`), `None` for one the ops run on one at a time; `Err` when
    /// `decimate` would fail on the trace (its checks, its design, or no samples), so that it runs
    /// as an op of its own and fails where ObsPy's does.
    fn prepare_decimate(
        &mut self,
        (_, factor, strict_length): &(&Op, usize, bool),
        tr: &Trace,
        fused: bool,
    ) -> Result<Option<(seispool_dsp::Sos, usize)>, ()> {
        let (npts, df, factor) = (tr.stats.npts, tr.stats.sampling_rate, *factor);
        let opts = DecimateOptions {
            no_filter: false,
            strict_length: *strict_length,
        };
        // `decimate` of no samples fails after its design (SciPy's sosfilt of nothing).
        let design = seispool_dsp::decimate_filter(npts, df, factor, opts, &mut self.designs)
            .ok()
            .flatten()
            .filter(|_| npts > 0)
            .ok_or(())?;
        Ok(fused.then(|| (design.plan.sos().clone(), factor)))
    }

    /// What [`Processor::apply_fused`] needs for one trace: `Some((taper, filter))` for a non-empty
    /// integer trace (fused), `None` for a trace the ops run on one at a time; `Err` when the
    /// taper or filter cannot be prepared or the trace holds text (then the run is not fused).
    #[allow(clippy::type_complexity)] // the two plans of one trace
    fn prepare_fused(
        &mut self,
        run: &FusedRun<'_>,
        tr: &Trace,
    ) -> Result<Option<(Option<seispool_dsp::TaperPlan>, seispool_dsp::FilterPlan)>, ()> {
        if tr.data.sample_type() == seispool_core::SampleType::Text {
            return Err(());
        }
        let (npts, df) = (tr.stats.npts, tr.stats.sampling_rate);
        let filter = self.design(run.filter, df).map_err(|_| ())?;
        let taper = match run.taper {
            Some(Op::Taper {
                max_percentage,
                window,
                max_length,
                side,
            }) => {
                let kind = taper_type(window).map_err(|_| ())?;
                if npts == 0 {
                    None
                } else {
                    Some(
                        seispool_dsp::TaperPlan::new(npts, df, *max_percentage, &kind, *max_length, *side)
                            .map_err(|_| ())?,
                    )
                }
            }
            _ => None,
        };
        let fused = npts > 0 && npts == tr.data.len() && tr.data.sample_type() == seispool_core::SampleType::I32;
        Ok(fused.then_some((taper, filter)))
    }

    fn apply_op(
        &mut self,
        op: &Op,
        responses: Option<&crate::responses::Responses>,
        st: &mut Stream,
        warnings: &mut Vec<String>,
    ) -> Result<(), (String, String)> {
        let stream_err = |e: &dyn std::fmt::Display| (String::new(), e.to_string());
        match op {
            Op::Merge {
                method,
                fill_value,
                interpolation_samples,
                misalignment_threshold,
                // The processor's stream is dropped when an op fails: merge it without copying it first.
            } => st
                .merge_consuming(*method, *fill_value, *interpolation_samples, *misalignment_threshold)
                .map_err(|e| stream_err(&e)),
            Op::Trim {
                starttime,
                endtime,
                pad,
                keep_empty_traces,
                nearest_sample,
                fill_value,
            } => {
                if *keep_empty_traces {
                    return Err(stream_err(&"keep_empty_traces=True is not supported"));
                }
                st.trim(*starttime, *endtime, *pad, *nearest_sample, *fill_value)
                    .map_err(|e| stream_err(&e))
            }
            Op::Slice {
                starttime,
                endtime,
                keep_empty_traces,
                nearest_sample,
            } => {
                if *keep_empty_traces {
                    return Err(stream_err(&"keep_empty_traces=True is not supported"));
                }
                *st = st
                    .slice(*starttime, *endtime, *nearest_sample)
                    .map_err(|e| stream_err(&e))?;
                Ok(())
            }
            Op::Select(sel) => {
                st.traces.retain(|t| selected(t, sel));
                Ok(())
            }
            // Our traces are never masked: ObsPy's split() of unmasked traces leaves them as they are.
            Op::Split => Ok(()),
            Op::RemoveResponse(_) | Op::RemoveSensitivity => {
                let opts = match op {
                    Op::RemoveResponse(o) => Some(o),
                    _ => None,
                };
                for tr in &mut st.traces {
                    if tr.data.sample_type() == seispool_core::SampleType::Text {
                        return Err((tr.id(), "text (ASCII) samples cannot be processed numerically".into()));
                    }
                    super::response::apply(&mut self.removers, self.threads.max(1), responses, opts, tr)
                        .map_err(|what| (tr.id(), what))?;
                }
                Ok(())
            }
            _ => {
                for tr in &mut st.traces {
                    let keeps_text = matches!(op, Op::Decimate { no_filter: true, .. });
                    if tr.data.sample_type() == seispool_core::SampleType::Text && !keeps_text {
                        // numpy cannot turn text into float64 either (ObsPy raises ValueError).
                        return Err((tr.id(), "text (ASCII) samples cannot be processed numerically".into()));
                    }
                    self.apply_to_trace(op, tr, warnings).map_err(|what| (tr.id(), what))?;
                }
                Ok(())
            }
        }
    }

    /// Applies every op of `pipeline` to samples the caller lends in place (`data[i]` holds the f64 samples
    /// of the trace with `stats[i]`), as [`Processor::apply`] would to those traces, without copying them.
    /// Only ops that keep each trace's length, type and header qualify ([`keeps_samples_in_place`]);
    /// `None` when some op does not (then nothing was touched: use [`Processor::apply`]). As ObsPy's
    /// methods, an error on some trace leaves the traces before it changed.
    pub fn apply_in_place(
        &mut self,
        pipeline: &Pipeline,
        stats: &[seispool_core::Stats],
        data: &mut [&mut [f64]],
    ) -> Option<Result<Vec<String>, ApplyError>> {
        if stats.len() != data.len() || !pipeline.ops.iter().all(keeps_samples_in_place) {
            return None;
        }
        let mut warnings = Vec::new();
        for (i, op) in pipeline.ops.iter().enumerate() {
            for (st, samples) in stats.iter().zip(data.iter_mut()) {
                if let Err(what) = self.apply_to_samples(op, st, samples, &mut warnings) {
                    return Some(Err(ApplyError {
                        index: i + 1,
                        op: op.to_string(),
                        trace: format!("{}: ", st.id),
                        what,
                    }));
                }
            }
        }
        warnings.dedup();
        Some(Ok(warnings))
    }

    fn apply_to_trace(&mut self, op: &Op, tr: &mut Trace, warnings: &mut Vec<String>) -> Result<(), String> {
        if keeps_samples_in_place(op) {
            // An empty trace keeps its sample type (only `normalize` makes it f64, as before).
            if tr.stats.npts == 0 && !matches!(op, Op::Normalize { .. }) {
                return self.apply_to_samples(op, &tr.stats, &mut [], warnings);
            }
            // ObsPy's `normalize` returns before converting integers when the norm is zero (`norm=0`, or
            // an all-zero trace): the trace stays integer (a later `merge` with a float trace of its id
            // then fails, as ObsPy's does).
            if let (Op::Normalize { norm }, Samples::I32(v)) = (op, &tr.data)
                && !v.is_empty()
                && norm.map_or_else(|| v.iter().all(|&x| x == 0), |n| n == 0.0)
            {
                return Ok(());
            }
            // Integer samples (as decoded) are converted and linearly detrended in one pass.
            if matches!(op, Op::Detrend(DetrendKind::Linear))
                && tr.data.promote_i32_with(seispool_dsp::detrend_linear_i32)
            {
                return Ok(());
            }
            let Trace { stats, data } = tr;
            return self.apply_to_samples(op, stats, data.make_f64(), warnings);
        }
        match op {
            Op::Decimate {
                factor,
                no_filter,
                strict_length,
            } => self.decimate(tr, *factor, *no_filter, *strict_length),
            Op::Resample {
                sampling_rate,
                window,
                no_filter,
                strict_length,
            } => {
                let w = self.resample(tr, *sampling_rate, window.as_deref(), *no_filter, *strict_length)?;
                warnings.extend(w.map(String::from));
                Ok(())
            }
            Op::Interpolate {
                sampling_rate,
                method,
                starttime,
                npts,
                time_shift,
            } => interpolate(tr, *sampling_rate, method, *starttime, *npts, *time_shift),
            _ => Ok(()),
        }
    }

    /// One op of [`keeps_samples_in_place`] on one trace's f64 samples (`stats.npts` of them, or none
    /// for an empty or header-only trace).
    fn apply_to_samples(
        &mut self,
        op: &Op,
        stats: &seispool_core::Stats,
        data: &mut [f64],
        warnings: &mut Vec<String>,
    ) -> Result<(), String> {
        let delta = stats.delta();
        let npts = stats.npts;
        let s = |e: OpError| e.to_string();
        match op {
            Op::Detrend(kind) => detrend(data, npts, *kind),
            Op::Taper {
                max_percentage,
                window,
                max_length,
                side,
            } => taper(
                data,
                npts,
                stats.sampling_rate,
                *max_percentage,
                window,
                *max_length,
                *side,
                warnings,
            ),
            Op::Filter(spec) => self.filter(spec, stats.sampling_rate, npts, data, warnings),
            Op::Integrate(method) => {
                if npts == 0 {
                    return Ok(());
                }
                match method {
                    IntegrateMethod::Cumtrapz => {
                        seispool_dsp::integrate_cumtrapz(data, delta);
                        Ok(())
                    }
                    IntegrateMethod::Spline { k } => {
                        seispool_dsp::integrate_spline(data, delta, *k as usize).map_err(s)
                    }
                }
            }
            Op::Differentiate(DifferentiateMethod::Gradient) => {
                if npts == 0 {
                    return Ok(());
                }
                seispool_dsp::differentiate_gradient(data, delta).map_err(s)
            }
            Op::Normalize { norm } => {
                warnings.extend(
                    seispool_dsp::normalize_warnings(data, *norm)
                        .into_iter()
                        .map(String::from),
                );
                seispool_dsp::normalize(data, *norm).map_err(s)
            }
            _ => Ok(()),
        }
    }

    /// `decimate(factor, no_filter, strict_length)`; without the filter the sample type is kept, as ObsPy.
    fn decimate(&mut self, tr: &mut Trace, factor: u32, no_filter: bool, strict_length: bool) -> Result<(), String> {
        let df = tr.stats.sampling_rate;
        let opts = DecimateOptions {
            no_filter,
            strict_length,
        };
        let factor = factor as usize;
        let new_rate = if no_filter && tr.data.sample_type() != seispool_core::SampleType::F64 {
            seispool_dsp::check_decimate(tr.stats.npts, factor, opts).map_err(|e| e.to_string())?;
            decimate_any(&mut tr.data, factor).map_err(|e| e.to_string())?;
            df / factor as f64
        } else {
            seispool_dsp::decimate(tr.data_f64_mut(), df, factor, opts, &mut self.designs).map_err(|e| e.to_string())?
        };
        tr.stats.sampling_rate = new_rate;
        tr.stats.npts = tr.data.len();
        Ok(())
    }

    /// `resample(sampling_rate, window, no_filter, strict_length)`.
    fn resample(
        &mut self,
        tr: &mut Trace,
        sampling_rate: f64,
        window: Option<&str>,
        no_filter: bool,
        strict_length: bool,
    ) -> Result<Option<&'static str>, String> {
        let df = tr.stats.sampling_rate;
        let s = |e: OpError| e.to_string();
        let plan =
            seispool_dsp::resample_prepare(tr.stats.npts, df, sampling_rate, no_filter, strict_length).map_err(s)?;
        if tr.stats.npts == 0 {
            return Ok(None);
        }
        if let Some(freq) = plan.lowpass_freq {
            let design =
                seispool_dsp::design_lowpass_cheby_2(freq, df, 12, &mut self.designs).map_err(|e| e.to_string())?;
            design.plan.apply(tr.data_f64_mut()).map_err(|e| e.to_string())?;
        }
        let window = match window {
            Some(name) => Some(Window::from_get_window(name, &[]).map_err(s)?),
            None => None,
        };
        let out = self
            .resampler
            .resample(tr.data_f64_mut(), df, sampling_rate, window.as_ref())
            .map_err(s)?;
        tr.set_data(Samples::F64(out));
        tr.stats.sampling_rate = sampling_rate;
        Ok(plan.retains_one.then_some(seispool_dsp::RESAMPLE_ONE_SAMPLE_WARNING))
    }

    fn filter(
        &mut self,
        spec: &FilterSpec,
        df: f64,
        npts: usize,
        data: &mut [f64],
        warnings: &mut Vec<String>,
    ) -> Result<(), String> {
        let plan = self.design(spec, df)?;
        warnings.extend(plan.warnings().iter().map(FilterWarning::to_string));
        if npts == 0 {
            return Ok(());
        }
        plan.apply(data).map_err(|e| e.to_string())
    }

    /// The design of `filter(spec)` at sampling rate `df` (ObsPy's warnings in the plan), or its error.
    fn design(&mut self, spec: &FilterSpec, df: f64) -> Result<seispool_dsp::FilterPlan, String> {
        let iir = |corners: u32, zerophase: bool| IirOptions {
            corners: corners as usize,
            zerophase,
            ..IirOptions::default()
        };
        match *spec {
            FilterSpec::Bandpass {
                freqmin,
                freqmax,
                corners,
                zerophase,
            } => seispool_dsp::design_bandpass(freqmin, freqmax, df, &iir(corners, zerophase), &mut self.designs),
            FilterSpec::Bandstop {
                freqmin,
                freqmax,
                corners,
                zerophase,
            } => seispool_dsp::design_bandstop(freqmin, freqmax, df, &iir(corners, zerophase), &mut self.designs),
            FilterSpec::Lowpass {
                freq,
                corners,
                zerophase,
            } => seispool_dsp::design_lowpass(freq, df, &iir(corners, zerophase), &mut self.designs),
            FilterSpec::Highpass {
                freq,
                corners,
                zerophase,
            } => seispool_dsp::design_highpass(freq, df, &iir(corners, zerophase), &mut self.designs),
            FilterSpec::LowpassCheby2 { freq, maxorder } => {
                seispool_dsp::design_lowpass_cheby_2(freq, df, maxorder as usize, &mut self.designs).map(|d| d.plan)
            }
        }
        .map_err(|e| e.to_string())
    }
}

/// A run of ops fused by [`Processor::apply_fused`]: `detrend("linear")`, optionally `taper(...)`,
/// then `filter(...)`, then optionally `decimate(...)` with its filter.
struct FusedRun<'a> {
    /// The run's ops, as written.
    ops: &'a [Op],
    /// The `taper(...)`, when the run has one.
    taper: Option<&'a Op>,
    /// The filter.
    filter: &'a FilterSpec,
    /// Where the filter is in `ops`.
    filter_at: usize,
    /// The `decimate(factor, strict_length=…)` after the filter, when there is one.
    decimate: Option<(&'a Op, usize, bool)>,
}

impl<'a> FusedRun<'a> {
    /// The run at the start of `ops`, if one starts there.
    fn at(ops: &'a [Op]) -> Option<FusedRun<'a>> {
        let (taper, filter, filter_at) = match ops {
            [Op::Detrend(DetrendKind::Linear), Op::Filter(filter), ..] => (None, filter, 1),
            [
                Op::Detrend(DetrendKind::Linear),
                taper @ Op::Taper { .. },
                Op::Filter(filter),
                ..,
            ] => (Some(taper), filter, 2),
            _ => return None,
        };
        let decimate = match ops.get(filter_at + 1) {
            Some(
                op @ Op::Decimate {
                    factor,
                    no_filter: false,
                    strict_length,
                },
            ) => Some((op, *factor as usize, *strict_length)),
            _ => None,
        };
        Some(FusedRun {
            ops: &ops[..filter_at + 1 + usize::from(decimate.is_some())],
            taper,
            filter,
            filter_at,
            decimate,
        })
    }

    /// The run without its `decimate(...)`.
    fn without_decimate(&self) -> FusedRun<'a> {
        FusedRun {
            ops: &self.ops[..=self.filter_at],
            decimate: None,
            ..*self
        }
    }
}

/// `detrend(type, **options)`.
fn detrend(data: &mut [f64], npts: usize, kind: DetrendKind) -> Result<(), String> {
    let kind = match kind {
        DetrendKind::Simple => Detrend::Simple,
        DetrendKind::Linear => Detrend::Linear,
        DetrendKind::Constant => Detrend::Constant,
        DetrendKind::Polynomial { order } => Detrend::Polynomial { order: order as usize },
        DetrendKind::Spline { order, dspline } => Detrend::Spline {
            order: order as usize,
            dspline,
        },
    };
    if npts == 0 {
        return Ok(());
    }
    seispool_dsp::detrend(data, kind).map_err(|e| e.to_string())
}

/// `taper(max_percentage, type, max_length, side)`, with ObsPy's warning about a taper longer than the trace.
#[allow(clippy::too_many_arguments)] // the op's four options and the trace's samples, count and rate
fn taper(
    data: &mut [f64],
    npts: usize,
    df: f64,
    max_percentage: Option<f64>,
    window: &TaperWindow,
    max_length: Option<f64>,
    side: TaperSide,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let s = |e: OpError| e.to_string();
    let kind = taper_type(window).map_err(s)?;
    warnings.extend(taper_warning(npts, df, max_percentage, max_length));
    if npts == 0 {
        return Ok(());
    }
    seispool_dsp::taper(data, df, max_percentage, &kind, max_length, side).map_err(s)
}

/// ObsPy's warning of `taper(...)` on `npts` samples: when every requested half-length exceeds half
/// the trace (also when none is given).
fn taper_warning(npts: usize, df: f64, max_percentage: Option<f64>, max_length: Option<f64>) -> Option<String> {
    let n = npts as f64;
    let halves = [
        max_percentage.map(|p| (p * n).trunc()),
        max_length.map(|l| (l * df).trunc()),
    ];
    halves
        .iter()
        .flatten()
        .all(|h| 2.0 * h > n)
        .then(|| "The requested taper is longer than the trace. The taper will be shortened to trace length.".into())
}

/// `interpolate(sampling_rate, method, starttime, npts, time_shift)`.
fn interpolate(
    tr: &mut Trace,
    sampling_rate: f64,
    method: &InterpMethod,
    starttime: Option<seispool_core::Time>,
    npts: Option<u64>,
    time_shift: f64,
) -> Result<(), String> {
    let s = |e: OpError| e.to_string();
    let new_npts = npts.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let plan = seispool_dsp::interpolate_plan(
        tr.stats.starttime.ns(),
        tr.stats.sampling_rate,
        tr.stats.npts,
        sampling_rate,
        starttime.map(|t| t.ns()),
        new_npts,
        time_shift,
    )
    .map_err(s)?;
    let Some(plan) = plan else { return Ok(()) };
    let out = seispool_dsp::interpolate(tr.data_f64_mut(), &plan, interp_method(method)).map_err(s)?;
    tr.set_data(Samples::F64(out));
    tr.stats.starttime = seispool_core::Time(plan.new_starttime_ns);
    tr.stats.sampling_rate = plan.new_sampling_rate;
    Ok(())
}

/// Whether `op` changes only a trace's samples, in place, keeping their count and (once f64) their type
/// and the trace's header: these ops can run on samples lent by the caller ([`Processor::apply_in_place`]).
pub fn keeps_samples_in_place(op: &Op) -> bool {
    matches!(
        op,
        Op::Detrend(_)
            | Op::Taper { .. }
            | Op::Filter(_)
            | Op::Integrate(_)
            | Op::Differentiate(_)
            | Op::Normalize { .. }
    )
}

fn decimate_any(data: &mut Samples, factor: usize) -> Result<(), seispool_dsp::FilterError> {
    match data {
        Samples::I32(v) => seispool_dsp::integer_decimation(v, factor),
        Samples::F32(v) => seispool_dsp::integer_decimation(v, factor),
        Samples::F64(v) => seispool_dsp::integer_decimation(v, factor),
        Samples::Text(v) => seispool_dsp::integer_decimation(v, factor),
    }
}

fn taper_type(w: &TaperWindow) -> Result<TaperType, OpError> {
    let (name, kwargs) = w.name_and_params();
    TaperType::from_name(name, &kwargs)
}

fn interp_method(m: &InterpMethod) -> seispool_dsp::InterpMethod {
    use seispool_dsp::InterpMethod as D;
    match *m {
        InterpMethod::WeightedAverageSlopes => D::WeightedAverageSlopes,
        InterpMethod::Linear => D::Linear,
        InterpMethod::Nearest => D::Nearest,
        InterpMethod::Zero => D::Zero,
        InterpMethod::Slinear => D::Spline(1),
        InterpMethod::Quadratic => D::Spline(2),
        InterpMethod::Cubic => D::Spline(3),
        InterpMethod::Spline(k) => D::Spline(k as usize),
        InterpMethod::Lanczos { a } => D::Lanczos { a: i64::from(a) },
    }
}

/// ObsPy's `Stream.select`: case-insensitive fnmatch on each code, exact rate and npts.
fn selected(t: &Trace, sel: &Selection) -> bool {
    let m = |pat: &Option<String>, val: &str| {
        pat.as_ref()
            .is_none_or(|p| seispool_core::glob_match(&p.to_uppercase(), &val.to_uppercase()))
    };
    let id = &t.stats.id;
    let component = id.channel.chars().last().map(String::from).unwrap_or_default();
    m(&sel.network, &id.network)
        && m(&sel.station, &id.station)
        && m(&sel.location, &id.location)
        && m(&sel.channel, &id.channel)
        && m(&sel.component, &component)
        && m(&sel.id, &id.to_string())
        && sel.sampling_rate.is_none_or(|r| r == t.stats.sampling_rate)
        && sel.npts.is_none_or(|n| n == t.stats.npts as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seispool_core::{ChannelId, Time};

    fn text_stream() -> Stream {
        let id = ChannelId::new("XX", "TEST", "", "LOG");
        Stream::new(vec![Trace::new(
            id,
            Time(0),
            1.0,
            Samples::Text(b"HELLO WORLD".to_vec()),
        )])
    }

    #[test]
    fn regression_text_samples_were_processed_as_byte_values() {
        for text in [
            r#"detrend("demean")"#,
            "taper(0.05)",
            r#"filter("lowpass", freq=0.1)"#,
            "normalize()",
        ] {
            let p = crate::parse_pipeline(text).unwrap();
            let err = Processor::new().apply(&p, &mut text_stream()).unwrap_err();
            assert!(err.to_string().contains("text (ASCII) samples"), "{text}: {err}");
        }
        let p = crate::parse_pipeline("decimate(2, no_filter=True)").unwrap();
        let mut st = text_stream();
        Processor::new().apply(&p, &mut st).unwrap();
        assert_eq!(st.traces[0].data, Samples::Text(b"HLOWRD".to_vec()));
    }

    /// The samples of a trace as bits (so that −0 and NaN compare exactly), with their type.
    fn bits(tr: &Trace) -> (seispool_core::SampleType, Vec<u64>) {
        let bits = match &tr.data {
            Samples::F64(v) => v.iter().map(|x| x.to_bits()).collect(),
            Samples::I32(v) => v.iter().map(|&x| x as u64).collect(),
            Samples::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
            Samples::Text(v) => v.iter().map(|&x| u64::from(x)).collect(),
        };
        (tr.data.sample_type(), bits)
    }

    /// Runs `text` as one pipeline and as one pipeline per op (`Processor::apply` each time, the
    /// warnings concatenated and deduplicated as one run does), on copies of `st`: the samples, the
    /// headers and the warnings, or the error, must be the same. Returns whether the whole
    /// pipeline's first ops were fused (`apply_fused` took them) and what the pipeline gave.
    fn same_as_one_op_at_a_time(text: &str, st: &Stream) -> (bool, Result<Vec<String>, ApplyError>) {
        same_pipeline_as_one_op_at_a_time(&crate::parse_pipeline(text).unwrap(), st)
    }

    /// [`same_as_one_op_at_a_time`] of a pipeline (which may hold ops the language refuses).
    fn same_pipeline_as_one_op_at_a_time(p: &Pipeline, st: &Stream) -> (bool, Result<Vec<String>, ApplyError>) {
        let text = &p.text;
        let mut whole = st.clone();
        let got = Processor::new().apply(p, &mut whole);
        let mut single = st.clone();
        let mut processor = Processor::new();
        let mut want = Ok(Vec::new());
        for (i, op) in p.ops.iter().enumerate() {
            let one = Pipeline {
                ops: vec![op.clone()],
                text: op.to_string(),
            };
            match processor.apply(&one, &mut single) {
                Ok(w) => want.as_mut().unwrap().extend(w),
                Err(e) => {
                    want = Err(ApplyError { index: i + 1, ..e });
                    break;
                }
            }
        }
        if let Ok(w) = &mut want {
            w.dedup();
        }
        assert_eq!(got, want, "{text}: warnings or error");
        assert_eq!(whole.traces.len(), single.traces.len(), "{text}");
        for (a, b) in whole.traces.iter().zip(&single.traces) {
            assert_eq!(a.stats, b.stats, "{text}: {}", a.id());
            assert!(bits(a) == bits(b), "{text}: {} samples differ", a.id());
        }
        let run = FusedRun::at(&p.ops).expect("the pipeline starts with a fusable run");
        let mut probe = st.clone();
        let fused = Processor::new()
            .apply_fused(&run, true, &mut probe, &mut Vec::new())
            .unwrap();
        (fused.is_some(), got)
    }

    fn counts(n: usize, seed: u64) -> Vec<i32> {
        let mut rng = seispool_testkit::Rng(seed);
        (0..n)
            .map(|i| (1e4 + 0.02 * i as f64 + 3e3 * (rng.next_f64() - 0.5)).round() as i32)
            .collect()
    }

    /// Integer traces long enough for the filter's lanes and short ones, a float trace, an empty
    /// one, a 3-sample one (the taper warns) and one at 20 Hz (a 10 Hz bandpass corner is at
    /// Nyquist: ObsPy warns and applies a highpass).
    fn mixed_stream() -> Stream {
        let tr =
            |sta: &str, rate: f64, data: Samples| Trace::new(ChannelId::new("XX", sta, "", "HHZ"), Time(0), rate, data);
        Stream::new(vec![
            tr("LONG", 100.0, Samples::I32(counts(4 * 16_384 * 2 + 5, 1))),
            tr(
                "F64",
                100.0,
                Samples::F64(counts(70_001, 2).into_iter().map(f64::from).collect()),
            ),
            tr("EMPTY", 100.0, Samples::I32(Vec::new())),
            tr("SHORT", 100.0, Samples::I32(counts(999, 3))),
            tr("TINY", 100.0, Samples::I32(vec![i32::MIN, i32::MAX, 7])),
            tr("SLOW", 20.0, Samples::I32(counts(4 * 16_384 + 1, 4))),
            tr("ONE", 100.0, Samples::I32(vec![42])),
        ])
    }

    /// With a `decimate(...)` after the filter and no trace its decimation fails on, long integer
    /// traces run the whole chain block by block (`filter_chain_i32`): the headers and warnings of
    /// the ops one at a time exactly, the samples within 1e-12 of their max (other traces, and the
    /// short ones, still give the same bits).
    #[test]
    fn chained_decimation_matches_one_op_at_a_time_within_1e_12() {
        let tr =
            |sta: &str, rate: f64, data: Samples| Trace::new(ChannelId::new("XX", sta, "", "HHZ"), Time(0), rate, data);
        let st = Stream::new(vec![
            tr("LONG", 100.0, Samples::I32(counts(3 * 131_072 + 17, 5))),
            tr("EXACT", 100.0, Samples::I32(counts(131_072, 6))),
            tr("SHORT", 100.0, Samples::I32(counts(131_071, 7))),
            tr(
                "F64",
                50.0,
                Samples::F64(counts(200_003, 8).into_iter().map(f64::from).collect()),
            ),
            tr("SLOW", 20.0, Samples::I32(counts(140_000, 9))),
        ]);
        for text in [
            r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#,
            r#"detrend("linear"); filter("lowpass", freq=2.0, corners=6); decimate(3, strict_length=False)"#,
            r#"detrend("linear"); taper(0.1, 'cosine', 30, 'right'); filter("highpass", freq=1.0, corners=2, zerophase=True); decimate(2); detrend("demean")"#,
        ] {
            let p = crate::parse_pipeline(text).unwrap();
            let mut whole = st.clone();
            let got = Processor::new().apply(&p, &mut whole);
            let mut single = st.clone();
            let mut processor = Processor::new();
            let mut want = Vec::new();
            for op in &p.ops {
                let one = Pipeline {
                    ops: vec![op.clone()],
                    text: op.to_string(),
                };
                want.extend(processor.apply(&one, &mut single).unwrap());
            }
            want.dedup();
            assert_eq!(got.unwrap(), want, "{text}: warnings");
            for (a, b) in whole.traces.iter().zip(&single.traces) {
                assert_eq!(a.stats, b.stats, "{text}: {}", a.id());
                let (x, y) = (a.data.to_f64(), b.data.to_f64());
                let max = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let err = x.iter().zip(&y).fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
                assert!(err <= 1e-12 * max, "{text}: {}: {:e} of max", a.id(), err / max);
                if a.id().contains("SHORT") || a.id().contains("F64") {
                    assert!(bits(a) == bits(b), "{text}: {}: not the same bits", a.id());
                }
            }
            let run = FusedRun::at(&p.ops).unwrap();
            let done = Processor::new()
                .apply_fused(&run, true, &mut st.clone(), &mut Vec::new())
                .unwrap();
            assert_eq!(
                done,
                Some(run.ops.len()),
                "{text}: the decimation was not part of the run"
            );
            assert!(run.decimate.is_some(), "{text}");
        }
    }

    /// With FLOAT32 output (`set_f32_output`), a chained decimation that ends the pipeline writes
    /// f32 straight away: the very values of its f64 output cast to f32 (what the run stores), the
    /// same headers and warnings; one that does not end the pipeline, and traces the chain does not
    /// take, stay f64.
    #[test]
    fn f32_output_of_a_chain_ending_the_pipeline_is_the_cast_of_its_f64_output() {
        let tr =
            |sta: &str, rate: f64, data: Samples| Trace::new(ChannelId::new("XX", sta, "", "HHZ"), Time(0), rate, data);
        let st = Stream::new(vec![
            tr("LONG", 100.0, Samples::I32(counts(2 * 131_072 + 33, 11))),
            tr("SHORT", 100.0, Samples::I32(counts(131_071, 12))),
        ]);
        for (text, ends) in [
            (
                r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#,
                true,
            ),
            (
                r#"detrend("linear"); filter("lowpass", freq=2.0, corners=6); decimate(3); detrend("demean")"#,
                false,
            ),
        ] {
            let p = crate::parse_pipeline(text).unwrap();
            let mut f64s = st.clone();
            let want_warnings = Processor::new().apply(&p, &mut f64s).unwrap();
            let mut f32s = st.clone();
            let mut processor = Processor::new();
            processor.set_f32_output(true);
            assert_eq!(processor.apply(&p, &mut f32s).unwrap(), want_warnings, "{text}");
            for (a, b) in f32s.traces.iter().zip(&f64s.traces) {
                assert_eq!(a.stats, b.stats, "{text}: {}", a.id());
                let Samples::F64(y) = &b.data else {
                    panic!("{text}: {}: the f64 run gave {:?}", b.id(), b.data.sample_type())
                };
                match &a.data {
                    Samples::F32(x) if ends && a.id().contains("LONG") => {
                        let differ = x.iter().zip(y).position(|(p, q)| p.to_bits() != (*q as f32).to_bits());
                        assert_eq!((x.len(), differ), (y.len(), None), "{text}: {}", a.id());
                    }
                    Samples::F64(x) if !(ends && a.id().contains("LONG")) => {
                        assert!(
                            x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()),
                            "{text}: {}",
                            a.id()
                        );
                    }
                    other => panic!("{text}: {}: {:?} samples", a.id(), other.sample_type()),
                }
            }
        }
    }

    #[test]
    fn fused_run_gives_the_samples_and_warnings_of_one_op_at_a_time() {
        let st = mixed_stream();
        for text in [
            r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#,
            r#"detrend("linear"); filter("lowpass", freq=2.0, corners=6)"#,
            r#"detrend("linear"); taper(0.6, 'hann', None, 'left'); filter("highpass", freq=0.1, corners=2, zerophase=True)"#,
            r#"detrend("linear"); taper(None, 'cosine', 20, 'right'); filter("bandstop", freqmin=1, freqmax=3)"#,
            r#"detrend("linear"); taper(0.1, 'flattop'); filter("lowpass_cheby_2", freq=5)"#,
            // The taper warns on traces after the 20 Hz one the filter warns on: the order of the
            // warnings is the ops', not the traces'.
            r#"detrend("linear"); taper(None, 'cosine', 20, 'right'); filter("bandpass", freqmin=0.5, freqmax=10)"#,
            r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=20); detrend("linear"); filter("lowpass", freq=1.0)"#,
        ] {
            let (fused, got) = same_as_one_op_at_a_time(text, &st);
            assert!(fused, "{text}: not fused");
            // `decimate` fails on the empty trace, after the fused run, alike both ways. The 10 Hz
            // bandpass warns on the 20 Hz trace, the 20 s taper on the short ones.
            if !text.contains("decimate") && (text.contains("bandpass") || text.contains("20, 'right'")) {
                assert!(!got.unwrap().is_empty(), "{text}: no warnings");
            }
        }
    }

    /// Where a taper or filter cannot be prepared for some trace, or a trace holds text, the ops
    /// run one at a time: the same error (op, trace, reason) and the same samples left behind.
    #[test]
    fn fused_run_fails_like_one_op_at_a_time() {
        let mut st = mixed_stream();
        // Nyquist 0.5 Hz: the bandpass's low corner is above it.
        let slow = Trace::new(
            ChannelId::new("XX", "HOUR", "", "LHZ"),
            Time(0),
            1.0,
            Samples::I32(counts(3600, 5)),
        );
        st.traces.insert(3, slow);
        let text = r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.6, freqmax=10)"#;
        let (fused, got) = same_as_one_op_at_a_time(text, &st);
        assert!(!fused && got.unwrap_err().op.starts_with("filter"), "{text}");
        let mut st = mixed_stream();
        st.traces.push(Trace::new(
            ChannelId::new("XX", "LOG", "", "LOG"),
            Time(0),
            1.0,
            Samples::Text(b"HELLO".to_vec()),
        ));
        let text = r#"detrend("linear"); filter("lowpass", freq=2.0)"#;
        let (fused, got) = same_as_one_op_at_a_time(text, &st);
        assert!(!fused && got.unwrap_err().what.contains("text (ASCII)"), "{text}");
        // Taper lengths `Trace.taper` cannot take (the language refuses them; the dsp errs): a NaN
        // fraction fails on every non-empty trace, a negative length too.
        let st = mixed_stream();
        let text = r#"detrend("linear"); taper(0.05, 'hann', 10.0); filter("lowpass", freq=2.0)"#;
        for (p_bad, l_bad) in [(Some(f64::NAN), Some(10.0)), (None, Some(-1.0))] {
            let mut p = crate::parse_pipeline(text).unwrap();
            let Op::Taper {
                max_percentage,
                max_length,
                ..
            } = &mut p.ops[1]
            else {
                panic!("{text}: no taper");
            };
            (*max_percentage, *max_length) = (p_bad, l_bad);
            let (fused, got) = same_pipeline_as_one_op_at_a_time(&p, &st);
            assert!(
                !fused && got.unwrap_err().op.starts_with("taper"),
                "{p_bad:?} {l_bad:?}"
            );
        }
    }

    #[test]
    fn in_place_ops_give_what_apply_gives_and_others_are_refused() {
        let id = ChannelId::new("XX", "STA", "", "HHZ");
        let data: Vec<f64> = (0..5000)
            .map(|i| f64::from(i % 97) * 3.5 - 40.0 + f64::from(i) * 0.01)
            .collect();
        let text = r#"detrend("linear"); taper(0.05); filter("bandpass", freqmin=1.0, freqmax=10.0, corners=4, zerophase=True); integrate(); differentiate(); normalize()"#;
        let p = crate::parse_pipeline(text).unwrap();
        let mut st = Stream::new(vec![Trace::new(id, Time(0), 100.0, Samples::F64(data.clone()))]);
        let expected = Processor::new().apply(&p, &mut st).unwrap();
        let mut lent = data.clone();
        let stats = vec![st.traces[0].stats.clone()];
        let got = Processor::new()
            .apply_in_place(&p, &stats, &mut [lent.as_mut_slice()])
            .unwrap()
            .unwrap();
        assert_eq!(got, expected);
        assert_eq!(Samples::F64(lent), st.traces[0].data);
        for text in [
            "decimate(2)",
            "resample(50.0)",
            "merge()",
            r#"detrend("demean"); trim()"#,
        ] {
            let p = crate::parse_pipeline(text).unwrap();
            let mut lent = data.clone();
            assert!(
                Processor::new()
                    .apply_in_place(&p, &stats, &mut [lent.as_mut_slice()])
                    .is_none(),
                "{text}"
            );
            assert_eq!(lent, data, "{text}: refused but touched");
        }
    }
}
