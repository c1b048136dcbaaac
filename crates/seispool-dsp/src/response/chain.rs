//! The response as evalresp sees it after ObsPy hands it over: a list of stages, each a filter,
//! an optional decimation and its gains, then evalresp's `check_channel` (FIR symmetry and
//! normalisation, structural checks) and `norm_resp` (stage gains renormalised to the sensitivity
//! frequency; the overall gain is their product).

use std::f64::consts::PI;

use num_complex::Complex64 as C;
use seispool_core::inventory::{CfTransferFunction, Filter, FirSymmetry, PzTransferFunction, Response, Stage};

use super::ResponseError;
use super::kernels;
use super::units::{Unit, scale_factor, unit_code};

const TWO_PI: f64 = 2.0 * PI;
/// evalresp `FIR_NORM_TOL`: asymmetric FIRs whose sum is further than this from 1 are normalised.
const FIR_NORM_TOL: f64 = 0.02;

/// A stage's main filter, as an evalresp blockette.
#[derive(Debug, Clone)]
pub(crate) enum Filt {
    /// `LAPLACE_PZ` (rad/s, `hz = false`) or `ANALOG_PZ` (Hz).
    Analog {
        hz: bool,
        a0: f64,
        a0_freq: f64,
        zeros: Vec<C>,
        poles: Vec<C>,
    },
    /// `IIR_PZ`: digital poles and zeros.
    IirPz {
        a0: f64,
        a0_freq: f64,
        zeros: Vec<C>,
        poles: Vec<C>,
    },
    /// `FIR_SYM_1`: first half and centre of an odd-length symmetric FIR.
    FirSym1 { h0: f64, c: Vec<f64> },
    /// `FIR_SYM_2`: first half of an even-length symmetric FIR.
    FirSym2 { h0: f64, c: Vec<f64> },
    /// `FIR_ASYM`: all coefficients.
    FirAsym { h0: f64, c: Vec<f64> },
    /// `IIR_COEFFS`: numerator and denominator of a digital IIR.
    IirCoeffs { h0: f64, num: Vec<f64>, den: Vec<f64> },
    /// `LIST`: amplitude and phase (degrees) already interpolated to the requested frequencies.
    List { amp: Vec<f64>, phase: Vec<f64> },
}

/// A `GAIN` blockette.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gain {
    pub gain: f64,
    pub freq: f64,
}

/// One evalresp stage: `FILTER -> (DECIMATION) -> GAIN...`.
#[derive(Debug, Clone)]
pub(crate) struct EStage {
    pub seq: u32,
    pub input: Unit,
    pub output: Unit,
    pub filt: Option<Filt>,
    /// Sample interval and applied delay correction of the decimation blockette.
    pub deci: Option<(f64, f64)>,
    pub gains: Vec<Gain>,
}

/// The normalised stage chain and the factors applied after it.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    pub stages: Vec<EStage>,
    /// evalresp `calc_sensit`: the product of the (renormalised) stage gains.
    pub calc_sensit: f64,
    /// ObsPy's unit scale factor for cm/mm/nm input units.
    pub scale: f64,
    /// The first stage's input unit (what `convert_to_units` converts from).
    pub input_unit: Unit,
}

fn err(msg: impl Into<String>) -> ResponseError {
    ResponseError::new(msg)
}

fn blank(u: &Option<String>) -> bool {
    u.as_deref().is_none_or(str::is_empty)
}

/// Builds and normalises the chain for `resp` at the requested `freqs` (needed by response lists).
pub(crate) fn build(resp: &Response, freqs: &[f64]) -> Result<Chain, ResponseError> {
    if resp.stages.is_empty() {
        return Err(err("can not use evalresp on response with no response stages"));
    }
    let mut stages: Vec<Stage> = resp.stages.clone();
    stages.sort_by_key(|s| s.number);
    if stages.windows(2).any(|w| w[0].number == w[1].number) {
        return Err(err("each stage can only appear once"));
    }
    fix_stage_one_units(resp, &mut stages);
    let scale = scale_factor(stages[0].input_units.as_deref());
    let mut chain = Vec::with_capacity(stages.len() + 1);
    for st in &stages {
        chain.push(stage(resp, st, freqs)?);
    }
    if let Some(s) = &resp.instrument_sensitivity {
        let value = s
            .value
            .ok_or_else(|| err("the instrument sensitivity has no value (ObsPy cannot pass it to evalresp)"))?;
        chain.push(EStage {
            seq: 0,
            input: Unit::Undefined,
            output: Unit::Undefined,
            filt: None,
            deci: None,
            gains: vec![Gain {
                gain: value,
                freq: s.frequency.unwrap_or(0.0),
            }],
        });
    }
    let input_unit = chain[0].input;
    let sensit = check_channel(&mut chain)?;
    let calc_sensit = norm_resp(&mut chain, sensit)?;
    Ok(Chain {
        stages: chain,
        calc_sensit,
        scale,
        input_unit,
    })
}

