//! `seispool._seispool`: thin pyo3 glue over seispool's Rust crates. Every call that decodes, processes or
//! writes releases the GIL (`Python::detach`); parallel work runs on a pool built for the call and dropped
//! when it returns (no thread outlives a call, so forking an idle process is safe).

mod convert;
mod errors;
mod inventory;
mod io;
mod plot;
mod ppsd;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use seispool_core::Time;

use convert::{stream_from_py, stream_to_py};
use errors::pipeline_err;
use pyo3::types::PyTuple;

/// Runs the `seispool` command line with `argv` (program name first); returns the exit code.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| seispool_cli::run(argv.into_iter().map(Into::into).collect()))
}

/// Nanoseconds since 1970-01-01T00:00:00Z of an ISO-8601 time (`2024-01-01T00:00:00.5Z`, `2024-001`, ...).
#[pyfunction]
fn parse_time(text: &str) -> PyResult<i64> {
    Time::parse(text)
        .map(Time::ns)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// ISO-8601 text of `ns` with `digits` (0..=9) fractional digits, truncated, and a trailing `Z`.
#[pyfunction]
#[pyo3(signature = (ns, digits=6))]
fn format_time(ns: i64, digits: usize) -> String {
    Time(ns).format_iso(digits)
}

/// The canonical text of a pipeline (raises `PipelineError` pointing at the column).
#[pyfunction]
fn check_pipeline(text: &str) -> PyResult<String> {
    seispool_pipeline::parse_pipeline(text)
        .map(|p| p.text)
        .map_err(pipeline_err)
}

/// Applies `pipeline` to raw traces with the GIL released; returns `(raw traces, warnings)`.
#[pyfunction]
fn apply<'py>(
    py: Python<'py>,
    pipeline: &str,
    raws: &Bound<'py, PyAny>,
) -> PyResult<(Vec<Bound<'py, PyTuple>>, Vec<String>)> {
    let pipeline = seispool_pipeline::parse_pipeline(pipeline).map_err(pipeline_err)?;
    let mut stream = stream_from_py(raws)?;
    let warnings = py
        .detach(|| seispool_pipeline::Processor::new().apply(&pipeline, &mut stream))
        .map_err(pipeline_err)?;
    Ok((stream_to_py(py, stream)?, warnings))
}

/// Applies `pipeline` to raw traces' float64 samples in place, borrowing the numpy arrays (no copy), with
/// the GIL released; returns the warnings, or `None` (nothing touched) when some op changes more than
/// the samples or some array cannot be borrowed for writing (then use `apply`). As ObsPy's in-place
/// methods, an error on some trace leaves the traces before it changed.
#[pyfunction]
fn apply_in_place<'py>(py: Python<'py>, pipeline: &str, raws: &Bound<'py, PyAny>) -> PyResult<Option<Vec<String>>> {
    let pipeline = seispool_pipeline::parse_pipeline(pipeline).map_err(pipeline_err)?;
    if !pipeline.ops.iter().all(seispool_pipeline::keeps_samples_in_place) {
        return Ok(None);
    }
    let Some((stats, mut arrays)) = convert::borrow_stream_from_py(raws)? else {
        return Ok(None);
    };
    let mut slices = Vec::with_capacity(arrays.len());
    for a in &mut arrays {
        match a.as_slice_mut() {
            Ok(s) => slices.push(s),
            Err(_) => return Ok(None),
        }
    }
    let done = py.detach(|| seispool_pipeline::Processor::new().apply_in_place(&pipeline, &stats, &mut slices));
    match done {
        None => Ok(None),
        Some(result) => result.map(Some).map_err(pipeline_err),
    }
}

