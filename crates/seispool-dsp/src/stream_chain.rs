//! A filter chain run block by block instead of trace by trace (issue 13).
//!
//! ObsPy's `filter(..., zerophase=True)` followed by `decimate(factor)` is three passes over the whole
//! trace: `sosfilt` forwards, `sosfilt` backwards over its output, and `decimate`'s Chebyshev II
//! forwards, keeping every `factor`-th sample. Run trace by trace, each pass streams the day's f64
//! samples (69 MB at 100 Hz) from memory and back, and each worker first faults in that much fresh
//! memory. Here the chain runs over blocks of [`LANES`] × [`LANE_LEN`] samples, so nothing
//! trace-sized but the input and the (decimated) output is ever held.
//!
//! What makes a pass separable into blocks is that a stable cascade forgets: its zero-input response
//! from any state `s` is below `DECAY · |s|` after [`settle_len`] samples (computed from the
//! coefficients, see there). So a block's outputs are the cascade run from zero state `settle_len`
//! samples before the block (after it, for the backward pass), up to `DECAY` of the true state there:
//! ~1e-20 of the signal's scale, far below the 1e-12 of max that the trace-by-trace lanes keep to.
//! Zero padding outside the trace is exact (zero input from zero state stays zero, and SciPy starts each
//! pass from zero state at the trace's ends), so the first and last blocks are exact up to rounding.
//! Each stage fills the [`LANES`] SIMD lanes with four independent segments of a block, each with its
//! own warm-up: the same zero-state kernel as [`crate::sosfilt_blocks`], without its corrections.
//! All three passes run in place in one staging buffer (see [`run_block`]): lane `b` holds the
//! segment with the forward warm-up and the decimation's warm-up samples before it and the backward
//! warm-up after it, so every block is computed from the input alone.
//!
//! The input is produced on demand (`input(start, buf)`), so an integer trace's detrend and taper
//! happen as the first stage reads it, and no f64 copy of the input exists either. In the wide
//! blocks an integer trace's pieces skip even the fill's rows (unless a lane's piece crosses a taper
//! flank's end or the trace's): eight integers of each lane are converted, detrended, tapered and
//! transposed in registers straight into the interleaved lanes (`sosfilt_blocks::interleave_line`,
//! the same bits).
//!
//! On CPUs with AVX-512F a block is [`WIDE`] (eight) lanes instead, interleaved in the staging buffer
//! (see [`run_block_wide`]): the same segments, warm-ups and passes, each step of the eight lanes one
//! 512-bit vector (`sosfilt_blocks::zero_state_wide`), with the same values lane by lane as the
//! four-lane kernel gives (the four-lane build, which other CPUs run, is [`filter_chain_four_lanes`]).

use std::cell::RefCell;
use std::mem::MaybeUninit;

use crate::filter::FilterPlan;
use crate::fused::FusedInput;
use crate::iir::Sos;
use crate::sosfilt_blocks::{self, LANES, WIDE};
use crate::taper::TaperPlan;

/// Samples per lane and block: a block is `LANES · LANE_LEN` samples (2 MiB of f64 with the warm-ups),
/// so the staging buffer stays in the L3 cache. The warm-ups of the seed's chain (4.5 k samples for its
/// bandpass, 1.1 k for `decimate(4)`'s filter) add ~15 % to each lane's length (~30 % at half this
/// length, which was measured 5 % slower).
const LANE_LEN: usize = 65_536;

/// Samples per lane of [`run_block_wide`]'s blocks of [`WIDE`] lanes.
const WIDE_LANE_LEN: usize = 65_536;

/// Shortest lane: traces shorter than `LANES · MIN_LANE` samples run trace by trace (the warm-ups
/// would cost more than the lanes save).
const MIN_LANE: usize = 32_768;

/// The zero-input response is taken as gone once every state component is below `DECAY` times the
/// largest component it started from (as [`crate::sosfilt_blocks`]' corrections do).
const DECAY: f64 = 1e-20;

/// Longest warm-up the chain takes: beyond it (poles very near the unit circle, e.g. a 0.01 Hz
/// highpass at 100 Hz) the warm-ups would cost more than the passes, and the trace-by-trace path runs.
const MAX_SETTLE: usize = MIN_LANE;

