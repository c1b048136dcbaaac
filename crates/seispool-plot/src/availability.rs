//! Archive availability (`obspy-scan`'s picture): one row per channel, data spans as bars, gaps in red
//! and overlaps in orange, row labels with the percentage of the time range covered, a calendar time
//! axis and a title with the totals.
//!
//! The rules follow `obspy-scan`: a span runs from its first sample to its last sample plus one sample
//! interval; the next span starting more than 0.8 sample intervals after that is a gap, more than 0.8
//! before it an overlap; with an explicit start/end, missing data at the edges of the window is a gap.

use crate::PlotError;
use crate::canvas::{Canvas, HAlign, MAX_SIDE, Rgb, VAlign};
use crate::ticks;
use seispool_core::Time;
use std::path::Path;

/// One contiguous trace: first sample, last sample plus one interval (exclusive end), sample interval,
/// all in ns since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start_ns: i64,
    pub end_ns: i64,
    pub delta_ns: i64,
}

/// The spans of one channel.
#[derive(Clone, Debug)]
pub struct ChannelSpans {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    pub spans: Vec<Span>,
}

/// What the picture shows for one channel, in ns; all clipped to the time window.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelAvailability {
    pub id: String,
    /// Merged data bars.
    pub bars: Vec<(i64, i64)>,
    /// Gaps (no data).
    pub gaps: Vec<(i64, i64)>,
    /// Overlaps (data twice).
    pub overlaps: Vec<(i64, i64)>,
    /// Percent of the window covered by data.
    pub percent: f64,
}

/// The availability picture's input.
pub struct AvailabilityPicture<'a> {
    pub channels: &'a [ChannelSpans],
    /// Window start; `None`: the data's first sample (and the axis is padded by 2 %).
    pub start: Option<Time>,
    /// Window end; `None`: the data's end.
    pub end: Option<Time>,
    /// Picture width in pixels; the height follows from the number of channels.
    pub width: u32,
}

const DATA: Rgb = Rgb(31, 119, 180);
const GAP: Rgb = Rgb(214, 39, 40);
const OVERLAP: Rgb = Rgb(255, 140, 0);
const STRIPE: Rgb = Rgb(240, 240, 240);
const GRID: Rgb = Rgb(200, 200, 200);

/// Gaps, overlaps, bars and percentage of one channel inside `[w0, w1)` (`explicit_*`: the window edge
/// was given, so missing data there is a gap).
pub fn analyse(ch: &ChannelSpans, w0: i64, w1: i64, explicit_start: bool, explicit_end: bool) -> ChannelAvailability {
    let mut spans: Vec<Span> = ch
        .spans
        .iter()
        .copied()
        .filter(|s| s.end_ns > w0 && s.start_ns < w1)
        .collect();
    spans.sort_by_key(|s| (s.start_ns, s.end_ns));
    let mut out = ChannelAvailability {
        id: ch.id.clone(),
        bars: Vec::new(),
        gaps: Vec::new(),
        overlaps: Vec::new(),
        percent: 0.0,
    };
    let range = (w1.saturating_sub(w0)).max(1) as f64;
    let Some(first) = spans.first() else {
        if explicit_start && explicit_end {
            out.gaps.push((w0, w1));
        }
        return out;
    };
    let mut gapsum: i128 = 0;
    let mut cur = (first.start_ns, first.end_ns);
    let mut max_end = first.end_ns;
    let mut delta = first.delta_ns;
    for s in &spans[1..] {
        let diff = s.start_ns.saturating_sub(max_end);
        let tol = (0.8 * delta as f64) as i64;
        if diff > 0 {
            gapsum += i128::from(diff);
        }
        if diff > tol {
            out.gaps.push((max_end, s.start_ns));
            out.bars.push(cur);
            cur = (s.start_ns, s.end_ns);
        } else {
            if diff < -tol {
                out.overlaps.push((s.start_ns, max_end.min(s.end_ns)));
            }
            cur.1 = cur.1.max(s.end_ns);
        }
        if s.end_ns >= max_end {
            max_end = s.end_ns;
            delta = s.delta_ns;
        }
    }
    out.bars.push(cur);
    let data_start = first.start_ns;
    if explicit_start && data_start > w0 {
        gapsum += i128::from(data_start) - i128::from(w0);
        out.gaps.insert(0, (w0, data_start));
    }
    if explicit_end && max_end < w1 {
        gapsum += i128::from(w1) - i128::from(max_end);
        out.gaps.push((max_end, w1));
    }
    let clip = |v: &mut Vec<(i64, i64)>| {
        for r in v.iter_mut() {
            *r = (r.0.max(w0), r.1.min(w1));
        }
        v.retain(|r| r.1 >= r.0);
    };
    clip(&mut out.bars);
    clip(&mut out.gaps);
    clip(&mut out.overlaps);
    let lo = if explicit_start { w0 } else { data_start.max(w0) };
    let hi = if explicit_end { w1 } else { max_end.min(w1) };
    let range = if explicit_start && explicit_end {
        range
    } else {
        (hi as f64 - lo as f64).max(1.0)
    };
    out.percent = ((range - gapsum as f64) / range * 100.0).clamp(0.0, 100.0);
    out
}

