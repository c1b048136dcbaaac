//! ObsPy 1.5.1's `Trace.trim`/`slice` and `Stream.trim`/`slice`; the sample arithmetic is the masked
//! trace's (`Trace._ltrim`/`_rtrim`, see [`crate::masked`]), padding without a fill value is split away.

use crate::fill::Number;
use crate::masked::{MaskedTrace, StreamError};
use crate::pytime::utc_sub;
use crate::{Samples, Stream, Time, Trace, round_away};

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
        let mut w = MaskedTrace::new(self.clone());
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
        let mut traces = self.trimmed_traces(starttime, endtime, pad, nearest_sample, fill_value, true)?;
        traces.retain(|t| t.stats.npts > 0);
        self.traces = traces;
        Ok(())
    }

    /// Every trace trimmed, the emptied ones kept (no samples, the start time where ObsPy leaves it: its
    /// `keep_empty_traces=True`); `self` is untouched. With `snap` the window is first moved onto the
    /// first trace's sample grid, as `Stream.trim`/`slice` do; without it each trace is trimmed as
    /// `Trace.trim` trims it alone (its own grid: not the same where ObsPy's `_rtrim` compares the unmoved
    /// end time with the start time).
    pub fn trimmed_traces(
        &self,
        starttime: Option<Time>,
        endtime: Option<Time>,
        pad: bool,
        nearest_sample: bool,
        fill_value: Option<Number>,
        snap: bool,
    ) -> Result<Vec<Trace>, StreamError> {
        let (starttime, endtime) = if snap {
            self.snap(starttime, endtime, nearest_sample)
        } else {
            (starttime, endtime)
        };
        self.traces
            .iter()
            .map(|t| t.trimmed(starttime, endtime, pad, nearest_sample, fill_value))
            .collect()
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
