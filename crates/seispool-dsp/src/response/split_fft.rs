//! The FFT deconvolution of `remove_response` (`irfft(rfft(x, n) · m, n)`) as a four-step FFT with
//! small factor lengths, on one or more scoped threads.
//!
//! For a 6-hour 100 Hz trace `nfft` is 4 320 000. realfft plans a forward and an inverse complex FFT
//! of `M = nfft/2` points, computing ~`2·M` twiddles with a `sin_cos` each and faulting in their
//! tables; that planning cost more than the two transforms. Here the length-`M` complex FFT of the
//! packed real signal (`z[m] = x[2m] + i·x[2m+1]`) is split as `M = N1·N2` (both near `√M`):
//!
//! * forward: FFTs of length `N1` down the columns of the `N1 × N2` row-major `z` into one work
//!   buffer stored column-major, a twiddle `W_M^(n2·k1)`, then FFTs of length `N2` along its rows in
//!   place (a few rows at a time through a small buffer), which leaves `Z[k]` at `k`: natural order;
//! * per pair of bins `(k, M-k)`: unpack the real FFT, multiply by the response multiplier, pack
//!   again for the inverse (ObsPy's Nyquist modulus and numpy's dropped DC imaginary part included);
//! * inverse: the same steps backwards, ending in natural order.
//!
//! Only the plans of lengths `N1` and `N2` are made (microseconds) and the twiddles come from two
//! small tables (`W^j = coarse[j >> 11] · fine[j & 2047]`, both from `sin_cos`, error ~1e-16).
//! One work buffer of `M` values serves the whole deconvolution (a second one cost 35 MB of fresh
//! pages on a 6-hour trace). Every step splits over threads as disjoint slices: whole columns, or
//! for the row FFTs the same band of rows of every column (`std::thread::scope`: the threads end
//! with the call).

use std::f64::consts::PI;
use std::sync::Arc;

use num_complex::Complex64 as C;
use rustfft::{Fft, FftPlanner};

/// Columns (or rows) gathered together, so a strided access reads whole cache lines.
const GROUP: usize = 16;
/// Rows gathered together by the in-place row FFTs: 8 values (two cache lines) per column, a
/// buffer of `8·N2` values that stays in L2.
const ROW_GROUP: usize = 8;
const FINE_BITS: usize = 11;
const FINE: usize = 1 << FINE_BITS;

/// `W_N^j = exp(-2πi·j/N)` for `0 <= j < N` from a coarse and a fine table.
struct Twiddles {
    coarse: Vec<C>,
    fine: Vec<C>,
}

impl Twiddles {
    fn new(n: usize) -> Twiddles {
        let w = |j: usize| {
            let (s, c) = (-2.0 * PI * (j as f64 / n as f64)).sin_cos();
            C::new(c, s)
        };
        Twiddles {
            coarse: (0..=(n >> FINE_BITS)).map(|c| w(c << FINE_BITS)).collect(),
            fine: (0..FINE.min(n)).map(w).collect(),
        }
    }

    #[inline]
    fn at(&self, j: usize) -> C {
        self.coarse[j >> FINE_BITS] * self.fine[j & (FINE - 1)]
    }
}

/// The split plan for one `nfft`.
pub(crate) struct SplitFft {
    nfft: usize,
    n1: usize,
    n2: usize,
    f1: Arc<dyn Fft<f64>>,
    i1: Arc<dyn Fft<f64>>,
    f2: Arc<dyn Fft<f64>>,
    i2: Arc<dyn Fft<f64>>,
    /// `W_nfft^j`.
    tw: Twiddles,
}

