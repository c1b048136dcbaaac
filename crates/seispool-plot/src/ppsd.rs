//! The PPSD probability-density picture (ObsPy's `PPSD.plot()` look): log period axis, dB axis,
//! viridis density in percent of windows (0–30 %, ObsPy's default `max_percentage`), colour bar,
//! grey grid, Peterson NLNM/NHNM in dark grey, mode and mean curves, title.

use crate::PlotError;
use crate::canvas::{Canvas, HAlign, Rgb, VAlign};
use crate::ticks;
use crate::viridis::viridis;
use std::path::Path;

/// Everything the PPSD picture needs, as plain arrays.
pub struct PpsdPicture<'a> {
    /// Title, e.g. "XX.ST00..HHZ  2024-01-01 – 2024-01-31  (1440 windows)".
    pub title: &'a str,
    /// Period bin centres in seconds, ascending (ObsPy's `period_bin_centers`), length P.
    pub period_bin_centers: &'a [f64],
    /// Period bin edges in seconds, ascending, length P+1 (left edge of bin 0 … right edge of bin P-1).
    pub period_bin_edges: &'a [f64],
    /// dB bin edges, ascending, length D+1 (ObsPy's `db_bin_edges`).
    pub db_bin_edges: &'a [f64],
    /// Histogram counts, row-major `[period][db]`, length P*D (ObsPy's `current_histogram`).
    pub histogram: &'a [u64],
    /// Number of PSD windows in the histogram (for percent probability = count / windows * 100).
    pub windows: u64,
    /// Mode and mean curves in dB per period bin (length P each); `None` hides the curve.
    pub mode_db: Option<&'a [f64]>,
    pub mean_db: Option<&'a [f64]>,
    /// Peterson (1993) noise models as (period s, dB) points; `None` hides them.
    pub nlnm: Option<&'a [(f64, f64)]>,
    pub nhnm: Option<&'a [(f64, f64)]>,
    /// Picture size in pixels.
    pub width: u32,
    pub height: u32,
}

/// Optional look of the PPSD picture beyond the contract's arrays.
#[derive(Clone, Debug)]
pub struct PpsdStyle {
    /// y-axis label (ObsPy: `Amplitude [m²/s⁴/Hz] [dB]`, `[Pa²/Hz]` for infrasound, `[dB]` otherwise).
    pub y_label: String,
    /// Colour scale top in percent (ObsPy's `max_percentage`, default 30).
    pub max_percentage: f64,
    /// Data coverage drawn as a bar under the density (ObsPy's `show_coverage`); `None` leaves it out.
    pub coverage: Option<Coverage>,
}

/// What ObsPy's coverage bar shows, as `[start, end]` spans in ns since 1970: the processed windows
/// (lower part, blue), the data read (upper part, green) and the gaps in it (upper part, red).
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Processed PSD windows.
    pub processed: Vec<[i64; 2]>,
    /// Data spans (`_times_data`).
    pub data: Vec<[i64; 2]>,
    /// Gaps (`_times_gaps`).
    pub gaps: Vec<[i64; 2]>,
}

impl Default for PpsdStyle {
    fn default() -> Self {
        PpsdStyle {
            y_label: "Amplitude [m²/s⁴/Hz] [dB]".into(),
            max_percentage: 30.0,
            coverage: None,
        }
    }
}

/// Draws the PPSD density to a PNG at `path`.
pub fn write_ppsd_png(picture: &PpsdPicture<'_>, path: &Path) -> Result<(), PlotError> {
    write_ppsd_png_styled(picture, &PpsdStyle::default(), path)
}

/// Draws the PPSD density with `style` to a PNG at `path`.
pub fn write_ppsd_png_styled(picture: &PpsdPicture<'_>, style: &PpsdStyle, path: &Path) -> Result<(), PlotError> {
    draw_ppsd(picture, style)?.0.write_png(path)
}

