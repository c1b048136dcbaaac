//! `seispool process --encoding FLOAT64` against ObsPy running the same method calls on the same
//! ObsPy-written files (gaps, overlaps, int32/float32/float64, several rates and byte orders):
//! ids, start times, rates and npts exactly, samples to 1e-9 of the trace's max abs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use seispool_testkit::{run_oracle, tempdir};

mod common;
use common::{demo_archive, seispool, tree_bytes};

/// Every op and option of the processing issue, as a user would paste them from ObsPy.
const PIPELINES: &[&str] = &[
    r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#,
    "merge()",
    "merge(method=0, fill_value=0)",
    "merge(method=1, fill_value=-3)",
    r#"merge(method=1, fill_value="latest")"#,
    "merge(method=1, interpolation_samples=5, fill_value=2.5)",
    "merge(method=1, interpolation_samples=-1, fill_value=0)",
    "merge(method=-1)",
    r#"detrend("simple")"#,
    r#"detrend("constant")"#,
    r#"detrend("demean")"#,
    r#"detrend("linear")"#,
    r#"detrend("polynomial", order=3)"#,
    r#"detrend("spline", order=2, dspline=300)"#,
    "taper(0.05)",
    r#"taper(max_percentage=0.1, type="hamming", side="left")"#,
    r#"taper(0.2, type="blackman", max_length=3, side="right")"#,
    r#"taper(0.5, type="cosine")"#,
    r#"taper(0.03, type="kaiser", beta=8.6)"#,
    r#"taper(0.07, type="bartlett"); taper(0.07, type="parzen"); taper(0.07, type="bohman")"#,
    r#"taper(0.05, type="flattop"); taper(0.05, type="nuttall"); taper(0.05, type="barthann"); taper(0.05, type="blackmanharris")"#,
    r#"taper(None, max_length=2.5)"#,
    r#"filter("bandpass", freqmin=0.5, freqmax=5)"#,
    r#"filter("bandpass", freqmin=1, freqmax=30, corners=3, zerophase=True)"#,
    r#"filter("bandstop", freqmin=2, freqmax=4, corners=6)"#,
    r#"filter("lowpass", freq=3, corners=2, zerophase=True)"#,
    r#"filter("highpass", freq=0.1, corners=1)"#,
    r#"filter("lowpass_cheby_2", freq=4, maxorder=12)"#,
    r#"detrend("linear"); decimate(2)"#,
    "decimate(5, no_filter=True)",
    "decimate(3, strict_length=False)",
    r#"merge(fill_value=0); resample(30)"#,
    r#"resample(7.5, window="hamming")"#,
    r#"resample(50, no_filter=False)"#,
    r#"interpolate(sampling_rate=50, method="linear")"#,
    r#"interpolate(5, method="nearest")"#,
    r#"interpolate(10, method="zero")"#,
    r#"interpolate(10, method="slinear")"#,
    r#"interpolate(10, method="quadratic")"#,
    r#"interpolate(10, method="cubic")"#,
    r#"interpolate(8, method="lanczos", a=20)"#,
    // Not the default npts: ObsPy's C hermite_interpolation reads past its arrays when float timestamps put
    // the last point a rounding step beyond the last sample (undefined values); seispool returns the sample.
    "interpolate(12.5, npts=700)",
    "integrate()",
    "differentiate()",
    "normalize()",
    "normalize(norm=100)",
    r#"trim("2024-03-01T00:00:10", "2024-03-01T00:01:30.005")"#,
    r#"trim("2024-03-01T00:00:00.003", "2024-03-01T00:05:00", nearest_sample=False)"#,
    r#"trim("2024-02-29T23:59:50", "2024-03-01T00:04:00", pad=True, fill_value=0)"#,
    r#"slice("2024-03-01T00:00:20", "2024-03-01T00:02:00")"#,
    r#"select(channel="EH?"); detrend("demean")"#,
    r#"select(component="Z")"#,
];

#[test]
fn process_matches_obspy_for_every_op_and_option() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    run_oracle("obspy_pipeline.py", &["make", input.to_str().unwrap()]);
    // Some pipelines fail on some files (exit 1), as ObsPy does; the oracle checks which.
    check_against_obspy(dir.path(), &input, PIPELINES, &[Some(0), Some(1)]);
}

