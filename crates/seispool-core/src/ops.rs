//! ObsPy 1.5.1's `Stream.merge`/`_cleanup`/`trim`/`slice` and `Trace.__add__`/`trim`/`slice`, reproduced
//! step by step (including `UTCDateTime`'s microsecond comparisons and float-second arithmetic, see
//! [`crate::pytime`]) so that every boundary case rounds as ObsPy does.
//!
//! ObsPy represents gaps with NumPy masked arrays; seispool has none. Internally the operations carry a mask
//! exactly as ObsPy would, and at the end every masked trace is cut into its unmasked runs the way
//! `Stream.split()` / `Trace.split()` cut it (a run starting at sample `k` starts at
//! `starttime + delta * k`, float seconds rounded to ns). So `st.merge(...)` here equals ObsPy's
//! `st.merge(...).split()`, and `st.trim(..., pad=True, fill_value=None)` equals ObsPy's
//! `st.trim(...).split()`.

use std::cmp::Ordering;
use std::ops::Range;

use crate::pytime::{py_mod, py_round, utc_cmp, utc_lt, utc_sub};
use crate::{ChannelId, SampleType, Samples, Stats, Stream, Time, Trace, round_away};

/// A fill value as written in a pipeline: ObsPy keeps the int/float distinction (an int fills int data,
/// a float cannot fill int32 data: NumPy refuses the in-place cast).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A Python `int`.
    Int(i64),
    /// A Python `float`.
    Float(f64),
}

/// `Stream.merge`'s `method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MergeMethod {
    /// `method=-1`: only `_cleanup` (adjacent traces and overlaps with identical data).
    Cleanup,
    /// `method=0`: overlapping samples that differ become gaps.
    Discard,
    /// `method=1`: the later trace overwrites the overlap (optionally interpolating).
    Overwrite,
}

/// `Stream.merge`'s `fill_value` (`None` = leave gaps, i.e. split into contiguous traces).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FillValue {
    /// A constant.
    Number(Number),
    /// `"latest"`: the last sample before the gap.
    Latest,
    /// `"interpolate"`: linear between the samples bordering the gap.
    Interpolate,
}

/// A stream operation ObsPy would refuse (its exception message, lowercased, naming the trace id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StreamError(pub String);

/// Largest gap/pad (in samples) we fill; ObsPy would try to allocate it.
const MAX_FILL: usize = crate::limits::MAX_SAMPLES;

fn err<T>(msg: String) -> Result<T, StreamError> {
    Err(StreamError(msg))
}

fn type_name(t: SampleType) -> &'static str {
    match t {
        SampleType::I32 => "int32",
        SampleType::F32 => "float32",
        SampleType::F64 => "float64",
        SampleType::Text => "text",
    }
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

fn sub(s: &Samples, r: Range<usize>) -> Samples {
    map_samples!(s, v => v[r.clone()].to_vec())
}

/// Element `i` of `a` == element `j` of `b`, as NumPy compares (mixed types compare as float64).
fn elem_eq(a: &Samples, i: usize, b: &Samples, j: usize) -> bool {
    match (a, b) {
        (Samples::I32(x), Samples::I32(y)) => x[i] == y[j],
        (Samples::F32(x), Samples::F32(y)) => x[i] == y[j],
        (Samples::F64(x), Samples::F64(y)) => x[i] == y[j],
        (Samples::Text(x), Samples::Text(y)) => x[i] == y[j],
        _ => elem_f64(a, i) == elem_f64(b, j),
    }
}

fn elem_f64(s: &Samples, i: usize) -> f64 {
    match s {
        Samples::I32(v) => f64::from(v[i]),
        Samples::F32(v) => f64::from(v[i]),
        Samples::F64(v) => v[i],
        Samples::Text(v) => f64::from(v[i]),
    }
}