const GRID: Rgb = Rgb(179, 179, 179); // matplotlib "0.7"
const MODEL: Rgb = Rgb(102, 102, 102); // "0.4"
const CURVE: Rgb = Rgb(255, 255, 255);
const HALO: Rgb = Rgb(40, 40, 40);

fn check(p: &PpsdPicture<'_>, style: &PpsdStyle) -> Result<(usize, usize), PlotError> {
    let np = p.period_bin_centers.len();
    let nd = p.db_bin_edges.len().saturating_sub(1);
    let bad = |m: String| Err(PlotError::Input(format!("PPSD picture: {m}")));
    if np == 0 || nd == 0 {
        return bad(format!(
            "{np} period bins and {} dB edges: need at least 1 bin and 2 edges",
            nd + 1
        ));
    }
    if p.period_bin_edges.len() != np + 1 {
        return bad(format!(
            "{} period edges for {np} period bins (expected {})",
            p.period_bin_edges.len(),
            np + 1
        ));
    }
    if Some(p.histogram.len()) != np.checked_mul(nd) {
        return bad(format!(
            "histogram has {} counts, expected {np} periods x {nd} dB bins",
            p.histogram.len()
        ));
    }
    for (name, c) in [("mode", p.mode_db), ("mean", p.mean_db)] {
        if let Some(c) = c
            && c.len() != np
        {
            return bad(format!("{name} curve has {} values for {np} period bins", c.len()));
        }
    }
    let ascending = |v: &[f64]| v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] < w[1]);
    if !ascending(p.period_bin_edges) || p.period_bin_edges[0] <= 0.0 {
        return bad("period edges must be finite, positive and ascending".into());
    }
    if !ascending(p.db_bin_edges) {
        return bad("dB edges must be finite and ascending".into());
    }
    if !(style.max_percentage.is_finite() && style.max_percentage > 0.0) {
        return bad(format!("max_percentage {} must be positive", style.max_percentage));
    }
    crate::canvas::check_size(p.width, p.height)?;
    Ok((np, nd))
}

/// Plot-area mapping for a log period (x) and linear dB (y) axis, in pixels.
#[derive(Clone, Debug)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    lp0: f64,
    lp1: f64,
    db0: f64,
    db1: f64,
}

impl Area {
    /// Pixel x (fractional) of a period in seconds.
    pub fn px(&self, period: f64) -> f32 {
        self.x + ((period.log10() - self.lp0) / (self.lp1 - self.lp0)) as f32 * self.w
    }
    /// Pixel y (fractional) of a dB value.
    pub fn py(&self, db: f64) -> f32 {
        self.y + self.h - ((db - self.db0) / (self.db1 - self.db0)) as f32 * self.h
    }
}

