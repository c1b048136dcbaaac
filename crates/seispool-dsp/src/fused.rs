//! `detrend("linear")`, optionally `taper(...)`, then `filter(...)` of integer samples in fewer
//! passes over memory (issue 13): the filter's forward pass reads the integers and computes each
//! detrended, tapered input sample as it goes, writing only its output. Bit-identical to running
//! [`crate::detrend_linear_i32`], [`crate::TaperPlan::apply`] and [`crate::FilterPlan::apply`]
//! one after the other on the same CPU path (tests/detrend_taper_filter_fused.rs).

use std::mem::MaybeUninit;
use std::ops::Range;

use crate::detrend::LineFit;
use crate::filter::{FilterError, FilterPlan};
use crate::sosfilt;
use crate::sosfilt_blocks;
use crate::taper::TaperPlan;

/// The input the fused forward pass filters: sample `i` is the linearly detrended `src[i]`
/// ([`LineFit::value`]), times the taper's factor on its flanks.
pub(crate) struct FusedInput<'a> {
    /// The integer samples.
    pub(crate) src: &'a [i32],
    /// The line [`crate::detrend_linear_i32`] subtracts.
    pub(crate) fit: LineFit,
    /// Factors of the first `left.len()` samples.
    left: &'a [f64],
    /// Factors of the last `right.len()` samples.
    right: &'a [f64],
}

impl<'a> FusedInput<'a> {
    /// Panics if `taper` is for another length.
    pub(crate) fn new(src: &'a [i32], taper: Option<&'a TaperPlan>) -> FusedInput<'a> {
        if let Some(t) = taper {
            assert_eq!(
                t.npts(),
                src.len(),
                "taper plan for {} samples, trace of {}",
                t.npts(),
                src.len()
            );
        }
        let (left, right) = taper.map_or((&[][..], &[][..]), |t| (t.left(), t.right()));
        FusedInput {
            src,
            fit: LineFit::of_i32(src),
            left,
            right,
        }
    }

    /// Number of samples.
    pub(crate) fn len(&self) -> usize {
        self.src.len()
    }

    /// Where the right flank starts.
    fn right_start(&self) -> usize {
        self.src.len() - self.right.len()
    }

    /// The taper factor of sample `i`, `None` between the flanks.
    #[inline]
    pub(crate) fn factor(&self, i: usize) -> Option<f64> {
        if i < self.left.len() {
            Some(self.left[i])
        } else if i >= self.right_start() {
            self.right.get(i - self.right_start()).copied()
        } else {
            None
        }
    }

    /// The samples between the flanks (no factor to apply), as `(start, end)`.
    pub(crate) fn plain_range(&self) -> (usize, usize) {
        (self.left.len(), self.right_start())
    }

    /// Writes input samples `r` into `out` (`r.len()` long), initialising all of it: the left
    /// flank, the plain middle and the right flank each in one vectorised run.
    pub(crate) fn fill(&self, r: Range<usize>, out: &mut [MaybeUninit<f64>]) {
        let (a, b) = (r.start, r.end);
        assert_eq!(out.len(), b - a, "fill of {a}..{b} into {} values", out.len());
        let (l, rs) = (self.left.len(), self.right_start());
        let mut run = |lo: usize, hi: usize, window: Option<&[f64]>| {
            if lo < hi {
                self.fit.write(&self.src[lo..hi], lo, window, &mut out[lo - a..hi - a]);
            }
        };
        let (lo, hi) = (a, b.min(l));
        run(lo, hi, self.left.get(lo..hi));
        run(a.max(l), b.min(rs), None);
        let (lo, hi) = (a.max(rs), b);
        run(lo, hi, self.right.get(lo.saturating_sub(rs)..hi.saturating_sub(rs)));
    }

    /// Input samples `starts[b] ..` of lane `b` into the interleaved steps `out` (`out.len() / WIDE`
    /// steps, see [`sosfilt_blocks::interleave_line`]), the values [`FusedInput::fill`] gives, when
    /// each lane's samples lie in one part of the trace: a flank or between them; otherwise (a lane
    /// across a flank's end or outside the trace) false, and nothing is written.
    pub(crate) fn fill_interleaved(&self, starts: [isize; sosfilt_blocks::WIDE], out: &mut [f64]) -> bool {
        let len = out.len() / sosfilt_blocks::WIDE;
        let (l, rs) = self.plain_range();
        // Lane `b`'s samples and window: `None` when they span parts (or leave the trace).
        let part = |s: isize| -> Option<(&[i32], Option<&[f64]>)> {
            let s = usize::try_from(s).ok()?;
            let e = s.checked_add(len).filter(|&e| e <= self.src.len())?;
            let window = if e <= l {
                Some(&self.left[s..e])
            } else if s >= rs {
                Some(&self.right[s - rs..e - rs])
            } else if s >= l && e <= rs {
                None
            } else {
                return None;
            };
            Some((&self.src[s..e], window))
        };
        let parts = starts.map(part);
        if self.fit.zero || parts.iter().any(Option::is_none) {
            return false;
        }
        let src = parts.map(|p| p.map_or(&[][..], |(src, _)| src));
        let windows = parts.map(|p| p.and_then(|(_, w)| w));
        let dx0 = starts.map(|s| s as f64 - self.fit.xm);
        sosfilt_blocks::interleave_line(src, windows, dx0, self.fit.ym, self.fit.slope, out);
        true
    }

    /// All input samples into `out` (cleared first), never zero-filled in between.
    fn fill_vec(&self, out: &mut Vec<f64>) {
        let n = self.len();
        out.clear();
        out.reserve_exact(n);
        self.fill(0..n, &mut out.spare_capacity_mut()[..n]);
        #[allow(unsafe_code)]
        // SAFETY: `fill` initialised all `n` values of the spare capacity.
        unsafe {
            out.set_len(n);
        }
    }
}

/// `detrend_linear_i32(src)`, then `taper.apply` (when given), then `filter.apply`, into `out`
/// (cleared first): the same bits, in fewer passes. The trend's sums read the integers once; then,
/// where the AVX2 + FMA lanes apply, the filter's forward pass reads the integers again and
/// writes its output (the detrended, tapered input is computed in registers, never stored).
/// Elsewhere (short traces, cascades the lanes do not take, other CPUs) the detrended, tapered
/// samples are written in one pass and filtered in place as [`FilterPlan::apply`] does. A
/// zero-phase filter's backward pass then runs in place as usual.
///
/// Errs as [`FilterPlan::apply`] does (no samples). Panics if `taper` is for another length.
pub fn detrend_taper_filter_i32(
    src: &[i32],
    taper: Option<&TaperPlan>,
    filter: &FilterPlan,
    out: &mut Vec<f64>,
) -> Result<(), FilterError> {
    if src.is_empty() {
        return Err(FilterError::EmptyData);
    }
    let input = FusedInput::new(src, taper);
    let sections = filter.sos().sections();
    if !sosfilt_blocks::try_run_fused(sections, &input, out) {
        input.fill_vec(out);
        sosfilt::pass::<false>(sections, out);
    }
    if filter.zerophase() {
        sosfilt::pass::<true>(sections, out);
    }
    Ok(())
}
