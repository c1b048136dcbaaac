//! Applying second-order sections like `scipy.signal.sosfilt` (direct form II transposed, zero
//! initial state), with the exact operation order of SciPy's `_sosfilt` kernel so results are
//! bit-identical for identical sections.

use crate::iir::Sos;

/// `scipy.signal.sosfilt(sos, data)` in place, zero initial conditions.
pub fn sosfilt(sos: &Sos, data: &mut [f64]) {
    run(sos.sections(), data.iter_mut());
}

/// ObsPy's `zerophase=True`: `flip(sosfilt(sos, flip(sosfilt(sos, data))))`, in place. The
/// backward pass walks the slice from the end, which is the same arithmetic without copying.
pub fn sosfilt_zerophase(sos: &Sos, data: &mut [f64]) {
    run(sos.sections(), data.iter_mut());
    run(sos.sections(), data.iter_mut().rev());
}

/// Runs all sections over the samples in iteration order. Specialised for the common section
/// counts so the state lives in registers; the per-sample loop never allocates.
fn run<'a>(sections: &[[f64; 6]], samples: impl Iterator<Item = &'a mut f64>) {
    match sections {
        [a] => run_fixed::<1, _>(&[*a], samples),
        [a, b] => run_fixed::<2, _>(&[*a, *b], samples),
        [a, b, c] => run_fixed::<3, _>(&[*a, *b, *c], samples),
        [a, b, c, d] => run_fixed::<4, _>(&[*a, *b, *c, *d], samples),
        [a, b, c, d, e] => run_fixed::<5, _>(&[*a, *b, *c, *d, *e], samples),
        [a, b, c, d, e, f] => run_fixed::<6, _>(&[*a, *b, *c, *d, *e, *f], samples),
        _ => run_dyn(sections, samples),
    }
}

fn run_fixed<'a, const N: usize, I: Iterator<Item = &'a mut f64>>(sections: &[[f64; 6]; N], samples: I) {
    let mut zi = [[0.0f64; 2]; N];
    for x in samples {
        let mut cur = *x;
        for (s, z) in sections.iter().zip(zi.iter_mut()) {
            cur = step(s, z, cur);
        }
        *x = cur;
    }
}

fn run_dyn<'a>(sections: &[[f64; 6]], samples: impl Iterator<Item = &'a mut f64>) {
    let mut zi = vec![[0.0f64; 2]; sections.len()];
    for x in samples {
        let mut cur = *x;
        for (s, z) in sections.iter().zip(zi.iter_mut()) {
            cur = step(s, z, cur);
        }
        *x = cur;
    }
}

/// One DF2T section step, in SciPy's expression order.
#[inline(always)]
fn step(s: &[f64; 6], z: &mut [f64; 2], x: f64) -> f64 {
    let y = s[0] * x + z[0];
    z[0] = s[1] * x - s[4] * y + z[1];
    z[1] = s[2] * x - s[5] * y;
    y
}
