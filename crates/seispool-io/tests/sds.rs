//! SDS paths, discovery and window selection; selection compared with ObsPy's SDS client
//! (`Client._get_filenames`) on the same tree at test time (tests/oracle/sds_oracle.py).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use seispool_core::{ChannelId, Time};
use seispool_io::sds::{self, ChannelDay, SelectOptions};
use seispool_testkit::{run_oracle, tempdir};

const CHANNELS: [(&str, &str, &str, &str, char); 10] = [
    ("IU", "ANMO", "", "BHZ", 'D'),
    ("IU", "ANMO", "00", "BHZ", 'D'),
    ("IU", "ANMO", "10", "HHZ", 'D'),
    ("IU", "COLA", "00", "LHZ", 'D'),
    ("GE", "STA1", "", "EHZ", 'D'),
    ("GE", "STA1", "", "VHZ", 'D'),
    ("XX", "ABC", "00", "UHZ", 'D'),
    ("XX", "ABC", "00", "BHN", 'D'),
    ("IU", "ANMO", "", "BHZ", 'R'),
    ("IU", ".HID", "", "BHZ", 'D'),
];

/// (year, first doy, last doy) ranges holding files: year ends, leap days, a gap of missing days.
const DAYS: [(i32, u32, u32); 8] = [
    (2019, 355, 365),
    (2020, 1, 8),
    (2020, 55, 65),
    (2020, 360, 366),
    (2021, 1, 3),
    (2023, 362, 365),
    (2024, 1, 3),
    (2024, 58, 62),
];

/// Files that are not at an SDS place (relative to the root).
const JUNK: [&str; 5] = [
    "README",
    "2020/IU/ANMO/BHZ.D/notes.txt",
    "2020/IU/ANMO/BHZ.D/IU.ANMO..BHZ.D.2020.001.bak",
    "2020/IU/ANMO/HHZ.D/IU.ANMO..BHZ.D.2020.002",
    "2020/IU/ANMO/BHZ.D/.IU.ANMO..BHZ.D.2020.003",
];

/// Builds the archive (tiny placeholder files) and returns the day files created.
fn build_tree(root: &Path) -> Vec<ChannelDay> {
    let mut days = Vec::new();
    for (net, sta, loc, cha, typ) in CHANNELS {
        for (year, first, last) in DAYS {
            for doy in first..=last {
                let day = ChannelDay {
                    id: ChannelId::new(net, sta, loc, cha),
                    year,
                    doy,
                    data_type: typ,
                };
                let path = day.path(root);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, b"placeholder").unwrap();
                days.push(day);
            }
        }
    }
    for junk in JUNK {
        let path = root.join(junk);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"junk").unwrap();
    }
    days.sort();
    days
}

struct Query {
    id: [String; 4],
    start: Time,
    end: Time,
    opts: SelectOptions,
}

/// A small deterministic generator (xorshift) to pick query parts.
struct Pick(u64);

impl Pick {
    fn next<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        &items[(self.0 % items.len() as u64) as usize]
    }
}

/// `code` unchanged (0), as `*` (1), or with its first character as `?` (2).
fn blur(code: &str, how: usize) -> String {
    match (how, code.chars().next()) {
        (1, _) => "*".to_string(),
        (2, Some(first)) => format!("?{}", &code[first.len_utf8()..]),
        _ => code.to_string(),
    }
}

fn queries() -> Vec<Query> {
    let nets = ["IU", "*", "?U", "G*", "[GX]*", "XX", "[!I]*"];
    let stas = ["*", "ANMO", "A*", "STA?", ".HID", "*1", "?B?"];
    let locs = ["", "*", "00", "?0", "[01]0"];
    let chas = ["BHZ", "*", "?HZ", "H*", "L??", "[BH]HZ", "U*", "V?Z", "BH?", "E*", ""];
    let anchors = [
        "2020-01-01",
        "2020-02-29",
        "2020-03-01",
        "2021-01-01",
        "2024-01-01",
        "2024-02-29",
        "2020-12-31",
        "2019-12-31",
        "2020-01-05",
    ];
    let offsets_ns: [i64; 15] = [
        0,
        -1,
        1,
        -500,
        500,
        -499,
        -501,
        501,
        -30_000_000_000,
        -62_500_000_000,
        62_500_000_000,
        -500_000_000_000,
        500_000_000_001,
        -43_200_000_000_000,
        3_600_000_000_000,
    ];
    let durations_ns: [i64; 9] = [
        0,
        1,
        1_000_000_000,
        3_600_000_000_000,
        86_400_000_000_000,
        86_400_000_000_001,
        259_200_000_000_000,
        864_000_000_000_000,
        -1_000_000_000,
    ];
    let options = [
        SelectOptions::default(),
        SelectOptions {
            data_type: 'R',
            ..SelectOptions::default()
        },
        SelectOptions {
            data_type: 'D',
            fileborder_seconds: 0.0,
            fileborder_samples: 0.0,
        },
        SelectOptions {
            data_type: 'D',
            fileborder_seconds: 3600.0,
            fileborder_samples: 100.0,
        },
    ];
    let mut pick = Pick(0x2545F4914F6CDD1D);
    (0..600)
        .map(|i| {
            let anchor: &&str = pick.next(&anchors);
            let start = Time::parse(anchor).unwrap() + *pick.next(&offsets_ns);
            let opts = if i % 4 == 0 {
                pick.next(&options).clone()
            } else {
                SelectOptions::default()
            };
            let id = if i % 2 == 0 {
                [pick.next(&nets), pick.next(&stas), pick.next(&locs), pick.next(&chas)].map(|s| s.to_string())
            } else {
                // Half the queries start from a real channel and blur some codes into globs.
                let (n, s, l, c, _) = *pick.next(&CHANNELS);
                [n, s, l, c].map(|code| blur(code, *pick.next(&[0, 0, 1, 2])))
            };
            Query {
                id,
                start,
                end: start + *pick.next(&durations_ns),
                opts,
            }
        })
        .collect()
}

