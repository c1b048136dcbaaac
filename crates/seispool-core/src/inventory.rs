//! Station metadata as plain data: networks, stations, channel epochs and their instrument
//! [`Response`] with every stage type StationXML describes (ObsPy's `obspy.core.inventory` model).
//! Parsing lives in `seispool-io` (`stationxml`), evaluation in `seispool-dsp` (`response`).

use crate::{ChannelId, Time};

/// A set of networks, as read from one or more StationXML documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    /// Networks in document order (several files are concatenated in the order read).
    pub networks: Vec<Network>,
}

/// One network (`<Network code=...>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    /// FDSN network code.
    pub code: String,
    /// Stations in document order.
    pub stations: Vec<Station>,
}

/// One station epoch (`<Station code=...>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Station {
    /// Station code.
    pub code: String,
    /// `startDate`, if given.
    pub start_date: Option<Time>,
    /// `endDate`, if given.
    pub end_date: Option<Time>,
    /// Channel epochs in document order.
    pub channels: Vec<Channel>,
}

/// One channel epoch (`<Channel code=... locationCode=... startDate=...>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    /// Channel code (e.g. `BHZ`).
    pub code: String,
    /// Location code (may be empty).
    pub location_code: String,
    /// Start of the epoch; `None` = open.
    pub start_date: Option<Time>,
    /// End of the epoch; `None` = open.
    pub end_date: Option<Time>,
    /// `<SampleRate>`, if given.
    pub sample_rate: Option<f64>,
    /// The instrument response, if the document has one.
    pub response: Option<Response>,
}

impl Channel {
    /// ObsPy's epoch rule (`Network.get_response`): `start <= t` and `end >= t`, open ends match.
    pub fn covers(&self, t: Time) -> bool {
        self.start_date.is_none_or(|s| s <= t) && self.end_date.is_none_or(|e| e >= t)
    }
}

/// Where a channel epoch sits inside an [`Inventory`]: (network, station, channel) indices.
/// Stable for an inventory that is not modified; usable as a cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EpochIndex {
    /// Index into `Inventory::networks`.
    pub network: usize,
    /// Index into `Network::stations`.
    pub station: usize,
    /// Index into `Station::channels`.
    pub channel: usize,
}

impl Inventory {
    /// The first channel epoch with a response for `id` covering `t`, as ObsPy's
    /// `Inventory.get_response(seed_id, datetime)` picks it (document order, station epochs ignored).
    pub fn find_response(&self, id: &ChannelId, t: Time) -> Option<(EpochIndex, &Channel, &Response)> {
        let ix = self
            .channel_epochs(id)
            .find(|(_, c)| c.covers(t) && c.response.is_some())
            .map(|(ix, _)| ix)?;
        let c = self.epoch(ix)?;
        Some((ix, c, c.response.as_ref()?))
    }

    /// Every channel epoch for `id` in document order, with or without a response.
    pub fn channel_epochs<'a>(&'a self, id: &'a ChannelId) -> impl Iterator<Item = (EpochIndex, &'a Channel)> + 'a {
        self.networks
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.code == id.network)
            .flat_map(move |(ni, n)| {
                n.stations
                    .iter()
                    .enumerate()
                    .filter(move |(_, s)| s.code == id.station)
                    .flat_map(move |(si, s)| {
                        s.channels
                            .iter()
                            .enumerate()
                            .filter(move |(_, c)| c.code == id.channel && c.location_code == id.location)
                            .map(move |(ci, c)| {
                                let ix = EpochIndex {
                                    network: ni,
                                    station: si,
                                    channel: ci,
                                };
                                (ix, c)
                            })
                    })
            })
    }

    /// The channel epoch at `ix`, if it exists.
    pub fn epoch(&self, ix: EpochIndex) -> Option<&Channel> {
        self.networks
            .get(ix.network)?
            .stations
            .get(ix.station)?
            .channels
            .get(ix.channel)
    }

    /// Does some channel epoch with a response cover the whole span `[start, end]`? (Responses of
    /// adjacent epochs may hand over inside the span.) Used to list data without metadata up front.
    pub fn has_response_for_span(&self, id: &ChannelId, start: Time, end: Time) -> bool {
        let mut epochs: Vec<(Option<Time>, Option<Time>)> = self
            .channel_epochs(id)
            .filter(|(_, c)| c.response.is_some())
            .map(|(_, c)| (c.start_date, c.end_date))
            .collect();
        epochs.sort_by_key(|(s, _)| s.map_or(i64::MIN, Time::ns));
        let mut covered_to = start;
        for (s, e) in epochs {
            if s.is_some_and(|s| s > covered_to) {
                continue;
            }
            match e {
                None => return true,
                Some(e) if e >= covered_to => covered_to = e,
                Some(_) => {}
            }
            if covered_to >= end {
                return true;
            }
        }
        false
    }
}

