//! Helpers shared by the CLI integration tests: run the binary, build a synthetic archive, list outputs.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `seispool` binary under test.
pub fn seispool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seispool"))
        .args(args)
        .output()
        .expect("run seispool")
}

/// Runs seispool and asserts its exit code.
pub fn seispool_exit(args: &[&str], code: i32) -> Output {
    let o = seispool(args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "seispool {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A path as `&str` (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A synthetic SDS archive under `dir/demo/archive` (XS.ST01.. × HHZ/HHN/HHE, 20 Hz, Steim2, from 2024-01-01)
/// of `days` days and `stations` stations.
pub fn demo_archive(dir: &Path, days: &str, stations: &str) -> PathBuf {
    let d = dir.join("demo");
    seispool_exit(
        &[
            "demo",
            "--dir",
            s(&d),
            "--days",
            days,
            "--stations",
            stations,
            "--no-process",
            "--quiet",
            "--sampling-rate",
            "20",
        ],
        0,
    );
    d.join("archive")
}

/// Every file under `root` (except the resume manifest) as (relative path, bytes), sorted.
pub fn tree_bytes(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".seispool") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}
