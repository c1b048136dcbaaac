//! MiniSEED 2.4 writer. Records are laid out exactly as ObsPy 1.5 writes them (libmseed 2.19
//! `mst_pack`), so for the same trace and options our bytes equal ObsPy's.
//!
//! Fixed section of the data header (48 bytes), then blockettes:
//!
//! | offset | size | field                                                                |
//! |--------|------|----------------------------------------------------------------------|
//! | 0      | 6    | sequence number, ASCII `000001`.., per trace, wraps after 999999     |
//! | 6      | 1    | data quality (`D`, `R`, `Q`, `M`)                                     |
//! | 7      | 1    | reserved, a space                                                    |
//! | 8      | 5    | station, space padded                                                |
//! | 13     | 2    | location                                                             |
//! | 15     | 3    | channel                                                              |
//! | 18     | 2    | network                                                              |
//! | 20     | 10   | BTIME: year u16, day of year u16, hour, minute, second, 0, 1e-4 s u16 |
//! | 30     | 2    | number of samples u16                                                |
//! | 32     | 2    | sample rate factor i16                                               |
//! | 34     | 2    | sample rate multiplier i16                                           |
//! | 36     | 4    | activity, I/O, data quality flags (all 0), number of blockettes       |
//! | 40     | 4    | time correction i32 (0)                                              |
//! | 44     | 2    | offset of the data u16                                               |
//! | 46     | 2    | offset of the first blockette u16 (48)                               |
//!
//! Blockettes, in this order: 1001 (8 bytes: timing quality 0, µs offset i8, reserved, frame count 0)
//! when any trace of the file starts or samples off the 100 µs grid; 100 (12 bytes: f32 rate, flags,
//! 3 reserved) when the factor/multiplier cannot hold the rate (compared as f32, like ObsPy); 1000
//! (8 bytes: encoding, word order 1 = big-endian, log2 record length, reserved). Steim data starts at
//! the next multiple of 64 bytes, other encodings right after the blockettes. Header and data use the
//! same byte order.
//!
//! Times: ObsPy's MiniSEED 2 precision is the microsecond. A start time with sub-µs nanoseconds is
//! rounded to the nearest µs, halves up (ObsPy's `_convert_datetime_to_mstime`). Record `k` starts at
//! `start_us + trunc(n_k / rate * 1e6 + 0.5)` µs where `n_k` samples precede it (libmseed); BTIME holds
//! that time rounded to 100 µs (halves up) and blockette 1001 the remaining offset in -50..=49 µs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use seispool_core::Stream;
use seispool_core::{SampleType, Samples, Time, Trace};

use super::DataEncoding;
use super::record::nominal_sample_rate;
use super::steim_encode::{STEIM_FRAME_BYTES, encode_steim1, encode_steim2, steim2_overflow};
use crate::IoError;

/// How to write MiniSEED 2.4 records. Record length and byte order always come from here (like ObsPy
/// given `reclen`/`byteorder`); `stats.mseed.record_length`/`big_endian` of the traces are not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Data encoding; `None` keeps each trace's `stats.mseed` encoding when it fits, else ObsPy's default
    /// for the sample type (STEIM2 for i32, FLOAT32, FLOAT64, ASCII for text).
    pub encoding: Option<DataEncoding>,
    /// Record length in bytes: a power of two from 128 to 65536 (ObsPy writes 256 and up).
    pub record_length: usize,
    /// Big-endian header and data (the default, like ObsPy); little-endian otherwise.
    pub big_endian: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            encoding: None,
            record_length: 4096,
            big_endian: true,
        }
    }
}

/// Smallest record length accepted.
pub const MIN_RECORD_LENGTH: usize = 128;
/// Largest record length accepted.
pub const MAX_RECORD_LENGTH: usize = 65536;

const FIXED_HEADER: usize = 48;
/// `numsamples` is a u16: no record may claim more samples.
const MAX_RECORD_SAMPLES: usize = u16::MAX as usize;

/// Writes `stream` to `path` as MiniSEED 2.4 (created or truncated; nothing is created when a trace
/// cannot be written). Empty traces are skipped, as ObsPy does.
pub fn write_file(path: &Path, stream: &Stream, opts: &WriteOptions) -> Result<(), IoError> {
    let plans = plan_stream(path, stream, opts)?;
    let file = File::create(path).map_err(|e| IoError::os(path, e))?;
    let mut out = BufWriter::new(file);
    write_plans(&mut out, path, &plans, opts)?;
    out.flush().map_err(|e| IoError::os(path, e))
}

