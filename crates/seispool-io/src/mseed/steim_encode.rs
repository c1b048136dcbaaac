//! Steim-1 and Steim-2 frame encoders (SEED manual appendix B), packing exactly as libmseed 2.19
//! (`msr_encode_steim1`/`msr_encode_steim2`), so that our frames are byte-identical to ObsPy's.
//!
//! A frame is 16 32-bit words; word 0 holds sixteen 2-bit control nibbles (one per word, word 0's is 0).
//! In the first frame, word 1 is X0 (the forward integration constant = the first sample) and word 2 is
//! Xn (the reverse integration constant = the last sample encoded).
//!
//! | encoding | nibble | dnib (top 2 bits of the word) | contents                |
//! |----------|--------|-------------------------------|-------------------------|
//! | Steim-1  | 01     | —                             | 4 × 8-bit differences   |
//! | Steim-1  | 10     | —                             | 2 × 16-bit differences  |
//! | Steim-1  | 11     | —                             | 1 × 32-bit difference   |
//! | Steim-2  | 01     | —                             | 4 × 8-bit differences   |
//! | Steim-2  | 10     | 01                            | 1 × 30-bit difference   |
//! | Steim-2  | 10     | 10                            | 2 × 15-bit differences  |
//! | Steim-2  | 10     | 11                            | 3 × 10-bit differences  |
//! | Steim-2  | 11     | 00                            | 5 × 6-bit differences   |
//! | Steim-2  | 11     | 01                            | 6 × 5-bit differences   |
//! | Steim-2  | 11     | 10                            | 7 × 4-bit differences   |
//!
//! Packing is greedy: each word takes the densest layout that fits the next pending differences
//! (the 4 × 4-bit layout of Steim-2 needs 7 of them pending). Differences are computed with wrapping
//! 32-bit arithmetic like libmseed, so any i32 sequence is representable in Steim-1 and decoders that
//! integrate with wrapping arithmetic (libmseed, ObsPy) restore the samples exactly.

/// Bytes in one Steim frame.
pub const STEIM_FRAME_BYTES: usize = 64;

/// The outcome of encoding a prefix of the samples into frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteimPacked {
    /// How many samples (a prefix of the input) the frames hold.
    pub samples: usize,
    /// How many 64-byte frames were appended.
    pub frames: usize,
}

/// A difference between consecutive samples that Steim-2 cannot hold in 30 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sample {index}: difference {difference} from the previous sample does not fit in 30 bits (steim2 limit)")]
pub struct SteimOverflow {
    /// Index (into the encoded slice) of the sample whose difference overflows; 0 means `diff0`.
    pub index: usize,
    /// The (wrapping 32-bit) difference.
    pub difference: i32,
}

/// Smallest Steim bit width (4, 5, 6, 8, 10, 15, 16, 30 or 32) that holds `d` (libmseed's BITWIDTH).
fn bit_width(d: i32) -> u32 {
    match d {
        -8..=7 => 4,
        -16..=15 => 5,
        -32..=31 => 6,
        -128..=127 => 8,
        -512..=511 => 10,
        -16384..=16383 => 15,
        -32768..=32767 => 16,
        -536_870_912..=536_870_911 => 30,
        _ => 32,
    }
}

/// The differences fed to the packer: `diff0`, then `x[i] - x[i-1]` (wrapping).
fn differences(samples: &[i32], diff0: i32) -> impl Iterator<Item = i32> + '_ {
    std::iter::once(diff0).chain(samples.windows(2).map(|w| w[1].wrapping_sub(w[0])))
}

/// The first index whose wrapping difference to its predecessor does not fit in Steim-2's 30 bits
/// (index 0 is never reported: the first difference of a trace is 0 by convention).
pub fn steim2_overflow(samples: &[i32]) -> Option<SteimOverflow> {
    samples.windows(2).enumerate().find_map(|(i, w)| {
        let difference = w[1].wrapping_sub(w[0]);
        (bit_width(difference) > 30).then_some(SteimOverflow {
            index: i + 1,
            difference,
        })
    })
}

/// One packed word: its control nibble, the 32-bit value and how many differences it holds.
struct Word {
    nibble: u32,
    value: WordValue,
    count: usize,
}

