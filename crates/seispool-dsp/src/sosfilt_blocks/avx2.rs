//! The lanes' zero-state pass written for AVX2 + FMA (issue 13, session 4).
//!
//! The portable [`super::Lanes`] leaves register allocation to the compiler, which spilled the
//! lane state to the stack, so every sample's section chain waited on store forwarding. Here:
//!
//! - The lanes are gathered, [`CHUNK`] steps at a time, into a small buffer with a 4 × 4 register
//!   transpose (one vector per step, lane `b` in element `b`); the cascade runs over that buffer
//!   in groups of at most [`GROUP`] sections whose state lives in `__m256d` locals (two vectors
//!   per section, no spills); the buffer is transposed back into the lanes.
//! - The chain is reassociated around fused multiply-adds: `y = b0·x + z0` (SciPy's rounding:
//!   a product, then a sum), `z0' = −a1·y + (b1·x + z1)`, `z1' = −a2·y + b2·x`, so the
//!   loop-carried path `z0 → y → z0'` is one add and one FMA (7 cycles on Zen 3) and the five
//!   products per section are four FMAs and one multiply.
//! - Sections with `b2 == b0` exactly (every section of ObsPy's Butterworth bandpass, highpass and
//!   lowpass, all but the first of `decimate`'s Chebyshev II) reuse `b0·x` for `b2·x`: the same
//!   product, so the same bits as the general form, one multiply fewer.
//!
//! Rounding differs from SciPy's expression order (the FMAs round once where SciPy rounds twice),
//! within 1e-12 of the trace's max like the portable lanes (tests/sosfilt_blocks.rs and the unit
//! tests below).

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256d, _MM_HINT_T0, _mm_loadu_si128, _mm_prefetch, _mm256_add_pd, _mm256_cvtepi32_pd, _mm256_fmadd_pd,
    _mm256_loadu_pd, _mm256_mul_pd, _mm256_permute2f128_pd, _mm256_set1_pd, _mm256_setzero_pd, _mm256_storeu_pd,
    _mm256_sub_pd, _mm256_unpackhi_pd, _mm256_unpacklo_pd,
};

use super::{LANES, State};
use crate::fused::FusedInput;

/// How far ahead (in samples) [`gather`] prefetches each lane.
const PREFETCH: usize = 256;

/// Steps per pass through the buffer: 256 vectors, 8 KiB, well inside L1.
const CHUNK: usize = 256;

/// Sections per register-resident group: four sections' state is eight vector registers, which
/// leaves room for the input, output and temporaries in the sixteen; longer cascades run as two
/// groups over the buffer (see [`groups`]).
pub(super) const GROUP: usize = 4;

/// One section's coefficients, each broadcast to the four lanes (`na1 = −a1`, `na2 = −a2`).
#[derive(Clone, Copy)]
struct Coef {
    b0: __m256d,
    b1: __m256d,
    b2: __m256d,
    na1: __m256d,
    na2: __m256d,
}

/// Sections `lo..hi` of the cascade run together, the mask of those with `b2 == b0` (bit `k` for
/// section `lo + k`) and the mask of those with `b2 == b0 == 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) sym: u32,
    pub(super) unit: u32,
}

/// The groups of an `n`-section cascade: one group up to [`GROUP`] sections, else two halves
/// (the first the larger), so every group keeps its state in registers.
pub(super) fn groups(sections: &[[f64; 6]]) -> Vec<Group> {
    let n = sections.len();
    let bounds: Vec<(usize, usize)> = if n <= GROUP {
        vec![(0, n)]
    } else {
        let h = n.div_ceil(2);
        vec![(0, h), (h, n)]
    };
    bounds.into_iter().map(|(lo, hi)| group_of(sections, lo, hi)).collect()
}

/// Sections `lo..hi` as one group, with their masks.
fn group_of(sections: &[[f64; 6]], lo: usize, hi: usize) -> Group {
    Group {
        lo,
        hi,
        sym: (lo..hi)
            .filter(|&k| sections[k][2] == sections[k][0])
            .fold(0, |mask, k| mask | 1 << (k - lo)),
        unit: (lo..hi)
            .filter(|&k| sections[k][2] == 1.0 && sections[k][0] == 1.0)
            .fold(0, |mask, k| mask | 1 << (k - lo)),
    }
}

/// The groups of [`pass_tiles`]: with 32 registers, five or six sections whose `b2 == b0` except
/// perhaps the first (`decimate`'s Chebyshev II: 6 sections, ObsPy's odd-order Butterworths) run as
/// one group, so every section's chain of each step overlaps the others' (two groups of three each
/// wait on their own chains in turn); anything else as [`groups`].
pub(super) fn tile_groups(sections: &[[f64; 6]]) -> Vec<Group> {
    let n = sections.len();
    if (5..=6).contains(&n) {
        let whole = group_of(sections, 0, n);
        let all = (1 << n) - 1;
        if whole.sym == all || whole.sym == all & !1 {
            return vec![whole];
        }
    }
    groups(sections)
}

/// Filters the `LANES` blocks of `body` (each `m` samples, in processing order, see
/// [`super::blocks`]) from zero state, in place; returns each lane's final state.
#[target_feature(enable = "avx2,fma")]
pub(super) fn zero_state<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    m: usize,
) -> [State<N>; LANES] {
    zero_state_strided::<N, REV>(sections, body, m, 0, m)
}

