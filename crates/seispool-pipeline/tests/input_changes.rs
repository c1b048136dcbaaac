//! Inputs that vanish or change between planning and processing are reported per unit and the run
//! goes on; a changed input is redone by `--resume`; an output name that would leave the output
//! directory is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use seispool_pipeline::process::{ProcessSpec, plan, process_unit};
use seispool_pipeline::runner::{RunConfig, Summary, Unit, run};
use seispool_pipeline::{Processor, parse_pipeline};
use seispool_testkit::{obspy_mseed_data, tempdir};

fn spec() -> ProcessSpec {
    ProcessSpec::new(parse_pipeline("detrend(\"demean\")").unwrap())
}

fn cfg(out: &Path, resume: bool) -> RunConfig {
    RunConfig {
        out: out.to_path_buf(),
        jobs: Some(1),
        resume,
        config: spec().config_text(),
        progress: false,
    }
}

fn run_units(units: &[Unit], out: &Path, resume: bool) -> Summary {
    let spec = spec();
    run(units, &cfg(out, resume), |u| {
        process_unit(u, &spec, &mut Processor::new())
    })
    .unwrap()
}

/// Three copies of ObsPy's test.mseed under `dir/in`.
fn inputs(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for n in ["a", "b", "c"] {
        std::fs::copy(obspy_mseed_data().join("test.mseed"), input.join(format!("{n}.mseed"))).unwrap();
    }
    input
}

#[test]
fn input_vanishing_after_planning_is_reported_and_the_run_continues() {
    let dir = tempdir().unwrap();
    let input = inputs(dir.path());
    let units = plan(std::slice::from_ref(&input), &spec()).unwrap();
    assert_eq!(units.len(), 3);
    std::fs::remove_file(input.join("b.mseed")).unwrap();
    let out = dir.path().join("out");
    let s = run_units(&units, &out, false);
    assert_eq!((s.ok, s.failed), (2, 1), "{:?}", s.failures);
    let f = &s.failures[0];
    assert_eq!(f.output, "b.mseed");
    assert!(
        f.error.contains("b.mseed") && f.error.contains("No such file"),
        "{}",
        f.error
    );
    assert!(out.join("a.mseed").exists() && out.join("c.mseed").exists() && !out.join("b.mseed").exists());
}

#[test]
fn input_truncated_after_planning_is_reported_and_the_run_continues() {
    let dir = tempdir().unwrap();
    let input = inputs(dir.path());
    let units = plan(std::slice::from_ref(&input), &spec()).unwrap();
    // Cut mid-record: the reader reports it; an empty file is "no data records".
    std::fs::write(input.join("a.mseed"), b"").unwrap();
    let out = dir.path().join("out");
    let s = run_units(&units, &out, false);
    assert_eq!((s.ok, s.failed), (2, 1), "{:?}", s.failures);
    assert!(s.failures[0].error.contains("a.mseed"), "{}", s.failures[0].error);
    assert!(!out.join("a.mseed").exists());
}

#[test]
fn input_changed_after_a_run_is_redone_by_resume() {
    let dir = tempdir().unwrap();
    let input = inputs(dir.path());
    let out = dir.path().join("out");
    let units = plan(std::slice::from_ref(&input), &spec()).unwrap();
    assert_eq!(run_units(&units, &out, false).ok, 3);
    let before = std::fs::read(out.join("c.mseed")).unwrap();
    // Replace c with other data (different size, hence a different fingerprint).
    std::fs::copy(obspy_mseed_data().join("gaps.mseed"), input.join("c.mseed")).unwrap();
    let s = run_units(&units, &out, true);
    assert_eq!((s.ok, s.skipped), (1, 2));
    assert_ne!(std::fs::read(out.join("c.mseed")).unwrap(), before);
}

#[test]
fn output_names_leaving_the_output_directory_are_refused() {
    let dir = tempdir().unwrap();
    let input = inputs(dir.path());
    let out = dir.path().join("out");
    let bad = |output: &str| Unit {
        inputs: vec![input.join("a.mseed")],
        context: Vec::new(),
        output: PathBuf::from(output),
    };
    let escape = dir.path().join("escaped.mseed");
    let units = vec![
        bad("../escaped.mseed"),
        bad(escape.to_str().unwrap()),
        bad("ok/./fine.mseed"),
    ];
    let s = run_units(&units, &out, false);
    assert_eq!((s.ok, s.failed), (1, 2), "{:?}", s.failures);
    assert!(s.failures.iter().all(|f| f.error.starts_with("refusing output name")));
    assert!(!escape.exists(), "an output was written outside --out");
    assert!(out.join("ok/fine.mseed").exists());
}

#[test]
fn a_unit_that_panics_fails_alone_and_the_run_continues() {
    // Before, a panic in one unit unwound through the pool and lost every other unit of the run.
    let dir = tempdir().unwrap();
    let input = inputs(dir.path());
    let out = dir.path().join("out");
    let units = plan(std::slice::from_ref(&input), &spec()).unwrap();
    let spec = spec();
    let s = run(&units, &cfg(&out, false), |u| {
        if u.output == Path::new("b.mseed") {
            panic!("bug triggered by b");
        }
        process_unit(u, &spec, &mut Processor::new())
    })
    .unwrap();
    assert_eq!((s.ok, s.failed), (2, 1), "{:?}", s.failures);
    assert_eq!(
        s.failures[0].error,
        "internal error (a bug in seispool, please report it): bug triggered by b"
    );
    assert!(out.join("a.mseed").exists() && out.join("c.mseed").exists());
}
