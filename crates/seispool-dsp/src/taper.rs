//! ObsPy `Trace.taper` and ObsPy's own `cosine_taper`.

use std::f64::consts::PI;
use std::rc::Rc;

use crate::OpError;
use crate::window::{Kwargs, Window, window_from_name};

/// Window names ObsPy's `Trace.taper` accepts (its `obspy.plugin.taper` entry points).
pub const TAPER_TYPES: [&str; 18] = [
    "barthann",
    "bartlett",
    "blackman",
    "blackmanharris",
    "bohman",
    "boxcar",
    "chebwin",
    "cosine",
    "dpss",
    "flattop",
    "gaussian",
    "general_gaussian",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
    "parzen",
    "triang",
];

/// A taper shape for [`taper`]: a SciPy window or ObsPy's own `cosine_taper`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaperType {
    /// A `scipy.signal.windows` function; `sym` is its `sym=` argument (ObsPy's default true).
    Window {
        /// The window.
        window: Window,
        /// Symmetric (true) or periodic window.
        sym: bool,
    },
    /// `obspy.signal.invsim.cosine_taper(npts, p=1.0, halfcosine, sactaper)`.
    Cosine {
        /// Half (true, default) or quarter cosine flanks.
        halfcosine: bool,
        /// SAC behaviour: taper already at the corner samples.
        sactaper: bool,
    },
}

impl TaperType {
    /// Resolves ObsPy's taper `type` name and its keyword arguments (booleans as 0/1) like `Trace.taper`
    /// does; unknown names, missing or unknown arguments are errors naming what is valid.
    pub fn from_name(name: &str, kwargs: &[(&str, f64)]) -> Result<TaperType, OpError> {
        let name = name.to_lowercase();
        if !TAPER_TYPES.contains(&name.as_str()) {
            return Err(OpError::new(
                "taper",
                format!("unknown taper type '{name}'; valid: {}", TAPER_TYPES.join(", ")),
            ));
        }
        if name == "cosine" {
            // ObsPy overrides `p` with 1.0, so a given `p` is accepted and has no effect.
            let args = Kwargs::new("taper", kwargs, &["halfcosine", "sactaper", "p"])?;
            return Ok(TaperType::Cosine {
                halfcosine: args.get("halfcosine").is_none_or(|v| v != 0.0),
                sactaper: args.get("sactaper").is_some_and(|v| v != 0.0),
            });
        }
        let (window, sym) = window_from_name("taper", &name, kwargs)?;
        Ok(TaperType::Window { window, sym })
    }
}

/// Which end(s) [`taper`] tapers (ObsPy's `side=`); the pipeline's `taper(side=...)` uses this type too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaperSide {
    /// Both ends (`"both"`, the default).
    Both,
    /// Only the start (`"left"`).
    Left,
    /// Only the end (`"right"`).
    Right,
}

impl TaperSide {
    /// Parses ObsPy's `side` string (case-insensitive).
    pub fn from_name(name: &str) -> Result<TaperSide, OpError> {
        match name.to_lowercase().as_str() {
            "both" => Ok(TaperSide::Both),
            "left" => Ok(TaperSide::Left),
            "right" => Ok(TaperSide::Right),
            _ => Err(OpError::new(
                "taper",
                "'side' has to be one of: ['both', 'left', 'right']",
            )),
        }
    }
}

/// Python's `int(x)` for a float: truncation toward zero; NaN and infinities raise in Python.
fn py_int(op: &'static str, x: f64) -> Result<i64, OpError> {
    if !x.is_finite() {
        return Err(OpError::new(op, format!("cannot convert float {x} to integer")));
    }
    Ok(x.trunc() as i64)
}

/// ObsPy `Trace.taper(max_percentage, type, max_length, side)`: the half-length `wlen` is the smallest of
/// `int(max_percentage * npts)`, `int(max_length * sampling_rate)` and `npts // 2`; the window of
/// `2 * wlen` (if that equals npts) or `2 * wlen + 1` samples supplies the flanks. Empty data is left alone.
pub fn taper(
    data: &mut [f64],
    sampling_rate: f64,
    max_percentage: Option<f64>,
    kind: &TaperType,
    max_length: Option<f64>,
    side: TaperSide,
) -> Result<(), OpError> {
    if data.is_empty() {
        return Ok(());
    }
    TaperPlan::new(data.len(), sampling_rate, max_percentage, kind, max_length, side)?.apply(data);
    Ok(())
}

