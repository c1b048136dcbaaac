"""seispool: fast, fork-safe processing of seismic waveform archives with ObsPy's numerics."""
from seispool._seispool import __version__

__all__ = ["__version__"]
