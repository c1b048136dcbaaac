//! Absurd op parameters are a clear per-unit error before anything is allocated: the run completes,
//! the other units are written, the exit code is 1 (some units failed), never an abort (134).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_testkit::{obspy_mseed_data, tempdir};

mod common;
use common::{s, seispool};

#[test]
fn resample_interpolate_and_filter_with_absurd_parameters_fail_per_unit_without_aborting() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(obspy_mseed_data().join("test.mseed"), input.join("a.mseed")).unwrap();
    for (pipeline, reason) in [
        ("resample(1e9)", "more than the limit of 268435456 samples"),
        (
            "interpolate(sampling_rate=1e7)",
            "more than the limit of 268435456 samples",
        ),
        (
            "filter(\"lowpass\", freq=1, corners=100000000)",
            "above the supported maximum of 1000",
        ),
    ] {
        let out = dir.path().join("out");
        let o = seispool(&["process", s(&input), "--out", s(&out), "--pipeline", pipeline, "--json"]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{pipeline}: {stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(summary["failed"], 1, "{pipeline}");
        let error = summary["failures"][0]["error"].as_str().unwrap();
        assert!(error.contains(reason), "{pipeline}: {error}");
        assert_eq!(summary["failures"][0]["output"], "a.mseed", "{pipeline}");
    }
}

/// `--format sac --encoding FLOAT64` wrote float32 SAC files and `--record-length` was ignored for
/// SAC, silently: now a usage error (exit 2) naming both options, before anything is written;
/// FLOAT32, what SAC holds, is still taken.
#[test]
fn sac_output_with_a_miniseed_encoding_or_record_length_silently_wrote_something_else() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(obspy_mseed_data().join("test.mseed"), input.join("a.mseed")).unwrap();
    for (cmd, extra, reason) in [
        (
            "process",
            ["--encoding", "FLOAT64"],
            "--encoding FLOAT64 does not apply to --format sac",
        ),
        (
            "convert",
            ["--encoding", "STEIM2"],
            "--encoding STEIM2 does not apply to --format sac",
        ),
        (
            "process",
            ["--record-length", "512"],
            "--record-length 512 does not apply to --format sac",
        ),
    ] {
        let out = dir.path().join("out");
        let mut args = vec![cmd, s(&input), "--out", s(&out), "--format", "sac"];
        args.extend(extra);
        if cmd == "process" {
            args.extend(["--pipeline", "detrend()"]);
        }
        let o = seispool(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?}: wrote {}", out.display());
    }
    let out = dir.path().join("out");
    let o = seispool(&[
        "convert",
        s(&input),
        "--out",
        s(&out),
        "--format",
        "sac",
        "--encoding",
        "FLOAT32",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
