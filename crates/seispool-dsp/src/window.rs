//! Window functions exactly as `scipy.signal.windows` computes them, and `scipy.signal.get_window` names.

use std::f64::consts::PI;

use crate::OpError;

/// A SciPy window function with its parameters (`scipy.signal.windows.<name>`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// `hann`.
    Hann,
    /// `hamming`.
    Hamming,
    /// `blackman`.
    Blackman,
    /// `bartlett`.
    Bartlett,
    /// `barthann`.
    Barthann,
    /// `bohman`.
    Bohman,
    /// `blackmanharris`.
    BlackmanHarris,
    /// `nuttall`.
    Nuttall,
    /// `parzen`.
    Parzen,
    /// `flattop`.
    Flattop,
    /// `triang`.
    Triang,
    /// `boxcar`.
    Boxcar,
    /// `cosine` (SciPy's sine window; ObsPy's taper "cosine" is [`TaperType::Cosine`]).
    Cosine,
    /// `tukey(alpha)`.
    Tukey {
        /// Fraction of the window inside the cosine tapered region.
        alpha: f64,
    },
    /// `kaiser(beta)`.
    Kaiser {
        /// Shape parameter.
        beta: f64,
    },
    /// `gaussian(std)`.
    Gaussian {
        /// Standard deviation in samples.
        std: f64,
    },
    /// `general_gaussian(p, sig)`.
    GeneralGaussian {
        /// Shape parameter (1 is Gaussian, 0.5 Laplace).
        p: f64,
        /// Standard deviation in samples.
        sig: f64,
    },
    /// `chebwin(at)`.
    Chebwin {
        /// Side-lobe attenuation in dB.
        at: f64,
    },
    /// `dpss(NW)` (first Slepian sequence, `Kmax=None`, norm "approximate").
    Dpss {
        /// Standardized half bandwidth.
        nw: f64,
    },
    /// `general_hamming(alpha)`.
    GeneralHamming {
        /// Window coefficient.
        alpha: f64,
    },
    /// `exponential(center, tau)`.
    Exponential {
        /// Centre sample; `None` is the middle (SciPy forbids a centre for symmetric windows).
        center: Option<f64>,
        /// Decay parameter.
        tau: f64,
    },
    /// `lanczos` (sinc window).
    Lanczos,
}

/// Keyword arguments checked against the names a function accepts.
pub(crate) struct Kwargs<'a> {
    op: &'static str,
    kwargs: &'a [(&'a str, f64)],
}

