//! Digital IIR filter design as second-order sections, reproducing SciPy 1.17's
//! `iirfilter(N, Wn, rs=rs, btype=..., ftype=..., output="sos")` for Butterworth and Chebyshev II:
//! analog prototype (`buttap`, `cheb2ap`) → prewarp → `lp2lp/lp2hp/lp2bp/lp2bs_zpk` →
//! `bilinear_zpk` → `zpk2sos` with the default `'nearest'` pairing. Every step follows SciPy's
//! operation order (numpy's complex division, glibc's `csqrt`) so the sections agree to the last
//! few bits.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::sync::Arc;

use crate::complex::{C64, prod};

/// The analog prototype family (SciPy's `ftype`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterKind {
    /// `ftype="butter"`.
    Butterworth,
    /// `ftype="cheby2"` with `rs` dB minimum stopband attenuation.
    Chebyshev2 {
        /// Minimum stopband attenuation in dB (SciPy's `rs`).
        rs: f64,
    },
}

/// Band type with its critical frequencies, normalized to Nyquist = 1 (SciPy's `btype` and `Wn`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// `btype="lowpass"`, `Wn` scalar.
    Lowpass(f64),
    /// `btype="highpass"`, `Wn` scalar.
    Highpass(f64),
    /// `btype="bandpass"`, `Wn = [low, high]`.
    Bandpass(f64, f64),
    /// `btype="bandstop"`, `Wn = [low, high]`.
    Bandstop(f64, f64),
}

impl Band {
    fn critical(&self) -> Vec<f64> {
        match *self {
            Band::Lowpass(w) | Band::Highpass(w) => vec![w],
            Band::Bandpass(lo, hi) | Band::Bandstop(lo, hi) => vec![lo, hi],
        }
    }
}

/// A digital IIR design request: `iirfilter(order, band.Wn, rs, band.btype, kind.ftype, output="sos")`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IirSpec {
    /// Filter order `N` (ObsPy's `corners`).
    pub order: usize,
    /// Band type and normalized critical frequencies.
    pub band: Band,
    /// Prototype family.
    pub kind: FilterKind,
}

/// Why a design failed; mirrors the `ValueError`s SciPy raises.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    /// A critical frequency or attenuation is NaN or infinite.
    #[error("iirfilter: parameter {0} is not finite")]
    NotFinite(f64),
    /// `Wn <= 0`.
    #[error("iirfilter: critical frequency {0} must be greater than 0")]
    NotPositive(f64),
    /// `Wn[0] >= Wn[1]`.
    #[error("iirfilter: wn[0] ({0}) must be less than wn[1] ({1})")]
    BandOrder(f64, f64),
    /// `Wn >= 1` for a digital filter.
    #[error("iirfilter: digital filter critical frequencies must be 0 < wn < 1, got {0}")]
    AboveNyquist(f64),
    /// `rs < 0`.
    #[error("iirfilter: stopband attenuation (rs) must be positive, got {0}")]
    NegativeRs(f64),
    /// `cheb2ord` could not produce an order (NaN or infinite ratio, or invalid gains).
    #[error("cheb2ord: no valid order for wp={wp}, ws={ws}: {why}")]
    Order {
        /// Passband edge.
        wp: f64,
        /// Stopband edge.
        ws: f64,
        /// What went wrong.
        why: &'static str,
    },
    /// Poles or zeros that SciPy's `_cplxreal`/`zpk2sos` reject (no conjugate partner, nothing to pair).
    #[error("zpk2sos: {0}")]
    Pairing(&'static str),
    /// An order above [`MAX_ORDER`]: refused before the O(order²) pole pairing allocates and runs.
    #[error("iirfilter: filter order (corners) {0} is above the supported maximum of {MAX_ORDER}")]
    OrderTooLarge(usize),
}

/// Highest filter order designed. SciPy accepts any order, but far below this the sections are
/// numerically meaningless; the limit keeps `corners=100000000` from exhausting memory and time.
pub const MAX_ORDER: usize = 1000;

/// Second-order sections `[b0, b1, b2, 1, a1, a2]`, as SciPy's `sos` array (`a0` is always 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Sos {
    sections: Vec<[f64; 6]>,
}

