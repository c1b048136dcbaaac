//! FIR stages evaluated over one period and reused (`PeriodicFir` in `seispool_dsp::response`): when
//! a FIR stage's input rate is below the evaluated sampling rate, the frequency grid wraps its
//! response several times. Proven two ways:
//!
//! * against the old kernel (every FIR summed at every frequency, `evaluate_every_frequency`) for
//!   every StationXML response in ObsPy's test data and the inventories ObsPy writes for the evalresp
//!   rules (asymmetric, odd and even symmetric, palindromic FIRs), on grids that wrap from 1.25 to 50
//!   times, even and odd `nfft`, one and two threads: within 1e-11 of the response's maximum;
//! * against ObsPy 1.5.1's `get_evalresp_response` on long wrapping grids (200 001 frequencies, and
//!   the 6-hour benchmark grid of 2 160 001 for IU.ANMO): within 1e-9 of the maximum, the evaluation
//!   contract (the response removal one is 1e-8 of the trace's maximum).

use std::path::{Path, PathBuf};

use seispool_core::inventory::Inventory;
use seispool_dsp::response::{Output, evaluate_every_frequency, evaluate_threads, fir_periods};
use seispool_testkit::{inventory_responses, obspy_package_dir, read_c128, run_oracle, stationxml_with_responses};

/// Against the every-frequency sums.
const TOL_OLD: f64 = 1e-11;
/// Against ObsPy (the evaluation contract).
const TOL_OBSPY: f64 = 1e-9;

/// Writes ObsPy's synthetic rule inventories (no evaluation) and returns their paths.
fn synthetic_inventories(dir: &Path) -> Vec<PathBuf> {
    let spec = serde_json::json!({"files": [], "cases": [], "outputs": [], "write_synthetic": true});
    let spec_path = dir.join("spec_synthetic.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let out = run_oracle(
        "response_eval.py",
        &[dir.to_str().expect("utf-8"), spec_path.to_str().expect("utf-8")],
    );
    let manifest: serde_json::Value = serde_json::from_str(&out).expect("manifest json");
    manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| PathBuf::from(f.as_str().expect("path")))
        .collect()
}

fn max_error(want: &[(f64, f64)], got: &[num_complex::Complex64]) -> (f64, f64) {
    let max = want.iter().map(|(a, b)| a.hypot(*b)).fold(0.0, f64::max);
    let err = want
        .iter()
        .zip(got)
        .map(|((a, b), g)| (g.re - a).hypot(g.im - b))
        .fold(0.0, f64::max);
    (err, max)
}

#[test]
fn periodic_fir_evaluation_matches_every_frequency_sums_for_every_test_inventory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = stationxml_with_responses(&obspy_package_dir());
    assert!(
        files.len() >= 30,
        "expected ObsPy's StationXML test files, found {}",
        files.len()
    );
    files.extend(synthetic_inventories(dir.path()));
    // (t_samp, nfft): 100 Hz and 250 Hz grids, even and odd nfft and nfft/2.
    let grids = [(0.01, 20_000), (0.01, 20_001), (0.004, 30_002), (0.01, 7_777)];
    let mut failures = Vec::new();
    let (mut periodic, mut antiperiodic, mut compared) = (0, 0, 0);
    let mut worst = 0.0f64;
    for f in &files {
        let inv = seispool_io::read_inventory(f).unwrap_or_else(|e| panic!("{e}"));
        for (id, resp) in inventory_responses(&inv) {
            for &(t_samp, nfft) in &grids {
                let Ok(periods) = fir_periods(resp, t_samp, nfft) else {
                    continue;
                };
                if periods.is_empty() {
                    continue;
                }
                periodic += 1;
                antiperiodic += usize::from(periods.iter().any(|p| p.1));
                for threads in [1, 2] {
                    let new = evaluate_threads(resp, t_samp, nfft, Output::Vel, threads);
                    let old = evaluate_every_frequency(resp, t_samp, nfft, Output::Vel, 1);
                    let (Ok(new), Ok(old)) = (new, old) else {
                        failures.push(format!("{} {id}: one path refused", f.display()));
                        continue;
                    };
                    let old: Vec<(f64, f64)> = old.iter().map(|c| (c.re, c.im)).collect();
                    let (err, max) = max_error(&old, &new);
                    worst = worst.max(err / max);
                    if new.len() != old.len() || err.is_nan() || err > TOL_OLD * max {
                        failures.push(format!(
                            "{} {id} t_samp={t_samp} nfft={nfft} threads={threads} periods {periods:?}: {err:e} of {max:e}",
                            f.display()
                        ));
                    }
                    compared += 1;
                }
            }
        }
    }
    eprintln!(
        "{compared} comparisons, {periodic} periodic grids, {antiperiodic} with an even symmetric FIR, \
         largest difference {worst:e} of the maximum"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(periodic >= 20, "only {periodic} responses had a wrapping FIR stage");
    assert!(antiperiodic >= 1, "no even-length symmetric FIR was exercised");
}

