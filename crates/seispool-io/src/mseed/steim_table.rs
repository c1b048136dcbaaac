//! Table-driven Steim-1/Steim-2 decoding straight into a caller's slice (the reader's final buffer).
//!
//! Each 32-bit word's control nibble (and, for Steim-2, its two-bit `dnib`) picks one row of a small table:
//! how many differences the word holds, their width and the shift of the first. Every row is decoded the
//! same way, without a branch per layout: all 7 (Steim-2) or 4 (Steim-1) lanes are extracted with
//! wrapping shifts into a frame-local scratch array and the count decides how many are kept. The
//! integration then runs once over the frame's differences, writing the output slice.
//!
//! The result is bit-identical to [`super::decode`]'s reference decoder (`decode_steim1`/`decode_steim2`),
//! which stays the definition of the semantics: a frame holding an invalid `dnib`, and little-endian
//! Steim-1 (whose 16-bit halves are in memory order), are handed to the reference, so every error message
//! and its location are its own. `tests/steim_kernel.rs` compares the two on fuzzed frames.

use super::DataEncoding;
use super::decode::{SteimCheck, SteimError, decode_steim1, decode_steim2};

/// Bytes in one Steim frame.
const FRAME: usize = 64;
/// Differences one frame can hold at most (15 words × 7), plus room for the last word's spare lanes.
const SCRATCH: usize = 15 * 7 + 8;

/// One layout of differences in a word.
#[derive(Clone, Copy)]
struct Row {
    /// Differences in the word.
    count: u8,
    /// Width of each difference in bits (1..=32).
    bits: u8,
    /// Left shift that brings the first difference to the top of the word.
    base: u8,
    /// The (nibble, dnib) pair is invalid.
    invalid: bool,
}

const fn row(count: u8, bits: u8) -> Row {
    Row {
        count,
        bits,
        base: 32 - count * bits,
        invalid: false,
    }
}

const NONE: Row = Row {
    count: 0,
    bits: 32,
    base: 0,
    invalid: false,
};
const BAD: Row = Row {
    count: 0,
    bits: 32,
    base: 0,
    invalid: true,
};

/// Steim-1 rows, indexed by `nibble << 2 | dnib` (Steim-1 ignores dnib).
const STEIM1: [Row; 16] = {
    let mut t = [NONE; 16];
    let mut d = 0;
    while d < 4 {
        t[4 | d] = row(4, 8);
        t[8 | d] = row(2, 16);
        t[12 | d] = row(1, 32);
        d += 1;
    }
    t
};

/// Steim-2 rows, indexed by `nibble << 2 | dnib`.
const STEIM2: [Row; 16] = [
    NONE,
    NONE,
    NONE,
    NONE,
    row(4, 8),
    row(4, 8),
    row(4, 8),
    row(4, 8),
    BAD,
    row(1, 30),
    row(2, 15),
    row(3, 10),
    row(5, 6),
    row(6, 5),
    row(7, 4),
    BAD,
];

/// What went wrong decoding into a slice: the reference decoder's error, or fewer samples than asked for.
#[derive(Debug)]
pub enum SteimIntoError {
    /// An invalid frame word.
    Steim(SteimError),
    /// The frames hold only this many samples.
    Short(usize),
}

/// Decodes Steim-1 or Steim-2 `frames` into all of `out` (`out.len()` is the record's sample count).
/// Returns the integrity check, or where the frames are invalid or too few.
pub fn decode_steim_into(
    encoding: DataEncoding,
    frames: &[u8],
    big_endian: bool,
    out: &mut [i32],
) -> Result<SteimCheck, SteimIntoError> {
    match (encoding, big_endian) {
        (DataEncoding::Steim2, true) => table::<true, 2>(frames, out),
        (DataEncoding::Steim2, false) => table::<false, 2>(frames, out),
        (DataEncoding::Steim1, true) => table::<true, 1>(frames, out),
        _ => reference(encoding, frames, big_endian, out),
    }
}

/// The reference decoder, copied into `out`.
fn reference(
    encoding: DataEncoding,
    frames: &[u8],
    big_endian: bool,
    out: &mut [i32],
) -> Result<SteimCheck, SteimIntoError> {
    let mut v = Vec::new();
    let check = if encoding == DataEncoding::Steim1 {
        decode_steim1(frames, out.len(), big_endian, &mut v)
    } else {
        decode_steim2(frames, out.len(), big_endian, &mut v)
    }
    .map_err(SteimIntoError::Steim)?;
    if v.len() != out.len() {
        return Err(SteimIntoError::Short(v.len()));
    }
    out.copy_from_slice(&v);
    Ok(check)
}

#[inline(always)]
fn word<const BE: bool>(b: &[u8]) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    if BE {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

/// Unpacks the differences of words `first..16` of one frame into `d`; returns how many, and whether a
/// word was invalid.
#[inline(always)]
fn unpack_frame<const BE: bool, const V: u8>(frame: &[u8], first: usize, d: &mut [i32; SCRATCH]) -> (usize, bool) {
    let rows = if V == 1 { &STEIM1 } else { &STEIM2 };
    let lanes = if V == 1 { 4 } else { 7 };
    let nibbles = word::<BE>(&frame[..4]);
    let mut m = 0usize;
    let mut bad = false;
    for widx in first..16 {
        let raw = &frame[4 * widx..4 * widx + 4];
        let w = word::<BE>(raw);
        let nibble = (nibbles >> (30 - 2 * widx)) & 3;
        let r = rows[((nibble << 2) | (w >> 30)) as usize];
        bad |= r.invalid;
        // 8-bit differences are in memory order whatever the byte order.
        let x = if nibble == 1 {
            u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]])
        } else {
            w
        };
        let (bits, base) = (u32::from(r.bits), u32::from(r.base));
        let dst = &mut d[m..m + lanes];
        for (k, slot) in dst.iter_mut().enumerate() {
            *slot = (x.wrapping_shl(base + bits * k as u32) as i32).wrapping_shr(32 - bits);
        }
        m += usize::from(r.count);
    }
    (m, bad)
}

fn table<const BE: bool, const V: u8>(frames: &[u8], out: &mut [i32]) -> Result<SteimCheck, SteimIntoError> {
    let want = out.len();
    let mut d = [0i32; SCRATCH];
    let mut n = 0usize;
    let mut acc = 0i32;
    let mut xn = 0i32;
    for (f, frame) in frames.chunks_exact(FRAME).enumerate() {
        if n >= want {
            break;
        }
        let first = if f == 0 { 3 } else { 1 };
        let (m, bad) = unpack_frame::<BE, V>(frame, first, &mut d);
        if bad {
            let encoding = if V == 1 {
                DataEncoding::Steim1
            } else {
                DataEncoding::Steim2
            };
            return reference(encoding, frames, BE, out);
        }
        if f == 0 {
            acc = word::<BE>(&frame[4..8]) as i32;
            xn = word::<BE>(&frame[8..12]) as i32;
        }
        if n == 0 && m > 0 {
            // The first sample is X0: the first difference (of whichever frame holds one) is not used.
            d[0] = 0;
        }
        let take = m.min(want - n);
        for (o, &di) in out[n..n + take].iter_mut().zip(&d[..take]) {
            acc = acc.wrapping_add(di);
            *o = acc;
        }
        n += take;
    }
    if n < want {
        return Err(SteimIntoError::Short(n));
    }
    Ok(SteimCheck {
        xn,
        last: out.last().copied(),
    })
}
