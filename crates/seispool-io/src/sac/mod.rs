//! Binary SAC files (header version 6, evenly spaced time series), read and written as ObsPy 1.5 does.
//!
//! The header layout is in [`header`]. Reading mirrors `obspy.read(format="SAC")`: byte order from
//! `nvhdr`, file size must be `632 + 4·npts`, id from `knetwk.kstnm.khole.kcmpnm`, start time
//! `reference time + b`, rate `1 / round(delta, 6)`, every non-null header kept in `Stats::headers`
//! under ObsPy's `stats.sac` names (with `dist`/`az`/`baz`/`gcarc` filled in when `lcalda` asks for
//! them, as ObsPy's reader does). Writing mirrors `Trace.write(format="SAC")` with
//! `keep_sac_header=True`, byte for byte.
//!
//! Where seispool refuses what ObsPy accepts: `nvhdr` not in 1..=19 in either byte order (ObsPy then
//! assumes big-endian), `iftype` other than ITIME or `leven` 0 (ObsPy reads them as if evenly
//! sampled), `delta` ≤ 0 or rounding to 0 (ObsPy gives an infinite rate), a reference time outside
//! the i64-nanosecond range, and longitudes so large that ObsPy's normalisation loop never ends
//! (distances are then left unset). SAC alphanumeric (SACXY) files are not read.

pub mod header;

mod convert;
mod geodesy;
mod numeric;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use seispool_core::{HeaderValue, Samples, Stats, Time, Trace};

use crate::{FormatError, IoError};
use convert::{channel_id, header_for_write, is_sac_name, reftime, sampling_rate, seconds_to_ns, to_raw};
use header::{FNULL, HEADER_LEN, ITIME, NPTS_OFFSET, NVHDR_OFFSET, RawHeader};

/// Reads a SAC file; with `headonly` only the header is read (the size check still applies).
pub fn read_file(path: &Path, headonly: bool) -> Result<Trace, IoError> {
    let (mut file, len) = seispool_core::limits::open_input(path).map_err(|e| IoError::os(path, e))?;
    let mut head = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| IoError::os(path, e))?;
    let (raw, big_endian) = parse_header(path, &head, len)?;
    let mut trace = header_to_trace(path, &raw)?;
    if !headonly {
        let mut body = Vec::new();
        file.read_to_end(&mut body).map_err(|e| IoError::os(path, e))?;
        trace.data = Samples::F32(decode_samples(path, &body, trace.stats.npts, big_endian)?);
    }
    Ok(trace)
}

/// ObsPy's read warning for a trace read from SAC (`obspy.io.sac.util`, issue #3408): its sample interval
/// `delta` gives another sampling rate as float32 (`1 / delta`) than rounded to the microsecond, which
/// is the rate used.
pub fn read_warnings(trace: &Trace) -> Vec<String> {
    let Some(HeaderValue::Float(delta)) = trace.stats.headers.get("delta") else {
        return Vec::new();
    };
    let delta = *delta as f32; // read as a float32: exact
    if f64::from(1.0f32 / delta) == sampling_rate(delta) {
        return Vec::new();
    }
    vec![format!(
        "Sample spacing read from SAC file ({:.9} when rounded to nanoseconds) was rounded of to microsecond \
         precision ({:.9}) to avoid floating point issues when converting to sampling rate (see #3408)",
        f64::from(delta),
        convert::py_round6(f64::from(delta)),
    )]
}

/// Reads a SAC file held in memory; `label` names it in errors.
pub fn read_bytes(label: &Path, bytes: &[u8], headonly: bool) -> Result<Trace, IoError> {
    let (raw, big_endian) = parse_header(label, bytes, bytes.len() as u64)?;
    let mut trace = header_to_trace(label, &raw)?;
    if !headonly {
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        trace.data = Samples::F32(decode_samples(label, body, trace.stats.npts, big_endian)?);
    }
    Ok(trace)
}

