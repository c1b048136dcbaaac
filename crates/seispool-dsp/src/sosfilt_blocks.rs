//! Block-parallel `sosfilt`: one trace's samples fill the SIMD lanes (issue 13).
//!
//! SciPy's recurrence is serial in time, so one trace keeps one floating-point chain busy and the
//! vector units idle. Here the trace is cut into [`LANES`] equal blocks and the whole cascade runs
//! over all blocks at once, lane `b` filtering block `b` from zero state (the zero-state response),
//! in the same wavefront as [`crate::sosfilt`]'s scalar kernel. Block 0 is then SciPy's output
//! (SciPy starts from zero state too). For block `b ≥ 1`, linearity gives the true output as the
//! zero-state output plus the zero-input (homogeneous) response of the cascade started from the
//! true state at the end of block `b − 1`. That response is run by the scalar recurrence with zero
//! input, added into block `b`, until every state component is below [`DECAY`] of where it started
//! (or exactly zero). If it never gets there within the block (poles extremely close to the unit
//! circle), it runs to the block's end and is added to the block's final state as well. Blocks are
//! corrected in order, so each block's true final state is known before the next one needs it;
//! the samples past the last whole block are then filtered from the true state.
//!
//! This is exact in exact arithmetic; in floating point it differs from SciPy's recurrence by
//! rounding only: within 1e-12 of the trace's max on days at 100 and 200 Hz, odd and tiny lengths
//! and poles near the unit circle (tests/sosfilt_blocks.rs); where the recurrence itself is
//! ill-conditioned (a 0.01 Hz highpass, huge DC offsets) SciPy is ~1e-11 of max from the true
//! output and the lanes are as close to it (same test, double-double reference).
//!
//! Two builds of the zero-state pass: on x86-64 CPUs with AVX2 and FMA (runtime-detected),
//! [`avx2`]'s hand-written kernel (state in registers, fused multiply-adds with a reassociated
//! chain, one multiply fewer for sections with `b2 == b0`); elsewhere the portable [`Lanes`] in
//! SciPy's expression order without fused multiply-adds (Rust never contracts `a * b + c`). The
//! two round differently: within 2e-13 of the exact output's max of each other and of SciPy's
//! recurrence for 1 to 8 sections in both directions (the unit tests below). The homogeneous
//! corrections and the tail are the same scalar code in both. `decimate`'s filter runs through
//! [`try_run_keep`], whose AVX2 lanes store only the kept outputs.

use crate::fused::FusedInput;
use crate::sosfilt::run_scalar_from;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// Lanes of [`zero_state_wide`]: one AVX-512 vector of eight f64.
pub(crate) const WIDE: usize = 8;

/// Whether [`zero_state_wide`] runs on this CPU (x86-64 with AVX-512F).
pub(crate) fn wide_lanes() -> bool {
    #[cfg(target_arch = "x86_64")]
    return avx512::available();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Writes `rows[b][t]` to `out[t·WIDE + b]` for the `out.len() / WIDE` steps `t`: rows into
/// [`zero_state_wide`]'s interleaved lanes. Panics if a row is shorter or `out` not whole steps.
pub(crate) fn interleave(rows: [&[f64]; WIDE], out: &mut [f64]) {
    assert!(
        out.len().is_multiple_of(WIDE),
        "interleave into {} values: not whole steps",
        out.len()
    );
    let len = out.len() / WIDE;
    assert!(rows.iter().all(|r| r.len() >= len), "rows shorter than {len} steps");
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has AVX-512F (checked), `out` is `len` whole steps and every row at least
        // `len` long (asserted).
        unsafe {
            avx512::interleave(rows, out, len);
        }
        return;
    }
    for (t, step) in out.chunks_exact_mut(WIDE).enumerate() {
        for (v, row) in step.iter_mut().zip(rows) {
            *v = row[t];
        }
    }
}

/// Writes lane `b`'s detrended integers `src[b][t] − (ym + slope · (dx0[b] + t))`, times `windows[b][t]`
/// for a tapered lane, to `out[t·WIDE + b]` for the `out.len() / WIDE` steps `t`: the values
/// `LineFit::write` gives for samples whose abscissae `i − xm` are `dx0[b] + t`, bit for bit (the same
/// operations in the same order, each rounded), straight into [`zero_state_wide`]'s interleaved lanes.
/// Each `dx0[b] + t` must be exact in f64 (as the abscissae of a trace are: multiples of ½ below 2⁵²).
/// Panics if a lane or window is shorter or `out` not whole steps.
pub(crate) fn interleave_line(
    src: [&[i32]; WIDE],
    windows: [Option<&[f64]>; WIDE],
    dx0: [f64; WIDE],
    ym: f64,
    slope: f64,
    out: &mut [f64],
) {
    assert!(
        out.len().is_multiple_of(WIDE),
        "interleave into {} values: not whole steps",
        out.len()
    );
    let len = out.len() / WIDE;
    assert!(
        src.iter().all(|r| r.len() >= len) && windows.iter().flatten().all(|w| w.len() >= len),
        "lanes shorter than {len} steps"
    );
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has AVX-512F (checked), `out` is `len` whole steps and every lane and
        // window at least `len` long (asserted).
        unsafe {
            avx512::interleave_line(src, windows, dx0, ym, slope, out, len);
        }
        return;
    }
    for (t, step) in out.chunks_exact_mut(WIDE).enumerate() {
        for (b, o) in step.iter_mut().enumerate() {
            let v = f64::from(src[b][t]) - (ym + slope * (dx0[b] + t as f64));
            *o = windows[b].map_or(v, |w| v * w[t]);
        }
    }
}

