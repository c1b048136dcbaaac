//! Instrument response evaluation and removal, equal to ObsPy's
//! `Response.get_evalresp_response(t_samp, nfft, output)` and `Trace.remove_response(...)`.
//!
//! ObsPy converts each stage into evalresp blockettes and calls evalresp's C loop, which evaluates
//! every filter at every frequency with a `cos`/`sin` per FIR coefficient. [`evaluate`] reproduces
//! evalresp's rules (see [`chain`]: FIR symmetry detection and sum normalisation, renormalisation of
//! stage gains to the sensitivity frequency, overall gain = product of stage gains, asymmetric-FIR
//! delay from `Decimation.Correction`, response lists interpolated by a cubic spline, unit
//! conversion DIS/VEL/ACC with cm/mm/nm scaling) but evaluates blocks of frequencies with vectorised
//! kernels ([`kernels`]).

mod chain;
mod kernels;
mod list;
mod remove;
mod split_fft;
mod units;

use std::f64::consts::PI;

use num_complex::Complex64;
use seispool_core::inventory::Response;

pub use remove::{
    PreFilt, Removal, RemoveOptions, ResponseRemover, cosine_sac_taper, invert_spectrum, npts2nfft, remove_sensitivity,
    split_factors,
};
use units::Unit;

/// Largest angle (rad) evaluated by table on a uniform grid, see [`grid_tables`]: the table's angles
/// and evalresp's `ω·dt` then differ by a few ulp of 1e4, ~1e-12 relative.
const MAX_GRID_ANGLE: f64 = 1e4;

/// The largest FFT length accepted (2^31 points): bigger is a mistake, not a trace.
pub const MAX_NFFT: usize = 1 << 31;

/// Physical quantity of the evaluated response's input (`output=` in ObsPy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// Displacement (m).
    Disp,
    /// Velocity (m/s).
    Vel,
    /// Acceleration (m/s²).
    Acc,
    /// The response's own input units, unconverted.
    Def,
}

impl Output {
    /// Parses ObsPy's names `DISP`, `VEL`, `ACC`, `DEF` (case-insensitive).
    pub fn from_name(name: &str) -> Result<Output, ResponseError> {
        match name.to_ascii_uppercase().as_str() {
            "DISP" => Ok(Output::Disp),
            "VEL" => Ok(Output::Vel),
            "ACC" => Ok(Output::Acc),
            "DEF" => Ok(Output::Def),
            _ => Err(ResponseError::new(format!(
                "requested output is '{name}' but must be one of 'DISP', 'VEL', 'ACC' or 'DEF'"
            ))),
        }
    }

    /// ObsPy's name of this output.
    pub fn name(self) -> &'static str {
        match self {
            Output::Disp => "DISP",
            Output::Vel => "VEL",
            Output::Acc => "ACC",
            Output::Def => "DEF",
        }
    }
}

/// A response that ObsPy/evalresp would reject, or a parameter out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}")]
pub struct ResponseError {
    /// What is wrong, lowercase.
    pub what: String,
}

impl ResponseError {
    /// An error saying `what`.
    pub fn new(what: impl Into<String>) -> Self {
        ResponseError { what: what.into() }
    }
}

/// ObsPy's frequency grid for `get_evalresp_response`: `np.linspace(0, 1/(2 t_samp), nfft//2 + 1)`.
pub fn frequencies(t_samp: f64, nfft: usize) -> Vec<f64> {
    let num = nfft / 2 + 1;
    let fy = 1.0 / (t_samp * 2.0);
    if num == 1 {
        return vec![0.0];
    }
    let step = fy / (num - 1) as f64;
    let mut f: Vec<f64> = seispool_core::with_capacity_huge(num);
    f.extend((0..num).map(|i| i as f64 * step));
    f[num - 1] = fy;
    f
}

/// ObsPy `Response.get_evalresp_response(t_samp, nfft, output)[0]`: the complex response on
/// [`frequencies`]`(t_samp, nfft)`.
pub fn evaluate(resp: &Response, t_samp: f64, nfft: usize, output: Output) -> Result<Vec<Complex64>, ResponseError> {
    evaluate_threads(resp, t_samp, nfft, output, 1)
}

