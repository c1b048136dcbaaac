//! Reading, writing, `process`, `plan` and `info`: keyword arguments converted to the library's job options
//! (`seispool_pipeline::job`, which checks them) and the work run with the GIL released. Parallel work runs
//! on a pool built for the call and dropped on return.

use std::path::PathBuf;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use seispool_core::Time;
use seispool_pipeline::process::write_stream;
use seispool_pipeline::runner::{Summary, Unit};
use seispool_pipeline::{JobBuilder, ReadBuilder, ReadJob};

use crate::convert::{stream_from_py, stream_to_py};
use crate::errors::{io_err, job_err, read_err, run_err};

pub(crate) fn read_job(
    paths: Vec<PathBuf>,
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    jobs: Option<usize>,
    follow_symlinks: bool,
) -> PyResult<ReadJob> {
    ReadBuilder {
        paths,
        format: format.map(str::to_string),
        starttime: starttime.map(Time),
        endtime: endtime.map(Time),
        select,
        follow_symlinks,
        jobs,
        inventory: None,
    }
    .build()
    .map_err(job_err)
}

fn json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Reads files, directories and SDS roots (in parallel on `jobs` threads) into one stream; returns
/// `(raw traces, warnings)`. With a time window, SDS day files outside it are not opened, only records
/// overlapping it are decoded, and the traces are cut to it as `obspy.read(starttime=, endtime=)` does.
#[pyfunction]
#[pyo3(signature = (paths, format=None, starttime=None, endtime=None, select=None, headonly=false, jobs=None,
    follow_symlinks=false))]
#[allow(clippy::too_many_arguments)]
fn read<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    headonly: bool,
    jobs: Option<usize>,
    follow_symlinks: bool,
) -> PyResult<(Vec<Bound<'py, PyTuple>>, Vec<String>)> {
    let job = read_job(paths, format, starttime, endtime, select, jobs, follow_symlinks)?;
    let (stream, warnings) = py.detach(|| job.read(headonly)).map_err(read_err)?;
    Ok((stream_to_py(py, stream)?, warnings))
}

/// Writes raw traces to `path` as `format` (mseed2/mseed, mseed3, sac). An explicit `encoding` converts the
/// samples to what it stores (ints widen to floats, float64 narrows to float32; floats never become ints).
#[pyfunction]
#[pyo3(signature = (path, raws, format="mseed2", encoding=None, record_length=None, big_endian=None))]
fn write(
    py: Python<'_>,
    path: PathBuf,
    raws: &Bound<'_, PyAny>,
    format: &str,
    encoding: Option<&str>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
) -> PyResult<()> {
    let spec =
        seispool_pipeline::job::write_spec(Some(format), encoding, record_length, big_endian).map_err(job_err)?;
    let mut stream = stream_from_py(raws)?;
    py.detach(|| write_stream(&path, &mut stream, &spec)).map_err(io_err)
}

/// The keyword arguments `process` and `plan` share, as received.
struct RunKeywords {
    pipeline: Option<String>,
    jobs: Option<usize>,
    resume: bool,
    format: Option<String>,
    input_format: Option<String>,
    encoding: Option<String>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    follow_symlinks: bool,
    overlap: f64,
}

impl RunKeywords {
    /// The checked job (the library checks every option, as for the CLI).
    fn job(
        self,
        inputs: Vec<PathBuf>,
        out: PathBuf,
        inventory: Option<PyRef<'_, crate::inventory::Inventory>>,
    ) -> PyResult<seispool_pipeline::Job> {
        JobBuilder {
            responses: inventory.map(|i| i.responses()),
            pipeline: self.pipeline,
            jobs: self.jobs,
            resume: self.resume,
            format: self.format,
            input_format: self.input_format,
            encoding: self.encoding,
            record_length: self.record_length,
            big_endian: self.big_endian,
            starttime: self.starttime.map(Time),
            endtime: self.endtime.map(Time),
            select: self.select,
            follow_symlinks: self.follow_symlinks,
            overlap: self.overlap,
            ..JobBuilder::new(inputs, out)
        }
        .build()
        .map_err(job_err)
    }
}

/// A work unit as `(inputs, context, output relative to out)`.
type UnitRow = (Vec<PathBuf>, Vec<PathBuf>, PathBuf);

