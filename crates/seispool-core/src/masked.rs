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

/// Pieces to concatenate: data and whether (and where) masked.
pub(crate) type Pieces = Vec<(Samples, Option<Vec<bool>>)>;

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

    /// `data[r]` with its mask.
    pub(crate) fn piece(&self, r: Range<usize>) -> (Samples, Option<Vec<bool>>) {
        let r = r.start.min(self.len())..r.end.min(self.len());
        let r = r.start.min(r.end)..r.end;
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

    pub(crate) fn set_pieces(&mut self, pieces: Pieces) {
        let kind = self.kind();
        // Sized once (no regrowth copies); integer samples reuse this thread's spare buffer.
        let total = pieces.iter().map(|p| p.0.len()).sum();
        let mut data = match kind {
            SampleType::I32 => Samples::I32(crate::trace::take_spare_i32(total)),
            _ => {
                let mut d = Samples::empty(kind);
                d.reserve(total);
                d
            }
        };
        let any_mask = pieces.iter().any(|p| p.1.is_some());
        let mut mask = Vec::new();
        for (d, m) in &pieces {
            data.extend_from(d);
            if any_mask {
                match m {
                    Some(m) => mask.extend_from_slice(m),
                    None => mask.extend(std::iter::repeat_n(false, d.len())),
                }
            }
        }
        self.set(data, any_mask.then_some(mask));
    }

    pub(crate) fn chunk(&self, n: usize, fill: Chunk) -> Result<(Samples, Option<Vec<bool>>), StreamError> {
        let (d, masked) =
            make_chunk(self.kind(), n, fill).map_err(|e| StreamError(format!("{}: {e}", self.stats.id)))?;
        Ok((d, masked.then(|| vec![true; n])))
    }

    /// `Trace._ltrim`.
    pub(crate) fn ltrim(&mut self, starttime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
        let sr = self.stats.sampling_rate;
        let delta: i64 = if nearest {
            let mut d = round_away(utc_sub(starttime, self.start()) * sr);
            if d < 0.0 && pad {
                let npts = d.abs() + 10.0;
                let newstart = self.start().add_seconds(-(npts / sr));
                d = round_away(utc_sub(starttime, newstart) * sr) - npts;
            }
            d as i64
        } else {
            -(py_round(utc_sub(self.start(), starttime) * sr, 7).floor() as i64)
        };
        if delta > 0 || pad {
            self.stats.starttime = self.start().add_seconds(delta as f64 * self.stats.delta());
        }
        if delta == 0 || (delta < 0 && !pad) {
            return Ok(());
        }
        if delta < 0 {
            let gap = self.chunk(delta.unsigned_abs() as usize, fill)?;
            let all = self.piece(0..self.len());
            self.set_pieces(vec![gap, all]);
        } else if utc_cmp(starttime, self.endtime()) == Ordering::Greater {
            self.set(Samples::empty(self.kind()), None);
        } else {
            let (d, m) = self.piece(delta as usize..self.len());
            self.set(d, m);
        }
        Ok(())
    }

    /// `Trace._rtrim`.
    pub(crate) fn rtrim(&mut self, endtime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
        let sr = self.stats.sampling_rate;
        let delta: i64 = if nearest {
            round_away(utc_sub(endtime, self.start()) * sr) as i64 - self.len() as i64 + 1
        } else {
            py_round(utc_sub(endtime, self.endtime()) * sr, 7).floor() as i64
        };
        if delta == 0 || (delta > 0 && !pad) {
            return Ok(());
        }
        if delta > 0 {
            let gap = self.chunk(delta as usize, fill)?;
            let all = self.piece(0..self.len());
            self.set_pieces(vec![all, gap]);
            return Ok(());
        }
        if utc_lt(endtime, self.start()) {
            self.stats.starttime = self.endtime().add_seconds(delta as f64 * self.stats.delta());
            self.set(Samples::empty(self.kind()), None);
            return Ok(());
        }
        let len = self.len() as i64;
        let mut total = len - delta.abs();
        if utc_cmp(endtime, self.start()) == Ordering::Equal {
            total = 1;
        }
        // Python's data[:total]
        let end = if total >= 0 {
            total.min(len)
        } else {
            (len + total).max(0)
        };
        let (d, m) = self.piece(0..end as usize);
        self.set(d, m);
        Ok(())
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