/// ObsPy's repair of a stage 1 without units (from the sensitivity, or stage 2's input units).
fn fix_stage_one_units(resp: &Response, stages: &mut [Stage]) {
    let Some(i1) = stages.iter().position(|s| s.number == 1) else {
        return;
    };
    let max = stages.iter().map(|s| s.number).max().unwrap_or(0);
    let stage2_in = stages
        .iter()
        .find(|s| s.number == 2)
        .and_then(|s| s.input_units.clone());
    let sens = resp.instrument_sensitivity.as_ref();
    let s1 = &mut stages[i1];
    if blank(&s1.input_units) || blank(&s1.output_units) {
        if blank(&s1.input_units)
            && let Some(u) = sens.and_then(|s| s.input_units.clone()).filter(|u| !u.is_empty())
        {
            s1.input_units = Some(u);
        }
        if blank(&s1.output_units) {
            if max == 1
                && let Some(u) = sens.and_then(|s| s.output_units.clone()).filter(|u| !u.is_empty())
            {
                s1.output_units = Some(u);
            }
            if let Some(u) = stage2_in.filter(|u| !u.is_empty()) {
                s1.output_units = Some(u);
            }
        }
    }
}

/// One ObsPy stage → evalresp blockettes (`_call_eval_resp_for_frequencies`).
fn stage(resp: &Response, st: &Stage, freqs: &[f64]) -> Result<EStage, ResponseError> {
    let n = st.number;
    let mut gains = Vec::new();
    let filt = main_filter(st, freqs, &mut gains)?;
    let mut deci = st.decimation.map(|d| (d.input_sample_rate, d.correction));
    let gain_truthy = st.gain.is_some_and(|g| g.value != 0.0);
    if matches!(st.filter, Filter::PolesZeros(_)) && gain_truthy && deci.is_none() {
        // ObsPy gives pole-zero stages a unit decimation at the stage's input rate (or 1 Hz).
        deci = Some((pz_input_rate(resp, n)?.unwrap_or(1.0), 0.0));
    }
    if deci.is_some() && filt.is_none() && gains.is_empty() {
        return Err(err(format!(
            "check_channel: stage {n}: decimation blockette with no associated filter"
        )));
    }
    let deci = deci.map(|(rate, corr)| (if rate == 0.0 { 0.0 } else { 1.0 / rate }, corr));
    if let Some(g) = st.gain {
        gains.push(Gain {
            gain: g.value,
            freq: g.frequency,
        });
    }
    Ok(EStage {
        seq: n,
        input: unit_code(st.input_units.as_deref()),
        output: unit_code(st.output_units.as_deref()),
        filt,
        deci,
        gains,
    })
}

