//! Steim-2 decoding speed: `decode_steim2` over the data frames of 4096-byte records, and the whole
//! reader (`read_bytes`) on a file of such records. Prints Msamples/s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::mseed::{DataEncoding, ReadOptions, WriteOptions, decode_steim2, encode_steim2, read_bytes, write_to};

/// A seismogram-like random walk (xorshift, deterministic).
fn signal(n: usize) -> Vec<i32> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut x = 0i32;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            x = x.wrapping_add((s % 2001) as i32 - 1000);
            x
        })
        .collect()
}

const N: usize = 2_000_000;

fn bench(c: &mut Criterion) {
    let x = signal(N);
    // Frames per 4096-byte record (63 frames after a 64-byte header), packed back to back.
    let mut chunks: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut done = 0;
    while done < x.len() {
        let mut frames = Vec::new();
        let diff0 = if done == 0 {
            0
        } else {
            x[done].wrapping_sub(x[done - 1])
        };
        let p = encode_steim2(&x[done..], diff0, 63, true, &mut frames).unwrap();
        chunks.push((frames, p.samples));
        done += p.samples;
    }
    let mut out = Vec::with_capacity(N + 8);
    let decode_all = |out: &mut Vec<i32>| {
        out.clear();
        for (frames, n) in &chunks {
            decode_steim2(frames, *n, true, out).unwrap();
        }
    };
    decode_all(&mut out);
    assert_eq!(out, x);

    let tr = Trace::new(
        ChannelId::new("XX", "BENCH", "", "HHZ"),
        Time(0),
        100.0,
        Samples::I32(x.clone()),
    );
    let mut file = Vec::new();
    let opts = WriteOptions {
        encoding: Some(DataEncoding::Steim2),
        ..WriteOptions::default()
    };
    write_to(&mut file, Path::new("bench"), &Stream::new(vec![tr]), &opts).unwrap();
    let read_all = || read_bytes(Path::new("bench.mseed"), &file, &ReadOptions::default()).unwrap();

    // Plain timing for the README figure (criterion's own report follows).
    for (what, f) in [
        (
            "decode_steim2 frames",
            &mut (|| decode_all(&mut out)) as &mut dyn FnMut(),
        ),
        ("read_bytes 4096-byte records", &mut || {
            read_all();
        }),
    ] {
        f();
        let reps = 20;
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        let secs = t.elapsed().as_secs_f64() / f64::from(reps);
        println!(
            "{what}: {:.1} Msamples/s ({N} samples in {:.2} ms)",
            N as f64 / secs / 1e6,
            secs * 1e3
        );
    }

    let mut g = c.benchmark_group("steim2");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("decode_steim2", |b| b.iter(|| decode_all(&mut out)));
    g.bench_function("read_bytes", |b| b.iter(read_all));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