/// Runs `seispool process` (plan units, run them on a pool of `jobs` threads); returns the summary as JSON.
/// With `units` (from [`plan`]), runs exactly those units instead (one node's share of a cluster run).
#[pyfunction]
#[pyo3(signature = (inputs, out, pipeline, jobs=None, resume=false, format=None, input_format=None,
    encoding=None, record_length=None, big_endian=None, starttime=None, endtime=None, select=None, overlap=0.0,
    units=None, inventory=None, follow_symlinks=false))]
#[allow(clippy::too_many_arguments)]
fn process(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    pipeline: String,
    jobs: Option<usize>,
    resume: bool,
    format: Option<String>,
    input_format: Option<String>,
    encoding: Option<String>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    overlap: f64,
    units: Option<Vec<UnitRow>>,
    inventory: Option<PyRef<'_, crate::inventory::Inventory>>,
    follow_symlinks: bool,
) -> PyResult<String> {
    let job = RunKeywords {
        pipeline: Some(pipeline),
        jobs,
        resume,
        format,
        input_format,
        encoding,
        record_length,
        big_endian,
        starttime,
        endtime,
        select,
        follow_symlinks,
        overlap,
    }
    .job(inputs, out, inventory)?;
    let summary = py
        .detach(|| match units {
            None => job.run(),
            Some(rows) => {
                let units: Vec<Unit> = rows
                    .into_iter()
                    .map(|(inputs, context, output)| Unit {
                        inputs,
                        context,
                        output,
                    })
                    .collect();
                job.run_units(&units)
            }
        })
        .map_err(run_err)?;
    json(&summary)
}

/// The work units `process` would run for `inputs` (one per input file, sorted by output path), after
/// checking every option as `process` does.
#[pyfunction]
#[pyo3(signature = (inputs, out, starttime=None, endtime=None, overlap=0.0, pipeline=None, jobs=None,
    resume=false, format=None, input_format=None, encoding=None, record_length=None, big_endian=None,
    select=None, follow_symlinks=false, inventory=None))]
#[allow(clippy::too_many_arguments)]
fn plan(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    starttime: Option<i64>,
    endtime: Option<i64>,
    overlap: f64,
    pipeline: Option<String>,
    jobs: Option<usize>,
    resume: bool,
    format: Option<String>,
    input_format: Option<String>,
    encoding: Option<String>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
    select: Option<String>,
    follow_symlinks: bool,
    inventory: Option<PyRef<'_, crate::inventory::Inventory>>,
) -> PyResult<Vec<UnitRow>> {
    let job = RunKeywords {
        pipeline,
        jobs,
        resume,
        format,
        input_format,
        encoding,
        record_length,
        big_endian,
        starttime,
        endtime,
        select,
        follow_symlinks,
        overlap,
    }
    .job(inputs, out, inventory)?;
    let units = py.detach(|| job.plan()).map_err(run_err)?;
    Ok(units.into_iter().map(|u| (u.inputs, u.context, u.output)).collect())
}

/// `seispool info` of files, directories and SDS roots (headers only, in parallel): one JSON object per file.
#[pyfunction]
#[pyo3(signature = (paths, format=None, starttime=None, endtime=None, select=None, jobs=None,
    follow_symlinks=false))]
#[allow(clippy::too_many_arguments)]
fn info(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    jobs: Option<usize>,
    follow_symlinks: bool,
) -> PyResult<String> {
    let job = read_job(paths, format, starttime, endtime, select, jobs, follow_symlinks)?;
    let report = py.detach(|| job.info()).map_err(read_err)?;
    json(&report.files)
}

/// One summary (JSON) of per-unit summaries (JSON list), as a cluster run gathers them.
#[pyfunction]
fn merge_summaries(parts: &str, out: &str, wall_seconds: f64, jobs: usize) -> PyResult<String> {
    let parts: Vec<Summary> = serde_json::from_str(parts).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    json(&Summary::fold(&parts, out, wall_seconds, jobs))
}

/// Registers the I/O functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(write, m)?)?;
    m.add_function(wrap_pyfunction!(process, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(merge_summaries, m)?)?;
    Ok(())
}
