//! Coordinate reference systems met at the edges of the service in China.
//!
//! Positions are stored internally in WGS84; this module converts to and from
//! the two obfuscated datums that Chinese map providers use, so that points can
//! be accepted from, and handed to, their SDKs and tiles.
//!
//! Everywhere in this module x = longitude and y = latitude, both in degrees,
//! and functions take and return `(lon, lat)` in that order.
//!
//! The systems involved:
//!
//! * [`Crs::Wgs84`]: WGS84 (EPSG:4326), what GPS reports and what we store.
//! * [`Crs::Gcj02`]: GCJ-02, the "Mars" datum mandated in mainland China and
//!   used by AMap (Gaode) and Tencent maps. It is WGS84 plus a deterministic,
//!   non-linear offset of a few hundred metres, computed on the Krasovsky 1940
//!   ellipsoid.
//! * [`Crs::Bd09`]: BD-09, Baidu's datum: GCJ-02 with a further small
//!   polar-coordinate distortion.
//!
//! GCJ-02 is only applied inside mainland China, as approximated by the usual
//! rough [`out_of_china`] box (longitude 72.004–137.8347, latitude
//! 0.8293–55.8271); outside it GCJ-02 is the identity. The BD-09 step on top of
//! GCJ-02 is applied everywhere, as Baidu does.
//!
//! The GCJ-02 forward transform has no closed-form inverse, so
//! [`gcj02_to_wgs84`] (and hence [`bd09_to_wgs84`]) inverts it iteratively;
//! the result reproduces the input to well under a millimetre.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// Semi-major axis of the Krasovsky 1940 ellipsoid, in metres.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid, written with
/// the published digits (the trailing ones do not change the `f64`).
#[allow(clippy::excessive_precision)]
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943_23;
/// Baidu's angular constant: `PI * 3000 / 180`.
const X_PI: f64 = PI * 3000.0 / 180.0;
/// Stop the GCJ-02 inverse once a step moves less than this many degrees.
const INVERSE_TOLERANCE_DEG: f64 = 1e-9;
/// Upper bound on GCJ-02 inverse iterations (convergence normally takes 2–4).
const INVERSE_MAX_ITERATIONS: usize = 30;

/// A coordinate reference system accepted at the service's edges.
///
/// Serialises as, and parses from, `"wgs84"`, `"gcj02"` or `"bd09"`.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::Crs;
///
/// let crs: Crs = " GCJ-02 ".parse().unwrap();
/// assert_eq!(crs, Crs::Gcj02);
/// assert_eq!(crs.to_string(), "gcj02");
///
/// // Points come in from AMap in GCJ-02; we store WGS84.
/// let (lon, lat) = crs.to_wgs84(121.555, 29.867);
/// let back = crs.from_wgs84(lon, lat);
/// assert!((back.0 - 121.555).abs() < 1e-9 && (back.1 - 29.867).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// WGS84 (EPSG:4326): the internal storage datum.
    #[default]
    Wgs84,
    /// GCJ-02, the Chinese "Mars" datum used by AMap and Tencent.
    Gcj02,
    /// BD-09, Baidu's datum (GCJ-02 plus Baidu's own offset).
    Bd09,
}

/// Why a CRS name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrsError {
    /// The text (as given) names no supported CRS.
    #[error("unknown crs {0:?}: expected wgs84, gcj02 or bd09")]
    Unknown(String),
}

impl FromStr for Crs {
    type Err = CrsError;