/// What [`filter_chain`] writes its output as: `f64`, or `f32` (each value rounded to nearest, as
/// numpy's `astype(float32)` and Rust's `as f32` round it) for an output that is stored as FLOAT32
/// anyway, which then never exists in f64.
pub trait ChainOutput: Copy + Send + Sync + sealed::Sealed {
    /// `v` as this type.
    fn from_f64(v: f64) -> Self;
}

impl ChainOutput for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> f64 {
        v
    }
}

impl ChainOutput for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// The filters of a chain: `first` (forwards, and then backwards when `zerophase`), then optionally
/// `decimate = (sections, factor)`: forwards, keeping samples `0, factor, 2·factor, …`.
#[derive(Debug, Clone, Copy)]
pub struct FilterChain<'a> {
    /// The first filter's second-order sections.
    pub first: &'a [[f64; 6]],
    /// Whether the first filter runs forwards and then backwards (ObsPy's `zerophase=True`).
    pub zerophase: bool,
    /// `decimate`'s anti-alias sections and factor (≥ 1).
    pub decimate: Option<(&'a [[f64; 6]], usize)>,
}

/// Samples after which the zero-input response of the cascade `sections`, from any state `s`, stays
/// below `DECAY · max|s|` in every state component: the sum over the unit states of their responses'
/// largest component (a bound on the response's ∞-norm) is tracked until it has stayed below `DECAY`
/// for as long again as it took to get there. `None` when that takes more than [`MAX_SETTLE`]
/// samples, or the sections are not strictly stable with finite coefficients.
pub(crate) fn settle_len(sections: &[[f64; 6]]) -> Option<usize> {
    /// A cascade and its settle length.
    type Settled = (Vec<[f64; 6]>, Option<usize>);
    thread_local! {
        /// The last cascades asked about on this thread (a worker filters day after day with one design).
        static KNOWN: RefCell<Vec<Settled>> = const { RefCell::new(Vec::new()) };
    }
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if let Some((_, l)) = known.iter().find(|(s, _)| s.as_slice() == sections) {
            return *l;
        }
        let l = compute_settle_len(sections);
        if known.len() >= 8 {
            known.remove(0);
        }
        known.push((sections.to_vec(), l));
        l
    })
}

fn compute_settle_len(sections: &[[f64; 6]]) -> Option<usize> {
    if sections.is_empty() || !sosfilt_blocks::stable(sections) {
        return None;
    }
    let n = sections.len();
    // Unit state `j` sets component `j` (section j / 2, z0 or z1). The states are stepped side by
    // side, component-major (`z0[k * w + j]`: section k of state j), so that each operation runs
    // over all states at once in vectors: the same operations per state as
    // `sosfilt_blocks::zero_input_step`, in the same order, so the same values (this ran a state at
    // a time, ~2.6 ms per worker and design on the seed job, every worker's first unit).
    let w = (2 * n).next_multiple_of(4);
    let mut z0 = vec![0.0f64; n * w];
    let mut z1 = vec![0.0f64; n * w];
    for j in 0..2 * n {
        let z = if j % 2 == 0 { &mut z0 } else { &mut z1 };
        z[j / 2 * w + j] = 1.0;
    }
    let mut x = vec![0.0f64; w];
    let mut peak = vec![0.0f64; w];
    let mut settling = Settling::default();
    for t in 1..=4 * MAX_SETTLE {
        x.fill(0.0);
        peak.fill(0.0);
        for (k, s) in sections.iter().enumerate() {
            let (z0, z1) = (&mut z0[k * w..][..w], &mut z1[k * w..][..w]);
            for j in 0..w {
                let y = s[0] * x[j] + z0[j];
                z0[j] = s[1] * x[j] - s[4] * y + z1[j];
                z1[j] = s[2] * x[j] - s[5] * y;
                x[j] = y;
                peak[j] = peak[j].max(z0[j].abs()).max(z1[j].abs());
            }
        }
        let norm = peak[..2 * n].iter().fold(0.0f64, |a, &p| a + p);
        if let Some(settled) = settling.step(t, norm) {
            return settled;
        }
    }
    None
}

/// The stopping rule of [`compute_settle_len`]: the norm at step `t` has stayed below `DECAY` for as
/// long again as it took to get there (the settle length then, or `None` past [`MAX_SETTLE`]).
#[derive(Default)]
struct Settling {
    below_since: Option<usize>,
}

