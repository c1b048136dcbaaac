//! Pictures of what the engine reads: the availability of an inventory (`seispool info --plot`,
//! `seispool.plot_availability`) and one channel as a day plot or waveform (`seispool plot`, `Stream.plot`).
//! This module gathers the arrays; `seispool-plot` draws them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seispool_core::{Samples, Stream, Time};
use seispool_plot::availability::{AvailabilityPicture, ChannelAvailability, ChannelSpans, Span};
use seispool_plot::dayplot::{Kind, Segment, WaveformPicture};

use crate::info::FileInfo;

pub use seispool_plot::dayplot::Kind as PlotKind;

/// What to draw of a stream.
#[derive(Clone, Debug)]
pub struct StreamPlot {
    pub start: Option<Time>,
    pub end: Option<Time>,
    pub kind: Kind,
    pub width: u32,
    pub height: Option<u32>,
    /// Shown in the title when the data was processed.
    pub pipeline: Option<String>,
}

/// Most minutes per day-plot line (one year).
pub const MAX_INTERVAL_MINUTES: f64 = 525_600.0;

/// The picture asked for by minutes per day-plot line: `None` chooses from the span ([`PlotKind::Auto`]).
/// The error (`{minutes}: ...`) is prefixed by the front end with its name of the option.
pub fn plot_kind(interval_minutes: Option<f64>) -> Result<PlotKind, String> {
    match interval_minutes {
        None => Ok(Kind::Auto),
        // At least one second a line (the day plot's own floor), said in the option's unit.
        Some(m) if m.is_finite() && m * 60.0 >= 1.0 && m <= MAX_INTERVAL_MINUTES => {
            Ok(Kind::Dayplot { interval_s: m * 60.0 })
        }
        Some(m) => Err(format!(
            "{m}: minutes per line must be from 1/60 (one second) to {MAX_INTERVAL_MINUTES}"
        )),
    }
}

/// Refuses an output path that is a directory, lies in a missing directory, or is one of the inputs.
pub fn check_out_file(out: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    if out.is_dir() {
        return Err(format!("{}: is a directory, not the PNG file to write", out.display()));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!(
            "{}: directory {} does not exist",
            out.display(),
            parent.display()
        ));
    }
    if let Ok(o) = out.canonicalize() {
        for i in inputs {
            if i.canonicalize().is_ok_and(|i| i == o || o.starts_with(&i)) {
                return Err(format!("{}: would overwrite or write inside an input", out.display()));
            }
        }
    }
    Ok(())
}

/// Draws one channel of `stream` (a day plot or waveform) to `out`.
pub fn draw_stream_png(stream: &Stream, how: &StreamPlot, out: &Path) -> Result<(), String> {
    let mut ids: Vec<String> = stream.traces.iter().map(|t| t.id()).collect();
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 => return Err("no data to plot (nothing matched the selection?)".into()),
        1 => {}
        n => {
            let shown: Vec<&str> = ids.iter().take(6).map(String::as_str).collect();
            return Err(format!(
                "{n} channels to plot ({}{}); a picture shows one: select one channel",
                shown.join(", "),
                if n > 6 { ", ..." } else { "" }
            ));
        }
    }
    let mut traces: Vec<_> = stream.traces.iter().collect();
    traces.sort_by_key(|t| t.stats.starttime);
    let mut data = Vec::with_capacity(traces.len());
    for t in &traces {
        if matches!(t.data, Samples::Text(_)) {
            return Err(format!("{}: ASCII (text) records cannot be plotted", t.id()));
        }
        data.push(t.data.to_f64());
    }
    let segments: Vec<Segment<'_>> = traces
        .iter()
        .zip(&data)
        .map(|(t, d)| Segment {
            start: t.stats.starttime,
            sampling_rate: t.stats.sampling_rate,
            data: d,
        })
        .collect();
    let (first, last) = (
        traces.iter().map(|t| t.stats.starttime).min().unwrap_or(Time(0)),
        traces.iter().map(|t| t.endtime()).max().unwrap_or(Time(0)),
    );
    let rates: Vec<String> = {
        let mut r: Vec<String> = traces.iter().map(|t| format!("{} Hz", t.stats.sampling_rate)).collect();
        r.dedup();
        r
    };
    let mut title = format!(
        "{}   {} – {}   {}",
        ids[0],
        how.start
            .unwrap_or(first)
            .format_iso(0)
            .trim_end_matches('Z')
            .replace('T', " "),
        how.end
            .unwrap_or(last)
            .format_iso(0)
            .trim_end_matches('Z')
            .replace('T', " "),
        rates.join(", ")
    );
    if let Some(p) = &how.pipeline {
        title.push_str(&format!("   after {p}"));
    }
    let pic = WaveformPicture {
        title: &title,
        segments: &segments,
        start: how.start,
        end: how.end,
        kind: how.kind,
        width: how.width,
        height: how.height,
    };
    seispool_plot::dayplot::write_waveform_png(&pic, out).map_err(|e| e.to_string())
}

