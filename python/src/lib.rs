//! `seispool._seispool`: thin pyo3 glue over seispool's Rust crates. Every call that does work
//! releases the GIL (`Python::detach`).

use pyo3::prelude::*;

/// Runs the `seispool` command line with `argv` (program name first); returns the exit code.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| seispool_cli::run(argv.into_iter().map(Into::into).collect()))
}

/// The compiled extension module.
#[pymodule]
fn _seispool(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    Ok(())
}
