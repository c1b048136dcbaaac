//! The checks of single options, each made here once for every front end.

use std::path::PathBuf;

use seispool_core::Time;
use seispool_io::Format;
use seispool_io::mseed::{DataEncoding, MAX_RECORD_LENGTH, MIN_RECORD_LENGTH};

use super::error::{JobError, Opt};

/// Most worker threads a job may ask for (more is a typo, not a machine).
pub const MAX_JOBS: usize = 4096;

/// Longest `overlap` in seconds (one day of context on each side).
pub const MAX_OVERLAP: f64 = 86_400.0;

/// Every input must exist.
pub fn inputs(inputs: &[PathBuf]) -> Result<(), JobError> {
    if inputs.is_empty() {
        return Err(JobError::plain(Opt::Inputs, "no inputs given"));
    }
    match inputs.iter().find(|p| !p.exists()) {
        Some(p) => Err(JobError::plain(
            Opt::Inputs,
            format!("{}: no such file or directory", p.display()),
        )),
        None => Ok(()),
    }
}

/// The window must not end before it starts.
pub fn window(starttime: Option<Time>, endtime: Option<Time>) -> Result<(), JobError> {
    match (starttime, endtime) {
        (Some(s), Some(e)) if e < s => Err(JobError::of(Opt::Endtime)
            .name(Opt::Endtime)
            .text(format!(" {e} is before "))
            .name(Opt::Starttime)
            .text(format!(" {s}"))),
        _ => Ok(()),
    }
}

/// The select glob is matched against the whole `NET.STA.LOC.CHA` (fnmatch: `*` also spans dots, so
/// `*.HHZ` is every HHZ channel). A glob that cannot match any id — empty, more than three dots, or fewer
/// than three dots with nothing (`*`, `?`) to stand for the rest, like `HHZ` — is refused rather than
/// silently selecting nothing.
pub fn select(glob: &str) -> Result<(), JobError> {
    let mut dots = 0usize;
    let mut wild = 0usize;
    let mut star = false;
    // Inside `[...]`: whether the set can match a dot.
    let mut set: Option<bool> = None;
    for c in glob.chars() {
        match (c, set) {
            ('[', None) => set = Some(false),
            (']', Some(dot)) => {
                set = None;
                wild += usize::from(dot);
            }
            (_, Some(dot)) => set = Some(dot || c == '.' || c == '!'),
            ('.', None) => dots += 1,
            ('?', None) => wild += 1,
            ('*', None) => star = true,
            _ => {}
        }
    }
    // An unclosed `[` is a literal for the matcher; such a rare glob is left to it.
    let possible = set.is_some() || (!glob.is_empty() && dots <= 3 && (star || dots + wild >= 3));
    if possible {
        return Ok(());
    }
    Err(JobError::value(
        Opt::Select,
        format!("'{glob}'"),
        "can never match a NET.STA.LOC.CHA id: give four dot-separated parts ('IU.ANMO.*.BH?') or use '*' \
         ('*.HHZ')",
    ))
}

/// Context seconds: finite, 0 to one day.
pub fn overlap(seconds: f64) -> Result<(), JobError> {
    if seconds.is_finite() && (0.0..=MAX_OVERLAP).contains(&seconds) {
        return Ok(());
    }
    Err(JobError::value(
        Opt::Overlap,
        seconds,
        &format!("must be between 0 and {MAX_OVERLAP} seconds"),
    ))
}

/// A format name (`mseed2`/`mseed`, `mseed3`, `sac`, case-insensitive).
pub fn format(option: Opt, name: Option<&str>) -> Result<Option<Format>, JobError> {
    name.map(|n| {
        n.parse::<Format>()
            .map_err(|e| JobError::of(option).name(option).text(format!(" {n}: {e}")))
    })
    .transpose()
}

/// A writable MiniSEED encoding name or SEED code.
pub fn encoding(name: Option<&str>) -> Result<Option<DataEncoding>, JobError> {
    let Some(name) = name else { return Ok(None) };
    let enc = name.parse::<DataEncoding>().map_err(|e| {
        JobError::of(Opt::Encoding)
            .name(Opt::Encoding)
            .text(format!(" {name}: {e}"))
    })?;
    if !enc.is_writable() {
        return Err(JobError::value(Opt::Encoding, enc, "can be read but not written"));
    }
    Ok(Some(enc))
}

