//! The one validated job API every front end uses (the CLI, Python, Dask and the demo).
//!
//! A front end fills a [`JobBuilder`] (a processing run) or a [`read::ReadBuilder`] (a read or an
//! inventory) with the options exactly as it received them — texts for formats and encodings, numbers as
//! given — and calls `build()`: every option is checked here, once, in one order, so every front end gives
//! the same answer to the same input. Errors are [`JobError`]s that name options by neutral names; each
//! front end renders them with its own flags or keywords.

mod check;
mod error;
pub mod read;

use std::path::PathBuf;

use seispool_core::Time;
use seispool_io::{Format, WriteSpec};

pub use check::{MAX_JOBS, MAX_OVERLAP};
pub use error::{JobError, Opt};
pub use read::{ReadBuilder, ReadError, ReadJob};

use crate::process::{ProcessSpec, plan, process, run_units};
use crate::runner::{OutOverlap, RunConfig, RunError, Summary, Unit, find_out_overlap};
use crate::{Pipeline, parse_pipeline};

/// A processing run (`process`, or `convert` without a pipeline) as a front end received it (unchecked).
#[derive(Clone, Debug, Default)]
pub struct JobBuilder {
    /// Files, directories, SDS roots.
    pub inputs: Vec<PathBuf>,
    /// The output directory; outputs mirror each input's path relative to its root.
    pub out: PathBuf,
    /// The pipeline text; `None` runs no ops (a conversion).
    pub pipeline: Option<String>,
    /// Only data from this time on.
    pub starttime: Option<Time>,
    /// Only data up to this time.
    pub endtime: Option<Time>,
    /// Only channels whose `NET.STA.LOC.CHA` matches this glob (`*.HHZ` is fine).
    pub select: Option<String>,
    /// Follow symlinks in input directories wherever they lead.
    pub follow_symlinks: bool,
    /// Seconds of the neighbouring SDS days read as context and cut away.
    pub overlap: f64,
    /// Output format name (`None`: the input's format).
    pub format: Option<String>,
    /// Input format name (`None`: detected per file).
    pub input_format: Option<String>,
    /// MiniSEED encoding name or code (`None`: the input's encoding when it holds the result).
    pub encoding: Option<String>,
    /// MiniSEED record length in bytes (`None`: 4096).
    pub record_length: Option<usize>,
    /// Output byte order (`None`: the output format's default).
    pub big_endian: Option<bool>,
    /// Worker threads (`None`/0: all cores).
    pub jobs: Option<usize>,
    /// Skip outputs finished by an earlier run with the same inputs and options.
    pub resume: bool,
    /// Draw a progress bar on stderr (when it is a terminal).
    pub progress: bool,
    /// StationXML file or directory for `remove_response`/`remove_sensitivity`.
    pub inventory: Option<PathBuf>,
    /// Responses already loaded (e.g. an inventory object handed over by Python); wins over `inventory`.
    pub responses: Option<std::sync::Arc<crate::responses::Responses>>,
}

/// A checked processing run.
#[derive(Clone, Debug)]
pub struct Job {
    inputs: Vec<PathBuf>,
    spec: ProcessSpec,
    cfg: RunConfig,
}

impl JobBuilder {
    /// A builder for `inputs` → `out` with every other option at its default.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> JobBuilder {
        JobBuilder {
            inputs,
            out,
            ..JobBuilder::default()
        }
    }

    /// Checks every option (pipeline, inventory, inputs, window, select, overlap, output format, encoding, record
    /// length, jobs, output directory — in this order) and returns the job.
    pub fn build(self) -> Result<Job, JobError> {
        let pipeline = match &self.pipeline {
            Some(text) => parse_pipeline(text).map_err(|e| JobError::plain(Opt::Pipeline, e.to_string()))?,
            None => Pipeline {
                ops: Vec::new(),
                text: String::new(),
            },
        };
        let responses = check::responses(&pipeline, self.inventory.as_deref(), self.responses.clone())?;
        check::inputs(&self.inputs)?;
        check::window(self.starttime, self.endtime)?;
        if let Some(g) = &self.select {
            check::select(g)?;
        }
        check::overlap(self.overlap)?;
        let output_format = check::format(Opt::Format, self.format.as_deref())?;
        let input_format = check::format(Opt::InputFormat, self.input_format.as_deref())?;
        let encoding = check::encoding(self.encoding.as_deref())?;
        let record_length = self.record_length.unwrap_or(4096);
        check::record_length(record_length)?;
        if output_format == Some(Format::Sac) {
            check::sac_output(encoding, self.record_length)?;
        }
        check::jobs(self.jobs)?;
        check_out(&self.out, &self.inputs)?;
        let spec = ProcessSpec {
            pipeline,
            input_format,
            output_format,
            write: WriteSpec {
                encoding,
                record_length,
                ..WriteSpec::new(output_format.unwrap_or(Format::Mseed2))
            },
            big_endian: self.big_endian,
            starttime: self.starttime,
            endtime: self.endtime,
            select: self.select,
            follow_symlinks: self.follow_symlinks,
            overlap: self.overlap,
            responses,
        };
        let cfg = RunConfig {
            out: self.out,
            jobs: self.jobs,
            resume: self.resume,
            config: spec.config_text(),
            progress: self.progress,
        };
        Ok(Job {
            inputs: self.inputs,
            spec,
            cfg,
        })
    }
}

