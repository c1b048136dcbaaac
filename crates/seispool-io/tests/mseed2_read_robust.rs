//! MiniSEED 2 reader on bad input (truncations, byte flips, crafted faults) and Steim round trips.
//! Bad input must give `Ok` or a located `FormatError`, never a panic, hang or huge allocation;
//! truncated files must read like ObsPy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::IoError;
use seispool_io::mseed::{
    DataEncoding, ReadOptions, WriteOptions, decode_steim1, decode_steim2, encode_steim1, encode_steim2, read_bytes,
    write_to,
};
use seispool_testkit::{obspy_read_many, tempdir};

fn small_file(encoding: DataEncoding, record_length: usize, big_endian: bool) -> Vec<u8> {
    let data: Vec<i32> = (0..300).map(|i: i32| (i * 7919) % 2001 - 1000).collect();
    let tr = Trace::new(
        ChannelId::new("XX", "TEST", "", "BHZ"),
        Time::parse("2020-01-01T00:00:00.123456").unwrap(),
        20.0,
        Samples::I32(data),
    );
    let mut out = Vec::new();
    let opts = WriteOptions {
        encoding: Some(encoding),
        record_length,
        big_endian,
    };
    write_to(&mut out, Path::new("x"), &Stream::new(vec![tr]), &opts).unwrap();
    out
}

fn read(bytes: &[u8]) -> Result<seispool_io::mseed::MseedFile, IoError> {
    read_bytes(Path::new("t.mseed"), bytes, &ReadOptions::default())
}

