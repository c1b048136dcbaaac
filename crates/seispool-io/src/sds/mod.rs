//! SDS (SeisComP Data Structure) archives: one file per channel and day at
//! `ROOT/YEAR/NET/STA/CHAN.TYPE/NET.STA.LOC.CHAN.TYPE.YEAR.DOY` (TYPE `D` for data, DOY 3 digits).
//!
//! [`ChannelDay`] maps between a day file and its path; [`discover`] lists an archive;
//! [`select_paths`] picks the day files that can hold a time window exactly as ObsPy's
//! `obspy.clients.filesystem.sds.Client` does; [`discover_inputs`] expands loose input paths.

mod discover;
mod select;

use std::path::{Path, PathBuf};

use seispool_core::{ChannelId, Time, is_leap_year};

pub use discover::{Discovery, Input, SdsFile, discover, discover_inputs, discover_inputs_with};
pub use select::{SelectOptions, select_paths, select_paths_with, window_days};

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// One channel's day in an SDS archive.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelDay {
    /// Channel identifier (NSLC).
    pub id: ChannelId,
    /// Year.
    pub year: i32,
    /// Day of year, 1..=366.
    pub doy: u32,
    /// SDS data type letter (`D` for waveform data).
    pub data_type: char,
}

impl ChannelDay {
    /// The day of `id` that contains `t` (UTC), with data type `D`.
    pub fn containing(id: ChannelId, t: Time) -> ChannelDay {
        let c = t.civil();
        ChannelDay {
            id,
            year: c.year,
            doy: c.doy,
            data_type: 'D',
        }
    }

    /// Midnight at the start of the day.
    pub fn start(&self) -> Time {
        Time::from_year_doy(self.year, self.doy, 0, 0, 0, 0).unwrap_or(Time::EPOCH)
    }

    /// Midnight at the end of the day (start of the next).
    pub fn end(&self) -> Time {
        self.start() + NS_PER_DAY
    }

    /// `NET.STA.LOC.CHAN.TYPE.YEAR.DOY`. Ids may come from untrusted headers: every code is passed
    /// through [`safe_code`], so the name never holds a path separator or a control character.
    pub fn file_name(&self) -> String {
        let id = &self.id;
        format!(
            "{}.{}.{}.{}.{}.{:04}.{:03}",
            safe_code(&id.network, false),
            safe_code(&id.station, false),
            safe_code(&id.location, true),
            safe_code(&id.channel, false),
            safe_code(&self.data_type.to_string(), false),
            self.year,
            self.doy
        )
    }

    /// `YEAR/NET/STA/CHAN.TYPE/NET.STA.LOC.CHAN.TYPE.YEAR.DOY`: always five plain components (codes
    /// sanitised as in [`ChannelDay::file_name`]), so the path never leaves the archive root.
    pub fn relative_path(&self) -> PathBuf {
        let id = &self.id;
        [
            format!("{:04}", self.year),
            safe_code(&id.network, false).into_owned(),
            safe_code(&id.station, false).into_owned(),
            format!(
                "{}.{}",
                safe_code(&id.channel, false),
                safe_code(&self.data_type.to_string(), false)
            ),
            self.file_name(),
        ]
        .iter()
        .collect()
    }

    /// The day file's path under `root`.
    pub fn path(&self, root: &Path) -> PathBuf {
        root.join(self.relative_path())
    }

    /// Parses a day-file name `NET.STA.LOC.CHAN.TYPE.YEAR.DOY` (network, station and channel
    /// non-empty, one-letter type, 4-digit year, 3-digit day that exists in that year).
    pub fn from_file_name(name: &str) -> Option<ChannelDay> {
        let parts: Vec<&str> = name.split('.').collect();
        let [net, sta, loc, cha, typ, year, doy] = parts.as_slice() else {
            return None;
        };
        let mut typ_chars = typ.chars();
        let data_type = typ_chars.next().filter(|_| typ_chars.next().is_none())?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if net.is_empty() || sta.is_empty() || cha.is_empty() || !digits(year, 4) || !digits(doy, 3) {
            return None;
        }
        let (year, doy): (i32, u32) = (year.parse().ok()?, doy.parse().ok()?);
        let days = if is_leap_year(i64::from(year)) { 366 } else { 365 };
        (1..=days).contains(&doy).then(|| ChannelDay {
            id: ChannelId::new(net, sta, loc, cha),
            year,
            doy,
            data_type,
        })
    }

