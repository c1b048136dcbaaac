//! Reading and writing waveform files; decoding runs with the GIL released, many files in parallel on a
//! pool built for the call.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rayon::prelude::*;
use seispool_core::{Stream, Time};

use crate::convert::{stream_from_py, stream_to_py};
use crate::errors::{SeispoolError, io_err};

/// Reads `paths` (in parallel on `jobs` threads) into one stream; returns `(raw traces, warnings)`.
#[pyfunction]
#[pyo3(signature = (paths, format=None, starttime=None, endtime=None, select=None, headonly=false, jobs=None))]
#[allow(clippy::too_many_arguments)]
fn read<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    format: Option<String>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    headonly: bool,
    jobs: Option<usize>,
) -> PyResult<(Vec<Bound<'py, PyTuple>>, Vec<String>)> {
    let _ = (&format, starttime.map(Time), endtime.map(Time));
    let result = py.detach(|| -> Result<(Stream, Vec<String>), PyErr> {
        let jobs = seispool_pipeline::runner::effective_jobs(jobs).min(paths.len().max(1));
        let pool = seispool_pipeline::runner::build_pool(jobs).map_err(|e| SeispoolError::new_err(e.to_string()))?;
        let parts: Vec<Result<Stream, seispool_io::IoError>> = pool.install(|| {
            paths
                .par_iter()
                .map(|p| seispool_io::sac::read_file(p, headonly).map(|t| Stream::new(vec![t])))
                .collect()
        });
        drop(pool);
        let mut stream = Stream::default();
        for part in parts {
            stream.traces.extend(part.map_err(io_err)?.traces);
        }
        if let Some(pattern) = &select {
            stream = stream.select(pattern);
        }
        Ok((stream, Vec::new()))
    })?;
    Ok((stream_to_py(py, result.0)?, result.1))
}

/// Writes raw traces to `path` as `format` (`MSEED`/`MSEED2`, `SAC`) with `encoding` and `record_length`.
#[pyfunction]
#[pyo3(signature = (path, raws, format="MSEED", encoding=None, record_length=None))]
fn write(
    py: Python<'_>,
    path: PathBuf,
    raws: &Bound<'_, PyAny>,
    format: &str,
    encoding: Option<String>,
    record_length: Option<usize>,
) -> PyResult<()> {
    let stream = stream_from_py(raws)?;
    let fmt = format.to_ascii_uppercase();
    match fmt.as_str() {
        "MSEED" | "MSEED2" => {
            let mut opts = seispool_io::mseed::WriteOptions::default();
            if let Some(e) = encoding {
                opts.encoding = Some(e.parse().map_err(|e: String| PyValueError::new_err(e))?);
            }
            if let Some(r) = record_length {
                opts.record_length = r;
            }
            py.detach(|| seispool_io::mseed::write_file(&path, &stream, &opts))
                .map_err(io_err)
        }
        "SAC" => py.detach(|| -> PyResult<()> {
            if stream.traces.len() != 1 {
                return Err(PyValueError::new_err(format!(
                    "SAC holds one trace per file; the stream has {}",
                    stream.traces.len()
                )));
            }
            seispool_io::sac::write_file(&path, &stream.traces[0], false).map_err(io_err)
        }),
        other => Err(PyValueError::new_err(format!(
            "unknown format {other:?}: expected MSEED, MSEED3 or SAC"
        ))),
    }
}

/// Registers the I/O functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(write, m)?)?;
    Ok(())
}
