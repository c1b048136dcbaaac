//! `process`: plan one work unit per input file (its output mirrors the input's path relative to the
//! input root), and the work of one unit — read (plus neighbouring days for `--overlap`), apply the
//! pipeline, cut back to the unit's own span, encode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seispool_core::{Stream, Time, glob_match};
use seispool_io::mseed::DataEncoding;
use seispool_io::sds::{ChannelDay, SelectOptions, discover_inputs_with, window_days};
use seispool_io::{Format, IoError, ReadOptions, WriteSpec};

use crate::runner::{RunConfig, RunError, Summary, Unit, UnitOutput, run};
use crate::{Pipeline, Processor};

/// Everything `process` needs besides inputs and the run configuration.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    /// The ops to apply.
    pub pipeline: Pipeline,
    /// Input format (`None`: detect per file).
    pub input_format: Option<Format>,
    /// Output format (`None`: the input's format).
    pub output_format: Option<Format>,
    /// MiniSEED encoding and record length of the output (its format and byte order fields are ignored:
    /// see `output_format` and `big_endian`).
    pub write: WriteSpec,
    /// Output byte order; `None`: the output format's default as ObsPy writes it (MiniSEED 2 big-endian,
    /// SAC little-endian; MiniSEED 3 is always little-endian).
    pub big_endian: Option<bool>,
    /// Only data from this time on: the data read is cut to it (like ObsPy's `read(starttime=)`) before
    /// the pipeline runs, and the output again after it.
    pub starttime: Option<Time>,
    /// Only data up to this time: cut before and after the pipeline, as `starttime`.
    pub endtime: Option<Time>,
    /// Only channels whose `NET.STA.LOC.CHA` matches this glob.
    pub select: Option<String>,
    /// Follow symlinks in input directories wherever they lead (see `discover_inputs_with`).
    pub follow_symlinks: bool,
    /// Seconds of the neighbouring SDS day files read for context and cut away after processing (the day is
    /// cut at a midnight only where a neighbouring day file gave context).
    pub overlap: f64,
    /// The inventory for `remove_response`/`remove_sensitivity` (shared by the workers, with its cache).
    pub responses: Option<std::sync::Arc<crate::responses::Responses>>,
}

impl ProcessSpec {
    /// A spec with ObsPy's write defaults and no selection.
    pub fn new(pipeline: Pipeline) -> ProcessSpec {
        ProcessSpec {
            pipeline,
            input_format: None,
            output_format: None,
            write: WriteSpec::new(Format::Mseed2),
            big_endian: None,
            starttime: None,
            endtime: None,
            select: None,
            follow_symlinks: false,
            overlap: 0.0,
            responses: None,
        }
    }

    /// The text that identifies this configuration in the resume manifest: a change of any of it redoes
    /// every unit.
    pub fn config_text(&self) -> String {
        format!(
            "seispool {}\npipeline: {}\nformat: {:?} -> {:?}\nencoding: {:?}\nrecord_length: {}\nbig_endian: {:?}\n\
             window: {:?} {:?}\nselect: {:?}\noverlap: {}\ninventory: {}",
            env!("CARGO_PKG_VERSION"),
            self.pipeline.text,
            self.input_format,
            self.output_format,
            self.write.encoding,
            self.write.record_length,
            self.big_endian,
            self.starttime,
            self.endtime,
            self.select,
            self.overlap,
            self.responses.as_ref().map_or("none", |r| r.fingerprint())
        )
    }
}

/// An input file found under the given paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// Its path relative to the directory it was found under (its file name when given directly).
    pub relative: PathBuf,
    /// Its SDS channel-day when its name is an SDS day-file name.
    pub sds: Option<ChannelDay>,
}

/// Every file under `inputs` (directories walked, sorted), each once. With a time window, SDS day files
/// that cannot hold data of `[starttime, endtime]` are left out without being opened.
pub fn list_inputs(
    inputs: &[PathBuf],
    starttime: Option<Time>,
    endtime: Option<Time>,
) -> Result<Vec<InputFile>, IoError> {
    list_inputs_matching(inputs, starttime, endtime, None, false)
}

