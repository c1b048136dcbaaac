//! The archive PPSD job against ObsPy 1.5.1's `PPSD.add(stream)` on MiniSEED files with gaps, sub-sample
//! offsets, `skip_on_gaps`, data shorter than a window, several channel epochs, a time window and
//! `--resume` (ObsPy: a second `add`). Same window times, data and gap times, binned PSDs within 1e-3 dB,
//! same histogram counts. One oracle process (tests/oracle/ppsd_oracle.py) for all cases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use num_complex::Complex;
use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_dsp::ppsd::{PpsdParams, histogram};
use seispool_io::{Format, WriteSpec, npz::PpsdNpz, write};
use seispool_pipeline::ppsd::{
    ChannelPpsd, EpochResponse, Paz, ResponseSource, compute_channel, compute_channel_files, npz_of, read_channel,
    stream_channel,
};
use seispool_testkit::{run_oracle, tempdir};
use serde_json::{Value, json};

const ID: &str = "XX.ST00..HHZ";
const T0: i64 = 1_704_067_200_000_000_000; // 2024-01-01

fn noise(n: usize, seed: u64) -> Vec<i32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut walk = 0.0f64;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            walk += 3.0 * u;
            (2000.0 * u + 50.0 * walk + 800.0 * (i as f64 * 0.01).sin()).round() as i32
        })
        .collect()
}

/// Writes one MiniSEED file of `seconds` of noise at `fs` starting `offset` seconds after T0.
fn mseed(dir: &Path, name: &str, fs: f64, offset: f64, seconds: f64, seed: u64) -> PathBuf {
    let id = ChannelId::parse(ID).unwrap();
    let data = noise((seconds * fs) as usize, seed);
    let tr = Trace::new(id, Time(T0).add_seconds(offset), fs, Samples::I32(data));
    let path = dir.join(name);
    write(&path, &Stream::new(vec![tr]), &WriteSpec::new(Format::Mseed2)).unwrap();
    path
}

fn paz() -> (Value, Paz) {
    let poles = [
        (-0.037004, 0.037016),
        (-0.037004, -0.037016),
        (-251.33, 0.0),
        (-131.04, -467.29),
        (-131.04, 467.29),
    ];
    let json = json!({"poles": poles.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>(), "zeros": [[0.0, 0.0], [0.0, 0.0]],
                      "gain": 60077000.0, "sensitivity": 2516778400.0});
    let paz = Paz {
        poles: poles.iter().map(|p| Complex::new(p.0, p.1)).collect(),
        zeros: vec![Complex::new(0.0, 0.0); 2],
        gain: 60077000.0,
        sensitivity: 2516778400.0,
    };
    (json, paz)
}

/// Epoch responses exactly as ObsPy evaluated them (the inventory reader is another module's test).
struct Epochs(Vec<EpochResponse>);

impl ResponseSource for Epochs {
    fn epochs(&self, _id: &str, _nfft: usize, _delta: f64) -> Vec<EpochResponse> {
        self.0.clone()
    }
}

fn epochs_of(o: &Value) -> Epochs {
    Epochs(
        o["epochs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| EpochResponse {
                start: Some(Time(e["start"].as_i64().unwrap())),
                end: Some(Time(e["end"].as_i64().unwrap())),
                response: Ok(e["re"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(e["im"].as_array().unwrap())
                    .map(|(a, b)| Complex::new(a.as_f64().unwrap(), b.as_f64().unwrap()))
                    .collect()),
            })
            .collect(),
    )
}

fn pairs(v: &Value) -> Vec<[i64; 2]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_i64().unwrap(), p[1].as_i64().unwrap()])
        .collect()
}

