//! Window selection: the day files that can hold `[start, end]`, as ObsPy's SDS client
//! (`Client._get_filenames`) finds them — the window widened by a file-border buffer on both sides,
//! every day it touches, and Python-`glob` matching of NET/STA/LOC/CHA patterns. Only directories
//! are listed; no file is opened.
//!
//! Patterns follow Python's `glob`: `*`, `?`, `[...]`/`[!...]` within one path component, and
//! wildcards do not match names starting with `.` unless the pattern does. Two differences: a set
//! `[^...]` is negated here (a literal `^` in Python's `fnmatch`), and the root is taken literally.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use seispool_core::{Time, glob_match};

use super::NS_PER_DAY;
use crate::IoError;

/// Options of the selection, with ObsPy's `Client` defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectOptions {
    /// SDS data type letter (`D`).
    pub data_type: char,
    /// Minimum buffer around the window, in seconds (30).
    pub fileborder_seconds: f64,
    /// Buffer in samples at the band code's nominal rate (5000).
    pub fileborder_samples: f64,
}

impl Default for SelectOptions {
    fn default() -> Self {
        SelectOptions {
            data_type: 'D',
            fileborder_seconds: 30.0,
            fileborder_samples: 5000.0,
        }
    }
}

/// Nominal sampling rate of a band code (ObsPy's `BAND_CODE`); 20 Hz for anything else.
fn band_rate(code: Option<char>) -> f64 {
    match code {
        Some('F' | 'G') => 1000.0,
        Some('D' | 'C') => 250.0,
        Some('E' | 'H') => 80.0,
        Some('S' | 'B') => 10.0,
        Some('M' | 'L') => 1.0,
        Some('V') => 0.1,
        Some('U') => 0.01,
        Some('R') => 0.0001,
        Some('P') => 0.000001,
        Some('T') => 0.0000001,
        Some('Q') => 0.00000001,
        _ => 20.0,
    }
}

/// (year, day of year) of `t` as ObsPy's `UTCDateTime.year`/`.julday` see it: rounded to the
/// microsecond, half to even.
fn year_doy(t: Time) -> (i32, u32) {
    let (us, rem) = (t.ns().div_euclid(1000), t.ns().rem_euclid(1000));
    let up = rem > 500 || (rem == 500 && us % 2 != 0);
    let c = Time((us + i64::from(up)).saturating_mul(1000)).civil();
    (c.year, c.doy)
}

/// The (year, day) pairs whose files ObsPy's client reads for a window and a channel pattern.
pub fn window_days(channel_pattern: &str, start: Time, end: Time, opts: &SelectOptions) -> BTreeSet<(i32, u32)> {
    let buffer = (opts.fileborder_samples / band_rate(channel_pattern.chars().next())).max(opts.fileborder_seconds);
    let buffer_ns = (buffer * 1e9).round_ties_even() as i64;
    let mut t = start.ns().saturating_sub(buffer_ns);
    let t_max = end.ns().saturating_add(buffer_ns);
    let mut days = BTreeSet::new();
    while t < t_max {
        days.insert(year_doy(Time(t)));
        t = t.saturating_add(NS_PER_DAY);
    }
    days.insert(year_doy(Time(t_max)));
    days
}

/// The day files under `root` that can hold `[start, end]` for channels matching `id_glob`
/// (`NET.STA.LOC.CHA` with `*`, `?`, `[...]`; `None` for all), with ObsPy's default options.
pub fn select_paths(root: &Path, id_glob: Option<&str>, start: Time, end: Time) -> Result<Vec<PathBuf>, IoError> {
    let pattern = id_glob.unwrap_or("*.*.*.*");
    let parts: Vec<&str> = pattern.split('.').collect();
    let [net, sta, loc, cha] = parts.as_slice() else {
        return Err(bad_pattern(root, pattern));
    };
    select_paths_with(root, [net, sta, loc, cha], start, end, &SelectOptions::default())
}

