//! MiniSEED 3 writer (layout in `v3read.rs`). Each trace becomes a run of variable-length records of at
//! most `record_length` bytes: header, source id, extra headers, then as many samples as fit. Integer,
//! float and text payloads are little-endian; Steim frames big-endian, as the specification requires.
//!
//! * Record `k` starts at `start + trunc(n_k / rate * 1e9 + 0.5)` ns where `n_k` samples precede it
//!   (libmseed's `ms_sampletime`).
//! * The rate field holds the rate in Hz, or for rates below 1 Hz the negated period (as libmseed
//!   writes it) when the period gives back exactly the same rate; otherwise the rate in Hz.
//! * The source id is `id_to_sid(trace id)`; extra headers come from the options, else from the trace's
//!   `mseed3_extra` header; flags from its `mseed3_flags` header.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use seispool_core::{HeaderValue, Samples, Stream, Time, Trace};

use super::DataEncoding;
use super::sid::id_to_sid;
use super::steim_encode::{STEIM_FRAME_BYTES, encode_steim1, encode_steim2};
use super::v3read::{CRC_AT, EXTRA_HEADERS_KEY, FIXED_HEADER3, FLAGS_KEY, record_crc};
use super::writer::{check_samples, choose_encoding, type_name};
use crate::IoError;

/// How to write MiniSEED 3 records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions3 {
    /// Data encoding; `None` keeps each trace's `stats.mseed` encoding when it fits, else the default for
    /// the sample type (STEIM2 for i32, FLOAT32, FLOAT64, text).
    pub encoding: Option<DataEncoding>,
    /// Largest record length in bytes (records are as long as their content, the last one shorter).
    pub record_length: usize,
    /// Publication version written in every record.
    pub publication_version: u8,
    /// Extra headers (a JSON object) for every record; `None` keeps each trace's `mseed3_extra` header.
    pub extra_headers: Option<String>,
}

impl Default for WriteOptions3 {
    fn default() -> Self {
        WriteOptions3 {
            encoding: None,
            record_length: 4096,
            publication_version: 1,
            extra_headers: None,
        }
    }
}

/// Largest record length accepted (1 MiB).
pub const MAX_RECORD_LENGTH3: usize = 1 << 20;

/// Writes `stream` to `path` as MiniSEED 3 (created or truncated; nothing is created when a trace
/// cannot be written). Empty traces are skipped.
pub fn write_file3(path: &Path, stream: &Stream, opts: &WriteOptions3) -> Result<(), IoError> {
    let plans = plan_stream(path, stream, opts)?;
    let file = File::create(path).map_err(|e| IoError::os(path, e))?;
    let mut out = BufWriter::new(file);
    write_plans(&mut out, path, &plans, opts)?;
    out.flush().map_err(|e| IoError::os(path, e))
}

/// Writes `stream` as MiniSEED 3 records to `out`; `label` names the destination in errors. Every
/// trace is checked before the first byte is written.
pub fn write_to3<W: Write>(out: &mut W, label: &Path, stream: &Stream, opts: &WriteOptions3) -> Result<(), IoError> {
    let plans = plan_stream(label, stream, opts)?;
    write_plans(out, label, &plans, opts)
}

/// Everything decided about one trace before writing it.
struct Plan<'a> {
    trace: &'a Trace,
    encoding: DataEncoding,
    flags: u8,
    samprate_field: f64,
    /// Source id then extra headers: the variable header part of every record.
    variable: Vec<u8>,
    sid_len: u8,
    extra_len: u16,
    /// Room for the data payload in each record.
    payload_room: usize,
}

fn unsupported(path: &Path, what: String) -> IoError {
    IoError::Unsupported {
        path: path.to_path_buf(),
        what,
    }
}

fn plan_stream<'a>(path: &Path, stream: &'a Stream, opts: &WriteOptions3) -> Result<Vec<Plan<'a>>, IoError> {
    if opts.record_length > MAX_RECORD_LENGTH3 {
        return Err(unsupported(
            path,
            format!(
                "record length {} is not allowed: expected at most {MAX_RECORD_LENGTH3}",
                opts.record_length
            ),
        ));
    }
    let mut plans = Vec::new();
    for trace in &stream.traces {
        let plan =
            plan_trace(trace, opts).map_err(|what| unsupported(path, format!("trace {}: {what}", trace.stats.id)))?;
        if !trace.data.is_empty() {
            plans.push(plan);
        }
    }
    Ok(plans)
}

