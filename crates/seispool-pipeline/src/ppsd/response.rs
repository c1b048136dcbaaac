//! Where a channel's response comes from: a [`ResponseSource`] gives each channel epoch's complex
//! response on ObsPy's evalresp grid (`nfft / 2 + 1` frequencies from 0 to Nyquist, velocity output).

use num_complex::Complex;
use seispool_core::Time;
use seispool_dsp::ppsd::paz_response;

/// ObsPy's open epoch bounds (`UTCDATETIME_OPEN_START` 1900-01-01, `UTCDATETIME_OPEN_END` 2099-01-01).
pub const OPEN_START: Time = Time(-2_208_988_800_000_000_000);
/// See [`OPEN_START`].
pub const OPEN_END: Time = Time(4_070_908_800_000_000_000);

/// One channel epoch's evaluated response.
#[derive(Clone, Debug)]
pub struct EpochResponse {
    /// Epoch start (`None`: open).
    pub start: Option<Time>,
    /// Epoch end (`None`: open).
    pub end: Option<Time>,
    /// The response, or why it could not be evaluated (that epoch is then left out with a warning).
    pub response: Result<Vec<Complex<f64>>, String>,
}

/// Supplies channel epochs and their responses.
pub trait ResponseSource: Sync {
    /// The epochs of `id` (`NET.STA.LOC.CHA`) in ObsPy's order, each evaluated for `nfft` at `delta`.
    fn epochs(&self, id: &str, nfft: usize, delta: f64) -> Vec<EpochResponse>;
}

/// A static poles-and-zeros response for every channel (ObsPy's `metadata` dict:
/// `paz_to_freq_resp(poles, zeros, gain * sensitivity, delta, nfft)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Paz {
    /// Poles (rad/s).
    pub poles: Vec<Complex<f64>>,
    /// Zeros (rad/s).
    pub zeros: Vec<Complex<f64>>,
    /// Normalisation factor.
    pub gain: f64,
    /// Overall sensitivity.
    pub sensitivity: f64,
}

impl ResponseSource for Paz {
    fn epochs(&self, _id: &str, nfft: usize, delta: f64) -> Vec<EpochResponse> {
        vec![EpochResponse {
            start: None,
            end: None,
            response: Ok(paz_response(
                &self.poles,
                &self.zeros,
                self.gain * self.sensitivity,
                delta,
                nfft,
            )),
        }]
    }
}