impl SplitFft {
    /// The plan for an even `nfft` whose half has a divisor pair with the smaller at least 16;
    /// `None` otherwise (the caller then uses one realfft transform).
    pub(crate) fn new(nfft: usize) -> Option<SplitFft> {
        if !nfft.is_multiple_of(2) || nfft < 1024 {
            return None;
        }
        let m = nfft / 2;
        let mut n1 = (m as f64).sqrt() as usize;
        while n1 > 1 && !m.is_multiple_of(n1) {
            n1 -= 1;
        }
        if n1 < 16 {
            return None;
        }
        let n2 = m / n1;
        let mut p = FftPlanner::new();
        Some(SplitFft {
            nfft,
            n1,
            n2,
            f1: p.plan_fft_forward(n1),
            i1: p.plan_fft_inverse(n1),
            f2: p.plan_fft_forward(n2),
            i2: p.plan_fft_inverse(n2),
            tw: Twiddles::new(nfft),
        })
    }

    /// The FFT length.
    pub(crate) fn nfft(&self) -> usize {
        self.nfft
    }

    /// `(N1, N2)`.
    pub(crate) fn factors(&self) -> (usize, usize) {
        (self.n1, self.n2)
    }

    /// `data ← irfft(rfft(data, nfft) · mult, nfft)[..len]` with `mult` of `nfft/2 + 1` values, numpy's
    /// and ObsPy's conventions: the product's DC imaginary part dropped, its Nyquist value replaced by
    /// its modulus. `a` is the work buffer (resized to `nfft/2`; keep it for the next call),
    /// `threads >= 1`.
    pub(crate) fn deconvolve(&self, data: &mut [f64], mult: &[C], a: &mut Vec<C>, threads: usize) {
        let (n1, n2) = (self.n1, self.n2);
        let m = n1 * n2;
        debug_assert!(data.len() <= self.nfft && mult.len() == m + 1);
        let threads = threads.max(1);
        if a.len() != m {
            if a.capacity() < m {
                *a = seispool_core::with_capacity_huge(m);
            }
            a.resize(m, C::new(0.0, 0.0));
        }
        // F1: columns of z (read from data, zero-padded) → A column-major, twiddled.
        {
            let x: &[f64] = data;
            par_chunks(a, n1 * GROUP, threads, |first, chunk| {
                self.forward_columns(x, first * GROUP, chunk)
            });
        }
        // F2: FFTs along A's rows, in place: A[k2·N1 + k1] = Z[k1 + N1·k2], the natural order.
        self.rows_in_place(a, threads, false);
        // P: bin pairs (k, M-k).
        self.pairs(a, mult, threads);
        // I2: inverse FFTs along the rows and twiddles, in place.
        self.rows_in_place(a, threads, true);
        // I1: inverse FFTs down the columns (A[n2·N1 + n1] = M·z[n1·N2 + n2]).
        par_chunks(a, n1 * GROUP, threads, |_, chunk| {
            let mut scratch = vec![C::new(0.0, 0.0); self.i1.get_inplace_scratch_len()];
            self.i1.process_with_scratch(chunk, &mut scratch);
        });
        // O: A → data in natural order, scaled by 1/M.
        {
            let a: &[C] = a;
            let scale = 1.0 / m as f64;
            par_chunks(data, 2 * n2 * GROUP, threads, |first, chunk| {
                for (r, row) in chunk.chunks_mut(2 * n2).enumerate() {
                    let n1i = first * GROUP + r;
                    for (c, pair) in row.chunks_mut(2).enumerate() {
                        let v = a[c * n1 + n1i];
                        pair[0] = v.re * scale;
                        if let Some(odd) = pair.get_mut(1) {
                            *odd = v.im * scale;
                        }
                    }
                }
            });
        }
    }

    /// Columns `col0..` of the packed real signal, FFT'd and twiddled, into `out` (`GROUP` columns of
    /// `N1` per `N1·GROUP` chunk).
    fn forward_columns(&self, x: &[f64], col0: usize, out: &mut [C]) {
        let (n1, n2) = (self.n1, self.n2);
        let cols = out.len() / n1;
        for r in 0..n1 {
            for c in 0..cols {
                let i = 2 * (r * n2 + col0 + c);
                let re = x.get(i).copied().unwrap_or(0.0);
                let im = x.get(i + 1).copied().unwrap_or(0.0);
                out[c * n1 + r] = C::new(re, im);
            }
        }
        let mut scratch = vec![C::new(0.0, 0.0); self.f1.get_inplace_scratch_len()];
        self.f1.process_with_scratch(out, &mut scratch);
        for (c, col) in out.chunks_mut(n1).enumerate() {
            let step = 2 * (col0 + c);
            for (k1, v) in col.iter_mut().enumerate().skip(1) {
                *v *= self.tw.at(step * k1);
            }
        }
    }

