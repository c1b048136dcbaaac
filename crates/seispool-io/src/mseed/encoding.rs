//! MiniSEED data encodings (SEED manual, blockette 1000 field 5; FDSN MiniSEED 3 "data payload encoding").

use std::fmt;
use std::str::FromStr;

use seispool_core::SampleType;

/// A MiniSEED data encoding, by its SEED code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataEncoding {
    /// 0: text, one byte per sample.
    Ascii,
    /// 1: 16-bit integers.
    Int16,
    /// 2: 24-bit integers.
    Int24,
    /// 3: 32-bit integers.
    Int32,
    /// 4: IEEE 32-bit floats.
    Float32,
    /// 5: IEEE 64-bit floats.
    Float64,
    /// 10: Steim-1 compression.
    Steim1,
    /// 11: Steim-2 compression.
    Steim2,
    /// 12: GEOSCOPE multiplexed 24-bit integers.
    Geoscope24,
    /// 13: GEOSCOPE 16-bit gain ranged, 3-bit exponent.
    Geoscope163,
    /// 14: GEOSCOPE 16-bit gain ranged, 4-bit exponent.
    Geoscope164,
    /// 16: CDSN 16-bit gain ranged.
    Cdsn,
    /// 30: SRO gain ranged.
    Sro,
    /// 32: DWWSSN gain ranged.
    Dwwssn,
}

const ALL: [DataEncoding; 14] = [
    DataEncoding::Ascii,
    DataEncoding::Int16,
    DataEncoding::Int24,
    DataEncoding::Int32,
    DataEncoding::Float32,
    DataEncoding::Float64,
    DataEncoding::Steim1,
    DataEncoding::Steim2,
    DataEncoding::Geoscope24,
    DataEncoding::Geoscope163,
    DataEncoding::Geoscope164,
    DataEncoding::Cdsn,
    DataEncoding::Sro,
    DataEncoding::Dwwssn,
];

impl DataEncoding {
    /// The SEED code.
    pub fn code(self) -> u8 {
        match self {
            DataEncoding::Ascii => 0,
            DataEncoding::Int16 => 1,
            DataEncoding::Int24 => 2,
            DataEncoding::Int32 => 3,
            DataEncoding::Float32 => 4,
            DataEncoding::Float64 => 5,
            DataEncoding::Steim1 => 10,
            DataEncoding::Steim2 => 11,
            DataEncoding::Geoscope24 => 12,
            DataEncoding::Geoscope163 => 13,
            DataEncoding::Geoscope164 => 14,
            DataEncoding::Cdsn => 16,
            DataEncoding::Sro => 30,
            DataEncoding::Dwwssn => 32,
        }
    }

    /// The encoding with SEED code `code`, if known.
    pub fn from_code(code: u8) -> Option<DataEncoding> {
        ALL.into_iter().find(|e| e.code() == code)
    }

    /// ObsPy's name (`stats.mseed.encoding`): ASCII, INT16, ..., STEIM2, GEOSCOPE16_3, CDSN, SRO, DWWSSN.
    pub fn name(self) -> &'static str {
        match self {
            DataEncoding::Ascii => "ASCII",
            DataEncoding::Int16 => "INT16",
            DataEncoding::Int24 => "INT24",
            DataEncoding::Int32 => "INT32",
            DataEncoding::Float32 => "FLOAT32",
            DataEncoding::Float64 => "FLOAT64",
            DataEncoding::Steim1 => "STEIM1",
            DataEncoding::Steim2 => "STEIM2",
            DataEncoding::Geoscope24 => "GEOSCOPE24",
            DataEncoding::Geoscope163 => "GEOSCOPE16_3",
            DataEncoding::Geoscope164 => "GEOSCOPE16_4",
            DataEncoding::Cdsn => "CDSN",
            DataEncoding::Sro => "SRO",
            DataEncoding::Dwwssn => "DWWSSN",
        }
    }

    /// The sample type a decoder of this encoding produces.
    pub fn sample_type(self) -> SampleType {
        match self {
            DataEncoding::Ascii => SampleType::Text,
            DataEncoding::Float32
            | DataEncoding::Geoscope24
            | DataEncoding::Geoscope163
            | DataEncoding::Geoscope164 => SampleType::F32,
            DataEncoding::Float64 => SampleType::F64,
            _ => SampleType::I32,
        }
    }

    /// Whether seispool can write this encoding.
    pub fn is_writable(self) -> bool {
        matches!(
            self,
            DataEncoding::Ascii
                | DataEncoding::Int16
                | DataEncoding::Int32
                | DataEncoding::Float32
                | DataEncoding::Float64
                | DataEncoding::Steim1
                | DataEncoding::Steim2
        )
    }

    /// Whether this encoding can store samples of type `t` without loss of type.
    pub fn accepts(self, t: SampleType) -> bool {
        match self {
            DataEncoding::Ascii => t == SampleType::Text,
            DataEncoding::Int16 | DataEncoding::Int32 | DataEncoding::Steim1 | DataEncoding::Steim2 => {
                t == SampleType::I32
            }
            DataEncoding::Float32 => t == SampleType::F32,
            DataEncoding::Float64 => t == SampleType::F64,
            _ => false,
        }
    }
}

impl fmt::Display for DataEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DataEncoding {
    type Err = String;
    /// Parses ObsPy's name (case-insensitive) or the numeric SEED code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let by_code = s.parse::<u8>().ok().and_then(DataEncoding::from_code);
        by_code
            .or_else(|| ALL.into_iter().find(|e| e.name().eq_ignore_ascii_case(s)))
            .ok_or_else(|| {
                let names: Vec<&str> = ALL.iter().map(|e| e.name()).collect();
                format!("unknown encoding '{s}'; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for e in ALL {
            assert_eq!(DataEncoding::from_code(e.code()), Some(e));
            assert_eq!(e.name().to_lowercase().parse::<DataEncoding>(), Ok(e));
            assert_eq!(e.code().to_string().parse::<DataEncoding>(), Ok(e));
        }
        assert!(DataEncoding::from_code(6).is_none());
        assert!("steim3".parse::<DataEncoding>().is_err());
    }
}
