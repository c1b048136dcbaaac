//! `seispool info --plot` and `seispool plot`: PNGs of the requested size, the right colours where the data
//! is and is not, `--json` unchanged by `--plot`, and clear usage errors that write nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use seispool_testkit::{TempDir, tempdir};

mod common;
use common::{demo_archive, s, seispool_exit};

const DATA: [u8; 3] = [31, 119, 180];
const GAP: [u8; 3] = [214, 39, 40];

/// Decodes an RGB PNG: (width, height, pixels).
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let px = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

/// One 1-day, 1-station demo archive shared by the tests (built once per test process).
fn archive() -> &'static Path {
    static ARCHIVE: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = ARCHIVE.get_or_init(|| {
        let dir = tempdir().unwrap();
        let path = demo_archive(dir.path(), "1", "1");
        (dir, path)
    });
    path
}

fn without_wall_time(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v.as_object_mut().unwrap().remove("wall_seconds");
    v
}

#[test]
fn info_plot_draws_rows_with_edge_gaps_and_keeps_the_json() {
    let dir = tempdir().unwrap();
    let archive = archive();
    let png = dir.path().join("avail.png");
    let window = ["--start", "2023-12-31", "--end", "2024-01-04"];
    let with = seispool_exit(
        &[
            &["info", s(archive), "--json", "--plot", s(&png), "--plot-width", "800"][..],
            &window[..],
        ]
        .concat(),
        0,
    );
    let without = seispool_exit(&[&["info", s(archive), "--json"][..], &window[..]].concat(), 0);
    assert_eq!(without_wall_time(&with.stdout), without_wall_time(&without.stdout));
    let (w, h, px) = decode(&png);
    assert_eq!(w, 800);
    assert!((64..400).contains(&h), "3 channel rows: height {h}");
    // Data covers 1 of the 4 days of the window: on each row, blue bars take a quarter of the plot
    // width and red edge gaps the rest.
    let row_counts: Vec<(usize, usize)> = (0..h as usize)
        .map(|y| {
            let row = &px[y * w as usize..(y + 1) * w as usize];
            (
                row.iter().filter(|p| **p == DATA).count(),
                row.iter().filter(|p| **p == GAP).count(),
            )
        })
        // Pixel rows through the data bars (gap marks are taller than the bars; the legend is short).
        .filter(|&(d, g)| d > 0 && d + g > w as usize / 2)
        .collect();
    assert!(row_counts.len() >= 3, "rows with data and gaps: {}", row_counts.len());
    for (d, g) in row_counts {
        let frac = d as f64 / (d + g) as f64;
        assert!((frac - 0.25).abs() < 0.01, "data fraction {frac}");
    }
}

#[test]
fn plot_draws_one_channel_at_the_requested_size() {
    let dir = tempdir().unwrap();
    let archive = archive();
    let png = dir.path().join("day.png");
    seispool_exit(
        &[
            "plot",
            s(archive),
            "--select",
            "*.*.*.HHZ",
            "--out",
            s(&png),
            "--width",
            "700",
            "--height",
            "500",
        ],
        0,
    );
    let (w, h, px) = decode(&png);
    assert_eq!((w, h), (700, 500));
    // A day of 20 Hz data at 24 lines: ObsPy's first line colour is there.
    assert!(px.contains(&[0xB2, 0x00, 0x0F]));
    let short = dir.path().join("short.png");
    seispool_exit(
        &[
            "plot",
            s(archive),
            "--select",
            "*.*.*.HHZ",
            "--out",
            s(&short),
            "--start",
            "2024-01-01T01:00:00",
            "--end",
            "2024-01-01T01:10:00",
            "--pipeline",
            "detrend('linear'); filter('highpass', freq=1)",
        ],
        0,
    );
    let (w, h, _) = decode(&short);
    assert_eq!((w, h), (1000, 400));
}

#[test]
fn plot_usage_errors_name_the_problem_and_write_nothing() {
    let dir = tempdir().unwrap();
    let archive = archive();
    let png = dir.path().join("x.png");
    let o = seispool_exit(&["plot", s(archive), "--out", s(&png)], 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("3 channels to plot"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let missing = dir.path().join("no/such/dir/x.png");
    let o = seispool_exit(&["plot", s(archive), "--out", s(&missing)], 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
    let o = seispool_exit(
        &[
            "plot",
            s(archive),
            "--select",
            "*.*.*.HHZ",
            "--out",
            s(&png),
            "--pipeline",
            "filtre()",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("filtre"));
    let o = seispool_exit(&["info", s(archive), "--plot", s(dir.path())], 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a directory"));
    assert!(!png.exists());
    // The output may not be an input: the input stays as it was.
    let input = std::fs::read_dir(archive.join("2024/XS/ST01/HHZ.D"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let before = std::fs::read(&input).unwrap();
    let o = seispool_exit(&["plot", s(&input), "--out", s(&input)], 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("input"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}
