//! ObsPy 1.5.1's `Stream.merge`/`_cleanup`/`_merge_checks` and `Trace.__add__`, reproduced step by step
//! (including `UTCDateTime`'s microsecond comparisons and float-second arithmetic, see [`crate::pytime`])
//! so that every boundary case rounds as ObsPy does. Gaps and discarded overlaps are masked in a
//! [`MaskedTrace`] and split away at the end (see [`crate::masked`]).

use std::cmp::Ordering;
use std::ops::Range;

use crate::fill::{Chunk, FillValue, linspace_interior};
use crate::masked::{MaskedTrace, Part, StreamError, compare, elem_eq, err};
use crate::pytime::{py_mod, utc_cmp, utc_lt, utc_sub};
use crate::{ChannelId, SampleType, Samples, Stream, round_away};

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

fn type_name(t: SampleType) -> &'static str {
    match t {
        SampleType::I32 => "int32",
        SampleType::F32 => "float32",
        SampleType::F64 => "float64",
        SampleType::Text => "text",
    }
}

/// `Trace.__add__(trace, method, fill_value, interpolation_samples, sanity_checks)`.
fn add(
    a: MaskedTrace,
    b: MaskedTrace,
    method: MergeMethod,
    fill_value: Option<FillValue>,
    interpolation_samples: i64,
    sanity_checks: bool,
) -> Result<MaskedTrace, StreamError> {
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
    let parts: Vec<Part> = if delta < 0 && delta_endtime < 0.0 {
        let d = delta.unsigned_abs() as usize;
        let how = (method, fill, interpolation_samples);
        overlap_parts(&lt, &rt, d, how, &id)?
    } else if delta < 0 {
        contained_parts(&lt, &rt, delta.unsigned_abs() as usize, method, fill, &id)?
    } else if delta == 0 {
        vec![Part::A(0..ll), Part::B(0..rl)]
    } else {
        vec![Part::A(0..ll), lt.chunk(delta as usize, fill)?, Part::B(0..rl)]
    };
    // The left trace's buffer becomes the result's (see `assemble`).
    Ok(MaskedTrace::assemble(lt, Some(rt), parts))
}

fn not_implemented<T>(id: &ChannelId) -> Result<T, StreamError> {
    err(format!(
        "{id}: merge method/interpolation_samples not implemented for overlaps"
    ))
}

/// `__add__`'s overlap case: `rt` starts `d` samples before `lt` ends and ends after it. `how` is
/// `(method, fill, interpolation_samples)`.
fn overlap_parts(
    lt: &MaskedTrace,
    rt: &MaskedTrace,
    d: usize,
    how: (MergeMethod, Chunk, i64),
    id: &ChannelId,
) -> Result<Vec<Part>, StreamError> {
    let (method, fill, interpolation_samples) = how;
    let (ll, rl) = (lt.len(), rt.len());
    let eq = compare(lt, ll.saturating_sub(d)..ll, rt, 0..d.min(rl))?;
    // np.all over a masked comparison ignores masked entries, but is falsy when all are masked.
    let all_masked = !eq.is_empty() && eq.iter().all(Option::is_none);
    let same = !all_masked && eq.iter().all(|e| *e != Some(false));
    let head = Part::A(lt.clamped(0..ll.saturating_sub(d)));
    Ok(if same {
        vec![head, Part::B(0..rl)]
    } else if method == MergeMethod::Discard {
        vec![head, lt.chunk(d, fill)?, Part::B(rt.clamped(d..rl))]
    } else if method == MergeMethod::Overwrite && interpolation_samples >= -1 {
        let ls = if d < ll { ll - d - 1 } else { 0 };
        let is = if interpolation_samples == -1 || interpolation_samples as usize > d {
            d
        } else {
            interpolation_samples as usize
        };
        if is >= rl {
            vec![Part::A(0..ll)]
        } else {
            let interp =
                linspace_interior(&lt.data, ls, &rt.data, is, is).map_err(|e| StreamError(format!("{id}: {e}")))?;
            // np.linspace from a masked sample yields masked samples
            let masked = (lt.masked(ls) || rt.masked(is)).then(|| vec![true; is]);
            vec![head, Part::New(interp, masked), Part::B(rt.clamped(is..rl))]
        }
    } else {
        return not_implemented(id);
    })
}

/// `__add__`'s contained case: `rt` lies within `lt`, starting `d` samples before `lt` ends.
fn contained_parts(
    lt: &MaskedTrace,
    rt: &MaskedTrace,
    d: usize,
    method: MergeMethod,
    fill: Chunk,
    id: &ChannelId,
) -> Result<Vec<Part>, StreamError> {
    let (ll, rl) = (lt.len(), rt.len());
    let t1 = ll.saturating_sub(d);
    let t2 = t1 + rl;
    let eq = compare(lt, t1..t2.min(ll), rt, 0..rl)?;
    Ok(if eq.iter().all(|e| *e != Some(false)) {
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
            vec![
                Part::A(lt.clamped(0..t1)),
                Part::New(mid.0, Some(mid_mask)),
                Part::A(lt.clamped(t2..ll)),
            ]
        } else {
            vec![Part::A(0..ll)]
        }
    } else if method == MergeMethod::Discard {
        vec![
            Part::A(lt.clamped(0..t1)),
            lt.chunk(rl, fill)?,
            Part::A(lt.clamped(t2..ll)),
        ]
    } else if method == MergeMethod::Overwrite {
        vec![Part::A(0..ll)]
    } else {
        return not_implemented(id);
    })
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

