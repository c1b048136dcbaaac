//! MiniSEED 2.4 record headers: the 48-byte fixed section and the blockette chain, parsed as
//! libmseed 2.19 (`msr_unpack`, `ms_detect`) does under ObsPy 1.5.
//!
//! * Header byte order: little-endian when the little-endian year is 1900..=2100 and the day
//!   1..=366, big-endian otherwise (libmseed's test on a little-endian host).
//! * Data byte order: blockette 1000's word order (0 little-endian, anything else big-endian); without
//!   blockette 1000 the header's byte order, and the encoding falls back to STEIM1 (libmseed default).
//! * Start time: BTIME (fields added without range checks, like `ms_btime2hptime`), plus the time
//!   correction when activity flag bit 1 ("correction applied") is clear, plus blockette 1001's µs.
//! * Sample rate: blockette 100 when present (last one wins), else factor and multiplier
//!   (`ms_nomsamprate`).

use seispool_core::{ChannelId, Samples, days_from_civil};

use super::DataEncoding;
use super::decode::decode_payload;

/// Smallest record length libmseed accepts.
pub const MIN_RECLEN: usize = 128;
/// Largest record length libmseed 2 accepts (1 MiB).
pub const MAX_RECLEN: usize = 1 << 20;
/// Bytes in the fixed section of the data header.
pub const FIXED_HEADER_LEN: usize = 48;

/// libmseed's MS_ISVALIDYEARDAY.
pub(crate) fn valid_year_day(year: u16, day: u16) -> bool {
    (1900..=2100).contains(&year) && (1..=366).contains(&day)
}

fn seq_char(b: u8, space_ok: bool) -> bool {
    b.is_ascii_digit() || b == 0 || (space_ok && b == b' ')
}

/// libmseed's MS_ISVALIDHEADER on the first 48 bytes (`b` must hold them).
pub fn is_valid_header(b: &[u8]) -> bool {
    b.len() >= FIXED_HEADER_LEN
        && b[..6].iter().all(|&c| seq_char(c, true))
        && matches!(b[6], b'D' | b'R' | b'Q' | b'M')
        && (b[7] == b' ' || b[7] == 0)
        && (b[24] as i8) >= 0
        && (b[24] as i8) <= 23
        && (b[25] as i8) >= 0
        && (b[25] as i8) <= 59
        && (b[26] as i8) >= 0
        && (b[26] as i8) <= 60
}

/// A blank or noise record: digits (or NUL, and spaces when `spaces_in_sequence`) then 42 spaces.
/// ObsPy skips these 128 bytes at a time (with spaces allowed); libmseed's detector allows no spaces.
pub fn is_blank(b: &[u8], spaces_in_sequence: bool) -> bool {
    b.len() >= FIXED_HEADER_LEN
        && b[..6].iter().all(|&c| seq_char(c, spaces_in_sequence))
        && b[6..FIXED_HEADER_LEN].iter().all(|&c| c == b' ')
}

/// Whether `prefix` (the start of a file, ideally 48 bytes or more) looks like MiniSEED 2: a valid
/// fixed header, or blank/noise records followed by one.
pub fn is_mseed2(prefix: &[u8]) -> bool {
    let mut at = 0;
    while let Some(b) = prefix.get(at..) {
        if is_valid_header(b) {
            return true;
        }
        if !is_blank(b, true) || b.len() < MIN_RECLEN {
            return false;
        }
        at += MIN_RECLEN;
    }
    false
}

/// Byte-order aware field reader.
#[derive(Clone, Copy)]
struct Order(bool);

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let a = [*b.get(at)?, *b.get(at + 1)?];
        Some(if self.0 {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }
    fn i16(self, b: &[u8], at: usize) -> Option<i16> {
        self.u16(b, at).map(|v| v as i16)
    }
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let a = [*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?];
        Some(if self.0 {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }
}

/// Whether the header is big-endian (libmseed's year/day test).
pub fn header_big_endian(b: &[u8]) -> bool {
    let le = Order(false);
    match (le.u16(b, 20), le.u16(b, 22)) {
        (Some(y), Some(d)) => !valid_year_day(y, d),
        _ => true,
    }
}

/// How a record's length was found by [`detect_length`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Not a data record header.
    NotSeed,
    /// From blockette 1000 (`2^exponent`, possibly out of range).
    Blockette1000(u64),
    /// From the distance to the next header (or blank record) found in the buffer.
    NextHeader(usize),
    /// A record, but no blockette 1000 and no following header in the buffer.
    Unknown,
}