/// Draws the picture on a canvas; returns it with the plot area (exposed for tests).
pub fn draw_ppsd(p: &PpsdPicture<'_>, style: &PpsdStyle) -> Result<(Canvas, Area), PlotError> {
    let (np, nd) = check(p, style)?;
    let mut c = Canvas::new(p.width, p.height)?;
    let fs = (p.height as f32 / 45.0).clamp(9.0, 16.0);
    let cover = style.coverage.as_ref().filter(|c| coverage_range(c).is_some());
    let extra = if cover.is_some() { fs * 4.6 } else { 0.0 };
    let (left, right, top, bottom) = (fs * 6.0, fs * 7.5, fs * 2.6, fs * 3.6 + extra);
    let a = Area {
        x: left.round(),
        y: top.round(),
        w: (p.width as f32 - left - right).round().max(10.0),
        h: (p.height as f32 - top - bottom).round().max(10.0),
        lp0: p.period_bin_edges[0].log10(),
        lp1: p.period_bin_edges[np].log10(),
        db0: p.db_bin_edges[0],
        db1: p.db_bin_edges[nd],
    };
    let scale = 100.0 / p.windows.max(1) as f64 / style.max_percentage;
    for i in 0..np {
        let (x0, x1) = (
            a.px(p.period_bin_edges[i]).round(),
            a.px(p.period_bin_edges[i + 1]).round(),
        );
        for j in 0..nd {
            let (y1, y0) = (a.py(p.db_bin_edges[j]).round(), a.py(p.db_bin_edges[j + 1]).round());
            let col = viridis(p.histogram[i * nd + j] as f64 * scale);
            c.fill_rect(x0, y0, x1 - x0, y1 - y0, col);
        }
    }
    grid_and_ticks(&mut c, &a, fs);
    let clip = |pts: &[(f64, f64)]| -> Vec<(f32, f32)> {
        pts.iter()
            .map(|&(t, db)| {
                if t > 0.0 && db.is_finite() {
                    (a.px(t), a.py(db))
                } else {
                    (f32::NAN, f32::NAN)
                }
            })
            .collect()
    };
    for m in [p.nlnm, p.nhnm].into_iter().flatten() {
        let pts: Vec<(f64, f64)> = m
            .iter()
            .copied()
            .filter(|(t, _)| *t >= 10f64.powf(a.lp0) && *t <= 10f64.powf(a.lp1))
            .collect();
        c.polyline(&clip(&pts), fs * 0.25, MODEL, None);
    }
    let mut legend = Vec::new();
    for (name, curve, dash) in [
        ("mode", p.mode_db, None),
        ("mean", p.mean_db, Some((fs * 0.5, fs * 0.35))),
    ] {
        if let Some(v) = curve {
            let pts: Vec<(f64, f64)> = p.period_bin_centers.iter().copied().zip(v.iter().copied()).collect();
            let pts = clip(&pts);
            c.polyline(&pts, fs * 0.3, HALO, dash);
            c.polyline(&pts, fs * 0.14, CURVE, dash);
            legend.push((name, dash));
        }
    }
    // Everything outside the plot area was possibly drawn over by curves: repaint the margins.
    mask_margins(&mut c, &a);
    c.stroke_rect(a.x - 1.0, a.y - 1.0, a.w + 2.0, a.h + 2.0, Rgb::BLACK);
    axes_labels(&mut c, &a, fs, p, style);
    legend_box(&mut c, &a, fs, &legend, p.nlnm.is_some() || p.nhnm.is_some());
    colour_bar(&mut c, &a, fs, style.max_percentage);
    if let Some(cov) = cover {
        coverage_bar(&mut c, &a, fs, cov);
    }
    Ok((c, a))
}

const PROCESSED: Rgb = Rgb(31, 119, 180); // matplotlib "C0"
const DATA: Rgb = Rgb(0, 128, 0); // "g"
const GAP: Rgb = Rgb(255, 0, 0); // "r"

/// First and last time of the coverage spans (ns), `None` when there is nothing to show.
fn coverage_range(c: &Coverage) -> Option<(i64, i64)> {
    let all = c.processed.iter().chain(&c.data).chain(&c.gaps);
    let lo = all.clone().map(|s| s[0].min(s[1])).min()?;
    let hi = all.map(|s| s[0].max(s[1])).max()?;
    Some((lo, hi.max(lo + 1)))
}

