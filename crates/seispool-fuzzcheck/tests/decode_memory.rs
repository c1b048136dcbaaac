//! Decoding never needs more than a small multiple of the input's size plus a constant, whatever the
//! headers claim: every allocation sized by a header field is checked against the bytes present first.
//! Measured with a counting global allocator (peak bytes live during one read) on hostile headers and
//! on every committed MiniSEED and SAC corpus file.

// A counting allocator needs `unsafe impl GlobalAlloc`; it only forwards to the system allocator.
#![allow(unsafe_code, clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::{Format, WriteSpec, encode};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Tests run on several threads and the counter is process-wide: each test holds this for its whole
/// body, so no other test allocates while one measures.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Most bytes a read of `len` input bytes may hold at once: 16 × its size (Steim-2 packs 7 samples
/// in 4 bytes, held as i32, joined with amortised doubling) plus 3 MiB (the reader's look-ahead for a
/// record without blockette 1000 is up to 1 MiB; buffers grow by 64 KiB).
fn budget(len: usize) -> usize {
    16 * len + (3 << 20)
}

/// Peak bytes allocated while `f` runs, above what was live before.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

fn read_any(data: &[u8]) {
    let label = Path::new("hostile");
    let _ = seispool_io::mseed::read_bytes(label, data, &Default::default());
    let _ = seispool_io::sac::read_bytes(label, data, false);
}

fn assert_bounded(what: &str, data: &[u8]) {
    let peak = peak_during(|| read_any(data));
    assert!(
        peak <= budget(data.len()),
        "{what}: reading {} bytes allocated {peak} bytes at once (budget {})",
        data.len(),
        budget(data.len())
    );
}

fn written(format: Format, encoding: seispool_io::mseed::DataEncoding) -> Vec<u8> {
    let trace = Trace::new(
        ChannelId::new("XX", "MEM", "", "HHZ"),
        Time(1_700_000_000_000_000_000),
        100.0,
        if encoding == seispool_io::mseed::DataEncoding::Float64 {
            Samples::F64((0..300).map(|i| f64::from(i) * 0.5).collect())
        } else {
            Samples::I32((0..300).map(|i| (i * 7919) % 1000 - 500).collect())
        },
    );
    let spec = WriteSpec {
        format,
        encoding: Some(encoding),
        record_length: 512,
        big_endian: true,
    };
    encode(Path::new("x"), &Stream::new(vec![trace]), &spec).unwrap()
}

#[test]
fn mseed2_sample_counts_far_beyond_the_record_stay_within_budget() {
    let _serial = serial();
    use seispool_io::mseed::DataEncoding::{Int32, Steim1, Steim2};
    for enc in [Steim1, Steim2, Int32] {
        let mut data = written(Format::Mseed2, enc);
        // nsamples (bytes 30..32, big-endian) of every 512-byte record = 65535.
        for rec in data.chunks_mut(512) {
            rec[30..32].copy_from_slice(&u16::MAX.to_be_bytes());
        }
        assert_bounded(&format!("{enc} nsamples 65535"), &data);
        // A record length exponent of 2^30 in blockette 1000 (at 48 + 6 in our records).
        let mut data = written(Format::Mseed2, enc);
        data[54] = 30;
        assert_bounded(&format!("{enc} record length 2^30"), &data);
    }
}

/// Recomputes the CRC of a MiniSEED 3 record of `len` bytes (CRC field at 28 taken as zero).
fn fix_crc(rec: &mut [u8]) {
    rec[28..32].copy_from_slice(&[0; 4]);
    let crc = crc32c::crc32c(rec);
    rec[28..32].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn mseed3_lengths_and_sample_counts_of_4_gib_stay_within_budget() {
    let _serial = serial();
    use seispool_io::mseed::DataEncoding::{Float64, Int32, Steim2};
    for enc in [Steim2, Int32, Float64] {
        let clean = written(Format::Mseed3, enc);
        let len = 40
            + usize::from(clean[33])
            + usize::from(u16::from_le_bytes([clean[34], clean[35]]))
            + u32::from_le_bytes(clean[36..40].try_into().unwrap()) as usize;
        // nsamples = u32::MAX with a valid CRC: the decoder must refuse before sizing anything by it.
        let mut data = clean.clone();
        data[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        fix_crc(&mut data[..len]);
        assert_bounded(&format!("{enc} nsamples 2^32-1"), &data);
        // Payload length = u32::MAX: the record claims 4 GiB that are not there.
        let mut data = clean.clone();
        data[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_bounded(&format!("{enc} payload length 2^32-1"), &data);
        // Extra-header length at its maximum.
        let mut data = clean;
        data[34..36].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_bounded(&format!("{enc} extra headers 65535"), &data);
    }
}

#[test]
fn sac_npts_of_2_gib_with_a_tiny_file_stays_within_budget() {
    let _serial = serial();
    let trace = Trace::new(
        ChannelId::new("XX", "MEM", "", "HHZ"),
        Time(0),
        10.0,
        Samples::F32(vec![1.0; 4]),
    );
    for big_endian in [false, true] {
        let mut data = seispool_io::sac::to_bytes(Path::new("x"), &trace, big_endian).unwrap();
        let npts = if big_endian {
            i32::MAX.to_be_bytes()
        } else {
            i32::MAX.to_le_bytes()
        };
        data[316..320].copy_from_slice(&npts); // npts: word 79
        assert_bounded(&format!("sac npts 2^31-1 (big endian {big_endian})"), &data);
    }
}

#[test]
fn every_committed_corpus_file_reads_within_budget() {
    let _serial = serial();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for sub in ["corpus/mseed", "corpus/sac", "regressions/mseed", "regressions/sac"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).unwrap();
            assert_bounded(&e.path().display().to_string(), &data);
            n += 1;
        }
    }
    assert!(n > 50, "only {n} corpus files found");
}
