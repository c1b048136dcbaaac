//! Pure numeric kernels on `&[f64]`/`&mut [f64]` that reproduce ObsPy/SciPy results. No I/O, no threads.

mod complex;
mod decimate;
mod filter;
mod iir;
mod sosfilt;

pub use decimate::{DecimateOptions, check_decimate, decimate, integer_decimation};
pub use filter::{Cheby2Design, FilterError, FilterPlan, FilterWarning, IirOptions};
pub use filter::{bandpass, bandstop, highpass, lowpass, lowpass_cheby_2};
pub use filter::{design_bandpass, design_bandstop, design_highpass, design_lowpass, design_lowpass_cheby_2};
pub use iir::{Band, DesignCache, DesignError, FilterKind, IirSpec, Sos, cheb2ord, iirfilter};
pub use sosfilt::{sosfilt, sosfilt_zerophase};
