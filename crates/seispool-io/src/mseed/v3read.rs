//! MiniSEED 3 (FDSN specification 3.0) record parsing. All header fields are little-endian:
//!
//! | offset | size | field                                                                 |
//! |--------|------|-----------------------------------------------------------------------|
//! | 0      | 2    | record indicator `MS`                                                  |
//! | 2      | 1    | format version, 3                                                      |
//! | 3      | 1    | flags (bit 0 calibration, bit 1 time tag questionable, bit 2 clock locked) |
//! | 4      | 4    | nanosecond u32                                                         |
//! | 8      | 2    | year u16                                                               |
//! | 10     | 2    | day of year u16                                                        |
//! | 12     | 3    | hour, minute, second (0..=60) u8                                       |
//! | 15     | 1    | data encoding                                                          |
//! | 16     | 8    | sample rate f64: Hz when positive, the period in seconds when negative |
//! | 24     | 4    | number of samples u32                                                  |
//! | 28     | 4    | CRC-32C of the whole record with this field zero                       |
//! | 32     | 1    | publication version                                                    |
//! | 33     | 1    | length of the source identifier                                       |
//! | 34     | 2    | length of the extra headers (JSON)                                     |
//! | 36     | 4    | length of the data payload                                             |
//! | 40     | ...  | source identifier, extra headers, data payload                         |
//!
//! Integer and float payloads are little-endian; Steim frames are big-endian.

use std::collections::BTreeMap;

use seispool_core::{ChannelId, HeaderValue, MseedInfo, Samples, Time};

use super::DataEncoding;
use super::decode::decode_payload;
use super::sid::sid_to_id;

/// Length of the fixed section of a MiniSEED 3 record header.
pub const FIXED_HEADER3: usize = 40;
/// Offset of the CRC field.
pub(crate) const CRC_AT: usize = 28;
/// `Stats.headers` key of the extra headers (JSON text, verbatim).
pub const EXTRA_HEADERS_KEY: &str = "mseed3_extra";
/// `Stats.headers` key of the publication version.
pub const PUBVERSION_KEY: &str = "mseed3_pubversion";
/// `Stats.headers` key of the record flags (present only when not zero).
pub const FLAGS_KEY: &str = "mseed3_flags";

/// Whether `prefix` starts a MiniSEED 3 record: `MS`, format version 3 and, when the prefix is long
/// enough to hold them, a valid hour, minute and second (libmseed's `MS3_ISVALIDHEADER`).
pub fn is_mseed3(prefix: &[u8]) -> bool {
    match prefix {
        [b'M', b'S', 3, rest @ ..] => match rest.get(9..12) {
            Some(&[h, m, s]) => h <= 23 && m <= 59 && s <= 60,
            _ => true,
        },
        _ => false,
    }
}

/// One parsed MiniSEED 3 record, borrowing its variable parts from the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record3<'a> {
    /// Total record length in bytes.
    pub length: usize,
    pub flags: u8,
    pub start: Time,
    /// The sample rate field as stored (negative: period in seconds).
    pub samprate_raw: f64,
    pub encoding: u8,
    pub nsamples: usize,
    pub pubversion: u8,
    pub sid: &'a str,
    pub extra: &'a str,
    pub payload: &'a [u8],
}

