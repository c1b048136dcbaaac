//! The table-driven Steim kernel (`decode_steim_into`) against the reference decoder (`decode_steim1`,
//! `decode_steim2`) on fuzzed frames and on encoded signals, and the parallel record decode against the
//! serial one: both must be bit-identical, errors included.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use proptest::prelude::*;
use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::mseed::{
    DataEncoding, PARALLEL_MIN_SAMPLES, ReadOptions, SteimIntoError, WriteOptions, decode_steim_into, decode_steim1,
    decode_steim2, encode_steim1, encode_steim2, read_bytes, read_bytes_in_pool, write_to,
};

/// What the reference gives for `nsamples` samples: the samples and the warning, or the error text.
fn reference(
    enc: DataEncoding,
    frames: &[u8],
    nsamples: usize,
    be: bool,
) -> Result<(Vec<i32>, Option<String>), String> {
    let mut out = Vec::new();
    let check = match enc {
        DataEncoding::Steim1 => decode_steim1(frames, nsamples, be, &mut out),
        _ => decode_steim2(frames, nsamples, be, &mut out),
    }
    .map_err(|e| e.to_string())?;
    if out.len() != nsamples {
        return Err(format!("short {}", out.len()));
    }
    Ok((out, check.warning(enc)))
}

fn table(enc: DataEncoding, frames: &[u8], nsamples: usize, be: bool) -> Result<(Vec<i32>, Option<String>), String> {
    let mut out = vec![0; nsamples];
    match decode_steim_into(enc, frames, be, &mut out) {
        Ok(check) => Ok((out, check.warning(enc))),
        Err(SteimIntoError::Steim(e)) => Err(e.to_string()),
        Err(SteimIntoError::Short(n)) => Err(format!("short {n}")),
    }
}

