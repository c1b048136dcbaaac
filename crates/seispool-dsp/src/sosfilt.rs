//! Applying second-order sections like `scipy.signal.sosfilt` (direct form II transposed, zero
//! initial state), with the exact operation order of SciPy's `_sosfilt` kernel so results are
//! bit-identical for identical sections.
//!
//! Each section is a recurrence whose loop-carried chain (`y → a1·y → − → + z1 → z0 → y`) is four
//! dependent floating-point operations per sample, so a sample-by-sample, section-by-section loop
//! waits on latency. The cascade is feed-forward, though: section `k` can work on sample `t − k`
//! while section `k − 1` works on sample `t − k + 1`. [`Cascade`] runs the sections in that
//! wavefront, one lane per section, so the independent chains overlap (and the lanes vectorise).
//! Every section still sees the same inputs in the same order and computes the same expressions,
//! so the output is bit-identical to the plain loop (see tests/sosfilt_bit_identity.rs).

use crate::iir::Sos;
use crate::sosfilt_blocks;

/// Sections run in one wavefront at most; longer cascades are split into consecutive groups,
/// which is the same arithmetic because each section only sees its predecessor's output.
const MAX_LANES: usize = 12;

/// `scipy.signal.sosfilt(sos, data)` in place, zero initial conditions. Long traces run in SIMD
/// lanes (see [`crate::sosfilt_blocks`]: within 1e-12 of the trace's max of SciPy's recurrence);
/// short ones, and unstable or very long cascades, take [`sosfilt_exact`].
pub fn sosfilt(sos: &Sos, data: &mut [f64]) {
    pass::<false>(sos.sections(), data);
}

/// ObsPy's `zerophase=True`: `flip(sosfilt(sos, flip(sosfilt(sos, data))))`, in place. The
/// backward pass walks the slice from the end, which is the same arithmetic without copying.
/// Each pass runs like [`sosfilt`].
pub fn sosfilt_zerophase(sos: &Sos, data: &mut [f64]) {
    pass::<false>(sos.sections(), data);
    pass::<true>(sos.sections(), data);
}

/// One pass of [`sosfilt`] in place, forwards or (`REV`) from the end: in lanes when they apply,
/// else the exact kernel.
pub(crate) fn pass<const REV: bool>(sections: &[[f64; 6]], data: &mut [f64]) {
    if !sosfilt_blocks::try_run::<REV>(sections, data) {
        run::<REV>(sections, data, 1);
    }
}

/// [`sosfilt`] with SciPy's exact recurrence at every length: bit-identical to
/// `scipy.signal.sosfilt` (see tests/sosfilt_bit_identity.rs).
pub fn sosfilt_exact(sos: &Sos, data: &mut [f64]) {
    run::<false>(sos.sections(), data, 1);
}

/// [`sosfilt_zerophase`] with SciPy's exact recurrence at every length.
pub fn sosfilt_zerophase_exact(sos: &Sos, data: &mut [f64]) {
    run::<false>(sos.sections(), data, 1);
    run::<true>(sos.sections(), data, 1);
}

/// `sosfilt(sos, data)[::factor]` in place (what `Trace.decimate` does after its anti-alias filter).
/// Long traces filter in lanes like [`sosfilt`]: with AVX2 and FMA the lanes store only the kept
/// samples ([`sosfilt_blocks::try_run_keep`]), in the portable build every sample and then a pass
/// keeps every `factor`-th; otherwise every sample still goes through the exact recurrences, but
/// the outputs land straight in their decimated slots, so no separate copying pass follows.
/// Truncates `data` to the `ceil(len / factor)` kept samples. `factor` must be at least 1.
pub(crate) fn sosfilt_keep_every(sos: &Sos, data: &mut Vec<f64>, factor: usize) {
    if sosfilt_blocks::try_run_keep(sos.sections(), data, factor) {
        // Already truncated to the kept samples.
        return;
    }
    let kept = data.len().div_ceil(factor);
    if sos.sections().is_empty() {
        (0..kept).for_each(|i| data[i] = data[i * factor]);
    } else if sosfilt_blocks::try_run::<false>(sos.sections(), data) {
        (1..kept).for_each(|i| data[i] = data[i * factor]);
    } else {
        run::<false>(sos.sections(), data, factor);
    }
    data.truncate(kept);
}

/// Filters `data` (forwards, or from its end when `REV`) from the cascade state `state`
/// (`[z0, z1]` per section) with SciPy's per-sample loop: the short tail after the lanes' blocks.
pub(crate) fn run_scalar_from<const N: usize, const REV: bool>(
    sections: &[[f64; 6]],
    mut state: [[f64; 2]; N],
    data: &mut [f64],
) {
    let n = data.len();
    for t in 0..n {
        let i = if REV { n - 1 - t } else { t };
        let mut cur = data[i];
        for (s, z) in sections.iter().zip(state.iter_mut()) {
            let y = s[0] * cur + z[0];
            z[0] = s[1] * cur - s[4] * y + z[1];
            z[1] = s[2] * cur - s[5] * y;
            cur = y;
        }
        data[i] = cur;
    }
}

