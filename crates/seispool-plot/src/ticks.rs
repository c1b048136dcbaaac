//! Tick positions and labels: linear, logarithmic (decades) and calendar time from seconds to decades.

use seispool_core::{Time, civil_from_days, days_from_civil};

const NS_PER_S: i64 = 1_000_000_000;
const NS_PER_DAY: i64 = 86_400 * NS_PER_S;

/// "Nice" linear ticks (1, 2, 5 × 10^k steps) inside `[lo, hi]`, about `target` of them.
pub fn linear(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Formats a linear tick value with no more decimals than the step needs.
pub fn linear_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize + 1
    };
    let s = format!("{v:.decimals$}");
    match s.strip_prefix('-') {
        // matplotlib's minus sign; "-0" reads as 0.
        Some(rest) if rest.trim_start_matches(['0', '.']).is_empty() => rest.to_string(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Decades 10^k inside `[lo, hi]` (both > 0).
pub fn decades(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (a, b) = (lo.log10().ceil() as i32, hi.log10().floor() as i32);
    (a..=b).map(|k| 10f64.powi(k)).collect()
}

/// Label of a decade like matplotlib's plain formatter: 0.01, 0.1, 1, 10, 100.
pub fn decade_label(v: f64) -> String {
    let k = v.log10().round() as i32;
    if k >= 0 {
        format!("{}", 10i64.pow(k.min(18) as u32))
    } else {
        format!("{:.*}", (-k) as usize, v)
    }
}

/// Label of a 1..9 x 10^k tick, plain like matplotlib's `%g` (0.02, 0.5, 2, 50, 200).
pub fn decade_label_any(v: f64) -> String {
    let k = v.log10().floor() as i32;
    if k >= 0 {
        format!("{}", v.round() as i64)
    } else {
        format!("{:.*}", (-k) as usize, v)
    }
}

/// One time tick: position (ns) and label lines.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeTick {
    pub t: Time,
    pub label: String,
}

/// Calendar step kinds, smallest first.
#[derive(Clone, Copy)]
enum Step {
    Ns(i64),
    /// Every k-th day of the month from the 1st (matplotlib's DayLocator), k of 2, 7 or 14.
    MonthDays(i64),
    Months(i64),
    Years(i64),
}

const STEPS: &[Step] = &[
    Step::Ns(NS_PER_S / 1000),
    Step::Ns(NS_PER_S / 100),
    Step::Ns(NS_PER_S / 10),
    Step::Ns(NS_PER_S / 5),
    Step::Ns(NS_PER_S / 2),
    Step::Ns(NS_PER_S),
    Step::Ns(2 * NS_PER_S),
    Step::Ns(5 * NS_PER_S),
    Step::Ns(10 * NS_PER_S),
    Step::Ns(15 * NS_PER_S),
    Step::Ns(30 * NS_PER_S),
    Step::Ns(60 * NS_PER_S),
    Step::Ns(120 * NS_PER_S),
    Step::Ns(300 * NS_PER_S),
    Step::Ns(600 * NS_PER_S),
    Step::Ns(900 * NS_PER_S),
    Step::Ns(1800 * NS_PER_S),
    Step::Ns(3600 * NS_PER_S),
    Step::Ns(2 * 3600 * NS_PER_S),
    Step::Ns(3 * 3600 * NS_PER_S),
    Step::Ns(6 * 3600 * NS_PER_S),
    Step::Ns(12 * 3600 * NS_PER_S),
    Step::Ns(NS_PER_DAY),
    Step::MonthDays(2),
    Step::MonthDays(7),
    Step::MonthDays(14),
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Years(1),
    Step::Years(2),
    Step::Years(5),
    Step::Years(10),
    Step::Years(20),
    Step::Years(50),
    Step::Years(100),
    Step::Years(200),
    Step::Years(500),
];

fn approx_ns(s: Step) -> f64 {
    match s {
        Step::Ns(n) => n as f64,
        Step::MonthDays(k) => (k * NS_PER_DAY) as f64,
        Step::Months(m) => m as f64 * 30.44 * NS_PER_DAY as f64,
        Step::Years(y) => y as f64 * 365.25 * NS_PER_DAY as f64,
    }
}

/// Calendar-aligned time ticks within `[t0, t1]`, at most about `max_ticks` of them, with labels that
/// show the date on the first tick and wherever the day changes (sub-day steps).
pub fn time_ticks(t0: Time, t1: Time, max_ticks: usize) -> Vec<TimeTick> {
    if t1.0 <= t0.0 {
        return Vec::new();
    }
    let span = t1.0 as f64 - t0.0 as f64;
    let max_ticks = max_ticks.max(2) as f64;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / approx_ns(*s) + 1.0 <= max_ticks)
        .unwrap_or(Step::Years(1000));
    let times = step_times(t0, t1, step);
    let mut out = Vec::with_capacity(times.len());
    let mut last_day = None;
    for (i, t) in times.into_iter().enumerate() {
        let c = t.civil();
        let date = format!("{:04}-{:02}-{:02}", c.year, c.month, c.day);
        let label = match step {
            Step::Years(_) => format!("{:04}", c.year),
            Step::Months(_) => format!("{:04}-{:02}", c.year, c.month),
            Step::MonthDays(_) => date,
            Step::Ns(n) if n >= NS_PER_DAY => date,
            Step::Ns(n) => {
                let day = t.0.div_euclid(NS_PER_DAY);
                let clock = if n >= 60 * NS_PER_S {
                    format!("{:02}:{:02}", c.hour, c.minute)
                } else if n >= NS_PER_S {
                    format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second)
                } else {
                    let digits = if n >= NS_PER_S / 10 {
                        1
                    } else if n >= NS_PER_S / 100 {
                        2
                    } else {
                        3
                    };
                    let frac = format!("{:09}", c.nanosecond);
                    format!("{:02}:{:02}:{:02}.{}", c.hour, c.minute, c.second, &frac[..digits])
                };
                let show_date = i == 0 || last_day != Some(day);
                last_day = Some(day);
                if show_date { format!("{clock}\n{date}") } else { clock }
            }
        };
        out.push(TimeTick { t, label });
    }
    out
}

