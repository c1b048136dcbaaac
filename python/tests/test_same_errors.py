"""The command line and Python refuse the same options with the same words: both front ends hand the options
to one job builder (`seispool_pipeline::job`), and each only renders the option names its own way
(``--record-length`` on the command line, ``record_length`` in Python)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import seispool

obspy = pytest.importorskip("obspy")

# The Rust binary when given (SEISPOOL_CLI=target/debug/seispool), else the pip-installed console script.
CLI = os.environ.get("SEISPOOL_CLI") or os.path.join(os.path.dirname(sys.executable), "seispool")

# Command-line flag -> Python keyword (the neutral option names).
FLAGS = {
    "--record-length": "record_length",
    "--input-format": "input_format",
    "--encoding": "encoding",
    "--overlap": "overlap",
    "--select": "select",
    "--format": "format",
    "--start": "starttime",
    "--end": "endtime",
    "--jobs": "jobs",
    "--out": "out",
}


def cli_error(args):
    """Runs the CLI; asserts usage exit code 2 and returns its message with flags spelt as Python keywords."""
    r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (args, r.returncode, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, r.stderr
    message = lines[0][len("error: ") :]
    for flag in sorted(FLAGS, key=len, reverse=True):
        message = message.replace(flag, FLAGS[flag])
    return message


@pytest.fixture
def archive(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    st = obspy.read()
    for tr in st:
        tr.data = np.round(tr.data).astype(np.int32)
    st.write(str(src / "ex.mseed"), format="MSEED", encoding="STEIM2")
    return src


PIPELINE = 'detrend("linear")'

# (CLI arguments after `process IN --out OUT --pipeline P`, Python keywords, exception Python raises)
CASES = [
    (["--record-length", "1000"], {"record_length": 1000}, ValueError),
    (["--record-length", "64"], {"record_length": 64}, ValueError),
    (["--select", "HHZ"], {"select": "HHZ"}, ValueError),
    (["--select", "IU.ANMO.00.BHZ.x"], {"select": "IU.ANMO.00.BHZ.x"}, ValueError),
    (["--overlap=-1"], {"overlap": -1.0}, ValueError),
    (["--overlap", "90000"], {"overlap": 90000.0}, ValueError),
    (["--format", "segy"], {"format": "segy"}, ValueError),
    (["--input-format", "xyz"], {"input_format": "xyz"}, ValueError),
    (["--encoding", "STEIM9"], {"encoding": "STEIM9"}, ValueError),
    (["--encoding", "CDSN"], {"encoding": "CDSN"}, ValueError),
    (["--jobs", "100000"], {"jobs": 100000}, ValueError),
    (
        ["--start", "2024-01-02T00:00:00", "--end", "2024-01-01T00:00:00"],
        {"starttime": "2024-01-02T00:00:00", "endtime": "2024-01-01T00:00:00"},
        ValueError,
    ),
]


@pytest.mark.parametrize("cli_args,kwargs,exc", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_process_refuses_the_same_options_with_the_same_message(archive, tmp_path, cli_args, kwargs, exc):
    out = tmp_path / "out"
    cli = cli_error(["process", str(archive), "--out", str(out), "--pipeline", PIPELINE, *cli_args])
    with pytest.raises(exc) as e:
        seispool.process(archive, out, PIPELINE, **kwargs)
    assert str(e.value) == cli
    assert not out.exists(), "nothing written on a refused option"


def test_pipeline_inputs_and_out_errors_match(archive, tmp_path):
    bad = "detrend(typ='linear')"
    cli = cli_error(["process", str(archive), "--out", str(tmp_path / "o"), "--pipeline", bad])
    with pytest.raises(seispool.PipelineError) as e:
        seispool.process(archive, tmp_path / "o", bad)
    assert str(e.value) == cli and "column" in cli
    missing = tmp_path / "missing"
    cli = cli_error(["process", str(missing), "--out", str(tmp_path / "o"), "--pipeline", PIPELINE])
    with pytest.raises(seispool.IoError) as e:
        seispool.process(missing, tmp_path / "o", PIPELINE)
    assert str(e.value) == cli
    inside = archive / "o"
    cli = cli_error(["process", str(archive), "--out", str(inside), "--pipeline", PIPELINE])
    with pytest.raises(seispool.SeispoolError) as e:
        seispool.process(archive, inside, PIPELINE)
    assert str(e.value) == cli and cli.startswith("out ") and "inside input" in cli


def test_info_and_read_refuse_the_same_select_and_window(archive):
    cli = cli_error(["info", str(archive), "--select", "HHZ"])
    for call in (seispool.info, seispool.read):
        with pytest.raises(ValueError) as e:
            call(archive, select="HHZ")
        assert str(e.value) == cli
    cli = cli_error(["info", str(archive), "--start", "2024-01-02T00:00:00", "--end", "2024-01-01T00:00:00"])
    with pytest.raises(ValueError) as e:
        seispool.info(archive, starttime="2024-01-02T00:00:00", endtime="2024-01-01T00:00:00")
    assert str(e.value) == cli


def test_both_accept_128_byte_records_and_short_select_globs_with_identical_output(archive, tmp_path):
    args = ["--record-length", "128", "--select", "*.EHZ", "--encoding", "STEIM2", "--quiet"]
    r = subprocess.run(
        [CLI, "process", str(archive), "--out", str(tmp_path / "cli"), "--pipeline", "decimate(2, no_filter=True)", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    s = seispool.process(archive, tmp_path / "py", "decimate(2, no_filter=True)", record_length=128, select="*.EHZ", encoding="STEIM2")
    assert (s["ok"], s["failed"]) == (1, 0)
    a = (tmp_path / "cli" / "ex.mseed").read_bytes()
    assert a == (tmp_path / "py" / "ex.mseed").read_bytes()
    back = obspy.read(str(tmp_path / "py" / "ex.mseed"))
    assert [t.id for t in back] == ["BW.RJOB..EHZ"] and back[0].stats.mseed.record_length == 128


@pytest.mark.parametrize("minutes", ["-5", "600000", "nan", "0.0001"])
def test_plot_refuses_the_same_intervals_with_the_same_message(archive, tmp_path, minutes):
    png = tmp_path / "x.png"
    cli = cli_error(["plot", str(archive), "--select", "*.EHZ", "--out", str(png), f"--interval={minutes}"])
    st = seispool.read(archive, select="*.EHZ")
    with pytest.raises(ValueError) as e:
        st.plot(png, interval=float(minutes))
    assert str(e.value) == cli.replace("--interval", "interval")
    assert cli.endswith("minutes per line must be from 1/60 (one second) to 525600")
    assert not png.exists()
