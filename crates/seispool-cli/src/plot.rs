//! `seispool plot` (day plots and waveforms) and the availability picture of `seispool info --plot`.
//! Reading and grouping happen here; the drawing is `seispool-plot`'s, from plain arrays.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use seispool_core::{Samples, Stream, Time};
use seispool_io::{ReadOptions, read};
use seispool_pipeline::process::list_inputs;
use seispool_pipeline::{Processor, parse_pipeline};
use seispool_plot::availability::{AvailabilityPicture, ChannelAvailability, ChannelSpans, Span};
use seispool_plot::dayplot::{Kind, Segment, WaveformPicture};

use crate::common::{Selection, check_inputs};
use crate::info::FileInfo;

/// Arguments of `seispool plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Waveform files, directories or SDS roots holding one channel (or narrow with --select).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    /// The PNG to write.
    #[arg(long, value_name = "FILE.png")]
    pub out: PathBuf,
    /// Process before drawing (ObsPy method calls, e.g. 'filter("bandpass", freqmin=1, freqmax=10)').
    #[arg(long, value_name = "PIPELINE")]
    pub pipeline: Option<String>,
    /// Minutes per day-plot line (default: a waveform panel up to 1 h of data, 15-minute lines up to
    /// 6 h, 60-minute lines beyond).
    #[arg(long, value_name = "MINUTES")]
    pub interval: Option<f64>,
    /// One waveform panel whatever the span.
    #[arg(long, conflicts_with = "interval")]
    pub waveform: bool,
    /// Picture width in pixels.
    #[arg(long, value_name = "PX", default_value_t = 1000)]
    pub width: u32,
    /// Picture height in pixels (default: from the number of lines).
    #[arg(long, value_name = "PX")]
    pub height: Option<u32>,
}

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

/// Refuses an output path that is a directory, lies in a missing directory, or is one of the inputs.
pub fn check_out_file(out: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    if out.is_dir() {
        return Err(format!(
            "{}: is a directory; --out names the PNG file to write",
            out.display()
        ));
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
                "{n} channels to plot ({}{}); a picture shows one: choose it with --select",
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

/// Runs `seispool plot`: exit 0 drawn, 1 some input could not be read (the rest is drawn), 2 usage.
pub fn run(args: PlotArgs) -> i32 {
    let usage = |e: String| {
        eprintln!("error: {e}");
        2
    };
    if let Err(e) = check_inputs(&args.paths)
        .and_then(|_| args.selection.check())
        .and_then(|_| check_out_file(&args.out, &args.paths))
    {
        return usage(e);
    }
    let kind = match (args.waveform, args.interval) {
        (true, _) => Kind::Waveform,
        (false, Some(m)) if m.is_finite() && m > 0.0 && m <= 525_600.0 => Kind::Dayplot { interval_s: m * 60.0 },
        (false, Some(m)) => return usage(format!("--interval {m}: minutes per line must be in (0, 525600]")),
        (false, None) => Kind::Auto,
    };
    let pipeline = match args.pipeline.as_deref().map(parse_pipeline).transpose() {
        Ok(p) => p,
        Err(e) => return usage(e.to_string()),
    };
    let files = match list_inputs(&args.paths, args.selection.start, args.selection.end) {
        Ok(f) => f,
        Err(e) => return usage(e.to_string()),
    };
    let opts = ReadOptions {
        format: args.selection.input_format,
        starttime: args.selection.start,
        endtime: args.selection.end,
        select: args.selection.select.clone(),
        headonly: false,
    };
    let mut stream = Stream::default();
    let mut failed = 0;
    for f in &files {
        match read(&f.path, &opts) {
            Ok(r) => stream.traces.extend(r.stream.traces),
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if let Some(p) = &pipeline {
        match Processor::new().apply(p, &mut stream) {
            Ok(warnings) => warnings.iter().for_each(|w| eprintln!("warning: {w}")),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let how = StreamPlot {
        start: args.selection.start,
        end: args.selection.end,
        kind,
        width: args.width,
        height: args.height,
        pipeline: pipeline.and(args.pipeline.clone()),
    };
    match draw_stream_png(&stream, &how, &args.out) {
        Ok(()) => i32::from(failed > 0),
        Err(e) => {
            eprintln!("error: {e}");
            if failed > 0 { 1 } else { 2 }
        }
    }
}
