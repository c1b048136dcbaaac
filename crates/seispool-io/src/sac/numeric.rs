//! NumPy's summation order, so that `depmen` (the data mean in the header) is bit-identical to ObsPy's.

/// NumPy's `pairwise_sum` block: below this length the sum is unrolled over 8 accumulators.
const PW_BLOCKSIZE: usize = 128;
/// NumPy's ufunc buffer size: a reduction that casts (i32 → f64) runs over chunks of this many items.
const NPY_BUFSIZE: usize = 8192;

/// Arithmetic needed by the pairwise sum.
trait Float: Copy + std::ops::Add<Output = Self> {
    const ZERO: Self;
}

impl Float for f32 {
    const ZERO: f32 = 0.0;
}

impl Float for f64 {
    const ZERO: f64 = 0.0;
}

/// NumPy's pairwise summation (`@TYPE@_pairwise_sum` in `loops_utils.h.src`).
fn pairwise<T: Float>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        a.iter().fold(T::ZERO, |acc, &x| acc + x)
    } else if n <= PW_BLOCKSIZE {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let whole = n - n % 8;
        for block in a[8..whole].chunks_exact(8) {
            for (acc, &x) in r.iter_mut().zip(block) {
                *acc = *acc + x;
            }
        }
        let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        a[whole..].iter().fold(res, |acc, &x| acc + x)
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise(&a[..half]) + pairwise(&a[half..])
    }
}

/// `numpy.sum` of a contiguous float32 array (accumulated in float32).
pub fn pairwise_sum_f32(a: &[f32]) -> f32 {
    0.0 + pairwise(a)
}

/// `numpy.sum` of a contiguous float64 array.
pub fn pairwise_sum_f64(a: &[f64]) -> f64 {
    0.0 + pairwise(a)
}

/// `numpy.sum(a, dtype=float64)` of an int32 array: cast and summed buffer by buffer.
pub fn sum_i32_as_f64(a: &[i32]) -> f64 {
    let mut buf = Vec::with_capacity(NPY_BUFSIZE.min(a.len()));
    a.chunks(NPY_BUFSIZE).fold(0.0, |acc, chunk| {
        buf.clear();
        buf.extend(chunk.iter().map(|&x| f64::from(x)));
        acc + pairwise(&buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_differs_from_naive_where_numpy_does() {
        // 1e8 + 300 small terms: naive f32 accumulation loses them, pairwise keeps most.
        let mut v = vec![1.0f32; 300];
        v[0] = 1e8;
        let naive = v.iter().fold(0.0f32, |a, &x| a + x);
        assert_eq!(naive, 1e8);
        assert!(pairwise_sum_f32(&v) > 1e8);
        assert_eq!(sum_i32_as_f64(&[1, 2, 3]), 6.0);
    }
}
