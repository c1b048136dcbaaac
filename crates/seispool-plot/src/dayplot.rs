//! Day plots (ObsPy's `Stream.plot(type="dayplot")` look) and single-trace waveform plots, drawn as
//! min/max per pixel column so no peak is lost. Columns without samples stay blank: gaps show as gaps.

use crate::PlotError;
use crate::canvas::{Canvas, HAlign, Rgb, VAlign};
use crate::ticks;
use seispool_core::Time;
use std::path::Path;

/// One contiguous run of samples.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    pub start: Time,
    pub sampling_rate: f64,
    pub data: &'a [f64],
}

/// Which picture to draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Waveform for spans up to one hour, otherwise a day plot with 15-minute lines up to 6 hours and
    /// 60-minute lines beyond.
    Auto,
    /// One panel with a time axis.
    Waveform,
    /// One line per interval of this many seconds.
    Dayplot { interval_s: f64 },
}

/// The waveform/day plot input.
pub struct WaveformPicture<'a> {
    /// Title, e.g. the channel id and the pipeline.
    pub title: &'a str,
    pub segments: &'a [Segment<'a>],
    /// Window; `None`: the data's extent (day plots start on the interval boundary before the data).
    pub start: Option<Time>,
    pub end: Option<Time>,
    pub kind: Kind,
    pub width: u32,
    /// `None`: chosen from the number of lines.
    pub height: Option<u32>,
}

/// Most day-plot lines in one picture.
pub const MAX_LINES: usize = 500;
const COLOURS: [Rgb; 4] = [
    Rgb(0xB2, 0x00, 0x0F),
    Rgb(0x00, 0x4C, 0x12),
    Rgb(0x84, 0x72, 0x00),
    Rgb(0x0E, 0x01, 0xFF),
];
const NS: f64 = 1e9;

