//! `seispool ppsd` end to end: npz files that ObsPy 1.5.1's `PPSD.load_npz` loads, with the windows and
//! binned PSDs (within 1e-3 dB) ObsPy's own `PPSD.add` gives for the same files, and that its `plot()`,
//! `plot_temporal()` and `plot_spectrogram()` draw; identical files for any `--jobs`; `--resume` adding only
//! new windows; usage errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{demo_archive, s, seispool_exit};
use seispool_testkit::{run_python, tempdir};

const PAZ: &str = r#"{"poles": [[-0.037004, 0.037016], [-0.037004, -0.037016], [-251.33, 0], [-131.04, -467.29],
  [-131.04, 467.29]], "zeros": [[0, 0], [0, 0]], "gain": 60077000.0, "sensitivity": 2516778400.0}"#;

const CHECK: &str = r#"
import glob, json, os, sys, warnings
import matplotlib
matplotlib.use("Agg")
import numpy as np
from obspy import UTCDateTime, read
from obspy.signal import PPSD

out, archive, paz_file, end, plots = sys.argv[1:6]
p = json.load(open(paz_file))
paz = {"poles": [complex(*z) for z in p["poles"]], "zeros": [complex(*z) for z in p["zeros"]],
       "gain": p["gain"], "sensitivity": p["sensitivity"]}
files = sorted(glob.glob(os.path.join(archive, "**", "*.D.*"), recursive=True))
checked = []
for npz in sorted(glob.glob(os.path.join(out, "*.npz"))):
    ours = PPSD.load_npz(npz)
    st = read(files[0]).__class__()
    for f in files:
        st += read(f)
    st = st.select(id=ours.id)
    st.trim(endtime=UTCDateTime(end), nearest_sample=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = PPSD(st[0].stats, paz, ppsd_length=1800)
        ref.add(st)
    assert ours._times_processed == ref._times_processed, (ours._times_processed, ref._times_processed)
    assert len(ours._binned_psds) == len(ref._binned_psds) > 0
    for a, b in zip(ours._binned_psds, ref._binned_psds):
        assert np.nanmax(np.abs(a.astype(float) - b.astype(float))) <= 1e-3
    assert ours._times_data == ref._times_data
    assert ours._times_gaps == ref._times_gaps
    for key in PPSD.NPZ_STORE_KEYS_ARRAY_TYPES:
        np.testing.assert_array_equal(getattr(ours, key), getattr(ref, key))
    for key in ["id", "sampling_rate", "skip_on_gaps", "ppsd_length", "overlap", "special_handling",
                "_len", "_nlap", "_nfft"]:
        assert getattr(ours, key) == getattr(ref, key), key
    ours.calculate_histogram()
    ref.calculate_histogram()
    np.testing.assert_array_equal(ours.current_histogram, ref.current_histogram)
    if not checked:  # ObsPy's three pictures of the first channel (matplotlib is slow)
        base = os.path.join(plots, ours.id)
        ours.plot(filename=base + ".plot.png", show=False)
        ours.plot_temporal([0.5, 2.0], filename=base + ".temporal.png", show=False)
        ours.plot_spectrogram(filename=base + ".spectrogram.png", show=False)
        for kind in ("plot", "temporal", "spectrogram"):
            assert os.path.getsize(base + "." + kind + ".png") > 10000
    # ObsPy's add_npz accumulates our file into its own PPSD.
    acc = PPSD(st[0].stats, paz, ppsd_length=1800)
    acc.add_npz(npz)
    assert acc._times_processed == ours._times_processed
    checked.append(ours.id)
print(json.dumps(checked))
"#;

#[test]
fn ppsd_cli_npz_loads_in_obspy_matches_its_ppsd_and_plots() {
    let dir = tempdir().unwrap();
    let archive = demo_archive(dir.path(), "1", "1");
    let paz = dir.path().join("paz.json");
    std::fs::write(&paz, PAZ).unwrap();
    let end = "2024-01-01T01:30:00";
    let out = dir.path().join("out");
    let args = |out: &std::path::Path, jobs: &'static str, end: &'static str| {
        vec![
            "ppsd".to_string(),
            s(&archive).into(),
            "--paz".into(),
            s(&paz).into(),
            "--out".into(),
            s(out).into(),
            "--ppsd-length".into(),
            "1800".into(),
            "--end".into(),
            end.into(),
            "-j".into(),
            jobs.into(),
            "--json".into(),
            "--quiet".into(),
        ]
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = seispool_exit(&a, 0);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let summary = run(args(&out, "2", end));
    assert_eq!(summary["channels"], 3);
    assert_eq!(summary["ok"], 3);
    // Same bytes for any --jobs.
    let out1 = dir.path().join("out1");
    run(args(&out1, "1", end));
    for id in ["XS.ST01.00.HHZ", "XS.ST01.00.HHN", "XS.ST01.00.HHE"] {
        let a = std::fs::read(out.join(format!("{id}.npz"))).unwrap();
        let b = std::fs::read(out1.join(format!("{id}.npz"))).unwrap();
        assert!(a == b, "{id}: npz differs between -j 2 and -j 1");
    }
    let plots = dir.path().join("plots");
    std::fs::create_dir(&plots).unwrap();
    let checked = run_python(CHECK, &[s(&out), s(&archive), s(&paz), end, s(&plots)]);
    assert!(
        checked.contains("XS.ST01.00.HHZ") && checked.contains("XS.ST01.00.HHE"),
        "{checked}"
    );

    // --resume: a shorter run, then the longer one adds only the new windows.
    let out2 = dir.path().join("out2");
    let first = run(args(&out2, "2", "2024-01-01T00:50:00"));
    let mut again = args(&out2, "2", end);
    again.push("--resume".into());
    let second = run(again);
    let total = summary["windows_added"].as_u64().unwrap();
    assert_eq!(
        first["windows_added"].as_u64().unwrap() + second["windows_added"].as_u64().unwrap(),
        total
    );
    assert!(second["windows_added"].as_u64().unwrap() > 0);
    let same = run_python(
        "import sys\nfrom obspy.signal import PPSD\nimport numpy as np\n\
         a = PPSD.load_npz(sys.argv[1]); b = PPSD.load_npz(sys.argv[2])\n\
         assert a._times_processed == b._times_processed\n\
         assert all(np.array_equal(x, y) for x, y in zip(a._binned_psds, b._binned_psds))\nprint('same')",
        &[s(&out.join("XS.ST01.00.HHZ.npz")), s(&out2.join("XS.ST01.00.HHZ.npz"))],
    );
    assert_eq!(same.trim(), "same");
}

#[test]
fn ppsd_cli_usage_errors_exit_2_before_work() {
    let dir = tempdir().unwrap();
    let paz = dir.path().join("paz.json");
    std::fs::write(&paz, PAZ).unwrap();
    let bad_paz = dir.path().join("bad.json");
    std::fs::write(
        &bad_paz,
        r#"{"poles": [[1]], "zeros": [], "gain": 1, "sensitivity": 1}"#,
    )
    .unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let out = dir.path().join("out");
    let base = ["ppsd", s(&input), "--out", s(&out)];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "--paz"),
        (vec!["--paz", s(&bad_paz)], "poles[0]"),
        (vec!["--paz", s(&paz), "--db-bins", "1,2"], "--db-bins"),
        (vec!["--paz", s(&paz), "--overlap", "1.5"], "overlap"),
        (vec!["--paz", s(&paz), "--period-limits", "10,1"], "period_limits"),
        (vec!["--special-handling", "ringlaser"], "--sensitivity"),
        (
            vec!["--paz", s(&paz), "--special-handling", "seismometer"],
            "special_handling",
        ),
    ];
    for (extra, needle) in cases {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra);
        let o = seispool_exit(&a, 2);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{a:?}: {err}");
    }
    assert!(!out.exists(), "nothing written on usage errors");
}