/// [`select_paths`] with one pattern per code (as ObsPy's `Client.get_waveforms` takes them) and
/// explicit options. The result is sorted.
pub fn select_paths_with(
    root: &Path,
    nslc: [&str; 4],
    start: Time,
    end: Time,
    opts: &SelectOptions,
) -> Result<Vec<PathBuf>, IoError> {
    if nslc.iter().any(|p| p.contains(['/', '\\', '\0'])) {
        return Err(bad_pattern(root, &nslc.join(".")));
    }
    let [net, sta, loc, cha] = nslc;
    let mut lister = Lister::default();
    let mut found = BTreeSet::new();
    for (year, doy) in window_days(cha, start, end, opts) {
        let typ = opts.data_type;
        let components = [
            format!("{year}"),
            net.to_string(),
            sta.to_string(),
            format!("{cha}.{typ}"),
            format!("{net}.{sta}.{loc}.{cha}.{typ}.{year}.{doy:03}"),
        ];
        found.extend(lister.glob(root, &components));
    }
    Ok(found.into_iter().collect())
}

fn bad_pattern(root: &Path, pattern: &str) -> IoError {
    IoError::Unsupported {
        path: root.to_path_buf(),
        what: format!("channel pattern '{pattern}' is not NET.STA.LOC.CHA"),
    }
}

/// Python's `glob.glob` over path components, with directory listings cached across days.
#[derive(Default)]
struct Lister {
    listings: HashMap<PathBuf, Vec<(String, bool)>>,
}

impl Lister {
    /// Paths `root/c0/c1/...` matching the component patterns; intermediate matches must be directories.
    fn glob(&mut self, root: &Path, components: &[String]) -> Vec<PathBuf> {
        let mut current = vec![root.to_path_buf()];
        for (i, pattern) in components.iter().enumerate() {
            let dir_only = i + 1 < components.len();
            let mut next = Vec::new();
            for dir in &current {
                next.extend(self.glob_in(dir, pattern, dir_only));
            }
            current = next;
        }
        current
    }

    /// Python's `_glob0`/`_glob1` for one directory.
    fn glob_in(&mut self, dir: &Path, pattern: &str, dir_only: bool) -> Vec<PathBuf> {
        if !pattern.contains(['*', '?', '[']) {
            // Literal component: Python only checks that it exists (lexists), whatever it is.
            let path = dir.join(pattern);
            return if path.symlink_metadata().is_ok() {
                vec![path]
            } else {
                Vec::new()
            };
        }
        let hidden_ok = pattern.starts_with('.');
        self.list(dir)
            .iter()
            .filter(|(name, is_dir)| (!dir_only || *is_dir) && (hidden_ok || !name.starts_with('.')))
            .filter(|(name, _)| glob_match(pattern, name))
            .map(|(name, _)| dir.join(name))
            .collect()
    }

    /// Entry names (UTF-8 only) and whether each is a directory (following symlinks); an unreadable
    /// directory lists as empty, as Python's `glob` treats it.
    fn list(&mut self, dir: &Path) -> &Vec<(String, bool)> {
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return Vec::new();
            };
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let is_dir = std::fs::metadata(e.path()).map(|m| m.is_dir()).unwrap_or(false);
                    Some((name, is_dir))
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_follows_the_band_code() {
        let t = Time::parse("2020-01-01T12:00:00Z").unwrap();
        let opts = SelectOptions::default();
        // H: 5000/80 = 62.5 s; noon ± 62.5 s stays in one day.
        assert_eq!(window_days("HHZ", t, t, &opts).len(), 1);
        // U: 5000/0.01 s = 5.8 days on each side.
        assert_eq!(window_days("UHZ", t, t, &opts).len(), 13);
        let midnight = Time::parse("2020-01-01T00:00:00Z").unwrap();
        let days: Vec<_> = window_days("BHZ", midnight, midnight + 1, &opts).into_iter().collect();
        assert_eq!(days, vec![(2019, 365), (2020, 1)]);
    }

    #[test]
    fn day_uses_microsecond_rounding_like_utcdatetime() {
        let t = Time::parse("2020-12-31T23:59:59.999999500Z").unwrap();
        assert_eq!(year_doy(t), (2021, 1));
        let t = Time::parse("2020-12-31T23:59:59.999998500Z").unwrap();
        assert_eq!(year_doy(t), (2020, 366));
    }
}