/// Lane `b`'s values at steps `first, first + every, …` (`count` of them) of the interleaved `st`,
/// each converted by `f`, written to `dst[b][..count]`. Panics if a step is past `st` or a `dst` is
/// shorter.
pub(crate) fn deinterleave<T>(
    st: &[f64],
    first: usize,
    every: usize,
    count: usize,
    dst: [&mut [T]; WIDE],
    f: impl Fn(f64) -> T,
) {
    assert!(
        count == 0 || (first + (count - 1) * every + 1) * WIDE <= st.len(),
        "kept steps past the lanes"
    );
    assert!(dst.iter().all(|d| d.len() >= count), "outputs shorter than {count}");
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has AVX-512F (checked); every kept step is inside `st` and every `dst` at
        // least `count` long (asserted).
        unsafe {
            avx512::deinterleave(st, first, every, count, dst, f);
        }
        return;
    }
    for (b, d) in dst.into_iter().enumerate() {
        for (i, d) in d[..count].iter_mut().enumerate() {
            *d = f(st[(first + i * every) * WIDE + b]);
        }
    }
}

/// Filters the [`WIDE`] interleaved lanes of `buf` (step `t` of lane `b` at `buf[t·WIDE + b]`) over
/// steps `lo .. hi`, each lane from zero state, in place: forwards, or from step `hi − 1` down to `lo`
/// when `REV`. Nothing else of `buf` changes. Returns false, with `buf` untouched, when the CPU lacks
/// AVX-512F ([`wide_lanes`]), the lanes do not take the cascade ([`lanes_take`]) or the steps are not
/// inside `buf`.
pub(crate) fn zero_state_wide<const REV: bool>(sections: &[[f64; 6]], buf: &mut [f64], lo: usize, hi: usize) -> bool {
    if !(wide_lanes() && lanes_take(sections) && lo <= hi && hi.checked_mul(WIDE).is_some_and(|e| e <= buf.len())) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    avx512::zero_state::<REV>(sections, &mut buf[lo * WIDE..hi * WIDE]);
    true
}

/// Lanes (blocks) per trace: one AVX2 vector of four f64 (eight lanes would need 16 vector
/// registers for four sections' state and spill). The portable build does the same in SSE2 pairs.
pub(crate) const LANES: usize = 4;

/// Shortest block worth the lanes: below `LANES · MIN_BLOCK` samples the scalar kernel runs (the
/// corrections would cost as much as they save).
pub(crate) const MIN_BLOCK: usize = 16_384;

/// The homogeneous response is dropped once every state component is at most `DECAY` times the
/// largest component it started from (so its remaining contribution is ~1e-20 of the state's
/// scale, far below the 1e-12 proof).
const DECAY: f64 = 1e-20;

/// Longest cascade run in lanes; longer ones take the scalar kernel (ObsPy's designs have at most
/// six sections for `decimate` and `corners` sections for a bandpass).
const MAX_SECTIONS: usize = 8;

/// Every section strictly stable (both poles inside the unit circle: the stability triangle
/// `|a2| < 1`, `|a1| < 1 + a2`) and every coefficient finite. Otherwise the homogeneous response
/// need not decay, so the exact scalar kernel is used.
pub(crate) fn stable(sections: &[[f64; 6]]) -> bool {
    sections
        .iter()
        .all(|s| s.iter().all(|c| c.is_finite()) && s[5].abs() < 1.0 && s[4].abs() < 1.0 + s[5])
}

/// The lanes' block length for `len` samples, when the lanes apply: blocks of at least [`MIN_BLOCK`]
/// and 1 ..= [`MAX_SECTIONS`] strictly stable sections.
fn block_len(sections: &[[f64; 6]], len: usize) -> Option<usize> {
    let m = len / LANES;
    (m >= MIN_BLOCK && lanes_take(sections) && stable(sections)).then_some(m)
}