/// [`list_inputs`], also leaving out, unopened, the SDS day files whose names cannot match `select`
/// (a `NET.STA.LOC.CHA` glob, as the readers apply it to each record). A name is trusted only at its
/// SDS place (`…/YEAR/NET/STA/CHA.TYPE/NET.STA.LOC.CHA.TYPE.YEAR.DOY`, directories agreeing with the
/// name, as ObsPy's SDS client relies on): every other file, whatever its name, is opened and its
/// records are selected one by one. `follow_symlinks`: see [`discover_inputs_with`].
pub fn list_inputs_matching(
    inputs: &[PathBuf],
    starttime: Option<Time>,
    endtime: Option<Time>,
    select: Option<&str>,
    follow_symlinks: bool,
) -> Result<Vec<InputFile>, IoError> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in inputs {
        let is_dir = std::fs::metadata(root).map_err(|e| IoError::os(root, e))?.is_dir();
        for input in discover_inputs_with(std::slice::from_ref(root), follow_symlinks)? {
            // One root lists each file once; only several roots can repeat one.
            if inputs.len() > 1 && !seen.insert(input.path.clone()) {
                continue;
            }
            // A previous run's bookkeeping (OUT/.seispool/manifest.jsonl, temp files) is not waveform data.
            if input.path.components().any(|c| c.as_os_str() == ".seispool")
                || input
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains(".tmp-"))
            {
                continue;
            }
            if input
                .sds
                .as_ref()
                .is_some_and(|d| !day_in_window(d, starttime, endtime))
            {
                continue;
            }
            if let Some(glob) = select
                && sds_place(&input.path).is_some_and(|d| !glob_match(glob, &d.id.to_string()))
            {
                continue;
            }
            let relative = if is_dir {
                input
                    .path
                    .strip_prefix(root)
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|_| input.path.clone())
            } else {
                input
                    .path
                    .file_name()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| input.path.clone())
            };
            files.push(InputFile {
                path: input.path,
                relative,
                sds: input.sds,
            });
        }
    }
    Ok(files)
}

/// The channel-day of a file at its SDS place: its last five path components are
/// `YEAR/NET/STA/CHA.TYPE/NET.STA.LOC.CHA.TYPE.YEAR.DOY` and agree with each other.
fn sds_place(path: &Path) -> Option<ChannelDay> {
    let parts: Vec<_> = path.components().rev().take(5).collect();
    if parts.len() < 5 {
        return None;
    }
    let rel: PathBuf = parts.into_iter().rev().collect();
    ChannelDay::from_relative_path(&rel)
}

/// One unit per input file, sorted by output path. Outputs mirror each file's path relative to the
/// directory it was found under (or its file name when given directly). With `overlap > 0`, the
/// previous and next day files of the same SDS channel found among the inputs are context.
/// With a time window, SDS day files that cannot hold data of the window are left out.
pub fn plan(inputs: &[PathBuf], spec: &ProcessSpec) -> Result<Vec<Unit>, IoError> {
    let files = list_inputs_matching(
        inputs,
        spec.starttime,
        spec.endtime,
        spec.select.as_deref(),
        spec.follow_symlinks,
    )?;
    let days: BTreeMap<(String, char, i64), PathBuf> = files
        .iter()
        .filter_map(|f| f.sds.as_ref().map(|d| (day_key(d, 0), f.path.clone())))
        .collect();
    let mut units: Vec<Unit> = files
        .into_iter()
        .map(|f| {
            let mut context = Vec::new();
            if let (Some(day), true) = (&f.sds, spec.overlap > 0.0) {
                for step in [-1, 1] {
                    if let Some(p) = days.get(&day_key(day, step)) {
                        context.push(p.clone());
                    }
                }
            }
            Unit {
                inputs: vec![f.path],
                context,
                output: f.relative,
            }
        })
        .collect();
    units.sort_by(|a, b| a.output.cmp(&b.output).then_with(|| a.inputs.cmp(&b.inputs)));
    Ok(units)
}

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// The smallest MiniSEED 2 record: a shorter context day file that does not read is skipped, as ObsPy's
/// SDS client skips it (`ObsPyMSEEDFilesizeTooSmallError`).
const CONTEXT_MIN_BYTES: u64 = 128;

fn day_key(day: &ChannelDay, step: i64) -> (String, char, i64) {
    (
        day.id.to_string(),
        day.data_type,
        day.start().ns().div_euclid(NS_PER_DAY) + step,
    )
}