/// libmseed's `ms_detect` over `buf` (the bytes from the record start to the end of what is known).
/// `Err` is an invalid blockette chain.
pub fn detect_length(buf: &[u8]) -> Result<Detected, String> {
    if buf.len() < FIXED_HEADER_LEN || !is_valid_header(buf) {
        return Ok(Detected::NotSeed);
    }
    let o = Order(header_big_endian(buf));
    let mut off = usize::from(o.u16(buf, 46).unwrap_or(0));
    while off != 0 && off <= buf.len() {
        let (Some(kind), Some(next)) = (o.u16(buf, off), o.u16(buf, off + 2)) else {
            break;
        };
        if kind == 1000 && off + 4 + 8 <= buf.len() {
            let exp = u32::from(buf[off + 6]);
            return Ok(Detected::Blockette1000(u64::from(1u32.wrapping_shl(exp))));
        }
        let next = usize::from(next);
        if next != 0 && (next < 4 || next - 4 <= off) {
            return Err(format!(
                "invalid blockette offset {next}: not after the current blockette at {off}"
            ));
        }
        off = next;
    }
    let mut at = MIN_RECLEN;
    while at + FIXED_HEADER_LEN < buf.len() {
        if is_valid_header(&buf[at..]) || is_blank(&buf[at..], false) {
            return Ok(Detected::NextHeader(at));
        }
        at += MIN_RECLEN;
    }
    Ok(Detected::Unknown)
}

/// Blockette lengths libmseed knows (`ms_blktlen`); 0 for unknown types.
fn blockette_length(kind: u16, rec: &[u8], at: usize, o: Order) -> usize {
    match kind {
        100 => 12,
        200 => 28,
        201 => 36,
        300 | 310 => 32,
        320 | 390 => 28,
        395 | 400 => 16,
        405 => 6,
        500 => 200,
        1000 | 1001 => 8,
        2000 => usize::from(o.u16(rec, at + 4).unwrap_or(0)),
        _ => 0,
    }
}

/// The parsed header of one MiniSEED 2 record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordHeader {
    /// Sequence number (0 when not numeric).
    pub sequence_number: u32,
    /// Data quality indicator (D, R, Q, M).
    pub dataquality: char,
    /// Network, station, location, channel (trailing spaces removed).
    pub id: ChannelId,
    /// Number of samples in the record.
    pub nsamples: usize,
    /// Sample rate factor and multiplier of the fixed header.
    pub rate_factor: i16,
    /// Sample rate multiplier.
    pub rate_multiplier: i16,
    /// Activity flags.
    pub activity_flags: u8,
    /// I/O and clock flags.
    pub io_flags: u8,
    /// Data quality flags.
    pub quality_flags: u8,
    /// Number of blockettes the fixed header announces.
    pub blockettes_announced: u8,
    /// Number of blockettes parsed.
    pub blockettes_parsed: usize,
    /// Blockette 1000's word order byte as stored (0 little-, 1 big-endian; 0 without the blockette).
    pub word_order: u8,
    /// Time correction in units of 100 µs.
    pub time_correction: i32,
    /// Offset of the data area.
    pub data_offset: usize,
    /// Whether the header is big-endian.
    pub header_big_endian: bool,
    /// Whether the data words are big-endian.
    pub data_big_endian: bool,
    /// Encoding code (blockette 1000, else 10 = STEIM1 like libmseed).
    pub encoding_code: u8,
    /// Whether blockette 1000 is present.
    pub has_b1000: bool,
    /// Blockette 1001 timing quality and µs offset.
    pub b1001: Option<(u8, i8)>,
    /// Blockette 100 actual sample rate.
    pub b100: Option<f32>,
    /// Record length in bytes.
    pub record_length: usize,
    /// Start time in µs since 1970 (libmseed's `msr_starttime`).
    pub start_us: i64,
    /// Sample rate in Hz (`msr_samprate`).
    pub sample_rate: f64,
}

