//! The FFT floor of ObsPy's PPSD algorithm on this machine (issue 16): how long one Welch segment of a
//! 100 Hz PPSD window takes in seispool (`WelchPsd`: detrend, taper, half-length complex FFT, split and
//! `|X|²`), and the FFT alone (rustfft's 32768-point complex FFT, realfft's 65536-point real FFT).
//! `bench/fft_floor.py` runs this beside numpy's and (when installed) FFTW's transforms and ObsPy's cost
//! per channel-day. Prints one JSON object of microseconds per transform (median of `--reps` rounds).
//!
//! `cargo run --release -p seispool-dsp --example fft_floor -- [--reps N]`

use std::time::Instant;

use num_complex::Complex;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use seispool_dsp::ppsd::WelchPsd;

/// nfft of a one-hour PPSD window at 100 Hz (ObsPy: the power of two at or below a quarter window).
const NFFT: usize = 65536;
/// A one-hour window at 100 Hz: 19 Welch segments with ObsPy's 75 % overlap.
const WINDOW: usize = 360_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median over `reps` rounds of the time per call of `f`, each round `inner` calls, in µs.
fn time_us(reps: usize, inner: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..inner {
                    f();
                }
                t.elapsed().as_secs_f64() * 1e6 / inner as f64
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(15usize);
    // Deterministic noise (xorshift64*), the data's scale does not matter to the timing.
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<f64> = (0..WINDOW)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect();

    let mut welch = match WelchPsd::new(NFFT, NFFT * 3 / 4, 100.0) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("fft_floor: {e}");
            std::process::exit(1);
        }
    };
    let mut psd = Vec::new();
    let segments = (WINDOW - NFFT) / (NFFT / 4) + 1;
    let welch_window = time_us(reps, 4, || welch.psd(&data, &mut psd));

    let half = FftPlanner::<f64>::new().plan_fft_forward(NFFT / 2);
    let mut buf: Vec<Complex<f64>> = data[..NFFT / 2].iter().map(|&x| Complex::new(x, -x)).collect();
    let mut scratch = vec![Complex::new(0.0, 0.0); half.get_inplace_scratch_len()];
    let complex_half = time_us(reps, 40, || {
        half.process_with_scratch(&mut buf, &mut scratch);
        // Keep the values bounded across repetitions (no overflow to infinities).
        buf.iter_mut().for_each(|v| *v *= 1.0 / 256.0);
    });

    let real = RealFftPlanner::<f64>::new().plan_fft_forward(NFFT);
    let mut input = data[..NFFT].to_vec();
    let mut spectrum = real.make_output_vec();
    let mut rscratch = real.make_scratch_vec();
    let real_full = time_us(reps, 40, || {
        input.copy_from_slice(&data[..NFFT]);
        if let Err(e) = real.process_with_scratch(&mut input, &mut spectrum, &mut rscratch) {
            eprintln!("fft_floor: {e}");
        }
    });

    println!(
        "{{\"nfft\": {NFFT}, \"segments_per_window\": {segments}, \"welch_segment_us\": {:.1}, \
         \"rustfft_complex_{}_us\": {complex_half:.1}, \"realfft_{NFFT}_us\": {real_full:.1}}}",
        welch_window / segments as f64,
        NFFT / 2
    );
}
