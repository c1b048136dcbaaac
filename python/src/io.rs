//! Reading, writing, `process` and `info`: every call runs with the GIL released; many files are handled in
//! parallel on a pool built for the call (`seispool_pipeline::runner::build_pool`) and dropped on return.

use std::path::PathBuf;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rayon::prelude::*;
use seispool_core::{Stream, Time};
use seispool_io::mseed::DataEncoding;
use seispool_io::{Format, ReadOptions, WriteSpec};
use seispool_pipeline::process::{ProcessSpec, coerce_samples, list_inputs_matching, process_unit};
use seispool_pipeline::runner::{
    JoinedPool, RunConfig, RunError, Unit, build_joined_pool, check_out_dir, effective_jobs, run,
};
use seispool_pipeline::{Op, Pipeline, Processor};

use crate::convert::{stream_from_py, stream_to_py};
use crate::errors::{IoError, SeispoolError, io_err, pipeline_err};

fn parse_format(name: Option<&str>) -> PyResult<Option<Format>> {
    name.map(|n| n.parse::<Format>().map_err(PyValueError::new_err))
        .transpose()
}

fn parse_encoding(name: Option<&str>) -> PyResult<Option<DataEncoding>> {
    let Some(name) = name else { return Ok(None) };
    let enc = name.parse::<DataEncoding>().map_err(PyValueError::new_err)?;
    if !enc.is_writable() {
        return Err(PyValueError::new_err(format!(
            "encoding {} can be read but not written",
            enc.name()
        )));
    }
    Ok(Some(enc))
}

fn write_spec(
    format: Format,
    encoding: Option<&str>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
) -> PyResult<WriteSpec> {
    let mut spec = WriteSpec::new(format);
    spec.encoding = parse_encoding(encoding)?;
    if let Some(r) = record_length {
        spec.record_length = r;
    }
    if let Some(b) = big_endian {
        spec.big_endian = b;
    }
    Ok(spec)
}

fn read_options(
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    headonly: bool,
) -> PyResult<ReadOptions> {
    Ok(ReadOptions {
        format: parse_format(format)?,
        starttime: starttime.map(Time),
        endtime: endtime.map(Time),
        select,
        headonly,
    })
}

/// The files under `paths` (`list_inputs` leaves out the runner's own `OUT/.seispool/` bookkeeping, so
/// an output directory of `process` can be read back as a whole; SDS day files whose names cannot match
/// the window or `select` are not opened).
fn input_files(paths: &[PathBuf], opts: &ReadOptions) -> PyResult<Vec<PathBuf>> {
    let files = list_inputs_matching(paths, opts.starttime, opts.endtime, opts.select.as_deref()).map_err(io_err)?;
    Ok(files.into_iter().map(|f| f.path).collect())
}

fn pool_for(jobs: Option<usize>, work: usize) -> PyResult<JoinedPool> {
    build_joined_pool(effective_jobs(jobs).min(work.max(1)))
        .map_err(|e| SeispoolError::new_err(format!("cannot start worker threads: {e}")))
}

/// Reads files, directories and SDS roots (in parallel on `jobs` threads) into one stream; returns
/// `(raw traces, warnings)`. With a time window, SDS day files outside it are not opened, only records
/// overlapping it are decoded, and the traces are cut to it as `obspy.read(starttime=, endtime=)` does.
#[pyfunction]
#[pyo3(signature = (paths, format=None, starttime=None, endtime=None, select=None, headonly=false, jobs=None))]
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
) -> PyResult<(Vec<Bound<'py, PyTuple>>, Vec<String>)> {
    let opts = read_options(format, starttime, endtime, select, headonly)?;
    let (stream, warnings) = py.detach(|| -> PyResult<(Stream, Vec<String>)> {
        let files = input_files(&paths, &opts)?;
        // All `jobs` threads even for one file: the records of a large file decode in parallel on them.
        let pool = pool_for(jobs, usize::MAX)?;
        let parts: Vec<_> = pool.install(|| files.par_iter().map(|f| seispool_io::read_in_pool(f, &opts)).collect());
        drop(pool);
        let mut stream = Stream::default();
        let mut warnings = Vec::new();
        for part in parts {
            let r = part.map_err(io_err)?;
            stream.traces.extend(r.stream.traces);
            warnings.extend(r.warnings);
        }
        if !headonly && (opts.starttime.is_some() || opts.endtime.is_some()) {
            // Like obspy.read(starttime=, endtime=): cut the records read to the window.
            let trim = Pipeline {
                ops: vec![Op::Trim {
                    starttime: opts.starttime,
                    endtime: opts.endtime,
                    pad: false,
                    keep_empty_traces: false,
                    nearest_sample: true,
                    fill_value: None,
                }],
                text: String::new(),
            };
            warnings.extend(Processor::new().apply(&trim, &mut stream).map_err(pipeline_err)?);
        }
        Ok((stream, warnings))
    })?;
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
    let format = parse_format(Some(format))?.unwrap_or(Format::Mseed2);
    let spec = write_spec(format, encoding, record_length, big_endian)?;
    let mut stream = stream_from_py(raws)?;
    py.detach(|| {
        if let Some(enc) = spec.encoding.filter(|_| format != Format::Sac) {
            coerce_samples(&mut stream, enc).map_err(|e| IoError::new_err(format!("{}: {e}", path.display())))?;
        }
        seispool_io::write(&path, &stream, &spec).map_err(io_err)
    })
}

