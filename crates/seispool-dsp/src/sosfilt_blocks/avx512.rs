//! The zero-state lanes on AVX-512F: eight lanes, interleaved (issue 13, round 2 session 10).
//!
//! [`super::avx2`]'s lanes are four blocks of a trace side by side in memory, moved into step
//! vectors (one sample of each lane) by 4 × 4 transposes, and its kernel runs on four-lane vectors.
//! Here the caller keeps its lanes interleaved (step `t` of lane `b` at `buf[t·8 + b]`), so a step is
//! one aligned 512-bit load and store and there is nothing to transpose; and a vector carries eight
//! lanes, so each section's loop-carried chain (`z0 → y → z0'`, one add and one FMA) advances eight
//! samples instead of four. Zen 4 runs a 512-bit operation as two 256-bit halves, so the floating-point
//! work per sample is the same as with four lanes: what is saved is the chain's latency (the four-lane
//! loop waits on it) and the transposes, loads, stores and spills around it (the four-lane tile loop
//! spills: bench/README.md, "Session 9").
//!
//! The same operations per section and sample as [`super::avx2`] (`y = b0·x + z0`,
//! `z0' = −a1·y + (b1·x + z1)`, `z1' = −a2·y + b2·x`, with `b2·x` reused when `b2 == b0` and `b0·x`
//! taken as `x` when `b0 == 1`), so each lane gets the four-lane kernel's bits for the same input
//! (`lanes_give_the_bits_of_the_four_lane_kernel` below).

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m512d, __m512i, _mm256_loadu_si256, _mm512_add_pd, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_cvtepi32_pd,
    _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_permutex2var_pd, _mm512_set1_pd, _mm512_setr_epi64,
    _mm512_setr_pd, _mm512_setzero_pd, _mm512_shuffle_f64x2, _mm512_storeu_pd, _mm512_sub_pd, _mm512_unpackhi_pd,
    _mm512_unpacklo_pd, _mm512_xor_si512,
};

use super::avx2::{by_group, tile_groups, with_tile_shapes};
use super::{MAX_SECTIONS, WIDE};

/// Steps per pass of each register group: 256 steps of 64 bytes, 16 KiB, inside L1, so that a cascade
/// run as two groups reads its second group's input from L1.
const CHUNK: usize = 256;

/// One section's coefficients, each broadcast to the eight lanes (`na1 = −a1`, `na2 = −a2`).
#[derive(Clone, Copy)]
struct Coef {
    b0: __m512d,
    b1: __m512d,
    b2: __m512d,
    na1: __m512d,
    na2: __m512d,
    /// `b1`'s sign bit in every element (used where `|b1| == 2`).
    b1_sign: __m512i,
}

/// Whether the CPU has AVX-512F.
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

/// [`super::zero_state_wide`] over all of `buf` (whole steps of [`WIDE`] lanes), for 1 ..=
/// [`MAX_SECTIONS`] sections. Panics if the CPU lacks AVX-512F.
pub(super) fn zero_state<const REV: bool>(sections: &[[f64; 6]], buf: &mut [f64]) {
    assert!(available(), "the wide lanes need AVX-512F");
    assert!(
        (1..=MAX_SECTIONS).contains(&sections.len()) && buf.len().is_multiple_of(WIDE),
        "{} sections over {} values",
        sections.len(),
        buf.len()
    );
    // SAFETY: the CPU has AVX-512F (asserted), and `buf` holds `buf.len() / WIDE` whole steps.
    unsafe { pass(sections, buf.as_mut_ptr(), buf.len() / WIDE, REV) }
}

