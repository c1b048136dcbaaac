//! Pixel-level tests of the pictures: sizes, determinism, availability bars against known spans,
//! day-plot columns against the data's min/max, PPSD colours against the histogram.

use seispool_core::Time;
use seispool_plot::availability::{AvailabilityPicture, ChannelSpans, Span, analyse, draw_availability};
use seispool_plot::canvas::Rgb;
use seispool_plot::dayplot::{Kind, Segment, WaveformPicture, draw_waveform, write_waveform_png};
use seispool_plot::ppsd::{PpsdPicture, PpsdStyle, draw_ppsd, write_ppsd_png};
use seispool_plot::{PlotError, VIRIDIS};

const S: i64 = 1_000_000_000;
const DATA: Rgb = Rgb(31, 119, 180);
const GAP: Rgb = Rgb(214, 39, 40);
const OVERLAP: Rgb = Rgb(255, 140, 0);

fn decode(bytes: &[u8]) -> tiny_skia::Pixmap {
    tiny_skia::Pixmap::decode_png(bytes).expect("our PNG decodes")
}

struct Ppsd {
    centres: Vec<f64>,
    edges: Vec<f64>,
    db: Vec<f64>,
    hist: Vec<u64>,
    mode: Vec<f64>,
}

/// 20 period bins from 0.1 to 100 s (log spaced), dB bins −200..−50 step 1; every window in the
/// bin of −148 + period index dB, except period 5 which is split 50/50 over two bins.
fn ppsd_arrays(windows: u64) -> Ppsd {
    let edges: Vec<f64> = (0..=20).map(|i| 10f64.powf(-1.0 + 3.0 * f64::from(i) / 20.0)).collect();
    let centres: Vec<f64> = edges.windows(2).map(|w| (w[0] * w[1]).sqrt()).collect();
    let db: Vec<f64> = (0..=150).map(|i| -200.0 + f64::from(i)).collect();
    let mut hist = vec![0u64; 20 * 150];
    for p in 0..20 {
        let j = 52 + p;
        if p == 5 {
            hist[p * 150 + j] = windows / 2;
            hist[p * 150 + j + 10] = windows - windows / 2;
        } else {
            hist[p * 150 + j] = windows;
        }
    }
    let mode = (0..20).map(|p| -147.5 + p as f64).collect();
    Ppsd {
        centres,
        edges,
        db,
        hist,
        mode,
    }
}

fn picture<'a>(a: &'a Ppsd, windows: u64, width: u32, height: u32) -> PpsdPicture<'a> {
    PpsdPicture {
        title: "XX.TEST..HHZ",
        period_bin_centers: &a.centres,
        period_bin_edges: &a.edges,
        db_bin_edges: &a.db,
        histogram: &a.hist,
        windows,
        mode_db: Some(&a.mode),
        mean_db: None,
        nlnm: Some(&[(0.1, -168.0), (1.0, -166.0), (10.0, -163.0), (100.0, -185.0)]),
        nhnm: None,
        width,
        height,
    }
}

#[test]
fn ppsd_png_decodes_with_the_requested_size_and_is_deterministic() {
    let a = ppsd_arrays(40);
    let dir = tempfile::tempdir().expect("tmp");
    let (p1, p2) = (dir.path().join("a.png"), dir.path().join("b.png"));
    write_ppsd_png(&picture(&a, 40, 640, 480), &p1).expect("draw");
    write_ppsd_png(&picture(&a, 40, 640, 480), &p2).expect("draw");
    let (b1, b2) = (std::fs::read(&p1).expect("read"), std::fs::read(&p2).expect("read"));
    assert_eq!(b1, b2, "same input, same bytes");
    let pm = decode(&b1);
    assert_eq!((pm.width(), pm.height()), (640, 480));
}

