//! The FFT deconvolution of `remove_response` (`irfft(rfft(x, n) · m, n)`) as a four-step FFT with
//! small factor lengths, on one or more scoped threads.
//!
//! For a 6-hour 100 Hz trace `nfft` is 4 320 000. realfft plans a forward and an inverse complex FFT
//! of `M = nfft/2` points, computing ~`2·M` twiddles with a `sin_cos` each and faulting in their
//! tables; that planning cost more than the two transforms. Here the length-`M` complex FFT of the
//! packed real signal (`z[m] = x[2m] + i·x[2m+1]`) is split as `M = N1·N2` (both near `√M`):
//!
//! * forward: FFTs of length `N1` down the columns of the `N1 × N2` row-major `z`, a twiddle
//!   `W_M^(n2·k1)`, FFTs of length `N2` along the rows, giving `Z[k1 + N1·k2]` at `k1·N2 + k2`
//!   (the spectrum "transposed");
//! * per pair of bins `(k, M-k)`, which sit in rows `k1` and `N1-k1`: unpack the real FFT, multiply
//!   by the response multiplier, pack again for the inverse (ObsPy's Nyquist modulus and numpy's
//!   dropped DC imaginary part included);
//! * inverse: the same steps backwards, ending in natural order.
//!
//! Only the plans of lengths `N1` and `N2` are made (microseconds) and the twiddles come from two
//! small tables (`W^j = coarse[j >> 11] · fine[j & 2047]`, both from `sin_cos`, error ~1e-16).
//! Every step writes contiguous rows or columns of one of two work buffers, so it splits over
//! threads as disjoint slices (`std::thread::scope`: the threads end with the call).

use std::f64::consts::PI;
use std::sync::Arc;

use num_complex::Complex64 as C;
use rustfft::{Fft, FftPlanner};

