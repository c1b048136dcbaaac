//! MiniSEED 2/3 files and the sample decoders.

use std::path::Path;

use seispool_core::{Samples, Stream, Trace};
use seispool_io::mseed::{DataEncoding, ReadOptions, decode_payload, read_bytes};
use seispool_io::{Format, IoError, WriteSpec, encode};

use crate::{LABEL, assert_format_error};

/// Bit-for-bit sample equality (NaN payloads included).
pub(crate) fn same_samples(a: &Samples, b: &Samples) -> bool {
    match (a, b) {
        (Samples::I32(a), Samples::I32(b)) => a == b,
        (Samples::Text(a), Samples::Text(b)) => a == b,
        (Samples::F32(a), Samples::F32(b)) => a.iter().map(|v| v.to_bits()).eq(b.iter().map(|v| v.to_bits())),
        (Samples::F64(a), Samples::F64(b)) => a.iter().map(|v| v.to_bits()).eq(b.iter().map(|v| v.to_bits())),
        _ => false,
    }
}

/// Samples of one type end to end; `None` when the types differ.
fn concat<'a>(mut parts: impl Iterator<Item = &'a Samples>) -> Option<Samples> {
    let mut all = parts.next()?.clone();
    for part in parts {
        match (&mut all, part) {
            (Samples::I32(a), Samples::I32(b)) => a.extend_from_slice(b),
            (Samples::F32(a), Samples::F32(b)) => a.extend_from_slice(b),
            (Samples::F64(a), Samples::F64(b)) => a.extend_from_slice(b),
            (Samples::Text(a), Samples::Text(b)) => a.extend_from_slice(b),
            _ => return None,
        }
    }
    Some(all)
}

/// Rates equal to f32 precision (MiniSEED 2 may store a rate as factor/multiplier or an f32).
pub(crate) fn same_rate(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-6 * a.abs().max(b.abs())
}

/// A whole MiniSEED 2/3 file: read it; an error must be a located [`seispool_io::FormatError`]; every
/// trace read must write (unless the writer refuses it with a typed error) and read back identical.
/// Headers-only reading of the same bytes must agree on the ids and start times of the traces.
pub fn check_mseed(data: &[u8]) {
    let label = Path::new(LABEL);
    let file = match read_bytes(label, data, &ReadOptions::default()) {
        Ok(f) => f,
        Err(e) => {
            assert_format_error(&e, data.len());
            return;
        }
    };
    let samples: usize = file.stream.traces.iter().map(|t| t.data.len()).sum();
    // Steim-2 packs at most 7 samples in 4 bytes; nothing decodes more samples than that.
    assert!(
        samples <= data.len() * 2 + 8,
        "{samples} samples from {} bytes",
        data.len()
    );
    for trace in &file.stream.traces {
        round_trip(trace);
    }
}

/// The codes without edge whitespace.
fn padded_id(id: &seispool_core::ChannelId) -> [String; 4] {
    [&id.network, &id.station, &id.location, &id.channel].map(|c| c.trim_ascii().to_string())
}

/// Writes one trace in the format it came from and reads it back.
fn round_trip(trace: &Trace) {
    let version = trace.stats.mseed.as_ref().map_or(2, |m| m.version);
    let format = if version == 3 { Format::Mseed3 } else { Format::Mseed2 };
    let stream = Stream::new(vec![trace.clone()]);
    let label = Path::new(LABEL);
    let bytes = match encode(label, &stream, &WriteSpec::new(format)) {
        Ok(b) => b,
        // The writer may refuse what it cannot represent (a rate or a quality code MiniSEED cannot hold).
        Err(IoError::Unsupported { .. }) => return,
        Err(e) => panic!("writing a trace we read failed with an untyped error: {e}"),
    };
    if trace.data.is_empty() {
        return;
    }
    let back = read_bytes(label, &bytes, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("reading back what we wrote failed: {e}"));
    let joined;
    let t = match back.stream.traces.as_slice() {
        [t] => t,
        // A trace with rate 0 (all samples at one time) that needs several records comes back as one
        // trace per record, in order: records without a rate are never joined (ObsPy 1.5.1 / libmseed
        // read the same bytes the same way). Their samples, end to end, must be the trace's.
        pieces if trace.stats.sampling_rate == 0.0 && pieces.len() > 1 => {
            for p in pieces {
                assert_eq!(p.stats.starttime, trace.stats.starttime, "a piece's start time changed");
            }
            joined = Trace {
                data: concat(pieces.iter().map(|p| &p.data))
                    .unwrap_or_else(|| panic!("the pieces of a rate-0 trace hold different sample types")),
                ..pieces[0].clone()
            };
            &joined
        }
        pieces => panic!("one trace written, {} read back", pieces.len()),
    };
    // MiniSEED 2 pads codes with spaces, so a code with edge spaces (read as ObsPy reads it, e.g.
    // "BJI " from "BJI \xe0") comes back trimmed: compare the codes without edge whitespace.
    assert_eq!(
        padded_id(&t.stats.id),
        padded_id(&trace.stats.id),
        "id changed in the round trip"
    );
    assert_eq!(
        t.stats.starttime, trace.stats.starttime,
        "start time changed in the round trip"
    );
    assert!(
        same_rate(t.stats.sampling_rate, trace.stats.sampling_rate),
        "rate {} read back as {}",
        trace.stats.sampling_rate,
        t.stats.sampling_rate
    );
    assert!(same_samples(&t.data, &trace.data), "samples changed in the round trip");
}