#[test]
fn ppsd_bins_take_the_colour_of_their_percentage() {
    let a = ppsd_arrays(40);
    let mut pic = picture(&a, 40, 800, 600);
    pic.mode_db = None;
    let (c, area) = draw_ppsd(&pic, &PpsdStyle::default()).expect("draw");
    let at = |c: &seispool_plot::canvas::Canvas, period: f64, db: f64| {
        c.pixel(area.px(period) as u32, area.py(db) as u32).expect("inside")
    };
    // 100 % and 50 % of the windows are above the 30 % colour-bar top: the top colour.
    let (top, zero) = (VIRIDIS[255], VIRIDIS[0]);
    for p in [0usize, 3, 12, 19] {
        assert_eq!(at(&c, a.centres[p], -147.5 + p as f64), top, "period bin {p}");
        assert_eq!(at(&c, a.centres[p], -91.5), zero, "period bin {p}, empty dB bin");
    }
    // Bin 5 has half the windows in each of two dB bins 10 dB apart; the bins between are empty.
    assert_eq!(at(&c, a.centres[5], -142.5), top);
    assert_eq!(at(&c, a.centres[5], -132.5), top);
    assert_eq!(at(&c, a.centres[5], -137.5), zero);
    // 6 of 40 windows = 15 %: half of the 30 % scale, viridis entry floor(0.5 * 256) as matplotlib.
    let mut b = ppsd_arrays(40);
    b.hist[7 * 150 + 57] = 6;
    let mut pic = picture(&b, 40, 800, 600);
    pic.mode_db = None;
    let (c2, _) = draw_ppsd(&pic, &PpsdStyle::default()).expect("draw");
    assert_eq!(at(&c2, b.centres[7], -142.5), VIRIDIS[128]);
}

#[test]
fn ppsd_inconsistent_arrays_are_errors() {
    let a = ppsd_arrays(4);
    let mut pic = picture(&a, 4, 800, 600);
    pic.histogram = &a.hist[1..];
    assert!(
        matches!(draw_ppsd(&pic, &PpsdStyle::default()).map(|_| ()), Err(PlotError::Input(m)) if m.contains("histogram"))
    );
    let pic = picture(&a, 4, 800, 1_000_000);
    assert!(
        matches!(draw_ppsd(&pic, &PpsdStyle::default()).map(|_| ()), Err(PlotError::Input(m)) if m.contains("size"))
    );
    let mut edges = a.edges.clone();
    edges.swap(3, 4);
    let mut pic = picture(&a, 4, 800, 600);
    pic.period_bin_edges = &edges;
    assert!(
        matches!(draw_ppsd(&pic, &PpsdStyle::default()).map(|_| ()), Err(PlotError::Input(m)) if m.contains("ascending"))
    );
    // No windows at all draws an empty density rather than dividing by zero.
    let z = ppsd_arrays(0);
    assert!(draw_ppsd(&picture(&z, 0, 800, 600), &PpsdStyle::default()).is_ok());
}

fn spans(v: &[(i64, i64)]) -> Vec<Span> {
    v.iter()
        .map(|&(a, b)| Span {
            start_ns: a * S,
            end_ns: b * S,
            delta_ns: S / 100,
        })
        .collect()
}

#[test]
fn availability_follows_obspy_scan_gap_and_overlap_rules() {
    // 0–1000 s, then 1000.005 s (under 0.8 of a 10 ms sample: no gap), a 500 s gap, an overlap.
    let ch = ChannelSpans {
        id: "XX.A..HHZ".into(),
        spans: vec![
            Span {
                start_ns: 0,
                end_ns: 1000 * S,
                delta_ns: S / 100,
            },
            Span {
                start_ns: 1000 * S + 5_000_000,
                end_ns: 2000 * S,
                delta_ns: S / 100,
            },
            Span {
                start_ns: 2500 * S,
                end_ns: 4000 * S,
                delta_ns: S / 100,
            },
            Span {
                start_ns: 3900 * S,
                end_ns: 5000 * S,
                delta_ns: S / 100,
            },
        ],
    };
    let a = analyse(&ch, 0, 5000 * S, false, false);
    assert_eq!(a.bars, vec![(0, 2000 * S), (2500 * S, 5000 * S)]);
    assert_eq!(a.gaps, vec![(2000 * S, 2500 * S)]);
    assert_eq!(a.overlaps, vec![(3900 * S, 4000 * S)]);
    assert!(
        (a.percent - (5000.0 - 500.005) / 5000.0 * 100.0).abs() < 1e-9,
        "{}",
        a.percent
    );
    // An explicit window wider than the data: the edges are gaps too.
    let a = analyse(&ch, -1000 * S, 6000 * S, true, true);
    assert_eq!(a.gaps, vec![(-1000 * S, 0), (2000 * S, 2500 * S), (5000 * S, 6000 * S)]);
    // No data in an explicit window: one gap over all of it.
    let none = ChannelSpans {
        id: "XX.B..HHZ".into(),
        spans: vec![],
    };
    assert_eq!(analyse(&none, 0, 10, true, true).gaps, vec![(0, 10)]);
}