/// Columns (or rows) gathered together, so a strided access reads whole cache lines.
const GROUP: usize = 16;
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
    /// its modulus. `a` and `b` are work buffers (resized to `nfft/2`), `threads >= 1`.
    pub(crate) fn deconvolve(&self, data: &mut [f64], mult: &[C], a: &mut Vec<C>, b: &mut Vec<C>, threads: usize) {
        let (n1, n2) = (self.n1, self.n2);
        let m = n1 * n2;
        debug_assert!(data.len() <= self.nfft && mult.len() == m + 1);
        let threads = threads.max(1);
        for w in [&mut *a, &mut *b] {
            if w.capacity() < m {
                *w = seispool_core::with_capacity_huge(m);
            }
            w.resize(m, C::new(0.0, 0.0));
        }
        // F1: columns of z (read from data, zero-padded) → A column-major, twiddled.
        {
            let x: &[f64] = data;
            par_chunks(a, n1 * GROUP, threads, |first, chunk| {
                self.forward_columns(x, first * GROUP, chunk)
            });
        }
        // F2: rows of A's transpose → B rows (B[k1·N2 + k2] = Z[k1 + N1·k2]).
        {
            let a: &[C] = a;
            par_chunks(b, n2 * GROUP, threads, |first, chunk| {
                self.forward_rows(a, first * GROUP, chunk)
            });
        }
        // P + I2: bin pairs (rows k1 and N1-k1), then the row inverse FFTs and twiddles.
        self.pairs_and_inverse_rows(b, mult, threads);
        // I1: inverse FFTs down the columns of B → A column-major (A[n2·N1 + n1] = M·z[n1·N2 + n2]).
        {
            let b: &[C] = b;
            par_chunks(a, n1 * GROUP, threads, |first, chunk| {
                self.inverse_columns(b, first * GROUP, chunk)
            });
        }
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

    /// Rows `row0..` of B: for each `k1`, the FFT over `n2` of `A[n2·N1 + k1]`.
    fn forward_rows(&self, a: &[C], row0: usize, out: &mut [C]) {
        let (n1, n2) = (self.n1, self.n2);
        let rows = out.len() / n2;
        for c in 0..n2 {
            let src = &a[c * n1 + row0..c * n1 + row0 + rows];
            for (r, v) in src.iter().enumerate() {
                out[r * n2 + c] = *v;
            }
        }
        let mut scratch = vec![C::new(0.0, 0.0); self.f2.get_inplace_scratch_len()];
        self.f2.process_with_scratch(out, &mut scratch);
    }

    /// The inverse of [`SplitFft::forward_columns`] from B's rows: A's columns `col0..` become `M·z`.
    fn inverse_columns(&self, b: &[C], col0: usize, out: &mut [C]) {
        let (n1, n2) = (self.n1, self.n2);
        let cols = out.len() / n1;
        for r in 0..n1 {
            let src = &b[r * n2 + col0..r * n2 + col0 + cols];
            for (c, v) in src.iter().enumerate() {
                out[c * n1 + r] = *v;
            }
        }
        let mut scratch = vec![C::new(0.0, 0.0); self.i1.get_inplace_scratch_len()];
        self.i1.process_with_scratch(out, &mut scratch);
    }

    /// Splits B into row 0 plus the pairs `(k1, N1-k1)`: the outer pairs `1..h` with their partners
    /// on one thread, the middle rows on another.
    fn pairs_and_inverse_rows(&self, b: &mut [C], mult: &[C], threads: usize) {
        let (n1, n2) = (self.n1, self.n2);
        // Rows 1..h pair with rows N1-h+1..N1; rows h..=N1-h pair among themselves.
        let h = if threads > 1 { (n1 / 4).max(1) } else { n1.div_ceil(2) };
        let (row0, rest) = b.split_at_mut(n2);
        let (low, rest) = rest.split_at_mut((h - 1) * n2);
        let (mid, high) = rest.split_at_mut((n1 + 1 - 2 * h) * n2);
        let outer = |row0: &mut [C], low: &mut [C], high: &mut [C]| {
            self.row_zero(row0, mult);
            self.inverse_rows(row0, 0);
            self.row_pairs(low, 1, high, mult);
        };
        let middle = |mid: &mut [C]| {
            // Rows h..=N1-h: split in the middle (the self-paired row N1/2 of an even N1 included).
            let count = mid.len() / n2;
            let half = count / 2;
            let (lo, hi) = mid.split_at_mut(half * n2);
            self.row_pairs(lo, h, hi, mult);
        };
        if threads > 1 {
            std::thread::scope(|s| {
                s.spawn(|| middle(mid));
                outer(row0, low, high);
            });
        } else {
            outer(row0, low, high);
            middle(mid);
        }
    }

    /// Row 0 holds `Z[N1·k2]`: `k2 = 0` (DC and Nyquist) and the pairs `(k2, N2-k2)` in the same row.
    fn row_zero(&self, row: &mut [C], mult: &[C]) {
        let (n1, n2) = (self.n1, self.n2);
        let m = n1 * n2;
        let z0 = row[0];
        let dc = (C::new(z0.re + z0.im, 0.0) * mult[0]).re;
        let nyq = (C::new(z0.re - z0.im, 0.0) * mult[m]).norm();
        row[0] = C::new(0.5 * (dc + nyq), 0.5 * (dc - nyq));
        for k2 in 1..=n2 / 2 {
            let (k, j) = (n1 * k2, n2 - k2);
            let (p, q) = self.pair(row[k2], row[j], k, mult);
            row[k2] = p;
            row[j] = q;
        }
    }

    /// Rows `first..` of `low` paired with the rows of `high` counted from its end (`high`'s last row
    /// is `N1 - first`); a row paired with itself (`low` ending where `high` starts) is handled
    /// through `high` alone. Each row pair is then inverse-transformed.
    fn row_pairs(&self, low: &mut [C], first: usize, high: &mut [C], mult: &[C]) {
        let (n1, n2) = (self.n1, self.n2);
        let nh = high.len() / n2;
        for (r, lrow) in low.chunks_mut(n2).enumerate() {
            let k1 = first + r;
            let hrow = &mut high[(nh - 1 - r) * n2..(nh - r) * n2];
            for (k2, lv) in lrow.iter_mut().enumerate() {
                let k = k1 + n1 * k2;
                let j = n2 - 1 - k2;
                let (p, q) = self.pair(*lv, hrow[j], k, mult);
                *lv = p;
                hrow[j] = q;
            }
            self.inverse_rows(lrow, k1);
            self.inverse_rows(hrow, n1 - k1);
        }
        if nh > low.len() / n2 {
            // The self-paired row N1/2 (even N1): columns k2 and N2-1-k2 pair within it.
            let k1 = n1 / 2;
            let row = &mut high[..n2];
            for k2 in 0..n2.div_ceil(2) {
                let k = k1 + n1 * k2;
                let j = n2 - 1 - k2;
                let (p, q) = self.pair(row[k2], row[j], k, mult);
                row[k2] = p;
                row[j] = q;
            }
            self.inverse_rows(row, k1);
        }
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

    /// Inverse FFT of row `k1` over `k2` and the twiddle `W_M^(-n2·k1)`.
    fn inverse_rows(&self, row: &mut [C], k1: usize) {
        let mut scratch = vec![C::new(0.0, 0.0); self.i2.get_inplace_scratch_len()];
        self.i2.process_with_scratch(row, &mut scratch);
        if k1 != 0 {
            for (n2, v) in row.iter_mut().enumerate().skip(1) {
                *v *= self.tw.at(2 * n2 * k1).conj();
            }
        }
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
