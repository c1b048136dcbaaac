"""``read_inventory`` and ``Stream``/``Trace.remove_response``/``remove_sensitivity`` against ObsPy on the
IU.ULN LH1 record with its StationXML, with a seispool inventory, a path and an ObsPy ``Inventory``."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import seispool
from seispool.inventory import as_inventory

obspy = pytest.importorskip("obspy")

DATA = os.path.join(os.path.dirname(obspy.__file__), "core", "tests", "data")
MSEED = os.path.join(DATA, "IU_ULN_00_LH1_2015-07-18T02.mseed")
XML = os.path.join(DATA, "IU_ULN_00_LH1.xml")
PRE_FILT = [0.001, 0.002, 0.3, 0.45]


def rel_err(ours, theirs):
    return np.abs(np.asarray(ours, dtype=np.float64) - theirs).max() / np.abs(theirs).max()


@pytest.mark.parametrize("output", ["DISP", "VEL", "ACC"])
@pytest.mark.parametrize("water_level", [60, None])
def test_stream_remove_response_matches_obspy(output, water_level):
    want = obspy.read(MSEED)
    want.remove_response(inventory=obspy.read_inventory(XML), output=output, pre_filt=PRE_FILT, water_level=water_level)
    st = seispool.read(MSEED)
    inv = seispool.read_inventory(XML)
    assert st.remove_response(inventory=inv, output=output, pre_filt=PRE_FILT, water_level=water_level) is st
    assert rel_err(st[0].data, want[0].data) <= 1e-8


def test_obspy_inventory_and_path_are_accepted_for_traces():
    want = obspy.read(MSEED)[0]
    want.remove_response(inventory=obspy.read_inventory(XML))
    a = seispool.read(MSEED)[0].remove_response(inventory=obspy.read_inventory(XML))
    b = seispool.read(MSEED)[0].remove_response(inventory=XML)
    c = seispool.read(MSEED)[0].remove_response(inventory=obspy.read_inventory(XML)[0])
    for t in (a, b, c):
        assert rel_err(t.data, want.data) <= 1e-8


def test_remove_sensitivity_matches_obspy():
    want = obspy.read(MSEED)[0]
    want.remove_sensitivity(inventory=obspy.read_inventory(XML))
    got = seispool.read(MSEED)[0].remove_sensitivity(inventory=seispool.read_inventory(XML))
    assert rel_err(got.data, want.data) <= 1e-12


def test_inventory_lists_channel_epochs():
    inv = seispool.read_inventory(XML)
    assert "1 networks" in repr(inv)
    assert "IU.ULN.00.LH1" in {c[0] for c in inv.channels()}
    assert as_inventory(inv) is inv


def test_missing_metadata_and_bad_inputs_raise():
    st = seispool.read(MSEED)
    with pytest.raises(ValueError, match="No response information"):
        st.remove_response()
    st[0].stats.network = "XX"
    with pytest.raises(seispool.PipelineError, match="no response in the inventory for XX.ULN.00.LH1 at 2015-07-18"):
        st.remove_response(inventory=XML)
    with pytest.raises(seispool.IoError):
        seispool.read_inventory("/nonexistent/inventory.xml")
    with pytest.raises(seispool.FormatError, match="x.xml.*malformed XML"):
        seispool._seispool.inventory_from_bytes(b"<FDSNStationXML>", "x.xml")
    with pytest.raises(TypeError):
        st.remove_response(inventory=42)
    with pytest.raises(seispool.PipelineError, match="expects four frequencies"):
        seispool.read(MSEED).remove_response(inventory=XML, pre_filt=[1, 2])


def test_remove_response_keeps_calib_processing_and_custom_stats():
    st = seispool.read(MSEED)
    st[0].stats.back_azimuth = 12.0
    st.detrend("demean").remove_response(inventory=XML, pre_filt=PRE_FILT)
    assert st[0].stats.back_azimuth == 12.0 and len(st[0].stats.processing) == 2
    assert st[0].stats.processing[1].split(": ", 1)[1].startswith("remove_response(")


def test_process_had_no_inventory_argument(tmp_path):
    """`seispool.process(..., inventory=)` removes responses across a run as ObsPy does per trace (the path,
    a seispool Inventory and an ObsPy Inventory are all accepted); without one the unit fails, the run goes on."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(MSEED, src / "uln.mseed")
    want = obspy.read(MSEED)
    want.remove_response(inventory=obspy.read_inventory(XML), output="DISP", pre_filt=PRE_FILT)
    pipeline = f'remove_response(output="DISP", pre_filt={PRE_FILT})'
    for n, inv in enumerate((XML, seispool.read_inventory(XML), obspy.read_inventory(XML))):
        out = tmp_path / f"out{n}"
        summary = seispool.process(str(src), str(out), pipeline, jobs=1, encoding="FLOAT64", inventory=inv)
        assert summary["ok"] == 1 and summary["failed"] == 0, summary
        got = obspy.read(str(out / "uln.mseed"))
        assert rel_err(got[0].data, want[0].data) <= 1e-8
    with pytest.raises(seispool.SeispoolError, match="inventory"):
        seispool.process(str(src), str(tmp_path / "none"), pipeline, jobs=1)


def test_demo_stations_xml_is_normalised_and_removes_like_obspy(tmp_path):
    """The demo's StationXML (so the README's remove_response example runs): its poles and zeros are
    normalised at 1 Hz, ObsPy reads it, and removal on the demo archive matches ObsPy's."""
    cmd = [sys.executable, "-m", "seispool", "demo", "--no-process", "--stations", "1", "--sampling-rate", "1", "--quiet"]
    subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    xml = str(tmp_path / "seispool-demo" / "stations.xml")
    data = str(tmp_path / "seispool-demo" / "archive" / "2024" / "XS" / "ST01" / "HHZ.D" / "*")
    inv = obspy.read_inventory(xml)
    want = obspy.read(data)
    resp = inv.get_response("XS.ST01.00.HHZ", want[0].stats.starttime)
    at_1hz = abs(resp.get_evalresp_response_for_frequencies([1.0], output="VEL")[0])
    assert abs(at_1hz / resp.instrument_sensitivity.value - 1) < 1e-9
    pre_filt = [0.005, 0.01, 0.3, 0.45]
    want.remove_response(inventory=inv, output="DISP", pre_filt=pre_filt)
    st = seispool.read(data).remove_response(inventory=xml, output="DISP", pre_filt=pre_filt)
    assert len(st) == len(want) == 2  # the demo's 90 s gap
    for ours, theirs in zip(st, want):
        assert rel_err(ours.data, theirs.data) <= 1e-8