const INVENTORY_CHECK: &str = r#"
import sys, warnings
from obspy import read, read_inventory
from obspy.signal import PPSD
st = read(sys.argv[1])
ours = PPSD.load_npz(sys.argv[3])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ref = PPSD(st[0].stats, read_inventory(sys.argv[2]))
    ref.add(st)
assert ours._times_processed == ref._times_processed
print(max(abs(float(a) - float(b)) for x, y in zip(ours._binned_psds, ref._binned_psds) for a, b in zip(x, y)))
"#;

#[test]
fn ppsd_cli_inventory_gives_obspys_windows_for_iuanmo() {
    let signal = run_python(
        "import os, obspy.signal; print(os.path.dirname(obspy.signal.__file__))",
        &[],
    );
    let data = std::path::PathBuf::from(signal.trim()).join("tests/data");
    let dir = tempdir().unwrap();
    let out = dir.path().join("out");
    let o = seispool_exit(
        &[
            "ppsd",
            s(&data.join("IUANMO.seed")),
            "--inventory",
            s(&data.join("IUANMO.xml")),
            "--out",
            s(&out),
            "--json",
            "-q",
        ],
        0,
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["results"][0]["windows_total"], 47);
    // The picture (seispool-plot's PPSD density) is written next to the npz.
    assert_eq!(summary["results"][0]["png"], "IU.ANMO.00.LHZ.png");
    let png = std::fs::read(out.join("IU.ANMO.00.LHZ.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    let check = run_python(
        INVENTORY_CHECK,
        &[
            s(&data.join("IUANMO.seed")),
            s(&data.join("IUANMO.xml")),
            s(&out.join("IU.ANMO.00.LHZ.npz")),
        ],
    );
    let worst: f64 = check.trim().parse().unwrap();
    assert!(worst <= 1e-3, "max dB difference {worst}");
}
