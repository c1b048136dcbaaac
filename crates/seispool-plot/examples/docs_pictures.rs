//! Writes the example pictures of docs/pictures/ from synthetic arrays and prints the draw times:
//! `cargo run --release -p seispool-plot --example docs_pictures -- OUTDIR`.

use seispool_core::Time;
use seispool_plot::availability::{AvailabilityPicture, ChannelSpans, Span, write_availability_png};
use seispool_plot::dayplot::{Kind, Segment, WaveformPicture, write_waveform_png};
use std::path::Path;
use std::time::Instant;

const S: i64 = 1_000_000_000;

/// A small deterministic generator (xorshift) so the pictures are the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn availability(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Time::parse("2024-01-01")?.0;
    let mut rng = Rng(42);
    let mut chans = Vec::new();
    for (k, sta) in ["ST01", "ST02", "ST03", "ST04"].iter().enumerate() {
        for cha in ["HHE", "HHN", "HHZ"] {
            let mut spans = Vec::new();
            let first_day = if k == 3 { 9 } else { 0 };
            for day in first_day..31 {
                if k == 1 && (12..15).contains(&day) {
                    continue; // a station outage
                }
                let d0 = t0 + day * 86_400 * S;
                let mut a = d0;
                // One day file in a few traces: short telemetry gaps now and then.
                while a < d0 + 86_400 * S {
                    let len = ((0.3 + rng.next()) * 86_400.0) as i64 * S;
                    let b = (a + len).min(d0 + 86_400 * S);
                    spans.push(Span {
                        start_ns: a,
                        end_ns: b,
                        delta_ns: S / 100,
                    });
                    a = b + if rng.next() < 0.15 {
                        (rng.next() * 7200.0) as i64 * S
                    } else {
                        0
                    };
                }
            }
            if k == 2 {
                spans.push(Span {
                    start_ns: t0 + 20 * 86_400 * S,
                    end_ns: t0 + 20 * 86_400 * S + 8 * 3600 * S,
                    delta_ns: S / 100,
                });
            }
            chans.push(ChannelSpans {
                id: format!("XX.{sta}.00.{cha}"),
                spans,
            });
        }
    }
    let started = Instant::now();
    let pic = AvailabilityPicture {
        channels: &chans,
        start: Some(Time(t0)),
        end: Some(Time(t0 + 31 * 86_400 * S)),
        width: 1000,
    };
    write_availability_png(&pic, &out.join("availability.png"))?;
    println!(
        "availability: {} channel-days in {:.3} s",
        12 * 31,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn trace(rng: &mut Rng, n: usize, sr: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(n);
    let (mut a, mut b) = (0.0, 0.0);
    for i in 0..n {
        // Red-ish noise plus microseism and a "quake" at 14:10.
        a = 0.97 * a + rng.next() - 0.5;
        b = 0.999 * b + 0.05 * (rng.next() - 0.5);
        let t = i as f64 / sr;
        let micro = 3.0 * (2.0 * std::f64::consts::PI * t / 6.0).sin();
        let q = t - 14.0 * 3600.0 - 600.0;
        let quake = if q > 0.0 {
            80.0 * (-q / 120.0).exp() * (2.0 * std::f64::consts::PI * q * 1.5).sin()
        } else {
            0.0
        };
        v.push(a + 20.0 * b + micro + quake);
    }
    v
}

fn dayplot(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let sr = 100.0;
    let mut rng = Rng(7);
    let day = trace(&mut rng, 86_400 * 100, sr);
    let t0 = Time::parse("2024-03-05")?;
    // A 40-minute gap at 05:20.
    let (a, b) = ((5 * 3600 + 1200) * 100, (6 * 3600) * 100);
    let segs = [
        Segment {
            start: t0,
            sampling_rate: sr,
            data: &day[..a],
        },
        Segment {
            start: Time(t0.0 + b as i64 * S / 100),
            sampling_rate: sr,
            data: &day[b..],
        },
    ];
    let started = Instant::now();
    let pic = WaveformPicture {
        title: "XX.ST01.00.HHZ  2024-03-05 (100 Hz)",
        segments: &segs,
        start: None,
        end: None,
        kind: Kind::Auto,
        width: 1000,
        height: None,
    };
    write_waveform_png(&pic, &out.join("dayplot.png"))?;
    println!(
        "dayplot: one 100 Hz channel-day in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    let q0 = (14 * 3600 + 540) * 100;
    let short = [Segment {
        start: Time(t0.0 + q0 as i64 * S / 100),
        sampling_rate: sr,
        data: &day[q0..q0 + 600 * 100],
    }];
    let pic = WaveformPicture {
        title: "XX.ST01.00.HHZ  2024-03-05 14:09 – 14:19",
        segments: &short,
        start: None,
        end: None,
        kind: Kind::Auto,
        width: 1000,
        height: None,
    };
    write_waveform_png(&pic, &out.join("waveform.png"))?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "docs/pictures".into());
    let out = Path::new(&out);
    availability(out)?;
    dayplot(out)?;
    Ok(())
}
