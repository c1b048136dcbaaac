//! Event–station distance and azimuths that ObsPy fills into a SAC header on reading when `lcalda`
//! is set and `dist` is not: `gps2dist_azimuth` (Vincenty's inverse formula on WGS84, as ObsPy uses
//! without geographiclib) and `kilometers2degrees`.

use std::f64::consts::PI;

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// ObsPy's answer for nearly antipodal points where the iteration does not converge.
const ANTIPODE: (f64, f64, f64) = (20_004_314.5, 0.0, 0.0);

/// Python's `math.isclose(a, b)` with default tolerances.
fn isclose(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// A longitude brought into ±180° by steps of 360° as ObsPy does; `None` where that loop would not
/// end (ObsPy hangs on an infinite or huge longitude).
fn normalize_longitude(mut lon: f64) -> Option<f64> {
    if lon.is_nan() {
        return Some(lon);
    }
    if lon.abs() >= 1e6 {
        return None;
    }
    while lon > 180.0 {
        lon -= 360.0;
    }
    while lon < -180.0 {
        lon += 360.0;
    }
    Some(lon)
}

/// What ObsPy's `SACTrace._set_distances` ends with.
#[derive(Debug, PartialEq)]
pub enum Distances {
    /// (distance m, azimuth°, back azimuth°) from the event to the station.
    Computed(f64, f64, f64),
    /// Nothing is set (a latitude outside ±90°).
    Skipped,
    /// ObsPy raises (division by zero in the iteration), so reading fails.
    Fails,
}

/// ObsPy's `gps2dist_azimuth(lat1, lon1, lat2, lon2)` without geographiclib.
pub fn gps2dist_azimuth(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Distances {
    if lat1.abs() > 90.0 || lat2.abs() > 90.0 {
        return Distances::Skipped;
    }
    let (Some(lon1), Some(lon2)) = (normalize_longitude(lon1), normalize_longitude(lon2)) else {
        return Distances::Skipped;
    };
    if isclose(lat1, lat2) && isclose(lon1, lon2) {
        return Distances::Computed(0.0, 0.0, 0.0);
    }
    match vincenty(
        lat1.to_radians(),
        lon1.to_radians(),
        lat2.to_radians(),
        lon2.to_radians(),
    ) {
        None => Distances::Fails,
        Some((d, a, b)) if d.is_nan() && a.is_nan() && b.is_nan() => {
            Distances::Computed(ANTIPODE.0, ANTIPODE.1, ANTIPODE.2)
        }
        Some((d, a, b)) => Distances::Computed(d, a, b),
    }
}

/// The iteration of `calc_vincenty_inverse` (angles in radians); `ANTIPODE` when it does not converge.
fn vincenty(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Option<(f64, f64, f64)> {
    let (a, f) = (WGS84_A, WGS84_F);
    let b = a * (1.0 - f);
    let u1 = ((1.0 - f) * lat1.tan()).atan();
    let u2 = ((1.0 - f) * lat2.tan()).atan();
    let omega = lon2 - lon1;
    let (mut dlon, mut last_dlon) = (omega, -4_000_000.0);
    let (mut sin_sigma, mut cos_sigma, mut sigma) = (0.0, 0.0, 0.0);
    let (mut sqr_sin_sigma, mut sqr_cos_alpha, mut cos2sigma_m) = (0.0, 0.0, 0.0);
    let mut iterlimit = 100;
    while last_dlon < -3_000_000.0 || dlon != 0.0 && ((last_dlon - dlon) / dlon).abs() > 1.0e-9 {
        sqr_sin_sigma =
            (u2.cos() * dlon.sin()).powi(2) + (u1.cos() * u2.sin() - u1.sin() * u2.cos() * dlon.cos()).powi(2);
        sin_sigma = sqr_sin_sigma.sqrt();
        cos_sigma = u1.sin() * u2.sin() + u1.cos() * u2.cos() * dlon.cos();
        sigma = sin_sigma.atan2(cos_sigma);
        if sin_sigma == 0.0 {
            return None; // ObsPy raises ZeroDivisionError here
        }
        let sin_alpha = u1.cos() * u2.cos() * dlon.sin() / sin_sigma;
        sqr_cos_alpha = 1.0 - sin_alpha * sin_alpha;
        cos2sigma_m = if sqr_cos_alpha == 0.0 {
            0.0
        } else {
            cos_sigma - (2.0 * u1.sin() * u2.sin() / sqr_cos_alpha)
        };
        let c = (f / 16.0) * sqr_cos_alpha * (4.0 + f * (4.0 - 3.0 * sqr_cos_alpha));
        last_dlon = dlon;
        dlon = omega
            + (1.0 - c)
                * f
                * sin_alpha
                * (sigma + c * sin_sigma * (cos2sigma_m + c * cos_sigma * (-1.0 + 2.0 * cos2sigma_m.powi(2))));
        iterlimit -= 1;
        if iterlimit < 0 {
            return Some(ANTIPODE);
        }
    }
    let uu = sqr_cos_alpha * (a * a - b * b) / (b * b);
    let big_a = 1.0 + (uu / 16384.0) * (4096.0 + uu * (-768.0 + uu * (320.0 - 175.0 * uu)));
    let big_b = (uu / 1024.0) * (256.0 + uu * (-128.0 + uu * (74.0 - 47.0 * uu)));
    let delta_sigma = big_b
        * sin_sigma
        * (cos2sigma_m
            + (big_b / 4.0)
                * (cos_sigma * (-1.0 + 2.0 * cos2sigma_m.powi(2))
                    - (big_b / 6.0) * cos2sigma_m * (-3.0 + 4.0 * sqr_sin_sigma) * (-3.0 + 4.0 * cos2sigma_m.powi(2))));
    let dist = b * big_a * (sigma - delta_sigma);
    let alpha12 = (u2.cos() * dlon.sin()).atan2(u1.cos() * u2.sin() - u1.sin() * u2.cos() * dlon.cos());
    let alpha21 = (u1.cos() * dlon.sin()).atan2(-u1.sin() * u2.cos() + u1.cos() * u2.sin() * dlon.cos());
    Some((dist, wrap_degrees(alpha12), wrap_degrees(alpha21 + PI)))
}

/// An angle in radians brought into [0, 2π] the way ObsPy does (once each way), in degrees.
fn wrap_degrees(mut alpha: f64) -> f64 {
    if alpha < 0.0 {
        alpha += 2.0 * PI;
    }
    if alpha > 2.0 * PI {
        alpha -= 2.0 * PI;
    }
    alpha * 360.0 / (2.0 * PI)
}

/// ObsPy's `kilometers2degrees` on a sphere of radius 6371 km.
pub fn kilometers2degrees(km: f64) -> f64 {
    km / (2.0 * 6371.0 * PI / 360.0)
}
