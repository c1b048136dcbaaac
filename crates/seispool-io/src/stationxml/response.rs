//! `<Response>`: sensitivity, polynomial and stages, with ObsPy's reader rules (a missing
//! `NormalizationFactor` is computed from the poles and zeros; gain-only stages borrow the units of
//! their neighbours, as `Response._attempt_to_fix_units` does).

use roxmltree::Node;
use seispool_core::inventory::{
    CfTransferFunction, Coefficients, Decimation, Filter, Fir, FirSymmetry, InstrumentSensitivity, PolesZeros,
    Polynomial, PzTransferFunction, Response, ResponseListElement, Root, Stage, StageGain,
};

use super::Cx;
use crate::FormatError;

const RESPONSE_CHILDREN: &[&str] = &["InstrumentSensitivity", "InstrumentPolynomial", "Stage"];
const STAGE_CHILDREN: &[&str] = &[
    "PolesZeros",
    "Coefficients",
    "ResponseList",
    "FIR",
    "Polynomial",
    "Decimation",
    "StageGain",
];
const FILTER_COMMON: &[&str] = &["Description", "InputUnits", "OutputUnits"];
const PZ_CHILDREN: &[&str] = &[
    "PzTransferFunctionType",
    "NormalizationFactor",
    "NormalizationFrequency",
    "Zero",
    "Pole",
];
const CF_CHILDREN: &[&str] = &["CfTransferFunctionType", "Numerator", "Denominator"];
const FIR_CHILDREN: &[&str] = &["Symmetry", "NumeratorCoefficient"];
const POLY_CHILDREN: &[&str] = &[
    "ApproximationType",
    "FrequencyLowerBound",
    "FrequencyUpperBound",
    "ApproximationLowerBound",
    "ApproximationUpperBound",
    "MaximumError",
    "Coefficient",
];

/// The most poles, zeros, coefficients or list entries accepted in one element (real FIRs have a few
/// thousand; evaluation cost grows with the count times the number of frequencies).
const MAX_ITEMS: usize = 1 << 16;

