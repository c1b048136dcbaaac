//! The PPSD probability-density picture (ObsPy's `PPSD.plot()` look).

use crate::PlotError;
use std::path::Path;

/// Everything the PPSD picture needs, as plain arrays.
pub struct PpsdPicture<'a> {
    /// Title, e.g. "XX.ST00..HHZ  2024-01-01 – 2024-01-31  (1440 windows)".
    pub title: &'a str,
    /// Period bin centres in seconds, ascending (ObsPy's `period_bin_centers`), length P.
    pub period_bin_centers: &'a [f64],
    /// Period bin edges in seconds, ascending, length P+1 (left edge of bin 0 … right edge of bin P-1).
    pub period_bin_edges: &'a [f64],
    /// dB bin edges, ascending, length D+1 (ObsPy's `db_bin_edges`).
    pub db_bin_edges: &'a [f64],
    /// Histogram counts, row-major `[period][db]`, length P*D (ObsPy's `current_histogram`).
    pub histogram: &'a [u64],
    /// Number of PSD windows in the histogram (for percent probability = count / windows * 100).
    pub windows: u64,
    /// Mode and mean curves in dB per period bin (length P each); `None` hides the curve.
    pub mode_db: Option<&'a [f64]>,
    pub mean_db: Option<&'a [f64]>,
    /// Peterson (1993) noise models as (period s, dB) points; `None` hides them.
    pub nlnm: Option<&'a [(f64, f64)]>,
    pub nhnm: Option<&'a [(f64, f64)]>,
    /// Picture size in pixels.
    pub width: u32,
    pub height: u32,
}

/// Draws the PPSD density to a PNG at `path`.
pub fn write_ppsd_png(picture: &PpsdPicture<'_>, path: &Path) -> Result<(), PlotError> {
    let _ = (picture, path);
    Err(PlotError::Draw(
        "the PPSD picture is not drawn yet (seispool-plot skeleton)".into(),
    ))
}