/// Whether a day file can hold data of the window: the days ObsPy's SDS client reads for it
/// (the window widened by its file-border buffer, so the previous day counts for a window just after midnight).
fn day_in_window(day: &ChannelDay, starttime: Option<Time>, endtime: Option<Time>) -> bool {
    if starttime.is_none() && endtime.is_none() {
        return true;
    }
    let (lo, hi) = (
        day.start().ns().saturating_sub(2 * NS_PER_DAY),
        day.end().ns().saturating_add(2 * NS_PER_DAY),
    );
    let start = starttime.map_or(lo, |t| t.ns().max(lo));
    let end = endtime.map_or(hi, |t| t.ns().min(hi));
    if end < start {
        return false;
    }
    window_days(&day.id.channel, Time(start), Time(end), &SelectOptions::default()).contains(&(day.year, day.doy))
}

/// What one unit read: its data with the context, the readers' warnings, the output format (the first
/// input's unless one is asked for), the unit's own day's start (end) when context before (after) it was
/// read, and samples read.
struct UnitInput {
    stream: Stream,
    warnings: Vec<String>,
    out_format: Option<Format>,
    span: (Option<Time>, Option<Time>),
    samples_in: u64,
}

/// Reads a unit's inputs and, with `overlap`, the context around its day.
fn read_unit(unit: &Unit, spec: &ProcessSpec) -> Result<UnitInput, String> {
    let opts = ReadOptions {
        format: spec.input_format,
        starttime: spec.starttime,
        endtime: spec.endtime,
        select: spec.select.clone(),
        headonly: false,
    };
    let mut stream = Stream::default();
    let mut warnings = Vec::new();
    let mut out_format = spec.output_format;
    let mut day_span: Option<(Time, Time)> = None;
    for path in &unit.inputs {
        // Records offered to the pool's idle workers: the last units of a run get the cores the
        // others have left (see `read_in_pool`).
        let r = seispool_io::read_in_pool(path, &opts).map_err(|e| e.to_string())?;
        out_format.get_or_insert(r.format);
        warnings.extend(r.warnings);
        stream.traces.extend(r.stream.traces);
        if !unit.context.is_empty()
            && let Some(day) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(ChannelDay::from_file_name)
        {
            day_span = Some((day.start(), day.end()));
        }
    }
    let samples_in = stream.total_samples() as u64;
    // The day is cut back to its midnight only on a side where a neighbouring day file gave context: that
    // file's unit holds the samples across the midnight. Where there is none (the archive's first or last
    // day, a missing day), the samples of this file past midnight stay in its output, as without --overlap.
    let mut span = (None, None);
    if let Some((day_start, day_end)) = day_span {
        let pad = (spec.overlap * 1e9).round() as i64;
        let ctx = ReadOptions {
            starttime: Some(Time(day_start.ns().saturating_sub(pad))),
            endtime: Some(Time(day_end.ns().saturating_add(pad))),
            ..opts.clone()
        };
        for path in &unit.context {
            match seispool_io::read(path, &ctx) {
                Ok(r) => {
                    stream.traces.extend(r.stream.traces);
                    let neighbour = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(ChannelDay::from_file_name)
                        .map(|d| d.start());
                    match neighbour {
                        Some(t) if t < day_start => span.0 = Some(day_start),
                        Some(t) if t > day_start => span.1 = Some(Time(day_end.ns() - 1)),
                        _ => {}
                    }
                }
                // ObsPy's SDS client skips a day file smaller than the smallest MiniSEED record (one being
                // created in a near-real-time archive): the neighbour gives no context, the day still runs.
                Err(_) if std::fs::metadata(path).is_ok_and(|m| m.len() < CONTEXT_MIN_BYTES) => {}
                Err(e) => return Err(format!("context file {e}")),
            }
        }
    }
    Ok(UnitInput {
        stream,
        warnings,
        out_format,
        span,
        samples_in,
    })
}

