//! Table-driven Steim-1/Steim-2 decoding straight into a caller's slice (the reader's final buffer).
//!
//! Each 32-bit word's control nibble (and, for Steim-2, its two-bit `dnib`) picks one row of a small table:
//! how many differences the word holds and, per lane, the shifts that sign-extend each one. Every row is
//! decoded the same way, without a branch per layout: all 8 lanes are extracted (left shift by the lane's
//! amount, arithmetic right shift by 32 − width) into a frame-local scratch array and the count decides
//! how many are kept. The frame's differences are then integrated in place and handed to the output
//! (a slice of the trace buffer, or a `Vec` with reserved capacity, which spares zero-filling it).
//!
//! The 8-lane extraction is what AVX2's per-lane shifts (`vpsllvd`/`vpsravd`) do in one instruction each,
//! so the same code is also compiled with AVX2 enabled and chosen at run time when the CPU has it
//! ([`std::is_x86_feature_detected`]); elsewhere the portable build runs (scalar shifts).
//!
//! The result is bit-identical to [`super::decode`]'s reference decoder (`decode_steim1`/`decode_steim2`),
//! which stays the definition of the semantics: a frame holding an invalid `dnib`, and little-endian
//! Steim-1 (whose 16-bit halves are in memory order), are handed to the reference, so every error message
//! and its location are its own. `tests/steim_kernel.rs` compares the two on fuzzed frames.

use super::DataEncoding;
use super::decode::{SteimCheck, SteimError, decode_steim1, decode_steim2};
use std::mem::MaybeUninit;

#[cfg(target_arch = "x86_64")]
mod avx512;

/// Bytes in one Steim frame.
const FRAME: usize = 64;
/// Differences one frame can hold at most (15 words × 7), plus room for the last word's spare lanes.
const SCRATCH: usize = 15 * 7 + 8;

/// One layout of differences in a word.
#[derive(Clone, Copy)]
struct Row {
    /// Left shift of each lane, bringing its difference to the top of the word (`< 32`).
    left: [u32; 8],
    /// Arithmetic right shift that sign-extends a difference: 32 − its width.
    right: u32,
    /// Differences in the word.
    count: u32,
    /// The (nibble, dnib) pair is invalid.
    invalid: bool,
}

const fn row(count: u32, bits: u32) -> Row {
    let mut left = [0u32; 8];
    let mut k = 0;
    while k < 8 {
        left[k] = (32 - count * bits + bits * k as u32) % 32;
        k += 1;
    }
    Row {
        left,
        right: 32 - bits,
        count,
        invalid: false,
    }
}

const NONE: Row = Row {
    left: [0; 8],
    right: 0,
    count: 0,
    invalid: false,
};
const BAD: Row = Row { invalid: true, ..NONE };

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

/// Where decoded samples go.
trait Sink {
    /// Appends the running sums `acc + d[0]`, `acc + d[0] + d[1]`, … (wrapping, as the samples
    /// are integrated) and returns the last (`acc` when `d` is empty): integrated as they are
    /// stored, so a frame's samples are written once, with no copy of them through a scratch.
    fn put_sums(&mut self, d: &[i32], acc: i32) -> i32;
    /// Replaces everything put so far with the reference decoder's `samples`.
    fn replace(&mut self, samples: &[i32]);
    /// Where the next `len` samples go: a pointer valid for writing `len` values from the current end
    /// (which the caller then counts in with [`Sink::advance`]).
    #[cfg(target_arch = "x86_64")]
    fn room(&mut self, len: usize) -> *mut i32;
    /// Counts in `len` samples written through [`Sink::room`]'s pointer.
    ///
    /// # Safety
    /// The first `len` values at that pointer have been written, and `len` is within its room.
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    unsafe fn advance(&mut self, len: usize);
}

/// The running sums of `d` from `acc` (see [`Sink::put_sums`]) set into `out` (as long as `d`) one
/// by one; returns the last.
#[inline(always)]
fn running_sums<T>(d: &[i32], mut acc: i32, out: &mut [T], mut set: impl FnMut(&mut T, i32)) -> i32 {
    for (o, &v) in out.iter_mut().zip(d) {
        acc = acc.wrapping_add(v);
        set(o, acc);
    }
    acc
}

/// Fills a slice from its start.
struct SliceSink<'a> {
    out: &'a mut [i32],
    n: usize,
}

impl Sink for SliceSink<'_> {
    #[inline(always)]
    fn put_sums(&mut self, d: &[i32], acc: i32) -> i32 {
        let acc = running_sums(d, acc, &mut self.out[self.n..self.n + d.len()], |o, v| *o = v);
        self.n += d.len();
        acc
    }
    fn replace(&mut self, samples: &[i32]) {
        self.out[..samples.len()].copy_from_slice(samples);
    }
    #[cfg(target_arch = "x86_64")]
    fn room(&mut self, len: usize) -> *mut i32 {
        self.out[self.n..self.n + len].as_mut_ptr()
    }
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    unsafe fn advance(&mut self, len: usize) {
        self.n += len;
    }
}

