//! One channel's PPSD, accumulated exactly as ObsPy's `PPSD.add(stream)`: data and gap times recorded,
//! the stream merged (gaps filled with zeros, or only cleaned up with `skip_on_gaps`), windows started at
//! each trace's start and advanced by `ppsd_length * (1 - overlap)`, windows already covered skipped
//! (`__check_time_present`), each window's response picked by its start time, PSDs computed in parallel.

use std::cmp::Ordering;

use rayon::prelude::*;
use seispool_core::{FillValue, MergeMethod, Number, Stream, Time, round_away, utc_cmp, utc_sub};
use seispool_dsp::ppsd::{PpsdSetup, ResponseTerm, WelchPsd, binned_psd_with};

/// A channel epoch's response term, valid from `start` to `end` (ObsPy: inclusive on both ends).
#[derive(Clone, Debug)]
pub struct EpochTerm {
    /// Epoch start (ObsPy's `UTCDATETIME_OPEN_START` when open).
    pub start: Time,
    /// Epoch end (ObsPy's `UTCDATETIME_OPEN_END` when open).
    pub end: Time,
    /// What removes the response in this epoch.
    pub term: ResponseTerm,
}

/// The accumulated PPSD of one channel (ObsPy's lists, ns times).
#[derive(Clone, Debug)]
pub struct ChannelPpsd {
    /// Derived setup.
    pub setup: PpsdSetup,
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// `_times_data`.
    pub times_data: Vec<[i64; 2]>,
    /// `_times_gaps`.
    pub times_gaps: Vec<[i64; 2]>,
    /// `_times_processed`, ascending.
    pub times_processed: Vec<i64>,
    /// `_binned_psds`, aligned with `times_processed`.
    pub binned_psds: Vec<Vec<f32>>,
}

/// A merged trace as float64 samples.
struct Piece {
    start: Time,
    sr: f64,
    data: Vec<f64>,
}

impl Piece {
    /// ObsPy's `endtime`: `start + (npts - 1) * delta`.
    fn end(&self) -> Time {
        match self.data.len() {
            0 => self.start,
            n => self.start.add_seconds((n - 1) as f64 * (1.0 / self.sr)),
        }
    }
}

/// Traces that follow each other sample for sample (each starting exactly one sample after the previous
/// one ends, as day files of a continuous recording do) merge in ObsPy to their concatenation: that, as
/// one float64 buffer built trace by trace (each integer buffer freed once copied), without `merge`'s
/// copies. `None` when the traces are not such a chain (the general merge then runs).
fn concatenate_contiguous(stream: &mut Stream) -> Option<Piece> {
    let traces = &mut stream.traces;
    traces.sort_by_key(|t| t.stats.starttime);
    let first = traces.first()?;
    let (sr, start) = (first.stats.sampling_rate, first.stats.starttime);
    let delta = 1.0 / sr;
    let numeric = |t: &seispool_core::Trace| !matches!(t.data, seispool_core::Samples::Text(_));
    let chained = traces
        .windows(2)
        .all(|w| w[1].stats.starttime == w[0].endtime().add_seconds(delta) && w[0].stats.npts == w[0].data.len());
    if !chained || !traces.iter().all(|t| numeric(t) && !t.data.is_empty()) {
        return None;
    }
    let total: usize = traces.iter().map(|t| t.data.len()).sum();
    let mut data = Vec::with_capacity(total);
    for t in std::mem::take(traces) {
        match t.data {
            seispool_core::Samples::I32(v) => data.extend(v.into_iter().map(f64::from)),
            seispool_core::Samples::F32(v) => data.extend(v.into_iter().map(f64::from)),
            seispool_core::Samples::F64(v) => data.extend(v),
            seispool_core::Samples::Text(_) => return None,
        }
    }
    Some(Piece { start, sr, data })
}

struct Job {
    t: i64,
    trace: usize,
    range: std::ops::Range<usize>,
    term: usize,
}

