//! `seispool`: process seismic waveform archives in parallel with ObsPy's numerics.

use std::process::ExitCode;

/// Large buffers on huge pages (see `HugePageAlloc`).
#[global_allocator]
static ALLOC: seispool_core::HugePageAlloc = seispool_core::HugePageAlloc;

fn main() -> ExitCode {
    let code = seispool_cli::run(std::env::args_os().collect());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