/// ObsPy's coverage bar under the density: processed windows in the lower 60 %, data (and gaps) in the
/// upper 40 %, with the first and last time written under it.
fn coverage_bar(c: &mut Canvas, a: &Area, fs: f32, cov: &Coverage) {
    let Some((t0, t1)) = coverage_range(cov) else {
        return;
    };
    let (y, h) = ((a.y + a.h + fs * 3.4).round(), (fs * 1.6).round());
    let px = |t: i64| a.x + ((t - t0) as f64 / (t1 - t0) as f64) as f32 * a.w;
    // Edges on whole pixels: half-transparent windows that meet mid-pixel would leave lighter seams
    // where their antialiased edges overlap (one faint line per window boundary).
    let span = |c: &mut Canvas, s: &[i64; 2], y0: f32, hh: f32, col: Rgb, alpha: f32| {
        let (x0, x1) = (px(s[0].min(s[1])).round(), px(s[0].max(s[1])).round());
        c.fill_rect_alpha(x0, y0, (x1 - x0).max(1.0), hh, col, alpha);
    };
    let split = (h * 0.4).round();
    for s in &cov.processed {
        span(c, s, y + split, h - split, PROCESSED, 0.5);
    }
    for s in &cov.data {
        span(c, s, y, split, DATA, 1.0);
    }
    for s in &cov.gaps {
        span(c, s, y, split, GAP, 1.0);
    }
    c.stroke_rect(a.x - 1.0, y - 1.0, a.w + 2.0, h + 2.0, Rgb::BLACK);
    let label = |t: i64| {
        let secs = t.div_euclid(1_000_000_000);
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (yy, mm, dd) = seispool_core::civil_from_days(days);
        format!("{yy:04}-{mm:02}-{dd:02} {:02}:{:02}", rest / 3600, rest % 3600 / 60)
    };
    let ty = y + h + fs * 0.3;
    c.text(a.x, ty, fs * 0.85, &label(t0), Rgb::BLACK, (HAlign::Left, VAlign::Top));
    c.text(
        a.x + a.w,
        ty,
        fs * 0.85,
        &label(t1),
        Rgb::BLACK,
        (HAlign::Right, VAlign::Top),
    );
}

fn grid_and_ticks(c: &mut Canvas, a: &Area, _fs: f32) {
    for t in period_ticks(a) {
        let x = a.px(t.0).round() + 0.5;
        c.line(x, a.y, x, a.y + a.h, 1.0, GRID);
    }
    for v in ticks::linear(a.db0, a.db1, 8) {
        let y = a.py(v).round() + 0.5;
        c.line(a.x, y, a.x + a.w, y, 1.0, GRID);
    }
}

/// Major (decade, `true`) and minor (2..9 x decade) period ticks inside the axis.
fn period_ticks(a: &Area) -> Vec<(f64, bool)> {
    let (p0, p1) = (10f64.powf(a.lp0), 10f64.powf(a.lp1));
    let mut v = Vec::new();
    for d in ticks::decades(p0 / 10.0, p1 * 10.0) {
        for m in 1..10 {
            let t = d * f64::from(m);
            if t >= p0 * (1.0 - 1e-9) && t <= p1 * (1.0 + 1e-9) {
                v.push((t, m == 1));
            }
        }
    }
    v
}

fn mask_margins(c: &mut Canvas, a: &Area) {
    let (w, h) = (c.width() as f32, c.height() as f32);
    c.fill_rect(0.0, 0.0, w, a.y - 1.0, Rgb::WHITE);
    c.fill_rect(0.0, a.y + a.h + 1.0, w, h - a.y - a.h - 1.0, Rgb::WHITE);
    c.fill_rect(0.0, 0.0, a.x - 1.0, h, Rgb::WHITE);
    c.fill_rect(a.x + a.w + 1.0, 0.0, w - a.x - a.w - 1.0, h, Rgb::WHITE);
}

fn axes_labels(c: &mut Canvas, a: &Area, fs: f32, p: &PpsdPicture<'_>, style: &PpsdStyle) {
    // Tick marks and labels were drawn before the margins were repainted: draw them again.
    grid_ticks_only(c, a, fs);
    c.text(
        a.x + a.w / 2.0,
        a.y + a.h + fs * 2.0,
        fs,
        "Period [s]",
        Rgb::BLACK,
        (HAlign::Center, VAlign::Top),
    );
    c.text_vertical(a.x - fs * 4.3, a.y + a.h / 2.0, fs, &style.y_label, Rgb::BLACK);
    c.title(a.x + a.w / 2.0, a.y - fs * 1.2, fs * 1.1, p.title);
}

