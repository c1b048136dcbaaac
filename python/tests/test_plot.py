"""Pictures from Python: `Stream.plot` and `seispool.plot_availability` write PNGs of the requested size
(no matplotlib), return the path, and refuse bad requests with a clear error."""

import struct
import zlib

import numpy as np
import pytest

import seispool
from conftest import gappy

obspy = pytest.importorskip("obspy")


def png_size(path):
    """(width, height) from the PNG header, after checking the signature and the header's CRC."""
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", head[8:16])
    assert (length, kind) == (13, b"IHDR")
    assert struct.unpack(">I", head[29:33])[0] == zlib.crc32(head[12:29])
    return struct.unpack(">II", head[16:24])


def test_stream_plot_writes_a_waveform_and_a_dayplot(tmp_path):
    st = seispool.from_obspy(gappy())
    out = tmp_path / "wave.png"
    assert st.plot(out, width=640, height=320) == str(out)
    assert png_size(out) == (640, 320)
    # Two hours at 100 Hz with 15-minute lines: a day plot, one line per interval.
    tr = seispool.Trace(np.sin(np.arange(720_000) * 0.01), {"network": "XX", "station": "A", "sampling_rate": 100.0})
    day = tmp_path / "day.png"
    assert seispool.Stream([tr]).plot(day, interval=15) == str(day)
    width, height = png_size(day)
    assert width == 1000 and height > 8 * 8


def test_stream_plot_refuses_several_channels_and_bad_intervals(tmp_path):
    st = seispool.from_obspy(obspy.read())
    with pytest.raises(seispool.SeispoolError, match="3 channels"):
        st.plot(tmp_path / "x.png")
    with pytest.raises(ValueError, match="interval"):
        st[:1].plot(tmp_path / "x.png", interval=-5)
    with pytest.raises(ValueError, match="does not exist"):
        st[:1].plot(tmp_path / "missing" / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_plot_availability_of_files(tmp_path):
    paths = []
    for i, st in enumerate([obspy.read(), gappy()]):
        p = tmp_path / f"f{i}.mseed"
        st.write(str(p), format="MSEED")
        paths.append(p)
    out = tmp_path / "avail.png"
    assert seispool.plot_availability(paths, out, width=700) == str(out)
    width, height = png_size(out)
    assert width == 700 and height >= 64