/// ObsPy's DISP responses of `files` on one grid, written under `dir`: the manifest.
fn obspy_responses(files: &[PathBuf], (t_samp, nfft): (f64, usize), dir: &Path) -> serde_json::Value {
    std::fs::create_dir_all(dir).expect("mkdir");
    let spec = serde_json::json!({
        "files": files, "cases": [[t_samp, nfft]], "outputs": ["DISP"], "write_synthetic": false,
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let out = run_oracle(
        "response_eval.py",
        &[dir.to_str().expect("utf-8"), spec_path.to_str().expect("utf-8")],
    );
    serde_json::from_str(&out).expect("manifest json")
}

#[test]
fn periodic_fir_evaluation_matches_obspy_on_long_wrapping_grids() {
    let root = obspy_package_dir().join("core/tests/data");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = [
        "IU_ANMO_00_BHZ.xml",
        "G_CAN__LHZ.xml",
        "IU_ULN_00_LH1.xml",
        "DK.BSD..BHZ.xml",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    files.extend(synthetic_inventories(dir.path()));
    // 200 001 frequencies at 100 Hz (a 40 Hz FIR wraps 1.25 times, a 20 Hz one 2.5 times, a 1 Hz
    // one 50 times) for every file; the 6-hour benchmark grid (2 160 001) for IU.ANMO.
    let runs = [
        (files.clone(), (0.01, 400_000usize), dir.path().join("medium")),
        (files[..1].to_vec(), (0.01, 4_320_000), dir.path().join("long")),
    ];
    let mut failures = Vec::new();
    let (mut compared, mut periodic) = (0, 0);
    let mut worst = 0.0f64;
    for (files, (t_samp, nfft), out_dir) in &runs {
        let manifest = obspy_responses(files, (*t_samp, *nfft), out_dir);
        let invs: Vec<Inventory> = files
            .iter()
            .map(|f| seispool_io::read_inventory(f).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        for ch in manifest["channels"].as_array().expect("channels") {
            let fi = ch["file"].as_u64().expect("file") as usize;
            let ci = ch["chan"].as_u64().expect("chan") as usize;
            let ours = inventory_responses(&invs[fi]);
            let (id, resp) = &ours[ci];
            for r in ch["results"].as_array().expect("results") {
                let Some(file) = r.get("file") else { continue };
                let want = read_c128(&out_dir.join(file.as_str().expect("name")));
                let what = format!("{} {id} t_samp={t_samp} nfft={nfft}", files[fi].display());
                let periods = fir_periods(resp, *t_samp, *nfft).unwrap_or_default();
                periodic += usize::from(!periods.is_empty());
                match evaluate_threads(resp, *t_samp, *nfft, Output::Disp, 2) {
                    Ok(got) => {
                        let (err, max) = max_error(&want, &got);
                        worst = worst.max(err / max);
                        if want.len() != got.len() || err.is_nan() || err > TOL_OBSPY * max {
                            failures.push(format!("{what} periods {periods:?}: {err:e} of {max:e}"));
                        }
                        compared += 1;
                    }
                    Err(e) => failures.push(format!("{what}: obspy evaluates, we refuse: {e}")),
                }
            }
        }
    }
    eprintln!(
        "{compared} responses compared with ObsPy, {periodic} with a reused FIR period, \
         largest difference {worst:e} of the maximum"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        periodic >= 5,
        "only {periodic} compared responses had a wrapping FIR stage"
    );
}
