//! Arguments shared by the commands that read waveform files.

use std::path::PathBuf;

use clap::Args;
use seispool_core::Time;
use seispool_io::mseed::DataEncoding;
use seispool_io::{Format, WriteSpec};

/// Which data to read.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Input format (default: detected per file).
    #[arg(long = "input-format", value_name = "FORMAT", value_parser = parse_format)]
    pub input_format: Option<Format>,
    /// Only data from this time on (ISO-8601, e.g. 2024-01-01T06:00:00).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub start: Option<Time>,
    /// Only data up to this time (ISO-8601).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub end: Option<Time>,
    /// Only channels whose NET.STA.LOC.CHA matches this glob (`*`, `?`, `[...]`), e.g. 'IU.ANMO.*.BH?'.
    #[arg(long, value_name = "GLOB")]
    pub select: Option<String>,
}

impl Selection {
    /// Refuses an empty window.
    pub fn check(&self) -> Result<(), String> {
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e < s
        {
            return Err(format!("--end {e} is before --start {s}"));
        }
        if let Some(g) = &self.select
            && g.split('.').count() != 4
        {
            return Err(format!(
                "--select '{g}' is not a NET.STA.LOC.CHA pattern (four dot-separated parts)"
            ));
        }
        Ok(())
    }
}

/// How to write outputs.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Output format (default: the input's format).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// MiniSEED data encoding: INT16, INT32, FLOAT32, FLOAT64, STEIM1, STEIM2, ASCII
    /// (default: the input's encoding when it can hold the result, else FLOAT64 for processed data).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<DataEncoding>,
    /// MiniSEED record length in bytes (power of two, 256..65536).
    #[arg(long = "record-length", value_name = "BYTES", default_value_t = 4096)]
    pub record_length: usize,
    /// Write little-endian MiniSEED 2 / SAC (default: as ObsPy writes them, MiniSEED 2 big-endian, SAC
    /// little-endian; MiniSEED 3 is little-endian by definition).
    #[arg(long = "little-endian", conflicts_with = "big_endian")]
    pub little_endian: bool,
    /// Write big-endian MiniSEED 2 / SAC.
    #[arg(long = "big-endian")]
    pub big_endian: bool,
}

impl Output {
    /// The write spec (its format and byte order are placeholders: per unit, the input's format when
    /// `--format` is not given, and that format's default byte order unless one is asked for).
    pub fn spec(&self) -> Result<WriteSpec, String> {
        if !(256..=65536).contains(&self.record_length) || !self.record_length.is_power_of_two() {
            return Err(format!(
                "--record-length {} is not a power of two from 256 to 65536",
                self.record_length
            ));
        }
        if let Some(e) = self.encoding
            && !e.is_writable()
        {
            return Err(format!("--encoding {e} can be read but not written"));
        }
        Ok(WriteSpec {
            format: self.format.unwrap_or(Format::Mseed2),
            encoding: self.encoding,
            record_length: self.record_length,
            big_endian: !self.little_endian,
        })
    }

    /// The byte order asked for, if any.
    pub fn byte_order(&self) -> Option<bool> {
        match (self.little_endian, self.big_endian) {
            (true, _) => Some(false),
            (_, true) => Some(true),
            _ => None,
        }
    }
}

/// Parses a `--format` value.
pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_time(s: &str) -> Result<Time, String> {
    Time::parse(s).map_err(|e| e.to_string())
}

fn parse_encoding(s: &str) -> Result<DataEncoding, String> {
    s.parse::<DataEncoding>().map_err(|e| e.to_string())
}

/// Inputs that do not exist are a usage error (exit 2), reported before any work.
pub fn check_inputs(inputs: &[PathBuf]) -> Result<(), String> {
    for p in inputs {
        if !p.exists() {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(())
}