impl<'a> Kwargs<'a> {
    pub(crate) fn new(op: &'static str, kwargs: &'a [(&'a str, f64)], allowed: &[&str]) -> Result<Self, OpError> {
        if let Some((k, _)) = kwargs.iter().find(|(k, _)| !allowed.contains(k)) {
            return Err(OpError::new(
                op,
                format!("unexpected keyword argument '{k}'; valid: {}", allowed.join(", ")),
            ));
        }
        Ok(Kwargs { op, kwargs })
    }
    pub(crate) fn get(&self, key: &str) -> Option<f64> {
        self.kwargs.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
    fn need(&self, key: &str, window: &str) -> Result<f64, OpError> {
        self.get(key)
            .ok_or_else(|| OpError::new(self.op, format!("{window}() missing required argument '{key}'")))
    }
}

/// Resolves a `scipy.signal.windows` name and keyword arguments to a [`Window`] and its `sym` flag.
pub(crate) fn window_from_name(
    op: &'static str,
    name: &str,
    kwargs: &[(&str, f64)],
) -> Result<(Window, bool), OpError> {
    let params: &[&str] = match name {
        "kaiser" => &["beta", "sym"],
        "gaussian" => &["std", "sym"],
        "general_gaussian" => &["p", "sig", "sym"],
        "chebwin" => &["at", "sym"],
        "dpss" => &["NW", "sym"],
        "tukey" | "general_hamming" => &["alpha", "sym"],
        "exponential" => &["center", "tau", "sym"],
        _ => &["sym"],
    };
    let a = Kwargs::new(op, kwargs, params)?;
    let sym = a.get("sym").is_none_or(|v| v != 0.0);
    let w = match name {
        "hann" => Window::Hann,
        "hamming" => Window::Hamming,
        "blackman" => Window::Blackman,
        "bartlett" => Window::Bartlett,
        "barthann" => Window::Barthann,
        "bohman" => Window::Bohman,
        "blackmanharris" => Window::BlackmanHarris,
        "nuttall" => Window::Nuttall,
        "parzen" => Window::Parzen,
        "flattop" => Window::Flattop,
        "triang" => Window::Triang,
        "boxcar" => Window::Boxcar,
        "cosine" => Window::Cosine,
        "tukey" => Window::Tukey {
            alpha: a.get("alpha").unwrap_or(0.5),
        },
        "kaiser" => Window::Kaiser {
            beta: a.need("beta", name)?,
        },
        "gaussian" => Window::Gaussian {
            std: a.need("std", name)?,
        },
        "general_gaussian" => Window::GeneralGaussian {
            p: a.need("p", name)?,
            sig: a.need("sig", name)?,
        },
        "chebwin" => Window::Chebwin {
            at: a.need("at", name)?,
        },
        "dpss" => Window::Dpss {
            nw: a.need("NW", name)?,
        },
        "general_hamming" => Window::GeneralHamming {
            alpha: a.need("alpha", name)?,
        },
        "exponential" => Window::Exponential {
            center: a.get("center"),
            tau: a.get("tau").unwrap_or(1.0),
        },
        "lanczos" => Window::Lanczos,
        _ => return Err(OpError::new(op, format!("unknown window type '{name}'"))),
    };
    Ok((w, sym))
}

impl Window {
    /// `scipy.signal.get_window(name, fftbins=True)` names and aliases (periodic windows are requested by
    /// the caller); `kwargs` carry the window's parameters by name (`beta`, `std`, `p`, `sig`, `at`,
    /// `NW`, `alpha`).
    pub fn from_get_window(name: &str, kwargs: &[(&str, f64)]) -> Result<Window, OpError> {
        let canonical = match name.to_lowercase().as_str() {
            "boxcar" | "box" | "ones" | "rect" | "rectangular" => "boxcar",
            "triang" | "triangle" | "tri" => "triang",
            "parzen" | "parz" | "par" => "parzen",
            "bohman" | "bman" | "bmn" => "bohman",
            "blackman" | "black" | "blk" => "blackman",
            "nuttall" | "nutl" | "nut" => "nuttall",
            "blackmanharris" | "blackharr" | "bkh" => "blackmanharris",
            "flattop" | "flat" | "flt" => "flattop",
            "bartlett" | "bart" | "brt" => "bartlett",
            "hann" | "han" => "hann",
            "hamming" | "hamm" | "ham" => "hamming",
            "barthann" | "brthan" | "bth" => "barthann",
            "kaiser" | "ksr" => "kaiser",
            "gaussian" | "gauss" | "gss" => "gaussian",
            "general_gaussian" | "general gaussian" | "general gauss" | "general_gauss" | "ggs" => "general_gaussian",
            "chebwin" | "cheb" => "chebwin",
            "cosine" | "halfcosine" => "cosine",
            "tukey" | "tuk" => "tukey",
            "dpss" => "dpss",
            "general_hamming" => "general_hamming",
            "exponential" | "poisson" => "exponential",
            "lanczos" | "sinc" => "lanczos",
            other => return Err(OpError::new("get_window", format!("unknown window type '{other}'"))),
        };
        let kwargs: Vec<(&str, f64)> = kwargs.iter().copied().filter(|(k, _)| *k != "sym").collect();
        window_from_name("get_window", canonical, &kwargs).map(|(w, _)| w)
    }

    /// The window of `m` samples, symmetric (`sym = true`) or periodic, exactly as SciPy computes it.
    pub fn samples(&self, m: usize, sym: bool) -> Result<Vec<f64>, OpError> {
        if let Window::Exponential { center: Some(_), .. } = *self
            && sym
        {
            return Err(OpError::new("exponential", "if sym==True, center must be None."));
        }
        if m <= 1 {
            return Ok(vec![1.0; m]);
        }
        if let Window::Dpss { nw } = *self {
            if nw >= m as f64 / 2.0 {
                return Err(OpError::new("dpss", "NW must be less than M/2."));
            }
            if nw <= 0.0 {
                return Err(OpError::new("dpss", "NW must be positive"));
            }
        }
        let mm = if sym { m } else { m + 1 };
        let mut w = self.symmetric(mm);
        w.truncate(m);
        Ok(w)
    }

    /// The symmetric window of `m >= 2` samples.
    fn symmetric(&self, m: usize) -> Vec<f64> {
        match *self {
            Window::Hann => general_cosine(m, &[0.5, 0.5]),
            Window::Hamming => general_cosine(m, &[0.54, 1.0 - 0.54]),
            Window::Blackman => general_cosine(m, &[0.42, 0.50, 0.08]),
            Window::Nuttall => general_cosine(m, &[0.3635819, 0.4891775, 0.1365995, 0.0106411]),
            Window::BlackmanHarris => general_cosine(m, &[0.35875, 0.48829, 0.14128, 0.01168]),
            Window::Flattop => general_cosine(m, &[0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368]),
            Window::Boxcar => vec![1.0; m],
            Window::Triang => triang(m),
            Window::Parzen => parzen(m),
            Window::Bohman => bohman(m),
            Window::Bartlett => bartlett(m),
            Window::Barthann => barthann(m),
            Window::Cosine => (0..m).map(|i| (PI / m as f64 * (i as f64 + 0.5)).sin()).collect(),
            Window::Tukey { alpha } => tukey(m, alpha),
            Window::Kaiser { beta } => kaiser(m, beta),
            Window::Gaussian { std } => {
                let sig2 = 2.0 * std * std;
                centred(m).map(|n| (-(n * n) / sig2).exp()).collect()
            }
            Window::GeneralGaussian { p, sig } => centred(m)
                .map(|n| (-0.5 * (n / sig).abs().powf(2.0 * p)).exp())
                .collect(),
            Window::Chebwin { at } => chebwin(m, at),
            Window::Dpss { nw } => dpss(m, nw),
            Window::GeneralHamming { alpha } => general_cosine(m, &[alpha, 1.0 - alpha]),
            Window::Exponential { center, tau } => {
                let c = center.unwrap_or((m as f64 - 1.0) / 2.0);
                (0..m).map(|i| (-(i as f64 - c).abs() / tau).exp()).collect()
            }
            Window::Lanczos => lanczos_window(m),
        }
    }
}

/// `scipy.signal.windows.lanczos`: `sinc(2 n / (m - 1) - 1)` on the right half, mirrored.
fn lanczos_window(m: usize) -> Vec<f64> {
    let np_sinc = |x: f64| {
        let y = PI * if x == 0.0 { 1.0e-20 } else { x };
        y.sin() / y
    };
    let start = m.div_ceil(2);
    let right: Vec<f64> = (start..m)
        .map(|i| np_sinc(2.0 * i as f64 / (m as f64 - 1.0) - 1.0))
        .collect();
    let mut w: Vec<f64> = right.iter().rev().copied().collect();
    if m % 2 == 1 {
        w.push(1.0);
    }
    w.extend_from_slice(&right);
    w
}

/// `arange(0, m) - (m - 1) / 2`.
fn centred(m: usize) -> impl Iterator<Item = f64> {
    let c = (m as f64 - 1.0) / 2.0;
    (0..m).map(move |i| i as f64 - c)
}

/// `scipy.signal.windows.general_cosine`: `sum_k a_k cos(k * linspace(-pi, pi, m))`.
///
/// libm's `cos` per sample was ~6 % of the seed job (a Hann taper of 5 % is a window of 10 % of the
/// trace). The cosines are instead rotated from an exact `sin_cos` at the start of every block of
/// [`ROTATION_BLOCK`] samples by exact tables of `cos/sin(j·k·step)`: two products and a sum per sample,
/// each within a few ulps of `cos` of numpy's abscissa (the angles differ by about an ulp of π), so the
/// window is within ~1e-15 of SciPy's. The first sample of each block and the last sample are libm's
/// `cos` of numpy's own abscissae, so the ends are SciPy's exactly (0 for Hann).
fn general_cosine(m: usize, a: &[f64]) -> Vec<f64> {
    let mut w = vec![a.first().copied().unwrap_or(0.0); m];
    if a.is_empty() {
        w.iter_mut().for_each(|v| *v = 0.0);
        return w;
    }
    if m < 2 {
        // numpy's linspace of one point is `start`; cos(k·start) as SciPy.
        for (k, &ak) in a.iter().enumerate().skip(1) {
            for v in w.iter_mut() {
                *v += ak * (k as f64 * -PI).cos();
            }
        }
        return w;
    }
    // numpy's `linspace(-π, π, m)` abscissae, `i·step + start` (the last one is `stop`, below), computed
    // where needed instead of as an array (a 10 % Hann taper of a 100 Hz day would be 6.9 MB of fresh pages).
    let step = (PI - -PI) / (m - 1) as f64;
    let mut cos_j = [0.0f64; ROTATION_BLOCK];
    let mut sin_j = [0.0f64; ROTATION_BLOCK];
    for (k, &ak) in a.iter().enumerate().skip(1) {
        let kf = k as f64;
        for j in 0..ROTATION_BLOCK {
            let (s, c) = (j as f64 * kf * step).sin_cos();
            (sin_j[j], cos_j[j]) = (s, c);
        }
        for (b, wb) in w.chunks_mut(ROTATION_BLOCK).enumerate() {
            let f0 = (b * ROTATION_BLOCK) as f64 * step + -PI;
            let (s0, c0) = (kf * f0).sin_cos();
            wb[0] += ak * c0;
            for j in 1..wb.len() {
                wb[j] += ak * (c0 * cos_j[j] - s0 * sin_j[j]);
            }
        }
    }
    // numpy puts `stop` exactly at the end: SciPy's last value, from libm's cosines.
    if let Some(last) = w.last_mut() {
        *last = a.iter().enumerate().fold(0.0, |acc, (k, &ak)| {
            acc + if k == 0 { ak } else { ak * (k as f64 * PI).cos() }
        });
    }
    w
}

/// Samples per exactly started block of [`general_cosine`]'s rotation.
const ROTATION_BLOCK: usize = 64;

fn triang(m: usize) -> Vec<f64> {
    let half = m.div_ceil(2);
    let n = (1..=half).map(|i| i as f64);
    let mut w: Vec<f64> = if m.is_multiple_of(2) {
        n.map(|n| (2.0 * n - 1.0) / m as f64).collect()
    } else {
        n.map(|n| 2.0 * n / (m as f64 + 1.0)).collect()
    };
    let mirror: Vec<f64> = w.iter().rev().skip(m % 2).copied().collect();
    w.extend(mirror);
    w
}

fn parzen(m: usize) -> Vec<f64> {
    let mf = m as f64;
    centred(m)
        .map(|n| {
            let a = n.abs();
            let r = a / (mf / 2.0);
            if a <= (mf - 1.0) / 4.0 {
                1.0 - 6.0 * (r * r) + 6.0 * r.powi(3)
            } else {
                2.0 * (1.0 - r).powi(3)
            }
        })
        .collect()
}

fn bohman(m: usize) -> Vec<f64> {
    let lin = crate::integrate::numpy_linspace(-1.0, 1.0, m);
    let mut w = vec![0.0; m];
    for i in 1..m - 1 {
        let f = lin[i].abs();
        w[i] = (1.0 - f) * (PI * f).cos() + 1.0 / PI * (PI * f).sin();
    }
    w
}

fn bartlett(m: usize) -> Vec<f64> {
    let d = (m - 1) as f64;
    (0..m)
        .map(|i| {
            let n = i as f64;
            if n <= d / 2.0 { 2.0 * n / d } else { 2.0 - 2.0 * n / d }
        })
        .collect()
}

fn barthann(m: usize) -> Vec<f64> {
    (0..m)
        .map(|i| {
            let fac = (i as f64 / (m as f64 - 1.0) - 0.5).abs();
            0.62 - 0.48 * fac + 0.38 * (2.0 * PI * fac).cos()
        })
        .collect()
}

fn tukey(m: usize, alpha: f64) -> Vec<f64> {
    if alpha <= 0.0 {
        return vec![1.0; m];
    }
    if alpha >= 1.0 {
        return general_cosine(m, &[0.5, 0.5]);
    }
    let d = (m - 1) as f64;
    let width = (alpha * d / 2.0).floor() as usize;
    (0..m)
        .map(|i| {
            let n = i as f64;
            if i <= width {
                0.5 * (1.0 + (PI * (-1.0 + 2.0 * n / alpha / d)).cos())
            } else if i < m - width - 1 {
                1.0
            } else {
                0.5 * (1.0 + (PI * (-2.0 / alpha + 1.0 + 2.0 * n / alpha / d)).cos())
            }
        })
        .collect()
}

fn kaiser(m: usize, beta: f64) -> Vec<f64> {
    let alpha = (m as f64 - 1.0) / 2.0;
    let denom = bessel_i0(beta);
    (0..m)
        .map(|i| {
            let r = (i as f64 - alpha) / alpha;
            bessel_i0(beta * (1.0 - r * r).sqrt()) / denom
        })
        .collect()
}

/// Cephes `chbevl`: Chebyshev series evaluation.
fn chbevl(x: f64, coef: &[f64]) -> f64 {
    let mut b0 = coef[0];
    let (mut b1, mut b2) = (0.0, 0.0);
    for &c in &coef[1..] {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + c;
    }
    0.5 * (b0 - b2)
}

/// Cephes `i0` (as `scipy.special.i0`): modified Bessel function of the first kind, order zero.
// The Cephes coefficient tables are kept verbatim so they can be checked against the source.
#[allow(clippy::excessive_precision)]
pub(crate) fn bessel_i0(x: f64) -> f64 {
    const A: [f64; 30] = [
        -4.41534164647933937950E-18,
        3.33079451882223809783E-17,
        -2.43127984654795469359E-16,
        1.71539128555513303061E-15,
        -1.16853328779934516808E-14,
        7.67618549860493561688E-14,
        -4.85644678311192946090E-13,
        2.95505266312963983461E-12,
        -1.72682629144155570723E-11,
        9.67580903537323691224E-11,
        -5.18979560163526290666E-10,
        2.65982372468238665035E-9,
        -1.30002500998624804212E-8,
        6.04699502254191894932E-8,
        -2.67079385394061173391E-7,
        1.11738753912010371815E-6,
        -4.41673835845875056359E-6,
        1.64484480707288970893E-5,
        -5.75419501008210370398E-5,
        1.88502885095841655729E-4,
        -5.76375574538582365885E-4,
        1.63947561694133579842E-3,
        -4.32430999505057594430E-3,
        1.05464603945949983183E-2,
        -2.37374148058994688156E-2,
        4.93052842396707084878E-2,
        -9.49010970480476444210E-2,
        1.71620901522208775349E-1,
        -3.04682672343198398683E-1,
        6.76795274409476084995E-1,
    ];
    const B: [f64; 25] = [
        -7.23318048787475395456E-18,
        -4.83050448594418207126E-18,
        4.46562142029675999901E-17,
        3.46122286769746109310E-17,
        -2.82762398051658348494E-16,
        -3.42548561967721913462E-16,
        1.77256013305652638360E-15,
        3.81168066935262242075E-15,
        -9.55484669882830764870E-15,
        -4.15056934728722208663E-14,
        1.54008621752140982691E-14,
        3.85277838274214270114E-13,
        7.18012445138366623367E-13,
        -1.79417853150680611778E-12,
        -1.32158118404477131188E-11,
        -3.14991652796324136454E-11,
        1.18891471078464383424E-11,
        4.94060238822496958910E-10,
        3.39623202570838634515E-9,
        2.26666899049817806459E-8,
        2.04891858946906374183E-7,
        2.89137052083475648297E-6,
        6.88975834691682398426E-5,
        3.36911647825569408990E-3,
        8.04490411014108831608E-1,
    ];
    let x = x.abs();
    if x <= 8.0 {
        x.exp() * chbevl(x / 2.0 - 2.0, &A)
    } else {
        x.exp() * chbevl(32.0 / x - 2.0, &B) / x.sqrt()
    }
}

/// `scipy.signal.windows.chebwin`: the real part of the DFT of Chebyshev polynomial values. The even
/// case's phase ramp `exp(i pi k / m)` is a half-bin shift, taken as odd bins of a `2m` real DFT.
fn chebwin(m: usize, at: f64) -> Vec<f64> {
    let order = m as f64 - 1.0;
    let val = 10f64.powf(at.abs() / 20.0);
    let beta = (val.acosh() / order).cosh();
    let mut p: Vec<f64> = (0..m)
        .map(|k| {
            let x = beta * (PI * k as f64 / m as f64).cos();
            if x > 1.0 {
                (order * x.acosh()).cosh()
            } else if x < -1.0 {
                (2.0 * (m % 2) as f64 - 1.0) * (order * (-x).acosh()).cosh()
            } else {
                (order * x.acos()).cos()
            }
        })
        .collect();
    let mut w: Vec<f64> = if m % 2 == 1 {
        let spec = real_dft(&mut p);
        let n = m.div_ceil(2);
        let half: Vec<f64> = spec[..n].iter().map(|c| c.re).collect();
        half[1..].iter().rev().chain(half.iter()).copied().collect()
    } else {
        p.resize(2 * m, 0.0);
        let spec = real_dft(&mut p);
        // Bin j of the shifted length-m DFT is bin 2j - 1 of the length-2m DFT (cosine is even).
        let half: Vec<f64> = (1..=m / 2).map(|j| spec[2 * j - 1].re).collect();
        half.iter().rev().chain(half.iter()).copied().collect()
    };
    let max = w.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    w.iter_mut().for_each(|v| *v /= max);
    w
}

/// Forward real DFT (bins 0..=n/2) of `x` (used as scratch input).
fn real_dft(x: &mut [f64]) -> Vec<num_complex::Complex<f64>> {
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(x.len());
    let mut spec = fft.make_output_vec();
    // Lengths always match the plan, so processing cannot fail.
    let _ = fft.process(x, &mut spec);
    spec
}

/// `scipy.signal.windows.dpss(m, nw)` with `Kmax=None`: the eigenvector of the largest eigenvalue of
/// SciPy's tridiagonal matrix (bisection for the eigenvalue, inverse iteration for the vector).
fn dpss(m: usize, nw: f64) -> Vec<f64> {
    let mf = m as f64;
    let w = nw / mf;
    let cw = (2.0 * PI * w).cos();
    let d: Vec<f64> = (0..m)
        .map(|i| ((mf - 1.0 - 2.0 * i as f64) / 2.0).powi(2) * cw)
        .collect();
    let e: Vec<f64> = (1..m).map(|i| i as f64 * (mf - i as f64) / 2.0).collect();
    let lambda = largest_eigenvalue(&d, &e);
    let mut v = inverse_iteration(&d, &e, lambda);
    if v.iter().sum::<f64>() < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    let max = v.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    v.iter_mut().for_each(|x| *x /= max);
    if m.is_multiple_of(2) {
        let correction = (mf * mf) / (mf * mf + nw);
        v.iter_mut().for_each(|x| *x *= correction);
    }
    v
}

/// Number of eigenvalues of the symmetric tridiagonal (d, e) below `x` (Sturm sequence).
fn sturm_count(d: &[f64], e: &[f64], x: f64) -> usize {
    let mut count = 0;
    let mut q = d[0] - x;
    if q < 0.0 {
        count += 1;
    }
    for i in 1..d.len() {
        let qq = if q == 0.0 {
            f64::EPSILON * (e[i - 1].abs() + 1.0)
        } else {
            q
        };
        q = d[i] - x - e[i - 1] * e[i - 1] / qq;
        if q < 0.0 {
            count += 1;
        }
    }
    count
}

/// The largest eigenvalue of the symmetric tridiagonal (d, e), by bisection to full precision.
fn largest_eigenvalue(d: &[f64], e: &[f64]) -> f64 {
    let n = d.len();
    let radius = |i: usize| {
        let l = if i > 0 { e[i - 1].abs() } else { 0.0 };
        let r = if i + 1 < n { e[i].abs() } else { 0.0 };
        l + r
    };
    let mut lo = (0..n).map(|i| d[i] - radius(i)).fold(f64::INFINITY, f64::min);
    let mut hi = (0..n).map(|i| d[i] + radius(i)).fold(f64::NEG_INFINITY, f64::max);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if sturm_count(d, e, mid) < n {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The unit eigenvector of the symmetric tridiagonal (d, e) for eigenvalue `lambda` (inverse iteration
/// with a slightly perturbed shift, solved by Gaussian elimination with partial pivoting).
fn inverse_iteration(d: &[f64], e: &[f64], lambda: f64) -> Vec<f64> {
    let n = d.len();
    let scale = d.iter().chain(e).fold(0.0f64, |a, &b| a.max(b.abs())).max(1.0);
    let shift = lambda + scale * 4.0 * f64::EPSILON;
    let mut v = vec![1.0; n];
    for _ in 0..4 {
        v = solve_tridiagonal_shifted(d, e, shift, &v);
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Solves `(T - s I) x = b` for symmetric tridiagonal T = (d, e) with partial pivoting.
fn solve_tridiagonal_shifted(d: &[f64], e: &[f64], s: f64, b: &[f64]) -> Vec<f64> {
    let n = d.len();
    // Rows stored as (diag, super, super2) after elimination; LAPACK dgtsv-style.
    let mut dl: Vec<f64> = e.to_vec();
    let mut dd: Vec<f64> = d.iter().map(|x| x - s).collect();
    let mut du: Vec<f64> = e.to_vec();
    let mut du2 = vec![0.0; n.saturating_sub(2)];
    let mut x = b.to_vec();
    for i in 0..n - 1 {
        if dd[i].abs() >= dl[i].abs() {
            let f = if dd[i] != 0.0 { dl[i] / dd[i] } else { 0.0 };
            dd[i + 1] -= f * du[i];
            x[i + 1] -= f * x[i];
        } else {
            let f = dd[i] / dl[i];
            dd[i] = dl[i];
            let tmp = dd[i + 1];
            dd[i + 1] = du[i] - f * tmp;
            if i + 1 < n - 1 {
                du2[i] = du[i + 1];
                du[i + 1] *= -f;
            }
            du[i] = tmp;
            x.swap(i, i + 1);
            x[i + 1] -= f * x[i];
        }
        dl[i] = 0.0;
    }
    let tiny = f64::MIN_POSITIVE.sqrt();
    for i in (0..n).rev() {
        let mut s = x[i];
        if i + 1 < n {
            s -= du[i] * x[i + 1];
        }
        if i + 2 < n {
            s -= du2[i] * x[i + 2];
        }
        let piv = if dd[i] == 0.0 { tiny } else { dd[i] };
        x[i] = s / piv;
    }
    x
}
