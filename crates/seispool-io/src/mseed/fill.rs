//! Decoding the records of a file straight into the buffers of its traces.
//!
//! The joiner sums each trace's samples from the headers; here its buffer is allocated once at that
//! size and each record's payload is decoded into its own part of it (no per-record allocation, no
//! copy when the buffer becomes a numpy array). One after the other, records are appended within the
//! reserved capacity, so the buffer is never zero-filled first. Every Steim record carries its own integration constants, so records decode independently:
//! above [`PARALLEL_MIN_SAMPLES`] samples they are spread over the rayon pool the call runs on (never
//! the global pool: outside a pool they decode on the calling thread), with identical results.

use std::mem::MaybeUninit;
use std::path::Path;

use rayon::prelude::*;
use seispool_core::{SampleType, Samples};

use super::DataEncoding;
use super::decode::{SteimCheck, decode_payload};
use super::steim_table::{SteimIntoError, decode_steim_append, decode_steim_into, decode_steim_into_uninit};
use crate::{FormatError, IoError};

/// Below this many samples in a file, records decode on the calling thread (a few milliseconds of
/// work at most; splitting it would cost more than it saves).
pub const PARALLEL_MIN_SAMPLES: usize = 1 << 20;

/// Records per parallel task (about 64 k samples of 4096-byte Steim-2 records).
const RECORDS_PER_TASK: usize = 64;

/// One record's samples to decode.
#[derive(Debug, Clone)]
pub(crate) struct DecodeJob<'a> {
    /// The record's data area.
    pub payload: &'a [u8],
    pub encoding: DataEncoding,
    pub nsamples: usize,
    pub big_endian: bool,
    /// Index and byte offset of the record in the file (for errors and warnings).
    pub index: usize,
    pub offset: u64,
}

/// Whether decoding `nsamples` samples of `encoding` from `payload_len` bytes can succeed at all: a
/// bound checked before the trace buffer is sized, so that a hostile header cannot make the reader
/// allocate more than a small multiple of the file's size.
pub(crate) fn may_hold(encoding: DataEncoding, payload_len: usize, nsamples: usize) -> bool {
    match encoding {
        DataEncoding::Steim1 | DataEncoding::Steim2 => nsamples <= payload_len / 64 * 15 * 7,
        _ => nsamples <= payload_len,
    }
}