/// Min and max of the samples falling in each of `ncols` columns of `col_ns` ns from `t0_ns`
/// (NaN where a column has no sample). Samples outside are ignored; NaN samples are skipped.
pub fn column_extremes(segments: &[Segment<'_>], t0_ns: i64, col_ns: f64, ncols: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mins = vec![f64::NAN; ncols];
    let mut maxs = vec![f64::NAN; ncols];
    for s in segments {
        if !(s.sampling_rate.is_finite() && s.sampling_rate > 0.0) {
            continue;
        }
        let off = (s.start.0 as f64 - t0_ns as f64) / col_ns;
        let step = NS / s.sampling_rate / col_ns;
        // First sample at or after column 0 and last before ncols, to skip the rest without a test each.
        let i0 = if off < 0.0 {
            ((-off / step).ceil() as usize).min(s.data.len())
        } else {
            0
        };
        for (i, &v) in s.data.iter().enumerate().skip(i0) {
            let c = off + i as f64 * step;
            if c >= ncols as f64 {
                break;
            }
            let c = c.max(0.0) as usize;
            if v.is_nan() {
                continue;
            }
            if mins[c].is_nan() || v < mins[c] {
                mins[c] = v;
            }
            if maxs[c].is_nan() || v > maxs[c] {
                maxs[c] = v;
            }
        }
    }
    (mins, maxs)
}

fn extent(segments: &[Segment<'_>]) -> Option<(i64, i64)> {
    let ends = segments
        .iter()
        .filter(|s| !s.data.is_empty() && s.sampling_rate > 0.0)
        .map(|s| {
            let end = s.start.0 as f64 + s.data.len() as f64 * NS / s.sampling_rate;
            (s.start.0, end.min(i64::MAX as f64) as i64)
        });
    let lo = ends.clone().map(|e| e.0).min()?;
    Some((lo, ends.map(|e| e.1).max()?))
}

/// Pixel layout of a drawn waveform/day plot (for tests).
#[derive(Clone, Debug)]
pub struct Layout {
    /// Plot area left edge, top and width in pixels.
    pub x0: f32,
    pub y0: f32,
    pub w: usize,
    /// Time at the left edge of line 0, ns, and duration of one line, ns.
    pub t0: i64,
    pub line_ns: f64,
    /// Row height and number of lines (1 for a waveform).
    pub row_h: f32,
    pub lines: usize,
    /// Amplitude mapping: y = row centre − (v − centre) · scale.
    pub centre: f64,
    pub scale: f64,
    /// Column mode (min/max per column) rather than a polyline through the samples.
    pub columns: bool,
}

impl Layout {
    /// Pixel y (fractional) of value `v` in line `line`.
    pub fn y(&self, line: usize, v: f64) -> f32 {
        let mid = self.y0 + self.row_h * (line as f32 + 0.5);
        mid - ((v - self.centre) * self.scale) as f32
    }
}

fn check(p: &WaveformPicture<'_>) -> Result<(i64, i64, Kind), PlotError> {
    crate::canvas::check_size(p.width, p.height.unwrap_or(400))?;
    let (d0, d1) = extent(p.segments).ok_or_else(|| PlotError::Input("no samples in the selection".into()))?;
    let t0 = p.start.map_or(d0, |t| t.0);
    let t1 = p.end.map_or(d1, |t| t.0);
    if t1 <= t0 {
        return Err(PlotError::Input(format!(
            "empty time window {} – {}",
            Time(t0),
            Time(t1)
        )));
    }
    let span_s = (t1 as f64 - t0 as f64) / NS;
    let kind = match p.kind {
        Kind::Auto if span_s <= 3600.0 => Kind::Waveform,
        Kind::Auto if span_s <= 6.0 * 3600.0 => Kind::Dayplot { interval_s: 900.0 },
        Kind::Auto => Kind::Dayplot { interval_s: 3600.0 },
        k => k,
    };
    if let Kind::Dayplot { interval_s } = kind {
        if !(interval_s.is_finite() && interval_s >= 1.0) {
            return Err(PlotError::Input(format!(
                "interval {interval_s} s must be at least 1 s"
            )));
        }
        let lines = (span_s / interval_s).ceil();
        if lines > MAX_LINES as f64 {
            return Err(PlotError::Input(format!(
                "{lines} lines of {interval_s} s for {span_s} s of data (at most {MAX_LINES}); use a longer interval or a shorter window"
            )));
        }
    }
    Ok((t0, t1, kind))
}

/// Draws the picture (exposed for tests).
pub fn draw_waveform(p: &WaveformPicture<'_>) -> Result<(Canvas, Layout), PlotError> {
    let (t0, t1, kind) = check(p)?;
    let fs = 12.0f32;
    let (lines, line_ns, t0) = match kind {
        Kind::Dayplot { interval_s } => {
            let ins = interval_s * NS;
            // Start on an interval boundary (of the UTC day) unless a start was given.
            let start = if p.start.is_some() {
                t0
            } else {
                (t0 as f64 / ins).floor() as i64 * ins as i64
            };
            (((t1 as f64 - start as f64) / ins).ceil().max(1.0) as usize, ins, start)
        }
        _ => (1, (t1 as f64 - t0 as f64), t0),
    };
    let waveform = lines == 1 && kind == Kind::Waveform;
    let row_h = if waveform {
        0.0
    } else {
        (720.0 / lines as f32).clamp(8.0, 40.0).round()
    };
    let (top, bottom) = (fs * 3.0, fs * 4.5);
    let height = p.height.unwrap_or(if waveform {
        400
    } else {
        (top + bottom + row_h * lines as f32).ceil() as u32
    });
    let x0 = if waveform { fs * 6.0 } else { fs * 10.0 };
    let w = (p.width as f32 - x0 - fs * 2.0).floor().max(10.0) as usize;
    let row_h = match (waveform, p.height) {
        (true, _) => height as f32 - top - bottom,
        (false, Some(h)) => ((h as f32 - top - bottom) / lines as f32).floor(),
        (false, None) => row_h,
    };
    if row_h < if waveform { 20.0 } else { 2.0 } {
        return Err(PlotError::Input(format!(
            "height {height} px leaves no room for {lines} line{} (need at least {} px)",
            if lines == 1 { "" } else { "s" },
            (top + bottom + if waveform { 20.0 } else { 2.0 * lines as f32 }).ceil()
        )));
    }
    let mut c = Canvas::new(p.width, height)?;
    let col_ns = line_ns / w as f64;
    let (mins, maxs) = column_extremes(p.segments, t0, col_ns, w * lines);
    let samples: usize = p.segments.iter().map(|s| s.data.len()).sum();
    let columns = samples as f64 >= 4.0 * (w * lines) as f64 * ((t1 as f64 - t0 as f64) / (line_ns * lines as f64));
    let (centre, scale) = amplitude_scale(&mins, &maxs, row_h, waveform);
    let lay = Layout {
        x0,
        y0: top,
        w,
        t0,
        line_ns,
        row_h,
        lines,
        centre,
        scale,
        columns,
    };
    if waveform {
        waveform_axes(&mut c, &lay, fs, &mins, &maxs);
    } else {
        dayplot_axes(&mut c, &lay, fs);
    }
    draw_traces(&mut c, &lay, p.segments, &mins, &maxs, waveform);
    c.stroke_rect(
        x0 - 1.0,
        top - 1.0,
        w as f32 + 2.0,
        row_h * lines as f32 + 2.0,
        Rgb::BLACK,
    );
    c.title(x0 + w as f32 / 2.0, fs * 1.5, fs * 1.1, p.title);
    Ok((c, lay))
}

/// Writes the picture to `path`.
pub fn write_waveform_png(p: &WaveformPicture<'_>, path: &Path) -> Result<(), PlotError> {
    draw_waveform(p)?.0.write_png(path)
}

/// Centre and pixels per unit: a waveform fits its data range with a 5 % margin; a day plot scales as
/// ObsPy does, so that 99.5 % of the column extremes fit in one line's height.
fn amplitude_scale(mins: &[f64], maxs: &[f64], row_h: f32, waveform: bool) -> (f64, f64) {
    let lo: Vec<f64> = mins.iter().copied().filter(|v| v.is_finite()).collect();
    let hi: Vec<f64> = maxs.iter().copied().filter(|v| v.is_finite()).collect();
    if lo.is_empty() {
        return (0.0, 1.0);
    }
    if waveform {
        let (a, b) = (
            lo.iter().copied().fold(f64::INFINITY, f64::min),
            hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let range = if b > a { b - a } else { a.abs().max(1.0) };
        return ((a + b) / 2.0, f64::from(row_h) / (range * 1.1));
    }
    let centre = (lo.iter().sum::<f64>() + hi.iter().sum::<f64>()) / (2 * lo.len()) as f64;
    let mut up: Vec<f64> = hi.iter().map(|v| v - centre).collect();
    let mut down: Vec<f64> = lo.iter().map(|v| v - centre).collect();
    up.sort_by(f64::total_cmp);
    down.sort_by(f64::total_cmp);
    let n = up.len();
    let top = up[((0.995 * n as f64) as usize).min(n - 1)];
    let bottom = down[(0.005 * n as f64) as usize];
    let factor = 2.0 * top.abs().max(bottom.abs());
    (centre, if factor > 0.0 { f64::from(row_h) / factor } else { 1.0 })
}

fn draw_traces(c: &mut Canvas, lay: &Layout, segs: &[Segment<'_>], mins: &[f64], maxs: &[f64], waveform: bool) {
    let (top, bottom) = (lay.y0, lay.y0 + lay.row_h * lay.lines as f32);
    // A day-plot line may spill into its neighbours (as in ObsPy) but no further: one large event must not
    // paint over the whole day.
    let clampy = |line: usize, y: f32| {
        let mid = lay.y0 + lay.row_h * (line as f32 + 0.5);
        let (lo, hi) = if waveform {
            (top, bottom - 1.0)
        } else {
            ((mid - lay.row_h).max(top), (mid + lay.row_h).min(bottom - 1.0))
        };
        y.clamp(lo, hi)
    };
    if lay.columns {
        for (k, (&lo, &hi)) in mins.iter().zip(maxs).enumerate() {
            if lo.is_nan() {
                continue;
            }
            let (line, col) = (k / lay.w, k % lay.w);
            let (ya, yb) = (
                clampy(line, lay.y(line, hi).round()),
                clampy(line, lay.y(line, lo).round()),
            );
            let col_rgb = if waveform { Rgb::BLACK } else { COLOURS[line % 4] };
            c.fill_rect(lay.x0 + col as f32, ya, 1.0, yb - ya + 1.0, col_rgb);
        }
        return;
    }
    // Few samples per column: a polyline through the samples, broken at line ends and between segments.
    let total = lay.lines as f64 * lay.line_ns;
    for s in segs {
        let mut pts: Vec<(f32, f32)> = Vec::new();
        let mut cur_line = usize::MAX;
        for (i, &v) in s.data.iter().enumerate() {
            let t = (s.start.0 as f64 - lay.t0 as f64) + i as f64 * NS / s.sampling_rate;
            if t < 0.0 || t >= total || v.is_nan() {
                continue;
            }
            let line = (t / lay.line_ns) as usize;
            if line != cur_line && !pts.is_empty() {
                c.polyline(
                    &pts,
                    1.0,
                    if waveform { Rgb::BLACK } else { COLOURS[cur_line % 4] },
                    None,
                );
                pts.clear();
            }
            cur_line = line;
            let x = lay.x0 + ((t - line as f64 * lay.line_ns) / lay.line_ns * lay.w as f64) as f32;
            pts.push((x, clampy(line, lay.y(line, v))));
        }
        if !pts.is_empty() {
            c.polyline(
                &pts,
                1.0,
                if waveform { Rgb::BLACK } else { COLOURS[cur_line % 4] },
                None,
            );
        }
    }
}

fn waveform_axes(c: &mut Canvas, lay: &Layout, fs: f32, mins: &[f64], maxs: &[f64]) {
    let (w, h) = (lay.w as f32, lay.row_h);
    let t1 = lay.t0.saturating_add(lay.line_ns as i64);
    let grid = Rgb(225, 225, 225);
    let ticks = ticks::time_ticks(Time(lay.t0), Time(t1), (w / (fs * 7.0)).max(2.0) as usize);
    let mut labels = Vec::with_capacity(ticks.len());
    for tick in &ticks {
        let x = lay.x0 + ((tick.t.0 as f64 - lay.t0 as f64) / lay.line_ns * lay.w as f64).round() as f32 + 0.5;
        c.line(x, lay.y0, x, lay.y0 + h, 1.0, grid);
        c.line(x, lay.y0 + h, x, lay.y0 + h + fs * 0.4, 1.0, Rgb::BLACK);
        labels.push((x, tick.label.as_str()));
    }
    c.x_tick_labels(&labels, lay.y0 + h + fs * 0.6, fs * 0.9);
    let lo = mins
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = maxs
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let half = f64::from(h) / 2.0 / lay.scale;
    let yt = ticks::linear(lay.centre - half, lay.centre + half, 6);
    let step = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
    for v in yt {
        let y = lay.y(0, v).round() + 0.5;
        c.line(lay.x0, y, lay.x0 + w, y, 1.0, grid);
        c.line(lay.x0 - fs * 0.4, y, lay.x0, y, 1.0, Rgb::BLACK);
        c.text(
            lay.x0 - fs * 0.6,
            y,
            fs * 0.9,
            &ticks::linear_label(v, step),
            Rgb::BLACK,
            (HAlign::Right, VAlign::Middle),
        );
    }
    let note = if lo.is_finite() {
        format!("min {} max {}", short(lo), short(hi))
    } else {
        String::new()
    };
    c.text(
        lay.x0 + w,
        lay.y0 + h + fs * 3.3,
        fs * 0.85,
        &note,
        Rgb(90, 90, 90),
        (HAlign::Right, VAlign::Top),
    );
    c.text(
        lay.x0,
        lay.y0 + h + fs * 3.3,
        fs * 0.85,
        "Time (UTC)",
        Rgb::BLACK,
        (HAlign::Left, VAlign::Top),
    );
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

fn dayplot_axes(c: &mut Canvas, lay: &Layout, fs: f32) {
    let h = lay.row_h * lay.lines as f32;
    let interval_min = lay.line_ns / NS / 60.0;
    let xt = ticks::linear(0.0, interval_min, 8);
    let step = if xt.len() > 1 { xt[1] - xt[0] } else { 1.0 };
    for m in xt {
        let x = lay.x0 + (m / interval_min * lay.w as f64).round() as f32 + 0.5;
        c.line(x, lay.y0, x, lay.y0 + h, 1.0, Rgb(230, 230, 230));
        c.line(x, lay.y0 + h, x, lay.y0 + h + fs * 0.4, 1.0, Rgb::BLACK);
        c.text(
            x,
            lay.y0 + h + fs * 0.6,
            fs * 0.9,
            &ticks::linear_label(m, step),
            Rgb::BLACK,
            (HAlign::Center, VAlign::Top),
        );
    }
    let unit = if interval_min >= 1.0 { "minutes" } else { "seconds" };
    let label = format!(
        "Time in {unit} from the start of each line ({} per line; large amplitudes clipped at the next line)",
        human_interval(lay.line_ns / NS)
    );
    c.text(
        lay.x0 + lay.w as f32 / 2.0,
        lay.y0 + h + fs * 2.2,
        fs,
        &label,
        Rgb::BLACK,
        (HAlign::Center, VAlign::Top),
    );
    // Line start times on the left; the date where it changes; at most ~40 labels.
    let every = lay.lines.div_ceil(40).max(1);
    let label_fs = (lay.row_h * 0.7).clamp(7.0, fs * 0.9);
    let mut last_day = None;
    for line in 0..lay.lines {
        let t = Time(lay.t0.saturating_add((line as f64 * lay.line_ns) as i64));
        let day = t.0.div_euclid(86_400_000_000_000);
        let new_day = last_day != Some(day);
        if line % every != 0 && !new_day {
            continue;
        }
        last_day = Some(day);
        let civ = t.civil();
        let text = if new_day {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                civ.year, civ.month, civ.day, civ.hour, civ.minute
            )
        } else {
            format!("{:02}:{:02}", civ.hour, civ.minute)
        };
        let y = lay.y0 + lay.row_h * (line as f32 + 0.5);
        c.text(
            lay.x0 - fs * 0.5,
            y,
            label_fs,
            &text,
            Rgb::BLACK,
            (HAlign::Right, VAlign::Middle),
        );
    }
}

fn human_interval(s: f64) -> String {
    if s >= 3600.0 && (s / 3600.0).fract() == 0.0 {
        format!("{} h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{} min", (s / 60.0 * 100.0).round() / 100.0)
    } else {
        format!("{s} s")
    }
}
