//! Pure numeric kernels on `&[f64]`/`&mut [f64]` that reproduce ObsPy/SciPy results. No I/O, no threads.

mod detrend;
mod fitpack;
mod integrate;
mod interpolate;
mod normalize;
mod op_error;
mod resample;
mod taper;
mod window;

pub use detrend::{
    Detrend, detrend, detrend_constant, detrend_linear, detrend_polynomial, detrend_simple, detrend_spline,
};
pub use integrate::{differentiate_gradient, integrate_cumtrapz, integrate_spline};
pub use interpolate::{InterpMethod, InterpolatePlan, interpolate, interpolate_kernel, interpolate_plan};
pub use normalize::{abs_max_value, normalize};
pub use op_error::OpError;
pub use resample::{ResamplePlan, Resampler, resample_prepare};
pub use taper::{Side, TAPER_TYPES, TaperType, cosine_taper, taper};
pub use window::Window;
