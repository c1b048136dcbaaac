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
    evaluate_grid(resp, t_samp, nfft, output, threads, true)
}

/// [`evaluate_threads`] with every FIR stage summed at every frequency, without reusing one period
/// of its response (see [`PeriodicFir`]): the reference the periodic evaluation is tested against.
#[doc(hidden)]
pub fn evaluate_every_frequency(
    resp: &Response,
    t_samp: f64,
    nfft: usize,
    output: Output,
    threads: usize,
) -> Result<Vec<Complex64>, ResponseError> {
    evaluate_grid(resp, t_samp, nfft, output, threads, false)
}

/// The FIR stages whose response [`evaluate`] reuses period by period on this grid (see
/// [`PeriodicFir`]): `(period in grid points, antiperiodic)` per stage, for tests.
#[doc(hidden)]
pub fn fir_periods(resp: &Response, t_samp: f64, nfft: usize) -> Result<Vec<(usize, bool)>, ResponseError> {
    let g = GridSetup::new(resp, t_samp, nfft, 1, true)?;
    Ok(g.tables
        .iter()
        .filter_map(|t| t.fir.as_ref().map(|p| (p.period, p.antiperiodic)))
        .collect())
}

fn evaluate_grid(
    resp: &Response,
    t_samp: f64,
    nfft: usize,
    output: Output,
    threads: usize,
    periodic: bool,
) -> Result<Vec<Complex64>, ResponseError> {
    let g = GridSetup::new(resp, t_samp, nfft, threads, periodic)?;
    evaluate_chain(&g.chain, &g.freqs, &g.tables, output, threads)
}

/// The chain and per-stage tables for ObsPy's frequency grid of `(t_samp, nfft)`.
struct GridSetup {
    chain: chain::Chain,
    freqs: Freqs<'static>,
    tables: Vec<StageGrid>,
}

impl GridSetup {
    fn new(resp: &Response, t_samp: f64, nfft: usize, threads: usize, periodic: bool) -> Result<Self, ResponseError> {
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
        let num = nfft / 2 + 1;
        let fy = 1.0 / (t_samp * 2.0);
        let step = if num > 1 { fy / (num - 1) as f64 } else { 0.0 };
        // Only response lists need the frequencies as an array (they are interpolated onto them); the
        // grid is otherwise formed block by block, as `frequencies` forms it, without 8 bytes a point
        // of fresh memory.
        let has_list = resp
            .stages
            .iter()
            .any(|s| matches!(s.filter, seispool_core::inventory::Filter::ResponseList(_)));
        let listed = if has_list {
            frequencies(t_samp, nfft)
        } else {
            Vec::new()
        };
        let chain = chain::build(resp, &listed)?;
        let mut tables = grid_tables(&chain, Some(step).filter(|_| num > 1), num);
        if periodic {
            periodic_firs(&chain, &mut tables, num, threads);
        }
        Ok(GridSetup {
            chain,
            freqs: Freqs::Grid { num, step, fy },
            tables,
        })
    }
}

/// ObsPy `Response.get_evalresp_response_for_frequencies(freqs, output)`.
pub fn evaluate_at(resp: &Response, freqs: &[f64], output: Output) -> Result<Vec<Complex64>, ResponseError> {
    if freqs.iter().any(|f| !f.is_finite()) {
        return Err(ResponseError::new("frequencies must be finite"));
    }
    let chain = chain::build(resp, freqs)?;
    let tables = grid_tables(&chain, None, freqs.len());
    evaluate_chain(&chain, &Freqs::Given(freqs), &tables, output, 1)
}

/// The frequencies evaluated: ObsPy's uniform grid (`np.linspace(0, fy, num)`, see [`frequencies`])
/// or a given list.
enum Freqs<'a> {
    Grid { num: usize, step: f64, fy: f64 },
    Given(&'a [f64]),
}

impl Freqs<'_> {
    fn len(&self) -> usize {
        match self {
            Freqs::Grid { num, .. } => *num,
            Freqs::Given(f) => f.len(),
        }
    }

    /// `out[i]` = frequency `start + i`, exactly as [`frequencies`] gives it.
    fn fill(&self, start: usize, out: &mut [f64]) {
        match self {
            Freqs::Grid { num, step, fy } => {
                for (i, o) in out.iter_mut().enumerate() {
                    let j = start + i;
                    *o = if j + 1 == *num && *num > 1 {
                        *fy
                    } else {
                        j as f64 * step
                    };
                }
            }
            Freqs::Given(f) => out.copy_from_slice(&f[start..start + out.len()]),
        }
    }
}