impl Settling {
    /// `Some(settle length)` once decided at step `t` with `norm`.
    fn step(&mut self, t: usize, norm: f64) -> Option<Option<usize>> {
        match self.below_since {
            _ if norm > DECAY => self.below_since = None,
            None => self.below_since = Some(t),
            Some(since) if t >= 2 * since => return Some((since <= MAX_SETTLE).then_some(since)),
            Some(_) => {}
        }
        None
    }
}

/// Runs `chain` over the `n` samples `input` produces (`input(start, buf)` writes samples
/// `start .. start + buf.len()`, always within `0..n`), writing the chain's output into `out`
/// (cleared first): `n` samples, or `ceil(n / factor)` with a decimation. Returns false, leaving `out`
/// alone, when the chain does not apply: fewer than one block of samples, a cascade that is empty,
/// longer than the lanes take, unstable, or slow to settle (see [`settle_len`]), or a zero factor.
/// Then run the filters trace by trace. The input must be finite (a NaN in a warm-up would not
/// reach every later output, as it does in SciPy's recurrence): integer samples, detrended and tapered,
/// are.
///
/// The output agrees with the trace-by-trace filters (SciPy's recurrences) within 1e-12 of its
/// maximum: the warm-ups' truncation is ~1e-20 of the state's scale, the rest is rounding
/// (tests/stream_chain.rs). Every block is computed from the input alone, so the output does not
/// depend on which thread ran which block: called on a worker of a rayon pool, the blocks are offered
/// to the pool's idle workers (`rayon::join`), which is how the last unit of a run gets the cores
/// the others have left; elsewhere they run one after the other on the calling thread.
pub fn filter_chain<T: ChainOutput>(
    n: usize,
    input: &(dyn Fn(usize, &mut [f64]) + Sync),
    chain: &FilterChain,
    out: &mut Vec<T>,
) -> bool {
    filter_chain_lanes(n, Input::Any(input), chain, out, sosfilt_blocks::wide_lanes())
}

/// [`filter_chain`] in blocks of [`LANES`] lanes side by side (the build for CPUs without AVX-512F),
/// whatever the CPU: for tests of that build on CPUs that have it.
#[doc(hidden)]
pub fn filter_chain_four_lanes<T: ChainOutput>(
    n: usize,
    input: &(dyn Fn(usize, &mut [f64]) + Sync),
    chain: &FilterChain,
    out: &mut Vec<T>,
) -> bool {
    filter_chain_lanes(n, Input::Any(input), chain, out, false)
}

/// Whether [`filter_chain`] runs its blocks in [`WIDE`] interleaved lanes on this CPU (it has
/// AVX-512F): for tests that say which build they compared.
#[doc(hidden)]
pub fn filter_chain_is_wide() -> bool {
    sosfilt_blocks::wide_lanes()
}

/// [`filter_chain`] in blocks of [`WIDE`] interleaved lanes ([`run_block_wide`], `wide`: the CPU has
/// AVX-512F) or of [`LANES`] lanes side by side ([`run_block`]).
fn filter_chain_lanes<T: ChainOutput>(
    n: usize,
    input: Input,
    chain: &FilterChain,
    out: &mut Vec<T>,
    wide: bool,
) -> bool {
    let Some((w1, decimate)) = warmups(n, chain) else {
        return false;
    };
    let factor = decimate.map_or(1, |(_, factor, _)| factor);
    let total = n.div_ceil(factor);
    out.clear();
    out.reserve_exact(total);
    let block = if wide { WIDE * WIDE_LANE_LEN } else { LANES * LANE_LEN };
    // Block `k` writes the outputs of its samples `k·block .. (k + 1)·block`: those of the kept ones.
    let mut rest = &mut out.spare_capacity_mut()[..total];
    let mut parts = Vec::with_capacity(n.div_ceil(block));
    for k in 0..n.div_ceil(block) {
        let len = ((k + 1) * block).min(n).div_ceil(factor) - (k * block).div_ceil(factor);
        let (part, tail) = rest.split_at_mut(len);
        parts.push((k, part));
        rest = tail;
    }
    let run = |k: usize, part: &mut [MaybeUninit<T>]| {
        let cs = k * block;
        let blk = Block {
            n,
            cs,
            ce: (cs + block).min(n),
            input,
            chain,
            w1,
            decimate,
        };
        if wide {
            run_block_wide(&blk, part);
        } else {
            run_block(&blk, part);
        }
    };
    for_each_block(&mut parts, &run);
    #[allow(unsafe_code)]
    // SAFETY: `total` is within the capacity reserved above, and every one of the `total` values
    // has been written: the parts split `0..total`, and `run_block` writes every value of its part
    // (each kept sample of the block lies in exactly one lane's segment).
    unsafe {
        out.set_len(total);
    }
    true
}

