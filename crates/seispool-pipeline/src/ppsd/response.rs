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

/// No response at all: `special_handling="ringlaser"` data are only divided by the sensitivity.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoResponse;

impl ResponseSource for NoResponse {
    fn epochs(&self, _id: &str, _nfft: usize, _delta: f64) -> Vec<EpochResponse> {
        Vec::new()
    }
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

impl Paz {
    /// Parses `{"poles": [[re, im], ...], "zeros": [[re, im], ...], "gain": g, "sensitivity": s}` (ObsPy's
    /// PAZ dict, complex numbers as pairs); `label` names the source in errors.
    pub fn from_json(text: &str, label: &str) -> Result<Paz, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("{label}: not JSON: {e}"))?;
        let roots = |key: &str| -> Result<Vec<Complex<f64>>, String> {
            let arr = v
                .get(key)
                .and_then(|a| a.as_array())
                .ok_or_else(|| format!("{label}: '{key}' must be a list of [re, im] pairs"))?;
            arr.iter()
                .enumerate()
                .map(|(i, z)| {
                    match z
                        .as_array()
                        .map(|p| (p.first().and_then(|x| x.as_f64()), p.get(1).and_then(|x| x.as_f64())))
                    {
                        Some((Some(re), Some(im))) if re.is_finite() && im.is_finite() => Ok(Complex::new(re, im)),
                        _ => Err(format!("{label}: {key}[{i}] is not a finite [re, im] pair")),
                    }
                })
                .collect()
        };
        let number = |key: &str| -> Result<f64, String> {
            v.get(key)
                .and_then(|x| x.as_f64())
                .filter(|x| x.is_finite() && *x != 0.0)
                .ok_or_else(|| format!("{label}: '{key}' must be a finite non-zero number"))
        };
        let (poles, zeros) = (roots("poles")?, roots("zeros")?);
        if poles.len() > 1000 || zeros.len() > 1000 {
            return Err(format!("{label}: more than 1000 poles or zeros"));
        }
        Ok(Paz {
            poles,
            zeros,
            gain: number("gain")?,
            sensitivity: number("sensitivity")?,
        })
    }
}

/// Responses from station metadata, as ObsPy's `PPSD._preload_responses` takes them from an
/// `Inventory`: every epoch of the channel in document order, its response the one
/// `inv.get_response(id, epoch.start_date + 10)` finds, evaluated as `get_evalresp_response(delta, nfft,
/// output="VEL")`; an epoch without a start date or response is left out with a warning.
impl ResponseSource for seispool_core::Inventory {
    fn epochs(&self, id: &str, nfft: usize, delta: f64) -> Vec<EpochResponse> {
        use seispool_dsp::response::{Output, evaluate};
        let Ok(cid) = seispool_core::ChannelId::parse(id) else {
            return Vec::new();
        };
        self.channel_epochs(&cid)
            .map(|(_, ch)| {
                let response = match ch.start_date {
                    None => Err("the channel epoch has no start date".to_string()),
                    Some(s) => match self.find_response(&cid, s.add_seconds(10.0)) {
                        None => Err(format!("no response for {id} at {}", s.add_seconds(10.0))),
                        Some((_, _, r)) => evaluate(r, delta, nfft, Output::Vel).map_err(|e| e.to_string()),
                    },
                };
                EpochResponse {
                    start: ch.start_date,
                    end: ch.end_date,
                    response,
                }
            })
            .collect()
    }
}
