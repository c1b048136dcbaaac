//! `seispool process` and `seispool convert`: run a pipeline (or none) over every input file.

use std::path::PathBuf;

use clap::Args;
use seispool_pipeline::process::{ProcessSpec, process};
use seispool_pipeline::runner::{RunConfig, Summary};
use seispool_pipeline::{Pipeline, parse_pipeline};

use crate::common::{Output, Selection, check_inputs};

/// Arguments of `seispool process`.
#[derive(Args, Debug)]
pub struct ProcessArgs {
    /// Input files, directories or SDS archive roots.
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// Output directory; outputs mirror each input's path relative to its root.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The pipeline: ObsPy method calls separated by ';' or newlines.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "pipeline_file",
        required_unless_present = "pipeline_file"
    )]
    pub pipeline: Option<String>,
    /// Read the pipeline from a file ('#' starts a comment).
    #[arg(long = "pipeline-file", value_name = "FILE")]
    pub pipeline_file: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub output: Output,
    /// Seconds of the neighbouring SDS day files read as context (filter edge effects across midnight)
    /// and cut away after processing.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub overlap: f64,
}

/// Arguments of `seispool convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Input files, directories or SDS archive roots.
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// Output directory; outputs mirror each input's path relative to its root.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub output: Output,
}

/// How to run.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Worker threads (default: available cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Skip outputs finished by an earlier run with the same inputs and options.
    #[arg(long)]
    pub resume: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs `process`.
pub fn run_process(args: ProcessArgs) -> i32 {
    let text = match (&args.pipeline, &args.pipeline_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage(&format!("{}: cannot read pipeline file: {e}", f.display())),
        },
        (None, None) => return usage("give --pipeline or --pipeline-file"),
    };
    let pipeline = match parse_pipeline(&text) {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    if !(args.overlap.is_finite() && (0.0..=86_400.0).contains(&args.overlap)) {
        return usage(&format!(
            "--overlap {} must be between 0 and 86400 seconds",
            args.overlap
        ));
    }
    execute(
        args.inputs,
        args.out,
        pipeline,
        args.run,
        args.selection,
        args.output,
        args.overlap,
    )
}

/// Runs `convert`: the same runner with no ops.
pub fn run_convert(args: ConvertArgs) -> i32 {
    let nothing = Pipeline {
        ops: Vec::new(),
        text: String::new(),
    };
    execute(
        args.inputs,
        args.out,
        nothing,
        args.run,
        args.selection,
        args.output,
        0.0,
    )
}

fn execute(
    inputs: Vec<PathBuf>,
    out: PathBuf,
    pipeline: Pipeline,
    run: RunArgs,
    selection: Selection,
    output: Output,
    overlap: f64,
) -> i32 {
    if let Err(e) = check_inputs(&inputs).and_then(|_| selection.check()) {
        return usage(&e);
    }
    let write = match output.spec() {
        Ok(w) => w,
        Err(e) => return usage(&e),
    };
    let mut spec = ProcessSpec::new(pipeline);
    spec.input_format = selection.input_format;
    spec.output_format = output.format;
    spec.write = write;
    spec.big_endian = output.byte_order();
    spec.starttime = selection.start;
    spec.endtime = selection.end;
    spec.select = selection.select;
    spec.overlap = overlap;
    let cfg = RunConfig {
        out,
        jobs: run.jobs,
        resume: run.resume,
        config: String::new(),
        progress: !run.quiet,
    };
    match process(&inputs, &cfg, &spec) {
        Ok(summary) => report(&summary, &run),
        Err(e) => usage(&e.to_string()),
    }
}

/// Prints the summary (JSON on stdout with `--json`; human text on stderr unless `--quiet`);
/// exit code 1 when any unit failed.
pub fn report(summary: &Summary, run: &RunArgs) -> i32 {
    if run.json {
        match serde_json::to_string_pretty(summary) {
            Ok(t) => println!("{t}"),
            Err(e) => eprintln!("error: cannot encode the summary as JSON: {e}"),
        }
    }
    if !run.quiet || summary.failed > 0 {
        eprint!("{}", summary.human());
        for w in summary.warnings.iter().take(20) {
            eprintln!("warning: {w}");
        }
        if summary.warnings.len() > 20 {
            eprintln!(
                "warning: ... {} more warnings (see --json)",
                summary.warnings.len() - 20
            );
        }
    }
    i32::from(summary.failed > 0)
}

fn usage(msg: &str) -> i32 {
    eprintln!("error: {msg}");
    2
}
