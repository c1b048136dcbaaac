//! The 632-byte binary SAC header (version 6): 70 floats, 40 integers, 24 eight-byte strings.
//!
//! | offset | size | field                                                                  |
//! |-------:|-----:|------------------------------------------------------------------------|
//! |      0 |  280 | 70 × f32 in [`FLOAT_NAMES`] order: `delta` @0, `b` @20, `e` @24, ...   |
//! |    280 |  160 | 40 × i32 in [`INT_NAMES`] order: `nzyear` @280 ... `nzmsec` @300,     |
//! |        |      | `nvhdr` @304, `npts` @316, `iftype` @340, `leven` @420                 |
//! |    440 |  192 | 24 × 8 ASCII bytes in [`STR_NAMES`] order: `kstnm` @440, `kevnm` @448  |
//! |        |      | (16 bytes: `kevnm` + `kevnm2`), `khole` @464, `kcmpnm` @600, `knetwk` @608 |
//! |    632 | 4·n  | n = `npts` f32 samples (evenly spaced time series)                     |
//!
//! Floats and integers share one byte order; `nvhdr` (1..=19, normally 6) tells which. Unset values
//! are the nulls -12345.0, -12345 and `"-12345  "`; logical headers (`l*`) are 0/1.

use std::collections::BTreeMap;

use seispool_core::HeaderValue;

/// Bytes before the samples.
pub const HEADER_LEN: usize = 632;
/// Null float header value.
pub const FNULL: f32 = -12345.0;
/// Null integer header value.
pub const INULL: i32 = -12345;
/// Null string header value.
pub const SNULL: &str = "-12345  ";
/// Byte offset of `nvhdr`.
pub const NVHDR_OFFSET: usize = 280 + 4 * 6;
/// Byte offset of `npts`.
pub const NPTS_OFFSET: usize = 280 + 4 * 9;
/// `iftype` value of a time series file (ITIME).
pub const ITIME: i32 = 1;

/// Float header names in file order (ObsPy's `FLOATHDRS`).
pub const FLOAT_NAMES: [&str; 70] = [
    "delta",
    "depmin",
    "depmax",
    "scale",
    "odelta",
    "b",
    "e",
    "o",
    "a",
    "internal0",
    "t0",
    "t1",
    "t2",
    "t3",
    "t4",
    "t5",
    "t6",
    "t7",
    "t8",
    "t9",
    "f",
    "resp0",
    "resp1",
    "resp2",
    "resp3",
    "resp4",
    "resp5",
    "resp6",
    "resp7",
    "resp8",
    "resp9",
    "stla",
    "stlo",
    "stel",
    "stdp",
    "evla",
    "evlo",
    "evel",
    "evdp",
    "mag",
    "user0",
    "user1",
    "user2",
    "user3",
    "user4",
    "user5",
    "user6",
    "user7",
    "user8",
    "user9",
    "dist",
    "az",
    "baz",
    "gcarc",
    "internal1",
    "internal2",
    "depmen",
    "cmpaz",
    "cmpinc",
    "xminimum",
    "xmaximum",
    "yminimum",
    "ymaximum",
    "unused6",
    "unused7",
    "unused8",
    "unused9",
    "unused10",
    "unused11",
    "unused12",
];

/// Integer header names in file order (ObsPy's `INTHDRS`).
pub const INT_NAMES: [&str; 40] = [
    "nzyear",
    "nzjday",
    "nzhour",
    "nzmin",
    "nzsec",
    "nzmsec",
    "nvhdr",
    "norid",
    "nevid",
    "npts",
    "internal3",
    "nwfid",
    "nxsize",
    "nysize",
    "unused13",
    "iftype",
    "idep",
    "iztype",
    "unused14",
    "iinst",
    "istreg",
    "ievreg",
    "ievtyp",
    "iqual",
    "isynth",
    "imagtyp",
    "imagsrc",
    "unused15",
    "unused16",
    "unused17",
    "unused18",
    "unused19",
    "unused20",
    "unused21",
    "unused22",
    "leven",
    "lpspol",
    "lovrok",
    "lcalda",
    "unused23",
];

/// String header names in file order (ObsPy's `STRHDRS`); `kevnm` spans two slots.
pub const STR_NAMES: [&str; 24] = [
    "kstnm", "kevnm", "kevnm2", "khole", "ko", "ka", "kt0", "kt1", "kt2", "kt3", "kt4", "kt5", "kt6", "kt7", "kt8",
    "kt9", "kf", "kuser0", "kuser1", "kuser2", "kcmpnm", "knetwk", "kdatrd", "kinst",
];

/// Index of a float header by name.
pub fn float_index(name: &str) -> Option<usize> {
    FLOAT_NAMES.iter().position(|n| *n == name)
}

/// Index of an integer header by name.
pub fn int_index(name: &str) -> Option<usize> {
    INT_NAMES.iter().position(|n| *n == name)
}

/// Index of a string header by name.
pub fn str_index(name: &str) -> Option<usize> {
    STR_NAMES.iter().position(|n| *n == name)
}

/// The header arrays exactly as stored (after byte-order correction).
#[derive(Clone, Debug, PartialEq)]
pub struct RawHeader {
    /// The 70 floats.
    pub floats: [f32; 70],
    /// The 40 integers.
    pub ints: [i32; 40],
    /// The 24 eight-byte strings.
    pub strs: [[u8; 8]; 24],
}

