//! The StationXML of the synthetic archive (`seispool demo`), so the README's response-removal example
//! runs on the demo: every synthetic channel gets a broadband velocity seismometer (two long-period poles
//! at 120 s, three high-frequency poles, two zeros at the origin; 1500 V/(m/s)) followed by a 24-bit
//! digitiser stage (419 430 counts/V), with the overall sensitivity at 1 Hz.

use crate::synth::{CHANNELS, SynthSpec};
use num_complex::Complex64;
use std::fmt::Write;

const ZEROS: [(f64, f64); 2] = [(0.0, 0.0), (0.0, 0.0)];
const POLES: [(f64, f64); 5] = [
    (-0.037004, 0.037016),
    (-0.037004, -0.037016),
    (-251.33, 0.0),
    (-131.04, 467.29),
    (-131.04, -467.29),
];
const SENSOR_GAIN: f64 = 1500.0;
const DIGITISER_GAIN: f64 = 419_430.0;

/// Normalisation factor A0 making the poles and zeros below 1.0 in modulus at 1 Hz (derived, so it cannot
/// disagree with them).
fn a0() -> f64 {
    let s = Complex64::new(0.0, std::f64::consts::TAU);
    let num: Complex64 = ZEROS.iter().map(|&(re, im)| s - Complex64::new(re, im)).product();
    let den: Complex64 = POLES.iter().map(|&(re, im)| s - Complex64::new(re, im)).product();
    (den / num).norm()
}

/// The synthetic archive's inventory as a StationXML 1.1 document.
pub fn stationxml(spec: &SynthSpec) -> String {
    let start = spec.start.to_string();
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\" schemaVersion=\"1.1\">\n  <Source>seispool demo</Source>\n  <Created>2024-01-01T00:00:00Z</Created>\n",
    );
    let _ = writeln!(x, "  <Network code=\"{}\" startDate=\"{start}\">", spec.network);
    for station in 1..=spec.stations {
        let _ = writeln!(x, "    <Station code=\"ST{station:02}\" startDate=\"{start}\">");
        let lat = 45.0 + 0.3 * station as f64;
        let _ = writeln!(
            x,
            "      <Latitude>{lat}</Latitude>\n      <Longitude>7.0</Longitude>\n      <Elevation>500.0</Elevation>\n      <Site><Name>Synthetic station {station}</Name></Site>"
        );
        for cha in CHANNELS {
            channel(&mut x, cha, &start, lat, spec.sampling_rate);
        }
        x.push_str("    </Station>\n");
    }
    x.push_str("  </Network>\n</FDSNStationXML>\n");
    x
}

fn channel(x: &mut String, cha: &str, start: &str, lat: f64, rate: f64) {
    let (azimuth, dip) = match cha {
        "HHZ" => (0.0, -90.0),
        "HHN" => (0.0, 0.0),
        _ => (90.0, 0.0),
    };
    let _ = writeln!(
        x,
        "      <Channel code=\"{cha}\" locationCode=\"00\" startDate=\"{start}\">\n        <Latitude>{lat}</Latitude>\n        <Longitude>7.0</Longitude>\n        <Elevation>500.0</Elevation>\n        <Depth>0.0</Depth>\n        <Azimuth>{azimuth}</Azimuth>\n        <Dip>{dip}</Dip>\n        <SampleRate>{rate}</SampleRate>\n        <Response>"
    );
    let _ = writeln!(
        x,
        "          <InstrumentSensitivity><Value>{}</Value><Frequency>1.0</Frequency><InputUnits><Name>M/S</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits></InstrumentSensitivity>",
        SENSOR_GAIN * DIGITISER_GAIN
    );
    x.push_str("          <Stage number=\"1\">\n            <PolesZeros><InputUnits><Name>M/S</Name></InputUnits><OutputUnits><Name>V</Name></OutputUnits>\n");
    let _ = writeln!(
        x,
        "              <PzTransferFunctionType>LAPLACE (RADIANS/SECOND)</PzTransferFunctionType><NormalizationFactor>{}</NormalizationFactor><NormalizationFrequency>1.0</NormalizationFrequency>",
        a0()
    );
    for (n, (re, im)) in ZEROS.iter().enumerate() {
        let _ = writeln!(
            x,
            "              <Zero number=\"{n}\"><Real>{re}</Real><Imaginary>{im}</Imaginary></Zero>"
        );
    }
    for (n, (re, im)) in POLES.iter().enumerate() {
        let _ = writeln!(
            x,
            "              <Pole number=\"{n}\"><Real>{re}</Real><Imaginary>{im}</Imaginary></Pole>"
        );
    }
    let _ = writeln!(
        x,
        "            </PolesZeros>\n            <StageGain><Value>{SENSOR_GAIN}</Value><Frequency>1.0</Frequency></StageGain>\n          </Stage>"
    );
    let _ = writeln!(
        x,
        "          <Stage number=\"2\">\n            <Coefficients><InputUnits><Name>V</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits><CfTransferFunctionType>DIGITAL</CfTransferFunctionType><Numerator>1.0</Numerator></Coefficients>\n            <Decimation><InputSampleRate>{rate}</InputSampleRate><Factor>1</Factor><Offset>0</Offset><Delay>0.0</Delay><Correction>0.0</Correction></Decimation>\n            <StageGain><Value>{DIGITISER_GAIN}</Value><Frequency>1.0</Frequency></StageGain>\n          </Stage>\n        </Response>\n      </Channel>"
    );
}