/// Reads, processes and encodes one unit.
pub fn process_unit(unit: &Unit, spec: &ProcessSpec, processor: &mut Processor) -> Result<UnitOutput, String> {
    let UnitInput {
        mut stream,
        mut warnings,
        out_format,
        span,
        samples_in,
    } = read_unit(unit, spec)?;
    // ObsPy's read(starttime=, endtime=) cuts the samples before any processing: the pipeline must not see
    // the rest of the records that overlap the window.
    cut_to_window(&mut stream, spec.starttime, spec.endtime).map_err(|e| e.to_string())?;
    // FLOAT32 output: the samples are cast to f32 below, so a chained decimation ending the pipeline
    // may write f32 straight away (the same values).
    processor.set_f32_output(spec.write.encoding == Some(DataEncoding::Float32));
    let op_warnings = processor
        .apply_with(&spec.pipeline, spec.responses.as_deref(), &mut stream)
        .map_err(|e| e.to_string())?;
    warnings.extend(op_warnings);
    if span != (None, None) {
        // Keep exactly the samples in [midnight, next midnight) (on the sides with context).
        stream
            .trim(span.0, span.1, false, false, None)
            .map_err(|e| e.to_string())?;
    }
    cut_to_window(&mut stream, spec.starttime, spec.endtime).map_err(|e| e.to_string())?;
    let samples_out = stream.total_samples() as u64;
    let bytes = if stream.traces.iter().all(|t| t.stats.npts == 0) {
        None
    } else {
        let format = out_format.unwrap_or(Format::Mseed2);
        let write = WriteSpec {
            format,
            big_endian: spec.big_endian.unwrap_or(WriteSpec::new(format).big_endian),
            ..spec.write.clone()
        };
        if let Some(enc) = write.encoding {
            coerce_samples(&mut stream, enc).map_err(|e| format!("{}: {e}", unit.output.display()))?;
        }
        Some(seispool_io::encode(&unit.output, &stream, &write).map_err(|e| e.to_string())?)
    };
    // The next unit on this thread promotes into this buffer instead of faulting in fresh pages.
    for t in stream.traces {
        match t.data {
            seispool_core::Samples::F64(v) => seispool_core::recycle_f64(v),
            seispool_core::Samples::F32(v) => seispool_core::recycle_f32(v),
            _ => {}
        }
    }
    Ok(UnitOutput {
        bytes,
        samples_in,
        samples_out,
        warnings,
    })
}

/// Cuts every trace to `[starttime, endtime]` as `obspy.read(starttime=, endtime=)` does (nearest sample,
/// no padding); the one way the time window is applied to samples. Nothing happens without a window.
///
/// Each trace is cut on its own sample grid (ObsPy's `read` calls `Stream._ltrim`/`_rtrim`, which trim
/// trace by trace), not on the first trace's grid as `Stream.trim` moves the window; traces left empty
/// are removed.
pub fn cut_to_window(
    stream: &mut Stream,
    starttime: Option<Time>,
    endtime: Option<Time>,
) -> Result<(), seispool_core::StreamError> {
    if starttime.is_none() && endtime.is_none() {
        return Ok(());
    }
    for t in &mut stream.traces {
        t.trim(starttime, endtime, false, true, None)?;
    }
    stream.traces.retain(|t| t.stats.npts > 0);
    Ok(())
}

/// Plans and runs `process` over `inputs` into `cfg.out` (the caller has set `cfg.config` or leaves it
/// empty to use [`ProcessSpec::config_text`]).
pub fn process(inputs: &[PathBuf], cfg: &RunConfig, spec: &ProcessSpec) -> Result<Summary, RunError> {
    crate::runner::check_out_dir(&cfg.out, inputs)?;
    let units = plan(inputs, spec).map_err(|e| RunError::Inputs(e.to_string()))?;
    run_units(&units, cfg, spec)
}

/// Runs exactly `units` (e.g. one node's share of a cluster run) into `cfg.out`, with one processor per
/// worker thread.
pub fn run_units(units: &[Unit], cfg: &RunConfig, spec: &ProcessSpec) -> Result<Summary, RunError> {
    let mut cfg = cfg.clone();
    if cfg.config.is_empty() {
        cfg.config = spec.config_text();
    }
    // Workers left idle by a run of fewer units than workers lend their core to the units' ops.
    let per_unit = (crate::runner::effective_jobs(cfg.jobs) / units.len().max(1)).max(1);
    run(units, &cfg, |unit| {
        PROCESSOR.with(|p| {
            let mut p = p.borrow_mut();
            p.set_threads(per_unit);
            process_unit(unit, spec, &mut p)
        })
    })
}