impl<'a, 'input: 'a> Cx<'a, 'input> {
    /// `<Response>` of a channel.
    pub(crate) fn response(&self, node: Node<'_, 'input>) -> Result<Response, FormatError> {
        self.only_known(node, RESPONSE_CHILDREN)?;
        let instrument_sensitivity = match self.child(node, "InstrumentSensitivity") {
            Some(s) => Some(self.sensitivity(s)?),
            None => None,
        };
        let instrument_polynomial = match self.child(node, "InstrumentPolynomial") {
            Some(p) => Some(self.polynomial(p)?),
            None => None,
        };
        let mut stages = Vec::new();
        for s in self.children(node, "Stage") {
            // ObsPy skips empty <Stage/> elements.
            if s.children().any(|c| c.is_element()) {
                stages.push(self.stage(s)?);
            }
        }
        let mut r = Response {
            instrument_sensitivity,
            instrument_polynomial,
            stages,
        };
        fix_units(&mut r);
        Ok(r)
    }

    fn units(&self, node: Node<'_, 'input>, name: &str) -> Option<String> {
        self.child(node, name).and_then(|u| self.opt_text(u, "Name"))
    }

    fn sensitivity(&self, node: Node<'_, 'input>) -> Result<InstrumentSensitivity, FormatError> {
        Ok(InstrumentSensitivity {
            value: self.opt_f64(node, "Value")?,
            frequency: self.opt_f64(node, "Frequency")?,
            input_units: self.units(node, "InputUnits"),
            output_units: self.units(node, "OutputUnits"),
        })
    }

    fn polynomial(&self, node: Node<'_, 'input>) -> Result<Polynomial, FormatError> {
        let coefficients = self.f64_list(node, "Coefficient")?;
        Ok(Polynomial {
            frequency_lower_bound: self.req_f64(node, "FrequencyLowerBound")?,
            frequency_upper_bound: self.req_f64(node, "FrequencyUpperBound")?,
            coefficients,
            input_units: self.units(node, "InputUnits"),
        })
    }

    fn f64_list(&self, node: Node<'_, 'input>, name: &str) -> Result<Vec<f64>, FormatError> {
        let mut out = Vec::new();
        for c in self.children(node, name) {
            if out.len() >= MAX_ITEMS {
                return Err(self.err(c, format!("more than {MAX_ITEMS} <{name}> elements")));
            }
            let t = c.text().unwrap_or("").trim();
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push(v),
                _ => return Err(self.err(c, format!("expected a finite number, found {t:?}"))),
            }
        }
        Ok(out)
    }

    fn stage(&self, node: Node<'_, 'input>) -> Result<Stage, FormatError> {
        self.only_known(node, STAGE_CHILDREN)?;
        let num_text = node
            .attribute("number")
            .ok_or_else(|| self.err(node, "missing attribute number"))?;
        let number: u32 = num_text
            .trim()
            .parse()
            .map_err(|_| self.err(node, format!("attribute number={num_text:?} is not a stage number")))?;
        let gain = match self.child(node, "StageGain") {
            Some(g) => match (self.opt_f64(g, "Value")?, self.opt_f64(g, "Frequency")?) {
                (Some(value), Some(frequency)) => Some(StageGain { value, frequency }),
                (None, None) => None,
                (None, _) => return Err(self.err(g, "missing <Value>")),
                (_, None) => return Err(self.err(g, "missing <Frequency>")),
            },
            None => None,
        };
        let decimation = match self.child(node, "Decimation") {
            Some(d) => Some(Decimation {
                input_sample_rate: self.req_f64(d, "InputSampleRate")?,
                factor: self.req_i64(d, "Factor")?,
                offset: self.req_i64(d, "Offset")?,
                delay: self.req_f64(d, "Delay")?,
                correction: self.req_f64(d, "Correction")?,
            }),
            None => None,
        };
        let filters: Vec<Node> = ["PolesZeros", "Coefficients", "ResponseList", "FIR", "Polynomial"]
            .iter()
            .filter_map(|n| self.child(node, n))
            .collect();
        let (filter, input_units, output_units) = match filters.as_slice() {
            [] if gain.is_none() => {
                return Err(self.err(node, "a stage needs a filter element or a <StageGain>"));
            }
            [] => (Filter::GainOnly, None, None),
            [f] => (
                self.filter(*f)?,
                self.units(*f, "InputUnits"),
                self.units(*f, "OutputUnits"),
            ),
            [_, second, ..] => return Err(self.err(*second, "a stage holds more than one filter element")),
        };
        Ok(Stage {
            number,
            gain,
            decimation,
            input_units,
            output_units,
            filter,
        })
    }

    fn filter(&self, f: Node<'_, 'input>) -> Result<Filter, FormatError> {
        let name = f.tag_name().name();
        let extra = match name {
            "PolesZeros" => PZ_CHILDREN,
            "Coefficients" => CF_CHILDREN,
            "FIR" => FIR_CHILDREN,
            "Polynomial" => POLY_CHILDREN,
            _ => &["ResponseListElement"][..],
        };
        let known: Vec<&str> = FILTER_COMMON.iter().chain(extra).copied().collect();
        self.only_known(f, &known)?;
        Ok(match name {
            "PolesZeros" => Filter::PolesZeros(self.poles_zeros(f)?),
            "Coefficients" => Filter::Coefficients(self.coefficients(f)?),
            "FIR" => Filter::Fir(self.fir(f)?),
            "Polynomial" => Filter::Polynomial(self.polynomial(f)?),
            _ => Filter::ResponseList(self.response_list(f)?),
        })
    }

    fn poles_zeros(&self, f: Node<'_, 'input>) -> Result<PolesZeros, FormatError> {
        let kind = self.opt_text(f, "PzTransferFunctionType").unwrap_or_default();
        // ObsPy's permissive setter: "laplace" with "radian" or "hertz"/"hz", or "digital".
        let k = kind.to_ascii_lowercase();
        let transfer_function = match () {
            _ if k.contains("laplace") && k.contains("radian") => PzTransferFunction::LaplaceRadians,
            _ if k.contains("laplace") && (k.contains("hertz") || k.contains("hz")) => PzTransferFunction::LaplaceHertz,
            _ if !k.contains("laplace") && k.contains("digital") => PzTransferFunction::DigitalZ,
            _ => {
                return Err(self.err(
                    f,
                    format!(
                        "<PzTransferFunctionType> {kind:?} is not one of LAPLACE (RADIANS/SECOND), \
                         LAPLACE (HERTZ), DIGITAL (Z-TRANSFORM)"
                    ),
                ));
            }
        };
        let zeros = self.roots(f, "Zero")?;
        let poles = self.roots(f, "Pole")?;
        let normalization_frequency = self.req_f64(f, "NormalizationFrequency")?;
        let normalization_factor = match self.opt_f64(f, "NormalizationFactor")? {
            Some(v) => v,
            None => computed_normalization_factor(transfer_function, normalization_frequency, &poles, &zeros)
                .ok_or_else(|| {
                    self.err(
                        f,
                        "missing <NormalizationFactor> (not computable for this transfer function)",
                    )
                })?,
        };
        Ok(PolesZeros {
            transfer_function,
            normalization_factor,
            normalization_frequency,
            zeros,
            poles,
        })
    }

    fn roots(&self, f: Node<'_, 'input>, name: &str) -> Result<Vec<Root>, FormatError> {
        let mut out = Vec::new();
        for c in self.children(f, name) {
            if out.len() >= MAX_ITEMS {
                return Err(self.err(c, format!("more than {MAX_ITEMS} <{name}> elements")));
            }
            let (re, im) = (self.opt_f64(c, "Real")?, self.opt_f64(c, "Imaginary")?);
            if re.is_none() && im.is_none() {
                return Err(self.err(c, "missing <Real> and <Imaginary>"));
            }
            out.push(Root {
                re: re.unwrap_or(0.0),
                im: im.unwrap_or(0.0),
            });
        }
        Ok(out)
    }

    fn coefficients(&self, f: Node<'_, 'input>) -> Result<Coefficients, FormatError> {
        let kind = self.opt_text(f, "CfTransferFunctionType").unwrap_or_default();
        let k = kind.to_ascii_lowercase();
        let transfer_function = match () {
            _ if k.contains("analog") && k.contains("rad") => CfTransferFunction::AnalogRadians,
            _ if k.contains("analog") && (k.contains("hertz") || k.contains("hz")) => CfTransferFunction::AnalogHertz,
            _ if !k.contains("analog") && k.contains("digital") => CfTransferFunction::Digital,
            _ => {
                return Err(self.err(
                    f,
                    format!(
                        "<CfTransferFunctionType> {kind:?} is not one of ANALOG (RADIANS/SECOND), \
                         ANALOG (HERTZ), DIGITAL"
                    ),
                ));
            }
        };
        Ok(Coefficients {
            transfer_function,
            numerator: self.f64_list(f, "Numerator")?,
            denominator: self.f64_list(f, "Denominator")?,
        })
    }

    fn fir(&self, f: Node<'_, 'input>) -> Result<Fir, FormatError> {
        let sym = self.opt_text(f, "Symmetry").unwrap_or_default();
        let symmetry = match sym.to_ascii_uppercase().as_str() {
            "NONE" => FirSymmetry::None,
            "ODD" => FirSymmetry::Odd,
            "EVEN" => FirSymmetry::Even,
            _ => return Err(self.err(f, format!("<Symmetry> {sym:?} is not one of NONE, ODD, EVEN"))),
        };
        Ok(Fir {
            symmetry,
            coefficients: self.f64_list(f, "NumeratorCoefficient")?,
        })
    }

    fn response_list(&self, f: Node<'_, 'input>) -> Result<Vec<ResponseListElement>, FormatError> {
        let mut out = Vec::new();
        for e in self.children(f, "ResponseListElement") {
            if out.len() >= MAX_ITEMS {
                return Err(self.err(e, format!("more than {MAX_ITEMS} <ResponseListElement> elements")));
            }
            out.push(ResponseListElement {
                frequency: self.req_f64(e, "Frequency")?,
                amplitude: self.req_f64(e, "Amplitude")?,
                phase: self.req_f64(e, "Phase")?,
            });
        }
        Ok(out)
    }
}