/// The cascade over `steps` steps at `p` from zero state: forwards, or from the last step down when
/// `rev`. Chunk by chunk, each group of sections ([`tile_groups`]: one group of up to four, five or
/// six of ObsPy's symmetric sections, else two halves) runs over the chunk in place.
///
/// # Safety
///
/// `p` must be valid for reads and writes of `steps · WIDE` f64; the CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn pass(sections: &[[f64; 6]], p: *mut f64, steps: usize, rev: bool) {
    let coef: Vec<Coef> = sections
        .iter()
        .map(|s| Coef {
            b0: _mm512_set1_pd(s[0]),
            b1: _mm512_set1_pd(s[1]),
            b2: _mm512_set1_pd(s[2]),
            na1: _mm512_set1_pd(-s[4]),
            na2: _mm512_set1_pd(-s[5]),
            b1_sign: _mm512_castpd_si512(_mm512_set1_pd(if s[1].is_sign_negative() { -0.0 } else { 0.0 })),
        })
        .collect();
    let groups = tile_groups(sections);
    let zero = _mm512_setzero_pd();
    let (mut z0, mut z1) = ([zero; MAX_SECTIONS], [zero; MAX_SECTIONS]);
    let mut done = 0;
    while done < steps {
        let len = CHUNK.min(steps - done);
        // The chunk's first step in processing order, and the distance to the next one.
        let (first, dir) = if rev { (steps - 1 - done, -1) } else { (done, 1) };
        for g in &groups {
            let (lo, hi) = (g.lo, g.hi);
            // SAFETY: steps `first`, `first ± 1`, … (`len` of them) are inside the `steps` at `p`
            // (the caller's contract), and the CPU has AVX-512F.
            unsafe {
                run_group(
                    g.sym,
                    g.unit,
                    twos(&sections[lo..hi], g.unit),
                    &coef[lo..hi],
                    &mut z0[lo..hi],
                    &mut z1[lo..hi],
                    p.add(first * WIDE),
                    dir,
                    len,
                )
            };
        }
        done += len;
    }
}

/// Whether every section of `unit` (the group's sections with `b0 == b2 == 1`) also has `|b1| == 2`,
/// as all but the first section of ObsPy's Butterworth low-, high- and bandpass do (`[1, ±2, 1]`):
/// then `b1·x + z1` is `z1 ± (x + x)`, two adds and a sign flip where the FMA pipes would do a
/// multiply-add (see [`group`]).
fn twos(sections: &[[f64; 6]], unit: u32) -> bool {
    sections
        .iter()
        .enumerate()
        .all(|(k, s)| unit >> k & 1 == 0 || s[1].abs() == 2.0)
}

/// Runs one group over `len` steps from `at`, `dir` steps apart (see `by_group!` for `sym`, `unit`;
/// `two`: [`twos`]).
///
/// # Safety
///
/// As for [`group`].
#[allow(clippy::too_many_arguments)] // a group's coefficients and state, and the steps it runs over
#[target_feature(enable = "avx512f")]
unsafe fn run_group(
    sym: u32,
    unit: u32,
    two: bool,
    coef: &[Coef],
    z0: &mut [__m512d],
    z1: &mut [__m512d],
    at: *mut f64,
    dir: isize,
    len: usize,
) {
    // `tile_groups` makes these groups and masks.
    // SAFETY: the caller's contract, passed on.
    unsafe {
        if two {
            with_tile_shapes!(by_group!(group_two(coef, z0, z1, at, dir, len), coef.len(), sym, unit))
        } else {
            with_tile_shapes!(by_group!(
                group_plain(coef, z0, z1, at, dir, len),
                coef.len(),
                sym,
                unit
            ))
        }
    }
}

/// [`group`] with `TWO` (every `UNIT` section has `|b1| == 2`).
///
/// # Safety
///
/// As for [`group`].
#[target_feature(enable = "avx512f")]
unsafe fn group_two<const G: usize, const SYM: u32, const UNIT: u32>(
    coef: &[Coef],
    z0: &mut [__m512d],
    z1: &mut [__m512d],
    at: *mut f64,
    dir: isize,
    len: usize,
) {
    // SAFETY: the caller's contract.
    unsafe { group::<G, SYM, UNIT, true>(coef, z0, z1, at, dir, len) }
}

/// [`group`] without `TWO`.
///
/// # Safety
///
/// As for [`group`].
#[target_feature(enable = "avx512f")]
unsafe fn group_plain<const G: usize, const SYM: u32, const UNIT: u32>(
    coef: &[Coef],
    z0: &mut [__m512d],
    z1: &mut [__m512d],
    at: *mut f64,
    dir: isize,
    len: usize,
) {
    // SAFETY: the caller's contract.
    unsafe { group::<G, SYM, UNIT, false>(coef, z0, z1, at, dir, len) }
}