impl RawHeader {
    /// A header with every value null, logicals 0 and `lcalda` 1 (ObsPy's `init_header_arrays`).
    pub fn null() -> RawHeader {
        let mut ints = [INULL; 40];
        for (i, name) in INT_NAMES.iter().enumerate() {
            if name.starts_with('l') {
                ints[i] = 0;
            }
        }
        ints[38] = 1;
        let mut snull = [0u8; 8];
        snull.copy_from_slice(SNULL.as_bytes());
        RawHeader {
            floats: [FNULL; 70],
            ints,
            strs: [snull; 24],
        }
    }

    /// Decodes the first [`HEADER_LEN`] bytes of `bytes` in the given byte order.
    pub fn decode(bytes: &[u8; HEADER_LEN], big_endian: bool) -> RawHeader {
        let word = |i: usize| {
            let w = [bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]];
            if big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let mut h = RawHeader::null();
        for (i, f) in h.floats.iter_mut().enumerate() {
            *f = f32::from_bits(word(i));
        }
        for (i, v) in h.ints.iter_mut().enumerate() {
            *v = word(70 + i) as i32;
        }
        for (i, s) in h.strs.iter_mut().enumerate() {
            s.copy_from_slice(&bytes[440 + 8 * i..448 + 8 * i]);
        }
        h
    }

    /// Encodes the header in the given byte order.
    pub fn encode(&self, big_endian: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        let mut put = |bits: u32| {
            out.extend_from_slice(&if big_endian {
                bits.to_be_bytes()
            } else {
                bits.to_le_bytes()
            });
        };
        self.floats.iter().for_each(|f| put(f.to_bits()));
        self.ints.iter().for_each(|&i| put(i as u32));
        self.strs.iter().for_each(|s| out.extend_from_slice(s));
        out
    }

    /// A float header, `None` when null.
    pub fn float(&self, name: &str) -> Option<f32> {
        float_index(name).map(|i| self.floats[i]).filter(|&v| v != FNULL)
    }

    /// An integer header, `None` when null.
    pub fn int(&self, name: &str) -> Option<i32> {
        int_index(name).map(|i| self.ints[i]).filter(|&v| v != INULL)
    }

    /// The non-null header values by ObsPy's `stats.sac` names, strings cleaned as ObsPy's reader
    /// does (`SACTrace.read` + `header_arrays_to_dict`): `kevnm` joins its two slots.
    pub fn to_values(&self) -> BTreeMap<String, HeaderValue> {
        let mut map = BTreeMap::new();
        for (name, &v) in FLOAT_NAMES.iter().zip(&self.floats) {
            if v != FNULL {
                map.insert(name.to_string(), HeaderValue::Float(f64::from(v)));
            }
        }
        for (name, &v) in INT_NAMES.iter().zip(&self.ints) {
            if v != INULL {
                map.insert(name.to_string(), HeaderValue::Int(i64::from(v)));
            }
        }
        let strs: Vec<Option<String>> = self.strs.iter().map(clean_string).collect();
        for (name, v) in STR_NAMES.iter().zip(&strs) {
            if let Some(v) = v {
                map.insert(name.to_string(), HeaderValue::Text(v.clone()));
            }
        }
        if let Some(HeaderValue::Text(second)) = map.remove("kevnm2") {
            let first = match map.remove("kevnm") {
                Some(HeaderValue::Text(first)) => first,
                _ => String::new(),
            };
            map.insert("kevnm".to_string(), HeaderValue::Text(first + &second));
        }
        map
    }
}

/// A string slot as ObsPy reads it: `None` when it starts with `-12345`, else the text cut at the
/// first NUL, non-ASCII bytes as `?`, stripped of Python whitespace.
fn clean_string(slot: &[u8; 8]) -> Option<String> {
    let end = slot.iter().position(|&b| b == 0).unwrap_or(slot.len());
    let text: String = slot[..end]
        .iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
        .collect();
    if text.starts_with("-12345") {
        return None;
    }
    Some(py_strip(&text).to_string())
}

/// Python's `str.strip()` for ASCII text (it also strips the separators 0x1c..=0x1f).
pub(super) fn py_strip(text: &str) -> &str {
    text.trim_matches(|c: char| matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_table() {
        assert_eq!(NVHDR_OFFSET, 304);
        assert_eq!(NPTS_OFFSET, 316);
        assert_eq!(280 + 4 * int_index("iftype").unwrap(), 340);
        assert_eq!(280 + 4 * int_index("leven").unwrap(), 420);
        assert_eq!(440 + 8 * str_index("kcmpnm").unwrap(), 600);
        assert_eq!(440 + 8 * str_index("knetwk").unwrap(), 608);
        assert_eq!(RawHeader::null().encode(false).len(), HEADER_LEN);
    }

    #[test]
    fn strings_cleaned_like_obspy() {
        assert_eq!(clean_string(b"AB\0CD   "), Some("AB".into()));
        assert_eq!(clean_string(b"-12345\0\0"), None);
        assert_eq!(clean_string(b"-12345XY"), None);
        assert_eq!(clean_string(b"\xffAB     "), Some("?AB".into()));
        assert_eq!(clean_string(b"\x1cA\x0b     "), Some("A".into()));
        assert_eq!(clean_string(b"\0\0\0\0\0\0\0\0"), Some(String::new()));
    }

    #[test]
    fn kevnm_joins_two_slots() {
        let mut h = RawHeader::null();
        h.strs[1] = *b"EVENT   ";
        h.strs[2] = *b"NAME    ";
        assert_eq!(h.to_values().get("kevnm"), Some(&HeaderValue::Text("EVENTNAME".into())));
        let mut h = RawHeader::null();
        h.strs[2] = *b"ONLY2   ";
        assert_eq!(h.to_values().get("kevnm"), Some(&HeaderValue::Text("ONLY2".into())));
        assert!(!h.to_values().contains_key("kevnm2"));
    }
}
