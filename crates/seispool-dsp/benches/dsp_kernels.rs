//! The per-channel-day kernels of the default pipeline on 8.64 M samples (one day at 100 Hz):
//! `detrend("linear")`, `taper(0.05, "hann")`, `sosfilt` with the 4-section bandpass, the zerophase
//! bandpass `filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True)`, and `decimate(4)`.
//! bench/dsp_vs_obspy.py times ObsPy's calls on the same data. The `*_i32` pair times the three
//! ops on integer samples one after the other and fused (`detrend_taper_filter_i32`), writing into
//! a reused buffer as the pipeline's spare buffers do.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use seispool_dsp::{
    DecimateOptions, DesignCache, IirOptions, Side, TaperPlan, TaperType, Window, decimate, design_bandpass,
    design_lowpass_cheby_2, detrend_linear, detrend_linear_i32, detrend_taper_filter_i32, sosfilt, sosfilt_exact,
    sosfilt_zerophase, sosfilt_zerophase_exact, taper,
};

const NPTS: usize = 8_640_000;
const DF: f64 = 100.0;

/// Deterministic noise with a trend and an offset (xorshift64*, like bench/dsp_vs_obspy.py).
fn day() -> Vec<f64> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..NPTS)
        .map(|i| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let r = (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
            1000.0 * (r - 0.5) + 1e-4 * i as f64 + 250.0
        })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let data = day();
    let plan = design_bandpass(
        0.5,
        10.0,
        DF,
        &IirOptions {
            corners: 4,
            zerophase: true,
            ..IirOptions::default()
        },
        &mut DesignCache::new(),
    )
    .expect("bandpass design");
    let sos = plan.sos().clone();
    let hann = TaperType::Window {
        window: Window::Hann,
        sym: true,
    };
    let mut g = c.benchmark_group("day_8.64M");
    g.sample_size(10);
    let mut run = |name: &str, f: &dyn Fn(&mut Vec<f64>)| {
        g.bench_function(name, |b| {
            b.iter_batched_ref(|| data.clone(), |d| f(d), BatchSize::LargeInput)
        });
    };
    run("detrend_linear", &|d| detrend_linear(d));
    run("taper_hann_0.05", &|d| {
        taper(d, DF, Some(0.05), &hann, None, Side::Both).expect("taper");
    });
    run("sosfilt_bandpass_4sec", &|d| sosfilt(&sos, d));
    run("zerophase_bandpass_4c", &|d| sosfilt_zerophase(&sos, d));
    run("sosfilt_bandpass_4sec_exact", &|d| sosfilt_exact(&sos, d));
    run("zerophase_bandpass_4c_exact", &|d| sosfilt_zerophase_exact(&sos, d));
    let cheby = design_lowpass_cheby_2(DF * 0.5 / 4.0, DF, 12, &mut DesignCache::new()).expect("cheby2 design");
    run("decimate_4_exact_filter", &|d| sosfilt_exact(cheby.plan.sos(), d));
    run("decimate_4_lanes_filter", &|d| sosfilt(cheby.plan.sos(), d));
    run("decimate_4", &|d| {
        let mut cache = DesignCache::new();
        decimate(d, DF, 4, DecimateOptions::default(), &mut cache).expect("decimate");
    });
    let counts: Vec<i32> = data.iter().map(|&v| v.round() as i32).collect();
    let window = TaperPlan::new(NPTS, DF, Some(0.05), &hann, None, Side::Both).expect("taper plan");
    let mut out = Vec::with_capacity(NPTS);
    g.bench_function("detrend_taper_zerophase_unfused_i32", |b| {
        b.iter(|| {
            detrend_linear_i32(&counts, &mut out);
            window.apply(&mut out);
            plan.apply(&mut out).expect("filter");
        })
    });
    g.bench_function("detrend_taper_zerophase_fused_i32", |b| {
        b.iter(|| detrend_taper_filter_i32(&counts, Some(&window), &plan, &mut out).expect("fused"))
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
