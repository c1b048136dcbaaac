//! `remove_response` and `remove_sensitivity` against ObsPy 1.5.1 on seeded noise for every channel
//! epoch of the named test inventories (IU_ANMO, DK.BSD, IM_IL31, G_CAN, the hydrophone, the
//! polynomial sensor, …) and the inventories ObsPy writes in `response_eval.py`, plus the real
//! IU_ULN LH1 waveform with its inventory: every output, with and without pre-filter and water level,
//! odd and even lengths. One oracle process; tolerance 1e-8 of the trace's maximum, or, without a
//! water level, ten times the change in ObsPy's own result when its FIR coefficients move by one ulp
//! when that is larger (plain inversion turns FIR stopband rounding into output; the oracle measures it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use seispool_core::inventory::Inventory;
use seispool_core::{ChannelId, Time};
use seispool_dsp::response::{Output, RemoveOptions, ResponseRemover, npts2nfft, remove_sensitivity};
use seispool_testkit::{python, read_f64_file, run_oracle};

const TOL: f64 = 1e-8;
const NAMED: &[&str] = &[
    "IU_ANMO_00_BHZ.xml",
    "DK.BSD..BHZ.xml",
    "IM_IL31__BHZ.xml",
    "G_CAN__LHZ.xml",
    "hydrophone_response_PA.xml",
    "polynomial_response.xml",
    "IU_ULN_00_LH1.xml",
    "AU.MEEK.xml",
    "stationxml_BK.CMB.__.LKS.xml",
    "response_radian_per_second.xml",
    "IM_I53H1_BDF.xml",
];

fn obspy_core_data() -> PathBuf {
    let out = std::process::Command::new(python())
        .args(["-c", "import obspy, os; print(os.path.dirname(obspy.__file__))"])
        .output()
        .expect("spawn oracle python");
    assert!(out.status.success(), "oracle python cannot import obspy");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("core/tests/data")
}

fn options() -> Vec<serde_json::Value> {
    let pf = serde_json::json!([0.005, 0.01, 0.3, 0.45]);
    vec![
        serde_json::json!({}),
        serde_json::json!({"output": "DISP"}),
        serde_json::json!({"output": "ACC"}),
        serde_json::json!({"output": "DEF"}),
        serde_json::json!({"output": "DISP", "pre_filt": pf}),
        serde_json::json!({"output": "VEL", "pre_filt": pf, "water_level": null}),
        serde_json::json!({"output": "ACC", "water_level": null}),
        serde_json::json!({"output": "DISP", "water_level": 10}),
        serde_json::json!({"zero_mean": false, "taper": false}),
        serde_json::json!({"taper_fraction": 0.2}),
        serde_json::json!({"sensitivity": true}),
    ]
}

fn remove_options(o: &serde_json::Value) -> RemoveOptions {
    let mut r = RemoveOptions::default();
    if let Some(out) = o.get("output").and_then(|v| v.as_str()) {
        r.output = Output::from_name(out).expect("output");
    }
    if let Some(wl) = o.get("water_level") {
        r.water_level = wl.as_f64();
    }
    if let Some(pf) = o.get("pre_filt").and_then(|v| v.as_array()) {
        let v: Vec<f64> = pf.iter().map(|x| x.as_f64().expect("f64")).collect();
        r.pre_filt = Some([v[0], v[1], v[2], v[3]]);
    }
    if let Some(z) = o.get("zero_mean").and_then(|v| v.as_bool()) {
        r.zero_mean = z;
    }
    if let Some(t) = o.get("taper").and_then(|v| v.as_bool()) {
        r.taper = t;
    }
    if let Some(t) = o.get("taper_fraction").and_then(|v| v.as_f64()) {
        r.taper_fraction = t;
    }
    r
}