#[test]
fn availability_bars_are_blank_exactly_where_the_data_has_gaps() {
    let day = 86_400;
    let known = [
        (0, 3 * day + 7_000),
        (3 * day + 40_000, 9 * day),
        (9 * day + 1, 12 * day),
        (14 * day, 20 * day),
    ];
    let chans = vec![
        ChannelSpans {
            id: "XX.STA.00.HHZ".into(),
            spans: spans(&known),
        },
        ChannelSpans {
            id: "XX.STB.00.HHZ".into(),
            spans: spans(&[(0, 20 * day)]),
        },
    ];
    let pic = AvailabilityPicture {
        channels: &chans,
        start: Some(Time(0)),
        end: Some(Time(20 * day * S)),
        width: 900,
    };
    let (c, lay) = draw_availability(&pic).expect("draw");
    let png = c.encode_png().expect("png");
    let pm = decode(&png);
    assert_eq!(pm.width(), 900);
    assert!(pm.height() >= 64 && pm.height() == c.height());
    let y = (lay.y0 + lay.row_h * 0.5) as u32;
    // Data and gap intervals in seconds (the gaps: between the known spans and after the last one).
    let data: Vec<(f64, f64)> = known.iter().map(|&(a, b)| (a as f64, b as f64)).collect();
    let mut gaps: Vec<(f64, f64)> = data.windows(2).map(|w| (w[0].1, w[1].0)).collect();
    gaps.push((data[3].1, 20.0 * day as f64));
    let touches = |v: &[(f64, f64)], lo: f64, hi: f64| v.iter().any(|&(a, b)| a < hi && b > lo);
    let sec_per_px = 20.0 * day as f64 / f64::from(lay.w);
    let mut checked = 0;
    for x in lay.x0 as u32..(lay.x0 + lay.w) as u32 {
        // The time range of this pixel column, widened by one pixel each side.
        let t_lo = (f64::from(x) - f64::from(lay.x0) - 1.0) * sec_per_px;
        let t_hi = (f64::from(x) + 1.0 - f64::from(lay.x0) + 1.0) * sec_per_px;
        let all_data = !touches(&gaps, t_lo, t_hi);
        let no_data = !touches(&data, t_lo, t_hi);
        let px = c.pixel(x, y).expect("inside");
        if all_data {
            assert_eq!(px, DATA, "column {x} (t {t_lo:.0}..{t_hi:.0} s) has data");
            checked += 1;
        } else if no_data {
            assert_eq!(px, GAP, "column {x} (t {t_lo:.0}..{t_hi:.0} s) is in a gap");
            checked += 1;
        }
    }
    assert!(checked + 20 > lay.w as usize, "{checked} of {} columns checked", lay.w);
    // The 1-second gap at day 9 is far below a pixel and still marked in red.
    let x9 = lay.x(9 * day * S).round() as u32;
    assert!(
        (x9.saturating_sub(1)..=x9 + 1).any(|x| c.pixel(x, y) == Some(GAP)),
        "sub-pixel gap visible"
    );
    // The second row is one unbroken bar.
    let y2 = (lay.y0 + lay.row_h * 1.5) as u32;
    assert!((lay.x0 as u32..(lay.x0 + lay.w) as u32).all(|x| c.pixel(x, y2) == Some(DATA)));
    assert_eq!(lay.rows[0].gaps.len(), 3);
}