/// Every raw trace trimmed to `[starttime, endtime]` (ns), emptied traces kept with the start time ObsPy
/// leaves them: as ObsPy's `Stream.trim(keep_empty_traces=True)` with `snap` (the window moved onto the
/// first trace's grid), as `Trace.trim` of each trace alone without. `fill_value` is an int or a float.
#[pyfunction]
#[pyo3(signature = (raws, starttime, endtime, pad, nearest_sample, fill_value, snap))]
#[allow(clippy::too_many_arguments)]
fn trim_traces<'py>(
    py: Python<'py>,
    raws: &Bound<'py, PyAny>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    pad: bool,
    nearest_sample: bool,
    fill_value: Option<&Bound<'py, PyAny>>,
    snap: bool,
) -> PyResult<Vec<Bound<'py, PyTuple>>> {
    use pyo3::types::PyInt;
    use seispool_core::Number;
    let fill = match fill_value {
        None => None,
        Some(v) if v.is_instance_of::<PyInt>() => Some(Number::Int(v.extract()?)),
        Some(v) => Some(Number::Float(v.extract()?)),
    };
    let stream = stream_from_py(raws)?;
    let traces = py
        .detach(|| stream.trimmed_traces(starttime.map(Time), endtime.map(Time), pad, nearest_sample, fill, snap))
        .map_err(pipeline_err)?;
    stream_to_py(py, seispool_core::Stream::new(traces))
}

/// One gap: `(id, start_ns, end_ns, delta_s, nsamples)`.
type GapRow = (String, i64, i64, f64, i64);

/// Gaps and overlaps of raw traces as `(id, start_ns, end_ns, delta_s, nsamples)` (ObsPy's `get_gaps`).
#[pyfunction]
fn get_gaps(raws: &Bound<'_, PyAny>) -> PyResult<Vec<GapRow>> {
    let stream = stream_from_py(raws)?;
    Ok(stream
        .get_gaps()
        .into_iter()
        .map(|g| (g.id, g.start.ns(), g.end.ns(), g.delta, g.nsamples))
        .collect())
}

/// Doctor report (JSON text) for the interpreter `python`.
#[pyfunction]
#[pyo3(signature = (python, imports=Vec::new(), probe=false, timeout=30.0, verify_remedies=false))]
fn doctor(
    py: Python<'_>,
    python: std::path::PathBuf,
    imports: Vec<String>,
    probe: bool,
    timeout: f64,
    verify_remedies: bool,
) -> PyResult<String> {
    let mut opts = seispool_doctor::DoctorOptions::new(python)
        .timeout_seconds(timeout)
        .map_err(|problem| PyValueError::new_err(format!("timeout {problem}")))?;
    opts.imports = imports;
    opts.probe = probe;
    opts.verify_remedies = verify_remedies;
    let report = py
        .detach(|| seispool_doctor::diagnose(&opts))
        .map_err(|e| errors::SeispoolError::new_err(e.to_string()))?;
    serde_json::to_string(&report).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Test-only hook: panics with `message` on a worker thread of a call-local pool, with the GIL released
/// (the worst place a bug could panic). Shows that a panic never aborts the interpreter: pyo3 catches
/// the unwinding at the call boundary and `seispool._guard` turns it into `InternalError`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>, message: String) -> PyResult<()> {
    let pool = seispool_pipeline::runner::build_pool(1).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    py.detach(|| pool.install(|| -> () { panic!("{message}") }));
    Ok(())
}

/// Version string and every function of the extension module.
#[pymodule]
fn _seispool(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(parse_time, m)?)?;
    m.add_function(wrap_pyfunction!(format_time, m)?)?;
    m.add_function(wrap_pyfunction!(check_pipeline, m)?)?;
    m.add_function(wrap_pyfunction!(get_gaps, m)?)?;
    m.add_function(wrap_pyfunction!(apply, m)?)?;
    m.add_function(wrap_pyfunction!(apply_in_place, m)?)?;
    m.add_function(wrap_pyfunction!(trim_traces, m)?)?;
    m.add_function(wrap_pyfunction!(doctor, m)?)?;
    m.add_function(wrap_pyfunction!(ppsd::ppsd, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    io::register(m)?;
    inventory::register(m)?;
    plot::register(m)?;
    Ok(())
}