/// Float64 inputs holding a NaN or an infinite sample (1, 2, 6, 100 and 102 samples), written by the oracle
/// (`obspy_pipeline.py make-nonfinite`), under `dir/nonfinite`.
fn nonfinite_inputs(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("nonfinite");
    run_oracle("obspy_pipeline.py", &["make-nonfinite", input.to_str().unwrap()]);
    input
}

/// SciPy's `detrend(type="linear")` refuses NaN and infinite samples (`lstsq`'s finiteness check:
/// ValueError), so ObsPy writes nothing for such a trace; seispool subtracted a NaN line and wrote
/// the NaNs. Now the file fails with SciPy's message, alone or in the fused chain.
#[test]
fn regression_detrend_linear_of_nan_samples_wrote_an_output_where_obspy_raises() {
    let dir = tempdir().unwrap();
    let input = nonfinite_inputs(dir.path());
    check_against_obspy(
        dir.path(),
        &input,
        &[
            r#"detrend("linear")"#,
            r#"detrend("simple"); detrend("linear")"#,
            r#"detrend("linear"); taper(0.05); filter("lowpass", freq=2); decimate(2)"#,
            r#"detrend("demean"); detrend("linear")"#,
        ],
        &[Some(1)],
    );
}

/// `numpy.polyfit` of a NaN or infinite sample is NaN everywhere; where the polynomial has as many
/// coefficients as the trace samples (`order + 1 >= npts`), seispool wrote zeros.
#[test]
fn regression_detrend_polynomial_of_a_nan_sample_in_as_few_samples_as_its_order_gave_zeros() {
    let dir = tempdir().unwrap();
    let input = nonfinite_inputs(dir.path());
    check_against_obspy(
        dir.path(),
        &input,
        &[
            r#"detrend("polynomial", order=0)"#,
            r#"detrend("polynomial", order=1)"#,
            r#"detrend("polynomial", order=4)"#,
            r#"detrend("simple"); detrend("polynomial", order=0)"#,
        ],
        &[Some(0), Some(1)],
    );
}

/// ObsPy's default interpolation (`weighted_average_slopes`) clips the slopes' weights with
/// `np.clip(w, eps, w.max())`, which a NaN slope makes NaN everywhere; Rust's `f64::max`/`min` drop
/// NaN, so seispool interpolated finite values between the other samples.
#[test]
fn regression_weighted_average_slopes_of_a_nan_sample_stayed_finite_elsewhere() {
    let dir = tempdir().unwrap();
    let input = nonfinite_inputs(dir.path());
    check_against_obspy(
        dir.path(),
        &input,
        &[
            "interpolate(10)",
            "interpolate(30)",
            r#"interpolate(7.5, method="weighted_average_slopes")"#,
        ],
        &[Some(0), Some(1)],
    );
}

/// SciPy fits `detrend("linear")`'s line by SVD, which copes with samples near float64's limit
/// (1e300 × 150 001 samples, ±1.7e308); seispool's plain sums overflowed and it wrote NaN. The line is
/// now fitted to the samples scaled by a power of two when the sums overflow.
#[test]
fn regression_detrend_linear_of_samples_near_the_float64_limit_was_nan() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("huge");
    run_oracle("obspy_pipeline.py", &["make-huge", input.to_str().unwrap()]);
    check_against_obspy(
        dir.path(),
        &input,
        &[r#"detrend("linear")"#, r#"detrend("linear"); taper(0.05)"#],
        &[Some(0)],
    );
}

/// ObsPy's `normalize` leaves an integer trace it cannot normalize (all zeros, or `norm=0`) integer;
/// seispool made it float64, so a `merge` of it with a normalized (float64) piece of its id went on
/// where ObsPy raises "differing data types", and wrote an output.
#[test]
fn regression_normalize_of_an_all_zero_integer_trace_made_it_float_and_merge_went_on() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("zeros");
    run_oracle("obspy_pipeline.py", &["make-zero-piece", input.to_str().unwrap()]);
    check_against_obspy(
        dir.path(),
        &input,
        &[
            "normalize(); merge(method=0, fill_value=0)",
            "normalize(norm=0); merge(method=1, fill_value=0)",
            r#"normalize(); merge(method=1, fill_value="interpolate"); detrend("demean")"#,
            "normalize()",
        ],
        &[Some(0), Some(1)],
    );
}

