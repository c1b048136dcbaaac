//! Steim decoding speed on real files: every record's data frames decoded into one reused buffer
//! (no allocation, no header work), repeated; prints Msamples/s. Fixed-length MiniSEED 2 records
//! of big-endian Steim-1/2 with a blockette 1000 (what `seispool demo` writes).
//!
//! usage: cargo run --release --example steim_decode_file -p seispool-io -- FILE... [--rounds N]

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seispool_io::mseed::{DataEncoding, decode_steim_into};
use std::time::Instant;

fn main() {
    let mut rounds = 20;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args.next().and_then(|r| r.parse().ok()).expect("--rounds N");
        } else {
            files.push(a);
        }
    }
    // (frames, samples, encoding) of every record.
    let mut records = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("readable file");
        let reclen = 1usize << bytes[48 + 6];
        for r in bytes.chunks_exact(reclen) {
            let n = u16::from_be_bytes([r[30], r[31]]) as usize;
            let offset = u16::from_be_bytes([r[44], r[45]]) as usize;
            let enc = if r[48 + 4] == 10 {
                DataEncoding::Steim1
            } else {
                DataEncoding::Steim2
            };
            records.push((r[offset..].to_vec(), n, enc));
        }
    }
    let total: usize = records.iter().map(|r| r.1).sum();
    let mut out = vec![0i32; records.iter().map(|r| r.1).max().unwrap_or(0)];
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for (frames, n, enc) in &records {
            decode_steim_into(*enc, frames, true, &mut out[..*n]).expect("valid frames");
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} records, {total} samples: best of {rounds} {:.2} ms, {:.0} Msamples/s, {:.3} ns/sample",
        records.len(),
        best * 1e3,
        total as f64 / best / 1e6,
        best / total as f64 * 1e9
    );
}
