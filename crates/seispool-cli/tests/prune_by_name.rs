//! `--select` prunes SDS day files by name before opening them (issue 20), without ever dropping a file
//! that holds matching data: only names at their SDS place are trusted; files elsewhere, whatever their
//! names say, are opened. Units that select nothing are "empty", not "ok"; `info` does not list files
//! that hold none of the selection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{demo_archive, s, seispool_exit};
use seispool_testkit::tempdir;

fn day(archive: &Path, sta: &str, cha: &str) -> PathBuf {
    archive.join(format!("2024/XS/{sta}/{cha}.D/XS.{sta}.00.{cha}.D.2024.001"))
}

/// The demo archive (XS.ST01/ST02 × HHZ/HHN/HHE, one day) plus:
/// * ST02's HHZ day file replaced by garbage (reading it would fail: it must not be opened);
/// * ST01's HHZ data under a name saying ST02, outside any SDS place (`extra/`): must be read;
/// * ST01's HHN data at a place whose directories contradict its name (`ST02/HHE.D/…ST02..HHN…`): read;
/// * ST02's HHN data in a loose file (`extra/other.mseed`): opened, holds nothing selected.
fn archive(dir: &Path) -> PathBuf {
    let a = demo_archive(dir, "1", "2");
    std::fs::create_dir_all(a.join("extra")).unwrap();
    std::fs::copy(day(&a, "ST01", "HHZ"), a.join("extra/XS.ST02.00.HHZ.D.2024.001")).unwrap();
    std::fs::copy(
        day(&a, "ST01", "HHN"),
        a.join("2024/XS/ST02/HHE.D/XS.ST02.00.HHN.D.2024.001"),
    )
    .unwrap();
    std::fs::copy(day(&a, "ST02", "HHN"), a.join("extra/other.mseed")).unwrap();
    std::fs::write(day(&a, "ST02", "HHZ"), vec![b'x'; 5000]).unwrap();
    a
}

/// One archive for both commands (building it is the slow part).
#[test]
fn select_prunes_sds_names_but_reads_files_whose_names_prove_nothing() {
    let dir = tempdir().unwrap();
    let a = archive(dir.path());
    info_with_select(&a);
    process_with_select_counts_units_that_select_nothing_as_empty(dir.path(), &a);
}

fn info_with_select(a: &Path) {
    let o = seispool_exit(&["info", s(a), "--select", "XS.ST01.*.*", "--json"], 0);
    let inv: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Opened: ST01's three day files, the two misleading names, the loose file; not ST02's day files.
    assert_eq!(
        (inv["opened"].as_u64(), inv["failed"].as_u64()),
        (Some(6), Some(0)),
        "{inv}"
    );
    let listed: Vec<(String, Vec<String>)> = inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ids = f["traces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string());
            (f["path"].as_str().unwrap().to_string(), ids.collect())
        })
        .collect();
    // The loose file holds only ST02 data: opened, not listed. The others hold ST01 data only.
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert!(
        listed
            .iter()
            .all(|(_, ids)| !ids.is_empty() && ids.iter().all(|i| i.starts_with("XS.ST01.")))
    );
    for name in [
        "extra/XS.ST02.00.HHZ.D.2024.001",
        "ST02/HHE.D/XS.ST02.00.HHN.D.2024.001",
    ] {
        assert!(
            listed.iter().any(|(p, _)| p.ends_with(name)),
            "{name} not read: {listed:?}"
        );
    }
}

fn process_with_select_counts_units_that_select_nothing_as_empty(dir: &Path, a: &Path) {
    let out = dir.join("out");
    let args = [
        "process",
        s(a),
        "--out",
        s(&out),
        "--pipeline",
        "detrend(\"demean\")",
        "--select",
        "XS.ST01.*.*",
    ];
    let o = seispool_exit(&[&args[..], &["--json", "--quiet"]].concat(), 0);
    let sum: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let counts = ["units", "ok", "empty", "failed"].map(|k| sum[k].as_u64().unwrap());
    assert_eq!(counts, [6, 5, 1, 0], "{sum}");
    assert!(out.join("extra/XS.ST02.00.HHZ.D.2024.001").exists());
    assert!(!out.join("extra/other.mseed").exists());
    let human = seispool_exit(&[&args[..], &["--jobs", "1"]].concat(), 0);
    let text = String::from_utf8_lossy(&human.stderr).to_string() + &String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("6 units: 5 ok, 1 empty, 0 failed"), "{text}");
}

/// `--select 'ZZ.*'` (or a window outside the data) wrote nothing, failed nothing and ended with an
/// empty summary and exit code 0: a typo looked like success. The summary now says nothing matched.
#[test]
fn select_or_window_matching_nothing_finished_silently() {
    let dir = tempdir().unwrap();
    let a = demo_archive(dir.path(), "1", "1");
    for (extra, said) in [
        (
            vec!["--select", "ZZ.*"],
            "no data matched select 'ZZ.*': nothing written",
        ),
        (
            vec!["--start", "2030-01-01", "--end", "2030-01-02"],
            "no data matched the window 2030-01-01T00:00:00.000000Z - 2030-01-02T00:00:00.000000Z",
        ),
    ] {
        let out = dir.path().join("out");
        let mut args = vec!["process", s(&a), "--out", s(&out), "--pipeline", "detrend()"];
        args.extend(&extra);
        let o = seispool_exit(&args, 0);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains(said), "{extra:?}: {stderr}");
    }
    // A run that writes something says nothing of the kind.
    let out = dir.path().join("out2");
    let o = seispool_exit(
        &[
            "process",
            s(&a),
            "--out",
            s(&out),
            "--pipeline",
            "detrend()",
            "--select",
            "*.HHZ",
        ],
        0,
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("no data matched"));
}
