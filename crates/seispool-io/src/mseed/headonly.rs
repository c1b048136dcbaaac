//! Header-only reading of a MiniSEED file without reading its payloads: only each record's fixed header and
//! blockettes (MiniSEED 2) are looked at, then the record length is skipped. The file is read in 256 KiB
//! chunks into one reused buffer (no allocation of the file's size, no decoding; on a shared VM one read
//! call per header costs more than copying the whole file, and a memory map risks SIGBUS, see [`Source`]).
//! A MiniSEED 3 record is looked at whole, as its CRC covers the payload.
//!
//! Only the plain layout is handled here: a data record at byte 0, every MiniSEED 2 record with a
//! blockette 1000 near its start, nothing ObsPy would warn about. Anything else (SEED control headers,
//! records without blockette 1000, garbage, a truncated end, any error) returns `None`, and the caller
//! reads the whole file as before, which gives the same result or the error naming the file and offset.
//! Where this path does return, it computes what the whole-file reader would from the same header bytes.
//!
//! Most records repeat the previous record's header but for the sequence number, start time and sample
//! count: when a record's header bytes other than those equal those the last header was parsed from, the
//! record is not parsed again; its time and count are read and joined to the same trace ([`Last::repeat`]).

use std::fs::File;
use std::path::Path;

use super::first_record::first_record_check;
use super::join::Joiner;
use super::reader::{MseedFile, Window};
use super::record::{
    Detected, FIXED_HEADER_LEN, MAX_RECLEN, MIN_RECLEN, RecordHeader, detect_length, header_big_endian, is_blank,
    is_valid_header,
};
use super::v3read::{FIXED_HEADER3, is_mseed3, parse_record3, record3_length};
use crate::ReadOptions;

/// Bytes looked at first for each MiniSEED 2 record: the fixed header and the usual blockettes
/// (1000, 1001, 100) fit with room to spare.
const HEAD: usize = 256;
/// The chunk read at a time when the file is not mapped.
const CHUNK: usize = 256 * 1024;

/// The file's bytes, read in chunks into one reused buffer holding `[start, start + buf.len())`.
///
/// Not a memory map, although a map touches only the header pages and costs about 6 % less CPU here: a
/// file truncated in place by another process while it is mapped kills the whole process with SIGBUS
/// when a page past the new end is read, and a file that changes under a run must cost that file only
/// (docs/reliability.md). A read into a reused buffer sees a short file as a short read instead.
struct Source {
    file: File,
    size: usize,
    start: usize,
    buf: Vec<u8>,
}

impl Source {
    fn open(path: &Path) -> Option<Source> {
        let (file, size) = seispool_core::limits::open_input(path).ok()?;
        let size = usize::try_from(size).ok()?;
        if size == 0 {
            return None;
        }
        Some(Source {
            file,
            size,
            start: 0,
            buf: Vec::new(),
        })
    }

    fn size(&self) -> usize {
        self.size
    }

    /// The bytes `[at, at + want)` clipped to the file; `None` on a read error or a file that became
    /// shorter (the whole-file reader then reports it).
    fn get(&mut self, at: usize, want: usize) -> Option<&[u8]> {
        let end = at.checked_add(want)?.min(self.size);
        if at < self.start || end > self.start + self.buf.len() {
            let n = CHUNK.max(want).min(self.size.saturating_sub(at));
            self.buf.resize(n, 0);
            read_exact_at(&self.file, &mut self.buf, at as u64)?;
            self.start = at;
        }
        self.buf.get(at - self.start..end - self.start)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> Option<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at).ok()
}

#[cfg(windows)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> Option<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], at + done as u64) {
            Ok(0) | Err(_) => return None,
            Ok(n) => done += n,
        }
    }
    Some(())
}

#[cfg(not(any(unix, windows)))]
fn read_exact_at(_: &File, _: &mut [u8], _: u64) -> Option<()> {
    None
}

/// The last MiniSEED 2 record header parsed in full, for the records after it that repeat it.
struct Last {
    header: RecordHeader,
    /// The record length [`detect_length`] found for it.
    reclen: usize,
    /// Whether the channel selection takes its id.
    selected: bool,
    /// Its traces in the joiner, once a record of its id and quality was pushed.
    idx: Option<usize>,
}