/// Every MiniSEED decoder on raw payloads: byte 0 picks the encoding and byte order, bytes 1..3 the
/// sample count, the rest is the payload. A decode gives exactly the samples asked for; the writable
/// encodings re-encode them and decode back to the same values.
pub fn check_decoders(data: &[u8]) {
    let [sel, n0, n1, payload @ ..] = data else {
        return;
    };
    let codes = [0u8, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 16, 30, 32];
    let code = codes[usize::from(sel & 0x0f) % codes.len()];
    let Some(encoding) = DataEncoding::from_code(code) else {
        panic!("encoding code {code} not known");
    };
    let big_endian = sel & 0x80 != 0;
    let nsamples = usize::from(u16::from_le_bytes([*n0, *n1]));
    let (samples, _warnings) = match decode_payload(encoding, payload, nsamples, big_endian) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.is_empty(), "decoder error without a reason");
            return;
        }
    };
    assert_eq!(samples.len(), nsamples, "{encoding} decoded another count than asked");
    if matches!(
        encoding,
        DataEncoding::Int16 | DataEncoding::Int32 | DataEncoding::Float32 | DataEncoding::Float64
    ) || matches!(encoding, DataEncoding::Steim1 | DataEncoding::Steim2)
    {
        re_encode(encoding, samples, big_endian);
    }
}

/// Writes `samples` with `encoding` in 512-byte records and checks they decode back unchanged.
fn re_encode(encoding: DataEncoding, samples: Samples, big_endian: bool) {
    if samples.is_empty() {
        return;
    }
    let trace = Trace::new(
        seispool_core::ChannelId::new("XX", "FUZZ", "", "HHZ"),
        seispool_core::Time(0),
        100.0,
        samples,
    );
    let spec = WriteSpec {
        format: Format::Mseed2,
        encoding: Some(encoding),
        record_length: 512,
        big_endian,
    };
    let label = Path::new(LABEL);
    let bytes = match encode(label, &Stream::new(vec![trace.clone()]), &spec) {
        Ok(b) => b,
        // Steim differences beyond 30 bits, INT16 overflow: refused with a typed error.
        Err(IoError::Unsupported { .. }) => return,
        Err(e) => panic!("encoding decoded samples failed with an untyped error: {e}"),
    };
    let back = read_bytes(label, &bytes, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("reading back {encoding} we wrote failed: {e}"));
    let [t] = back.stream.traces.as_slice() else {
        panic!("one {encoding} trace written, {} read back", back.stream.traces.len());
    };
    assert!(
        same_samples(&t.data, &trace.data),
        "{encoding} samples changed in the round trip"
    );
}

/// The header-only scan of a file on disk (`read_file` with `headonly`, which skips the payloads and
/// gives way to the whole-file reader on anything unusual) must give exactly what the whole-file
/// reader gives on the same bytes: the same traces and stats, record counts and warnings, or the same
/// error.
pub fn check_mseed_headonly(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "seispool-fuzz-headonly-{}-{}.mseed",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&path, data).is_err() {
        return; // no scratch space: nothing to compare
    }
    let t = |ns: i64| Some(seispool_core::Time(ns));
    let option_sets = [
        ReadOptions {
            headonly: true,
            ..ReadOptions::default()
        },
        // A window inside most records' times (fuzzed headers give any time).
        ReadOptions {
            headonly: true,
            starttime: t(1_104_537_600_000_000_000),
            endtime: t(1_709_251_205_000_000_000),
            ..ReadOptions::default()
        },
        ReadOptions {
            headonly: true,
            select: Some("*.??Z".into()),
            ..ReadOptions::default()
        },
    ];
    let summary = |r: Result<seispool_io::mseed::MseedFile, IoError>| match r {
        Ok(f) => format!(
            "records {} skipped {} warnings {:?}\n{:#?}",
            f.records, f.skipped, f.warnings, f.stream.traces
        ),
        Err(e) => format!("error: {e}"),
    };
    let mut mismatch = None;
    for opts in &option_sets {
        let scanned = summary(seispool_io::mseed::read_file(&path, opts));
        let whole = summary(read_bytes(&path, data, opts));
        if scanned != whole {
            mismatch = Some(format!("{opts:?}\nscan:  {scanned}\nwhole: {whole}"));
            break;
        }
    }
    let _ = std::fs::remove_file(&path);
    if let Some(m) = mismatch {
        panic!("header-only scan differs from the whole-file read: {m}");
    }
}
