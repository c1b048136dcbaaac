//! `seispool info`: an inventory of waveform files from their headers (no sample decoding).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use rayon::prelude::*;
use seispool_core::Stream;
use seispool_io::{Format, ReadOptions, read};
use seispool_pipeline::process::list_inputs_matching;
use seispool_pipeline::runner::{build_pool, effective_jobs};
use serde::Serialize;

use crate::common::{Selection, check_inputs, parse_format};

/// Arguments of `seispool info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Files, directories or SDS archive roots.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    /// Read every file as this format (same as --input-format; default: detected per file).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format, conflicts_with = "input_format")]
    pub format: Option<Format>,
    /// Worker threads (default: available cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Print the inventory as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

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

/// The whole inventory.
#[derive(Serialize, Debug)]
pub struct Inventory {
    /// Per file, in path order.
    pub files: Vec<FileInfo>,
    /// Files opened.
    pub opened: usize,
    /// Files that failed.
    pub failed: usize,
    /// Wall time in seconds.
    pub wall_seconds: f64,
}

/// Reads the headers of one file.
pub fn file_info(path: &std::path::Path, opts: &ReadOptions) -> FileInfo {
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
        let duration = g.end.seconds_since(g.start);
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

/// Runs `info`; exit 1 when a file could not be read.
pub fn run(args: InfoArgs) -> i32 {
    if let Err(e) = check_inputs(&args.paths).and_then(|_| args.selection.check()) {
        eprintln!("error: {e}");
        return 2;
    }
    let started = Instant::now();
    let sel = &args.selection;
    let files = match list_inputs_matching(&args.paths, sel.start, sel.end, sel.select.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let opts = ReadOptions {
        format: args.format.or(args.selection.input_format),
        starttime: args.selection.start,
        endtime: args.selection.end,
        select: args.selection.select.clone(),
        headonly: true,
    };
    let pool = match build_pool(effective_jobs(args.jobs)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return 2;
        }
    };
    let mut infos: Vec<FileInfo> = pool.install(|| files.par_iter().map(|f| file_info(&f.path, &opts)).collect());
    drop(pool);
    let opened = infos.len();
    if opts.select.is_some() || opts.starttime.is_some() || opts.endtime.is_some() {
        // Files opened because their names prove nothing, holding none of the selection: not listed.
        infos.retain(|i| i.error.is_some() || !i.traces.is_empty());
    }
    let failed = infos.iter().filter(|i| i.error.is_some()).count();
    let inv = Inventory {
        opened,
        failed,
        files: infos,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        match serde_json::to_string_pretty(&inv) {
            Ok(t) => println!("{t}"),
            Err(e) => {
                eprintln!("error: cannot encode the inventory as JSON: {e}");
                return 2;
            }
        }
    } else {
        print!("{}", human(&inv));
    }
    for f in inv.files.iter().filter(|f| f.error.is_some()) {
        eprintln!("error: {}", f.error.as_deref().unwrap_or_default());
    }
    i32::from(failed > 0)
}

/// The human inventory: per file a header line, its traces, its gaps; a total line.
pub fn human(inv: &Inventory) -> String {
    let mut s = String::new();
    for f in &inv.files {
        let Some(format) = &f.format else {
            continue;
        };
        s.push_str(&format!(
            "{} ({format}, {} bytes, {} records)\n",
            f.path, f.size, f.records
        ));
        for t in &f.traces {
            let enc = t.encoding.as_deref().map(|e| format!("  {e}")).unwrap_or_default();
            let rl = t.record_length.map(|r| format!("  {r}B")).unwrap_or_default();
            s.push_str(&format!(
                "  {} | {} - {} | {} Hz, {} samples{enc}{rl}\n",
                t.id, t.starttime, t.endtime, t.sampling_rate, t.npts
            ));
        }
        for g in &f.gaps {
            s.push_str(&format!(
                "  {} {} {} -> {} ({:.6} s, {} samples)\n",
                g.kind, g.id, g.start, g.end, g.duration, g.samples
            ));
        }
        for w in &f.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
    }
    let traces: usize = inv.files.iter().map(|f| f.traces.len()).sum();
    s.push_str(&format!(
        "{} files ({} failed), {} traces, {:.3} s ({:.0} files/s)\n",
        inv.opened,
        inv.failed,
        traces,
        inv.wall_seconds,
        inv.opened as f64 / inv.wall_seconds.max(1e-9)
    ));
    s
}