/// Whether `prefix` (the first [`header::HEADER_LEN`] bytes of a file of `file_len` bytes) looks like a SAC
/// binary file: a header version in 1..=19 in either byte order and `npts` that fits the file size.
pub fn is_sac(prefix: &[u8], file_len: u64) -> bool {
    let word = |at: usize| -> Option<[u8; 4]> { prefix.get(at..at + 4).and_then(|w| w.try_into().ok()) };
    let (Some(v), Some(n)) = (word(NVHDR_OFFSET), word(NPTS_OFFSET)) else {
        return false;
    };
    [i32::from_le_bytes, i32::from_be_bytes].iter().any(|order| {
        let (nvhdr, npts) = (order(v), order(n));
        (1..20).contains(&nvhdr) && npts >= 0 && HEADER_LEN as u64 + 4 * npts as u64 == file_len
    })
}

/// Checks the header against the file length and decodes it; returns it with its byte order.
fn parse_header(path: &Path, bytes: &[u8], file_len: u64) -> Result<(RawHeader, bool), FormatError> {
    let err = |offset: usize, what: String| FormatError::new(path, None, offset as u64, what);
    let head: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN).and_then(|h| h.try_into().ok()).ok_or_else(|| {
        err(
            bytes.len(),
            format!("truncated header: {HEADER_LEN} bytes needed, {file_len} found"),
        )
    })?;
    let word = |at: usize| [head[at], head[at + 1], head[at + 2], head[at + 3]];
    let (le, be) = (
        i32::from_le_bytes(word(NVHDR_OFFSET)),
        i32::from_be_bytes(word(NVHDR_OFFSET)),
    );
    // ObsPy's `is_valid_byteorder`: 0 < nvhdr < 20, native (little) order first.
    let big_endian = match (0 < le && le < 20, 0 < be && be < 20) {
        (true, _) => false,
        (false, true) => true,
        _ => {
            return Err(err(
                NVHDR_OFFSET,
                format!("header version nvhdr is {le} little-endian / {be} big-endian, expected 1..=19"),
            ));
        }
    };
    let mut raw = RawHeader::decode(head, big_endian);
    check_layout(path, &raw, file_len)?;
    fill_distances(path, &mut raw)?;
    Ok((raw, big_endian))
}

/// ObsPy's reader computes `dist`, `az`, `baz` and `gcarc` when `lcalda` is set and `dist` is not.
fn fill_distances(path: &Path, raw: &mut RawHeader) -> Result<(), FormatError> {
    if raw.float("dist").is_some() || matches!(raw.int("lcalda"), None | Some(0)) {
        return Ok(());
    }
    let coords = ["evla", "evlo", "stla", "stlo"].map(|name| raw.float(name).map(f64::from));
    let [Some(evla), Some(evlo), Some(stla), Some(stlo)] = coords else {
        return Ok(());
    };
    match geodesy::gps2dist_azimuth(evla, evlo, stla, stlo) {
        geodesy::Distances::Computed(m, azimuth, back_azimuth) => {
            let km = m / 1000.0;
            raw.floats[50..54].copy_from_slice(&[
                km as f32,
                azimuth as f32,
                back_azimuth as f32,
                geodesy::kilometers2degrees(km) as f32,
            ]);
            Ok(())
        }
        geodesy::Distances::Skipped => Ok(()),
        geodesy::Distances::Fails => Err(FormatError::new(
            path,
            None,
            4 * 31,
            "event and station coordinates make the distance computation divide by zero",
        )),
    }
}

