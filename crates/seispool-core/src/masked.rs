//! ObsPy represents gaps with NumPy masked arrays; seispool has none. Internally the stream operations
//! (merge, trim) carry a mask exactly as ObsPy would in a [`MaskedTrace`], and at the end every masked trace
//! is cut into its unmasked runs the way `Stream.split()` / `Trace.split()` cut it (a run starting at sample
//! `k` starts at `starttime + delta * k`, float seconds rounded to ns). So `st.merge(...)` here equals
//! ObsPy's `st.merge(...).split()`, and `st.trim(..., pad=True, fill_value=None)` equals ObsPy's
//! `st.trim(...).split()`. `Trace._ltrim`/`_rtrim` live here since they are the masked trace's primitives.

use std::cmp::Ordering;
use std::ops::Range;

use crate::fill::{Chunk, Number, make_chunk};
use crate::pytime::{py_round, utc_cmp, utc_lt, utc_sub};
use crate::trace::{clamp_range, retain_range_of};
use crate::{SampleType, Samples, Stats, Time, Trace, round_away};

/// A stream operation ObsPy would refuse (its exception message, lowercased, naming the trace id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StreamError(pub String);

pub(crate) fn err<T>(msg: String) -> Result<T, StreamError> {
    Err(StreamError(msg))
}

macro_rules! map_samples {
    ($s:expr, $v:ident => $e:expr) => {
        match $s {
            Samples::I32($v) => Samples::I32($e),
            Samples::F32($v) => Samples::F32($e),
            Samples::F64($v) => Samples::F64($e),
            Samples::Text($v) => Samples::Text($e),
        }
    };
}
pub(crate) use map_samples;

pub(crate) fn sub(s: &Samples, r: Range<usize>) -> Samples {
    map_samples!(s, v => v[r.clone()].to_vec())
}

/// Element `i` of `a` == element `j` of `b`, as NumPy compares (mixed types compare as float64).
pub(crate) fn elem_eq(a: &Samples, i: usize, b: &Samples, j: usize) -> bool {
    match (a, b) {
        (Samples::I32(x), Samples::I32(y)) => x[i] == y[j],
        (Samples::F32(x), Samples::F32(y)) => x[i] == y[j],
        (Samples::F64(x), Samples::F64(y)) => x[i] == y[j],
        (Samples::Text(x), Samples::Text(y)) => x[i] == y[j],
        _ => elem_f64(a, i) == elem_f64(b, j),
    }
}

pub(crate) fn elem_f64(s: &Samples, i: usize) -> f64 {
    match s {
        Samples::I32(v) => f64::from(v[i]),
        Samples::F32(v) => f64::from(v[i]),
        Samples::F64(v) => v[i],
        Samples::Text(v) => f64::from(v[i]),
    }
}

/// A trace as ObsPy holds it mid-operation: data plus an optional mask (true = masked).
#[derive(Clone, Debug)]
pub(crate) struct MaskedTrace {
    pub(crate) stats: Stats,
    pub(crate) data: Samples,
    pub(crate) mask: Option<Vec<bool>>,
}

/// One part of a trace being assembled (see [`MaskedTrace::assemble`]); ranges are already clamped to
/// their trace.
pub(crate) enum Part {
    /// A range of the first trace's samples (moved, not copied, when it leads the result).
    A(Range<usize>),
    /// A range of the second trace's samples.
    B(Range<usize>),
    /// New samples, masked where the mask says.
    New(Samples, Option<Vec<bool>>),
}

impl Part {
    fn len(&self) -> usize {
        match self {
            Part::A(r) | Part::B(r) => r.len(),
            Part::New(d, _) => d.len(),
        }
    }
}