/// A mutable slice of a trace buffer.
enum SamplesMut<'b> {
    /// Of an integer buffer's reserved capacity, for Steim records (see [`decode_parallel`]).
    Steim(&'b mut [MaybeUninit<i32>]),
    I32(&'b mut [i32]),
    F32(&'b mut [f32]),
    F64(&'b mut [f64]),
    Text(&'b mut [u8]),
}

/// Cuts `buf` into consecutive slices of `sizes`.
fn split<T>(mut buf: &mut [T], sizes: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut out = Vec::new();
    for n in sizes {
        let (head, tail) = std::mem::take(&mut buf).split_at_mut(n);
        out.push(head);
        buf = tail;
    }
    out
}

/// Decodes every job into its trace's buffer (each `work` item: a trace's jobs in sample order, and its
/// buffer, sized by the joiner). Warnings come back in record order; the error is that of the first
/// failing record in file order.
pub(crate) fn decode_into_buffers(
    label: &Path,
    work: Vec<(Vec<DecodeJob<'_>>, &mut Option<Samples>)>,
    parallel: bool,
) -> Result<Vec<String>, IoError> {
    let total: usize = work.iter().flat_map(|(jobs, _)| jobs.iter().map(|j| j.nsamples)).sum();
    let mut results = if parallel && total >= PARALLEL_MIN_SAMPLES && rayon::current_thread_index().is_some() {
        decode_parallel(work)
    } else {
        decode_serial(work)
    };
    results.sort_by_key(|r| r.0);
    let mut warnings = Vec::new();
    for (index, offset, r) in results {
        let at = |w: String| FormatError::new(label, Some(index), offset, w);
        match r {
            Ok(ws) => warnings.extend(ws.into_iter().map(|w| at(w).to_string())),
            Err(e) => return Err(IoError::Format(at(e))),
        }
    }
    Ok(warnings)
}

/// Each record's outcome: its index, offset and warnings or error.
type Outcome = (usize, u64, Result<Vec<String>, String>);

/// One record after the other, appended to buffers with reserved capacity (never zero-filled); stops at
/// the first error.
fn decode_serial(work: Vec<(Vec<DecodeJob<'_>>, &mut Option<Samples>)>) -> Vec<Outcome> {
    let mut done = Vec::new();
    for (jobs, buf) in work {
        let Some(buf) = buf.as_mut() else { continue };
        reserve(buf, jobs.iter().map(|j| j.nsamples).sum());
        for job in &jobs {
            let r = append_job(job, buf);
            let failed = r.is_err();
            done.push((job.index, job.offset, r));
            if failed {
                return done;
            }
        }
    }
    done
}

/// All records at once on the current pool, each into its slice of its trace's buffer. A trace of
/// Steim records decodes into this thread's spare integer buffer (no fresh pages, as in
/// [`decode_serial`]) without zero-filling it first: every record writes all of its part, and the
/// buffer's length is set once every record has; any other trace into a zero-filled buffer.
///
/// Inside a pool whose workers each run a unit of work (the runner's), the records are offered to
/// idle workers only: a busy worker never steals, and an idle one steals the oldest job first, so it
/// takes the units that are left before it takes records, and no worker ever nests a second unit.
fn decode_parallel(work: Vec<(Vec<DecodeJob<'_>>, &mut Option<Samples>)>) -> Vec<Outcome> {
    let mut steim: Vec<(Vec<DecodeJob<'_>>, &mut Vec<i32>, usize)> = Vec::new();
    let mut tasks: Vec<(DecodeJob<'_>, SamplesMut<'_>)> = Vec::new();
    for (jobs, buf) in work {
        let Some(buf) = buf.as_mut() else { continue };
        let total: usize = jobs.iter().map(|j| j.nsamples).sum();
        let sizes = jobs.iter().map(|j| j.nsamples);
        let steim_only = jobs
            .iter()
            .all(|j| matches!(j.encoding, DataEncoding::Steim1 | DataEncoding::Steim2));
        if steim_only && matches!(buf, Samples::I32(_)) {
            if let Samples::I32(v) = buf {
                v.clear();
                reserve_i32(v, total);
                steim.push((jobs, v, total));
            }
            continue;
        }
        *buf = zeroed(buf.sample_type(), total);
        let slices: Vec<SamplesMut<'_>> = match buf {
            Samples::I32(v) => split(v, sizes).into_iter().map(SamplesMut::I32).collect(),
            Samples::F32(v) => split(v, sizes).into_iter().map(SamplesMut::F32).collect(),
            Samples::F64(v) => split(v, sizes).into_iter().map(SamplesMut::F64).collect(),
            Samples::Text(v) => split(v, sizes).into_iter().map(SamplesMut::Text).collect(),
        };
        tasks.extend(jobs.into_iter().zip(slices));
    }
    let mut uninit: Vec<(DecodeJob<'_>, SamplesMut<'_>)> = Vec::new();
    for (jobs, v, total) in &mut steim {
        let parts = split(&mut v.spare_capacity_mut()[..*total], jobs.iter().map(|j| j.nsamples));
        uninit.extend(jobs.iter().cloned().zip(parts.into_iter().map(SamplesMut::Steim)));
    }
    tasks.append(&mut uninit);
    let done: Vec<Outcome> = tasks
        .par_iter_mut()
        .with_min_len(RECORDS_PER_TASK)
        .map(|(job, out)| (job.index, job.offset, decode_job(job, out)))
        .collect();
    drop(tasks);
    if done.iter().all(|d| d.2.is_ok()) {
        for (_, v, total) in steim {
            #[allow(unsafe_code)]
            // SAFETY: `total` is within the capacity reserved above, and every record's part of it
            // (the parts split `0..total`) was written in full: `decode_steim_into_uninit` returns
            // `Ok` only once it has written every value of its slice, and every record returned `Ok`.
            unsafe {
                v.set_len(total);
            }
        }
    }
    done
}

/// A buffer of `n` zero samples (calloc'd).
fn zeroed(t: SampleType, n: usize) -> Samples {
    match t {
        SampleType::I32 => Samples::I32(vec![0; n]),
        SampleType::F32 => Samples::F32(vec![0.0; n]),
        SampleType::F64 => Samples::F64(vec![0.0; n]),
        SampleType::Text => Samples::Text(vec![0; n]),
    }
}

fn reserve(buf: &mut Samples, n: usize) {
    match buf {
        Samples::I32(v) => reserve_i32(v, n),
        Samples::F32(v) => v.reserve_exact(n),
        Samples::F64(v) => v.reserve_exact(n),
        Samples::Text(v) => v.reserve_exact(n),
    }
}

/// Room for `n` more integers in `v`: an empty buffer starts from this thread's spare (no fresh pages
/// to fault in).
fn reserve_i32(v: &mut Vec<i32>, n: usize) {
    if v.capacity() == 0 {
        *v = seispool_core::take_spare_i32(n);
    } else {
        v.reserve_exact(n);
    }
}

/// A Steim decoder's result as a record's outcome: its integrity warning, or the error text.
fn steim_outcome(job: &DecodeJob<'_>, r: Result<SteimCheck, SteimIntoError>) -> Result<Vec<String>, String> {
    match r {
        Ok(check) => Ok(check.warning(job.encoding).into_iter().collect()),
        Err(SteimIntoError::Steim(e)) => Err(e.to_string()),
        Err(SteimIntoError::Short(n)) => Err(short(job, n)),
    }
}

fn short(job: &DecodeJob<'_>, n: usize) -> String {
    format!(
        "only {n} samples in the {} frames of the record, header says {}",
        job.encoding, job.nsamples
    )
}

/// Decodes one record onto the end of `buf`.
fn append_job(job: &DecodeJob<'_>, buf: &mut Samples) -> Result<Vec<String>, String> {
    let enc = job.encoding;
    if let (DataEncoding::Steim1 | DataEncoding::Steim2, Samples::I32(v)) = (enc, &mut *buf) {
        return steim_outcome(
            job,
            decode_steim_append(enc, job.payload, job.nsamples, job.big_endian, v),
        );
    }
    let (samples, warnings) = decode_payload(enc, job.payload, job.nsamples, job.big_endian)?;
    if !buf.extend_from(&samples) {
        return Err(format!("{enc} decoded {} samples of an unexpected type", samples.len()));
    }
    Ok(warnings)
}

/// Decodes one record into `out` (exactly `job.nsamples` long).
fn decode_job(job: &DecodeJob<'_>, out: &mut SamplesMut<'_>) -> Result<Vec<String>, String> {
    let enc = job.encoding;
    if let SamplesMut::Steim(dst) = out {
        return steim_outcome(job, decode_steim_into_uninit(enc, job.payload, job.big_endian, dst));
    }
    if let (DataEncoding::Steim1 | DataEncoding::Steim2, SamplesMut::I32(dst)) = (enc, &mut *out) {
        return steim_outcome(job, decode_steim_into(enc, job.payload, job.big_endian, dst));
    }
    let (samples, warnings) = decode_payload(enc, job.payload, job.nsamples, job.big_endian)?;
    match (out, &samples) {
        (SamplesMut::I32(d), Samples::I32(s)) if d.len() == s.len() => d.copy_from_slice(s),
        (SamplesMut::F32(d), Samples::F32(s)) if d.len() == s.len() => d.copy_from_slice(s),
        (SamplesMut::F64(d), Samples::F64(s)) if d.len() == s.len() => d.copy_from_slice(s),
        (SamplesMut::Text(d), Samples::Text(s)) if d.len() == s.len() => d.copy_from_slice(s),
        _ => return Err(format!("{enc} decoded {} samples of an unexpected type", samples.len())),
    }
    Ok(warnings)
}
