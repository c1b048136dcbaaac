//! Deterministic synthetic seismograms for `seispool demo` and the benchmarks: microseism + ambient
//! noise + a few local events (P and S wave trains), in integer counts, with a gap and an overlap.

use seispool_core::{ChannelId, Samples, Stream, Time, Trace};

/// SplitMix64: a tiny deterministic generator (same output on every platform and run).
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// What to synthesize.
#[derive(Clone, Debug)]
pub struct SynthSpec {
    /// Network code.
    pub network: String,
    /// Number of stations (named `ST01`, `ST02`, ...).
    pub stations: usize,
    /// Number of consecutive days.
    pub days: usize,
    /// First day (midnight).
    pub start: Time,
    /// Sampling rate in Hz.
    pub sampling_rate: f64,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            network: "XS".into(),
            stations: 2,
            days: 1,
            start: Time(1_704_067_200_000_000_000), // 2024-01-01T00:00:00Z
            sampling_rate: 100.0,
            seed: 20_240_101,
        }
    }
}

impl SynthSpec {
    /// Refuses a sampling rate outside 0.1..=1000 Hz (the problem, without the option's name).
    pub fn check(&self) -> Result<(), String> {
        if self.sampling_rate.is_finite() && (0.1..=1000.0).contains(&self.sampling_rate) {
            Ok(())
        } else {
            Err("must be between 0.1 and 1000 Hz".into())
        }
    }
}

/// One synthetic channel-day: the traces of one channel that fall on one day.
#[derive(Clone, Debug)]
pub struct ChannelDayData {
    /// Day index from the spec's start.
    pub day: usize,
    /// The traces (more than one when the day has a gap or an overlap).
    pub stream: Stream,
}

pub(crate) const CHANNELS: [&str; 3] = ["HHZ", "HHN", "HHE"];

/// Event origin times (seconds into the day) and peak amplitudes (counts) of the synthetic quakes.
const EVENTS: [(f64, f64); 3] = [
    (3_600.0 * 3.25, 180_000.0),
    (3_600.0 * 11.6, 60_000.0),
    (3_600.0 * 19.05, 400_000.0),
];

fn channel_day(spec: &SynthSpec, station: usize, comp: usize, day: usize) -> Vec<i32> {
    let n = (86_400.0 * spec.sampling_rate).round() as usize;
    let dt = 1.0 / spec.sampling_rate;
    let seed = spec.seed ^ ((station as u64) << 32) ^ ((comp as u64) << 16) ^ day as u64;
    let mut rng = SplitMix(seed);
    let phase = rng.uniform() * std::f64::consts::TAU;
    let distance_km = 20.0 + 35.0 * station as f64;
    let (tp, ts) = (distance_km / 6.0, distance_km / 3.5);
    let horizontal = if comp == 0 { 0.6 } else { 1.0 };
    let mut ar = 0.0f64;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 * dt;
        // Ambient noise: AR(1) red noise plus white noise; microseism near 0.17 Hz.
        ar = 0.98 * ar + rng.normal() * 40.0;
        let mut x = ar + rng.normal() * 25.0 + 1_800.0 * (std::f64::consts::TAU * 0.17 * t + phase).sin();
        for &(origin, amp) in &EVENTS {
            for (arrival, weight, freq) in [(origin + tp, 0.45 / horizontal, 6.0), (origin + ts, horizontal, 2.5)] {
                let tau = t - arrival;
                if (0.0..120.0).contains(&tau) {
                    let envelope = (1.0 - (-tau * 8.0).exp()) * (-tau / 12.0).exp();
                    x += amp * weight * envelope * (std::f64::consts::TAU * freq * tau + phase).sin();
                }
            }
        }
        // A long-period drift so detrend has something to remove.
        x += 400.0 * (t / 86_400.0) + 1_000.0 * station as f64;
        out.push(x.round() as i32);
    }
    out
}

/// Synthesizes every channel-day of `spec`. Station 1's HHZ on the first day has a 90 s gap at 06:00;
/// station 2's HHN (or station 1's with one station) on the first day has a 30 s overlapping segment at 14:00.
pub fn synthesize(spec: &SynthSpec) -> Vec<ChannelDayData> {
    let mut out = Vec::new();
    let sr = spec.sampling_rate;
    let idx = |secs: f64| (secs * sr).round() as usize;
    for station in 0..spec.stations {
        for (comp, cha) in CHANNELS.iter().enumerate() {
            let id = ChannelId::new(&spec.network, &format!("ST{:02}", station + 1), "00", cha);
            for day in 0..spec.days {
                let start = spec.start + day as i64 * 86_400_000_000_000;
                let data = channel_day(spec, station, comp, day);
                let traces = if day == 0 && station == 0 && comp == 0 {
                    let (a, b) = (idx(6.0 * 3600.0), idx(6.0 * 3600.0 + 90.0));
                    vec![
                        Trace::new(id.clone(), start, sr, Samples::I32(data[..a].to_vec())),
                        Trace::new(
                            id.clone(),
                            start.add_seconds(b as f64 / sr),
                            sr,
                            Samples::I32(data[b..].to_vec()),
                        ),
                    ]
                } else if day == 0 && station == spec.stations.min(2) - 1 && comp == 1 {
                    let (a, b) = (idx(14.0 * 3600.0), idx(14.0 * 3600.0 + 30.0));
                    vec![
                        Trace::new(id.clone(), start, sr, Samples::I32(data.clone())),
                        Trace::new(
                            id.clone(),
                            start.add_seconds(a as f64 / sr),
                            sr,
                            Samples::I32(data[a..b].to_vec()),
                        ),
                    ]
                } else {
                    vec![Trace::new(id.clone(), start, sr, Samples::I32(data))]
                };
                out.push(ChannelDayData {
                    day,
                    stream: Stream::new(traces),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let spec = SynthSpec {
            sampling_rate: 1.0,
            ..SynthSpec::default()
        };
        let a = synthesize(&spec);
        let b = synthesize(&spec);
        assert_eq!(a.len(), 6);
        assert_eq!(a[0].stream, b[0].stream);
        assert_eq!(a[0].stream.len(), 2, "gap splits the first channel-day");
        assert_eq!(a[0].stream.get_gaps().len(), 1);
        let overlap = a
            .iter()
            .find(|c| c.stream.len() == 2 && c.stream.traces[0].stats.id.channel == "HHN")
            .unwrap();
        assert!(overlap.stream.get_gaps()[0].nsamples < 0);
    }
}
