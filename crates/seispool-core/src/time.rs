//! `Time`: i64 nanoseconds since 1970-01-01T00:00:00Z, as ObsPy's `UTCDateTime.ns`.
//!
//! Civil-date arithmetic uses the proleptic Gregorian calendar without leap seconds
//! (Howard Hinnant's `days_from_civil` algorithm), exactly like ObsPy/POSIX time.

use std::fmt;
use std::ops::{Add, Sub};
use std::str::FromStr;

const NS_PER_S: i64 = 1_000_000_000;
const NS_PER_DAY: i64 = 86_400 * NS_PER_S;

/// A point in time: nanoseconds since the Unix epoch (UTC, no leap seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Time(pub i64);

/// A time string or field that cannot be a valid `Time`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Text that is not one of the accepted ISO-8601 forms.
    #[error("invalid time '{text}': {why}")]
    Parse {
        /// The text given.
        text: String,
        /// What was expected.
        why: &'static str,
    },
    /// Calendar fields out of range (month 13, day-of-year 367, ...).
    #[error("invalid date/time field: {0}")]
    Field(String),
}

/// Broken-down UTC calendar fields of a `Time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year (proleptic Gregorian).
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day of month 1..=31.
    pub day: u32,
    /// Day of year 1..=366.
    pub doy: u32,
    /// Hour 0..=23.
    pub hour: u32,
    /// Minute 0..=59.
    pub minute: u32,
    /// Second 0..=59.
    pub second: u32,
    /// Nanoseconds within the second.
    pub nanosecond: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

impl Time {
    /// The Unix epoch.
    pub const EPOCH: Time = Time(0);

    /// From nanoseconds since the epoch.
    pub const fn from_ns(ns: i64) -> Self {
        Time(ns)
    }

