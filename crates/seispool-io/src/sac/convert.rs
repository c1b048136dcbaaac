//! SAC header ↔ `Stats`, mirroring ObsPy's `sac_to_obspy_header` and `obspy_to_sac_header`.

use std::collections::BTreeMap;

use seispool_core::{ChannelId, HeaderValue, Time, is_leap_year};

use super::header::{FLOAT_NAMES, FNULL, INT_NAMES, INULL, RawHeader, SNULL, STR_NAMES, float_index, int_index};
use super::header::{py_strip, str_index};

/// The SAC headers of the network, station, location and channel codes.
const ID_HEADERS: [&str; 4] = ["knetwk", "kstnm", "khole", "kcmpnm"];

/// Whether `name` is a header ObsPy keeps in `stats.sac`.
pub fn is_sac_name(name: &str) -> bool {
    name == "kevnm" || FLOAT_NAMES.contains(&name) || INT_NAMES.contains(&name) || STR_NAMES.contains(&name)
}

/// A reference time whose `nz*` fields are valid but lie outside the i64-nanosecond range (years
/// before 1677 or after 2262), which ObsPy handles and seispool's `Time` cannot hold.
#[derive(Debug)]
pub struct OutOfRange;

/// The SAC reference time from the `nz*` headers: `Ok(None)` where ObsPy's `get_sac_reftime` fails
/// (a null field, years outside 1000..=9999 after adding 1900 to two-digit ones, out-of-range fields).
pub fn reftime(values: &BTreeMap<String, HeaderValue>) -> Result<Option<Time>, OutOfRange> {
    let get = |name: &str| match values.get(name) {
        Some(HeaderValue::Int(v)) => Some(*v),
        _ => None,
    };
    let fields = [
        get("nzyear"),
        get("nzjday"),
        get("nzhour"),
        get("nzmin"),
        get("nzsec"),
        get("nzmsec"),
    ];
    let [
        Some(mut year),
        Some(jday),
        Some(hour),
        Some(minute),
        Some(second),
        Some(msec),
    ] = fields
    else {
        return Ok(None);
    };
    if (0..=99).contains(&year) {
        year += 1900;
    }
    // ObsPy goes through strptime("%4d%03d", "%Y%j"): only four-digit years parse.
    let days = if is_leap_year(year) { 366 } else { 365 };
    let ok = (1000..=9999).contains(&year)
        && (1..=days).contains(&jday)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second)
        && (0..1000).contains(&msec);
    if !ok {
        return Ok(None);
    }
    let (jday, hour, minute, second, msec) = (jday as u32, hour as u32, minute as u32, second as u32, msec as u32);
    Time::from_year_doy(year as i32, jday, hour, minute, second, msec * 1_000_000)
        .map(Some)
        .map_err(|_| OutOfRange)
}

/// `seconds` (finite, in range) as nanoseconds rounded half-to-even, as ObsPy's `int(round(s * 1e9))`.
pub fn seconds_to_ns(seconds: f64) -> Option<i64> {
    let ns = (seconds * 1e9).round_ties_even();
    (ns.is_finite() && ns.abs() < 9.2e18).then_some(ns as i64)
}

/// Sampling rate from `delta` as ObsPy 1.5 does by default: `1 / round(float64(delta), 6)`.
pub fn sampling_rate(delta: f32) -> f64 {
    1.0 / ((f64::from(delta) * 1e6).round_ties_even() / 1e6)
}

/// The channel id from `knetwk`/`kstnm`/`khole`/`kcmpnm` (absent ones are empty).
pub fn channel_id(values: &BTreeMap<String, HeaderValue>) -> ChannelId {
    let code = |name: &str| match values.get(name) {
        Some(HeaderValue::Text(v)) => v.clone(),
        _ => String::new(),
    };
    ChannelId::new(&code("knetwk"), &code("kstnm"), &code("khole"), &code("kcmpnm"))
}