/// `np.array_equal(a.data[ra], b.data[rb])` of two (possibly masked) traces' underlying data.
fn ranges_equal(a: &MaskedTrace, ra: Range<usize>, b: &MaskedTrace, rb: Range<usize>) -> bool {
    ra.len() == rb.len() && ra.zip(rb).all(|(i, j)| elem_eq(&a.data, i, &b.data, j))
}

fn obspy_sort_key(w: &MaskedTrace) -> (&ChannelId, i64, i64) {
    (
        &w.stats.id,
        crate::pytime::micros(w.start()),
        crate::pytime::micros(w.endtime()),
    )
}

/// Splits sorted works into runs of equal id.
fn group_by_id(works: Vec<MaskedTrace>) -> Vec<Vec<MaskedTrace>> {
    let mut groups: Vec<Vec<MaskedTrace>> = Vec::new();
    for w in works {
        match groups.last_mut() {
            Some(g) if g[0].stats.id == w.stats.id => g.push(w),
            _ => groups.push(vec![w]),
        }
    }
    groups
}

/// `Stream._cleanup(misalignment_threshold)`.
fn cleanup(traces: Vec<MaskedTrace>, threshold: f64) -> Result<Vec<MaskedTrace>, StreamError> {
    let mut works: Vec<MaskedTrace> = traces.into_iter().filter(|w| w.len() > 0).collect();
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
                // `cur.copy().trim(t1, t2)` and the same of `trace`, compared without copying either.
                let x = cur.trimmed_range(t1, t2)?;
                let y = trace.trimmed_range(t1, t2)?;
                if ranges_equal(&cur, x, &trace, y) {
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
fn merge_checks(works: &[MaskedTrace]) -> Result<(), StreamError> {
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
        self.merge_impl(false, method, fill_value, interpolation_samples, misalignment_threshold)
    }

    /// [`Stream::merge_with_threshold`] without first copying the samples: the traces are moved into
    /// the merge (a 100 Hz channel-day with a gap copied ~100 MB before merging). On error the stream
    /// is left empty, so this is for a stream that is dropped on error (the pipeline's `merge` op).
    pub fn merge_consuming(
        &mut self,
        method: MergeMethod,
        fill_value: Option<FillValue>,
        interpolation_samples: i64,
        misalignment_threshold: f64,
    ) -> Result<(), StreamError> {
        self.merge_impl(true, method, fill_value, interpolation_samples, misalignment_threshold)
    }

    /// The merge; `consume` moves the traces into it instead of copying them (the stream is then left
    /// empty on error).
    fn merge_impl(
        &mut self,
        consume: bool,
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
        let works: Vec<MaskedTrace> = if consume {
            std::mem::take(&mut self.traces)
                .into_iter()
                .map(MaskedTrace::new)
                .collect()
        } else {
            self.traces.iter().cloned().map(MaskedTrace::new).collect()
        };
        let works = cleanup(works, misalignment_threshold)?;
        if method == MergeMethod::Cleanup {
            self.traces = works.into_iter().flat_map(MaskedTrace::split).collect();
            return Ok(());
        }
        merge_checks(&works)?;
        let mut indexed: Vec<(usize, MaskedTrace)> = works.into_iter().enumerate().collect();
        indexed.sort_by(|a, b| obspy_sort_key(&a.1).cmp(&obspy_sort_key(&b.1)));
        let mut groups: Vec<Vec<(usize, MaskedTrace)>> = Vec::new();
        for (i, w) in indexed {
            match groups.last_mut() {
                Some(g) if g[0].1.stats.id == w.stats.id => g.push((i, w)),
                _ => groups.push(vec![(i, w)]),
            }
        }
        let mut merged: Vec<(i64, MaskedTrace)> = Vec::new();
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Time, Trace};

    fn trace(start_s: i64, data: Vec<i32>) -> Trace {
        Trace::new(
            ChannelId::new("XX", "STA", "", "HHZ"),
            Time::from_ns(start_s * 1_000_000_000),
            1.0,
            Samples::I32(data),
        )
    }

    fn i32_ptr(t: &Trace) -> *const i32 {
        match &t.data {
            Samples::I32(v) => v.as_ptr(),
            _ => std::ptr::null(),
        }
    }

    /// Merging a day with the piece after its gap (or overlap) copied every sample of both into new
    /// buffers, twice (page faults were ~40 % of the seed job's kernel time). The left trace's buffer
    /// must now become the result's when it has room: same samples, same address.
    #[test]
    fn merge_copied_the_left_trace_instead_of_extending_it() {
        for (right_start, method) in [
            (12, MergeMethod::Overwrite),
            (8, MergeMethod::Overwrite),
            (10, MergeMethod::Discard),
        ] {
            let mut left = Vec::with_capacity(64);
            left.extend(0..10);
            let right: Vec<i32> = (100..110).collect();
            let mut st = Stream::new(vec![trace(0, left), trace(right_start, right)]);
            let before = i32_ptr(&st.traces[0]);
            st.merge_consuming(method, Some(FillValue::Interpolate), 0, 0.01)
                .expect("merge");
            assert_eq!(st.traces.len(), 1);
            let Samples::I32(v) = &st.traces[0].data else {
                panic!("not i32")
            };
            let want: Vec<i32> = match right_start {
                // a gap of two samples, interpolated between 9 and 100
                12 => (0..10).chain([39, 69]).chain(100..110).collect(),
                // an overlap of two samples: the right trace overwrites them
                8 => (0..8).chain(100..110).collect(),
                // contiguous
                _ => (0..10).chain(100..110).collect(),
            };
            assert_eq!(v, &want, "right trace at {right_start} s");
            assert_eq!(
                i32_ptr(&st.traces[0]),
                before,
                "right trace at {right_start} s: the left buffer was copied"
            );
        }
    }
}