#[test]
fn availability_marks_overlaps_and_rejects_nothing_to_draw() {
    let chans = vec![ChannelSpans {
        id: "XX.A..HHZ".into(),
        spans: spans(&[(0, 1000), (500, 2000)]),
    }];
    let pic = AvailabilityPicture {
        channels: &chans,
        start: None,
        end: None,
        width: 600,
    };
    let (c, lay) = draw_availability(&pic).expect("draw");
    let y = (lay.y0 + lay.row_h * 0.5) as u32;
    let x = lay.x(750 * S) as u32;
    assert_eq!(c.pixel(x, y), Some(OVERLAP));
    let empty: Vec<ChannelSpans> = vec![];
    let pic = AvailabilityPicture {
        channels: &empty,
        start: None,
        end: None,
        width: 600,
    };
    assert!(matches!(draw_availability(&pic), Err(PlotError::Input(_))));
}

/// A 100 Hz, 2-hour signal with distinct values per column, and a 10-minute gap.
fn dayplot_data() -> (Vec<f64>, Vec<f64>) {
    let a: Vec<f64> = (0..3600 * 100)
        .map(|i| ((i as f64) * 0.37).sin() * (1.0 + (i % 997) as f64 / 997.0))
        .collect();
    let b: Vec<f64> = (0..3000 * 100).map(|i| ((i as f64) * 0.11).cos() * 0.8).collect();
    (a, b)
}

