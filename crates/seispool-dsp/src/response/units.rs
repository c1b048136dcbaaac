//! Unit names → evalresp unit codes and the non-SI scale factor, as ObsPy's
//! `Response._call_eval_resp_for_frequencies` maps them.

/// evalresp's `enum units`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Unknown or missing unit: passed as "undefined", the response is used as is.
    Undefined,
    /// Displacement (m, cm, mm, nm; strain too).
    Dis,
    /// Velocity.
    Vel,
    /// Acceleration.
    Acc,
    /// Digital counts.
    Counts,
    /// Volts.
    Volts,
    /// Pressure (Pa, mbar).
    Pressure,
    /// Magnetic field (T).
    Tesla,
}

/// The evalresp code of a unit name (case-insensitive), and whether ObsPy knows it.
pub(crate) fn unit_code(name: Option<&str>) -> Unit {
    let Some(name) = name else {
        return Unit::Undefined;
    };
    match name.to_ascii_uppercase().as_str() {
        "M" | "NM" | "CM" | "MM" | "M/M" | "M**3/M**3" => Unit::Dis,
        "M/S" | "M/SEC" | "NM/S" | "NM/SEC" | "CM/S" | "CM/SEC" | "MM/S" | "MM/SEC" => Unit::Vel,
        "M/S**2" | "M/(S**2)" | "M/SEC**2" | "M/(SEC**2)" | "M/S/S" | "NM/S**2" | "NM/(S**2)" | "NM/SEC**2"
        | "NM/(SEC**2)" | "CM/S**2" | "CM/(S**2)" | "CM/SEC**2" | "CM/(SEC**2)" | "MM/S**2" | "MM/(S**2)"
        | "MM/SEC**2" | "MM/(SEC**2)" => Unit::Acc,
        "V" | "VOLT" | "VOLTS" | "V/M" => Unit::Volts,
        "COUNT" | "COUNTS" => Unit::Counts,
        "T" => Unit::Tesla,
        "PA" | "PASCAL" | "PASCALS" | "MBAR" => Unit::Pressure,
        _ => Unit::Undefined,
    }
}

/// ObsPy's scale factor for the first stage's input unit: only these spellings are scaled (evalresp's
/// `check_units` rule, applied by ObsPy outside evalresp).
pub(crate) fn scale_factor(name: Option<&str>) -> f64 {
    let Some(name) = name else {
        return 1.0;
    };
    match name.to_ascii_uppercase().as_str() {
        "CM/S**2" | "CM/S" | "CM/SEC" | "CM" => 1.0e2,
        "MM/S**2" | "MM/S" | "MM/SEC" | "MM" => 1.0e3,
        "NM/S**2" | "NM/S" | "NM/SEC" | "NM" => 1.0e9,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_map_case_insensitively_and_scale_only_listed_spellings() {
        assert_eq!(unit_code(Some("nm/s")), Unit::Vel);
        assert_eq!(unit_code(Some("M/S**2")), Unit::Acc);
        assert_eq!(unit_code(Some("Pa")), Unit::Pressure);
        assert_eq!(unit_code(Some("furlongs")), Unit::Undefined);
        assert_eq!(scale_factor(Some("nm/s")), 1e9);
        assert_eq!(scale_factor(Some("NM/(S**2)")), 1.0);
        assert_eq!(scale_factor(None), 1.0);
    }
}