/// [`zero_state`] over the lanes `body[b·stride + skip ..][..len]` (`b = 0 .. LANES`); the rest of
/// `body` is not touched.
#[target_feature(enable = "avx2,fma")]
pub(super) fn zero_state_strided<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    stride: usize,
    skip: usize,
    len: usize,
) -> [State<N>; LANES] {
    assert!(
        skip + len <= stride,
        "lanes of {len} after {skip} overrun a stride of {stride}"
    );
    let m = len;
    let lanes = lane_ptrs::<REV>(body, stride, skip);
    if has_tiles() {
        // SAFETY: the CPU has AVX-512F and VL (checked), besides AVX2 and FMA (this function's
        // features); the lanes are as for `pass` below.
        return unsafe { pass_tiles::<N, REV>(sections, lanes, m) };
    }
    let (load4, load1) = in_place::<REV>(lanes);
    // SAFETY: `lane_ptrs` gives four disjoint runs of `m` samples of `body`, which outlives the
    // pass; the loads read those runs (see `in_place`).
    unsafe { pass::<N, REV>(sections, lanes, m, None, load4, load1, |_, _| {}) }
}

/// Whether the CPU runs [`pass_tiles`]: AVX-512F and VL, for their 32 vector registers (the
/// kernel still computes on four-lane AVX2 vectors).
fn has_tiles() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
}

/// Where [`group_io`] reads its steps from or writes them to: the pass's buffer (one vector per
/// step, from its start), or the lanes themselves at steps `t ..` (four steps at a time, through
/// the 4 × 4 transpose, as [`gather`] and [`scatter`] move them).
#[derive(Clone, Copy)]
enum Io {
    Buf(*mut __m256d),
    Lanes {
        lanes: [*mut f64; LANES],
        m: usize,
        t: usize,
        rev: bool,
    },
}

impl Io {
    /// Steps `4·i ..= 4·i + 3` (of this side's steps).
    ///
    /// # Safety
    ///
    /// Those steps must be inside the buffer, or inside every lane (`t + 4·i + 4 ≤ m`).
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    #[inline]
    unsafe fn load(self, i: usize) -> [__m256d; 4] {
        match self {
            // SAFETY: the caller's contract.
            Io::Buf(p) => std::array::from_fn(|j| unsafe { *p.add(4 * i + j) }),
            Io::Lanes { lanes, m, t, rev } => {
                let start = tile_start(m, t + 4 * i, rev);
                // SAFETY: `start + 4 ≤ m` (the caller's contract); the CPU has AVX2 (it has
                // AVX-512F, this function's feature).
                let rows: [__m256d; 4] = std::array::from_fn(|b| unsafe { load_four(lanes[b], start, rev) });
                steps_of_rows(rows, rev)
            }
        }
    }

    /// Writes steps `4·i ..= 4·i + 3` (the inverse of [`Io::load`]).
    ///
    /// # Safety
    ///
    /// As for [`Io::load`], the lanes or buffer valid for writes there.
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    #[inline]
    unsafe fn store(self, i: usize, v: [__m256d; 4]) {
        match self {
            Io::Buf(p) => {
                for (j, x) in v.into_iter().enumerate() {
                    // SAFETY: the caller's contract.
                    unsafe { *p.add(4 * i + j) = x };
                }
            }
            Io::Lanes { lanes, m, t, rev } => {
                let start = tile_start(m, t + 4 * i, rev);
                for (&lane, row) in lanes.iter().zip(rows_of_steps(v, rev)) {
                    // SAFETY: `start + 4 ≤ m` (the caller's contract; unaligned store).
                    unsafe { _mm256_storeu_pd(lane.add(start), row) };
                }
            }
        }
    }
}

/// [`pass`] in place without a preparation or kept outputs, on CPUs with 32 vector registers:
/// the first group of sections reads its steps straight from the lanes and the last writes them
/// straight back ([`group_io`]), so the transposes and the lanes' loads and stores run in the
/// group's loop, beside its floating-point chains (which leave the load, store and shuffle units
/// mostly idle), instead of in passes of their own over the buffer. The same operations on the same
/// values as [`pass`]: the same bits (`tiles_give_the_bits_of_the_buffered_pass`).
///
/// # Safety
///
/// As for [`pass`]; the CPU must have AVX-512F and VL.
#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
unsafe fn pass_tiles<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    lanes: [*mut f64; LANES],
    m: usize,
) -> [State<N>; LANES] {
    let (coef, mut z0, mut z1, mut buf) = start::<N>(sections);
    let wide = tile_groups(sections);
    let whole = m / 4 * 4;
    let mut t = 0;
    while t < whole {
        let len = CHUNK.min(whole - t);
        let at = Io::Lanes { lanes, m, t, rev: REV };
        let inner = Io::Buf(buf.as_mut_ptr());
        let last = wide.len() - 1;
        for (i, g) in wide.iter().enumerate() {
            let src = if i == 0 { at } else { inner };
            let dst = if i == last { at } else { inner };
            let (lo, hi) = (g.lo, g.hi);
            // SAFETY: steps `t .. t + len` are whole tiles inside every lane (`t + len ≤ whole ≤
            // m`), and `len ≤ CHUNK` steps inside the buffer.
            unsafe {
                run_group_io(
                    g.sym,
                    g.unit,
                    &coef[lo..hi],
                    &mut z0[lo..hi],
                    &mut z1[lo..hi],
                    len / 4,
                    src,
                    dst,
                )
            };
        }
        t += len;
    }
    if t < m {
        // The last one to three steps, as `pass` moves them.
        let (load4, load1) = in_place::<REV>(lanes);
        let buf = &mut buf[..m - t];
        gather::<REV>(&load4, &load1, m, t, buf);
        // In `pass`'s groups (of at most `GROUP` sections, which `run_group` takes): the grouping
        // orders the work, not the operations on each section's values, so the bits are the same.
        for g in &groups(sections) {
            let (lo, hi) = (g.lo, g.hi);
            run_group(g.sym, g.unit, &coef[lo..hi], &mut z0[lo..hi], &mut z1[lo..hi], buf);
        }
        // SAFETY: steps `t .. m` are inside every lane.
        unsafe { scatter::<REV>(lanes, m, t, buf) };
    }
    lane_states(z0, z1)
}

