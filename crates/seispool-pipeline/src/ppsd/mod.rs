//! `seispool ppsd`: ObsPy's probabilistic PSDs for every channel of an archive. Channels are found from
//! SDS names (or file headers), each channel's files read and added as one `PPSD.add(stream)`, windows
//! computed in parallel on a per-run pool; per channel an npz in `PPSD.save_npz` format and a PNG.
//! `--resume` loads an existing npz and adds only windows not yet covered (ObsPy's `add_npz`/`add`).

mod channel;
mod output;
mod response;

pub use channel::{ChannelPpsd, EpochTerm, StreamChain};
pub use output::{npz_of, picture_png, state_from_npz};
pub use response::{EpochResponse, NoResponse, OPEN_END, OPEN_START, Paz, ResponseSource};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use seispool_core::{Stream, Time, utc_sub};
use seispool_dsp::ppsd::{PpsdParams, PpsdSetup, ResponseTerm, SpecialHandling};
use seispool_io::{ReadOptions, read};

use crate::process::list_inputs_matching;
use crate::runner::{RunError, build_pool, check_out_dir, effective_jobs, write_atomic};

/// A PPSD run over an archive.
#[derive(Clone, Debug)]
pub struct PpsdJob {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// Output directory.
    pub out: PathBuf,
    /// PPSD parameters.
    pub params: PpsdParams,
    /// Only data from this time on (traces trimmed as `Trace.trim`).
    pub starttime: Option<Time>,
    /// Only data up to this time.
    pub endtime: Option<Time>,
    /// `NET.STA.LOC.CHA` glob.
    pub select: Option<String>,
    /// Follow symlinks in input directories wherever they lead.
    pub follow_symlinks: bool,
    /// Worker threads (None: all cores).
    pub jobs: Option<usize>,
    /// Add to existing npz files instead of replacing them.
    pub resume: bool,
    /// Draw a progress bar on stderr (when it is a terminal).
    pub progress: bool,
    /// `metadata["sensitivity"]` for `special_handling="ringlaser"`.
    pub sensitivity: Option<f64>,
}

impl PpsdJob {
    /// The job's channels and their files ([`plan_channels`] with the job's selection).
    fn channels(&self) -> Result<BTreeMap<String, Vec<PathBuf>>, RunError> {
        plan_channels(
            &self.inputs,
            self.starttime,
            self.endtime,
            self.select.as_deref(),
            self.follow_symlinks,
        )
    }

    /// Checks the reading options as every job does (inputs exist, window, select glob, jobs), so the
    /// front ends refuse them with the same words; the PPSD parameters are checked by [`PpsdParams::check`].
    pub fn check(&self) -> Result<(), crate::JobError> {
        crate::ReadBuilder {
            paths: self.inputs.clone(),
            format: None,
            starttime: self.starttime,
            endtime: self.endtime,
            select: self.select.clone(),
            follow_symlinks: self.follow_symlinks,
            jobs: self.jobs,
            inventory: None,
        }
        .build()
        .map(|_| ())
    }
}

/// Why PPSD parameters cannot be used (see [`check_params`]).
#[derive(Clone, Debug, PartialEq)]
pub enum PpsdParamError {
    /// A value outside ObsPy's `PPSD(...)` limits or an unknown `special_handling` name; the message names
    /// ObsPy's keyword.
    Params(String),
    /// `special_handling="ringlaser"` without a finite non-zero overall sensitivity. Each front end names
    /// where the sensitivity comes from (a flag, or the metadata dict).
    RinglaserSensitivity,
}

impl std::fmt::Display for PpsdParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PpsdParamError::Params(m) => f.write_str(m),
            PpsdParamError::RinglaserSensitivity => {
                f.write_str("special_handling ringlaser needs the overall sensitivity (a finite non-zero number)")
            }
        }
    }
}

impl std::error::Error for PpsdParamError {}

