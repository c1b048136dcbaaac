//! Times the block-by-block chain (`filter_chain`) on the seed job's filters: the 0.5–10 Hz
//! bandpass forwards, zero-phase, and zero-phase then `decimate(4)`'s Chebyshev II, plus that
//! Chebyshev II alone, on the calling thread (best of several runs, ns per input sample), in the build
//! this CPU runs and in the four-lane build.
//!
//! `cargo run --release --example chain_kernel -p seispool-dsp [-- SAMPLES]` (default one day at
//! 100 Hz; 1048576 keeps the input and output in the L3 cache).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_dsp::{
    DesignCache, FilterChain, IirOptions, design_bandpass, design_lowpass_cheby_2, filter_chain,
    filter_chain_four_lanes,
};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(8_640_000, |a| a.parse().expect("SAMPLES: a number"));
    let x: Vec<f64> = (0..n)
        .map(|i| ((i as f64) * 0.37).sin() * 1000.0 + (i % 7) as f64)
        .collect();
    let opts = IirOptions {
        corners: 4,
        ..IirOptions::default()
    };
    let bp = design_bandpass(0.5, 10.0, 100.0, &opts, &mut DesignCache::new()).unwrap();
    let ch = design_lowpass_cheby_2(100.0 * 0.5 / 4.0, 100.0, 12, &mut DesignCache::new()).unwrap();
    let shapes = [
        ("decimate(4)'s Chebyshev II forwards", false, false, true),
        ("bandpass forwards", false, false, false),
        ("bandpass zero-phase", true, false, false),
        ("bandpass zero-phase + decimate(4)", true, true, false),
    ];
    for (name, zerophase, decimate, cheby) in shapes {
        let chain = FilterChain {
            first: if cheby {
                ch.plan.sos().sections()
            } else {
                bp.sos().sections()
            },
            zerophase,
            decimate: decimate.then(|| (ch.plan.sos().sections(), 4)),
        };
        let get = |s: usize, buf: &mut [f64]| buf.copy_from_slice(&x[s..s + buf.len()]);
        type Run = fn(usize, &(dyn Fn(usize, &mut [f64]) + Sync), &FilterChain, &mut Vec<f64>) -> bool;
        let builds: [(&str, Run); 2] = [("", filter_chain), (" (four lanes)", filter_chain_four_lanes)];
        for (build, run) in builds {
            let mut out: Vec<f64> = Vec::new();
            let mut best = f64::MAX;
            for _ in 0..(7 * 8_640_000 / n).max(7) {
                let t = Instant::now();
                assert!(run(n, &get, &chain, &mut out), "the chain takes {n} samples");
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "{name}{build}: best {:.1} ms ({:.2} ns/sample)",
                best * 1e3,
                best * 1e9 / n as f64
            );
        }
    }
}