/// `match len { 1 => { const N: usize = 1; call }, …, 8 => …, _ => none }`: the kernels are generic
/// over the section count `N` (1 ..= [`MAX_SECTIONS`]), so each entry point picks its instance here.
macro_rules! by_width {
    ($len:expr, $n:ident => $call:expr, _ => $none:expr) => {
        by_width!(@arms $len, $n, $call, $none, 1 2 3 4 5 6 7 8)
    };
    (@arms $len:expr, $n:ident, $call:expr, $none:expr, $($w:literal)*) => {
        match $len {
            $($w => {
                const $n: usize = $w;
                $call
            })*
            _ => $none,
        }
    };
}

/// Whether the lanes' kernels take a cascade of this many sections (1 ..= [`MAX_SECTIONS`]).
pub(crate) fn lanes_take(sections: &[[f64; 6]]) -> bool {
    (1..=MAX_SECTIONS).contains(&sections.len())
}

/// Filters the [`LANES`] lanes `body[b·stride + skip ..][..len]` (`b = 0 .. LANES`) each from zero
/// state, in place: forwards, or each from its own end when `REV` (the lanes are independent; see
/// [`crate::stream_chain`]). Nothing else of `body` changes. Cascades the lanes do not take
/// ([`lanes_take`]) and lanes that do not fit in `body` are left alone.
pub(crate) fn zero_state_lanes<const REV: bool>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    stride: usize,
    skip: usize,
    len: usize,
) {
    if skip.saturating_add(len) > stride || body.len() < LANES.saturating_mul(stride) {
        return;
    }
    by_width!(sections.len(), N => zero_state_best::<N, REV>(sections, body, stride, skip, len), _ => {});
}

/// [`zero_state_lanes`] for `N` sections: the AVX2 + FMA kernel when the CPU has both, the portable
/// lanes otherwise (over a contiguous copy of the lanes when they have gaps between them).
fn zero_state_best<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    stride: usize,
    skip: usize,
    len: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 and FMA (checked above), the only requirement of the
        // target features.
        unsafe {
            avx2::zero_state_strided::<N, REV>(sections, body, stride, skip, len);
        }
        return;
    }
    zero_state_portable::<N, REV>(sections, body, stride, skip, len);
}

/// [`zero_state_lanes`] in the portable lanes: in place when the lanes are contiguous, else over a
/// contiguous copy of them.
fn zero_state_portable<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    body: &mut [f64],
    stride: usize,
    skip: usize,
    len: usize,
) {
    let mut lanes = Lanes::<N>::new(sections);
    if skip == 0 && len == stride {
        lanes.run::<REV>(&mut body[..LANES * stride], len);
        return;
    }
    let mut packed: Vec<f64> = (0..LANES)
        .flat_map(|b| body[b * stride + skip..][..len].iter().copied())
        .collect();
    lanes.run::<REV>(&mut packed, len);
    for (b, lane) in packed.chunks_exact(len.max(1)).enumerate() {
        body[b * stride + skip..][..len].copy_from_slice(lane);
    }
}

/// Filters `data` (forwards, or from the end when `REV`) in lanes when that applies; returns false
/// (data untouched) when the scalar kernel should run instead.
pub(crate) fn try_run<const REV: bool>(sections: &[[f64; 6]], data: &mut [f64]) -> bool {
    let Some(m) = block_len(sections, data.len()) else {
        return false;
    };
    by_width!(sections.len(), N => best::<N, REV>(sections, data, m), _ => return false);
    true
}

/// `sosfilt(sections, data)[::factor]` in lanes, truncating `data` to the `ceil(len / factor)`
/// kept samples, when the AVX2 + FMA build applies (`factor ≥ 2`); returns false (data untouched)
/// otherwise. The lanes write only the kept outputs (see [`blocks_keep_avx2`]), so no full-length
/// output is stored and read again.
pub(crate) fn try_run_keep(sections: &[[f64; 6]], data: &mut Vec<f64>, factor: usize) -> bool {
    let Some(m) = block_len(sections, data.len()).filter(|_| factor >= 2) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        by_width!(sections.len(), N => keep_avx2::<N>(sections, data, m, factor), _ => return false);
        data.truncate(data.len().div_ceil(factor));
        return true;
    }
    false
}

/// `sosfilt(sections, input)` forwards into `out` (cleared first), where `input` is the fused
/// detrended (and tapered) integers, in lanes when the AVX2 + FMA build applies: the pass reads
/// the integers and writes the filtered f64, so the detrended input is never stored. Returns
/// false (`out` untouched) otherwise; the caller then converts and filters in place, which gives
/// the same bits on the other paths (the portable lanes and the scalar kernel read the f64 input).
pub(crate) fn try_run_fused(sections: &[[f64; 6]], input: &FusedInput<'_>, out: &mut Vec<f64>) -> bool {
    let Some(m) = block_len(sections, input.len()).filter(|_| !input.fit.zero) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        by_width!(sections.len(), N => fused_avx2::<N>(sections, input, out, m), _ => return false);
        return true;
    }
    let _ = (input, out, m);
    false
}

