//! Header-only reads from a file skip the record payloads (`read_file` with `headonly`: positioned reads of
//! each record's header, then a seek by the record length). Their result must be exactly that of the
//! whole-file reader (`read_bytes`, which holds every byte): same traces, sample counts, times, records,
//! warnings, and the same error naming the file, record and offset. Checked on ObsPy's MiniSEED test data,
//! the ObsPy-written cases, our MiniSEED 2/3 files of every record length, mixed v2/v3 files and damaged
//! variants of them (truncated, garbage, bad blockettes, blank records, corrupted payloads).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::mseed::{
    DataEncoding, MseedFile, ReadOptions, WriteOptions, WriteOptions3, read_bytes, read_file, write_file, write_file3,
};
use seispool_testkit::{files_below, obspy_mseed_data, run_oracle, tempdir};

/// Everything a header-only read reports, as text (the stream, its stats and npts, warnings, counts).
fn summary(r: &Result<MseedFile, seispool_io::IoError>) -> String {
    match r {
        Ok(f) => format!(
            "records {} skipped {} warnings {:?}\n{:#?}",
            f.records, f.skipped, f.warnings, f.stream.traces
        ),
        Err(e) => format!("error: {e}"),
    }
}

fn option_sets() -> Vec<ReadOptions> {
    let t = |s: &str| Some(Time::parse(s).unwrap());
    vec![
        ReadOptions {
            headonly: true,
            ..ReadOptions::default()
        },
        ReadOptions {
            headonly: true,
            starttime: t("2005-01-01T00:00:00"),
            endtime: t("2024-03-01T00:00:05"),
            ..ReadOptions::default()
        },
        ReadOptions {
            headonly: true,
            select: Some("*.??Z".into()),
            ..ReadOptions::default()
        },
    ]
}

