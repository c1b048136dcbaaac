//! The Steim kernel with AVX-512F/VL registers (x86-64 CPUs that have them, detected at run time):
//! each word's differences are integrated where they are extracted, and stored straight into the
//! output, with no scratch and no loop whose length depends on the data.
//!
//! A frame is first laid out in one pass over its 16 words in a 512-bit register ([`prepare`]): each word
//! in value order (byte-swapped when big-endian; 8-bit differences are always in memory order), its row
//! (`nibble << 2 | dnib`, as [`super::STEIM1`] / [`super::STEIM2`] are indexed), whether any row is
//! invalid, and where each word's samples start (the running sum of the rows' counts). Then, per word,
//! the row's left shifts and sign-extending right shift extract all 8 lanes (as the portable kernel
//! does), their running sums are three shifted adds (`valignd` brings in zeros), the sum so far is added
//! to all of them and the 8 lanes are stored at the word's start: lanes past its count are overwritten
//! by the next word (or, after the last fast frame, by the portable kernel). The sum so far moves on by
//! the word's total (its last running sum, picked by a lane permute), which does not depend on the sum
//! so far: the only chain from word to word is one add.
//!
//! Only whole frames whose 8-lane stores stay inside the samples wanted run here (the record's first
//! frame, which holds X0 and the first difference that is not used, and its last frames go through the
//! portable kernel), so nothing is written past the output. Same results as the portable kernel, bit
//! for bit (wrapping 32-bit sums are associative): `tests/steim_kernel.rs` compares them with the
//! reference decoder on fuzzed frames, and the tests below with the portable kernel on frames that
//! reach this path. Measured on the demo's day files (`examples/steim_decode_file.rs`): 0.79 → 0.49 ns
//! per sample.

use super::{FRAME, Progress, Row, SCRATCH, STEIM1, STEIM2, Sink, SteimCheck, finish, one_frame, word};
use std::arch::x86_64::*;

/// Samples a fast frame may store past the output's end before it: 15 words of up to 7 differences,
/// and the last word's 8-lane store.
const ROOM: usize = 15 * 7 + 8;

/// The rows of one encoding (see the module doc).
#[repr(C, align(64))]
struct Tables {
    left: [[u32; 8]; 16],
    right: [[u32; 8]; 16],
    /// The lane holding the word's last difference, in every lane (for `vpermd`).
    last: [[u32; 8]; 16],
    /// Differences per row (a row without any, valid or not, gives zeros: its left shifts clear the word).
    count: [u32; 16],
    /// Bit `i` set when row `i` is invalid.
    invalid: u32,
}

const fn tables(rows: &[Row; 16]) -> Tables {
    let mut t = Tables {
        left: [[0; 8]; 16],
        right: [[0; 8]; 16],
        last: [[0; 8]; 16],
        count: [0; 16],
        invalid: 0,
    };
    let mut i = 0;
    while i < 16 {
        let r = &rows[i];
        let mut l = 0;
        while l < 8 {
            // A row without differences shifts every lane left by 32, which `vpsllvd` makes zero, so
            // its word adds nothing (`last` picks lane 0 of zeros); lanes past `count` are never used.
            t.left[i][l] = if r.count > 0 { r.left[l] } else { 32 };
            t.right[i][l] = r.right;
            t.last[i][l] = if r.count > 0 { r.count - 1 } else { 0 };
            l += 1;
        }
        t.count[i] = r.count;
        t.invalid |= (r.invalid as u32) << i;
        i += 1;
    }
    t
}

static STEIM1_T: Tables = tables(&STEIM1);
static STEIM2_T: Tables = tables(&STEIM2);

/// Whether this CPU runs the kernel.
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vl")
}

#[inline(always)]
#[allow(unsafe_code)]
fn load(v: &[u32; 8]) -> __m256i {
    // SAFETY: 32 readable bytes (an unaligned load).
    unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
}

/// One frame's words, laid out for the word loop: each word in value order, its row, and where its
/// samples start in the frame's output.
#[repr(C, align(64))]
struct Prepared {
    value: [u32; 16],
    row: [u32; 16],
    start: [u32; 16],
}