impl Sos {
    /// Wraps sections; `None` unless every section has `a0 == 1` (SciPy's `_validate_sos`).
    pub fn new(sections: Vec<[f64; 6]>) -> Option<Sos> {
        sections.iter().all(|s| s[3] == 1.0).then_some(Sos { sections })
    }

    /// The sections, first applied first.
    pub fn sections(&self) -> &[[f64; 6]] {
        &self.sections
    }
}

/// Designs a digital filter like `scipy.signal.iirfilter(..., output="sos")`.
pub fn iirfilter(spec: &IirSpec) -> Result<Sos, DesignError> {
    let wn = spec.band.critical();
    validate(&wn, spec)?;
    let (z, p, k) = match spec.kind {
        FilterKind::Butterworth => buttap(spec.order),
        FilterKind::Chebyshev2 { rs } => cheb2ap(spec.order, rs),
    };
    if let Some(&w) = wn.iter().find(|&&w| w <= 0.0 || w >= 1.0) {
        return Err(DesignError::AboveNyquist(w));
    }
    let warped: Vec<f64> = wn.iter().map(|&w| 4.0 * (PI * w / 2.0).tan()).collect();
    let (z, p, k) = match spec.band {
        Band::Lowpass(_) => lp2lp_zpk(z, p, k, warped[0]),
        Band::Highpass(_) => lp2hp_zpk(z, p, k, warped[0]),
        Band::Bandpass(..) => lp2bp_zpk(z, p, k, (warped[0] * warped[1]).sqrt(), warped[1] - warped[0]),
        Band::Bandstop(..) => lp2bs_zpk(z, p, k, (warped[0] * warped[1]).sqrt(), warped[1] - warped[0]),
    };
    let (z, p, k) = bilinear_zpk(z, p, k, 2.0);
    Ok(Sos {
        sections: zpk2sos(z, p, k)?,
    })
}

fn validate(wn: &[f64], spec: &IirSpec) -> Result<(), DesignError> {
    if spec.order > MAX_ORDER {
        return Err(DesignError::OrderTooLarge(spec.order));
    }
    if let Some(&w) = wn.iter().find(|w| !w.is_finite()) {
        return Err(DesignError::NotFinite(w));
    }
    if let Some(&w) = wn.iter().find(|&&w| w <= 0.0) {
        return Err(DesignError::NotPositive(w));
    }
    if wn.len() == 2 && wn[0] >= wn[1] {
        return Err(DesignError::BandOrder(wn[0], wn[1]));
    }
    if let FilterKind::Chebyshev2 { rs } = spec.kind {
        if !rs.is_finite() {
            return Err(DesignError::NotFinite(rs));
        }
        if rs < 0.0 {
            return Err(DesignError::NegativeRs(rs));
        }
    }
    Ok(())
}

type Zpk = (Vec<C64>, Vec<C64>, f64);

/// `buttap(N)`: poles `-exp(1j*pi*m/(2N))`, no zeros, unit gain.
fn buttap(n: usize) -> Zpk {
    let two_n = C64::real(2.0 * n as f64);
    let p = arange_odd(n)
        .map(|m| -(C64::new(0.0, PI) * C64::real(m)).div(two_n).exp())
        .collect();
    (Vec::new(), p, 1.0)
}

/// `cheb2ap(N, rs)`: zeros on the imaginary axis, poles inverted from a Chebyshev I ellipse.
fn cheb2ap(n: usize, rs: f64) -> Zpk {
    if n == 0 {
        return (Vec::new(), Vec::new(), 1.0);
    }
    let de = 1.0 / (10f64.powf(0.1 * rs) - 1.0).sqrt();
    let mu = asinh(1.0 / de) / n as f64;
    let two_n = 2.0 * n as f64;
    let z: Vec<C64> = arange_odd(n)
        .filter(|&m| m != 0.0)
        .map(|m| C64::new(0.0, 1.0).div(C64::real((m * PI / two_n).sin())))
        .collect();
    let p: Vec<C64> = arange_odd(n)
        .map(|m| {
            let theta = PI * m / two_n;
            let s = C64::real(mu) + C64::new(0.0, 1.0) * C64::real(theta);
            C64::real(-1.0).div(s.sinh())
        })
        .collect();
    let k = prod(&neg(&p)).div(prod(&neg(&z))).re;
    (z, p, k)
}