/// The checks ObsPy makes (npts vs file size, delta ≥ 0) plus what a time series needs.
fn check_layout(path: &Path, raw: &RawHeader, file_len: u64) -> Result<(), FormatError> {
    let err = |offset: usize, what: String| FormatError::new(path, None, offset as u64, what);
    let npts = raw.ints[9];
    if npts < 0 {
        return Err(err(NPTS_OFFSET, format!("npts {npts} is negative")));
    }
    let expected = HEADER_LEN as u64 + 4 * npts as u64;
    if file_len != expected {
        return Err(err(
            NPTS_OFFSET,
            format!("npts {npts} needs a file of {expected} bytes, found {file_len}"),
        ));
    }
    let delta = raw.floats[0];
    let usable = delta > 0.0 && sampling_rate(delta).is_finite();
    if !usable {
        return Err(err(0, format!("delta {delta} is not a positive sample interval")));
    }
    if let Some(iftype) = raw.int("iftype").filter(|&t| t != ITIME) {
        return Err(err(340, format!("iftype {iftype} is not a time series (ITIME = 1)")));
    }
    if raw.int("leven") == Some(0) {
        return Err(err(420, "leven is 0: unevenly spaced data is not supported".into()));
    }
    Ok(())
}

/// Builds the trace (no samples) from a checked header.
fn header_to_trace(path: &Path, raw: &RawHeader) -> Result<Trace, FormatError> {
    let values = raw.to_values();
    let b = raw.float("b").map_or(0.0, f64::from);
    let reference = reftime(&values)
        .map_err(|_| FormatError::new(path, None, 280, "reference time nz* is outside 1677-09-21..2262-04-11"))?
        .unwrap_or(Time::EPOCH);
    let starttime = seconds_to_ns(b)
        .and_then(|ns| reference.ns().checked_add(ns))
        .map(Time)
        .ok_or_else(|| FormatError::new(path, None, 20, format!("begin time b {b} is not a usable offset")))?;
    let stats = Stats {
        id: channel_id(&values),
        starttime,
        sampling_rate: sampling_rate(raw.floats[0]),
        npts: raw.ints[9] as usize,
        mseed: None,
        headers: values,
    };
    Ok(Trace {
        stats,
        data: Samples::F32(Vec::new()),
    })
}

fn decode_samples(path: &Path, body: &[u8], npts: usize, big_endian: bool) -> Result<Vec<f32>, FormatError> {
    let bytes = body.get(..4 * npts).ok_or_else(|| {
        FormatError::new(
            path,
            None,
            (HEADER_LEN + body.len()) as u64,
            format!("truncated data: {npts} samples need {} bytes", 4 * npts),
        )
    })?;
    let conv = if big_endian {
        f32::from_be_bytes
    } else {
        f32::from_le_bytes
    };
    Ok(bytes.chunks_exact(4).map(|c| conv([c[0], c[1], c[2], c[3]])).collect())
}

/// Writes `trace` as a SAC file (little-endian unless `big_endian`), like ObsPy's `Trace.write`.
pub fn write_file(path: &Path, trace: &Trace, big_endian: bool) -> Result<(), IoError> {
    let bytes = to_bytes(path, trace, big_endian)?;
    std::fs::write(path, bytes).map_err(|e| IoError::os(path, e))
}

/// Writes `trace` in SAC format to `out`; `label` names the destination in errors.
pub fn write_to(out: &mut impl Write, label: &Path, trace: &Trace, big_endian: bool) -> Result<(), IoError> {
    let bytes = to_bytes(label, trace, big_endian)?;
    out.write_all(&bytes).map_err(|e| IoError::os(label, e))
}

