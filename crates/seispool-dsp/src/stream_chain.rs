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
//! The forward and backward passes share one staging buffer: lane `b` holds the segment with the
//! forward warm-up before it and the backward warm-up after it, runs forwards in place, has everything
//! past the trace's end zeroed (SciPy's backward pass starts from zero state there), then runs
//! backwards in place; the decimation filter's lanes are then filled from those segments.
//!
//! The input is produced on demand (`input(start, buf)`), so an integer trace's detrend and taper
//! happen as the first stage reads it, and no f64 copy of the input exists either.

use std::cell::RefCell;

use crate::filter::FilterPlan;
use crate::fused::FusedInput;
use crate::iir::Sos;
use crate::sosfilt_blocks::{self, LANES};
use crate::taper::TaperPlan;

/// Samples per lane and block: a block is `LANES · LANE_LEN` samples (1 MiB of f64), so a stage's
/// staging buffers stay in the L3 cache; the warm-ups (~4.5 k samples for the seed's bandpass) add ~14 %
/// to each lane's length.
const LANE_LEN: usize = 32_768;

/// The zero-input response is taken as gone once every state component is below `DECAY` times the
/// largest component it started from (as [`crate::sosfilt_blocks`]' corrections do).
const DECAY: f64 = 1e-20;

/// Longest warm-up the chain takes: beyond it (poles very near the unit circle, e.g. a 0.01 Hz
/// highpass at 100 Hz) the warm-ups would cost more than the passes, and the trace-by-trace path runs.
const MAX_SETTLE: usize = LANE_LEN;

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
    // Unit state `j` sets component `j` (section j / 2, z0 or z1).
    let mut states: Vec<Vec<[f64; 2]>> = (0..2 * n)
        .map(|j| {
            let mut z = vec![[0.0; 2]; n];
            z[j / 2][j % 2] = 1.0;
            z
        })
        .collect();
    let mut below_since = None;
    for t in 1..=4 * MAX_SETTLE {
        let mut norm = 0.0f64;
        for z in &mut states {
            sosfilt_blocks::zero_input_step(sections, z);
            norm += z.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        }
        match below_since {
            _ if norm > DECAY => below_since = None,
            None => below_since = Some(t),
            Some(since) if t >= 2 * since => return (since <= MAX_SETTLE).then_some(since),
            Some(_) => {}
        }
    }
    None
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
/// (tests/stream_chain.rs).
pub fn filter_chain(n: usize, input: &dyn Fn(usize, &mut [f64]), chain: &FilterChain, out: &mut Vec<f64>) -> bool {
    let block = LANES * LANE_LEN;
    let Some((w1, decimate)) = warmups(n, chain) else {
        return false;
    };
    out.clear();
    out.reserve_exact(decimate.map_or(n, |(_, factor, _)| n.div_ceil(factor)));
    let mut first = Vec::new();
    let mut second = Vec::new();
    // The last `w2` outputs of the first filter before the current block (the decimation filter's
    // warm-up for the block's first lane); zeros before the trace.
    let mut tail = vec![0.0; decimate.map_or(0, |(_, _, w2)| w2)];
    let mut next_tail = Vec::with_capacity(tail.len());
    let mut cs = 0;
    while cs < n {
        let ce = (cs + block).min(n);
        let m = (ce - cs).div_ceil(LANES);
        // Lane `b` holds samples `s_b − w1 .. s_b + m + w1` (`s_b = cs + b·m`): the forward pass's
        // warm-up, the segment, and (zerophase) the backward pass's warm-up. Forwards in place, the
        // segment and the part after it are the forward output; then backwards in place over the
        // whole lane, the segment is the zerophase output (what the backward pass makes of the
        // forward warm-up afterwards is thrown away).
        let after = if chain.zerophase { w1 } else { 0 };
        let lane = w1 + m + after;
        first.resize(LANES * lane, 0.0);
        for (b, buf) in first.chunks_exact_mut(lane).enumerate() {
            let s = (cs + b * m) as isize;
            fill_within(n, s - w1 as isize, buf, |i, part| input(i, part));
        }
        sosfilt_blocks::zero_state_blocks::<false>(chain.first, &mut first, lane);
        if chain.zerophase {
            for (b, buf) in first.chunks_exact_mut(lane).enumerate() {
                // SciPy's backward pass starts from zero state at the trace's last sample: past it
                // the forward output (the filter ringing on into the padding) must read as zero.
                let past = (n + w1).saturating_sub(cs + b * m).min(lane);
                buf[past..].fill(0.0);
            }
            sosfilt_blocks::zero_state_blocks::<true>(chain.first, &mut first, lane);
        }
        // Segment `b` of the first filter's output: samples `s_b .. min(s_b + m, ce)`.
        let segment = |b: usize| {
            let s = cs + b * m;
            let k = ce.saturating_sub(s).min(m);
            &first[b * lane + w1..b * lane + w1 + k]
        };
        match decimate {
            None => (0..LANES).for_each(|b| out.extend_from_slice(segment(b))),
            Some((sections, factor, w2)) => {
                // Sample `i` (from `cs − w2` on) of the first filter's output.
                let at = |i: usize| {
                    if i < cs {
                        tail[w2 - (cs - i)]
                    } else {
                        first[(i - cs) / m * lane + w1 + (i - cs) % m]
                    }
                };
                // Lane `b`: the `w2` samples before segment `b` (the previous segment's last ones,
                // or the previous block's; zeros before the trace), then the segment.
                let lane2 = w2 + m;
                second.resize(LANES * lane2, 0.0);
                for (b, buf) in second.chunks_exact_mut(lane2).enumerate() {
                    let s = cs + b * m;
                    let (warm, body) = buf.split_at_mut(w2);
                    if b > 0 && m >= w2 {
                        let prev = (b - 1) * lane + w1 + m - w2;
                        warm.copy_from_slice(&first[prev..prev + w2]);
                    } else {
                        for (k, v) in warm.iter_mut().enumerate() {
                            *v = if s + k >= w2 { at(s + k - w2) } else { 0.0 };
                        }
                    }
                    let seg = segment(b);
                    body[..seg.len()].copy_from_slice(seg);
                    body[seg.len()..].fill(0.0);
                }
                // The next block's first lane warms up on this block's last `w2` samples.
                next_tail.clear();
                next_tail.extend((ce - w2.min(ce)..ce).map(at));
                tail[w2 - next_tail.len()..].copy_from_slice(&next_tail);
                sosfilt_blocks::zero_state_blocks::<false>(sections, &mut second, lane2);
                for (b, buf) in second.chunks_exact(lane2).enumerate() {
                    let s = cs + b * m;
                    let k = ce.saturating_sub(s).min(m);
                    // Kept: global indices that are multiples of `factor`.
                    let j0 = s.next_multiple_of(factor) - s;
                    out.extend(buf[w2..w2 + k].iter().skip(j0).step_by(factor));
                }
            }
        }
        cs = ce;
    }
    true
}

