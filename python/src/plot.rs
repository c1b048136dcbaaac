//! Pictures: a stream's day plot / waveform and an archive's availability, drawn by the same Rust code
//! as `seispool plot` and `seispool info --plot` (no matplotlib).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use seispool_core::Time;
use seispool_pipeline::pictures::{
    PlotKind as Kind, StreamPlot, availability_png, check_out_file, draw_stream_png, plot_kind,
};

use crate::convert::stream_from_py;
use crate::errors::{SeispoolError, read_err};
use crate::io::read_job;

/// Draws one channel of raw traces as a day plot (`interval` minutes per line) or a waveform
/// (`interval=None`: chosen from the span; `interval=0`: one waveform panel) to `path`.
#[pyfunction]
#[pyo3(signature = (raws, path, starttime=None, endtime=None, interval=None, width=1000, height=None))]
#[allow(clippy::too_many_arguments)]
fn plot_stream(
    py: Python<'_>,
    raws: &Bound<'_, PyAny>,
    path: PathBuf,
    starttime: Option<i64>,
    endtime: Option<i64>,
    interval: Option<f64>,
    width: u32,
    height: Option<u32>,
) -> PyResult<()> {
    let kind = match interval {
        Some(0.0) => Kind::Waveform,
        minutes => plot_kind(minutes).map_err(|e| PyValueError::new_err(format!("interval {e}")))?,
    };
    check_out_file(&path, &[]).map_err(|e| PyValueError::new_err(format!("path {e}")))?;
    let stream = stream_from_py(raws)?;
    let how = StreamPlot {
        start: starttime.map(Time),
        end: endtime.map(Time),
        kind,
        width,
        height,
        pipeline: None,
    };
    py.detach(|| draw_stream_png(&stream, &how, &path))
        .map_err(SeispoolError::new_err)
}

/// Reads the headers of `paths` in parallel and draws their availability to `path`; returns the rows
/// as `(id, percent, gaps, overlaps)`.
#[pyfunction]
#[pyo3(signature = (paths, path, format=None, starttime=None, endtime=None, select=None, jobs=None, width=1000))]
#[allow(clippy::too_many_arguments)]
fn plot_availability(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    path: PathBuf,
    format: Option<&str>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    jobs: Option<usize>,
    width: u32,
) -> PyResult<Vec<(String, f64, usize, usize)>> {
    check_out_file(&path, &paths).map_err(|e| PyValueError::new_err(format!("path {e}")))?;
    let (start, end) = (starttime.map(Time), endtime.map(Time));
    let job = read_job(paths, format, starttime, endtime, select, jobs, false)?;
    let report = py.detach(|| job.info()).map_err(read_err)?;
    let rows = py
        .detach(|| availability_png(&report.files, start, end, width, &path))
        .map_err(SeispoolError::new_err)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.percent, r.gaps.len(), r.overlaps.len()))
        .collect())
}

/// Registers the picture functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plot_stream, m)?)?;
    m.add_function(wrap_pyfunction!(plot_availability, m)?)?;
    Ok(())
}
