"""The processing methods `Trace` and `Stream` share: each builds one pipeline call and runs it through
``self.process``, so a method call and the same line in ``seispool process --pipeline`` give identical
results. Written once here; `Trace` and `Stream` inherit them."""

from __future__ import annotations

from typing import Any, TypeVar

from seispool._pipeline import call
from seispool._time import TimeLike

Self = TypeVar("Self", bound="ProcessingOps")


class ProcessingOps:
    """ObsPy's processing methods; each changes the object in place and returns it."""

    __slots__ = ()

    def process(self: Self, pipeline: str) -> Self:  # pragma: no cover - defined by Trace and Stream
        raise NotImplementedError

    def _process_with(self: Self, pipeline: str, inventory: Any) -> Self:  # pragma: no cover - likewise
        raise NotImplementedError

    def detrend(self: Self, type: str = "simple", **options: Any) -> Self:
        """``detrend(type, **options)``: simple, linear, constant/demean, polynomial(order), spline(order, dspline)."""
        return self.process(call("detrend", type, **options))

    def taper(self: Self, max_percentage: float | None, type: str = "hann", max_length: float | None = None, side: str = "both", **kwargs: Any) -> Self:
        """``taper(max_percentage, type="hann", max_length=None, side="both", **window_options)``."""
        return self.process(call("taper", max_percentage, type=type, max_length=max_length, side=side, **kwargs))

    def filter(self: Self, type: str, **options: Any) -> Self:
        """``filter(type, **options)``: bandpass, bandstop, lowpass, highpass, lowpass_cheby_2 (ObsPy's options)."""
        return self.process(call("filter", type, **options))

    def decimate(self: Self, factor: int, no_filter: bool = False, strict_length: bool = False) -> Self:
        """``decimate(factor, no_filter=False, strict_length=False)`` with ObsPy's anti-alias filter."""
        return self.process(call("decimate", factor, no_filter=no_filter, strict_length=strict_length))

    def resample(self: Self, sampling_rate: float, **options: Any) -> Self:
        """``resample(sampling_rate, window="hann", no_filter=True, strict_length=False)`` (FFT method)."""
        return self.process(call("resample", sampling_rate, **options))

    def interpolate(self: Self, sampling_rate: float, method: str = "weighted_average_slopes", starttime: TimeLike | None = None, **options: Any) -> Self:
        """``interpolate(sampling_rate, method, starttime=None, npts=None, time_shift=0.0)``."""
        kw = dict(options)
        if starttime is not None:
            kw["starttime"] = starttime
        return self.process(call("interpolate", sampling_rate, method=method, **kw))

    def integrate(self: Self, method: str = "cumtrapz", **options: Any) -> Self:
        """``integrate(method="cumtrapz")``."""
        return self.process(call("integrate", method=method, **options))

    def differentiate(self: Self, method: str = "gradient") -> Self:
        """``differentiate(method="gradient")``."""
        return self.process(call("differentiate", method=method))

    def remove_response(
        self: Self,
        inventory: Any = None,
        output: str = "VEL",
        water_level: float | None = 60,
        pre_filt: Any = None,
        zero_mean: bool = True,
        taper: bool = True,
        taper_fraction: float = 0.05,
        **kwargs: Any,
    ) -> Self:
        """ObsPy's ``remove_response`` with ``inventory`` (seispool/ObsPy ``Inventory`` or StationXML path);
        each trace's channel epoch is matched by id and start time."""
        options = {"water_level": water_level, "pre_filt": pre_filt, "zero_mean": zero_mean, "taper": taper, "taper_fraction": taper_fraction}
        return self._process_with(call("remove_response", output=output, **options, **kwargs), inventory)

    def remove_sensitivity(self: Self, inventory: Any = None) -> Self:
        """ObsPy's ``remove_sensitivity``: divide by the overall sensitivity of the matching channel epoch."""
        return self._process_with("remove_sensitivity()", inventory)