/// Runs [`blocks_fused_avx2`]; only called once the CPU is known to have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
fn fused_avx2<const N: usize>(sections: &[[f64; 6]], input: &FusedInput<'_>, out: &mut Vec<f64>, m: usize) {
    #[allow(unsafe_code)]
    // SAFETY: the only caller, `try_run_fused`, checked that the CPU supports AVX2 and FMA, the
    // only requirement of the target features.
    unsafe {
        blocks_fused_avx2::<N>(sections, input, out, m)
    }
}

/// [`blocks`] forwards with the lanes reading the fused input ([`avx2::zero_state_fused`]) and
/// writing into `out`'s spare capacity, which is never zero-filled first.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_fused_avx2<const N: usize>(sections: &[[f64; 6]], input: &FusedInput<'_>, out: &mut Vec<f64>, m: usize) {
    let n = input.len();
    let whole = LANES * m;
    out.clear();
    out.reserve_exact(n);
    let spare = &mut out.spare_capacity_mut()[..n];
    // The tail's input, filtered in place below from the blocks' true final state.
    input.fill(whole..n, &mut spare[whole..]);
    #[allow(unsafe_code)]
    // SAFETY: `spare` holds at least `n ≥ LANES · m` values, valid for writes, and `input` is `n`
    // long; nothing else touches `out` during the pass.
    let finals = unsafe { avx2::zero_state_fused::<N>(sections, input, spare.as_mut_ptr().cast(), m) };
    #[allow(unsafe_code)]
    // SAFETY: every one of the `n` values is initialised: the pass wrote each step `0 .. m` of
    // each lane `b`, i.e. `out[b·m + u]` for all of `0 .. LANES · m`, and `fill` wrote the rest.
    unsafe {
        out.set_len(n);
    }
    finish::<N, false>(sections, out, m, finals);
}

/// Runs [`blocks_keep_avx2`]; only called once the CPU is known to have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
fn keep_avx2<const N: usize>(sections: &[[f64; 6]], data: &mut [f64], m: usize, factor: usize) {
    #[allow(unsafe_code)]
    // SAFETY: the only caller, `try_run_keep`, checked that the CPU supports AVX2 and FMA, the
    // only requirement of the target features.
    unsafe {
        blocks_keep_avx2::<N>(sections, data, m, factor)
    }
}

/// [`blocks`] forwards, keeping every `factor`-th output (global index a multiple of `factor`):
/// lane `b` writes its kept outputs to the start of its own block (slot `j` of block `b` is never
/// past the sample the lane has read), the corrections add into those slots, then the blocks'
/// kept runs move down into `data[..ceil(len / factor)]` and the tail's kept outputs follow.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_keep_avx2<const N: usize>(sections: &[[f64; 6]], data: &mut [f64], m: usize, factor: usize) {
    let n = data.len();
    let whole = LANES * m;
    // First kept step of block `b`, and how many it keeps.
    let first = |b: usize| (factor - b * m % factor) % factor;
    let kept = |b: usize| {
        if first(b) < m {
            (m - 1 - first(b)) / factor + 1
        } else {
            0
        }
    };
    let firsts: [usize; LANES] = std::array::from_fn(first);
    let finals = avx2::zero_state_keep::<N>(sections, &mut data[..whole], m, factor, firsts);
    // Block `b` keeps its outputs at its own start: processed sample `u` is kept in slot
    // `(u − first(b)) / factor` when it is a kept one.
    let state = correct_blocks::<N>(sections, finals, m, |b, u, v| {
        let f0 = firsts[b];
        if u >= f0 && (u - f0).is_multiple_of(factor) {
            data[b * m + (u - f0) / factor] += v;
        }
    });
    for (b, f0) in firsts.into_iter().enumerate().skip(1) {
        // Global index `b·m + first(b)` is kept output `(b·m + first(b)) / factor`.
        let to = (b * m + f0) / factor;
        data.copy_within(b * m..b * m + kept(b), to);
    }
    let mut tail = data[whole..].to_vec();
    run_scalar_from::<N, false>(sections, state, &mut tail);
    for (g, v) in (whole..n).zip(tail) {
        if g.is_multiple_of(factor) {
            data[g / factor] = v;
        }
    }
}

/// The AVX2 + FMA build: [`avx2::zero_state`]'s register-resident kernel for the lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_avx2<const N: usize, const REV: bool>(sections: &[[f64; 6]], data: &mut [f64], m: usize) {
    blocks::<N, REV>(sections, data, m, |body| avx2::zero_state::<N, REV>(sections, body, m))
}

/// Runs the AVX2 + FMA build when the CPU has both, the portable one otherwise.
fn best<const N: usize, const REV: bool>(sections: &[[f64; 6]], data: &mut [f64], m: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU supports AVX2 and FMA (checked above), the only requirement of the
        // target features.
        return unsafe { blocks_avx2::<N, REV>(sections, data, m) };
    }
    portable::<N, REV>(sections, data, m)
}