/// ObsPy `PolesZerosResponseStage.calculate_normalization_factor`: `|prod(s - p) / prod(s - z)|` at the
/// normalisation frequency (`s = 2πif` for rad/s, `if` for Hz); `None` for digital stages.
fn computed_normalization_factor(tf: PzTransferFunction, f: f64, poles: &[Root], zeros: &[Root]) -> Option<f64> {
    let s_im = match tf {
        PzTransferFunction::LaplaceRadians => 2.0 * std::f64::consts::PI * f,
        PzTransferFunction::LaplaceHertz => f,
        PzTransferFunction::DigitalZ => return None,
    };
    let prod = |roots: &[Root]| {
        roots.iter().fold((1.0f64, 0.0f64), |(ar, ai), r| {
            let (br, bi) = (-r.re, s_im - r.im);
            (ar * br - ai * bi, ar * bi + ai * br)
        })
    };
    let (pr, pi) = prod(poles);
    let (zr, zi) = prod(zeros);
    Some(pr.hypot(pi) / zr.hypot(zi))
}

/// ObsPy `Response._attempt_to_fix_units` as its StationXML reader calls it: stage 1 takes the
/// sensitivity's input units and stage 2's input units when it has none; gain-only stages without
/// units take the units of the stage before them, then of the stage after them.
fn fix_units(r: &mut Response) {
    if let Some(first) = r.stages.first_mut()
        && let Some(s) = &r.instrument_sensitivity
        && first.input_units.is_none()
    {
        first.input_units.clone_from(&s.input_units);
    }
    if r.stages.len() >= 2 && r.stages[0].output_units.is_none() {
        r.stages[0].output_units = r.stages[1].input_units.clone();
    }
    let gain_only_without_units =
        |s: &Stage| matches!(s.filter, Filter::GainOnly) && is_blank(&s.input_units) && is_blank(&s.output_units);
    let mut previous: Option<String> = None;
    for s in &mut r.stages {
        if gain_only_without_units(s) && !is_blank(&previous) {
            s.input_units.clone_from(&previous);
            s.output_units.clone_from(&previous);
        }
        previous.clone_from(&s.output_units);
    }
    let mut previous: Option<String> = None;
    for s in r.stages.iter_mut().rev() {
        if gain_only_without_units(s) && !is_blank(&previous) {
            s.input_units.clone_from(&previous);
            s.output_units.clone_from(&previous);
        }
        previous.clone_from(&s.input_units);
    }
}

fn is_blank(u: &Option<String>) -> bool {
    u.as_deref().is_none_or(str::is_empty)
}
