"""seispool: fast, fork-safe processing of seismic waveform archives with ObsPy's numerics.

>>> import seispool
>>> st = seispool.read("archive/2024/XX/STA/HHZ.D/*")  # doctest: +SKIP
>>> st.merge(method=1, fill_value="interpolate").detrend("linear").filter("bandpass", freqmin=1, freqmax=10)  # doctest: +SKIP
>>> seispool.process("archive/", "out/", 'detrend("linear"); decimate(4)', jobs=2)  # doctest: +SKIP

Errors derive from `SeispoolError`: `FormatError` (bad bytes), `PipelineError` (bad pipeline/op),
`IoError` (OS errors, formats that cannot store the data; `NotFoundError` is also a `FileNotFoundError`),
`OptionError` (a bad argument value; also a `ValueError`).
"""

from seispool import mp
from seispool._api import doctor, info, plot_availability, process
from seispool._errors import NotFoundError, OptionError
from seispool._fork import fork_is_safe
from seispool._guard import InternalError  # importing it wraps the extension: panics become SeispoolError
from seispool._ppsd import PPSDResult, ppsd
from seispool._seispool import FormatError, IoError, PipelineError, SeispoolError, __version__
from seispool._time import UTCTime
from seispool.core import AttribDict, Stats, Stream, Trace, read
from seispool.inventory import Inventory, read_inventory
from seispool.obspy import from_obspy

__all__ = [
    "AttribDict",
    "FormatError",
    "InternalError",
    "Inventory",
    "IoError",
    "NotFoundError",
    "OptionError",
    "PPSDResult",
    "PipelineError",
    "SeispoolError",
    "Stats",
    "Stream",
    "Trace",
    "UTCTime",
    "__version__",
    "doctor",
    "fork_is_safe",
    "from_obspy",
    "info",
    "mp",
    "plot_availability",
    "ppsd",
    "process",
    "read",
    "read_inventory",
]
