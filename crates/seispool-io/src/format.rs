//! One entry point for every format: detect what a file holds, read it into a [`Stream`] with a time
//! window and an id selection, and encode a [`Stream`] in a chosen format.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use seispool_core::{Stream, Time, Trace, glob_match};

use crate::mseed::{self, DataEncoding};
use crate::{FormatError, IoError, sac};

/// A waveform file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// MiniSEED 2.4 (SEED data records).
    Mseed2,
    /// MiniSEED 3 (FDSN 2023).
    Mseed3,
    /// SAC binary, either byte order.
    Sac,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Mseed2 => "mseed2",
            Format::Mseed3 => "mseed3",
            Format::Sac => "sac",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mseed2" | "mseed" | "miniseed" | "miniseed2" => Ok(Format::Mseed2),
            "mseed3" | "miniseed3" => Ok(Format::Mseed3),
            "sac" => Ok(Format::Sac),
            _ => Err(format!("unknown format '{s}'; expected mseed2, mseed3 or sac")),
        }
    }
}

/// How many leading bytes [`detect`] looks at.
pub const SNIFF_BYTES: usize = crate::sac::header::HEADER_LEN;

/// The format of a file from its first bytes ([`SNIFF_BYTES`], or the whole file when shorter) and
/// its total length; `None` when it is none we read. MiniSEED is checked first: SAC has no magic number.
pub fn detect(prefix: &[u8], file_len: u64) -> Option<Format> {
    if mseed::is_mseed3(prefix) {
        Some(Format::Mseed3)
    } else if mseed::is_mseed2(prefix) {
        Some(Format::Mseed2)
    } else if sac::is_sac(prefix, file_len) {
        Some(Format::Sac)
    } else {
        None
    }
}

/// What to read: the one set of read options, for [`read`] and for the MiniSEED reader alike.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The format; `None` detects it from the file's first bytes (the MiniSEED reader ignores it).
    pub format: Option<Format>,
    /// Keep only data that ends at or after this time (whole records / traces, not cut; a SAC trace's
    /// samples are kept whatever the window, as ObsPy's SAC reader keeps them, for the caller's cut).
    pub starttime: Option<Time>,
    /// Keep only data that starts at or before this time (whole records / traces, not cut; see
    /// `starttime` for SAC).
    pub endtime: Option<Time>,
    /// `NET.STA.LOC.CHA` glob (`*`, `?`, `[...]`); only matching channels are decoded.
    pub select: Option<String>,
    /// Headers only: traces carry `npts` but no samples.
    pub headonly: bool,
}

/// A file read.
#[derive(Debug)]
pub struct ReadResult {
    /// Its format.
    pub format: Format,
    /// Its traces (contiguous records joined, in file order).
    pub stream: Stream,
    /// Non-fatal findings (e.g. a Steim integration constant that does not match).
    pub warnings: Vec<String>,
    /// Records read (MiniSEED) or 1 (SAC).
    pub records: usize,
}

/// Reads `path`, detecting the format unless `opts.format` names it.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<ReadResult, IoError> {
    read_with(path, opts, false)
}

/// [`read`], offering the MiniSEED records of a large file to the idle workers of the rayon pool
/// this runs on (outside a pool: [`read`]). Integer records decode into the thread's spare buffer as
/// [`read`]'s do. For a caller that reads few files on a pool of its own (e.g. Python's
/// `seispool.read`) and for the runner's units, whose workers steal records only once no unit is
/// left to take (rayon's thieves take the oldest job first), so no worker nests a second unit.
pub fn read_in_pool(path: &Path, opts: &ReadOptions) -> Result<ReadResult, IoError> {
    read_with(path, opts, true)
}

fn read_with(path: &Path, opts: &ReadOptions, parallel: bool) -> Result<ReadResult, IoError> {
    let format = match opts.format {
        Some(f) => f,
        // Not recognised from its first bytes (full SEED volumes, odd first records): the MiniSEED reader
        // searches for data records itself, like ObsPy's, and errors clearly when there are none.
        None => match detect_file(path) {
            Ok(f) => f,
            Err(_) => match looks_like(path)? {
                // A SAC header whose sizes disagree: the SAC reader names what is wrong.
                Some(Other::Sac) => Format::Sac,
                Some(Other::Named(what)) => {
                    let what = format!("not MiniSEED or SAC: looks like {what}");
                    return Err(IoError::Format(FormatError::new(path, None, 0, what)));
                }
                None => Format::Mseed2,
            },
        },
    };
    match format {
        Format::Mseed2 | Format::Mseed3 => {
            let file = if parallel {
                mseed::read_file_in_pool(path, opts)?
            } else {
                mseed::read_file(path, opts)?
            };
            Ok(ReadResult {
                format,
                stream: file.stream,
                warnings: file.warnings,
                records: file.records,
            })
        }
        Format::Sac => {
            let trace = sac::read_file(path, opts.headonly)?;
            // The samples are read whole either way; ObsPy's read then cuts them to the window with the
            // nearest sample, which keeps a sample up to half a sample outside it. So only headers (which
            // are never cut) are dropped by the window here; the samples are left to the caller's cut.
            let keep = if opts.headonly {
                trace_selected(&trace, opts)
            } else {
                id_selected(&trace, opts)
            };
            let warnings = sac::read_warnings(&trace)
                .into_iter()
                .map(|w| format!("{}: {w}", path.display()))
                .collect();
            Ok(ReadResult {
                format,
                stream: Stream::new(if keep { vec![trace] } else { Vec::new() }),
                warnings,
                records: 1,
            })
        }
    }
}

