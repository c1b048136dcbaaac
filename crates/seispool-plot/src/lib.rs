//! seispool's pictures. Draws from plain arrays to PNG with an embedded font; never reads waveform files.
//!
//! Contract shared by the PPSD job (`seispool-pipeline`) and the quick-look pictures: see [`ppsd`].

pub mod availability;
pub mod canvas;
pub mod dayplot;
pub mod ppsd;
pub mod ticks;
mod viridis;

pub use viridis::{VIRIDIS, viridis};

use std::path::PathBuf;

/// Errors from drawing or writing a picture.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The picture's input arrays are inconsistent or empty.
    #[error("plot input: {0}")]
    Input(String),
    /// Writing the PNG failed.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Drawing failed for another reason.
    #[error("drawing: {0}")]
    Draw(String),
}