fn format_error(bytes: &[u8]) -> String {
    match read(bytes) {
        Err(IoError::Format(e)) => e.to_string(),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn truncations_at_every_byte_read_like_obspy() {
    let full = small_file(DataEncoding::Steim2, 256, true);
    let dir = tempdir().unwrap();
    let mut paths: Vec<PathBuf> = Vec::new();
    for n in 0..=full.len() {
        // Never panics, whatever the cut.
        let _ = read(&full[..n]);
        if n % 5 == 0 || n % 256 < 2 {
            let p = dir.path().join(format!("cut{n}.mseed"));
            std::fs::write(&p, &full[..n]).unwrap();
            paths.push(p);
        }
    }
    let oracle = obspy_read_many(&paths, "{'format': 'MSEED'}");
    for (p, want) in paths.iter().zip(oracle) {
        let ours = seispool_io::mseed::read_file(p, &ReadOptions::default());
        match (ours, want) {
            (Ok(o), Ok(w)) => {
                let a: Vec<(String, i64, usize)> = o
                    .stream
                    .traces
                    .iter()
                    .map(|t| (t.id(), t.stats.starttime.0, t.stats.npts))
                    .collect();
                let b: Vec<(String, i64, usize)> =
                    w.iter().map(|t| (t.id.to_string(), t.starttime.0, t.npts)).collect();
                assert_eq!(a, b, "{}", p.display());
                for (t, w) in o.stream.traces.iter().zip(&w) {
                    assert_eq!(t.data, w.data, "{}", p.display());
                }
            }
            (Err(_), Err(_)) => {}
            (o, w) => panic!(
                "{}: ours {:?} vs obspy {:?}",
                p.display(),
                o.map(|f| f.stream.len()),
                w.map(|t| t.len())
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_byte_flips_never_panic(flips in proptest::collection::vec((0usize..1024, any::<u8>()), 1..12),
                                     enc in 0usize..4, le in any::<bool>()) {
        let encoding = [DataEncoding::Steim1, DataEncoding::Steim2, DataEncoding::Int16, DataEncoding::Int32][enc];
        let mut bytes = small_file(encoding, 256, !le);
        for (at, v) in flips {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        let _ = read(&bytes);
        let _ = read_bytes(Path::new("t"), &bytes, &ReadOptions { headonly: true, ..ReadOptions::default() });
    }

    #[test]
    fn steim_round_trip(x in proptest::collection::vec(any::<i32>(), 1..700), le in any::<bool>()) {
        let mut frames = Vec::new();
        let p = encode_steim1(&x, 0, 64, !le, &mut frames);
        let mut out = Vec::new();
        let check = decode_steim1(&frames, p.samples, !le, &mut out).unwrap();
        prop_assert_eq!(&out[..], &x[..p.samples]);
        prop_assert_eq!(check.warning(DataEncoding::Steim1), None);
        // Steim-2: differences must fit 30 bits; clamp a copy into range.
        let y: Vec<i32> = x.iter().map(|v| v >> 3).collect();
        let mut frames = Vec::new();
        let p = encode_steim2(&y, 0, 64, !le, &mut frames).unwrap();
        let mut out = Vec::new();
        let check = decode_steim2(&frames, p.samples, !le, &mut out).unwrap();
        prop_assert_eq!(&out[..], &y[..p.samples]);
        prop_assert_eq!(check.warning(DataEncoding::Steim2), None);
    }
}

#[test]
fn steim_extremes_round_trip() {
    let x = [i32::MAX, i32::MIN, 0, -1, i32::MAX, i32::MAX - 1, i32::MIN + 1, 1];
    let mut frames = Vec::new();
    let p = encode_steim1(&x.repeat(50), 0, 100, true, &mut frames);
    let mut out = Vec::new();
    decode_steim1(&frames, p.samples, true, &mut out).unwrap();
    assert_eq!(out, x.repeat(50));
    let y = [(1 << 28) - 1, 0, -(1 << 28), -1, (1 << 28) - 1];
    let mut frames = Vec::new();
    let p = encode_steim2(&y.repeat(60), 0, 100, false, &mut frames).unwrap();
    let mut out = Vec::new();
    decode_steim2(&frames, p.samples, false, &mut out).unwrap();
    assert_eq!(out, y.repeat(60));
}

/// Offsets of the fixed header fields used below (big-endian files).
fn set_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn regression_sample_count_beyond_payload_is_an_error() {
    for enc in [DataEncoding::Int32, DataEncoding::Steim2, DataEncoding::Int16] {
        let mut b = small_file(enc, 256, true);
        set_u16(&mut b, 30, 60000);
        let e = format_error(&b);
        assert!(e.contains("record 0 at byte 0"), "{e}");
    }
}

#[test]
fn regression_blockette_chain_loop_is_an_error_not_a_hang() {
    let mut b = small_file(DataEncoding::Int32, 256, true);
    // Blockette 1000 at 48 pointing back to itself.
    set_u16(&mut b, 50, 48);
    let e = format_error(&b);
    assert!(e.contains("blockette"), "{e}");
    // Next blockette beyond the record.
    let mut b = small_file(DataEncoding::Int32, 256, true);
    set_u16(&mut b, 50, 300);
    assert!(read(&b).is_err());
}

#[test]
fn regression_record_length_exponent_out_of_range() {
    for exp in [0u8, 6, 21, 31, 32, 255] {
        let mut b = small_file(DataEncoding::Int32, 256, true);
        // Blockette 1000 is the last blockette: find it.
        let at = (48..200).find(|&i| b[i..i + 2] == 1000u16.to_be_bytes()).unwrap();
        b[at + 6] = exp;
        let r = read(&b);
        assert!(r.is_err(), "exponent {exp}: {r:?}");
    }
}

#[test]
fn regression_zero_and_negative_rates_do_not_join_or_panic() {
    let mut b = small_file(DataEncoding::Int32, 256, true);
    for rec in 0..b.len() / 256 {
        set_u16(&mut b, rec * 256 + 32, 0);
        set_u16(&mut b, rec * 256 + 34, 0);
    }
    let f = read(&b).unwrap();
    // libmseed never joins records of rate 0 (the rate tolerance test divides by 0).
    assert_eq!(f.stream.len(), b.len() / 256);
    let mut b = small_file(DataEncoding::Int32, 256, true);
    set_u16(&mut b, 32, (-20i16) as u16);
    set_u16(&mut b, 34, (-1i16) as u16);
    assert!(read(&b).is_ok());
}

#[test]
fn regression_garbage_after_records_stops_with_a_warning() {
    let mut b = small_file(DataEncoding::Steim1, 256, false);
    let n = b.len();
    b.extend(std::iter::repeat_n(0xAB, 300));
    let f = read(&b).unwrap();
    assert_eq!(f.stream.traces[0].stats.npts, 300);
    assert!(!f.warnings.is_empty());
    assert!(f.warnings[0].contains(&format!("at byte {n}")), "{:?}", f.warnings);
}

#[test]
fn regression_empty_and_tiny_inputs_are_errors() {
    for n in [0usize, 1, 47, 48, 127] {
        assert!(read(&vec![b'0'; n]).is_err(), "{n} bytes");
    }
}

#[test]
fn records_of_128_bytes_read_like_obspy() {
    let dir = tempdir().unwrap();
    let mut paths = Vec::new();
    for (k, enc) in [
        DataEncoding::Steim1,
        DataEncoding::Steim2,
        DataEncoding::Int32,
        DataEncoding::Int16,
    ]
    .into_iter()
    .enumerate()
    {
        for be in [true, false] {
            let p = dir.path().join(format!("r128_{k}_{be}.mseed"));
            std::fs::write(&p, small_file(enc, 128, be)).unwrap();
            paths.push(p);
        }
    }
    let oracle = obspy_read_many(&paths, "{'format': 'MSEED'}");
    for (p, want) in paths.iter().zip(oracle) {
        let want = want.unwrap();
        let ours = seispool_io::mseed::read_file(p, &ReadOptions::default()).unwrap();
        assert_eq!(ours.stream.len(), want.len());
        for (t, w) in ours.stream.traces.iter().zip(&want) {
            assert_eq!(
                (t.stats.starttime, t.stats.npts, &t.data),
                (w.starttime, w.npts, &w.data)
            );
            assert_eq!(t.stats.mseed.as_ref().unwrap().record_length, 128);
        }
    }
}

/// A 1 TiB file of zeros (sparse) among MiniSEED files: the reader reserved room for the whole file
/// and read it before looking at its first record, so a run died on the allocation (or filled the
/// memory). Its first bytes decide now: the first-record error, in the same words, from the file's
/// first megabyte; whole and header-only reads alike.
#[test]
fn huge_file_that_is_not_miniseed_was_read_whole_before_its_first_record_was_checked() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("huge.mseed");
    let file = std::fs::File::create(&path).unwrap();
    if let Err(e) = file.set_len(1 << 40) {
        eprintln!("skipped: this filesystem cannot hold a sparse 1 TiB file ({e})");
        return;
    }
    let zeros = vec![0u8; 4096];
    let Err(IoError::Format(want)) = read(&zeros) else {
        panic!("4 KiB of zeros read")
    };
    assert!(want.what.contains("not a valid first record"), "{}", want.what);
    for headonly in [false, true] {
        let opts = ReadOptions {
            headonly,
            ..ReadOptions::default()
        };
        let err = seispool_io::mseed::read_file(&path, &opts).unwrap_err();
        let IoError::Format(e) = err else {
            panic!("headonly={headonly}: not a format error: {err}")
        };
        assert_eq!(e.what, want.what, "headonly={headonly}");
        assert_eq!((e.record, e.offset), (Some(0), 0), "headonly={headonly}");
    }
}