/// libmseed's `ms_nomsamprate`.
pub fn nominal_sample_rate(factor: i16, multiplier: i16) -> f64 {
    let mut rate = match factor {
        f if f > 0 => f64::from(f),
        f if f < 0 => -1.0 / f64::from(f),
        _ => 0.0,
    };
    if multiplier > 0 {
        rate *= f64::from(multiplier);
    } else if multiplier < 0 {
        rate = -(rate / f64::from(multiplier));
    }
    rate
}

/// The code in `bytes` into `out` (cleared first; its buffer is reused).
fn code_into(bytes: &[u8], out: &mut String) {
    // libmseed copies up to the first NUL; ObsPy strips whitespace and drops non-ASCII bytes.
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    out.clear();
    out.extend(
        bytes[..end]
            .trim_ascii()
            .iter()
            .filter(|c| c.is_ascii())
            .map(|&c| char::from(c)),
    );
}

/// The sequence number field (0 when not a number), as `str::parse` after trimming whitespace.
fn sequence_number(b: &[u8]) -> u32 {
    if b.iter().all(u8::is_ascii_digit) {
        // The common case, same value as the parse below (six digits always fit).
        return b.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0'));
    }
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

impl RecordHeader {
    /// Parses the header of a record of `reclen` bytes held in `rec` (`rec.len() >= reclen`).
    /// Errors are the blockette chain faults libmseed reports as errors.
    pub fn parse(rec: &[u8], reclen: usize) -> Result<RecordHeader, String> {
        let rec = rec
            .get(..reclen)
            .ok_or_else(|| format!("record of {reclen} bytes but only {} available", rec.len()))?;
        // With the whole record at hand no field lies beyond the bytes given.
        Self::parse_prefix(rec, reclen)?.ok_or_else(|| format!("record header of {reclen} bytes could not be parsed"))
    }

    /// [`RecordHeader::parse`] from the first bytes of a record of `reclen` bytes (`prefix` may be shorter
    /// than the record: the payload is not needed). `Ok(None)` when a blockette lies beyond `prefix` but
    /// within the record: the caller then needs more bytes. Otherwise the same result as `parse` on the
    /// whole record, since both read the same bytes.
    pub fn parse_prefix(prefix: &[u8], reclen: usize) -> Result<Option<RecordHeader>, String> {
        Self::parse_prefix_into(prefix, reclen, ChannelId::default())
    }

    /// [`RecordHeader::parse_prefix`] writing the id codes into the strings of `id` (a spare id whose
    /// buffers are reused, saving allocations when many records are parsed).
    pub fn parse_prefix_into(prefix: &[u8], reclen: usize, id: ChannelId) -> Result<Option<RecordHeader>, String> {
        Ok(Self::parse_prefix_used(prefix, reclen, id)?.map(|(h, _)| h))
    }

    /// [`RecordHeader::parse_prefix_into`], also returning how many bytes of the record the result depends
    /// on (the fixed header and every blockette walked): another record whose bytes up to there are the same,
    /// except those of [`RecordHeader::VARYING`], has the same header but for the fields read from those.
    pub(crate) fn parse_prefix_used(
        prefix: &[u8],
        reclen: usize,
        mut id: ChannelId,
    ) -> Result<Option<(RecordHeader, usize)>, String> {
        let rec = &prefix[..prefix.len().min(reclen)];
        let cut = rec.len() < reclen;
        if reclen < FIXED_HEADER_LEN {
            return Err(format!("record length {reclen} is below the 48-byte fixed header"));
        }
        if rec.len() < FIXED_HEADER_LEN {
            return Ok(None);
        }
        let be = header_big_endian(rec);
        let o = Order(be);
        let f16 = |at| o.u16(rec, at).unwrap_or(0);
        let year = f16(20);
        let day = f16(22);
        let (hour, minute, second) = (rec[24], rec[25], rec[26]);
        let fract = f16(28);
        code_into(&rec[18..20], &mut id.network);
        code_into(&rec[8..13], &mut id.station);
        code_into(&rec[13..15], &mut id.location);
        code_into(&rec[15..18], &mut id.channel);
        let mut h = RecordHeader {
            sequence_number: sequence_number(&rec[..6]),
            dataquality: char::from(rec[6]),
            id,
            nsamples: usize::from(f16(30)),
            rate_factor: o.i16(rec, 32).unwrap_or(0),
            rate_multiplier: o.i16(rec, 34).unwrap_or(0),
            activity_flags: rec[36],
            io_flags: rec[37],
            quality_flags: rec[38],
            blockettes_announced: rec[39],
            blockettes_parsed: 0,
            word_order: 0,
            time_correction: o.u32(rec, 40).unwrap_or(0) as i32,
            data_offset: usize::from(f16(44)),
            header_big_endian: be,
            data_big_endian: be,
            encoding_code: DataEncoding::Steim1.code(),
            has_b1000: false,
            b1001: None,
            b100: None,
            record_length: reclen,
            start_us: 0,
            sample_rate: 0.0,
        };
        let mut off = usize::from(f16(46));
        let mut used = FIXED_HEADER_LEN;
        while off != 0 && off < reclen {
            let (Some(kind), Some(next)) = (o.u16(rec, off), o.u16(rec, off + 2)) else {
                if cut {
                    return Ok(None);
                }
                return Err(format!("blockette at byte {off} extends beyond the record"));
            };
            if cut && kind == 2000 && off + 6 > rec.len() {
                return Ok(None); // its length field lies beyond the prefix
            }
            let len = blockette_length(kind, rec, off, o);
            // Blockette 2000's length field (bytes 4..6) may lie past a length below 6.
            used = used.max(off + len.max(6));
            if len == 0 {
                return Err(format!(
                    "unknown blockette type {kind} at byte {off} (its length is unknown)"
                ));
            }
            if len < 4 {
                return Err(format!(
                    "blockette {kind} at byte {off} declares {len} bytes, less than its own 4-byte header"
                ));
            }
            if off + len > reclen {
                return Err(format!(
                    "blockette {kind} at byte {off} ({len} bytes) extends beyond the {reclen}-byte record"
                ));
            }
            let Some(body) = rec.get(off + 4..off + len) else {
                return Ok(None); // within the record (checked above), beyond the prefix
            };
            match kind {
                100 => h.b100 = Some(f32::from_bits(o.u32(body, 0).unwrap_or(0))),
                1000 => {
                    h.has_b1000 = true;
                    h.encoding_code = body[0];
                    h.data_big_endian = body[1] != 0;
                    h.word_order = body[1];
                    h.record_length = 1u32.wrapping_shl(u32::from(body[2])) as usize;
                }
                1001 => h.b1001 = Some((body[0], body[1] as i8)),
                _ => {}
            }
            h.blockettes_parsed += 1;
            let next = usize::from(next);
            if next != 0 && next < off + len {
                return Err(format!(
                    "offset to next blockette ({next}) is within blockette {kind} ending at byte {}",
                    off + len
                ));
            }
            if next > reclen {
                return Err(format!(
                    "offset to next blockette ({next}) from blockette {kind} is beyond the record length {reclen}"
                ));
            }
            off = next;
        }
        h.start_us = h.start_from(btime_us(year, day, hour, minute, second, fract));
        h.sample_rate = match h.b100 {
            Some(r) => f64::from(r),
            None => nominal_sample_rate(h.rate_factor, h.rate_multiplier),
        };
        Ok(Some((h, used)))
    }

    /// What ObsPy warns about in this record's header (`rec` its bytes), as `(kind, message)`, the kind
    /// telling the messages of one file apart (0 to 7): a BTIME fraction above 9999 (libmseed), a
    /// blockette count unlike the fixed header's (libmseed), a code with non-ASCII bytes (ObsPy's
    /// `_decode_header_field`, which drops them, as [`code_into`] does); for the `first` record also
    /// blockette 1000's word order (ObsPy's `get_record_information`, which reads only the first record).
    pub(crate) fn oddities(&self, rec: &[u8], first: bool, offset: u64) -> Vec<(u8, String)> {
        let mut out = Vec::new();
        let fract = Order(self.header_big_endian).u16(rec, 28).unwrap_or(0);
        if fract > 9999 {
            out.push((
                0,
                format!(
                    "Record contains a fractional seconds (.0001 secs) of {fract} - the maximum strictly allowed \
                     value is 9999. It will be interpreted as one or more additional seconds."
                ),
            ));
        }
        if usize::from(self.blockettes_announced) != self.blockettes_parsed {
            let i = &self.id;
            out.push((
                1,
                format!(
                    "{}_{}_{}_{}_{}: Warning: Number of blockettes in fixed header ({}) does not match the number \
                     parsed ({})",
                    i.network,
                    i.station,
                    i.location,
                    i.channel,
                    self.dataquality,
                    self.blockettes_announced,
                    self.blockettes_parsed
                ),
            ));
        }
        let fields = [
            ("network", 18..20),
            ("station", 8..13),
            ("location", 13..15),
            ("channel", 15..18),
        ];
        for (kind, (name, at)) in (4u8..).zip(fields) {
            let Some(bytes) = rec.get(at) else { continue };
            let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
            let code = bytes[..end].trim_ascii();
            if !code.is_ascii() {
                let shown: String = code
                    .iter()
                    .map(|&c| if c.is_ascii() { char::from(c) } else { '\u{fffd}' })
                    .collect();
                let kept: String = code.iter().filter(|c| c.is_ascii()).map(|&c| char::from(c)).collect();
                out.push((
                    kind,
                    format!(
                        "Failed to decode {name} code as ASCII. Code in file: '{shown}' (\u{fffd} indicates characters \
                         that could not be decoded). Will be interpreted as: '{kept}'. This is an invalid MiniSEED \
                         file - please contact your data provider."
                    ),
                ));
            }
        }
        if first && self.has_b1000 {
            if self.word_order > 1 {
                let i = &self.id;
                out.push((
                    2,
                    format!(
                        "Invalid word order \"{}\" in blockette 1000 for record with ID {}.{}.{}.{} at offset {offset}.",
                        self.word_order, i.network, i.station, i.location, i.channel
                    ),
                ));
            } else if self.data_big_endian != self.header_big_endian {
                out.push((3, "Inconsistent word order.".to_string()));
            }
        }
        out
    }

    /// The header bytes that may differ between records whose other header bytes are the same: sequence
    /// number (0..6), BTIME (20..30) and sample count (30..32). What they give is read by
    /// [`RecordHeader::varying`]; everything else comes from the bytes outside these ranges (the header's
    /// byte order also depends on the year and day: compare [`header_big_endian`] too).
    pub(crate) const VARYING: [std::ops::Range<usize>; 2] = [0..6, 20..32];

    /// The start time (µs) and sample count of `rec`, a record whose bytes outside
    /// [`RecordHeader::VARYING`] and up to the length [`RecordHeader::parse_prefix_used`] returned for `self`
    /// are `self`'s, in the same header byte order: the fields `parse` would give it.
    pub(crate) fn varying(&self, rec: &[u8]) -> Option<(i64, usize)> {
        let o = Order(self.header_big_endian);
        let &[hour, minute, second] = rec.get(24..27)? else {
            return None;
        };
        let btime = btime_us(o.u16(rec, 20)?, o.u16(rec, 22)?, hour, minute, second, o.u16(rec, 28)?);
        Some((self.start_from(btime), usize::from(o.u16(rec, 30)?)))
    }

    /// The start time from the BTIME of the record (µs): plus the time correction when not applied yet, plus
    /// blockette 1001's µs.
    fn start_from(&self, btime_us: i64) -> i64 {
        let mut start = btime_us;
        if self.time_correction != 0 && self.activity_flags & 0x02 == 0 {
            start += i64::from(self.time_correction) * 100;
        }
        if let Some((_, usec)) = self.b1001 {
            start += i64::from(usec);
        }
        start
    }

    /// The encoding, if libmseed 2 (and so ObsPy) can decode it.
    pub fn encoding(&self) -> Option<DataEncoding> {
        DataEncoding::from_code(self.encoding_code).filter(|e| *e != DataEncoding::Int24)
    }

    /// Time of the last sample in µs (libmseed's `msr_endtime`, including the leap-second flag).
    pub fn end_us(&self) -> i64 {
        self.end_us_of(self.start_us, self.nsamples)
    }

    /// [`RecordHeader::end_us`] of a record with this header but `start_us` and `nsamples`.
    pub(crate) fn end_us_of(&self, start_us: i64, nsamples: usize) -> i64 {
        let rate = self.sample_rate;
        let mut span = 0i64;
        if rate > 0.0 && nsamples > 0 {
            span = ((nsamples - 1) as f64 / rate * 1e6 + 0.5) as i64;
        }
        if self.activity_flags & 0x10 != 0 && nsamples > 1 && rate > 0.0 {
            span = span.saturating_sub(1_000_000);
        }
        start_us.saturating_add(span)
    }

    /// Whether ObsPy decodes this record's data: samples present and a data offset inside the record.
    pub fn has_decodable_data(&self) -> bool {
        self.nsamples > 0 && self.data_offset >= FIXED_HEADER_LEN && self.data_offset < self.record_length
    }

    /// Decodes the samples of the record `rec` (`rec.len() >= record_length`).
    pub fn decode(&self, rec: &[u8]) -> Result<(Samples, Vec<String>), String> {
        let encoding = self.encoding().ok_or_else(|| {
            let name = DataEncoding::from_code(self.encoding_code).map_or("unknown", |e| e.name());
            format!(
                "unsupported data encoding {} ({name}); ObsPy/libmseed 2 cannot decode it",
                self.encoding_code
            )
        })?;
        let payload = rec
            .get(self.data_offset..self.record_length)
            .ok_or_else(|| format!("data offset {} is outside the record", self.data_offset))?;
        decode_payload(encoding, payload, self.nsamples, self.data_big_endian)
    }
}

/// libmseed's `ms_btime2hptime` in µs: fields are added without range checks.
pub fn btime_us(year: u16, day: u16, hour: u8, minute: u8, second: u8, fract: u16) -> i64 {
    let days = days_from_civil(i64::from(year), 1, 1) + i64::from(day) - 1;
    let secs = ((days * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60 + i64::from(second);
    secs * 1_000_000 + i64::from(fract) * 100
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn btime_matches_civil() {
        assert_eq!(btime_us(1970, 1, 0, 0, 0, 0), 0);
        assert_eq!(btime_us(2000, 60, 1, 2, 3, 4), 951_786_123_000_400);
        // Out-of-range fields just add up (libmseed).
        assert_eq!(btime_us(1970, 1, 0, 0, 61, 10_000), 62_000_000);
    }

    /// A blockette 2000 whose length field is below its own 4-byte header used to panic (slice start after end).
    #[test]
    fn blockette_2000_shorter_than_its_header_is_an_error_not_a_panic() {
        let mut rec = vec![b' '; 256];
        rec[..7].copy_from_slice(b"000001D");
        rec[20..22].copy_from_slice(&2024u16.to_be_bytes());
        rec[22..24].copy_from_slice(&1u16.to_be_bytes());
        rec[24..44].fill(0);
        rec[46..48].copy_from_slice(&48u16.to_be_bytes());
        rec[48..50].copy_from_slice(&2000u16.to_be_bytes());
        rec[50..52].copy_from_slice(&0u16.to_be_bytes());
        rec[52..54].copy_from_slice(&2u16.to_be_bytes());
        let e = RecordHeader::parse(&rec, 256).unwrap_err();
        assert!(e.contains("blockette 2000 at byte 48 declares 2 bytes"), "{e}");
        assert_eq!(RecordHeader::parse_prefix(&rec[..100], 256).unwrap_err(), e);
    }

    #[test]
    fn nominal_rates() {
        assert_eq!(nominal_sample_rate(100, 1), 100.0);
        assert_eq!(nominal_sample_rate(-10, 1), 0.1);
        assert_eq!(nominal_sample_rate(1, -3), 1.0 / 3.0);
        assert_eq!(nominal_sample_rate(-2, -5), 0.1);
    }
}