/// The PPSD parameters as every front end gives them (`special_handling` by ObsPy's name), checked once:
/// ObsPy's limits ([`PpsdParams::check`]) and, for ringlaser data, the sensitivity they are divided by.
pub fn check_params(
    mut params: PpsdParams,
    special_handling: Option<&str>,
    sensitivity: Option<f64>,
) -> Result<PpsdParams, PpsdParamError> {
    let err = |e: seispool_dsp::OpError| PpsdParamError::Params(e.to_string());
    params.special_handling = special_handling
        .map(SpecialHandling::from_name)
        .transpose()
        .map_err(err)?;
    params.check().map_err(err)?;
    let ringlaser = params.special_handling == Some(SpecialHandling::Ringlaser);
    if ringlaser && sensitivity.is_none_or(|s| !s.is_finite() || s == 0.0) {
        return Err(PpsdParamError::RinglaserSensitivity);
    }
    Ok(params)
}

/// What one channel produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChannelSummary {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// npz path relative to `--out`.
    pub npz: String,
    /// PNG path relative to `--out`, when drawn.
    pub png: Option<String>,
    /// Windows added in this run.
    pub windows_added: usize,
    /// Windows in the file.
    pub windows_total: usize,
}

/// A channel that failed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChannelFailure {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// Why.
    pub error: String,
}

/// The end-of-run summary (`--json` prints it).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PpsdSummary {
    /// Output directory.
    pub out: String,
    /// Worker threads.
    pub jobs: usize,
    /// Channels found.
    pub channels: usize,
    /// Channels written.
    pub ok: usize,
    /// Channels failed.
    pub failed: usize,
    /// Windows added over all channels.
    pub windows_added: usize,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Per channel results, by id.
    pub results: Vec<ChannelSummary>,
    /// Failed channels, by id.
    pub failures: Vec<ChannelFailure>,
    /// Warnings, each prefixed by its channel id.
    pub warnings: Vec<String>,
}

/// Channel id → its files, from SDS names where the files have them, else from their headers.
pub fn plan_channels(
    inputs: &[PathBuf],
    starttime: Option<Time>,
    endtime: Option<Time>,
    select: Option<&str>,
    follow_symlinks: bool,
) -> Result<BTreeMap<String, Vec<PathBuf>>, RunError> {
    let files = list_inputs_matching(inputs, starttime, endtime, select, follow_symlinks)
        .map_err(|e| RunError::Inputs(e.to_string()))?;
    let mut channels: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for f in files {
        let ids = match &f.sds {
            Some(day) => vec![day.id.to_string()],
            None => {
                let opts = ReadOptions {
                    headonly: true,
                    starttime,
                    endtime,
                    select: select.map(str::to_string),
                    ..Default::default()
                };
                let got = read(&f.path, &opts).map_err(|e| RunError::Inputs(e.to_string()))?;
                let mut ids: Vec<String> = got.stream.traces.iter().map(|t| t.id()).collect();
                ids.sort();
                ids.dedup();
                ids
            }
        };
        for id in ids {
            if select.is_none_or(|g| seispool_core::glob_match(g, &id)) {
                channels.entry(id).or_default().push(f.path.clone());
            }
        }
    }
    Ok(channels)
}

/// Reads `id`'s traces from `files` (in order), trimmed to the time window.
pub fn read_channel(
    id: &str,
    files: &[PathBuf],
    starttime: Option<Time>,
    endtime: Option<Time>,
) -> Result<(Stream, Vec<String>), String> {
    let mut traces = Vec::new();
    let mut warnings = Vec::new();
    let opts = ReadOptions {
        starttime,
        endtime,
        select: Some(id.to_string()),
        ..Default::default()
    };
    for f in files {
        let got = read(f, &opts).map_err(|e| e.to_string())?;
        warnings.extend(got.warnings.into_iter().map(|w| format!("{}: {w}", f.display())));
        for mut tr in got.stream.traces.into_iter().filter(|t| t.id() == id) {
            if starttime.is_some() || endtime.is_some() {
                tr.trim(starttime, endtime, false, true, None)
                    .map_err(|e| e.to_string())?;
            }
            if tr.stats.npts > 0 {
                traces.push(tr);
            }
        }
    }
    Ok((Stream::new(traces), warnings))
}