/// Writes `stream` as MiniSEED 2.4 records to `out`; `label` names the destination in errors.
/// Every trace is checked before the first byte is written.
pub fn write_to<W: Write>(out: &mut W, label: &Path, stream: &Stream, opts: &WriteOptions) -> Result<(), IoError> {
    let plans = plan_stream(label, stream, opts)?;
    write_plans(out, label, &plans, opts)
}

/// Everything decided about one trace before writing it.
struct TracePlan<'a> {
    trace: &'a Trace,
    encoding: DataEncoding,
    quality: u8,
    factor: i16,
    multiplier: i16,
    /// Blockette 100's rate, when the factor/multiplier cannot express the rate.
    b100: Option<f32>,
    /// Start time in µs (ObsPy's rounding).
    start_us: i64,
    /// Space-padded codes: station(5) location(2) channel(3) network(2).
    codes: [u8; 12],
}

/// The file-wide choices plus one plan per non-empty trace.
struct StreamPlan<'a> {
    use_1001: bool,
    traces: Vec<TracePlan<'a>>,
}

fn unsupported(path: &Path, what: String) -> IoError {
    IoError::Unsupported {
        path: path.to_path_buf(),
        what,
    }
}

fn plan_stream<'a>(path: &Path, stream: &'a Stream, opts: &WriteOptions) -> Result<StreamPlan<'a>, IoError> {
    check_record_length(opts.record_length).map_err(|what| unsupported(path, what))?;
    let mut use_1001 = false;
    let mut traces = Vec::new();
    for trace in &stream.traces {
        let fail = |what: String| unsupported(path, format!("trace {}: {what}", trace.stats.id));
        let plan = plan_trace(trace, opts).map_err(fail)?;
        use_1001 |= needs_1001(plan.start_us, trace.stats.sampling_rate);
        if !trace.data.is_empty() {
            traces.push(plan);
        }
    }
    for plan in &traces {
        let layout = Layout::new(use_1001, plan.b100.is_some(), plan.encoding, opts.record_length);
        if layout.capacity_samples(plan.encoding) == 0 {
            let what = format!(
                "record length {} leaves no room for {} data after a {}-byte header",
                opts.record_length, plan.encoding, layout.header_len
            );
            return Err(unsupported(path, format!("trace {}: {what}", plan.trace.stats.id)));
        }
    }
    Ok(StreamPlan { use_1001, traces })
}

fn check_record_length(len: usize) -> Result<(), String> {
    if len.is_power_of_two() && (MIN_RECORD_LENGTH..=MAX_RECORD_LENGTH).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "record length {len} is not allowed: expected a power of two from {MIN_RECORD_LENGTH} to {MAX_RECORD_LENGTH}"
        ))
    }
}

/// ObsPy adds blockette 1001 to every record of the file when a start time or the sample period is
/// not a whole number of 100 µs.
fn needs_1001(start_us: i64, rate: f64) -> bool {
    start_us % 100 != 0 || (rate != 0.0 && (1.0 / rate * 1e6) % 100.0 != 0.0)
}

fn plan_trace<'a>(trace: &'a Trace, opts: &WriteOptions) -> Result<TracePlan<'a>, String> {
    let rate = trace.stats.sampling_rate;
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(format!("sampling rate {rate} is not a finite number >= 0"));
    }
    let encoding = choose_encoding(trace, opts.encoding)?;
    check_samples(&trace.data, encoding)?;
    let (factor, multiplier, b100) = rate_fields(rate);
    let start_us = time_to_us(trace.stats.starttime);
    // The year of every record must fit BTIME; no record starts later than the last sample.
    let last_us = start_us.saturating_add(record_offset_us(trace.data.len().saturating_sub(1), rate));
    for us in [start_us, last_us] {
        btime(us)?;
    }
    Ok(TracePlan {
        trace,
        encoding,
        quality: data_quality(trace)?,
        factor,
        multiplier,
        b100,
        start_us,
        codes: codes(trace)?,
    })
}

