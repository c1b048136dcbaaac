//! A pixel canvas: rectangles, antialiased lines and text in the embedded font, encoded to PNG.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use std::path::Path;
use tiny_skia::{
    Color, FillRule, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke, StrokeDash, Transform,
};

use crate::PlotError;

/// DejaVu Sans (matplotlib's default face), embedded so text never depends on system fonts.
/// Licence: `fonts/LICENSE_DEJAVU` (Bitstream Vera licence; free to embed and redistribute).
static FONT_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Largest picture side in pixels; larger requests are an error before any allocation.
pub const MAX_SIDE: u32 = 20_000;
/// Smallest picture side in pixels that still has room for axes and labels.
pub const MIN_SIDE: u32 = 64;

/// An RGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    fn color(self, alpha: f32) -> Color {
        let mut c = Color::from_rgba8(self.0, self.1, self.2, 255);
        c.apply_opacity(alpha);
        c
    }
}

/// Horizontal text anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical text anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Middle,
    Bottom,
}

/// A white canvas with drawing helpers in pixel coordinates (origin top left).
pub struct Canvas {
    pm: Pixmap,
    font: FontRef<'static>,
}

/// Checks a requested picture size.
pub fn check_size(width: u32, height: u32) -> Result<(), PlotError> {
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(PlotError::Input(format!(
            "picture size {width}x{height} px: each side must be {MIN_SIDE}..={MAX_SIDE}"
        )));
    }
    Ok(())
}

impl Canvas {
    /// A white canvas of `width` x `height` pixels.
    pub fn new(width: u32, height: u32) -> Result<Canvas, PlotError> {
        check_size(width, height)?;
        let mut pm = Pixmap::new(width, height)
            .ok_or_else(|| PlotError::Draw(format!("cannot allocate {width}x{height} px")))?;
        pm.fill(Color::WHITE);
        let font = FontRef::try_from_slice(FONT_BYTES).map_err(|e| PlotError::Draw(format!("embedded font: {e}")))?;
        Ok(Canvas { pm, font })
    }

    pub fn width(&self) -> u32 {
        self.pm.width()
    }

    pub fn height(&self) -> u32 {
        self.pm.height()
    }

