//! `seispool process` and `seispool convert`: run a pipeline (or none) over every input file.

use std::path::PathBuf;

use clap::Args;
use seispool_pipeline::JobBuilder;
use seispool_pipeline::runner::Summary;

use crate::common::{Output, Selection, usage, usage_text};

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
    /// StationXML file, or a directory of them, for remove_response() and remove_sensitivity().
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub inventory: Option<PathBuf>,
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
    let text = match (args.pipeline, &args.pipeline_file) {
        (Some(t), _) => t,
        (None, Some(f)) => match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage_text(&format!("{}: cannot read pipeline file: {e}", f.display())),
        },
        (None, None) => return usage_text("give --pipeline or --pipeline-file"),
    };
    let mut job = builder(args.inputs, args.out, &args.run, args.selection, args.output);
    job.pipeline = Some(text);
    job.overlap = args.overlap;
    job.inventory = args.inventory;
    execute(job, &args.run)
}

/// Runs `convert`: the same runner with no ops.
pub fn run_convert(args: ConvertArgs) -> i32 {
    let job = builder(args.inputs, args.out, &args.run, args.selection, args.output);
    execute(job, &args.run)
}

/// The library's job options from the parsed arguments (unchecked: the library checks them).
fn builder(inputs: Vec<PathBuf>, out: PathBuf, run: &RunArgs, selection: Selection, output: Output) -> JobBuilder {
    JobBuilder {
        starttime: selection.start,
        endtime: selection.end,
        select: selection.select,
        follow_symlinks: selection.follow_symlinks,
        input_format: selection.input_format,
        big_endian: output.byte_order(),
        format: output.format,
        encoding: output.encoding,
        record_length: output.record_length,
        jobs: run.jobs,
        resume: run.resume,
        progress: !run.quiet,
        ..JobBuilder::new(inputs, out)
    }
}

fn execute(job: JobBuilder, run: &RunArgs) -> i32 {
    let job = match job.build() {
        Ok(j) => j,
        Err(e) => return usage(&e),
    };
    match job.run() {
        Ok(summary) => report(&summary, run),
        Err(e) => usage_text(&e.to_string()),
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