/// `G` sections over `len` steps, the first at `at` and each next `dir` steps on, state `z0`, `z1` in
/// registers and then back; `SYM` and `UNIT` as in [`super::avx2`]'s `group`. With `TWO`, the `UNIT`
/// sections have `|b1| == 2` and take `b1·x + z1` as `z1 + (±(x + x))`: `x + x` and the sign flip
/// are exact, so this is the FMA's one rounding of the exact `b1·x + z1`, the same value (unless
/// `2x` overflows, which an FMA would not: inputs near 1e308), on the add pipes instead of the FMA
/// pipes, which the cascade keeps busier (bench/README.md, "Session 10").
///
/// # Safety
///
/// The `len` steps must be valid for reads and writes; the CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn group<const G: usize, const SYM: u32, const UNIT: u32, const TWO: bool>(
    coef: &[Coef],
    z0: &mut [__m512d],
    z1: &mut [__m512d],
    at: *mut f64,
    dir: isize,
    len: usize,
) {
    let c: [Coef; G] = std::array::from_fn(|k| coef[k]);
    let mut s0: [__m512d; G] = std::array::from_fn(|k| z0[k]);
    let mut s1: [__m512d; G] = std::array::from_fn(|k| z1[k]);
    let mut at = at;
    for _ in 0..len {
        // SAFETY: `at` is one of the `len` steps (the caller's contract); unaligned load.
        let mut x = unsafe { _mm512_loadu_pd(at) };
        for k in 0..G {
            let ck = &c[k];
            let p = if UNIT >> k & 1 == 1 { x } else { _mm512_mul_pd(ck.b0, x) };
            let y = _mm512_add_pd(p, s0[k]);
            let t = if TWO && UNIT >> k & 1 == 1 {
                let x2 = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(_mm512_add_pd(x, x)), ck.b1_sign));
                _mm512_add_pd(s1[k], x2)
            } else {
                _mm512_fmadd_pd(ck.b1, x, s1[k])
            };
            let q = if SYM >> k & 1 == 1 { p } else { _mm512_mul_pd(ck.b2, x) };
            s0[k] = _mm512_fmadd_pd(ck.na1, y, t);
            s1[k] = _mm512_fmadd_pd(ck.na2, y, q);
            x = y;
        }
        // SAFETY: as for the load.
        unsafe { _mm512_storeu_pd(at, x) };
        at = at.wrapping_offset(dir * WIDE as isize);
    }
    z0.copy_from_slice(&s0);
    z1.copy_from_slice(&s1);
}

/// The 8 × 8 transpose: element `j` of `r[i]` becomes element `i` of the result's `j`.
#[target_feature(enable = "avx512f")]
#[inline]
fn transpose(r: [__m512d; 8]) -> [__m512d; 8] {
    // Pairs of rows: t[2p] = (r[2p][0], r[2p+1][0], r[2p][2], r[2p+1][2], …), t[2p+1] the odd columns.
    let t: [__m512d; 8] = std::array::from_fn(|i| {
        let (a, b) = (r[i / 2 * 2], r[i / 2 * 2 + 1]);
        if i % 2 == 0 {
            _mm512_unpacklo_pd(a, b)
        } else {
            _mm512_unpackhi_pd(a, b)
        }
    });
    // Quads of rows: u[q·4 + c] holds columns `c` and `c + 4` of rows `4q .. 4q + 4` (c = 0 ..= 3).
    let lo: __m512i = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    let hi: __m512i = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    let u: [__m512d; 8] = std::array::from_fn(|i| {
        let (q, c) = (i / 4, i % 4);
        // Column c is in the unpack of parity c % 2, at pair position c / 2.
        let (a, b) = (t[q * 4 + c % 2], t[q * 4 + 2 + c % 2]);
        _mm512_permutex2var_pd(a, if c / 2 == 0 { lo } else { hi }, b)
    });
    // Column j: the low (j < 4) or high halves of u[c] (rows 0–3) and u[4 + c] (rows 4–7), c = j % 4.
    std::array::from_fn(|j| {
        let (a, b) = (u[j % 4], u[4 + j % 4]);
        if j < 4 {
            _mm512_shuffle_f64x2::<0b01_00_01_00>(a, b)
        } else {
            _mm512_shuffle_f64x2::<0b11_10_11_10>(a, b)
        }
    })
}

