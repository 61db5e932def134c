//! UTM (Universal Transverse Mercator) on the WGS84 ellipsoid, for planners' files in projected
//! metres (as PySAL spopt and ArcGIS take them): a zone's easting/northing in metres to WGS84
//! lon/lat degrees and back, by Krüger's series to n³ (sub-millimetre within a zone).
//!
//! Zone `z` has its central meridian at `6z - 183` degrees, scale k0 = 0.9996 on it, a false
//! easting of 500,000 m, and in the southern hemisphere a false northing of 10,000,000 m.
//! Ningbo lies in zone 51N (EPSG:32651).

use std::str::FromStr;

use crate::domain::LonLat;

use super::geodesic::{WGS84_A, WGS84_F};

const K0: f64 = 0.9996;
const FALSE_EASTING: f64 = 500_000.0;
const FALSE_NORTHING_SOUTH: f64 = 10_000_000.0;

/// A UTM zone: 1–60, north or south of the equator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utm {
    zone: u8,
    north: bool,
}

/// Why a UTM zone name or position was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UtmError {
    #[error("unknown UTM zone {0:?}: expected 1-60 and N or S, e.g. 51N")]
    Zone(String),
    #[error("easting {easting} / northing {northing} m is not a position in UTM zone {zone}")]
    Position { zone: String, easting: f64, northing: f64 },
}

impl Utm {
    /// Zone `zone` (1–60), north or south.
    pub fn new(zone: u8, north: bool) -> Result<Self, UtmError> {
        if !(1..=60).contains(&zone) {
            return Err(UtmError::Zone(zone.to_string()));
        }
        Ok(Self { zone, north })
    }

    fn central_meridian(&self) -> f64 {
        6.0 * self.zone as f64 - 183.0
    }

    fn name(&self) -> String {
        format!("{}{}", self.zone, if self.north { 'N' } else { 'S' })
    }

    /// Easting and northing (metres) to WGS84 lon/lat degrees.
    ///
    /// # Examples
    /// ```
    /// use liaison::spatial::utm::Utm;
    /// let zone: Utm = "51N".parse().unwrap();
    /// let p = zone.to_lonlat(500_000.0, 0.0).unwrap();
    /// assert!((p.lon() - 123.0).abs() < 1e-12 && p.lat().abs() < 1e-12);
    /// ```
    pub fn to_lonlat(&self, easting: f64, northing: f64) -> Result<LonLat, UtmError> {
        let bad = || UtmError::Position { zone: self.name(), easting, northing };
        if !(easting.is_finite() && northing.is_finite()) {
            return Err(bad());
        }
        let northing = if self.north { northing } else { northing - FALSE_NORTHING_SOUTH };
        let s = Series::new();
        let xi = northing / (K0 * s.a);
        let eta = (easting - FALSE_EASTING) / (K0 * s.a);
        // Beyond these the series (and UTM itself) mean nothing: 3.5 Mm off the meridian, past a pole.
        if eta.abs() > 0.6 || xi.abs() > std::f64::consts::FRAC_PI_2 {
            return Err(bad());
        }
        let (mut xi1, mut eta1) = (xi, eta);
        for (j, b) in s.beta.iter().enumerate() {
            let m = 2.0 * (j + 1) as f64;
            xi1 -= b * (m * xi).sin() * (m * eta).cosh();
            eta1 -= b * (m * xi).cos() * (m * eta).sinh();
        }
        let chi = (xi1.sin() / eta1.cosh()).asin();
        let mut phi = chi;
        for (j, d) in s.delta.iter().enumerate() {
            phi += d * (2.0 * (j + 1) as f64 * chi).sin();
        }
        let mut lon = self.central_meridian() + eta1.sinh().atan2(xi1.cos()).to_degrees();
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        LonLat::new(lon, phi.to_degrees()).map_err(|_| bad())
    }

    /// WGS84 lon/lat to easting and northing (metres) in this zone.
    pub fn from_lonlat(&self, p: LonLat) -> (f64, f64) {
        let s = Series::new();
        let n = s.n;
        let phi = p.lat().to_radians();
        let mut dlon = p.lon() - self.central_meridian();
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        let lambda = dlon.to_radians();
        let c = 2.0 * n.sqrt() / (1.0 + n);
        let t = (phi.sin().atanh() - c * (c * phi.sin()).atanh()).sinh();
        let xi1 = t.atan2(lambda.cos());
        let eta1 = (lambda.sin() / (1.0 + t * t).sqrt()).atanh();
        let (mut xi, mut eta) = (xi1, eta1);
        for (j, a) in s.alpha.iter().enumerate() {
            let m = 2.0 * (j + 1) as f64;
            xi += a * (m * xi1).sin() * (m * eta1).cosh();
            eta += a * (m * xi1).cos() * (m * eta1).sinh();
        }
        let easting = FALSE_EASTING + K0 * s.a * eta;
        let northing = K0 * s.a * xi + if self.north { 0.0 } else { FALSE_NORTHING_SOUTH };
        (easting, northing)
    }
}

/// Krüger's coefficients to n³ (Karney 2011, eqs. 14, 35, 36).
struct Series {
    n: f64,
    a: f64,
    alpha: [f64; 3],
    beta: [f64; 3],
    delta: [f64; 3],
}