fn grid_ticks_only(c: &mut Canvas, a: &Area, fs: f32) {
    let pt = period_ticks(a);
    // Fewer than three labelled decades: also label 2x and 5x so the period scale can be read.
    let label_minor = pt.iter().filter(|t| t.1).count() < 3;
    for (t, major) in pt {
        let x = a.px(t).round() + 0.5;
        let len = if major { fs * 0.4 } else { fs * 0.22 };
        c.line(x, a.y + a.h, x, a.y + a.h + len, 1.0, Rgb::BLACK);
        let lead = (t / 10f64.powf(t.log10().floor())).round();
        if major || (label_minor && (lead == 2.0 || lead == 5.0)) {
            let size = if major { fs } else { fs * 0.85 };
            c.text(
                x,
                a.y + a.h + fs * 0.6,
                size,
                &ticks::decade_label_any(t),
                Rgb::BLACK,
                (HAlign::Center, VAlign::Top),
            );
        }
    }
    let yt = ticks::linear(a.db0, a.db1, 8);
    let step = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
    for v in yt {
        let y = a.py(v).round() + 0.5;
        c.line(a.x - fs * 0.4, y, a.x, y, 1.0, Rgb::BLACK);
        c.text(
            a.x - fs * 0.6,
            y,
            fs,
            &ticks::linear_label(v, step),
            Rgb::BLACK,
            (HAlign::Right, VAlign::Middle),
        );
    }
}

/// Legend entry: name, colour, line width, dash.
type LegendRow<'a> = (&'a str, Rgb, f32, Option<(f32, f32)>);

fn legend_box(c: &mut Canvas, a: &Area, fs: f32, curves: &[(&str, Option<(f32, f32)>)], models: bool) {
    let mut rows: Vec<LegendRow<'_>> = curves.iter().map(|(n, d)| (*n, CURVE, fs * 0.14, *d)).collect();
    if models {
        rows.push(("NLNM / NHNM", MODEL, fs * 0.25, None));
    }
    if rows.is_empty() {
        return;
    }
    let line = fs * 1.4;
    let w = fs * 2.6 + rows.iter().map(|r| c.text_width(fs * 0.9, r.0)).fold(0.0, f32::max);
    let (x0, y0) = (a.x + a.w - w - fs * 0.5, a.y + fs * 0.5);
    c.fill_rect_alpha(x0, y0, w, line * rows.len() as f32 + fs * 0.3, Rgb::WHITE, 0.85);
    for (i, (name, col, width, dash)) in rows.into_iter().enumerate() {
        let y = y0 + fs * 0.15 + line * (i as f32 + 0.5);
        if col == CURVE {
            c.polyline(&[(x0 + fs * 0.4, y), (x0 + fs * 2.0, y)], fs * 0.3, HALO, dash);
        }
        c.polyline(&[(x0 + fs * 0.4, y), (x0 + fs * 2.0, y)], width, col, dash);
        c.text(
            x0 + fs * 2.3,
            y,
            fs * 0.9,
            name,
            Rgb::BLACK,
            (HAlign::Left, VAlign::Middle),
        );
    }
}

fn colour_bar(c: &mut Canvas, a: &Area, fs: f32, max_pct: f64) {
    let (x, w) = ((a.x + a.w + fs * 1.5).round(), (fs * 1.2).round());
    let (y, h) = (a.y, a.h);
    let n = h as i32;
    for k in 0..n {
        let v = (f64::from(k) + 0.5) / f64::from(n);
        c.fill_rect(x, y + h - 1.0 - k as f32, w, 1.0, viridis(v));
    }
    c.stroke_rect(x - 1.0, y - 1.0, w + 2.0, h + 2.0, Rgb::BLACK);
    let t = ticks::linear(0.0, max_pct, 6);
    let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    for v in t {
        let yy = (y + h - (v / max_pct) as f32 * h).round() + 0.5;
        c.line(x + w, yy, x + w + fs * 0.4, yy, 1.0, Rgb::BLACK);
        c.text(
            x + w + fs * 0.6,
            yy,
            fs,
            &ticks::linear_label(v, step),
            Rgb::BLACK,
            (HAlign::Left, VAlign::Middle),
        );
    }
    c.text_vertical(x + w + fs * 3.6, y + h / 2.0, fs, "[%]", Rgb::BLACK);
}