/// Groups the traces of an inventory by channel and draws the availability picture to `out`.
pub fn availability_png(
    files: &[FileInfo],
    start: Option<Time>,
    end: Option<Time>,
    width: u32,
    out: &Path,
) -> Result<Vec<ChannelAvailability>, String> {
    let mut by_id: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for t in files.iter().flat_map(|f| f.traces.iter()) {
        let delta_ns = if t.sampling_rate.is_finite() && t.sampling_rate > 0.0 {
            (1e9 / t.sampling_rate).round().min(i64::MAX as f64) as i64
        } else {
            0
        };
        by_id.entry(&t.id).or_default().push(Span {
            start_ns: t.starttime_ns,
            end_ns: t.endtime_ns.saturating_add(delta_ns),
            delta_ns,
        });
    }
    let channels: Vec<ChannelSpans> = by_id
        .into_iter()
        .map(|(id, spans)| ChannelSpans {
            id: id.to_string(),
            spans,
        })
        .collect();
    let pic = AvailabilityPicture {
        channels: &channels,
        start,
        end,
        width,
    };
    seispool_plot::availability::write_availability_png(&pic, out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::info::TraceInfo;
    use seispool_core::{ChannelId, Trace};

    fn trace(id: &str, start_s: i64, npts: usize) -> TraceInfo {
        let (start, end) = (
            start_s * 1_000_000_000,
            start_s * 1_000_000_000 + (npts as i64 - 1) * 10_000_000,
        );
        TraceInfo {
            id: id.into(),
            starttime: String::new(),
            endtime: String::new(),
            starttime_ns: start,
            endtime_ns: end,
            sampling_rate: 100.0,
            npts,
            encoding: None,
            record_length: None,
            records: None,
        }
    }

    fn file(traces: Vec<TraceInfo>) -> FileInfo {
        FileInfo {
            path: "f".into(),
            size: 0,
            format: None,
            records: 0,
            traces,
            gaps: vec![],
            warnings: vec![],
            error: None,
        }
    }

    /// Day files that join exactly (last sample + one interval = next first sample) are one bar; a trace
    /// starting 1 s late leaves a gap; channels are rows in id order.
    #[test]
    fn availability_joins_files_at_one_sample_interval_and_finds_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            file(vec![trace("XX.B..HHZ", 0, 100), trace("XX.A..HHZ", 0, 8_640_000)]),
            file(vec![trace("XX.A..HHZ", 86_400, 100), trace("XX.B..HHZ", 2, 100)]),
        ];
        let rows = availability_png(&files, None, None, 600, &dir.path().join("a.png")).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["XX.A..HHZ", "XX.B..HHZ"]
        );
        assert_eq!(rows[0].bars.len(), 1);
        assert!(rows[0].gaps.is_empty() && rows[0].overlaps.is_empty());
        assert_eq!(rows[1].gaps, vec![(1_000_000_000, 2_000_000_000)]);
        assert!((rows[1].percent - 200.0 / 3.0).abs() < 1e-9, "{}", rows[1].percent);
    }

    #[test]
    fn stream_picture_needs_exactly_one_channel() {
        let dir = tempfile::tempdir().unwrap();
        let how = StreamPlot {
            start: None,
            end: None,
            kind: PlotKind::Auto,
            width: 400,
            height: None,
            pipeline: None,
        };
        let mk = |code: &str| {
            Trace::new(
                ChannelId::parse(code).unwrap(),
                Time(0),
                10.0,
                Samples::F64(vec![0.0, 1.0, -1.0, 0.5]),
            )
        };
        let out = dir.path().join("w.png");
        let two = Stream {
            traces: vec![mk("XX.A..HHZ"), mk("XX.A..HHN")],
        };
        assert!(draw_stream_png(&two, &how, &out).unwrap_err().contains("2 channels"));
        assert!(
            draw_stream_png(&Stream::default(), &how, &out)
                .unwrap_err()
                .contains("no data")
        );
        draw_stream_png(
            &Stream {
                traces: vec![mk("XX.A..HHZ")],
            },
            &how,
            &out,
        )
        .unwrap();
        assert!(out.exists());
    }

    #[test]
    fn plot_kind_accepts_only_intervals_above_zero_up_to_one_year() {
        assert_eq!(plot_kind(None), Ok(PlotKind::Auto));
        assert_eq!(plot_kind(Some(15.0)), Ok(PlotKind::Dayplot { interval_s: 900.0 }));
        assert_eq!(
            plot_kind(Some(525_600.0)),
            Ok(PlotKind::Dayplot {
                interval_s: 31_536_000.0
            })
        );
        assert_eq!(plot_kind(Some(1.0 / 60.0)), Ok(PlotKind::Dayplot { interval_s: 1.0 }));
        // 0.0001 minutes passed this check and failed in the day plot, in seconds ("interval 0.006 s
        // must be at least 1 s"): the option is in minutes.
        for bad in [0.0, 0.0001, -5.0, 525_600.5, f64::NAN, f64::INFINITY] {
            let e = plot_kind(Some(bad)).unwrap_err();
            assert!(
                e.ends_with("minutes per line must be from 1/60 (one second) to 525600"),
                "{e}"
            );
            assert!(e.starts_with(&bad.to_string()), "{e}");
        }
    }

    #[test]
    fn out_file_that_is_a_directory_is_refused_without_naming_a_flag() {
        let dir = std::env::temp_dir();
        let e = check_out_file(&dir, &[]).unwrap_err();
        assert!(e.ends_with("is a directory, not the PNG file to write"), "{e}");
        assert!(!e.contains("--"), "{e}");
    }
}