/// The response terms of `id`'s epochs for `setup` (warnings for epochs that cannot be evaluated).
pub fn epoch_terms(
    id: &str,
    setup: &PpsdSetup,
    source: &dyn ResponseSource,
    sensitivity: Option<f64>,
    warnings: &mut Vec<String>,
) -> Result<Vec<EpochTerm>, String> {
    if setup.params.special_handling == Some(SpecialHandling::Ringlaser) {
        let s = sensitivity.ok_or("special_handling ringlaser needs the overall sensitivity")?;
        return Ok(vec![EpochTerm {
            start: OPEN_START,
            end: OPEN_END,
            term: ResponseTerm::Sensitivity(s),
        }]);
    }
    let mut terms = Vec::new();
    for e in source.epochs(id, setup.nfft, setup.delta()) {
        let term = e.response.and_then(|r| {
            ResponseTerm::from_response(setup, &r, setup.params.special_handling).map_err(|x| x.to_string())
        });
        match term {
            Ok(term) => terms.push(EpochTerm {
                start: e.start.unwrap_or(OPEN_START),
                end: e.end.unwrap_or(OPEN_END),
                term,
            }),
            Err(msg) => warnings.push(format!(
                "could not get response for {id} - {}: {msg}",
                e.start.map_or("open start".into(), |t| t.to_string())
            )),
        }
    }
    if terms.is_empty() {
        return Err(format!("no response for {id} in the inventory"));
    }
    Ok(terms)
}

/// One channel's PPSD: `existing` (a loaded npz, for `--resume`) plus the windows of `stream`.
pub fn compute_channel(
    id: &str,
    stream: Stream,
    params: &PpsdParams,
    source: &dyn ResponseSource,
    sensitivity: Option<f64>,
    existing: Option<&seispool_io::npz::PpsdNpz>,
) -> Result<(ChannelPpsd, Vec<String>), String> {
    let mut warnings = Vec::new();
    let fs = match existing {
        Some(n) => n.sampling_rate,
        None => stream
            .traces
            .iter()
            .min_by_key(|t| t.stats.starttime)
            .map(|t| t.stats.sampling_rate)
            .ok_or_else(|| format!("{id}: no data"))?,
    };
    let setup = PpsdSetup::new(fs, params).map_err(|e| e.to_string())?;
    let mut ppsd = match existing {
        Some(n) => state_from_npz(n, id, setup)?,
        None => ChannelPpsd::new(id, setup),
    };
    let terms = epoch_terms(id, &ppsd.setup, source, sensitivity, &mut warnings)?;
    warnings.extend(ppsd.add(stream, &terms)?);
    Ok((ppsd, warnings))
}

/// One channel's PPSD from its files: [`compute_channel`] on [`read_channel`]'s stream, with the same
/// results, warnings and errors. The windows are computed file by file as the data is read, keeping only
/// the samples later windows need, so memory is bounded by about one file's data, not the span, whenever
/// each file's data starts after all the data before it (files in time order, as SDS day files are):
/// each file's traces are merged as ObsPy merges them and joined to the data before by ObsPy's own rule
/// (contiguous, gap filled with zeros, or with `skip_on_gaps` a new piece). Anything else (data
/// overlapping an earlier file's, off the sample grid, other sampling rates, errors) is done the general
/// way on the whole stream.
pub fn compute_channel_files(
    id: &str,
    files: &[PathBuf],
    window: (Option<Time>, Option<Time>),
    params: &PpsdParams,
    source: &dyn ResponseSource,
    sensitivity: Option<f64>,
    existing: Option<&seispool_io::npz::PpsdNpz>,
) -> Result<(ChannelPpsd, Vec<String>), String> {
    if let Some(done) = stream_channel(id, files, window, params, source, sensitivity, existing) {
        return Ok(done);
    }
    let (stream, mut warnings) = read_channel(id, files, window.0, window.1)?;
    if stream.traces.is_empty() && existing.is_none() {
        return Err(format!("no data for {id} in the time window"));
    }
    let (ppsd, w) = compute_channel(id, stream, params, source, sensitivity, existing)?;
    warnings.extend(w);
    Ok((ppsd, warnings))
}

/// Most fill samples appended at once when joining across a gap (windows are computed in between).
const FILL_CHUNK: usize = 1 << 22;