/// The portable build: [`Lanes`] in plain Rust (SciPy's expression order, no fused multiply-add).
fn portable<const N: usize, const REV: bool>(sections: &[[f64; 6]], data: &mut [f64], m: usize) {
    blocks::<N, REV>(sections, data, m, |body| {
        let mut lanes = Lanes::<N>::new(sections);
        lanes.run::<REV>(body, m);
        std::array::from_fn(|b| lanes.state(b))
    })
}

/// The state of a cascade: `[z0, z1]` per section.
type State<const N: usize> = [[f64; 2]; N];

/// `LANES` blocks of `m` samples in processing order: block `b` is `data[b·m .. (b+1)·m]`
/// forwards, or, when `REV`, the `m` samples ending `b·m` from the end, walked backwards.
/// `zero_state` filters the blocks of the body (in place, each from zero state) and returns each
/// block's final state.
#[inline(always)]
fn blocks<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    data: &mut [f64],
    m: usize,
    zero_state: impl FnOnce(&mut [f64]) -> [State<N>; LANES],
) {
    let (n, whole) = (data.len(), LANES * m);
    // Processing order: the blocks, then the tail of `n − whole` samples.
    let body = if REV {
        &mut data[n - whole..]
    } else {
        &mut data[..whole]
    };
    let finals = zero_state(body);
    finish::<N, REV>(sections, data, m, finals);
}

/// After the zero-state pass over the blocks of `data` (see [`blocks`]), with their final states
/// `finals`: the blocks' corrections ([`correct_blocks`]), then the tail filtered in place from the
/// true state.
#[inline(always)]
fn finish<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    data: &mut [f64],
    m: usize,
    finals: [State<N>; LANES],
) {
    let n = data.len();
    let whole = LANES * m;
    let (body, tail) = if REV {
        let (tail, body) = data.split_at_mut(n - whole);
        (body, tail)
    } else {
        data.split_at_mut(whole)
    };
    // Block `b`'s `u`-th processed sample (see above).
    let index = |b: usize, u: usize| if REV { (LANES - b) * m - 1 - u } else { b * m + u };
    let state = correct_blocks::<N>(sections, finals, m, |b, u, v| body[index(b, u)] += v);
    run_scalar_from::<N, REV>(sections, state, tail);
}

/// Makes the zero-state blocks exact, in order: block `b ≥ 1` gets the homogeneous response of the
/// true state at the end of block `b − 1` (`add(b, u, v)` adds `v` to block `b`'s `u`-th processed
/// output), and its final state is corrected by what is left of that response. Block 0 started
/// from SciPy's zero state, so it and its final state are exact already. Returns the true state at
/// the end of the last block.
#[inline(always)]
fn correct_blocks<const N: usize>(
    sections: &[[f64; 6]],
    finals: [State<N>; LANES],
    m: usize,
    mut add: impl FnMut(usize, usize, f64),
) -> State<N> {
    let mut state = finals[0];
    for (b, &fin) in finals.iter().enumerate().skip(1) {
        let mut next = fin;
        if let Some(rest) = homogeneous::<N>(sections, state, m, |u, v| add(b, u, v)) {
            for (z, r) in next.iter_mut().zip(rest) {
                z[0] += r[0];
                z[1] += r[1];
            }
        }
        state = next;
    }
    state
}

/// Adds the cascade's zero-input response from `state` over a block of `m` samples: `add(u, v)`
/// adds `v` to the output of the block's `u`-th processed sample. Returns the state left at the block's end, or `None` once the response has decayed
/// below [`DECAY`] of the starting state (or the state is zero). Non-finite states never decay, so
/// NaN and infinity propagate through the whole block as they would in SciPy's recurrence.
#[inline(always)]
fn homogeneous<const N: usize>(
    sections: &[[f64; 6]],
    mut z: State<N>,
    m: usize,
    mut add: impl FnMut(usize, f64),
) -> Option<State<N>> {
    let limit = if z.iter().flatten().all(|v| v.is_finite()) {
        let scale = z.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        if scale == 0.0 {
            return None;
        }
        scale * DECAY
    } else {
        // NaN or infinity: never "decays" (`|v| <= −1` is false for every value).
        -1.0
    };
    let mut t = 0;
    while t < m {
        // Check the decay every 32 samples (the check costs more than a step).
        let end = (t + 32).min(m);
        for u in t..end {
            add(u, zero_input_step(sections, &mut z));
        }
        t = end;
        if z.iter().flatten().all(|v| v.abs() <= limit) {
            return None;
        }
    }
    Some(z)
}

/// One step of the cascade with zero input from state `z` (`[z0, z1]` per section, SciPy's
/// expression order): returns the output and leaves the next state in `z`.
#[inline(always)]
pub(crate) fn zero_input_step(sections: &[[f64; 6]], z: &mut [[f64; 2]]) -> f64 {
    let mut x = 0.0;
    for (s, zk) in sections.iter().zip(z.iter_mut()) {
        let y = s[0] * x + zk[0];
        zk[0] = s[1] * x - s[4] * y + zk[1];
        zk[1] = s[2] * x - s[5] * y;
        x = y;
    }
    x
}

