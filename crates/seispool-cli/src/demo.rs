//! `seispool demo`: synthesize a small SDS archive and process it with the default pipeline.

use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;
use seispool_io::mseed::{DataEncoding, WriteOptions, write_to};
use seispool_io::sds::ChannelDay;
use seispool_io::{ReadOptions, read};
use seispool_pipeline::parse_pipeline;
use seispool_pipeline::process::{ProcessSpec, list_inputs, process};
use seispool_pipeline::runner::{RunConfig, build_pool, effective_jobs, write_atomic};
use seispool_pipeline::synth::{SynthSpec, synthesize};

use crate::process::{RunArgs, report};

/// The pipeline the demo runs: ObsPy's classic pre-processing of a day of broadband data.
pub const DEFAULT_PIPELINE: &str = "merge(method=1, fill_value=\"interpolate\"); detrend(\"linear\"); taper(0.05); \
     filter(\"bandpass\", freqmin=0.5, freqmax=10, corners=4, zerophase=True); decimate(4)";

/// Arguments of `seispool demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Directory for the synthetic archive (DIR/archive) and the processed output (DIR/processed).
    #[arg(long, value_name = "DIR", default_value = "seispool-demo")]
    pub dir: PathBuf,
    /// Stations (3 channels each: HHZ, HHN, HHE).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=999))]
    pub stations: u16,
    /// Consecutive days from 2024-01-01.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=366))]
    pub days: u16,
    /// Sampling rate in Hz of the synthetic channels.
    #[arg(long = "sampling-rate", default_value_t = 100.0, value_name = "HZ")]
    pub sampling_rate: f64,
    /// Only build the archive.
    #[arg(long = "no-process")]
    pub no_process: bool,
    /// Pipeline to run instead of the default.
    #[arg(long, value_name = "TEXT", default_value = DEFAULT_PIPELINE)]
    pub pipeline: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> i32 {
    let pipeline = match parse_pipeline(&args.pipeline) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if !(args.sampling_rate.is_finite() && (0.1..=1000.0).contains(&args.sampling_rate)) {
        eprintln!(
            "error: --sampling-rate {} must be between 0.1 and 1000 Hz",
            args.sampling_rate
        );
        return 2;
    }
    let archive = args.dir.join("archive");
    let processed = args.dir.join("processed");
    let spec = SynthSpec {
        stations: usize::from(args.stations),
        days: usize::from(args.days),
        sampling_rate: args.sampling_rate,
        ..SynthSpec::default()
    };
    if !args.run.quiet {
        eprintln!(
            "building a synthetic SDS archive: {} stations x 3 channels x {} day(s), {} Hz, Steim2 -> {}",
            spec.stations,
            spec.days,
            spec.sampling_rate,
            archive.display()
        );
    }
    if let Err(e) = build_archive(&spec, &archive, args.run.jobs) {
        eprintln!("error: {e}");
        return 2;
    }
    if args.no_process {
        println!("{}", archive.display());
        return 0;
    }
    if !args.run.quiet {
        eprintln!("processing with: {}", args.pipeline);
    }
    let cfg = RunConfig {
        out: processed.clone(),
        jobs: args.run.jobs,
        resume: args.run.resume,
        config: String::new(),
        progress: !args.run.quiet,
    };
    let summary = match process(std::slice::from_ref(&archive), &cfg, &ProcessSpec::new(pipeline)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let code = report(&summary, &args.run);
    if !args.run.json {
        println!("output: {}", processed.display());
        println!("{}", one_line_info(&processed));
    }
    code
}

/// Writes every synthetic channel-day as a Steim2 SDS day file (atomically; existing files replaced).
pub fn build_archive(spec: &SynthSpec, root: &Path, jobs: Option<usize>) -> Result<(), String> {
    let pool = build_pool(effective_jobs(jobs)).map_err(|e| format!("cannot start worker threads: {e}"))?;
    let days = pool.install(|| synthesize(spec));
    let opts = WriteOptions {
        encoding: Some(DataEncoding::Steim2),
        ..WriteOptions::default()
    };
    let result = pool.install(|| {
        days.par_iter().try_for_each(|d| {
            let Some(first) = d.stream.traces.first() else {
                return Ok(());
            };
            let day = ChannelDay::containing(first.stats.id.clone(), first.stats.starttime);
            let path = day.path(root);
            let mut bytes = Vec::new();
            write_to(&mut bytes, &path, &d.stream, &opts).map_err(|e| e.to_string())?;
            write_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
        })
    });
    drop(pool);
    result
}

/// `N files, M traces (ids...), first - last, rates, samples` of a directory of outputs.
pub fn one_line_info(dir: &Path) -> String {
    let files = match list_inputs(&[dir.to_path_buf()], None, None) {
        Ok(f) => f,
        Err(e) => return format!("info: {e}"),
    };
    let opts = ReadOptions {
        headonly: true,
        ..ReadOptions::default()
    };
    let (mut traces, mut samples, mut failed) = (0usize, 0usize, 0usize);
    let (mut first, mut last) = (None, None);
    let mut rates = std::collections::BTreeSet::new();
    let mut channels = std::collections::BTreeSet::new();
    for f in &files {
        match read(&f.path, &opts) {
            Ok(r) => {
                for t in &r.stream.traces {
                    traces += 1;
                    samples += t.stats.npts;
                    channels.insert(t.id());
                    rates.insert(format!("{}", t.stats.sampling_rate));
                    first = first.min(Some(t.stats.starttime)).or(Some(t.stats.starttime));
                    last = last.max(Some(t.endtime()));
                }
            }
            Err(_) => failed += 1,
        }
    }
    let span = match (first, last) {
        (Some(a), Some(b)) => format!("{a} - {b}"),
        _ => "no data".into(),
    };
    let rates: Vec<String> = rates.into_iter().collect();
    format!(
        "info: {} files, {} channels, {} traces, {} samples, {} Hz, {span}{}",
        files.len(),
        channels.len(),
        traces,
        samples,
        rates.join("/"),
        if failed > 0 {
            format!(", {failed} unreadable")
        } else {
            String::new()
        }
    )
}