/// Lays out `frame` (see [`Prepared`]); returns its sample count and whether a word is invalid. Word 0
/// (the nibbles) counts as a word without differences.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn prepare<const BE: bool>(t: &Tables, frame: &[u8; FRAME], p: &mut Prepared) -> (usize, bool) {
    // SAFETY (whole block): AVX-512F is enabled by the caller's target features; `frame` and `p`'s
    // arrays are 64 bytes each.
    unsafe {
        let raw = _mm512_loadu_si512(frame.as_ptr().cast());
        // Each dword byte-swapped: bytes 0 and 2 from a rotation left by 8, bytes 1 and 3 by 24
        // (0xCA: the first operand selects the second where set, the third elsewhere).
        let swapped = _mm512_ternarylogic_epi32::<0xCA>(
            _mm512_set1_epi32(0x00ff_00ff),
            _mm512_rol_epi32::<8>(raw),
            _mm512_rol_epi32::<24>(raw),
        );
        let nibbles = word::<BE>(&frame[..4]);
        let shifts = _mm512_setr_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        let three = _mm512_set1_epi32(3);
        let nib = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(nibbles as i32), shifts), three);
        // Word 0 holds the nibbles themselves: no differences.
        let nib = _mm512_maskz_mov_epi32(0xfffe, nib);
        // 8-bit differences (nibble 1) are in memory order whatever the byte order.
        let value = if BE {
            swapped
        } else {
            _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(nib, _mm512_set1_epi32(1)), raw, swapped)
        };
        let row = _mm512_or_si512(_mm512_slli_epi32::<2>(nib), _mm512_srli_epi32::<30>(value));
        let bad = _mm512_test_epi32_mask(
            _mm512_srlv_epi32(_mm512_set1_epi32(t.invalid as i32), row),
            _mm512_set1_epi32(1),
        );
        let count = _mm512_permutexvar_epi32(row, _mm512_loadu_si512(t.count.as_ptr().cast()));
        // Inclusive running sums of the counts over the 16 words, then each word's start.
        let z = _mm512_setzero_si512();
        let mut end = _mm512_add_epi32(count, _mm512_alignr_epi32::<15>(count, z));
        end = _mm512_add_epi32(end, _mm512_alignr_epi32::<14>(end, z));
        end = _mm512_add_epi32(end, _mm512_alignr_epi32::<12>(end, z));
        end = _mm512_add_epi32(end, _mm512_alignr_epi32::<8>(end, z));
        _mm512_storeu_si512(p.value.as_mut_ptr().cast(), value);
        _mm512_storeu_si512(p.row.as_mut_ptr().cast(), row);
        _mm512_storeu_si512(p.start.as_mut_ptr().cast(), _mm512_sub_epi32(end, count));
        let total = _mm512_cvtsi512_si32(_mm512_permutexvar_epi32(_mm512_set1_epi32(15), end));
        (total as usize, bad != 0)
    }
}

/// One frame (see the module doc): its running sums from `acc` stored from `dst`; returns how many
/// samples it stored, and whether a word was invalid (then nothing it stored counts).
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn frame_at<const BE: bool>(t: &Tables, frame: &[u8; FRAME], dst: *mut i32, acc: &mut __m256i) -> (usize, bool) {
    let mut p = Prepared {
        value: [0; 16],
        row: [0; 16],
        start: [0; 16],
    };
    // SAFETY: the caller's target features.
    let (n, bad) = unsafe { prepare::<BE>(t, frame, &mut p) };
    if bad {
        return (0, true);
    }
    // SAFETY: the caller's target features.
    let z = unsafe { _mm256_setzero_si256() };
    for w in 1..16 {
        let i = p.row[w] as usize & 15;
        // SAFETY: the caller's target features; `dst + start` has 8 writable values (`start < 15 * 7`
        // and the caller's room is `ROOM` more than that).
        unsafe {
            let x = _mm256_set1_epi32(p.value[w] as i32);
            let d = _mm256_srav_epi32(_mm256_sllv_epi32(x, load(&t.left[i])), load(&t.right[i]));
            let s = _mm256_add_epi32(d, _mm256_alignr_epi32::<7>(d, z));
            let s = _mm256_add_epi32(s, _mm256_alignr_epi32::<6>(s, z));
            let s = _mm256_add_epi32(s, _mm256_alignr_epi32::<4>(s, z));
            _mm256_storeu_si256(dst.add(p.start[w] as usize).cast(), _mm256_add_epi32(s, *acc));
            *acc = _mm256_add_epi32(*acc, _mm256_permutevar8x32_epi32(s, load(&t.last[i])));
        }
    }
    (n, false)
}