/// The chain's response on `freqs`, in units of `output`, split over up to `threads` scoped threads.
fn evaluate_chain(
    chain: &chain::Chain,
    freqs: &Freqs,
    tables: &[StageGrid],
    output: Output,
    threads: usize,
) -> Result<Vec<Complex64>, ResponseError> {
    let num = freqs.len();
    let mut out = seispool_core::with_capacity_huge(num);
    out.resize(num, Complex64::new(0.0, 0.0));
    par_blocks(&mut out, threads, |start, ob| {
        let mut f = [0.0; kernels::BLOCK];
        let f = &mut f[..ob.len()];
        freqs.fill(start, f);
        eval_block(chain, f, start, tables, ob);
        for (o, &f) in ob.iter_mut().zip(f.iter()) {
            let v = Complex64::new(o.re * chain.calc_sensit, o.im * chain.calc_sensit);
            let v = convert_to_units(chain.input_unit, output, v, 2.0 * PI * f);
            *o = Complex64::new(v.re * chain.scale, v.im * chain.scale);
        }
    });
    Ok(out)
}

/// `f(start, block)` for every `BLOCK`-long block of `out` (`start` = its first index), the blocks
/// split in whole runs over up to `threads` scoped threads: every block starts where the
/// single-thread loop starts it, so the values do not depend on the thread count.
fn par_blocks(out: &mut [Complex64], threads: usize, f: impl Fn(usize, &mut [Complex64]) + Sync) {
    let run = |first: usize, part: &mut [Complex64]| {
        for (b, ob) in part.chunks_mut(kernels::BLOCK).enumerate() {
            f(first + b * kernels::BLOCK, ob);
        }
    };
    let blocks = out.len().div_ceil(kernels::BLOCK);
    if threads <= 1 || blocks < 2 {
        run(0, out);
        return;
    }
    let per = blocks.div_ceil(threads) * kernels::BLOCK;
    std::thread::scope(|s| {
        let mut parts = out.chunks_mut(per).enumerate();
        let first = parts.next();
        for (i, part) in parts {
            let run = &run;
            s.spawn(move || run(i * per, part));
        }
        if let Some((_, part)) = first {
            run(0, part);
        }
    });
}

/// Per stage on a uniform grid: angle tables for its sample interval and its delay correction
/// (while the angles stay moderate: real stages have θ ≤ π, delay corrections a few hundred rad;
/// beyond that evalresp's own rounding of `ω·dt` decides the result, so the angles are formed
/// exactly as it forms them), and a FIR stage's response over one period when the grid wraps.
#[derive(Default)]
struct StageGrid {
    sint: Option<kernels::GridTable>,
    corr: Option<kernels::GridTable>,
    fir: Option<PeriodicFir>,
}

fn grid_tables(chain: &chain::Chain, grid: Option<f64>, nfreq: usize) -> Vec<StageGrid> {
    let table = |dt: f64| {
        let step = grid?;
        let delta = 2.0 * PI * step * dt;
        ((delta * nfreq as f64).abs() <= MAX_GRID_ANGLE).then(|| kernels::GridTable::new(delta))
    };
    chain
        .stages
        .iter()
        .map(|st| match st.deci {
            Some((sint, corr)) if st.filt.is_some() => StageGrid {
                sint: table(sint),
                corr: table(corr),
                fir: None,
            },
            _ => StageGrid::default(),
        })
        .collect()
}

/// A FIR stage's response on a grid whose angle step `δ = 2π·step·Δt_stage` divides 2π: `L = 2π/δ`
/// grid points make one period. That happens when the stage's input rate is below the evaluated
/// sampling rate (a 20 Hz FIR on a 100 Hz grid: `L = nfft·Δt·20`, 2.5 periods), and then the values
/// at `j ≤ L/2` give all the others: with real coefficients `H(2π − θ) = conj H(θ)` and
/// `H(θ + 2π) = H(θ)`; an even-length symmetric FIR (`cos((m+½)θ)` terms) changes sign instead:
/// `H(θ + 2π) = −H(θ)` and `H(2π − θ) = −H(θ)`. So the coefficients are summed at `L/2 + 1` points
/// instead of at every grid point. The reused values are the very sums at the angles `(j mod L)·δ`;
/// evalresp sums at `j·δ`, which differs by `q·(Lδ − 2π)` (`q = j div L`) plus rounding: accepted
/// only when `|Lδ − 2π| ≤ 1e-13`, so a 100-tap FIR moves by ~1e-11 of its coefficients' sum at most.
struct PeriodicFir {
    period: usize,
    /// Sign change per period and under reflection (even-length symmetric FIRs).
    antiperiodic: bool,
    /// The stage's response at `j·δ` for `j` in `0..=period/2`.
    values: Vec<Complex64>,
}

