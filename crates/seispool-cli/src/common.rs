//! Arguments shared by the commands that read waveform files, and the flag names of the library's options.
//! The values are passed to the library as given: it checks them (`seispool_pipeline::job`).

use clap::Args;
use seispool_core::Time;
use seispool_pipeline::{JobError, Opt};

/// Which data to read.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Input format: mseed2, mseed3 or sac (default: detected per file).
    #[arg(long = "input-format", value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Only data from this time on (ISO-8601, e.g. 2024-01-01T06:00:00).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub start: Option<Time>,
    /// Only data up to this time (ISO-8601).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub end: Option<Time>,
    /// Only channels whose NET.STA.LOC.CHA matches this glob (`*`, `?`, `[...]`; `*` also spans dots),
    /// e.g. 'IU.ANMO.*.BH?' or '*.HHZ'.
    #[arg(long, value_name = "GLOB")]
    pub select: Option<String>,
    /// Follow symbolic links in input directories, wherever they lead (e.g. SDS year directories linked
    /// onto other disks). By default symlinked directories are not entered and a symlinked file counts
    /// only when it resolves inside the input tree.
    #[arg(long = "follow-symlinks")]
    pub follow_symlinks: bool,
}

/// How to write outputs.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Output format: mseed2, mseed3 or sac (default: the input's format).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// MiniSEED data encoding: INT16, INT32, FLOAT32, FLOAT64, STEIM1, STEIM2, ASCII
    /// (default: the input's encoding when it can hold the result, else FLOAT64 for processed data).
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// MiniSEED record length in bytes (power of two, 128..65536; default 4096).
    #[arg(long = "record-length", value_name = "BYTES")]
    pub record_length: Option<usize>,
    /// Write little-endian MiniSEED 2 / SAC (default: as ObsPy writes them, MiniSEED 2 big-endian, SAC
    /// little-endian; MiniSEED 3 is little-endian by definition).
    #[arg(long = "little-endian", conflicts_with = "big_endian")]
    pub little_endian: bool,
    /// Write big-endian MiniSEED 2 / SAC.
    #[arg(long = "big-endian")]
    pub big_endian: bool,
}

impl Output {
    /// The byte order asked for, if any.
    pub fn byte_order(&self) -> Option<bool> {
        match (self.little_endian, self.big_endian) {
            (true, _) => Some(false),
            (_, true) => Some(true),
            _ => None,
        }
    }
}

fn parse_time(s: &str) -> Result<Time, String> {
    Time::parse(s).map_err(|e| e.to_string())
}

/// The command-line spelling of a library option.
pub fn flag(option: Opt) -> String {
    match option {
        Opt::Inputs => "IN",
        Opt::Out => "--out",
        Opt::Pipeline => "--pipeline",
        Opt::Starttime => "--start",
        Opt::Endtime => "--end",
        Opt::Select => "--select",
        Opt::Overlap => "--overlap",
        Opt::Format => "--format",
        Opt::InputFormat => "--input-format",
        Opt::Encoding => "--encoding",
        Opt::RecordLength => "--record-length",
        Opt::ByteOrder => "--big-endian/--little-endian",
        Opt::Jobs => "--jobs",
        Opt::Resume => "--resume",
        Opt::Inventory => "--inventory",
    }
    .to_string()
}

/// Prints a usage error (an option the library refused, in command-line words); returns exit code 2.
pub fn usage(e: &JobError) -> i32 {
    usage_text(&e.render(flag))
}

/// Prints `error: msg`; returns exit code 2.
pub fn usage_text(msg: &str) -> i32 {
    eprintln!("error: {msg}");
    2
}
