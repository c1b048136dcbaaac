//! Reading MiniSEED files: [`read_file`], [`read_bytes`] and [`read_from`] read MiniSEED 2 records,
//! MiniSEED 3 records or a mix of both into traces, exactly as ObsPy 1.5.1 (`obspy.read`, its
//! `readMSEEDBuffer` over libmseed 2.19) does for MiniSEED 2, and libmseed 3 for MiniSEED 3.
//!
//! A read takes three steps, each in its own module:
//! * ObsPy's checks on the first record (`first_record.rs`), which refuse some files before any record
//!   is read;
//! * one pass over the record headers (`records.rs` frames the records, [`Window`] selects them,
//!   `join.rs` joins them into traces and sizes each trace's buffer);
//! * decoding every selected record into its slice of its trace's buffer (`fill.rs`), in parallel on
//!   the caller's rayon pool for large files when asked to.
//!
//! The file is read into memory once (one file, never a whole archive); records are borrowed from it.

use std::io::Read;
use std::path::Path;

use seispool_core::{ChannelId, Stream, Time, glob_match};

use super::DataEncoding;
use super::fill::{DecodeJob, may_hold};
use super::first_record::first_record_check;
use super::headonly::read_headers;
use super::join::Joiner;
use super::record::{MIN_RECLEN, RecordHeader, is_mseed2 as sniff};
use super::records::{Record, RecordReader};
use super::v3read::{Header3, Record3, is_mseed3};
pub use crate::ReadOptions;
use crate::{FormatError, IoError};

/// The traces of one file plus what happened while reading it.
#[derive(Debug, Clone, Default)]
pub struct MseedFile {
    /// Traces, per id in order of first appearance.
    pub stream: Stream,
    /// Non-fatal findings (ObsPy's warnings), each `file: record N at byte B: what`.
    pub warnings: Vec<String>,
    /// Data records read (selected).
    pub records: usize,
    /// Records skipped: outside the time window or selection, plus blank/noise blocks.
    pub skipped: usize,
}

/// Cheap format sniff on the first bytes of a file (48 or more): a valid MiniSEED 2 fixed header,
/// possibly after blank/noise records.
pub fn is_mseed2(prefix: &[u8]) -> bool {
    sniff(prefix)
}

/// Reads a MiniSEED 2 and/or 3 file (`opts.format` is ignored). Header-only reads of plain files skip the
/// record payloads (`headonly.rs`); the result is the same as reading every byte.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<MseedFile, IoError> {
    read_path(path, opts, false)
}

/// [`read_file`], decoding the records of a large file in parallel on the rayon pool this runs on (no
/// effect outside a pool). Not for a pool whose workers each hold a unit of work (the process runner):
/// a worker waiting for its records may pick up another unit.
pub fn read_file_in_pool(path: &Path, opts: &ReadOptions) -> Result<MseedFile, IoError> {
    read_path(path, opts, true)
}

/// [`read_file`] and [`read_file_in_pool`]: header-only reads skip the payloads; otherwise the file's
/// bytes go into this thread's spare buffer (a worker reads one day file after another; a fresh 10 MB
/// for every day file was ~2.5 k page faults a unit).
fn read_path(path: &Path, opts: &ReadOptions, parallel: bool) -> Result<MseedFile, IoError> {
    if opts.headonly
        && let Some(f) = read_headers(path, opts, parallel)
    {
        return Ok(f);
    }
    // The first record's checks run on the file's first bytes before the rest is read.
    let bytes = seispool_core::read_file_reusing(
        path,
        super::record::MAX_RECLEN,
        |prefix| first_record(path, prefix).map(|_| ()),
        |e| IoError::os(path, e),
    )?;
    let result = read_records(path, &bytes, opts, parallel);
    seispool_core::recycle_bytes(bytes);
    result
}

/// Reads MiniSEED 2/3 records from any reader (read to its end first; `size` is not needed).
pub fn read_from<R: Read>(
    mut src: R,
    label: &Path,
    _size: Option<u64>,
    opts: &ReadOptions,
) -> Result<MseedFile, IoError> {
    let mut bytes = Vec::new();
    src.read_to_end(&mut bytes).map_err(|e| IoError::os(label, e))?;
    read_bytes(label, &bytes, opts)
}