/// `N` sections over `LANES` blocks at once, lane `b` filtering block `b` from zero state.
///
/// No wavefront here: the lanes already fill a vector, and with the state of four sections in
/// eight vector registers the out-of-order core overlaps consecutive samples' section chains by
/// itself (a wavefront's pipeline registers would spill). Samples move in 4 × 4 tiles (four steps
/// of every lane), which the compiler turns into contiguous loads and a register transpose.
struct Lanes<const N: usize> {
    c: [[f64; 5]; N],
    z0: [[f64; LANES]; N],
    z1: [[f64; LANES]; N],
}

impl<const N: usize> Lanes<N> {
    #[inline(always)]
    fn new(sections: &[[f64; 6]]) -> Lanes<N> {
        Lanes {
            c: std::array::from_fn(|k| {
                let s = sections[k];
                [s[0], s[1], s[2], s[4], s[5]]
            }),
            z0: [[0.0; LANES]; N],
            z1: [[0.0; LANES]; N],
        }
    }

    /// The state of lane `b`.
    #[inline(always)]
    fn state(&self, b: usize) -> State<N> {
        std::array::from_fn(|k| [self.z0[k][b], self.z1[k][b]])
    }

    /// One sample of every lane through all sections.
    #[inline(always)]
    fn step(&mut self, mut x: [f64; LANES]) -> [f64; LANES] {
        for k in 0..N {
            let [b0, b1, b2, a1, a2] = self.c[k];
            let (z0, z1) = (&mut self.z0[k], &mut self.z1[k]);
            // SciPy's `_sosfilt` expression order, no fused multiply-add.
            let y: [f64; LANES] = std::array::from_fn(|l| b0 * x[l] + z0[l]);
            *z0 = std::array::from_fn(|l| b1 * x[l] - a1 * y[l] + z1[l]);
            *z1 = std::array::from_fn(|l| b2 * x[l] - a2 * y[l]);
            x = y;
        }
        x
    }

    /// Filters the `LANES` blocks of `body` (each `m` samples, in processing order, see
    /// [`blocks`]) from zero state, in place; afterwards lane `b` holds block `b`'s final state.
    #[inline(always)]
    fn run<const REV: bool>(&mut self, body: &mut [f64], m: usize) {
        const TILE: usize = 4;
        let mut lanes = split_lanes::<REV>(body, m);
        let tiles = m / TILE;
        for i in 0..tiles {
            // Samples `TILE·i ..` of every block, in processing order.
            let mut tile = [[0.0f64; TILE]; LANES];
            for (b, lane) in lanes.iter().enumerate() {
                let chunk: &[f64] = if REV {
                    &lane[m - TILE * (i + 1)..m - TILE * i]
                } else {
                    &lane[TILE * i..TILE * (i + 1)]
                };
                for j in 0..TILE {
                    tile[b][j] = chunk[if REV { TILE - 1 - j } else { j }];
                }
            }
            let mut out = [[0.0f64; TILE]; LANES];
            for j in 0..TILE {
                let y = self.step(std::array::from_fn(|b| tile[b][j]));
                for b in 0..LANES {
                    out[b][j] = y[b];
                }
            }
            for (b, lane) in lanes.iter_mut().enumerate() {
                let chunk: &mut [f64] = if REV {
                    &mut lane[m - TILE * (i + 1)..m - TILE * i]
                } else {
                    &mut lane[TILE * i..TILE * (i + 1)]
                };
                for j in 0..TILE {
                    chunk[if REV { TILE - 1 - j } else { j }] = out[b][j];
                }
            }
        }
        for t in TILE * tiles..m {
            let i = |t: usize| if REV { m - 1 - t } else { t };
            let y = self.step(std::array::from_fn(|b| lanes[b][i(t)]));
            for (lane, v) in lanes.iter_mut().zip(y) {
                lane[i(t)] = v;
            }
        }
    }
}

/// The `LANES` blocks of `body` as separate slices, block 0 first in processing order.
#[inline(always)]
fn split_lanes<const REV: bool>(body: &mut [f64], m: usize) -> [&mut [f64]; LANES] {
    let mut rest = body;
    let mut lanes: [&mut [f64]; LANES] = Default::default();
    for b in 0..LANES {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(m);
        lanes[if REV { LANES - 1 - b } else { b }] = head;
        rest = tail;
    }
    lanes
}

#[cfg(test)]
mod tests {
    //! The AVX2 + FMA lanes against the portable lanes and SciPy's exact recurrence for every
    //! section count the lanes take, both directions, with tails; and the `b2 == b0` form against
    //! the general one (see also tests/sosfilt_blocks.rs for the public entry points).

    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{DesignCache, IirOptions, design_bandpass, design_lowpass_cheby_2};