/// Runs `seispool process` (plan units, run them on a pool of `jobs` threads); returns the summary as JSON.
/// With `units` (from [`plan`]), runs exactly those units instead (one node's share of a cluster run).
#[pyfunction]
#[pyo3(signature = (inputs, out, pipeline, jobs=None, resume=false, format=None, input_format=None,
    encoding=None, record_length=None, big_endian=None, starttime=None, endtime=None, select=None, overlap=0.0,
    units=None))]
#[allow(clippy::too_many_arguments)]
fn process(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    pipeline: &str,
    jobs: Option<usize>,
    resume: bool,
    format: Option<&str>,
    input_format: Option<&str>,
    encoding: Option<&str>,
    record_length: Option<usize>,
    big_endian: Option<bool>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    overlap: f64,
    units: Option<Vec<UnitRow>>,
) -> PyResult<String> {
    let pipeline = seispool_pipeline::parse_pipeline(pipeline).map_err(pipeline_err)?;
    if !(overlap.is_finite() && (0.0..=86_400.0).contains(&overlap)) {
        return Err(PyValueError::new_err(format!(
            "overlap {overlap} must be between 0 and 86400 seconds"
        )));
    }
    let output_format = parse_format(format)?;
    let mut spec = ProcessSpec::new(pipeline);
    spec.input_format = parse_format(input_format)?;
    spec.output_format = output_format;
    spec.write = write_spec(
        output_format.unwrap_or(Format::Mseed2),
        encoding,
        record_length,
        big_endian,
    )?;
    spec.big_endian = big_endian;
    spec.starttime = starttime.map(Time);
    spec.endtime = endtime.map(Time);
    spec.select = select;
    spec.overlap = overlap;
    let cfg = RunConfig {
        out,
        jobs,
        resume,
        config: String::new(),
        progress: false,
    };
    let summary = py
        .detach(|| match units {
            None => seispool_pipeline::process::process(&inputs, &cfg, &spec),
            Some(rows) => {
                check_out_dir(&cfg.out, &inputs)?;
                let units: Vec<Unit> = rows
                    .into_iter()
                    .map(|(inputs, context, output)| Unit {
                        inputs,
                        context,
                        output,
                    })
                    .collect();
                let cfg = RunConfig {
                    config: spec.config_text(),
                    ..cfg
                };
                run(&units, &cfg, |unit| {
                    PROCESSOR.with(|p| process_unit(unit, &spec, &mut p.borrow_mut()))
                })
            }
        })
        .map_err(|e| match e {
            RunError::Inputs(m) => IoError::new_err(m),
            other => SeispoolError::new_err(other.to_string()),
        })?;
    serde_json::to_string(&summary).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// A work unit as `(inputs, context, output relative to out)`.
type UnitRow = (Vec<PathBuf>, Vec<PathBuf>, PathBuf);

thread_local! {
    /// One processor (filter designs, FFT plans) per worker thread, as in `seispool_pipeline::process`.
    static PROCESSOR: std::cell::RefCell<Processor> = std::cell::RefCell::new(Processor::new());
}

/// The work units `process` would run for `inputs` (one per input file, sorted by output path), after
/// refusing an `out` that overlaps an input.
#[pyfunction]
#[pyo3(signature = (inputs, out, starttime=None, endtime=None, overlap=0.0))]
fn plan(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    starttime: Option<i64>,
    endtime: Option<i64>,
    overlap: f64,
) -> PyResult<Vec<UnitRow>> {
    py.detach(|| {
        check_out_dir(&out, &inputs).map_err(|e| SeispoolError::new_err(e.to_string()))?;
        let mut spec = ProcessSpec::new(seispool_pipeline::Pipeline {
            ops: Vec::new(),
            text: String::new(),
        });
        spec.starttime = starttime.map(Time);
        spec.endtime = endtime.map(Time);
        spec.overlap = overlap;
        let units = seispool_pipeline::process::plan(&inputs, &spec).map_err(io_err)?;
        Ok(units.into_iter().map(|u| (u.inputs, u.context, u.output)).collect())
    })
}

/// `seispool info` of files, directories and SDS roots (headers only, in parallel): one JSON object per file.
#[pyfunction]
#[pyo3(signature = (paths, format=None, starttime=None, endtime=None, select=None, jobs=None))]
fn info(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    jobs: Option<usize>,
) -> PyResult<String> {
    let opts = read_options(format, starttime, endtime, select, true)?;
    py.detach(|| {
        let files = input_files(&paths, &opts)?;
        let pool = pool_for(jobs, files.len())?;
        let mut infos: Vec<_> = pool.install(|| files.par_iter().map(|f| seispool_cli::file_info(f, &opts)).collect());
        drop(pool);
        if opts.select.is_some() || opts.starttime.is_some() || opts.endtime.is_some() {
            // As `seispool info`: files holding none of the selection are not listed.
            infos.retain(|i| i.error.is_some() || !i.traces.is_empty());
        }
        serde_json::to_string(&infos).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    })
}

/// Registers the I/O functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(write, m)?)?;
    m.add_function(wrap_pyfunction!(process, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    Ok(())
}
