//! Station metadata for Python: `read_inventory`, an inventory from StationXML bytes (how an ObsPy
//! `Inventory` crosses over), and applying `remove_response`/`remove_sensitivity` with one.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use seispool_pipeline::responses::Responses;

use crate::convert::{stream_from_py, stream_to_py};
use crate::errors::{FormatError, io_err, pipeline_err};

/// Station metadata (networks, stations, channel epochs with their responses) read from StationXML.
#[pyclass(frozen, module = "seispool._seispool")]
pub struct Inventory {
    inner: Arc<Responses>,
}

impl Inventory {
    /// The loaded responses, shared with a processing run.
    pub(crate) fn responses(&self) -> Arc<Responses> {
        Arc::clone(&self.inner)
    }
}

#[pymethods]
impl Inventory {
    /// Channel epochs as `(id, start_ns or None, end_ns or None, has_response)` in document order.
    fn channels(&self) -> Vec<(String, Option<i64>, Option<i64>, bool)> {
        let inv = self.inner.inventory();
        let mut out = Vec::new();
        for n in &inv.networks {
            for s in &n.stations {
                for c in &s.channels {
                    out.push((
                        format!("{}.{}.{}.{}", n.code, s.code, c.location_code, c.code),
                        c.start_date.map(|t| t.ns()),
                        c.end_date.map(|t| t.ns()),
                        c.response.is_some(),
                    ));
                }
            }
        }
        out
    }

    fn __len__(&self) -> usize {
        self.inner.inventory().networks.len()
    }

    fn __repr__(&self) -> String {
        let inv = self.inner.inventory();
        let stations: usize = inv.networks.iter().map(|n| n.stations.len()).sum();
        let channels: usize = inv
            .networks
            .iter()
            .flat_map(|n| &n.stations)
            .map(|s| s.channels.len())
            .sum();
        format!(
            "<seispool.Inventory: {} networks, {stations} stations, {channels} channel epochs>",
            inv.networks.len()
        )
    }
}

/// Reads a StationXML file or a directory of them.
#[pyfunction]
fn read_inventory(py: Python<'_>, path: PathBuf) -> PyResult<Inventory> {
    let r = py.detach(|| Responses::load(&path)).map_err(io_err)?;
    Ok(Inventory { inner: Arc::new(r) })
}

/// Parses StationXML bytes (`label` names them in errors).
#[pyfunction]
fn inventory_from_bytes(py: Python<'_>, data: Vec<u8>, label: String) -> PyResult<Inventory> {
    let inv = py
        .detach(|| seispool_io::parse_stationxml(&data, std::path::Path::new(&label)))
        .map_err(|e| FormatError::new_err(e.to_string()))?;
    Ok(Inventory {
        inner: Arc::new(Responses::new(inv, label)),
    })
}

/// Applies `pipeline` (which may remove responses) to raw traces with `inventory`, GIL released.
#[pyfunction]
fn apply_with_inventory<'py>(
    py: Python<'py>,
    pipeline: &str,
    raws: &Bound<'py, PyAny>,
    inventory: &Inventory,
) -> PyResult<(Vec<Bound<'py, PyTuple>>, Vec<String>)> {
    let pipeline = seispool_pipeline::parse_pipeline(pipeline).map_err(pipeline_err)?;
    let mut stream = stream_from_py(raws)?;
    let responses = Arc::clone(&inventory.inner);
    let warnings = py
        .detach(|| seispool_pipeline::Processor::new().apply_with(&pipeline, Some(&responses), &mut stream))
        .map_err(pipeline_err)?;
    Ok((stream_to_py(py, stream)?, warnings))
}

/// Registers the class and functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Inventory>()?;
    m.add_function(wrap_pyfunction!(read_inventory, m)?)?;
    m.add_function(wrap_pyfunction!(inventory_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(apply_with_inventory, m)?)?;
    Ok(())
}
