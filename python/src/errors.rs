//! Python exceptions: `SeispoolError` and its subclasses, carrying the Rust error's message.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    seispool,
    SeispoolError,
    PyException,
    "Base class of every error raised by seispool."
);
create_exception!(
    seispool,
    FormatError,
    SeispoolError,
    "Bad bytes in a waveform file: `file: record N at byte B: what was expected`."
);
create_exception!(
    seispool,
    PipelineError,
    SeispoolError,
    "A pipeline that cannot be parsed or applied (message points at the column)."
);
create_exception!(
    seispool,
    IoError,
    SeispoolError,
    "The operating system refused (missing file, permissions) or a format cannot store the data."
);

/// Maps a format-layer error to `FormatError` (bad bytes) or `IoError` (everything else).
pub fn io_err(e: seispool_io::IoError) -> PyErr {
    match e {
        seispool_io::IoError::Format(f) => FormatError::new_err(f.to_string()),
        other => IoError::new_err(other.to_string()),
    }
}

/// Maps an option the library refused: `PipelineError` for the pipeline, `IoError` for missing inputs,
/// `SeispoolError` for an output directory overlapping an input, `ValueError` for any other value. The
/// message names options by their neutral names, which are this package's keyword names.
pub fn job_err(e: seispool_pipeline::JobError) -> PyErr {
    use seispool_pipeline::Opt;
    let msg = e.to_string();
    match e.option {
        Opt::Pipeline => PipelineError::new_err(msg),
        Opt::Inputs => IoError::new_err(msg),
        Opt::Out => SeispoolError::new_err(msg),
        _ => pyo3::exceptions::PyValueError::new_err(msg),
    }
}

/// Maps a failed read: the file's error, or `SeispoolError`.
pub fn read_err(e: seispool_pipeline::job::ReadError) -> PyErr {
    match e {
        seispool_pipeline::job::ReadError::Io(e) => io_err(e),
        other => SeispoolError::new_err(other.to_string()),
    }
}

/// Maps a run that could not start: inputs that cannot be listed are `IoError`, the rest `SeispoolError`.
pub fn run_err(e: seispool_pipeline::runner::RunError) -> PyErr {
    match e {
        seispool_pipeline::runner::RunError::Inputs(m) => IoError::new_err(m),
        other => SeispoolError::new_err(other.to_string()),
    }
}

/// Maps a pipeline parse/apply error to `PipelineError`.
pub fn pipeline_err(e: impl std::fmt::Display) -> PyErr {
    PipelineError::new_err(e.to_string())
}

/// Registers the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SeispoolError", py.get_type::<SeispoolError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("PipelineError", py.get_type::<PipelineError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    Ok(())
}