/// [`zero_state`] forwards, writing only the kept outputs: lane `b` keeps steps `firsts[b]`,
/// `firsts[b] + factor`, … and writes the `j`-th of them to its slot `j` (never past a sample
/// the lane has read).
#[target_feature(enable = "avx2,fma")]
pub(super) fn zero_state_keep<const N: usize>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    m: usize,
    factor: usize,
    firsts: [usize; LANES],
) -> [State<N>; LANES] {
    let lanes = lane_ptrs::<false>(body, m, 0);
    let (load4, load1) = in_place::<false>(lanes);
    // SAFETY: as in `zero_state`; the kept slots of lane `b` are within its run.
    unsafe { pass::<N, false>(sections, lanes, m, Some((factor, firsts)), load4, load1, |_, _| {}) }
}

/// [`zero_state`] forwards of the detrended (and tapered) integers of `input`, written to the
/// `LANES · m` f64 at `out`: step `u` of lane `b` reads sample `b·m + u` of the trace through
/// [`Detrend::apply`] (the very value the unfused pass would read from the f64 buffer).
///
/// # Safety
///
/// `out` must be valid for writes of `LANES · m` f64, and `input` at least `LANES · m` long.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn zero_state_fused<const N: usize>(
    sections: &[[f64; 6]],
    input: &FusedInput<'_>,
    out: *mut f64,
    m: usize,
) -> [State<N>; LANES] {
    debug_assert!(input.len() >= LANES * m);
    let lanes: [*mut f64; LANES] = std::array::from_fn(|b| out.wrapping_add(b * m));
    let src = input.src;
    // The integers, converted exactly; `detrend` below makes them the fused input.
    let load4 = |b: usize, start: usize| {
        let four = &src[b * m + start..b * m + start + 4];
        _mm_prefetch::<_MM_HINT_T0>(four.as_ptr().wrapping_add(PREFETCH).cast());
        // The output's lines too: the pass writes where nothing was read (a store to a line
        // not in cache waits for it; the in-place pass had just loaded its lines).
        _mm_prefetch::<_MM_HINT_T0>(lanes[b].wrapping_add(start + PREFETCH).cast_const().cast());
        // SAFETY: `four` holds the four i32 loaded (unaligned load).
        _mm256_cvtepi32_pd(unsafe { _mm_loadu_si128(four.as_ptr().cast()) })
    };
    let load1 = |b: usize, i: usize| f64::from(src[b * m + i]);
    let detrend = Detrend::new(input, m);
    // SAFETY: the caller's contract: lane `b` writes `out[b·m .. (b+1)·m]`; the loads are
    // bounds-checked slice reads of `input`.
    unsafe {
        pass::<N, false>(sections, lanes, m, None, load4, load1, |t, buf| {
            detrend.apply(input, t, buf)
        })
    }
}

/// The fused input from the converted integers, in the pass's buffer (one vector per step, lane
/// `b` in element `b`: sample `b·m + u` at step `u`).
struct Detrend {
    ym: __m256d,
    slope: __m256d,
    /// Element `b`: `(b·m) as f64 − xm`.
    dx0: [f64; LANES],
    m: usize,
    /// Samples `plain.0 .. plain.1` lie between the taper's flanks.
    plain: (usize, usize),
}

impl Detrend {
    #[target_feature(enable = "avx2,fma")]
    fn new(input: &FusedInput<'_>, m: usize) -> Detrend {
        let fit = &input.fit;
        Detrend {
            ym: _mm256_set1_pd(fit.ym),
            slope: _mm256_set1_pd(fit.slope),
            dx0: std::array::from_fn(|b| (b * m) as f64 - fit.xm),
            m,
            plain: input.plain_range(),
        }
    }