/// `np.arange(-N+1, N, 2)` as floats.
fn arange_odd(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| (2 * i) as f64 - n as f64 + 1.0)
}

fn neg(v: &[C64]) -> Vec<C64> {
    v.iter().map(|&c| -c).collect()
}

fn relative_degree(z: &[C64], p: &[C64]) -> usize {
    p.len().saturating_sub(z.len())
}

fn lp2lp_zpk(z: Vec<C64>, p: Vec<C64>, k: f64, wo: f64) -> Zpk {
    let degree = relative_degree(&z, &p);
    let scale = |v: Vec<C64>| v.into_iter().map(|c| C64::real(wo) * c).collect();
    (scale(z), scale(p), k * wo.powf(degree as f64))
}

fn lp2hp_zpk(z: Vec<C64>, p: Vec<C64>, k: f64, wo: f64) -> Zpk {
    let degree = relative_degree(&z, &p);
    let invert = |v: &[C64]| v.iter().map(|&c| C64::real(wo).div(c)).collect::<Vec<_>>();
    let mut z_hp = invert(&z);
    z_hp.extend(std::iter::repeat_n(C64::real(0.0), degree));
    let k_hp = k * prod(&neg(&z)).div(prod(&neg(&p))).re;
    (z_hp, invert(&p), k_hp)
}

/// Duplicates each point `c` into `c ± sqrt(c² - wo²)` (all "+" first, then all "-").
fn shift_to_band(v: &[C64], wo: f64) -> Vec<C64> {
    let roots: Vec<C64> = v.iter().map(|&c| (c.square() - C64::real(wo * wo)).sqrt()).collect();
    let plus = v.iter().zip(&roots).map(|(&c, &r)| c + r);
    let minus = v.iter().zip(&roots).map(|(&c, &r)| c - r);
    plus.chain(minus).collect()
}

fn lp2bp_zpk(z: Vec<C64>, p: Vec<C64>, k: f64, wo: f64, bw: f64) -> Zpk {
    let degree = relative_degree(&z, &p);
    let scale = |v: &[C64]| -> Vec<C64> { v.iter().map(|&c| (c * C64::real(bw)).div(C64::real(2.0))).collect() };
    let mut z_bp = shift_to_band(&scale(&z), wo);
    z_bp.extend(std::iter::repeat_n(C64::real(0.0), degree));
    (z_bp, shift_to_band(&scale(&p), wo), k * bw.powf(degree as f64))
}

fn lp2bs_zpk(z: Vec<C64>, p: Vec<C64>, k: f64, wo: f64, bw: f64) -> Zpk {
    let degree = relative_degree(&z, &p);
    let invert = |v: &[C64]| -> Vec<C64> { v.iter().map(|&c| C64::real(bw / 2.0).div(c)).collect() };
    let mut z_bs = shift_to_band(&invert(&z), wo);
    z_bs.extend(std::iter::repeat_n(C64::new(0.0, wo), degree));
    z_bs.extend(std::iter::repeat_n(C64::new(0.0, -wo), degree));
    let k_bs = k * prod(&neg(&z)).div(prod(&neg(&p))).re;
    (z_bs, shift_to_band(&invert(&p), wo), k_bs)
}

fn bilinear_zpk(z: Vec<C64>, p: Vec<C64>, k: f64, fs: f64) -> Zpk {
    let degree = relative_degree(&z, &p);
    let fs2 = C64::real(2.0 * fs);
    let map = |v: &[C64]| -> Vec<C64> { v.iter().map(|&c| (fs2 + c).div(fs2 - c)).collect() };
    let mut z_z = map(&z);
    z_z.extend(std::iter::repeat_n(C64::real(-1.0), degree));
    let diff = |v: &[C64]| -> Vec<C64> { v.iter().map(|&c| fs2 - c).collect() };
    let k_z = k * prod(&diff(&z)).div(prod(&diff(&p))).re;
    (z_z, map(&p), k_z)
}