    /// The length-`N2` FFTs along the rows of the column-major `a` (row `k1` = `a[c·N1 + k1]` over
    /// `c`), in place: forward, or inverse followed by the twiddle `W_M^(-n2·k1)`. Each thread owns a
    /// band of rows, i.e. the same slice of every column, so the bands are disjoint borrows; `ROW_GROUP`
    /// rows at a time are gathered into a small buffer (whole cache lines per column), transformed
    /// and scattered back.
    fn rows_in_place(&self, a: &mut [C], threads: usize, inverse: bool) {
        let n1 = self.n1;
        let per = n1.div_ceil(threads).div_ceil(ROW_GROUP).max(1) * ROW_GROUP;
        let bands = n1.div_ceil(per);
        let mut slices: Vec<Vec<&mut [C]>> = (0..bands).map(|_| Vec::with_capacity(self.n2)).collect();
        for col in a.chunks_mut(n1) {
            let mut rest = col;
            for band in slices.iter_mut() {
                let (head, tail) = rest.split_at_mut(per.min(rest.len()));
                band.push(head);
                rest = tail;
            }
        }
        let run = |b: usize, cols: Vec<&mut [C]>| self.row_band(cols, b * per, inverse);
        if bands <= 1 || threads <= 1 {
            for (b, cols) in slices.into_iter().enumerate() {
                run(b, cols);
            }
            return;
        }
        std::thread::scope(|s| {
            let mut it = slices.into_iter().enumerate();
            let first = it.next();
            for (b, cols) in it {
                let run = &run;
                s.spawn(move || run(b, cols));
            }
            if let Some((b, cols)) = first {
                run(b, cols);
            }
        });
    }

    /// Rows `row0..row0 + cols[0].len()` of [`SplitFft::rows_in_place`], `cols[c]` being column `c`'s
    /// part of them.
    fn row_band(&self, mut cols: Vec<&mut [C]>, row0: usize, inverse: bool) {
        let n2 = self.n2;
        let rows = cols.first().map_or(0, |c| c.len());
        let plan = if inverse { &self.i2 } else { &self.f2 };
        let mut scratch = vec![C::new(0.0, 0.0); plan.get_inplace_scratch_len()];
        let mut buf = vec![C::new(0.0, 0.0); ROW_GROUP * n2];
        for g0 in (0..rows).step_by(ROW_GROUP) {
            let g = ROW_GROUP.min(rows - g0);
            let buf = &mut buf[..g * n2];
            for (c, col) in cols.iter().enumerate() {
                for (r, v) in col[g0..g0 + g].iter().enumerate() {
                    buf[r * n2 + c] = *v;
                }
            }
            plan.process_with_scratch(buf, &mut scratch);
            if inverse {
                for (r, row) in buf.chunks_mut(n2).enumerate() {
                    let k1 = row0 + g0 + r;
                    if k1 != 0 {
                        for (q, v) in row.iter_mut().enumerate().skip(1) {
                            *v *= self.tw.at(2 * q * k1).conj();
                        }
                    }
                }
            }
            for (c, col) in cols.iter_mut().enumerate() {
                for (r, v) in col[g0..g0 + g].iter_mut().enumerate() {
                    *v = buf[r * n2 + c];
                }
            }
        }
    }

