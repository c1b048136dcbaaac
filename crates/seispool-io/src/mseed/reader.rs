//! MiniSEED 2.4 reader: a streaming [`RecordReader`] and [`read_file`]/[`read_bytes`], which join
//! records into traces exactly as ObsPy 1.5.1 (`obspy.read`, its `readMSEEDBuffer` over libmseed 2.19).
//!
//! What ObsPy does, and so do we:
//! * Leading SEED control records (`V`, `A`, `S`, `T`) are skipped; blank/noise 128-byte blocks are
//!   skipped anywhere.
//! * Garbage where a record should start, a truncated last record or a record longer than what is
//!   left ends the read with a warning: the records before it are returned.
//! * Invalid blockette chains, record lengths outside 128 B..1 MiB, unsupported encodings, Steim
//!   control errors and sample counts the data area cannot hold are errors.
//! * Records join a trace when they have the same network, station, location, channel and quality,
//!   both have samples, the same sample type, rates within 1e-4 relative, and the record starts within
//!   half a sample period (µs, truncated) of the expected time after the last segment of that id.
//!   Records out of order start a new trace; traces come per id in order of first appearance.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use std::collections::BTreeMap;

use seispool_core::{ChannelId, HeaderValue, MseedInfo, SampleType, Samples, Stream, Time, Trace, glob_match};

use super::DataEncoding;
use super::record::{
    Detected, FIXED_HEADER_LEN, MAX_RECLEN, MIN_RECLEN, RecordHeader, detect_length, is_blank, is_mseed2 as sniff,
};
use super::v3read::{FIXED_HEADER3, Header3, is_mseed3, parse_record3, record3_length};
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

/// One record: its header, where it starts in the file and its bytes.
#[derive(Debug, Clone)]
pub struct Record {
    /// Parsed header.
    pub header: RecordHeader,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// 0-based index of the record among the data records of the file.
    pub index: usize,
    /// The record's bytes (`header.record_length` of them).
    pub bytes: Vec<u8>,
}

impl Record {
    /// Decodes the samples (with Steim integrity warnings).
    pub fn decode(&self) -> Result<(Samples, Vec<String>), String> {
        self.header.decode(&self.bytes)
    }
}

/// A selected MiniSEED 3 record's samples and decoder warnings (`None`: not decoded or no samples).
type Decoded3 = Option<(Samples, Vec<String>)>;

/// Streams MiniSEED 2 records from any reader, holding at most one record plus the look-ahead
/// needed to find the length of a record without blockette 1000 (up to 1 MiB).
pub struct RecordReader<R: Read> {
    src: R,
    label: std::path::PathBuf,
    buf: Vec<u8>,
    /// Start of unread bytes in `buf`.
    pos: usize,
    /// File offset of `buf[pos]`.
    offset: u64,
    eof: bool,
    index: usize,
    done: bool,
    /// Warnings collected so far.
    pub warnings: Vec<String>,
    /// Blank/noise blocks skipped.
    pub blanks: usize,
    /// Copy each record's bytes into [`Record::bytes`] (off for header-only scans).
    keep_bytes: bool,
}

impl<R: Read> RecordReader<R> {
    /// A reader over `src`; `label` names it in errors and warnings.
    pub fn new(src: R, label: &Path) -> Self {
        RecordReader {
            src,
            label: label.to_path_buf(),
            buf: Vec::new(),
            pos: 0,
            offset: 0,
            eof: false,
            index: 0,
            done: false,
            warnings: Vec::new(),
            blanks: 0,
            keep_bytes: true,
        }
    }

    fn err(&self, what: impl Into<String>) -> IoError {
        IoError::Format(FormatError::new(&self.label, Some(self.index), self.offset, what))
    }

    fn warn(&mut self, what: impl std::fmt::Display) {
        let e = FormatError::new(&self.label, Some(self.index), self.offset, what.to_string());
        self.warnings.push(e.to_string());
    }

