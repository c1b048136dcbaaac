//! Pure numeric kernels on `&[f64]`/`&mut [f64]` that reproduce ObsPy/SciPy results. No I/O, no threads.

mod complex;
mod decimate;
mod detrend;
mod filter;
mod fitpack;
mod fused;
mod iir;
mod integrate;
mod interpolate;
mod normalize;
mod op_error;
pub mod ppsd;
mod resample;
pub mod response;
mod sosfilt;
mod sosfilt_blocks;
mod stream_chain;
mod taper;
mod window;

pub use decimate::{DecimateOptions, check_decimate, decimate, decimate_filter, integer_decimation};
pub use filter::{Cheby2Design, FilterError, FilterPlan, FilterWarning, IirOptions};
pub use filter::{bandpass, bandstop, highpass, lowpass, lowpass_cheby_2};
pub use filter::{design_bandpass, design_bandstop, design_highpass, design_lowpass, design_lowpass_cheby_2};
pub use fused::detrend_taper_filter_i32;
pub use iir::{Band, DesignCache, DesignError, FilterKind, IirSpec, MAX_ORDER, Sos, cheb2ord, iirfilter};
pub use sosfilt::{sosfilt, sosfilt_exact, sosfilt_zerophase, sosfilt_zerophase_exact};
pub use stream_chain::{
    ChainOutput, FilterChain, filter_chain, filter_chain_four_lanes, filter_chain_i32, filter_chain_is_wide,
};

pub use detrend::{
    Detrend, detrend, detrend_constant, detrend_linear, detrend_linear_i32, detrend_polynomial, detrend_simple,
    detrend_spline,
};
pub use integrate::{differentiate_gradient, integrate_cumtrapz, integrate_spline};
pub use interpolate::{InterpMethod, InterpolatePlan, interpolate, interpolate_kernel, interpolate_plan};
pub use normalize::{abs_max_value, normalize, normalize_warnings};
pub use op_error::OpError;
pub use resample::{RESAMPLE_ONE_SAMPLE_WARNING, ResamplePlan, Resampler, resample_prepare};
/// The former name of [`TaperSide`].
pub use taper::TaperSide as Side;
pub use taper::{TAPER_TYPES, TaperPlan, TaperSide, TaperType, cosine_taper, cosine_taper_fraction, taper};
pub use window::Window;