/// `Trace.slice(t1, t2)` (nearest sample, no padding: `_ltrim` then `_rtrim`) of a trace starting at
/// `start` with `npts` samples, as the slice's start time and sample range (no samples copied).
fn slice_range(start: Time, sr: f64, npts: usize, t1: Time, t2: Time) -> (Time, std::ops::Range<usize>) {
    let delta = 1.0 / sr;
    let end_of = |s: Time, n: usize| {
        if n == 0 {
            s
        } else {
            s.add_seconds((n - 1) as f64 * delta)
        }
    };
    // _ltrim
    let d = round_away(utc_sub(t1, start) * sr) as i64;
    let (mut s, mut a, mut len) = (start, 0usize, npts);
    if d > 0 {
        s = start.add_seconds(d as f64 * delta);
        if utc_cmp(t1, end_of(s, npts)) == Ordering::Greater {
            len = 0;
        } else {
            a = (d as usize).min(npts);
            len = npts - a;
        }
    }
    // _rtrim
    let d = round_away(utc_sub(t2, s) * sr) as i64 - len as i64 + 1;
    if d < 0 {
        if utc_cmp(t2, s) == Ordering::Less {
            len = 0;
        } else {
            let n = len as i64;
            let mut total = n - d.abs();
            if utc_cmp(t2, s) == Ordering::Equal {
                total = 1;
            }
            len = if total >= 0 { total.min(n) } else { (n + total).max(0) } as usize;
        }
    }
    (s, a..a + len)
}

impl ChannelPpsd {
    /// An empty PPSD.
    pub fn new(id: &str, setup: PpsdSetup) -> ChannelPpsd {
        ChannelPpsd {
            setup,
            id: id.to_string(),
            times_data: Vec::new(),
            times_gaps: Vec::new(),
            times_processed: Vec::new(),
            binned_psds: Vec::new(),
        }
    }

