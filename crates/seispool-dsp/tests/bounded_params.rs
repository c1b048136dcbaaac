//! Hostile op parameters: outputs whose size is absurd are refused with a clear error before
//! anything is allocated, and no parameter makes a kernel loop far beyond the data it has.
//! Each test is named after the defect it pins (they aborted or hung the process before).

use seispool_core::limits::MAX_SAMPLES;
use seispool_dsp::{
    Band, DesignError, FilterKind, IirSpec, InterpMethod, MAX_ORDER, Resampler, iirfilter, interpolate_kernel,
    interpolate_plan, resample_prepare,
};

#[test]
fn resample_to_1e9_hz_aborted_the_process_on_a_failed_allocation() {
    let err = resample_prepare(11_947, 40.0, 1e9, true, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("resample: resampling 11947 samples from 40 Hz to 1000000000 Hz"),
        "{err}"
    );
    assert!(err.contains("more than the limit of 268435456 samples"), "{err}");
    // The FFT step checks the size itself too (callers may skip resample_prepare).
    let data = vec![1.0; 100];
    let err = Resampler::new()
        .resample(&data, 1.0, 1e12, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than the limit"), "{err}");
}

#[test]
fn resample_just_under_the_limit_is_still_planned() {
    // 2^20 samples at 1 Hz to 256 Hz = exactly MAX_SAMPLES: allowed (only planned here, not run).
    let plan = resample_prepare(1 << 20, 1.0, 256.0, true, false).unwrap();
    assert_eq!(plan.num, MAX_SAMPLES);
    assert!(resample_prepare(1 << 20, 1.0, 256.0 * 1.001, true, false).is_err());
}

#[test]
fn interpolate_to_1e7_hz_aborted_the_process_on_a_failed_allocation() {
    let t0 = 1_199_145_600_000_000_000;
    let err = interpolate_plan(t0, 40.0, 11_947, 1e7, None, None, 0.0)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("interpolate: interpolating to 10000000 Hz would produce"),
        "{err}"
    );
    let err = interpolate_plan(t0, 40.0, 11_947, 1.0, None, Some(1 << 40), 0.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1099511627776 samples"), "{err}");
    // A sane request still plans.
    let plan = interpolate_plan(t0, 40.0, 11_947, 10.0, None, None, 0.0)
        .unwrap()
        .unwrap();
    assert_eq!(plan.new_npts, 2987);
}

#[test]
fn filter_with_1e8_corners_aborted_the_process_on_a_failed_allocation() {
    let spec = |order| IirSpec {
        order,
        band: Band::Lowpass(0.1),
        kind: FilterKind::Butterworth,
    };
    assert_eq!(
        iirfilter(&spec(100_000_000)),
        Err(DesignError::OrderTooLarge(100_000_000))
    );
    let msg = DesignError::OrderTooLarge(100_000_000).to_string();
    assert_eq!(
        msg,
        "iirfilter: filter order (corners) 100000000 is above the supported maximum of 1000"
    );
    assert!(iirfilter(&spec(MAX_ORDER + 1)).is_err());
    assert!(iirfilter(&spec(8)).is_ok());
}

#[test]
fn lanczos_with_a_huge_half_width_looped_over_a_instead_of_the_data() {
    // Terms outside the data contribute nothing, so any a beyond the data length gives the same
    // samples; before, a = 2^40 ran 2^41 iterations per output sample (a hang).
    let data: Vec<f64> = (0..50).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
    let run = |a| {
        interpolate_kernel(&data, 0.0, 1.0, 0.5, 0.7, 60, InterpMethod::Lanczos { a })
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    // The window sinc(x/a) depends on a, so compare a huge a with itself computed by the bounded
    // loop against an explicit full sum over the data.
    let a = 1i64 << 40;
    let got = run(a);
    let af = a as f64;
    let sinc = |x: f64| {
        if x.abs() < 1e-10 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        }
    };
    for (idx, bits) in got.iter().enumerate() {
        let x = 0.7 * idx as f64 + 0.5;
        let mut want = 0.0;
        for i in (0..data.len()).rev() {
            let xx = x - i as f64;
            want += data[i] * sinc(xx) * sinc(xx / af);
        }
        assert_eq!(*bits, f64::to_bits(want), "sample {idx}");
    }
}
