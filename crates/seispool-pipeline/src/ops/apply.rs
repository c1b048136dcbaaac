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
        for (i, op) in pipeline.ops.iter().enumerate() {
            let err = |trace: &str, what: String| ApplyError {
                index: i + 1,
                op: op.to_string(),
                trace: if trace.is_empty() {
                    String::new()
                } else {
                    format!("{trace}: ")
                },
                what,
            };
            self.apply_op(op, responses, stream, &mut warnings)
                .map_err(|(trace, what)| err(&trace, what))?;
        }
        warnings.dedup();
        Ok(warnings)
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
            } => self.resample(tr, *sampling_rate, window.as_deref(), *no_filter, *strict_length),
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
            Op::Normalize { norm } => seispool_dsp::normalize(data, *norm).map_err(s),
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
    ) -> Result<(), String> {
        let df = tr.stats.sampling_rate;
        let s = |e: OpError| e.to_string();
        let plan =
            seispool_dsp::resample_prepare(tr.stats.npts, df, sampling_rate, no_filter, strict_length).map_err(s)?;
        if tr.stats.npts == 0 {
            return Ok(());
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
        Ok(())
    }

    fn filter(
        &mut self,
        spec: &FilterSpec,
        df: f64,
        npts: usize,
        data: &mut [f64],
        warnings: &mut Vec<String>,
    ) -> Result<(), String> {
        let iir = |corners: u32, zerophase: bool| IirOptions {
            corners: corners as usize,
            zerophase,
            ..IirOptions::default()
        };
        let plan = match *spec {
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
        .map_err(|e| e.to_string())?;
        warnings.extend(plan.warnings().iter().map(FilterWarning::to_string));
        if npts == 0 {
            return Ok(());
        }
        plan.apply(data).map_err(|e| e.to_string())
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
    // ObsPy warns when every requested half-length exceeds half the trace (also when none is given).
    let n = npts as f64;
    let halves = [
        max_percentage.map(|p| (p * n).trunc()),
        max_length.map(|l| (l * df).trunc()),
    ];
    if halves.iter().flatten().all(|h| 2.0 * h > n) {
        warnings
            .push("The requested taper is longer than the trace. The taper will be shortened to trace length.".into());
    }
    if npts == 0 {
        return Ok(());
    }
    seispool_dsp::taper(data, df, max_percentage, &kind, max_length, side).map_err(s)
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