/// Pixel layout of a drawn availability picture (for tests and callers that annotate it).
#[derive(Clone, Debug)]
pub struct Layout {
    /// Plot area left edge and width in pixels.
    pub x0: f32,
    pub w: f32,
    /// Time at the left and right edge of the plot area, ns.
    pub t0: i64,
    pub t1: i64,
    /// Top of the first row and row height, pixels.
    pub y0: f32,
    pub row_h: f32,
    /// Analysed channels, top to bottom.
    pub rows: Vec<ChannelAvailability>,
}

impl Layout {
    /// Pixel x (fractional) of time `t` ns.
    pub fn x(&self, t: i64) -> f32 {
        self.x0 + ((t as f64 - self.t0 as f64) / (self.t1 as f64 - self.t0 as f64)) as f32 * self.w
    }
    /// Pixel columns `[a, b)` drawn for the time range `[t0, t1)` (at least one column).
    pub fn columns(&self, t0: i64, t1: i64) -> (f32, f32) {
        let a = self.x(t0).round();
        (a, self.x(t1).round().max(a + 1.0))
    }
}

/// Data time extent of all channels (first start, last end), if any span exists.
fn extent(chs: &[ChannelSpans]) -> Option<(i64, i64)> {
    let all = chs.iter().flat_map(|c| c.spans.iter());
    let lo = all.clone().map(|s| s.start_ns).min()?;
    let hi = all.map(|s| s.end_ns).max()?;
    Some((lo, hi))
}