    /// Parses a path relative to the archive root; the directories must agree with the file name.
    pub fn from_relative_path(rel: &Path) -> Option<ChannelDay> {
        let parts: Vec<&str> = rel.iter().map(|c| c.to_str()).collect::<Option<_>>()?;
        let [year, net, sta, chan_type, name] = parts.as_slice() else {
            return None;
        };
        let day = ChannelDay::from_file_name(name)?;
        let agrees = *year == format!("{:04}", day.year)
            && *net == day.id.network
            && *sta == day.id.station
            && *chan_type == format!("{}.{}", day.id.channel, day.data_type);
        agrees.then_some(day)
    }
}

/// A network/station/location/channel code made safe for a path component: `/`, `\\` and control
/// characters become `_`, a code that is all dots (`.`, `..`) becomes underscores, and an empty code
/// becomes `_` (except the location, which SDS leaves empty). Codes of real archives are unchanged.
pub fn safe_code(code: &str, may_be_empty: bool) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '/' | '\\') || c.is_control();
    if code.is_empty() && !may_be_empty {
        "_".into()
    } else if !code.is_empty() && code.chars().all(|c| c == '.') {
        "_".repeat(code.len()).into()
    } else if code.contains(bad) {
        code.chars()
            .map(|c| if bad(c) { '_' } else { c })
            .collect::<String>()
            .into()
    } else {
        code.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_round_trip() {
        let day = ChannelDay {
            id: ChannelId::new("IU", "ANMO", "", "BHZ"),
            year: 2024,
            doy: 60,
            data_type: 'D',
        };
        let rel = day.relative_path();
        assert_eq!(rel, Path::new("2024/IU/ANMO/BHZ.D/IU.ANMO..BHZ.D.2024.060"));
        assert_eq!(ChannelDay::from_relative_path(&rel), Some(day.clone()));
        assert_eq!(day.start(), Time::parse("2024-02-29").unwrap());
        assert_eq!(day.end(), Time::parse("2024-03-01").unwrap());
        assert_eq!(ChannelDay::containing(day.id.clone(), day.start() + 5), day);
    }

    #[test]
    fn rejects_names_that_are_not_day_files() {
        for bad in [
            "IU.ANMO..BHZ.D.2023.366",
            "IU.ANMO..BHZ.D.2024.000",
            "IU.ANMO..BHZ.D.2024.60",
            "IU.ANMO..BHZ.DD.2024.060",
            "IU.ANMO.BHZ.D.2024.060",
            ".ANMO..BHZ.D.2024.060",
            "IU.ANMO..BHZ.D.2024.060.mseed",
        ] {
            assert_eq!(ChannelDay::from_file_name(bad), None, "{bad}");
        }
        assert!(ChannelDay::from_file_name("IU.ANMO..BHZ.D.2024.366").is_some());
        let wrong_dir = Path::new("2024/IU/ANMO/HHZ.D/IU.ANMO..BHZ.D.2024.060");
        assert_eq!(ChannelDay::from_relative_path(wrong_dir), None);
    }

    #[test]
    fn header_ids_cannot_escape_the_archive_root() {
        // A MiniSEED 3 source id may hold anything; before, `..` and `/` went straight into the path.
        let day = ChannelDay {
            id: ChannelId::new("..", "/etc", "a/b", ""),
            year: 2024,
            doy: 1,
            data_type: 'D',
        };
        let rel = day.relative_path();
        assert_eq!(rel, Path::new("2024/__/_etc/_.D/__._etc.a_b._.D.2024.001"));
        assert_eq!(safe_code(".HID", false), ".HID");
        assert!(rel.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        assert_eq!(safe_code("BHZ", false), "BHZ");
        assert_eq!(safe_code("", true), "");
        assert_eq!(safe_code("x\ny\u{7}", false), "x_y_");
    }
}