impl Record3<'_> {
    /// The sample rate in Hz (libmseed's `msr3_sampratehz`: a negative field is a period).
    pub fn sample_rate(&self) -> f64 {
        if self.samprate_raw < 0.0 {
            -1.0 / self.samprate_raw
        } else {
            self.samprate_raw
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The length of the record starting `buf`, from its fixed header (`buf` holds at least 40 bytes).
pub(crate) fn record3_length(buf: &[u8]) -> Result<usize, String> {
    let head = buf.get(..FIXED_HEADER3).ok_or_else(|| {
        format!(
            "truncated miniseed 3 header: {} bytes left, expected {FIXED_HEADER3}",
            buf.len()
        )
    })?;
    let total = FIXED_HEADER3 as u64 + u64::from(head[33]) + u64::from(u16_at(head, 34)) + u64::from(u32_at(head, 36));
    usize::try_from(total).map_err(|_| format!("record length {total} does not fit in memory"))
}

/// CRC-32C of a record with its CRC field taken as zero.
pub(crate) fn record_crc(record: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&record[..CRC_AT]);
    let crc = crc32c::crc32c_append(crc, &[0; 4]);
    crc32c::crc32c_append(crc, &record[CRC_AT + 4..])
}

/// Parses the record at the start of `buf` (which may continue with further records). Checks every
/// length against the bytes available, the CRC, the start time fields and the text fields.
pub(crate) fn parse_record3(buf: &[u8]) -> Result<Record3<'_>, String> {
    if !buf.starts_with(b"MS\x03") {
        return Err("expected a miniseed 3 record ('MS' and format version 3)".into());
    }
    let length = record3_length(buf)?;
    let record = buf.get(..length).ok_or_else(|| {
        format!(
            "record of {length} bytes ({FIXED_HEADER3}-byte header, {}-byte source id, {}-byte extra headers, {}-byte data) runs past the end of the input ({} bytes left)",
            buf[33],
            u16_at(buf, 34),
            u32_at(buf, 36),
            buf.len()
        )
    })?;
    let stored = u32_at(record, CRC_AT);
    let computed = record_crc(record);
    if stored != computed {
        return Err(format!(
            "crc-32c mismatch: header says 0x{stored:08x}, the {length}-byte record gives 0x{computed:08x}"
        ));
    }
    let start = start_time(record)?;
    let samprate_raw = f64::from_le_bytes(record[16..24].try_into().map_err(|_| "sample rate field")?);
    if !samprate_raw.is_finite() {
        return Err(format!("sample rate/period {samprate_raw} is not a finite number"));
    }
    let sid_end = FIXED_HEADER3 + usize::from(record[33]);
    let extra_end = sid_end + usize::from(u16_at(record, 34));
    let sid = std::str::from_utf8(&record[FIXED_HEADER3..sid_end])
        .map_err(|e| format!("source identifier is not utf-8 text ({e})"))?;
    let extra = std::str::from_utf8(&record[sid_end..extra_end])
        .map_err(|e| format!("extra headers are not utf-8 text ({e})"))?;
    Ok(Record3 {
        length,
        flags: record[3],
        start,
        samprate_raw,
        encoding: record[15],
        nsamples: u32_at(record, 24) as usize,
        pubversion: record[32],
        sid,
        extra,
        payload: &record[extra_end..],
    })
}

fn start_time(h: &[u8]) -> Result<Time, String> {
    let ns = u32_at(h, 4);
    let (year, doy) = (u16_at(h, 8), u16_at(h, 10));
    let (hour, minute, second) = (h[12], h[13], h[14]);
    Time::from_year_doy(
        i32::from(year),
        u32::from(doy),
        u32::from(hour),
        u32::from(minute),
        u32::from(second),
        ns,
    )
    .map_err(|e| format!("start time {year:04},{doy:03},{hour:02}:{minute:02}:{second:02}.{ns:09} is invalid: {e}"))
}

/// libmseed's mapping of publication versions to MiniSEED 2 quality codes (1 R, 2 D, 3 Q, 4 M, else D).
pub(crate) fn pubversion_quality(pubversion: u8) -> char {
    match pubversion {
        1 => 'R',
        3 => 'Q',
        4 => 'M',
        _ => 'D',
    }
}

/// What the reader needs of a record's header to select it and join it into a trace.
#[derive(Debug, Clone)]
pub(crate) struct Header3 {
    pub id: ChannelId,
    pub start_ns: i64,
    /// Time of the last sample (libmseed's `msr3_endtime`).
    pub end_ns: i64,
    pub rate: f64,
    pub nsamples: usize,
    /// The quality code its publication version maps to (joins like MiniSEED 2's quality).
    pub quality: char,
    pub info: MseedInfo,
    /// `mseed3_pubversion`, `mseed3_extra` (when present), `mseed3_flags` (when not zero).
    pub headers: BTreeMap<String, HeaderValue>,
}