/// The stage's filter blockette; a polynomial stage becomes a gain (pushed to `gains`) as in ObsPy.
fn main_filter(st: &Stage, freqs: &[f64], gains: &mut Vec<Gain>) -> Result<Option<Filt>, ResponseError> {
    let n = st.number;
    Ok(match &st.filter {
        Filter::PolesZeros(pz) => {
            let zeros = pz.zeros.iter().map(|r| C::new(r.re, r.im)).collect();
            let poles = pz.poles.iter().map(|r| C::new(r.re, r.im)).collect();
            let (a0, a0_freq) = (pz.normalization_factor, pz.normalization_frequency);
            Some(match pz.transfer_function {
                PzTransferFunction::LaplaceRadians => Filt::Analog {
                    hz: false,
                    a0,
                    a0_freq,
                    zeros,
                    poles,
                },
                PzTransferFunction::LaplaceHertz => Filt::Analog {
                    hz: true,
                    a0,
                    a0_freq,
                    zeros,
                    poles,
                },
                PzTransferFunction::DigitalZ => Filt::IirPz {
                    a0,
                    a0_freq,
                    zeros,
                    poles,
                },
            })
        }
        Filter::Coefficients(cf) if cf.denominator.is_empty() => {
            if cf.transfer_function != CfTransferFunction::Digital {
                return Err(err(format!(
                    "stage {n}: when no denominators are given it must be a digital FIR filter"
                )));
            }
            Some(Filt::FirAsym {
                h0: 1.0,
                c: cf.numerator.clone(),
            })
        }
        Filter::Coefficients(cf) => Some(Filt::IirCoeffs {
            h0: 1.0,
            num: cf.numerator.clone(),
            den: cf.denominator.clone(),
        }),
        Filter::Fir(fir) => {
            let c = fir.coefficients.clone();
            Some(match fir.symmetry {
                FirSymmetry::None => Filt::FirAsym { h0: 1.0, c },
                FirSymmetry::Odd => Filt::FirSym1 { h0: 1.0, c },
                FirSymmetry::Even => Filt::FirSym2 { h0: 1.0, c },
            })
        }
        Filter::ResponseList(list) => Some(super::list::interpolate(n, list, freqs)?),
        Filter::Polynomial(p) => {
            let mid = (p.frequency_lower_bound + p.frequency_upper_bound) / 2.0;
            match p.coefficients.as_slice() {
                [_] => gains.push(Gain { gain: 1.0, freq: mid }),
                [_, c1] => gains.push(Gain {
                    gain: 1.0 / c1,
                    freq: mid,
                }),
                c => {
                    return Err(err(format!(
                        "stage {n}: polynomial response stage with {} coefficients is not supported (as in ObsPy)",
                        c.len()
                    )));
                }
            }
            None
        }
        Filter::GainOnly => {
            if st.gain.is_none() {
                return Err(err(format!("stage {n}: a stage without filter needs a stage gain")));
            }
            None
        }
    })
}

/// The input sampling rate ObsPy's `Response.get_sampling_rates()` infers for stage `n`.
fn pz_input_rate(resp: &Response, n: u32) -> Result<Option<f64>, ResponseError> {
    let numbers: Vec<u32> = resp.stages.iter().map(|s| s.number).filter(|&s| s != 0).collect();
    if numbers.is_empty() {
        return Ok(None);
    }
    if numbers.iter().enumerate().any(|(i, &s)| s as usize != i + 1) {
        return Err(err("can only determine sampling rates if response stages are in order"));
    }
    let m = numbers.len();
    // (input rate, output rate, factor) per stage 1..=m; zero counts as unset, as in Python.
    let mut sr: Vec<(Option<f64>, Option<f64>, Option<f64>)> = vec![(None, None, None); m + 1];
    for s in resp.stages.iter().filter(|s| s.number != 0) {
        let i = s.number as usize;
        let (mut inp, mut out, mut fac) = (None, None, None);
        if let Some(d) = s.decimation.filter(|d| d.input_sample_rate != 0.0) {
            inp = Some(d.input_sample_rate);
            if d.factor != 0 {
                fac = Some(d.factor as f64);
                out = Some(d.input_sample_rate / d.factor as f64);
            }
        }
        sr[i] = (inp, out, fac);
    }
    let Some(first) = (1..=m).find(|&i| sr[i].0.is_some()) else {
        return Ok(None);
    };
    let rate = sr[first].0;
    for s in &mut sr[1..first] {
        *s = (rate, rate, Some(1.0));
    }
    let mut output_sr = sr[1]
        .1
        .ok_or_else(|| err("cannot infer the sampling rate of stage 1"))?;
    for s in &mut sr[1..=m] {
        let inp = *s.0.get_or_insert(output_sr);
        if s.1.is_none() {
            match s.2 {
                None => *s = (Some(inp), Some(inp), Some(1.0)),
                Some(f) => s.1 = Some(inp / f),
            }
        }
        output_sr = s.1.unwrap_or(inp);
    }
    Ok(sr[n as usize].0)
}