/// [`taper`] for a trace of `npts` samples, made before its samples are at hand: the flanks it
/// multiplies. [`taper`] is `TaperPlan::new(..)?.apply(data)`; the fused detrend + taper + filter
/// pass ([`crate::detrend_taper_filter_i32`]) multiplies by the same [`TaperPlan::left`] and
/// [`TaperPlan::right`] values as it converts the samples.
#[derive(Debug, Clone)]
pub struct TaperPlan {
    npts: usize,
    wlen: usize,
    m: usize,
    side: TaperSide,
    sides: Rc<Vec<f64>>,
}

impl TaperPlan {
    /// The flanks `Trace.taper(max_percentage, type, max_length, side)` multiplies a trace of `npts`
    /// (at least one) samples by, or ObsPy's error (see [`taper`]).
    pub fn new(
        npts: usize,
        sampling_rate: f64,
        max_percentage: Option<f64>,
        kind: &TaperType,
        max_length: Option<f64>,
        side: TaperSide,
    ) -> Result<TaperPlan, OpError> {
        let mut wlen = (npts / 2) as i64;
        if let Some(p) = max_percentage {
            wlen = wlen.min(py_int("taper", p * npts as f64)?);
        }
        if let Some(l) = max_length {
            wlen = wlen.min(py_int("taper", l * sampling_rate)?);
        }
        if wlen < 0 {
            return Err(OpError::new("taper", format!("negative taper length {wlen} samples")));
        }
        let wlen = wlen as usize;
        let m = if 2 * wlen == npts { 2 * wlen } else { 2 * wlen + 1 };
        Ok(TaperPlan {
            npts,
            wlen,
            m,
            side,
            sides: window(kind, m)?,
        })
    }

    /// The factors of the first `left().len()` samples (none when only the right side is tapered).
    pub fn left(&self) -> &[f64] {
        match self.side {
            TaperSide::Both | TaperSide::Left => &self.sides[..self.wlen],
            TaperSide::Right => &[],
        }
    }

    /// The factors of the last `right().len()` samples (none when only the left side is tapered).
    pub fn right(&self) -> &[f64] {
        match self.side {
            TaperSide::Both | TaperSide::Right => &self.sides[self.m - self.wlen..],
            TaperSide::Left => &[],
        }
    }

    /// The number of samples the plan is for.
    pub fn npts(&self) -> usize {
        self.npts
    }

    /// `d *= w` over both flanks of `data` (`npts` samples).
    pub fn apply(&self, data: &mut [f64]) {
        let left = self.left();
        data[..left.len()].iter_mut().zip(left).for_each(|(d, w)| *d *= w);
        let right = self.right();
        data[self.npts - right.len()..]
            .iter_mut()
            .zip(right)
            .for_each(|(d, w)| *d *= w);
    }
}

/// The `m`-sample window of `kind`: this thread's [`LAST_WINDOW`] when it is that one, else made
/// (and kept there, when at most [`CACHED_WINDOW_MAX`] long).
fn window(kind: &TaperType, m: usize) -> Result<Rc<Vec<f64>>, OpError> {
    let make = || match *kind {
        TaperType::Window { window, sym } => window.samples(m, sym),
        TaperType::Cosine { halfcosine, sactaper } => cosine_taper(m, halfcosine, sactaper),
    };
    if m > CACHED_WINDOW_MAX {
        return Ok(Rc::new(make()?));
    }
    LAST_WINDOW.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((k, len, sides)) = &*cache
            && k == kind
            && *len == m
        {
            return Ok(Rc::clone(sides));
        }
        let sides = Rc::new(make()?);
        *cache = Some((*kind, m, Rc::clone(&sides)));
        Ok(sides)
    })
}

/// A window kept by [`LAST_WINDOW`]: its shape, its length and its values.
type CachedWindow = (TaperType, usize, Rc<Vec<f64>>);

thread_local! {
    /// The last taper window made on this thread, by shape and length: a worker tapers one channel-day
    /// after another of the same length, so the window (10 % of the trace for a 5 % taper) is made once,
    /// not once per unit (its cosines were ~6 % of the seed job, its fresh pages ~10 % of its faults).
    static LAST_WINDOW: std::cell::RefCell<Option<CachedWindow>> =
        const { std::cell::RefCell::new(None) };
}

/// The longest window [`LAST_WINDOW`] keeps (32 MiB: a 10 % taper of a 200 Hz day fits).
const CACHED_WINDOW_MAX: usize = 4 << 20;

/// `obspy.signal.invsim.cosine_taper(npts, p=1.0, halfcosine, sactaper)` as `Trace.taper` calls it; errs
/// where numpy cannot broadcast the flank into its slice (tiny windows with `sactaper`).
pub fn cosine_taper(npts: usize, halfcosine: bool, sactaper: bool) -> Result<Vec<f64>, OpError> {
    cosine_taper_fraction(npts, 1.0, halfcosine, sactaper)
}