/// How a word's bytes are laid out: 4 × 8-bit differences keep memory order, 2 × 16-bit differences
/// are swapped per half, everything else is one 32-bit integer.
enum WordValue {
    Bytes([i8; 4]),
    Halves(i16, i16),
    Whole(u32),
}

impl WordValue {
    fn bytes(&self, big_endian: bool) -> [u8; 4] {
        match *self {
            WordValue::Bytes(b) => b.map(|x| x.to_ne_bytes()[0]),
            WordValue::Halves(a, b) => {
                let (a, b) = if big_endian {
                    (a.to_be_bytes(), b.to_be_bytes())
                } else {
                    (a.to_le_bytes(), b.to_le_bytes())
                };
                [a[0], a[1], b[0], b[1]]
            }
            WordValue::Whole(v) => word_bytes(v, big_endian),
        }
    }
}

fn word_bytes(v: u32, big_endian: bool) -> [u8; 4] {
    if big_endian { v.to_be_bytes() } else { v.to_le_bytes() }
}

/// Packs `n` differences of `bits` each (first one highest) below a 2-bit `dnib`.
fn packed_fields(d: &[i32], bits: u32, dnib: u32) -> u32 {
    let mask = (1u32 << bits) - 1;
    d.iter().fold(dnib << 30, |acc, &x| {
        // Earlier fields move up; the total width is at most 30 bits, so dnib is never reached.
        (acc & 0xC000_0000) | ((acc & 0x3FFF_FFFF) << bits) | (x as u32 & mask)
    })
}

fn steim1_word(pending: &[i32]) -> Word {
    let fits = |n: usize, bits: u32| pending.len() >= n && pending[..n].iter().all(|&d| bit_width(d) <= bits);
    if pending.len() == 4 && fits(4, 8) {
        let b = [pending[0] as i8, pending[1] as i8, pending[2] as i8, pending[3] as i8];
        Word {
            nibble: 1,
            value: WordValue::Bytes(b),
            count: 4,
        }
    } else if fits(2, 16) {
        Word {
            nibble: 2,
            value: WordValue::Halves(pending[0] as i16, pending[1] as i16),
            count: 2,
        }
    } else {
        Word {
            nibble: 3,
            value: WordValue::Whole(pending[0] as u32),
            count: 1,
        }
    }
}

fn steim2_word(pending: &[i32]) -> Option<Word> {
    let fits = |n: usize, bits: u32| pending.len() >= n && pending[..n].iter().all(|&d| bit_width(d) <= bits);
    let whole = |n: usize, bits: u32, dnib: u32, nibble: u32| Word {
        nibble,
        value: WordValue::Whole(packed_fields(&pending[..n], bits, dnib)),
        count: n,
    };
    let word = if pending.len() == 7 && fits(7, 4) {
        whole(7, 4, 2, 3)
    } else if fits(6, 5) {
        whole(6, 5, 1, 3)
    } else if fits(5, 6) {
        whole(5, 6, 0, 3)
    } else if fits(4, 8) {
        let b = [pending[0] as i8, pending[1] as i8, pending[2] as i8, pending[3] as i8];
        Word {
            nibble: 1,
            value: WordValue::Bytes(b),
            count: 4,
        }
    } else if fits(3, 10) {
        whole(3, 10, 3, 2)
    } else if fits(2, 15) {
        whole(2, 15, 2, 2)
    } else if fits(1, 30) {
        whole(1, 30, 1, 2)
    } else {
        return None;
    };
    Some(word)
}

/// Encodes Steim-1 frames: as many leading samples as fit in `max_frames` frames, appended to `out`
/// (whole frames only; the caller pads the record). `diff0` is the difference of `samples[0]` to the
/// sample before it (0 at the start of a trace).
pub fn encode_steim1(
    samples: &[i32],
    diff0: i32,
    max_frames: usize,
    big_endian: bool,
    out: &mut Vec<u8>,
) -> SteimPacked {
    let packed = encode_frames(samples, diff0, max_frames, big_endian, out, 4, |p| Some(steim1_word(p)));
    // Steim-1 always has a layout (1 × 32 bits) for the next difference.
    packed.unwrap_or(SteimPacked { samples: 0, frames: 0 })
}