    /// Turns steps `t ..` in `buf` (the integers as f64) into the fused input, as
    /// [`crate::detrend_linear_i32`] then the taper compute each sample: `x − (ym + slope · (i − xm))` with the same
    /// operations in the same order (a product, then a sum; no fused multiply-add), then on the
    /// taper's flanks times the window factors (times 1 in the other lanes: exact). The abscissa
    /// `i − xm` runs as a counter per lane, exact like [`crate::detrend::LineFit::write`]'s (a
    /// multiple of ½ below 2⁵²). The fit must not be [`crate::detrend::LineFit::zero`] (the lanes
    /// need far more than two samples).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn apply(&self, input: &FusedInput<'_>, t: usize, buf: &mut [__m256d]) {
        // Four counters, each four steps apart: no chain of additions through the buffer.
        let four = _mm256_set1_pd(4.0);
        let mut dx: [__m256d; 4] = std::array::from_fn(|k| {
            let start: [f64; LANES] = std::array::from_fn(|b| self.dx0[b] + (t + k) as f64);
            // SAFETY: `start` holds the four f64 loaded (unaligned load).
            unsafe { _mm256_loadu_pd(start.as_ptr()) }
        });
        let line = |dx: __m256d| _mm256_add_pd(self.ym, _mm256_mul_pd(self.slope, dx));
        let mut steps = buf.chunks_exact_mut(4);
        for group in steps.by_ref() {
            for (v, d) in group.iter_mut().zip(dx.iter_mut()) {
                *v = _mm256_sub_pd(*v, line(*d));
                *d = _mm256_add_pd(*d, four);
            }
        }
        for (v, d) in steps.into_remainder().iter_mut().zip(dx) {
            *v = _mm256_sub_pd(*v, line(d));
        }
        // The taper: lane `b`'s steps on a flank, element by element.
        let (m, len) = (self.m, buf.len());
        let (lo, hi) = self.plain;
        if (0..LANES).all(|b| b * m + t >= lo && b * m + t + len <= hi) {
            return;
        }
        // SAFETY: a `__m256d` is four f64 (same size, stricter alignment): element `b` of step
        // `j` is value `4·j + b`.
        let values = unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<f64>(), 4 * len) };
        for b in 0..LANES {
            let first = b * m + t;
            // Steps `j` of lane `b` with sample `first + j` left of `lo` or from `hi` on.
            let left = lo.saturating_sub(first).min(len);
            let right = hi.saturating_sub(first).min(len);
            for j in (0..left).chain(right..len) {
                if let Some(w) = input.factor(first + j) {
                    values[4 * j + b] *= w;
                }
            }
        }
    }
}

/// The start of each lane's samples in `body`: `skip` samples into stride `b` (lane `b` in
/// processing order: stride `b` forwards, or the `b`-th from the end when `REV`, as
/// [`super::split_lanes`]).
fn lane_ptrs<const REV: bool>(body: &mut [f64], stride: usize, skip: usize) -> [*mut f64; LANES] {
    assert!(
        body.len() >= LANES * stride && skip <= stride,
        "lanes of {stride} (skipping {skip}) past the body's {} samples",
        body.len()
    );
    let base = body.as_mut_ptr().wrapping_add(skip);
    std::array::from_fn(|b| base.wrapping_add(if REV { LANES - 1 - b } else { b } * stride))
}

/// Samples `start ..= start + 3` at `p` (unaligned), prefetching [`PREFETCH`] samples ahead in
/// processing order (backwards when `rev`): four lanes read four streams, and asking for each one
/// ahead keeps the loads from waiting on memory (a prefetch never faults, even past the end).
///
/// # Safety
///
/// The four samples must be valid f64; the CPU must have AVX2 (the callers are compiled for it, and
/// this is always inlined into them).
#[inline(always)]
unsafe fn load_four(p: *const f64, start: usize, rev: bool) -> __m256d {
    let ahead = if rev {
        p.wrapping_add(start).wrapping_sub(PREFETCH)
    } else {
        p.wrapping_add(start + PREFETCH)
    };
    // SAFETY: the caller's contract.
    unsafe {
        _mm_prefetch::<_MM_HINT_T0>(ahead.cast());
        _mm256_loadu_pd(p.add(start))
    }
}

/// The loads of the in-place pass: samples `start ..= start + 3` of lane `b` in memory order
/// (prefetching [`PREFETCH`] samples ahead in processing order), and sample `i` of lane `b`.
/// Only ever called by [`gather`] with indices inside the lane (`start + 4 ≤ m`, `i < m`).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn in_place<const REV: bool>(
    lanes: [*mut f64; LANES],
) -> (impl Fn(usize, usize) -> __m256d, impl Fn(usize, usize) -> f64) {
    let load4 = move |b: usize, start: usize| {
        // SAFETY: `gather` asks only for samples inside the lane (see above), which the pass's
        // caller guarantees are valid f64; this function is compiled for AVX2, which the CPU has.
        unsafe { load_four(lanes[b], start, REV) }
    };
    // SAFETY: as for `load4`.
    let load1 = move |b: usize, i: usize| unsafe { *lanes[b].add(i) };
    (load4, load1)
}