fn compare(what: &str, ours: &ChannelPpsd, o: &Value) {
    let times: Vec<i64> = o["times_processed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ours.times_processed, times, "{what}: times processed");
    assert_eq!(ours.times_data, pairs(&o["times_data"]), "{what}: times data");
    assert_eq!(ours.times_gaps, pairs(&o["times_gaps"]), "{what}: times gaps");
    let theirs = o["binned_psds"].as_array().unwrap();
    assert_eq!(ours.binned_psds.len(), theirs.len(), "{what}: windows");
    for (w, (a, b)) in ours.binned_psds.iter().zip(theirs).enumerate() {
        for (j, (x, y)) in a.iter().zip(b.as_array().unwrap()).enumerate() {
            let (x, y) = (f64::from(*x), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-3, "{what}: window {w} bin {j}: ours {x}, ObsPy {y}");
        }
    }
    if !times.is_empty() {
        let h = histogram(&ours.setup, &ours.binned_psds);
        let theirs: Vec<u64> = o["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
            .collect();
        assert_eq!(h.counts, theirs, "{what}: histogram");
    }
}

fn params(ppsd_length: f64, skip_on_gaps: bool) -> PpsdParams {
    PpsdParams {
        ppsd_length,
        skip_on_gaps,
        ..Default::default()
    }
}

#[test]
fn ppsd_job_matches_obspy_add_on_gappy_archives_epochs_and_resume() {
    let dir = tempdir().unwrap();
    let d = dir.path();
    // 20 Hz: a gap of 100 s, a piece starting 13 ms off the sample grid, an overlap with other data.
    let gappy = vec![
        mseed(d, "a.mseed", 20.0, 0.0, 1500.0, 1),
        mseed(d, "b.mseed", 20.0, 1600.0, 1400.0, 2),
        mseed(d, "c.mseed", 20.0, 3100.013, 900.0, 3),
        mseed(d, "d.mseed", 20.0, 3900.0, 700.0, 4),
    ];
    let short = vec![mseed(d, "short.mseed", 20.0, 0.0, 300.0, 5)];
    let day = vec![
        mseed(d, "e.mseed", 10.0, 0.0, 7200.0, 6),
        mseed(d, "f.mseed", 10.0, 7200.0, 7200.0, 7),
    ];
    let (paz_json, paz) = paz();
    let meta = json!({"paz": paz_json});
    let station_xml = d.join("epochs.xml");
    let epochs_meta = json!({"write_inventory": station_xml, "epochs": [
        {"start": "2023-06-01T00:00:00", "end": "2024-01-01T01:00:00", "paz": paz_json},
        {"start": "2024-01-01T01:00:00.000001", "end": "2024-01-01T02:30:00",
         "paz": {"poles": paz_json["poles"], "zeros": paz_json["zeros"], "gain": 60077000.0, "sensitivity": 1.0e9}},
        {"start": "2024-01-01T02:30:00.000001", "end": null,
         "paz": {"poles": [[-4.44, 4.44], [-4.44, -4.44]], "zeros": [[0.0, 0.0], [0.0, 0.0]], "gain": 1.0,
                 "sensitivity": 3.0e8}}]});
    let s = |p: &[PathBuf]| p.iter().map(|x| x.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let cases = json!([
        {"files": s(&gappy), "id": ID, "sampling_rate": 20.0, "metadata": meta, "params": {"ppsd_length": 600.0}},
        {"files": s(&gappy), "id": ID, "sampling_rate": 20.0, "metadata": meta,
         "params": {"ppsd_length": 600.0, "skip_on_gaps": true}},
        {"files": s(&short), "id": ID, "sampling_rate": 20.0, "metadata": meta, "params": {"ppsd_length": 600.0}},
        {"files": s(&day), "id": ID, "sampling_rate": 10.0, "metadata": epochs_meta, "params": {"ppsd_length": 1800.0}},
        {"files": s(&day), "id": ID, "sampling_rate": 10.0, "metadata": meta, "params": {"ppsd_length": 1800.0},
         "trim": ["2024-01-01T00:20:00.05", "2024-01-01T03:10:00"]},
        {"files": s(&day[..1]), "add_again": s(&day), "id": ID, "sampling_rate": 10.0, "metadata": meta,
         "params": {"ppsd_length": 1800.0}},
    ]);
    let jobs = d.join("cases.json");
    std::fs::write(&jobs, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&run_oracle("ppsd_oracle.py", &[jobs.to_str().unwrap()])).unwrap();
    let o = &out["cases"];

    let run = |files: &[PathBuf],
               p: &PpsdParams,
               src: &dyn ResponseSource,
               window: (Option<Time>, Option<Time>),
               existing: Option<&PpsdNpz>| {
        let (stream, _) = read_channel(ID, files, window.0, window.1).unwrap();
        compute_channel(ID, stream, p, src, None, existing).unwrap()
    };
    let open = (None, None);
    let (gap_fill, _) = run(&gappy, &params(600.0, false), &paz, open, None);
    compare("gaps filled", &gap_fill, &o[0]);
    assert!(!gap_fill.times_gaps.is_empty());
    let (gap_skip, _) = run(&gappy, &params(600.0, true), &paz, open, None);
    compare("skip_on_gaps", &gap_skip, &o[1]);
    assert!(gap_skip.times_processed.len() < gap_fill.times_processed.len());
    let (short_ppsd, warnings) = run(&short, &params(600.0, false), &paz, open, None);
    compare("shorter than a window", &short_ppsd, &o[2]);
    assert!(
        warnings.iter().any(|w| w.contains("shorter than ppsd_length")),
        "{warnings:?}"
    );
    let (epochs, _) = run(&day, &params(1800.0, false), &epochs_of(&o[3]), open, None);
    compare("channel epochs", &epochs, &o[3]);
    // The same epochs through our StationXML reader and response evaluation.
    let inventory = seispool_io::stationxml::read_inventory(&station_xml).unwrap();
    let (from_xml, _) = run(&day, &params(1800.0, false), &inventory, open, None);
    compare("channel epochs from StationXML", &from_xml, &o[3]);
    let window = (
        Some(Time::parse("2024-01-01T00:20:00.05").unwrap()),
        Some(Time::parse("2024-01-01T03:10:00").unwrap()),
    );
    let (trimmed, _) = run(&day, &params(1800.0, false), &paz, window, None);
    compare("time window", &trimmed, &o[4]);
    // --resume: the first day file's PPSD through our npz, then all files added.
    let (first, _) = run(&day[..1], &params(1800.0, false), &paz, open, None);
    let npz_path = d.join("first.npz");
    std::fs::write(&npz_path, npz_of(&first).to_bytes().unwrap()).unwrap();
    let stored = PpsdNpz::read(&npz_path).unwrap();
    let (resumed, warnings) = run(&day, &params(1800.0, false), &paz, open, Some(&stored));
    compare("resume", &resumed, &o[5]);
    assert!(warnings.iter().any(|w| w.contains("already covered")), "{warnings:?}");
    // Resuming with other parameters is refused, naming the setting.
    let err = {
        let (stream, _) = read_channel(ID, &day, None, None).unwrap();
        compute_channel(ID, stream, &params(3600.0, false), &paz, None, Some(&stored)).unwrap_err()
    };
    assert!(err.contains("ppsd_length"), "{err}");
}

/// ObsPy's full-response reference (`IUANMO_ppsd_fullresponse.npz`) from `IUANMO.xml` through our
/// StationXML reader and response evaluation, and ObsPy 1.5.1 on the same inventory.
#[test]
fn ppsd_matches_obspys_shipped_iuanmo_fullresponse_reference() {
    let signal = seispool_testkit::run_python(
        "import os, obspy.signal; print(os.path.dirname(obspy.signal.__file__))",
        &[],
    );
    let data = PathBuf::from(signal.trim()).join("tests/data");
    let (seed, xml) = (data.join("IUANMO.seed"), data.join("IUANMO.xml"));
    let id = "IU.ANMO.00.LHZ";
    let dir = tempdir().unwrap();
    let jobs = dir.path().join("cases.json");
    let case = json!([{"files": [seed], "id": id, "sampling_rate": 1.0, "metadata": {"inventory": xml},
                       "reference": data.join("IUANMO_ppsd_fullresponse.npz")}]);
    std::fs::write(&jobs, serde_json::to_vec(&case).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&run_oracle("ppsd_oracle.py", &[jobs.to_str().unwrap()])).unwrap();
    let o = &out["cases"][0];
    let inventory = seispool_io::stationxml::read_inventory(&xml).unwrap();
    let (stream, _) = read_channel(id, &[seed], None, None).unwrap();
    let (ours, _) = compute_channel(id, stream, &PpsdParams::default(), &inventory, None, None).unwrap();
    compare("IUANMO full response vs ObsPy 1.5.1", &ours, o);
    let r = &o["reference"];
    assert_eq!(r["binned_psds"].as_array().unwrap().len(), 46);
    for (w, (a, b)) in ours
        .binned_psds
        .iter()
        .zip(r["binned_psds"].as_array().unwrap())
        .enumerate()
    {
        for (j, (x, y)) in a.iter().zip(b.as_array().unwrap()).enumerate() {
            let (x, y) = (f64::from(*x), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-3,
                "reference window {w} bin {j}: ours {x}, reference {y}"
            );
        }
    }
}

/// ObsPy's own reference PPSD of one day of IU.ANMO.00.LHZ (`IUANMO_ppsd_paz.npz`, written by an older
/// ObsPy with float times) reproduced from its input `IUANMO.seed` and the same PAZ.
#[test]
fn ppsd_matches_obspys_shipped_iuanmo_paz_reference() {
    let signal = seispool_testkit::run_python(
        "import os, obspy.signal; print(os.path.dirname(obspy.signal.__file__))",
        &[],
    );
    let data = PathBuf::from(signal.trim()).join("tests/data");
    let seed = data.join("IUANMO.seed");
    let reference = data.join("IUANMO_ppsd_paz.npz");
    let poles = [
        (-59.4313, 0.0),
        (-22.7121, 27.1065),
        (-22.7121, 27.1065),
        (-0.0048004, 0.0),
        (-0.073199, 0.0),
    ];
    let paz_json = json!({"poles": poles.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>(),
                          "zeros": [[0.0, 0.0], [0.0, 0.0]], "gain": 86298.5, "sensitivity": 3.3554e9});
    let paz = Paz {
        poles: poles.iter().map(|p| Complex::new(p.0, p.1)).collect(),
        zeros: vec![Complex::new(0.0, 0.0); 2],
        gain: 86298.5,
        sensitivity: 3.3554e9,
    };
    let id = "IU.ANMO.00.LHZ";
    let dir = tempdir().unwrap();
    let jobs = dir.path().join("cases.json");
    let case = json!([{"files": [seed], "id": id, "sampling_rate": 1.0, "metadata": {"paz": paz_json},
                       "reference": reference}]);
    std::fs::write(&jobs, serde_json::to_vec(&case).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&run_oracle("ppsd_oracle.py", &[jobs.to_str().unwrap()])).unwrap();
    let o = &out["cases"][0];
    let (stream, _) = read_channel(id, &[seed], None, None).unwrap();
    let (ours, _) = compute_channel(id, stream, &PpsdParams::default(), &paz, None, None).unwrap();
    compare("IUANMO vs ObsPy 1.5.1", &ours, o);
    let r = &o["reference"];
    let times = r["times_processed"].as_array().unwrap();
    // The reference was written by an ObsPy that left out the day's last window; ObsPy 1.5.1 (checked by
    // `compare` above) and we keep it, and its own test compares pairwise (`zip`) as here.
    assert_eq!((ours.times_processed.len(), times.len()), (47, 46));
    for (a, b) in ours.times_processed.iter().zip(times) {
        // The reference stored float seconds: its ns times are off by up to a few hundred ns.
        assert!((a - b.as_i64().unwrap()).abs() < 1000, "{a} vs {b}");
    }
    for (w, (a, b)) in ours
        .binned_psds
        .iter()
        .zip(r["binned_psds"].as_array().unwrap())
        .enumerate()
    {
        for (j, (x, y)) in a.iter().zip(b.as_array().unwrap()).enumerate() {
            let (x, y) = (f64::from(*x), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-3,
                "reference window {w} bin {j}: ours {x}, reference {y}"
            );
        }
    }
}

/// Writes one MiniSEED file holding several traces (each `(offset s, seconds, seed)` at `fs`).
fn mseed_traces(dir: &Path, name: &str, fs: f64, pieces: &[(f64, f64, u64)]) -> PathBuf {
    let id = ChannelId::parse(ID).unwrap();
    let traces = pieces
        .iter()
        .map(|&(offset, seconds, seed)| {
            Trace::new(
                id.clone(),
                Time(T0).add_seconds(offset),
                fs,
                Samples::I32(noise((seconds * fs) as usize, seed)),
            )
        })
        .collect();
    let path = dir.join(name);
    write(&path, &Stream::new(traces), &WriteSpec::new(Format::Mseed2)).unwrap();
    path
}

/// Regression: a channel's whole span was read and merged into one buffer before any window was computed,
/// so memory grew with the number of days. Windows are now computed file by file as the data is read
/// (`compute_channel_files`). The streamed path must give ObsPy's `PPSD.add` of the whole stream (same
/// window, data and gap times, binned PSDs within 1e-3 dB, same histogram) and exactly the whole-stream
/// path's numbers, on day files that follow each other sample for sample, with gaps between files (filled
/// with zeros, or pieces of their own with `skip_on_gaps`), a gap and an overlap inside a file, a file
/// off the sample grid, a time window and a resumed npz; data overlapping an earlier file's falls back. A
/// file whose traces only have gaps between them (a day with gaps) is joined trace by trace without
/// merging it first (the merge copied every sample: a fifth of a gappy channel-day's time).
#[test]
fn ppsd_streams_day_files_instead_of_holding_the_span() {
    let dir = tempdir().unwrap();
    let d = dir.path();
    let fs = 10.0;
    let chain: Vec<PathBuf> = (0..4)
        .map(|k| mseed(d, &format!("chain{k}.mseed"), fs, 7200.0 * k as f64, 7200.0, 10 + k))
        .collect();
    let gappy = vec![
        mseed(d, "g0.mseed", fs, 0.0, 7200.0, 20),
        // 100 s gap between files, then a file with a 50 s gap and a 30 s overlap inside it.
        mseed_traces(
            d,
            "g1.mseed",
            fs,
            &[(7300.0, 3000.0, 21), (10350.0, 2000.0, 22), (12320.0, 2000.0, 23)],
        ),
        // A file 30 ms off the sample grid after another gap.
        mseed(d, "g2.mseed", fs, 14500.03, 7000.0, 24),
        // A short piece after a long gap (shorter than a window with skip_on_gaps).
        mseed(d, "g3.mseed", fs, 30000.0, 1000.0, 25),
    ];
    // Gaps only inside a file (traces in and out of order, none overlapping): joined trace by trace to
    // the data before, without merging the file first; then a file that follows the last trace sample
    // for sample.
    let inner_gaps = vec![
        mseed(d, "i0.mseed", fs, 0.0, 7200.0, 40),
        mseed_traces(
            d,
            "i1.mseed",
            fs,
            &[
                (10350.0, 2000.0, 42),
                (7300.0, 3000.0, 41),
                (12350.1, 1850.0, 43),
                (14200.0, 700.0, 44),
            ],
        ),
        mseed(d, "i2.mseed", fs, 14900.0, 7200.0, 45),
    ];
    let overlapping = vec![
        mseed(d, "o0.mseed", fs, 0.0, 7200.0, 30),
        mseed(d, "o1.mseed", fs, 7000.0, 7200.0, 31),
    ];
    let (paz_json, paz) = paz();
    let meta = json!({"paz": paz_json});
    let s = |p: &[PathBuf]| p.iter().map(|x| x.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let p = json!({"ppsd_length": 1800.0});
    let cases = json!([
        {"files": s(&chain), "id": ID, "sampling_rate": fs, "metadata": meta, "params": p},
        {"files": s(&gappy), "id": ID, "sampling_rate": fs, "metadata": meta, "params": p},
        {"files": s(&gappy), "id": ID, "sampling_rate": fs, "metadata": meta,
         "params": {"ppsd_length": 1800.0, "skip_on_gaps": true}},
        {"files": s(&chain), "id": ID, "sampling_rate": fs, "metadata": meta, "params": p,
         "trim": ["2024-01-01T01:00:00.05", "2024-01-01T06:10:00"]},
        {"files": s(&chain[..2]), "add_again": s(&chain), "id": ID, "sampling_rate": fs, "metadata": meta,
         "params": p},
        {"files": s(&overlapping), "id": ID, "sampling_rate": fs, "metadata": meta, "params": p},
        {"files": s(&inner_gaps), "id": ID, "sampling_rate": fs, "metadata": meta, "params": p},
        {"files": s(&inner_gaps), "id": ID, "sampling_rate": fs, "metadata": meta,
         "params": {"ppsd_length": 1800.0, "skip_on_gaps": true}},
    ]);
    let jobs = d.join("stream_cases.json");
    std::fs::write(&jobs, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&run_oracle("ppsd_oracle.py", &[jobs.to_str().unwrap()])).unwrap();
    let o = &out["cases"];

    let whole = |files: &[PathBuf], p: &PpsdParams, window: (Option<Time>, Option<Time>), existing| {
        let (stream, mut w) = read_channel(ID, files, window.0, window.1).unwrap();
        let (ppsd, w2) = compute_channel(ID, stream, p, &paz, None, existing).unwrap();
        w.extend(w2);
        (ppsd, w)
    };
    let check = |what: &str, files: &[PathBuf], p: &PpsdParams, window, existing, o: &Value, streams: bool| {
        let streamed = stream_channel(ID, files, window, p, &paz, None, existing);
        assert_eq!(streamed.is_some(), streams, "{what}: streamed");
        let (ours, warnings) = compute_channel_files(ID, files, window, p, &paz, None, existing).unwrap();
        compare(what, &ours, o);
        let (reference, ref_warnings) = whole(files, p, window, existing);
        assert_eq!(ours.times_processed, reference.times_processed, "{what}");
        assert_eq!(ours.times_data, reference.times_data, "{what}");
        assert_eq!(ours.times_gaps, reference.times_gaps, "{what}");
        assert_eq!(ours.binned_psds, reference.binned_psds, "{what}: whole-stream numbers");
        assert_eq!(warnings, ref_warnings, "{what}: warnings");
        ours
    };
    let open = (None, None);
    let fill = params(1800.0, false);
    let chained = check("day files in a chain", &chain, &fill, open, None, &o[0], true);
    assert_eq!(chained.times_processed.len(), 31);
    let filled = check("gaps filled", &gappy, &fill, open, None, &o[1], true);
    assert!(!filled.times_gaps.is_empty());
    check("skip_on_gaps", &gappy, &params(1800.0, true), open, None, &o[2], true);
    let window = (
        Some(Time::parse("2024-01-01T01:00:00.05").unwrap()),
        Some(Time::parse("2024-01-01T06:10:00").unwrap()),
    );
    check("time window", &chain, &fill, window, None, &o[3], true);
    let (first, _) = whole(&chain[..2], &fill, open, None);
    let npz_path = d.join("first2.npz");
    std::fs::write(&npz_path, npz_of(&first).to_bytes().unwrap()).unwrap();
    let stored = PpsdNpz::read(&npz_path).unwrap();
    check("resume", &chain, &fill, open, Some(&stored), &o[4], true);
    check("overlap across files", &overlapping, &fill, open, None, &o[5], false);
    let inner = check("gaps inside a file", &inner_gaps, &fill, open, None, &o[6], true);
    assert!(inner.times_gaps.len() >= 3, "{:?}", inner.times_gaps);
    check(
        "gaps inside a file, skip_on_gaps",
        &inner_gaps,
        &params(1800.0, true),
        open,
        None,
        &o[7],
        true,
    );
}