/// [`super::interleave`] on AVX-512F: eight steps at a time through [`transpose`], the rest one value
/// at a time.
///
/// # Safety
///
/// The CPU must have AVX-512F; `out.len() == len · 8` and every row at least `len` long.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn interleave(rows: [&[f64]; WIDE], out: &mut [f64], len: usize) {
    let whole = len / 8 * 8;
    for t in (0..whole).step_by(8) {
        // SAFETY: `t + 8 ≤ len ≤ rows[b].len()` (the caller's contract).
        let r: [__m512d; 8] = std::array::from_fn(|b| unsafe { _mm512_loadu_pd(rows[b].as_ptr().add(t)) });
        for (j, v) in transpose(r).into_iter().enumerate() {
            // SAFETY: `(t + j + 1)·8 ≤ len·8 = out.len()`.
            unsafe { _mm512_storeu_pd(out.as_mut_ptr().add((t + j) * WIDE), v) };
        }
    }
    for t in whole..len {
        for (b, row) in rows.iter().enumerate() {
            out[t * WIDE + b] = row[t];
        }
    }
}

/// [`super::interleave_line`] on AVX-512F: eight steps of the eight lanes at a time, converted,
/// detrended and tapered in registers and stored through [`transpose`]; the rest one value at a time.
/// Every operation is a separate instruction (never fused), as in `LineFit::write`.
///
/// # Safety
///
/// The CPU must have AVX-512F; `out.len() == len · 8` and every `src` and window at least `len` long.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn interleave_line(
    src: [&[i32]; WIDE],
    windows: [Option<&[f64]>; WIDE],
    dx0: [f64; WIDE],
    ym: f64,
    slope: f64,
    out: &mut [f64],
    len: usize,
) {
    let whole = len / 8 * 8;
    let (vym, vslope, eight) = (_mm512_set1_pd(ym), _mm512_set1_pd(slope), _mm512_set1_pd(8.0));
    let steps = _mm512_setr_pd(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    // Lane `b`'s abscissae of its next eight steps (exact: multiples of ½ below 2⁵²).
    let mut dx: [__m512d; WIDE] = std::array::from_fn(|b| _mm512_add_pd(_mm512_set1_pd(dx0[b]), steps));
    for t in (0..whole).step_by(8) {
        let r: [__m512d; 8] = std::array::from_fn(|b| {
            // SAFETY: `t + 8 ≤ len ≤ src[b].len()` (the caller's contract).
            let x = _mm512_cvtepi32_pd(unsafe { _mm256_loadu_si256(src[b].as_ptr().add(t).cast()) });
            let v = _mm512_sub_pd(x, _mm512_add_pd(vym, _mm512_mul_pd(vslope, dx[b])));
            dx[b] = _mm512_add_pd(dx[b], eight);
            match windows[b] {
                // SAFETY: `t + 8 ≤ len ≤ w.len()` (the caller's contract).
                Some(w) => _mm512_mul_pd(v, unsafe { _mm512_loadu_pd(w.as_ptr().add(t)) }),
                None => v,
            }
        });
        for (j, v) in transpose(r).into_iter().enumerate() {
            // SAFETY: `(t + j + 1)·8 ≤ len·8 = out.len()`.
            unsafe { _mm512_storeu_pd(out.as_mut_ptr().add((t + j) * WIDE), v) };
        }
    }
    for t in whole..len {
        for b in 0..WIDE {
            let v = f64::from(src[b][t]) - (ym + slope * (dx0[b] + t as f64));
            out[t * WIDE + b] = windows[b].map_or(v, |w| v * w[t]);
        }
    }
}

/// [`super::deinterleave`] on AVX-512F: eight kept steps at a time through [`transpose`].
///
/// # Safety
///
/// The CPU must have AVX-512F; every kept step inside `st`, every `dst` at least `count` long.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn deinterleave<T>(
    st: &[f64],
    first: usize,
    every: usize,
    count: usize,
    mut dst: [&mut [T]; WIDE],
    f: impl Fn(f64) -> T,
) {
    let whole = count / 8 * 8;
    let mut lane = [0.0f64; 8];
    for i in (0..whole).step_by(8) {
        // SAFETY: step `first + (i + j)·every` is a kept step below `count`, inside `st` (the caller's
        // contract).
        let r: [__m512d; 8] =
            std::array::from_fn(|j| unsafe { _mm512_loadu_pd(st.as_ptr().add((first + (i + j) * every) * WIDE)) });
        for (b, v) in transpose(r).into_iter().enumerate() {
            // SAFETY: `lane` holds eight f64.
            unsafe { _mm512_storeu_pd(lane.as_mut_ptr(), v) };
            for (d, &x) in dst[b][i..i + 8].iter_mut().zip(&lane) {
                *d = f(x);
            }
        }
    }
    for i in whole..count {
        for (b, d) in dst.iter_mut().enumerate() {
            d[i] = f(st[(first + i * every) * WIDE + b]);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::sosfilt_blocks::{LANES, zero_state_lanes};

    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = seispool_testkit::Rng(seed);
        (0..n)
            .map(|i| 300.0 + 1e3 * (rng.next_f64() - 0.5) + 1e-3 * i as f64)
            .collect()
    }

    /// Lane `b` of the interleaved `buf`, steps `lo .. hi`.
    fn lane(buf: &[f64], b: usize, lo: usize, hi: usize) -> Vec<f64> {
        (lo..hi).map(|t| buf[t * WIDE + b]).collect()
    }

    /// Each of the eight lanes against the four-lane kernel run over the same lane (which
    /// `sosfilt_blocks`' tests hold within 2e-13 of max of SciPy's recurrence): the same bits, for 1
    /// to 8 sections (one group, two groups with the chunk between them, the five- and six-section
    /// groups of `decimate`'s Chebyshev II), forwards and backwards, over steps that start and end
    /// inside the buffer and are not a multiple of the chunk; the steps outside are not touched.
    #[test]
    fn lanes_give_the_bits_of_the_four_lane_kernel() {
        if !available() {
            eprintln!("skipped: the CPU lacks AVX-512F, so the wide lanes never run here");
            return;
        }
        let all = crate::sosfilt_blocks::tests::ten_sections();
        let (steps, lo, hi) = (3 * CHUNK + 77, 13, 3 * CHUNK + 70);
        let buf = noise(steps * WIDE, 0x51DE_0008);
        for n in 1..=8 {
            for first in [0, 10 - n] {
                let sections = &all[first..first + n];
                for rev in [false, true] {
                    let mut got = buf.clone();
                    let ran = if rev {
                        crate::sosfilt_blocks::zero_state_wide::<true>(sections, &mut got, lo, hi)
                    } else {
                        crate::sosfilt_blocks::zero_state_wide::<false>(sections, &mut got, lo, hi)
                    };
                    assert!(ran, "{n} sections: refused");
                    // The four-lane kernel over lanes 0–3, then 4–7, each as one contiguous run.
                    for half in 0..2 {
                        let mut four: Vec<f64> =
                            (0..LANES).flat_map(|b| lane(&buf, half * LANES + b, lo, hi)).collect();
                        if rev {
                            zero_state_lanes::<true>(sections, &mut four, hi - lo, 0, hi - lo);
                        } else {
                            zero_state_lanes::<false>(sections, &mut four, hi - lo, 0, hi - lo);
                        }
                        for b in 0..LANES {
                            let want = &four[b * (hi - lo)..(b + 1) * (hi - lo)];
                            let have = lane(&got, half * LANES + b, lo, hi);
                            assert!(
                                have.iter().zip(want).all(|(h, w)| h.to_bits() == w.to_bits()),
                                "{n} sections from {first}, rev {rev}: lane {} differs",
                                half * LANES + b
                            );
                        }
                    }
                    assert_eq!(&got[..lo * WIDE], &buf[..lo * WIDE], "before the steps");
                    assert_eq!(&got[hi * WIDE..], &buf[hi * WIDE..], "after the steps");
                }
            }
        }
    }

    /// The transposes against the plain loops: rows of 0 to 21 steps (whole groups of eight and every
    /// tail) into steps, and kept steps back out at every spacing 1 ..= 5 from every first step.
    #[test]
    fn interleave_and_deinterleave_move_each_value_to_its_place() {
        if !available() {
            eprintln!("skipped: the CPU lacks AVX-512F");
            return;
        }
        let data = noise(WIDE * 64, 0x7A45_0005);
        for len in 0..=21 {
            let rows: [&[f64]; WIDE] = std::array::from_fn(|b| &data[b * 64..b * 64 + len + b]);
            let mut out = vec![f64::NAN; len * WIDE];
            crate::sosfilt_blocks::interleave(rows, &mut out);
            for t in 0..len {
                for b in 0..WIDE {
                    assert_eq!(
                        out[t * WIDE + b].to_bits(),
                        rows[b][t].to_bits(),
                        "len {len}: step {t} lane {b}"
                    );
                }
            }
        }
        let st = noise(WIDE * 60, 0x7A45_0006);
        for every in 1..=5 {
            for first in 0..6usize {
                let most = (60 - first).div_ceil(every);
                for count in [0, 1, 7, 8, 9, most] {
                    let mut got = vec![vec![0.0f32; count + 2]; WIDE];
                    let mut it = got.iter_mut();
                    let dst = std::array::from_fn(|_| it.next().unwrap().as_mut_slice());
                    crate::sosfilt_blocks::deinterleave(&st, first, every, count, dst, |v| v as f32);
                    for (b, g) in got.iter().enumerate() {
                        let want: Vec<f32> = (0..count).map(|i| st[(first + i * every) * WIDE + b] as f32).collect();
                        assert_eq!(
                            &g[..count],
                            &want[..],
                            "every {every} first {first} count {count} lane {b}"
                        );
                        assert_eq!(&g[count..], &[0.0, 0.0], "past count");
                    }
                }
            }
        }
    }

    /// Each lane's value is the detrended sample `x − (ym + slope · dx)`, times its window's factor
    /// for a tapered lane, rounded after every operation (never fused), at its step and lane: every
    /// tail length, integers at both ends of i32, abscissae on both sides of the mean.
    #[test]
    fn interleave_line_puts_each_detrended_sample_in_its_place() {
        if !available() {
            eprintln!("skipped: the CPU lacks AVX-512F");
            return;
        }
        let mut rng = seispool_testkit::Rng(0x7A45_0007);
        let ints: Vec<i32> = (0..WIDE * 64)
            .map(|i| match i % 29 {
                0 => i32::MIN,
                1 => i32::MAX,
                _ => ((rng.next_f64() - 0.5) * 2e9) as i32,
            })
            .collect();
        let (ym, slope) = (-1_234.567_891_234, 0.001_234_567_891_3);
        let dx0: [f64; WIDE] = std::array::from_fn(|b| b as f64 * 977.0 - 4_320_000.5);
        let factors: Vec<f64> = (0..WIDE * 32).map(|i| (i as f64 * 0.37).sin().abs()).collect();
        for len in 0..=21 {
            let src: [&[i32]; WIDE] = std::array::from_fn(|b| &ints[b * 64..b * 64 + len + b]);
            // Lanes 1, 4 and 6 tapered.
            let windows: [Option<&[f64]>; WIDE] =
                std::array::from_fn(|b| [1, 4, 6].contains(&b).then(|| &factors[b * 32..b * 32 + len]));
            let mut out = vec![f64::NAN; len * WIDE];
            crate::sosfilt_blocks::interleave_line(src, windows, dx0, ym, slope, &mut out);
            for t in 0..len {
                for b in 0..WIDE {
                    let dx = dx0[b] + t as f64;
                    let v = f64::from(src[b][t]) - (ym + slope * dx);
                    let want = windows[b].map_or(v, |w| v * w[t]);
                    assert_eq!(
                        out[t * WIDE + b].to_bits(),
                        want.to_bits(),
                        "len {len}: step {t} lane {b}"
                    );
                }
            }
        }
    }
}