/// Draws the picture (exposed for tests).
pub fn draw_availability(p: &AvailabilityPicture<'_>) -> Result<(Canvas, Layout), PlotError> {
    if p.channels.is_empty() {
        return Err(PlotError::Input(
            "availability: no channels to draw (nothing matched the selection?)".into(),
        ));
    }
    let (d0, d1) = extent(p.channels).unwrap_or((0, 1));
    let w0 = p.start.map_or(d0, |t| t.0);
    let w1 = p.end.map_or(d1, |t| t.0).max(w0.saturating_add(1));
    let rows: Vec<ChannelAvailability> = p
        .channels
        .iter()
        .map(|c| analyse(c, w0, w1, p.start.is_some(), p.end.is_some()))
        .collect();
    let pad = |given: bool| {
        if given {
            0
        } else {
            ((w1 as f64 - w0 as f64) * 0.02) as i64
        }
    };
    let (t0, t1) = (
        w0.saturating_sub(pad(p.start.is_some())),
        w1.saturating_add(pad(p.end.is_some())),
    );
    let fs = 12.0f32;
    let n = rows.len() as f32;
    let (top, bottom) = (fs * 3.2, fs * 5.5);
    let row_h = ((MAX_SIDE as f32 - top - bottom) / n).floor().min(fs * 2.0);
    if row_h < 3.0 {
        return Err(PlotError::Input(format!(
            "availability: {} channels do not fit in {MAX_SIDE} px rows; narrow the selection (--select)",
            rows.len()
        )));
    }
    let height = (top + bottom + row_h * n).ceil() as u32;
    let mut c = Canvas::new(p.width, height.max(crate::canvas::MIN_SIDE))?;
    let label_fs = (row_h * 0.55).clamp(5.0, fs);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{}  {}", r.id, percent_label(r.percent)))
        .collect();
    let label_w = labels.iter().map(|l| c.text_width(label_fs, l)).fold(0.0, f32::max);
    let x0 = (label_w + fs * 1.2).round();
    let w = (p.width as f32 - x0 - fs * 1.5).round();
    if w < 50.0 {
        return Err(PlotError::Input(format!(
            "availability: width {} px leaves no room beside the labels",
            p.width
        )));
    }
    let lay = Layout {
        x0,
        w,
        t0,
        t1,
        y0: top,
        row_h,
        rows,
    };
    stripes_and_grid(&mut c, &lay, fs, top + row_h * n);
    draw_rows(&mut c, &lay, &labels, label_fs);
    time_axis(&mut c, &lay, fs, top + row_h * n);
    title_and_legend(&mut c, &lay, fs, w0, w1, height as f32);
    Ok((c, lay))
}

/// Writes the availability picture to `path`; returns the analysed rows.
pub fn write_availability_png(p: &AvailabilityPicture<'_>, path: &Path) -> Result<Vec<ChannelAvailability>, PlotError> {
    let (c, lay) = draw_availability(p)?;
    c.write_png(path)?;
    Ok(lay.rows)
}

fn max_ticks(lay: &Layout, fs: f32) -> usize {
    (lay.w / (fs * 7.0)).floor().max(2.0) as usize
}

fn stripes_and_grid(c: &mut Canvas, lay: &Layout, fs: f32, y_bottom: f32) {
    for i in (1..lay.rows.len()).step_by(2) {
        let (y, y1) = (
            (lay.y0 + lay.row_h * i as f32).round(),
            (lay.y0 + lay.row_h * (i + 1) as f32).round(),
        );
        c.fill_rect(lay.x0, y, lay.w, y1 - y, STRIPE);
    }
    for tick in ticks::time_ticks(Time(lay.t0), Time(lay.t1), max_ticks(lay, fs)) {
        let x = lay.x(tick.t.0).round() + 0.5;
        c.line(x, lay.y0, x, y_bottom, 1.0, GRID);
    }
}

fn draw_rows(c: &mut Canvas, lay: &Layout, labels: &[String], label_fs: f32) {
    let (x0, w, rh) = (lay.x0, lay.w, lay.row_h);
    for (i, r) in lay.rows.iter().enumerate() {
        let y = (lay.y0 + rh * i as f32).round();
        let bar = |c: &mut Canvas, (a, b): (f32, f32), frac: f32, col: Rgb| {
            let (a, b) = (a.max(x0), b.min(x0 + w));
            let hh = (rh * frac).round().max(1.0);
            c.fill_rect(a, y + ((rh - hh) / 2.0).round(), b - a, hh, col);
        };
        for &(s, e) in &r.bars {
            bar(c, lay.columns(s, e), 0.5, DATA);
        }
        for &(s, e) in &r.gaps {
            bar(c, lay.columns(s, e), 0.8, GAP);
        }
        for &(s, e) in &r.overlaps {
            bar(c, lay.columns(s, e), 0.8, OVERLAP);
        }
        c.text(
            x0 - label_fs * 0.6,
            y + rh / 2.0,
            label_fs,
            &labels[i],
            Rgb::BLACK,
            (HAlign::Right, VAlign::Middle),
        );
    }
}

