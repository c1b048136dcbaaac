//! ObsPy's checks on the first record of a MiniSEED 2 file. ObsPy's Python layer
//! (`util.get_record_information`) looks at the first record before libmseed reads the file and refuses
//! files that fail them, so a file libmseed alone would read can still be an error under `obspy.read`.
//! The checks also give the record length used to skip the SEED control records of a full SEED volume.

use super::DataEncoding;
use super::record::{FIXED_HEADER_LEN, MIN_RECLEN, is_blank};

/// The checks ObsPy's Python layer makes on the first record before libmseed reads the file
/// (`util.get_record_information`); returns the record length used to skip SEED control records.
pub(crate) fn first_record_check(prefix: &[u8]) -> Result<usize, String> {
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