/// SciPy's `_cplxreal`: conjugate pairs (one representative with positive imaginary part, sorted by
/// real part then |imag|) followed by the real values (sorted), as one complex vector.
fn cplxreal(z: &[C64]) -> Result<Vec<C64>, DesignError> {
    const TOL: f64 = 100.0 * f64::EPSILON;
    let mut z = z.to_vec();
    z.sort_by(|a, b| cmp_f64(a.re, b.re).then(cmp_f64(a.im.abs(), b.im.abs())));
    let is_real = |c: &C64| c.im.abs() <= TOL * c.abs();
    let zr: Vec<C64> = z.iter().filter(|c| is_real(c)).map(|c| C64::real(c.re)).collect();
    let complex: Vec<C64> = z.iter().filter(|c| !is_real(c)).copied().collect();
    let mut zp: Vec<C64> = complex.iter().filter(|c| c.im > 0.0).copied().collect();
    let mut zn: Vec<C64> = complex.iter().filter(|c| c.im < 0.0).copied().collect();
    if zp.len() != zn.len() || zp.len() + zn.len() != complex.len() {
        return Err(DesignError::Pairing("complex value with no matching conjugate"));
    }
    for (start, stop) in same_real_runs(&zp, TOL) {
        for chunk in [&mut zp[start..=stop], &mut zn[start..=stop]] {
            chunk.sort_by(|a, b| cmp_f64(a.im.abs(), b.im.abs()));
        }
    }
    if zp.iter().zip(&zn).any(|(&a, &b)| (a - b.conj()).abs() > TOL * b.abs()) {
        return Err(DesignError::Pairing("complex value with no matching conjugate"));
    }
    let mut out: Vec<C64> = zp
        .iter()
        .zip(&zn)
        .map(|(&a, &b)| (a + b.conj()).div(C64::real(2.0)))
        .collect();
    out.extend(zr);
    Ok(out)
}