/// Day-long integer channels (the demo archive at 20 Hz: 1.7 M samples, gaps merged), where the
/// linear detrend, taper, filter and decimation run block by block instead of trace by trace
/// (`seispool_dsp::filter_chain`): every shape of that chain against ObsPy, to 1e-9 of max.
#[test]
fn day_long_filter_chains_match_obspy() {
    day_long_chains_against_obspy(
        &[
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=5, corners=4, zerophase=True); decimate(4)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=5, corners=4); decimate(2)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); filter("highpass", freq=0.2, corners=2, zerophase=True)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.1, side="left"); filter("lowpass", freq=2, corners=6); decimate(5)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05, type="cosine", max_length=600); filter("bandstop", freqmin=1, freqmax=3, zerophase=True); decimate(3)"#,
        ],
        "FLOAT64",
    );
}

/// Each of `pipelines` over a demo day at 20 Hz (1.7 M samples, gaps merged), written in `encoding`,
/// against ObsPy ([`check_against_obspy_as`]).
fn day_long_chains_against_obspy(pipelines: &[&str], encoding: &str) {
    let dir = tempdir().unwrap();
    let input = demo_archive(dir.path(), "1", "1");
    check_against_obspy_as(dir.path(), &input, pipelines, &[Some(0)], encoding);
}

/// The same day-long chains written as FLOAT32, which the chain computes straight into f32 (its f64
/// result never exists), with and without a decimation: each sample within one float32 spacing of
/// ObsPy's float64 value (plus 1e-9 of max).
#[test]
fn day_long_filter_chains_written_as_float32_match_obspy() {
    day_long_chains_against_obspy(
        &[
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=5, corners=4, zerophase=True); decimate(4)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=5, corners=4, zerophase=True)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); filter("highpass", freq=0.2, corners=2)"#,
            r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.1, side="right"); filter("lowpass", freq=2, corners=6, zerophase=True)"#,
        ],
        "FLOAT32",
    );
}

/// Runs `seispool process --encoding FLOAT64 --jobs 2` with each pipeline over `input` (each into its
/// own folder under `dir`; the exit code one of `codes`), then ObsPy with the same method calls on the
/// same files: no mismatch allowed (ids, times, rates and npts exactly, samples to 1e-9 of max).
fn check_against_obspy(dir: &Path, input: &Path, pipelines: &[&str], codes: &[Option<i32>]) {
    check_against_obspy_as(dir, input, pipelines, codes, "FLOAT64");
}