impl Record3<'_> {
    /// The header facts of this record; fails on a source id that is not `FDSN:NET_STA_LOC_B_S_SS`.
    pub fn header(&self) -> Result<Header3, String> {
        let id = sid_to_id(self.sid).map_err(|e| format!("source identifier: {e}"))?;
        let rate = self.sample_rate();
        let span = if rate > 0.0 && self.nsamples > 1 {
            ((self.nsamples - 1) as f64 / rate * 1e9 + 0.5) as i64
        } else {
            0
        };
        let mut headers = BTreeMap::new();
        headers.insert(PUBVERSION_KEY.to_string(), HeaderValue::Int(i64::from(self.pubversion)));
        if !self.extra.is_empty() {
            headers.insert(EXTRA_HEADERS_KEY.to_string(), HeaderValue::Text(self.extra.to_string()));
        }
        if self.flags != 0 {
            headers.insert(FLAGS_KEY.to_string(), HeaderValue::Int(i64::from(self.flags)));
        }
        let quality = pubversion_quality(self.pubversion);
        Ok(Header3 {
            id,
            start_ns: self.start.0,
            end_ns: self.start.0.saturating_add(span),
            rate,
            nsamples: self.nsamples,
            quality,
            info: MseedInfo {
                encoding: self.encoding,
                record_length: u32::try_from(self.length).unwrap_or(u32::MAX),
                big_endian: self.big_endian_data(),
                dataquality: quality,
                number_of_records: 1,
                version: 3,
            },
            headers,
        })
    }

    /// Steim frames are big-endian, every other payload little-endian.
    pub fn big_endian_data(&self) -> bool {
        matches!(self.encoding, 10 | 11)
    }

    /// Decodes the samples; `None` for a record without samples.
    pub fn decode(&self) -> Result<Option<(Samples, Vec<String>)>, String> {
        if self.nsamples == 0 {
            return Ok(None);
        }
        let encoding = DataEncoding::from_code(self.encoding)
            .ok_or_else(|| format!("data encoding {} is not one seispool can decode", self.encoding))?;
        decode_payload(encoding, self.payload, self.nsamples, self.big_endian_data()).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(sid: &[u8], extra: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut r = vec![0u8; FIXED_HEADER3];
        r[..3].copy_from_slice(b"MS\x03");
        r[8..10].copy_from_slice(&2024u16.to_le_bytes());
        r[10..12].copy_from_slice(&60u16.to_le_bytes());
        r[16..24].copy_from_slice(&(-10.0f64).to_le_bytes());
        r[24..28].copy_from_slice(&((payload.len() / 4) as u32).to_le_bytes());
        r[15] = 3;
        r[32] = 2;
        r[33] = sid.len() as u8;
        r[34..36].copy_from_slice(&(extra.len() as u16).to_le_bytes());
        r[36..40].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        r.extend_from_slice(sid);
        r.extend_from_slice(extra);
        r.extend_from_slice(payload);
        let crc = record_crc(&r);
        r[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
        r
    }

    #[test]
    fn parses_fields_and_period() {
        let r = header(b"FDSN:XX_A__B_H_Z", b"{\"a\":1}", &[1, 0, 0, 0, 2, 0, 0, 0]);
        let rec = parse_record3(&r).unwrap();
        assert_eq!(rec.length, r.len());
        assert_eq!(rec.sid, "FDSN:XX_A__B_H_Z");
        assert_eq!(rec.extra, "{\"a\":1}");
        assert_eq!(rec.nsamples, 2);
        assert_eq!(rec.sample_rate(), 0.1);
        assert_eq!(rec.start, Time::from_year_doy(2024, 60, 0, 0, 0, 0).unwrap());
        assert!(is_mseed3(&r));
    }

    #[test]
    fn crc_mismatch_names_both_values() {
        let mut r = header(b"FDSN:XX_A__B_H_Z", b"", &[0; 4]);
        r[41] ^= 1;
        let e = parse_record3(&r).unwrap_err();
        assert!(e.contains("crc-32c mismatch"), "{e}");
    }

    #[test]
    fn lengths_beyond_the_input_are_refused() {
        let r = header(b"FDSN:XX_A__B_H_Z", b"", &[0; 8]);
        for cut in 0..r.len() {
            assert!(parse_record3(&r[..cut]).is_err());
        }
    }
}