/// The time fields ObsPy writes for a reference time: `nz*` from the time rounded to µs, and the
/// microseconds below the millisecond that `nzmsec` cannot hold.
fn nz_times(t: Time) -> ([(&'static str, i64); 6], i64) {
    let us = t.ns().div_euclid(1000) + i64::from(t.ns().rem_euclid(1000) > 500 || is_odd_tie(t.ns()));
    let c = Time(us.saturating_mul(1000)).civil();
    let micro = i64::from(c.nanosecond / 1000);
    let fields = [
        ("nzyear", i64::from(c.year)),
        ("nzjday", i64::from(c.doy)),
        ("nzhour", i64::from(c.hour)),
        ("nzmin", i64::from(c.minute)),
        ("nzsec", i64::from(c.second)),
        ("nzmsec", micro / 1000),
    ];
    (fields, micro % 1000)
}

/// Whether `ns` lies exactly half-way between two microseconds with an odd lower one (Python's
/// `round(ns, -3)` rounds those up, to the even neighbour).
fn is_odd_tie(ns: i64) -> bool {
    ns.rem_euclid(1000) == 500 && ns.div_euclid(1000) % 2 != 0
}

/// Python's `round(x, 6)` for a float (correctly rounded, ties to even on the exact binary value).
pub fn py_round6(x: f64) -> f64 {
    format!("{x:.6}").parse().unwrap_or(x)
}

/// What ObsPy's `obspy_to_sac_header(stats, keep_sac_header=True)` makes of a trace: the merged header
/// values (before the data-dependent `npts`, `e`, `dep*`, which the writer fills in).
pub struct WriteHeader {
    /// Header values by name.
    pub values: BTreeMap<String, HeaderValue>,
    /// `b` as stored (f32), kept apart because ObsPy computes it in single precision in one branch.
    pub b: f32,
}

/// Builds the header to write for a trace with `id`, `start`, `delta` and the kept SAC header values
/// `old` (empty when the trace did not come from SAC).
pub fn header_for_write(
    id: &ChannelId,
    start: Time,
    delta: f64,
    old: BTreeMap<String, HeaderValue>,
) -> Option<WriteHeader> {
    let mut h = if old.is_empty() {
        fresh_header(id, start)?
    } else {
        merged_header(id, start, old)?
    };
    for (name, v) in [("nvhdr", 6), ("leven", 1), ("lovrok", 1), ("iftype", 1)] {
        h.values.insert(name.into(), HeaderValue::Int(v));
    }
    h.values.insert("delta".into(), HeaderValue::Float(delta));
    Some(h)
}

/// A header from the stats alone: iztype IB, reference time = start truncated to ms, `b` = the rest.
fn fresh_header(id: &ChannelId, start: Time) -> Option<WriteHeader> {
    let mut values = BTreeMap::new();
    let (nz, micro) = nz_times(start);
    values.extend(nz.iter().map(|(k, v)| (k.to_string(), HeaderValue::Int(*v))));
    let b = micro as f64 * 1e-6;
    values.insert("iztype".into(), HeaderValue::Int(9));
    values.insert("b".into(), HeaderValue::Float(b));
    values.insert("scale".into(), HeaderValue::Float(1.0));
    for (name, code) in ID_HEADERS.iter().zip(id_codes(id)) {
        values.insert(name.to_string(), HeaderValue::Text(non_empty_or_null(code)));
    }
    values.insert("lpspol".into(), HeaderValue::Int(1));
    values.insert("lcalda".into(), HeaderValue::Int(0));
    Some(WriteHeader { values, b: b as f32 })
}

/// The kept SAC header updated for a (possibly trimmed or shifted) trace.
fn merged_header(id: &ChannelId, start: Time, mut values: BTreeMap<String, HeaderValue>) -> Option<WriteHeader> {
    let b = match reftime(&values).ok()? {
        Some(reference) => py_round6(start.ns().checked_sub(reference.ns())? as f64 / 1e9) as f32,
        None => {
            let old_b = match values.get("b") {
                Some(HeaderValue::Float(b)) if *b as f32 != FNULL => Some(*b as f32),
                Some(HeaderValue::Int(b)) if *b != i64::from(INULL) => Some(*b as f32),
                _ => None,
            };
            // ObsPy (NumPy 2 scalar rules) computes with the float32 `b` in single precision.
            let shift = old_b.map_or(Some(0), |b| seconds_to_ns_f32(b * 1e9))?;
            let (nz, micro) = nz_times(Time(start.ns().checked_sub(shift)?));
            values.extend(nz.iter().map(|(k, v)| (k.to_string(), HeaderValue::Int(*v))));
            match old_b {
                Some(b) => b + (micro as f64 * 1e-6) as f32,
                None => (micro as f64 * 1e-6) as f32,
            }
        }
    };
    values.insert("b".into(), HeaderValue::Float(f64::from(b)));
    for (name, code) in ID_HEADERS.iter().zip(id_codes(id)) {
        let keep = matches!(values.get(*name), Some(HeaderValue::Text(v)) if v != SNULL && py_strip(v) == code);
        if !keep {
            values.insert(name.to_string(), HeaderValue::Text(non_empty_or_null(code)));
        }
    }
    Some(WriteHeader { values, b })
}

/// `int(round(x))` of a float32 product, or None when not representable.
fn seconds_to_ns_f32(x: f32) -> Option<i64> {
    let r = x.round_ties_even();
    (r.is_finite() && r.abs() < 9.2e18).then_some(r as i64)
}

fn id_codes(id: &ChannelId) -> [&str; 4] {
    [&id.network, &id.station, &id.location, &id.channel]
}

fn non_empty_or_null(code: &str) -> String {
    if code.is_empty() {
        SNULL.to_string()
    } else {
        code.to_string()
    }
}

/// A header value that cannot be stored in its SAC slot.
#[derive(Debug)]
pub struct BadValue {
    /// Header name.
    pub name: String,
    /// Why.
    pub why: &'static str,
}

/// Fills null header arrays from `values` as ObsPy's `dict_to_header_arrays` does; names that are not
/// SAC headers are ignored (ObsPy warns and ignores them).
pub fn to_raw(values: &BTreeMap<String, HeaderValue>) -> Result<RawHeader, BadValue> {
    let mut raw = RawHeader::null();
    for (name, value) in values {
        let bad = |why| BadValue {
            name: name.clone(),
            why,
        };
        if let Some(i) = float_index(name) {
            raw.floats[i] = match value {
                HeaderValue::Float(v) => *v as f32,
                HeaderValue::Int(v) => *v as f32,
                HeaderValue::Text(_) => return Err(bad("text in a float header")),
            };
        } else if let Some(i) = int_index(name) {
            raw.ints[i] = match value {
                HeaderValue::Int(v) => i32::try_from(*v).map_err(|_| bad("integer out of the i32 range"))?,
                HeaderValue::Float(v) if v.is_finite() && v.trunc().abs() < 2_147_483_648.0 => v.trunc() as i32,
                _ => return Err(bad("not an i32 integer")),
            };
        } else if name == "kevnm" {
            let text = text_bytes(value).ok_or_else(|| bad("not ascii text"))?;
            let padded: Vec<u8> = text.iter().copied().chain(std::iter::repeat(b' ')).take(16).collect();
            raw.strs[1].copy_from_slice(&padded[..8]);
            raw.strs[2].copy_from_slice(&padded[8..]);
        } else if let Some(i) = str_index(name) {
            let text = text_bytes(value).ok_or_else(|| bad("not ascii text"))?;
            raw.strs[i] = [0; 8];
            // ObsPy pads with ljust(8); NumPy's S8 then truncates longer values.
            let padded = text
                .iter()
                .copied()
                .chain(std::iter::repeat(b' '))
                .take(8.max(text.len()));
            for (slot, b) in raw.strs[i].iter_mut().zip(padded) {
                *slot = b;
            }
        }
    }
    Ok(raw)
}

fn text_bytes(value: &HeaderValue) -> Option<&[u8]> {
    match value {
        HeaderValue::Text(t) if t.is_ascii() => Some(t.as_bytes()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_round_to_six_digits_ties_to_even() {
        assert_eq!(py_round6(0.0078125), 0.007812);
        assert_eq!(py_round6(0.0234375), 0.023438);
        assert_eq!(py_round6(1.0000005), 1.000001);
    }

    #[test]
    fn nz_times_round_to_microseconds_half_even() {
        let t = Time::parse("2020-01-01T00:00:00.123456500Z").unwrap();
        assert_eq!(nz_times(t).1, 456);
        let t = Time::parse("2020-01-01T00:00:00.123457500Z").unwrap();
        assert_eq!(nz_times(t).1, 458);
        let t = Time::parse("2020-12-31T23:59:59.999999600Z").unwrap();
        let (nz, micro) = nz_times(t);
        assert_eq!((nz[0].1, nz[1].1, nz[5].1, micro), (2021, 1, 0, 0));
    }
}
