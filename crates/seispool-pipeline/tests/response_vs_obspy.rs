//! Response evaluation against ObsPy 1.5.1's `get_evalresp_response` for every StationXML file with
//! responses in ObsPy's own test data, plus inventories ObsPy writes to exercise each evalresp rule
//! (renormalised stages, accelerometers, nm/cm/mm units, Hz and digital poles and zeros, IIR and
//! asymmetric FIR coefficients, palindromic FIRs, delay corrections, response lists).
//! One oracle process for all cases; tolerance 1e-9 of the response's maximum modulus.

use std::path::PathBuf;

use seispool_core::inventory::Inventory;
use seispool_dsp::response::{Output, evaluate};
use seispool_testkit::{inventory_responses, obspy_package_dir, read_c128, run_oracle, stationxml_with_responses};

const CASES: &[(f64, usize)] = &[(0.025, 1024), (1.0, 7), (0.01, 1000)];
const OUTPUTS: &[&str] = &["DISP", "VEL", "ACC", "DEF"];
const TOL: f64 = 1e-9;

#[test]
fn response_evaluation_matches_obspy_for_every_test_inventory() {
    let files = stationxml_with_responses(&obspy_package_dir());
    assert!(
        files.len() >= 30,
        "expected ObsPy's StationXML test files, found {}",
        files.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = serde_json::json!({
        "files": files, "cases": CASES, "outputs": OUTPUTS, "write_synthetic": true,
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let out = run_oracle(
        "response_eval.py",
        &[dir.path().to_str().expect("utf-8"), spec_path.to_str().expect("utf-8")],
    );
    let manifest: serde_json::Value = serde_json::from_str(&out).expect("manifest json");
    let all_files: Vec<PathBuf> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| PathBuf::from(f.as_str().expect("path")))
        .collect();
    let invs: Vec<Inventory> = all_files
        .iter()
        .map(|f| seispool_io::read_inventory(f).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let mut failures = Vec::new();
    let (mut compared, mut refused) = (0, 0);
    for ch in manifest["channels"].as_array().expect("channels") {
        let fi = ch["file"].as_u64().expect("file") as usize;
        let ci = ch["chan"].as_u64().expect("chan") as usize;
        let ours = inventory_responses(&invs[fi]);
        let Some((id, resp)) = ours.get(ci) else {
            failures.push(format!("{}: channel {ci} missing", all_files[fi].display()));
            continue;
        };
        assert_eq!(
            id,
            ch["id"].as_str().expect("id"),
            "channel order in {}",
            all_files[fi].display()
        );
        for r in ch["results"].as_array().expect("results") {
            let (t_samp, nfft) = CASES[r["case"].as_u64().expect("case") as usize];
            let output = Output::from_name(r["output"].as_str().expect("output")).expect("output name");
            let what = format!(
                "{} {id} t_samp={t_samp} nfft={nfft} {output:?}",
                all_files[fi].display()
            );
            let got = evaluate(resp, t_samp, nfft, output);
            match (r.get("file"), got) {
                (Some(f), Ok(got)) => {
                    let want = read_c128(&dir.path().join(f.as_str().expect("name")));
                    let max = want.iter().map(|(a, b)| a.hypot(*b)).fold(0.0, f64::max);
                    let err = want
                        .iter()
                        .zip(&got)
                        .map(|((a, b), g)| (g.re - a).hypot(g.im - b))
                        .fold(0.0, f64::max);
                    if want.len() != got.len() || err.is_nan() || err > TOL * max {
                        failures.push(format!("{what}: max error {err:e} of max {max:e}"));
                    }
                    compared += 1;
                }
                (Some(_), Err(e)) => failures.push(format!("{what}: obspy evaluates, we refuse: {e}")),
                (None, Ok(_)) => failures.push(format!("{what}: obspy refuses ({}), we evaluate", r["error"])),
                (None, Err(_)) => refused += 1,
            }
        }
    }
    eprintln!("{compared} responses compared, {refused} refused by both");
    assert!(
        failures.is_empty(),
        "{} failures ({compared} compared):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 1000, "only {compared} responses compared");
    assert!(refused > 0, "the test data includes responses ObsPy refuses");
}