/// Fills an uninitialised slice from its start, counting what it wrote.
struct UninitSink<'a> {
    out: &'a mut [MaybeUninit<i32>],
    n: usize,
}

impl Sink for UninitSink<'_> {
    #[inline(always)]
    fn put_sums(&mut self, d: &[i32], acc: i32) -> i32 {
        let acc = running_sums(d, acc, &mut self.out[self.n..self.n + d.len()], |o, v| {
            o.write(v);
        });
        self.n += d.len();
        acc
    }
    fn replace(&mut self, samples: &[i32]) {
        for (d, &v) in self.out[..samples.len()].iter_mut().zip(samples) {
            d.write(v);
        }
        self.n = samples.len();
    }
    #[cfg(target_arch = "x86_64")]
    fn room(&mut self, len: usize) -> *mut i32 {
        self.out[self.n..self.n + len].as_mut_ptr().cast()
    }
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    unsafe fn advance(&mut self, len: usize) {
        self.n += len;
    }
}

/// Appends to a `Vec` (within its reserved capacity when the caller reserved it: no zero-filling).
struct VecSink<'a> {
    out: &'a mut Vec<i32>,
    base: usize,
}

impl Sink for VecSink<'_> {
    #[inline(always)]
    fn put_sums(&mut self, d: &[i32], mut acc: i32) -> i32 {
        self.out.extend(d.iter().map(|&v| {
            acc = acc.wrapping_add(v);
            acc
        }));
        acc
    }
    fn replace(&mut self, samples: &[i32]) {
        self.out.truncate(self.base);
        self.out.extend_from_slice(samples);
    }
    #[cfg(target_arch = "x86_64")]
    fn room(&mut self, len: usize) -> *mut i32 {
        self.out.reserve(len);
        self.out.spare_capacity_mut()[..len].as_mut_ptr().cast()
    }
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    unsafe fn advance(&mut self, len: usize) {
        // SAFETY: the caller wrote the first `len` values of the spare capacity `room` reserved.
        unsafe { self.out.set_len(self.out.len() + len) };
    }
}

/// Decodes Steim-1 or Steim-2 `frames` into all of `out` (`out.len()` is the record's sample count).
/// Returns the integrity check, or where the frames are invalid or too few.
pub fn decode_steim_into(
    encoding: DataEncoding,
    frames: &[u8],
    big_endian: bool,
    out: &mut [i32],
) -> Result<SteimCheck, SteimIntoError> {
    let want = out.len();
    dispatch(encoding, frames, want, big_endian, &mut SliceSink { out, n: 0 })
}

/// [`decode_steim_into`] into an uninitialised slice: on `Ok`, every value of `out` has been written
/// (anything else is an error, `Short` with the count written).
pub(crate) fn decode_steim_into_uninit(
    encoding: DataEncoding,
    frames: &[u8],
    big_endian: bool,
    out: &mut [MaybeUninit<i32>],
) -> Result<SteimCheck, SteimIntoError> {
    let want = out.len();
    let mut sink = UninitSink { out, n: 0 };
    let check = dispatch(encoding, frames, want, big_endian, &mut sink)?;
    if sink.n != want {
        return Err(SteimIntoError::Short(sink.n));
    }
    Ok(check)
}

/// Decodes `nsamples` Steim-1 or Steim-2 samples of `frames`, appended to `out`; on error `out` is left
/// with some of them appended.
pub fn decode_steim_append(
    encoding: DataEncoding,
    frames: &[u8],
    nsamples: usize,
    big_endian: bool,
    out: &mut Vec<i32>,
) -> Result<SteimCheck, SteimIntoError> {
    let base = out.len();
    dispatch(encoding, frames, nsamples, big_endian, &mut VecSink { out, base })
}

fn dispatch<S: Sink>(
    encoding: DataEncoding,
    frames: &[u8],
    want: usize,
    big_endian: bool,
    sink: &mut S,
) -> Result<SteimCheck, SteimIntoError> {
    match (encoding, big_endian) {
        (DataEncoding::Steim2, true) => kernel::<true, 2, S>(frames, want, sink),
        (DataEncoding::Steim2, false) => kernel::<false, 2, S>(frames, want, sink),
        (DataEncoding::Steim1, true) => kernel::<true, 1, S>(frames, want, sink),
        _ => reference(encoding, frames, want, big_endian, sink),
    }
}