/// ObsPy's choice when no encoding is requested: the trace's MiniSEED encoding when it can be written
/// for this sample type, else the default per type.
pub(super) fn choose_encoding(trace: &Trace, requested: Option<DataEncoding>) -> Result<DataEncoding, String> {
    let kind = trace.data.sample_type();
    if let Some(e) = requested {
        if !e.is_writable() {
            return Err(format!(
                "encoding {e} cannot be written; use ASCII, INT16, INT32, FLOAT32, FLOAT64, STEIM1 or STEIM2"
            ));
        }
        if !e.accepts(kind) {
            return Err(format!(
                "{} samples cannot be written as {e} (ObsPy refuses it too); convert the data first",
                type_name(kind)
            ));
        }
        return Ok(e);
    }
    let kept = trace
        .stats
        .mseed
        .as_ref()
        .and_then(|m| DataEncoding::from_code(m.encoding))
        .filter(|e| {
            e.is_writable()
                && e.accepts(kind)
                && (*e != DataEncoding::Int16 || first_outside_i16(&trace.data).is_none())
        });
    Ok(kept.unwrap_or(match kind {
        SampleType::I32 => DataEncoding::Steim2,
        SampleType::F32 => DataEncoding::Float32,
        SampleType::F64 => DataEncoding::Float64,
        SampleType::Text => DataEncoding::Ascii,
    }))
}

pub(super) fn type_name(kind: SampleType) -> &'static str {
    match kind {
        SampleType::I32 => "int32",
        SampleType::F32 => "float32",
        SampleType::F64 => "float64",
        SampleType::Text => "text",
    }
}

fn first_outside_i16(data: &Samples) -> Option<(usize, i32)> {
    match data {
        Samples::I32(v) => v.iter().copied().enumerate().find(|&(_, x)| i16::try_from(x).is_err()),
        _ => None,
    }
}