    /// Parses a CRS name, ignoring case and surrounding whitespace.
    ///
    /// Accepts `wgs84`, `wgs-84`, `epsg:4326` and `4326` for WGS84;
    /// `gcj02` and `gcj-02` for GCJ-02; `bd09` and `bd-09` for BD-09.
    ///
    /// # Examples
    /// ```
    /// use liaison::spatial::crs::{Crs, CrsError};
    ///
    /// assert_eq!("EPSG:4326".parse::<Crs>(), Ok(Crs::Wgs84));
    /// assert_eq!("bd-09".parse::<Crs>(), Ok(Crs::Bd09));
    /// assert_eq!(
    ///     "mercator".parse::<Crs>(),
    ///     Err(CrsError::Unknown("mercator".to_owned()))
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" | "epsg:4326" | "4326" => Ok(Crs::Wgs84),
            "gcj02" | "gcj-02" => Ok(Crs::Gcj02),
            "bd09" | "bd-09" => Ok(Crs::Bd09),
            _ => Err(CrsError::Unknown(s.to_owned())),
        }
    }
}

impl fmt::Display for Crs {
    /// Writes the canonical lowercase name, the same as [`Crs::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Crs {
    /// The canonical lowercase name: `"wgs84"`, `"gcj02"` or `"bd09"`.
    ///
    /// # Examples
    /// ```
    /// use liaison::spatial::crs::Crs;
    ///
    /// assert_eq!(Crs::Bd09.as_str(), "bd09");
    /// assert_eq!(Crs::default().as_str(), "wgs84");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }

    /// Converts `(lon, lat)` in this CRS to `(lon, lat)` in WGS84.
    ///
    /// # Examples
    /// ```
    /// use liaison::spatial::crs::{bd09_to_wgs84, Crs};
    ///
    /// assert_eq!(Crs::Wgs84.to_wgs84(121.55, 29.87), (121.55, 29.87));
    /// assert_eq!(Crs::Bd09.to_wgs84(121.56, 29.88), bd09_to_wgs84(121.56, 29.88));
    /// ```
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
            Crs::Bd09 => bd09_to_wgs84(lon, lat),
        }
    }

    /// Converts `(lon, lat)` in WGS84 to `(lon, lat)` in this CRS.
    ///
    /// # Examples
    /// ```
    /// use liaison::spatial::crs::{wgs84_to_gcj02, Crs};
    ///
    /// assert_eq!(Crs::Wgs84.from_wgs84(121.55, 29.87), (121.55, 29.87));
    /// assert_eq!(Crs::Gcj02.from_wgs84(121.55, 29.87), wgs84_to_gcj02(121.55, 29.87));
    /// ```
    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
            Crs::Bd09 => wgs84_to_bd09(lon, lat),
        }
    }
}

/// Whether `(lon, lat)` lies outside the rough mainland-China box in which
/// GCJ-02 is applied (longitude 72.004–137.8347, latitude 0.8293–55.8271).
///
/// The box is the conventional crude test used by the published GCJ-02
/// implementations; it includes e.g. Taiwan and parts of neighbouring
/// countries. NaN coordinates count as outside.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::out_of_china;
///
/// assert!(!out_of_china(121.55, 29.87)); // Ningbo
/// assert!(out_of_china(139.69, 35.68)); // Tokyo
/// assert!(out_of_china(f64::NAN, 30.0));
/// ```
pub fn out_of_china(lon: f64, lat: f64) -> bool {
    !((72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat))
}

/// The published GCJ-02 latitude polynomial, in metre-like units, of the
/// offsets `x = lon - 105`, `y = lat - 35`.
fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

/// The published GCJ-02 longitude polynomial, in metre-like units, of the
/// offsets `x = lon - 105`, `y = lat - 35`.
fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// The GCJ-02 offset `(dlon, dlat)` in degrees to add to a WGS84 point,
/// without the [`out_of_china`] test.
fn gcj02_offset(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 105.0;
    let y = lat - 35.0;
    let rad_lat = lat.to_radians();
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let dlat = transform_lat(x, y) * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon = transform_lon(x, y) * 180.0 / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (dlon, dlat)
}