/// A channel's instrument response (`<Response>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// Overall sensitivity (`<InstrumentSensitivity>`).
    pub instrument_sensitivity: Option<InstrumentSensitivity>,
    /// Overall polynomial (`<InstrumentPolynomial>`), for non-linear sensors.
    pub instrument_polynomial: Option<Polynomial>,
    /// Stages in document order.
    pub stages: Vec<Stage>,
}

/// `<InstrumentSensitivity>`: overall gain at one frequency, with the channel's units.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentSensitivity {
    /// `<Value>` (absent in some files, e.g. for non-linear sensors described by a polynomial).
    pub value: Option<f64>,
    /// `<Frequency>` in Hz.
    pub frequency: Option<f64>,
    /// `<InputUnits><Name>`.
    pub input_units: Option<String>,
    /// `<OutputUnits><Name>`.
    pub output_units: Option<String>,
}

/// `<StageGain>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageGain {
    /// `<Value>`.
    pub value: f64,
    /// `<Frequency>` in Hz.
    pub frequency: f64,
}

/// `<Decimation>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decimation {
    /// `<InputSampleRate>` in Hz.
    pub input_sample_rate: f64,
    /// `<Factor>`.
    pub factor: i64,
    /// `<Offset>`.
    pub offset: i64,
    /// `<Delay>` in seconds (estimated).
    pub delay: f64,
    /// `<Correction>` in seconds (applied).
    pub correction: f64,
}

/// One `<Stage number=...>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The stage sequence number.
    pub number: u32,
    /// `<StageGain>`, if given.
    pub gain: Option<StageGain>,
    /// `<Decimation>`, if given.
    pub decimation: Option<Decimation>,
    /// The filter's `<InputUnits><Name>` (filled in for gain-only stages as ObsPy's reader does).
    pub input_units: Option<String>,
    /// The filter's `<OutputUnits><Name>`.
    pub output_units: Option<String>,
    /// The stage's filter.
    pub filter: Filter,
}

/// The filter of a stage: exactly one of the StationXML stage types, or none (gain only).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// A stage with only `<StageGain>` (and maybe `<Decimation>`).
    GainOnly,
    /// `<PolesZeros>`.
    PolesZeros(PolesZeros),
    /// `<Coefficients>`.
    Coefficients(Coefficients),
    /// `<FIR>`.
    Fir(Fir),
    /// `<ResponseList>`.
    ResponseList(Vec<ResponseListElement>),
    /// `<Polynomial>`.
    Polynomial(Polynomial),
}

/// `<PzTransferFunctionType>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PzTransferFunction {
    /// `LAPLACE (RADIANS/SECOND)`.
    LaplaceRadians,
    /// `LAPLACE (HERTZ)`.
    LaplaceHertz,
    /// `DIGITAL (Z-TRANSFORM)`.
    DigitalZ,
}

/// A complex pole or zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

/// `<PolesZeros>`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolesZeros {
    /// Transfer function type.
    pub transfer_function: PzTransferFunction,
    /// `<NormalizationFactor>` (A0).
    pub normalization_factor: f64,
    /// `<NormalizationFrequency>` in Hz.
    pub normalization_frequency: f64,
    /// `<Zero>`s.
    pub zeros: Vec<Root>,
    /// `<Pole>`s.
    pub poles: Vec<Root>,
}

/// `<CfTransferFunctionType>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfTransferFunction {
    /// `ANALOG (RADIANS/SECOND)`.
    AnalogRadians,
    /// `ANALOG (HERTZ)`.
    AnalogHertz,
    /// `DIGITAL`.
    Digital,
}

/// `<Coefficients>`: FIR (no denominator) or IIR.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficients {
    /// Transfer function type.
    pub transfer_function: CfTransferFunction,
    /// `<Numerator>`s.
    pub numerator: Vec<f64>,
    /// `<Denominator>`s.
    pub denominator: Vec<f64>,
}

/// `<Symmetry>` of a `<FIR>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirSymmetry {
    /// All coefficients given.
    None,
    /// Odd count; the first half plus the centre are given.
    Odd,
    /// Even count; the first half is given.
    Even,
}

/// `<FIR>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fir {
    /// Symmetry.
    pub symmetry: FirSymmetry,
    /// `<NumeratorCoefficient>`s.
    pub coefficients: Vec<f64>,
}

/// One `<ResponseListElement>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseListElement {
    /// Frequency in Hz.
    pub frequency: f64,
    /// Amplitude.
    pub amplitude: f64,
    /// Phase in degrees.
    pub phase: f64,
}

/// `<Polynomial>` / `<InstrumentPolynomial>` (MacLaurin series).
#[derive(Debug, Clone, PartialEq)]
pub struct Polynomial {
    /// `<FrequencyLowerBound>` in Hz.
    pub frequency_lower_bound: f64,
    /// `<FrequencyUpperBound>` in Hz.
    pub frequency_upper_bound: f64,
    /// `<Coefficient>`s, lowest order first.
    pub coefficients: Vec<f64>,
    /// `<InputUnits><Name>` (for `InstrumentPolynomial`).
    pub input_units: Option<String>,
}