/// evalresp `check_channel` for the stage list ObsPy builds: structural errors, FIR symmetry and
/// sum normalisation; returns the stage-0 sensitivity `(value, frequency)` (zeros when absent).
fn check_channel(chain: &mut [EStage]) -> Result<(f64, f64), ResponseError> {
    let mut sensit = (0.0, 0.0);
    let mut prev_output: Option<Unit> = None;
    let n = chain.len();
    // The second stage's number and whether its first blockette is a filter (evalresp's list test).
    let second = chain.get(1).map(|s| (s.seq, s.filt.is_some()));
    for (i, st) in chain.iter_mut().enumerate() {
        if st.seq == 0
            && let Some(g) = st.gains.last()
        {
            sensit = (g.gain, g.freq);
        }
        let Some(filt) = &mut st.filt else {
            continue;
        };
        if let Filt::List { .. } = filt {
            let last = i + 1 == n;
            let mixed = if !last || prev_output.is_some() {
                last && second.is_some_and(|(seq, _)| seq != 0)
            } else {
                second.is_some_and(|(_, filter_first)| filter_first)
            };
            if mixed {
                return Err(err(
                    "check_channel: blockette 55 cannot be mixed with other filter blockettes",
                ));
            }
        }
        if let Filt::FirAsym { c, .. } = filt {
            *filt = check_sym(std::mem::take(c));
        }
        let needs_deci = matches!(
            filt,
            Filt::IirPz { .. }
                | Filt::FirSym1 { .. }
                | Filt::FirSym2 { .. }
                | Filt::FirAsym { .. }
                | Filt::IirCoeffs { .. }
        );
        if st.deci.is_some() && st.gains.is_empty() {
            return Err(err(format!(
                "check_channel: stage {}: gain blockette is missing",
                st.seq
            )));
        }
        if prev_output.is_some_and(|u| u != st.input) {
            return Err(err(format!(
                "check_channel: stage {}: units mismatch between stages",
                st.seq
            )));
        }
        if needs_deci && st.deci.is_none() {
            return Err(err(format!(
                "check_channel: stage {}: required decimation blockette for IIR or FIR filter missing",
                st.seq
            )));
        }
        if st.seq != 0 {
            prev_output = Some(st.output);
        }
    }
    Ok(sensit)
}

/// evalresp `check_sym`: normalise an asymmetric FIR whose sum is off 1 by more than 2 %, then store a
/// palindromic one as symmetric (half the coefficients).
fn check_sym(mut c: Vec<f64>) -> Filt {
    let nc = c.len();
    let sum: f64 = c.iter().fold(0.0, |s, v| s + v);
    if nc > 0 && !(1.0 - FIR_NORM_TOL..=1.0 + FIR_NORM_TOL).contains(&sum) {
        c.iter_mut().for_each(|v| *v /= sum);
    }
    if nc.is_multiple_of(2) {
        let n0 = nc / 2;
        if (0..n0).all(|k| c[n0 + k] == c[n0 - k - 1]) {
            c.truncate(n0);
            return Filt::FirSym2 { h0: 1.0, c };
        }
    } else {
        let n0 = (nc - 1) / 2;
        if (1..nc - n0).all(|k| c[n0 + k] == c[n0 - k]) {
            c.truncate(nc - n0);
            return Filt::FirSym1 { h0: 1.0, c };
        }
    }
    Filt::FirAsym { h0: 1.0, c }
}

/// evalresp `norm_resp` (all stages selected): renormalise each stage gain measured at another
/// frequency than the sensitivity's, and return the product of the stage gains.
fn norm_resp(chain: &mut [EStage], (mut sensit, mut sensfreq): (f64, f64)) -> Result<f64, ResponseError> {
    let n = chain.len();
    if n == 1 && chain[0].gains.is_empty() {
        return Err(err("norm_resp: no stage gain defined, zero sensitivity"));
    }
    if n == 2 && chain[0].gains.is_empty() {
        if sensit == 0.0 {
            return Err(err("norm_resp: no stage gain defined, zero sensitivity"));
        }
        chain[0].gains.push(Gain {
            gain: sensit,
            freq: sensfreq,
        });
    }
    if chain.iter().flat_map(|s| &s.gains).any(|g| g.gain == 0.0) {
        return Err(err("norm_resp: zero stage gain"));
    }
    if sensit == 0.0 {
        for g in chain.iter().flat_map(|s| &s.gains) {
            if g.freq != 0.0 {
                sensfreq = g.freq;
            }
        }
    }
    let f = sensfreq;
    let mut calc = 1.0;
    for st in chain.iter_mut() {
        if st.seq == 0 {
            continue;
        }
        let sint = st.deci.map_or(0.0, |d| d.0);
        for g in &mut st.gains {
            let pz_off = match &st.filt {
                Some(Filt::Analog { a0_freq, .. } | Filt::IirPz { a0_freq, .. }) => *a0_freq != f,
                _ => false,
            };
            if g.freq != f || pz_off {
                renormalise(st.filt.as_mut(), sint, g, f)?;
            }
            calc *= g.gain;
            if n == 1 {
                sensit = calc;
            }
        }
    }
    let _ = sensit;
    Ok(calc)
}