/// `np.linspace(start, stop, num)` for num >= 2, computed in `T` as NumPy does.
macro_rules! linspace {
    ($t:ty, $start:expr, $stop:expr, $num:expr) => {{
        let (start, stop, num): ($t, $t, usize) = ($start, $stop, $num);
        let div = (num - 1) as $t;
        let delta = stop - start;
        let step = delta / div;
        let mut y: Vec<$t> = (0..num)
            .map(|i| {
                let i = i as $t;
                let v = if step == 0.0 { i / div * delta } else { i * step };
                v + start
            })
            .collect();
        if let Some(last) = y.last_mut() {
            *last = stop;
        }
        y
    }};
}

/// What `create_empty_data_chunk` fills a gap with.
#[derive(Clone, Copy)]
enum Chunk<'a> {
    /// `fill_value=None`: masked (underlying `iinfo.min` for ints, NaN for floats).
    Masked,
    /// A constant: `np.ones(n, dtype) * value`.
    Num(Number),
    /// Sample `i` of a trace (`"latest"`).
    Value(&'a Samples, usize),
    /// `np.linspace(a[i], b[j], n + 2)[1:-1]` cast to the dtype (`"interpolate"`).
    Interp(&'a Samples, usize, &'a Samples, usize),
}

/// `create_empty_data_chunk(n, kind, fill)`: the samples and whether they are masked.
fn make_chunk(kind: SampleType, n: usize, fill: Chunk) -> Result<(Samples, bool), String> {
    if n > MAX_FILL {
        return Err(format!("time offset too large: {n} samples to fill"));
    }
    Ok(match fill {
        Chunk::Masked => (
            match kind {
                SampleType::I32 => Samples::I32(vec![i32::MIN; n]),
                SampleType::F32 => Samples::F32(vec![f32::NAN; n]),
                SampleType::F64 => Samples::F64(vec![f64::NAN; n]),
                SampleType::Text => Samples::Text(vec![0; n]),
            },
            true,
        ),
        Chunk::Num(num) => (
            match (kind, num) {
                (SampleType::I32, Number::Int(v)) => Samples::I32(vec![
                    i32::try_from(v).map_err(|_| format!(
                        "fill value {v} out of bounds for int32"
                    ))?;
                    n
                ]),
                (SampleType::I32, Number::Float(v)) => {
                    return Err(format!("cannot fill int32 data with float fill value {v:?}"));
                }
                (SampleType::F32, Number::Int(v)) => Samples::F32(vec![v as f64 as f32; n]),
                (SampleType::F32, Number::Float(v)) => Samples::F32(vec![v as f32; n]),
                (SampleType::F64, Number::Int(v)) => Samples::F64(vec![v as f64; n]),
                (SampleType::F64, Number::Float(v)) => Samples::F64(vec![v; n]),
                (SampleType::Text, _) => return Err("cannot fill text data with a number".into()),
            },
            false,
        ),
        Chunk::Value(s, i) => (map_samples!(s, v => vec![v[i]; n]), false),
        Chunk::Interp(a, i, b, j) => (linspace_interior(a, i, b, j, n)?, false),
    })
}

/// `np.require(np.linspace(a[i], b[j], n + 2)[1:-1], dtype)`.
fn linspace_interior(a: &Samples, i: usize, b: &Samples, j: usize, n: usize) -> Result<Samples, String> {
    let num = n + 2;
    Ok(match (a, b) {
        (Samples::I32(x), Samples::I32(y)) => {
            let l = linspace!(f64, f64::from(x[i]), f64::from(y[j]), num);
            // float64 -> int32 casts truncate toward zero (values lie between two int32s).
            Samples::I32(l[1..num - 1].iter().map(|&v| v as i32).collect())
        }
        (Samples::F32(x), Samples::F32(y)) => Samples::F32(linspace!(f32, x[i], y[j], num)[1..num - 1].to_vec()),
        (Samples::F64(x), Samples::F64(y)) => Samples::F64(linspace!(f64, x[i], y[j], num)[1..num - 1].to_vec()),
        _ => return Err("cannot interpolate text data".into()),
    })
}