/// Encodes Steim-2 frames like [`encode_steim1`]; fails on a difference that needs more than 30 bits
/// (`out` then holds partial frames the caller must discard).
pub fn encode_steim2(
    samples: &[i32],
    diff0: i32,
    max_frames: usize,
    big_endian: bool,
    out: &mut Vec<u8>,
) -> Result<SteimPacked, SteimOverflow> {
    encode_frames(samples, diff0, max_frames, big_endian, out, 7, steim2_word)
}

/// The shared frame loop: a window of up to `window` pending differences, one word at a time.
fn encode_frames(
    samples: &[i32],
    diff0: i32,
    max_frames: usize,
    big_endian: bool,
    out: &mut Vec<u8>,
    window: usize,
    pack_word: impl Fn(&[i32]) -> Option<Word>,
) -> Result<SteimPacked, SteimOverflow> {
    // No frame holds more than 15 words of `window` differences: only that prefix can be encoded.
    let samples = &samples[..samples.len().min(max_frames.saturating_mul(15 * window))];
    let diffs: Vec<i32> = differences(samples, diff0).collect();
    let mut done = 0usize;
    let mut frames = 0usize;
    while frames < max_frames && done < samples.len() {
        let mut frame = [[0u8; 4]; 16];
        let mut nibbles = 0u32;
        let first_word = if frames == 0 { 3 } else { 1 };
        for (w, slot) in frame.iter_mut().enumerate().skip(first_word) {
            if done >= samples.len() {
                break;
            }
            let pending = &diffs[done..(done + window).min(diffs.len())];
            let word = pack_word(pending).ok_or(SteimOverflow {
                index: done,
                difference: diffs[done],
            })?;
            *slot = word.value.bytes(big_endian);
            nibbles |= word.nibble << (30 - 2 * w);
            done += word.count;
        }
        frame[0] = word_bytes(nibbles, big_endian);
        if frames == 0 {
            frame[1] = word_bytes(samples[0] as u32, big_endian);
        }
        out.extend(frame.iter().flatten());
        frames += 1;
    }
    if frames > 0 {
        // Xn, the last sample encoded, sits in word 2 of the first frame appended by this call.
        let at = out.len() - frames * STEIM_FRAME_BYTES + 8;
        out[at..at + 4].copy_from_slice(&word_bytes(samples[done - 1] as u32, big_endian));
    }
    Ok(SteimPacked { samples: done, frames })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn steim2_first_frame_layout_matches_obspy() {
        // ObsPy 1.5 writes np.arange(10) as STEIM2, big-endian: word 3 holds 7 × 4-bit differences
        // (0, 1, 1, 1, 1, 1, 1), word 4 holds 3 × 10-bit (1, 1, 1); X0 = 0, Xn = 9.
        let mut out = Vec::new();
        let p = encode_steim2(&(0..10).collect::<Vec<i32>>(), 0, 3, true, &mut out).unwrap();
        assert_eq!(p, SteimPacked { samples: 10, frames: 1 });
        let w = words(&out);
        assert_eq!(&w[..5], &[0x0380_0000, 0, 9, 0x8011_1111, 0xc010_0401]);
    }

    #[test]
    fn steim1_wrapping_differences() {
        let x = [i32::MAX, -i32::MAX, i32::MAX, i32::MIN];
        let mut out = Vec::new();
        let p = encode_steim1(&x, 0, 1, false, &mut out);
        assert_eq!(p.samples, 4);
        assert_eq!(out.len(), 64);
    }

    #[test]
    fn steim2_overflow_is_located() {
        let x = [0, 1, 2, 2 + (1 << 29)];
        assert_eq!(
            steim2_overflow(&x),
            Some(SteimOverflow {
                index: 3,
                difference: 1 << 29
            })
        );
        let mut out = Vec::new();
        assert_eq!(encode_steim2(&x, 0, 4, true, &mut out).unwrap_err().index, 3);
        assert_eq!(steim2_overflow(&[0, (1 << 29) - 1, 0]), None);
    }

    #[test]
    fn frames_are_limited() {
        let x: Vec<i32> = (0..1000).map(|i| i * 100_000).collect();
        let mut out = Vec::new();
        let p = encode_steim2(&x, 0, 2, true, &mut out).unwrap();
        assert_eq!(p.frames, 2);
        assert_eq!(p.samples, 13 + 15);
        assert_eq!(out.len(), 128);
    }
}
