//! Text parsers: SDS paths, the pipeline language, `--start`/`--end` times.

use std::path::{Component, Path};

use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_io::sds::{ChannelDay, safe_code};
use seispool_pipeline::{Op, Processor, parse_pipeline};

/// SDS names: a parsed day file prints back to the same day; any channel-day (ids straight from
/// untrusted headers included) maps to exactly five plain path components that cannot leave the
/// archive root.
pub fn check_sds_path(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(day) = ChannelDay::from_file_name(&text) {
        if clean(&day) {
            assert_eq!(day.file_name(), text, "a day-file name does not print back");
        }
        assert_safe_relative(&day);
    }
    if let Some(day) = ChannelDay::from_relative_path(Path::new(text.as_ref())) {
        if clean(&day) {
            assert_eq!(
                ChannelDay::from_relative_path(&day.relative_path()).as_ref(),
                Some(&day),
                "{text:?}"
            );
        }
        assert_safe_relative(&day);
    }
    // Header-derived ids: four fields separated by NUL bytes, then eight bytes of time.
    let mut fields = text.split('\0');
    let id = ChannelId::new(
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
        fields.next().unwrap_or(""),
    );
    let mut ns = [0u8; 8];
    for (d, s) in ns.iter_mut().zip(data.iter().rev()) {
        *d = *s;
    }
    let day = ChannelDay::containing(id, Time(i64::from_le_bytes(ns)));
    assert_safe_relative(&day);
}

/// Whether no code of `day` needs sanitising (then its names print back exactly).
fn clean(day: &ChannelDay) -> bool {
    let id = &day.id;
    [&id.network, &id.station, &id.location, &id.channel]
        .iter()
        .all(|c| safe_code(c, true) == c.as_str())
        && safe_code(&day.data_type.to_string(), false) == day.data_type.to_string()
}

fn assert_safe_relative(day: &ChannelDay) {
    let rel = day.relative_path();
    let parts: Vec<Component> = rel.components().collect();
    assert_eq!(parts.len(), 5, "{rel:?} is not YEAR/NET/STA/CHAN.TYPE/FILE");
    assert!(
        parts.iter().all(|c| matches!(c, Component::Normal(_))),
        "{rel:?} has a component that leaves the archive root"
    );
    assert!(
        !day.file_name().contains(['/', '\\', '\0']),
        "file name {:?}",
        day.file_name()
    );
}

/// `--start`/`--end` times: a parsed time prints (ISO, 9 digits) and parses back to itself; a refusal
/// repeats the text it refuses.
pub fn check_time(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Time::parse(text) {
        Ok(t) => {
            let iso = t.format_iso(9);
            assert_eq!(Time::parse(&iso), Ok(t), "{text:?} -> {iso}");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// The pipeline language: an error points inside the text; a parsed pipeline's canonical text parses
/// to the same ops; cheap pipelines also run on a small gappy stream without panicking, and an op
/// failure names the op.
pub fn check_pipeline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pipeline = match parse_pipeline(text) {
        Ok(p) => p,
        Err(e) => {
            let lines = text.split('\n').count().max(1);
            if let Some(line) = e.line {
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {e}");
            }
            if let Some(col) = e.column {
                let width = text.split('\n').map(|l| l.chars().count()).max().unwrap_or(0);
                assert!(col >= 1 && col <= width + 1, "column {col} beyond the text: {e}");
            }
            return;
        }
    };
    let again = parse_pipeline(&pipeline.text)
        .unwrap_or_else(|e| panic!("canonical text {:?} does not parse: {e}", pipeline.text));
    assert_eq!(
        again.ops, pipeline.ops,
        "canonical text {:?} parses to other ops",
        pipeline.text
    );
    if pipeline.ops.iter().all(cheap) {
        let mut stream = small_stream();
        if let Err(e) = Processor::new().apply(&pipeline, &mut stream) {
            assert!(e.index >= 1 && e.index <= pipeline.ops.len(), "{e}");
        }
    }
}

/// Ops whose cost on [`small_stream`] stays small (no up-sampling, no padding to a far time).
fn cheap(op: &Op) -> bool {
    match op {
        Op::Resample { sampling_rate, .. } => *sampling_rate <= 64.0,
        Op::Interpolate {
            sampling_rate, npts, ..
        } => *sampling_rate <= 64.0 && npts.is_none_or(|n| n <= 4096),
        Op::Trim { pad, .. } => !pad,
        Op::Merge { .. } => true,
        _ => true,
    }
}

/// Two 1 Hz traces of one channel with a 10 s gap, plus an integer trace of another channel.
fn small_stream() -> Stream {
    let id = ChannelId::new("XX", "FUZZ", "00", "HHZ");
    let wave = |n: usize, k: f64| (0..n).map(|i| (i as f64 * k).sin() * 100.0).collect::<Vec<f64>>();
    let t0 = Time(1_700_000_000_000_000_000);
    Stream::new(vec![
        Trace::new(id.clone(), t0, 1.0, Samples::F64(wave(40, 0.3))),
        Trace::new(id, t0 + 50_000_000_000, 1.0, Samples::F64(wave(33, 0.7))),
        Trace::new(
            ChannelId::new("XX", "FUZZ", "", "HHE"),
            t0,
            1.0,
            Samples::I32((0..25).map(|i| i * i - 300).collect()),
        ),
    ])
}