    /// Makes at least `n` unread bytes available unless the input ends first; returns how many are.
    fn fill(&mut self, n: usize) -> Result<usize, IoError> {
        if self.buf.len() - self.pos >= n || self.eof {
            return Ok(self.buf.len() - self.pos);
        }
        // Compact only when the consumed part dominates, so refills stay amortized O(1) per byte.
        if self.pos > 0 && (self.pos >= self.buf.len() / 2 || self.buf.len() + n > self.buf.capacity()) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        // Read straight into the buffer's spare capacity (no zero-filling, no intermediate copy).
        while self.buf.len() - self.pos < n {
            let want = (n - (self.buf.len() - self.pos)).max(64 * 1024);
            self.buf.reserve(want);
            match (&mut self.src).take(want as u64).read_to_end(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => return Err(IoError::os(&self.label, e)),
            }
        }
        Ok(self.buf.len() - self.pos)
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.offset += n as u64;
    }

    /// Skips leading SEED control records (`V`, `A`, `S`, `T`) of `len` bytes, as ObsPy does
    /// before handing the data records to libmseed; errors on anything else that is not a record.
    pub fn skip_control_headers(&mut self, len: usize) -> Result<(), IoError> {
        loop {
            let have = self.fill(7)?;
            if have < 7 {
                return Ok(());
            }
            let b = &self.buf[self.pos..self.pos + 7];
            // ObsPy's digit test on signed bytes: any byte <= b'9' as i8 passes.
            let digits = b[..6].iter().all(|&c| (c as i8) <= b'9' as i8);
            let ok = matches!(b[6], b'D' | b'R' | b'Q' | b'M' | b'V' | b'A' | b'S' | b'T' | b' ');
            if !digits || !ok {
                return Err(self.err("not a valid (mini-)seed file: expected a sequence number and a record type"));
            }
            if !matches!(b[6], b'V' | b'A' | b'S' | b'T') {
                return Ok(());
            }
            if self.fill(len)? < len {
                return Ok(());
            }
            self.consume(len);
        }
    }

    /// The next data record, `None` at the end (or where ObsPy stops reading, with a warning).
    pub fn next_record(&mut self) -> Result<Option<Record>, IoError> {
        while !self.done {
            let have = self.fill(MIN_RECLEN)?;
            if have == 0 {
                return Ok(None);
            }
            if have < MIN_RECLEN {
                self.warn(format!(
                    "last record only has {have} byte(s), not enough for a record (128 bytes at least); ignored"
                ));
                self.done = true;
                break;
            }
            if is_blank(&self.buf[self.pos..], true) {
                self.consume(MIN_RECLEN);
                self.blanks += 1;
                continue;
            }
            let reclen = match self.record_length()? {
                Some(n) => n,
                None => {
                    self.done = true;
                    break;
                }
            };
            let rec = &self.buf[self.pos..self.pos + reclen];
            let header = RecordHeader::parse(rec, reclen).map_err(|w| self.err(w))?;
            if header.record_length != reclen {
                // Blockette 1000 disagrees with the length used (only when the length came from the
                // rest of the file): ObsPy skips the rest.
                if self.fill(header.record_length)? < header.record_length {
                    self.warn(format!(
                        "record length {} of blockette 1000 exceeds the rest of the file; ignored",
                        header.record_length
                    ));
                    self.done = true;
                    break;
                }
            }
            let len = header.record_length;
            if !(MIN_RECLEN..=MAX_RECLEN).contains(&len) {
                return Err(self.err(format!(
                    "record length {len} of blockette 1000 is out of range: expected {MIN_RECLEN} to {MAX_RECLEN} bytes"
                )));
            }
            let bytes = if self.keep_bytes {
                self.buf[self.pos..self.pos + len].to_vec()
            } else {
                Vec::new()
            };
            let record = Record {
                header,
                offset: self.offset,
                index: self.index,
                bytes,
            };
            self.consume(len);
            self.index += 1;
            return Ok(Some(record));
        }
        Ok(None)
    }

    /// Whether a MiniSEED 3 record starts at the current position (also when the input ends within
    /// its `MS` + version signature, so that the cut record is reported).
    fn at_v3(&mut self) -> Result<bool, IoError> {
        let have = self.fill(15)?;
        let b = &self.buf[self.pos..self.pos + have.min(15)];
        Ok(is_mseed3(b) || (!b.is_empty() && b.len() < 3 && b"MS\x03".starts_with(b)))
    }