/// Runs all sections over `data`, forwards or (`REV`) from the end. The last group of sections
/// writes its output for the `u`-th processed sample to slot `ceil(u / every)` (see [`Slots`]).
fn run<const REV: bool>(sections: &[[f64; 6]], data: &mut [f64], every: usize) {
    let n = data.len();
    let index = move |t: usize| if REV { n - 1 - t } else { t };
    let mut groups = sections.chunks(MAX_LANES).peekable();
    while let Some(group) = groups.next() {
        // Intermediate cascade output goes back where the next group reads it.
        let every = if groups.peek().is_some() { 1 } else { every };
        dispatch(group, data, index, Slots::new(every));
    }
}

/// Runs a group of at most [`MAX_LANES`] sections with a wavefront of its width.
fn dispatch(group: &[[f64; 6]], data: &mut [f64], index: impl Fn(usize) -> usize, slots: Slots) {
    macro_rules! widths {
        ($($w:literal)*) => {
            match group.len() {
                $($w => Cascade::<$w>::new(group).run(data, index, slots),)*
                _ => {}
            }
        };
    }
    widths!(1 2 3 4 5 6 7 8 9 10 11 12);
}

/// Where output `u` goes: slot `ceil(u / every)`. The last output written to slot `j` is output
/// `j · every`, so after the pass slot `j` holds `y[j · every]` — decimation without a branch in
/// the sample loop (a branch there makes the compiler spill the filter state). Slot `≤ u`, so
/// writing it never clobbers input not yet read.
#[derive(Clone, Copy)]
struct Slots {
    every: usize,
    left: usize,
    next: usize,
}

impl Slots {
    fn new(every: usize) -> Slots {
        Slots {
            every,
            left: 0,
            next: 0,
        }
    }

    /// The slot for the next output.
    #[inline(always)]
    fn take(&mut self) -> usize {
        let slot = self.next;
        if self.left == 0 {
            self.next += 1;
            self.left = self.every;
        }
        self.left -= 1;
        slot
    }
}

/// `N` sections in structure-of-arrays form with one pipeline stage per section: `x[k]` is the
/// sample waiting to enter section `k`.
struct Cascade<const N: usize> {
    b0: [f64; N],
    b1: [f64; N],
    b2: [f64; N],
    a1: [f64; N],
    a2: [f64; N],
    z0: [f64; N],
    z1: [f64; N],
    x: [f64; N],
}

impl<const N: usize> Cascade<N> {
    /// Sections `[b0, b1, b2, a0 = 1, a1, a2]`, zero state.
    fn new(sections: &[[f64; 6]]) -> Cascade<N> {
        let column = |i: usize| std::array::from_fn(|k| sections[k][i]);
        Cascade {
            b0: column(0),
            b1: column(1),
            b2: column(2),
            a1: column(4),
            a2: column(5),
            z0: [0.0; N],
            z1: [0.0; N],
            x: [0.0; N],
        }
    }

    /// One wavefront step of sections `lo..hi` (the others are idle: not started yet or drained, so
    /// their state must stay untouched). Returns the last section's output when it is active.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // eight parallel arrays indexed by section
    fn advance(&mut self, lo: usize, hi: usize) -> f64 {
        let mut y = [0.0f64; N];
        for k in lo..hi {
            let x = self.x[k];
            // SciPy's `_sosfilt` expression order (no fused multiply-add, like its C kernel).
            y[k] = self.b0[k] * x + self.z0[k];
            self.z0[k] = self.b1[k] * x - self.a1[k] * y[k] + self.z1[k];
            self.z1[k] = self.b2[k] * x - self.a2[k] * y[k];
        }
        for k in (lo + 1..hi.min(N - 1) + 1).rev() {
            self.x[k] = y[k - 1];
        }
        y[N - 1]
    }

    /// Filters `n` samples; sample `t` enters at step `t` and leaves section `N − 1` at step
    /// `t + N − 1`. Steps outside `N − 1 .. n` have idle sections and take the masked path.
    fn run(mut self, data: &mut [f64], index: impl Fn(usize) -> usize, mut slots: Slots) {
        let n = data.len();
        if n == 0 {
            return;
        }
        let steps = n + N - 1;
        let full_from = (N - 1).min(steps);
        for t in 0..full_from {
            if t < n {
                self.x[0] = data[index(t)];
            }
            let y = self.advance((t + 1).saturating_sub(n), t.min(N - 1) + 1);
            if t + 1 >= N {
                data[index(slots.take())] = y;
            }
        }
        for t in full_from..n {
            self.x[0] = data[index(t)];
            let y = self.advance(0, N);
            data[index(slots.take())] = y;
        }
        for t in n.max(full_from)..steps {
            let y = self.advance(t + 1 - n, N);
            data[index(slots.take())] = y;
        }
    }
}
