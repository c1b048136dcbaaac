//! Record framing over a file held in memory: where each MiniSEED 2 or 3 record starts and how long it
//! is, as ObsPy 1.5.1 (libmseed 2.19 under `readMSEEDBuffer`) and libmseed 3 find them.
//!
//! * Leading SEED control records (`V`, `A`, `S`, `T`) are skipped; blank/noise 128-byte blocks are
//!   skipped anywhere.
//! * Garbage where a record should start, a truncated last record or a record longer than what is
//!   left ends the read with a warning: the records before it are returned.
//! * A MiniSEED 3 record cut off by the end of the input, or with a bad length, CRC or field, is an error.

use std::path::{Path, PathBuf};

use super::record::{Detected, FIXED_HEADER_LEN, MAX_RECLEN, MIN_RECLEN, RecordHeader, detect_length, is_blank};
use super::v3read::{FIXED_HEADER3, Record3, is_mseed3, parse_record3, record3_length};
use crate::{FormatError, IoError};

/// One MiniSEED 2 record: its header, where it starts in the file and its bytes.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Parsed header.
    pub header: RecordHeader,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// 0-based index of the record among the data records of the file.
    pub index: usize,
    /// The record's bytes (`header.record_length` of them), borrowed from the file.
    pub bytes: &'a [u8],
}

impl Record<'_> {
    /// Decodes the samples (with Steim integrity warnings).
    pub fn decode(&self) -> Result<(seispool_core::Samples, Vec<String>), String> {
        self.header.decode(self.bytes)
    }
}

/// Walks the MiniSEED 2 and 3 records of a file held in memory, borrowing each one.
pub struct RecordReader<'a> {
    data: &'a [u8],
    label: PathBuf,
    /// Offset of the next unread byte.
    pos: usize,
    index: usize,
    done: bool,
    /// Warnings collected so far.
    pub warnings: Vec<String>,
    /// Blank/noise blocks skipped.
    pub blanks: usize,
    /// The kinds of [`RecordHeader::oddities`] warned about already (one warning per kind and file).
    warned: u8,
}

impl<'a> RecordReader<'a> {
    /// A reader over the bytes of a file; `label` names it in errors and warnings.
    pub fn new(data: &'a [u8], label: &Path) -> Self {
        RecordReader {
            data,
            label: label.to_path_buf(),
            pos: 0,
            index: 0,
            done: false,
            warnings: Vec::new(),
            blanks: 0,
            warned: 0,
        }
    }

    /// Offset of the next record.
    pub fn offset(&self) -> u64 {
        self.pos as u64
    }

    /// 0-based index of the next record.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether the reader stopped (end of data or where ObsPy stops reading).
    pub fn is_done(&self) -> bool {
        self.done || self.pos >= self.data.len()
    }

    /// An error at the current record.
    pub fn err(&self, what: impl Into<String>) -> IoError {
        IoError::Format(FormatError::new(&self.label, Some(self.index), self.pos as u64, what))
    }

    fn warn(&mut self, what: impl std::fmt::Display) {
        let e = FormatError::new(&self.label, Some(self.index), self.pos as u64, what.to_string());
        self.warnings.push(e.to_string());
    }

    /// The unread bytes.
    fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    /// Skips leading SEED control records (`V`, `A`, `S`, `T`) of `len` bytes, as ObsPy does
    /// before handing the data records to libmseed; errors on anything else that is not a record.
    pub fn skip_control_headers(&mut self, len: usize) -> Result<(), IoError> {
        loop {
            let Some(b) = self.rest().get(..7) else {
                return Ok(());
            };
            // ObsPy's digit test on signed bytes: any byte <= b'9' as i8 passes.
            let digits = b[..6].iter().all(|&c| (c as i8) <= b'9' as i8);
            let ok = matches!(b[6], b'D' | b'R' | b'Q' | b'M' | b'V' | b'A' | b'S' | b'T' | b' ');
            if !digits || !ok {
                return Err(self.err("not a valid (mini-)seed file: expected a sequence number and a record type"));
            }
            if !matches!(b[6], b'V' | b'A' | b'S' | b'T') || self.rest().len() < len {
                return Ok(());
            }
            self.consume(len);
        }
    }