/// One stage gain measured at `g.freq` moved to frequency `f` (and the filter normalised to 1 there).
fn renormalise(filt: Option<&mut Filt>, sint: f64, g: &mut Gain, f: f64) -> Result<(), ResponseError> {
    let Some(filt) = filt else {
        return Ok(());
    };
    let (df, of) = match filt {
        Filt::Analog {
            hz, a0, zeros, poles, ..
        } => {
            *a0 = 1.0;
            let scale = if *hz { 1.0 } else { TWO_PI };
            let df = one(|o| kernels::analog(zeros, poles, 1.0, &[g.freq * scale], o));
            if df == C::new(0.0, 0.0) {
                return Err(err("norm_resp: gain frequency of zero found in bandpass analog filter"));
            }
            let of = one(|o| kernels::analog(zeros, poles, 1.0, &[f * scale], o));
            if of == C::new(0.0, 0.0) {
                return Err(err(
                    "norm_resp: chan. sens. frequency found with bandpass analog filter",
                ));
            }
            (df, of)
        }
        Filt::IirPz { a0, zeros, poles, .. } => {
            *a0 = 1.0;
            let df = one(|o| kernels::iir_pz(zeros, poles, 1.0, &kernels::Angles::exact(&[TWO_PI * g.freq * sint]), o));
            let of = one(|o| kernels::iir_pz(zeros, poles, 1.0, &kernels::Angles::exact(&[TWO_PI * f * sint]), o));
            (df, of)
        }
        Filt::FirSym1 { h0, c } | Filt::FirSym2 { h0, c } | Filt::FirAsym { h0, c } if !c.is_empty() => {
            *h0 = 1.0;
            let kind = filt_kind(filt);
            let df = one(|o| eval_fir(kind, filt, &kernels::Angles::exact(&[TWO_PI * g.freq * sint]), o));
            let of = one(|o| eval_fir(kind, filt, &kernels::Angles::exact(&[TWO_PI * f * sint]), o));
            (df, of)
        }
        Filt::IirCoeffs { h0, num, den } => {
            *h0 = 1.0;
            let df = one(|o| kernels::iir_coeffs(num, den, 1.0, &kernels::Angles::exact(&[TWO_PI * g.freq * sint]), o));
            let of = one(|o| kernels::iir_coeffs(num, den, 1.0, &kernels::Angles::exact(&[TWO_PI * f * sint]), o));
            (df, of)
        }
        _ => return Ok(()),
    };
    let mag = |c: C| (c.re * c.re + c.im * c.im).sqrt();
    g.gain /= mag(df);
    g.gain *= mag(of);
    g.freq = f;
    match filt {
        Filt::Analog { a0, a0_freq, .. } | Filt::IirPz { a0, a0_freq, .. } => {
            *a0 = 1.0 / mag(of);
            *a0_freq = f;
        }
        Filt::FirSym1 { h0, .. } | Filt::FirSym2 { h0, .. } | Filt::FirAsym { h0, .. } | Filt::IirCoeffs { h0, .. } => {
            *h0 = 1.0 / mag(of);
        }
        Filt::List { .. } => {}
    }
    Ok(())
}

fn one(f: impl FnOnce(&mut [C])) -> C {
    let mut o = [C::new(0.0, 0.0)];
    f(&mut o);
    o[0]
}

#[derive(Clone, Copy)]
enum FirKind {
    Sym1,
    Sym2,
    Asym,
}

fn filt_kind(f: &Filt) -> FirKind {
    match f {
        Filt::FirSym1 { .. } => FirKind::Sym1,
        Filt::FirSym2 { .. } => FirKind::Sym2,
        _ => FirKind::Asym,
    }
}

fn eval_fir(kind: FirKind, f: &Filt, ang: &kernels::Angles, out: &mut [C]) {
    if let Filt::FirSym1 { h0, c } | Filt::FirSym2 { h0, c } | Filt::FirAsym { h0, c } = f {
        match kind {
            FirKind::Sym1 => kernels::fir_sym1(c, *h0, ang, out),
            FirKind::Sym2 => kernels::fir_sym2(c, *h0, ang, out),
            FirKind::Asym => kernels::fir_asym(c, *h0, ang, out),
        }
    }
}