/// Detects the format of the file at `path` from its first bytes.
pub fn detect_file(path: &Path) -> Result<Format, IoError> {
    let (mut file, len) = seispool_core::limits::open_input(path).map_err(|e| IoError::os(path, e))?;
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| IoError::os(path, e))?;
    detect(&prefix, len).ok_or_else(|| {
        IoError::Format(FormatError::new(
            path,
            None,
            0,
            format!(
                "not a waveform file we read: expected a MiniSEED 2 record header, a MiniSEED 3 'MS' header or a \
                 SAC header (found {} bytes starting {:02x?})",
                len,
                &prefix[..prefix.len().min(8)]
            ),
        ))
    })
}

/// What a file that is neither MiniSEED nor a well-formed SAC file resembles.
enum Other {
    /// A SAC header (valid version word) whose sizes do not match the file.
    Sac,
    /// Some other kind of file, by name ("XML", "text", ...).
    Named(&'static str),
}

/// Names what an unrecognised file resembles from its first bytes, so that an XML, text or archive
/// file is not reported as a damaged MiniSEED record; `None` when it resembles nothing we know (such
/// files go to the MiniSEED reader, which searches for data records as ObsPy's does).
fn looks_like(path: &Path) -> Result<Option<Other>, IoError> {
    let (mut file, _) = seispool_core::limits::open_input(path).map_err(|e| IoError::os(path, e))?;
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| IoError::os(path, e))?;
    Ok(classify(&prefix))
}

fn classify(prefix: &[u8]) -> Option<Other> {
    let magic: [(&[u8], usize, &'static str); 7] = [
        (b"PK\x03\x04", 0, "a zip archive"),
        (b"\x1f\x8b", 0, "gzip-compressed data"),
        (b"BZh", 0, "bzip2-compressed data"),
        (b"\xfd7zXZ", 0, "xz-compressed data"),
        (b"\x89HDF", 0, "an HDF5 file"),
        (b"ustar", 257, "a tar archive"),
        (b"%PDF", 0, "a PDF document"),
    ];
    for (m, at, name) in magic {
        if prefix.get(at..at + m.len()) == Some(m) {
            return Some(Other::Named(name));
        }
    }
    let nvhdr = prefix.get(sac::header::NVHDR_OFFSET..sac::header::NVHDR_OFFSET + 4);
    if prefix.len() >= SNIFF_BYTES
        && let Some(w) = nvhdr.and_then(|w| <[u8; 4]>::try_from(w).ok())
        && [i32::from_le_bytes(w), i32::from_be_bytes(w)]
            .iter()
            .any(|v| (1..20).contains(v))
        && prefix[440..SNIFF_BYTES]
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == 0)
    {
        return Some(Other::Sac);
    }
    let text = prefix.trim_ascii_start();
    if text.starts_with(b"<?xml")
        || text.starts_with(b"<") && text.iter().all(|b| !b.is_ascii_control() || b.is_ascii_whitespace())
    {
        return Some(Other::Named("XML"));
    }
    // SEED records (volumes with control headers) start with a 6-digit sequence number and a type letter;
    // they are ASCII, and the MiniSEED reader looks past them for data records.
    let seed = prefix.len() >= 7
        && prefix[..6].iter().all(|b| b.is_ascii_digit() || *b == b' ')
        && prefix[6].is_ascii_uppercase();
    let printable = |b: &u8| b.is_ascii_graphic() || b.is_ascii_whitespace();
    if !seed
        && !prefix.is_empty()
        && std::str::from_utf8(prefix).is_ok_and(|t| t.bytes().filter(printable).count() * 10 >= t.len() * 9)
    {
        return Some(Other::Named("text"));
    }
    None
}

/// Whether a trace passes the id glob.
fn id_selected(trace: &Trace, opts: &ReadOptions) -> bool {
    opts.select.as_ref().is_none_or(|glob| glob_match(glob, &trace.id()))
}