/// The SAC file bytes for `trace`.
pub fn to_bytes(label: &Path, trace: &Trace, big_endian: bool) -> Result<Vec<u8>, IoError> {
    let unsupported = |what: String| IoError::Unsupported {
        path: label.to_path_buf(),
        what,
    };
    let stats = &trace.stats;
    if !(stats.sampling_rate > 0.0 && stats.sampling_rate.is_finite()) {
        return Err(unsupported(format!(
            "sampling rate {} cannot be written as a sac delta",
            stats.sampling_rate
        )));
    }
    if stats.npts != trace.data.len() {
        return Err(unsupported(format!(
            "trace has npts {} but {} samples (a header-only read cannot be written)",
            stats.npts,
            trace.data.len()
        )));
    }
    let old: BTreeMap<String, HeaderValue> = stats
        .headers
        .iter()
        .filter(|(k, _)| is_sac_name(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let merged = header_for_write(&stats.id, stats.starttime, stats.delta(), old)
        .ok_or_else(|| unsupported("start time and sac reference time are out of range".into()))?;
    let mut raw = to_raw(&merged.values).map_err(|e| unsupported(format!("sac header {}: {}", e.name, e.why)))?;
    let samples = samples_f32(&trace.data).ok_or_else(|| unsupported("text data cannot be written as sac".into()))?;
    flush_data_headers(&mut raw, merged.b, &trace.data, samples.len());
    let mut out = raw.encode(big_endian);
    out.reserve(4 * samples.len());
    for s in &samples {
        out.extend_from_slice(&if big_endian { s.to_be_bytes() } else { s.to_le_bytes() });
    }
    Ok(out)
}

/// The samples as stored: f32, converted as NumPy's `astype('f4')`.
fn samples_f32(data: &Samples) -> Option<Vec<f32>> {
    match data {
        Samples::I32(v) => Some(v.iter().map(|&x| x as f32).collect()),
        Samples::F32(v) => Some(v.clone()),
        Samples::F64(v) => Some(v.iter().map(|&x| x as f32).collect()),
        Samples::Text(_) => None,
    }
}

/// ObsPy's `SACTrace._flush_headers`: `npts`, `e` and `depmin`/`depmax`/`depmen` computed from the
/// samples in their own type. Without samples the kept values stay, and null ones become NaN
/// (ObsPy stores the `None` its getters return).
fn flush_data_headers(raw: &mut RawHeader, b: f32, data: &Samples, npts: usize) {
    raw.ints[9] = npts as i32;
    let delta = f64::from(raw.floats[0]);
    raw.floats[6] = if npts > 0 {
        (f64::from(b) + (npts - 1) as f64 * delta) as f32
    } else {
        b
    };
    let values = match data_stats(data) {
        Some((min, max, mean)) => [min, max, mean],
        None => [1, 2, 56].map(|i| {
            if raw.floats[i] == FNULL {
                f32::NAN
            } else {
                raw.floats[i]
            }
        }),
    };
    for (i, v) in [1, 2, 56].into_iter().zip(values) {
        raw.floats[i] = v;
    }
}

/// (min, max, mean) as ObsPy gets them: Python's `min`/`max` over the elements, `numpy.mean`.
fn data_stats(data: &Samples) -> Option<(f32, f32, f32)> {
    match data {
        Samples::I32(v) if !v.is_empty() => {
            let (min, max) = py_min_max(v);
            Some((
                min as f32,
                max as f32,
                (numeric::sum_i32_as_f64(v) / v.len() as f64) as f32,
            ))
        }
        Samples::F32(v) if !v.is_empty() => {
            let (min, max) = py_min_max(v);
            // NumPy divides the float32 sum by an intp count, which promotes to float64.
            Some((
                min,
                max,
                (f64::from(numeric::pairwise_sum_f32(v)) / v.len() as f64) as f32,
            ))
        }
        Samples::F64(v) if !v.is_empty() => {
            let (min, max) = py_min_max(v);
            Some((
                min as f32,
                max as f32,
                (numeric::pairwise_sum_f64(v) / v.len() as f64) as f32,
            ))
        }
        _ => None,
    }
}

/// Python's builtin `min`/`max`: keep the first element unless a later one compares smaller/larger.
fn py_min_max<T: PartialOrd + Copy>(v: &[T]) -> (T, T) {
    let (mut min, mut max) = (v[0], v[0]);
    for &x in &v[1..] {
        if x < min {
            min = x;
        }
        if x > max {
            max = x;
        }
    }
    (min, max)
}