    /// `PPSD.__check_time_present`: would a window starting at `t` overlap the windows present by more
    /// than the configured overlap (or start exactly at one of them)?
    pub fn time_present(&self, t: i64) -> bool {
        let times = &self.times_processed;
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return false;
        };
        let len = self.setup.params.ppsd_length;
        let overlap = self.setup.params.overlap;
        let ov = |a: i64, b: i64| ((a as f64 + len * 1e9) - b as f64) / 1e9;
        match (t.cmp(&first), t.cmp(&last)) {
            (Ordering::Less, _) => ov(t, first) / len > overlap,
            (Ordering::Equal, _) | (_, Ordering::Equal) => true,
            (_, Ordering::Greater) => ov(last, t) / len > overlap,
            _ => {
                let i1 = times.partition_point(|&x| x < t);
                let i2 = times.partition_point(|&x| x <= t);
                if i1 != i2 {
                    return true;
                }
                let left = ov(times[i1 - 1], t);
                let right = ov(t, times[i1]);
                left.max(right) / len > overlap
            }
        }
    }

    /// `PPSD.add(stream)` for traces of this channel; `terms` are the channel epochs (or one open epoch
    /// for `ringlaser`). Returns ObsPy's warnings in order. Work runs on the caller's rayon pool.
    pub fn add(&mut self, stream: Stream, terms: &[EpochTerm]) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        let fs = self.setup.sampling_rate;
        let (keep, other): (Vec<_>, Vec<_>) = stream.traces.into_iter().partition(|t| t.stats.sampling_rate == fs);
        if !other.is_empty() {
            warnings.push(format!(
                "{}: {} trace(s) with a sampling rate other than {fs} Hz left out",
                self.id,
                other.len()
            ));
        }
        if keep.is_empty() {
            warnings.push(format!("{}: no traces with matching sampling rate", self.id));
            return Ok(warnings);
        }
        let mut stream = Stream::new(keep);
        self.times_data
            .extend(stream.traces.iter().map(|t| [t.stats.starttime.ns(), t.endtime().ns()]));
        self.times_gaps
            .extend(stream.get_gaps().iter().map(|g| [g.start.ns(), g.end.ns()]));
        let method = if self.setup.params.skip_on_gaps {
            MergeMethod::Cleanup
        } else {
            MergeMethod::Discard
        };
        let pieces = match concatenate_contiguous(&mut stream) {
            Some(piece) => vec![piece],
            None => {
                stream
                    .merge(method, Some(FillValue::Number(Number::Int(0))), 0)
                    .map_err(|e| format!("{}: merge: {e}", self.id))?;
                // One float64 copy of each merged trace (each integer copy freed as it is converted).
                stream
                    .traces
                    .into_iter()
                    .map(|t| Piece {
                        start: t.stats.starttime,
                        sr: t.stats.sampling_rate,
                        data: t.data.to_f64(),
                    })
                    .collect()
            }
        };
        let jobs = self.plan(&pieces, terms, &mut warnings)?;
        let data: Vec<&[f64]> = pieces.iter().map(|p| p.data.as_slice()).collect();
        let kernels = Kernels::new();
        let results = self.compute_jobs(jobs, &data, terms, &kernels);
        self.merge_results(results);
        Ok(warnings)
    }

    /// Each job's binned PSD, windows in parallel on the caller's pool (each worker reuses its own
    /// kernel: FFT plan, taper and buffers); the result does not depend on which worker ran a window.
    fn compute_jobs(
        &self,
        jobs: Vec<Job>,
        data: &[&[f64]],
        terms: &[EpochTerm],
        kernels: &Kernels,
    ) -> Vec<(i64, Vec<f32>)> {
        let setup = &self.setup;
        jobs.into_par_iter()
            .map(|job| {
                let mut out = Vec::new();
                kernels.with(setup, |k| {
                    k.welch.psd(&data[job.trace][job.range.clone()], &mut k.psd);
                    binned_psd_with(setup, &k.psd, &terms[job.term].term, &mut k.db, &mut out);
                });
                (job.t, out)
            })
            .collect()
    }

    /// Puts computed windows in place of their placeholders (planning inserted each new time, sorted and
    /// unique, with an empty PSD): a binary search per window, so streaming day by day stays linear.
    fn merge_results(&mut self, results: Vec<(i64, Vec<f32>)>) {
        for (t, psd) in results {
            if let Ok(i) = self.times_processed.binary_search(&t) {
                self.binned_psds[i] = psd;
            }
        }
    }

    /// Starts streaming a contiguous run of samples (the merged trace of a chain of traces that follow
    /// each other sample for sample) at `start`.
    pub fn stream_begin(&self, start: Time, sr: f64) -> StreamChain {
        StreamChain {
            start,
            sr,
            buf: Vec::new(),
            offset: 0,
            total: 0,
            t1: start,
            kernels: Kernels::new(),
        }
    }

    /// Computes every window of `chain` that the samples appended so far complete, in ObsPy's order and
    /// with ObsPy's times (as `add` on the whole merged trace would), then drops the samples no later
    /// window needs.
    pub fn stream_windows(&mut self, chain: &mut StreamChain, terms: &[EpochTerm], warnings: &mut Vec<String>) {
        if chain.total == 0 {
            return;
        }
        let mut jobs = Vec::new();
        chain.t1 = self.plan_piece(
            0,
            (chain.start, chain.sr, chain.total, chain.offset),
            chain.t1,
            terms,
            warnings,
            &mut jobs,
        );
        let data = [chain.buf.as_slice()];
        let results = self.compute_jobs(jobs, &data, terms, &chain.kernels);
        self.merge_results(results);
        // The next window's first sample (`_ltrim`'s index); everything before it is no longer needed.
        let d = round_away(utc_sub(chain.t1, chain.start) * chain.sr);
        let keep_from = if d > 0.0 { (d as usize).min(chain.total) } else { 0 };
        if keep_from > chain.offset {
            chain.buf.drain(..keep_from - chain.offset);
            chain.offset = keep_from;
        }
    }

    /// Ends a stream: ObsPy's warning for a merged trace shorter than one window.
    pub fn stream_finish(&self, chain: &StreamChain, warnings: &mut Vec<String>) {
        let end = chain.end();
        let last = chain
            .start
            .add_seconds(self.setup.params.ppsd_length)
            .add_seconds(-1.0 / chain.sr);
        if chain.total > 0 && utc_cmp(last, end) == Ordering::Greater {
            warnings.push(format!(
                "{}: trace {} - {} is shorter than ppsd_length ({} s), skipped",
                self.id, chain.start, end, self.setup.params.ppsd_length
            ));
        }
    }

    /// The windows to process, decided in ObsPy's order (each accepted window counts as present for the
    /// next ones); their start times are inserted into `times_processed` as placeholders.
    fn plan(&mut self, pieces: &[Piece], terms: &[EpochTerm], warnings: &mut Vec<String>) -> Result<Vec<Job>, String> {
        let mut jobs = Vec::new();
        for (index, tr) in pieces.iter().enumerate() {
            let last = tr
                .start
                .add_seconds(self.setup.params.ppsd_length)
                .add_seconds(-1.0 / tr.sr);
            if utc_cmp(last, tr.end()) == Ordering::Greater {
                warnings.push(format!(
                    "{}: trace {} - {} is shorter than ppsd_length ({} s), skipped",
                    self.id,
                    tr.start,
                    tr.end(),
                    self.setup.params.ppsd_length
                ));
                continue;
            }
            self.plan_piece(
                index,
                (tr.start, tr.sr, tr.data.len(), 0),
                tr.start,
                terms,
                warnings,
                &mut jobs,
            );
        }
        Ok(jobs)
    }

    /// Plans the windows of one merged trace (`start`, sampling rate, samples so far, index of the first
    /// sample held) from window start `t1` on while they end within the samples so far; returns the next
    /// window start. Job ranges index the held samples.
    fn plan_piece(
        &mut self,
        index: usize,
        (start0, sr, npts, offset): (Time, f64, usize, usize),
        mut t1: Time,
        terms: &[EpochTerm],
        warnings: &mut Vec<String>,
        jobs: &mut Vec<Job>,
    ) -> Time {
        let p = self.setup.params.clone();
        let step = self.setup.step();
        let delta = 1.0 / sr;
        let t2 = match npts {
            0 => start0,
            n => start0.add_seconds((n - 1) as f64 * delta),
        };
        let last_of = |t1: Time| t1.add_seconds(p.ppsd_length).add_seconds(-delta);
        while utc_cmp(last_of(t1), t2) != Ordering::Greater {
            if self.time_present(t1.ns()) {
                warnings.push(format!("{}: already covered time span at {t1}, skipped", self.id));
            } else {
                let (start, mut range) = slice_range(start0, sr, npts, t1, last_of(t1));
                if range.len() == self.setup.len + 1 {
                    range.end -= 1;
                }
                let term = terms.iter().position(|e| {
                    utc_cmp(e.start, start) != Ordering::Greater && utc_cmp(start, e.end) != Ordering::Greater
                });
                if range.len() != self.setup.len {
                    warnings.push(format!(
                        "{}: window at {t1} has {} samples, expected {}, skipped",
                        self.id,
                        range.len(),
                        self.setup.len
                    ));
                } else if let (Some(term), true) = (term, range.start >= offset) {
                    let t = t1.ns();
                    let at = self.times_processed.partition_point(|&x| x <= t);
                    self.times_processed.insert(at, t);
                    self.binned_psds.insert(at, Vec::new());
                    jobs.push(Job {
                        t,
                        trace: index,
                        range: range.start - offset..range.end - offset,
                        term,
                    });
                } else {
                    warnings.push(format!("{}: no response for the window at {start}, skipped", self.id));
                }
            }
            t1 = t1.add_seconds(step);
        }
        t1
    }
}