impl Last {
    /// The start time (µs) and sample count of the record whose first bytes are `head` and whose length
    /// [`detect_length`] found to be `reclen`, when its header is this one's but for those (and the
    /// sequence number): the same record length, the same header byte order and the same bytes as
    /// `template` (the bytes this header was parsed from, as many as the parse depended on) outside
    /// [`RecordHeader::VARYING`]. Then parsing it would give this header with those fields replaced, as
    /// the parse reads only these bytes and walks its blockettes the same way. `None` otherwise.
    fn repeat(&self, template: &[u8], head: &[u8], reclen: usize) -> Option<(i64, usize)> {
        let used = template.len();
        if used < FIXED_HEADER_LEN
            || reclen != self.reclen
            || reclen < used
            || header_big_endian(head) != self.header.header_big_endian
        {
            return None;
        }
        let head = head.get(..used)?;
        let [seq, time] = RecordHeader::VARYING;
        let same = |r: std::ops::Range<usize>| head.get(r.clone()) == template.get(r);
        if !(same(seq.end..time.start) && same(time.end..used)) {
            return None;
        }
        self.header.varying(head)
    }
}

/// The header-only read of `path` (`opts.headonly`), skipping payloads; `None` when the file is not
/// of the plain layout above, or on any error or warning (then read the whole file instead).
pub(crate) fn read_headers(path: &Path, opts: &ReadOptions, parallel: bool) -> Option<MseedFile> {
    let mut src = Source::open(path)?;
    let size = src.size();
    let first = src.get(0, 4096)?;
    if !is_mseed3(&first[..first.len().min(15)]) {
        // ObsPy's first-record checks: when they pass on these bytes with a data record at byte 0, they
        // pass on the whole file's prefix too (the checks read the same bytes; only blank and control
        // records at the start depend on more), and there are no control records to skip.
        if size < MIN_RECLEN || !is_valid_header(first) || first_record_check(first).is_err() {
            return None;
        }
    }
    let window = Window::new(opts);
    let mut joiner = Joiner::default();
    let mut out = MseedFile::default();
    let (mut pos, mut blanks) = (0usize, 0usize);
    // The last MiniSEED 2 header parsed in full and the bytes it was parsed from (its id strings are reused
    // for the next header parsed).
    let mut last: Option<Last> = None;
    let mut template: Vec<u8> = Vec::with_capacity(HEAD);
    while pos < size {
        let have = size - pos;
        let head = src.get(pos, HEAD)?;
        if is_mseed3(&head[..head.len().min(15)]) || (head.len() < 3 && b"MS\x03".starts_with(head)) {
            let len = record3_length(&head[..head.len().min(FIXED_HEADER3)]).ok()?;
            if len == 0 || len > have {
                return None;
            }
            let rec = parse_record3(src.get(pos, len)?).ok()?;
            let header = rec.header().ok()?;
            if window.keeps_v3(&header) {
                out.records += 1;
                joiner.push_v3(header, None);
            } else {
                out.skipped += 1;
            }
            pos += len;
            continue;
        }
        if have < MIN_RECLEN {
            return None; // ObsPy warns about the short tail
        }
        if is_blank(head, true) {
            pos += MIN_RECLEN;
            blanks += 1;
            continue;
        }
        // The first blockette 1000 of the chain, found in these bytes, is the one the whole-file reader
        // finds (it walks the same chain); without it the record length needs a look further on.
        let Ok(Detected::Blockette1000(reclen)) = detect_length(head) else {
            return None;
        };
        let reclen = usize::try_from(reclen).ok()?;
        if !(MIN_RECLEN..=MAX_RECLEN).contains(&reclen) || reclen > have {
            return None;
        }
        if let Some(t) = &mut last
            && let Some((start_us, nsamples)) = t.repeat(&template, head, reclen)
        {
            if !t.header.oddities(head, true, 0).is_empty() {
                return None; // a warning (its BTIME fraction): the whole-file reader words it
            }
            let len = t.header.record_length;
            if (len != reclen && len > have) || !(MIN_RECLEN..=MAX_RECLEN).contains(&len) {
                return None;
            }
            if t.selected && window.keeps_v2_span(start_us, t.header.end_us_of(start_us, nsamples)) {
                out.records += 1;
                let idx = match t.idx {
                    Some(i) => i,
                    None => joiner.push_id(&t.header),
                };
                t.idx = Some(idx);
                joiner.push_v2_at(idx, &t.header, start_us, nsamples);
            } else {
                out.skipped += 1;
            }
            pos += len;
            continue;
        }
        let spare = last.take().map(|t| t.header.id).unwrap_or_default();
        let (header, used) = match RecordHeader::parse_prefix_used(head, reclen, spare).ok()? {
            Some((h, used)) => (h, used),
            None => (RecordHeader::parse(src.get(pos, reclen)?, reclen).ok()?, 0),
        };
        let len = header.record_length;
        if (len != reclen && len > have) || !(MIN_RECLEN..=MAX_RECLEN).contains(&len) {
            return None;
        }
        if !header.oddities(src.get(pos, FIXED_HEADER_LEN)?, true, 0).is_empty() {
            return None; // a warning: the whole-file reader words it
        }
        let selected = window.selects(&header.id);
        let mut idx = joiner.index_of(&header.id, header.dataquality);
        if selected && window.keeps_v2_span(header.start_us, header.end_us()) {
            out.records += 1;
            let i = match idx {
                Some(i) => i,
                None => joiner.push_id(&header),
            };
            idx = Some(i);
            joiner.push_v2_at(i, &header, header.start_us, header.nsamples);
        } else {
            out.skipped += 1;
        }
        // The bytes this header depends on, for the records after it (`Last::repeat`); none (shorter than
        // the fixed header) when it needed more than the first `HEAD` bytes.
        template.clear();
        if let Some(bytes) = src.get(pos, HEAD)?.get(..used) {
            template.extend_from_slice(bytes);
        }
        last = Some(Last {
            header,
            reclen,
            selected,
            idx,
        });
        pos += len;
    }
    let (stream, warnings) = joiner.into_traces(path, true, parallel).ok()?;
    if !warnings.is_empty() || stream.is_empty() {
        return None; // the whole-file reader words these
    }
    out.stream = stream;
    out.skipped += blanks;
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use seispool_core::{ChannelId, Samples, Stream, Time, Trace};

    use super::*;
    use crate::mseed::{WriteOptions, read_bytes, write_file};

    /// The payload-skipping path is taken for a plain file (the comparisons in
    /// `tests/mseed_headonly.rs` would also pass if it always gave way to the whole-file read).
    #[test]
    fn plain_files_are_read_without_their_payloads() {
        let dir = seispool_testkit::tempdir().unwrap();
        let data: Vec<i32> = (0..50_000).map(|i| (i % 977) - 400).collect();
        let tr = Trace::new(
            ChannelId::parse("XX.STA.00.HHZ").unwrap(),
            Time(0),
            100.0,
            Samples::I32(data),
        );
        let st = Stream::new(vec![tr]);
        for reclen in [256, 4096] {
            let path = dir.path().join(format!("plain{reclen}.mseed"));
            let opts = WriteOptions {
                record_length: reclen,
                ..WriteOptions::default()
            };
            write_file(&path, &st, &opts).unwrap();
            let ro = ReadOptions {
                headonly: true,
                ..ReadOptions::default()
            };
            let fast = read_headers(&path, &ro, false).unwrap();
            let whole = read_bytes(&path, &std::fs::read(&path).unwrap(), &ro).unwrap();
            assert_eq!(fast.stream.traces[0].stats, whole.stream.traces[0].stats);
            assert_eq!(fast.stream.traces[0].stats.npts, 50_000);
            assert_eq!((fast.records, fast.skipped), (whole.records, whole.skipped));
            // A damaged payload does not matter to a header-only read: still taken.
            let mut bytes = std::fs::read(&path).unwrap();
            let at = reclen + 100;
            bytes[at..at + 16].fill(0xAB);
            std::fs::write(&path, &bytes).unwrap();
            assert!(read_headers(&path, &ro, false).is_some());
        }
    }
}
