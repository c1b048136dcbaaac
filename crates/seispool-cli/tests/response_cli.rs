//! `seispool process --inventory` and `seispool info --inventory` end to end: the output equals ObsPy's
//! `remove_response` to 1e-8 of the trace's maximum; a file without metadata fails alone and the summary
//! names its id and time; a pipeline that removes responses without an inventory is a usage error.

mod common;

use std::path::{Path, PathBuf};

use common::{s, seispool, seispool_exit};
use seispool_testkit::{obspy_mseed_data, python, run_python};

fn obspy_core_data() -> PathBuf {
    obspy_mseed_data().join("../../../../core/tests/data")
}

/// `in/` with the IU.ULN LH1 record (metadata in IU_ULN_00_LH1.xml) and a BW file (no metadata).
fn inputs(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::copy(
        obspy_core_data().join("IU_ULN_00_LH1_2015-07-18T02.mseed"),
        input.join("uln.mseed"),
    )
    .expect("copy uln");
    std::fs::copy(
        obspy_mseed_data().join("BW.BGLD.__.EHE.D.2008.001.first_10_records"),
        input.join("bw.mseed"),
    )
    .expect("copy bw");
    input
}

const ORACLE: &str = r#"
import sys, numpy as np
from obspy import read, read_inventory
raw, xml, ours = sys.argv[1:4]
tr = read(raw)[0]
tr.remove_response(inventory=read_inventory(xml), output="DISP", pre_filt=[0.001, 0.002, 0.3, 0.45],
                   water_level=None)
got = read(ours)[0]
assert got.id == tr.id and got.stats.npts == tr.stats.npts, (got, tr)
err = np.abs(got.data.astype(np.float64) - tr.data).max() / np.abs(tr.data).max()
print(err)
"#;

#[test]
fn process_with_inventory_matches_obspy_and_reports_files_without_metadata() {
    let d = seispool_testkit::tempdir().expect("tempdir");
    let input = inputs(d.path());
    let xml = obspy_core_data().join("IU_ULN_00_LH1.xml");
    let out = d.path().join("out");
    let o = seispool_exit(
        &[
            "process",
            s(&input),
            "--inventory",
            s(&xml),
            "--out",
            s(&out),
            "--encoding",
            "FLOAT64",
            "--pipeline",
            "remove_response(output='DISP', pre_filt=[0.001, 0.002, 0.3, 0.45], water_level=None)",
            "--json",
        ],
        1,
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("BW.BGLD..EHE")
            && summary.contains("no response in the inventory")
            && summary.contains("at 2007-12-31T23:59:59.915000Z"),
        "{summary}"
    );
    let err: f64 = run_python(
        ORACLE,
        &[s(&input.join("uln.mseed")), s(&xml), s(&out.join("uln.mseed"))],
    )
    .trim()
    .parse()
    .expect("oracle prints the error");
    assert!(err <= 1e-8, "max error {err:e} of the trace maximum");
    assert!(!out.join("bw.mseed").exists(), "a failed file leaves no output");
}

#[test]
fn removing_responses_without_inventory_is_a_usage_error_naming_the_flag() {
    let d = seispool_testkit::tempdir().expect("tempdir");
    let input = inputs(d.path());
    let o = seispool_exit(
        &[
            "process",
            s(&input),
            "--out",
            s(&d.path().join("o")),
            "--pipeline",
            "remove_sensitivity()",
        ],
        2,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("remove_sensitivity() needs station metadata: give --inventory"),
        "{err}"
    );
    let bad = d.path().join("bad.xml");
    std::fs::write(&bad, "<FDSNStationXML><Network code='X'>").expect("write");
    let o = seispool_exit(
        &[
            "process",
            s(&input),
            "--inventory",
            s(&bad),
            "--out",
            s(&d.path().join("o")),
            "--pipeline",
            "detrend()",
        ],
        2,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.xml") && err.contains("malformed XML"), "{err}");
}

#[test]
fn info_with_inventory_lists_channels_without_response() {
    let d = seispool_testkit::tempdir().expect("tempdir");
    let input = inputs(d.path());
    let xml = obspy_core_data().join("IU_ULN_00_LH1.xml");
    let o = seispool_exit(&["info", s(&input), "--inventory", s(&xml)], 0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("no response: BW.BGLD..EHE"), "{text}");
    assert!(!text.contains("no response: IU.ULN"), "{text}");
    let o = seispool_exit(&["info", s(&input), "--inventory", s(&xml), "--json"], 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let missing = v["missing_responses"].as_array().expect("missing_responses");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["reason"], "channel not in the inventory");
    // Without --inventory the key is absent.
    let o = seispool(&["info", s(&input), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v.get("missing_responses").is_none());
    let _ = python();
}