/// [`evaluate`] with the frequencies split over up to `threads` scoped threads (the same values: each
/// frequency is evaluated alone).
pub fn evaluate_threads(
    resp: &Response,
    t_samp: f64,
    nfft: usize,
    output: Output,
    threads: usize,
) -> Result<Vec<Complex64>, ResponseError> {
    if !(t_samp.is_finite() && t_samp > 0.0) {
        return Err(ResponseError::new(format!(
            "sampling interval {t_samp} must be a positive number"
        )));
    }
    if nfft > MAX_NFFT {
        return Err(ResponseError::new(format!(
            "nfft {nfft} exceeds the limit of {MAX_NFFT}"
        )));
    }
    let freqs = frequencies(t_samp, nfft);
    let step = if freqs.len() > 1 { freqs[1] } else { 0.0 };
    evaluate_impl(resp, &freqs, Some(step), output, threads)
}

/// ObsPy `Response.get_evalresp_response_for_frequencies(freqs, output)`.
pub fn evaluate_at(resp: &Response, freqs: &[f64], output: Output) -> Result<Vec<Complex64>, ResponseError> {
    if freqs.iter().any(|f| !f.is_finite()) {
        return Err(ResponseError::new("frequencies must be finite"));
    }
    evaluate_impl(resp, freqs, None, output, 1)
}

/// Evaluation on `freqs`; `grid = Some(step)` when `freqs[j] = j·step` (angles by table, see
/// [`kernels::Angles::grid`]).
fn evaluate_impl(
    resp: &Response,
    freqs: &[f64],
    grid: Option<f64>,
    output: Output,
    threads: usize,
) -> Result<Vec<Complex64>, ResponseError> {
    let chain = chain::build(resp, freqs)?;
    let tables = grid_tables(&chain, grid, freqs.len());
    let mut out = seispool_core::with_capacity_huge(freqs.len());
    out.resize(freqs.len(), Complex64::new(0.0, 0.0));
    let work = |mut start: usize, freqs: &[f64], out: &mut [Complex64]| {
        for (fb, ob) in freqs.chunks(kernels::BLOCK).zip(out.chunks_mut(kernels::BLOCK)) {
            eval_block(&chain, fb, start, &tables, ob);
            for (o, &f) in ob.iter_mut().zip(fb) {
                let v = Complex64::new(o.re * chain.calc_sensit, o.im * chain.calc_sensit);
                let v = convert_to_units(chain.input_unit, output, v, 2.0 * PI * f);
                *o = Complex64::new(v.re * chain.scale, v.im * chain.scale);
            }
            start += fb.len();
        }
    };
    let blocks = freqs.len().div_ceil(kernels::BLOCK);
    if threads <= 1 || blocks < 2 {
        work(0, freqs, &mut out);
        return Ok(out);
    }
    // Whole blocks per thread, so every block starts where the single-thread loop starts it.
    let per = blocks.div_ceil(threads) * kernels::BLOCK;
    std::thread::scope(|s| {
        let mut parts = freqs.chunks(per).zip(out.chunks_mut(per)).enumerate();
        let first = parts.next();
        for (i, (fs, os)) in parts {
            let work = &work;
            s.spawn(move || work(i * per, fs, os));
        }
        if let Some((_, (fs, os))) = first {
            work(0, fs, os);
        }
    });
    Ok(out)
}

/// Angle tables per stage for (sample interval, delay correction) on a uniform grid of `step`, while
/// the angles stay moderate (real stages have θ ≤ π, delay corrections a few hundred rad). Beyond that evalresp's own rounding of
/// `ω·dt` decides the result, so the angles are formed exactly as it forms them.
type StageTables = Vec<(Option<kernels::GridTable>, Option<kernels::GridTable>)>;

fn grid_tables(chain: &chain::Chain, grid: Option<f64>, nfreq: usize) -> StageTables {
    let table = |dt: f64| {
        let step = grid?;
        let delta = 2.0 * PI * step * dt;
        ((delta * nfreq as f64).abs() <= MAX_GRID_ANGLE).then(|| kernels::GridTable::new(delta))
    };
    chain
        .stages
        .iter()
        .map(|st| match st.deci {
            Some((sint, corr)) if st.filt.is_some() => (table(sint), table(corr)),
            _ => (None, None),
        })
        .collect()
}