/// Reads MiniSEED 2/3 records held in memory; `label` names them in errors.
pub fn read_bytes(label: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<MseedFile, IoError> {
    read_records(label, bytes, opts, false)
}

/// [`read_bytes`], decoding in parallel as [`read_file_in_pool`] does.
pub fn read_bytes_in_pool(label: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<MseedFile, IoError> {
    read_records(label, bytes, opts, true)
}

/// ObsPy's checks of a file's first record, on the file's first [`super::record::MAX_RECLEN`] bytes
/// (all of it when shorter): for a MiniSEED 2 start, the length of the SEED control headers before the
/// first data record; `None` for a MiniSEED 3 start (its records may be shorter than 128 bytes and
/// have none of these checks).
fn first_record(label: &Path, prefix: &[u8]) -> Result<Option<usize>, IoError> {
    if is_mseed3(&prefix[..prefix.len().min(15)]) {
        return Ok(None);
    }
    if prefix.len() < MIN_RECLEN {
        return Err(IoError::Format(FormatError::new(
            label,
            None,
            0,
            format!(
                "the smallest possible record is 128 bytes; the file has {}",
                prefix.len()
            ),
        )));
    }
    first_record_check(prefix)
        .map(Some)
        .map_err(|w| IoError::Format(FormatError::new(label, Some(0), 0, w)))
}

fn read_records(label: &Path, bytes: &[u8], opts: &ReadOptions, parallel: bool) -> Result<MseedFile, IoError> {
    let mut reader = RecordReader::new(bytes, label);
    if let Some(control_len) = first_record(label, &bytes[..bytes.len().min(super::record::MAX_RECLEN)])? {
        reader.skip_control_headers(control_len)?;
    }
    let window = Window::new(opts);
    let mut joiner = Joiner::default();
    let mut out = MseedFile::default();
    // A record that cannot be read or decoded ends the header pass; records before it are still decoded
    // first, so that the error reported is that of the first failing record, as when decoding in turn.
    let pending = scan(label, &mut reader, &window, opts, &mut joiner, &mut out).err();
    let decoded = joiner.into_traces(label, opts.headonly, parallel);
    let (stream, decode_warnings) = match (decoded, pending) {
        (Err(e), _) | (Ok(_), Some(e)) => return Err(e),
        (Ok(d), None) => d,
    };
    out.warnings = reader.warnings;
    out.warnings.extend(decode_warnings);
    out.skipped += reader.blanks;
    out.stream = stream;
    // obspy.read raises when nothing was read, unless a time window was asked for. We also accept
    // an empty result when a channel selection excluded everything.
    if out.stream.is_empty() && opts.starttime.is_none() && opts.endtime.is_none() && opts.select.is_none() {
        let mut what = String::from("no data records could be read");
        if let Some(w) = out.warnings.first() {
            what = format!("{what} ({w})");
        }
        return Err(IoError::Format(FormatError::new(label, None, 0, what)));
    }
    Ok(out)
}

/// The header pass: selects records and hands them to the joiner with their decode jobs.
fn scan<'a>(
    label: &Path,
    reader: &mut RecordReader<'a>,
    window: &Window,
    opts: &ReadOptions,
    joiner: &mut Joiner<'a>,
    out: &mut MseedFile,
) -> Result<(), IoError> {
    let decode = !opts.headonly;
    while !reader.is_done() {
        let (offset, index) = (reader.offset(), reader.index());
        let at = |w: String| IoError::Format(FormatError::new(label, Some(index), offset, w));
        if reader.at_v3() {
            let rec = reader.next_v3()?;
            let header = rec.header().map_err(at)?;
            if !window.keeps_v3(&header) {
                out.skipped += 1;
                continue;
            }
            out.records += 1;
            let job = if decode && rec.nsamples > 0 {
                Some(v3_job(&rec, index, offset).map_err(at)?)
            } else {
                None
            };
            joiner.push_v3(header, job);
            continue;
        }
        let Some(rec) = reader.next_v2()? else { break };
        if !window.keeps_v2(&rec.header) {
            out.skipped += 1;
            continue;
        }
        out.records += 1;
        let job = if decode && rec.header.has_decodable_data() {
            let at = |w: String| IoError::Format(FormatError::new(label, Some(rec.index), rec.offset, w));
            Some(v2_job(&rec).map_err(at)?)
        } else {
            None
        };
        joiner.push_v2(rec.header, job);
    }
    Ok(())
}

/// The decode job of a MiniSEED 2 record with samples, or the error decoding it would give.
fn v2_job<'a>(rec: &Record<'a>) -> Result<DecodeJob<'a>, String> {
    let h = &rec.header;
    let payload = rec.bytes.get(h.data_offset..h.record_length).unwrap_or_default();
    match h.encoding() {
        Some(encoding) if may_hold(encoding, payload.len(), h.nsamples) => Ok(DecodeJob {
            payload,
            encoding,
            nsamples: h.nsamples,
            big_endian: h.data_big_endian,
            index: rec.index,
            offset: rec.offset,
        }),
        // Certain to fail: the decoder says why (before allocating anything for it).
        _ => Err(rec
            .decode()
            .err()
            .unwrap_or_else(|| "samples do not fit the data area".into())),
    }
}