/// Converts WGS84 `(lon, lat)` to GCJ-02 with the standard published forward
/// transform; points outside [`out_of_china`] are returned unchanged.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::wgs84_to_gcj02;
///
/// // Shanghai, a reference vector from the eviltransform test suite.
/// let (lon, lat) = wgs84_to_gcj02(121.5272106, 31.1774276);
/// assert!((lon - 121.531541859).abs() < 1e-8 && (lat - 31.175303984).abs() < 1e-8);
/// // Tokyo is outside China, so nothing moves.
/// assert_eq!(wgs84_to_gcj02(139.69, 35.68), (139.69, 35.68));
/// ```
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let (dlon, dlat) = gcj02_offset(lon, lat);
    (lon + dlon, lat + dlat)
}

/// Converts GCJ-02 `(lon, lat)` to WGS84 by inverting [`wgs84_to_gcj02`]
/// iteratively.
///
/// Starting from the GCJ-02 point itself, each step moves the estimate by the
/// residual `forward(estimate) - target`; because the offset varies slowly
/// this fixed-point iteration converges in a handful of steps. It stops once a
/// step is below 1e-9 degrees or after 30 iterations. Points whose estimate is
/// outside [`out_of_china`] come back unchanged, matching the forward
/// transform. NaN in gives NaN out.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::{gcj02_to_wgs84, wgs84_to_gcj02};
///
/// let (glon, glat) = wgs84_to_gcj02(121.55, 29.87);
/// let (lon, lat) = gcj02_to_wgs84(glon, glat);
/// assert!((lon - 121.55).abs() < 1e-9 && (lat - 29.87).abs() < 1e-9);
/// ```
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    invert(wgs84_to_gcj02, (lon, lat), (lon, lat))
}

/// Solves `forward(x) = target` by fixed-point iteration from `start`: `forward` is the identity
/// plus a small, slowly varying offset, so `x -= forward(x) - target` converges in a few steps.
fn invert(forward: fn(f64, f64) -> (f64, f64), target: (f64, f64), start: (f64, f64)) -> (f64, f64) {
    let (mut x, mut y) = start;
    for _ in 0..INVERSE_MAX_ITERATIONS {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (fx - target.0, fy - target.1);
        x -= dx;
        y -= dy;
        // Negated test so that NaN also ends the loop.
        if !(dx.abs() >= INVERSE_TOLERANCE_DEG || dy.abs() >= INVERSE_TOLERANCE_DEG) {
            break;
        }
    }
    (x, y)
}

/// Converts GCJ-02 `(lon, lat)` to BD-09 with Baidu's published formula.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::{bd09_to_gcj02, gcj02_to_bd09};
///
/// let (blon, blat) = gcj02_to_bd09(121.555, 29.867);
/// assert!(blon > 121.555 && blat > 29.867); // BD-09 sits north-east of GCJ-02
/// let (lon, lat) = bd09_to_gcj02(blon, blat);
/// assert!((lon - 121.555).abs() < 1e-5 && (lat - 29.867).abs() < 1e-5);
/// ```
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = lon.hypot(lat) + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Converts BD-09 `(lon, lat)` to GCJ-02: Baidu's published approximate inverse of
/// [`gcj02_to_bd09`] (off by up to ~0.2 m), refined by fixed-point iteration until the forward
/// transform lands back on the input.
///
/// # Examples
/// ```
/// use liaison::spatial::crs::{bd09_to_gcj02, gcj02_to_bd09};
///
/// let (lon, lat) = bd09_to_gcj02(121.5615, 29.8733);
/// let (blon, blat) = gcj02_to_bd09(lon, lat);
/// assert!((blon - 121.5615).abs() < 1e-5 && (blat - 29.8733).abs() < 1e-5);
/// ```
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = x.hypot(y) - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    invert(gcj02_to_bd09, (lon, lat), (z * theta.cos(), z * theta.sin()))
}

/// Converts WGS84 `(lon, lat)` to BD-09 (via GCJ-02).
///
/// # Examples
/// ```
/// use liaison::spatial::crs::{gcj02_to_bd09, wgs84_to_bd09, wgs84_to_gcj02};
///
/// let (glon, glat) = wgs84_to_gcj02(121.55, 29.87);
/// assert_eq!(wgs84_to_bd09(121.55, 29.87), gcj02_to_bd09(glon, glat));
/// ```
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(glon, glat)
}

