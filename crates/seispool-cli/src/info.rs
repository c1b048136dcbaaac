//! `seispool info`: prints the inventory of waveform files (`seispool_pipeline::info`) from their headers.

use std::path::PathBuf;

use clap::Args;
use seispool_pipeline::info::InfoReport;
use seispool_pipeline::{Opt, ReadBuilder};

use crate::common::{Selection, flag, usage_text};

/// Arguments of `seispool info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Files, directories or SDS archive roots.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    /// Read every file as this format (same as --input-format; default: detected per file).
    #[arg(long, value_name = "FORMAT", conflicts_with = "input_format")]
    pub format: Option<String>,
    /// Worker threads (default: available cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Print the inventory as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// StationXML file, or a directory of them: also list the data channels that have no response for
    /// their time span (remove_response() would fail on them).
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub inventory: Option<PathBuf>,
    /// Also draw the availability (one row per channel, gaps and overlaps marked) to this PNG.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Width of the --plot picture in pixels.
    #[arg(long = "plot-width", value_name = "PX", default_value_t = 1000, requires = "plot")]
    pub plot_width: u32,
}

/// Runs `info`; exit 1 when a file could not be read.
pub fn run(args: InfoArgs) -> i32 {
    // --format and --input-format are one option here.
    let format_flag = if args.format.is_some() {
        "--format"
    } else {
        "--input-format"
    };
    if let Some(out) = &args.plot
        && let Err(e) = seispool_pipeline::pictures::check_out_file(out, &args.paths)
    {
        return usage_text(&format!("--plot {e}"));
    }
    let (start, end) = (args.selection.start, args.selection.end);
    let request = ReadBuilder {
        paths: args.paths,
        format: args.format.or(args.selection.input_format),
        starttime: args.selection.start,
        endtime: args.selection.end,
        select: args.selection.select,
        follow_symlinks: args.selection.follow_symlinks,
        jobs: args.jobs,
        inventory: args.inventory,
    };
    let job = match request.build() {
        Ok(j) => j,
        Err(e) => {
            return usage_text(&e.render(|o| match o {
                Opt::Format => format_flag.to_string(),
                o => flag(o),
            }));
        }
    };
    let inv = match job.info() {
        Ok(i) => i,
        Err(e) => return usage_text(&e.to_string()),
    };
    if args.json {
        match serde_json::to_string_pretty(&inv) {
            Ok(t) => println!("{t}"),
            Err(e) => return usage_text(&format!("cannot encode the inventory as JSON: {e}")),
        }
    } else {
        print!("{}", human(&inv));
    }
    for f in inv.files.iter().filter(|f| f.error.is_some()) {
        eprintln!("error: {}", f.error.as_deref().unwrap_or_default());
    }
    if let Some(out) = &args.plot
        && let Err(e) = seispool_pipeline::pictures::availability_png(&inv.files, start, end, args.plot_width, out)
    {
        return usage_text(&format!("--plot {e}"));
    }
    i32::from(inv.failed > 0)
}

/// The human inventory: per file a header line, its traces, its gaps; a total line.
pub fn human(inv: &InfoReport) -> String {
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
    if let Some(missing) = &inv.missing_responses {
        if missing.is_empty() {
            s.push_str("every trace has a response in the inventory\n");
        }
        for m in missing {
            s.push_str(&format!(
                "no response: {} | {} - {} | {}\n",
                m.id, m.starttime, m.endtime, m.reason
            ));
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