    /// Nanoseconds since the epoch.
    pub const fn ns(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch as f64 (ObsPy's `UTCDateTime.timestamp`).
    pub fn timestamp(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// From float seconds since the epoch, rounded to the nearest ns like ObsPy.
    pub fn from_timestamp(secs: f64) -> Self {
        Time((secs * 1e9).round_ties_even() as i64)
    }

    /// From calendar fields; validates ranges.
    pub fn from_ymd_hms(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanosecond: u32,
    ) -> Result<Self, TimeError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
            return Err(TimeError::Field(format!("{year:04}-{month:02}-{day:02} is not a date")));
        }
        Self::from_days_hms(
            days_from_civil(i64::from(year), month, day),
            hour,
            minute,
            second,
            nanosecond,
        )
    }

    /// From year and day-of-year (MiniSEED BTIME, SAC nzyear/nzjday) plus time of day.
    pub fn from_year_doy(
        year: i32,
        doy: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanosecond: u32,
    ) -> Result<Self, TimeError> {
        let len = if is_leap_year(i64::from(year)) { 366 } else { 365 };
        if doy == 0 || doy > len {
            return Err(TimeError::Field(format!(
                "day of year {doy} is not in 1..={len} of {year}"
            )));
        }
        let days = days_from_civil(i64::from(year), 1, 1) + i64::from(doy) - 1;
        Self::from_days_hms(days, hour, minute, second, nanosecond)
    }

    fn from_days_hms(days: i64, hour: u32, minute: u32, second: u32, ns: u32) -> Result<Self, TimeError> {
        // Second 60 is accepted (MiniSEED leap second) and rolls over, as ObsPy does.
        if hour > 23 || minute > 59 || second > 60 || ns >= 1_000_000_000 {
            return Err(TimeError::Field(format!(
                "time of day {hour:02}:{minute:02}:{second:02}.{ns:09} is out of range"
            )));
        }
        let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        days.checked_mul(NS_PER_DAY)
            .and_then(|d| d.checked_add(secs * NS_PER_S + i64::from(ns)))
            .map(Time)
            .ok_or_else(|| TimeError::Field("date outside the i64 nanosecond range".into()))
    }

    /// Broken-down calendar fields.
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(NS_PER_DAY);
        let rem = self.0.rem_euclid(NS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let doy = (days - days_from_civil(year, 1, 1) + 1) as u32;
        let secs = rem / NS_PER_S;
        Civil {
            year: year as i32,
            month,
            day,
            doy,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            nanosecond: (rem % NS_PER_S) as u32,
        }
    }

    /// Midnight (00:00:00) of this time's UTC day.
    pub fn floor_day(self) -> Time {
        Time(self.0.div_euclid(NS_PER_DAY) * NS_PER_DAY)
    }

    /// This time plus `secs` float seconds, rounded to ns exactly as ObsPy's `UTCDateTime + float`.
    pub fn add_seconds(self, secs: f64) -> Time {
        Time(self.0 + (secs * 1e9).round_ties_even() as i64)
    }

    /// Difference `self - other` in float seconds (ObsPy's `UTCDateTime - UTCDateTime`).
    pub fn seconds_since(self, other: Time) -> f64 {
        (self.0 - other.0) as f64 / 1e9
    }

    /// ISO-8601 with `digits` (0..=9) fractional digits, truncated, and a trailing `Z`.
    pub fn format_iso(self, digits: usize) -> String {
        let c = self.civil();
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        let digits = digits.min(9);
        if digits > 0 {
            let frac = format!("{:09}", c.nanosecond);
            s.push('.');
            s.push_str(&frac[..digits]);
        }
        s.push('Z');
        s
    }

    /// Parse ISO-8601: `YYYY-MM-DD`, `YYYY-DDD` or `YYYYMMDD`, optionally followed by `T` or a space and
    /// `hh:mm[:ss[.fffffffff]]` or `hhmmss[.f]`, optionally `Z`. Fractions beyond 9 digits are rounded.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let err = |why| TimeError::Parse {
            text: text.to_string(),
            why,
        };
        let t = text.trim();
        let t = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')).unwrap_or(t);
        let (date, clock) = match t.find(['T', 't', ' ']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let days = parse_date(date).ok_or_else(|| err("expected a date YYYY-MM-DD, YYYY-DDD or YYYYMMDD"))??;
        let ns = match clock {
            None => 0,
            Some(c) => parse_clock(c).ok_or_else(|| err("expected a time of day hh:mm[:ss[.fraction]]"))?,
        };
        days.checked_mul(NS_PER_DAY)
            .and_then(|d| d.checked_add(ns))
            .map(Time)
            .ok_or_else(|| err("date outside the representable range"))
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since epoch, or None for a syntax error, or Some(Err) for an out-of-range field.
fn parse_date(date: &str) -> Option<Result<i64, TimeError>> {
    let parts: Vec<&str> = date.split('-').collect();
    let (y, m, d, doy) = match parts.as_slice() {
        [y, m, d] if m.len() == 2 && d.len() == 2 => (digits(y)?, Some(digits(m)?), digits(d)?, None),
        [y, j] if j.len() == 3 => (digits(y)?, None, 0, Some(digits(j)?)),
        // Byte slicing below: only on ASCII text (a multi-byte character would split mid-character).
        [ymd] if ymd.len() == 8 && ymd.is_ascii() => {
            (digits(&ymd[..4])?, Some(digits(&ymd[4..6])?), digits(&ymd[6..])?, None)
        }
        _ => return None,
    };
    let year = i32::try_from(y).ok()?;
    let t = match (m, doy) {
        (Some(m), _) => Time::from_ymd_hms(year, m, d, 0, 0, 0, 0),
        (None, Some(j)) => Time::from_year_doy(year, j, 0, 0, 0, 0),
        (None, None) => return None,
    };
    Some(t.map(|t| t.0.div_euclid(NS_PER_DAY)))
}

/// Nanoseconds since midnight.
fn parse_clock(clock: &str) -> Option<i64> {
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (clock, None),
    };
    let fields: Vec<u32> = if hms.contains(':') {
        hms.split(':').map(digits).collect::<Option<_>>()?
    } else if hms.is_ascii() && hms.len() % 2 == 0 && (2..=6).contains(&hms.len()) {
        (0..hms.len())
            .step_by(2)
            .map(|i| digits(&hms[i..i + 2]))
            .collect::<Option<_>>()?
    } else {
        return None;
    };
    let (h, m, s) = match fields.as_slice() {
        [h] => (*h, 0, 0),
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if h > 24 || m > 59 || s > 60 {
        return None;
    }
    let mut ns = (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)) * NS_PER_S;
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut frac_ns: i64 = 0;
        for (i, b) in f.bytes().take(9).enumerate() {
            frac_ns += i64::from(b - b'0') * 10_i64.pow(8 - i as u32);
        }
        if f.len() > 9 && f.as_bytes()[9] >= b'5' {
            frac_ns += 1;
        }
        ns += frac_ns;
    }
    Some(ns)
}

