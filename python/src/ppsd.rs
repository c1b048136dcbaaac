//! `seispool._seispool.ppsd`: every channel's PPSD in memory, each as the bytes of an npz in ObsPy's
//! `PPSD.save_npz` layout (numpy and ObsPy read them directly).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use seispool_core::Time;
use seispool_dsp::ppsd::PpsdParams;
use seispool_pipeline::ppsd::{
    NoResponse, Paz, PpsdJob, PpsdParamError, ResponseSource, check_params, compute_ppsd, npz_of,
};

use crate::errors::SeispoolError;

/// One channel: (id, npz bytes or None, error or None, warnings).
type ChannelRow = (String, Option<Vec<u8>>, Option<String>, Vec<String>);

/// Computes the PPSDs of every channel of `paths`; `inventory_path` a StationXML file, or `paz_json` ObsPy's PAZ dict as JSON (complex
/// numbers as [re, im]); the parameters are ObsPy's `PPSD(...)` keyword arguments.
#[pyfunction]
#[pyo3(signature = (paths, inventory_path, paz_json, sensitivity, ppsd_length, overlap, period_smoothing_width_octaves,
                    period_step_octaves, period_limits, db_bins, skip_on_gaps, special_handling,
                    starttime, endtime, select, jobs, follow_symlinks=false))]
#[allow(clippy::too_many_arguments)]
pub fn ppsd(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    inventory_path: Option<PathBuf>,
    paz_json: Option<String>,
    sensitivity: Option<f64>,
    ppsd_length: f64,
    overlap: f64,
    period_smoothing_width_octaves: f64,
    period_step_octaves: f64,
    period_limits: Option<(f64, f64)>,
    db_bins: (f64, f64, f64),
    skip_on_gaps: bool,
    special_handling: Option<String>,
    starttime: Option<i64>,
    endtime: Option<i64>,
    select: Option<String>,
    jobs: Option<usize>,
    follow_symlinks: bool,
) -> PyResult<Vec<ChannelRow>> {
    let given = PpsdParams {
        ppsd_length,
        overlap,
        period_smoothing_width_octaves,
        period_step_octaves,
        period_limits,
        db_bins,
        skip_on_gaps,
        special_handling: None,
    };
    let params = check_params(given, special_handling.as_deref(), sensitivity).map_err(|e| match e {
        PpsdParamError::RinglaserSensitivity => {
            SeispoolError::new_err(format!("{e}: give it as the metadata's \"sensitivity\""))
        }
        e => PyValueError::new_err(e.to_string()),
    })?;
    let source: Box<dyn ResponseSource> = match (inventory_path, paz_json) {
        (Some(p), _) => Box::new(seispool_io::stationxml::read_inventory(&p).map_err(crate::errors::io_err)?),
        (None, Some(t)) => Box::new(Paz::from_json(&t, "paz").map_err(PyValueError::new_err)?),
        (None, None) => Box::new(NoResponse),
    };
    let job = PpsdJob {
        inputs: paths,
        out: PathBuf::new(),
        params,
        starttime: starttime.map(Time),
        endtime: endtime.map(Time),
        select,
        follow_symlinks,
        jobs,
        resume: false,
        progress: false,
        sensitivity,
    };
    let outcomes = py
        .detach(|| compute_ppsd(&job, source.as_ref()))
        .map_err(|e| SeispoolError::new_err(e.to_string()))?;
    outcomes
        .into_iter()
        .map(|o| match o.ppsd {
            Ok(p) => {
                let bytes = npz_of(&p)
                    .to_bytes()
                    .map_err(|e| SeispoolError::new_err(e.to_string()))?;
                Ok((o.id, Some(bytes), None, o.warnings))
            }
            Err(e) => Ok((o.id, None, Some(e), o.warnings)),
        })
        .collect()
}