fn plan_trace<'a>(trace: &'a Trace, opts: &WriteOptions3) -> Result<Plan<'a>, String> {
    let rate = trace.stats.sampling_rate;
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(format!("sampling rate {rate} is not a finite number >= 0"));
    }
    let encoding = choose_encoding(trace, opts.encoding)?;
    check_samples(&trace.data, encoding)?;
    let sid = id_to_sid(&trace.stats.id);
    let sid_len = u8::try_from(sid.len()).map_err(|_| {
        format!(
            "source id '{sid}' is {} bytes long; miniseed 3 holds 255 at most",
            sid.len()
        )
    })?;
    let extra = match (&opts.extra_headers, trace.stats.headers.get(EXTRA_HEADERS_KEY)) {
        (Some(e), _) => e.clone(),
        (None, Some(HeaderValue::Text(e))) => e.clone(),
        (None, Some(other)) => return Err(format!("header {EXTRA_HEADERS_KEY} is {other:?}, expected json text")),
        (None, None) => String::new(),
    };
    check_extra(&extra)?;
    let extra_len = u16::try_from(extra.len()).map_err(|_| {
        format!(
            "extra headers are {} bytes long; miniseed 3 holds 65535 at most",
            extra.len()
        )
    })?;
    let flags = match trace.stats.headers.get(FLAGS_KEY) {
        None => 0,
        Some(HeaderValue::Int(f)) => {
            u8::try_from(*f).map_err(|_| format!("header {FLAGS_KEY} is {f}, expected 0..=255"))?
        }
        Some(other) => return Err(format!("header {FLAGS_KEY} is {other:?}, expected an integer")),
    };
    let mut variable = sid.into_bytes();
    variable.extend_from_slice(extra.as_bytes());
    let header_len = FIXED_HEADER3 + variable.len();
    let payload_room = opts.record_length.saturating_sub(header_len);
    let unit = if is_steim(encoding) {
        STEIM_FRAME_BYTES
    } else {
        sample_size(encoding)
    };
    if payload_room < unit {
        return Err(format!(
            "record length {} leaves no room for {encoding} data after a {header_len}-byte header",
            opts.record_length
        ));
    }
    // The first sample and the last record's start must be representable in a record header.
    let last = record_start(trace.stats.starttime, trace.data.len().saturating_sub(1), rate);
    for t in [trace.stats.starttime, last] {
        header_time(t)?;
    }
    Ok(Plan {
        trace,
        encoding,
        flags,
        samprate_field: samprate_field(rate),
        variable,
        sid_len,
        extra_len,
        payload_room,
    })
}

/// Extra headers must be empty or a JSON object (the specification's requirement).
fn check_extra(extra: &str) -> Result<(), String> {
    if extra.is_empty() {
        return Ok(());
    }
    match serde_json::from_str::<serde_json::Value>(extra) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err("extra headers must be a json object".into()),
        Err(e) => Err(format!("extra headers are not valid json: {e}")),
    }
}

/// The rate field: the negated period below 1 Hz when it converts back to exactly `rate`.
fn samprate_field(rate: f64) -> f64 {
    if rate > 0.0 && rate < 1.0 {
        let period = 1.0 / rate;
        if 1.0 / period == rate {
            return -period;
        }
    }
    rate
}

/// Time of sample `n` (libmseed's `ms_sampletime`).
fn record_start(start: Time, n: usize, rate: f64) -> Time {
    if n == 0 || rate <= 0.0 {
        return start;
    }
    Time(start.0.saturating_add((n as f64 / rate * 1e9 + 0.5) as i64))
}

/// Header bytes 4..15: nanosecond, year, day of year, hour, minute, second.
fn header_time(t: Time) -> Result<[u8; 11], String> {
    let c = t.civil();
    let year = u16::try_from(c.year).map_err(|_| format!("year {} does not fit a miniseed 3 header", c.year))?;
    let mut b = [0u8; 11];
    b[..4].copy_from_slice(&c.nanosecond.to_le_bytes());
    b[4..6].copy_from_slice(&year.to_le_bytes());
    b[6..8].copy_from_slice(&(c.doy as u16).to_le_bytes());
    b[8] = c.hour as u8;
    b[9] = c.minute as u8;
    b[10] = c.second as u8;
    Ok(b)
}

fn is_steim(e: DataEncoding) -> bool {
    matches!(e, DataEncoding::Steim1 | DataEncoding::Steim2)
}

fn sample_size(e: DataEncoding) -> usize {
    match e {
        DataEncoding::Int16 => 2,
        DataEncoding::Int32 | DataEncoding::Float32 => 4,
        DataEncoding::Float64 => 8,
        _ => 1,
    }
}