/// The streamed case of [`compute_channel_files`]; `None` when the data does not allow it (or anything
/// fails), so that the general path gives the answer and the error.
pub fn stream_channel(
    id: &str,
    files: &[PathBuf],
    (starttime, endtime): (Option<Time>, Option<Time>),
    params: &PpsdParams,
    source: &dyn ResponseSource,
    sensitivity: Option<f64>,
    existing: Option<&seispool_io::npz::PpsdNpz>,
) -> Option<(ChannelPpsd, Vec<String>)> {
    use seispool_core::{FillValue, MergeMethod, Number, Samples, Trace};
    let opts = ReadOptions {
        starttime,
        endtime,
        select: Some(id.to_string()),
        ..Default::default()
    };
    let method = if params.skip_on_gaps {
        MergeMethod::Cleanup
    } else {
        MergeMethod::Discard
    };
    let fill = || Some(FillValue::Number(Number::Int(0)));
    let (mut read_warnings, mut warnings) = (Vec::new(), Vec::new());
    let mut state: Option<(ChannelPpsd, Vec<EpochTerm>)> = None;
    let mut chain: Option<channel::StreamChain> = None;
    // Every trace's header, for ObsPy's `get_gaps` over the whole stream at the end.
    let mut headers: Vec<Trace> = Vec::new();
    // The latest sample time of all data so far (a piece may end before an earlier one with skip_on_gaps).
    let mut data_end: Option<Time> = None;
    for f in files {
        let got = read(f, &opts).ok()?;
        read_warnings.extend(got.warnings.into_iter().map(|w| format!("{}: {w}", f.display())));
        let mut traces = Vec::new();
        for mut tr in got.stream.traces.into_iter().filter(|t| t.id() == id) {
            if starttime.is_some() || endtime.is_some() {
                tr.trim(starttime, endtime, false, true, None).ok()?;
            }
            if tr.stats.npts > 0 {
                traces.push(tr);
            }
        }
        let Some(first) = traces.iter().min_by_key(|t| t.stats.starttime) else {
            continue;
        };
        let (first_start, first_sr, cid) = (first.stats.starttime, first.stats.sampling_rate, first.stats.id.clone());
        if state.is_none() {
            let fs = existing.map_or(first_sr, |n| n.sampling_rate);
            let setup = PpsdSetup::new(fs, params).ok()?;
            let ppsd = match existing {
                Some(n) => state_from_npz(n, id, setup).ok()?,
                None => ChannelPpsd::new(id, setup),
            };
            let terms = epoch_terms(id, &ppsd.setup, source, sensitivity, &mut warnings).ok()?;
            state = Some((ppsd, terms));
        }
        let (ppsd, terms) = state.as_mut()?;
        let fs = ppsd.setup.sampling_rate;
        let usable = |t: &Trace| {
            t.stats.sampling_rate == fs && !matches!(t.data, Samples::Text(_)) && t.stats.npts == t.data.len()
        };
        // Everything in this file must start after all the data before it (so ObsPy's sorted merge of the
        // whole stream meets it in this order and cannot change samples already used).
        let after = data_end.is_none_or(|e| first_start > e);
        if !after || !traces.iter().all(usable) {
            return None;
        }
        let several = traces.len() > 1;
        for t in &traces {
            data_end = data_end.max(Some(t.endtime()));
            ppsd.times_data.push([t.stats.starttime.ns(), t.endtime().ns()]);
            headers.push(Trace {
                stats: t.stats.clone(),
                data: Samples::I32(Vec::new()),
            });
        }
        // Traces that follow each other without overlapping (a day file with gaps) need no merge of
        // their own: each is joined below to the data before it one pair at a time, as ObsPy's merge of
        // the whole stream adds them (`cur_trace.__add__(trace)` against everything so far). Only
        // overlapping traces take the general merge (it copies every sample of the file).
        traces.sort_by_key(|t| t.stats.starttime);
        let disjoint = traces.windows(2).all(|w| w[1].stats.starttime > w[0].endtime());
        let pieces = if disjoint {
            traces
        } else {
            let mut merged = Stream::new(traces);
            merged.merge(method, fill(), 0).ok()?;
            merged.traces.sort_by_key(|t| t.stats.starttime);
            merged.traces
        };
        for m in pieces {
            let Some(c) = chain.as_mut() else {
                let mut c = ppsd.stream_begin(m.stats.starttime, fs);
                c.append(m.data);
                chain = Some(c);
                continue;
            };
            // How ObsPy joins this trace to the data before: merge the last sample before and this
            // trace's first sample the same way (nothing overlaps, so only their times matter).
            let last = Trace::new(cid.clone(), c.end(), fs, Samples::F64(vec![0.0]));
            let next = Trace::new(cid.clone(), m.stats.starttime, fs, Samples::F64(vec![1.0]));
            let mut join = Stream::new(vec![last, next]);
            join.merge(method, fill(), 0).ok()?;
            // Traces merged within this file were placed on their own sample grid: only equal to
            // ObsPy's merge of the whole stream when that is the grid of the data before.
            let offset = utc_sub(m.stats.starttime, c.start()) * fs;
            if several && (offset - offset.round()).abs() > 1e-6 {
                return None;
            }
            match join.traces.as_slice() {
                [one] if one.stats.npts >= 2 => {
                    let mut zeros = one.stats.npts - 2;
                    while zeros > 0 {
                        let n = zeros.min(FILL_CHUNK);
                        c.append(Samples::F64(vec![0.0; n]));
                        zeros -= n;
                        ppsd.stream_windows(c, terms, &mut warnings);
                    }
                    c.append(m.data);
                }
                [_, _] => {
                    ppsd.stream_windows(c, terms, &mut warnings);
                    ppsd.stream_finish(c, &mut warnings);
                    let mut c = ppsd.stream_begin(m.stats.starttime, fs);
                    c.append(m.data);
                    chain = Some(c);
                }
                _ => return None,
            }
        }
        if let Some(c) = chain.as_mut() {
            ppsd.stream_windows(c, terms, &mut warnings);
        }
    }
    let (mut ppsd, _) = state?;
    let c = chain?;
    ppsd.stream_finish(&c, &mut warnings);
    let gaps = Stream::new(headers).get_gaps();
    ppsd.times_gaps.extend(gaps.iter().map(|g| [g.start.ns(), g.end.ns()]));
    read_warnings.extend(warnings);
    Some((ppsd, read_warnings))
}