/// The output directory must not equal, lie inside or contain an input.
fn check_out(out: &std::path::Path, inputs: &[PathBuf]) -> Result<(), JobError> {
    match find_out_overlap(out, inputs) {
        None => Ok(()),
        Some(OutOverlap::OutInsideInput(input)) => Err(JobError::of(Opt::Out).name(Opt::Out).text(format!(
            " {} is inside input {}; choose an output directory outside the inputs",
            out.display(),
            input.display()
        ))),
        Some(OutOverlap::InputInsideOut(input)) => Err(JobError::of(Opt::Out)
            .text(format!("input {} is inside ", input.display()))
            .name(Opt::Out)
            .text(format!(
                " {}; choose an output directory that holds no inputs",
                out.display()
            ))),
    }
}

/// How to write one file (Python's `Stream.write`): the format (default MiniSEED 2), the encoding and a
/// MiniSEED 2 record length checked here, as for a job (the same `record_length` error); a MiniSEED 3
/// record length is checked by its writer (MiniSEED 3 allows longer records).
pub fn write_spec(
    format: Option<&str>,
    encoding: Option<&str>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
) -> Result<WriteSpec, JobError> {
    let format = check::format(Opt::Format, format)?.unwrap_or(Format::Mseed2);
    let mut spec = WriteSpec::new(format);
    spec.encoding = check::encoding(encoding)?;
    if format == Format::Mseed2
        && let Some(n) = record_length
    {
        check::record_length(n)?;
    }
    spec.record_length = record_length.unwrap_or(spec.record_length);
    spec.big_endian = big_endian.unwrap_or(spec.big_endian);
    Ok(spec)
}

impl Job {
    /// The inputs.
    pub fn inputs(&self) -> &[PathBuf] {
        &self.inputs
    }

    /// What each unit does.
    pub fn spec(&self) -> &ProcessSpec {
        &self.spec
    }

    /// How the units run.
    pub fn config(&self) -> &RunConfig {
        &self.cfg
    }

    /// The work units of this job: one per input file, sorted by output path.
    pub fn plan(&self) -> Result<Vec<Unit>, RunError> {
        plan(&self.inputs, &self.spec).map_err(|e| RunError::Inputs(e.to_string()))
    }

    /// Plans and runs every unit.
    pub fn run(&self) -> Result<Summary, RunError> {
        let mut summary = process(&self.inputs, &self.cfg, &self.spec)?;
        summary.warnings.extend(self.nothing_matched(&summary));
        Ok(summary)
    }

    /// A run that wrote nothing and failed nothing because nothing was there or nothing matched the
    /// selection or window says so (it would otherwise end with exit code 0 and an empty summary).
    fn nothing_matched(&self, s: &Summary) -> Option<String> {
        if s.ok + s.failed + s.skipped > 0 {
            return None;
        }
        let mut asked = Vec::new();
        if let Some(g) = &self.spec.select {
            asked.push(format!("select '{g}'"));
        }
        match (self.spec.starttime, self.spec.endtime) {
            (None, None) => {}
            (t1, t2) => asked.push(format!(
                "the window {} - {}",
                t1.map_or("…".into(), |t| t.to_string()),
                t2.map_or("…".into(), |t| t.to_string())
            )),
        }
        Some(match (s.units, asked.is_empty()) {
            (0, true) => "no input files found: nothing written".to_string(),
            (_, true) => return None,
            (_, false) => format!("no data matched {}: nothing written", asked.join(" and ")),
        })
    }

    /// Runs exactly `units` (from [`Job::plan`], e.g. one node's share of a cluster run).
    pub fn run_units(&self, units: &[Unit]) -> Result<Summary, RunError> {
        run_units(units, &self.cfg, &self.spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_in_order_and_named_neutrally() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        let base = JobBuilder::new(vec![input.clone()], d.path().join("out"));
        assert!(base.clone().build().is_ok());
        let bad = |b: JobBuilder| b.build().unwrap_err();
        let convert128 = JobBuilder {
            record_length: Some(128),
            ..base.clone()
        };
        assert!(convert128.build().is_ok(), "128-byte records are written everywhere");
        let mut b = base.clone();
        b.pipeline = Some("detrend(".into());
        b.record_length = Some(1000);
        b.overlap = -1.0;
        assert_eq!(bad(b.clone()).option, Opt::Pipeline, "the pipeline is checked first");
        b.pipeline = Some("detrend()".into());
        b.overlap = -1.0;
        assert_eq!(bad(b.clone()).option, Opt::Overlap);
        b.overlap = 0.0;
        assert_eq!(bad(b.clone()).option, Opt::RecordLength);
        b.record_length = None;
        b.out = input.join("o");
        let e = bad(b);
        assert_eq!(e.option, Opt::Out);
        assert!(e.to_string().starts_with("out "), "{e}");
    }
}
