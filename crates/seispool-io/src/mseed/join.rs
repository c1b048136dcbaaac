//! Record joining: which records make one trace, as ObsPy 1.5.1 (libmseed 2.19's trace list) joins
//! MiniSEED 2 records and libmseed 3 joins MiniSEED 3 records.
//!
//! Records join a trace when they have the same network, station, location, channel and quality, both
//! have samples, the same sample type, rates within 1e-4 relative, and the record starts within half a
//! sample period (µs, truncated; ns for MiniSEED 3) of the expected time after the last segment of that
//! id. Records out of order start a new trace; traces come per id in order of first appearance.
//!
//! Joining happens on headers alone: each trace collects the decode jobs of its records, and
//! [`Joiner::into_traces`] sizes one buffer per trace and decodes every record into its slice of it.

use std::collections::BTreeMap;
use std::path::Path;

use seispool_core::{ChannelId, HeaderValue, MseedInfo, SampleType, Samples, Stream, Time, Trace};

use super::DataEncoding;
use super::fill::{DecodeJob, decode_into_buffers};
use super::record::RecordHeader;
use super::v3read::Header3;
use crate::IoError;

/// One run of joined records. Times are in ns; MiniSEED 2 records bring µs values × 1000 (so the
/// comparisons are exactly ObsPy's µs ones), MiniSEED 3 records ns values (libmseed 3).
struct Segment<'a> {
    start_ns: i64,
    end_ns: i64,
    rate: f64,
    /// Sample period and join tolerance (half of it), truncated to µs for v2 and to ns for v3.
    hpdelta: i64,
    tol: i64,
    /// The type of the decoded samples; `None` when the records are not decoded.
    sample_type: Option<SampleType>,
    samplecnt: usize,
    /// The records to decode, in sample order (empty when `sample_type` is `None`).
    jobs: Vec<DecodeJob<'a>>,
    info: MseedInfo,
    headers: BTreeMap<String, HeaderValue>,
}

struct IdSegments<'a> {
    key: (ChannelId, char),
    segments: Vec<Segment<'a>>,
}

/// Joins records into traces (see the module doc).
#[derive(Default)]
pub(crate) struct Joiner<'a> {
    ids: Vec<IdSegments<'a>>,
}

/// libmseed's MS_ISRATETOLERABLE.
fn rate_tolerable(a: f64, b: f64) -> bool {
    (1.0 - a / b).abs() < 0.0001
}

/// The sample period in µs, truncated (libmseed's `hpdelta` of a MiniSEED 2 record).
fn hpdelta_us(rate: f64) -> i64 {
    if rate != 0.0 { (1e6 / rate) as i64 } else { 0 }
}

/// The MiniSEED stats of a trace starting with a MiniSEED 2 record of header `h`.
fn info_v2(h: &RecordHeader) -> MseedInfo {
    MseedInfo {
        encoding: h.encoding_code,
        record_length: h.record_length as u32,
        big_endian: h.data_big_endian,
        dataquality: h.dataquality,
        number_of_records: 1,
        version: 2,
    }
}

/// A record's times and samples as the joiner sees them.
struct Times {
    start_ns: i64,
    end_ns: i64,
    rate: f64,
    hpdelta: i64,
    tol: i64,
    nsamples: usize,
}

/// The times of a MiniSEED 2 record of header `h` starting at `start_us` with `nsamples` samples.
fn times_v2(h: &RecordHeader, start_us: i64, nsamples: usize) -> Times {
    let hpdelta_us = hpdelta_us(h.sample_rate);
    Times {
        start_ns: start_us.saturating_mul(1000),
        end_ns: h.end_us_of(start_us, nsamples).saturating_mul(1000),
        rate: h.sample_rate,
        hpdelta: hpdelta_us.saturating_mul(1000),
        tol: ((0.5 * hpdelta_us as f64) as i64).saturating_mul(1000),
        nsamples,
    }
}

