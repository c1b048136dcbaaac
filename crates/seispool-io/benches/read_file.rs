//! Reader speed on one MiniSEED file (default: a synthetic channel-day; `SEISPOOL_BENCH_FILE=path` for
//! a real one): the reference Steim decoder vs the table kernel over the file's records, and the whole
//! reader (`read_bytes`) serial and in parallel on a 2-thread pool. Interleaved rounds, best of each, so
//! that load from other jobs hits every variant alike. Prints ms and Msamples/s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use seispool_io::mseed::{
    DataEncoding, ReadOptions, RecordReader, decode_steim_into, decode_steim1, decode_steim2, read_bytes,
    read_bytes_in_pool,
};

fn main() {
    let path = std::env::var("SEISPOOL_BENCH_FILE")
        .unwrap_or_else(|_| "/tmp/seispool-read-bench/100hz-steim2-4096-gaps.mseed".into());
    let file = std::fs::read(&path).expect("SEISPOOL_BENCH_FILE (or run bench/read_vs.py once to make the default)");
    let label = Path::new(&path);
    let mut reader = RecordReader::new(&file, label);
    let mut recs = Vec::new();
    while let Some(r) = reader.next_v2().unwrap() {
        let h = &r.header;
        recs.push((
            r.bytes[h.data_offset..h.record_length].to_vec(),
            h.nsamples,
            h.encoding().unwrap(),
            h.data_big_endian,
        ));
    }
    let total: usize = recs.iter().map(|r| r.1).sum();
    let mut out = vec![0i32; total];
    let reference = |out: &mut Vec<i32>| {
        out.clear();
        for (p, n, e, be) in &recs {
            if *e == DataEncoding::Steim1 {
                decode_steim1(p, *n, *be, out).unwrap();
            } else {
                decode_steim2(p, *n, *be, out).unwrap();
            }
        }
    };
    let table = |out: &mut [i32]| {
        let mut at = 0;
        for (p, n, e, be) in &recs {
            decode_steim_into(*e, p, *be, &mut out[at..at + n]).unwrap();
            at += n;
        }
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let mut refout = Vec::with_capacity(total + 8);
    let names = [
        "reference kernel",
        "table kernel",
        "read_bytes serial",
        "read_bytes 2 threads",
    ];
    let mut best = [f64::INFINITY; 4];
    // SEISPOOL_BENCH_ONLY=k runs variant k alone (for `perf stat`).
    let only: Option<usize> = std::env::var("SEISPOOL_BENCH_ONLY").ok().and_then(|s| s.parse().ok());
    for _ in 0..15 {
        for (k, b) in best.iter_mut().enumerate() {
            if only.is_some_and(|o| o != k) {
                continue;
            }
            let t = Instant::now();
            match k {
                0 => reference(&mut refout),
                1 => table(&mut out),
                2 => drop(read_bytes(label, &file, &ReadOptions::default()).unwrap()),
                _ => drop(
                    pool.install(|| read_bytes_in_pool(label, &file, &ReadOptions::default()))
                        .unwrap(),
                ),
            }
            *b = b.min(t.elapsed().as_secs_f64());
        }
    }
    if only.is_none() {
        assert_eq!(refout, out);
    }
    println!("{path}: {total} samples in {} records", recs.len());
    for (name, b) in names.iter().zip(best) {
        println!(
            "{name:>22}: {:7.2} ms  {:6.0} Msamples/s",
            b * 1e3,
            total as f64 / b / 1e6
        );
    }
}