fn obspy_selection(root: &Path, queries: &[Query]) -> Vec<Vec<PathBuf>> {
    let spec = serde_json::json!({
        "root": root.display().to_string(),
        "queries": queries.iter().map(|q| serde_json::json!({
            "net": q.id[0], "sta": q.id[1], "loc": q.id[2], "cha": q.id[3],
            "start_ns": q.start.ns(), "end_ns": q.end.ns(), "type": q.opts.data_type.to_string(),
            "border_seconds": q.opts.fileborder_seconds, "border_samples": q.opts.fileborder_samples,
        })).collect::<Vec<_>>(),
    });
    let spec_path = root.join("queries.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
    let out = run_oracle("sds_oracle.py", &[&spec_path.display().to_string()]);
    std::fs::remove_file(spec_path).unwrap();
    out.lines()
        .map(|l| {
            serde_json::from_str::<Vec<String>>(l)
                .unwrap()
                .into_iter()
                .map(PathBuf::from)
                .collect()
        })
        .collect()
}

#[test]
fn selects_the_same_day_files_as_obspys_sds_client() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    build_tree(root);
    let queries = queries();
    let want = obspy_selection(root, &queries);
    assert_eq!(want.len(), queries.len());
    let mut non_empty = 0;
    for (q, want) in queries.iter().zip(&want) {
        let glob = q.id.join(".");
        let nslc = [q.id[0].as_str(), &q.id[1], &q.id[2], &q.id[3]];
        let ours = sds::select_paths_with(root, nslc, q.start, q.end, &q.opts).unwrap();
        let ours: Vec<PathBuf> = ours
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        assert_eq!(&ours, want, "{glob} {} .. {} {:?}", q.start, q.end, q.opts);
        non_empty += usize::from(!want.is_empty());
    }
    // The queries must exercise real selections, not only empty ones.
    assert!(non_empty > 300, "only {non_empty} queries selected files");
}

#[test]
fn window_at_midnight_includes_the_previous_day() {
    let dir = tempdir().unwrap();
    build_tree(dir.path());
    let start = Time::parse("2020-01-01T00:00:00Z").unwrap();
    let end = Time::parse("2020-01-01T06:00:00Z").unwrap();
    let got = sds::select_paths(dir.path(), Some("IU.ANMO..BHZ"), start, end).unwrap();
    let names: Vec<_> = got.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(names, ["IU.ANMO..BHZ.D.2019.365", "IU.ANMO..BHZ.D.2020.001"]);
    assert!(sds::select_paths(dir.path(), Some("IU.ANMO.BHZ"), start, end).is_err());
    assert!(sds::select_paths(dir.path(), Some("IU.AN/MO..BHZ"), start, end).is_err());
    // A missing root selects nothing, as ObsPy's glob.
    assert!(
        sds::select_paths(&dir.path().join("nope"), None, start, end)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn discovery_finds_every_day_file_and_sets_the_rest_apart() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    let days = build_tree(root);
    let found = sds::discover(root).unwrap();
    // A station code starting with '.' has one dot too many for a day-file name: not SDS.
    let (hidden, days): (Vec<ChannelDay>, Vec<ChannelDay>) = days.into_iter().partition(|d| d.id.station == ".HID");
    let got: Vec<ChannelDay> = found.days.iter().map(|f| f.day.clone()).collect();
    assert_eq!(got.len(), days.len());
    assert!(got == days, "discovered days differ from the days created");
    for f in &found.days {
        assert_eq!(f.path, f.day.path(root));
    }
    let mut others: Vec<PathBuf> = JUNK.iter().map(|j| root.join(j)).collect();
    others.extend(hidden.iter().map(|d| d.path(root)));
    others.sort();
    assert_eq!(found.others.len(), others.len());
    assert!(found.others == others, "non-sds files differ");
    assert!(sds::discover(&root.join("missing")).is_err());
}

#[test]
fn loose_inputs_expand_directories_and_recognise_day_files() {
    let dir = tempdir().unwrap();
    let root = dir.path();
    build_tree(root);
    let single = root.join("2020/IU/ANMO/HHZ.D/IU.ANMO..BHZ.D.2020.002");
    let sub = root.join("2024/IU/ANMO/BHZ.D");
    let inputs = sds::discover_inputs(&[single.clone(), sub.clone(), single.clone()]).unwrap();
    assert_eq!(inputs[0].path, single);
    assert_eq!(inputs[0].sds.as_ref().map(|d| (d.year, d.doy)), Some((2020, 2)));
    let rest: Vec<&PathBuf> = inputs[1..].iter().map(|i| &i.path).collect();
    let mut sorted = rest.clone();
    sorted.sort();
    assert_eq!(rest, sorted);
    assert_eq!(inputs.len(), 1 + 2 * 8, "two day ranges of 3 and 5 days in 2024");
    assert!(
        inputs[1..]
            .iter()
            .all(|i| i.sds.as_ref().is_some_and(|d| d.year == 2024))
    );
    let loose = sds::discover_inputs(&[root.join("README")]).unwrap();
    assert_eq!(loose[0].sds, None);
    assert!(sds::discover_inputs(&[root.join("missing")]).is_err());
}
