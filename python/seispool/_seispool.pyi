"""Type stubs of the compiled extension `seispool._seispool` (checked by mypy.stubtest in the tests)."""

import os
from collections.abc import Sequence
from typing import Any, final

import numpy as np

__all__ = [
    "__version__",
    "FormatError",
    "Inventory",
    "IoError",
    "PipelineError",
    "SeispoolError",
    "_panic_for_tests",
    "apply",
    "apply_in_place",
    "apply_with_inventory",
    "check_pipeline",
    "cli_main",
    "doctor",
    "format_time",
    "get_gaps",
    "info",
    "inventory_from_bytes",
    "merge_summaries",
    "parse_time",
    "plan",
    "plot_availability",
    "plot_stream",
    "ppsd",
    "process",
    "read",
    "read_inventory",
    "trim_traces",
    "write",
]

__version__: str

# A trace crossing the boundary:
# (network, station, location, channel, starttime_ns, sampling_rate, npts, data, is_text, mseed, headers)
_RawTrace = tuple[str, str, str, str, int, float, int, np.ndarray, bool, dict[str, Any] | None, dict[str, Any]]
_UnitRow = tuple[list[os.PathLike[str]], list[os.PathLike[str]], os.PathLike[str]]
_Path = str | os.PathLike[str]

class SeispoolError(Exception): ...
class FormatError(SeispoolError): ...
class PipelineError(SeispoolError): ...
class IoError(SeispoolError): ...

def cli_main(argv: Sequence[str]) -> int: ...
def parse_time(text: str) -> int: ...
def format_time(ns: int, digits: int = 6) -> str: ...
def check_pipeline(text: str) -> str: ...
def apply(pipeline: str, raws: Any) -> tuple[list[_RawTrace], list[str]]: ...
def apply_in_place(pipeline: str, raws: Any) -> list[str] | None: ...
def trim_traces(
    raws: Any, starttime: int | None, endtime: int | None, pad: bool, nearest_sample: bool, fill_value: float | None, snap: bool
) -> list[_RawTrace]: ...

@final
class Inventory:
    """Station metadata read from StationXML."""

    def channels(self) -> list[tuple[str, int | None, int | None, bool]]: ...
    def __len__(self) -> int: ...

def read_inventory(path: _Path) -> Inventory: ...
def inventory_from_bytes(data: bytes, label: str) -> Inventory: ...
def apply_with_inventory(pipeline: str, raws: Any, inventory: Inventory) -> tuple[list[_RawTrace], list[str]]: ...
def get_gaps(raws: Any) -> list[tuple[str, int, int, float, int]]: ...
def doctor(python: _Path, imports: Sequence[str] = ..., probe: bool = False, timeout: float = 30.0, verify_remedies: bool = False) -> str: ...
def read(
    paths: Sequence[_Path],
    format: str | None = None,
    starttime: int | None = None,
    endtime: int | None = None,
    select: str | None = None,
    headonly: bool = False,
    jobs: int | None = None,
    follow_symlinks: bool = False,
) -> tuple[list[_RawTrace], list[str]]: ...
def write(
    path: _Path,
    raws: Any,
    format: str = "mseed2",
    encoding: str | None = None,
    record_length: int | None = None,
    big_endian: bool | None = None,
) -> None: ...
def process(
    inputs: Sequence[_Path],
    out: _Path,
    pipeline: str,
    jobs: int | None = None,
    resume: bool = False,
    format: str | None = None,
    input_format: str | None = None,
    encoding: str | None = None,
    record_length: int | None = None,
    big_endian: bool | None = None,
    starttime: int | None = None,
    endtime: int | None = None,
    select: str | None = None,
    overlap: float = 0.0,
    units: Sequence[tuple[Sequence[_Path], Sequence[_Path], _Path]] | None = None,
    inventory: Inventory | None = None,
    follow_symlinks: bool = False,
) -> str: ...
def info(
    paths: Sequence[_Path],
    format: str | None = None,
    starttime: int | None = None,
    endtime: int | None = None,
    select: str | None = None,
    jobs: int | None = None,
    follow_symlinks: bool = False,
) -> str: ...
def plot_stream(
    raws: Sequence[Any],
    path: _Path,
    starttime: int | None = None,
    endtime: int | None = None,
    interval: float | None = None,
    width: int = 1000,
    height: int | None = None,
) -> None: ...
def plot_availability(
    paths: Sequence[_Path],
    path: _Path,
    format: str | None = None,
    starttime: int | None = None,
    endtime: int | None = None,
    select: str | None = None,
    jobs: int | None = None,
    width: int = 1000,
) -> list[tuple[str, float, int, int]]: ...
def plan(
    inputs: Sequence[_Path],
    out: _Path,
    starttime: int | None = None,
    endtime: int | None = None,
    overlap: float = 0.0,
    pipeline: str | None = None,
    jobs: int | None = None,
    resume: bool = False,
    format: str | None = None,
    input_format: str | None = None,
    encoding: str | None = None,
    record_length: int | None = None,
    big_endian: bool | None = None,
    select: str | None = None,
    follow_symlinks: bool = False,
    inventory: Inventory | None = None,
) -> list[_UnitRow]: ...
def merge_summaries(parts: str, out: str, wall_seconds: float, jobs: int) -> str: ...
def ppsd(
    paths: Sequence[_Path],
    inventory_path: _Path | None,
    paz_json: str | None,
    sensitivity: float | None,
    ppsd_length: float,
    overlap: float,
    period_smoothing_width_octaves: float,
    period_step_octaves: float,
    period_limits: tuple[float, float] | None,
    db_bins: tuple[float, float, float],
    skip_on_gaps: bool,
    special_handling: str | None,
    starttime: int | None,
    endtime: int | None,
    select: str | None,
    jobs: int | None,
    follow_symlinks: bool = False,
) -> list[tuple[str, bytes | None, str | None, list[str]]]: ...
def _panic_for_tests(message: str) -> None: ...