    /// Reads the MiniSEED 3 record at the current position: its header and, when `wanted` accepts the
    /// header and samples are asked for, its samples. A record cut off by the end of the input, a bad
    /// length, CRC or field is an error (as libmseed 3).
    fn next_v3(
        &mut self,
        wanted: impl Fn(&Header3) -> bool,
        decode: bool,
    ) -> Result<(Header3, Option<Decoded3>), IoError> {
        let have = self.fill(FIXED_HEADER3)?;
        let len = record3_length(&self.buf[self.pos..self.pos + have]).map_err(|w| self.err(w))?;
        let have = self.fill(len)?;
        let rec = parse_record3(&self.buf[self.pos..self.pos + have]).map_err(|w| self.err(w))?;
        let header = rec.header().map_err(|w| self.err(w))?;
        let samples = if wanted(&header) {
            Some(if decode {
                rec.decode().map_err(|w| self.err(w))?
            } else {
                None
            })
        } else {
            None
        };
        self.consume(len);
        self.index += 1;
        Ok((header, samples))
    }

    /// The length of the record at the current position, `None` where ObsPy stops reading.
    fn record_length(&mut self) -> Result<Option<usize>, IoError> {
        // A blockette 1000 is normally found in the first bytes; only without it is the look-ahead
        // extended to the biggest record plus the next header.
        let mut have = self.fill(8192 + FIXED_HEADER_LEN + 1)?;
        let mut detected = detect_length(&self.buf[self.pos..self.pos + have]).map_err(|w| self.err(w))?;
        if !matches!(detected, Detected::Blockette1000(_)) && !self.eof {
            have = self.fill(MAX_RECLEN + FIXED_HEADER_LEN + 1)?;
            detected = detect_length(&self.buf[self.pos..self.pos + have]).map_err(|w| self.err(w))?;
        }
        let len = match detected {
            Detected::NotSeed => {
                self.warn("not a valid seed record; the rest of the file is not read");
                return Ok(None);
            }
            Detected::Blockette1000(n) => n,
            Detected::NextHeader(n) => n as u64,
            Detected::Unknown => {
                if !self.eof {
                    return Err(self.err(format!(
                        "no blockette 1000 and no next record header within {MAX_RECLEN} bytes: record length unknown"
                    )));
                }
                // ObsPy: the rest of the file is one record when its size is a power of two.
                if have.is_power_of_two() {
                    have as u64
                } else {
                    self.warn(format!(
                        "no blockette 1000 and the remaining {have} bytes are not a power of two; the rest of the file is not read"
                    ));
                    return Ok(None);
                }
            }
        };
        if !(MIN_RECLEN as u64..=MAX_RECLEN as u64).contains(&len) {
            return Err(self.err(format!(
                "record length {len} is out of range: expected {MIN_RECLEN} to {MAX_RECLEN} bytes"
            )));
        }
        let len = len as usize;
        if len > have {
            self.warn(format!(
                "unexpected end of file: the record needs {len} bytes, {have} left; the rest of the file is not read"
            ));
            return Ok(None);
        }
        Ok(Some(len))
    }
}

/// Reads a MiniSEED 2 and/or 3 file.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<MseedFile, IoError> {
    let file = File::open(path).map_err(|e| IoError::os(path, e))?;
    let size = file.metadata().map_err(|e| IoError::os(path, e))?.len();
    // RecordReader buffers itself: no BufReader (it would only add a copy).
    read_from(file, path, Some(size), opts)
}

