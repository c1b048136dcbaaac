//! `seispool demo`: synthesize a small SDS archive and process it with the default pipeline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;
use seispool_core::Time;
use seispool_io::mseed::{DataEncoding, WriteOptions, write_to};
use seispool_io::sds::ChannelDay;
use seispool_pipeline::runner::{build_pool, effective_jobs, write_atomic};
use seispool_pipeline::synth::{SynthSpec, synthesize};
use seispool_pipeline::{JobBuilder, ReadBuilder, parse_pipeline};

use crate::common::{flag, usage, usage_text};
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
    if let Err(e) = parse_pipeline(&args.pipeline) {
        return usage_text(&e.to_string());
    }
    let archive = args.dir.join("archive");
    let processed = args.dir.join("processed");
    let spec = SynthSpec {
        stations: usize::from(args.stations),
        days: usize::from(args.days),
        sampling_rate: args.sampling_rate,
        ..SynthSpec::default()
    };
    if let Err(problem) = spec.check() {
        return usage_text(&format!("--sampling-rate {} {problem}", args.sampling_rate));
    }
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
        return usage_text(&e);
    }
    let stations = args.dir.join("stations.xml");
    if let Err(e) = write_atomic(
        &stations,
        seispool_pipeline::synth_inventory::stationxml(&spec).as_bytes(),
    ) {
        return usage_text(&format!("{}: {e}", stations.display()));
    }
    if args.no_process {
        println!("{}", archive.display());
        return 0;
    }
    if !args.run.quiet {
        eprintln!("processing with: {}", args.pipeline);
    }
    let job = JobBuilder {
        pipeline: Some(args.pipeline.clone()),
        jobs: args.run.jobs,
        resume: args.run.resume,
        progress: !args.run.quiet,
        ..JobBuilder::new(vec![archive], processed.clone())
    };
    let summary = match job.build() {
        Ok(job) => match job.run() {
            Ok(s) => s,
            Err(e) => return usage_text(&e.to_string()),
        },
        Err(e) => return usage(&e),
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

/// `N files, M traces (ids...), first - last, rates, samples` of a directory of outputs, from the same
/// inventory as `seispool info`.
pub fn one_line_info(dir: &Path) -> String {
    let request = ReadBuilder {
        paths: vec![dir.to_path_buf()],
        ..ReadBuilder::default()
    };
    let report = match request.build() {
        Ok(job) => job.info().map_err(|e| e.to_string()),
        Err(e) => Err(e.render(flag)),
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => return format!("info: {e}"),
    };
    let traces: Vec<_> = report.files.iter().flat_map(|f| &f.traces).collect();
    let channels: BTreeSet<&str> = traces.iter().map(|t| t.id.as_str()).collect();
    let rates: BTreeSet<String> = traces.iter().map(|t| format!("{}", t.sampling_rate)).collect();
    let samples: usize = traces.iter().map(|t| t.npts).sum();
    let first = traces.iter().map(|t| t.starttime_ns).min();
    let last = traces.iter().map(|t| t.endtime_ns).max();
    let span = match (first, last) {
        (Some(a), Some(b)) => format!("{} - {}", Time(a), Time(b)),
        _ => "no data".into(),
    };
    let rates: Vec<String> = rates.into_iter().collect();
    format!(
        "info: {} files, {} channels, {} traces, {} samples, {} Hz, {span}{}",
        report.opened,
        channels.len(),
        traces.len(),
        samples,
        rates.join("/"),
        if report.failed > 0 {
            format!(", {} unreadable", report.failed)
        } else {
            String::new()
        }
    )
}