/// [`super::frames_into`] with the fast frames in the middle (see the module doc).
///
/// # Safety
/// The CPU has AVX2 and AVX-512F/VL ([`available`]).
#[target_feature(enable = "avx2,avx512f,avx512vl")]
#[allow(unsafe_code)]
pub(super) unsafe fn frames_into<const BE: bool, const V: u8, S: Sink>(
    frames: &[u8],
    want: usize,
    sink: &mut S,
) -> Result<SteimCheck, Option<usize>> {
    if V == 1 && !BE {
        // Little-endian Steim-1 goes to the reference decoder (see `dispatch`); never here.
        return super::frames_into::<BE, V, S>(frames, want, sink);
    }
    let t = if V == 1 { &STEIM1_T } else { &STEIM2_T };
    let chunks = frames.as_chunks::<FRAME>().0;
    let mut d = [0i32; SCRATCH];
    let mut at = Progress { n: 0, acc: 0, xn: 0 };
    let mut f = 0;
    // The first frame (X0, Xn) and any until the first sample is out, through the portable kernel.
    while f < chunks.len() && at.n < want && (f == 0 || at.n == 0) {
        if !one_frame::<BE, V, S>(f, &chunks[f], want, sink, &mut d, &mut at) {
            return Err(None);
        }
        f += 1;
    }
    if at.n > 0 && f < chunks.len() && at.n + ROOM <= want {
        // No more than the frames left can hold: `want` comes from a header, and an appending sink
        // reserves this much.
        let room = (want - at.n).min((chunks.len() - f).saturating_mul(15 * 7));
        let dst = sink.room(room);
        let mut k = 0;
        let mut acc = _mm256_set1_epi32(at.acc);
        while f < chunks.len() && k + ROOM <= room {
            // SAFETY: `dst + k` has `room - k >= ROOM` writable values; the features are enabled here.
            let (m, bad) = unsafe { frame_at::<BE>(t, &chunks[f], dst.add(k), &mut acc) };
            if bad {
                return Err(None);
            }
            k += m;
            f += 1;
        }
        // SAFETY: the fast frames wrote every value of `dst .. dst + k` (each word's count of lanes
        // from where the last ended), and `k <= room`.
        unsafe { sink.advance(k) };
        at.n += k;
        at.acc = _mm256_cvtsi256_si32(acc);
    }
    while f < chunks.len() && at.n < want {
        if !one_frame::<BE, V, S>(f, &chunks[f], want, sink, &mut d, &mut at) {
            return Err(None);
        }
        f += 1;
    }
    finish(&at, want)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{SliceSink, VecSink};
    use crate::mseed::{encode_steim1, encode_steim2};

    /// A random walk with steps of up to `±step` (xorshift, deterministic), with spikes.
    fn walk(n: usize, step: i64, seed: u64) -> Vec<i32> {
        let mut s = seed | 1;
        let mut x = 0i32;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let d = if i % 997 == 5 {
                    // Within Steim-2's 30 bits.
                    ((s >> 34) as i64 - (1 << 29)) as i32
                } else {
                    ((s % (2 * step as u64 + 1)) as i64 - step) as i32
                };
                x = x.wrapping_add(d);
                x
            })
            .collect()
    }

    /// Encoded records of `frames_per_record` frames, and how many samples each holds.
    fn records(x: &[i32], v: u8, be: bool, frames_per_record: usize) -> Vec<(Vec<u8>, usize)> {
        let mut out = Vec::new();
        let mut done = 0;
        while done < x.len() {
            let diff0 = if done == 0 {
                0
            } else {
                x[done].wrapping_sub(x[done - 1])
            };
            let mut frames = Vec::new();
            let packed = if v == 1 {
                encode_steim1(&x[done..], diff0, frames_per_record, be, &mut frames)
            } else {
                encode_steim2(&x[done..], diff0, frames_per_record, be, &mut frames).unwrap()
            };
            out.push((frames, packed.samples));
            done += packed.samples;
        }
        out
    }

    /// The portable kernel's and the fast one's results, into a slice and appended to a vector.
    #[allow(unsafe_code)]
    fn both<const BE: bool, const V: u8>(frames: &[u8], want: usize) {
        let mut portable = vec![0i32; want];
        let a = super::super::frames_into::<BE, V, _>(
            frames,
            want,
            &mut SliceSink {
                out: &mut portable,
                n: 0,
            },
        );
        let mut fast = vec![0i32; want];
        // SAFETY: the callers checked the CPU's features.
        let b = unsafe { super::frames_into::<BE, V, _>(frames, want, &mut SliceSink { out: &mut fast, n: 0 }) };
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "steim{V} be {BE} want {want}");
        assert_eq!(portable, fast, "steim{V} be {BE} want {want}");
        let mut appended = vec![7i32; 3];
        // SAFETY: as above.
        let c = unsafe {
            super::frames_into::<BE, V, _>(
                frames,
                want,
                &mut VecSink {
                    out: &mut appended,
                    base: 3,
                },
            )
        };
        assert_eq!(format!("{a:?}"), format!("{c:?}"));
        // Short frames append only what they hold.
        let held = if let Err(Some(k)) = a { k } else { want };
        assert_eq!(&appended[3..], &portable[..held], "steim{V} be {BE} want {want}");
    }

    #[test]
    fn fast_frames_decode_as_the_portable_kernel() {
        if !super::available() {
            eprintln!("skipped: this CPU has no AVX-512F/VL");
            return;
        }
        for (v, be) in [(1u8, true), (2, true), (2, false)] {
            for (step, seed) in [(3, 1u64), (40, 2), (700, 3), (30_000, 4), (1 << 28, 5), (0, 6)] {
                let x = walk(20_000, step, seed);
                for frames_per_record in [7usize, 63, 127] {
                    for (frames, n) in records(&x, v, be, frames_per_record) {
                        // Every sample count from the whole record down past the fast frames' reach.
                        for want in [n, n.saturating_sub(1), n.saturating_sub(113), n / 2, 1, 0] {
                            match (v, be) {
                                (1, _) => both::<true, 1>(&frames, want),
                                (_, true) => both::<true, 2>(&frames, want),
                                _ => both::<false, 2>(&frames, want),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Regression: rows without differences (nibble 0) shifted their word by 31 and sign-extended it,
    /// adding −1 to the running sum for a word with its lowest bit set (found by the fuzzed frames of
    /// `tests/steim_kernel.rs`; an encoder never writes such words between data words).
    #[test]
    fn a_word_without_differences_in_a_fast_frame_adds_nothing() {
        if !super::available() {
            eprintln!("skipped: this CPU has no AVX-512F/VL");
            return;
        }
        for v in [1u8, 2] {
            let x = walk(5_000, 40, 11);
            let (mut frames, n) = records(&x, v, true, 63).swap_remove(0);
            // Words 4 and 9 of frames 1 to 5 become nibble 0, with every bit of the word set.
            for frame in (1..6).map(|f| f * 64) {
                for word in [4, 9] {
                    let shift = 30 - 2 * word;
                    let mut nibbles = u32::from_be_bytes(frames[frame..frame + 4].try_into().unwrap());
                    nibbles &= !(3 << shift);
                    frames[frame..frame + 4].copy_from_slice(&nibbles.to_be_bytes());
                    frames[frame + 4 * word..frame + 4 * word + 4].fill(0xff);
                }
            }
            for want in [n - 200, n / 2, n] {
                if v == 1 {
                    both::<true, 1>(&frames, want);
                } else {
                    both::<true, 2>(&frames, want);
                }
            }
        }
    }

    /// A header's sample count far beyond what the frames hold: the frames run out (an error), and an
    /// appending sink reserves no more than the frames could hold, not the header's count.
    #[test]
    fn an_absurd_sample_count_reserves_only_what_the_frames_hold() {
        if !super::available() {
            eprintln!("skipped: this CPU has no AVX-512F/VL");
            return;
        }
        let x = walk(5_000, 40, 3);
        let (frames, n) = records(&x, 2, true, 63).swap_remove(0);
        let mut appended = Vec::new();
        // SAFETY: the CPU has the features (checked above).
        #[allow(unsafe_code)]
        let r = unsafe {
            super::frames_into::<true, 2, _>(
                &frames,
                1 << 40,
                &mut VecSink {
                    out: &mut appended,
                    base: 0,
                },
            )
        };
        assert_eq!(r, Err(Some(n)));
        assert_eq!(appended[..], x[..n]);
        assert!(
            appended.capacity() <= frames.len() / 64 * 15 * 7 + 64,
            "{}",
            appended.capacity()
        );
    }

    /// A frame past the first with an invalid word: the kernel gives up (the reference then decides).
    #[test]
    fn an_invalid_word_in_a_fast_frame_is_reported() {
        if !super::available() {
            eprintln!("skipped: this CPU has no AVX-512F/VL");
            return;
        }
        let x = walk(5_000, 40, 9);
        let (mut frames, n) = records(&x, 2, true, 63).swap_remove(0);
        // Frame 2, word 5: nibble 2 with dnib 0 is invalid in Steim-2.
        let (frame, word) = (2 * 64, 5);
        let shift = 30 - 2 * word;
        let mut nibbles = u32::from_be_bytes(frames[frame..frame + 4].try_into().unwrap());
        nibbles = nibbles & !(3 << shift) | 2 << shift;
        frames[frame..frame + 4].copy_from_slice(&nibbles.to_be_bytes());
        frames[frame + 4 * word] &= 0x3f;
        let mut out = vec![0i32; n];
        // SAFETY: the CPU has the features (checked above).
        #[allow(unsafe_code)]
        let r = unsafe { super::frames_into::<true, 2, _>(&frames, n, &mut SliceSink { out: &mut out, n: 0 }) };
        assert!(r == Err(None), "{r:?}");
    }
}