/// The body of [`zero_state`], [`zero_state_keep`] and [`zero_state_fused`]: steps are read with
/// `load4(b, start)` (samples `start ..= start + 3` of lane `b` in memory order) and
/// `load1(b, i)` (sample `i`), then `prep(t, buf)` makes the buffer of steps `t ..` the
/// cascade's input, and every output goes to its lane at `lanes[b]` (the sample read
/// at that step), or with `keep = Some((factor, firsts))` only the kept ones (see
/// [`zero_state_keep`]).
///
/// # Safety
///
/// Each `lanes[b]` must be valid for writes of `m` f64, the four runs disjoint, and nothing else
/// may access them during the pass but the loads (which read a step before it is written).
#[target_feature(enable = "avx2,fma")]
unsafe fn pass<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    lanes: [*mut f64; LANES],
    m: usize,
    keep: Option<(usize, [usize; LANES])>,
    load4: impl Fn(usize, usize) -> __m256d,
    load1: impl Fn(usize, usize) -> f64,
    prep: impl Fn(usize, &mut [__m256d]),
) -> [State<N>; LANES] {
    let (coef, mut z0, mut z1, mut buf) = start::<N>(sections);
    let groups = groups(sections);
    // Next kept step of each lane.
    let mut next = keep.map_or([0; LANES], |(_, firsts)| firsts);
    let mut t = 0;
    while t < m {
        let len = CHUNK.min(m - t);
        let buf = &mut buf[..len];
        gather::<REV>(&load4, &load1, m, t, buf);
        prep(t, buf);
        for g in &groups {
            let (lo, hi) = (g.lo, g.hi);
            run_group(g.sym, g.unit, &coef[lo..hi], &mut z0[lo..hi], &mut z1[lo..hi], buf);
        }
        match keep {
            // SAFETY: steps `t .. t + len` are inside every lane (the caller's contract).
            None => unsafe { scatter::<REV>(lanes, m, t, buf) },
            Some((factor, firsts)) => {
                for (b, &lane) in lanes.iter().enumerate() {
                    while next[b] < t + len {
                        let slot = (next[b] - firsts[b]) / factor;
                        // SAFETY: slot `≤ next[b] < m`, inside the lane (the caller's contract).
                        unsafe { *lane.add(slot) = to_array(buf[next[b] - t])[b] };
                        next[b] += factor;
                    }
                }
            }
        }
        t += len;
    }
    lane_states(z0, z1)
}

/// A pass's coefficients, zero state and step buffer.
#[allow(clippy::type_complexity)] // the four things every pass starts from
#[target_feature(enable = "avx2,fma")]
fn start<const N: usize>(sections: &[[f64; 6]]) -> (Vec<Coef>, [__m256d; N], [__m256d; N], [__m256d; CHUNK]) {
    let zero = _mm256_setzero_pd();
    (coefs(sections), [zero; N], [zero; N], [zero; CHUNK])
}

/// Each lane's state from the state vectors (lane `b` in element `b`).
#[target_feature(enable = "avx2,fma")]
fn lane_states<const N: usize>(z0: [__m256d; N], z1: [__m256d; N]) -> [State<N>; LANES] {
    let (z0, z1) = (z0.map(|v| to_array(v)), z1.map(|v| to_array(v)));
    std::array::from_fn(|b| std::array::from_fn(|k| [z0[k][b], z1[k][b]]))
}

/// The sections' coefficients as vectors.
#[target_feature(enable = "avx2,fma")]
fn coefs(sections: &[[f64; 6]]) -> Vec<Coef> {
    sections
        .iter()
        .map(|s| Coef {
            b0: _mm256_set1_pd(s[0]),
            b1: _mm256_set1_pd(s[1]),
            b2: _mm256_set1_pd(s[2]),
            na1: _mm256_set1_pd(-s[4]),
            na2: _mm256_set1_pd(-s[5]),
        })
        .collect()
}

/// The four elements of `v`.
#[target_feature(enable = "avx2,fma")]
fn to_array(v: __m256d) -> [f64; 4] {
    let mut a = [0.0; 4];
    // SAFETY: `a` has room for the four f64 stored (unaligned store).
    unsafe { _mm256_storeu_pd(a.as_mut_ptr(), v) };
    a
}

/// The 4 × 4 transpose: element `j` of row `b` becomes element `b` of row `j`.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn transpose(r: [__m256d; 4]) -> [__m256d; 4] {
    let t0 = _mm256_unpacklo_pd(r[0], r[1]);
    let t1 = _mm256_unpackhi_pd(r[0], r[1]);
    let t2 = _mm256_unpacklo_pd(r[2], r[3]);
    let t3 = _mm256_unpackhi_pd(r[2], r[3]);
    [
        _mm256_permute2f128_pd::<0x20>(t0, t2),
        _mm256_permute2f128_pd::<0x20>(t1, t3),
        _mm256_permute2f128_pd::<0x31>(t0, t2),
        _mm256_permute2f128_pd::<0x31>(t1, t3),
    ]
}

/// Where in memory the four samples of processing steps `u ..= u + 3` of an `m`-sample lane
/// start (walked backwards when `rev`).
#[inline(always)]
fn tile_start(m: usize, u: usize, rev: bool) -> usize {
    if rev { m - (u + 4) } else { u }
}

/// Four lanes' rows of four samples in memory order (from [`tile_start`]) as four steps in
/// processing order, lane `b` in element `b` of each.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn steps_of_rows(rows: [__m256d; 4], rev: bool) -> [__m256d; 4] {
    let cols = transpose(rows);
    if rev {
        [cols[3], cols[2], cols[1], cols[0]]
    } else {
        cols
    }
}