impl fmt::Display for Time {
    /// ISO-8601 with 6 fractional digits like ObsPy, or 9 when the time is not on a microsecond.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = if self.0.rem_euclid(1000) == 0 { 6 } else { 9 };
        f.write_str(&self.format_iso(digits))
    }
}

impl FromStr for Time {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Time::parse(s)
    }
}

impl Add<i64> for Time {
    type Output = Time;
    /// Adds nanoseconds.
    fn add(self, ns: i64) -> Time {
        Time(self.0 + ns)
    }
}

impl Sub<i64> for Time {
    type Output = Time;
    /// Subtracts nanoseconds.
    fn sub(self, ns: i64) -> Time {
        Time(self.0 - ns)
    }
}

impl Sub<Time> for Time {
    type Output = i64;
    /// Difference in nanoseconds.
    fn sub(self, other: Time) -> i64 {
        self.0 - other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(Time::parse("1970-01-01T00:00:00Z").unwrap(), Time(0));
        let t = Time::parse("2024-02-29T12:34:56.789012Z").unwrap();
        assert_eq!(t.ns(), 1_709_210_096_789_012_000);
        assert_eq!(t.to_string(), "2024-02-29T12:34:56.789012Z");
        assert_eq!(t.civil().doy, 60);
        assert_eq!(Time::parse("2024-060T12:34:56.789012").unwrap(), t);
        assert_eq!(Time::parse("20240229T123456.789012").unwrap(), t);
    }

    #[test]
    fn before_epoch_formats_correctly() {
        let t = Time::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(t.ns(), -500_000_000);
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.500000Z");
    }

    #[test]
    fn rejects_bad_fields() {
        assert!(Time::parse("2023-02-29").is_err());
        assert!(Time::parse("2023-366").is_err());
        assert!(Time::parse("2024-13-01").is_err());
        assert!(Time::parse("yesterday").is_err());
        assert!(Time::parse("2024-01-01T25:00").is_err());
    }

    #[test]
    fn add_seconds_rounds_half_even_like_python() {
        assert_eq!(Time(0).add_seconds(0.5e-9).ns(), 0);
        assert_eq!(Time(0).add_seconds(1.5e-9).ns(), 2);
        assert_eq!(Time(0).add_seconds(-0.01).ns(), -10_000_000);
    }

    proptest! {
        #[test]
        fn civil_round_trip(ns in -5_000_000_000_000_000_000i64..5_000_000_000_000_000_000i64) {
            let t = Time(ns);
            let c = t.civil();
            let back = Time::from_ymd_hms(c.year, c.month, c.day, c.hour, c.minute, c.second, c.nanosecond).unwrap();
            prop_assert_eq!(back, t);
            let back = Time::from_year_doy(c.year, c.doy, c.hour, c.minute, c.second, c.nanosecond).unwrap();
            prop_assert_eq!(back, t);
            prop_assert_eq!(Time::parse(&t.format_iso(9)).unwrap(), t);
        }
    }
}