/// A trace as ObsPy holds it mid-operation: data plus an optional mask (true = masked).
#[derive(Clone, Debug)]
struct Work {
    stats: Stats,
    data: Samples,
    mask: Option<Vec<bool>>,
}

/// Pieces to concatenate: data and whether (and where) masked.
type Pieces = Vec<(Samples, Option<Vec<bool>>)>;

impl Work {
    fn new(t: Trace) -> Work {
        let mut stats = t.stats;
        stats.npts = t.data.len();
        Work {
            stats,
            data: t.data,
            mask: None,
        }
    }

    fn len(&self) -> usize {
        self.data.len()
    }

    fn start(&self) -> Time {
        self.stats.starttime
    }

    fn endtime(&self) -> Time {
        self.stats.endtime()
    }

    fn kind(&self) -> SampleType {
        self.data.sample_type()
    }

    fn masked(&self, i: usize) -> bool {
        self.mask.as_ref().is_some_and(|m| m[i])
    }

    /// `data[r]` with its mask.
    fn piece(&self, r: Range<usize>) -> (Samples, Option<Vec<bool>>) {
        let r = r.start.min(self.len())..r.end.min(self.len());
        let r = r.start.min(r.end)..r.end;
        (sub(&self.data, r.clone()), self.mask.as_ref().map(|m| m[r].to_vec()))
    }

    /// Replaces data and mask; a mask without masked samples is dropped (ObsPy's downgrade to ndarray).
    fn set(&mut self, data: Samples, mask: Option<Vec<bool>>) {
        self.stats.npts = data.len();
        self.data = data;
        self.mask = mask.filter(|m| m.iter().any(|&x| x));
    }

