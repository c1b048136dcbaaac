//! `Stream`: an ordered list of traces with ObsPy's stream-level semantics.

use crate::{Time, Trace};

/// An ordered collection of traces (ObsPy's `Stream`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    /// The traces, in order.
    pub traces: Vec<Trace>,
}

/// A gap (positive `delta`) or overlap (negative) between two traces of one channel,
/// as one row of ObsPy's `Stream.get_gaps()`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Gap {
    /// Channel id `NET.STA.LOC.CHA`.
    pub id: String,
    /// Last sample before the gap.
    pub start: Time,
    /// First sample after the gap.
    pub end: Time,
    /// Gap length in seconds (negative for overlaps).
    pub delta: f64,
    /// Missing samples (negative for overlaps).
    pub nsamples: i64,
}

/// Rounds half away from zero (ObsPy's `compatibility.round_away`).
pub fn round_away(x: f64) -> f64 {
    x.round()
}

impl Stream {
    /// A stream holding `traces`.
    pub fn new(traces: Vec<Trace>) -> Stream {
        Stream { traces }
    }

    /// Number of traces.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// Whether the stream has no traces.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// Total samples over all traces.
    pub fn total_samples(&self) -> usize {
        self.traces.iter().map(|t| t.stats.npts).sum()
    }

    /// Sorts like ObsPy's default `Stream.sort()`: network, station, location, channel, starttime, endtime (stable).
    pub fn sort(&mut self) {
        self.traces.sort_by(|a, b| {
            (&a.stats.id, a.stats.starttime, a.endtime()).cmp(&(&b.stats.id, b.stats.starttime, b.endtime()))
        });
    }

    /// Keeps the traces whose id matches the `NET.STA.LOC.CHA` glob.
    pub fn select(&self, pattern: &str) -> Stream {
        Stream::new(
            self.traces
                .iter()
                .filter(|t| t.stats.id.matches(pattern))
                .cloned()
                .collect(),
        )
    }

    /// Gaps and overlaps, computed exactly as ObsPy's `Stream.get_gaps()` (without min/max filters).
    pub fn get_gaps(&self) -> Vec<Gap> {
        let mut traces: Vec<&Trace> = self.traces.iter().collect();
        traces.sort_by(|a, b| {
            (&a.stats.id, a.stats.starttime, a.endtime()).cmp(&(&b.stats.id, b.stats.starttime, b.endtime()))
        });
        let mut gaps = Vec::new();
        for i in 0..traces.len().saturating_sub(1) {
            let (cur, next) = (&traces[i].stats, &traces[i + 1].stats);
            if cur.id != next.id {
                continue;
            }
            let same_rate = cur.delta() == next.delta();
            let stime = cur.endtime().min(next.endtime());
            let etime = next.starttime;
            let mut delta = etime.timestamp() - (stime.timestamp() + cur.delta());
            if delta < 0.0 {
                let coverage = next.endtime().timestamp() - etime.timestamp();
                if -delta > coverage {
                    delta = -coverage;
                }
            }
            let mut nsamples = round_away(delta.abs() * cur.sampling_rate) as i64;
            if delta < 0.0 {
                nsamples = -nsamples;
            }
            if same_rate && nsamples == 0 {
                continue;
            }
            let covered = traces[..i]
                .iter()
                .any(|p| p.stats.id == cur.id && p.stats.starttime < stime && stime < etime && etime < p.endtime());
            if !covered {
                gaps.push(Gap {
                    id: cur.id.to_string(),
                    start: stime,
                    end: etime,
                    delta,
                    nsamples,
                });
            }
        }
        gaps
    }
}

impl From<Vec<Trace>> for Stream {
    fn from(traces: Vec<Trace>) -> Self {
        Stream::new(traces)
    }
}

impl IntoIterator for Stream {
    type Item = Trace;
    type IntoIter = std::vec::IntoIter<Trace>;
    fn into_iter(self) -> Self::IntoIter {
        self.traces.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChannelId, Samples};

    fn tr(start_s: i64, n: usize) -> Trace {
        Trace::new(
            ChannelId::new("XX", "A", "", "HHZ"),
            Time(start_s * 1_000_000_000),
            1.0,
            Samples::I32(vec![0; n]),
        )
    }

    #[test]
    fn gap_and_overlap() {
        // 0..9 then 15..: samples 10..14 missing (5 samples, 5 s after the one-delta coverage)
        let st = Stream::new(vec![tr(15, 5), tr(0, 10)]);
        let g = st.get_gaps();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].nsamples, 5);
        assert_eq!(g[0].delta, 5.0);
        let st = Stream::new(vec![tr(0, 10), tr(8, 10)]);
        assert_eq!(st.get_gaps()[0].nsamples, -2);
        let st = Stream::new(vec![tr(0, 10), tr(10, 10)]);
        assert!(st.get_gaps().is_empty());
    }
}
