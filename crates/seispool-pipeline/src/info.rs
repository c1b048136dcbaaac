//! The inventory behind `seispool info` and Python's `seispool.info`: per file its traces, gaps and
//! warnings, read from headers only (no sample decoding).

use std::path::Path;

use seispool_core::Stream;
use seispool_io::{ReadOptions, read};
use serde::Serialize;

/// One trace of a file.
#[derive(Serialize, Debug)]
pub struct TraceInfo {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// First sample (ISO-8601).
    pub starttime: String,
    /// Last sample (ISO-8601).
    pub endtime: String,
    /// First sample, ns since the epoch.
    pub starttime_ns: i64,
    /// Last sample, ns since the epoch.
    pub endtime_ns: i64,
    /// Hz.
    pub sampling_rate: f64,
    /// Samples.
    pub npts: usize,
    /// MiniSEED encoding name (None for SAC).
    pub encoding: Option<String>,
    /// MiniSEED record length in bytes.
    pub record_length: Option<u32>,
    /// MiniSEED records in this trace.
    pub records: Option<usize>,
}

/// A gap (positive duration) or overlap (negative) between consecutive traces of a channel.
#[derive(Serialize, Debug)]
pub struct GapInfo {
    /// Channel.
    pub id: String,
    /// "gap" or "overlap".
    pub kind: &'static str,
    /// Last sample before.
    pub start: String,
    /// First sample after.
    pub end: String,
    /// Seconds (negative for overlaps).
    pub duration: f64,
    /// Missing (or doubled, negative) samples.
    pub samples: i64,
}

/// One file's inventory, or why it could not be read.
#[derive(Serialize, Debug)]
pub struct FileInfo {
    /// The file.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Format, when read.
    pub format: Option<String>,
    /// Records read (MiniSEED).
    pub records: usize,
    /// Traces (contiguous records joined).
    pub traces: Vec<TraceInfo>,
    /// Gaps and overlaps within the file.
    pub gaps: Vec<GapInfo>,
    /// Non-fatal findings.
    pub warnings: Vec<String>,
    /// The error, when the file could not be read.
    pub error: Option<String>,
}

/// The inventory of a set of files (`seispool info`).
#[derive(Serialize, Debug)]
pub struct InfoReport {
    /// Per file, in path order.
    pub files: Vec<FileInfo>,
    /// Files opened.
    pub opened: usize,
    /// Files that failed.
    pub failed: usize,
    /// Wall time in seconds.
    pub wall_seconds: f64,
    /// With an inventory: the traces whose time span no channel epoch with a response covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_responses: Option<Vec<MissingResponse>>,
}

/// A trace that `remove_response` could not process (`seispool info --inventory`).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct MissingResponse {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// First sample (ISO-8601).
    pub starttime: String,
    /// Last sample (ISO-8601).
    pub endtime: String,
    /// Why: no response at the start, or the epochs with responses leave part of the span uncovered.
    pub reason: String,
}

impl InfoReport {
    /// The report of `files` (in path order) gathered in `wall_seconds`.
    pub fn new(files: Vec<FileInfo>, wall_seconds: f64) -> InfoReport {
        InfoReport {
            opened: files.len(),
            failed: files.iter().filter(|f| f.error.is_some()).count(),
            files,
            wall_seconds,
            missing_responses: None,
        }
    }

    /// Lists the traces without a response for their whole span in `inv` (one entry per id and span).
    pub fn check_responses(&mut self, inv: &seispool_core::Inventory) {
        let mut missing: Vec<MissingResponse> = Vec::new();
        for t in self.files.iter().flat_map(|f| &f.traces) {
            let Ok(id) = seispool_core::ChannelId::parse(&t.id) else {
                continue;
            };
            let (start, end) = (seispool_core::Time(t.starttime_ns), seispool_core::Time(t.endtime_ns));
            if inv.has_response_for_span(&id, start, end) {
                continue;
            }
            let reason = if inv.find_response(&id, start).is_none() {
                if inv.channel_epochs(&id).next().is_none() {
                    "channel not in the inventory"
                } else {
                    "no channel epoch with a response at the start time"
                }
            } else {
                "the response epochs end inside the span"
            };
            let m = MissingResponse {
                id: t.id.clone(),
                starttime: t.starttime.clone(),
                endtime: t.endtime.clone(),
                reason: reason.to_string(),
            };
            if !missing.contains(&m) {
                missing.push(m);
            }
        }
        self.missing_responses = Some(missing);
    }
}

/// Reads the headers of one file.
pub fn file_info(path: &Path, opts: &ReadOptions) -> FileInfo {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut info = FileInfo {
        path: path.display().to_string(),
        size,
        format: None,
        records: 0,
        traces: Vec::new(),
        gaps: Vec::new(),
        warnings: Vec::new(),
        error: None,
    };
    match read(path, opts) {
        Ok(r) => {
            info.format = Some(r.format.to_string());
            info.records = r.records;
            info.warnings = r.warnings;
            describe(&r.stream, &mut info);
        }
        Err(e) => info.error = Some(e.to_string()),
    }
    info
}

fn describe(stream: &Stream, info: &mut FileInfo) {
    for t in &stream.traces {
        let m = t.stats.mseed.as_ref();
        info.traces.push(TraceInfo {
            id: t.id(),
            starttime: t.stats.starttime.to_string(),
            endtime: t.endtime().to_string(),
            starttime_ns: t.stats.starttime.ns(),
            endtime_ns: t.endtime().ns(),
            sampling_rate: t.stats.sampling_rate,
            npts: t.stats.npts,
            encoding: m.map(|m| {
                seispool_io::mseed::DataEncoding::from_code(m.encoding)
                    .map_or_else(|| format!("code {}", m.encoding), |e| e.name().to_string())
            }),
            record_length: m.map(|m| m.record_length),
            records: m.map(|m| m.number_of_records),
        });
    }
    let mut sorted = stream.clone();
    sorted.sort();
    for g in sorted.get_gaps() {
        let duration = g.delta; // ObsPy's gap length: next sample - (last sample + delta)
        info.gaps.push(GapInfo {
            id: g.id,
            kind: if duration < 0.0 { "overlap" } else { "gap" },
            start: g.start.to_string(),
            end: g.end.to_string(),
            duration,
            samples: g.nsamples,
        });
    }
}