/// Reads each file from disk (skipping payloads) and from memory (every byte); both must agree.
/// Returns how many reads succeeded, so that a test can insist the files were readable at all.
fn check_same(files: &[PathBuf]) -> usize {
    let mut ok = 0;
    let mut failures = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        for opts in option_sets() {
            let sparse = read_file(path, &opts);
            let whole = read_bytes(path, &bytes, &opts);
            let (a, b) = (summary(&sparse), summary(&whole));
            if a != b {
                failures.push(format!(
                    "{} ({opts:?}):\nfrom disk: {a}\nwhole file: {b}",
                    path.display()
                ));
            }
            ok += usize::from(whole.is_ok());
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    ok
}

#[test]
fn headonly_read_from_disk_matches_the_whole_file_read_on_obspy_test_data() {
    let files = files_below(&obspy_mseed_data());
    assert!(files.len() > 40, "ObsPy test data not found");
    let ok = check_same(&files);
    assert!(ok > 100, "only {ok} reads succeeded");
}

#[test]
fn headonly_read_from_disk_matches_the_whole_file_read_on_obspy_written_cases() {
    let dir = tempdir().unwrap();
    let out = run_oracle("mseed2_read_cases.py", &[dir.path().to_str().unwrap()]);
    let files: Vec<PathBuf> = out.lines().map(|l| dir.path().join(l.trim())).collect();
    assert!(files.len() > 300, "oracle wrote only {} cases", files.len());
    let ok = check_same(&files);
    assert!(ok >= files.len(), "only {ok} reads succeeded");
}

fn walk_signal(n: usize, seed: i64) -> Vec<i32> {
    let mut x = seed;
    (0..n)
        .map(|i| {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            ((x >> 8) % 2001 - 1000) as i32 + (i as i32 % 50)
        })
        .collect()
}

/// Our MiniSEED 2 and 3 files (several channels, a gap, an overlap), every record length, both byte orders,
/// plus damaged copies of each.
#[test]
fn headonly_read_from_disk_matches_the_whole_file_read_on_written_and_damaged_files() {
    let dir = tempdir().unwrap();
    let t0 = Time::parse("2024-02-29T23:59:50").unwrap().0;
    let tr = |id: &str, start: i64, n: usize, seed: i64| {
        Trace::new(
            ChannelId::parse(id).unwrap(),
            Time(start),
            100.0,
            Samples::I32(walk_signal(n, seed)),
        )
    };
    let stream = Stream::new(vec![
        tr("XX.ST01.00.HHZ", t0, 30_000, 1),
        tr("XX.ST01.00.HHN", t0, 30_000, 2),
        tr("XX.ST01.00.HHZ", t0 + 400 * 1_000_000_000, 5_000, 3), // a gap
        tr("XX.ST01.00.HHZ", t0 + 420 * 1_000_000_000, 3_000, 4), // an overlap
    ]);
    let mut files = Vec::new();
    for reclen in [256usize, 512, 1024, 4096, 65536] {
        for big_endian in [true, false] {
            for enc in [DataEncoding::Steim2, DataEncoding::Steim1, DataEncoding::Int32] {
                let p = dir
                    .path()
                    .join(format!("v2_{reclen}_{big_endian}_{}.mseed", enc.name()));
                let opts = WriteOptions {
                    encoding: Some(enc),
                    record_length: reclen,
                    big_endian,
                };
                write_file(&p, &stream, &opts).unwrap();
                files.push(p);
            }
        }
        let p = dir.path().join(format!("v3_{reclen}.mseed"));
        let opts = WriteOptions3 {
            encoding: Some(DataEncoding::Steim2),
            record_length: reclen,
            publication_version: 1,
            extra_headers: None,
        };
        write_file3(&p, &stream, &opts).unwrap();
        files.push(p);
    }
    // Mixed: v2 records then v3 records then v2 again.
    let v2 = std::fs::read(&files[0]).unwrap();
    let v3 = std::fs::read(dir.path().join("v3_512.mseed")).unwrap();
    let mixed = dir.path().join("mixed.mseed");
    std::fs::write(&mixed, [&v2[..], &v3[..], &v2[..]].concat()).unwrap();
    files.push(mixed);
    // Damaged copies.
    let originals = files.clone();
    for (k, p) in originals.iter().enumerate() {
        let b = std::fs::read(p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let reclen = if name.starts_with("v3") || name == "mixed" {
            512
        } else {
            name.split('_').nth(1).unwrap().parse::<usize>().unwrap()
        };
        let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();
        variants.push(("cut_tail", b[..b.len() - 100].to_vec()));
        variants.push(("cut_in_header", b[..reclen * 2 + 30].to_vec()));
        let mut x = b.clone();
        x.extend_from_slice(&[7u8; 77]);
        variants.push(("short_tail", x));
        let mut x = b.clone();
        x[reclen * 3..reclen * 3 + 8].copy_from_slice(b"garbage!");
        variants.push(("garbage_record", x));
        let mut x = b.clone();
        for v in &mut x[reclen * 2 + 64..reclen * 3] {
            *v = v.wrapping_mul(31).wrapping_add(k as u8);
        }
        variants.push(("payload_noise", x));
        let mut blank = b"000000".to_vec();
        blank.extend_from_slice(&[b' '; 122]);
        let x = [&b[..reclen], &blank[..], &b[reclen..]].concat();
        variants.push(("blank_record", x));
        if !name.starts_with("v3") {
            // Blockette 1000's record length exponent and the offset to the first blockette.
            let mut x = b.clone();
            x[reclen + 48 + 6] = 3; // 8 bytes: out of range
            variants.push(("b1000_tiny", x));
            let mut x = b.clone();
            x[reclen + 48 + 6] = 30;
            variants.push(("b1000_huge", x));
            let mut x = b.clone();
            let big_endian = !name.contains("false");
            let off: u16 = 300;
            let bytes = if big_endian {
                off.to_be_bytes()
            } else {
                off.to_le_bytes()
            };
            x[reclen * 2 + 46..reclen * 2 + 48].copy_from_slice(&bytes);
            variants.push(("blockette_far", x));
            let mut x = b.clone();
            x[reclen * 2 + 46..reclen * 2 + 48].copy_from_slice(&[0, 0]);
            variants.push(("no_blockettes", x));
            let mut x = b.clone();
            x[reclen + 48..reclen + 50].copy_from_slice(if big_endian { &[7, 208] } else { &[208, 7] });
            variants.push(("b2000_in_place_of_b1000", x));
        }
        for (what, bytes) in variants {
            let q = dir.path().join(format!("{name}.{what}"));
            std::fs::write(&q, bytes).unwrap();
            files.push(q);
        }
    }
    let ok = check_same(&files);
    assert!(ok >= originals.len() * 3, "only {ok} reads succeeded");
}

/// The header scan takes a record's header from the previous record's when their header bytes are the same
/// but for the sequence number, start time and sample count. A header field outside those that changes from
/// one record to the next (quality, codes, rate, flags, time correction, data offset, blockettes), a record
/// length that changes, or a header byte order that flips must still be read from the record itself.
#[test]
fn a_header_field_that_changes_between_records_is_not_taken_from_the_previous_record() {
    let dir = tempdir().unwrap();
    let t0 = Time::parse("2024-02-29T23:59:50").unwrap().0;
    let stream = Stream::new(vec![Trace::new(
        ChannelId::parse("XX.ST01.00.HHZ").unwrap(),
        Time(t0),
        100.0,
        Samples::I32(walk_signal(60_000, 5)),
    )]);
    let mut files = Vec::new();
    let mut differ = 0;
    for reclen in [512usize, 4096] {
        let mut both = Vec::new();
        for big_endian in [true, false] {
            let p = dir.path().join(format!("plain_{reclen}_{big_endian}.mseed"));
            let opts = WriteOptions {
                encoding: Some(DataEncoding::Steim2),
                record_length: reclen,
                big_endian,
            };
            write_file(&p, &stream, &opts).unwrap();
            let b = std::fs::read(&p).unwrap();
            let whole = summary(&read_bytes(&p, &b, &option_sets()[0]));
            let records = b.len() / reclen;
            assert!(records > 12, "{records} records");
            // (what, byte offset in the header, new bytes); big-endian values, swapped for little-endian.
            let edits: Vec<(&str, usize, Vec<u8>)> = vec![
                ("quality", 6, b"R".to_vec()),
                ("station", 12, b"X".to_vec()),
                ("location", 13, b"01".to_vec()),
                ("channel", 17, b"N".to_vec()),
                ("network", 18, b"YY".to_vec()),
                ("rate_factor", 32, vec![0, 50]),
                ("rate_multiplier", 34, vec![0, 2]),
                ("leap_second_flag", 36, vec![0x10]),
                ("correction_applied_flag", 36, vec![0x02]),
                ("time_correction", 40, vec![0, 0, 0x27, 0x10]),
                ("data_offset", 44, vec![0, 0x70]),
                ("first_blockette_offset", 46, vec![0, 0]),
                ("b1000_next", 50, vec![0, 0x40]),
                ("b1000_encoding", 52, vec![10]),
                ("b1000_word_order", 53, vec![u8::from(!big_endian)]),
                ("b1000_exponent", 54, vec![if reclen == 512 { 8 } else { 11 }]),
            ];
            for (what, at, new) in edits {
                let new: Vec<u8> = if big_endian {
                    new
                } else {
                    new.into_iter().rev().collect()
                };
                // One record in the middle, then that record and every one after it.
                for (scope, range) in [("one", 6..7), ("rest", 6..records)] {
                    let mut x = b.clone();
                    for r in range {
                        let o = r * reclen + at;
                        x[o..o + new.len()].copy_from_slice(&new);
                    }
                    let q = dir.path().join(format!("{reclen}_{big_endian}_{what}_{scope}.mseed"));
                    std::fs::write(&q, &x).unwrap();
                    differ += usize::from(summary(&read_bytes(&q, &x, &option_sets()[0])) != whole);
                    files.push(q);
                }
            }
            both.push(b);
        }
        // The header byte order flips from one record to the next (same data and times otherwise).
        let (be, le) = (&both[0], &both[1]);
        let x = [&be[..reclen * 5], &le[reclen * 5..reclen * 9], &be[reclen * 9..]].concat();
        let q = dir.path().join(format!("{reclen}_byte_order_flips.mseed"));
        std::fs::write(&q, x).unwrap();
        files.push(q);
    }
    check_same(&files);
    // Most edits change what the whole-file read reports, so a scan that kept the previous header would differ.
    assert!(
        differ >= files.len() / 2,
        "only {differ} of {} edits are visible",
        files.len()
    );
}
