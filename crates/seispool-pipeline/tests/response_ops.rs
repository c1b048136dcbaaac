//! `remove_response` / `remove_sensitivity` in the pipeline language (ObsPy's signature, defaults and
//! canonical text) and applied to a stream with an inventory: the epoch is matched by id and start time,
//! evaluated responses are cached per (epoch, delta, nfft), a trace without metadata names its id and time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use seispool_core::{ChannelId, Samples, Stream, Time, Trace};
use seispool_dsp::response::{Output, RemoveOptions};
use seispool_pipeline::responses::Responses;
use seispool_pipeline::{Op, Processor, parse_pipeline};
use seispool_testkit::python;

fn one(text: &str) -> Op {
    let p = parse_pipeline(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(
        p.text.parse::<seispool_pipeline::Pipeline>().unwrap(),
        p,
        "canonical text round-trips"
    );
    p.ops.into_iter().next().unwrap()
}

fn err(text: &str) -> String {
    parse_pipeline(text).map(|p| p.text).expect_err(text).to_string()
}

#[test]
fn remove_response_forms_and_defaults() {
    assert_eq!(one("remove_response()"), Op::RemoveResponse(RemoveOptions::default()));
    let want = RemoveOptions {
        output: Output::Disp,
        water_level: None,
        pre_filt: Some([0.01, 0.02, 20.0, 25.0]),
        zero_mean: false,
        taper: true,
        taper_fraction: 0.1,
    };
    assert_eq!(
        one("remove_response(None, 'disp', None, (0.01, 0.02, 20, 25), False, taper_fraction=0.1)"),
        Op::RemoveResponse(want.clone())
    );
    let p = parse_pipeline("st.remove_response(output='DISP', pre_filt=[0.01, 0.02, 20, 25], water_level=None, zero_mean=False, taper_fraction=0.1)").unwrap();
    assert_eq!(p.ops, vec![Op::RemoveResponse(want)]);
    assert_eq!(
        p.text,
        "remove_response(output='DISP', water_level=None, pre_filt=[0.01, 0.02, 20.0, 25.0], zero_mean=False, taper=True, taper_fraction=0.1)"
    );
    assert_eq!(one("remove_sensitivity()"), Op::RemoveSensitivity);
}

#[test]
fn remove_response_argument_errors_name_the_argument() {
    assert!(err("remove_response(inventory='x.xml')").contains("give the inventory to the run"));
    assert!(err("remove_response(pre_filt=[1, 2])").contains("expects four frequencies"));
    assert!(err("remove_response(pre_filt=[4, 3, 2, 1])").contains("f1 < f2 <= f3 < f4"));
    assert!(err("remove_response(pre_filt='a')").contains("expects four frequencies"));
    assert!(err("remove_response(plot=True)").contains("does not plot"));
    assert!(err("remove_response(taper_fraction=2)").contains("between 0 and 1"));
    assert!(err("remove_response(start_stage=2)").contains("not supported yet"));
    assert!(err("remove_response(water_level='high')").contains("expects a number"));
    assert!(err("remove_sensitivity(1, 2)").contains("too many positional arguments"));
}

fn uln() -> (PathBuf, Arc<Responses>) {
    let out = std::process::Command::new(python())
        .args(["-c", "import obspy, os; print(os.path.dirname(obspy.__file__))"])
        .output()
        .expect("python");
    let data = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("core/tests/data");
    let r = Responses::load(&data.join("IU_ULN_00_LH1.xml")).expect("inventory");
    (data, Arc::new(r))
}

fn trace(id: &str, start: &str, npts: usize) -> Trace {
    let data: Vec<i32> = (0..npts as i32).map(|i| (i * 7919) % 1000 - 500).collect();
    Trace::new(
        ChannelId::parse(id).unwrap(),
        Time::parse(start).unwrap(),
        1.0,
        Samples::I32(data),
    )
}

#[test]
fn traces_match_epochs_by_id_and_start_and_missing_metadata_names_id_and_time() {
    let (_, responses) = uln();
    let p = parse_pipeline("remove_response(output='VEL')").unwrap();
    let mut st = Stream {
        traces: vec![trace("IU.ULN.00.LH1", "2015-07-18T02:00:00", 3000)],
    };
    Processor::new().apply_with(&p, Some(&responses), &mut st).unwrap();
    assert!(matches!(st.traces[0].data, Samples::F64(_)));
    let mut st = Stream {
        traces: vec![trace("IU.ULN.00.LH2", "2015-07-18T02:00:00", 3000)],
    };
    let e = Processor::new()
        .apply_with(&p, Some(&responses), &mut st)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no response in the inventory for IU.ULN.00.LH2 at 2015-07-18T02:00:00.000000Z"),
        "{e}"
    );
    let mut st = Stream {
        traces: vec![trace("IU.ULN.00.LH1", "1990-01-01T00:00:00", 30)],
    };
    let e = Processor::new()
        .apply_with(&p, Some(&responses), &mut st)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at 1990-01-01"), "before the epoch: {e}");
    let e = Processor::new().apply_with(&p, None, &mut st).unwrap_err().to_string();
    assert!(e.contains("no inventory was given"), "{e}");
}

#[test]
fn evaluated_responses_are_cached_per_epoch_delta_and_nfft() {
    use seispool_dsp::response::{ResponseRemover, npts2nfft};
    let (_, responses) = uln();
    let rm = ResponseRemover::new(RemoveOptions::default()).unwrap();
    let id = ChannelId::parse("IU.ULN.00.LH1").unwrap();
    let t = Time::parse("2015-07-18T02:00:00").unwrap();
    let a = responses.removal(&rm, &id, t, 1.0, npts2nfft(3000)).unwrap();
    let b = responses
        .removal(
            &rm,
            &id,
            Time::parse("2015-07-19T00:00:00").unwrap(),
            1.0,
            npts2nfft(3000),
        )
        .unwrap();
    assert!(Arc::ptr_eq(&a, &b), "same epoch, delta and nfft: one evaluation");
    let c = responses.removal(&rm, &id, t, 1.0, npts2nfft(4000)).unwrap();
    assert!(!Arc::ptr_eq(&a, &c), "another nfft is another response grid");
    let other = ResponseRemover::new(RemoveOptions {
        water_level: Some(30.0),
        ..RemoveOptions::default()
    })
    .unwrap();
    let d = responses.removal(&other, &id, t, 1.0, npts2nfft(3000)).unwrap();
    assert!(!Arc::ptr_eq(&a, &d), "other options, other multiplier");
}