/// The decode job of a MiniSEED 3 record with samples, or the error decoding it would give.
fn v3_job<'a>(rec: &Record3<'a>, index: usize, offset: u64) -> Result<DecodeJob<'a>, String> {
    match DataEncoding::from_code(rec.encoding) {
        Some(encoding) if may_hold(encoding, rec.payload.len(), rec.nsamples) => Ok(DecodeJob {
            payload: rec.payload,
            encoding,
            nsamples: rec.nsamples,
            big_endian: rec.big_endian_data(),
            index,
            offset,
        }),
        _ => Err(rec
            .decode()
            .err()
            .unwrap_or_else(|| "samples do not fit the data area".into())),
    }
}

/// The time window and channel selection of [`ReadOptions`], as libmseed's `ms_matchselect`.
pub(super) struct Window {
    start_us: Option<i64>,
    end_us: Option<i64>,
    start_ns: Option<i64>,
    end_ns: Option<i64>,
    select: Option<String>,
}

/// ns to µs rounding halves up (ObsPy's `_convert_datetime_to_mstime`).
fn ns_to_us(t: Time) -> i64 {
    t.0.div_euclid(1000) + i64::from(t.0.rem_euclid(1000) >= 500)
}

impl Window {
    pub(super) fn new(opts: &ReadOptions) -> Window {
        Window {
            start_us: opts.starttime.map(ns_to_us),
            end_us: opts.endtime.map(ns_to_us),
            start_ns: opts.starttime.map(|t| t.0),
            end_ns: opts.endtime.map(|t| t.0),
            select: opts.select.clone(),
        }
    }

    /// The selection for a MiniSEED 2 record, in µs (the window rounded as ObsPy does).
    pub(super) fn keeps_v2(&self, h: &RecordHeader) -> bool {
        self.selects(&h.id) && self.keeps_v2_span(h.start_us, h.end_us())
    }

    /// Whether the channel selection takes records of `id`.
    pub(super) fn selects(&self, id: &ChannelId) -> bool {
        self.select.as_ref().is_none_or(|p| glob_match(p, &id.to_string()))
    }

    /// The time window's part of [`Window::keeps_v2`] for a record from `s` to `e` (µs).
    pub(super) fn keeps_v2_span(&self, s: i64, e: i64) -> bool {
        let after_start = self.start_us.is_none_or(|ws| s >= ws || e >= ws);
        let before_end = self.end_us.is_none_or(|we| e <= we || s <= we);
        after_start && before_end
    }

    /// The selection for a MiniSEED 3 record, in nanoseconds (no µs rounding of the window).
    pub(super) fn keeps_v3(&self, h: &Header3) -> bool {
        if self.select.as_ref().is_some_and(|p| !glob_match(p, &h.id.to_string())) {
            return false;
        }
        let (s, e) = (h.start_ns, h.end_ns);
        let before = |w: Option<i64>| w.map(|ns| s < ns && e < ns).unwrap_or(false);
        let after = |w: Option<i64>| w.map(|ns| e > ns && s > ns).unwrap_or(false);
        !before(self.start_ns) && !after(self.end_ns)
    }
}