/// [`check_against_obspy`] with the outputs written in `encoding`: as FLOAT32, each sample within one
/// float32 spacing of ObsPy's float64 value, plus 1e-9 of max.
fn check_against_obspy_as(dir: &Path, input: &Path, pipelines: &[&str], codes: &[Option<i32>], encoding: &str) {
    let mut cases = Vec::new();
    for (i, p) in pipelines.iter().enumerate() {
        let out = dir.join(format!("out{i}"));
        let o = seispool(&[
            "process",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            p,
            "--encoding",
            encoding,
            "--quiet",
            "--jobs",
            "2",
        ]);
        let code = o.status.code();
        assert!(
            codes.contains(&code),
            "{p}: exit {code:?}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        cases.push(serde_json::json!({"pipeline": p, "inputs": input, "out": out, "encoding": encoding}));
    }
    let cases_path = dir.join("cases.json");
    std::fs::write(&cases_path, serde_json::to_string(&cases).unwrap()).unwrap();
    let problems: Vec<String> = serde_json::from_str(&run_oracle(
        "obspy_pipeline.py",
        &["check", cases_path.to_str().unwrap()],
    ))
    .unwrap();
    assert!(
        problems.is_empty(),
        "{} mismatches with ObsPy:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

const DEMO_PIPELINE: &str = r#"merge(method=1, fill_value="interpolate"); detrend("linear"); taper(0.05); filter("bandpass", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)"#;

#[test]
fn jobs_1_and_jobs_2_write_identical_bytes_and_a_corrupt_file_fails_alone() {
    let dir = tempdir().unwrap();
    let archive = demo_archive(dir.path(), "1", "2");
    // A corrupt file among good ones: garbage with an SDS name.
    let bad = archive.join("2024/XS/ST01/HHZ.D/XS.ST01.00.HHZ.D.2024.002");
    let garbage = b"this is not miniseed at all, just text that is long enough to look at".to_vec();
    std::fs::write(&bad, &garbage).unwrap();
    let mut trees = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("out{jobs}"));
        let o = seispool(&[
            "process",
            archive.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            DEMO_PIPELINE,
            "--jobs",
            jobs,
            "--json",
            "--quiet",
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "a corrupt input makes exit 1: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(summary["failed"], 1, "{summary}");
        assert_eq!(summary["ok"], 6, "{summary}");
        let err = summary["failures"][0]["error"].as_str().unwrap();
        assert!(err.contains("XS.ST01.00.HHZ.D.2024.002"), "error names the file: {err}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("XS.ST01.00.HHZ.D.2024.002"),
            "stderr names the failed file: {stderr}"
        );
        trees.push(tree_bytes(&out));
    }
    assert_eq!(trees[0].len(), 6);
    assert!(trees[0] == trees[1], "--jobs 1 and --jobs 2 outputs differ");
    // Inputs are never modified.
    assert_eq!(std::fs::read(&bad).unwrap(), garbage);
}

#[test]
fn sigkill_then_resume_gives_the_uninterrupted_output() {
    let dir = tempdir().unwrap();
    let archive = demo_archive(dir.path(), "1", "2");
    let args = |out: &Path| -> Vec<String> {
        [
            "process",
            archive.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            DEMO_PIPELINE,
            "--jobs",
            "1",
            "--quiet",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let full = dir.path().join("full");
    assert!(
        Command::new(env!("CARGO_BIN_EXE_seispool"))
            .args(args(&full))
            .status()
            .unwrap()
            .success()
    );
    let expected = tree_bytes(&full);

    let killed = dir.path().join("killed");
    // Kill at several moments (the first kill usually lands mid-unit).
    for delay_ms in [150u64, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_seispool"))
            .args(args(&killed))
            .arg("--resume")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever exists under a final name is complete: it equals the uninterrupted output.
        for (name, bytes) in tree_bytes(&killed) {
            if name.contains(".tmp-") {
                continue;
            }
            let want = expected.iter().find(|(n, _)| *n == name).map(|(_, b)| b);
            assert_eq!(want, Some(&bytes), "{name} is partial after SIGKILL");
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_seispool"))
        .args(args(&killed))
        .args(["--resume", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<_> = tree_bytes(&killed)
        .into_iter()
        .filter(|(n, _)| !n.contains(".tmp-"))
        .collect();
    assert!(got == expected, "resumed output differs from the uninterrupted run");
    assert!(
        !tree_bytes(&killed).iter().any(|(n, _)| n.contains(".tmp-")),
        "stale temp files are cleaned"
    );
    // A second resume does nothing.
    let o = Command::new(env!("CARGO_BIN_EXE_seispool"))
        .args(args(&killed))
        .args(["--resume", "--json"])
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["skipped"], 6, "{summary}");
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec![
            "process",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            "filter(\"bandpass\", freqmn=1)",
        ],
        vec![
            "process",
            input.to_str().unwrap(),
            "--out",
            input.to_str().unwrap(),
            "--pipeline",
            "detrend()",
        ],
        vec![
            "process",
            "/nonexistent/x",
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            "detrend()",
        ],
        vec![
            "process",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            "detrend()",
            "--record-length",
            "1000",
        ],
        vec!["info"],
    ] {
        let o = seispool(&args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(!out.exists(), "nothing written on usage errors");
    let o = seispool(&[
        "process",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--pipeline",
        "filter(\"bandpass\", freqmn=1)",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("freqmin"), "suggests the closest name: {err}");
}

/// `trim(..., keep_empty_traces=True)` (and `slice`'s) parsed, then failed every file as it was
/// processed (exit 1, "not supported" once per file). An unsupported argument is refused with the
/// pipeline: exit 2, nothing written, the message names the argument.
#[test]
fn regression_keep_empty_traces_true_failed_every_file_instead_of_the_pipeline() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    run_oracle("obspy_pipeline.py", &["make", input.to_str().unwrap()]);
    let out = dir.path().join("out");
    for pipeline in [
        r#"trim("2024-03-01T00:00:10", "2024-03-01T00:01:00", keep_empty_traces=True); detrend("demean")"#,
        r#"slice("2024-03-01T00:00:10", None, True)"#,
    ] {
        let o = seispool(&[
            "process",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--pipeline",
            pipeline,
            "--quiet",
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{pipeline}: {err}");
        assert!(err.contains("keep_empty_traces=True"), "{pipeline}: {err}");
        assert!(!out.exists(), "{pipeline}: nothing written");
    }
}
