//! `seispool plot`: one channel as a day plot or waveform PNG. Reading is `ReadBuilder`'s, the arrays are
//! gathered by `seispool_pipeline::pictures` and drawn by `seispool-plot`.

use std::path::PathBuf;

use clap::Args;
use seispool_pipeline::pictures::{PlotKind, StreamPlot, check_out_file, draw_stream_png, plot_kind};
use seispool_pipeline::{Opt, Processor, ReadBuilder, parse_pipeline};

use crate::common::{Selection, flag, usage_text};

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

/// Runs `seispool plot`: exit 0 drawn, 1 the data could not be read or processed, 2 usage.
pub fn run(args: PlotArgs) -> i32 {
    let kind = match (args.waveform, plot_kind(args.interval)) {
        (true, _) => PlotKind::Waveform,
        (false, Ok(kind)) => kind,
        (false, Err(e)) => return usage_text(&format!("--interval {e}")),
    };
    let request = ReadBuilder {
        paths: args.paths.clone(),
        format: args.selection.input_format,
        starttime: args.selection.start,
        endtime: args.selection.end,
        select: args.selection.select,
        follow_symlinks: args.selection.follow_symlinks,
        jobs: None,
        inventory: None,
    };
    let job = match request.build() {
        Ok(j) => j,
        Err(e) => {
            return usage_text(&e.render(|o| match o {
                Opt::Format => "--input-format".to_string(),
                o => flag(o),
            }));
        }
    };
    if let Err(e) = check_out_file(&args.out, &args.paths) {
        return usage_text(&format!("--out {e}"));
    }
    let pipeline = match args.pipeline.as_deref().map(parse_pipeline).transpose() {
        Ok(p) => p,
        Err(e) => return usage_text(&e.to_string()),
    };
    let (mut stream, warnings) = match job.read(false) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    warnings.iter().for_each(|w| eprintln!("warning: {w}"));
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
        Ok(()) => 0,
        Err(e) => usage_text(&e),
    }
}