fn time_axis(c: &mut Canvas, lay: &Layout, fs: f32, y_bottom: f32) {
    let ticks = ticks::time_ticks(Time(lay.t0), Time(lay.t1), max_ticks(lay, fs));
    let mut labels = Vec::with_capacity(ticks.len());
    for tick in &ticks {
        let x = lay.x(tick.t.0).round() + 0.5;
        c.line(x, y_bottom, x, y_bottom + fs * 0.4, 1.0, Rgb::BLACK);
        labels.push((x, tick.label.as_str()));
    }
    c.x_tick_labels(&labels, y_bottom + fs * 0.6, fs * 0.9);
    c.stroke_rect(
        lay.x0 - 1.0,
        lay.y0 - 1.0,
        lay.w + 2.0,
        y_bottom - lay.y0 + 2.0,
        Rgb::BLACK,
    );
    c.text(
        lay.x0 + lay.w / 2.0,
        y_bottom + fs * 3.2,
        fs,
        "Time (UTC)",
        Rgb::BLACK,
        (HAlign::Center, VAlign::Top),
    );
}

fn title_and_legend(c: &mut Canvas, lay: &Layout, fs: f32, w0: i64, w1: i64, height: f32) {
    let n = lay.rows.len();
    let gaps: usize = lay.rows.iter().map(|r| r.gaps.len()).sum();
    let overlaps: usize = lay.rows.iter().map(|r| r.overlaps.len()).sum();
    let mean = lay.rows.iter().map(|r| r.percent).sum::<f64>() / n.max(1) as f64;
    let title = format!(
        "{n} channel{}   {} – {}   {} of the time covered (mean)   {gaps} gap{}   {overlaps} overlap{}",
        if n == 1 { "" } else { "s" },
        readable(Time(w0)),
        readable(Time(w1)),
        percent_label(mean),
        if gaps == 1 { "" } else { "s" },
        if overlaps == 1 { "" } else { "s" },
    );
    c.title(lay.x0 + lay.w / 2.0, fs * 1.6, fs * 1.1, &title);
    let mut x = lay.x0 + lay.w;
    let y = height - fs * 1.1;
    for (name, col) in [("overlap", OVERLAP), ("gap", GAP), ("data", DATA)] {
        x -= c.text_width(fs * 0.9, name);
        c.text(x, y, fs * 0.9, name, Rgb::BLACK, (HAlign::Left, VAlign::Middle));
        x -= fs * 1.6;
        c.fill_rect(
            x.round(),
            (y - fs * 0.4).round(),
            (fs * 1.2).round(),
            (fs * 0.8).round(),
            col,
        );
        x -= fs * 1.2;
    }
}

/// `2024-01-01` at midnight, else `2024-01-01 06:30:00` (fraction of a second dropped).
fn readable(t: Time) -> String {
    let iso = t.format_iso(0).replace('T', " ");
    let iso = iso.trim_end_matches('Z');
    iso.strip_suffix(" 00:00:00").unwrap_or(iso).to_string()
}

/// `100%`, `99.998%` (a small gap must not read as 100.0 %), or `87.5%`.
pub fn percent_label(p: f64) -> String {
    if p >= 100.0 {
        "100%".into()
    } else if p >= 99.9 {
        format!("{:.3}%", p.min(99.999))
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::percent_label;

    #[test]
    fn a_small_gap_never_reads_as_100_percent() {
        assert_eq!(percent_label(100.0), "100%");
        assert_eq!(percent_label(99.99999), "99.999%");
        assert_eq!(percent_label(99.95), "99.950%");
        assert_eq!(percent_label(87.54), "87.5%");
        assert_eq!(percent_label(0.0), "0.0%");
    }
}