/// The inverse of [`steps_of_rows`].
#[target_feature(enable = "avx2,fma")]
#[inline]
fn rows_of_steps(steps: [__m256d; 4], rev: bool) -> [__m256d; 4] {
    transpose(if rev {
        [steps[3], steps[2], steps[1], steps[0]]
    } else {
        steps
    })
}

/// Index in a lane of processing step `u` (lanes are `m` long, walked backwards when `REV`).
#[inline(always)]
fn at<const REV: bool>(m: usize, u: usize) -> usize {
    if REV { m - 1 - u } else { u }
}

/// Steps `t .. t + buf.len()` of every lane into `buf` (one vector per step), read with the
/// pass's loads (see [`pass`]): only steps inside the lanes.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn gather<const REV: bool>(
    load4: &impl Fn(usize, usize) -> __m256d,
    load1: &impl Fn(usize, usize) -> f64,
    m: usize,
    t: usize,
    buf: &mut [__m256d],
) {
    let whole = buf.len() / 4 * 4;
    for j in (0..whole).step_by(4) {
        let start = tile_start(m, t + j, REV);
        let rows: [__m256d; 4] = std::array::from_fn(|b| load4(b, start));
        buf[j..j + 4].copy_from_slice(&steps_of_rows(rows, REV));
    }
    for (j, v) in buf.iter_mut().enumerate().skip(whole) {
        let i = at::<REV>(m, t + j);
        let x: [f64; LANES] = std::array::from_fn(|b| load1(b, i));
        // SAFETY: `x` holds the four f64 loaded (unaligned load).
        *v = unsafe { _mm256_loadu_pd(x.as_ptr()) };
    }
}

/// `buf` back into steps `t .. t + buf.len()` of the lanes (the inverse of [`gather`]).
///
/// # Safety
///
/// Those steps must be inside every lane, each `lanes[b]` valid for writes of its `m` f64.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn scatter<const REV: bool>(lanes: [*mut f64; LANES], m: usize, t: usize, buf: &[__m256d]) {
    let whole = buf.len() / 4 * 4;
    for j in (0..whole).step_by(4) {
        let start = tile_start(m, t + j, REV);
        let steps: [__m256d; 4] = std::array::from_fn(|i| buf[j + i]);
        for (&lane, row) in lanes.iter().zip(rows_of_steps(steps, REV)) {
            // SAFETY: `start + 4 ≤ m` (the caller's contract; unaligned store).
            unsafe { _mm256_storeu_pd(lane.add(start), row) };
        }
    }
    for (j, &v) in buf.iter().enumerate().skip(whole) {
        let i = at::<REV>(m, t + j);
        for (&lane, y) in lanes.iter().zip(to_array(v)) {
            // SAFETY: `i < m` (the caller's contract).
            unsafe { *lane.add(i) = y };
        }
    }
}

/// Calls `kernel::<G, SYM, UNIT>args` for a group of `len` sections with masks `sym` and `unit`: one
/// arm per `(G, SYM)` listed; of the `unit` masks, `SYM` itself (every `b2 == b0` section has
/// `b0 == 1`) and `SYM` but the first have their kernels, and any other runs as `UNIT = 0` (the same
/// bits, see [`group`]). Shared by [`run_group`] and [`run_group_io`].
macro_rules! by_group {
    ($kernel:ident $args:tt, $len:expr, $sym:expr, $unit:expr; $(($g:literal, $mask:literal))*) => {
        match ($len, $sym) {
            $(($g, $mask) => {
                if $unit == $mask {
                    $kernel::<$g, $mask, $mask> $args
                } else if $unit == $mask & !1 {
                    $kernel::<$g, $mask, { $mask & !1 }> $args
                } else {
                    $kernel::<$g, $mask, 0> $args
                }
            })*
            (g, mask) => unreachable!("group of {g} sections, mask {mask:#b}"),
        }
    };
}
pub(super) use by_group;

/// `m!(args; shapes)`: `by_group!`'s arms for every group [`tile_groups`] makes (one to four sections
/// with any masks, five or six symmetric ones), listed once for every caller.
macro_rules! with_tile_shapes {
    ($m:ident!($($a:tt)*)) => {
        $m!(
            $($a)*;
            (1, 0)(1, 1)(2, 0)(2, 1)(2, 2)(2, 3)(3, 0)(3, 1)(3, 2)(3, 3)(3, 4)(3, 5)(3, 6)(3, 7)(4, 0)(4, 1)(4, 2)(4, 3)
            (4, 4)(4, 5)(4, 6)(4, 7)(4, 8)(4, 9)(4, 10)(4, 11)(4, 12)(4, 13)(4, 14)(4, 15)(5, 30)(5, 31)(6, 62)(6, 63)
        )
    };
}
pub(super) use with_tile_shapes;