impl MaskedTrace {
    pub(crate) fn new(t: Trace) -> MaskedTrace {
        let mut stats = t.stats;
        stats.npts = t.data.len();
        MaskedTrace {
            stats,
            data: t.data,
            mask: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn start(&self) -> Time {
        self.stats.starttime
    }

    pub(crate) fn endtime(&self) -> Time {
        self.stats.endtime()
    }

    pub(crate) fn kind(&self) -> SampleType {
        self.data.sample_type()
    }

    pub(crate) fn masked(&self, i: usize) -> bool {
        self.mask.as_ref().is_some_and(|m| m[i])
    }

    /// `r` clamped to the samples (Python slice bounds; an inverted range is empty).
    pub(crate) fn clamped(&self, r: Range<usize>) -> Range<usize> {
        clamp_range(r, self.len())
    }

    /// `data[r]` with its mask, copied.
    pub(crate) fn piece(&self, r: Range<usize>) -> (Samples, Option<Vec<bool>>) {
        let r = self.clamped(r);
        (sub(&self.data, r.clone()), self.mask.as_ref().map(|m| m[r].to_vec()))
    }

    /// Replaces data and mask; a mask without masked samples is dropped (ObsPy's downgrade to ndarray).
    pub(crate) fn set(&mut self, data: Samples, mask: Option<Vec<bool>>) {
        self.stats.npts = data.len();
        if let Samples::I32(old) = std::mem::replace(&mut self.data, data) {
            crate::trace::recycle_i32(old);
        }
        self.mask = mask.filter(|m| m.iter().any(|&x| x));
    }

    /// Keeps `data[r]` and its mask in place (`data = data[r]` without a new buffer).
    fn keep(&mut self, r: Range<usize>) {
        let mut data = std::mem::take(&mut self.data);
        data.retain_range(r.clone());
        let mask = self.mask.take().map(|mut m| {
            retain_range_of(&mut m, r);
            m
        });
        self.set(data, mask);
    }

    /// `a`'s stats with `parts` concatenated as its data and mask (`np.concatenate` of ObsPy's pieces).
    /// When the result starts with `a`'s leading samples and uses no other samples of `a`, `a`'s buffer
    /// is cut and extended in place instead of copied (a day of samples merged with the next piece
    /// costs only the appended samples); otherwise a new buffer is filled. The inputs' integer buffers
    /// not reused go back to this thread's spares (for the next merge or decode).
    pub(crate) fn assemble(a: MaskedTrace, b: Option<MaskedTrace>, parts: Vec<Part>) -> MaskedTrace {
        let total: usize = parts.iter().map(Part::len).sum();
        let any_mask = parts.iter().any(|p| match p {
            Part::A(_) => a.mask.is_some(),
            Part::B(_) => b.as_ref().is_some_and(|b| b.mask.is_some()),
            Part::New(_, m) => m.is_some(),
        });
        let lead = match parts.split_first() {
            Some((Part::A(r), rest)) if r.start == 0 && !rest.iter().any(|p| matches!(p, Part::A(_))) => Some(r.end),
            _ => None,
        };
        let MaskedTrace {
            stats,
            data: a_data,
            mask: a_mask,
        } = a;
        let kind = a_data.sample_type();
        let (mut data, mut mask, a_data, a_mask, rest) = match lead {
            Some(end) => {
                let mut data = a_data;
                data.truncate(end);
                data.reserve(total.saturating_sub(end));
                let mask = any_mask.then(|| {
                    let mut m = a_mask.unwrap_or_else(|| vec![false; end]);
                    m.truncate(end);
                    m.reserve(total.saturating_sub(end));
                    m
                });
                (data, mask, Samples::empty(kind), None, &parts[1..])
            }
            None => {
                let data = match kind {
                    SampleType::I32 => Samples::I32(crate::trace::take_spare_i32(total)),
                    _ => {
                        let mut d = Samples::empty(kind);
                        d.reserve(total);
                        d
                    }
                };
                (
                    data,
                    any_mask.then(|| Vec::with_capacity(total)),
                    a_data,
                    a_mask,
                    &parts[..],
                )
            }
        };
        for part in rest {
            let (src, src_mask, r) = match part {
                Part::A(r) => (&a_data, a_mask.as_ref(), r.clone()),
                Part::B(r) => match &b {
                    Some(b) => (&b.data, b.mask.as_ref(), r.clone()),
                    None => continue,
                },
                Part::New(d, m) => (d, m.as_ref(), 0..d.len()),
            };
            data.extend_from_range(src, r.clone());
            if let Some(mask) = mask.as_mut() {
                match src_mask {
                    Some(m) => mask.extend_from_slice(&m[r]),
                    None => mask.extend(std::iter::repeat_n(false, r.len())),
                }
            }
        }
        for spent in [Some(a_data), b.map(|b| b.data)].into_iter().flatten() {
            if let Samples::I32(v) = spent {
                crate::trace::recycle_i32(v);
            }
        }
        let mut out = MaskedTrace {
            stats,
            data: Samples::empty(kind),
            mask: None,
        };
        out.set(data, mask);
        out
    }

    /// [`MaskedTrace::assemble`] of this trace alone.
    fn reassemble(&mut self, parts: Vec<Part>) {
        let placeholder = MaskedTrace {
            stats: self.stats.clone(),
            data: Samples::empty(self.kind()),
            mask: None,
        };
        let me = std::mem::replace(self, placeholder);
        *self = MaskedTrace::assemble(me, None, parts);
    }

    /// `create_empty_data_chunk(n, dtype, fill)` as a part to assemble (masked where ObsPy masks it).
    pub(crate) fn chunk(&self, n: usize, fill: Chunk) -> Result<Part, StreamError> {
        let (d, masked) =
            make_chunk(self.kind(), n, fill).map_err(|e| StreamError(format!("{}: {e}", self.stats.id)))?;
        Ok(Part::New(d, masked.then(|| vec![true; n])))
    }

    /// `Trace._ltrim`.
    pub(crate) fn ltrim(&mut self, starttime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
        let decision = ltrim_cut(self.shape(), starttime, pad, nearest);
        self.apply_cut(decision, fill, true)
    }

    /// `Trace._rtrim`.
    pub(crate) fn rtrim(&mut self, endtime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
        let decision = rtrim_cut(self.shape(), endtime, pad, nearest);
        self.apply_cut(decision, fill, false)
    }

    /// Carries out a trim's decision; padding goes before the samples when `front`.
    fn apply_cut(&mut self, (start, cut): (Option<Time>, Cut), fill: Chunk, front: bool) -> Result<(), StreamError> {
        if let Some(s) = start {
            self.stats.starttime = s;
        }
        match cut {
            Cut::Nothing => {}
            Cut::Empty => self.set(Samples::empty(self.kind()), None),
            Cut::Keep(r) => self.keep(r),
            Cut::Pad(n) => {
                let (gap, all) = (self.chunk(n, fill)?, Part::A(0..self.len()));
                self.reassemble(if front { vec![gap, all] } else { vec![all, gap] });
            }
        }
        Ok(())
    }

    /// What `_ltrim`/`_rtrim` look at: start, sample count and rate.
    fn shape(&self) -> Stats {
        Stats {
            starttime: self.stats.starttime,
            sampling_rate: self.stats.sampling_rate,
            npts: self.len(),
            ..Stats::default()
        }
    }

    /// The samples `trim(t1, t2, pad=False, nearest_sample=True)` would keep, without copying them (the
    /// same decisions as [`MaskedTrace::trim`], on the trace's shape only).
    pub(crate) fn trimmed_range(&self, t1: Time, t2: Time) -> Result<Range<usize>, StreamError> {
        if utc_cmp(t1, t2) == Ordering::Greater {
            return err(format!("{}: starttime {t1} is later than endtime {t2}", self.stats.id));
        }
        let mut shape = self.shape();
        let cut_range = |cut: Cut, len: usize| match cut {
            Cut::Nothing | Cut::Pad(_) => 0..len,
            Cut::Empty => 0..0,
            Cut::Keep(r) => clamp_range(r, len),
        };
        let (start, cut) = ltrim_cut(shape.clone(), t1, false, true);
        if let Some(s) = start {
            shape.starttime = s;
        }
        let first = cut_range(cut, shape.npts);
        shape.npts = first.len();
        let (_, cut) = rtrim_cut(shape.clone(), t2, false, true);
        let second = cut_range(cut, shape.npts);
        Ok(first.start + second.start..first.start + second.end)
    }

    /// `Trace.trim` (in place; masked padding stays masked).
    pub(crate) fn trim(
        &mut self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        pad: bool,
        nearest: bool,
        fill_value: Option<Number>,
    ) -> Result<(), StreamError> {
        if let (Some(s), Some(e)) = (starttime, endtime)
            && utc_cmp(s, e) == Ordering::Greater
        {
            return err(format!("{}: starttime {s} is later than endtime {e}", self.stats.id));
        }
        let fill = fill_value.map_or(Chunk::Masked, Chunk::Num);
        if let Some(s) = starttime {
            self.ltrim(s, pad, nearest, fill)?;
        }
        if let Some(e) = endtime {
            self.rtrim(e, pad, nearest, fill)?;
        }
        Ok(())
    }

    /// `Trace.split()`: the unmasked runs as traces.
    pub(crate) fn split(self) -> Vec<Trace> {
        let Some(mask) = self.mask else {
            return vec![Trace {
                stats: self.stats,
                data: self.data,
            }];
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < mask.len() {
            if mask[i] {
                i += 1;
                continue;
            }
            let a = i;
            while i < mask.len() && !mask[i] {
                i += 1;
            }
            let mut stats = self.stats.clone();
            stats.starttime = self.stats.starttime.add_seconds(self.stats.delta() * a as f64);
            stats.npts = i - a;
            out.push(Trace {
                stats,
                data: sub(&self.data, a..i),
            });
        }
        out
    }
}

/// What `_ltrim`/`_rtrim` do to the samples.
enum Cut {
    Nothing,
    Empty,
    Keep(Range<usize>),
    Pad(usize),
}

/// `Trace._ltrim`'s decisions for a trace of this shape (start, rate and `npts`): the new start time,
/// if it changes, and what happens to the samples.
fn ltrim_cut(shape: Stats, starttime: Time, pad: bool, nearest: bool) -> (Option<Time>, Cut) {
    let sr = shape.sampling_rate;
    let start = shape.starttime;
    let delta: i64 = if nearest {
        let mut d = round_away(utc_sub(starttime, start) * sr);
        if d < 0.0 && pad {
            let npts = d.abs() + 10.0;
            let newstart = start.add_seconds(-(npts / sr));
            d = round_away(utc_sub(starttime, newstart) * sr) - npts;
        }
        d as i64
    } else {
        -(py_round(utc_sub(start, starttime) * sr, 7).floor() as i64)
    };
    let mut moved = shape;
    let new_start = (delta > 0 || pad).then(|| {
        moved.starttime = start.add_seconds(delta as f64 * moved.delta());
        moved.starttime
    });
    let cut = if delta == 0 || (delta < 0 && !pad) {
        Cut::Nothing
    } else if delta < 0 {
        Cut::Pad(delta.unsigned_abs() as usize)
    } else if utc_cmp(starttime, moved.endtime()) == Ordering::Greater {
        Cut::Empty
    } else {
        Cut::Keep(delta as usize..moved.npts)
    };
    (new_start, cut)
}

/// `Trace._rtrim`'s decisions, as [`ltrim_cut`].
fn rtrim_cut(shape: Stats, endtime: Time, pad: bool, nearest: bool) -> (Option<Time>, Cut) {
    let sr = shape.sampling_rate;
    let len = shape.npts as i64;
    let delta: i64 = if nearest {
        round_away(utc_sub(endtime, shape.starttime) * sr) as i64 - len + 1
    } else {
        py_round(utc_sub(endtime, shape.endtime()) * sr, 7).floor() as i64
    };
    if delta == 0 || (delta > 0 && !pad) {
        return (None, Cut::Nothing);
    }
    if delta > 0 {
        return (None, Cut::Pad(delta as usize));
    }
    if utc_lt(endtime, shape.starttime) {
        let start = shape.endtime().add_seconds(delta as f64 * shape.delta());
        return (Some(start), Cut::Empty);
    }
    let mut total = len - delta.abs();
    if utc_cmp(endtime, shape.starttime) == Ordering::Equal {
        total = 1;
    }
    // Python's data[:total]
    let end = if total >= 0 {
        total.min(len)
    } else {
        (len + total).max(0)
    };
    (None, Cut::Keep(0..end as usize))
}

/// Elementwise `a[ra] == b[rb]` with NumPy broadcasting; `None` where either side is masked.
pub(crate) fn compare(
    a: &MaskedTrace,
    ra: Range<usize>,
    b: &MaskedTrace,
    rb: Range<usize>,
) -> Result<Vec<Option<bool>>, StreamError> {
    let (la, lb) = (ra.len(), rb.len());
    let n = if la == lb || lb == 1 {
        la
    } else if la == 1 {
        lb
    } else {
        return err(format!(
            "{}: operands could not be broadcast together with shapes ({la},) ({lb},)",
            a.stats.id
        ));
    };
    Ok((0..n)
        .map(|k| {
            let i = ra.start + if la == 1 { 0 } else { k };
            let j = rb.start + if lb == 1 { 0 } else { k };
            (!(a.masked(i) || b.masked(j))).then(|| elem_eq(&a.data, i, &b.data, j))
        })
        .collect())
}
