//! SAC binary files.

use std::path::Path;

use seispool_io::sac::{read_bytes, to_bytes};

use crate::mseed::{same_rate, same_samples};
use crate::{LABEL, assert_format_error};

/// A SAC file: read it; an error must be a located [`seispool_io::FormatError`]; a trace read holds
/// exactly the samples the file size allows and writes (both byte orders) and reads back identical.
pub fn check_sac(data: &[u8]) {
    let label = Path::new(LABEL);
    let trace = match read_bytes(label, data, false) {
        Ok(t) => t,
        Err(e) => {
            assert_format_error(&e, data.len());
            return;
        }
    };
    assert_eq!(
        632 + 4 * trace.data.len(),
        data.len(),
        "npts does not match the file size"
    );
    let head = read_bytes(label, data, true).unwrap_or_else(|e| panic!("headers-only read failed: {e}"));
    assert_eq!(head.stats.npts, trace.data.len(), "headers-only npts differs");
    for big_endian in [false, true] {
        let bytes = to_bytes(label, &trace, big_endian).unwrap_or_else(|e| panic!("writing a trace we read: {e}"));
        let back = read_bytes(label, &bytes, false).unwrap_or_else(|e| panic!("reading back what we wrote: {e}"));
        // SAC's null string: a code read as "-12345" (e.g. from " -12345 ", as ObsPy reads it) is
        // written as the null marker and comes back empty, as in ObsPy.
        assert_eq!(
            sac_id(&back.stats.id),
            sac_id(&trace.stats.id),
            "id changed in the round trip"
        );
        // SAC holds the start as a millisecond reference time plus `b`, an f32 of seconds: as in ObsPy,
        // a start time comes back to within a microsecond plus one f32 step of `b`.
        let b = match trace.stats.headers.get("b") {
            Some(seispool_core::HeaderValue::Float(b)) => b.abs(),
            _ => 0.0,
        };
        let tolerance = 1_000 + (b * 1e9 / f64::from(1u32 << 23)).ceil() as i64;
        let moved = (back.stats.starttime.ns() - trace.stats.starttime.ns()).abs();
        assert!(
            moved <= tolerance,
            "start time moved {moved} ns in the round trip (b = {b} s)"
        );
        assert!(
            same_rate(back.stats.sampling_rate, trace.stats.sampling_rate),
            "rate {} read back as {}",
            trace.stats.sampling_rate,
            back.stats.sampling_rate
        );
        assert!(
            same_samples(&back.data, &trace.data),
            "samples changed in the round trip"
        );
    }
}

/// The codes with SAC's null string as empty: a code that starts with `-12345` (e.g. `"-12345\x14"`,
/// read from `" -12345\x14"`) is written as it is and then read back as null, as ObsPy 1.5.1 does too
/// (`obspy.read` → `write(format="SAC")` → `obspy.read` turns network `"-12345\x14"` into `""`).
fn sac_id(id: &seispool_core::ChannelId) -> [&str; 4] {
    [&id.network, &id.station, &id.location, &id.channel].map(|c| if c.starts_with("-12345") { "" } else { c.as_str() })
}
