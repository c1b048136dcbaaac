//! Sample decoders for every MiniSEED data encoding ObsPy reads, shared by the MiniSEED 2 and 3 readers.
//!
//! Semantics follow libmseed 2.19 (`unpackdata.c`, the library under ObsPy 1.5) so that decoded samples
//! are bit-exact with `obspy.read`:
//!
//! * Steim-1/2: the first sample is X0 (the forward integration constant); every later sample adds its
//!   difference with wrapping 32-bit arithmetic. A last sample different from Xn (the reverse
//!   integration constant) is a warning, not an error. Nibbles `10`/`00` and `11`/`11` of Steim-2 are
//!   errors. Frames are decoded only until `nsamples` samples exist.
//! * Fixed-size encodings read `nsamples` values; a payload too short for them is an error (libmseed
//!   would read past the record).
//! * GEOSCOPE, CDSN, SRO and DWWSSN reproduce libmseed's arithmetic, including its treatment of
//!   little-endian GEOSCOPE 24-bit samples.

use seispool_core::Samples;

use super::DataEncoding;

/// Bytes in one Steim frame.
const FRAME: usize = 64;

/// Decodes `nsamples` samples of `encoding` from `payload` (the data area of a record). Returns the
/// samples and warnings (e.g. a failed Steim integrity check), or what is wrong with the payload.
pub fn decode_payload(
    encoding: DataEncoding,
    payload: &[u8],
    nsamples: usize,
    big_endian: bool,
) -> Result<(Samples, Vec<String>), String> {
    let mut warnings = Vec::new();
    let samples = match encoding {
        DataEncoding::Ascii => Samples::Text(fixed(payload, nsamples, 1, "ASCII")?.to_vec()),
        DataEncoding::Int16 => Samples::I32(decode_int16(payload, nsamples, big_endian)?),
        DataEncoding::Int24 => Samples::I32(decode_int24(payload, nsamples, big_endian)?),
        DataEncoding::Int32 => Samples::I32(decode_int32(payload, nsamples, big_endian)?),
        DataEncoding::Float32 => Samples::F32(decode_float32(payload, nsamples, big_endian)?),
        DataEncoding::Float64 => Samples::F64(decode_float64(payload, nsamples, big_endian)?),
        DataEncoding::Steim1 | DataEncoding::Steim2 => {
            let mut out = Vec::new();
            let check = if encoding == DataEncoding::Steim1 {
                decode_steim1(payload, nsamples, big_endian, &mut out)
            } else {
                decode_steim2(payload, nsamples, big_endian, &mut out)
            }
            .map_err(|e| e.to_string())?;
            if out.len() != nsamples {
                return Err(format!(
                    "only {} samples in the {} frames of the record, header says {nsamples}",
                    out.len(),
                    encoding
                ));
            }
            warnings.extend(check.warning(encoding));
            Samples::I32(out)
        }
        DataEncoding::Geoscope24 | DataEncoding::Geoscope163 | DataEncoding::Geoscope164 => {
            Samples::F32(decode_geoscope(encoding, payload, nsamples, big_endian)?)
        }
        DataEncoding::Cdsn => Samples::I32(decode_cdsn(payload, nsamples, big_endian)?),
        DataEncoding::Sro => Samples::I32(decode_sro(payload, nsamples, big_endian)?),
        DataEncoding::Dwwssn => Samples::I32(decode_dwwssn(payload, nsamples, big_endian)?),
    };
    Ok((samples, warnings))
}

/// The first `n * size` bytes of `payload`, or an error naming what is missing.
fn fixed<'a>(payload: &'a [u8], n: usize, size: usize, name: &str) -> Result<&'a [u8], String> {
    let need = n
        .checked_mul(size)
        .ok_or_else(|| format!("{n} {name} samples overflow"))?;
    payload.get(..need).ok_or_else(|| {
        format!(
            "{n} {name} samples need {need} bytes but the data area holds {} (room for {} samples)",
            payload.len(),
            payload.len() / size
        )
    })
}

fn chunks<const N: usize, T>(payload: &[u8], n: usize, name: &str, f: impl Fn([u8; N]) -> T) -> Result<Vec<T>, String> {
    let bytes = fixed(payload, n, N, name)?;
    Ok(bytes
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            f(a)
        })
        .collect())
}

