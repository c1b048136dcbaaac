//! `seispool ppsd`: ObsPy's probabilistic PSDs for every channel of the inputs.

use std::path::PathBuf;

use clap::Args;
use seispool_dsp::ppsd::{PpsdParams, SpecialHandling};
use seispool_pipeline::ppsd::{
    NoResponse, Paz, PpsdJob, PpsdParamError, PpsdSummary, ResponseSource, check_params, run_ppsd,
};

use crate::common::{Selection, usage_text};
use crate::process::RunArgs;

/// Arguments of `seispool ppsd`.
#[derive(Args, Debug)]
pub struct PpsdArgs {
    /// Input files, directories or SDS archive roots.
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// Output directory: NET.STA.LOC.CHA.npz (ObsPy's PPSD.save_npz format) and .png per channel.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// StationXML file (or a directory of them) with the channels' responses (each channel epoch's
    /// response evaluated once, as ObsPy's PPSD does with an Inventory).
    #[arg(long, value_name = "INV", conflicts_with = "paz")]
    pub inventory: Option<PathBuf>,
    /// Instead of --inventory: one static poles-and-zeros response for all channels, as JSON
    /// {"poles": [[re, im], ...], "zeros": [...], "gain": G, "sensitivity": S} (ObsPy's PAZ dict).
    #[arg(long, value_name = "FILE")]
    pub paz: Option<PathBuf>,
    /// Overall sensitivity for --special-handling ringlaser (data are divided by it).
    #[arg(long, value_name = "S")]
    pub sensitivity: Option<f64>,
    /// Seconds per PSD window.
    #[arg(long = "ppsd-length", value_name = "SECONDS", default_value_t = 3600.0)]
    pub ppsd_length: f64,
    /// Overlap of PSD windows as a fraction of their length.
    #[arg(long = "overlap", value_name = "FRACTION", default_value_t = 0.5)]
    pub overlap: f64,
    /// Octaves averaged around each period bin.
    #[arg(
        long = "period-smoothing-width-octaves",
        value_name = "OCTAVES",
        default_value_t = 1.0
    )]
    pub smoothing: f64,
    /// Octaves between period bins.
    #[arg(long = "period-step-octaves", value_name = "OCTAVES", default_value_t = 0.125)]
    pub step: f64,
    /// Centre of the first period bin and the period after which no bin is added: MIN,MAX seconds.
    #[arg(long = "period-limits", value_name = "MIN,MAX")]
    pub period_limits: Option<String>,
    /// dB histogram bins: MIN,MAX,STEP.
    #[arg(long = "db-bins", value_name = "MIN,MAX,STEP", default_value = "-200,-50,1")]
    pub db_bins: String,
    /// Skip windows with gaps instead of filling gaps with zeros.
    #[arg(long = "skip-on-gaps")]
    pub skip_on_gaps: bool,
    /// ringlaser (divide by --sensitivity only), hydrophone or infrasound (no differentiation).
    #[arg(long = "special-handling", value_name = "KIND")]
    pub special_handling: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub selection: Selection,
}

fn numbers(text: &str, what: &str, n: usize) -> Result<Vec<f64>, String> {
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{what} '{text}': expected {n} comma-separated numbers"))?;
    if v.len() != n {
        return Err(format!("{what} '{text}': expected {n} comma-separated numbers"));
    }
    Ok(v)
}

/// The PPSD parameters from the arguments (numbers parsed here; the values checked by the library).
fn params(args: &PpsdArgs) -> Result<PpsdParams, String> {
    let db = numbers(&args.db_bins, "--db-bins", 3)?;
    let period_limits = match &args.period_limits {
        Some(t) => {
            let v = numbers(t, "--period-limits", 2)?;
            Some((v[0], v[1]))
        }
        None => None,
    };
    let given = PpsdParams {
        ppsd_length: args.ppsd_length,
        overlap: args.overlap,
        period_smoothing_width_octaves: args.smoothing,
        period_step_octaves: args.step,
        period_limits,
        db_bins: (db[0], db[1], db[2]),
        skip_on_gaps: args.skip_on_gaps,
        special_handling: None,
    };
    check_params(given, args.special_handling.as_deref(), args.sensitivity).map_err(|e| match e {
        PpsdParamError::RinglaserSensitivity => {
            "--special-handling ringlaser needs --sensitivity (a finite non-zero number)".to_string()
        }
        e => e.to_string(),
    })
}

/// Runs `ppsd`.
pub fn run(args: PpsdArgs) -> i32 {
    let params = match params(&args) {
        Ok(p) => p,
        Err(e) => return usage(&e),
    };
    let ringlaser = params.special_handling == Some(SpecialHandling::Ringlaser);
    let source: Box<dyn ResponseSource> = match (&args.inventory, &args.paz) {
        (Some(inv), _) => match seispool_io::stationxml::read_inventory(inv) {
            Ok(i) => Box::new(i),
            Err(e) => return usage(&format!("--inventory: {e}")),
        },
        (None, Some(f)) => match std::fs::read_to_string(f)
            .map_err(|e| format!("{}: {e}", f.display()))
            .and_then(|t| Paz::from_json(&t, &f.display().to_string()))
        {
            Ok(p) => Box::new(p),
            Err(e) => return usage(&e),
        },
        (None, None) if ringlaser => Box::new(NoResponse),
        (None, None) => {
            return usage(
                "give the instrument response: --inventory INV (StationXML) or --paz FILE \
                 (or --special-handling ringlaser --sensitivity S)",
            );
        }
    };
    let job = PpsdJob {
        inputs: args.inputs,
        out: args.out,
        params,
        starttime: args.selection.start,
        endtime: args.selection.end,
        select: args.selection.select,
        follow_symlinks: args.selection.follow_symlinks,
        jobs: args.run.jobs,
        resume: args.run.resume,
        progress: !args.run.quiet,
        sensitivity: args.sensitivity,
    };
    if let Err(e) = job.check() {
        return crate::common::usage(&e);
    }
    match run_ppsd(&job, source.as_ref()) {
        Ok(summary) => report(&summary, &args.run),
        Err(e) => usage(&e.to_string()),
    }
}

fn report(s: &PpsdSummary, run: &RunArgs) -> i32 {
    if run.json {
        match serde_json::to_string_pretty(s) {
            Ok(t) => println!("{t}"),
            Err(e) => eprintln!("error: cannot encode the summary as JSON: {e}"),
        }
    }
    if !run.quiet || s.failed > 0 {
        eprintln!(
            "ppsd: {} channel(s), {} written, {} failed, {} window(s) added in {:.2} s ({} threads) -> {}",
            s.channels, s.ok, s.failed, s.windows_added, s.wall_seconds, s.jobs, s.out
        );
        for f in &s.failures {
            eprintln!("error: {}: {}", f.id, f.error);
        }
        for w in s.warnings.iter().take(20) {
            eprintln!("warning: {w}");
        }
        if s.warnings.len() > 20 {
            eprintln!("warning: ... {} more warnings (see --json)", s.warnings.len() - 20);
        }
    }
    i32::from(s.failed > 0 || s.channels == 0)
}

fn usage(msg: &str) -> i32 {
    usage_text(msg)
}
