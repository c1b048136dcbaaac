//! Response-list stages: ObsPy interpolates amplitude and phase to the requested frequencies with
//! `scipy.interpolate.InterpolatedUnivariateSpline(k=3)` (extrapolating outside the list) before
//! evalresp sees them.

use seispool_core::inventory::ResponseListElement;

use super::ResponseError;
use super::chain::Filt;
use crate::fitpack;

/// The `LIST` blockette for stage `n` at `freqs`.
pub(crate) fn interpolate(n: u32, list: &[ResponseListElement], freqs: &[f64]) -> Result<Filt, ResponseError> {
    if !freqs.iter().any(|&f| f > 0.0) {
        return Err(ResponseError::new(format!(
            "stage {n}: a response list needs at least one positive frequency to evaluate"
        )));
    }
    let f: Vec<f64> = list.iter().map(|e| e.frequency).collect();
    let amp: Vec<f64> = list.iter().map(|e| e.amplitude).collect();
    let phase: Vec<f64> = list.iter().map(|e| e.phase).collect();
    if f.windows(2).any(|w| w[1] <= w[0]) {
        return Err(ResponseError::new(format!(
            "stage {n}: response list frequencies must increase strictly"
        )));
    }
    let spline = |y: &[f64]| -> Result<Vec<f64>, ResponseError> {
        let (t, c) = fitpack::interpolating_spline("response list", &f, y, 3)
            .map_err(|e| ResponseError::new(format!("stage {n}: {}", e.msg)))?;
        let mut out = vec![0.0; freqs.len()];
        fitpack::splev(&t, &c, 3, freqs, &mut out);
        Ok(out)
    };
    Ok(Filt::List {
        amp: spline(&amp)?,
        phase: spline(&phase)?,
    })
}