fn step_times(t0: Time, t1: Time, step: Step) -> Vec<Time> {
    let mut v = Vec::new();
    match step {
        Step::Ns(n) => {
            let mut t = t0.0.div_euclid(n) * n;
            if t < t0.0 {
                t += n;
            }
            while t <= t1.0 && v.len() < 1000 {
                v.push(Time(t));
                t += n;
            }
        }
        Step::MonthDays(k) => {
            let mut day = t0.0.div_euclid(NS_PER_DAY);
            while day * NS_PER_DAY <= t1.0 && v.len() < 1000 {
                let (_, _, d) = civil_from_days(day);
                let d = i64::from(d);
                // Days 1, 8, 15, 22 (k = 7) or 1, 15 (k = 14): no 29th next to the 1st.
                if day * NS_PER_DAY >= t0.0 && (d - 1) % k == 0 && d + k / 2 <= 31 && (k < 7 || d <= 28) {
                    v.push(Time(day * NS_PER_DAY));
                }
                day += 1;
            }
        }
        Step::Months(m) | Step::Years(m) => {
            let months = if let Step::Years(_) = step { 12 * m } else { m };
            let (y, mo, _) = civil_from_days(t0.0.div_euclid(NS_PER_DAY));
            // Start at January of a year that is a multiple of the step (years) or at the month multiple.
            let mut idx = if let Step::Years(_) = step {
                y.div_euclid(m) * m * 12
            } else {
                y * 12 + i64::from(mo) - 1
            };
            idx -= idx.rem_euclid(months);
            while v.len() < 1000 {
                let (yy, mm) = (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32);
                let Some(ns) = days_from_civil(yy, mm, 1).checked_mul(NS_PER_DAY) else {
                    break;
                };
                if ns > t1.0 {
                    break;
                }
                if ns >= t0.0 {
                    v.push(Time(ns));
                }
                idx += months;
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        Time::parse(s).expect("time")
    }

    #[test]
    fn linear_ticks_are_nice_steps() {
        assert_eq!(
            linear(-200.0, -50.0, 6),
            vec![-200.0, -175.0, -150.0, -125.0, -100.0, -75.0, -50.0]
        );
        assert_eq!(linear(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert!(linear(1.0, 1.0, 5).is_empty());
    }

    #[test]
    fn decade_labels_read_like_matplotlib() {
        assert_eq!(decades(0.02, 200.0), vec![0.1, 1.0, 10.0, 100.0]);
        assert_eq!(decade_label(0.01), "0.01");
        assert_eq!(decade_label(1000.0), "1000");
    }

    #[test]
    fn time_ticks_cover_minutes_to_decades() {
        let cases = [
            (
                "2024-01-01T00:00:00",
                "2024-01-01T00:10:00",
                "00:00\n2024-01-01",
                "00:02",
            ),
            (
                "2024-01-01T00:00:00",
                "2024-01-02T00:00:00",
                "00:00\n2024-01-01",
                "03:00",
            ),
            ("2024-01-01T00:00:00", "2024-02-01T00:00:00", "2024-01-01", "2024-01-08"),
            ("2024-01-01T00:00:00", "2025-01-01T00:00:00", "2024-01", "2024-03"),
            ("2000-01-01T00:00:00", "2030-01-01T00:00:00", "2000", "2005"),
        ];
        for (a, b, first, second) in cases {
            let ticks = time_ticks(t(a), t(b), 10);
            assert!(ticks.len() >= 4 && ticks.len() <= 11, "{a}..{b}: {} ticks", ticks.len());
            assert_eq!(ticks[0].label, first, "{a}..{b}");
            assert_eq!(ticks[1].label, second, "{a}..{b}");
        }
    }

    #[test]
    fn time_ticks_mark_the_new_day() {
        let ticks = time_ticks(t("2024-01-01T18:00:00"), t("2024-01-02T06:00:00"), 6);
        let labels: Vec<&str> = ticks.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(
            labels,
            ["18:00\n2024-01-01", "21:00", "00:00\n2024-01-02", "03:00", "06:00"]
        );
    }
}