    /// Both lane builds, the AVX2 one against the portable one as well as against SciPy's
    /// recurrence: within 2e-13 of the exact output's max (they differ only by rounding; the
    /// largest seen is 6e-14, mostly the portable lanes' own difference from SciPy).
    const TOL: f64 = 2e-13;

    /// Ten stable sections: `decimate(4)`'s Chebyshev II (the first with `b2 != b0`, the others
    /// `b2 == b0 == 1`) then the seed's Butterworth bandpass (`[k, 2k, k]`, `[1, ±2, 1]`), so the
    /// first `n` mix both forms for every `n`.
    pub(super) fn ten_sections() -> Vec<[f64; 6]> {
        let mut cache = DesignCache::new();
        let cheby = design_lowpass_cheby_2(12.5, 100.0, 12, &mut cache).unwrap();
        let opts = IirOptions {
            corners: 4,
            ..IirOptions::default()
        };
        let band = design_bandpass(0.5, 10.0, 100.0, &opts, &mut cache).unwrap();
        let mut s = cheby.plan.sos().sections().to_vec();
        s.extend_from_slice(band.sos().sections());
        assert_eq!(s.len(), 10);
        s
    }

    fn input(n: usize) -> Vec<f64> {
        let mut rng = seispool_testkit::Rng(0x5EED_A7C2);
        (0..n)
            .map(|i| 300.0 + 1e3 * (rng.next_f64() - 0.5) + 1e-3 * i as f64)
            .collect()
    }

    fn max_err(got: &[f64], want: &[f64]) -> f64 {
        let max = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        got.iter().zip(want).fold(0.0f64, |e, (g, w)| e.max((g - w).abs())) / max
    }