thread_local! {
    /// One processor (filter designs, FFT plans) per worker thread.
    static PROCESSOR: std::cell::RefCell<Processor> = std::cell::RefCell::new(Processor::new());
}

/// Writes `stream` to `path` as `spec` says; an explicit MiniSEED encoding first converts the samples to
/// what it stores (see [`coerce_samples`]).
pub fn write_stream(path: &Path, stream: &mut Stream, spec: &WriteSpec) -> Result<(), IoError> {
    if let Some(enc) = spec.encoding.filter(|_| spec.format != Format::Sac) {
        coerce_samples(stream, enc).map_err(|what| IoError::Unsupported {
            path: path.to_path_buf(),
            what,
        })?;
    }
    seispool_io::write(path, stream, spec)
}

/// Converts samples to what an explicitly requested encoding stores: integers widen to floats, f64
/// narrows to f32 (as `data.astype("float32")`); floats are never silently rounded to integers.
pub fn coerce_samples(stream: &mut Stream, enc: DataEncoding) -> Result<(), String> {
    use seispool_core::{SampleType, Samples};
    let want = enc.sample_type();
    for t in &mut stream.traces {
        let have = t.data.sample_type();
        if have == want {
            continue;
        }
        let data = match (&t.data, want) {
            (Samples::I32(v), SampleType::F64) => Samples::F64(v.iter().map(|&x| f64::from(x)).collect()),
            (Samples::F32(v), SampleType::F64) => Samples::F64(v.iter().map(|&x| f64::from(x)).collect()),
            (Samples::I32(v), SampleType::F32) => Samples::F32(v.iter().map(|&x| x as f32).collect()),
            (Samples::F64(v), SampleType::F32) => {
                // Into this thread's spare (the unit's end hands it back), not fresh pages.
                let mut out = seispool_core::take_spare_f32(v.len());
                out.extend(v.iter().map(|&x| x as f32));
                Samples::F32(out)
            }
            (Samples::Text(_), _) | (_, SampleType::Text) => {
                return Err(format!(
                    "{} holds {} samples, which encoding {enc} cannot store: text is stored only as ASCII and \
                     ASCII stores only text",
                    t.id(),
                    if have == SampleType::Text {
                        "text (ASCII)"
                    } else {
                        "numeric"
                    }
                ));
            }
            _ => {
                return Err(format!(
                    "{} holds {:?} samples, which encoding {enc} cannot store without rounding; choose a float \
                     encoding (FLOAT32, FLOAT64)",
                    t.id(),
                    have
                ));
            }
        };
        t.stats.npts = data.len();
        if let Samples::F64(v) = std::mem::replace(&mut t.data, data) {
            seispool_core::recycle_f64(v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_text_to_float_encoding_blamed_rounding() {
        use seispool_core::{ChannelId, Samples, Trace};
        let tr = |data| Trace::new(ChannelId::new("XX", "A", "", "LOG"), Time(0), 1.0, data);
        let mut st = Stream::new(vec![tr(Samples::Text(b"abc".to_vec()))]);
        let e = coerce_samples(&mut st, DataEncoding::Float64).unwrap_err();
        assert!(e.contains("text (ASCII)") && !e.contains("rounding"), "{e}");
        let mut st = Stream::new(vec![tr(Samples::F64(vec![1.5]))]);
        assert!(
            coerce_samples(&mut st, DataEncoding::Steim2)
                .unwrap_err()
                .contains("rounding")
        );
        let mut st = Stream::new(vec![tr(Samples::I32(vec![1, -2]))]);
        coerce_samples(&mut st, DataEncoding::Float64).unwrap();
        assert_eq!(st.traces[0].data, Samples::F64(vec![1.0, -2.0]));
    }

    #[test]
    fn regression_previous_output_dir_as_input_lists_the_manifest_as_data() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("out");
        std::fs::create_dir_all(root.join(".seispool")).unwrap();
        std::fs::write(root.join(".seispool/manifest.jsonl"), b"{}\n").unwrap();
        std::fs::write(root.join("a.mseed"), b"x").unwrap();
        std::fs::write(root.join("b.mseed.tmp-123"), b"x").unwrap();
        let files = list_inputs(&[root], None, None).unwrap();
        let names: Vec<_> = files.iter().map(|f| f.relative.display().to_string()).collect();
        assert_eq!(names, vec!["a.mseed".to_string()]);
    }
}