/// Runs one group (at most [`GROUP`] sections, `sym` the mask of those with `b2 == b0`, `unit`
/// of those with `b2 == b0 == 1`) over the buffer, state `z0`, `z1` in and out. Every `sym` mask
/// has its kernel; of the `unit` masks, those of ObsPy's designs (all `sym` sections, or all but
/// the first: Butterworth `[k, ±2k, k]` then `[1, ±2, 1]`, Chebyshev II's first group) have
/// theirs and any other runs as `unit == 0` (the same bits, see [`group`]).
#[target_feature(enable = "avx2,fma")]
fn run_group(sym: u32, unit: u32, coef: &[Coef], z0: &mut [__m256d], z1: &mut [__m256d], buf: &mut [__m256d]) {
    // `groups` makes groups of 1 ..= GROUP sections and masks of their width.
    by_group!(
        group(coef, z0, z1, buf),
        coef.len(),
        sym,
        unit;
        (1, 0)(1, 1)(2, 0)(2, 1)(2, 2)(2, 3)(3, 0)(3, 1)(3, 2)(3, 3)(3, 4)(3, 5)(3, 6)(3, 7)(4, 0)(4, 1)(4, 2)(4, 3)
        (4, 4)(4, 5)(4, 6)(4, 7)(4, 8)(4, 9)(4, 10)(4, 11)(4, 12)(4, 13)(4, 14)(4, 15)
    )
}

/// `G` sections over the buffer with their state in registers; bit `k` of `SYM` set: section `k`
/// has `b2 == b0` and reuses the product `b0·x` (same bits, one multiply fewer); bit `k` of
/// `UNIT` set too: `b2 == b0 == 1`, so `b0·x` is `x` (exactly: a multiply by one is exact for
/// every value), one multiply fewer again and three cycles less from `x` to `y`.
#[target_feature(enable = "avx2,fma")]
fn group<const G: usize, const SYM: u32, const UNIT: u32>(
    coef: &[Coef],
    z0: &mut [__m256d],
    z1: &mut [__m256d],
    buf: &mut [__m256d],
) {
    let c: [Coef; G] = std::array::from_fn(|k| coef[k]);
    let mut s0: [__m256d; G] = std::array::from_fn(|k| z0[k]);
    let mut s1: [__m256d; G] = std::array::from_fn(|k| z1[k]);
    for v in buf.iter_mut() {
        // SAFETY: this function is compiled for AVX2 and FMA, which the CPU has (its callers'
        // contract).
        *v = unsafe { step::<G, SYM, UNIT>(&c, &mut s0, &mut s1, *v) };
    }
    z0.copy_from_slice(&s0);
    z1.copy_from_slice(&s1);
}

/// One step `x` through the `G` sections (see [`group`] for `SYM` and `UNIT`), their state `s0`,
/// `s1` advanced; returns the last section's output. Written once for [`group`] and [`group_io`],
/// into which it is always inlined.
///
/// # Safety
///
/// The CPU must have AVX2 and FMA.
#[inline(always)]
unsafe fn step<const G: usize, const SYM: u32, const UNIT: u32>(
    c: &[Coef; G],
    s0: &mut [__m256d; G],
    s1: &mut [__m256d; G],
    mut x: __m256d,
) -> __m256d {
    // SAFETY: the caller's contract (the intrinsics need AVX2 and FMA, nothing else).
    unsafe {
        for k in 0..G {
            let ck = &c[k];
            let p = if UNIT >> k & 1 == 1 { x } else { _mm256_mul_pd(ck.b0, x) };
            let y = _mm256_add_pd(p, s0[k]);
            let t = _mm256_fmadd_pd(ck.b1, x, s1[k]);
            let q = if SYM >> k & 1 == 1 { p } else { _mm256_mul_pd(ck.b2, x) };
            s0[k] = _mm256_fmadd_pd(ck.na1, y, t);
            s1[k] = _mm256_fmadd_pd(ck.na2, y, q);
            x = y;
        }
    }
    x
}

/// [`run_group`] over `tiles` tiles of four steps read from `src` and written to `dst` (see [`Io`]).
///
/// # Safety
///
/// As for [`Io::load`] and [`Io::store`] for tiles `0 .. tiles`; the CPU must have AVX-512F and VL.
#[allow(clippy::too_many_arguments)] // a group's coefficients and state, and where its steps are
#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
unsafe fn run_group_io(
    sym: u32,
    unit: u32,
    coef: &[Coef],
    z0: &mut [__m256d],
    z1: &mut [__m256d],
    tiles: usize,
    src: Io,
    dst: Io,
) {
    // `groups` and `tile_groups` make these groups and masks.
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_tile_shapes!(by_group!(
            group_io(coef, z0, z1, tiles, src, dst),
            coef.len(),
            sym,
            unit
        ))
    }
}

