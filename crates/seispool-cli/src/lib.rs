//! The `seispool` command line as a library, so the Python package's `seispool` entry point runs the
//! very same code as the Rust binary.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

mod common;
mod demo;
mod doctor;
mod info;
mod plot;
mod ppsd;
mod process;

/// The inventory moved to `seispool_pipeline::info`; re-exported so the old paths keep working.
pub use seispool_pipeline::info::{FileInfo, GapInfo, TraceInfo, file_info};

/// Fast, fork-safe processing of seismic waveform archives with ObsPy's numerics.
#[derive(Parser)]
#[command(
    name = "seispool",
    version,
    about = "Fast, fork-safe processing of seismic waveform archives with ObsPy's numerics",
    after_help = "Example:\n  seispool demo\n  seispool process /data/sds --out /data/processed --pipeline \\\n    'detrend(\"linear\"); taper(0.05); filter(\"bandpass\", freqmin=0.5, freqmax=10, zerophase=True)'",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a processing pipeline (ObsPy method calls) over every waveform file of the inputs, in parallel.
    Process(process::ProcessArgs),
    /// Inventory of waveform files: ids, time spans, rates, encodings, records, gaps (headers only).
    Info(info::InfoArgs),
    /// Convert waveform files between formats, encodings and record lengths (traces kept as read).
    Convert(process::ConvertArgs),
    /// Draw one channel as a day plot (one line per 15 or 60 minutes) or, for short spans, a waveform PNG.
    Plot(plot::PlotArgs),
    /// Build a small synthetic SDS archive and process it with the default pipeline.
    Demo(demo::DemoArgs),
    /// Probabilistic power spectral densities (ObsPy's PPSD) of every channel: npz + PNG per channel.
    Ppsd(ppsd::PpsdArgs),
    /// Diagnose the fork/BLAS/OpenMP deadlock hazard of a Python environment (and verify fixes).
    Doctor(doctor::DoctorArgs),
}

/// Runs the command line `args` (including the program name); returns the process exit code:
/// 0 all ok, 1 some inputs failed, 2 usage or configuration error.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Process(args) => process::run_process(args),
        Command::Info(args) => info::run(args),
        Command::Convert(args) => process::run_convert(args),
        Command::Plot(args) => plot::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Ppsd(args) => ppsd::run(args),
    }
}