thread_local! {
    /// The blocks' staging buffer of this thread, reused block after block (for the seed's chain
    /// ~2.4 MiB in four lanes, ~5.3 MiB in eight with the fill's rows: no fresh pages and no
    /// allocation per block).
    static STAGING: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// `run(k, part)` for every block, halves offered to the pool's idle workers when the calling thread
/// is a rayon worker (never the global pool: outside a pool the blocks run here). Last to first: the
/// trend's sums have just read an integer trace first to last, so its end is what the cache still
/// holds (the fill's reads ~10 % fewer samples in a profile; the calling thread keeps the later half).
fn for_each_block<T: ChainOutput>(
    parts: &mut [(usize, &mut [MaybeUninit<T>])],
    run: &(dyn Fn(usize, &mut [MaybeUninit<T>]) + Sync),
) {
    if parts.len() > 1 && rayon::current_thread_index().is_some() {
        let (a, b) = parts.split_at_mut(parts.len() / 2);
        rayon::join(|| for_each_block(b, run), || for_each_block(a, run));
    } else {
        for (k, part) in parts.iter_mut().rev() {
            run(*k, part);
        }
    }
}

/// What a chain reads: samples `start ..` of its input into `buf` by any function, or an integer
/// trace's detrended, tapered samples (which the wide blocks convert straight into their lanes).
#[derive(Clone, Copy)]
enum Input<'a> {
    Any(&'a (dyn Fn(usize, &mut [f64]) + Sync)),
    Fused(&'a FusedInput<'a>),
}

impl Input<'_> {
    /// Samples `start .. start + buf.len()` into `buf`.
    fn get(&self, start: usize, buf: &mut [f64]) {
        match self {
            Input::Any(f) => f(start, buf),
            Input::Fused(input) => {
                #[allow(unsafe_code)]
                // SAFETY: `[f64]` and `[MaybeUninit<f64>]` have the same layout, and `fill` only ever
                // writes initialised values (it never writes `MaybeUninit::uninit()`), so `buf` stays
                // initialised.
                let buf = unsafe { &mut *(std::ptr::from_mut::<[f64]>(buf) as *mut [MaybeUninit<f64>]) };
                input.fill(start..start + buf.len(), buf);
            }
        }
    }
}

/// Block `cs .. ce` of the chain over the `n` samples of `input`, with the first filter's warm-up
/// `w1` and the decimation's `(sections, factor, warm-up)`.
struct Block<'a, 'c> {
    n: usize,
    cs: usize,
    ce: usize,
    input: Input<'a>,
    chain: &'a FilterChain<'c>,
    w1: usize,
    decimate: Option<(&'c [[f64; 6]], usize, usize)>,
}

/// How a block's lanes are laid out (see [`run_block`]).
struct Layout {
    /// The decimation's factor (1 without one).
    factor: usize,
    /// The decimation filter's warm-up (0 without one).
    w2: usize,
    /// Samples per lane's segment.
    m: usize,
    /// Samples of a lane before its segment: both warm-ups.
    before: usize,
    /// Samples of a lane: the warm-ups before, the segment, and (zerophase) the backward warm-up.
    stride: usize,
}

impl Block<'_, '_> {
    /// The block in `lanes` lanes.
    fn layout(&self, lanes: usize) -> Layout {
        let (factor, w2) = self.decimate.map_or((1, 0), |(_, factor, w2)| (factor, w2));
        let m = (self.ce - self.cs).div_ceil(lanes);
        let before = self.w1 + w2;
        let after = if self.chain.zerophase { self.w1 } else { 0 };
        Layout {
            factor,
            w2,
            m,
            before,
            stride: before + m + after,
        }
    }