/// Per-worker PSD kernels (FFT plan, taper, buffers), made once per worker and reused for every window.
pub struct Kernels {
    slots: Vec<std::sync::Mutex<Option<Kernel>>>,
}

struct Kernel {
    welch: WelchPsd,
    psd: Vec<f64>,
    db: Vec<f64>,
}

impl Kernels {
    fn new() -> Kernels {
        Kernels {
            slots: (0..rayon::current_num_threads().max(1))
                .map(|_| std::sync::Mutex::new(None))
                .collect(),
        }
    }

    /// Runs `f` with this worker's kernel (made on first use).
    fn with(&self, setup: &PpsdSetup, f: impl FnOnce(&mut Kernel)) {
        let i = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        let mut slot = match self.slots[i].lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if slot.is_none()
            && let Ok(welch) = WelchPsd::new(setup.nfft, setup.nlap, setup.sampling_rate)
        {
            *slot = Some(Kernel {
                welch,
                psd: Vec::new(),
                db: Vec::new(),
            });
        }
        if let Some(k) = slot.as_mut() {
            f(k);
        }
    }
}

/// A merged trace read piece by piece: the samples from `offset` on of the trace that starts at `start`.
pub struct StreamChain {
    start: Time,
    sr: f64,
    buf: Vec<f64>,
    offset: usize,
    total: usize,
    t1: Time,
    kernels: Kernels,
}

impl StreamChain {
    /// Time of the first sample.
    pub fn start(&self) -> Time {
        self.start
    }

    /// ObsPy's `endtime` of the samples so far.
    pub fn end(&self) -> Time {
        match self.total {
            0 => self.start,
            n => self.start.add_seconds((n - 1) as f64 * (1.0 / self.sr)),
        }
    }

    /// Appends a trace's samples as float64 (the trace must follow the previous one sample for sample).
    pub fn append(&mut self, data: seispool_core::Samples) {
        let n = data.len();
        match data {
            seispool_core::Samples::I32(v) => {
                self.buf.extend(v.iter().map(|&x| f64::from(x)));
                // The decoder of the next file takes this buffer back (no fresh pages to fault in).
                seispool_core::recycle_i32(v);
            }
            seispool_core::Samples::F32(v) => self.buf.extend(v.into_iter().map(f64::from)),
            seispool_core::Samples::F64(v) => self.buf.extend(v),
            seispool_core::Samples::Text(_) => return,
        }
        self.total += n;
    }
}