/// A MiniSEED record length: a power of two from 128 to 65536 bytes (what the writers accept).
pub fn record_length(bytes: usize) -> Result<(), JobError> {
    if bytes.is_power_of_two() && (MIN_RECORD_LENGTH..=MAX_RECORD_LENGTH).contains(&bytes) {
        return Ok(());
    }
    Err(JobError::value(
        Opt::RecordLength,
        bytes,
        &format!("is not a power of two from {MIN_RECORD_LENGTH} to {MAX_RECORD_LENGTH}"),
    ))
}

/// SAC output holds float32 samples in one file per trace: a MiniSEED encoding other than FLOAT32, or
/// a record length, asked for with it would be ignored; refused instead of writing something else.
pub fn sac_output(encoding: Option<DataEncoding>, record_length: Option<usize>) -> Result<(), JobError> {
    if let Some(enc) = encoding.filter(|&e| e != DataEncoding::Float32) {
        return Err(JobError::of(Opt::Encoding)
            .name(Opt::Encoding)
            .text(format!(" {enc} does not apply to "))
            .name(Opt::Format)
            .text(" sac: SAC files hold FLOAT32 samples (write MiniSEED for other encodings)"));
    }
    if let Some(n) = record_length {
        return Err(JobError::of(Opt::RecordLength)
            .name(Opt::RecordLength)
            .text(format!(" {n} does not apply to "))
            .name(Opt::Format)
            .text(" sac: SAC files have no records"));
    }
    Ok(())
}

/// Worker threads: `None` or 0 = all cores, at most [`MAX_JOBS`].
pub fn jobs(jobs: Option<usize>) -> Result<(), JobError> {
    match jobs {
        Some(n) if n > MAX_JOBS => Err(JobError::value(
            Opt::Jobs,
            n,
            &format!("is more than {MAX_JOBS} worker threads"),
        )),
        _ => Ok(()),
    }
}

/// The run's responses: loaded from `inventory` (or given), required when the pipeline removes responses.
pub(crate) fn responses(
    pipeline: &crate::Pipeline,
    inventory: Option<&std::path::Path>,
    given: Option<std::sync::Arc<crate::responses::Responses>>,
) -> Result<Option<std::sync::Arc<crate::responses::Responses>>, JobError> {
    if given.is_some() {
        return Ok(given);
    }
    if let Some(path) = inventory {
        let r = crate::responses::Responses::load(path).map_err(|e| JobError::plain(Opt::Inventory, e.to_string()))?;
        return Ok(Some(std::sync::Arc::new(r)));
    }
    let needs = pipeline
        .ops
        .iter()
        .find(|o| matches!(o, crate::Op::RemoveResponse(_) | crate::Op::RemoveSensitivity));
    match needs {
        Some(op) => {
            let name = op.to_string();
            let name = name.split('(').next().unwrap_or("remove_response");
            Err(JobError::of(Opt::Inventory)
                .text(format!("{name}() needs station metadata: give "))
                .name(Opt::Inventory)
                .text(" (a StationXML file or a directory of them)"))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_accepts_short_globs_and_refuses_impossible_ones() {
        for ok in [
            "*.HHZ",
            "IU.ANMO.*.BH?",
            "*",
            "XS.ST02.00.HHZ",
            "IU.ANMO.00.BH[ZNE]",
            "IU.?.??.HHZ",
            "???",
        ] {
            assert!(select(ok).is_ok(), "{ok}");
        }
        for bad in ["", "HHZ", "IU.ANMO", "a.b.c.d.e", "*.a.b.c.d", "IU.[ab].BHZ"] {
            let e = select(bad).expect_err(bad);
            assert!(e.to_string().starts_with("select '"), "{e}");
        }
    }

    #[test]
    fn record_lengths_128_to_65536() {
        assert!(record_length(128).is_ok() && record_length(65536).is_ok());
        let e = record_length(1000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record_length 1000 is not a power of two from 128 to 65536"
        );
        assert!(record_length(64).is_err() && record_length(131072).is_err() && record_length(0).is_err());
    }

    #[test]
    fn overlap_window_jobs_encoding_format() {
        assert!(overlap(0.0).is_ok() && overlap(86_400.0).is_ok());
        assert!(overlap(-1.0).is_err() && overlap(f64::NAN).is_err() && overlap(86_401.0).is_err());
        assert_eq!(window(Some(Time(2)), Some(Time(1))).unwrap_err().option, Opt::Endtime);
        assert!(jobs(Some(0)).is_ok() && jobs(Some(MAX_JOBS + 1)).is_err());
        assert!(
            encoding(Some("STEIM9"))
                .unwrap_err()
                .to_string()
                .contains("unknown encoding")
        );
        assert!(
            format(Opt::Format, Some("segy"))
                .unwrap_err()
                .to_string()
                .starts_with("format segy: unknown format")
        );
    }
}