/// The warm-ups of `chain` over `n` samples when [`filter_chain`] takes it: the first filter's settle
/// length, and the decimation's `(sections, factor, settle length)`; `None` when it does not.
#[allow(clippy::type_complexity)] // the two warm-ups and the decimation they belong to
fn warmups<'a>(n: usize, chain: &FilterChain<'a>) -> Option<(usize, Option<(&'a [[f64; 6]], usize, usize)>)> {
    let settles = |s: &[[f64; 6]]| settle_len(s).filter(|_| sosfilt_blocks::lanes_take(s));
    if n < LANES * LANE_LEN {
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
pub fn filter_chain_i32(
    src: &[i32],
    taper: Option<&TaperPlan>,
    filter: &FilterPlan,
    decimate: Option<(&Sos, usize)>,
    out: &mut Vec<f64>,
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
    let get = |start: usize, buf: &mut [f64]| {
        #[allow(unsafe_code)]
        // SAFETY: `[f64]` and `[MaybeUninit<f64>]` have the same layout, and `fill` only ever
        // writes initialised values (it never writes `MaybeUninit::uninit()`), so `buf` stays
        // initialised.
        let buf = unsafe { &mut *(std::ptr::from_mut::<[f64]>(buf) as *mut [std::mem::MaybeUninit<f64>]) };
        input.fill(start..start + buf.len(), buf);
    };
    filter_chain(src.len(), &get, &chain, out)
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