/// Converts BD-09 `(lon, lat)` to WGS84: BD-09 to GCJ-02 with Baidu's
/// inverse, then the iterative [`gcj02_to_wgs84`].
///
/// # Examples
/// ```
/// use liaison::spatial::crs::{bd09_to_wgs84, wgs84_to_bd09};
///
/// let (blon, blat) = wgs84_to_bd09(121.55, 29.87);
/// let (lon, lat) = bd09_to_wgs84(blon, blat);
/// assert!((lon - 121.55).abs() < 1e-6 && (lat - 29.87).abs() < 1e-6);
/// ```
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Great-circle distance in metres on a 6 371 008.8 m sphere.
    fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
        const R: f64 = 6_371_008.8;
        let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
        let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
        let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
        2.0 * R * h.sqrt().asin()
    }

    /// A 0.5° grid plus 5 000 pseudo-random points over lon 73–135, lat 18–53.
    fn china_points() -> Vec<(f64, f64)> {
        let mut points = Vec::new();
        for i in 0..=124 {
            for j in 0..=70 {
                points.push((73.0 + 0.5 * f64::from(i), 18.0 + 0.5 * f64::from(j)));
            }
        }
        let mut rng = crate::sample::SplitMix64::new(0x006c_6961_6973_6f6e);
        for _ in 0..5_000 {
            let lon = rng.between(73.0, 135.0);
            let lat = rng.between(18.0, 53.0);
            points.push((lon, lat));
        }
        points
    }

    fn max_round_trip_m(forward: fn(f64, f64) -> (f64, f64), inverse: fn(f64, f64) -> (f64, f64)) -> f64 {
        china_points()
            .into_iter()
            .map(|p| {
                let (x, y) = forward(p.0, p.1);
                haversine_m(p, inverse(x, y))
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn gcj02_round_trip_stays_within_half_a_millimetre() {
        let max = max_round_trip_m(wgs84_to_gcj02, gcj02_to_wgs84);
        eprintln!("max WGS84->GCJ-02->WGS84 error: {max:e} m");
        assert!(max < 0.0005, "max round-trip error {max} m");
    }

    #[test]
    fn bd09_round_trip_stays_within_half_a_millimetre() {
        let max = max_round_trip_m(wgs84_to_bd09, bd09_to_wgs84);
        eprintln!("max WGS84->BD-09->WGS84 error: {max:e} m");
        assert!(max < 0.0005, "max round-trip error {max} m");
    }

    #[test]
    fn crs_methods_round_trip_for_every_crs() {
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            let (x, y) = crs.from_wgs84(116.39, 39.91);
            let back = crs.to_wgs84(x, y);
            assert!(haversine_m((116.39, 39.91), back) < 0.5, "{crs}: {back:?}");
        }
    }

    #[test]
    fn ningbo_gcj02_shift_is_a_few_hundred_metres_east_and_slightly_south() {
        let ningbo = (121.55, 29.87);
        let shifted = wgs84_to_gcj02(ningbo.0, ningbo.1);
        let metres = haversine_m(ningbo, shifted);
        assert!((200.0..800.0).contains(&metres), "shift {metres} m");
        // About +0.00416 degrees lon, -0.00258 degrees lat: east and a little south.
        assert!((shifted.0 - ningbo.0 - 0.00416).abs() < 0.0001, "{shifted:?}");
        assert!((shifted.1 - ningbo.1 + 0.00258).abs() < 0.0001, "{shifted:?}");
    }

    #[test]
    fn forward_transforms_match_published_reference_vectors() {
        // (WGS84 lon, lat) -> (GCJ-02 lon, lat) from the test suite of
        // googollee/eviltransform, the widely ported reference
        // implementation of this formula.
        let gcj_cases = [
            ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)), // Shanghai
            ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)), // Shenzhen
            ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)), // Beijing
        ];
        for (wgs, want) in gcj_cases {
            let got = wgs84_to_gcj02(wgs.0, wgs.1);
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{wgs:?}: got {got:?}, want {want:?}"
            );
        }
        // GCJ-02 -> BD-09 from the test suite of hujiulong/gcoord.
        let (lon, lat) = gcj02_to_bd09(123.0, 45.0);
        assert!((lon - 123.00636499).abs() < 1e-7, "lon {lon}");
        assert!((lat - 45.00636899).abs() < 1e-7, "lat {lat}");
        // The brief suggested wgs84_to_gcj02(116.397128, 39.916527) ~=
        // (116.40355, 39.91793). That input is AMap's own (already GCJ-02)
        // location of the Forbidden City, not a published test vector; the
        // formula gives (116.4033725, 39.9179307), whose longitude differs
        // from the suggestion by 1.8e-4 degrees, so it is not asserted.
    }

    #[test]
    fn points_outside_china_are_unchanged_by_gcj02() {
        for p in [(139.69, 35.68), (-0.1276, 51.5072), (151.21, -33.87)] {
            assert!(out_of_china(p.0, p.1));
            assert_eq!(wgs84_to_gcj02(p.0, p.1), p);
            assert_eq!(gcj02_to_wgs84(p.0, p.1), p);
            assert_eq!(Crs::Gcj02.to_wgs84(p.0, p.1), p);
        }
    }

    #[test]
    fn points_inside_china_are_moved_by_gcj02() {
        assert!(!out_of_china(121.55, 29.87));
        assert_ne!(wgs84_to_gcj02(121.55, 29.87), (121.55, 29.87));
    }

    #[test]
    fn nan_inputs_do_not_panic_and_give_nan() {
        let nan = f64::NAN;
        for f in [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84] {
            let (x, y) = f(nan, 30.0);
            assert!(x.is_nan() || y.is_nan() || (x, y) == (nan, 30.0));
            let (x, y) = f(120.0, nan);
            assert!(x.is_nan() || y.is_nan());
        }
        let (x, y) = Crs::Gcj02.to_wgs84(nan, nan);
        assert!(x.is_nan() && y.is_nan());
    }

    #[test]
    fn parsing_accepts_every_documented_spelling_in_any_case() {
        let cases = [
            ("wgs84", Crs::Wgs84),
            ("WGS84", Crs::Wgs84),
            ("wgs-84", Crs::Wgs84),
            ("EPSG:4326", Crs::Wgs84),
            ("epsg:4326", Crs::Wgs84),
            (" 4326 ", Crs::Wgs84),
            ("gcj02", Crs::Gcj02),
            ("GCJ-02", Crs::Gcj02),
            ("\tGcj02\n", Crs::Gcj02),
            ("bd09", Crs::Bd09),
            ("BD-09", Crs::Bd09),
            ("  Bd09", Crs::Bd09),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Crs>(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn parsing_an_unknown_name_reports_the_text() {
        let err = "mercator".parse::<Crs>().unwrap_err();
        assert_eq!(err, CrsError::Unknown("mercator".to_owned()));
        assert_eq!(err.to_string(), "unknown crs \"mercator\": expected wgs84, gcj02 or bd09");
        assert!(matches!("".parse::<Crs>(), Err(CrsError::Unknown(s)) if s.is_empty()));
        assert!("gcj 02".parse::<Crs>().is_err());
    }

    #[test]
    fn display_and_as_str_give_canonical_names_that_parse_back() {
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            assert_eq!(crs.to_string(), crs.as_str());
            assert_eq!(crs.as_str().parse::<Crs>(), Ok(crs));
        }
        assert_eq!(Crs::default(), Crs::Wgs84);
    }

    #[test]
    fn serde_uses_the_lowercase_names() {
        assert_eq!(serde_json::to_string(&Crs::Gcj02).unwrap(), "\"gcj02\"");
        let crs: Crs = serde_json::from_str("\"bd09\"").unwrap();
        assert_eq!(crs, Crs::Bd09);
        assert!(serde_json::from_str::<Crs>("\"BD09\"").is_err());
    }
}