    fn set_pieces(&mut self, pieces: Pieces) {
        let kind = self.kind();
        let mut data = Samples::empty(kind);
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

    fn chunk(&self, n: usize, fill: Chunk) -> Result<(Samples, Option<Vec<bool>>), StreamError> {
        let (d, masked) =
            make_chunk(self.kind(), n, fill).map_err(|e| StreamError(format!("{}: {e}", self.stats.id)))?;
        Ok((d, masked.then(|| vec![true; n])))
    }

    /// `Trace._ltrim`.
    fn ltrim(&mut self, starttime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
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
    fn rtrim(&mut self, endtime: Time, pad: bool, nearest: bool, fill: Chunk) -> Result<(), StreamError> {
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
    fn trim(
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
    fn split(self) -> Vec<Trace> {
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
fn compare(a: &Work, ra: Range<usize>, b: &Work, rb: Range<usize>) -> Result<Vec<Option<bool>>, StreamError> {
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

/// `Trace.__add__(trace, method, fill_value, interpolation_samples, sanity_checks)`.
fn add(
    a: Work,
    b: Work,
    method: MergeMethod,
    fill_value: Option<FillValue>,
    interpolation_samples: i64,
    sanity_checks: bool,
) -> Result<Work, StreamError> {
    let id = a.stats.id.clone();
    if sanity_checks && a.stats.sampling_rate != b.stats.sampling_rate {
        return err(format!(
            "{id}: sampling rate differs: {:?} vs {:?}",
            a.stats.sampling_rate, b.stats.sampling_rate
        ));
    }
    if a.kind() != b.kind() {
        return err(format!(
            "{id}: data type differs: {} vs {}",
            type_name(a.kind()),
            type_name(b.kind())
        ));
    }
    if a.len() == 0 || b.len() == 0 {
        return err(format!("{id}: cannot add empty traces"));
    }
    let sr = a.stats.sampling_rate;
    let (lt, rt) = if utc_cmp(a.start(), b.start()) != Ordering::Greater {
        (a, b)
    } else {
        (b, a)
    };
    let (ll, rl) = (lt.len(), rt.len());
    let fill = match fill_value {
        None => Chunk::Masked,
        Some(FillValue::Number(n)) => Chunk::Num(n),
        Some(FillValue::Latest) => Chunk::Value(&lt.data, ll - 1),
        Some(FillValue::Interpolate) => Chunk::Interp(&lt.data, ll - 1, &rt.data, 0),
    };
    let delta = round_away(utc_sub(rt.start(), lt.endtime()) * sr) as i64 - 1;
    let delta_endtime = utc_sub(lt.endtime(), rt.endtime());
    let not_implemented = || {
        err(format!(
            "{id}: merge method/interpolation_samples not implemented for overlaps"
        ))
    };
    let pieces: Pieces = if delta < 0 && delta_endtime < 0.0 {
        // overlap
        let d = delta.unsigned_abs() as usize;
        let eq = compare(&lt, ll.saturating_sub(d)..ll, &rt, 0..d.min(rl))?;
        // np.all over a masked comparison ignores masked entries, but is falsy when all are masked.
        let all_masked = !eq.is_empty() && eq.iter().all(Option::is_none);
        let same = !all_masked && eq.iter().all(|e| *e != Some(false));
        if same {
            vec![lt.piece(0..ll.saturating_sub(d)), rt.piece(0..rl)]
        } else if method == MergeMethod::Discard {
            vec![lt.piece(0..ll.saturating_sub(d)), lt.chunk(d, fill)?, rt.piece(d..rl)]
        } else if method == MergeMethod::Overwrite && interpolation_samples >= -1 {
            let ls = if d < ll { ll - d - 1 } else { 0 };
            let is = if interpolation_samples == -1 || interpolation_samples as usize > d {
                d
            } else {
                interpolation_samples as usize
            };
            if is >= rl {
                vec![lt.piece(0..ll)]
            } else {
                let interp =
                    linspace_interior(&lt.data, ls, &rt.data, is, is).map_err(|e| StreamError(format!("{id}: {e}")))?;
                // np.linspace from a masked sample yields masked samples
                let masked = (lt.masked(ls) || rt.masked(is)).then(|| vec![true; is]);
                vec![lt.piece(0..ll.saturating_sub(d)), (interp, masked), rt.piece(is..rl)]
            }
        } else {
            return not_implemented();
        }
    } else if delta < 0 {
        // contained trace
        let d = delta.unsigned_abs() as usize;
        let t1 = ll.saturating_sub(d);
        let t2 = t1 + rl;
        let eq = compare(&lt, t1..t2.min(ll), &rt, 0..rl)?;
        if eq.iter().all(|e| *e != Some(false)) {
            if lt.mask.is_some() && t2 <= ll {
                // fill lt's masked samples from rt (np.choose on the masks)
                let mut mid = lt.piece(t1..t2);
                let mut mid_mask = vec![false; rl];
                for (k, m) in mid_mask.iter_mut().enumerate() {
                    if lt.masked(t1 + k) {
                        copy_elem(&mut mid.0, k, &rt.data, k);
                        *m = rt.masked(k);
                    }
                }
                vec![lt.piece(0..t1), (mid.0, Some(mid_mask)), lt.piece(t2..ll)]
            } else {
                vec![lt.piece(0..ll)]
            }
        } else if method == MergeMethod::Discard {
            vec![lt.piece(0..t1), lt.chunk(rl, fill)?, lt.piece(t2..ll)]
        } else if method == MergeMethod::Overwrite {
            vec![lt.piece(0..ll)]
        } else {
            return not_implemented();
        }
    } else if delta == 0 {
        vec![lt.piece(0..ll), rt.piece(0..rl)]
    } else {
        vec![lt.piece(0..ll), lt.chunk(delta as usize, fill)?, rt.piece(0..rl)]
    };
    let mut out = Work {
        stats: lt.stats.clone(),
        data: Samples::empty(lt.kind()),
        mask: None,
    };
    out.set_pieces(pieces);
    Ok(out)
}

fn copy_elem(dst: &mut Samples, i: usize, src: &Samples, j: usize) {
    match (dst, src) {
        (Samples::I32(d), Samples::I32(s)) => d[i] = s[j],
        (Samples::F32(d), Samples::F32(s)) => d[i] = s[j],
        (Samples::F64(d), Samples::F64(s)) => d[i] = s[j],
        (Samples::Text(d), Samples::Text(s)) => d[i] = s[j],
        _ => {}
    }
}

/// `np.array_equal` of two (possibly masked) traces' underlying data.
fn array_equal(a: &Work, b: &Work) -> bool {
    a.len() == b.len() && (0..a.len()).all(|i| elem_eq(&a.data, i, &b.data, i))
}

fn obspy_sort_key(w: &Work) -> (&ChannelId, i64, i64) {
    (
        &w.stats.id,
        crate::pytime::micros(w.start()),
        crate::pytime::micros(w.endtime()),
    )
}

/// Splits sorted works into runs of equal id.
fn group_by_id(works: Vec<Work>) -> Vec<Vec<Work>> {
    let mut groups: Vec<Vec<Work>> = Vec::new();
    for w in works {
        match groups.last_mut() {
            Some(g) if g[0].stats.id == w.stats.id => g.push(w),
            _ => groups.push(vec![w]),
        }
    }
    groups
}

/// `Stream._cleanup(misalignment_threshold)`.
fn cleanup(traces: Vec<Work>, threshold: f64) -> Result<Vec<Work>, StreamError> {
    let mut works: Vec<Work> = traces.into_iter().filter(|w| w.len() > 0).collect();
    works.sort_by(|a, b| obspy_sort_key(a).cmp(&obspy_sort_key(b)));
    let mut out = Vec::new();
    for group in group_by_id(works) {
        let mut it = group.into_iter();
        let Some(mut cur) = it.next() else { continue };
        let delta = cur.stats.delta();
        let allowed = threshold * delta;
        let gid = cur.stats.id.to_string();
        let zero_rate = || StreamError(format!("{gid}: cannot merge traces with a sampling rate of 0"));
        for mut trace in it {
            let gap = utc_sub(trace.start(), cur.endtime().add_seconds(delta));
            if threshold > 0.0 && gap <= allowed {
                let misalignment = py_mod(gap, delta).ok_or_else(zero_rate)?;
                if misalignment != 0.0 {
                    let pct = misalignment / delta;
                    if pct <= threshold || pct >= 1.0 - threshold {
                        let k = (utc_sub(trace.start(), cur.start()) / delta).round_ties_even();
                        trace.stats.starttime = cur.start().add_seconds(k * delta);
                    }
                }
            }
            let shift =
                py_mod(trace.start().timestamp() - cur.start().timestamp(), delta).ok_or_else(zero_rate)? / delta;
            let shift = shift.min(1.0 - shift);
            if utc_cmp(trace.start(), cur.endtime()) != Ordering::Greater && shift < threshold {
                let t1 = trace.start();
                let t2 = if utc_lt(trace.endtime(), cur.endtime()) {
                    trace.endtime()
                } else {
                    cur.endtime()
                };
                let mut x = cur.clone();
                x.trim(Some(t1), Some(t2), false, true, None)?;
                let mut y = trace.clone();
                y.trim(Some(t1), Some(t2), false, true, None)?;
                if array_equal(&x, &y) {
                    cur = add(cur, trace, MergeMethod::Discard, None, 0, true)?;
                } else {
                    out.push(std::mem::replace(&mut cur, trace));
                }
            } else if utc_cmp(trace.start(), cur.endtime().add_seconds(cur.stats.delta())) == Ordering::Equal {
                cur = add(cur, trace, MergeMethod::Discard, None, 0, true)?;
            } else {
                out.push(std::mem::replace(&mut cur, trace));
            }
        }
        out.push(cur);
    }
    Ok(out.into_iter().filter(|w| w.len() > 0).collect())
}

/// `Stream._merge_checks`: one sampling rate and one dtype per id.
fn merge_checks(works: &[Work]) -> Result<(), StreamError> {
    let mut seen: Vec<(&ChannelId, f64, SampleType)> = Vec::new();
    for w in works.iter().filter(|w| w.len() > 0) {
        match seen.iter().find(|s| *s.0 == w.stats.id) {
            None => seen.push((&w.stats.id, w.stats.sampling_rate, w.kind())),
            Some(&(id, sr, kind)) => {
                if w.stats.sampling_rate != sr {
                    return err(format!(
                        "can not merge traces with same ids ({id}) but differing sampling rates ({sr:?}, {:?})",
                        w.stats.sampling_rate
                    ));
                }
                if w.kind() != kind {
                    return err(format!(
                        "can not merge traces with same ids ({id}) but differing data types ({}, {})",
                        type_name(kind),
                        type_name(w.kind())
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Trace {
    /// ObsPy's `Trace.trim(starttime, endtime, pad, nearest_sample, fill_value)`, in place.
    ///
    /// With `pad=true` and `fill_value=None` ObsPy pads with masked samples; here the trace is what
    /// `trace.split()` keeps of that: the unmasked part (its start time recomputed the way `split()` does),
    /// or no samples at all.
    pub fn trim(
        &mut self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        pad: bool,
        nearest_sample: bool,
        fill_value: Option<Number>,
    ) -> Result<(), StreamError> {
        *self = self.trimmed(starttime, endtime, pad, nearest_sample, fill_value)?;
        Ok(())
    }

    /// [`Trace::trim`] on a copy (the one copy trim, slice and `Stream::trim` make); `self` is untouched.
    fn trimmed(
        &self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        pad: bool,
        nearest_sample: bool,
        fill_value: Option<Number>,
    ) -> Result<Trace, StreamError> {
        let mut w = Work::new(self.clone());
        w.trim(starttime, endtime, pad, nearest_sample, fill_value)?;
        let stats = w.stats.clone();
        let kind = w.kind();
        Ok(w.split().into_iter().next().unwrap_or_else(|| {
            let mut t = Trace {
                stats,
                data: Samples::empty(kind),
            };
            t.stats.npts = 0;
            t
        }))
    }

    /// ObsPy's `Trace.slice(starttime, endtime, nearest_sample)`: a trimmed copy (no padding).
    pub fn slice(
        &self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        nearest_sample: bool,
    ) -> Result<Trace, StreamError> {
        self.trimmed(starttime, endtime, false, nearest_sample, None)
    }
}

impl Stream {
    /// ObsPy's `Stream.merge(method, fill_value, interpolation_samples)` (after `_cleanup` with the default
    /// `misalignment_threshold=0.01`).
    ///
    /// Where ObsPy would return masked arrays (gaps with `fill_value=None`, overlaps discarded by
    /// `method=0`), the result is split into contiguous traces exactly as ObsPy's `Stream.split()` cuts
    /// the masked result: this equals `st.merge(...).split()`.
    ///
    /// Trace order: ObsPy puts newly merged traces first (by id) and keeps the original positions of the
    /// others; its tie-breaking uses object addresses, so only this intended order is reproduced.
    /// On error the stream is left unchanged.
    pub fn merge(
        &mut self,
        method: MergeMethod,
        fill_value: Option<FillValue>,
        interpolation_samples: i64,
    ) -> Result<(), StreamError> {
        self.merge_with_threshold(method, fill_value, interpolation_samples, 0.01)
    }

    /// [`Stream::merge`] with `_cleanup`'s `misalignment_threshold` (fraction of a sample).
    pub fn merge_with_threshold(
        &mut self,
        method: MergeMethod,
        fill_value: Option<FillValue>,
        interpolation_samples: i64,
        misalignment_threshold: f64,
    ) -> Result<(), StreamError> {
        // One non-empty trace per id (a gap-free day file): ObsPy changes nothing, and copying the samples
        // would double the memory of the common case. (Empty traces are dropped: not this path.)
        let mut ids = std::collections::HashSet::new();
        if self.traces.iter().all(|t| t.stats.npts > 0 && ids.insert(&t.stats.id)) {
            return Ok(());
        }
        let works: Vec<Work> = self.traces.iter().cloned().map(Work::new).collect();
        let works = cleanup(works, misalignment_threshold)?;
        if method == MergeMethod::Cleanup {
            self.traces = works.into_iter().flat_map(Work::split).collect();
            return Ok(());
        }
        merge_checks(&works)?;
        let mut indexed: Vec<(usize, Work)> = works.into_iter().enumerate().collect();
        indexed.sort_by(|a, b| obspy_sort_key(&a.1).cmp(&obspy_sort_key(&b.1)));
        let mut groups: Vec<Vec<(usize, Work)>> = Vec::new();
        for (i, w) in indexed {
            match groups.last_mut() {
                Some(g) if g[0].1.stats.id == w.stats.id => g.push((i, w)),
                _ => groups.push(vec![(i, w)]),
            }
        }
        let mut merged: Vec<(i64, Work)> = Vec::new();
        for group in groups {
            let single = group.len() == 1;
            let mut it = group.into_iter();
            let Some((i, mut cur)) = it.next() else { continue };
            for (_, w) in it {
                cur = add(cur, w, method, fill_value, interpolation_samples, false)?;
            }
            merged.push((if single { i as i64 } else { -1 }, cur));
        }
        merged.sort_by_key(|m| m.0);
        self.traces = merged.into_iter().flat_map(|m| m.1.split()).collect();
        Ok(())
    }

    /// ObsPy's `Stream.trim(starttime, endtime, pad, keep_empty_traces=False, nearest_sample, fill_value)`.
    ///
    /// With `nearest_sample`, the times are first moved onto the sample grid of the first trace, as ObsPy
    /// does. With `pad=true` and `fill_value=None`, masked padding is dropped as `Stream.split()` would
    /// (see [`Trace::trim`]). Empty traces are removed. On error the stream is left unchanged.
    pub fn trim(
        &mut self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        pad: bool,
        nearest_sample: bool,
        fill_value: Option<Number>,
    ) -> Result<(), StreamError> {
        if self.traces.is_empty() {
            return Ok(());
        }
        let (starttime, endtime) = self.snap(starttime, endtime, nearest_sample);
        let mut traces = self
            .traces
            .iter()
            .map(|t| t.trimmed(starttime, endtime, pad, nearest_sample, fill_value))
            .collect::<Result<Vec<_>, _>>()?;
        traces.retain(|t| t.stats.npts > 0);
        self.traces = traces;
        Ok(())
    }

    /// ObsPy's `Stream.slice(starttime, endtime, keep_empty_traces=False, nearest_sample)`: trimmed copies.
    pub fn slice(
        &self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        nearest_sample: bool,
    ) -> Result<Stream, StreamError> {
        if self.traces.is_empty() {
            return Ok(Stream::default());
        }
        let (starttime, endtime) = self.snap(starttime, endtime, nearest_sample);
        let mut out = Vec::new();
        for t in &self.traces {
            let s = t.slice(starttime, endtime, nearest_sample)?;
            if s.stats.npts > 0 {
                out.push(s);
            }
        }
        Ok(Stream::new(out))
    }

    /// Moves start/end onto the first trace's sample grid (Stream.trim/slice with `nearest_sample`).
    fn snap(&self, starttime: Option<Time>, endtime: Option<Time>, nearest: bool) -> (Option<Time>, Option<Time>) {
        let Some(tr) = self.traces.first().filter(|_| nearest) else {
            return (starttime, endtime);
        };
        let (t0, t1, sr, dt) = (
            tr.stats.starttime,
            tr.endtime(),
            tr.stats.sampling_rate,
            tr.stats.delta(),
        );
        (
            starttime.map(|s| t0.add_seconds(round_away(utc_sub(s, t0) * sr) * dt)),
            endtime.map(|e| t1.add_seconds(round_away(utc_sub(e, t1) * sr) * dt)),
        )
    }
}
