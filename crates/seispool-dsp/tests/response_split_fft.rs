//! The split (four-step, multi-threaded) FFT deconvolution of `remove_response` against the single
//! realfft transform it replaced: within 1e-12 of the trace's max (the ObsPy tolerance is 1e-8), and
//! identical whatever the thread count.

use num_complex::Complex64;
use seispool_dsp::response::{Removal, RemoveOptions, ResponseRemover, npts2nfft, split_factors};

/// A deterministic pseudo-random sequence in [-1, 1).
fn noise(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn remove(data: &[f64], mult: &Removal, threads: Option<usize>, opts: &RemoveOptions) -> Vec<f64> {
    let mut rm = ResponseRemover::new(opts.clone()).expect("valid options");
    match threads {
        None => rm.use_realfft_only(),
        Some(t) => rm.set_threads(t),
    }
    let mut out = data.to_vec();
    rm.apply_in_place(&mut out, mult)
        .expect("multiplier of the right length");
    out
}

#[test]
fn split_fft_matches_realfft_and_is_thread_independent() {
    // N1 odd/even × N2 odd/even, odd npts, a long trace, a random-walk trace with a big mean.
    let cases = [1000usize, 2161, 30000, 30001, 4999, 250_001, 6 * 3600 * 10];
    let mut parities = std::collections::HashSet::new();
    for (i, &npts) in cases.iter().enumerate() {
        let nfft = npts2nfft(npts);
        let (n1, n2) = split_factors(nfft).unwrap_or_else(|| panic!("npts {npts}: nfft {nfft} is not split"));
        parities.insert((n1 % 2, n2 % 2));
        let mut data = noise(i as u64, npts);
        let mut acc = 1000.0;
        for v in data.iter_mut() {
            acc += *v;
            *v = acc;
        }
        let m = noise(100 + i as u64, 2 * (nfft / 2 + 1));
        let mult = Removal::Spectral(m.chunks(2).map(|c| Complex64::new(c[0], c[1])).collect());
        for opts in [
            RemoveOptions::default(),
            RemoveOptions {
                zero_mean: false,
                taper: false,
                ..RemoveOptions::default()
            },
        ] {
            let want = remove(&data, &mult, None, &opts);
            let one = remove(&data, &mult, Some(1), &opts);
            let two = remove(&data, &mult, Some(2), &opts);
            let three = remove(&data, &mult, Some(3), &opts);
            let max = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = want.iter().zip(&one).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                diff <= 1e-12 * max,
                "npts {npts} ({n1}×{n2}): split differs from realfft by {diff:e} of max {max:e}"
            );
            assert_eq!(one, two, "npts {npts}: two threads differ from one");
            assert_eq!(one, three, "npts {npts}: three threads differ from one");
        }
    }
    assert_eq!(
        parities.len(),
        4,
        "cases must cover every parity of N1 and N2: {parities:?}"
    );
}
