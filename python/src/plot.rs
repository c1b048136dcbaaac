//! Pictures: a stream's day plot / waveform and an archive's availability, drawn by the same Rust code
//! as `seispool plot` and `seispool info --plot` (no matplotlib).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use seispool_core::Time;
use seispool_plot::dayplot::Kind;

use crate::convert::stream_from_py;
use crate::errors::SeispoolError;
use crate::io::{input_files, pool_for, read_options};

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
        None => Kind::Auto,
        Some(0.0) => Kind::Waveform,
        Some(m) if m.is_finite() && m > 0.0 && m <= 525_600.0 => Kind::Dayplot { interval_s: m * 60.0 },
        Some(m) => {
            return Err(PyValueError::new_err(format!(
                "interval {m}: minutes per line must be in (0, 525600]"
            )));
        }
    };
    seispool_cli::check_out_file(&path, &[]).map_err(PyValueError::new_err)?;
    let stream = stream_from_py(raws)?;
    let how = seispool_cli::StreamPlot {
        start: starttime.map(Time),
        end: endtime.map(Time),
        kind,
        width,
        height,
        pipeline: None,
    };
    py.detach(|| seispool_cli::draw_stream_png(&stream, &how, &path))
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
    let opts = read_options(format, starttime, endtime, select, true)?;
    seispool_cli::check_out_file(&path, &paths).map_err(PyValueError::new_err)?;
    py.detach(|| {
        let files = input_files(&paths, opts.starttime, opts.endtime)?;
        let pool = pool_for(jobs, files.len())?;
        let infos: Vec<_> = pool.install(|| files.par_iter().map(|f| seispool_cli::file_info(f, &opts)).collect());
        drop(pool);
        let rows = seispool_cli::availability_png(&infos, opts.starttime, opts.endtime, width, &path)
            .map_err(SeispoolError::new_err)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.percent, r.gaps.len(), r.overlaps.len()))
            .collect())
    })
}

/// Registers the picture functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plot_stream, m)?)?;
    m.add_function(wrap_pyfunction!(plot_availability, m)?)?;
    Ok(())
}