/// Whether a whole trace passes the id glob and overlaps the time window.
fn trace_selected(trace: &Trace, opts: &ReadOptions) -> bool {
    if !id_selected(trace, opts) {
        return false;
    }
    if opts.starttime.is_some_and(|t| trace.endtime() < t) {
        return false;
    }
    opts.endtime.is_none_or(|t| trace.stats.starttime <= t)
}

/// How to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteSpec {
    /// Output format.
    pub format: Format,
    /// MiniSEED data encoding; `None` keeps each trace's encoding when it fits its samples, else ObsPy's
    /// default for the sample type.
    pub encoding: Option<DataEncoding>,
    /// MiniSEED record length in bytes.
    pub record_length: usize,
    /// Big-endian output (MiniSEED 2 and SAC; MiniSEED 3 is little-endian by definition).
    pub big_endian: bool,
}

impl WriteSpec {
    /// ObsPy's defaults for `format`: 4096-byte big-endian records, encoding from the data.
    pub fn new(format: Format) -> WriteSpec {
        WriteSpec {
            format,
            encoding: None,
            record_length: 4096,
            big_endian: format != Format::Sac,
        }
    }
}

/// Encodes `stream` as one file's bytes. SAC holds exactly one trace; `label` names the output in errors.
pub fn encode(label: &Path, stream: &Stream, spec: &WriteSpec) -> Result<Vec<u8>, IoError> {
    // Room for the raw samples plus record headers (a 6-hour FLOAT64 trace is ~17 MB): growing by
    // doubling copied the bytes and faulted in twice the pages.
    let estimate: usize = stream
        .traces
        .iter()
        .map(|t| {
            let width = match t.data.sample_type() {
                seispool_core::SampleType::F64 => 8,
                seispool_core::SampleType::Text => 1,
                _ => 4,
            };
            t.data.len().saturating_mul(width) / 10 * 13 + 8192
        })
        .fold(0usize, usize::saturating_add);
    // A spare of this thread's when it has one (the process runner hands written outputs back).
    let mut out = seispool_core::take_spare_bytes(estimate.min(1 << 32));
    match spec.format {
        Format::Mseed2 => {
            let opts = mseed::WriteOptions {
                encoding: spec.encoding,
                record_length: spec.record_length,
                big_endian: spec.big_endian,
            };
            mseed::write_to(&mut out, label, stream, &opts)?;
        }
        Format::Mseed3 => {
            let opts = mseed::WriteOptions3 {
                encoding: spec.encoding,
                record_length: spec.record_length,
                ..mseed::WriteOptions3::default()
            };
            mseed::write_to3(&mut out, label, stream, &opts)?;
        }
        Format::Sac => match stream.traces.as_slice() {
            [trace] => sac::write_to(&mut out, label, trace, spec.big_endian)?,
            traces => {
                return Err(IoError::Unsupported {
                    path: label.to_path_buf(),
                    what: format!(
                        "a SAC file holds one trace, this result has {} (merge with a fill_value to join them, \
                         or write MiniSEED)",
                        traces.len()
                    ),
                });
            }
        },
    }
    Ok(out)
}

/// Writes `stream` to `path` in one go (created or truncated).
pub fn write(path: &Path, stream: &Stream, spec: &WriteSpec) -> Result<(), IoError> {
    let bytes = encode(path, stream, spec)?;
    std::fs::write(path, bytes).map_err(|e| IoError::os(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in [Format::Mseed2, Format::Mseed3, Format::Sac] {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert!("segy".parse::<Format>().is_err());
    }

    #[test]
    fn garbage_is_no_format() {
        assert_eq!(detect(&[0u8; 64], 64), None);
        assert_eq!(detect(b"hello", 5), None);
    }

    #[test]
    fn format_detection_messages_mislead() {
        let name = |p: &[u8]| match classify(p) {
            Some(Other::Named(n)) => n,
            Some(Other::Sac) => "sac",
            None => "none",
        };
        assert_eq!(name(b"<?xml version=\"1.0\"?><FDSNStationXML>"), "XML");
        assert_eq!(name(b"  <FDSNStationXML>\n</FDSNStationXML>"), "XML");
        assert_eq!(name(b"time,value\n1,2\n"), "text");
        assert_eq!(name(b"PK\x03\x04rest"), "a zip archive");
        let mut tar = vec![0u8; 600];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(name(&tar), "a tar archive");
        let mut sac = vec![0u8; SNIFF_BYTES];
        sac[sac::header::NVHDR_OFFSET..sac::header::NVHDR_OFFSET + 4].copy_from_slice(&6i32.to_le_bytes());
        sac[440..].fill(b' ');
        assert_eq!(name(&sac), "sac");
        // A MiniSEED-like binary prefix resembles none of these: the MiniSEED reader decides.
        assert_eq!(name(b"000001D \x00\x01\xff\xfe"), "none");
        assert_eq!(name(b"000001V 010009402.3121992,001,00:00:00.0000~"), "none");
    }
}
