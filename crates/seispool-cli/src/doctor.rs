//! `seispool doctor`: diagnose the fork/BLAS/OpenMP deadlock hazard of a Python environment.

use std::path::PathBuf;

use clap::Args;
use seispool_doctor::{DoctorOptions, diagnose};

/// Arguments of `seispool doctor`.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Python interpreter to examine.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Also import this module (repeatable); a callable `MOD._doctor_probe()` is exercised by the probe.
    #[arg(long = "import", value_name = "MOD")]
    imports: Vec<String>,
    /// Run the real fork experiment under a timeout and verify remedies when it fails.
    #[arg(long)]
    probe: bool,
    /// Verify every fitting remedy with the probe even when the probe passed.
    #[arg(long, requires = "probe")]
    verify_remedies: bool,
    /// Hard limit in seconds for each child interpreter.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs the diagnosis; exit 0 with a report, 2 when the interpreter cannot be examined.
pub fn run(args: DoctorArgs) -> i32 {
    let mut opts = match DoctorOptions::new(args.python).timeout_seconds(args.timeout) {
        Ok(o) => o,
        Err(problem) => {
            eprintln!("error: --timeout {problem}");
            return 2;
        }
    };
    opts.imports = args.imports;
    opts.probe = args.probe;
    opts.verify_remedies = args.verify_remedies;
    match diagnose(&opts) {
        Ok(report) if args.json => match serde_json::to_string_pretty(&report) {
            Ok(text) => {
                println!("{text}");
                0
            }
            Err(e) => {
                eprintln!("error: cannot encode the report as JSON: {e}");
                2
            }
        },
        Ok(report) => {
            print!("{report}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