/// The product of all stage responses (evalresp `calc_resp` without the gain) for one block starting
/// at frequency index `start`.
fn eval_block(chain: &chain::Chain, f: &[f64], start: usize, tables: &StageTables, out: &mut [Complex64]) {
    use chain::Filt;
    use kernels::Angles;
    let n = f.len();
    let mut w = [0.0; kernels::BLOCK];
    let mut tmp = [Complex64::new(0.0, 0.0); kernels::BLOCK];
    for i in 0..n {
        w[i] = 2.0 * PI * f[i];
        out[i] = Complex64::new(1.0, 0.0);
    }
    let w = &w[..n];
    // Angles `θ = ω·dt`: by table on the grid, else as evalresp forms them.
    let angles = |table: &Option<kernels::GridTable>, dt: f64| match table {
        Some(t) => Angles::from_table(start, n, t),
        None => Angles::exact(&w.iter().map(|w| w * dt).collect::<Vec<f64>>()),
    };
    for (st, (sint_table, corr_table)) in chain.stages.iter().zip(tables) {
        let Some(filt) = &st.filt else { continue };
        let sint = st.deci.map_or(0.0, |d| d.0);
        let t = &mut tmp[..n];
        let evaluated = match filt {
            Filt::Analog {
                hz, a0, zeros, poles, ..
            } => {
                kernels::analog(zeros, poles, *a0, if *hz { f } else { w }, t);
                true
            }
            Filt::IirPz { a0, zeros, poles, .. } if !(zeros.is_empty() && poles.is_empty()) => {
                kernels::iir_pz(zeros, poles, *a0, &angles(sint_table, sint), t);
                true
            }
            Filt::FirSym1 { h0, c } if !c.is_empty() => {
                kernels::fir_sym1(c, *h0, &angles(sint_table, sint), t);
                true
            }
            Filt::FirSym2 { h0, c } if !c.is_empty() => {
                kernels::fir_sym2(c, *h0, &angles(sint_table, sint), t);
                true
            }
            Filt::FirAsym { h0, c } if !c.is_empty() => {
                kernels::fir_asym(c, *h0, &angles(sint_table, sint), t);
                true
            }
            Filt::IirCoeffs { h0, num, den } => {
                kernels::iir_coeffs(num, den, *h0, &angles(sint_table, sint), t);
                true
            }
            Filt::List { amp, phase } => {
                for i in 0..n {
                    let (a, p) = (amp[start + i], phase[start + i] / 180.0 * PI);
                    t[i] = Complex64::new(a * p.cos(), a * p.sin());
                }
                true
            }
            _ => false,
        };
        if evaluated {
            for i in 0..n {
                out[i] = kernels::zmul(out[i], t[i]);
            }
        }
        if let (Filt::FirAsym { c, .. }, Some((_, corr))) = (filt, st.deci)
            && !c.is_empty()
        {
            // evalresp's calc_time_shift with the applied correction (asymmetric FIRs only).
            let shift = angles(corr_table, corr);
            for (i, o) in out.iter_mut().enumerate().take(n) {
                *o = kernels::zmul(*o, Complex64::new(shift.cos(i), shift.sin(i)));
            }
        }
    }
}

/// evalresp `convert_to_units`: from the first stage's input unit to `out` at angular frequency `w`.
fn convert_to_units(inp: Unit, out: Output, v: Complex64, w: f64) -> Complex64 {
    if out == Output::Def {
        return v;
    }
    // Multiplying by (0, s): re = -(im·s), im = re·s, as evalresp's zmul rounds it.
    let times_i = |v: Complex64, s: f64| Complex64::new(v.re * 0.0 - v.im * s, v.im * 0.0 + v.re * s);
    let mut v = v;
    match inp {
        Unit::Dis => {
            if out == Output::Disp {
                return v;
            }
            v = if w != 0.0 {
                times_i(v, -1.0 / w)
            } else {
                Complex64::new(0.0, 0.0)
            };
        }
        Unit::Acc => {
            if out == Output::Acc {
                return v;
            }
            v = times_i(v, w);
        }
        _ => {}
    }
    match out {
        Output::Disp => times_i(v, w),
        Output::Acc if w != 0.0 => times_i(v, -1.0 / w),
        Output::Acc => Complex64::new(0.0, 0.0),
        _ => v,
    }
}
