//! `seispool`: process seismic waveform archives in parallel with ObsPy's numerics.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = seispool_cli::run(std::env::args_os().collect());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