/// Rejects samples the encoding cannot hold, naming the first one.
pub(super) fn check_samples(data: &Samples, encoding: DataEncoding) -> Result<(), String> {
    match (encoding, data) {
        (DataEncoding::Int16, _) => match first_outside_i16(data) {
            Some((i, x)) => Err(format!("sample {i} ({x}) is outside the INT16 range -32768..=32767")),
            None => Ok(()),
        },
        (DataEncoding::Steim2, Samples::I32(v)) => match steim2_overflow(v) {
            Some(o) => Err(format!(
                "sample {} ({}): difference {} from the previous sample does not fit in 30 bits, STEIM2 cannot encode it (use STEIM1 or INT32)",
                o.index, v[o.index], o.difference
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn data_quality(trace: &Trace) -> Result<u8, String> {
    let q = match trace.stats.mseed.as_ref().map(|m| m.dataquality) {
        None | Some('\0') => 'D',
        Some(c) => c.to_ascii_uppercase(),
    };
    match q {
        'D' | 'R' | 'Q' | 'M' => Ok(q as u8),
        _ => Err(format!("data quality '{q}' is not one of D, R, Q, M")),
    }
}

/// The station, location, channel and network fields, space padded; codes must be ASCII and fit.
fn codes(trace: &Trace) -> Result<[u8; 12], String> {
    let id = &trace.stats.id;
    let mut out = [b' '; 12];
    let fields = [
        ("station", &id.station, 0, 5),
        ("location", &id.location, 5, 2),
        ("channel", &id.channel, 7, 3),
        ("network", &id.network, 10, 2),
    ];
    for (name, code, at, len) in fields {
        if !code.is_ascii() || code.len() > len {
            return Err(format!(
                "{name} code '{code}' does not fit MiniSEED 2 ({len} ASCII characters at most)"
            ));
        }
        out[at..at + code.len()].copy_from_slice(code.as_bytes());
    }
    Ok(out)
}

/// Nanoseconds to µs, rounding halves up (ObsPy's `_convert_datetime_to_mstime`).
fn time_to_us(t: Time) -> i64 {
    t.0.div_euclid(1000) + i64::from(t.0.rem_euclid(1000) >= 500)
}

/// Offset in µs of the record that starts after `n` samples (libmseed's `msr_pack`).
fn record_offset_us(n: usize, rate: f64) -> i64 {
    if rate > 0.0 {
        (n as f64 / rate * 1e6 + 0.5) as i64
    } else {
        0
    }
}

/// Factor, multiplier and blockette 100 rate for a sampling rate, decided as ObsPy does.
fn rate_fields(rate: f64) -> (i16, i16, Option<f32>) {
    match sample_rate_factor_multiplier(rate) {
        Some((f, m)) if nominal_sample_rate(f, m) as f32 == rate as f32 => (f, m, None),
        Some((f, m)) => (f, m, Some(rate as f32)),
        None => (0, 0, Some(rate as f32)),
    }
}

/// Sample rate factor and multiplier for `rate` exactly as libmseed 2.19's `ms_genfactmult` chooses them
/// (None where it gives up; ObsPy then writes factor = multiplier = 0 and blockette 100).
pub fn sample_rate_factor_multiplier(rate: f64) -> Option<(i16, i16)> {
    let rate = if rate < 0.0 { -1.0 / rate } else { rate };
    if rate == 0.0 {
        Some((0, 0))
    } else if rate >= 1.0 {
        reduce_rate(rate)
    } else {
        reduce_rate(1.0 / rate).map(|(a, b)| (a.wrapping_neg(), b.wrapping_neg()))
    }
}

/// x86 `cvttsd2si`: C's `(int)x` as compiled for ObsPy's wheels (NaN or out of range gives i32::MIN).
fn c_int(x: f64) -> i32 {
    if !(-2_147_483_648.0..2_147_483_648.0).contains(&x) {
        i32::MIN
    } else {
        x as i32
    }
}

/// libmseed's `ms_reduce_rate`: two factors (the second negative for a divisor) for a rate >= 1.
fn reduce_rate(rate: f64) -> Option<(i16, i16)> {
    let int_rate = c_int(rate + 0.5);
    if (rate - f64::from(int_rate)).abs() < 0.000_000_1 {
        if int_rate <= 32767 {
            return Some((int_rate as i16, 1));
        }
        if int_rate > 32767 * 32767 {
            return None;
        }
        let f1 = search_factor(int_rate, rate)?;
        let f2 = int_rate / f1;
        return (f1 <= 32767 && f2 <= 32767).then_some((f1 as i16, f2 as i16));
    }
    if rate <= 32767.0 {
        let (num, den) = rational_approx(rate, 32767, 1e-8);
        return Some((num as i16, (den as i16).wrapping_neg()));
    }
    None
}

/// The integer-rate factor search of `ms_reduce_rate` for rates above 32767.
fn search_factor(int_rate: i32, rate: f64) -> Option<i32> {
    let mut f1 = c_int(1.0 / rsqrt64(rate));
    let (mut closest_diff, mut closest) = (f1, f1);
    while int_rate.checked_rem(f1)? != 0 {
        f1 -= 1;
        let f2 = int_rate.checked_div(f1)?;
        let diff = int_rate - f1 * f2;
        if diff < closest_diff {
            closest_diff = diff;
            closest = f1;
        }
        if int_rate.checked_div(f1 - 1)? > 32767 {
            f1 = closest;
            break;
        }
    }
    Some(f1)
}

/// libmseed's `ms_rsqrt64`: fast inverse square root with three Newton steps (bit-exact).
fn rsqrt64(val: f64) -> f64 {
    let x2 = val * 0.5;
    let mut y = f64::from_bits(0x5fe6_eb50_c7b5_37a9_u64.wrapping_sub(val.to_bits() >> 1));
    for _ in 0..3 {
        y *= 1.5 - (x2 * y * y);
    }
    y
}

/// libmseed's `ms_ratapprox`: continued-fraction numerator/denominator (32-bit wrapping like C).
fn rational_approx(real: f64, maxval: i32, precision: f64) -> (i32, i32) {
    let positive = real >= 0.0;
    let preal = real.abs();
    let mut realj = preal;
    let mut bj = c_int(realj + precision);
    realj = 1.0 / (realj - f64::from(bj));
    let (mut aj, mut aj1, mut bjd, mut bj1) = (bj, 1i32, 1i32, 0i32);
    let (mut num, mut den) = (aj, bjd);
    let (mut pnum, mut pden) = (aj, bjd);
    // libmseed has no iteration limit; 64 is far beyond the ~25 steps a 16-bit denominator allows
    // and only guards against the degenerate expansions where C would spin forever.
    let mut iterations = 0;
    while (preal - f64::from(aj) / f64::from(bjd)).abs() > precision && aj < maxval && bjd < maxval && iterations < 64 {
        iterations += 1;
        let (aj2, bj2) = (aj1, bj1);
        aj1 = aj;
        bj1 = bjd;
        bj = c_int(realj + precision);
        realj = 1.0 / (realj - f64::from(bj));
        aj = bj.wrapping_mul(aj1).wrapping_add(aj2);
        bjd = bj.wrapping_mul(bj1).wrapping_add(bj2);
        num = pnum;
        den = pden;
        pnum = aj;
        pden = bjd;
    }
    if pnum < maxval && pden < maxval {
        num = pnum;
        den = pden;
    }
    (if positive { num } else { num.wrapping_neg() }, den)
}

/// BTIME fields for a time in µs already on the 100 µs grid.
fn btime(us: i64) -> Result<[u8; 10], String> {
    let ns = us
        .checked_mul(1000)
        .ok_or_else(|| format!("time {us} µs after 1970 is beyond the years a MiniSEED 2 BTIME can hold"))?;
    let c = Time(ns).civil();
    let year = u16::try_from(c.year).map_err(|_| format!("year {} does not fit a MiniSEED 2 BTIME", c.year))?;
    let doy = c.doy as u16;
    let fract = (c.nanosecond / 100_000) as u16;
    let mut b = [0u8; 10];
    b[..2].copy_from_slice(&year.to_be_bytes());
    b[2..4].copy_from_slice(&doy.to_be_bytes());
    b[4] = c.hour as u8;
    b[5] = c.minute as u8;
    b[6] = c.second as u8;
    b[8..].copy_from_slice(&fract.to_be_bytes());
    Ok(b)
}

/// Splits a µs time into the 100 µs-grid time (halves up) and the µs offset in -50..=49
/// (libmseed's `ms_hptime2tomsusecoffset`).
fn split_usec(us: i64) -> (i64, i8) {
    let grid = (us + 50).div_euclid(100) * 100;
    (grid, (us - grid) as i8)
}

/// Header length and data offset for a blockette combination.
struct Layout {
    use_1001: bool,
    use_100: bool,
    header_len: usize,
    data_offset: usize,
    record_length: usize,
}

impl Layout {
    fn new(use_1001: bool, use_100: bool, encoding: DataEncoding, record_length: usize) -> Layout {
        let header_len = FIXED_HEADER + 8 + if use_1001 { 8 } else { 0 } + if use_100 { 12 } else { 0 };
        let data_offset = if is_steim(encoding) {
            header_len.div_ceil(64) * 64
        } else {
            header_len
        };
        Layout {
            use_1001,
            use_100,
            header_len,
            data_offset,
            record_length,
        }
    }

    fn data_bytes(&self) -> usize {
        self.record_length.saturating_sub(self.data_offset)
    }

    /// How many samples one record can hold at most (0 when nothing fits).
    fn capacity_samples(&self, encoding: DataEncoding) -> usize {
        let bytes = self.data_bytes();
        match encoding {
            DataEncoding::Steim1 | DataEncoding::Steim2 => bytes / STEIM_FRAME_BYTES,
            other => bytes / sample_size(other),
        }
    }
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

fn write_plans<W: Write>(out: &mut W, path: &Path, plans: &StreamPlan<'_>, opts: &WriteOptions) -> Result<(), IoError> {
    let mut record = vec![0u8; opts.record_length];
    for plan in &plans.traces {
        let layout = Layout::new(plans.use_1001, plan.b100.is_some(), plan.encoding, opts.record_length);
        let n = plan.trace.data.len();
        let mut done = 0usize;
        let mut sequence = 1u32;
        while done < n {
            let start_us = plan
                .start_us
                .saturating_add(record_offset_us(done, plan.trace.stats.sampling_rate));
            let packed = pack_data(
                &plan.trace.data,
                plan.encoding,
                done,
                &layout,
                opts.big_endian,
                &mut record,
            )
            .map_err(|what| unsupported(path, format!("trace {}: {what}", plan.trace.stats.id)))?;
            write_header(&mut record, plan, &layout, sequence, start_us, packed, opts.big_endian)
                .map_err(|what| unsupported(path, format!("trace {}: {what}", plan.trace.stats.id)))?;
            out.write_all(&record).map_err(|e| IoError::os(path, e))?;
            done += packed;
            sequence = next_sequence(sequence);
        }
    }
    Ok(())
}

/// The sequence number after `s`: 999999 wraps to 1 (libmseed).
fn next_sequence(s: u32) -> u32 {
    if s >= 999_999 { 1 } else { s + 1 }
}

/// Encodes samples from `start` into the data area of `record` (zero padded); returns how many fit.
fn pack_data(
    data: &Samples,
    encoding: DataEncoding,
    start: usize,
    layout: &Layout,
    big_endian: bool,
    record: &mut [u8],
) -> Result<usize, String> {
    let area = &mut record[layout.data_offset..];
    area.fill(0);
    let room = layout.capacity_samples(encoding).min(MAX_RECORD_SAMPLES);
    let take = |len: usize| start..len.min(start + room);
    let n = match (encoding, data) {
        (DataEncoding::Steim1 | DataEncoding::Steim2, Samples::I32(v)) => {
            let rest = &v[start..v.len().min(start + MAX_RECORD_SAMPLES)];
            let diff0 = if start == 0 {
                0
            } else {
                v[start].wrapping_sub(v[start - 1])
            };
            let mut frames = Vec::with_capacity(area.len());
            let packed = if encoding == DataEncoding::Steim1 {
                encode_steim1(rest, diff0, room, big_endian, &mut frames)
            } else {
                encode_steim2(rest, diff0, room, big_endian, &mut frames).map_err(|o| {
                    format!(
                        "sample {}: steim2 cannot encode difference {}",
                        start + o.index,
                        o.difference
                    )
                })?
            };
            area[..frames.len()].copy_from_slice(&frames);
            packed.samples
        }
        (DataEncoding::Int16, Samples::I32(v)) => put_all(area, &v[take(v.len())], |x| {
            let x = x as i16;
            if big_endian { x.to_be_bytes() } else { x.to_le_bytes() }
        }),
        (DataEncoding::Int32, Samples::I32(v)) => put_all(area, &v[take(v.len())], |x| {
            if big_endian { x.to_be_bytes() } else { x.to_le_bytes() }
        }),
        (DataEncoding::Float32, Samples::F32(v)) => put_all(area, &v[take(v.len())], |x| {
            if big_endian { x.to_be_bytes() } else { x.to_le_bytes() }
        }),
        (DataEncoding::Float64, Samples::F64(v)) => put_all(area, &v[take(v.len())], |x| {
            if big_endian { x.to_be_bytes() } else { x.to_le_bytes() }
        }),
        (DataEncoding::Ascii, Samples::Text(v)) => put_all(area, &v[take(v.len())], |x| [x]),
        (e, d) => {
            return Err(format!(
                "{} samples cannot be written as {e}",
                type_name(d.sample_type())
            ));
        }
    };
    Ok(n)
}

/// Writes each value's bytes one after another into `area`; returns the count.
fn put_all<T: Copy, const N: usize>(area: &mut [u8], values: &[T], bytes: impl Fn(T) -> [u8; N]) -> usize {
    for (slot, &x) in area.chunks_exact_mut(N).zip(values) {
        slot.copy_from_slice(&bytes(x));
    }
    values.len()
}

/// Fills the fixed header and blockettes of one record.
fn write_header(
    record: &mut [u8],
    plan: &TracePlan<'_>,
    layout: &Layout,
    sequence: u32,
    start_us: i64,
    nsamples: usize,
    big_endian: bool,
) -> Result<(), String> {
    let u16b = |v: u16| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let (grid_us, usec) = split_usec(start_us);
    let mut bt = btime(grid_us)?;
    // libmseed (so ObsPy 1.5.1, and our reader, which reads as they do) decides a header's byte order from
    // whether its year and day are plausible; a header dated 2056 (0x0808) on day 1, 256 or 257 is plausible
    // in both orders and reads back as garbage (ObsPy's own writer makes such files, in either order).
    // Refuse it rather than write a file that no reader gets back.
    let (year, day) = (u16::from_be_bytes([bt[0], bt[1]]), u16::from_be_bytes([bt[2], bt[3]]));
    if super::record::valid_year_day(year.swap_bytes(), day.swap_bytes()) {
        return Err(format!(
            "a MiniSEED 2 record starting at {} (year {year}, day {day}) cannot be read back: its header is \
             plausible in both byte orders, and libmseed, ObsPy and seispool take it for the other one; \
             write MiniSEED 3 for this time",
            Time(grid_us * 1000)
        ));
    }
    if !big_endian {
        bt[..2].reverse();
        bt[2..4].reverse();
        bt[8..].reverse();
    }
    let h = &mut record[..layout.data_offset];
    h.fill(0);
    h[..6].copy_from_slice(format!("{sequence:06}").as_bytes());
    h[6] = plan.quality;
    h[7] = b' ';
    h[8..20].copy_from_slice(&plan.codes);
    h[20..30].copy_from_slice(&bt);
    h[30..32].copy_from_slice(&u16b(nsamples as u16));
    h[32..34].copy_from_slice(&u16b(plan.factor as u16));
    h[34..36].copy_from_slice(&u16b(plan.multiplier as u16));
    h[39] = 1 + u8::from(layout.use_1001) + u8::from(layout.use_100);
    h[44..46].copy_from_slice(&u16b(layout.data_offset as u16));
    h[46..48].copy_from_slice(&u16b(FIXED_HEADER as u16));
    let mut at = FIXED_HEADER;
    if layout.use_1001 {
        h[at..at + 2].copy_from_slice(&u16b(1001));
        h[at + 2..at + 4].copy_from_slice(&u16b((at + 8) as u16));
        h[at + 5] = usec as u8;
        at += 8;
    }
    if let Some(rate) = plan.b100 {
        h[at..at + 2].copy_from_slice(&u16b(100));
        h[at + 2..at + 4].copy_from_slice(&u16b((at + 12) as u16));
        let r = if big_endian {
            rate.to_be_bytes()
        } else {
            rate.to_le_bytes()
        };
        h[at + 4..at + 8].copy_from_slice(&r);
        at += 12;
    }
    h[at..at + 2].copy_from_slice(&u16b(1000));
    h[at + 4] = plan.encoding.code();
    h[at + 5] = u8::from(big_endian);
    h[at + 6] = layout.record_length.trailing_zeros() as u8;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_multiplier_like_libmseed() {
        assert_eq!(sample_rate_factor_multiplier(100.0), Some((100, 1)));
        assert_eq!(sample_rate_factor_multiplier(200.5), Some((401, -2)));
        assert_eq!(sample_rate_factor_multiplier(0.123456789), Some((-81, 10)));
        assert_eq!(sample_rate_factor_multiplier(40000.0), Some((200, 200)));
        assert_eq!(sample_rate_factor_multiplier(1e-6), Some((-1000, -1000)));
        assert_eq!(sample_rate_factor_multiplier(50000.5), None);
        assert_eq!(sample_rate_factor_multiplier(0.0), Some((0, 0)));
        assert_eq!(nominal_sample_rate(1, -3), 1.0 / 3.0);
    }

    #[test]
    fn usec_split_rounds_halves_up() {
        assert_eq!(split_usec(123_456), (123_500, -44));
        assert_eq!(split_usec(150), (200, -50));
        assert_eq!(split_usec(149), (100, 49));
        assert_eq!(split_usec(-150), (-100, -50));
        assert_eq!(split_usec(-151), (-200, 49));
    }

    #[test]
    fn ns_to_us_like_obspy() {
        assert_eq!(time_to_us(Time(1_500)), 2);
        assert_eq!(time_to_us(Time(1_499)), 1);
        assert_eq!(time_to_us(Time(-1_500)), -1);
        assert_eq!(time_to_us(Time(-1_501)), -2);
    }

    #[test]
    fn sequence_numbers_wrap_after_999999() {
        assert_eq!(next_sequence(1), 2);
        assert_eq!(next_sequence(999_998), 999_999);
        assert_eq!(next_sequence(999_999), 1);
    }

    #[test]
    fn record_lengths() {
        assert!(check_record_length(128).is_ok());
        assert!(check_record_length(65536).is_ok());
        assert!(check_record_length(64).is_err());
        assert!(check_record_length(131072).is_err());
        assert!(check_record_length(1000).is_err());
    }
}