/// `obspy.signal.invsim.cosine_taper(npts, p, halfcosine, sactaper)` for a taper fraction `p` in
/// `[0, 1]` (as `remove_response` calls it with `taper_fraction`).
pub fn cosine_taper_fraction(npts: usize, p: f64, halfcosine: bool, sactaper: bool) -> Result<Vec<f64>, OpError> {
    let (idx1, idx2, idx3, idx4) = taper_indices(npts, p, sactaper)?;
    let n = npts as i64;
    let mut w = seispool_core::with_capacity_huge(npts);
    w.resize(npts, 0.0);
    let flanks = Flanks {
        idx: (idx1, idx2, idx3, idx4),
        halfcosine,
    };
    py_slice_assign(&mut w, idx1, idx2 + 1, |i| flanks.rising(i))?;
    py_slice_assign(&mut w, idx2 + 1, idx3, |_| 1.0)?;
    py_slice_assign(&mut w, idx3, idx4 + 1, |i| flanks.falling(i))?;
    if idx1 == idx2 {
        w[0] = 0.0;
    }
    if idx3 == idx4
        && let Some(v) = w.get_mut(idx3.rem_euclid(n.max(1)) as usize)
    {
        *v = 0.0;
    }
    Ok(w)
}

/// [`cosine_taper_fraction`] without its plateau of ones: `head` holds the first values, `tail`
/// the values from `tail_start` on, and every value between is exactly 1. A 6-hour 100 Hz trace
/// then needs two 10 800-value flanks instead of 17 MB of fresh memory per `remove_response`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EdgeTaper {
    /// The window's length.
    pub(crate) npts: usize,
    /// The window's first values.
    pub(crate) head: Vec<f64>,
    /// Where `tail` starts.
    pub(crate) tail_start: usize,
    /// The window's last values.
    pub(crate) tail: Vec<f64>,
}

impl EdgeTaper {
    /// `data[i] *= w[i]` (the plateau's factor 1 left out: multiplying by 1 is exact).
    pub(crate) fn apply(&self, data: &mut [f64]) {
        data.iter_mut().zip(&self.head).for_each(|(v, w)| *v *= w);
        if let Some(d) = data.get_mut(self.tail_start..) {
            d.iter_mut().zip(&self.tail).for_each(|(v, w)| *v *= w);
        }
    }
}

/// [`cosine_taper_fraction`] as an [`EdgeTaper`]: the same values. Windows whose flanks do not sit
/// plainly inside them (short windows, fractions near 0 or 1) are kept whole in `head`.
pub(crate) fn cosine_taper_fraction_edges(
    npts: usize,
    p: f64,
    halfcosine: bool,
    sactaper: bool,
) -> Result<EdgeTaper, OpError> {
    let (idx1, idx2, idx3, idx4) = taper_indices(npts, p, sactaper)?;
    let n = npts as i64;
    // The plain case of `cosine_taper_fraction`: every slice in range, none of its fix-ups apply.
    if idx1 == 0 && idx1 < idx2 && idx2 < idx3 && idx3 < idx4 && idx4 == n - 1 {
        let flanks = Flanks {
            idx: (idx1, idx2, idx3, idx4),
            halfcosine,
        };
        return Ok(EdgeTaper {
            npts,
            head: (idx1..=idx2).map(|i| flanks.rising(i)).collect(),
            tail_start: idx3 as usize,
            tail: (idx3..=idx4).map(|i| flanks.falling(i)).collect(),
        });
    }
    Ok(EdgeTaper {
        npts,
        head: cosine_taper_fraction(npts, p, halfcosine, sactaper)?,
        tail_start: npts,
        tail: Vec::new(),
    })
}

/// ObsPy's `idx1..idx4` of `cosine_taper` (after its `sactaper` and degenerate-flank shifts).
fn taper_indices(npts: usize, p: f64, sactaper: bool) -> Result<(i64, i64, i64, i64), OpError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(OpError::new(
            "taper",
            format!("taper fraction {p} must be between 0 and 1"),
        ));
    }
    let n = npts as i64;
    let frac = if p == 0.0 || p == 1.0 {
        (npts as f64 * p / 2.0) as i64
    } else {
        (npts as f64 * p / 2.0 + 0.5) as i64
    };
    let (idx1, mut idx2, mut idx3, idx4) = (0i64, frac - 1, n - frac, n - 1);
    if sactaper {
        idx2 += 1;
        idx3 -= 1;
    }
    if idx1 == idx2 {
        idx2 += 1;
    }
    if idx3 == idx4 {
        idx3 -= 1;
    }
    Ok((idx1, idx2, idx3, idx4))
}