    /// The next MiniSEED 2 data record, `None` at the end (or where ObsPy stops reading, with a warning).
    pub fn next_v2(&mut self) -> Result<Option<Record<'a>>, IoError> {
        while !self.done {
            let have = self.rest().len();
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
            if is_blank(self.rest(), true) {
                self.consume(MIN_RECLEN);
                self.blanks += 1;
                continue;
            }
            let Some(reclen) = self.record_length()? else {
                self.done = true;
                break;
            };
            let header = RecordHeader::parse(self.rest(), reclen).map_err(|w| self.err(w))?;
            let len = header.record_length;
            if len != reclen && len > have {
                // Blockette 1000 disagrees with the length used (only when the length came from the
                // rest of the file): ObsPy skips the rest.
                self.warn(format!(
                    "record length {len} of blockette 1000 exceeds the rest of the file; ignored"
                ));
                self.done = true;
                break;
            }
            if !(MIN_RECLEN..=MAX_RECLEN).contains(&len) {
                return Err(self.err(format!(
                    "record length {len} of blockette 1000 is out of range: expected {MIN_RECLEN} to {MAX_RECLEN} bytes"
                )));
            }
            for (kind, what) in header.oddities(self.rest(), self.index == 0, self.pos as u64) {
                if self.warned & (1 << kind) == 0 {
                    self.warned |= 1 << kind;
                    self.warn(what);
                }
            }
            let record = Record {
                header,
                offset: self.pos as u64,
                index: self.index,
                bytes: &self.rest()[..len],
            };
            self.consume(len);
            self.index += 1;
            return Ok(Some(record));
        }
        Ok(None)
    }

    /// Whether a MiniSEED 3 record starts at the current position (also when the input ends within
    /// its `MS` + version signature, so that the cut record is reported).
    pub(crate) fn at_v3(&self) -> bool {
        let b = &self.rest()[..self.rest().len().min(15)];
        is_mseed3(b) || (!b.is_empty() && b.len() < 3 && b"MS\x03".starts_with(b))
    }

    /// The MiniSEED 3 record at the current position. A record cut off by the end of the input, a bad
    /// length, CRC or field is an error (as libmseed 3).
    pub(crate) fn next_v3(&mut self) -> Result<Record3<'a>, IoError> {
        let rest = self.rest();
        let head = &rest[..rest.len().min(FIXED_HEADER3)];
        let len = record3_length(head).map_err(|w| self.err(w))?;
        let rec = parse_record3(rest).map_err(|w| self.err(w))?;
        self.consume(len);
        self.index += 1;
        Ok(rec)
    }

    /// The length of the record at the current position, `None` where ObsPy stops reading.
    fn record_length(&mut self) -> Result<Option<usize>, IoError> {
        let rest = self.rest();
        let have = rest.len();
        // A blockette 1000 is normally found in the first bytes; only without it is the look-ahead
        // extended to the biggest record plus the next header.
        let near = &rest[..have.min(8192 + FIXED_HEADER_LEN + 1)];
        let mut detected = detect_length(near).map_err(|w| self.err(w))?;
        if !matches!(detected, Detected::Blockette1000(_)) && near.len() < have {
            let far = &rest[..have.min(MAX_RECLEN + FIXED_HEADER_LEN + 1)];
            detected = detect_length(far).map_err(|w| self.err(w))?;
        }
        let len = match detected {
            Detected::NotSeed => {
                self.warn("not a valid seed record; the rest of the file is not read");
                return Ok(None);
            }
            Detected::Blockette1000(n) => n,
            Detected::NextHeader(n) => n as u64,
            Detected::Unknown => {
                if have > MAX_RECLEN + FIXED_HEADER_LEN {
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