#[test]
fn dayplot_columns_span_the_data_min_max_and_gaps_stay_blank() {
    let (a, b) = dayplot_data();
    let t0 = Time::parse("2024-01-01T00:00:00").expect("t");
    let segs = [
        Segment {
            start: t0,
            sampling_rate: 100.0,
            data: &a,
        },
        Segment {
            start: Time(t0.0 + 4200 * S),
            sampling_rate: 100.0,
            data: &b,
        },
    ];
    let pic = WaveformPicture {
        title: "XX.A..HHZ",
        segments: &segs,
        start: None,
        end: None,
        kind: Kind::Dayplot { interval_s: 900.0 },
        width: 800,
        height: None,
    };
    let (c, lay) = draw_waveform(&pic).expect("draw");
    assert_eq!(lay.lines, 8);
    assert!(lay.columns);
    let colours = [
        Rgb(0xB2, 0x00, 0x0F),
        Rgb(0x00, 0x4C, 0x12),
        Rgb(0x84, 0x72, 0x00),
        Rgb(0x0E, 0x01, 0xFF),
    ];
    let col_s = 900.0 / lay.w as f64;
    let mut checked = 0;
    for line in [0usize, 2, 4, 5, 6] {
        let colour = colours[line % 4];
        for col in (0..lay.w).step_by(7) {
            // The samples of this column, found from the times alone.
            let (ta, tb) = (
                line as f64 * 900.0 + col as f64 * col_s,
                line as f64 * 900.0 + (col + 1) as f64 * col_s,
            );
            // Samples strictly inside, and with one more sample each side (a sample on a column boundary
            // may land in either column by float rounding).
            let (mut inner, mut outer) = (Vec::new(), Vec::new());
            for (start, data) in [(0.0, &a), (4200.0, &b)] {
                let i0 = ((ta - start) * 100.0 + 1e-6).ceil().max(0.0) as usize;
                let i1 = (((tb - start) * 100.0 - 1e-6).ceil().max(0.0) as usize).min(data.len());
                if i0 < i1 {
                    inner.extend_from_slice(&data[i0..i1]);
                }
                let (o0, o1) = (i0.saturating_sub(1), (i1 + 1).min(data.len()));
                if o0 < o1 && i0 <= data.len() && i1 > 0 {
                    outer.extend_from_slice(&data[o0..o1]);
                }
            }
            let x = (lay.x0 + col as f32) as u32;
            let ys: Vec<u32> = (0..c.height()).filter(|&y| c.pixel(x, y) == Some(colour)).collect();
            let y_mid = lay.y(line, lay.centre);
            let near: Vec<u32> = ys
                .into_iter()
                .filter(|&y| (y as f32 - y_mid).abs() <= lay.row_h * 1.5)
                .collect();
            if outer.is_empty() {
                assert!(near.is_empty(), "line {line} column {col} is in the gap but drawn");
                checked += 1;
                continue;
            }
            let ext = |v: &[f64]| {
                (
                    v.iter().copied().fold(f64::INFINITY, f64::min),
                    v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                )
            };
            let ((ilo, ihi), (olo, ohi)) = (ext(&inner), ext(&outer));
            let (top, bottom) = (
                *near.first().expect("drawn") as f32,
                *near.last().expect("drawn") as f32,
            );
            // Top pixel between the inner and outer maxima, bottom between the minima, within 1 px.
            assert!(
                top >= lay.y(line, ohi) - 1.0 && top <= lay.y(line, ihi) + 1.0,
                "line {line} col {col}: top {top}, max {ihi}..{ohi}"
            );
            assert!(
                bottom <= lay.y(line, olo) + 1.0 && bottom >= lay.y(line, ilo) - 1.0,
                "line {line} col {col}: bottom {bottom}, min {ilo}..{olo}"
            );
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked}");
}

#[test]
fn waveform_png_has_the_requested_size_and_short_spans_draw_one_panel() {
    let (a, _) = dayplot_data();
    let t0 = Time::parse("2024-01-01T00:00:00").expect("t");
    let segs = [Segment {
        start: t0,
        sampling_rate: 100.0,
        data: &a[..60_000],
    }];
    let pic = WaveformPicture {
        title: "XX.A..HHZ",
        segments: &segs,
        start: None,
        end: None,
        kind: Kind::Auto,
        width: 700,
        height: Some(300),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("w.png");
    write_waveform_png(&pic, &path).expect("draw");
    let pm = decode(&std::fs::read(&path).expect("read"));
    assert_eq!((pm.width(), pm.height()), (700, 300));
    let (_, lay) = draw_waveform(&pic).expect("draw");
    assert_eq!(lay.lines, 1);
    // Too many lines, an empty selection and an absurd size are errors, not huge allocations.
    let mut many = pic;
    many.kind = Kind::Dayplot { interval_s: 1.0 };
    assert!(matches!(draw_waveform(&many), Err(PlotError::Input(m)) if m.contains("lines")));
    let none: [Segment<'_>; 0] = [];
    let empty = WaveformPicture {
        segments: &none,
        ..many
    };
    assert!(matches!(draw_waveform(&empty), Err(PlotError::Input(m)) if m.contains("no samples")));
}

#[test]
fn extreme_times_draw_without_overflow() {
    // Spans at both ends of the i64 nanosecond range (years 1677 and 2262).
    let chans = vec![ChannelSpans {
        id: "XX.A..HHZ".into(),
        spans: vec![
            Span {
                start_ns: i64::MIN + 10,
                end_ns: i64::MIN / 2,
                delta_ns: i64::MAX,
            },
            Span {
                start_ns: i64::MAX / 2,
                end_ns: i64::MAX - 10,
                delta_ns: 0,
            },
        ],
    }];
    for (start, end) in [(None, None), (Some(Time(i64::MIN)), Some(Time(i64::MAX)))] {
        let pic = AvailabilityPicture {
            channels: &chans,
            start,
            end,
            width: 600,
        };
        let (_, lay) = draw_availability(&pic).expect("draw");
        assert_eq!(lay.rows[0].bars.len(), 2);
    }
    let data = [1.0, -1.0, 2.0];
    let segs = [
        Segment {
            start: Time(i64::MIN + 10),
            sampling_rate: 1e-9,
            data: &data,
        },
        Segment {
            start: Time(i64::MAX - 10),
            sampling_rate: 100.0,
            data: &data,
        },
    ];
    let pic = WaveformPicture {
        title: "XX.A..HHZ",
        segments: &segs,
        start: None,
        end: None,
        kind: Kind::Waveform,
        width: 300,
        height: Some(200),
    };
    draw_waveform(&pic).expect("draw");
}

/// The PNG lacked ObsPy's coverage bar: with `coverage`, a strip under the density shows the data
/// (green) with its gap (red) in the upper part and the processed windows (blue) in the lower part, and
/// nothing where no window was processed.
#[test]
fn ppsd_coverage_bar_shows_data_gaps_and_processed_windows() {
    use seispool_plot::ppsd::Coverage;
    let a = ppsd_arrays(40);
    let pic = picture(&a, 40, 800, 600);
    let h = 3600 * S;
    let style = PpsdStyle {
        coverage: Some(Coverage {
            processed: vec![[0, h], [h / 2, 3 * h / 2]],
            data: vec![[0, 2 * h], [3 * h, 4 * h]],
            gaps: vec![[2 * h, 3 * h]],
        }),
        ..PpsdStyle::default()
    };
    let (plain, area0) = draw_ppsd(&pic, &PpsdStyle::default()).expect("draw");
    let (c, area) = draw_ppsd(&pic, &style).expect("draw");
    assert!(area.h < area0.h, "the density makes room for the bar");
    let fs = (600.0f32 / 45.0).clamp(9.0, 16.0);
    let (y, hh) = ((area.y + area.h + fs * 3.4).round(), (fs * 1.6).round());
    let x_at = |t: i64| (area.x + (t as f64 / (4 * h) as f64) as f32 * area.w) as u32;
    let upper = (y + hh * 0.2) as u32;
    let lower = (y + hh * 0.8) as u32;
    let px = |x: u32, y: u32| c.pixel(x, y).expect("inside");
    assert_eq!(px(x_at(h / 2), upper), Rgb(0, 128, 0), "data");
    assert_eq!(px(x_at(5 * h / 2), upper), Rgb(255, 0, 0), "gap");
    let blue = px(x_at(h / 4), lower);
    assert!(blue.2 > blue.0 && blue.2 > blue.1, "processed window: {blue:?}");
    assert_eq!(px(x_at(3 * h), lower), Rgb::WHITE, "no window processed there");
    assert_ne!(plain.pixel(x_at(h / 2), upper), Some(Rgb(0, 128, 0)));
}

/// Half-transparent processed windows that met mid-pixel left a lighter seam at every window boundary
/// (their antialiased edges overlapped to less than two layers): ObsPy's 50 %-overlapping windows
/// must draw as one even band wherever two windows cover the time.
#[test]
fn ppsd_coverage_bar_had_faint_seams_at_window_boundaries() {
    use seispool_plot::ppsd::Coverage;
    let a = ppsd_arrays(143);
    let pic = picture(&a, 143, 1000, 750);
    let h = 3600 * S;
    // Three days of one-hour windows every half hour (143 of them), as a default PPSD makes.
    let processed: Vec<[i64; 2]> = (0..143).map(|k| [k * h / 2, k * h / 2 + h]).collect();
    let style = PpsdStyle {
        coverage: Some(Coverage {
            processed,
            data: vec![[0, 72 * h]],
            gaps: vec![],
        }),
        ..PpsdStyle::default()
    };
    let (c, area) = draw_ppsd(&pic, &style).expect("draw");
    let fs = (750.0f32 / 45.0).clamp(9.0, 16.0);
    let (y, hh) = ((area.y + area.h + fs * 3.4).round(), (fs * 1.6).round());
    let lower = (y + hh * 0.8) as u32;
    // Inside the doubly covered part (away from the first and last half hour).
    let x0 = (area.x + area.w * 0.02).ceil() as u32;
    let x1 = (area.x + area.w * 0.98).floor() as u32;
    let first = c.pixel(x0, lower).expect("inside");
    for x in x0..x1 {
        assert_eq!(c.pixel(x, lower), Some(first), "seam at x = {x}");
    }
}