    fn has_avx2_fma() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    fn check<const N: usize, const REV: bool>(sections: &[[f64; 6]], input: &[f64]) {
        let m = input.len() / LANES;
        let mut exact = input.to_vec();
        run_scalar_from::<N, REV>(sections, [[0.0; 2]; N], &mut exact);
        let mut port = input.to_vec();
        portable::<N, REV>(sections, &mut port, m);
        let e = max_err(&port, &exact);
        assert!(e <= TOL, "{N} sections, rev {REV}: portable {e:e} of max");
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            let mut fast = input.to_vec();
            #[allow(unsafe_code)]
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe {
                blocks_avx2::<N, REV>(sections, &mut fast, m)
            };
            let e = max_err(&fast, &exact);
            assert!(e <= TOL, "{N} sections, rev {REV}: avx2 {e:e} of max from exact");
            let p = max_err(&fast, &port);
            println!("{N} sections, rev {REV}: avx2 {e:e} of max from exact, {p:e} from portable");
            assert!(p <= TOL, "{N} sections, rev {REV}: avx2 {p:e} of max from portable");
        }
    }

    /// Every section count 1 ..= 8 (one register group up to four, two groups beyond), forwards
    /// and backwards, with lanes of 16 387 samples (not a multiple of the transposes' four, nor
    /// of the buffer's chunk) and a tail of three samples.
    #[test]
    fn lanes_within_2e_13_for_every_section_count_both_directions() {
        let all = ten_sections();
        let input = input(LANES * (MIN_BLOCK + 3) + 3);
        macro_rules! counts {
            ($($n:literal)*) => {$(
                for first in [0, 10 - $n] {
                    check::<$n, false>(&all[first..first + $n], &input);
                    check::<$n, true>(&all[first..first + $n], &input);
                }
            )*};
        }
        counts!(1 2 3 4 5 6 7 8);
    }

    /// Strided lanes with gaps between them (the chain's staging buffer): the portable build over its
    /// contiguous copy, and the AVX2 build in place, each lane within 2e-13 of max of SciPy's
    /// recurrence from zero state over that lane alone, forwards and backwards, and nothing outside
    /// the lanes changed.
    #[test]
    fn strided_lanes_filter_only_their_lanes_within_2e_13() {
        let all = ten_sections();
        let sections = &all[6..10];
        let (stride, skip, len) = (MIN_BLOCK + 77, 40, MIN_BLOCK + 5);
        let body = input(LANES * stride);
        let lane = |b: usize| b * stride + skip..b * stride + skip + len;
        let check = |got: &[f64], rev: bool, what: &str| {
            for b in 0..LANES {
                let mut want = body[lane(b)].to_vec();
                if rev {
                    run_scalar_from::<4, true>(sections, [[0.0; 2]; 4], &mut want);
                } else {
                    run_scalar_from::<4, false>(sections, [[0.0; 2]; 4], &mut want);
                }
                let e = max_err(&got[lane(b)], &want);
                assert!(e <= TOL, "{what}, rev {rev}, lane {b}: {e:e} of max");
            }
            let outside = (0..got.len()).filter(|&i| !(0..LANES).any(|b| lane(b).contains(&i)));
            assert!(
                outside.clone().all(|i| got[i].to_bits() == body[i].to_bits()),
                "{what}, rev {rev}: a sample outside the lanes changed"
            );
        };
        for rev in [false, true] {
            let mut port = body.clone();
            if rev {
                zero_state_portable::<4, true>(sections, &mut port, stride, skip, len);
            } else {
                zero_state_portable::<4, false>(sections, &mut port, stride, skip, len);
            }
            check(&port, rev, "portable");
            if has_avx2_fma() {
                let mut fast = body.clone();
                if rev {
                    zero_state_lanes::<true>(sections, &mut fast, stride, skip, len);
                } else {
                    zero_state_lanes::<false>(sections, &mut fast, stride, skip, len);
                }
                check(&fast, rev, "avx2");
            }
        }
    }

    /// The lanes writing only every `factor`-th output (`decimate`'s filter) against SciPy's
    /// recurrence followed by `[::factor]`: factors that divide the block length and ones that do
    /// not (so every block keeps a different phase), tails of 0 to 3 samples whose kept outputs
    /// come from the scalar tail, and 1, 4 and 6 sections.
    #[test]
    fn kept_outputs_within_2e_13_for_every_factor_phase_and_tail() {
        let all = ten_sections();
        for factor in [2, 3, 4, 5, 7, 16] {
            for n in [
                LANES * MIN_BLOCK,
                LANES * (MIN_BLOCK + 1) + 1,
                LANES * (MIN_BLOCK + 5) + 3,
            ] {
                let input = input(n);
                for sections in [&all[..1], &all[6..], &all[..6]] {
                    let mut want = input.clone();
                    match sections.len() {
                        1 => run_scalar_from::<1, false>(sections, [[0.0; 2]; 1], &mut want),
                        4 => run_scalar_from::<4, false>(sections, [[0.0; 2]; 4], &mut want),
                        _ => run_scalar_from::<6, false>(sections, [[0.0; 2]; 6], &mut want),
                    }
                    let want: Vec<f64> = want.into_iter().step_by(factor).collect();
                    let mut got = input.clone();
                    let lanes = try_run_keep(sections, &mut got, factor);
                    assert_eq!(lanes, has_avx2_fma(), "factor {factor}, {n} samples");
                    if !lanes {
                        continue;
                    }
                    assert_eq!(got.len(), want.len(), "factor {factor}, {n} samples: length");
                    let e = max_err(&got, &want);
                    let what = format!("factor {factor}, {n} samples, {} sections", sections.len());
                    assert!(e <= TOL, "{what}: {e:e} of max");
                }
            }
        }
    }

    /// A NaN or an infinity in the kept-only path: every kept output from it on is non-finite,
    /// exactly where SciPy's recurrence followed by `[::factor]` has them, in a late block too
    /// (the correction carries it through the following blocks).
    #[test]
    fn kept_outputs_propagate_non_finite_samples_like_scipy() {
        let all = ten_sections();
        let n = LANES * MIN_BLOCK + 2;
        for bad in [f64::NAN, f64::INFINITY] {
            for at in [5, MIN_BLOCK + 17, 3 * MIN_BLOCK + 1] {
                let mut input = input(n);
                input[at] = bad;
                let mut want = input.clone();
                run_scalar_from::<6, false>(&all[..6], [[0.0; 2]; 6], &mut want);
                let want: Vec<f64> = want.into_iter().step_by(4).collect();
                let mut got = input;
                if !try_run_keep(&all[..6], &mut got, 4) {
                    continue;
                }
                let finite = |v: &Vec<f64>| v.iter().map(|x| x.is_finite()).collect::<Vec<_>>();
                assert_eq!(finite(&got), finite(&want), "{bad} at {at}");
                assert!(!want[at.div_ceil(4) + 1].is_finite(), "{bad} at {at}: reference");
            }
        }
    }

    /// The groups' `b2 == b0` masks (every bandpass section, all Chebyshev II sections but the
    /// first) and `b2 == b0 == 1` masks (all those but the bandpass's first).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn groups_mark_exactly_the_sections_with_b2_equal_b0_and_equal_one() {
        let all = ten_sections();
        let group = |lo, hi, sym, unit| avx2::Group { lo, hi, sym, unit };
        let g = avx2::groups(&all[..6]);
        assert_eq!(g, vec![group(0, 3, 0b110, 0b110), group(3, 6, 0b111, 0b111)]);
        let g = avx2::groups(&all[6..]);
        assert_eq!(g, vec![group(0, 4, 0b1111, 0b1110)]);
        let mut skewed = all[6..].to_vec();
        skewed[2][2] = f64::from_bits(skewed[2][0].to_bits() + 1);
        assert_eq!(avx2::groups(&skewed), vec![group(0, 4, 0b1011, 0b1010)]);
    }
}