/// Ours: find the epoch, then remove the response (or sensitivity) as the pipeline op does.
fn ours(
    inv: &Inventory,
    id: &ChannelId,
    t: Time,
    rate: f64,
    data: &[f64],
    o: &serde_json::Value,
) -> Result<Vec<f64>, String> {
    let (_, _, resp) = inv.find_response(id, t).ok_or("no matching response")?;
    if o.get("sensitivity").is_some() {
        let mut d = data.to_vec();
        remove_sensitivity(resp, &mut d).map_err(|e| e.to_string())?;
        return Ok(d);
    }
    let mut rm = ResponseRemover::new(remove_options(o)).map_err(|e| e.to_string())?;
    let removal = rm
        .multiplier(resp, 1.0 / rate, npts2nfft(data.len()))
        .map_err(|e| e.to_string())?;
    let one = rm.apply(data, &removal).map_err(|e| e.to_string())?;
    // Two threads (evaluation split by frequency, split FFT steps split by rows and columns) must give
    // the very same samples.
    rm.set_threads(2);
    let removal2 = rm
        .multiplier(resp, 1.0 / rate, npts2nfft(data.len()))
        .map_err(|e| e.to_string())?;
    let two = rm.apply(data, &removal2).map_err(|e| e.to_string())?;
    if one != two {
        return Err("two threads gave different samples than one".into());
    }
    Ok(one)
}

#[test]
fn remove_response_matches_obspy_for_every_output_and_option() {
    let data_dir = obspy_core_data();
    let files: Vec<PathBuf> = NAMED.iter().map(|n| data_dir.join(n)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = options();
    let spec = serde_json::json!({
        "files": files, "synthetic": true, "npts": [3001, 4000, 777],
        "waveforms": [[data_dir.join("IU_ULN_00_LH1_2015-07-18T02.mseed"), data_dir.join("IU_ULN_00_LH1.xml")]],
        "options": opts,
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let out = run_oracle(
        "remove_response.py",
        &[dir.path().to_str().expect("utf-8"), spec_path.to_str().expect("utf-8")],
    );
    let manifest: serde_json::Value = serde_json::from_str(&out).expect("manifest json");
    let mut invs: HashMap<String, Inventory> = HashMap::new();
    let mut failures = Vec::new();
    let (mut compared, mut ill_conditioned) = (0, 0);
    for tr in manifest["traces"].as_array().expect("traces") {
        let xml = tr["xml"].as_str().expect("xml");
        let inv = invs
            .entry(xml.to_string())
            .or_insert_with(|| seispool_io::read_inventory(Path::new(xml)).unwrap_or_else(|e| panic!("{e}")));
        let id = ChannelId::parse(tr["id"].as_str().expect("id")).expect("id");
        let t = Time::from_ns(tr["starttime_ns"].as_i64().expect("ns"));
        let rate = tr["sampling_rate"].as_f64().expect("rate");
        let data = read_f64_file(&dir.path().join(tr["input"].as_str().expect("input")));
        for r in tr["results"].as_array().expect("results") {
            let o = &opts[r["option"].as_u64().expect("option") as usize];
            let what = format!("{xml} {id} npts={} {o}", data.len());
            match (r.get("file"), ours(inv, &id, t, rate, &data, o)) {
                (Some(f), Ok(got)) => {
                    let want = read_f64_file(&dir.path().join(f.as_str().expect("name")));
                    let max = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    let err = want.iter().zip(&got).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
                    // Plain inversion (no water level) amplifies FIR stopband rounding: there ObsPy's
                    // own answer moves by `rounding` when its coefficients move by one ulp.
                    let rounding = r.get("rounding").and_then(|v| v.as_f64()).unwrap_or(0.0);
                    let tol = (TOL * max).max(10.0 * rounding);
                    if rounding > TOL * max {
                        ill_conditioned += 1;
                    }
                    if want.len() != got.len() || err.is_nan() || err > tol {
                        failures.push(format!(
                            "{what}: max error {err:e} of max {max:e} (obspy rounding {rounding:e})"
                        ));
                    }
                    compared += 1;
                }
                (Some(_), Err(e)) => failures.push(format!("{what}: obspy removes, we refuse: {e}")),
                (None, Ok(_)) => failures.push(format!("{what}: obspy refuses ({}), we remove", r["error"])),
                (None, Err(_)) => {}
            }
        }
    }
    eprintln!("{compared} removals compared, {ill_conditioned} where ObsPy itself is rounding-limited");
    assert!(
        ill_conditioned < compared / 20,
        "too many rounding-limited cases: {ill_conditioned}"
    );
    assert!(
        failures.is_empty(),
        "{} failures ({compared} compared):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 200, "only {compared} removals compared");
}