impl<'a> Joiner<'a> {
    /// Adds a MiniSEED 2 record; `job` decodes its samples (`None`: headers only or no samples). Returns the
    /// record's id when the joiner did not keep it (a spare for the next header's strings).
    pub fn push_v2(&mut self, h: RecordHeader, job: Option<DecodeJob<'a>>) -> Option<ChannelId> {
        let info = info_v2(&h);
        let times = times_v2(&h, h.start_us, h.nsamples);
        self.push((h.id, h.dataquality), times, job, info, BTreeMap::new())
    }

    /// Adds a MiniSEED 3 record; `job` decodes its samples (`None`: headers only or no samples).
    pub fn push_v3(&mut self, h: Header3, job: Option<DecodeJob<'a>>) {
        let hpdelta = if h.rate != 0.0 { (1e9 / h.rate) as i64 } else { 0 };
        let times = Times {
            start_ns: h.start_ns,
            end_ns: h.end_ns,
            rate: h.rate,
            hpdelta,
            tol: (0.5 * hpdelta as f64) as i64,
            nsamples: h.nsamples,
        };
        let _spare = self.push((h.id, h.quality), times, job, h.info, h.headers);
    }

    fn push(
        &mut self,
        key: (ChannelId, char),
        times: Times,
        job: Option<DecodeJob<'a>>,
        info: MseedInfo,
        headers: BTreeMap<String, HeaderValue>,
    ) -> Option<ChannelId> {
        let (idx, spare) = match self.ids.iter().rposition(|i| i.key == key) {
            Some(i) => (i, Some(key.0)),
            None => {
                self.ids.push(IdSegments {
                    key,
                    segments: Vec::new(),
                });
                (self.ids.len() - 1, None)
            }
        };
        self.push_at(idx, times, job, || (info, headers));
        spare
    }

    /// The index of the traces of `id` and `quality` (what [`Joiner::push_v2_at`] takes), once a record of
    /// theirs was pushed.
    pub fn index_of(&self, id: &ChannelId, quality: char) -> Option<usize> {
        self.ids.iter().rposition(|i| i.key.0 == *id && i.key.1 == quality)
    }

    /// Adds the id and quality of `h` (not pushed yet: [`Joiner::index_of`] is `None`), without traces;
    /// returns their index.
    pub fn push_id(&mut self, h: &RecordHeader) -> usize {
        self.ids.push(IdSegments {
            key: (h.id.clone(), h.dataquality),
            segments: Vec::new(),
        });
        self.ids.len() - 1
    }

    /// [`Joiner::push_v2`] without a decode job for a record whose header is `h`'s except for its start
    /// time and sample count, where `idx` is [`Joiner::index_of`] `h`'s id and quality: the same result
    /// without moving the header or comparing ids.
    pub fn push_v2_at(&mut self, idx: usize, h: &RecordHeader, start_us: i64, nsamples: usize) {
        self.push_at(idx, times_v2(h, start_us, nsamples), None, || {
            (info_v2(h), BTreeMap::new())
        });
    }

    /// Joins a record to the last trace of `self.ids[idx]` or starts a new trace with it (`meta` gives the
    /// new trace's MiniSEED stats and extra headers).
    fn push_at(
        &mut self,
        idx: usize,
        span: Times,
        job: Option<DecodeJob<'a>>,
        meta: impl FnOnce() -> (MseedInfo, BTreeMap<String, HeaderValue>),
    ) {
        let sample_type = job.as_ref().map(|j| j.encoding.sample_type());
        let Some(id) = self.ids.get_mut(idx) else {
            return;
        };
        let segs = &mut id.segments;
        if let Some(seg) = segs.last_mut() {
            let (tol, ntol) = (i128::from(seg.tol), if seg.tol != 0 { -i128::from(seg.tol) } else { 0 });
            // i128: arbitrary header times must not overflow.
            let gap = i128::from(span.start_ns) - i128::from(seg.end_ns) - i128::from(seg.hpdelta);
            if span.nsamples > 0
                && seg.samplecnt > 0
                && seg.sample_type == sample_type
                && rate_tolerable(seg.rate, span.rate)
                && gap <= tol
                && gap >= ntol
            {
                seg.samplecnt += span.nsamples;
                seg.end_ns = span.end_ns;
                seg.info.number_of_records += 1;
                seg.jobs.extend(job);
                return;
            }
        }
        let (info, headers) = meta();
        segs.push(Segment {
            start_ns: span.start_ns,
            end_ns: span.end_ns,
            rate: span.rate,
            hpdelta: span.hpdelta,
            tol: span.tol,
            sample_type,
            samplecnt: span.nsamples,
            jobs: job.into_iter().collect(),
            info,
            headers,
        });
    }