    /// Fills an axis-aligned rectangle; integer coordinates give exact pixel edges (no antialiasing).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        self.fill_rect_alpha(x, y, w, h, c, 1.0);
    }

    /// Fills a rectangle with opacity `alpha` (0..1).
    pub fn fill_rect_alpha(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb, alpha: f32) {
        let Some(r) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(c.color(alpha));
        paint.anti_alias = false;
        self.pm.fill_rect(r, &paint, Transform::identity(), None);
    }

    /// Outlines a rectangle with a 1-pixel line on pixel centres.
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        self.polyline(
            &[
                (x + 0.5, y + 0.5),
                (x + w - 0.5, y + 0.5),
                (x + w - 0.5, y + h - 0.5),
                (x + 0.5, y + h - 0.5),
                (x + 0.5, y + 0.5),
            ],
            1.0,
            c,
            None,
        );
    }

    /// Draws a straight line.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, width: f32, c: Rgb) {
        self.polyline(&[(x0, y0), (x1, y1)], width, c, None);
    }

    /// Draws an antialiased polyline; `dash` is (on, off) in pixels. Non-finite points break the line.
    pub fn polyline(&mut self, pts: &[(f32, f32)], width: f32, c: Rgb, dash: Option<(f32, f32)>) {
        let mut pb = PathBuilder::new();
        let mut pen_down = false;
        for &(x, y) in pts {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            if pen_down {
                pb.line_to(x, y);
            } else {
                pb.move_to(x, y);
                pen_down = true;
            }
        }
        let Some(path) = pb.finish() else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(c.color(1.0));
        paint.anti_alias = true;
        let stroke = Stroke {
            width,
            dash: dash.and_then(|(on, off)| StrokeDash::new(vec![on, off], 0.0)),
            ..Stroke::default()
        };
        self.pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }

    /// Fills a closed polygon (antialiased).
    pub fn fill_polygon(&mut self, pts: &[(f32, f32)], c: Rgb, alpha: f32) {
        let mut pb = PathBuilder::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i == 0 { pb.move_to(x, y) } else { pb.line_to(x, y) }
        }
        pb.close();
        let Some(path) = pb.finish() else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(c.color(alpha));
        paint.anti_alias = true;
        self.pm
            .fill_path(&path, &paint, FillRule::Winding, Transform::identity(), None);
    }

    /// Sets one pixel (opaque).
    pub fn put(&mut self, x: u32, y: u32, c: Rgb) {
        let w = self.pm.width();
        if x < w
            && y < self.pm.height()
            && let Some(p) = PremultipliedColorU8::from_rgba(c.0, c.1, c.2, 255)
        {
            self.pm.pixels_mut()[(y * w + x) as usize] = p;
        }
    }

    /// Width in pixels of `text` at font size `size` (pixels per em).
    pub fn text_width(&self, size: f32, text: &str) -> f32 {
        let f = self.font.as_scaled(PxScale::from(size));
        let mut w = 0.0;
        let mut prev = None;
        for ch in text.chars() {
            let id = f.glyph_id(ch);
            if let Some(p) = prev {
                w += f.kern(p, id);
            }
            w += f.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Draws `text` anchored at (x, y).
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str, c: Rgb, (h, v): (HAlign, VAlign)) {
        let width = self.text_width(size, text);
        let (asc, desc) = {
            let f = self.font.as_scaled(PxScale::from(size));
            (f.ascent(), f.descent())
        };
        let x0 = match h {
            HAlign::Left => x,
            HAlign::Center => x - width / 2.0,
            HAlign::Right => x - width,
        };
        // Cap-height-ish centring: matplotlib centres on the text box of ascent..descent.
        let baseline = match v {
            VAlign::Top => y + asc,
            VAlign::Middle => y + (asc + desc) / 2.0,
            VAlign::Bottom => y + desc,
        };
        let (w, hgt) = (self.pm.width() as i64, self.pm.height() as i64);
        let pixels = self.pm.pixels_mut();
        draw_glyphs(&self.font, size, text, x0, baseline, |px, py, cov| {
            if px >= 0 && py >= 0 && px < w && py < hgt {
                blend(&mut pixels[(py * w + px) as usize], c, cov);
            }
        });
    }

    /// Draws a one-line title centred on x, shrunk (down to 70 %) and then cut with "…" to fit the canvas.
    pub fn title(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let avail = self.width() as f32 - 8.0;
        let (mut size, min) = (size, (size * 0.7).max(8.0));
        while self.text_width(size, text) > avail && size > min {
            size -= 0.5;
        }
        let mut t = text.to_string();
        while self.text_width(size, &t) > avail && t.chars().count() > 1 {
            t.pop();
            while t.ends_with(' ') {
                t.pop();
            }
            if !t.ends_with('…') {
                t.pop();
                t.push('…');
            }
        }
        let half = self.text_width(size, &t) / 2.0;
        let x = x.clamp(half + 4.0, (self.width() as f32 - half - 4.0).max(half + 4.0));
        self.text(x, y, size, &t, Rgb::BLACK, (HAlign::Center, VAlign::Middle));
    }

    /// Draws tick labels (`\n` separates lines) centred under their x, kept inside the canvas, top at y;
    /// a label that would touch the previous one is left out.
    pub fn x_tick_labels(&mut self, labels: &[(f32, &str)], y: f32, size: f32) {
        let mut right_edge = f32::NEG_INFINITY;
        for &(x, label) in labels {
            let half = label.lines().map(|l| self.text_width(size, l)).fold(0.0, f32::max) / 2.0 + 1.0;
            let x = x.clamp(half, (self.width() as f32 - half).max(half));
            if x - half < right_edge + size * 0.8 {
                continue;
            }
            right_edge = x + half;
            for (k, line) in label.lines().enumerate() {
                let yy = y + k as f32 * size * 1.3;
                self.text(x, yy, size, line, Rgb::BLACK, (HAlign::Center, VAlign::Top));
            }
        }
    }

    /// Draws `text` rotated 90° anticlockwise (reading bottom to top), centred on (x, y).
    pub fn text_vertical(&mut self, x: f32, y: f32, size: f32, text: &str, c: Rgb) {
        let width = self.text_width(size, text);
        let (asc, desc) = {
            let f = self.font.as_scaled(PxScale::from(size));
            (f.ascent(), f.descent())
        };
        // Lay out horizontally in a local frame (u along the text, v down from the box top), then turn
        // anticlockwise: u runs up the page, v runs right, the box centre lands on (x, y).
        let vc = ((asc - desc) / 2.0).round() as i64;
        let (w, hgt) = (self.pm.width() as i64, self.pm.height() as i64);
        let pixels = self.pm.pixels_mut();
        let (ox, oy) = (x.round() as i64, (y + width / 2.0).round() as i64);
        draw_glyphs(&self.font, size, text, 0.0, asc, |u, v, cov| {
            let (px, py) = (ox + v - vc, oy - u);
            if px >= 0 && py >= 0 && px < w && py < hgt {
                blend(&mut pixels[(py * w + px) as usize], c, cov);
            }
        });
    }

    /// The PNG bytes: 8-bit RGB (the canvas is opaque), default compression, adaptive filters.
    pub fn encode_png(&self) -> Result<Vec<u8>, PlotError> {
        let rgb: Vec<u8> = self
            .pm
            .pixels()
            .iter()
            .flat_map(|p| [p.red(), p.green(), p.blue()])
            .collect();
        let mut out = Vec::new();
        let err = |e: png::EncodingError| PlotError::Draw(format!("PNG encoding: {e}"));
        let mut enc = png::Encoder::new(&mut out, self.pm.width(), self.pm.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Fast deflate: a picture of flat colours compresses well enough, at a fraction of the default
        // level's time (which was ~4 % of a one-channel-day PPSD run).
        enc.set_compression(png::Compression::Fast);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&rgb).map_err(err)?;
        w.finish().map_err(err)?;
        Ok(out)
    }

    /// Writes the PNG to `path`.
    pub fn write_png(&self, path: &Path) -> Result<(), PlotError> {
        let bytes = self.encode_png()?;
        std::fs::write(path, bytes).map_err(|source| PlotError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The RGB value of pixel (x, y) (for tests).
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        let p = self.pm.pixel(x, y)?.demultiply();
        Some(Rgb(p.red(), p.green(), p.blue()))
    }
}

/// Rasterises `text` with its baseline at `baseline`, calling `put(x, y, coverage)` per covered pixel.
fn draw_glyphs(font: &FontRef<'_>, size: f32, text: &str, x0: f32, baseline: f32, mut put: impl FnMut(i64, i64, f32)) {
    let scale = PxScale::from(size);
    let f = font.as_scaled(scale);
    let mut x = x0;
    let mut prev = None;
    for ch in text.chars() {
        let id = f.glyph_id(ch);
        if let Some(p) = prev {
            x += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(x, baseline));
        x += f.h_advance(id);
        prev = Some(id);
        let Some(og) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = og.px_bounds();
        og.draw(|gx, gy, cov| {
            put(b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy), cov);
        });
    }
}

/// Source-over blend of colour `c` with coverage `cov` onto an opaque pixel.
fn blend(dst: &mut PremultipliedColorU8, c: Rgb, cov: f32) {
    let a = cov.clamp(0.0, 1.0);
    let mix = |s: u8, d: u8| -> u8 { (f32::from(s) * a + f32::from(d) * (1.0 - a)).round().clamp(0.0, 255.0) as u8 };
    let (r, g, b) = (mix(c.0, dst.red()), mix(c.1, dst.green()), mix(c.2, dst.blue()));
    if let Some(p) = PremultipliedColorU8::from_rgba(r, g, b, 255) {
        *dst = p;
    }
}