/// INT16: 16-bit two's complement integers.
pub fn decode_int16(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    chunks(payload, n, "INT16", |b: [u8; 2]| {
        i32::from(if big_endian {
            i16::from_be_bytes(b)
        } else {
            i16::from_le_bytes(b)
        })
    })
}

/// INT24: 24-bit two's complement integers (libmseed 2 does not read them; ObsPy refuses the encoding).
pub fn decode_int24(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    chunks(payload, n, "INT24", |b: [u8; 3]| {
        let v = if big_endian {
            i32::from_be_bytes([b[0], b[1], b[2], 0])
        } else {
            i32::from_le_bytes([0, b[0], b[1], b[2]])
        };
        v >> 8
    })
}

/// INT32: 32-bit two's complement integers.
pub fn decode_int32(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    chunks(payload, n, "INT32", |b: [u8; 4]| {
        if big_endian {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    })
}

/// FLOAT32: IEEE binary32, bit patterns (NaN payloads included) kept.
pub fn decode_float32(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<f32>, String> {
    chunks(payload, n, "FLOAT32", |b: [u8; 4]| {
        f32::from_bits(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    })
}

/// FLOAT64: IEEE binary64, bit patterns kept.
pub fn decode_float64(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<f64>, String> {
    chunks(payload, n, "FLOAT64", |b: [u8; 8]| {
        f64::from_bits(if big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    })
}

/// GEOSCOPE 24-bit and gain-ranged 16-bit (3 or 4-bit exponent) samples, as libmseed computes them.
pub fn decode_geoscope(encoding: DataEncoding, payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<f32>, String> {
    let u16v = |b: [u8; 2]| {
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let gain_ranged = |sint: u16, mask: u16| {
        let mantissa = i32::from(sint & 0x0fff);
        let exponent = (sint & mask) >> 12;
        (f64::from(mantissa - 2048) / (1u64 << exponent) as f64) as f32
    };
    match encoding {
        DataEncoding::Geoscope24 => chunks(payload, n, "GEOSCOPE24", |b: [u8; 3]| {
            // libmseed assembles the three bytes in host (little-endian) memory: big-endian data is
            // swapped into the low 24 bits; little-endian data lands in the high 24 bits.
            let raw = if big_endian {
                u32::from_be_bytes([0, b[0], b[1], b[2]])
            } else {
                u32::from_le_bytes([0, b[0], b[1], b[2]])
            };
            let mut mantissa = raw as i32;
            if !(0..=0x7f_ffff).contains(&mantissa) {
                mantissa = mantissa.wrapping_sub(1 << 24);
            }
            f64::from(mantissa) as f32
        }),
        DataEncoding::Geoscope163 => chunks(payload, n, "GEOSCOPE16_3", |b| gain_ranged(u16v(b), 0x7000)),
        DataEncoding::Geoscope164 => chunks(payload, n, "GEOSCOPE16_4", |b| gain_ranged(u16v(b), 0xf000)),
        other => Err(format!("{other} is not a GEOSCOPE encoding")),
    }
}

/// CDSN 16-bit gain-ranged samples.
pub fn decode_cdsn(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    chunks(payload, n, "CDSN", |b: [u8; 2]| {
        let sint = if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        };
        let mantissa = i32::from(sint & 0x3fff) - 0x1fff;
        let shift = [0u32, 2, 4, 7][usize::from(sint >> 14)];
        ((mantissa as u32) << shift) as i32
    })
}

/// SRO gain-ranged samples; a gain range above 10 is an error (libmseed refuses it too).
pub fn decode_sro(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    let raw = chunks(payload, n, "SRO", |b: [u8; 2]| {
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    })?;
    raw.into_iter()
        .enumerate()
        .map(|(i, sint)| {
            let mut mantissa = i32::from(sint & 0x0fff);
            if mantissa > 0x7ff {
                mantissa -= 0x1000;
            }
            let exponent = 10 - i32::from(sint >> 12);
            if exponent < 0 {
                return Err(format!(
                    "SRO sample {i}: gain ranging exponent {exponent} is outside 0..=10"
                ));
            }
            Ok(mantissa.wrapping_shl(exponent as u32))
        })
        .collect()
}

/// DWWSSN 16-bit integers.
pub fn decode_dwwssn(payload: &[u8], n: usize, big_endian: bool) -> Result<Vec<i32>, String> {
    decode_int16(payload, n, big_endian)
}

/// An invalid Steim frame word: where it is and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SteimError {
    /// 1 or 2.
    pub steim: u8,
    /// 0-based frame index in the data area.
    pub frame: usize,
    /// 0-based word index in the frame.
    pub word: usize,
    /// The control nibble of the word.
    pub nibble: u32,
    /// The word's high two bits (dnib).
    pub dnib: u32,
}

impl std::fmt::Display for SteimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "steim{} frame {} has invalid dnib 0b{:02b} for nibble 0b{:02b} in word {}",
            self.steim, self.frame, self.dnib, self.nibble, self.word
        )
    }
}

impl std::error::Error for SteimError {}

/// Outcome of a Steim decode: the reverse integration constant and the last sample decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteimCheck {
    /// Xn from the first frame.
    pub xn: i32,
    /// The last sample decoded (None when nothing was decoded).
    pub last: Option<i32>,
}

impl SteimCheck {
    /// libmseed's integrity warning when the last sample differs from Xn.
    pub fn warning(&self, encoding: DataEncoding) -> Option<String> {
        match self.last {
            Some(last) if last != self.xn => Some(format!(
                "data integrity check for {encoding} failed, last sample={last}, xn={}",
                self.xn
            )),
            _ => None,
        }
    }
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

/// Sign-extends the `bits`-bit field of `w` starting at bit `shift`.
#[inline(always)]
fn field(w: u32, shift: u32, bits: u32) -> i32 {
    ((w << (32 - shift - bits)) as i32) >> (32 - bits)
}

/// Decodes Steim-1 frames into `out` (appended) until `nsamples` samples exist or the frames end.
pub fn decode_steim1(
    frames: &[u8],
    nsamples: usize,
    big_endian: bool,
    out: &mut Vec<i32>,
) -> Result<SteimCheck, SteimError> {
    if big_endian {
        steim::<true, 1>(frames, nsamples, out)
    } else {
        steim::<false, 1>(frames, nsamples, out)
    }
}

/// Decodes Steim-2 frames into `out` (appended) until `nsamples` samples exist or the frames end.
pub fn decode_steim2(
    frames: &[u8],
    nsamples: usize,
    big_endian: bool,
    out: &mut Vec<i32>,
) -> Result<SteimCheck, SteimError> {
    if big_endian {
        steim::<true, 2>(frames, nsamples, out)
    } else {
        steim::<false, 2>(frames, nsamples, out)
    }
}

/// Writes the differences of one word into `d`; returns how many.
#[inline(always)]
fn unpack_word<const BE: bool, const V: u8>(
    nibble: u32,
    raw: &[u8],
    d: &mut [i32; 8],
    frame: usize,
    widx: usize,
) -> Result<usize, SteimError> {
    let w = word::<BE>(raw);
    let bad = |dnib| SteimError {
        steim: V,
        frame,
        word: widx,
        nibble,
        dnib,
    };
    Ok(match nibble {
        0 => 0,
        1 => {
            // Four 8-bit differences in memory order, whatever the byte order.
            for (k, &b) in raw[..4].iter().enumerate() {
                d[k] = i32::from(b as i8);
            }
            4
        }
        2 if V == 1 => {
            let (a, b) = if BE { (w >> 16, w) } else { (w, w >> 16) };
            d[0] = i32::from(a as u16 as i16);
            d[1] = i32::from(b as u16 as i16);
            2
        }
        3 if V == 1 => {
            d[0] = w as i32;
            1
        }
        2 => match w >> 30 {
            1 => {
                d[0] = field(w, 0, 30);
                1
            }
            2 => {
                d[0] = field(w, 15, 15);
                d[1] = field(w, 0, 15);
                2
            }
            3 => {
                d[0] = field(w, 20, 10);
                d[1] = field(w, 10, 10);
                d[2] = field(w, 0, 10);
                3
            }
            dnib => return Err(bad(dnib)),
        },
        _ => match w >> 30 {
            0 => {
                for (k, slot) in d.iter_mut().take(5).enumerate() {
                    *slot = field(w, 24 - 6 * k as u32, 6);
                }
                5
            }
            1 => {
                for (k, slot) in d.iter_mut().take(6).enumerate() {
                    *slot = field(w, 25 - 5 * k as u32, 5);
                }
                6
            }
            2 => {
                for (k, slot) in d.iter_mut().take(7).enumerate() {
                    *slot = field(w, 24 - 4 * k as u32, 4);
                }
                7
            }
            dnib => return Err(bad(dnib)),
        },
    })
}

fn steim<const BE: bool, const V: u8>(
    frames: &[u8],
    nsamples: usize,
    out: &mut Vec<i32>,
) -> Result<SteimCheck, SteimError> {
    let base = out.len();
    let nframes = frames.len() / FRAME;
    // Differences go straight into the output (8 spare slots so every word can write its maximum),
    // then one pass integrates them.
    let cap = nsamples.min(nframes * 15 * 7);
    out.resize(base + cap + 8, 0);
    let mut n = 0usize;
    let mut x0 = 0i32;
    let mut xn = 0i32;
    let mut d = [0i32; 8];
    'frames: for (f, frame) in frames.chunks_exact(FRAME).enumerate() {
        if n >= cap {
            break;
        }
        let nibbles = word::<BE>(&frame[..4]);
        let first = if f == 0 {
            x0 = word::<BE>(&frame[4..8]) as i32;
            xn = word::<BE>(&frame[8..12]) as i32;
            3
        } else {
            1
        };
        for widx in first..16 {
            let nibble = (nibbles >> (30 - 2 * widx)) & 3;
            let raw = &frame[4 * widx..4 * widx + 4];
            let k = unpack_word::<BE, V>(nibble, raw, &mut d, f, widx)?;
            let dst = &mut out[base + n..base + n + 8];
            dst.copy_from_slice(&d);
            n += k;
            if n >= cap {
                break 'frames;
            }
        }
    }
    let n = n.min(cap);
    out.truncate(base + n);
    let samples = &mut out[base..];
    if let Some(first) = samples.first_mut() {
        *first = x0;
    }
    let mut acc = x0;
    for s in samples.iter_mut().skip(1) {
        acc = acc.wrapping_add(*s);
        *s = acc;
    }
    Ok(SteimCheck {
        xn,
        last: samples.last().copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mseed::{encode_steim1, encode_steim2};

    #[test]
    fn steim_round_trip_small() {
        let x: Vec<i32> = (0..500).map(|i| (i * i * 37 % 2001) - 1000).collect();
        for be in [true, false] {
            let mut buf = Vec::new();
            let p = encode_steim2(&x, 0, 100, be, &mut buf).unwrap();
            let mut out = Vec::new();
            let c = decode_steim2(&buf, p.samples, be, &mut out).unwrap();
            assert_eq!(out, x);
            assert_eq!(c.warning(DataEncoding::Steim2), None);
            let mut buf = Vec::new();
            let p = encode_steim1(&x, 0, 100, be, &mut buf);
            let mut out = Vec::new();
            decode_steim1(&buf, p.samples, be, &mut out).unwrap();
            assert_eq!(out, x);
        }
    }

    #[test]
    fn steim2_bad_dnib_is_located() {
        let mut frame = [0u8; 64];
        frame[..4].copy_from_slice(&(2u32 << (30 - 2 * 3)).to_be_bytes());
        let mut out = Vec::new();
        let e = decode_steim2(&frame, 5, true, &mut out).unwrap_err();
        assert_eq!((e.frame, e.word, e.dnib), (0, 3, 0));
        assert!(e.to_string().contains("frame 0"));
    }

    #[test]
    fn short_payloads_are_errors() {
        assert!(decode_payload(DataEncoding::Int32, &[0; 7], 2, true).is_err());
        assert!(decode_payload(DataEncoding::Steim1, &[0; 64], 2, true).is_err());
        assert_eq!(decode_int24(&[0xff, 0xff, 0xfe], 1, true).unwrap(), vec![-2]);
    }

    #[test]
    fn gain_ranged() {
        // SRO gain range 11 gives exponent -1.
        assert!(decode_sro(&[0xb0, 0x00], 1, true).is_err());
        assert_eq!(decode_sro(&[0x0f, 0xff], 1, true).unwrap(), vec![-1 << 10]);
        assert_eq!(decode_cdsn(&[0xc0, 0x00], 1, true).unwrap(), vec![(-0x1fff) << 7]);
    }
}