    /// Of the lane whose segment starts at sample `s` (`m` long) of a block whose part of the output
    /// is `part_len` long: `(j0, k, o)`, its first kept sample `s + j0` (global indices that are
    /// multiples of `factor` are kept), the samples of its segment inside the block `k`, and the
    /// output `o` of its first kept sample in the part.
    fn kept(&self, s: usize, m: usize, factor: usize, part_len: usize) -> (usize, usize, usize) {
        let k = self.ce.saturating_sub(s).min(m);
        let j0 = s.next_multiple_of(factor) - s;
        let o = ((s + j0) / factor - self.cs.div_ceil(factor)).min(part_len);
        (j0, k, o)
    }
}

/// Samples `cs .. ce` of the chain's output (the kept ones with a decimation) into `part`, every
/// value of it written.
///
/// Lane `b` holds, in this thread's staging buffer, samples `s_b − w1 − w2 .. s_b + m + after`
/// (`s_b = cs + b·m`): the first filter's warm-up, the `w2` samples before the segment that warm
/// the decimation filter up, the segment, and (zerophase) the backward pass's warm-up `after = w1`.
/// The first filter runs forwards in place over the whole lane; with zerophase, everything past the
/// trace's end is zeroed (SciPy's backward pass starts from zero state there) and it runs backwards
/// over all but the first warm-up (which would come out of the backward pass last and is thrown
/// away). The decimation filter then runs in place over the `w2` samples and the segment, the part
/// before the trace's start zeroed (the first filter's output starts at sample 0), and the kept
/// samples of the segment are copied out.
fn run_block<T: ChainOutput>(blk: &Block, part: &mut [MaybeUninit<T>]) {
    let Block {
        n,
        cs,
        input,
        chain,
        w1,
        decimate,
        ..
    } = *blk;
    let Layout {
        factor,
        w2,
        m,
        before,
        stride,
    } = blk.layout(LANES);
    STAGING.with(|staging| {
        let mut lanes = staging.borrow_mut();
        // Every value is written by the fills below: only a longer buffer is zeroed.
        lanes.resize(LANES * stride, 0.0);
        for (b, buf) in lanes.chunks_exact_mut(stride).enumerate() {
            let s = (cs + b * m) as isize;
            fill_within(n, s - before as isize, buf, |i, part| input.get(i, part));
        }
        sosfilt_blocks::zero_state_lanes::<false>(chain.first, &mut lanes, stride, 0, stride);
        if chain.zerophase {
            for (b, buf) in lanes.chunks_exact_mut(stride).enumerate() {
                // Lane index of sample `n`.
                let past = (n + before).saturating_sub(cs + b * m).min(stride);
                buf[past..].fill(0.0);
            }
            sosfilt_blocks::zero_state_lanes::<true>(chain.first, &mut lanes, stride, w1, stride - w1);
        }
        if let Some((sections, _, _)) = decimate {
            for (b, buf) in lanes.chunks_exact_mut(stride).enumerate() {
                // Lane index of sample 0, when the lane starts before it.
                let zero = (w1 + w2).saturating_sub(cs + b * m).min(stride);
                buf[w1..zero.max(w1)].fill(0.0);
            }
            sosfilt_blocks::zero_state_lanes::<false>(sections, &mut lanes, stride, w1, w2 + m);
        }
        for (b, buf) in lanes.chunks_exact(stride).enumerate() {
            let (j0, k, o) = blk.kept(cs + b * m, m, factor, part.len());
            let kept = buf[before..before + k].iter().skip(j0).step_by(factor);
            for (d, &v) in part[o..].iter_mut().zip(kept) {
                d.write(T::from_f64(v));
            }
        }
    });
}

/// [`run_block`] with the block's [`WIDE`] lanes interleaved in the staging buffer (step `t` of lane
/// `b` at `t·WIDE + b`, from a 64-byte boundary) for [`sosfilt_blocks::zero_state_wide`]: the same
/// lanes' contents, warm-ups, zeroing and passes, so the same values lane by lane as four lanes side
/// by side would give with these segments.
fn run_block_wide<T: ChainOutput>(blk: &Block, part: &mut [MaybeUninit<T>]) {
    let Block {
        n,
        cs,
        input,
        chain,
        w1,
        decimate,
        ..
    } = *blk;
    let Layout {
        factor,
        w2,
        m,
        before,
        stride,
    } = blk.layout(WIDE);
    // Lane `b`'s segment starts at sample `s(b)` of the trace.
    let s = |b: usize| cs + b * m;
    STAGING.with(|staging| {
        let mut lanes = staging.borrow_mut();
        // Every value is written by the fills below: only a longer buffer is zeroed.
        lanes.resize(WIDE * stride + WIDE + WIDE * FILL_PIECE, 0.0);
        let off = lanes.as_ptr().align_offset(64).min(WIDE);
        let (st, rows) = lanes[off..].split_at_mut(WIDE * stride);
        fill_interleaved(
            n,
            std::array::from_fn(|b| s(b) as isize - before as isize),
            input,
            st,
            rows,
        );
        // Each pass runs: the CPU has AVX-512F (the caller's choice), the lanes take both cascades
        // (`warmups`) and the steps are inside the staging buffer.
        let ran = sosfilt_blocks::zero_state_wide::<false>(chain.first, st, 0, stride);
        assert!(ran, "the wide lanes refused the first filter");
        if chain.zerophase {
            for b in 0..WIDE {
                // Lane step of sample `n`.
                let past = (n + before).saturating_sub(s(b)).min(stride);
                zero_steps(st, b, past..stride);
            }
            let ran = sosfilt_blocks::zero_state_wide::<true>(chain.first, st, w1, stride);
            assert!(ran, "the wide lanes refused the backward pass");
        }
        if let Some((sections, _, _)) = decimate {
            for b in 0..WIDE {
                // Lane step of sample 0, when the lane starts before it.
                let zero = (w1 + w2).saturating_sub(s(b)).min(stride);
                zero_steps(st, b, w1..zero.max(w1));
            }
            let ran = sosfilt_blocks::zero_state_wide::<false>(sections, st, w1, w1 + w2 + m);
            assert!(ran, "the wide lanes refused the decimation's filter");
        }
        // Kept: lane `b`'s steps `before + j0 + i·factor` (global indices that are multiples of
        // `factor`) below `before + k`, the first of them output `o`.
        let kept: [(usize, usize, usize); WIDE] = std::array::from_fn(|b| blk.kept(s(b), m, factor, part.len()));
        let (j0, _, o) = kept[0];
        let per_lane = m.saturating_sub(j0).div_ceil(factor);
        if m.is_multiple_of(factor) && kept.iter().all(|&(_, k, _)| k == m) && o + WIDE * per_lane <= part.len() {
            // Full lanes of whole multiples of `factor`: every lane keeps the same steps, and lane
            // `b`'s outputs follow lane `b − 1`'s.
            let mut lanes = part[o..o + WIDE * per_lane].chunks_exact_mut(per_lane.max(1));
            let dst = std::array::from_fn(|_| lanes.next().unwrap_or_default());
            sosfilt_blocks::deinterleave(st, before + j0, factor, per_lane, dst, |v| {
                MaybeUninit::new(T::from_f64(v))
            });
        } else {
            for (b, &(j0, k, o)) in kept.iter().enumerate() {
                let values = (before + j0..before + k.max(j0))
                    .step_by(factor)
                    .map(|t| st[t * WIDE + b]);
                for (d, v) in part[o..].iter_mut().zip(values) {
                    d.write(T::from_f64(v));
                }
            }
        }
    });
}

/// Zeroes steps `steps` of lane `b` of the interleaved `st`.
fn zero_steps(st: &mut [f64], b: usize, steps: std::ops::Range<usize>) {
    for t in steps {
        st[t * WIDE + b] = 0.0;
    }
}

/// Steps of each lane [`fill_interleaved`] fills at a time: 8 × 8 192 f64, 512 KiB, stay in L2 until
/// interleaved, and each lane's input is read in runs long enough for the prefetchers (pieces of 128
/// steps measured ~1.4× the fill's time of whole lanes side by side; `chain_kernel` example, 8 192:
/// the seed's chain 0.89× the four lanes' time).
const FILL_PIECE: usize = 8_192;

/// Fills the interleaved lanes `st` (`st.len() / WIDE` steps each): lane `b` with the samples from
/// `starts[b]` on of the signal that is `input` within `0..n` and zero outside, [`FILL_PIECE`] steps of
/// every lane at a time through `rows` (at least `WIDE · FILL_PIECE` long).
fn fill_interleaved(n: usize, starts: [isize; WIDE], input: Input, st: &mut [f64], rows: &mut [f64]) {
    for (c, steps) in st.chunks_mut(FILL_PIECE * WIDE).enumerate() {
        let len = steps.len() / WIDE;
        let starts = starts.map(|s| s + (c * FILL_PIECE) as isize);
        // An integer trace's samples go straight into the lanes, converted, detrended and tapered in
        // registers, when no lane's piece crosses a flank's end or the trace's (most pieces).
        if let Input::Fused(input) = input
            && input.fill_interleaved(starts, steps)
        {
            continue;
        }
        for (b, row) in rows.chunks_exact_mut(FILL_PIECE).take(WIDE).enumerate() {
            fill_within(n, starts[b], &mut row[..len], |i, part| input.get(i, part));
        }
        sosfilt_blocks::interleave(std::array::from_fn(|b| &rows[b * FILL_PIECE..][..len]), steps);
    }
}

/// The warm-ups of `chain` over `n` samples when [`filter_chain`] takes it: the first filter's settle
/// length, and the decimation's `(sections, factor, settle length)`; `None` when it does not.
#[allow(clippy::type_complexity)] // the two warm-ups and the decimation they belong to
fn warmups<'a>(n: usize, chain: &FilterChain<'a>) -> Option<(usize, Option<(&'a [[f64; 6]], usize, usize)>)> {
    let settles = |s: &[[f64; 6]]| settle_len(s).filter(|_| sosfilt_blocks::lanes_take(s));
    if n < LANES * MIN_LANE {
        return None;
    }
    let w1 = settles(chain.first)?;
    let decimate = match chain.decimate {
        None => None,
        Some((sections, factor)) => Some((sections, factor, settles(sections).filter(|_| factor >= 1)?)),
    };
    Some((w1, decimate))
}

/// `detrend("linear")` of the integers `src`, `taper` (when given), `filter` and, when given,
/// `decimate = (anti-alias design, factor)`'s filter and `[::factor]`, run block by block by
/// [`filter_chain`] with the detrended, tapered input computed as the first pass reads it: the
/// samples ObsPy's ops give one after the other, within 1e-12 of their max (not the same bits: the
/// warm-ups and the lanes' rounding; tests/stream_chain.rs, and against ObsPy in the CLI's
/// `day_long_filter_chains_match_obspy`). Returns false, with `out` untouched, when the chain does not
/// take the trace (see [`filter_chain`]); the caller then runs the ops trace by trace.
/// Panics if `taper` is for another length.
pub fn filter_chain_i32<T: ChainOutput>(
    src: &[i32],
    taper: Option<&TaperPlan>,
    filter: &FilterPlan,
    decimate: Option<(&Sos, usize)>,
    out: &mut Vec<T>,
) -> bool {
    let chain = FilterChain {
        first: filter.sos().sections(),
        zerophase: filter.zerophase(),
        decimate: decimate.map(|(s, factor)| (s.sections(), factor)),
    };
    // The trend's sums read every integer: only once the chain is known to run.
    if warmups(src.len(), &chain).is_none() {
        return false;
    }
    let input = FusedInput::new(src, taper);
    filter_chain_lanes(
        src.len(),
        Input::Fused(&input),
        &chain,
        out,
        sosfilt_blocks::wide_lanes(),
    )
}

/// Writes samples `start .. start + buf.len()` of a signal that is zero outside `0..n`, the part
/// within `0..n` by `get(first, part)`.
fn fill_within(n: usize, start: isize, buf: &mut [f64], get: impl Fn(usize, &mut [f64])) {
    let end = start + buf.len() as isize;
    let (lo, hi) = (start.max(0), end.min(n as isize));
    if hi <= lo {
        buf.fill(0.0);
        return;
    }
    let (a, b) = ((lo - start) as usize, (hi - start) as usize);
    buf[..a].fill(0.0);
    get(lo as usize, &mut buf[a..b]);
    buf[b..].fill(0.0);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// The settle length as it was computed before the states were stepped side by side: one unit
    /// state at a time through `sosfilt_blocks::zero_input_step`.
    fn settle_len_state_by_state(sections: &[[f64; 6]]) -> Option<usize> {
        if sections.is_empty() || !sosfilt_blocks::stable(sections) {
            return None;
        }
        let n = sections.len();
        let mut states: Vec<Vec<[f64; 2]>> = (0..2 * n)
            .map(|j| {
                let mut z = vec![[0.0; 2]; n];
                z[j / 2][j % 2] = 1.0;
                z
            })
            .collect();
        let mut settling = Settling::default();
        for t in 1..=4 * MAX_SETTLE {
            let mut norm = 0.0f64;
            for z in &mut states {
                sosfilt_blocks::zero_input_step(sections, z);
                norm += z.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            }
            if let Some(settled) = settling.step(t, norm) {
                return settled;
            }
        }
        None
    }

    /// The side-by-side stepping gives exactly the state-by-state settle lengths: ObsPy's designs
    /// (Butterworth band/low/highpass of every order the lanes take, `decimate`'s Chebyshev II at
    /// several factors and rates) and poles near the unit circle.
    #[test]
    fn settle_len_is_the_state_by_state_one() {
        use crate::filter::{IirOptions, design_bandpass, design_highpass, design_lowpass, design_lowpass_cheby_2};
        let mut cache = crate::iir::DesignCache::new();
        let mut designs: Vec<Vec<[f64; 6]>> = Vec::new();
        for corners in 1..=8 {
            let o = IirOptions {
                corners,
                ..IirOptions::default()
            };
            for df in [20.0, 100.0, 200.0] {
                for plan in [
                    design_bandpass(0.5, 8.0, df, &o, &mut cache),
                    design_bandpass(0.01, 1.0, df, &o, &mut cache),
                    design_lowpass(2.0, df, &o, &mut cache),
                    design_highpass(0.05, df, &o, &mut cache),
                    design_highpass(0.01, df, &o, &mut cache),
                ]
                .into_iter()
                .flatten()
                {
                    designs.push(plan.sos().sections().to_vec());
                }
            }
        }
        for (df, factor) in [(100.0, 4.0), (100.0, 2.0), (200.0, 10.0), (40.0, 5.0)] {
            let d = design_lowpass_cheby_2(0.5 * df / factor, df, 12, &mut cache).unwrap();
            designs.push(d.plan.sos().sections().to_vec());
        }
        designs.push(vec![[1.0, 0.0, 0.0, 1.0, -0.999, 0.0]]);
        designs.push(vec![[1.0, 0.0, 0.0, 1.0, -1.9, 0.905]; 3]);
        let mut settled = 0;
        for d in &designs {
            let want = settle_len_state_by_state(d);
            assert_eq!(compute_settle_len(d), want, "{d:?}");
            settled += usize::from(want.is_some());
        }
        assert!(settled > designs.len() / 2, "{settled} of {} settle", designs.len());
    }

    /// One real pole at radius `r`: the response from a unit state is `r^t`, so it falls below
    /// `DECAY` at `t = ln(DECAY) / ln(r)` (+1 for the step that reaches it).
    #[test]
    fn settle_len_of_one_pole_is_where_its_power_falls_below_decay() {
        let r: f64 = 0.99;
        let sections = [[1.0, 0.0, 0.0, 1.0, -r, 0.0]];
        // Unit state z0 = 1 decays as r^t, z1 = 1 as r^(t-1): their sum is below DECAY from here on.
        let want = ((DECAY / (1.0 + 1.0 / r)).ln() / r.ln()).ceil() as usize;
        let got = compute_settle_len(&sections).unwrap();
        assert!(
            got.abs_diff(want) <= 1,
            "settle {got}, r^t (1 + 1/r) < DECAY from t = {want}"
        );
        // Poles too near the unit circle: no warm-up short enough.
        assert_eq!(compute_settle_len(&[[1.0, 0.0, 0.0, 1.0, -0.99999, 0.0]]), None);
        // Unstable: never.
        assert_eq!(compute_settle_len(&[[1.0, 0.0, 0.0, 1.0, -1.0, 0.0]]), None);
    }
}
