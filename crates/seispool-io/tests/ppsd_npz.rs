//! The PPSD npz layout: round trip, and hostile files (not a zip, truncated, wrong dtypes, absurd shapes)
//! refused with an error naming the file and the member, never a panic. (ObsPy loading our files is tested
//! in seispool-cli's ppsd_cli and python/tests/test_ppsd.py.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use seispool_io::npz::{Npy, PpsdNpz};
use seispool_testkit::tempdir;

fn sample() -> PpsdNpz {
    PpsdNpz {
        id: "XX.STA.00.HHZ".into(),
        sampling_rate: 100.0,
        skip_on_gaps: false,
        ppsd_length: 3600.0,
        overlap: 0.5,
        special_handling: Some("hydrophone".into()),
        len: 360_000,
        nlap: 49152,
        nfft: 65536,
        db_bin_edges: vec![-200.0, -199.0, -198.0],
        psd_periods: vec![0.02, 0.04, 0.5],
        period_binning: std::array::from_fn(|r| vec![r as f64, r as f64 + 0.5]),
        times_data: vec![[1, 2], [3, 4]],
        times_gaps: vec![],
        times_processed: vec![10, 20, 30],
        binned_psds: vec![vec![-150.5, -140.25]; 3],
        obspy_version: "seispool test".into(),
        numpy_version: String::new(),
        matplotlib_version: String::new(),
    }
}

fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        zw.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zw.write_all(bytes).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

#[test]
fn ppsd_npz_round_trips() {
    let dir = tempdir().unwrap();
    let p = dir.path().join("a.npz");
    std::fs::write(&p, sample().to_bytes().unwrap()).unwrap();
    assert_eq!(PpsdNpz::read(&p).unwrap(), sample());
    let mut empty = sample();
    empty.times_processed.clear();
    empty.binned_psds.clear();
    empty.times_data.clear();
    std::fs::write(&p, empty.to_bytes().unwrap()).unwrap();
    assert_eq!(PpsdNpz::read(&p).unwrap(), empty);
}

#[test]
fn ppsd_npz_hostile_files_are_errors_naming_file_and_member() {
    let dir = tempdir().unwrap();
    let p = dir.path().join("bad.npz");
    let good = sample().to_bytes().unwrap();
    let cases: Vec<(Vec<u8>, &str)> =
        vec![
        (b"not a zip at all".to_vec(), "not a zip"),
        (good[..good.len() / 2].to_vec(), "bad.npz"),
        (zip_of(&[("ppsd_version.npy", Npy::I64(vec![], vec![3]).to_bytes())]), "missing"),
        (zip_of(&[("ppsd_version.npy", Npy::I64(vec![], vec![9]).to_bytes())]), "ppsd_version 9"),
        (zip_of(&[("ppsd_version.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'".to_vec())]), "ppsd_version.npy"),
        (
            zip_of(&[(
                "ppsd_version.npy",
                b"\x93NUMPY\x01\x00\x46\x00{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999999,), }   \n"
                    .to_vec(),
            )]),
            "data bytes",
        ),
        (zip_of(&[("ppsd_version.npy", Npy::Str("3".into()).to_bytes())]), "not an integer"),
    ];
    for (bytes, needle) in cases {
        std::fs::write(&p, &bytes).unwrap();
        let err = PpsdNpz::read(&p).unwrap_err().to_string();
        assert!(err.contains("bad.npz") && err.contains(needle), "{needle}: {err}");
    }
}