impl PeriodicFir {
    /// `t[i]` = the response at grid index `start + i` (one division per block, not per value).
    fn fill(&self, start: usize, t: &mut [Complex64]) {
        let (mut q, mut r) = (start / self.period, start % self.period);
        for v in t {
            *v = self.value(q, r);
            r += 1;
            if r == self.period {
                r = 0;
                q += 1;
            }
        }
    }

    /// The response at grid index `q·period + r` (`r < period`).
    #[inline]
    fn value(&self, q: usize, r: usize) -> Complex64 {
        let (v, reflected) = if 2 * r <= self.period {
            (self.values[r], false)
        } else {
            (self.values[self.period - r].conj(), true)
        };
        let negate = self.antiperiodic && ((q % 2 == 1) != reflected);
        if negate { -v } else { v }
    }
}

/// Largest `|L·δ − 2π|` (rad) for which a FIR stage's response is reused period by period.
const PERIOD_TOL: f64 = 1e-13;

/// Fills [`StageGrid::fir`] for FIR stages whose response repeats within the `nfreq` grid points.
fn periodic_firs(chain: &chain::Chain, tables: &mut [StageGrid], nfreq: usize, threads: usize) {
    use chain::Filt;
    for (st, grid) in chain.stages.iter().zip(tables.iter_mut()) {
        let (Some(filt), Some(table)) = (&st.filt, &grid.sint) else {
            continue;
        };
        let antiperiodic = match filt {
            Filt::FirAsym { c, .. } | Filt::FirSym1 { c, .. } if !c.is_empty() => false,
            Filt::FirSym2 { c, .. } if !c.is_empty() => true,
            _ => continue,
        };
        // A zero or negative step gives no finite period of at least 2 points.
        let delta = table.delta();
        let period = (2.0 * PI / delta).round();
        let exact = period.is_finite() && period >= 2.0 && (period * delta - 2.0 * PI).abs() <= PERIOD_TOL;
        if !exact {
            continue;
        }
        let period = period as usize;
        let count = period / 2 + 1;
        if count >= nfreq {
            continue;
        }
        let mut values = vec![Complex64::new(0.0, 0.0); count];
        par_blocks(&mut values, threads, |start, ob| {
            let ang = kernels::Angles::from_table(start, ob.len(), table);
            fir_kernel(filt, &ang, ob);
        });
        grid.fir = Some(PeriodicFir {
            period,
            antiperiodic,
            values,
        });
    }
}

/// A FIR stage's kernel at the angles `ang` (`false` for other filters).
fn fir_kernel(filt: &chain::Filt, ang: &kernels::Angles, t: &mut [Complex64]) -> bool {
    use chain::Filt;
    match filt {
        Filt::FirSym1 { h0, c } if !c.is_empty() => kernels::fir_sym1(c, *h0, ang, t),
        Filt::FirSym2 { h0, c } if !c.is_empty() => kernels::fir_sym2(c, *h0, ang, t),
        Filt::FirAsym { h0, c } if !c.is_empty() => kernels::fir_asym(c, *h0, ang, t),
        _ => return false,
    }
    true
}

/// The product of all stage responses (evalresp `calc_resp` without the gain) for one block starting
/// at frequency index `start`.
fn eval_block(chain: &chain::Chain, f: &[f64], start: usize, tables: &[StageGrid], out: &mut [Complex64]) {
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
    for (st, grid) in chain.stages.iter().zip(tables) {
        let Some(filt) = &st.filt else { continue };
        let sint = st.deci.map_or(0.0, |d| d.0);
        let t = &mut tmp[..n];
        let evaluated = if let Some(p) = &grid.fir {
            p.fill(start, t);
            true
        } else {
            match filt {
                Filt::Analog {
                    hz, a0, zeros, poles, ..
                } => {
                    kernels::analog(zeros, poles, *a0, if *hz { f } else { w }, t);
                    true
                }
                Filt::IirPz { a0, zeros, poles, .. } if !(zeros.is_empty() && poles.is_empty()) => {
                    kernels::iir_pz(zeros, poles, *a0, &angles(&grid.sint, sint), t);
                    true
                }
                Filt::FirSym1 { .. } | Filt::FirSym2 { .. } | Filt::FirAsym { .. } => {
                    fir_kernel(filt, &angles(&grid.sint, sint), t)
                }
                Filt::IirCoeffs { h0, num, den } => {
                    kernels::iir_coeffs(num, den, *h0, &angles(&grid.sint, sint), t);
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
            }
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
            let shift = angles(&grid.corr, corr);
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