fn run_channel(
    job: &PpsdJob,
    id: &str,
    files: &[PathBuf],
    source: &dyn ResponseSource,
) -> Result<(ChannelSummary, Vec<String>), String> {
    let npz_name = format!("{id}.npz");
    let npz_path = job.out.join(&npz_name);
    let existing = if job.resume && npz_path.exists() {
        Some(seispool_io::npz::PpsdNpz::read(&npz_path).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let before = existing.as_ref().map_or(0, |n| n.times_processed.len());
    let (ppsd, warnings) = compute_channel_files(
        id,
        files,
        (job.starttime, job.endtime),
        &job.params,
        source,
        job.sensitivity,
        existing.as_ref(),
    )?;
    let mut warnings = warnings;
    let bytes = npz_of(&ppsd).to_bytes().map_err(|e| e.to_string())?;
    write_atomic(&npz_path, &bytes).map_err(|e| format!("{}: {e}", npz_path.display()))?;
    let png_name = format!("{id}.png");
    let png = match picture_png(&ppsd, &job.out.join(&png_name)) {
        Ok(()) => Some(png_name),
        Err(e) => {
            warnings.push(format!("picture not drawn: {e}"));
            None
        }
    };
    Ok((
        ChannelSummary {
            id: id.to_string(),
            npz: npz_name,
            png,
            windows_added: ppsd.times_processed.len() - before,
            windows_total: ppsd.times_processed.len(),
        },
        warnings,
    ))
}

/// Runs the PPSD job: every channel in parallel (and its windows), results identical for any `jobs`.
pub fn run_ppsd(job: &PpsdJob, source: &dyn ResponseSource) -> Result<PpsdSummary, RunError> {
    let t0 = Instant::now();
    job.params.check().map_err(|e| RunError::Inputs(e.to_string()))?;
    check_out_dir(&job.out, &job.inputs)?;
    let channels = job.channels()?;
    std::fs::create_dir_all(&job.out).map_err(|source| RunError::OutDir {
        path: job.out.clone(),
        source,
    })?;
    let jobs = effective_jobs(job.jobs);
    let pool = build_pool(jobs).map_err(|e| RunError::Pool(e.to_string()))?;
    let bar = progress_bar(job.progress, channels.len());
    let done = AtomicUsize::new(0);
    let list: Vec<(&String, &Vec<PathBuf>)> = channels.iter().collect();
    let results: Vec<_> = pool.install(|| {
        list.par_iter()
            .map(|(id, files)| {
                let r = run_channel(job, id, files, source);
                done.fetch_add(1, Ordering::Relaxed);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                (id.to_string(), r)
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut summary = PpsdSummary {
        out: job.out.display().to_string(),
        jobs,
        channels: channels.len(),
        ..Default::default()
    };
    for (id, r) in results {
        match r {
            Ok((s, w)) => {
                summary.ok += 1;
                summary.windows_added += s.windows_added;
                summary.warnings.extend(w.into_iter().map(|w| format!("{id}: {w}")));
                summary.results.push(s);
            }
            Err(error) => {
                summary.failed += 1;
                summary.failures.push(ChannelFailure { id, error });
            }
        }
    }
    summary.wall_seconds = t0.elapsed().as_secs_f64();
    Ok(summary)
}

fn progress_bar(show: bool, n: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} channels {elapsed}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Relative path of a channel's npz under `--out`.
pub fn npz_path(out: &Path, id: &str) -> PathBuf {
    out.join(format!("{id}.npz"))
}

/// One channel's result in memory (the Python API): its PPSD (or why it failed) and its warnings.
#[derive(Debug)]
pub struct ChannelOutcome {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// The accumulated PPSD.
    pub ppsd: Result<ChannelPpsd, String>,
    /// Warnings in ObsPy's order.
    pub warnings: Vec<String>,
}

/// Every channel's PPSD without writing files (`job.out` and `job.resume` are not used), channels and
/// windows in parallel on a pool of `job.jobs` threads, results by id.
pub fn compute_ppsd(job: &PpsdJob, source: &dyn ResponseSource) -> Result<Vec<ChannelOutcome>, RunError> {
    job.params.check().map_err(|e| RunError::Inputs(e.to_string()))?;
    let channels = job.channels()?;
    let pool = build_pool(effective_jobs(job.jobs)).map_err(|e| RunError::Pool(e.to_string()))?;
    let list: Vec<(&String, &Vec<PathBuf>)> = channels.iter().collect();
    Ok(pool.install(|| {
        list.par_iter()
            .map(|(id, files)| {
                let mut warnings = Vec::new();
                let ppsd = compute_channel_files(
                    id,
                    files,
                    (job.starttime, job.endtime),
                    &job.params,
                    source,
                    job.sensitivity,
                    None,
                )
                .map(|(p, w)| {
                    warnings = w;
                    p
                });
                ChannelOutcome {
                    id: id.to_string(),
                    ppsd,
                    warnings,
                }
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_params_names_obspy_keywords_and_needs_a_ringlaser_sensitivity() {
        let p = PpsdParams::default();
        let ok = check_params(p.clone(), Some("RINGLASER"), Some(2.5e9)).unwrap();
        assert_eq!(ok.special_handling, Some(SpecialHandling::Ringlaser));
        for s in [None, Some(0.0), Some(f64::NAN)] {
            assert_eq!(
                check_params(p.clone(), Some("ringlaser"), s),
                Err(PpsdParamError::RinglaserSensitivity)
            );
        }
        let e = check_params(p.clone(), Some("seismometer"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("special_handling") && e.contains("seismometer"), "{e}");
        let bad = PpsdParams {
            overlap: 1.5,
            ..p.clone()
        };
        let e = check_params(bad, None, None).unwrap_err().to_string();
        assert!(e.contains("overlap"), "{e}");
        assert_eq!(check_params(p.clone(), None, None), Ok(p));
    }
}