/// Index ranges (inclusive) of consecutive values whose real parts agree within `tol`.
fn same_real_runs(zp: &[C64], tol: f64) -> Vec<(usize, usize)> {
    let same: Vec<bool> = zp.windows(2).map(|w| w[1].re - w[0].re <= tol * w[0].abs()).collect();
    let mut runs = Vec::new();
    let mut start = None;
    for i in 0..=same.len() {
        let on = same.get(i).copied().unwrap_or(false);
        match (start, on) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

fn cmp_f64(a: f64, b: f64) -> std::cmp::Ordering {
    a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
}

/// SciPy's `idx_worst` for digital filters: the first pole closest to the unit circle.
fn idx_worst(p: &[C64]) -> Option<usize> {
    first_min(p.iter().map(|c| (1.0 - c.abs()).abs()))
}

fn first_min(values: impl Iterator<Item = f64>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.enumerate() {
        if best.is_none_or(|(_, b)| v < b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Real,
    Complex,
    Any,
}

/// SciPy's `_nearest_real_complex_idx`: the nearest element of `fro` to `to` of the requested kind.
fn nearest(fro: &[C64], to: C64, which: Which) -> Result<usize, DesignError> {
    let mut order: Vec<usize> = (0..fro.len()).collect();
    order.sort_by(|&a, &b| cmp_f64((fro[a] - to).abs(), (fro[b] - to).abs()));
    order
        .into_iter()
        .find(|&i| match which {
            Which::Any => true,
            Which::Real => fro[i].is_real(),
            Which::Complex => !fro[i].is_real(),
        })
        .ok_or(DesignError::Pairing("no zero of the required kind left to pair"))
}

/// `np.poly(roots)` real part: coefficients of `prod(x - r)`, highest power first.
fn poly(roots: &[C64]) -> Vec<f64> {
    let mut a = vec![C64::ONE];
    for &r in roots {
        let mut next = a.clone();
        next.push(a[a.len() - 1] * -r);
        for i in (1..a.len()).rev() {
            next[i] = a[i] + a[i - 1] * -r;
        }
        a = next;
    }
    a.iter().map(|c| c.re).collect()
}

/// `_single_zpksos(z, p, 1)`: one section from up to two zeros and poles, right-aligned.
fn single_zpksos(z: &[C64], p: &[C64]) -> [f64; 6] {
    let mut sos = [0.0; 6];
    let b = poly(z);
    let a = poly(p);
    sos[3 - b.len()..3].copy_from_slice(&b);
    sos[6 - a.len()..6].copy_from_slice(&a);
    sos
}

fn count_real(v: &[C64]) -> usize {
    v.iter().filter(|c| c.is_real()).count()
}

/// SciPy's `zpk2sos(z, p, k)` with `pairing='nearest'` for a digital system.
fn zpk2sos(mut z: Vec<C64>, mut p: Vec<C64>, k: f64) -> Result<Vec<[f64; 6]>, DesignError> {
    if z.is_empty() && p.is_empty() {
        return Ok(vec![[k, 0.0, 0.0, 1.0, 0.0, 0.0]]);
    }
    let n = z.len().max(p.len());
    z.resize(n, C64::real(0.0));
    p.resize(n, C64::real(0.0));
    let n_sections = n.div_ceil(2);
    if n % 2 == 1 {
        p.push(C64::real(0.0));
        z.push(C64::real(0.0));
    }
    let mut z = cplxreal(&z)?;
    let mut p = cplxreal(&p)?;
    let mut sos = vec![[0.0; 6]; n_sections];
    for section in sos.iter_mut().rev() {
        *section = next_section(&mut z, &mut p)?;
    }
    for c in &mut sos[0][..3] {
        *c *= k;
    }
    Ok(sos)
}

const NOTHING_LEFT: DesignError = DesignError::Pairing("ran out of poles");

/// One iteration of SciPy's pairing loop: the worst remaining pole with its nearest zeros.
fn next_section(z: &mut Vec<C64>, p: &mut Vec<C64>) -> Result<[f64; 6], DesignError> {
    let p1 = p.remove(idx_worst(p).ok_or(NOTHING_LEFT)?);
    if p1.is_real() && count_real(p) == 0 {
        let z1 = z.remove(nearest(z, p1, Which::Real)?);
        let zero = C64::real(0.0);
        return Ok(single_zpksos(&[z1, zero], &[p1, zero]));
    }
    if p.len() + 1 == z.len() && !p1.is_real() && count_real(p) == 1 && count_real(z) == 1 {
        let z1 = z.remove(nearest(z, p1, Which::Complex)?);
        return Ok(single_zpksos(&[z1, z1.conj()], &[p1, p1.conj()]));
    }
    let p2 = if p1.is_real() {
        let real_idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_real()).collect();
        let worst = idx_worst(&real_idx.iter().map(|&i| p[i]).collect::<Vec<_>>()).ok_or(NOTHING_LEFT)?;
        p.remove(real_idx[worst])
    } else {
        p1.conj()
    };
    if z.is_empty() {
        return Ok(single_zpksos(&[], &[p1, p2]));
    }
    let z1 = z.remove(nearest(z, p1, Which::Any)?);
    if !z1.is_real() {
        return Ok(single_zpksos(&[z1, z1.conj()], &[p1, p2]));
    }
    if z.is_empty() {
        return Ok(single_zpksos(&[z1], &[p1, p2]));
    }
    let z2 = z.remove(nearest(z, p1, Which::Real)?);
    Ok(single_zpksos(&[z1, z2], &[p1, p2]))
}

/// `scipy.signal.cheb2ord(wp, ws, gpass, gstop)` for a digital lowpass (`wp < ws`) or highpass
/// (`wp >= ws`) with scalar edges: returns `(order, wn)`.
pub fn cheb2ord(wp: f64, ws: f64, gpass: f64, gstop: f64) -> Result<(usize, f64), DesignError> {
    let fail = |why| DesignError::Order { wp, ws, why };
    if !(gpass > 0.0 && gstop > 0.0 && gpass <= gstop) {
        return Err(fail("gpass and gstop must satisfy 0 < gpass <= gstop"));
    }
    let lowpass = wp < ws;
    let passb = (PI * wp / 2.0).tan();
    let stopb = (PI * ws / 2.0).tan();
    let nat = if lowpass { stopb / passb } else { passb / stopb }.abs();
    let g_stop = 10f64.powf(0.1 * gstop.abs());
    let g_pass = 10f64.powf(0.1 * gpass.abs());
    let v_pass_stop = acosh(((g_stop - 1.0) / (g_pass - 1.0)).sqrt());
    let ratio = (v_pass_stop / acosh(nat)).ceil();
    if ratio.is_nan() {
        return Err(fail("cannot convert NaN order to an integer"));
    }
    if !ratio.is_finite() || ratio > usize::MAX as f64 {
        return Err(fail("order is infinite"));
    }
    if ratio <= 0.0 {
        return Err(fail("order is zero (division by zero)"));
    }
    let order = ratio as usize;
    let new_freq = 1.0 / (1.0 / order as f64 * v_pass_stop).cosh();
    let nat = if lowpass { passb / new_freq } else { passb * new_freq };
    Ok((order, nat.atan() * 2.0 / PI))
}

/// fdlibm/glibc `asinh` (Rust's std uses a different formula).
fn asinh(x: f64) -> f64 {
    const LN2: f64 = std::f64::consts::LN_2;
    let a = x.abs();
    if a < 2f64.powi(-28) || !a.is_finite() {
        return x;
    }
    let w = if a > 2f64.powi(28) {
        a.ln() + LN2
    } else if a > 2.0 {
        (2.0 * a + 1.0 / ((x * x + 1.0).sqrt() + a)).ln()
    } else {
        let t = x * x;
        (a + t / (1.0 + (1.0 + t).sqrt())).ln_1p()
    };
    w.copysign(x)
}

/// fdlibm/glibc `acosh` (NaN below 1).
fn acosh(x: f64) -> f64 {
    if x.is_nan() || x < 1.0 {
        f64::NAN
    } else if x >= 2f64.powi(28) {
        if x.is_infinite() {
            x
        } else {
            x.ln() + std::f64::consts::LN_2
        }
    } else if x == 1.0 {
        0.0
    } else if x > 2.0 {
        (2.0 * x - 1.0 / (x + (x * x - 1.0).sqrt())).ln()
    } else {
        let t = x - 1.0;
        (t + (2.0 * t + t * t).sqrt()).ln_1p()
    }
}

/// Hashable identity of an [`IirSpec`] (floats by bit pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DesignKey {
    order: usize,
    band: (u8, u64, u64),
    rs: Option<u64>,
}

impl DesignKey {
    fn of(spec: &IirSpec) -> DesignKey {
        let band = match spec.band {
            Band::Lowpass(w) => (0, w.to_bits(), 0),
            Band::Highpass(w) => (1, w.to_bits(), 0),
            Band::Bandpass(lo, hi) => (2, lo.to_bits(), hi.to_bits()),
            Band::Bandstop(lo, hi) => (3, lo.to_bits(), hi.to_bits()),
        };
        let rs = match spec.kind {
            FilterKind::Butterworth => None,
            FilterKind::Chebyshev2 { rs } => Some(rs.to_bits()),
        };
        DesignKey {
            order: spec.order,
            band,
            rs,
        }
    }
}

/// Memo of designed filters keyed on (kind, band type, order, Wn bits, rs bits); keep one per worker
/// so traces with the same sampling rate reuse the sections.
#[derive(Debug, Default)]
pub struct DesignCache {
    designs: HashMap<DesignKey, Result<Arc<Sos>, DesignError>>,
}

impl DesignCache {
    /// An empty cache.
    pub fn new() -> DesignCache {
        DesignCache::default()
    }

    /// The sections for `spec`, designed on first use.
    pub fn sos(&mut self, spec: &IirSpec) -> Result<Arc<Sos>, DesignError> {
        self.designs
            .entry(DesignKey::of(spec))
            .or_insert_with(|| iirfilter(spec).map(Arc::new))
            .clone()
    }

    /// Number of cached designs (including cached failures).
    pub fn len(&self) -> usize {
        self.designs.len()
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.designs.is_empty()
    }
}
