//! `seispool info` and `seispool convert` on ObsPy's own MiniSEED test data and on an SDS archive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use seispool_testkit::{obspy_mseed_data, run_python, tempdir};

mod common;
use common::{demo_archive, seispool};

fn copy_tree(from: &Path, to: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dst = to.join(p.file_name().unwrap());
        if p.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            n += copy_tree(&p, &dst);
        } else {
            std::fs::copy(&p, &dst).unwrap();
            n += 1;
        }
    }
    n
}

/// The foundation issue's "done means": convert --encoding FLOAT64 of every file of ObsPy's MiniSEED test
/// data that ObsPy reads gives a file ObsPy reads to exactly the samples and start times of the original.
#[test]
fn convert_float64_of_obspy_test_data_reads_back_identically_in_obspy() {
    let dir = tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let n = copy_tree(&obspy_mseed_data(), &input);
    assert!(n > 50, "ObsPy's test data has many files, found {n}");
    let out = dir.path().join("out");
    let o = seispool(&[
        "convert",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--encoding",
        "FLOAT64",
        "--quiet",
        "--json",
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = run_python(
        r#"
import os, sys, json, warnings
import numpy as np, obspy
src, dst = sys.argv[1], sys.argv[2]
checked, problems = 0, []
for d, _, names in os.walk(src):
    for name in sorted(names):
        p = os.path.join(d, name)
        rel = os.path.relpath(p, src)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = obspy.read(p, format="MSEED")
        except Exception:
            continue
        if any(t.data.dtype.kind in "SU" for t in ref) or all(t.stats.npts == 0 for t in ref):
            continue  # text data has no FLOAT64 form; empty files give no output
        q = os.path.join(dst, rel)
        if not os.path.exists(q):
            problems.append(f"{rel}: ObsPy reads it ({len(ref)} traces) but convert wrote nothing")
            continue
        got = obspy.read(q)
        # Traces that only an empty record kept apart are contiguous once written: compare joined.
        ref = obspy.Stream([t for t in ref if t.stats.npts > 0])
        for st in (ref, got):
            st.sort()
            st.merge(-1)
        if len(got) != len(ref):
            problems.append(f"{rel}: {len(got)} traces vs {len(ref)}")
            continue
        for a, b in zip(got, ref):
            same = (a.id == b.id and a.stats.starttime.ns == b.stats.starttime.ns and a.stats.npts == b.stats.npts
                    and a.stats.sampling_rate == b.stats.sampling_rate
                    and np.array_equal(a.data, b.data.astype(np.float64)))
            if not same:
                problems.append(f"{rel}: {a} vs {b}")
        checked += 1
print(json.dumps({"checked": checked, "problems": problems}))
"#,
        &[input.to_str().unwrap(), out.to_str().unwrap()],
    );
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    let problems: Vec<String> = serde_json::from_value(v["problems"].clone()).unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(v["checked"].as_u64().unwrap() > 40, "{v}");
}

#[test]
fn info_reports_gaps_overlaps_and_opens_only_the_days_of_the_window() {
    let dir = tempdir().unwrap();
    let archive = demo_archive(dir.path(), "3", "2");
    let info = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["info", archive.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let o = seispool(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let all = info(&[]);
    assert_eq!(all["opened"], 18);
    let files = all["files"].as_array().unwrap();
    let gaps: Vec<&serde_json::Value> = files.iter().flat_map(|f| f["gaps"].as_array().unwrap()).collect();
    assert!(
        gaps.iter()
            .any(|g| g["kind"] == "gap" && g["id"] == "XS.ST01.00.HHZ" && g["samples"] == 1800),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["kind"] == "overlap" && g["id"] == "XS.ST02.00.HHN"),
        "{gaps:?}"
    );
    let t = &files[0]["traces"][0];
    assert_eq!(t["encoding"], "STEIM2");
    assert_eq!(t["record_length"], 4096);
    // A window inside day 2 opens day 2's files only; one just after midnight also opens the day before.
    assert_eq!(
        info(&["--start", "2024-01-02T10:00:00", "--end", "2024-01-02T12:00:00"])["opened"],
        6
    );
    assert_eq!(
        info(&["--start", "2024-01-02T00:00:10", "--end", "2024-01-02T01:00:00"])["opened"],
        12
    );
    let sel = info(&[
        "--start",
        "2024-01-02T10:00:00",
        "--end",
        "2024-01-02T12:00:00",
        "--select",
        "XS.ST02.*.HHZ",
    ]);
    let traces: Vec<&serde_json::Value> = sel["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["traces"].as_array().unwrap())
        .collect();
    assert!(
        !traces.is_empty() && traces.iter().all(|t| t["id"] == "XS.ST02.00.HHZ"),
        "{traces:?}"
    );
}

#[test]
fn info_on_a_corrupt_file_names_file_and_offset_and_exits_1() {
    let dir = tempdir().unwrap();
    let bad = dir.path().join("bad.mseed");
    std::fs::write(&bad, vec![0x41u8; 300]).unwrap();
    let o = seispool(&["info", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.mseed") && err.contains("byte"), "{err}");
    // --format forces the reader: a MiniSEED file read as SAC is an error naming the file.
    let archive = demo_archive(dir.path(), "1", "1");
    let o = seispool(&[
        "info",
        archive.to_str().unwrap(),
        "--format",
        "sac",
        "--select",
        "XS.ST01.00.HHZ",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("XS.ST01.00.HHZ.D.2024.001"));
    let o = seispool(&["info", archive.to_str().unwrap(), "--format", "mseed2", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}