/// Reads MiniSEED 2/3 records held in memory; `label` names them in errors.
pub fn read_bytes(label: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<MseedFile, IoError> {
    read_from(bytes, label, Some(bytes.len() as u64), opts)
}

/// Reads MiniSEED 2 records from any reader (`size` when known enables ObsPy's size checks).
pub fn read_from<R: Read>(src: R, label: &Path, size: Option<u64>, opts: &ReadOptions) -> Result<MseedFile, IoError> {
    let mut reader = RecordReader::new(src, label);
    reader.keep_bytes = !opts.headonly;
    let prefix_len = reader.fill(MAX_RECLEN)?;
    // MiniSEED 3 records may be shorter than 128 bytes and have none of ObsPy's first-record checks.
    let starts_v3 = is_mseed3(&reader.buf[..prefix_len.min(15)]);
    if !starts_v3 && size.map_or(prefix_len < MIN_RECLEN, |s| s < MIN_RECLEN as u64) {
        return Err(IoError::Format(FormatError::new(
            label,
            None,
            0,
            format!("the smallest possible record is 128 bytes; the file has {prefix_len}"),
        )));
    }
    if !starts_v3 {
        let control_len = first_record_check(&reader.buf[..prefix_len])
            .map_err(|w| IoError::Format(FormatError::new(label, Some(0), 0, w)))?;
        reader.skip_control_headers(control_len)?;
    }
    let window = Window::new(opts);
    let mut asm = Assembler::default();
    let mut out = MseedFile::default();
    while !reader.done {
        if reader.at_v3()? {
            let (offset, index) = (reader.offset, reader.index);
            let (h, kept) = reader.next_v3(|h| window.keeps3(h), !opts.headonly)?;
            let Some(decoded) = kept else {
                out.skipped += 1;
                continue;
            };
            out.records += 1;
            let samples = decoded.map(|(samples, warnings)| {
                for w in warnings {
                    out.warnings
                        .push(FormatError::new(label, Some(index), offset, w).to_string());
                }
                samples
            });
            asm.push3(h, samples);
            continue;
        }
        let Some(rec) = reader.next_record()? else { break };
        let h = &rec.header;
        if !window.keeps(h) {
            out.skipped += 1;
            continue;
        }
        out.records += 1;
        let decoded = if !opts.headonly && h.has_decodable_data() {
            let (samples, warnings) = rec
                .decode()
                .map_err(|w| IoError::Format(FormatError::new(label, Some(rec.index), rec.offset, w)))?;
            for w in warnings {
                out.warnings
                    .push(FormatError::new(label, Some(rec.index), rec.offset, w).to_string());
            }
            Some(samples)
        } else {
            None
        };
        asm.push(h, decoded);
    }
    out.warnings.splice(0..0, reader.warnings.drain(..));
    out.skipped += reader.blanks;
    out.stream = asm.finish(opts.headonly);
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

/// The checks ObsPy's Python layer makes on the first record before libmseed reads the file
/// (`util.get_record_information`); returns the record length used to skip SEED control records.
fn first_record_check(prefix: &[u8]) -> Result<usize, String> {
    // Find the first data record (skipping blank blocks and control records as ObsPy does).
    let mut start = 0usize;
    if prefix.len().is_multiple_of(MIN_RECLEN) {
        while prefix.get(start + 6) == Some(&b' ') && is_blank(&prefix[start..], true) {
            start += MIN_RECLEN;
        }
    }
    let rec = prefix.get(start..).unwrap_or(&[]);
    if rec.get(6).is_some_and(|c| matches!(c, b'V' | b'A' | b'S' | b'T')) {
        // A full SEED volume: the record length of its control headers is in blockette 008/010;
        // the data records carry their own. Use the first data record's blockette 1000 when found.
        return control_record_length(prefix);
    }
    let u16_at = |at: usize, be: bool| -> Result<u16, String> {
        let b = rec.get(at..at + 2).ok_or_else(|| {
            format!(
                "first record ends at byte {} before its header field at {at}",
                rec.len()
            )
        })?;
        Ok(if be {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    // ObsPy tries big-endian first and keeps it when the day is 1..=366 and the year one Python's
    // datetime accepts.
    let be = if (1..=366).contains(&u16_at(22, true)?) && (1..=9999).contains(&u16_at(20, true)?) {
        true
    } else if (1..=366).contains(&u16_at(22, false)?) {
        false
    } else {
        return Err("julday out of bounds in both byte orders: not a valid first record".into());
    };
    if rec.len() >= FIXED_HEADER_LEN && (rec[24] > 23 || rec[25] > 59 || rec[26] > 60) {
        return Err(format!(
            "first record start time {:02}:{:02}:{:02} is not a valid time of day",
            rec[24], rec[25], rec[26]
        ));
    }
    let mut off = usize::from(u16_at(46, be)?);
    let mut reclen = None;
    while off != 0 {
        let kind = u16_at(off, be)?;
        let next = usize::from(u16_at(off + 2, be)?);
        if next != 0 && (next < 4 || next - 4 <= off) {
            return Err(format!(
                "invalid blockette offset ({next}) less than or equal to current offset ({off})"
            ));
        }
        if kind == 1000 {
            let b = rec
                .get(off + 4..off + 7)
                .ok_or_else(|| format!("blockette 1000 at byte {off} is cut off by the end of the file"))?;
            let enc = b[0];
            match DataEncoding::from_code(enc) {
                Some(DataEncoding::Int24) => {
                    return Err("encoding INT24 (2) is not supported by ObsPy/libmseed 2".into());
                }
                Some(_) => {}
                None => return Err(format!("encoding {enc} is not a valid MiniSEED encoding")),
            }
            reclen = Some(1usize.checked_shl(u32::from(b[2])).unwrap_or(0));
        }
        off = next;
    }
    Ok(reclen.unwrap_or(MIN_RECLEN).max(MIN_RECLEN))
}

/// Record length of a full SEED volume's control headers (blockette 005/008/010 field "logical
/// record length" as 2^N), parsed as ObsPy's `get_record_information` does, which also requires a
/// data record at a multiple of that length.
fn control_record_length(prefix: &[u8]) -> Result<usize, String> {
    let int_at = |at: usize, n: usize| -> Result<i64, String> {
        let b = prefix
            .get(at..at + n)
            .ok_or_else(|| format!("seed control header cut off at byte {at}"))?;
        std::str::from_utf8(b)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                format!(
                    "invalid number '{}' in seed control header at byte {at}",
                    String::from_utf8_lossy(b)
                )
            })
    };
    let mut at = 8usize;
    loop {
        let id = prefix
            .get(at..at + 3)
            .ok_or_else(|| format!("seed control header cut off at byte {at}"))?;
        if id == b"010" || id == b"008" || id == b"005" {
            break;
        }
        if id.first() != Some(&b'0') {
            return Err(format!(
                "seed volume index control headers: blockette 0xx expected, got '{}'",
                String::from_utf8_lossy(id)
            ));
        }
        let len = int_at(at + 3, 4)?;
        at = usize::try_from(at as i64 + len)
            .ok()
            .filter(|&n| n > at)
            .ok_or_else(|| format!("seed control blockette length {len} at byte {at} does not advance"))?;
    }
    let exp = int_at(at + 11, 2)?;
    let len = u32::try_from(exp)
        .ok()
        .and_then(|e| 1usize.checked_shl(e))
        .filter(|&n| n >= MIN_RECLEN)
        .ok_or_else(|| format!("seed control header record length 2^{exp} is not usable"))?;
    let mut start = 0;
    while let Some(&c) = prefix.get(start + 6) {
        if matches!(c, b'D' | b'R' | b'Q' | b'M') {
            return Ok(len);
        }
        start += len;
    }
    Err("no miniseed data record found in the seed volume".into())
}

/// The time window and channel selection of [`ReadOptions`], as libmseed's `ms_matchselect`.
struct Window {
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
    fn new(opts: &ReadOptions) -> Window {
        Window {
            start_us: opts.starttime.map(ns_to_us),
            end_us: opts.endtime.map(ns_to_us),
            start_ns: opts.starttime.map(|t| t.0),
            end_ns: opts.endtime.map(|t| t.0),
            select: opts.select.clone(),
        }
    }

    fn keeps(&self, h: &RecordHeader) -> bool {
        let (s, e) = (h.start_us, h.end_us());
        let selected = self.select.as_ref().is_none_or(|p| glob_match(p, &h.id.to_string()));
        let after_start = self.start_us.is_none_or(|ws| s >= ws || e >= ws);
        let before_end = self.end_us.is_none_or(|we| e <= we || s <= we);
        selected && after_start && before_end
    }
}

impl Window {
    /// The selection for a MiniSEED 3 record, in nanoseconds (no µs rounding of the window).
    fn keeps3(&self, h: &Header3) -> bool {
        if self.select.as_ref().is_some_and(|p| !glob_match(p, &h.id.to_string())) {
            return false;
        }
        let (s, e) = (h.start_ns, h.end_ns);
        let before = |w: Option<i64>| w.map(|ns| s < ns && e < ns).unwrap_or(false);
        let after = |w: Option<i64>| w.map(|ns| e > ns && s > ns).unwrap_or(false);
        !before(self.start_ns) && !after(self.end_ns)
    }
}

/// One run of joined records. Times are in ns; MiniSEED 2 records bring µs values × 1000 (so the
/// comparisons are exactly ObsPy's µs ones), MiniSEED 3 records ns values (libmseed 3).
struct Segment {
    start_ns: i64,
    end_ns: i64,
    rate: f64,
    /// Sample period and join tolerance (half of it), truncated to µs for v2 and to ns for v3.
    hpdelta: i64,
    tol: i64,
    sample_type: Option<SampleType>,
    samplecnt: usize,
    samples: Option<Samples>,
    info: MseedInfo,
    headers: BTreeMap<String, HeaderValue>,
}

struct IdSegments {
    key: (ChannelId, char),
    segments: Vec<Segment>,
}

#[derive(Default)]
struct Assembler {
    ids: Vec<IdSegments>,
}

/// libmseed's MS_ISRATETOLERABLE.
fn rate_tolerable(a: f64, b: f64) -> bool {
    (1.0 - a / b).abs() < 0.0001
}

/// One record as the assembler sees it.
struct Span {
    key: (ChannelId, char),
    start_ns: i64,
    end_ns: i64,
    rate: f64,
    hpdelta: i64,
    tol: i64,
    nsamples: usize,
}

impl Assembler {
    fn push(&mut self, h: &RecordHeader, samples: Option<Samples>) {
        let hpdelta_us = if h.sample_rate != 0.0 {
            (1e6 / h.sample_rate) as i64
        } else {
            0
        };
        let span = Span {
            key: (h.id.clone(), h.dataquality),
            start_ns: h.start_us.saturating_mul(1000),
            end_ns: h.end_us().saturating_mul(1000),
            rate: h.sample_rate,
            hpdelta: hpdelta_us.saturating_mul(1000),
            tol: ((0.5 * hpdelta_us as f64) as i64).saturating_mul(1000),
            nsamples: h.nsamples,
        };
        let info = MseedInfo {
            encoding: h.encoding_code,
            record_length: h.record_length as u32,
            big_endian: h.data_big_endian,
            dataquality: h.dataquality,
            number_of_records: 1,
            version: 2,
        };
        self.push_span(span, samples, info, BTreeMap::new());
    }

    fn push3(&mut self, h: Header3, samples: Option<Samples>) {
        let hpdelta = if h.rate != 0.0 { (1e9 / h.rate) as i64 } else { 0 };
        let span = Span {
            key: (h.id, h.quality),
            start_ns: h.start_ns,
            end_ns: h.end_ns,
            rate: h.rate,
            hpdelta,
            tol: (0.5 * hpdelta as f64) as i64,
            nsamples: h.nsamples,
        };
        self.push_span(span, samples, h.info, h.headers);
    }

    fn push_span(
        &mut self,
        span: Span,
        samples: Option<Samples>,
        info: MseedInfo,
        headers: BTreeMap<String, HeaderValue>,
    ) {
        let idx = match self.ids.iter().rposition(|i| i.key == span.key) {
            Some(i) => i,
            None => {
                self.ids.push(IdSegments {
                    key: span.key.clone(),
                    segments: Vec::new(),
                });
                self.ids.len() - 1
            }
        };
        let sample_type = samples.as_ref().map(Samples::sample_type);
        let segs = &mut self.ids[idx].segments;
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
                if let (Some(all), Some(new)) = (seg.samples.as_mut(), samples.as_ref()) {
                    all.extend_from(new);
                }
                return;
            }
        }
        segs.push(Segment {
            start_ns: span.start_ns,
            end_ns: span.end_ns,
            rate: span.rate,
            hpdelta: span.hpdelta,
            tol: span.tol,
            sample_type,
            samplecnt: span.nsamples,
            samples,
            info,
            headers,
        });
    }

    fn finish(self, headonly: bool) -> Stream {
        let mut traces = Vec::new();
        for id in self.ids {
            for seg in id.segments {
                let encoding_type =
                    DataEncoding::from_code(seg.info.encoding).map_or(SampleType::I32, DataEncoding::sample_type);
                let data = seg.samples.unwrap_or_else(|| Samples::empty(encoding_type));
                let mut tr = Trace::new(id.key.0.clone(), Time(seg.start_ns), seg.rate, data);
                if headonly {
                    tr.stats.npts = seg.samplecnt;
                }
                tr.stats.mseed = Some(seg.info);
                tr.stats.headers = seg.headers;
                traces.push(tr);
            }
        }
        Stream::new(traces)
    }
}