/// [`group`] four steps at a time from `src` to `dst`: the same operations in the same order on
/// each step, so the same bits.
///
/// # Safety
///
/// As for [`run_group_io`].
#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
unsafe fn group_io<const G: usize, const SYM: u32, const UNIT: u32>(
    coef: &[Coef],
    z0: &mut [__m256d],
    z1: &mut [__m256d],
    tiles: usize,
    src: Io,
    dst: Io,
) {
    let c: [Coef; G] = std::array::from_fn(|k| coef[k]);
    let mut s0: [__m256d; G] = std::array::from_fn(|k| z0[k]);
    let mut s1: [__m256d; G] = std::array::from_fn(|k| z1[k]);
    for i in 0..tiles {
        // SAFETY: tile `i < tiles` (the caller's contract).
        let mut v = unsafe { src.load(i) };
        for x in &mut v {
            // SAFETY: the CPU has AVX2 and FMA (it has AVX-512F, the caller's contract).
            *x = unsafe { step::<G, SYM, UNIT>(&c, &mut s0, &mut s1, *x) };
        }
        // SAFETY: as for the load.
        unsafe { dst.store(i, v) };
    }
    z0.copy_from_slice(&s0);
    z1.copy_from_slice(&s1);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{DesignCache, IirOptions, design_bandpass};

    /// The tile pass (steps moved inside the first and last groups' loops) against the buffered
    /// pass it replaces on CPUs with AVX-512: the same bits, samples and final states, for 1 to 8
    /// sections (one group, or two with a buffer between), both directions, lanes with gaps
    /// between them and lengths of whole chunks, of whole tiles, and with a tail of 1 to 3 steps.
    #[test]
    fn tiles_give_the_bits_of_the_buffered_pass() {
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") && has_tiles()) {
            eprintln!("skipped: the CPU lacks AVX-512F/VL, so the tile pass never runs here");
            return;
        }
        let all = super::super::tests::ten_sections();
        let mut rng = seispool_testkit::Rng(0x711E_5A3E);
        fn one<const N: usize, const REV: bool>(
            sections: &[[f64; 6]],
            body: &[f64],
            stride: usize,
            skip: usize,
            len: usize,
        ) {
            let (mut a, mut b) = (body.to_vec(), body.to_vec());
            let (la, lb) = (
                lane_ptrs::<REV>(&mut a, stride, skip),
                lane_ptrs::<REV>(&mut b, stride, skip),
            );
            // SAFETY: the CPU has AVX2, FMA, AVX-512F and VL (checked by the caller); the lanes
            // are disjoint runs of `len` samples inside their own vectors.
            #[allow(unsafe_code)]
            let (fa, fb) = unsafe {
                let (load4, load1) = in_place::<REV>(la);
                (
                    pass::<N, REV>(sections, la, len, None, load4, load1, |_, _| {}),
                    pass_tiles::<N, REV>(sections, lb, len),
                )
            };
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert!(
                bits(&a) == bits(&b),
                "{N} sections, rev {REV}, {len} steps: samples differ"
            );
            let state_bits =
                |f: &[State<N>; LANES]| f.iter().flatten().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert!(
                state_bits(&fa) == state_bits(&fb),
                "{N} sections, rev {REV}, {len} steps: final states differ"
            );
        }
        for len in [1, 3, 4, 5, CHUNK, 2 * CHUNK + 4, 3 * CHUNK + 7, 1001] {
            let (skip, stride) = (5, len + 11);
            let body: Vec<f64> = (0..LANES * stride).map(|_| 1e3 * (rng.next_f64() - 0.5)).collect();
            macro_rules! counts {
                ($($n:literal)*) => {$(
                    for first in [0, 10 - $n] {
                        one::<$n, false>(&all[first..first + $n], &body, stride, skip, len);
                        one::<$n, true>(&all[first..first + $n], &body, stride, skip, len);
                    }
                )*};
            }
            counts!(1 2 3 4 5 6 7 8);
        }
    }

    /// The `b2 == b0` form reuses the product `b0·x` for `b2·x`, and the `b2 == b0 == 1` form
    /// uses `x` for it (the seed bandpass's sections 1 to 3): the same values, so the same bits
    /// as the general form, sample for sample and in the final state.
    #[test]
    fn sections_with_b2_equal_b0_or_one_give_the_general_forms_bits() {
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
            return;
        }
        let opts = IirOptions {
            corners: 4,
            ..IirOptions::default()
        };
        let band = design_bandpass(0.5, 10.0, 100.0, &opts, &mut DesignCache::new()).unwrap();
        let sections = band.sos().sections();
        let mut rng = seispool_testkit::Rng(0x5EED_5E77);
        let samples: Vec<[f64; 4]> = (0..CHUNK + 3)
            .map(|_| std::array::from_fn(|_| 1e3 * (rng.next_f64() - 0.5)))
            .collect();
        // SAFETY (all blocks below): the CPU has AVX2 and FMA (checked above); the loads read
        // four f64 from four-element arrays.
        #[allow(unsafe_code)]
        let run = |form: u8| unsafe {
            let coef = coefs(sections);
            let mut z0 = [_mm256_setzero_pd(); 4];
            let mut z1 = [_mm256_setzero_pd(); 4];
            let mut buf: Vec<__m256d> = samples.iter().map(|x| _mm256_loadu_pd(x.as_ptr())).collect();
            match form {
                2 => group::<4, 0b1111, 0b1110>(&coef, &mut z0, &mut z1, &mut buf),
                1 => group::<4, 0b1111, 0>(&coef, &mut z0, &mut z1, &mut buf),
                _ => group::<4, 0, 0>(&coef, &mut z0, &mut z1, &mut buf),
            }
            let bits = |v: &__m256d| to_array(*v).map(f64::to_bits);
            let out: Vec<[u64; 4]> = buf.iter().chain(&z0).chain(&z1).map(bits).collect();
            out
        };
        assert_eq!(run(1), run(0));
        assert_eq!(run(2), run(0));
    }
}