    /// The bins in natural order: `Z[0]` (DC and Nyquist of the real FFT) alone, then the pairs
    /// `(k, M-k)`, `k` from both ends towards the middle, split over the threads as matching chunks
    /// from the front of the lower half and the back of the upper half.
    fn pairs(&self, a: &mut [C], mult: &[C], threads: usize) {
        let m = self.n1 * self.n2;
        let z0 = a[0];
        let dc = (C::new(z0.re + z0.im, 0.0) * mult[0]).re;
        let nyq = (C::new(z0.re - z0.im, 0.0) * mult[m]).norm();
        a[0] = C::new(0.5 * (dc + nyq), 0.5 * (dc - nyq));
        let half = (m - 1) / 2;
        let (low, rest) = a[1..].split_at_mut(half);
        let (mid, high) = rest.split_at_mut(rest.len() - half);
        if let Some(v) = mid.first_mut() {
            // M even: the bin M/2 pairs with itself (both halves of `pair` agree).
            *v = self.pair(*v, *v, m / 2, mult).0;
        }
        let per = half.div_ceil(threads).max(1);
        let run = |first: usize, lo: &mut [C], hi: &mut [C]| {
            let n = hi.len();
            for (i, lv) in lo.iter_mut().enumerate() {
                let k = 1 + first + i;
                let (p, q) = self.pair(*lv, hi[n - 1 - i], k, mult);
                *lv = p;
                hi[n - 1 - i] = q;
            }
        };
        if threads <= 1 || half <= per {
            run(0, low, high);
            return;
        }
        std::thread::scope(|s| {
            let mut parts = low.chunks_mut(per).zip(high.rchunks_mut(per)).enumerate();
            let first = parts.next();
            for (t, (lo, hi)) in parts {
                let run = &run;
                s.spawn(move || run(t * per, lo, hi));
            }
            if let Some((_, (lo, hi))) = first {
                run(0, lo, hi);
            }
        });
    }

    /// From `Z[k]` and `Z[M-k]` (`k` not 0): the packed inverse input for both, after multiplying
    /// the real FFT's `X[k]` by `mult[k]` and `X[M-k]` by `mult[M-k]`. With `k = M-k` both halves
    /// describe the same bin and agree.
    #[inline]
    fn pair(&self, zk: C, zmk: C, k: usize, mult: &[C]) -> (C, C) {
        let m = self.n1 * self.n2;
        let w = self.tw.at(k);
        let zc = zmk.conj();
        let e = (zk + zc) * 0.5;
        let d = (zk - zc) * 0.5;
        // O = d / i = -i·d
        let o = C::new(d.im, -d.re);
        let wo = w * o;
        let xk = (e + wo) * mult[k];
        let xmk = (e - wo).conj() * mult[m - k];
        let xmc = xmk.conj();
        let e2 = (xk + xmc) * 0.5;
        let o2 = (xk - xmc) * 0.5 * w.conj();
        // Z'[k] = E' + i·O', Z'[M-k] = conj(E') + i·conj(O').
        let io2 = C::new(-o2.im, o2.re);
        let zk2 = e2 + io2;
        let zmk2 = e2.conj() + C::new(o2.im, o2.re);
        (zk2, zmk2)
    }
}

/// Runs `f(first_chunk_index, slice)` over `buf` cut into pieces of whole `chunk`s, one piece per
/// thread (scoped threads; the caller's thread takes the first piece).
fn par_chunks<T: Send>(buf: &mut [T], chunk: usize, threads: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let chunks = buf.len().div_ceil(chunk);
    let per = chunks.div_ceil(threads.max(1)).max(1);
    if threads <= 1 || chunks <= 1 {
        for (i, c) in buf.chunks_mut(chunk).enumerate() {
            f(i, c);
        }
        return;
    }
    std::thread::scope(|s| {
        let mut pieces = buf.chunks_mut(per * chunk).enumerate();
        let first = pieces.next();
        for (p, piece) in pieces {
            let f = &f;
            s.spawn(move || {
                for (i, c) in piece.chunks_mut(chunk).enumerate() {
                    f(p * per + i, c);
                }
            });
        }
        if let Some((_, piece)) = first {
            for (i, c) in piece.chunks_mut(chunk).enumerate() {
                f(i, c);
            }
        }
    });
}