fn encodings() -> impl Strategy<Value = DataEncoding> {
    prop_oneof![Just(DataEncoding::Steim1), Just(DataEncoding::Steim2)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random bytes: every nibble/dnib combination, invalid words, any sample count (short, exact, long).
    #[test]
    fn fuzzed_frames_decode_as_the_reference(
        enc in encodings(),
        be in any::<bool>(),
        frames in proptest::collection::vec(any::<u8>(), 0..64 * 8),
        nsamples in 0usize..900,
    ) {
        prop_assert_eq!(table(enc, &frames, nsamples, be), reference(enc, &frames, nsamples, be));
    }

    /// Encoded signals with differences of every width, decoded in full and cut short.
    #[test]
    fn encoded_signals_decode_as_the_reference(
        enc in encodings(),
        be in any::<bool>(),
        steps in proptest::collection::vec((0u32..31, any::<i32>()), 1..600),
        cut in 0usize..600,
    ) {
        let mut acc = 0i32;
        let x: Vec<i32> = steps.iter().map(|&(bits, r)| { acc = acc.wrapping_add(r >> bits); acc }).collect();
        let mut frames = Vec::new();
        let n = if enc == DataEncoding::Steim1 {
            encode_steim1(&x, 0, 64, be, &mut frames).samples
        } else {
            match encode_steim2(&x, 0, 64, be, &mut frames) {
                Ok(p) => p.samples,
                Err(_) => return Ok(()),
            }
        };
        for nsamples in [n, cut.min(n)] {
            let got = table(enc, &frames, nsamples, be);
            prop_assert_eq!(&got, &reference(enc, &frames, nsamples, be));
            prop_assert_eq!(got.map(|g| g.0), Ok(x[..nsamples].to_vec()));
        }
    }
}

/// A file of `n` Steim-2 samples in 512-byte records, with a gap and a second channel interleaved.
fn big_file(n: usize) -> Vec<u8> {
    let mut acc = 0i32;
    let walk: Vec<i32> = (0..n)
        .map(|i| {
            acc = acc.wrapping_add(((i as i64 * 7919) % 2001 - 1000) as i32 * (1 + (i % 97) as i32));
            acc
        })
        .collect();
    let id = |c: &str| ChannelId::new("XX", "ST", "00", c);
    let half = n / 2;
    let traces = vec![
        Trace::new(id("HHZ"), Time(0), 100.0, Samples::I32(walk[..half].to_vec())),
        Trace::new(
            id("HHZ"),
            Time((half as i64 + 500) * 10_000_000),
            100.0,
            Samples::I32(walk[half..].to_vec()),
        ),
        Trace::new(id("HHN"), Time(0), 100.0, Samples::I32(walk[..n / 3].to_vec())),
    ];
    let opts = WriteOptions {
        encoding: Some(DataEncoding::Steim2),
        record_length: 512,
        ..WriteOptions::default()
    };
    let mut out = Vec::new();
    write_to(&mut out, Path::new("big.mseed"), &Stream::new(traces), &opts).unwrap();
    out
}

#[test]
fn parallel_record_decode_is_bit_identical_to_serial() {
    let bytes = big_file(PARALLEL_MIN_SAMPLES + 12_345);
    let label = Path::new("big.mseed");
    let serial = read_bytes(label, &bytes, &ReadOptions::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let parallel = pool
        .install(|| read_bytes_in_pool(label, &bytes, &ReadOptions::default()))
        .unwrap();
    assert_eq!(serial.stream.len(), 3);
    assert_eq!(parallel.stream, serial.stream);
    assert_eq!(parallel.warnings, serial.warnings);
}

#[test]
fn parallel_decode_reports_the_first_bad_record_in_file_order() {
    let mut bytes = big_file(PARALLEL_MIN_SAMPLES + 1);
    // Corrupt the first data word nibbles of two records (the 100th and the 2000th): dnib 0 for nibble 2.
    for rec in [100usize, 2000] {
        let at = rec * 512 + 64;
        bytes[at..at + 4].copy_from_slice(&0x2aaa_aaaau32.to_be_bytes());
        bytes[at + 12..at + 16].copy_from_slice(&0x0000_0001u32.to_be_bytes());
    }
    let label = Path::new("big.mseed");
    let serial = read_bytes(label, &bytes, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let parallel = pool
        .install(|| read_bytes_in_pool(label, &bytes, &ReadOptions::default()))
        .unwrap_err()
        .to_string();
    assert!(serial.contains("record 100 at byte 51200"), "{serial}");
    assert_eq!(parallel, serial);
}

/// The parallel decode took a zero-filled buffer of fresh pages for every trace, so the runner, whose
/// units now decode on the pool, would have faulted in a day of integers per unit: its integer traces
/// must decode into the thread's spare buffer, as the serial decode does.
#[test]
fn parallel_decode_took_fresh_zeroed_buffers_instead_of_the_spare() {
    let bytes = big_file(PARALLEL_MIN_SAMPLES + 777);
    let label = Path::new("big.mseed");
    let serial = read_bytes(label, &bytes, &ReadOptions::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    pool.install(|| {
        let first = read_bytes_in_pool(label, &bytes, &ReadOptions::default()).unwrap();
        assert_eq!(first.stream, serial.stream);
        // Hand the largest trace's buffer back, as the pipeline does after a unit.
        let biggest = first.stream.traces.into_iter().max_by_key(|t| t.data.len()).unwrap();
        let Samples::I32(v) = biggest.data else {
            panic!("Steim-2 decodes to integers")
        };
        let spare = v.as_ptr();
        seispool_core::recycle_i32(v);
        let again = read_bytes_in_pool(label, &bytes, &ReadOptions::default()).unwrap();
        assert_eq!(again.stream, serial.stream);
        let reused = again.stream.traces.iter().any(|t| match &t.data {
            Samples::I32(v) => v.as_ptr() == spare,
            _ => false,
        });
        assert!(reused, "no trace of the second read decoded into the spare buffer");
    });
}

/// `read_file_in_pool` (the process runner's reader) read every file into a fresh buffer of its size,
/// a day file's ~10 MB of fresh pages per unit: the bytes must go into the thread's spare buffer, as
/// `read_file`'s do, and come back to it once the records are decoded.
#[test]
fn read_file_in_pool_read_every_file_into_a_fresh_buffer() {
    let bytes = big_file(PARALLEL_MIN_SAMPLES + 99);
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("big.mseed");
    std::fs::write(&path, &bytes).unwrap();
    let serial = read_bytes(Path::new("big.mseed"), &bytes, &ReadOptions::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    pool.install(|| {
        let read = seispool_io::mseed::read_file_in_pool(&path, &ReadOptions::default()).unwrap();
        assert_eq!(read.stream, serial.stream);
        // The file's buffer is this thread's spare now: a request for one byte gets it.
        let spare = seispool_core::take_spare_bytes(1);
        assert!(
            spare.capacity() >= bytes.len(),
            "the spare holds {} bytes, not the {}-byte file's buffer",
            spare.capacity(),
            bytes.len()
        );
    });
}

/// A day with a gap reads as two pieces, and the pipeline's merge extends the earliest piece's buffer
/// in place when it has room. That piece took the smallest spare that held its own samples, so the
/// merge faulted in a fresh buffer for the whole day and copied both pieces into it: the earliest piece
/// must be read with room for the id's whole span (serial and parallel decode alike).
#[test]
fn gap_day_merge_faulted_a_fresh_day_because_the_first_piece_had_no_room() {
    use seispool_core::{FillValue, MergeMethod};
    let n = PARALLEL_MIN_SAMPLES + 4321;
    let bytes = big_file(n);
    let label = Path::new("big.mseed");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for parallel in [false, true] {
        let read = if parallel {
            pool.install(|| read_bytes_in_pool(label, &bytes, &ReadOptions::default()))
        } else {
            read_bytes(label, &bytes, &ReadOptions::default())
        };
        let mut st = read.unwrap().stream;
        let hhz: Vec<&Trace> = st.traces.iter().filter(|t| t.stats.id.channel == "HHZ").collect();
        assert_eq!(hhz.len(), 2, "the gap splits HHZ in two");
        let Samples::I32(first) = &hhz[0].data else {
            panic!("integers")
        };
        // The merged trace: both pieces and the 500-sample gap between them.
        assert!(
            first.capacity() >= n + 500,
            "room for {} of {}",
            first.capacity(),
            n + 500
        );
        let at = first.as_ptr();
        st.merge_consuming(MergeMethod::Overwrite, Some(FillValue::Interpolate), 0, 0.01)
            .unwrap();
        let merged = st.traces.iter().find(|t| t.stats.id.channel == "HHZ").unwrap();
        assert_eq!(merged.data.len(), n + 500);
        let Samples::I32(v) = &merged.data else {
            panic!("integers")
        };
        assert_eq!(
            v.as_ptr(),
            at,
            "parallel {parallel}: the merge did not extend the first piece"
        );
    }
}