impl Series {
    fn new() -> Self {
        let n = WGS84_F / (2.0 - WGS84_F);
        let (n2, n3) = (n * n, n * n * n);
        Self {
            n,
            a: WGS84_A / (1.0 + n) * (1.0 + n2 / 4.0 + n2 * n2 / 64.0),
            alpha: [n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0, 13.0 * n2 / 48.0 - 3.0 * n3 / 5.0, 61.0 * n3 / 240.0],
            beta: [n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0, n2 / 48.0 + n3 / 15.0, 17.0 * n3 / 480.0],
            delta: [2.0 * n - 2.0 * n2 / 3.0 - 2.0 * n3, 7.0 * n2 / 3.0 - 8.0 * n3 / 5.0, 56.0 * n3 / 15.0],
        }
    }
}

impl FromStr for Utm {
    type Err = UtmError;

    /// `51N`, `51n`, `utm51n`, `50S`; also the EPSG codes `326zz` (north) and `327zz` (south),
    /// with or without `epsg:`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || UtmError::Zone(text.to_owned());
        let t = text.trim().to_ascii_lowercase();
        let t = t.strip_prefix("epsg:").unwrap_or(&t);
        if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) {
            let north = match &t[..3] {
                "326" => true,
                "327" => false,
                _ => return Err(bad()),
            };
            return Self::new(t[3..].parse().map_err(|_| bad())?, north);
        }
        let t = t.strip_prefix("utm").unwrap_or(t);
        let (zone, hemisphere) = t.split_at(t.len().saturating_sub(1));
        let north = match hemisphere {
            "n" => true,
            "s" => false,
            _ => return Err(bad()),
        };
        Self::new(zone.parse().map_err(|_| bad())?, north).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::SplitMix64;
    use crate::spatial::geodesic_distance_m;

    fn zone51() -> Utm {
        Utm::new(51, true).unwrap()
    }

    #[test]
    fn the_central_meridian_is_a_geodesic_at_scale_k0() {
        let origin = zone51().to_lonlat(500_000.0, 0.0).unwrap();
        assert!((origin.lon() - 123.0).abs() < 1e-12 && origin.lat().abs() < 1e-12);
        let north = zone51().to_lonlat(500_000.0, 3_300_000.0).unwrap();
        assert!((north.lon() - 123.0).abs() < 1e-12);
        assert!((geodesic_distance_m(origin, north) - 3_300_000.0 / K0).abs() < 1e-3);
    }

    #[test]
    fn short_grid_distances_are_geodesics_times_the_point_scale() {
        // 140 km west of the central meridian, k = k0 (1 + x² / 2ρν).
        let (a, b) = (zone51().to_lonlat(360_000.0, 3_300_000.0), zone51().to_lonlat(361_000.0, 3_300_000.0));
        let (a, b) = (a.unwrap(), b.unwrap());
        let lat = a.lat().to_radians();
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let w2 = 1.0 - e2 * lat.sin().powi(2);
        let rho_nu = WGS84_A * WGS84_A * (1.0 - e2) / (w2 * w2);
        let x: f64 = -139_500.0;
        let k = K0 * (1.0 + x * x / (2.0 * rho_nu));
        let s = geodesic_distance_m(a, b);
        assert!((s * k - 1_000.0).abs() < 2e-3, "grid 1000 m, geodesic {s}, k {k}");
    }

    #[test]
    fn forward_and_inverse_round_trip_within_a_millimetre() {
        let mut rng = SplitMix64::new(51);
        for _ in 0..2_000 {
            let zone = Utm::new(1 + rng.below(60) as u8, rng.chance(0.5)).unwrap();
            let lat = if zone.north { rng.between(0.0, 80.0) } else { rng.between(-80.0, 0.0) };
            let lon = zone.central_meridian() + rng.between(-3.0, 3.0);
            let lon = if lon > 180.0 { lon - 360.0 } else { lon };
            let p = LonLat::new(lon, lat).unwrap();
            let (e, n) = zone.from_lonlat(p);
            let back = zone.to_lonlat(e, n).unwrap();
            assert!(geodesic_distance_m(p, back) < 1e-3, "{zone:?} {p:?} -> ({e}, {n}) -> {back:?}");
        }
    }

    #[test]
    fn zone_names_and_bad_positions() {
        for (text, zone, north) in
            [("51N", 51, true), ("utm50s", 50, false), ("EPSG:32651", 51, true), ("32733", 33, false)]
        {
            assert_eq!(text.parse::<Utm>(), Ok(Utm { zone, north }), "{text}");
        }
        for text in ["", "N", "61N", "0N", "51X", "32851", "epsg:4326", "51"] {
            assert_eq!(text.parse::<Utm>(), Err(UtmError::Zone(text.to_owned())), "{text}");
        }
        assert!(zone51().to_lonlat(f64::NAN, 0.0).is_err());
        assert!(zone51().to_lonlat(500_000.0, 20_000_000.0).is_err());
        assert!(zone51().to_lonlat(5_000_000.0, 3_000_000.0).is_err());
    }
}
