//! `seispool`: process seismic waveform archives in parallel with ObsPy's numerics.

use std::process::ExitCode;

use clap::Parser;

/// Fast, fork-safe processing of seismic waveform archives.
#[derive(Parser)]
#[command(name = "seispool", version, about)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}