fn write_plans<W: Write>(out: &mut W, path: &Path, plans: &[Plan<'_>], opts: &WriteOptions3) -> Result<(), IoError> {
    let mut record = Vec::with_capacity(opts.record_length);
    for plan in plans {
        let fail = |what: String| unsupported(path, format!("trace {}: {what}", plan.trace.stats.id));
        let n = plan.trace.data.len();
        let mut done = 0usize;
        while done < n {
            record.clear();
            record.resize(FIXED_HEADER3, 0);
            record.extend_from_slice(&plan.variable);
            let packed =
                pack_payload(&plan.trace.data, plan.encoding, done, plan.payload_room, &mut record).map_err(fail)?;
            let start = record_start(plan.trace.stats.starttime, done, plan.trace.stats.sampling_rate);
            fill_header(&mut record, plan, opts, start, packed).map_err(fail)?;
            out.write_all(&record).map_err(|e| IoError::os(path, e))?;
            done += packed;
        }
    }
    Ok(())
}

fn fill_header(
    record: &mut [u8],
    plan: &Plan<'_>,
    opts: &WriteOptions3,
    start: Time,
    nsamples: usize,
) -> Result<(), String> {
    let payload_len = record.len() - FIXED_HEADER3 - plan.variable.len();
    let h = &mut record[..FIXED_HEADER3];
    h[..3].copy_from_slice(b"MS\x03");
    h[3] = plan.flags;
    h[4..15].copy_from_slice(&header_time(start)?);
    h[15] = plan.encoding.code();
    h[16..24].copy_from_slice(&plan.samprate_field.to_le_bytes());
    let n = u32::try_from(nsamples).map_err(|_| format!("{nsamples} samples do not fit one record"))?;
    h[24..28].copy_from_slice(&n.to_le_bytes());
    h[28..32].fill(0);
    h[32] = opts.publication_version;
    h[33] = plan.sid_len;
    h[34..36].copy_from_slice(&plan.extra_len.to_le_bytes());
    let len = u32::try_from(payload_len).map_err(|_| format!("{payload_len}-byte payload does not fit a record"))?;
    h[36..40].copy_from_slice(&len.to_le_bytes());
    let crc = record_crc(record);
    record[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Appends the payload for samples from `start` (at most `room` bytes) to `out`; returns how many fit.
fn pack_payload(
    data: &Samples,
    encoding: DataEncoding,
    start: usize,
    room: usize,
    out: &mut Vec<u8>,
) -> Result<usize, String> {
    let count = |len: usize, size: usize| (len - start).min(room / size);
    let n = match (encoding, data) {
        (DataEncoding::Steim1 | DataEncoding::Steim2, Samples::I32(v)) => {
            let rest = &v[start..];
            let diff0 = if start == 0 {
                0
            } else {
                v[start].wrapping_sub(v[start - 1])
            };
            let frames = room / STEIM_FRAME_BYTES;
            let packed = if encoding == DataEncoding::Steim1 {
                encode_steim1(rest, diff0, frames, true, out)
            } else {
                encode_steim2(rest, diff0, frames, true, out).map_err(|o| {
                    format!(
                        "sample {}: steim2 cannot encode difference {}",
                        start + o.index,
                        o.difference
                    )
                })?
            };
            packed.samples
        }
        (DataEncoding::Int16, Samples::I32(v)) => {
            let k = count(v.len(), 2);
            out.extend(v[start..start + k].iter().flat_map(|&x| (x as i16).to_le_bytes()));
            k
        }
        (DataEncoding::Int32, Samples::I32(v)) => {
            let k = count(v.len(), 4);
            out.extend(v[start..start + k].iter().flat_map(|x| x.to_le_bytes()));
            k
        }
        (DataEncoding::Float32, Samples::F32(v)) => {
            let k = count(v.len(), 4);
            out.extend(v[start..start + k].iter().flat_map(|x| x.to_le_bytes()));
            k
        }
        (DataEncoding::Float64, Samples::F64(v)) => {
            let k = count(v.len(), 8);
            out.extend(v[start..start + k].iter().flat_map(|x| x.to_le_bytes()));
            k
        }
        (DataEncoding::Ascii, Samples::Text(v)) => {
            let k = count(v.len(), 1);
            out.extend_from_slice(&v[start..start + k]);
            k
        }
        (e, d) => {
            return Err(format!(
                "{} samples cannot be written as {e}",
                type_name(d.sample_type())
            ));
        }
    };
    if n == 0 {
        return Err(format!("no sample fits a {room}-byte {encoding} payload"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_only_when_exact() {
        assert_eq!(samprate_field(0.1), -10.0);
        assert_eq!(samprate_field(0.25), -4.0);
        assert_eq!(samprate_field(100.0), 100.0);
        assert_eq!(samprate_field(0.0), 0.0);
        let r = samprate_field(0.07);
        assert_eq!(if r < 0.0 { -1.0 / r } else { r }, 0.07);
    }

    #[test]
    fn extra_headers_must_be_an_object() {
        assert!(check_extra("").is_ok());
        assert!(check_extra("{\"FDSN\":{\"Time\":{\"Quality\":100}}}").is_ok());
        assert!(check_extra("[1]").is_err());
        assert!(check_extra("{").is_err());
    }
}