/// The reference decoder, its samples handed to `sink`.
fn reference<S: Sink>(
    encoding: DataEncoding,
    frames: &[u8],
    want: usize,
    big_endian: bool,
    sink: &mut S,
) -> Result<SteimCheck, SteimIntoError> {
    let mut v = Vec::new();
    let check = if encoding == DataEncoding::Steim1 {
        decode_steim1(frames, want, big_endian, &mut v)
    } else {
        decode_steim2(frames, want, big_endian, &mut v)
    }
    .map_err(SteimIntoError::Steim)?;
    if v.len() != want {
        return Err(SteimIntoError::Short(v.len()));
    }
    sink.replace(&v);
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
fn unpack_frame<const BE: bool, const V: u8>(
    frame: &[u8; FRAME],
    first: usize,
    d: &mut [i32; SCRATCH],
) -> (usize, bool) {
    let rows = if V == 1 { &STEIM1 } else { &STEIM2 };
    let nibbles = word::<BE>(&frame[..4]);
    let mut m = 0usize;
    let mut bad = false;
    for widx in first..16 {
        let raw = &frame[4 * widx..4 * widx + 4];
        let w = word::<BE>(raw);
        let nibble = (nibbles >> (30 - 2 * widx)) & 3;
        let r = &rows[((nibble << 2) | (w >> 30)) as usize];
        bad |= r.invalid;
        // 8-bit differences are in memory order whatever the byte order.
        let x = if nibble == 1 { word::<true>(raw) } else { w };
        if let Some(lanes) = d[m.min(SCRATCH - 8)..].first_chunk_mut::<8>() {
            for (slot, &l) in lanes.iter_mut().zip(&r.left) {
                *slot = (x.wrapping_shl(l) as i32).wrapping_shr(r.right);
            }
        }
        m += r.count as usize;
    }
    (m, bad)
}

/// Where a decode is: samples out, the running sum (the last sample), and the record's `Xn`.
struct Progress {
    n: usize,
    acc: i32,
    xn: i32,
}

/// Decodes frame `f` of a record (see the module doc) and hands its samples, up to `want`, to `sink`;
/// false when a word of it is invalid.
#[inline(always)]
fn one_frame<const BE: bool, const V: u8, S: Sink>(
    f: usize,
    frame: &[u8; FRAME],
    want: usize,
    sink: &mut S,
    d: &mut [i32; SCRATCH],
    at: &mut Progress,
) -> bool {
    let first = if f == 0 { 3 } else { 1 };
    let (m, bad) = unpack_frame::<BE, V>(frame, first, d);
    if bad {
        return false;
    }
    if f == 0 {
        at.acc = word::<BE>(&frame[4..8]) as i32;
        at.xn = word::<BE>(&frame[8..12]) as i32;
    }
    if at.n == 0 && m > 0 {
        // The first sample is X0: the first difference (of whichever frame holds one) is not used.
        d[0] = 0;
    }
    let take = m.min(want - at.n);
    at.acc = sink.put_sums(&d[..take], at.acc);
    at.n += take;
    true
}

/// The integrity check of a finished decode, or how many samples there were when short of `want`.
fn finish(at: &Progress, want: usize) -> Result<SteimCheck, Option<usize>> {
    if at.n < want {
        return Err(Some(at.n));
    }
    Ok(SteimCheck {
        xn: at.xn,
        last: (want > 0).then_some(at.acc),
    })
}

/// Decodes frames until `want` samples are out (see the module doc).
#[inline(always)]
fn frames_into<const BE: bool, const V: u8, S: Sink>(
    frames: &[u8],
    want: usize,
    sink: &mut S,
) -> Result<SteimCheck, Option<usize>> {
    let mut d = [0i32; SCRATCH];
    let mut at = Progress { n: 0, acc: 0, xn: 0 };
    for (f, frame) in frames.as_chunks::<FRAME>().0.iter().enumerate() {
        if at.n >= want {
            break;
        }
        if !one_frame::<BE, V, S>(f, frame, want, sink, &mut d, &mut at) {
            return Err(None);
        }
    }
    finish(&at, want)
}

/// The AVX2 build of [`frames_into`] (same code; the compiler turns the 8-lane shifts into vector ones).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn frames_into_avx2<const BE: bool, const V: u8, S: Sink>(
    frames: &[u8],
    want: usize,
    sink: &mut S,
) -> Result<SteimCheck, Option<usize>> {
    frames_into::<BE, V, S>(frames, want, sink)
}

/// Runs the AVX2 build when the CPU has AVX2, the portable one otherwise.
#[inline(always)]
fn frames_best<const BE: bool, const V: u8, S: Sink>(
    frames: &[u8],
    want: usize,
    sink: &mut S,
) -> Result<SteimCheck, Option<usize>> {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has AVX-512F/VL and AVX2 (checked by `available`), all the kernel requires.
        return unsafe { avx512::frames_into::<BE, V, S>(frames, want, sink) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // `frames_avx2` only needs AVX2, which was just detected; it
        // is otherwise safe code (no pointers, every access bounds-checked).
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 (checked above), the only requirement of the target feature.
        return unsafe { frames_into_avx2::<BE, V, S>(frames, want, sink) };
    }
    frames_into::<BE, V, S>(frames, want, sink)
}

fn kernel<const BE: bool, const V: u8, S: Sink>(
    frames: &[u8],
    want: usize,
    sink: &mut S,
) -> Result<SteimCheck, SteimIntoError> {
    match frames_best::<BE, V, S>(frames, want, sink) {
        Ok(check) => Ok(check),
        Err(Some(n)) => Err(SteimIntoError::Short(n)),
        // An invalid word: the reference decides whether it counts (it may lie past the last sample) and
        // where it is.
        Err(None) => {
            let encoding = if V == 1 {
                DataEncoding::Steim1
            } else {
                DataEncoding::Steim2
            };
            reference(encoding, frames, want, BE, sink)
        }
    }
}