/// The rising and falling flanks of `cosine_taper` for its indices.
struct Flanks {
    idx: (i64, i64, i64, i64),
    halfcosine: bool,
}

impl Flanks {
    fn rising(&self, i: i64) -> f64 {
        let (idx1, idx2, _, _) = self.idx;
        if self.halfcosine {
            0.5 * (1.0 - (PI * (i as f64 - idx1 as f64) / (idx2 - idx1) as f64).cos())
        } else {
            (-(PI / 2.0 * (idx2 as f64 - i as f64) / (idx2 - idx1) as f64)).cos()
        }
    }

    fn falling(&self, i: i64) -> f64 {
        let (_, _, idx3, idx4) = self.idx;
        if self.halfcosine {
            0.5 * (1.0 + (PI * (idx3 as f64 - i as f64) / (idx4 - idx3) as f64).cos())
        } else {
            (PI / 2.0 * (idx3 as f64 - i as f64) / (idx4 - idx3) as f64).cos()
        }
    }
}

/// numpy's `w[start:stop] = f(arange(start, stop))` with Python slice rules for negative bounds; the
/// values must broadcast as numpy requires (one value, or one per slot).
fn py_slice_assign(w: &mut [f64], start: i64, stop: i64, f: impl Fn(i64) -> f64) -> Result<(), OpError> {
    let n = w.len() as i64;
    let norm = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
    let (s, e) = (norm(start), norm(stop));
    let slots = (e - s).max(0);
    let count = (stop - start).max(0);
    if count != slots && count != 1 {
        return Err(OpError::new(
            "taper",
            format!("cosine taper: could not broadcast {count} values into {slots} samples"),
        ));
    }
    for (slot, i) in (s..e).enumerate() {
        let src = if count == 1 { start } else { start + slot as i64 };
        w[i as usize] = f(src);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-thread window cache must never hand out the window of another shape or length.
    #[test]
    fn cached_taper_window_follows_shape_and_length_changes() {
        let kinds = [
            TaperType::from_name("hann", &[]).unwrap(),
            TaperType::from_name("hamming", &[]).unwrap(),
            TaperType::from_name("hann", &[("sym", 0.0)]).unwrap(),
            TaperType::from_name("cosine", &[]).unwrap(),
        ];
        for npts in [1001usize, 1001, 2000, 1001, 7] {
            for kind in &kinds {
                for _ in 0..2 {
                    let mut got = vec![1.0; npts];
                    taper(&mut got, 100.0, Some(0.1), kind, None, TaperSide::Both).unwrap();
                    let wlen = (0.1 * npts as f64) as usize;
                    let m = if 2 * wlen == npts { 2 * wlen } else { 2 * wlen + 1 };
                    let sides = match *kind {
                        TaperType::Window { window, sym } => window.samples(m, sym).unwrap(),
                        TaperType::Cosine { halfcosine, sactaper } => cosine_taper(m, halfcosine, sactaper).unwrap(),
                    };
                    let mut want = vec![1.0; npts];
                    want[..wlen].copy_from_slice(&sides[..wlen]);
                    want[npts - wlen..].copy_from_slice(&sides[m - wlen..]);
                    assert_eq!(got, want, "{kind:?} npts={npts}");
                }
            }
        }
    }

    /// The edge form must give the very window (bit for bit) it stands for, degenerate ones included.
    #[test]
    fn edge_taper_equals_the_whole_window() {
        let fractions = [0.0, 1e-4, 0.01, 0.05, 0.1, 0.2, 0.5, 0.9, 0.999, 1.0];
        let lengths = (0..300).chain([999, 1000, 1001, 4097, 2_160_000]);
        let mut plain = 0;
        for npts in lengths {
            for &p in &fractions {
                for (half, sac) in [(false, true), (true, false), (true, true), (false, false)] {
                    let whole = cosine_taper_fraction(npts, p, half, sac);
                    let edges = cosine_taper_fraction_edges(npts, p, half, sac);
                    let (whole, edges) = match (whole, edges) {
                        (Ok(w), Ok(e)) => (w, e),
                        (Err(a), Err(b)) => {
                            assert_eq!(a.msg, b.msg);
                            continue;
                        }
                        (a, b) => panic!("npts {npts} p {p}: {a:?} vs {b:?}"),
                    };
                    plain += usize::from(edges.tail_start < npts);
                    let mut data = vec![1.0; npts];
                    edges.apply(&mut data);
                    let same = data.iter().zip(&whole).all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same && data.len() == whole.len(), "npts {npts} p {p} {half} {sac}");
                }
            }
        }
        assert!(plain > 1000, "the edge form was used {plain} times");
    }
}