    /// The traces: one buffer per trace, every record decoded into its part of it (in parallel on the current
    /// rayon pool when `parallel` and the work is large enough). Returns the decoders' warnings in record
    /// order, or the error of the first record (in file order) that fails to decode.
    pub fn into_traces(self, label: &Path, headonly: bool, parallel: bool) -> Result<(Stream, Vec<String>), IoError> {
        let mut segments: Vec<(ChannelId, Segment<'a>)> = Vec::new();
        for id in self.ids {
            for seg in id.segments {
                segments.push((id.key.0.clone(), seg));
            }
        }
        let mut buffers: Vec<Option<Samples>> = segments
            .iter()
            .map(|(_, s)| s.sample_type.map(Samples::empty))
            .collect();
        if !headonly {
            reserve_for_merge(&segments, &mut buffers);
        }
        let jobs = segments.iter_mut().map(|(_, s)| std::mem::take(&mut s.jobs));
        let warnings = decode_into_buffers(label, jobs.zip(buffers.iter_mut()).collect(), parallel)?;
        let mut traces = Vec::with_capacity(segments.len());
        for ((id, seg), data) in segments.into_iter().zip(buffers) {
            let encoding_type =
                DataEncoding::from_code(seg.info.encoding).map_or(SampleType::I32, DataEncoding::sample_type);
            let data = data.unwrap_or_else(|| Samples::empty(encoding_type));
            let mut tr = Trace::new(id, Time(seg.start_ns), seg.rate, data);
            if headonly {
                tr.stats.npts = seg.samplecnt;
            }
            tr.stats.mseed = Some(seg.info);
            tr.stats.headers = seg.headers;
            traces.push(tr);
        }
        Ok((Stream::new(traces), warnings))
    }
}

/// An id's integer pieces (a day with a gap, or an overlap) are usually merged next, and the merge
/// extends the earliest piece's buffer in place when it has room for the merged trace. So that piece's
/// buffer is reserved with room for the whole span of the id's pieces (this thread's spare when one
/// is big enough), bounded by 9/8 of the pieces' samples: a gap of years allocates nothing here.
/// Without it, the earliest piece (often the short one) took the smallest spare, and the merge
/// faulted in a fresh buffer for the whole day and copied both pieces into it.
fn reserve_for_merge(segments: &[(ChannelId, Segment<'_>)], buffers: &mut [Option<Samples>]) {
    let mut i = 0;
    while i < segments.len() {
        let id = &segments[i].0;
        let j = i + segments[i..].iter().take_while(|(other, _)| other == id).count();
        let group = &segments[i..j];
        if group.len() > 1 && group.iter().all(|(_, s)| s.sample_type == Some(SampleType::I32)) {
            let total = group.iter().fold(0usize, |t, (_, s)| t.saturating_add(s.samplecnt));
            let start = group.iter().map(|(_, s)| s.start_ns).min().unwrap_or(0);
            let end = group.iter().map(|(_, s)| s.end_ns).max().unwrap_or(0);
            if let Some(first) = group.iter().position(|(_, s)| s.start_ns == start) {
                let span = (end.saturating_sub(start) as f64 * 1e-9 * group[first].1.rate).round();
                let span = if span.is_finite() && span >= 0.0 {
                    span as usize
                } else {
                    0
                };
                let room = span
                    .saturating_add(1)
                    .min(total.saturating_add(total / 8))
                    .max(group[first].1.samplecnt)
                    .saturating_add(16);
                buffers[i + first] = Some(Samples::I32(seispool_core::take_spare_i32(room)));
            }
        }
        i = j.max(i + 1);
    }
}
